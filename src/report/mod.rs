//! Every way a [`crate::diagnostic::Diagnostic`] is shown: text (rustc-style snippets,
//! coloured on a terminal), JSON (versioned), SARIF 2.1.0, GitHub workflow commands, KRM
//! results. All of them read the same fields.

pub mod github;
pub mod json;
pub mod krm;
pub mod sarif;
pub mod text;

use std::collections::BTreeMap;

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
