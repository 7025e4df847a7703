//! Splits a YAML stream into byte-exact document slices.
//!
//! Boundaries are found by a line scan, not a parser: YAML forbids a line starting with `---`
//! or `...` followed by white space or a line end inside any scalar (`c-forbidden`), so such a
//! line is always a document marker. Concatenating the slices gives back the input exactly.
//! A slice runs from its `---` line (or the directives before it) to the next slice; comments
//! after a `...` stay with the document they follow.

use std::ops::Range;

/// One document's bytes (possibly a slice holding only comments or nothing at all).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slice {
    pub range: Range<usize>,
}

/// What a line is, as far as document boundaries go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineKind {
    DocumentStart,
    DocumentEnd,
    Directive,
    Blank,
    Comment,
    Content,
}

fn marker_follows(rest: &[u8]) -> bool {
    matches!(rest.first(), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

fn classify(line: &[u8]) -> LineKind {
    if let Some(rest) = line.strip_prefix(b"---")
        && marker_follows(rest)
    {
        return LineKind::DocumentStart;
    }
    if let Some(rest) = line.strip_prefix(b"...")
        && marker_follows(rest)
    {
        return LineKind::DocumentEnd;
    }
    match line
        .iter()
        .find(|&&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        None => LineKind::Blank,
        Some(b'#') => LineKind::Comment,
        Some(b'%') if line.first() == Some(&b'%') => LineKind::Directive,
        Some(_) => LineKind::Content,
    }
}

/// Splits `input` into slices whose concatenation is `input`.
pub fn split(input: &[u8]) -> Vec<Slice> {
    let mut slices = Vec::new();
    let mut current = 0;
    // Between documents (stream start, or after `...`) directives may open the next document.
    let mut between = true;
    let mut directives_at: Option<usize> = None;
    let mut body_seen = false;
    for (start, line) in crate::linebreak::lines(input) {
        // A byte order mark at the stream's start is not part of its first line's marker.
        let line = if start == 0 {
            line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line)
        } else {
            line
        };
        let kind = classify(line);
        let opens_document = match kind {
            LineKind::DocumentStart => true,
            LineKind::Content => between && body_seen,
            _ => false,
        };
        if opens_document {
            let at = directives_at.unwrap_or(start);
            if at > current && body_seen {
                slices.push(Slice { range: current..at });
                current = at;
            }
        }
        match kind {
            LineKind::DocumentStart | LineKind::Content => {
                between = false;
                directives_at = None;
                body_seen = true;
            }
            LineKind::DocumentEnd => {
                between = true;
                body_seen = true;
            }
            LineKind::Directive if between => {
                directives_at.get_or_insert(start);
            }
            LineKind::Directive | LineKind::Blank | LineKind::Comment => {}
        }
    }
    if current < input.len() || slices.is_empty() {
        slices.push(Slice {
            range: current..input.len(),
        });
    }
    slices
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(input: &str) -> Vec<&str> {
        split(input.as_bytes())
            .into_iter()
            .map(|s| input.get(s.range).unwrap_or("<bad range>"))
            .collect()
    }

    #[test]
    fn helm3_style() {
        let s = "---\n# Source: a.yaml\nkind: A\n---\n# Source: b.yaml\nkind: B\n";
        assert_eq!(
            parts(s),
            [
                "---\n# Source: a.yaml\nkind: A\n",
                "---\n# Source: b.yaml\nkind: B\n"
            ]
        );
    }

    #[test]
    fn helm4_style_and_leading_comments() {
        let s = "# c\nkind: A\n---\nkind: B";
        assert_eq!(parts(s), ["# c\nkind: A\n", "---\nkind: B"]);
    }

    #[test]
    fn comments_before_first_marker_stay_with_it() {
        let s = "# c\n\n--- # x\nkind: A\n";
        assert_eq!(parts(s), ["# c\n\n--- # x\nkind: A\n"]);
    }

    #[test]
    fn directives_open_the_next_document() {
        let s = "%YAML 1.2\n---\na: 1\n...\n# after\n%YAML 1.2\n---\nb: 2\n";
        assert_eq!(
            parts(s),
            [
                "%YAML 1.2\n---\na: 1\n...\n# after\n",
                "%YAML 1.2\n---\nb: 2\n"
            ]
        );
    }

    #[test]
    fn bare_document_after_end_marker() {
        let s = "a: 1\n... # end\nb: 2\n";
        assert_eq!(parts(s), ["a: 1\n... # end\n", "b: 2\n"]);
    }

    #[test]
    fn directives_are_only_at_column_zero_between_documents() {
        // Indented: not a directive, so it opens a bare document after `...`.
        let s = "a: 1\n...\n  %x\n";
        assert_eq!(parts(s), ["a: 1\n...\n", "  %x\n"]);
        // Inside a document (here a root literal scalar) a `%` line is content.
        let s = "--- |\n%x\n---\nb: 2\n";
        assert_eq!(parts(s), ["--- |\n%x\n", "---\nb: 2\n"]);
    }

    #[test]
    fn markers_need_a_separator() {
        let s = "a: |\n  x\n---x\n----\n...y\n";
        assert_eq!(parts(s), [s]);
    }

    #[test]
    fn a_bom_does_not_hide_the_first_marker() {
        let s = "\u{feff}...\n%YAML 1.2\n---\na: 1\n";
        assert_eq!(parts(s), ["\u{feff}...\n", "%YAML 1.2\n---\na: 1\n"]);
        let s = "\u{feff}---\na: 1\n---\nb: 2\n";
        assert_eq!(parts(s), ["\u{feff}---\na: 1\n", "---\nb: 2\n"]);
    }

    #[test]
    fn lone_cr_breaks_lines() {
        let s = "a: 1\r---\rb: 2\r...\rc: 3";
        assert_eq!(parts(s), ["a: 1\r", "---\rb: 2\r...\r", "c: 3"]);
    }

    #[test]
    fn crlf_and_empty_documents() {
        let s = "---\r\na: 1\r\n---\r\n---\r\n";
        assert_eq!(parts(s), ["---\r\na: 1\r\n", "---\r\n", "---\r\n"]);
        assert_eq!(parts(""), [""]);
    }
}
