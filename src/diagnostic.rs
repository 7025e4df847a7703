//! The one diagnostic type: errors, the change summary and (later) lint findings and KRM
//! results are all a [`Diagnostic`], rendered by the same code.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A position in a text: 1-based line, 1-based column in characters (and in UTF-16 code
/// units, as SARIF counts), and the byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub column_utf16: usize,
    pub byte: usize,
}

/// A resolved range in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TextSpan {
    pub start: Position,
    pub end: Position,
}

/// Byte offset → line and column, for one text.
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        // YAML breaks lines at LF, CRLF and a lone CR.
        line_starts.extend(
            memchr::memchr2_iter(b'\n', b'\r', bytes)
                .filter(|&i| !(bytes.get(i) == Some(&b'\r') && bytes.get(i + 1) == Some(&b'\n')))
                .map(|i| i + 1),
        );
        LineIndex { text, line_starts }
    }

    pub fn position(&self, byte: usize) -> Position {
        let mut byte = byte.min(self.text.len());
        // An offset inside a character (a span's end one byte past a multi-byte character's
        // start) counts from that character's start.
        while byte > 0 && !self.text.is_char_boundary(byte) {
            byte -= 1;
        }
        let line0 = self
            .line_starts
            .partition_point(|&s| s <= byte)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line0).copied().unwrap_or(0);
        let prefix = self.text.get(line_start..byte).unwrap_or("");
        // A byte order mark is not a column anyone counts.
        let counted = prefix.chars().filter(|&c| c != '\u{feff}');
        let column = counted.clone().count() + 1;
        let column_utf16 = counted.map(char::len_utf16).sum::<usize>() + 1;
        Position {
            line: line0 + 1,
            column,
            column_utf16,
            byte,
        }
    }

    pub fn span(&self, start: usize, end: usize) -> TextSpan {
        TextSpan {
            start: self.position(start),
            end: self.position(end.max(start)),
        }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &'a str {
        let start = line
            .checked_sub(1)
            .and_then(|l| self.line_starts.get(l))
            .copied();
        let Some(start) = start else { return "" };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
            .trim_start_matches('\u{feff}')
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// The longest source line a diagnostic quotes.
pub const MAX_EXCERPT_BYTES: usize = 1024;

/// The Kubernetes object a diagnostic is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResourceRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.api_version, self.kind)?;
        match (&self.namespace, &self.name) {
            (Some(ns), Some(name)) => write!(f, " {ns}/{name}"),
            (None, Some(name)) => write!(f, " {name}"),
            (_, None) => write!(f, " (unnamed)"),
        }
    }
}

/// Where in the input a diagnostic points.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The input's name: a file path, or `<stdin>`.
    pub file: Option<String>,
    /// 0-based index of the document in the stream (shown 1-based).
    pub document: Option<usize>,
    /// The template file Helm named in `# Source:` (or the Helm 4 filename annotation).
    pub source: Option<String>,
    pub span: Option<TextSpan>,
    /// The source line the span starts on, for the excerpt.
    pub excerpt: Option<String>,
    /// The text is a Kubernetes Secret's: the excerpt shows keys but no values, and quoted
    /// text in the message and hint is masked ([`crate::redact`]).
    pub secret: bool,
}

/// One message to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable kebab-case code (`invalid-duration`) or a lint rule code (`GD007`).
    pub code: &'static str,
    pub message: String,
    pub origin: Origin,
    pub resource: Option<ResourceRef>,
    /// Dotted path of the YAML node (`spec.components.istio.kubeSpec.overlays[1]`).
    pub yaml_path: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
    /// The meshdrain command that fixes it (lint findings), e.g. `meshdrain render`.
    pub fix: Option<String>,
    /// Why a suppression would hide this finding (shown with `--no-ignores`).
    pub suppressed: Option<String>,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            origin: Origin::default(),
            resource: None,
            yaml_path: None,
            hint: None,
            fix: None,
            suppressed: None,
        }
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message)
    }

    pub fn info(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Info, code, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_path(mut self, path: impl Into<String>) -> Diagnostic {
        self.yaml_path = Some(path.into());
        self
    }

    /// Sets the path unless it is empty (the document root).
    pub fn with_path_if_any(self, path: String) -> Diagnostic {
        if path.is_empty() {
            self
        } else {
            self.with_path(path)
        }
    }

    pub fn with_resource(mut self, resource: Option<ResourceRef>) -> Diagnostic {
        self.resource = resource;
        self
    }

    /// Sets where the diagnostic points; an origin in a Secret masks the message and hint.
    pub fn with_origin(mut self, origin: Origin) -> Diagnostic {
        self.origin = origin;
        if self.origin.secret {
            crate::redact::mask_messages(&mut self);
        }
        self
    }

    /// Points the diagnostic at `start..end` of `index`'s text. In a Secret (the resource's
    /// kind, else the document around the position) values are masked ([`crate::redact`]).
    pub fn at(mut self, index: &LineIndex<'_>, start: usize, end: usize) -> Diagnostic {
        let span = index.span(start, end);
        let line = index.line_text(span.start.line);
        // A very long line (one-line flow documents) is not worth quoting: the location says it.
        self.origin.excerpt = (line.len() <= MAX_EXCERPT_BYTES).then(|| line.to_owned());
        self.origin.span = Some(span);
        crate::redact::at(&mut self, index, span.start.line);
        self
    }

    /// Renders the diagnostic for a log or a pipe, rustc-style, without colour.
    pub fn render_text(&self) -> String {
        crate::report::text::render(self, false)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_skip_the_bom() {
        let text = "\u{feff}a: 1\r\nb: ä x\n";
        let index = LineIndex::new(text);
        assert_eq!(
            index.position(3),
            Position {
                line: 1,
                column: 1,
                column_utf16: 1,
                byte: 3
            }
        );
        let x = text.find('x').unwrap();
        assert_eq!(
            index.position(x),
            Position {
                line: 2,
                column: 6,
                column_utf16: 6,
                byte: x
            }
        );
        assert_eq!(index.line_text(1), "a: 1");
        assert_eq!(index.line_text(2), "b: ä x");
    }

    #[test]
    fn a_lone_carriage_return_breaks_lines_too() {
        let text = "a: 1\rb: 2\r\nc: 3\nd: 4";
        let index = LineIndex::new(text);
        let d = text.find('d').unwrap();
        assert_eq!((index.position(d).line, index.position(d).column), (4, 1));
        let b = text.find('b').unwrap();
        assert_eq!(index.position(b).line, 2);
        assert_eq!(index.line_text(2), "b: 2");
        assert_eq!(index.line_count(), 4);
    }

    #[test]
    fn renders_location_excerpt_and_help() {
        let text = "kind: A\nspec:\n  x: bad\n";
        let index = LineIndex::new(text);
        let start = text.find("bad").unwrap();
        let d = Diagnostic::error("invalid-duration", "bad is not a duration")
            .with_origin(Origin {
                document: Some(2),
                source: Some("c/t.yaml".into()),
                ..Origin::default()
            })
            .at(&index, start, start + 3)
            .with_path("spec.x")
            .with_hint("write 10s");
        let text = d.render_text();
        assert!(text.contains("error[invalid-duration]: bad is not a duration"));
        assert!(text.contains("--> <stdin>:3:6"));
        assert!(text.contains("3 |   x: bad\n  |      ^^^"));
        assert!(text.contains("= document: 3 (c/t.yaml)"));
        assert!(text.contains("= path: spec.x"));
        assert!(text.contains("= help: write 10s"));
    }
}
