//! Flow style: writing a value as `{a: b, c: [d]}`, and adding an item to a flow collection.

use crate::document::NodeId;
use crate::patch::NewValue;

use super::editor::Editor;
use super::scalar;
use super::splice::Splice;

impl<'a> Editor<'a> {
    /// Where a mapping entry's content ends (an empty value sits at the colon).
    pub(super) fn entry_end(&self, key: NodeId, value: NodeId) -> usize {
        let k = self.tree.node(key);
        let v = self.tree.node(value);
        let end = k.map_or(0, |n| n.end).max(v.map_or(0, |n| n.end));
        // `{a: }`: the empty value sits at the colon, which belongs to the entry, and so does
        // the white space after it (a plain key's `:` must be followed by a space).
        match (k, v) {
            (Some(k), Some(v)) if v.is_empty_null() && !v.tagged && v.anchor == 0 => {
                self.colon_after(k).map_or(end, |c| {
                    let rest = self.text.get(c + 1..).unwrap_or("");
                    let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                    end.max(c + 1 + spaces)
                })
            }
            _ => end,
        }
    }

    /// Inserts `item` (flow text) into a flow collection, after its last entry.
    pub(super) fn add_flow_item(
        &self,
        open: usize,
        close: usize,
        last_end: Option<usize>,
        item: &str,
    ) -> Splice {
        match last_end {
            Some(end) => {
                // After `a:` with nothing behind it, `a:,` would make the colon part of a
                // plain key.
                let after_colon = self
                    .text
                    .get(..end)
                    .is_some_and(|before| before.ends_with(':'));
                let sep = if after_colon { " , " } else { ", " };
                Splice {
                    range: end..end,
                    text: format!("{sep}{item}"),
                }
            }
            None => {
                let inner = self.text.get(open + 1..close).unwrap_or("");
                if inner.is_empty() {
                    Splice {
                        range: close..close,
                        text: item.to_owned(),
                    }
                } else if inner.trim().is_empty() && !inner.contains(['\n', '\r']) {
                    Splice {
                        range: open + 1..close,
                        text: format!(" {item} "),
                    }
                } else {
                    Splice {
                        range: open + 1..open + 1,
                        text: format!(" {item}"),
                    }
                }
            }
        }
    }
}

/// A value in flow style: `{a: b, c: [d]}`.
pub fn flow(value: &NewValue) -> String {
    match value {
        NewValue::Str(s) => scalar::write(s),
        NewValue::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", scalar::write(k), flow(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        NewValue::Seq(items) => {
            let inner: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", inner.join(", "))
        }
    }
}
