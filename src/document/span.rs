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

/// Converts a saphyr error into a byte-positioned one.
pub(super) fn syntax_error(text: &str, err: &saphyr_parser::ScanError) -> SyntaxError {
    SyntaxError {
        offset: CharMap::new(text).byte(err.marker()),
        message: err.info().to_owned(),
    }
}

/// Start and end of a span, converted to byte offsets (used by error reporting).
pub fn span_bytes(text: &str, span: &Span) -> (usize, usize) {
    let map = CharMap::new(text);
    (map.byte(&span.start), map.byte(&span.end))
}
