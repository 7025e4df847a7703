//! Every way a [`crate::diagnostic::Diagnostic`] is shown: text (rustc-style snippets,
//! coloured on a terminal), JSON (versioned), SARIF 2.1.0, GitHub workflow commands, KRM
//! results. All of them read the same fields.

pub mod github;
pub mod json;
pub mod krm;
pub mod sarif;
pub mod text;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// Where file names are resolved for the formats GitHub reads (SARIF, workflow commands),
/// which name files relative to the repository root: findings name files as given, relative
/// to the current directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Paths {
    /// The current directory.
    pub cwd: PathBuf,
    /// The repository root (the git work tree's top), when there is one.
    pub root: Option<PathBuf>,
}

impl Paths {
    /// `name` relative to the repository root, `/`-separated, when it lies inside it (`.` and
    /// `..` resolved as written, without following links); `None` outside a repository.
    pub fn repo_relative(&self, name: &str) -> Option<String> {
        let root = self.root.as_ref()?;
        let path = Path::new(name);
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        };
        let mut normal = PathBuf::new();
        for part in absolute.components() {
            match part {
                Component::CurDir => {}
                Component::ParentDir => {
                    normal.pop();
                }
                other => normal.push(other),
            }
        }
        let inside = normal.strip_prefix(root).ok()?;
        let parts: Vec<String> = inside
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }
}

/// `1 document`, `2 documents`: how summaries count.
pub fn plural(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// How a format writes a diagnostic's hint; every reporter shows it through [`hint`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HintStyle {
    /// The hint alone: text's `= help:` note (its renderer writes the label), JSON's `hint`.
    Plain,
    /// A sentence after the message: `message Help: hint` (SARIF).
    Sentence,
    /// A line of its own after the message: `message\nhelp: hint` (GitHub annotations).
    Line,
    /// In parentheses after the message: `message (hint)` (KRM results).
    Parenthesised,
}

/// The diagnostic's hint written in `style`, when it has one: the text itself ([`HintStyle::Plain`])
/// or what follows the message.
pub fn hint(d: &Diagnostic, style: HintStyle) -> Option<String> {
    let hint = d.hint.as_deref()?;
    Some(match style {
        HintStyle::Plain => hint.to_owned(),
        HintStyle::Sentence => format!(" Help: {hint}"),
        HintStyle::Line => format!("\nhelp: {hint}"),
        HintStyle::Parenthesised => format!(" ({hint})"),
    })
}

/// `message` followed by the diagnostic's hint in `style` (unchanged without a hint).
pub fn with_hint(mut message: String, d: &Diagnostic, style: HintStyle) -> String {
    if let Some(hint) = hint(d, style) {
        message.push_str(&hint);
    }
    message
}

/// When to colour text output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set (https://no-color.org) or TERM is dumb
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether to colour output written to a stream.
pub fn use_color(choice: ColorChoice, is_terminal: bool, env: &BTreeMap<String, String>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal
                && env.get("NO_COLOR").is_none_or(|v| v.is_empty())
                && env.get("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

/// The output formats of `meshdrain check`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Annotated source snippets
    #[default]
    Text,
    /// A versioned JSON document (schema/check-output.v1.schema.json)
    Json,
    /// SARIF 2.1.0, for code scanning
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request)
    Github,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_style_writes_the_same_hint() {
        let d = Diagnostic::error("x", "bad").with_hint("fix it");
        let shown = |style| with_hint(d.message.clone(), &d, style);
        assert_eq!(hint(&d, HintStyle::Plain).as_deref(), Some("fix it"));
        assert_eq!(shown(HintStyle::Sentence), "bad Help: fix it");
        assert_eq!(shown(HintStyle::Line), "bad\nhelp: fix it");
        assert_eq!(shown(HintStyle::Parenthesised), "bad (fix it)");
        let bare = Diagnostic::error("x", "bad");
        assert_eq!(hint(&bare, HintStyle::Plain), None);
        assert_eq!(with_hint("bad".into(), &bare, HintStyle::Line), "bad");
    }

    #[test]
    fn color_follows_no_color_and_the_terminal() {
        let mut env = BTreeMap::new();
        assert!(use_color(ColorChoice::Auto, true, &env));
        assert!(!use_color(ColorChoice::Auto, false, &env));
        env.insert("NO_COLOR".to_owned(), "1".to_owned());
        assert!(!use_color(ColorChoice::Auto, true, &env));
        assert!(use_color(ColorChoice::Always, false, &env));
        env.insert("NO_COLOR".to_owned(), String::new());
        assert!(use_color(ColorChoice::Auto, true, &env));
        env.insert("TERM".to_owned(), "dumb".to_owned());
        assert!(!use_color(ColorChoice::Auto, true, &env));
        assert!(!use_color(ColorChoice::Never, true, &BTreeMap::new()));
    }
}
