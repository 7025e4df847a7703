//! The node tree of one document and the queries on it (keys, merges, aliases, paths).

use std::collections::{HashMap, HashSet};

use crate::patch::{Pointer, Step};

use super::bulk::Scan;
use super::node::{Node, NodeId, NodeKind, ScalarType};

/// The node tree of one document, with byte spans into its slice.
#[derive(Clone, Debug)]
pub struct Tree {
    pub nodes: Vec<Node>,
    pub root: Option<NodeId>,
    /// Anchor ids that some alias refers to.
    pub aliased: HashSet<usize>,
    /// The node each anchor id names (saphyr gives a redefined anchor a new id).
    pub anchors: HashMap<usize, NodeId>,
    /// What the bulk pass would have learned (nesting, aliases, scalar sizes), for the limits.
    pub stats: Scan,
}

impl Tree {
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id)
    }

    /// The value of `key` in mapping `map` (the last one, if a key repeats).
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.entry(map, key).map(|(_, v)| v)
    }

    /// The `(key, value)` entry for `key` in mapping `map`.
    pub fn entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        match &self.node(map)?.kind {
            NodeKind::Mapping { entries, .. } => entries
                .iter()
                .rev()
                .find(|(k, _)| self.key_text(*k) == Some(key))
                .copied(),
            _ => None,
        }
    }

    /// A mapping key's text, read through an alias (`*k: v` is the key the anchor names). A
    /// key with a tag of its own (`!!binary kind`) is no text key: readers decode it.
    fn key_text(&self, key: NodeId) -> Option<&str> {
        self.resolve(key)
            .filter(|n| !n.foreign_tag)
            .and_then(Node::as_str)
    }

    /// The value of `key` as a YAML 1.1 reader (go-yaml, libyaml) sees it: the mapping's own
    /// entry, or else one merged in by `<<` (a mapping, an alias of one, or a list of those,
    /// the first that has it winning).
    pub fn get_merged(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_merged_within(map, key, 8)
    }

    fn get_merged_within(&self, map: NodeId, key: &str, depth: usize) -> Option<NodeId> {
        if let Some(v) = self.get(map, key) {
            return Some(v);
        }
        let depth = depth.checked_sub(1)?;
        let merged = self.get(map, "<<")?;
        let source = |id: NodeId| {
            let node = self.resolve(id)?;
            let target = match &self.node(id)?.kind {
                NodeKind::Alias { anchor } => self.anchored(*anchor)?,
                _ => id,
            };
            matches!(node.kind, NodeKind::Mapping { .. })
                .then(|| self.get_merged_within(target, key, depth))
                .flatten()
        };
        match &self.resolve(merged)?.kind {
            NodeKind::Sequence { items, .. } => items.iter().find_map(|&i| source(i)),
            _ => source(merged),
        }
    }

    /// Follows a chain of mapping keys from `from`.
    pub fn get_path(&self, from: NodeId, keys: &[&str]) -> Option<NodeId> {
        keys.iter().try_fold(from, |node, key| self.get(node, key))
    }

    /// The value of `key` if it is a string scalar (quoted, or plain and not another type),
    /// read through an alias.
    pub fn string_at(&self, map: NodeId, key: &str) -> Option<&str> {
        let node = self.resolve(self.get(map, key)?)?;
        (node.scalar_type() == Some(ScalarType::Str)).then(|| node.as_str())?
    }

    /// The value of `key` if it is a scalar, read through an alias.
    pub fn str_at(&self, map: NodeId, key: &str) -> Option<&str> {
        self.get(map, key)
            .and_then(|v| self.resolve(v))
            .and_then(Node::as_str)
    }

    /// How many entries of `map` have the key `key`.
    pub fn key_count(&self, map: NodeId, key: &str) -> usize {
        match self.node(map).map(|n| &n.kind) {
            Some(NodeKind::Mapping { entries, .. }) => entries
                .iter()
                .filter(|(k, _)| self.key_text(*k) == Some(key))
                .count(),
            _ => 0,
        }
    }

    pub fn items(&self, seq: NodeId) -> &[NodeId] {
        match self.node(seq).map(|n| &n.kind) {
            Some(NodeKind::Sequence { items, .. }) => items,
            _ => &[],
        }
    }

    pub fn entries(&self, map: NodeId) -> &[(NodeId, NodeId)] {
        match self.node(map).map(|n| &n.kind) {
            Some(NodeKind::Mapping { entries, .. }) => entries,
            _ => &[],
        }
    }

    /// The node at `pointer` and the key node it sits under (none for items and the root).
    pub fn locate(&self, pointer: &Pointer) -> Option<(Option<NodeId>, NodeId)> {
        let mut node = self.root?;
        let mut key = None;
        for step in pointer.steps() {
            match step {
                Step::Key(k) => {
                    let (k_node, v) = self.entry(node, k)?;
                    key = Some(k_node);
                    node = v;
                }
                Step::Index(i) => {
                    node = *self.items(node).get(*i)?;
                    key = None;
                }
                Step::Append => return None,
            }
        }
        Some((key, node))
    }

    /// The byte span for `pointer`: its key (`at_key`) or value, or else the closest
    /// ancestor that exists, so a finding about a missing field points at its parent.
    pub fn nearest_span(&self, pointer: &Pointer, at_key: bool) -> Option<(usize, usize)> {
        let mut p = pointer.clone();
        let mut exact = true;
        loop {
            if let Some((key, node)) = self.locate(&p) {
                // An ancestor is shown by its key: its value may start lines further down.
                let id = if at_key || !exact {
                    key.unwrap_or(node)
                } else {
                    node
                };
                return self.node(id).map(|n| (n.start, n.end.max(n.start + 1)));
            }
            p = p.parent()?.0;
            exact = false;
        }
    }

    /// The node that carries anchor `anchor`.
    pub fn anchored(&self, anchor: usize) -> Option<NodeId> {
        self.anchors.get(&anchor).copied()
    }

    /// The node itself, or the node an alias names (aliases of aliases cannot exist: an
    /// alias names an anchored node, and an alias node has no anchor).
    pub fn resolve(&self, id: NodeId) -> Option<&Node> {
        match &self.node(id)?.kind {
            NodeKind::Alias { anchor } => self.node(self.anchored(*anchor)?),
            _ => self.node(id),
        }
    }

    /// Whether an alias elsewhere in the document refers to this node.
    pub fn is_aliased(&self, id: NodeId) -> bool {
        self.node(id)
            .is_some_and(|n| n.anchor != 0 && self.aliased.contains(&n.anchor))
    }
}
