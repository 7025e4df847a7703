//! Builds the node tree of a document from saphyr's events, with byte spans (and, for
//! reading only, pruned to the entries a caller keeps).

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::bulk::Scan;
use super::node::{Node, NodeId, NodeKind, Style, is_foreign};
use super::span::{CharMap, SyntaxError, syntax_error};
use super::tree::Tree;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::scan;
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
