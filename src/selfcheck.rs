//! The last check before anything is written: the whole output stream, re-split, against the
//! input. Checking each edited document alone is not enough: an edit that runs past its
//! document's end (into the next `---`) glues two documents together and still parses.
//!
//! The output must split into as many documents as the input; every document that was not
//! edited must be byte-identical; every edited one must be exactly the edited text and parse
//! to what the json-patch oracle made of the original.

use serde_json::Value;

use crate::document::{NodeId, NodeKind, ScalarType, Tree};
use crate::patch::{Change, NewValue, Step};

/// One edited document as the self-check sees it.
pub struct Expected<'a> {
    /// 0-based index of the document in the stream.
    pub document: usize,
    /// The text the editor produced for it.
    pub text: &'a str,
    /// The json-patch oracle applied to the parsed original.
    pub value: &'a Value,
}

/// Compares `output` with `input`, document by document. The error says what differs.
pub fn check_stream(input: &[u8], output: &[u8], edited: &[Expected<'_>]) -> Result<(), String> {
    let before = crate::stream::split(input);
    let after = crate::stream::split(output);
    if before.len() != after.len() {
        return Err(format!(
            "the output has {} documents, the input {}",
            after.len(),
            before.len()
        ));
    }
    let mut edits = edited.iter().peekable();
    for (index, (old, new)) in before.iter().zip(&after).enumerate() {
        let new_bytes = output.get(new.range.clone()).unwrap_or_default();
        match edits.next_if(|e| e.document == index) {
            None => {
                if input.get(old.range.clone()) != Some(new_bytes) {
                    return Err(format!(
                        "document {} changed, but was not edited",
                        index + 1
                    ));
                }
            }
            Some(expected) => {
                if new_bytes != expected.text.as_bytes() {
                    return Err(format!(
                        "document {} in the output is not the edited text (the edit ran past the document's end)",
                        index + 1
                    ));
                }
                let text = expected
                    .text
                    .strip_prefix('\u{feff}')
                    .unwrap_or(expected.text);
                let actual: Value = serde_yaml::from_str(text).map_err(|e| {
                    format!("document {} does not parse in the output: {e}", index + 1)
                })?;
                if &actual != expected.value {
                    return Err(format!(
                        "document {} does not match the intended change",
                        index + 1
                    ));
                }
            }
        }
    }
    if let Some(e) = edits.next() {
        return Err(format!(
            "document {} was edited but is not in the output",
            e.document + 1
        ));
    }
    Ok(())
}

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

    #[test]
    fn glued_documents_are_caught() {
        let input = b"a: 1\n---\nb: 1\n";
        let value: Value = serde_json::json!({"a": 1, "c": "x---"});
        // The edit of document 1 "ran into" the marker of document 2.
        let text = "a: 1\nc: x";
        let output = b"a: 1\nc: x---\nb: 1\n";
        let err = check_stream(
            input,
            output,
            &[Expected {
                document: 0,
                text,
                value: &value,
            }],
        )
        .unwrap_err();
        assert!(err.contains("documents"), "{err}");
    }

    #[test]
    fn untouched_documents_must_be_identical() {
        let err = check_stream(b"a: 1\n---\nb: 1\n", b"a: 1\n---\nb: 2\n", &[]).unwrap_err();
        assert_eq!(err, "document 2 changed, but was not edited");
        assert!(check_stream(b"a: 1\n---\nb: 1\n", b"a: 1\n---\nb: 1\n", &[]).is_ok());
    }

    #[test]
    fn edited_documents_must_match_the_oracle() {
        let value: Value = serde_json::json!({"a": 2});
        let ok = Expected {
            document: 0,
            text: "a: 2\n",
            value: &value,
        };
        assert!(check_stream(b"a: 1\n", b"a: 2\n", &[ok]).is_ok());
        let wrong = Expected {
            document: 0,
            text: "a: 3\n",
            value: &value,
        };
        let err = check_stream(b"a: 1\n", b"a: 3\n", &[wrong]).unwrap_err();
        assert_eq!(err, "document 1 does not match the intended change");
    }
}
