//! Positions in a text: byte offset → 1-based line and column (in characters and in UTF-16
//! code units, as SARIF counts), with the line breaks of [`crate::linebreak`].

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
