//! Adding to block collections: a new `key: value` entry or `- item`, written as lines in
//! the document's layout. A multi-line string becomes a literal block scalar (`key: |`).

use crate::document::{Node, NodeId};
use crate::patch::{NewValue, Pointer, dotted};

use super::block_scalar::{new_literal, write_lines};
use super::editor::{Breaks, Editor};
use super::error::EditError;
use super::flow::flow;
use super::layout::{column, seq_dash};
use super::scalar;
use super::splice::Splice;

impl<'a> Editor<'a> {
    pub(super) fn add_block_entry(
        &self,
        map: &Node,
        key: &str,
        value: &NewValue,
        path: &Pointer,
    ) -> Result<Splice, EditError> {
        let col = column(self.text, map.start);
        self.insert_lines_after(map.end, path, |b| {
            let mut out = String::new();
            self.block_entry(&mut out, key, value, col, b);
            out
        })
    }

    pub(super) fn append_block_item(
        &self,
        seq: &Node,
        items: &[NodeId],
        value: &NewValue,
        path: &Pointer,
    ) -> Result<Vec<Splice>, EditError> {
        let dash =
            seq_dash(self.tree, self.text, items, seq.start).ok_or(EditError::Unsupported {
                path: dotted(path),
                what: "a block sequence whose dashes could not be found",
                at: seq.start,
            })?;
        let dash_col = column(self.text, dash);
        Ok(vec![self.insert_lines_after(seq.end, path, |b| {
            let mut out = String::new();
            self.block_item(&mut out, value, dash_col, b);
            out
        })?])
    }

    /// A scalar after `key:` or `- ` and its line break(s): a multi-line string as a literal
    /// block whose lines sit at column `content_col`, anything else as one token.
    fn block_scalar_value(
        &self,
        out: &mut String,
        value: &NewValue,
        content_col: usize,
        b: Breaks,
    ) {
        if let NewValue::Str(s) = value
            && let Some(literal) = new_literal(s, content_col, b)
        {
            out.push('|');
            out.push_str(literal.chomp.indicator());
            out.push_str(b.nl);
            write_lines(out, &literal.lines, content_col, b.nl);
        } else {
            out.push_str(&scalar::write_value(value).unwrap_or_else(|| flow(value)));
            out.push_str(b.nl);
        }
    }

    /// `key: value` as block lines at column `col`.
    fn block_entry(&self, out: &mut String, key: &str, value: &NewValue, col: usize, b: Breaks) {
        out.push_str(&" ".repeat(col));
        out.push_str(&scalar::write(key));
        out.push(':');
        match value {
            NewValue::Str(_) | NewValue::Int(_) | NewValue::Bool(_) => {
                out.push(' ');
                self.block_scalar_value(out, value, col + self.layout.step, b);
            }
            NewValue::Map(e) if e.is_empty() => {
                out.push_str(" {}");
                out.push_str(b.nl);
            }
            NewValue::Seq(i) if i.is_empty() => {
                out.push_str(" []");
                out.push_str(b.nl);
            }
            _ => {
                out.push_str(b.nl);
                self.block_value(out, value, col, b);
            }
        }
    }

    /// The lines of a non-empty collection that is the value of a key at column `key_col`.
    pub(super) fn block_value(
        &self,
        out: &mut String,
        value: &NewValue,
        key_col: usize,
        b: Breaks,
    ) {
        match value {
            NewValue::Map(entries) => {
                for (k, v) in entries {
                    self.block_entry(out, k, v, key_col + self.layout.step, b);
                }
            }
            NewValue::Seq(items) => {
                for item in items {
                    self.block_item(out, item, key_col + self.layout.seq_indent, b);
                }
            }
            NewValue::Str(_) | NewValue::Int(_) | NewValue::Bool(_) => {
                out.push_str(&scalar::write_value(value).unwrap_or_default());
                out.push_str(b.nl);
            }
        }
    }

    /// `- item` as block lines with the dash at column `dash_col`.
    fn block_item(&self, out: &mut String, value: &NewValue, dash_col: usize, b: Breaks) {
        let content_col = dash_col + self.layout.item_offset;
        let dash_prefix = format!(
            "{}-{}",
            " ".repeat(dash_col),
            " ".repeat(self.layout.item_offset - 1)
        );
        match value {
            NewValue::Map(entries) if !entries.is_empty() => {
                let mut body = String::new();
                for (k, v) in entries {
                    self.block_entry(&mut body, k, v, content_col, b);
                }
                // The first entry goes on the dash's line.
                out.push_str(&dash_prefix);
                out.push_str(body.get(content_col..).unwrap_or(&body));
            }
            other => {
                out.push_str(&dash_prefix);
                self.block_scalar_value(out, other, content_col, b);
            }
        }
    }
}
