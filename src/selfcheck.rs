//! The last checks before anything is written, for every edited document: its text must
//! parse to exactly what the json-patch oracle makes of the original and mean the same to
//! every reader ([`check_document`]), and it must stay one document in its place in the
//! stream: an edit that runs past its document's end (into the next `---`) glues two
//! documents together and still parses ([`crate::stream::cut_in_place`], run for each edited
//! document next to this check). Untouched documents are the input's bytes.

use serde_json::Value;

use crate::document::{NodeId, NodeKind, ScalarType, Tree};
use crate::patch::{Change, NewValue, Step};

/// One edited document against the oracle: its text must parse to exactly what json-patch
/// makes of the original (equal JSON also means the identity is unchanged), and every changed
/// value must read as written to a libyaml-family reader too: no tag of its own on it or on
/// the way to it (serde's reader ignores tags; go-yaml does not). `tree` is the edited text's
/// tree. Gives back the oracle's document.
pub fn check_document(
    original: &Value,
    changes: &[Change],
    edited: &str,
    tree: &Tree,
) -> Result<Value, String> {
    let expected = crate::patch::expected(original, changes)
        .map_err(|e| format!("json-patch refused the change: {e}"))?;
    let text = edited.strip_prefix('\u{feff}').unwrap_or(edited);
    let actual: Value =
        serde_yaml::from_str(text).map_err(|e| format!("edited text does not parse: {e}"))?;
    if actual != expected {
        return Err("the edited document does not match the intended change".to_owned());
    }
    for change in changes {
        if !reads_as_written(tree, change) {
            return Err(format!(
                "{} is not read as written (a tag or alias on its way)",
                change.path().to_json_pointer()
            ));
        }
    }
    Ok(expected)
}

/// Whether the value `change` wrote is plain data in `tree`: every node from the root to it
/// and in it is untagged (or tagged with its own core tag) and not an alias, and a string is
/// a string scalar. Later changes of the same document may have added to what this one wrote.
fn reads_as_written(tree: &Tree, change: &Change) -> bool {
    let Some(mut node) = tree.root else {
        return false;
    };
    let plain = |id: NodeId| {
        tree.node(id)
            .is_some_and(|n| !n.foreign_tag && !matches!(n.kind, NodeKind::Alias { .. }))
    };
    let mut steps = change.path().steps().iter().peekable();
    while let Some(step) = steps.next() {
        if !plain(node) {
            return false;
        }
        let next = match step {
            Step::Key(k) => tree.get(node, k),
            Step::Index(i) => tree.items(node).get(*i).copied(),
            // Later appends follow this one: one of the items is the new one.
            Step::Append if steps.peek().is_none() => {
                return tree
                    .items(node)
                    .iter()
                    .any(|&item| value_is_plain(tree, item, change.value()));
            }
            Step::Append => None,
        };
        let Some(next) = next else { return false };
        node = next;
    }
    value_is_plain(tree, node, change.value())
}

fn value_is_plain(tree: &Tree, id: NodeId, value: &NewValue) -> bool {
    let Some(node) = tree.node(id) else {
        return false;
    };
    if node.foreign_tag {
        return false;
    }
    match (value, &node.kind) {
        (NewValue::Str(s), NodeKind::Scalar { value, .. }) => {
            node.scalar_type() == Some(ScalarType::Str) && value == s
        }
        (NewValue::Int(i), NodeKind::Scalar { value, .. }) => {
            node.scalar_type() == Some(ScalarType::Int) && value.parse::<i64>() == Ok(*i)
        }
        (NewValue::Bool(b), NodeKind::Scalar { value, .. }) => {
            node.scalar_type() == Some(ScalarType::Bool) && value.as_str() == b.to_string()
        }
        (NewValue::Map(entries), NodeKind::Mapping { .. }) => entries.iter().all(|(k, v)| {
            tree.get(id, k)
                .is_some_and(|child| value_is_plain(tree, child, v))
        }),
        (NewValue::Seq(items), NodeKind::Sequence { items: nodes, .. }) => {
            // Later changes only append: the written items come first.
            items.len() <= nodes.len()
                && items
                    .iter()
                    .zip(nodes)
                    .all(|(v, &child)| value_is_plain(tree, child, v))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::Pointer;

    #[test]
    fn the_edited_text_must_match_the_oracle() {
        let original: Value = serde_json::json!({"a": 1});
        let change = Change::Add {
            path: Pointer::root().key("b"),
            value: NewValue::str("10s"),
        };
        let good = "a: 1\nb: 10s\n";
        let tree = Tree::parse(good).unwrap();
        let value = check_document(&original, std::slice::from_ref(&change), good, &tree).unwrap();
        assert_eq!(value, serde_json::json!({"a": 1, "b": "10s"}));
        let bad = "a: 1\nb: 11s\n";
        let err =
            check_document(&original, &[change], bad, &Tree::parse(bad).unwrap()).unwrap_err();
        assert_eq!(
            err,
            "the edited document does not match the intended change"
        );
    }
}
