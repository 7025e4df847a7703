//! Line breaks, as every layer counts them: LF, CRLF and a lone CR (YAML's `b-break`, and
//! what go-yaml and libyaml read too). The stream splitter, the node tree, the editor and
//! reported positions all use these functions, so they agree on where a line ends.
//!
//! NEL (U+0085), LS (U+2028) and PS (U+2029) are *not* line breaks here: YAML 1.2 (and so
//! saphyr) reads them as ordinary characters, while libyaml-family readers (go-yaml, which
//! Helm and Kubernetes use) break lines at them. A document meshdrain must interpret that holds
//! one is refused instead ([`find_ambiguous_break`]).

/// The next line break at or after `from`: its offset and its length (1 or 2).
pub fn next_break(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let rest = bytes.get(from..)?;
    let i = memchr::memchr2(b'\n', b'\r', rest)?;
    let at = from + i;
    let len = if bytes.get(at) == Some(&b'\r') && bytes.get(at + 1) == Some(&b'\n') {
        2
    } else {
        1
    };
    Some((at, len))
}

/// The byte offset just after the last line break before `pos` (0 when there is none).
pub fn line_start(bytes: &[u8], pos: usize) -> usize {
    let pos = pos.min(bytes.len());
    bytes
        .get(..pos)
        .and_then(|b| memchr::memrchr2(b'\n', b'\r', b))
        .map_or(0, |i| i + 1)
}

/// The number of line breaks in `bytes` (a CRLF counts once).
pub fn count(bytes: &[u8]) -> usize {
    let crlf = memchr::memmem::find_iter(bytes, b"\r\n").count();
    memchr::memchr2_iter(b'\n', b'\r', bytes).count() - crlf
}

/// The text of a line break of `bytes` starting at `at` with length `len`.
pub fn text_of(bytes: &[u8], at: usize, len: usize) -> &'static str {
    match (bytes.get(at), len) {
        (Some(b'\r'), 2) => "\r\n",
        (Some(b'\r'), _) => "\r",
        _ => "\n",
    }
}

/// The first line break of a text, as text; `\n` when it has none.
pub fn first(bytes: &[u8]) -> &'static str {
    next_break(bytes, 0).map_or("\n", |(at, len)| text_of(bytes, at, len))
}

/// Lines with their terminators: `(start, line)`; concatenated they give back `bytes`.
pub fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        let end = next_break(bytes, start).map_or(bytes.len(), |(at, len)| at + len);
        pos = end;
        Some((start, bytes.get(start..end)?))
    })
}

/// The lines of a text without their breaks (like [`str::lines`], which knows only LF and
/// CRLF, but a lone CR ends a line too).
pub fn text_lines(text: &str) -> impl Iterator<Item = &str> {
    lines(text.as_bytes()).filter_map(move |(start, line)| {
        let content = line.len()
            - line
                .iter()
                .rev()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count()
                .min(2);
        text.get(start..start + content)
    })
}

/// The first NEL, LS or PS in `text`, with its byte offset: characters that libyaml-family
/// readers take as line breaks and YAML 1.2 readers do not.
pub fn find_ambiguous_break(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = bytes
        .get(from..)
        .and_then(|b| memchr::memchr2(0xC2, 0xE2, b))
    {
        let at = from + i;
        let c = text.get(at..).and_then(|s| s.chars().next());
        if let Some(c @ ('\u{85}' | '\u{2028}' | '\u{2029}')) = c {
            return Some((at, c));
        }
        from = at + 1;
    }
    None
}

/// `text` as a libyaml-family reader splits it into lines: NEL, LS and PS become line feeds.
pub fn as_libyaml_reads(text: &str) -> String {
    text.replace(['\u{85}', '\u{2028}', '\u{2029}'], "\n")
}

/// A name for one of the characters [`find_ambiguous_break`] finds.
pub fn describe(c: char) -> String {
    let name = match c {
        '\u{85}' => " (NEL, next line)",
        '\u{2028}' => " (LS, line separator)",
        '\u{2029}' => " (PS, paragraph separator)",
        _ => "",
    };
    format!("U+{:04X}{name}", u32::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_of_every_kind() {
        let b = b"a\rb\r\nc\nd";
        assert_eq!(next_break(b, 0), Some((1, 1)));
        assert_eq!(next_break(b, 2), Some((3, 2)));
        assert_eq!(next_break(b, 5), Some((6, 1)));
        assert_eq!(next_break(b, 7), None);
        assert_eq!(count(b), 3);
        assert_eq!(line_start(b, 8), 7);
        assert_eq!(line_start(b, 3), 2);
        assert_eq!(line_start(b, 5), 5);
        assert_eq!(line_start(b, 1), 0);
        let parts: Vec<&[u8]> = lines(b).map(|(_, l)| l).collect();
        assert_eq!(parts, [&b"a\r"[..], b"b\r\n", b"c\n", b"d"]);
        assert_eq!(first(b), "\r");
        assert_eq!(first(b"x\r\n"), "\r\n");
        assert_eq!(first(b"x"), "\n");
        let t: Vec<&str> = text_lines("a\rb\r\n\nc\r\r").collect();
        assert_eq!(t, ["a", "b", "", "c", ""]);
    }

    #[test]
    fn ambiguous_breaks() {
        assert_eq!(find_ambiguous_break("é a: ¢"), None);
        assert_eq!(find_ambiguous_break("é\u{85}"), Some((2, '\u{85}')));
        assert_eq!(find_ambiguous_break("a\u{2029}"), Some((1, '\u{2029}')));
        assert_eq!(find_ambiguous_break("€\u{2028}"), Some((3, '\u{2028}')));
    }
}
