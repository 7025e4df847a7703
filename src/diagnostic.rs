//! The one diagnostic type: errors, the change summary, lint findings and KRM results are all
//! a [`Diagnostic`], rendered by the same code. A diagnostic describes itself: its [`Code`]
//! carries the lint rule's [`RuleMeta`] when it is a finding, so reporters need no registry.

use std::fmt;

use crate::redact;

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

/// A lint rule's identity and documentation; `meshdrain explain` prints `doc`. The rules
/// (`lint::rules`) declare one each; a finding's [`Code::Rule`] points at it.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleMeta {
    /// `GD007`.
    pub code: &'static str,
    /// `drain-exceeds-grace-period`.
    pub name: &'static str,
    /// The severity of its findings unless a finding says otherwise.
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// The rule's doc comment: What it detects / Why it matters / Example / Fix.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The doc comment without rustdoc's leading space on each line.
    pub fn doc_text(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned()
    }

    /// `meshdrain explain CODE`.
    pub fn explain(&self) -> String {
        format!(
            "{} {} ({})\n\n{}\n\n{}\n",
            self.code,
            self.name,
            self.severity.as_str(),
            self.summary,
            self.doc_text()
        )
    }
}

/// What a diagnostic is: a lint rule's finding, or one of the tool's own messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A lint finding (`GD007`), with its rule's name, severity and documentation.
    Rule(&'static RuleMeta),
    /// A stable kebab-case code of the tool's own (`invalid-duration`, `changed`).
    Tool(&'static str),
}

impl Code {
    /// `GD007` or `invalid-duration`, as every output shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Rule(meta) => meta.code,
            Code::Tool(code) => code,
        }
    }

    /// The lint rule, when the diagnostic is a finding.
    pub fn rule(self) -> Option<&'static RuleMeta> {
        match self {
            Code::Rule(meta) => Some(meta),
            Code::Tool(_) => None,
        }
    }
}

impl From<&'static str> for Code {
    fn from(code: &'static str) -> Code {
        Code::Tool(code)
    }
}

impl From<&'static RuleMeta> for Code {
    fn from(meta: &'static RuleMeta) -> Code {
        Code::Rule(meta)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The code alone (a rule's documentation would fill a test's failure message).
impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Rule(meta) => write!(f, "Rule({})", meta.code),
            Code::Tool(code) => write!(f, "Tool({code:?})"),
        }
    }
}

/// `d.code == "GD000"`: compares the code as every output shows it.
impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

pub use crate::position::{LineIndex, Position, TextSpan};

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

/// The resource annotation that suppresses rules for one resource:
/// `meshdrain.io/ignore: "GD013,GD014; reason"` (`lint::suppress` reads it).
pub const IGNORE_ANNOTATION: &str = "meshdrain.io/ignore";

/// Where a suppression is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    /// The resource's own [`IGNORE_ANNOTATION`] annotation.
    Annotation,
    /// An entry of the policy's `spec.check.ignore`.
    Policy,
}

/// What would hide a finding, shown with `--no-ignores`. Its text (`Display`) is what every
/// output says: `the meshdrain.io/ignore annotation (reason)`, `the policy's check.ignore`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// The reason given with it, if any.
    pub reason: Option<String>,
}

impl fmt::Display for Suppression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            SuppressionKind::Annotation => write!(f, "the {IGNORE_ANNOTATION} annotation")?,
            SuppressionKind::Policy => f.write_str("the policy's check.ignore")?,
        }
        match &self.reason {
            Some(reason) => write!(f, " ({reason})"),
            None => Ok(()),
        }
    }
}

/// One message to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A lint rule (`GD007`, with its metadata) or a stable kebab-case code of the tool's
    /// own (`invalid-duration`).
    pub code: Code,
    pub message: String,
    pub origin: Origin,
    pub resource: Option<ResourceRef>,
    /// Dotted path of the YAML node (`spec.components.istio.kubeSpec.overlays[1]`).
    pub yaml_path: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
    /// The meshdrain command that fixes it (lint findings), e.g. `meshdrain render`.
    pub fix: Option<String>,
    /// The suppression that would hide this finding (shown with `--no-ignores`).
    pub suppressed: Option<Suppression>,
}

impl Diagnostic {
    /// `code` is a tool code (`"invalid-duration"`) or a rule's `&RuleMeta` (see [`Code`]).
    pub fn new(
        severity: Severity,
        code: impl Into<Code>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            code: code.into(),
            message: message.into(),
            origin: Origin::default(),
            resource: None,
            yaml_path: None,
            hint: None,
            fix: None,
            suppressed: None,
        }
    }

    pub fn error(code: impl Into<Code>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message)
    }

    pub fn info(code: impl Into<Code>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Info, code, message)
    }

    /// The code as every output shows it: `GD007`, `invalid-duration`.
    pub fn code_str(&self) -> &'static str {
        self.code.as_str()
    }

    /// The lint rule that found it, if it is a finding.
    pub fn rule(&self) -> Option<&'static RuleMeta> {
        self.code.rule()
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
            self.mask_messages();
        }
        self
    }

    /// Masks the message and hint (the origin is a Secret).
    fn mask_messages(&mut self) {
        self.message = redact::quoted(&self.message);
        self.hint = self.hint.as_deref().map(redact::quoted);
    }

    /// Called when the diagnostic is pointed at line `line` of `index`: decides whether it is
    /// about a Secret (its resource's kind, else the document around the line) and masks it.
    fn redact_at(&mut self, index: &LineIndex<'_>, line: usize) {
        let secret = self.origin.secret
            || match &self.resource {
                Some(r) => redact::is_secret_kind(&r.kind),
                None => redact::in_secret_document(index, line),
            };
        if !secret {
            return;
        }
        if !self.origin.secret {
            self.origin.secret = true;
            self.mask_messages();
        }
        if self.origin.excerpt.is_some() {
            self.origin.excerpt = Some(redact::masked_line(index, line));
        }
    }

    /// Points the diagnostic at `start..end` of `index`'s text. In a Secret (the resource's
    /// kind, else the document around the position) values are masked ([`crate::redact`]).
    pub fn at(mut self, index: &LineIndex<'_>, start: usize, end: usize) -> Diagnostic {
        let span = index.span(start, end);
        let line = index.line_text(span.start.line);
        // A very long line (one-line flow documents) is not worth quoting: the location says it.
        self.origin.excerpt = (line.len() <= MAX_EXCERPT_BYTES).then(|| line.to_owned());
        self.origin.span = Some(span);
        self.redact_at(index, span.start.line);
        self
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
