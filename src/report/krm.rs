//! KRM results: a diagnostic as an entry of a ResourceList's `results` (KRM Functions
//! Specification). The function protocol itself (reading the list, adding the results in
//! place) is [`crate::integration::krm`]'s.

use crate::diagnostic::{Diagnostic, Severity};
use crate::patch::NewValue;

use super::HintStyle;

/// A KRM result for a diagnostic (KRM Functions Specification, `results`).
pub fn result(d: &Diagnostic) -> NewValue {
    // Only an error's result carries the hint; other results are the message alone.
    let message = match d.severity {
        Severity::Error => super::with_hint(d.message.clone(), d, HintStyle::Parenthesised),
        _ => d.message.clone(),
    };
    let mut entries = vec![
        ("message".to_owned(), NewValue::str(message)),
        ("severity".to_owned(), NewValue::str(d.severity.as_str())),
    ];
    if let Some(r) = &d.resource {
        let mut reference = vec![
            ("apiVersion".to_owned(), NewValue::str(&r.api_version)),
            ("kind".to_owned(), NewValue::str(&r.kind)),
        ];
        if let Some(name) = &r.name {
            reference.push(("name".to_owned(), NewValue::str(name)));
        }
        if let Some(ns) = &r.namespace {
            reference.push(("namespace".to_owned(), NewValue::str(ns)));
        }
        entries.push(("resourceRef".to_owned(), NewValue::Map(reference)));
    }
    if let Some(path) = &d.yaml_path {
        entries.push((
            "field".to_owned(),
            NewValue::Map(vec![("path".to_owned(), NewValue::str(path))]),
        ));
    }
    NewValue::Map(entries)
}
