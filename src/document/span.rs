//! Byte offsets: saphyr reports positions in characters, the tree and its errors use bytes.

use saphyr_parser::{Marker, Span};

/// A parse failure inside one document slice, at a byte offset of that slice.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

/// Character index → byte offset for one slice (identity for ASCII text).
pub struct CharMap<'a> {
    text: &'a str,
    /// Byte offset of every char boundary, only built for non-ASCII text.
    offsets: Option<Vec<usize>>,
}

impl<'a> CharMap<'a> {
    pub fn new(text: &'a str) -> CharMap<'a> {
        let offsets = (!text.is_ascii()).then(|| {
            let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            v.push(text.len());
            v
        });
        CharMap { text, offsets }
    }

    pub fn byte(&self, marker: &Marker) -> usize {
        let index = marker.index();
        match &self.offsets {
            None => index.min(self.text.len()),
            Some(v) => v.get(index).copied().unwrap_or(self.text.len()),
        }
    }
}

/// Converts a saphyr error into a byte-positioned one. A flow collection that is never
/// closed is reported at its `{` or `[` (saphyr reports where it gave up, often lines later).
pub(super) fn syntax_error(text: &str, err: &saphyr_parser::ScanError) -> SyntaxError {
    let offset = CharMap::new(text).byte(err.marker());
    let message = err.info().to_owned();
    let unclosed = (message.contains("flow mapping") || message.contains("flow sequence"))
        .then(|| unclosed_flow_opener(text, offset))
        .flatten();
    match unclosed {
        Some((open, c)) => SyntaxError {
            offset: open,
            message: format!("{message}: this '{c}' is never closed"),
        },
        None => SyntaxError { offset, message },
    }
}

/// The innermost `{` or `[` before `end` that opens a flow collection and is not closed
/// before it. Brackets inside quotes, comments and plain scalars (`a[0]`) do not count: an
/// opener or a quote starts a token only after white space, the line's indentation or one
/// of `: - , [ { ?`.
fn unclosed_flow_opener(text: &str, end: usize) -> Option<(usize, char)> {
    let mut stack: Vec<(usize, char)> = Vec::new();
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut prev: Option<char> = None;
    let mut chars = text.get(..end)?.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\n' || c == '\r' {
            comment = false;
            if quote.is_none() {
                prev = None;
                continue;
            }
        }
        if comment {
            continue;
        }
        match quote {
            Some('\'') if c == '\'' => {
                if chars.peek().map(|&(_, n)| n) == Some('\'') {
                    chars.next();
                } else {
                    quote = None;
                }
            }
            Some('"') if c == '\\' => {
                chars.next();
            }
            Some('"') if c == '"' => quote = None,
            Some(_) => {}
            None => {
                let token_start = prev.is_none_or(|p| {
                    p.is_whitespace() || matches!(p, ':' | '-' | ',' | '[' | '{' | '?')
                });
                match c {
                    '#' if prev.is_none_or(char::is_whitespace) => comment = true,
                    '\'' | '"' if token_start => quote = Some(c),
                    '{' | '[' if token_start || !stack.is_empty() => stack.push((i, c)),
                    '}' | ']' if !stack.is_empty() => {
                        stack.pop();
                    }
                    _ => {}
                }
            }
        }
        prev = Some(c);
    }
    stack.last().copied()
}

/// Start and end of a span, converted to byte offsets (used by error reporting).
pub fn span_bytes(text: &str, span: &Span) -> (usize, usize) {
    let map = CharMap::new(text);
    (map.byte(&span.start), map.byte(&span.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unclosed_opener_is_found() {
        let text = "a: 1\nmetadata: {name: a\nspec:\n  x: 1\n";
        assert_eq!(unclosed_flow_opener(text, text.len()), Some((15, '{')));
        // Closed ones, quoted ones, comments and plain scalars do not count.
        let text = "a: {b: [1, 2]}\nc: 'x { y'\nd: \"[\" # { \ne: a[0\nf: [g, {h: i}\n";
        assert_eq!(
            unclosed_flow_opener(text, text.len()),
            text.find("[g").map(|i| (i, '['))
        );
        assert_eq!(unclosed_flow_opener("a: b\n", 5), None);
    }
}
