//! Text: rustc-style diagnostics with the offending source line, rendered by
//! `annotate-snippets` (plain, or coloured for a terminal).

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Severity};
use crate::redact;

use super::HintStyle;

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// Byte range in `line` of characters `start..end` (1-based columns, end exclusive).
fn byte_range(line: &str, start: usize, end: usize) -> std::ops::Range<usize> {
    let offset = |column: usize| {
        line.char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line.len(), |(i, _)| i)
    };
    let a = offset(start);
    let b = offset(end).max(a);
    a..b
}

/// Text from the input (names, values) without characters that would move or hide text on a
/// terminal: controls and Unicode format characters (bidi overrides, zero-width) are escaped.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            let format = matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}');
            if c.is_control() || format {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What the diagnostic is about besides the line, as `= name: text` notes: document and
/// template file, resource, YAML path, suppression.
fn notes(d: &Diagnostic) -> Vec<(&'static str, String)> {
    let mut notes = Vec::new();
    if let Some(doc) = d.origin.document {
        let mut place = (doc + 1).to_string();
        if let Some(source) = &d.origin.source {
            place.push_str(&format!(" ({source})"));
        }
        notes.push(("document", place));
    }
    if let Some(resource) = &d.resource {
        notes.push(("resource", resource.to_string()));
    }
    if let Some(path) = &d.yaml_path {
        notes.push(("path", path.clone()));
    }
    if let Some(suppression) = &d.suppressed {
        notes.push((
            "suppressed",
            format!("by {suppression} (shown because of --no-ignores)"),
        ));
    }
    notes
}

/// The label of a position inside a Secret's masked value.
const HIDDEN: &str = "inside a value meshdrain does not show";

/// The line to quote, and a label for the caret. A Secret's line is masked
/// ([`crate::redact`]): a position inside the hidden value keeps its real column, so the line
/// is padded to it and the caret says why it points past the mask.
fn quoted_line(d: &Diagnostic, line: &str, column: usize) -> (String, Option<&'static str>) {
    if !d.origin.secret {
        return (line.to_owned(), None);
    }
    let mask_column = line.find(redact::MASK).map_or(usize::MAX, |b| {
        line.get(..b).unwrap_or("").chars().count() + 1
    });
    if column < mask_column {
        return (line.to_owned(), None);
    }
    let len = line.chars().count();
    let padded = format!("{line}{}", " ".repeat(column.saturating_sub(len)));
    (padded, Some(HIDDEN))
}

/// Renders one diagnostic; `color` adds ANSI styles.
pub fn render(d: &Diagnostic, color: bool) -> String {
    let file = d.origin.file.as_deref().unwrap_or("<stdin>");
    let title = level(d.severity)
        .primary_title(d.message.as_str())
        .id(d.code_str());
    let quoted = match (&d.origin.span, &d.origin.excerpt) {
        (Some(span), Some(line)) => Some(quoted_line(d, line, span.start.column)),
        _ => None,
    };
    let mut group: Group<'_> = match (&d.origin.span, &quoted) {
        (Some(span), Some((line, label))) => {
            let end_column = if span.end.line == span.start.line {
                span.end.column.max(span.start.column + 1)
            } else {
                line.chars().count() + 1
            };
            let mut range = byte_range(line, span.start.column, end_column);
            if range.is_empty() && !line.is_empty() {
                // A point (the end of a line, an empty value): mark the last character.
                let last = line.char_indices().last().map_or(0, |(i, _)| i);
                range = last.min(range.start)..line.len().max(range.start);
            }
            let mut annotation = AnnotationKind::Primary.span(range);
            if let Some(label) = label {
                annotation = annotation.label(*label);
            }
            title.element(
                Snippet::source(line.as_str())
                    .line_start(span.start.line)
                    .path(file)
                    .fold(false)
                    .annotation(annotation),
            )
        }
        // A position without a quotable line, or none: name the input (settings errors have
        // none at all).
        (span, _) => match &d.origin.file {
            Some(file) => {
                let mut origin = Origin::path(file.as_str());
                if let Some(span) = span {
                    origin = origin.line(span.start.line).char_column(span.start.column);
                }
                title.element(origin)
            }
            None => Group::with_title(title),
        },
    };
    for (name, text) in notes(d) {
        group = group.element(Level::NOTE.with_name(name).message(clean(&text)));
    }
    if let Some(hint) = super::hint(d, HintStyle::Plain) {
        group = group.element(Level::HELP.message(clean(&hint)));
    }
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = renderer.render(&[group]);
    if quoted.is_none() {
        // Without a snippet the renderer still draws a gutter line (` |`) above the notes:
        // it separates nothing.
        out = out
            .lines()
            .filter(|l| l.trim() != "|")
            .collect::<Vec<_>>()
            .join("\n");
    }
    if quoted.as_ref().is_some_and(|(_, label)| label.is_some()) {
        // The padding is no content: no trailing blanks in logs.
        out = out
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n");
    }
    let _ = writeln!(out);
    out
}

impl Diagnostic {
    /// Renders the diagnostic for a log or a pipe, rustc-style, without colour.
    pub fn render_text(&self) -> String {
        crate::report::text::render(self, false)
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render_text())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn input_text_cannot_reorder_the_terminal() {
        assert_eq!(
            super::clean("a\u{202e}b\u{1b}[31m"),
            "a\\u{202e}b\\u{1b}[31m"
        );
        assert_eq!(super::clean("网关 ok"), "网关 ok");
    }
}
