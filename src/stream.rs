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

/// The splitter's state between two lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct State {
    /// Between documents (stream start, or after `...`): directives may open the next one,
    /// and a content line opens one.
    between: bool,
    /// Where the directives that open the next document start.
    directives_at: Option<usize>,
    /// A document (or a marker) was seen: the next opening line starts a new slice.
    body_seen: bool,
    /// Where the current slice starts.
    current: usize,
}

impl State {
    const START: State = State {
        between: true,
        directives_at: None,
        body_seen: false,
        current: 0,
    };

    /// Takes one line (`kind`, starting at `start`); gives back where a new slice starts,
    /// if this line opens one.
    fn line(&mut self, start: usize, kind: LineKind) -> Option<usize> {
        let opens_document = match kind {
            LineKind::DocumentStart => true,
            LineKind::Content => self.between && self.body_seen,
            _ => false,
        };
        let mut boundary = None;
        if opens_document {
            let at = self.directives_at.unwrap_or(start);
            if at > self.current && self.body_seen {
                boundary = Some(at);
                self.current = at;
            }
        }
        match kind {
            LineKind::DocumentStart | LineKind::Content => {
                self.between = false;
                self.directives_at = None;
                self.body_seen = true;
            }
            LineKind::DocumentEnd => {
                self.between = true;
                self.body_seen = true;
            }
            LineKind::Directive if self.between => {
                self.directives_at.get_or_insert(start);
            }
            LineKind::Directive | LineKind::Blank | LineKind::Comment => {}
        }
        boundary
    }
}

/// The kind of the line at `start` (a byte order mark at the stream's start is not part of
/// its first line's marker).
fn kind_at(start: usize, line: &[u8]) -> LineKind {
    let line = if start == 0 {
        line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line)
    } else {
        line
    };
    classify(line)
}

/// Splits `input` into slices whose concatenation is `input`.
///
/// Only marker lines (`---`, `...`) change what a line means while a document is open, so
/// the scan jumps from line break to line break (a SIMD byte search) looking only at the
/// first bytes after each, and reads lines one by one only at the stream's start and after a
/// `...`, where directives and bare documents may follow. [`split_by_lines`] is the line-by-line original
/// it is tested against.
pub fn split(input: &[u8]) -> Vec<Slice> {
    let mut slices = Vec::new();
    let mut state = State::START;
    let mut pos = 0;
    'lines: while pos < input.len() {
        // Line by line, until a document is open.
        while state.between || !state.body_seen {
            let Some(line) = line_at(input, pos) else {
                break 'lines;
            };
            if let Some(at) = state.line(pos, kind_at(pos, line)) {
                cut(&mut slices, at);
            }
            pos += line.len();
        }
        // A document is open: only the next marker line matters. Line starts follow a line
        // break (a CR followed by LF is one break: the line starts after the LF).
        let rest = input.get(pos.saturating_sub(1)..).unwrap_or_default();
        let marker = memchr::memchr2_iter(b'\n', b'\r', rest).find_map(|i| {
            let at = pos.saturating_sub(1) + i + 1;
            let kind = match input.get(at..at + 3) {
                Some(b"---") => LineKind::DocumentStart,
                Some(b"...") => LineKind::DocumentEnd,
                _ => return None,
            };
            (at >= pos && is_marker_line(input, at)).then_some((at, kind))
        });
        let Some((at, kind)) = marker else {
            break;
        };
        if let Some(start) = state.line(at, kind) {
            cut(&mut slices, start);
        }
        pos = at + line_at(input, at).map_or(0, <[u8]>::len);
    }
    finish(slices, input.len())
}

/// Ends the slice before `at` (the start of the next one).
fn cut(slices: &mut Vec<Slice>, at: usize) {
    let from = slices.last().map_or(0, |s| s.range.end);
    slices.push(Slice { range: from..at });
}

/// The last slice: the rest of the input, or the whole (empty) input.
fn finish(mut slices: Vec<Slice>, len: usize) -> Vec<Slice> {
    let from = slices.last().map_or(0, |s| s.range.end);
    if from < len || slices.is_empty() {
        slices.push(Slice { range: from..len });
    }
    slices
}

/// The line starting at `pos`, with its terminator.
fn line_at(input: &[u8], pos: usize) -> Option<&[u8]> {
    let end = crate::linebreak::next_break(input, pos).map_or(input.len(), |(at, len)| at + len);
    input.get(pos..end).filter(|l| !l.is_empty())
}

/// Whether the `---` or `...` at `at` is a marker line: at a line start (not the stream's
/// first line, which is read line by line) and followed by white space or a line end.
fn is_marker_line(input: &[u8], at: usize) -> bool {
    at > 0
        && matches!(input.get(at - 1), Some(b'\n' | b'\r'))
        && marker_follows(input.get(at + 3..).unwrap_or_default())
}

/// [`split`], reading every line: the definition the fast scan must agree with.
pub fn split_by_lines(input: &[u8]) -> Vec<Slice> {
    let mut slices = Vec::new();
    let mut state = State::START;
    for (start, line) in crate::linebreak::lines(input) {
        if let Some(at) = state.line(start, kind_at(start, line)) {
            cut(&mut slices, at);
        }
    }
    finish(slices, input.len())
}

/// How the scan enters a slice after the first: whether it is between documents (the slice
/// before it ended after a `...`) and whether it has seen a marker or content line yet (only
/// a first slice of blank lines, comments and directives leaves it unseen).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    between: bool,
    body_seen: bool,
}

/// How the scan enters the slice after `previous` (the stream's `first` slice, or another).
/// A slice after the first has a marker or content line (it opens with one), and its last
/// one decides.
pub fn entry_after(previous: &[u8], first: bool) -> Entry {
    let mut between = true;
    let mut seen = false;
    for (at, line) in crate::linebreak::lines(previous) {
        let kind = if first {
            kind_at(at, line)
        } else {
            classify(line)
        };
        match kind {
            LineKind::DocumentEnd => (between, seen) = (true, true),
            LineKind::DocumentStart | LineKind::Content => (between, seen) = (false, true),
            _ => {}
        }
    }
    Entry {
        between,
        body_seen: seen || !first,
    }
}

/// Whether `text`, put in place of a slice of a stream, is cut exactly as that slice was:
/// one slice, opened where it starts (unless it is the first: `entry` is `None`), ending at
/// a line start and in the state the `original` leaves the scan in (unless it is the `last`),
/// so that the slices after it are cut as before. `entry` is how the scan enters it
/// ([`entry_after`] the slice before). When this holds for every replaced slice, the whole
/// output splits into the input's slices with the replaced ones in their places (the scan
/// enters each slice in the state it entered the original in, by induction).
pub fn cut_in_place(
    original: &[u8],
    text: &[u8],
    entry: Option<Entry>,
    last: bool,
) -> Result<(), String> {
    let first = entry.is_none();
    let start = match entry {
        None => State::START,
        Some(e) => State {
            between: e.between,
            directives_at: None,
            body_seen: e.body_seen,
            current: 0,
        },
    };
    // A slice after the first is opened by its own first lines: offsets are shifted by one
    // so that its start is after `current`, as it is in the stream.
    let shift = usize::from(!first);
    let run = |bytes: &[u8]| {
        let mut state = start;
        let mut cuts = Vec::new();
        for (at, line) in crate::linebreak::lines(bytes) {
            let kind = if first {
                kind_at(at, line)
            } else {
                classify(line)
            };
            if let Some(b) = state.line(at + shift, kind) {
                cuts.push(b - shift);
            }
        }
        (cuts, state)
    };
    let (cuts, end) = run(text);
    match cuts.as_slice() {
        [] if first => {}
        [0] if !first => {}
        [] => return Err("it no longer starts a document of its own".to_owned()),
        [at, ..] if !first && *at > 0 => {
            return Err("its first lines would join the document before it".to_owned());
        }
        _ => return Err("it splits into more than one document".to_owned()),
    }
    if last {
        return Ok(());
    }
    let (_, original_end) = run(original);
    let ends_at_line_start = matches!(text.last(), Some(b'\n' | b'\r'));
    let same_state = (end.between, end.body_seen) == (original_end.between, original_end.body_seen);
    if !ends_at_line_start || !same_state || end.directives_at.is_some() {
        return Err("it runs into the next document".to_owned());
    }
    Ok(())
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

    /// Streams of lines that matter to the splitter, with every kind of line break.
    fn stream_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let line = prop::sample::select(vec![
            "---",
            "--- x",
            "--- |",
            "----",
            "---x",
            "...",
            "... # c",
            "....",
            "%YAML 1.2",
            "%TAG ! x",
            "  %x",
            "# c",
            "",
            "  ",
            "a: 1",
            "  b: 2",
            "x---",
            "- ---",
            "\u{feff}---",
            "\u{feff}",
            "\u{feff}a: 1",
            "kind: A",
            "\t...",
            " ---",
        ]);
        let brk = prop::sample::select(vec!["\n", "\r\n", "\r"]);
        (prop::collection::vec((line, brk), 0..24), any::<bool>()).prop_map(|(lines, end)| {
            let mut text: String = lines.iter().map(|(l, b)| format!("{l}{b}")).collect();
            if !end && let Some((l, b)) = lines.last() {
                text.truncate(text.len() - b.len());
                let _ = l;
            }
            text
        })
    }

    proptest::proptest! {
        #[test]
        fn the_fast_scan_cuts_as_the_line_scan(text in stream_text()) {
            proptest::prop_assert_eq!(split(text.as_bytes()), split_by_lines(text.as_bytes()));
        }

        #[test]
        fn the_fast_scan_cuts_noise_as_the_line_scan(text in "[-.%# a\r\n\t]{0,120}") {
            proptest::prop_assert_eq!(split(text.as_bytes()), split_by_lines(text.as_bytes()));
        }

        /// A replacement the local check accepts keeps every slice of the stream where it
        /// was; the original text itself is always accepted.
        #[test]
        fn an_accepted_replacement_keeps_the_stream_cut(
            text in stream_text(),
            replacement in stream_text(),
            pick in 0usize..64,
        ) {
            let bytes = text.as_bytes();
            let slices = split(bytes);
            let i = pick % slices.len();
            let range = slices[i].range.clone();
            let entry = i
                .checked_sub(1)
                .map(|p| entry_after(&bytes[slices[p].range.clone()], p == 0));
            let last = i + 1 == slices.len();
            let original = &bytes[range.clone()];
            proptest::prop_assert_eq!(cut_in_place(original, original, entry, last), Ok(()));
            for candidate in [replacement.as_bytes().to_vec(), [original, b"k: v\n"].concat()] {
                if cut_in_place(original, &candidate, entry, last).is_err() {
                    continue;
                }
                let output = [&bytes[..range.start], &candidate, &bytes[range.end..]].concat();
                let lengths: Vec<usize> = slices
                    .iter()
                    .enumerate()
                    .map(|(j, s)| if j == i { candidate.len() } else { s.range.len() })
                    .filter(|&n| n > 0 || slices.len() == 1)
                    .collect();
                let got: Vec<usize> = split(&output).iter().map(|s| s.range.len()).collect();
                proptest::prop_assert_eq!(got, lengths);
            }
        }
    }

    #[test]
    fn an_edit_that_runs_into_the_next_document_is_caught() {
        let text = b"a: 1\n---\nb: 1\n";
        // The edit of document 1 lost its line break: `c: x---` glues the next one on.
        assert_eq!(
            cut_in_place(b"a: 1\n", b"a: 1\nc: x", None, false),
            Err("it runs into the next document".to_owned())
        );
        assert!(cut_in_place(b"a: 1\n", b"a: 1\nc: x\n", None, false).is_ok());
        // An edit that adds a marker splits; one that drops the marker joins the one before.
        let second = &text[5..];
        let entry = Some(entry_after(&text[..5], true));
        assert!(cut_in_place(second, b"---\nb: 1\n---\nc: 2\n", entry, true).is_err());
        assert_eq!(
            cut_in_place(second, b"b: 1\n", entry, true),
            Err("it no longer starts a document of its own".to_owned())
        );
        assert_eq!(
            cut_in_place(second, b"# x\n---\nb: 1\n", entry, true),
            Err("its first lines would join the document before it".to_owned())
        );
        // After a `...` a content line opens the next document.
        let after_end = Some(entry_after(b"a: 1\n...\n# c\n", true));
        assert!(cut_in_place(b"b: 1\n", b"b: 1\nc: 2\n", after_end, true).is_ok());
        assert!(
            cut_in_place(
                b"b: 1\n",
                b"b: 1\nc: 2\n",
                Some(entry_after(b"a: 1\n", true)),
                true
            )
            .is_err()
        );
    }
}
