//! A document inside a string: where the text of a literal block scalar (`key: |`, `|-`, `|+`,
//! `|2`) sits in its document, line by line, so that positions in the embedded document (the
//! istiod chart's `mesh` key holds the mesh config this way) map to positions in the outer one.
//!
//! A literal block scalar's value is its content lines with the indentation taken off, joined
//! by `\n`: value line `k` is the `k`-th line after the header, its text starting `indent`
//! bytes into that line. The map is read from the text and checked line by line against the
//! parsed value; a scalar whose lines do not match (a folded or quoted scalar, a header not on
//! its key's line, tabs) has no map.

use saphyr_parser::ScalarStyle;

use crate::linebreak;

use super::node::{NodeId, NodeKind};
use super::tree::Tree;

/// One value line of a block scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Line {
    /// Where the line starts in the value.
    inner: usize,
    /// Where it starts in the document, and where its text (after the indentation) starts.
    outer_start: usize,
    outer_text: usize,
    /// Where its text ends in the document (before the line break).
    outer_end: usize,
    empty: bool,
}

/// Where a position of the embedded text is in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outer {
    pub offset: usize,
    /// The offset is the start of a document line that has no text of the value (an empty
    /// line, or the line after the scalar): text written there needs the indentation first.
    pub bare: bool,
}

/// The lines of a literal block scalar in its document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockLines {
    lines: Vec<Line>,
    /// The value's length, and where the value ends in the document: after the last line's
    /// break when the value ends in one, else after its last text.
    inner_len: usize,
    outer_end: usize,
    ends_in_break: bool,
    /// The content's indentation, in spaces.
    pub indent: usize,
    /// The document's line break after the header.
    pub nl: &'static str,
}

impl BlockLines {
    /// The map of the literal block scalar `value`, the value of the mapping key `key`, in
    /// `text` (the document `tree` was parsed from).
    pub fn of(text: &str, tree: &Tree, key: NodeId, value: NodeId) -> Option<BlockLines> {
        let node = tree.node(value)?;
        let NodeKind::Scalar {
            value: string,
            style: ScalarStyle::Literal,
        } = &node.kind
        else {
            return None;
        };
        let bytes = text.as_bytes();
        let key_end = tree.node(key)?.end;
        // The header (`|-`) is on the key's line: the content starts on the next line.
        let (at, len) = linebreak::next_break(bytes, key_end)?;
        let header = text.get(key_end..at)?;
        if !header.trim_start().starts_with(':') || !header.contains('|') {
            return None;
        }
        let nl = linebreak::text_of(bytes, at, len);
        let mut outer = at + len;
        let parts: Vec<&str> = string.split('\n').collect();
        let ends_in_break = string.ends_with('\n');
        let count = if ends_in_break {
            parts.len().saturating_sub(1)
        } else if string.is_empty() {
            0
        } else {
            parts.len()
        };
        let mut indent = None;
        let mut lines = Vec::with_capacity(count);
        let mut inner = 0;
        for part in parts.iter().take(count) {
            let (line_end, next) = match linebreak::next_break(bytes, outer) {
                Some((at, len)) => (at, at + len),
                None => (bytes.len(), bytes.len()),
            };
            let line = text.get(outer..line_end)?;
            let spaces = line.len() - line.trim_start_matches(' ').len();
            let empty = part.is_empty();
            if empty {
                // An empty value line is a line of at most the indentation's spaces.
                if spaces != line.len() || indent.is_some_and(|i| spaces > i) {
                    return None;
                }
            } else {
                let prefix = line.strip_suffix(part)?;
                if !prefix.bytes().all(|b| b == b' ') {
                    return None;
                }
                match indent {
                    None => indent = Some(prefix.len()),
                    Some(i) if i != prefix.len() => return None,
                    Some(_) => {}
                }
            }
            lines.push(Line {
                inner,
                outer_start: outer,
                outer_text: if empty {
                    outer
                } else {
                    outer + line.len() - part.len()
                },
                outer_end: line_end,
                empty,
            });
            inner += part.len() + 1;
            if next == outer {
                return None;
            }
            outer = next;
        }
        let outer_end = match (ends_in_break, lines.last()) {
            (false, Some(last)) => last.outer_end,
            _ => outer,
        };
        Some(BlockLines {
            lines,
            inner_len: string.len(),
            outer_end,
            ends_in_break,
            indent: indent.unwrap_or(0),
            nl,
        })
    }

    /// Where the value's byte `inner` is in the document (`inner` may be the value's length).
    pub fn outer(&self, inner: usize) -> Option<Outer> {
        if inner > self.inner_len {
            return None;
        }
        if inner == self.inner_len {
            return Some(Outer {
                offset: self.outer_end,
                bare: self.ends_in_break || self.lines.is_empty(),
            });
        }
        let k = self
            .lines
            .partition_point(|l| l.inner <= inner)
            .checked_sub(1)?;
        let line = self.lines.get(k)?;
        let column = inner - line.inner;
        if line.empty {
            return (column == 0).then_some(Outer {
                offset: line.outer_start,
                bare: true,
            });
        }
        let offset = line.outer_text + column;
        // The line break after the text is the value's `\n`.
        (offset <= line.outer_end).then_some(Outer {
            offset,
            bare: false,
        })
    }

    /// `start..end` of the value as a span of the document, for messages.
    pub fn span(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let a = self.outer(start)?.offset;
        let b = self.outer(end.min(self.inner_len))?.offset;
        Some((a, b.max(a)))
    }

    /// The document text that the value `text` becomes when written at `at` (where the value's
    /// `\n` are the document's line breaks, and each new line with text starts with the
    /// indentation); `before` says whether text follows on the same document line.
    pub fn written(&self, text: &str, at: Outer, followed_by_text: bool) -> String {
        let pad = " ".repeat(self.indent);
        let mut out = String::with_capacity(text.len() + 8);
        let parts: Vec<&str> = text.split('\n').collect();
        let last = parts.len().saturating_sub(1);
        for (i, part) in parts.iter().enumerate() {
            let line_start = if i == 0 { at.bare } else { true };
            if i > 0 {
                out.push_str(self.nl);
            }
            let text_follows = !part.is_empty() || (i == last && followed_by_text);
            if line_start && text_follows {
                out.push_str(&pad);
            }
            out.push_str(part);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mapping that holds `m`: the root, or its `x`.
    fn parent(tree: &Tree) -> NodeId {
        let root = tree.root.unwrap();
        tree.get(root, "x").unwrap_or(root)
    }

    fn lines_of(text: &str) -> (Tree, BlockLines) {
        let tree = Tree::parse(text).unwrap();
        let (key, value) = tree.entry(parent(&tree), "m").unwrap();
        let lines = BlockLines::of(text, &tree, key, value)
            .unwrap_or_else(|| panic!("no lines for {text:?}: {:?}", tree.node(value)));
        (tree, lines)
    }

    fn value(tree: &Tree) -> String {
        let m = tree.get(parent(tree), "m").unwrap();
        tree.node(m).unwrap().as_str().unwrap().to_owned()
    }

    #[test]
    fn every_value_byte_maps_to_its_place() {
        for text in [
            "m: |\n  a: 1\n  b:\n    c: 2\nn: 1\n",
            "m: |-\n    a: 1\n\n    b: 2\n",
            "m: |+\n  a: 1\n\n\nn: 1\n",
            "x:\r\n  m: |2\r\n      a: 1\r\n    b: 2\r\n",
            "m: |  # comment\n  a\n  b",
        ] {
            let (tree, lines) = lines_of(text);
            let v = value(&tree);
            for (i, c) in v.char_indices() {
                let at = lines.outer(i).unwrap();
                if c == '\n' {
                    // (saphyr reads a final break the text does not have: at its end.)
                    let rest = &text[at.offset..];
                    assert!(
                        rest.starts_with(['\n', '\r']) || rest.is_empty() || at.bare,
                        "{text:?} {i}"
                    );
                } else {
                    assert_eq!(text[at.offset..].chars().next(), Some(c), "{text:?} {i}");
                }
            }
            assert!(lines.outer(v.len()).is_some());
            assert!(lines.outer(v.len() + 1).is_none());
        }
    }

    #[test]
    fn scalars_without_a_line_map_have_none() {
        for text in [
            "m: >\n  a\n  b\n",
            "m: \"a\\nb\\n\"\n",
            "m:\n  |\n  a\n",
            "m: plain\n",
        ] {
            let tree = Tree::parse(text).unwrap();
            let root = tree.root.unwrap();
            let (key, value) = tree.entry(root, "m").unwrap();
            assert!(
                BlockLines::of(text, &tree, key, value).is_none(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn written_text_takes_the_indentation_and_line_breaks() {
        let (_, lines) = lines_of("x:\r\n  m: |\r\n    a: 1\r\n");
        assert_eq!(lines.indent, 4);
        let at_end_of_line = Outer {
            offset: 0,
            bare: false,
        };
        assert_eq!(
            lines.written("\n  b: 2", at_end_of_line, false),
            "\r\n      b: 2"
        );
        let bare = Outer {
            offset: 0,
            bare: true,
        };
        assert_eq!(lines.written("b: 2\n", bare, false), "    b: 2\r\n");
        assert_eq!(
            lines.written("b: 2\n", at_end_of_line, true),
            "b: 2\r\n    "
        );
    }
}
