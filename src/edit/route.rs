//! Following a path to the node an edit touches, refusing routes the editor cannot edit
//! safely (aliases, anchors in use, merge keys, duplicate keys, tagged collections).

use saphyr_parser::ScalarStyle;

use crate::document::{Node, NodeId, NodeKind, Style, node_type};
use crate::patch::{Pointer, Step, dotted};

use super::editor::Editor;
use super::error::EditError;

/// A node found by a path, with what holds it.
pub(super) struct Located {
    pub(super) node: NodeId,
    /// The mapping and key node, when the node is a mapping value.
    pub(super) key: Option<(NodeId, NodeId)>,
}

impl<'a> Editor<'a> {
    /// Follows `path` from the root, refusing aliases, anchors in use, merges and duplicates.
    pub(super) fn locate(&self, path: &Pointer) -> Result<Located, EditError> {
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

    /// Where saphyr (YAML 1.2, which made the tree) and libyaml-family readers (yaml_serde,
    /// go-yaml) read the document's structure differently, so no edit of it can be checked:
    /// a byte order mark after the document's start, a plain scalar starting with `?` or `:` in a flow collection (an indicator to libyaml
    /// there), or an anchor or alias whose name holds `:`, `?`, `%`, `@` or `` ` `` (libyaml
    /// ends the name at it: `&a:` is an anchored empty key to it, an anchor `a:` to saphyr).
    pub(super) fn reader_disagreement(&self) -> Option<(usize, &'static str)> {
        // A byte order mark after the start: libyaml counts it as a column, saphyr does not.
        let body = self.text.strip_prefix('\u{feff}').unwrap_or(self.text);
        if let Some(i) = body.find('\u{feff}') {
            return Some((
                self.text.len() - body.len() + i,
                "in a document with a byte order mark after its start, which YAML readers count differently",
            ));
        }
        for node in &self.tree.nodes {
            let children: Vec<NodeId> = match &node.kind {
                NodeKind::Mapping {
                    style: Style::Flow { .. } | Style::FlowPair,
                    entries,
                } => entries.iter().flat_map(|&(k, v)| [k, v]).collect(),
                NodeKind::Sequence {
                    style: Style::Flow { .. } | Style::FlowPair,
                    items,
                } => items.clone(),
                _ => continue,
            };
            for child in children.iter().filter_map(|&c| self.tree.node(c)) {
                if let NodeKind::Scalar {
                    value,
                    style: ScalarStyle::Plain,
                } = &child.kind
                    && value.starts_with(['?', ':'])
                {
                    return Some((
                        child.start,
                        "in a document with a plain scalar starting with ? or : in a flow collection, which YAML readers disagree on",
                    ));
                }
            }
        }
        let bytes = self.text.as_bytes();
        let mut from = 0;
        while let Some(i) = bytes
            .get(from..)
            .and_then(|b| memchr::memchr2(b'&', b'*', b))
        {
            let at = from + i;
            from = at + 1;
            let token_start = at == 0
                || matches!(
                    bytes.get(at - 1),
                    Some(b' ' | b'\t' | b'\r' | b'\n' | b'[' | b'{' | b',')
                );
            let name = bytes
                .get(at + 1..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&b| {
                    !matches!(
                        b,
                        b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}'
                    )
                });
            let odd = name
                .clone()
                .any(|b| matches!(b, b':' | b'?' | b'%' | b'@' | b'`'));
            if token_start && odd && !self.in_scalar_or_comment(at) {
                return Some((
                    at,
                    "in a document with an anchor or alias name holding :, ?, %, @ or `, which YAML readers end at different places",
                ));
            }
        }
        None
    }

    /// Whether `pos` is inside a scalar's text (past its properties) or a comment.
    fn in_scalar_or_comment(&self, pos: usize) -> bool {
        let inside = |p: usize| {
            self.tree.nodes.iter().any(|n| {
                // Past the properties, if any (a block scalar's span without them starts at
                // its content, which may start with `&`).
                let text_start = if n.anchor != 0 || n.tagged {
                    self.scalar_token_start(n, true)
                } else {
                    n.start
                };
                matches!(n.kind, NodeKind::Scalar { .. }) && text_start <= p && p < n.end
            })
        };
        if inside(pos) {
            return true;
        }
        // A `#` starting a comment earlier on the line, not inside a scalar.
        let bytes = self.text.as_bytes();
        let start = crate::linebreak::line_start(bytes, pos);
        (start..pos).any(|i| {
            bytes.get(i) == Some(&b'#')
                && (i == start || matches!(bytes.get(i - 1), Some(b' ' | b'\t')))
                && !inside(i)
        })
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

    pub(super) fn wrong_type(
        &self,
        node: &Node,
        path: &Pointer,
        expected: &'static str,
    ) -> EditError {
        EditError::WrongType {
            path: dotted(path),
            found: node_type(node),
            expected,
            at: node.start,
        }
    }
}
