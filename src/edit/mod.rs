//! The splice editor: applies a [`Change`] to a document's text by inserting or replacing a
//! few bytes at spans from the node tree. The rest of the document is never touched, never
//! re-serialised; new lines follow the document's layout and line endings.
//!
//! The editor refuses what it cannot do safely (a route through an alias, a block scalar to
//! replace, an implicit flow pair) with a typed error; the caller re-parses every result and
//! compares it with the json-patch oracle.

pub mod layout;
pub mod offsets;
pub mod scalar;

use std::ops::Range;

use saphyr_parser::ScalarStyle;

use crate::document::node_type;
use crate::document::{Node, NodeId, NodeKind, Style, Tree};
use crate::linebreak;
use crate::patch::dotted;
use crate::patch::{Change, NewValue, Pointer, Step};
pub use layout::Layout;
use layout::{column, seq_dash};

/// Replace `range` of the text with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Splice {
    pub range: Range<usize>,
    pub text: String,
}

/// Why the editor refused a change. `at` is a byte offset in the document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("{path} goes through an alias; meshdrain does not edit through aliases")]
    ThroughAlias { path: String, at: usize },
    #[error("{path} is anchored and reused by an alias, so editing it would change the alias too")]
    Anchored { path: String, at: usize },
    #[error("{path} is {found}, not {expected}")]
    WrongType {
        path: String,
        found: &'static str,
        expected: &'static str,
        at: usize,
    },
    #[error("{path} appears {count} times in its mapping")]
    DuplicateKey {
        path: String,
        count: usize,
        at: usize,
    },
    #[error("{path} uses a merge key (<<); meshdrain does not edit merged mappings")]
    MergeKey { path: String, at: usize },
    #[error("{path} is {what}, which meshdrain does not rewrite")]
    Unsupported {
        path: String,
        what: &'static str,
        at: usize,
    },
    #[error("{path} does not exist")]
    Missing { path: String },
    #[error("{path} already exists")]
    Exists { path: String, at: usize },
    #[error("overlapping edits at byte {at}")]
    Overlap { at: usize },
}

impl EditError {
    pub fn offset(&self) -> Option<usize> {
        match self {
            EditError::ThroughAlias { at, .. }
            | EditError::Anchored { at, .. }
            | EditError::WrongType { at, .. }
            | EditError::DuplicateKey { at, .. }
            | EditError::MergeKey { at, .. }
            | EditError::Unsupported { at, .. }
            | EditError::Exists { at, .. }
            | EditError::Overlap { at } => Some(*at),
            EditError::Missing { .. } => None,
        }
    }

    pub fn hint(&self) -> &'static str {
        match self {
            EditError::ThroughAlias { .. }
            | EditError::Anchored { .. }
            | EditError::MergeKey { .. } => {
                "write this part of the resource out in full (no anchors, aliases or << merges), or set the drain field by hand"
            }
            EditError::WrongType { .. } => {
                "fix the structure of the resource; TSB expects this shape too"
            }
            EditError::DuplicateKey { .. } => {
                "remove the repeated key; Kubernetes rejects duplicate keys"
            }
            EditError::Unsupported { .. } => {
                "write the value as a plain or quoted scalar, or set the drain field by hand"
            }
            EditError::Missing { .. } | EditError::Exists { .. } | EditError::Overlap { .. } => {
                "this is a meshdrain bug: please report it with the input"
            }
        }
    }
}

/// Applies non-overlapping splices to `text`.
pub fn apply(text: &str, splices: &[Splice]) -> Result<String, EditError> {
    let mut sorted: Vec<&Splice> = splices.iter().collect();
    sorted.sort_by_key(|s| (s.range.start, s.range.end));
    let mut out =
        String::with_capacity(text.len() + splices.iter().map(|s| s.text.len()).sum::<usize>());
    let mut pos = 0;
    for s in sorted {
        if s.range.start < pos || s.range.end < s.range.start {
            return Err(EditError::Overlap { at: s.range.start });
        }
        out.push_str(
            text.get(pos..s.range.start)
                .ok_or(EditError::Overlap { at: s.range.start })?,
        );
        out.push_str(&s.text);
        pos = s.range.end;
    }
    out.push_str(text.get(pos..).ok_or(EditError::Overlap { at: pos })?);
    Ok(out)
}

/// A node found by a path, with what holds it.
struct Located {
    node: NodeId,
    /// The mapping and key node, when the node is a mapping value.
    key: Option<(NodeId, NodeId)>,
}

/// The editor for one document.
pub struct Editor<'a> {
    pub tree: &'a Tree,
    pub text: &'a str,
    pub layout: Layout,
}

impl<'a> Editor<'a> {
    pub fn new(tree: &'a Tree, text: &'a str) -> Editor<'a> {
        Editor {
            tree,
            text,
            layout: Layout::learn(tree, text),
        }
    }

    fn node(&self, id: NodeId) -> Result<&'a Node, EditError> {
        self.tree.node(id).ok_or_else(|| EditError::Missing {
            path: format!("node {id}"),
        })
    }

    /// Follows `path` from the root, refusing aliases, anchors in use, merges and duplicates.
    fn locate(&self, path: &Pointer) -> Result<Located, EditError> {
        let mut current = self.tree.root.ok_or_else(|| EditError::Missing {
            path: "(document)".into(),
        })?;
        let mut key = None;
        let mut walked = Pointer::root();
        for step in path.steps() {
            let node = self.node(current)?;
            self.check_editable(node, &walked)?;
            match step {
                Step::Key(k) => {
                    walked = walked.key(k);
                    if !matches!(node.kind, NodeKind::Mapping { .. }) {
                        return Err(self.wrong_type(node, &walked, "a mapping"));
                    }
                    if self.tree.key_count(current, "<<") > 0 {
                        return Err(EditError::MergeKey {
                            path: dotted(&walked),
                            at: node.start,
                        });
                    }
                    let count = self.tree.key_count(current, k);
                    let (key_node, value) =
                        self.tree
                            .entry(current, k)
                            .ok_or_else(|| EditError::Missing {
                                path: dotted(&walked),
                            })?;
                    if count > 1 {
                        let at = self.node(key_node)?.start;
                        return Err(EditError::DuplicateKey {
                            path: dotted(&walked),
                            count,
                            at,
                        });
                    }
                    key = Some((current, key_node));
                    current = value;
                }
                Step::Index(i) => {
                    walked = walked.index(*i);
                    if !matches!(node.kind, NodeKind::Sequence { .. }) {
                        return Err(self.wrong_type(node, &walked, "a sequence"));
                    }
                    current =
                        *self
                            .tree
                            .items(current)
                            .get(*i)
                            .ok_or_else(|| EditError::Missing {
                                path: dotted(&walked),
                            })?;
                    key = None;
                }
                Step::Append => {
                    return Err(EditError::Missing {
                        path: dotted(&walked.append()),
                    });
                }
            }
        }
        self.check_editable(self.node(current)?, &walked)?;
        Ok(Located { node: current, key })
    }

    fn check_editable(&self, node: &Node, path: &Pointer) -> Result<(), EditError> {
        if matches!(node.kind, NodeKind::Alias { .. }) {
            return Err(EditError::ThroughAlias {
                path: dotted(path),
                at: node.start,
            });
        }
        if node.anchor != 0 && self.tree.aliased.contains(&node.anchor) {
            return Err(EditError::Anchored {
                path: dotted(path),
                at: node.start,
            });
        }
        if node.foreign_tag
            && matches!(
                node.kind,
                NodeKind::Mapping { .. } | NodeKind::Sequence { .. }
            )
        {
            return Err(EditError::Unsupported {
                path: dotted(path),
                what: "a collection with a tag of its own (such as !!set or !!omap)",
                at: node.start,
            });
        }
        // A null key (`? ` alone, or `: v` with no key) has no text to anchor lines to, and
        // readers disagree on where such an entry ends: edit nothing in its mapping.
        let entries = match &node.kind {
            NodeKind::Mapping { entries, .. } => entries.as_slice(),
            _ => &[],
        };
        if let Some(&(empty, _)) = entries
            .iter()
            .find(|&&(k, _)| self.tree.node(k).is_some_and(Node::is_empty_null))
        {
            return Err(EditError::Unsupported {
                path: dotted(path),
                what: "a mapping with an empty (null) key",
                at: self.tree.node(empty).map_or(node.start, |n| n.start),
            });
        }
        Ok(())
    }

    fn wrong_type(&self, node: &Node, path: &Pointer, expected: &'static str) -> EditError {
        EditError::WrongType {
            path: dotted(path),
            found: node_type(node),
            expected,
            at: node.start,
        }
    }

    /// The splices that make `change`.
    pub fn splices(&self, change: &Change) -> Result<Vec<Splice>, EditError> {
        // An empty key is a null key to YAML (`? ` or `: v`): its entry has no text of its own
        // to anchor an edit to.
        if change
            .path()
            .steps()
            .iter()
            .any(|s| matches!(s, Step::Key(k) if k.is_empty()))
        {
            return Err(EditError::Unsupported {
                path: dotted(change.path()),
                what: "a path through an empty key",
                at: 0,
            });
        }
        // YAML 1.2 (saphyr, which made the tree) and libyaml-family readers disagree on where
        // lines end in such a text: no edit of it can be checked.
        if let Some((at, _)) = linebreak::find_ambiguous_break(self.text) {
            return Err(EditError::Unsupported {
                path: dotted(change.path()),
                what: "in a document holding NEL, LS or PS (U+0085, U+2028, U+2029)",
                at,
            });
        }
        let (parent_path, last) = change.path().parent().ok_or_else(|| EditError::Missing {
            path: "(document root)".into(),
        })?;
        match (change, last) {
            (Change::Add { value, .. }, Step::Key(key)) => {
                let parent = self.locate(&parent_path)?;
                let node = self.node(parent.node)?;
                // A key that only comes from a merge would be shadowed wholesale.
                if self.tree.key_count(parent.node, "<<") > 0 {
                    return Err(EditError::MergeKey {
                        path: dotted(&parent_path),
                        at: node.start,
                    });
                }
                // A key with a tag of its own (`!!binary …`) may decode to this very key.
                if let Some(&(tagged, _)) = self
                    .tree
                    .entries(parent.node)
                    .iter()
                    .find(|&&(k, _)| self.tree.node(k).is_some_and(|n| n.foreign_tag))
                {
                    return Err(EditError::Unsupported {
                        path: dotted(&parent_path),
                        what: "a mapping with a tagged key (such as !!binary), which may decode to the key meshdrain adds",
                        at: self.node(tagged)?.start,
                    });
                }
                if let Some((k, _)) = self.tree.entry(parent.node, key) {
                    let at = self.node(k)?.start;
                    return Err(EditError::Exists {
                        path: dotted(change.path()),
                        at,
                    });
                }
                match &node.kind {
                    NodeKind::Mapping {
                        style: Style::Block,
                        ..
                    } => Ok(vec![self.add_block_entry(
                        node,
                        key,
                        value,
                        &parent_path,
                    )?]),
                    NodeKind::Mapping {
                        style: Style::Flow { open, close },
                        entries,
                    } => {
                        let item = format!("{}: {}", scalar::write(key), flow(value));
                        let last_end = entries.last().map(|&(k, v)| self.entry_end(k, v));
                        Ok(vec![self.add_flow_item(*open, *close, last_end, &item)])
                    }
                    NodeKind::Mapping {
                        style: Style::FlowPair,
                        ..
                    } => Err(EditError::Unsupported {
                        path: dotted(&parent_path),
                        what: "a single-pair mapping inside a flow sequence",
                        at: node.start,
                    }),
                    _ => Err(self.wrong_type(node, &parent_path, "a mapping")),
                }
            }
            (Change::Add { value, .. }, Step::Append) => {
                let parent = self.locate(&parent_path)?;
                let node = self.node(parent.node)?;
                match &node.kind {
                    NodeKind::Sequence {
                        style: Style::Block,
                        items,
                    } => self.append_block_item(node, items, value, &parent_path),
                    NodeKind::Sequence {
                        style: Style::Flow { open, close },
                        items,
                    } => {
                        let last_end = items.last().and_then(|&i| self.tree.node(i)).map(|n| n.end);
                        Ok(vec![self.add_flow_item(
                            *open,
                            *close,
                            last_end,
                            &flow(value),
                        )])
                    }
                    _ => Err(self.wrong_type(node, &parent_path, "a sequence")),
                }
            }
            (Change::Replace { value, path }, _) => {
                let target = self.locate(path)?;
                let node = self.node(target.node)?;
                if node.is_null() {
                    self.set_null(node, target.key, value, path)
                } else if let NewValue::Str(s) = value {
                    self.replace_with_scalar(node, target.key, s, path)
                } else {
                    Err(EditError::Unsupported {
                        path: dotted(path),
                        what: "a non-null value to replace by a collection",
                        at: node.start,
                    })
                }
            }
            (Change::Add { .. }, Step::Index(_)) => Err(EditError::Missing {
                path: dotted(change.path()),
            }),
        }
    }

    /// Where a mapping entry's content ends (an empty value sits at the colon).
    fn entry_end(&self, key: NodeId, value: NodeId) -> usize {
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

    /// The position after the line break that ends the line holding `pos`, and that break.
    /// At the end of a text without a final line break: the end, and the document's break.
    fn after_line(&self, pos: usize) -> (usize, &'static str, bool) {
        let bytes = self.text.as_bytes();
        match linebreak::next_break(bytes, pos) {
            Some((at, len)) => (at + len, linebreak::text_of(bytes, at, len), false),
            None => (self.text.len(), self.default_newline(), true),
        }
    }

    fn default_newline(&self) -> &'static str {
        linebreak::first(self.text.as_bytes())
    }

    /// Inserts `text` (whole lines ending in `nl`) after the line holding `pos`.
    fn insert_lines_after(
        &self,
        pos: usize,
        path: &Pointer,
        render: impl Fn(&str) -> String,
    ) -> Result<Splice, EditError> {
        let (at, nl, at_eof) = self.after_line(pos);
        if at_eof && let Some(scalar) = self.block_scalar_ending_text() {
            // Its last line would get the line break it lacks: `|` and `|+` values change.
            return Err(EditError::Unsupported {
                path: dotted(path),
                what: "followed only by a block scalar that ends the text without a final line break",
                at: scalar,
            });
        }
        let body = render(nl);
        let text = if at_eof {
            // Keep the text's missing final line break missing.
            format!("{nl}{}", body.strip_suffix(nl).unwrap_or(&body))
        } else {
            body
        };
        Ok(Splice {
            range: at..at,
            text,
        })
    }

    /// The start of a block scalar whose content runs to the end of the text, if any.
    fn block_scalar_ending_text(&self) -> Option<usize> {
        self.tree.nodes.iter().find_map(|n| {
            let block = matches!(
                n.kind,
                NodeKind::Scalar {
                    style: ScalarStyle::Literal | ScalarStyle::Folded,
                    ..
                }
            );
            let rest = self.text.get(n.end..).unwrap_or("");
            (block && rest.trim().is_empty()).then_some(n.start)
        })
    }

    fn add_block_entry(
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

    fn append_block_item(
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

    /// Inserts `item` (flow text) into a flow collection, after its last entry.
    fn add_flow_item(
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

    /// The byte offset of the `:` after a mapping key.
    fn colon_after(&self, key: &Node) -> Option<usize> {
        let rest = self.text.get(key.end..)?;
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        (rest.as_bytes().get(skipped) == Some(&b':')).then_some(key.end + skipped)
    }

    /// A tab between a key's `:` and a value on the same line, as one space. saphyr refuses
    /// `key:<TAB>10s` (its value indicator wants a space there), so a value meshdrain writes
    /// after such a separator would make the text unreadable to it.
    fn tab_separator(&self, key: NodeId) -> Option<Splice> {
        let colon = self.colon_after(self.tree.node(key)?)?;
        let rest = self.text.get(colon + 1..)?;
        let width = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let sep = rest.get(..width)?;
        let value_follows = !matches!(
            rest.as_bytes().get(width),
            None | Some(b'\n' | b'\r' | b'#')
        );
        (sep.contains('\t') && value_follows).then(|| Splice {
            range: colon + 1..colon + 1 + width,
            text: " ".to_owned(),
        })
    }

    /// Gives a null value (`key:`, `key: ~`, `key: null`) a value.
    fn set_null(
        &self,
        node: &Node,
        key: Option<(NodeId, NodeId)>,
        value: &NewValue,
        path: &Pointer,
    ) -> Result<Vec<Splice>, EditError> {
        let unsupported = |what| EditError::Unsupported {
            path: dotted(path),
            what,
            at: node.start,
        };
        let (map_id, key_id) = key.ok_or_else(|| unsupported("a null sequence item"))?;
        let map = self.node(map_id)?;
        let key_node = self.node(key_id)?;
        if node.tagged || node.anchor != 0 {
            return Err(unsupported("a tagged or anchored null"));
        }
        let colon = self
            .colon_after(key_node)
            .ok_or_else(|| unsupported("a mapping entry without a visible ':'"))?;
        let token = (!node.is_empty_null()).then_some(node.start..node.end);
        let block_collection = match value {
            NewValue::Map(e) => !e.is_empty(),
            NewValue::Seq(i) => !i.is_empty(),
            NewValue::Str(_) => false,
        };
        if !matches!(
            map.kind,
            NodeKind::Mapping {
                style: Style::Block,
                ..
            }
        ) || !block_collection
        {
            // One token after the colon: a scalar, `{}`/`[]`, or anything inside a flow mapping.
            let text = match value {
                NewValue::Str(s) => scalar::write(s),
                other => flow(other),
            };
            return Ok(match token {
                Some(range) => {
                    let mut splices: Vec<Splice> = self.tab_separator(key_id).into_iter().collect();
                    splices.push(Splice { range, text });
                    splices
                }
                None => vec![Splice {
                    range: colon + 1..colon + 1,
                    text: format!(" {text}"),
                }],
            });
        }
        let key_col = column(self.text, key_node.start);
        let render = |nl: &str| {
            let mut out = String::new();
            self.block_value(&mut out, value, key_col, nl);
            out
        };
        match token {
            None => Ok(vec![self.insert_lines_after(colon, path, render)?]),
            Some(range) => {
                let (line_end, _, _) = self.after_line(colon);
                if range.end < line_end {
                    // `key: null  # c`: drop ` null`, add the lines below the key's line.
                    Ok(vec![
                        Splice {
                            range: colon + 1..range.end,
                            text: String::new(),
                        },
                        self.insert_lines_after(range.end, path, render)?,
                    ])
                } else {
                    let (_, nl, _) = self.after_line(colon);
                    let body = render(nl);
                    let body = body.strip_suffix(nl).unwrap_or(&body);
                    Ok(vec![Splice {
                        range: colon + 1..range.end,
                        text: format!("{nl}{body}"),
                    }])
                }
            }
        }
    }

    /// Replaces an existing value by a scalar, keeping a scalar's quoting style.
    fn replace_with_scalar(
        &self,
        node: &Node,
        key: Option<(NodeId, NodeId)>,
        value: &str,
        path: &Pointer,
    ) -> Result<Vec<Splice>, EditError> {
        let unsupported = |what| EditError::Unsupported {
            path: dotted(path),
            what,
            at: node.start,
        };
        match &node.kind {
            NodeKind::Scalar { style, .. } => {
                let text = match style {
                    ScalarStyle::Plain => scalar::write(value),
                    ScalarStyle::SingleQuoted => scalar::single_quoted(value),
                    ScalarStyle::DoubleQuoted => scalar::double_quoted(value),
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        return Err(unsupported("a block scalar"));
                    }
                };
                // A tag such as `!!int` or `!!binary` would re-type the new string (or make it
                // invalid): it goes with the old value. `!!str` and anchors stay.
                let start = self.scalar_token_start(node, !node.foreign_tag);
                let mut splices: Vec<Splice> = key
                    .and_then(|(_, k)| self.tab_separator(k))
                    .into_iter()
                    .collect();
                splices.push(Splice {
                    range: start..node.end,
                    text,
                });
                Ok(splices)
            }
            NodeKind::Mapping {
                style: Style::Flow { .. },
                ..
            }
            | NodeKind::Sequence {
                style: Style::Flow { .. },
                ..
            } => {
                if node.anchor != 0 || node.tagged {
                    return Err(unsupported("a tagged or anchored collection"));
                }
                Ok(vec![Splice {
                    range: node.start..node.end,
                    text: scalar::write(value),
                }])
            }
            NodeKind::Mapping {
                style: Style::Block,
                ..
            }
            | NodeKind::Sequence {
                style: Style::Block,
                ..
            } => {
                let (_, key_id) =
                    key.ok_or_else(|| unsupported("a collection that is not a mapping value"))?;
                let colon = self
                    .colon_after(self.node(key_id)?)
                    .ok_or_else(|| unsupported("a mapping entry without a visible ':'"))?;
                Ok(vec![Splice {
                    range: colon + 1..node.end,
                    text: format!(" {}", scalar::write(value)),
                }])
            }
            _ => Err(unsupported("this kind of node")),
        }
    }

    /// Skips an anchor (`&a`) and, with `keep_tag`, a tag (`!!str`) in front of a scalar, which
    /// are kept. Without `keep_tag` the result is the tag's start.
    fn scalar_token_start(&self, node: &Node, keep_tag: bool) -> usize {
        let mut pos = node.start;
        let bytes = self.text.as_bytes();
        let kept: &[u8] = if keep_tag { b"&!" } else { b"&" };
        loop {
            while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\r' | b'\n')) && pos < node.end {
                pos += 1;
            }
            if bytes.get(pos).is_some_and(|b| kept.contains(b)) && pos < node.end {
                while !matches!(bytes.get(pos), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
                    && pos < node.end
                {
                    pos += 1;
                }
            } else {
                return pos;
            }
        }
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
    fn block_value(&self, out: &mut String, value: &NewValue, key_col: usize, nl: &str) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, change: Change) -> Result<String, EditError> {
        let tree = Tree::parse(text).unwrap();
        let editor = Editor::new(&tree, text);
        let splices = editor.splices(&change)?;
        apply(text, &splices)
    }

    fn add(path: &[&str], value: NewValue) -> Change {
        let mut p = Pointer::root();
        for k in path {
            p = p.key(k);
        }
        Change::Add { path: p, value }
    }

    #[test]
    fn adds_before_trailing_comments() {
        let text = "spec:\n  a: 1 # one\n  # trailing\n# top\n";
        let out = edit(text, add(&["spec", "b"], NewValue::str("10s"))).unwrap();
        assert_eq!(out, "spec:\n  a: 1 # one\n  b: 10s\n  # trailing\n# top\n");
    }

    #[test]
    fn adds_after_a_block_scalar_ending_in_a_hash_line() {
        let text = "spec:\n  a: |\n    x\n    # kept\n";
        let out = edit(text, add(&["spec", "b"], NewValue::str("10s"))).unwrap();
        assert_eq!(out, "spec:\n  a: |\n    x\n    # kept\n  b: 10s\n");
    }

    #[test]
    fn keeps_kept_blank_lines_in_block_scalars() {
        let text = "spec:\n  a: |+\n    x\n\n";
        let out = edit(text, add(&["spec", "b"], NewValue::str("10s"))).unwrap();
        assert_eq!(out, "spec:\n  a: |+\n    x\n\n  b: 10s\n");
    }

    #[test]
    fn flow_mappings_keep_their_bytes() {
        assert_eq!(
            edit("spec: {}\n", add(&["spec", "b"], NewValue::str("10s"))).unwrap(),
            "spec: {b: 10s}\n"
        );
        assert_eq!(
            edit(
                "spec: {a: \"on\", n: '1'}  # c\n",
                add(&["spec", "b"], NewValue::str("on"))
            )
            .unwrap(),
            "spec: {a: \"on\", n: '1', b: \"on\"}  # c\n"
        );
    }

    #[test]
    fn null_values_get_block_values() {
        let nested = NewValue::nest(&["x".into()], NewValue::str("1s"));
        assert_eq!(
            edit(
                "spec:\nz: 1\n",
                Change::Replace {
                    path: Pointer::root().key("spec"),
                    value: nested.clone()
                }
            )
            .unwrap(),
            "spec:\n  x: 1s\nz: 1\n"
        );
        assert_eq!(
            edit(
                "spec: ~ # c\n",
                Change::Replace {
                    path: Pointer::root().key("spec"),
                    value: nested.clone()
                }
            )
            .unwrap(),
            "spec: # c\n  x: 1s\n"
        );
        assert_eq!(
            edit(
                "spec: null",
                Change::Replace {
                    path: Pointer::root().key("spec"),
                    value: NewValue::str("1s")
                }
            )
            .unwrap(),
            "spec: 1s"
        );
    }

    #[test]
    fn crlf_and_missing_final_newline() {
        assert_eq!(
            edit(
                "spec:\r\n  a: 1\r\n",
                add(&["spec", "b"], NewValue::str("2s"))
            )
            .unwrap(),
            "spec:\r\n  a: 1\r\n  b: 2s\r\n"
        );
        assert_eq!(
            edit("spec:\n  a: 1", add(&["spec", "b"], NewValue::str("2s"))).unwrap(),
            "spec:\n  a: 1\n  b: 2s"
        );
    }

    #[test]
    fn appends_items_in_the_documents_style() {
        let text = "l:\n-   a: 1\n    b: 2\n";
        let item = NewValue::Map(vec![
            ("a".into(), NewValue::str("xv")),
            ("b".into(), NewValue::str("yv")),
        ]);
        let out = edit(
            text,
            Change::Add {
                path: Pointer::root().key("l").append(),
                value: item,
            },
        )
        .unwrap();
        assert_eq!(out, "l:\n-   a: 1\n    b: 2\n-   a: xv\n    b: yv\n");
    }

    #[test]
    fn appends_after_items_whose_properties_sit_on_the_dash_line() {
        let item = NewValue::Map(vec![("r".into(), NewValue::str("4"))]);
        let append = || Change::Add {
            path: Pointer::root().key("l").append(),
            value: item.clone(),
        };
        assert_eq!(
            edit("l:\n  - !!map\n    r: 3\n", append()).unwrap(),
            "l:\n  - !!map\n    r: 3\n  - r: \"4\"\n"
        );
        assert_eq!(
            edit("l:\n- &a # c\n  r: 3\n", append()).unwrap(),
            "l:\n- &a # c\n  r: 3\n- r: \"4\"\n"
        );
    }

    #[test]
    fn replaces_scalars_keeping_quotes() {
        let c = |v| Change::Replace {
            path: Pointer::root().key("a"),
            value: NewValue::str(v),
        };
        assert_eq!(edit("a: '20s' # c\n", c("50s")).unwrap(), "a: '50s' # c\n");
        assert_eq!(edit("a: \"20s\"\n", c("50s")).unwrap(), "a: \"50s\"\n");
        assert_eq!(edit("a: !!str 20s\n", c("50s")).unwrap(), "a: !!str 50s\n");
        assert!(matches!(
            edit("a: |\n  20s\n", c("50s")),
            Err(EditError::Unsupported { .. })
        ));
    }

    #[test]
    fn refuses_aliases_and_anchors_in_use() {
        let text = "base: &b {x: 1}\nspec: *b\n";
        assert!(matches!(
            edit(text, add(&["spec", "y"], NewValue::str("1s"))),
            Err(EditError::ThroughAlias { .. })
        ));
        assert!(matches!(
            edit(text, add(&["base", "y"], NewValue::str("1s"))),
            Err(EditError::Anchored { .. })
        ));
    }

    fn replace(path: &[&str], value: &str) -> Change {
        let mut p = Pointer::root();
        for k in path {
            p = p.key(k);
        }
        Change::Replace {
            path: p,
            value: NewValue::str(value),
        }
    }

    #[test]
    fn splices_must_not_overlap_but_may_touch() {
        let s = |a: usize, b: usize, t: &str| Splice {
            range: a..b,
            text: t.to_owned(),
        };
        assert_eq!(
            apply("abcdef", &[s(2, 4, "X"), s(4, 5, "Y")]).unwrap(),
            "abXYf"
        );
        assert_eq!(
            apply("abcdef", &[s(1, 1, "-"), s(0, 1, "A")]).unwrap(),
            "A-bcdef"
        );
        assert!(matches!(
            apply("abcdef", &[s(1, 3, "X"), s(2, 4, "Y")]),
            Err(EditError::Overlap { .. })
        ));
        assert!(matches!(
            apply("abcdef", &[s(3, 2, "X")]),
            Err(EditError::Overlap { .. })
        ));
        assert!(matches!(
            apply("abc", &[s(2, 9, "X")]),
            Err(EditError::Overlap { .. })
        ));
    }

    #[test]
    fn refuses_merge_keys_and_duplicate_keys_on_the_route() {
        let merged = "base: &b {x: 1}\nspec:\n  <<: *b\n  y: 2\n";
        assert!(matches!(
            edit(merged, add(&["spec", "z"], NewValue::str("1s"))),
            Err(EditError::MergeKey { .. })
        ));
        let duplicated = "spec:\n  a: 1\nspec:\n  b: 2\n";
        assert!(matches!(
            edit(duplicated, add(&["spec", "z"], NewValue::str("1s"))),
            Err(EditError::DuplicateKey { count: 2, .. })
        ));
    }

    #[test]
    fn unused_anchors_do_not_block_edits() {
        let text = "spec: &s\n  a: 1\n";
        assert_eq!(
            edit(text, add(&["spec", "b"], NewValue::str("2s"))).unwrap(),
            "spec: &s\n  a: 1\n  b: 2s\n"
        );
        assert_eq!(
            edit("a: &x 20s # c\n", replace(&["a"], "50s")).unwrap(),
            "a: &x 50s # c\n"
        );
        assert_eq!(
            edit("a: &x !!str '20s'\n", replace(&["a"], "50s")).unwrap(),
            "a: &x !!str '50s'\n"
        );
    }

    #[test]
    fn refuses_paths_through_empty_keys() {
        // Found by the editor fuzz target: the new mapping went under the next key.
        let text = "? a6\n? \n::: \n";
        let change = Change::Replace {
            path: Pointer::root().key(""),
            value: NewValue::Map(vec![("v".to_owned(), NewValue::str("50s"))]),
        };
        assert!(matches!(
            edit(text, change),
            Err(EditError::Unsupported { .. })
        ));
    }

    #[test]
    fn refuses_mappings_holding_an_empty_key() {
        // Found by the editor fuzz target: explicit empty keys (`?` alone on a line, lone CR
        // line breaks) and a key named `:`; the new entry landed on the `?` line and libyaml
        // no longer read the text.
        let text = "?\r::\n ?\r? ";
        let change = add(&[":", "connectionDrainDuration"], NewValue::str("10s"));
        assert!(matches!(
            edit(text, change),
            Err(EditError::Unsupported {
                what: "a mapping with an empty (null) key",
                ..
            })
        ));
        // Anywhere on the route, not only the mapping that gets the entry.
        let text = "? \n: x\nspec:\n  a: 1\n";
        assert!(edit(text, add(&["spec", "b"], NewValue::str("10s"))).is_err());
        // A key with text is still fine.
        let text = "? a\n: x\nspec:\n  a: 1\n";
        assert_eq!(
            edit(text, add(&["spec", "b"], NewValue::str("10s"))).unwrap(),
            "? a\n: x\nspec:\n  a: 1\n  b: 10s\n"
        );
    }

    #[test]
    fn a_tab_before_a_replaced_value_becomes_a_space() {
        // saphyr refuses `key:<TAB>10s`; found by the editor fuzz target.
        let replace = Change::Replace {
            path: Pointer::root().key("k"),
            value: NewValue::str("10s"),
        };
        assert_eq!(edit("k:\t:5s\n", replace.clone()).unwrap(), "k: 10s\n");
        assert_eq!(
            edit("k:\t \t~ # c\n", replace.clone()).unwrap(),
            "k: 10s # c\n"
        );
        assert_eq!(edit("k: 5s\n", replace).unwrap(), "k: 10s\n");
    }

    #[test]
    fn appends_to_the_outer_of_nested_sequences_on_one_line() {
        // Found by the editor fuzz target: the new item went into the inner sequence.
        let append = Change::Add {
            path: Pointer::root().append(),
            value: NewValue::str("10s"),
        };
        assert_eq!(
            edit("        -                  -      e: x\r\n", append.clone()).unwrap(),
            "        -                  -      e: x\r\n        -      10s\r\n"
        );
        assert_eq!(edit("- - - a\n", append).unwrap(), "- - - a\n- 10s\n");
    }

    #[test]
    fn refuses_texts_whose_line_breaks_readers_disagree_on() {
        // In a comment, LS ends the line for go-yaml: `b: 2` would become content.
        for text in [
            "a: 1 # c\u{2028}b: 2\n",
            "a: \"x\u{85}y\"\n",
            "a: 1\n#\u{2029}\n",
        ] {
            assert!(
                matches!(
                    edit(text, add(&["z"], NewValue::str("1s"))),
                    Err(EditError::Unsupported { .. })
                ),
                "{text:?}"
            );
        }
    }

    #[test]
    fn refuses_implicit_flow_pairs_and_tagged_nulls() {
        let text = "list: [a: 1]\n";
        let change = Change::Add {
            path: Pointer::root().key("list").index(0).key("b"),
            value: NewValue::str("2s"),
        };
        assert!(matches!(
            edit(text, change),
            Err(EditError::Unsupported { .. })
        ));
        assert!(matches!(
            edit("spec: !!null\n", replace(&["spec"], "1s")),
            Err(EditError::Unsupported { .. })
        ));
        assert!(matches!(
            edit("spec: &n ~\n", replace(&["spec"], "1s")),
            Err(EditError::Unsupported { .. })
        ));
    }

    #[test]
    fn insertions_at_the_end_use_the_documents_line_break() {
        assert_eq!(
            edit("spec:\r\n  a: 1", add(&["spec", "b"], NewValue::str("2s"))).unwrap(),
            "spec:\r\n  a: 1\r\n  b: 2s"
        );
        assert_eq!(
            edit("\nspec:\n  a: 1", add(&["spec", "b"], NewValue::str("2s"))).unwrap(),
            "\nspec:\n  a: 1\n  b: 2s"
        );
    }

    #[test]
    fn flow_collections_with_spaces_and_keys_with_space_before_the_colon() {
        assert_eq!(
            edit("spec: { }\n", add(&["spec", "b"], NewValue::str("2s"))).unwrap(),
            "spec: { b: 2s }\n"
        );
        assert_eq!(
            edit(
                "l: [ ]\n",
                Change::Add {
                    path: Pointer::root().key("l").append(),
                    value: NewValue::str("x")
                }
            )
            .unwrap(),
            "l: [ x ]\n"
        );
        assert_eq!(
            edit("spec :\nz: 1\n", replace(&["spec"], "1s")).unwrap(),
            "spec : 1s\nz: 1\n"
        );
        let nested = NewValue::nest(&["x".into()], NewValue::str("1s"));
        assert_eq!(
            edit(
                "spec   : # c\nz: 1\n",
                Change::Replace {
                    path: Pointer::root().key("spec"),
                    value: nested
                }
            )
            .unwrap(),
            "spec   : # c\n  x: 1s\nz: 1\n"
        );
    }

    #[test]
    fn refuses_routes_through_mappings_with_merge_keys() {
        // The next key only comes from the merge, or is written out beside it.
        for text in [
            "base: &b {sub: {a: 1}}\nspec:\n  <<: *b\n  other: 1\n",
            "base: &b {x: 1}\nspec:\n  <<: *b\n  sub:\n    a: 1\n",
        ] {
            assert!(
                matches!(
                    edit(text, add(&["spec", "sub", "z"], NewValue::str("1s"))),
                    Err(EditError::MergeKey { ref path, .. }) if path == "spec.sub"
                ),
                "{text:?}"
            );
        }
    }

    #[test]
    fn empty_collections_are_written_in_flow_style() {
        assert_eq!(
            edit(
                "spec:\n  a: 1\n",
                add(&["spec", "m"], NewValue::Map(vec![]))
            )
            .unwrap(),
            "spec:\n  a: 1\n  m: {}\n"
        );
        assert_eq!(
            edit(
                "spec:\n  a: 1\n",
                add(&["spec", "l"], NewValue::Seq(vec![]))
            )
            .unwrap(),
            "spec:\n  a: 1\n  l: []\n"
        );
        assert_eq!(
            edit(
                "l:\n- a\n",
                Change::Add {
                    path: Pointer::root().key("l").append(),
                    value: NewValue::Map(vec![])
                }
            )
            .unwrap(),
            "l:\n- a\n- {}\n"
        );
    }

    #[test]
    fn null_values_in_block_mappings_get_block_sequences() {
        let list = NewValue::Seq(vec![NewValue::Map(vec![("k".into(), NewValue::str("v"))])]);
        assert_eq!(
            edit(
                "spec:\n  l:\nz: 1\n",
                Change::Replace {
                    path: Pointer::root().key("spec").key("l"),
                    value: list
                }
            )
            .unwrap(),
            "spec:\n  l:\n  - k: v\nz: 1\n"
        );
    }

    #[test]
    fn collections_are_replaced_by_scalars() {
        assert_eq!(
            edit("a: {seconds: 10}  # c\n", replace(&["a"], "10s")).unwrap(),
            "a: 10s  # c\n"
        );
        assert_eq!(
            edit("a:\n  seconds: 10\nb: 1\n", replace(&["a"], "10s")).unwrap(),
            "a: 10s\nb: 1\n"
        );
        assert_eq!(
            edit("a:\n- 1\n- 2\nb: 1\n", replace(&["a"], "10s")).unwrap(),
            "a: 10s\nb: 1\n"
        );
        assert!(matches!(
            edit("a: !!map {s: 1}\n", replace(&["a"], "10s")),
            Err(EditError::Unsupported { .. })
        ));
    }
}
