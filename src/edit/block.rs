//! Adding to block collections: a new `key: value` entry or `- item`, written as lines in
//! the document's layout.

use crate::document::{Node, NodeId};
use crate::patch::{NewValue, Pointer, dotted};

use super::editor::Editor;
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
        self.insert_lines_after(map.end, path, |nl| {
            let mut out = String::new();
            self.block_entry(&mut out, key, value, col, nl);
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
        Ok(vec![self.insert_lines_after(seq.end, path, |nl| {
            let mut out = String::new();
            self.block_item(&mut out, value, dash_col, nl);
            out
        })?])
    }

    /// `key: value` as block lines at column `col`.
    fn block_entry(&self, out: &mut String, key: &str, value: &NewValue, col: usize, nl: &str) {
        out.push_str(&" ".repeat(col));
        out.push_str(&scalar::write(key));
        out.push(':');
        match value {
            NewValue::Str(s) => {
                out.push(' ');
                out.push_str(&scalar::write(s));
                out.push_str(nl);
            }
            NewValue::Map(e) if e.is_empty() => {
                out.push_str(" {}");
                out.push_str(nl);
            }
            NewValue::Seq(i) if i.is_empty() => {
                out.push_str(" []");
                out.push_str(nl);
            }
            _ => {
                out.push_str(nl);
                self.block_value(out, value, col, nl);
            }
        }
    }

    /// The lines of a non-empty collection that is the value of a key at column `key_col`.
    pub(super) fn block_value(&self, out: &mut String, value: &NewValue, key_col: usize, nl: &str) {
        match value {
            NewValue::Map(entries) => {
                for (k, v) in entries {
                    self.block_entry(out, k, v, key_col + self.layout.step, nl);
                }
            }
            NewValue::Seq(items) => {
                for item in items {
                    self.block_item(out, item, key_col + self.layout.seq_indent, nl);
                }
            }
            NewValue::Str(s) => {
                out.push_str(&scalar::write(s));
                out.push_str(nl);
            }
        }
    }

    /// `- item` as block lines with the dash at column `dash_col`.
    fn block_item(&self, out: &mut String, value: &NewValue, dash_col: usize, nl: &str) {
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
                    self.block_entry(&mut body, k, v, content_col, nl);
                }
                // The first entry goes on the dash's line.
                out.push_str(&dash_prefix);
                out.push_str(body.get(content_col..).unwrap_or(&body));
            }
            NewValue::Str(s) => {
                out.push_str(&dash_prefix);
                out.push_str(&scalar::write(s));
                out.push_str(nl);
            }
            other => {
                out.push_str(&dash_prefix);
                out.push_str(&flow(other));
                out.push_str(nl);
            }
        }
    }
}
