//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding,
//! which GitHub shows as an annotation on the file and line.

use crate::diagnostic::{Diagnostic, Severity};

use super::{HintStyle, Paths};

/// Escapes a command's message (GitHub's `escapeData`).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value (GitHub's `escapeProperty`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command; a file inside the repository `paths` names is given relative to its
/// root, as GitHub places annotations.
pub fn render(d: &Diagnostic, paths: &Paths) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut props = Vec::new();
    if let Some(file) = &d.origin.file {
        let file = paths.repo_relative(file).unwrap_or_else(|| file.clone());
        props.push(format!("file={}", property(&file)));
    }
    if let Some(span) = &d.origin.span {
        props.push(format!("line={}", span.start.line));
        props.push(format!("col={}", span.start.column));
        props.push(format!("endLine={}", span.end.line));
        if span.end.line == span.start.line {
            props.push(format!("endColumn={}", span.end.column));
        }
    }
    let title = match d.rule() {
        Some(rule) if !rule.name.is_empty() => format!("{} {}", rule.code, rule.name),
        _ => d.code_str().to_owned(),
    };
    props.push(format!("title={}", property(&title)));
    let mut message = d.message.clone();
    if let Some(resource) = &d.resource {
        message.push_str(&format!(" [{resource}]"));
    }
    let message = super::with_hint(message, d, HintStyle::Line);
    format!("::{command} {}::{}\n", props.join(","), data(&message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{LineIndex, Origin};

    #[test]
    fn commands_escape_their_parts() {
        let text = "a: 1\nb: 2\n";
        // A finding of GD002: the title names the rule.
        let gd002 = crate::lint::rule("GD002").unwrap().meta();
        let d = Diagnostic::error(gd002, "50% of it, a:b")
            .with_origin(Origin {
                file: Some("dir,x/a:b.yaml".into()),
                ..Origin::default()
            })
            .at(&LineIndex::new(text), 5, 9)
            .with_hint("line one\nline two");
        assert_eq!(
            render(&d, &Paths::default()),
            "::error file=dir%2Cx/a%3Ab.yaml,line=2,col=1,endLine=2,endColumn=5,title=GD002 invalid-duration::50%25 of it, a:b%0Ahelp: line one%0Aline two\n"
        );
        // Run in a subdirectory of the repository: the file is named from the root.
        let paths = Paths {
            cwd: "/repo/charts".into(),
            root: Some("/repo".into()),
        };
        assert!(render(&d, &paths).starts_with("::error file=charts/dir%2Cx/a%3Ab.yaml,"));
    }
}
