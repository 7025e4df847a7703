//! SARIF 2.1.0 for code scanning: one run, every registered rule with its documentation as
//! help, one result per finding. Columns are UTF-16 code units (`columnKind`).

use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, Severity, SuppressionKind};
use crate::lint::{Report, rules::RULES};

use super::{HintStyle, Paths};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The base URI id of paths relative to the repository root ([`Paths`]); GitHub code scanning
/// resolves it to the checkout.
pub const SRCROOT: &str = "%SRCROOT%";

/// A file's `artifactLocation`: repository-relative with [`SRCROOT`] inside the repository,
/// else as [`uri`] writes it.
fn artifact_location(file: &str, paths: &Paths) -> Value {
    match paths.repo_relative(file) {
        Some(relative) if file != crate::lint::input::STDIN => {
            json!({"uri": uri(&relative), "uriBaseId": SRCROOT})
        }
        _ => json!({"uri": uri(file)}),
    }
}

/// A path as a URI reference: `/` separators, and everything outside RFC 3986's unreserved
/// characters and `/` percent-encoded.
pub fn uri(path: &str) -> String {
    if path == crate::lint::input::STDIN {
        return "stdin".to_owned();
    }
    // An absolute path is a file URI; a relative one stays relative (to the checkout).
    let mut out = if path.starts_with('/') {
        "file://".to_owned()
    } else {
        String::new()
    };
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn rules() -> Vec<Value> {
    RULES
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            let doc = meta.doc_text();
            json!({
                "id": meta.code,
                "name": meta.name,
                "shortDescription": {"text": meta.summary},
                "fullDescription": {"text": meta.summary},
                "help": {"text": doc, "markdown": doc},
                "defaultConfiguration": {"level": level(meta.severity)},
                "properties": {"tags": ["istio", "tsb", "graceful-drain"]},
            })
        })
        .collect()
}

fn result(d: &Diagnostic, paths: &Paths) -> Value {
    // The position of the finding's rule in the run's rule list (built from the same RULES).
    let rule_index = d
        .rule()
        .and_then(|rule| RULES.iter().position(|r| r.meta() == rule));
    let text = super::with_hint(d.message.clone(), d, HintStyle::Sentence);
    let mut location = json!({});
    if let Some(file) = &d.origin.file {
        let mut physical = json!({"artifactLocation": artifact_location(file, paths)});
        if let Some(span) = &d.origin.span {
            physical["region"] = json!({
                "startLine": span.start.line,
                "startColumn": span.start.column_utf16,
                "endLine": span.end.line,
                "endColumn": span.end.column_utf16,
            });
        }
        location["physicalLocation"] = physical;
    }
    if let Some(r) = &d.resource {
        let name = r.name.clone().unwrap_or_default();
        let qualified = match &r.namespace {
            Some(ns) => format!("{}/{}/{ns}/{name}", r.api_version, r.kind),
            None => format!("{}/{}/{name}", r.api_version, r.kind),
        };
        location["logicalLocations"] = json!([{
            "name": name,
            "fullyQualifiedName": qualified,
            "kind": "resource",
        }]);
    }
    let mut properties = serde_json::Map::new();
    if let Some(doc) = d.origin.document {
        properties.insert("document".into(), json!(doc + 1));
    }
    let suppressed_by = d.suppressed.as_ref().map(ToString::to_string);
    for (key, value) in [
        ("source", &d.origin.source),
        ("yamlPath", &d.yaml_path),
        ("fix", &d.fix),
        ("suppressedBy", &suppressed_by),
    ] {
        if let Some(v) = value {
            properties.insert(key.into(), json!(v));
        }
    }
    let mut result = json!({
        "ruleId": d.code_str(),
        "level": level(d.severity),
        "message": {"text": text},
        "locations": [location],
    });
    if let Some(i) = rule_index {
        result["ruleIndex"] = json!(i);
    }
    // Shown because of --no-ignores: still say that it is suppressed, and by what.
    if let Some(suppression) = &d.suppressed {
        let kind = match suppression.kind {
            SuppressionKind::Annotation => "inSource",
            SuppressionKind::Policy => "external",
        };
        result["suppressions"] = json!([{"kind": kind, "justification": suppression.to_string()}]);
    }
    if !properties.is_empty() {
        result["properties"] = Value::Object(properties);
    }
    result
}

/// The SARIF log for a report; files inside the repository `paths` names are given relative
/// to its root.
pub fn log(report: &Report, paths: &Paths) -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "meshdrain",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules(),
            }},
            "columnKind": "utf16CodeUnits",
            "results": report
                .diagnostics
                .iter()
                .map(|d| result(d, paths))
                .collect::<Vec<_>>(),
        }],
    })
}

pub fn render(report: &Report, paths: &Paths) -> String {
    let mut s = serde_json::to_string_pretty(&log(report, paths)).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Diagnostic, Suppression, SuppressionKind};

    #[test]
    fn a_suppression_s_kind_is_where_it_is_written() {
        let suppressed = |kind, reason: &str| {
            let mut d = Diagnostic::error("x", "m");
            d.suppressed = Some(Suppression {
                kind,
                reason: Some(reason.to_owned()),
            });
            super::result(&d, &super::Paths::default())["suppressions"][0].clone()
        };
        let policy = suppressed(
            SuppressionKind::Policy,
            "like a meshdrain.io/ignore annotation",
        );
        assert_eq!(policy["kind"], "external");
        assert_eq!(
            policy["justification"],
            "the policy's check.ignore (like a meshdrain.io/ignore annotation)"
        );
        let annotation = suppressed(SuppressionKind::Annotation, "drained elsewhere");
        assert_eq!(annotation["kind"], "inSource");
        assert_eq!(
            annotation["justification"],
            "the meshdrain.io/ignore annotation (drained elsewhere)"
        );
    }

    #[test]
    fn uris() {
        assert_eq!(super::uri("charts/a b/ü.yaml"), "charts/a%20b/%C3%BC.yaml");
        assert_eq!(super::uri("<stdin>"), "stdin");
        assert_eq!(super::uri("dir\\x.yaml"), "dir/x.yaml");
        assert_eq!(super::uri("/tmp/a b.yaml"), "file:///tmp/a%20b.yaml");
    }

    #[test]
    fn files_in_the_repository_are_relative_to_its_root() {
        let paths = super::Paths {
            cwd: "/repo/charts/shop".into(),
            root: Some("/repo".into()),
        };
        let at = |file: &str| super::artifact_location(file, &paths);
        assert_eq!(
            at("templates/gw.yaml"),
            serde_json::json!({"uri": "charts/shop/templates/gw.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(at("../../deploy/x y.yaml")["uri"], "deploy/x%20y.yaml");
        assert_eq!(at("/repo/a.yaml")["uri"], "a.yaml");
        // Outside the repository, and stdin without --stdin-filename: as before.
        assert_eq!(
            at("/elsewhere/a.yaml"),
            serde_json::json!({"uri": "file:///elsewhere/a.yaml"})
        );
        assert_eq!(at("<stdin>"), serde_json::json!({"uri": "stdin"}));
        let outside = super::Paths {
            cwd: "/tmp".into(),
            root: None,
        };
        assert_eq!(
            super::artifact_location("a.yaml", &outside),
            serde_json::json!({"uri": "a.yaml"})
        );
    }
}
