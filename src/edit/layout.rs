//! The document's own layout, learned from its text, so inserted lines look like their
//! neighbours: the indentation step, how far sequences are indented under their key, and where
//! an item's content starts after its dash (`- key` or `-   key`).

use crate::document::{NodeId, NodeKind, Style, Tree};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Columns a nested mapping is indented by.
    pub step: usize,
    /// Columns a block sequence's dash sits right of its key (0: `key:\n- a`).
    pub seq_indent: usize,
    /// Columns from a dash to the item's content (2: `- a`, 4: `-   a`).
    pub item_offset: usize,
}

impl Default for Layout {
    /// kubectl's layout: two-space steps, sequences not indented.
    fn default() -> Self {
        Layout {
            step: 2,
            seq_indent: 0,
            item_offset: 2,
        }
    }
}

/// Byte offset of the start of the line holding `pos`.
pub fn line_start(text: &str, pos: usize) -> usize {
    crate::linebreak::line_start(text.as_bytes(), pos)
}

/// The column of `pos`: characters from its line's start, a byte order mark not counted.
pub fn column(text: &str, pos: usize) -> usize {
    let start = line_start(text, pos);
    text.get(start..pos.min(text.len()))
        .map_or(0, |s| s.chars().filter(|&c| c != '\u{feff}').count())
}

/// Byte offset of the `-` of a block sequence's first item (`items`; `seq_start` when empty).
/// A block sequence whose first item is itself a block sequence (`- - a`) starts where that
/// item's first item does, so one dash is walked back per level of nesting.
pub fn seq_dash(tree: &Tree, text: &str, items: &[NodeId], seq_start: usize) -> Option<usize> {
    let mut first = items.first().and_then(|&i| tree.node(i));
    let start = first.map_or(seq_start, |n| n.start);
    let mut depth = 0;
    while let Some(NodeKind::Sequence {
        style: Style::Block,
        items,
    }) = first.map(|n| &n.kind)
    {
        depth += 1;
        first = items.first().and_then(|&i| tree.node(i));
    }
    let mut dash = find_dash(text, start)?;
    for _ in 0..depth {
        dash = find_dash(text, dash)?;
    }
    Some(dash)
}

/// Byte offset of the `-` that introduces the block sequence item starting at `item_start`.
pub fn find_dash(text: &str, item_start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    // Same line: `- item`, `-   item`, `- - item`.
    let start = line_start(text, item_start);
    let before = bytes.get(start..item_start)?;
    // An empty item is placed after a comment on its dash's line (`-  # c -`): the dash is
    // before the comment, never in it.
    let comment = before.iter().enumerate().position(|(i, &b)| {
        b == b'#' && (i == 0 || matches!(before.get(i - 1), Some(b' ' | b'\t')))
    });
    let before = comment.and_then(|c| before.get(..c)).unwrap_or(before);
    let trimmed = before.iter().rposition(|&b| b != b' ' && b != b'\t');
    if let Some(i) = trimmed {
        return (before.get(i) == Some(&b'-')).then_some(start + i);
    }
    // The item starts on a line of its own: the dash ends an earlier line (`-`, `- # c`, or
    // `- &anchor !tag` with the item's properties).
    let mut end = start;
    while end > 0 {
        let prev = line_start(text, end - 1);
        let line = text.get(prev..end)?;
        let content = line.trim_start();
        let indent = line.len() - content.len();
        let content = content.trim_end();
        if content.is_empty() || content.starts_with('#') {
            end = prev;
            continue;
        }
        return is_dash_line(content).then_some(prev + indent);
    }
    None
}

/// Whether a trimmed line is a lone dash: `-`, or `-` and white space followed only by node
/// properties (`&anchor`, `!tag`) and a comment.
fn is_dash_line(content: &str) -> bool {
    let Some(rest) = content.strip_prefix('-') else {
        return false;
    };
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return false;
    }
    for word in rest.split_whitespace() {
        if word.starts_with('#') {
            return true;
        }
        if !word.starts_with(['&', '!']) {
            return false;
        }
    }
    true
}

impl Layout {
    /// Learns the layout from the first examples in the document; defaults otherwise.
    pub fn learn(tree: &Tree, text: &str) -> Layout {
        let mut step = None;
        let mut seq_indent = None;
        let mut item_offset = None;
        for node in &tree.nodes {
            match &node.kind {
                NodeKind::Mapping {
                    style: Style::Block,
                    entries,
                } => {
                    let key_col = column(text, node.start);
                    for &(_, v) in entries {
                        let Some(value) = tree.node(v) else { continue };
                        match &value.kind {
                            NodeKind::Mapping {
                                style: Style::Block,
                                ..
                            } if step.is_none() => {
                                let col = column(text, value.start);
                                if col > key_col {
                                    step = Some(col - key_col);
                                }
                            }
                            NodeKind::Sequence {
                                style: Style::Block,
                                items,
                            } if seq_indent.is_none() => {
                                if let Some(dash) = seq_dash(tree, text, items, value.start) {
                                    let col = column(text, dash);
                                    seq_indent = Some(col.saturating_sub(key_col));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                NodeKind::Sequence {
                    style: Style::Block,
                    items,
                } if item_offset.is_none() => {
                    let first_mapping = items.iter().filter_map(|&i| tree.node(i)).find(|n| {
                        matches!(
                            n.kind,
                            NodeKind::Mapping {
                                style: Style::Block,
                                ..
                            }
                        )
                    });
                    if let Some(item) = first_mapping
                        && let Some(dash) = find_dash(text, item.start)
                        && line_start(text, dash) == line_start(text, item.start)
                    {
                        item_offset = Some(column(text, item.start) - column(text, dash));
                    }
                }
                _ => {}
            }
            if step.is_some() && seq_indent.is_some() && item_offset.is_some() {
                break;
            }
        }
        let d = Layout::default();
        Layout {
            step: step.unwrap_or(d.step),
            seq_indent: seq_indent.unwrap_or(d.seq_indent),
            item_offset: item_offset.filter(|&o| o >= 2).unwrap_or(d.item_offset),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dash_of_an_empty_item_is_never_in_its_comment() {
        // Found by the editor fuzz target: saphyr puts the empty item at the end of the line,
        // after the comment, and the `-` in the comment was taken for its dash.
        let text = "      -              #    -=      -  \n";
        assert_eq!(find_dash(text, 37), Some(6));
        let tree = Tree::parse(text).unwrap();
        let root = tree.root.unwrap();
        assert_eq!(seq_dash(&tree, text, tree.items(root), 6), Some(6));
        // A `#` that does not start a comment is no comment.
        assert_eq!(find_dash("- a#b", 2), Some(0));
    }

    #[test]
    fn nested_sequences_on_one_line_have_a_dash_each() {
        let text = "-   - - a\n    - b\n";
        let tree = Tree::parse(text).unwrap();
        let root = tree.root.unwrap();
        let items = tree.items(root);
        assert_eq!(seq_dash(&tree, text, items, 0), Some(0));
        let inner = tree.items(root)[0];
        assert_eq!(seq_dash(&tree, text, tree.items(inner), 0), Some(4));
        let text = "-\n  - a\n";
        let tree = Tree::parse(text).unwrap();
        let root = tree.root.unwrap();
        assert_eq!(seq_dash(&tree, text, tree.items(root), 0), Some(0));
    }

    #[test]
    fn learns_four_space_documents() {
        let text = "spec:\n    list:\n    -   a: 1\n        b: 2\n";
        let tree = Tree::parse(text).unwrap();
        assert_eq!(
            Layout::learn(&tree, text),
            Layout {
                step: 4,
                seq_indent: 0,
                item_offset: 4
            }
        );
    }

    #[test]
    fn learns_indented_sequences() {
        let text = "a:\n  b:\n    - x: 1\n";
        let tree = Tree::parse(text).unwrap();
        assert_eq!(
            Layout::learn(&tree, text),
            Layout {
                step: 2,
                seq_indent: 2,
                item_offset: 2
            }
        );
    }

    #[test]
    fn the_first_example_of_each_rule_wins() {
        let learn = |text: &str| Layout::learn(&Tree::parse(text).unwrap(), text);
        let step = "a:\n  b: 1\nc:\n    d: 1\n";
        assert_eq!(learn(step).step, 2);
        let seq_indent = "a:\n- 1\nb:\n  - 2\n";
        assert_eq!(learn(seq_indent).seq_indent, 0);
        let item_offset = "a:\n-   x: 1\nb:\n- y: 1\n";
        assert_eq!(learn(item_offset).item_offset, 4);
    }

    #[test]
    fn finds_dashes_on_earlier_lines() {
        let text = "-\n  r: 3\n- # c\n  s: 4\n";
        assert_eq!(find_dash(text, text.find('r').unwrap()), Some(0));
        assert_eq!(
            find_dash(text, text.find('s').unwrap()),
            Some(text.find("- #").unwrap())
        );
        assert_eq!(find_dash("  a: 1\n", 2), None);
        // Blank and comment lines between the dash and the item; an indented dash.
        let text = "l:\n-\n\n  # c\n  r: 3\n";
        assert_eq!(find_dash(text, text.find('r').unwrap()), Some(3));
        let text = "l:\n  -\n    r: 3\n";
        assert_eq!(find_dash(text, text.find('r').unwrap()), Some(5));
    }

    #[test]
    fn finds_dashes_carrying_the_items_properties() {
        for text in [
            "l:\n- &a\n  r: 3\n",
            "l:\n- !!map\n  r: 3\n",
            "l:\n- &a !!map # c\n  r: 3\n",
            "l:\n-\t&a\n  r: 3\n",
        ] {
            assert_eq!(
                find_dash(text, text.find('r').unwrap()),
                Some(3),
                "{text:?}"
            );
        }
        // Not a lone dash: a scalar item, a `-x` scalar, text after the properties.
        for text in [
            "l:\n- x\n  r: 3\n",
            "l:\n-x\n  r: 3\n",
            "l:\n-#x\n  r: 3\n",
            "l:\n- &a x\n  r: 3\n",
        ] {
            assert_eq!(find_dash(text, text.find('r').unwrap()), None, "{text:?}");
        }
    }
}
