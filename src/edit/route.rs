//! Following a path to the node an edit touches, refusing routes the editor cannot edit
//! safely (aliases, anchors in use, merge keys, duplicate keys, tagged collections).

use crate::document::{Node, NodeId, NodeKind, node_type};
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
