//! Flow style: writing a value as `{a: b, c: [d]}` (or as JSON in a JSON-style mapping), and
//! adding an item to a flow collection.

use crate::document::{NodeId, NodeKind};
use crate::patch::NewValue;
use saphyr_parser::ScalarStyle;

use super::editor::Editor;
use super::scalar;
use super::splice::Splice;

/// How a JSON-style flow mapping (`{"a": true}`) separates its parts: the white space after
/// each `:` and the `,` with its white space between entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct JsonStyle {
    pub(super) colon: String,
    pub(super) comma: String,
}

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

    /// The style of a flow mapping whose keys are all double-quoted, without properties, and
    /// whose values are all written out (JSON); `None` for a YAML-style (or empty) one. The
    /// separators follow its first entries: after the first `:`, and between the first two
    /// entries (with one entry, `,` when the colon has no space after it, else `, `).
    pub(super) fn json_style(&self, entries: &[(NodeId, NodeId)]) -> Option<JsonStyle> {
        let &(first_key, first_value) = entries.first()?;
        let json_key = |id: NodeId| {
            self.tree.node(id).is_some_and(|n| {
                matches!(
                    n.kind,
                    NodeKind::Scalar {
                        style: ScalarStyle::DoubleQuoted,
                        ..
                    }
                ) && !n.tagged
                    && n.anchor == 0
            })
        };
        let written = |id: NodeId| self.tree.node(id).is_some_and(|n| !n.is_empty_null());
        if !entries.iter().all(|&(k, v)| json_key(k) && written(v)) {
            return None;
        }
        let blank = |s: &&str| s.chars().all(|c| c == ' ' || c == '\t');
        let colon = self
            .tree
            .node(first_key)
            .and_then(|k| self.colon_after(k))
            .zip(self.tree.node(first_value))
            .and_then(|(c, v)| self.text.get(c + 1..v.start))
            .filter(blank)
            .unwrap_or(" ")
            .to_owned();
        let comma = match entries.get(1) {
            Some(&(second_key, _)) => self
                .tree
                .node(second_key)
                .and_then(|k| {
                    self.text
                        .get(self.entry_end(first_key, first_value)..k.start)
                })
                .filter(|s| {
                    let s = s.trim_matches([' ', '\t']);
                    s == ","
                })
                .map(str::to_owned),
            None => None,
        }
        .unwrap_or_else(|| if colon.is_empty() { "," } else { ", " }.to_owned());
        Some(JsonStyle { colon, comma })
    }

    /// Inserts `item` (flow text) into a flow collection, after its last entry; `comma` is
    /// the separator written before it.
    pub(super) fn add_flow_item(
        &self,
        open: usize,
        close: usize,
        last_end: Option<usize>,
        item: &str,
        comma: &str,
    ) -> Splice {
        match last_end {
            Some(end) => {
                // After `a:` with nothing behind it, `a:,` would make the colon part of a
                // plain key; after a plain `a -` (or `a ?`), saphyr reads `-,` as a plain
                // scalar starting with `-`.
                let after_colon = self
                    .text
                    .get(..end)
                    .is_some_and(|before| before.ends_with([':', '-', '?']));
                let sep = if after_colon {
                    format!(" {comma}")
                } else {
                    comma.to_owned()
                };
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
        NewValue::Int(i) => i.to_string(),
        NewValue::Bool(b) => b.to_string(),
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

/// A value as JSON (`{"a": "b", "n": 1}`), strings escaped as [`scalar::double_quoted`] does;
/// `colon` follows each `:`, `comma` separates entries and items.
pub fn json(value: &NewValue, colon: &str, comma: &str) -> String {
    match value {
        NewValue::Str(s) => scalar::double_quoted(s),
        NewValue::Int(i) => i.to_string(),
        NewValue::Bool(b) => b.to_string(),
        NewValue::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}:{colon}{}",
                        scalar::double_quoted(k),
                        json(v, colon, comma)
                    )
                })
                .collect();
            format!("{{{}}}", inner.join(comma))
        }
        NewValue::Seq(items) => {
            let inner: Vec<String> = items.iter().map(|v| json(v, colon, comma)).collect();
            format!("[{}]", inner.join(comma))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::testing::{add, checked, replace};
    use crate::patch::{Change, Pointer};

    fn nested() -> NewValue {
        NewValue::Map(vec![(
            "EXIT_ON_ZERO_ACTIVE_CONNECTIONS".into(),
            NewValue::str("true"),
        )])
    }

    #[test]
    fn json_mappings_get_json_entries_in_their_own_spacing() {
        let drain = || add(&["terminationDrainDuration"], NewValue::str("25s"));
        assert_eq!(
            checked("{\"holdApplicationUntilProxyStarts\":true}", &drain()).unwrap(),
            "{\"holdApplicationUntilProxyStarts\":true,\"terminationDrainDuration\":\"25s\"}"
        );
        assert_eq!(
            checked("{\"a\": true}\n", &drain()).unwrap(),
            "{\"a\": true, \"terminationDrainDuration\": \"25s\"}\n"
        );
        // The separator between the first two entries wins over the colon's.
        assert_eq!(
            checked("{\"a\":1 , \"b\":2}\n", &drain()).unwrap(),
            "{\"a\":1 , \"b\":2 , \"terminationDrainDuration\":\"25s\"}\n"
        );
        assert_eq!(
            checked("{ \"a\": true }\n", &drain()).unwrap(),
            "{ \"a\": true, \"terminationDrainDuration\": \"25s\" }\n"
        );
    }

    #[test]
    fn json_mappings_get_nested_values_as_json() {
        let c = add(&["spec", "proxyMetadata"], nested());
        assert_eq!(
            checked("spec: {\"a\": true}\n", &c).unwrap(),
            "spec: {\"a\": true, \"proxyMetadata\": {\"EXIT_ON_ZERO_ACTIVE_CONNECTIONS\": \"true\"}}\n"
        );
        let c = add(
            &["c"],
            NewValue::Seq(vec![
                NewValue::Int(1),
                NewValue::str("x\ny"),
                NewValue::Bool(false),
                NewValue::Map(vec![]),
            ]),
        );
        assert_eq!(
            checked("{\"a\":1,\"b\":{\"x\":2}}", &c).unwrap(),
            "{\"a\":1,\"b\":{\"x\":2},\"c\":[1,\"x\\ny\",false,{}]}"
        );
        // Keys and strings escaped as JSON and for YAML readers.
        let c = add(&["k\"\u{2028}"], NewValue::str("on"));
        assert_eq!(
            checked("{\"a\": 1}\n", &c).unwrap(),
            "{\"a\": 1, \"k\\\"\\u2028\": \"on\"}\n"
        );
    }

    #[test]
    fn yaml_flow_mappings_keep_yaml_entries() {
        let c = add(&["spec", "proxyMetadata"], nested());
        assert_eq!(
            checked("spec: {a: true}\n", &c).unwrap(),
            "spec: {a: true, proxyMetadata: {EXIT_ON_ZERO_ACTIVE_CONNECTIONS: \"true\"}}\n"
        );
        // Mixed keys, a quoted key with an empty value, an empty mapping: YAML style.
        let b = || add(&["b"], NewValue::str("25s"));
        assert_eq!(
            checked("{\"a\": 1, c: 2}\n", &b()).unwrap(),
            "{\"a\": 1, c: 2, b: 25s}\n"
        );
        assert_eq!(checked("{\"a\": }\n", &b()).unwrap(), "{\"a\": , b: 25s}\n");
        assert_eq!(checked("{}\n", &b()).unwrap(), "{b: 25s}\n");
        assert_eq!(checked("{'a': 1}\n", &b()).unwrap(), "{'a': 1, b: 25s}\n");
    }

    #[test]
    fn a_comma_after_a_plain_scalar_ending_in_a_dash_is_spaced() {
        // Found by the editor fuzz target: saphyr refused `{5 -, a: []}`.
        let c = add(&["a"], NewValue::Seq(vec![]));
        assert_eq!(checked("{5 - }\n", &c).unwrap(), "{5 - , a: [] }\n");
        assert_eq!(checked("{5 ? }\n", &c).unwrap(), "{5 ? , a: [] }\n");
    }

    #[test]
    fn integers_and_booleans_are_written_plain() {
        let t = NewValue::Int(45);
        assert_eq!(
            checked(
                "spec:\n  terminationGracePeriodSeconds: 30\n",
                &replace(&["spec", "terminationGracePeriodSeconds"], t.clone())
            )
            .unwrap(),
            "spec:\n  terminationGracePeriodSeconds: 45\n"
        );
        // The type changes: quotes and tags go, anchors and comments stay.
        for (text, out) in [
            ("a: \"30\"\n", "a: 45\n"),
            ("a: '30' # c\n", "a: 45 # c\n"),
            ("a: !!str 30\n", "a: 45\n"),
            ("a: &x !!int \"30\"\n", "a: &x 45\n"),
            ("a: 30s # c\n", "a: 45 # c\n"),
            ("a: {s: 30}\n", "a: 45\n"),
            ("a:\n  s: 30\nb: 1\n", "a: 45\nb: 1\n"),
            ("a:\nb: 1\n", "a: 45\nb: 1\n"),
            ("a: ~ # c\n", "a: 45 # c\n"),
        ] {
            assert_eq!(
                checked(text, &replace(&["a"], t.clone())).unwrap(),
                out,
                "{text:?}"
            );
        }
        assert_eq!(
            checked("spec:\n  a: 1\n", &add(&["spec", "t"], t.clone())).unwrap(),
            "spec:\n  a: 1\n  t: 45\n"
        );
        assert_eq!(
            checked("spec: {a: 1}\n", &add(&["spec", "t"], NewValue::Int(-7))).unwrap(),
            "spec: {a: 1, t: -7}\n"
        );
        let append = Change::Add {
            path: Pointer::root().key("l").append(),
            value: NewValue::Int(i64::MIN),
        };
        assert_eq!(
            checked("l:\n- 1\n", &append).unwrap(),
            "l:\n- 1\n- -9223372036854775808\n"
        );
        let append = Change::Add {
            path: Pointer::root().key("l").append(),
            value: NewValue::Bool(true),
        };
        assert_eq!(checked("l: [1]\n", &append).unwrap(), "l: [1, true]\n");
    }

    #[test]
    fn booleans_are_added_and_replace_strings() {
        let hold = NewValue::Bool(true);
        assert_eq!(
            checked(
                "config:\n  a: 1\n",
                &add(&["config", "holdApplicationUntilProxyStarts"], hold.clone())
            )
            .unwrap(),
            "config:\n  a: 1\n  holdApplicationUntilProxyStarts: true\n"
        );
        assert_eq!(
            checked("a: false\n", &replace(&["a"], hold.clone())).unwrap(),
            "a: true\n"
        );
        assert_eq!(
            checked("a: \"true\"\n", &replace(&["a"], NewValue::Bool(false))).unwrap(),
            "a: false\n"
        );
        let m = NewValue::Map(vec![
            ("count".into(), NewValue::Int(0)),
            ("b".into(), NewValue::Bool(false)),
        ]);
        assert_eq!(
            checked(
                "l:\n- x\n",
                &Change::Add {
                    path: Pointer::root().key("l").append(),
                    value: m.clone(),
                }
            )
            .unwrap(),
            "l:\n- x\n- count: 0\n  b: false\n"
        );
        assert_eq!(flow(&m), "{count: 0, b: false}");
        assert_eq!(json(&m, " ", ", "), "{\"count\": 0, \"b\": false}");
    }
}
