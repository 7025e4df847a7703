//! The drain changes as RFC 6902 operations. The splice editor applies them to the text; the
//! same operations applied by `json-patch` to the parsed document are the oracle the edited
//! text must parse back to.

use serde_json::Value;

/// One step of a path into a document.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
    /// The end of a sequence (`-` in a JSON pointer).
    Append,
}

/// A path into a document, rendered as a JSON pointer for json-patch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Pointer(Vec<Step>);

impl Pointer {
    pub fn root() -> Pointer {
        Pointer(Vec::new())
    }

    pub fn key(&self, key: &str) -> Pointer {
        let mut p = self.clone();
        p.0.push(Step::Key(key.to_owned()));
        p
    }

    pub fn index(&self, index: usize) -> Pointer {
        let mut p = self.clone();
        p.0.push(Step::Index(index));
        p
    }

    pub fn append(&self) -> Pointer {
        let mut p = self.clone();
        p.0.push(Step::Append);
        p
    }

    /// The rest of the path below `base`, when it starts with `base`.
    pub fn strip_prefix(&self, base: &Pointer) -> Option<Pointer> {
        self.0
            .strip_prefix(base.0.as_slice())
            .map(|rest| Pointer(rest.to_vec()))
    }

    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    pub fn parent(&self) -> Option<(Pointer, &Step)> {
        let (last, rest) = self.0.split_last()?;
        Some((Pointer(rest.to_vec()), last))
    }

    /// RFC 6901 text: `/spec/components/istio`.
    pub fn to_json_pointer(&self) -> String {
        let mut out = String::new();
        for step in &self.0 {
            out.push('/');
            match step {
                Step::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
                Step::Index(i) => out.push_str(&i.to_string()),
                Step::Append => out.push('-'),
            }
        }
        out
    }
}

/// A value meshdrain writes: strings, integers, booleans, mappings and sequences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewValue {
    Str(String),
    /// An integer (`terminationGracePeriodSeconds: 45`), written plain.
    Int(i64),
    /// A boolean (`holdApplicationUntilProxyStarts: true`), written plain.
    Bool(bool),
    Map(Vec<(String, NewValue)>),
    Seq(Vec<NewValue>),
}

impl NewValue {
    pub fn str(s: impl Into<String>) -> NewValue {
        NewValue::Str(s.into())
    }

    /// `{k1: {k2: … leaf}}` for a chain of keys.
    pub fn nest(keys: &[String], leaf: NewValue) -> NewValue {
        keys.iter()
            .rev()
            .fold(leaf, |acc, k| NewValue::Map(vec![(k.clone(), acc)]))
    }

    pub fn to_json(&self) -> Value {
        match self {
            NewValue::Str(s) => Value::String(s.clone()),
            NewValue::Int(i) => Value::from(*i),
            NewValue::Bool(b) => Value::Bool(*b),
            NewValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
            NewValue::Seq(items) => Value::Array(items.iter().map(NewValue::to_json).collect()),
        }
    }
}

/// A change to one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Add a key to a mapping (`path` ends in the key) or an item to a sequence (`path` ends
    /// in [`Step::Append`]). The key must not exist.
    Add { path: Pointer, value: NewValue },
    /// Replace the existing value at `path` (a scalar, or null that becomes a collection).
    Replace { path: Pointer, value: NewValue },
}

impl Change {
    pub fn path(&self) -> &Pointer {
        match self {
            Change::Add { path, .. } | Change::Replace { path, .. } => path,
        }
    }

    pub fn value(&self) -> &NewValue {
        match self {
            Change::Add { value, .. } | Change::Replace { value, .. } => value,
        }
    }

    /// The same change as an RFC 6902 operation.
    pub fn to_operation(&self) -> Result<json_patch::PatchOperation, serde_json::Error> {
        let op = match self {
            Change::Add { .. } => "add",
            Change::Replace { .. } => "replace",
        };
        serde_json::from_value(serde_json::json!({
            "op": op,
            "path": self.path().to_json_pointer(),
            "value": self.value().to_json(),
        }))
    }
}

/// Applies `changes` to `original` with json-patch: what the edited text must parse to.
pub fn expected(original: &Value, changes: &[Change]) -> Result<Value, String> {
    let ops = changes
        .iter()
        .map(Change::to_operation)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let mut doc = original.clone();
    json_patch::patch(&mut doc, &ops).map_err(|e| e.to_string())?;
    Ok(doc)
}

/// Renders a pointer as the dotted YAML path users read (`spec.overlays[1].patches`).
pub fn dotted(pointer: &Pointer) -> String {
    let mut out = String::new();
    for step in pointer.steps() {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
            Step::Append => out.push_str("[-]"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_like_rfc6901() {
        let p = Pointer::root()
            .key("metadata")
            .key("a/b~c")
            .index(2)
            .append();
        assert_eq!(p.to_json_pointer(), "/metadata/a~1b~0c/2/-");
    }

    #[test]
    fn oracle_applies_adds_and_replaces() {
        let original = serde_json::json!({"spec": {"a": "x"}, "list": [1]});
        let changes = [
            Change::Add {
                path: Pointer::root().key("spec").key("b"),
                value: NewValue::str("10s"),
            },
            Change::Replace {
                path: Pointer::root().key("spec").key("a"),
                value: NewValue::str("y"),
            },
            Change::Add {
                path: Pointer::root().key("list").append(),
                value: NewValue::nest(&["k".into()], NewValue::str("v")),
            },
        ];
        let got = expected(&original, &changes).unwrap();
        assert_eq!(
            got,
            serde_json::json!({"spec": {"a": "y", "b": "10s"}, "list": [1, {"k": "v"}]})
        );
        let bad = [Change::Replace {
            path: Pointer::root().key("nope"),
            value: NewValue::str("x"),
        }];
        assert!(expected(&original, &bad).is_err());
    }

    #[test]
    fn integers_and_booleans_are_json_numbers_and_booleans() {
        let value = NewValue::Map(vec![
            ("terminationGracePeriodSeconds".into(), NewValue::Int(45)),
            ("negative".into(), NewValue::Int(i64::MIN)),
            ("hold".into(), NewValue::Bool(true)),
            ("off".into(), NewValue::Bool(false)),
        ]);
        assert_eq!(
            value.to_json(),
            serde_json::json!({
                "terminationGracePeriodSeconds": 45,
                "negative": i64::MIN,
                "hold": true,
                "off": false
            })
        );
        let got = expected(
            &serde_json::json!({"spec": {"t": 30}}),
            &[Change::Replace {
                path: Pointer::root().key("spec").key("t"),
                value: NewValue::Int(45),
            }],
        )
        .unwrap();
        assert_eq!(got, serde_json::json!({"spec": {"t": 45}}));
    }
}
