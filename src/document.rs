//! One YAML document: the cheap classification pass every document gets, and the node tree with
//! byte spans that only documents meshdrain interprets get.
//!
//! `saphyr-parser` reports positions in characters; [`CharMap`] turns them into byte offsets.
//! The bulk pass never builds a tree, never expands an alias and keeps no per-node memory, so
//! untouched documents cost one parser pass and nothing else.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};

use crate::patch::{Pointer, Step};

/// Bounds for documents meshdrain interprets (DESIGN.md, "Bounded").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_input_bytes: usize,
    pub max_depth: usize,
    pub max_alias_uses: usize,
    pub max_scalar_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 256 << 20,
            max_depth: 100,
            max_alias_uses: 10_000,
            max_scalar_bytes: 16 << 20,
        }
    }
}

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
fn syntax_error(text: &str, err: &saphyr_parser::ScanError) -> SyntaxError {
    SyntaxError {
        offset: CharMap::new(text).byte(err.marker()),
        message: err.info().to_owned(),
    }
}

/// What the bulk pass learns about a document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// The slice holds a document (not only comments or white space).
    pub has_document: bool,
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub max_depth: usize,
    pub alias_uses: usize,
    pub max_scalar_bytes: usize,
    /// The root mapping has a `<<` merge key: to YAML 1.1 readers its apiVersion and kind
    /// may come from the merged mapping.
    pub root_merge: bool,
    /// A top-level key, or the apiVersion or kind value, has a tag of its own (`!!binary`):
    /// what the resource is depends on how a reader decodes it.
    pub tagged_identity: bool,
}

/// The bulk pass: validates the syntax and reads the top-level `apiVersion` and `kind`.
pub fn scan(text: &str) -> Result<Scan, SyntaxError> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum TopKey {
        ApiVersion,
        Kind,
        Other,
    }
    let mut out = Scan::default();
    let mut parser = Parser::new_from_str(text);
    // Open collections: (is_mapping, children seen so far).
    let mut stack: Vec<(bool, usize)> = Vec::new();
    let mut documents = 0usize;
    let mut pending_top_key: Option<TopKey> = None;
    // Anchored scalars, so `kind: *k` still classifies (anchors are rare; aliases rarer).
    let mut anchored: HashMap<usize, String> = HashMap::new();
    while let Some(next) = parser.next_event() {
        let (event, _span) = next.map_err(|e| syntax_error(text, &e))?;
        // `foreign`: the scalar has a tag of its own (`!!binary kind`), which go-yaml decodes.
        let (scalar, foreign): (Option<Cow<'_, str>>, bool) = match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError {
                        offset: 0,
                        message: "more than one document in one slice".to_owned(),
                    });
                }
                out.has_document = true;
                continue;
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_mapping = matches!(event, Event::MappingStart(..));
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                stack.push((is_mapping, 0));
                out.max_depth = out.max_depth.max(stack.len());
                if stack.len() == 2 {
                    pending_top_key = None;
                }
                continue;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                continue;
            }
            Event::Alias(id) => {
                out.alias_uses += 1;
                (anchored.get(&id).map(|s| Cow::Owned(s.clone())), false)
            }
            Event::Scalar(value, _, anchor, tag) => {
                out.max_scalar_bytes = out.max_scalar_bytes.max(value.len());
                if anchor > 0 && value.len() <= 256 {
                    anchored.insert(anchor, value.to_string());
                }
                (Some(value), is_foreign(tag.as_deref(), "str"))
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => continue,
        };
        // A scalar or alias: track top-level key/value pairs of a root mapping.
        let Some(top) = stack.last_mut() else {
            continue;
        };
        let index = top.1;
        top.1 += 1;
        if stack.len() != 1 || !stack.first().is_some_and(|f| f.0) {
            continue;
        }
        if index % 2 == 0 {
            out.root_merge |= scalar.as_deref() == Some("<<");
            out.tagged_identity |= foreign;
            pending_top_key = Some(match scalar.as_deref() {
                Some("apiVersion") => TopKey::ApiVersion,
                Some("kind") => TopKey::Kind,
                _ => TopKey::Other,
            });
        } else {
            let value = scalar.map(Cow::into_owned);
            match pending_top_key.take() {
                Some(TopKey::ApiVersion) => {
                    out.tagged_identity |= foreign;
                    out.api_version = value;
                }
                Some(TopKey::Kind) => {
                    out.tagged_identity |= foreign;
                    out.kind = value;
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

pub type NodeId = usize;

/// How a collection is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Block,
    /// `{…}` / `[…]`: `close` is the byte offset of the closing bracket.
    Flow {
        open: usize,
        close: usize,
    },
    /// A single `key: value` pair inside a flow sequence, without braces.
    FlowPair,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Scalar {
        value: String,
        style: ScalarStyle,
    },
    Mapping {
        style: Style,
        entries: Vec<(NodeId, NodeId)>,
    },
    Sequence {
        style: Style,
        items: Vec<NodeId>,
    },
    Alias {
        anchor: usize,
    },
}

/// A node with byte offsets into its slice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// Where the node's own text starts: the scalar (with its tag/anchor), the first key or
    /// item of a block collection, or the anchor/tag/bracket of a flow collection.
    pub start: usize,
    /// Where the node's content ends: after the scalar, the closing bracket, or the last
    /// child's content. Trailing blank lines and comments are never included.
    pub end: usize,
    pub anchor: usize,
    pub tagged: bool,
    /// Tagged with something other than the core tag of its own kind (`!!str` on a scalar,
    /// `!!map`, `!!seq`): `!!int`, `!!binary`, `!!set`, `!custom`… Readers give such a node a
    /// meaning of its own, so the editor never edits inside one and drops it from a value it
    /// replaces.
    pub foreign_tag: bool,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// An empty plain scalar: `key:` with nothing after it.
    pub fn is_empty_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { value, style: ScalarStyle::Plain } if value.is_empty())
    }

    /// What a scalar means to Kubernetes (YAML 1.1 resolution, as go-yaml v2 reads it):
    /// quoted and block scalars are strings; plain ones may be null, bool or a number.
    pub fn scalar_type(&self) -> Option<ScalarType> {
        let NodeKind::Scalar { value, style } = &self.kind else {
            return None;
        };
        if *style != ScalarStyle::Plain || self.tagged {
            return Some(ScalarType::Str);
        }
        Some(resolve_plain(value))
    }

    /// A plain scalar YAML reads as null (`~`, `null`, or nothing).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { value, style: ScalarStyle::Plain }
            if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

/// The type a plain scalar resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarType {
    Null,
    Bool,
    Int,
    Float,
    Str,
}

impl ScalarType {
    pub fn describe(self) -> &'static str {
        match self {
            ScalarType::Null => "null",
            ScalarType::Bool => "a boolean",
            ScalarType::Int => "an integer",
            ScalarType::Float => "a number",
            ScalarType::Str => "a string",
        }
    }
}

/// YAML 1.1 resolution of a plain scalar, as Kubernetes' go-yaml v2 does it.
pub fn resolve_plain(value: &str) -> ScalarType {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarType::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "n" | "N" | "no" | "No" | "NO" | "true" | "True"
        | "TRUE" | "false" | "False" | "FALSE" | "on" | "On" | "ON" | "off" | "Off" | "OFF" => {
            return ScalarType::Bool;
        }
        ".inf" | ".Inf" | ".INF" | "-.inf" | "-.Inf" | "-.INF" | "+.inf" | ".nan" | ".NaN"
        | ".NAN" => return ScalarType::Float,
        _ => {}
    }
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
    let digits = unsigned.replace('_', "");
    let is_int = !digits.is_empty()
        && (digits.bytes().all(|b| b.is_ascii_digit())
            || digits
                .strip_prefix("0x")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
            || digits
                .strip_prefix("0b")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b == b'0' || b == b'1')));
    if is_int {
        return ScalarType::Int;
    }
    let float_like = digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.parse::<f64>().is_ok();
    if float_like {
        return ScalarType::Float;
    }
    ScalarType::Str
}

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

struct Frame {
    id: NodeId,
    pending_key: Option<NodeId>,
    /// This collection is a mapping value and its key is on the key path.
    keyed: bool,
}

/// Which parts of a document to build: called with the keys from the root to a mapping (sequence
/// items are transparent) and the key of one of its entries, it says whether to keep the entry.
pub type Keep<'a> = &'a dyn Fn(&[String], &str) -> bool;

impl Tree {
    /// Builds the tree of a single-document slice. The caller has checked the limits.
    pub fn parse(text: &str) -> Result<Tree, SyntaxError> {
        Tree::parse_pruned(text, None)
    }

    /// Like [`Tree::parse`], but builds only the mapping entries `keep` accepts (the whole
    /// text is still parsed and validated, and counted in [`Tree::stats`]). Pruned trees are
    /// for reading, never for editing.
    pub fn parse_pruned(text: &str, keep: Option<Keep<'_>>) -> Result<Tree, SyntaxError> {
        let map = CharMap::new(text);
        let bytes = text.as_bytes();
        let mut tree = Tree {
            // About one node per 20 bytes of typical manifests (fewer when pruning): fewer
            // reallocations.
            nodes: Vec::with_capacity(text.len() / if keep.is_some() { 40 } else { 20 } + 4),
            root: None,
            aliased: HashSet::new(),
            anchors: HashMap::new(),
            stats: Scan::default(),
        };
        let mut stack: Vec<Frame> = Vec::new();
        let mut key_path: Vec<String> = Vec::new();
        // Skipping a pruned entry's value: how many collections deep inside it.
        let mut skipping: Option<usize> = None;
        let mut parser = Parser::new_from_str(text);
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| syntax_error(text, &e))?;
            if let Some(depth) = skipping.as_mut() {
                match &event {
                    Event::MappingStart(..) | Event::SequenceStart(..) => {
                        *depth += 1;
                        tree.stats.max_depth = tree.stats.max_depth.max(stack.len() + *depth);
                        continue;
                    }
                    Event::MappingEnd | Event::SequenceEnd => *depth = depth.saturating_sub(1),
                    Event::Scalar(value, ..) => {
                        tree.stats.max_scalar_bytes = tree.stats.max_scalar_bytes.max(value.len());
                    }
                    Event::Alias(_) => tree.stats.alias_uses += 1,
                    _ => continue,
                }
                if *depth == 0 {
                    skipping = None;
                }
                continue;
            }
            if let (Some(keep), Event::Scalar(key, ..)) = (keep, &event)
                && let Some(frame) = stack.last()
                && frame.pending_key.is_none()
                && matches!(
                    tree.nodes.get(frame.id).map(|n| &n.kind),
                    Some(NodeKind::Mapping { .. })
                )
                && !keep(&key_path, key)
            {
                tree.stats.max_scalar_bytes = tree.stats.max_scalar_bytes.max(key.len());
                skipping = Some(0);
                continue;
            }
            let start = map.byte(&span.start);
            let end = map.byte(&span.end);
            let in_flow = stack.last().is_some_and(|f| {
                matches!(
                    tree.nodes.get(f.id).map(|n| &n.kind),
                    Some(NodeKind::Mapping {
                        style: Style::Flow { .. } | Style::FlowPair,
                        ..
                    }) | Some(NodeKind::Sequence {
                        style: Style::Flow { .. } | Style::FlowPair,
                        ..
                    })
                )
            });
            let node = match event {
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    tree.stats.has_document = true;
                    continue;
                }
                Event::Nothing | Event::StreamStart | Event::DocumentEnd => continue,
                Event::MappingEnd | Event::SequenceEnd => {
                    let Some(frame) = stack.pop() else { continue };
                    if frame.keyed {
                        key_path.pop();
                    }
                    tree.close(frame.id, start, bytes);
                    continue;
                }
                Event::Scalar(value, style, anchor, tag) => {
                    tree.stats.max_scalar_bytes = tree.stats.max_scalar_bytes.max(value.len());
                    let end = match style {
                        ScalarStyle::Literal | ScalarStyle::Folded => {
                            block_scalar_end(bytes, end, &value)
                        }
                        // saphyr's span of a quoted scalar runs on over a following comment.
                        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                            quoted_scalar_end(bytes, start, end).unwrap_or(end)
                        }
                        // An empty value has no text: saphyr's span may run on to the next
                        // token (`{a}` ends at the `}`).
                        ScalarStyle::Plain if value.is_empty() && tag.is_none() => start,
                        ScalarStyle::Plain => end,
                    };
                    Node {
                        kind: NodeKind::Scalar {
                            value: value.into_owned(),
                            style,
                        },
                        start,
                        end,
                        anchor,
                        tagged: tag.is_some(),
                        foreign_tag: is_foreign(tag.as_deref(), "str"),
                    }
                }
                Event::Alias(anchor) => {
                    tree.stats.alias_uses += 1;
                    tree.aliased.insert(anchor);
                    Node {
                        kind: NodeKind::Alias { anchor },
                        start,
                        end,
                        anchor: 0,
                        tagged: false,
                        foreign_tag: false,
                    }
                }
                Event::MappingStart(anchor, ref tag) | Event::SequenceStart(anchor, ref tag) => {
                    let style = collection_style(bytes, start, end, in_flow);
                    let kind = if matches!(event, Event::MappingStart(..)) {
                        NodeKind::Mapping {
                            style,
                            entries: Vec::new(),
                        }
                    } else {
                        NodeKind::Sequence {
                            style,
                            items: Vec::new(),
                        }
                    };
                    let node_start = if style == Style::Block { end } else { start };
                    let own = if matches!(kind, NodeKind::Mapping { .. }) {
                        "map"
                    } else {
                        "seq"
                    };
                    Node {
                        foreign_tag: is_foreign(tag.as_deref(), own),
                        kind,
                        start: node_start,
                        end,
                        anchor,
                        tagged: tag.is_some(),
                    }
                }
            };
            let opens = matches!(
                node.kind,
                NodeKind::Mapping { .. } | NodeKind::Sequence { .. }
            );
            let id = tree.nodes.len();
            // A collection that is a mapping value puts its key on the key path.
            let key = stack
                .last()
                .and_then(|f| f.pending_key)
                .and_then(|k| tree.nodes.get(k))
                .and_then(Node::as_str)
                .map(str::to_owned);
            if node.anchor != 0 {
                tree.anchors.insert(node.anchor, id);
            }
            tree.nodes.push(node);
            tree.attach(&mut stack, id, bytes);
            if opens {
                let keyed = keep.is_some() && key.is_some();
                if keyed && let Some(k) = key {
                    key_path.push(k);
                }
                stack.push(Frame {
                    id,
                    pending_key: None,
                    keyed,
                });
                tree.stats.max_depth = tree.stats.max_depth.max(stack.len());
            }
        }
        if let Some(root) = tree.root {
            tree.stats.api_version = tree.str_at(root, "apiVersion").map(str::to_owned);
            tree.stats.kind = tree.str_at(root, "kind").map(str::to_owned);
        }
        if keep.is_some() {
            // Pruned trees are kept for a whole check: give back the room they did not use.
            tree.nodes.shrink_to_fit();
        }
        Ok(tree)
    }

    fn attach(&mut self, stack: &mut [Frame], id: NodeId, bytes: &[u8]) {
        let Some(frame) = stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(id);
            }
            return;
        };
        match self.nodes.get_mut(frame.id).map(|n| &mut n.kind) {
            Some(NodeKind::Mapping { entries, .. }) => match frame.pending_key.take() {
                None => frame.pending_key = Some(id),
                Some(key) => {
                    entries.push((key, id));
                    self.place_missing_value(key, id, bytes);
                }
            },
            Some(NodeKind::Sequence { items, .. }) => items.push(id),
            _ => {}
        }
    }

    /// An explicit key without a value (`? a` and no `:`) gets an empty value that saphyr
    /// places at the next token, which may be lines below, after comments or a `...` marker:
    /// put it at the key's end instead, so the mapping ends where its text does.
    fn place_missing_value(&mut self, key: NodeId, value: NodeId, bytes: &[u8]) {
        let Some(key_end) = self.nodes.get(key).map(|n| n.end) else {
            return;
        };
        let Some(node) = self.nodes.get_mut(value) else {
            return;
        };
        if !node.is_empty_null() || node.tagged || node.anchor != 0 || node.start <= key_end {
            return;
        }
        if !colon_between(bytes, key_end, node.start) {
            node.start = key_end;
            node.end = key_end;
        }
    }

    /// Finishes a collection: its content end, and the closing bracket of a flow collection.
    fn close(&mut self, id: NodeId, close_at: usize, bytes: &[u8]) {
        let children: Vec<NodeId> = match self.nodes.get(id).map(|n| &n.kind) {
            Some(NodeKind::Mapping { entries, .. }) => {
                entries.iter().flat_map(|&(k, v)| [k, v]).collect()
            }
            Some(NodeKind::Sequence { items, .. }) => items.clone(),
            _ => Vec::new(),
        };
        let last_child_end = children
            .iter()
            .filter_map(|&c| self.nodes.get(c))
            .map(|n| n.end)
            .max();
        let first_child_start = children
            .first()
            .and_then(|&c| self.nodes.get(c))
            .map(|n| n.start);
        let Some(node) = self.nodes.get_mut(id) else {
            return;
        };
        // saphyr puts an indented block sequence's start at its first dash and a
        // non-indented one's at its first item: use the first item in both cases.
        if let (
            NodeKind::Sequence {
                style: Style::Block,
                ..
            },
            Some(first),
        ) = (&node.kind, first_child_start)
        {
            node.start = first;
        }
        let style = match &mut node.kind {
            NodeKind::Mapping { style, .. } | NodeKind::Sequence { style, .. } => style,
            _ => return,
        };
        match style {
            Style::Flow { close, .. } => {
                *close = close_at;
                node.end = (close_at + 1).min(bytes.len());
            }
            Style::Block | Style::FlowPair => {
                node.end = last_child_end.unwrap_or(node.start).max(node.start);
            }
        }
    }

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

/// Whether a `:` indicator comes between `from` and `to` (inclusive), past white space, line
/// breaks and comments.
fn colon_between(bytes: &[u8], from: usize, to: usize) -> bool {
    let mut i = from;
    // `to` itself is included: saphyr puts an empty value that has a `:` at that colon.
    while i <= to {
        match bytes.get(i) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            Some(b'#') => {
                i = crate::linebreak::next_break(bytes, i).map_or(to + 1, |(at, _)| at);
            }
            Some(b':') => return true,
            _ => return false,
        }
    }
    false
}

/// Describes a node's type for messages.
pub fn node_type(node: &Node) -> &'static str {
    match &node.kind {
        NodeKind::Scalar { .. } if node.is_null() => "null",
        NodeKind::Scalar { .. } => "a scalar",
        NodeKind::Mapping { .. } => "a mapping",
        NodeKind::Sequence { .. } => "a sequence",
        NodeKind::Alias { .. } => "an alias",
    }
}

/// Whether `tag` is set and is not the core tag `own` (`str`, `map`, `seq`).
fn is_foreign(tag: Option<&saphyr_parser::Tag>, own: &str) -> bool {
    tag.is_some_and(|t| !(t.is_yaml_core_schema() && t.suffix == own))
}

/// Tells block from flow collections: a flow collection's start event ends after its bracket.
fn collection_style(bytes: &[u8], start: usize, end: usize, in_flow: bool) -> Style {
    // The start event's span covers the node's properties (`&anchor`, `!tag`) and, for a flow
    // collection, its bracket and any space after it (`{ `): look for the bracket itself.
    let mut i = start;
    while i < end {
        match bytes.get(i) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            Some(b'&' | b'!') => {
                while i < end && !matches!(bytes.get(i), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
                {
                    i += 1;
                }
            }
            Some(b'{' | b'[') => {
                return Style::Flow {
                    open: i,
                    close: end,
                };
            }
            _ => break,
        }
    }
    if in_flow {
        Style::FlowPair
    } else {
        Style::Block
    }
}

/// Moves back over white space and line breaks (the end of a block scalar's last content line).
fn trim_back(bytes: &[u8], mut end: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\r' | b'\n') = end.checked_sub(1).and_then(|i| bytes.get(i)) {
        end -= 1;
    }
    end
}

/// The content end of a block scalar: its last content line, or its last kept blank line
/// (`|+` keeps trailing blank lines, so text inserted before them would change the value).
fn block_scalar_end(bytes: &[u8], span_end: usize, value: &str) -> usize {
    let mut end = trim_back(bytes, span_end);
    let kept_blank_lines = value
        .bytes()
        .rev()
        .take_while(|&b| b == b'\n')
        .count()
        .saturating_sub(1);
    for _ in 0..kept_blank_lines {
        match crate::linebreak::next_break(bytes, end) {
            Some((at, len)) if at < span_end => end = at + len,
            _ => break,
        }
    }
    end
}

/// The end of a quoted scalar (after its closing quote), found from its start; anchors
/// and tags in front of the quote are skipped.
fn quoted_scalar_end(bytes: &[u8], start: usize, limit: usize) -> Option<usize> {
    let mut i = start;
    // Skip `&anchor` / `!tag` properties and the white space between them.
    loop {
        match bytes.get(i)? {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'&' | b'!' => {
                while !matches!(bytes.get(i)?, b' ' | b'\t' | b'\r' | b'\n') {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    let quote = *bytes.get(i)?;
    i += 1;
    while i < limit {
        let b = *bytes.get(i)?;
        match (quote, b) {
            (b'"', b'\\') => i += 2,
            (b'\'', b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            (q, b) if q == b => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Start and end of a span, converted to byte offsets (used by error reporting).
pub fn span_bytes(text: &str, span: &Span) -> (usize, usize) {
    let map = CharMap::new(text);
    (map.byte(&span.start), map.byte(&span.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_reads_top_level_identity() {
        let s = scan("---\n# Source: x\napiVersion: install.tetrate.io/v1alpha1\nspec:\n  kind: no\nkind: IngressGateway\n").unwrap();
        assert!(s.has_document);
        assert_eq!(
            s.api_version.as_deref(),
            Some("install.tetrate.io/v1alpha1")
        );
        assert_eq!(s.kind.as_deref(), Some("IngressGateway"));
        assert_eq!(s.max_depth, 2);
    }

    #[test]
    fn scan_resolves_scalar_aliases_and_counts() {
        let s = scan("a: &k ControlPlane\nkind: *k\nb: [[[1]]]\n").unwrap();
        assert_eq!(s.kind.as_deref(), Some("ControlPlane"));
        assert_eq!(s.alias_uses, 1);
        assert_eq!(s.max_depth, 4);
    }

    #[test]
    fn scan_of_comments_has_no_document() {
        assert!(!scan("# only a comment\n").unwrap().has_document);
        assert!(scan("--- # c\n").unwrap().has_document);
    }

    #[test]
    fn scan_reports_byte_offsets_of_errors() {
        let e = scan("ä: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.offset > 0 && e.offset <= "ä: [1, 2\nb: 3\n".len());
    }

    #[test]
    fn the_tree_knows_what_the_scan_knows() {
        for text in [
            "---\n# Source: x\napiVersion: install.tetrate.io/v1alpha1\nspec:\n  kind: no\nkind: IngressGateway\n",
            "a: &k ControlPlane\nkind: *k\nb: [[[1]]]\n",
            "--- # c\n",
            "x: [{a: [1, {b: c}]}]\n",
        ] {
            let scan = scan(text).unwrap();
            let tree = Tree::parse(text).unwrap();
            let mut stats = tree.stats.clone();
            // The tree does not resolve an aliased kind; the scan does.
            if text.contains("*k") {
                stats.kind = scan.kind.clone();
            }
            assert_eq!(stats, scan, "{text}");
        }
    }

    #[test]
    fn pruned_trees_keep_what_is_asked_and_count_everything() {
        let text = "kind: Deployment\nmetadata: {name: a, labels: {x: y}}\nspec:\n  replicas: 3\n  template:\n    spec:\n      volumes: [{name: v, deep: [[[[1]]]]}]\n      containers:\n      - name: c\n        image: i\n        env: [{name: E, value: \"1\"}]\n";
        let keep = |parent: &[String], key: &str| {
            let mut p: Vec<&str> = parent.iter().map(String::as_str).collect();
            p.push(key);
            matches!(
                p.as_slice(),
                ["kind"]
                    | ["metadata", ..]
                    | ["spec"]
                    | ["spec", "template"]
                    | ["spec", "template", "spec"]
                    | ["spec", "template", "spec", "containers"]
                    | ["spec", "template", "spec", "containers", "name" | "env", ..]
            )
        };
        let full = Tree::parse(text).unwrap();
        let pruned = Tree::parse_pruned(text, Some(&keep)).unwrap();
        assert_eq!(pruned.stats, full.stats);
        assert!(pruned.nodes.len() < full.nodes.len());
        let root = pruned.root.unwrap();
        assert_eq!(pruned.str_at(root, "kind"), Some("Deployment"));
        assert!(pruned.get_path(root, &["spec", "replicas"]).is_none());
        let containers = pruned
            .get_path(root, &["spec", "template", "spec", "containers"])
            .unwrap();
        let c = pruned.items(containers)[0];
        assert_eq!(pruned.str_at(c, "name"), Some("c"));
        assert!(pruned.get(c, "image").is_none());
        let env = pruned.get(c, "env").unwrap();
        assert_eq!(pruned.str_at(pruned.items(env)[0], "value"), Some("1"));
        // Spans are the same as in the full tree.
        let full_env = full
            .get_path(
                full.root.unwrap(),
                &["spec", "template", "spec", "containers"],
            )
            .map(|cs| full.get(full.items(cs)[0], "env").unwrap())
            .unwrap();
        assert_eq!(
            pruned.node(env).unwrap().start,
            full.node(full_env).unwrap().start
        );
    }

    #[test]
    fn tree_spans_are_bytes() {
        let text = "é: x\nspec:\n  a: |\n    l1\n    # in scalar\n\n# comment\n  b: {c: 1}\n";
        let t = Tree::parse(text).unwrap();
        let root = t.root.unwrap();
        let spec = t.get(root, "spec").unwrap();
        let a = t.node(t.get(spec, "a").unwrap()).unwrap();
        assert!(text[..a.end].ends_with("# in scalar"));
        let b = t.node(t.get(spec, "b").unwrap()).unwrap();
        assert!(matches!(
            b.kind,
            NodeKind::Mapping {
                style: Style::Flow { .. },
                ..
            }
        ));
        assert_eq!(&text[b.start..b.end], "{c: 1}");
        assert_eq!(
            &text[t.node(spec).unwrap().start..t.node(spec).unwrap().end],
            "a: |\n    l1\n    # in scalar\n\n# comment\n  b: {c: 1}"
        );
    }
}
