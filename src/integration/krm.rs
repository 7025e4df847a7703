//! The KRM function protocol (kpt `fn eval --exec`, kustomize exec functions): a
//! `config.kubernetes.io/v1 ResourceList` on stdin whose `functionConfig` is the policy; the
//! same ResourceList on stdout with its `items` edited in place (byte-exact, like any List) and
//! `results` added ([`crate::report::krm`]): changes at info, problems at error with
//! `resourceRef` and `field.path`.
//!
//! On error the items are returned unchanged with the error results, and the exit status is
//! non-zero, so kpt prints the results and changes nothing.

use serde_json::Value;

use crate::ExitStatus;
use crate::diagnostic::Diagnostic;
use crate::document::{self, NodeKind, Tree};
use crate::edit::{self, Editor};
use crate::model::{RESOURCE_LIST_API_VERSION, RESOURCE_LIST_KIND};
use crate::patch::{Change, NewValue, Pointer};
use crate::policy::DrainPolicy;
use crate::render::{self, FailureKind, RenderOptions};
use crate::report;
use crate::stream;

/// Whether the input's first document is a ResourceList.
pub fn is_resource_list(input: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(input) else {
        return false;
    };
    stream::split(input)
        .into_iter()
        .filter_map(|s| text.get(s.range))
        .filter_map(|d| document::scan(d).ok())
        .find(|s| s.has_document)
        .is_some_and(|s| {
            s.api_version.as_deref() == Some(RESOURCE_LIST_API_VERSION)
                && s.kind.as_deref() == Some(RESOURCE_LIST_KIND)
        })
}

/// What a KRM run produced.
pub struct KrmOutcome {
    /// The ResourceList to write (empty only when the input was not a readable ResourceList).
    pub output: Vec<u8>,
    pub status: ExitStatus,
    /// Everything worth telling on stderr too.
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs the function: `policy` builds the policy from the `functionConfig` (if any).
pub fn run(
    input: &[u8],
    options: RenderOptions,
    policy: impl FnOnce(Option<&Value>) -> Result<DrainPolicy, Vec<Diagnostic>>,
) -> KrmOutcome {
    let unreadable = |message: String| {
        let d = Diagnostic::error("invalid-resource-list", message)
            .with_hint("a KRM function reads one config.kubernetes.io/v1 ResourceList on stdin");
        fresh_list(None, vec![d], ExitStatus::Invalid)
    };
    let Ok(text) = std::str::from_utf8(input) else {
        return unreadable("the ResourceList is not UTF-8".to_owned());
    };
    let list: Value = match serde_yaml::from_str(text.trim_start_matches('\u{feff}')) {
        Ok(v) => v,
        // The YAML library's message can quote a value (`invalid value: string "…"`).
        Err(e) => {
            let message = format!("the ResourceList cannot be read: {e}");
            return unreadable(crate::redact::message_about(text, message));
        }
    };
    if let Err(what) = check_shape(&list) {
        return unreadable(format!("the input is not a ResourceList: {what}"));
    }
    let items = list.get("items");
    // An earlier function failed: its error results would also make meshdrain's run look
    // failed, and its items may be half-done. Change nothing.
    let earlier_errors = list
        .get("results")
        .and_then(Value::as_array)
        .is_some_and(|r| {
            r.iter()
                .any(|r| r.get("severity").and_then(Value::as_str) == Some("error"))
        });
    if earlier_errors {
        let d = Diagnostic::error(
            "invalid-resource-list",
            "the ResourceList already carries error results from an earlier step; meshdrain changed nothing",
        )
        .with_hint("fix the step that reported the errors, or pass the ResourceList without its results");
        return with_results(text, items, vec![d], ExitStatus::Invalid);
    }
    let config = match function_config(&list) {
        Ok(config) => config,
        Err(d) => return with_results(text, items, vec![d], ExitStatus::Invalid),
    };
    let policy = match policy(config) {
        Ok(p) => p,
        Err(diagnostics) => return with_results(text, items, diagnostics, ExitStatus::Invalid),
    };
    let options = RenderOptions { policy, ..options };
    match render::render(input, &options) {
        Ok(rendered) => {
            let output = String::from_utf8_lossy(&rendered.to_bytes()).into_owned();
            let results: Vec<Diagnostic> = rendered
                .summary
                .into_iter()
                .filter(|d| d.code == "changed" || d.code == "kept")
                .collect();
            with_results(&output, items, results, ExitStatus::Success)
        }
        Err(failure) => {
            let status = match failure.kind {
                FailureKind::Invalid => ExitStatus::Invalid,
                FailureKind::Internal => ExitStatus::Internal,
            };
            with_results(text, items, failure.diagnostics, status)
        }
    }
}

/// The policy document in the ResourceList, if any. Without `--fn-config`, kpt sends an
/// empty `v1 ConfigMap` (`function-input`): that is no config, so the built-in default
/// applies. A ConfigMap with data (kpt's `-- key=value` arguments) is refused with a hint.
fn function_config(list: &Value) -> Result<Option<&Value>, Diagnostic> {
    let Some(config) = list.get("functionConfig").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let is_config_map = config.get("apiVersion").and_then(Value::as_str) == Some("v1")
        && config.get("kind").and_then(Value::as_str) == Some("ConfigMap");
    if !is_config_map {
        return Ok(Some(config));
    }
    let empty = |key: &str| {
        config
            .get(key)
            .is_none_or(|v| v.is_null() || v.as_object().is_some_and(serde_json::Map::is_empty))
    };
    if empty("data") && empty("binaryData") {
        return Ok(None);
    }
    Err(Diagnostic::error(
        "invalid-policy",
        "the functionConfig is a ConfigMap with data, but meshdrain's functionConfig is a DrainPolicy",
    )
    .with_path("functionConfig.data")
    .with_hint("give the policy as a DrainPolicy file (kpt fn eval --fn-config drain.yaml), not as key=value arguments"))
}

/// What the function needs of its input: one `config.kubernetes.io/v1 ResourceList` mapping
/// whose `items` and `results`, when present, are lists.
fn check_shape(list: &Value) -> Result<(), String> {
    let Some(map) = list.as_object() else {
        return Err("it is not a mapping".to_owned());
    };
    let field = |key: &str| map.get(key).and_then(Value::as_str);
    if field("apiVersion") != Some(RESOURCE_LIST_API_VERSION)
        || field("kind") != Some(RESOURCE_LIST_KIND)
    {
        return Err(format!(
            "its apiVersion and kind are not {RESOURCE_LIST_API_VERSION} {RESOURCE_LIST_KIND}"
        ));
    }
    for key in ["items", "results"] {
        if map.get(key).is_some_and(|v| !v.is_null() && !v.is_array()) {
            return Err(format!("its {key} field is not a list"));
        }
    }
    Ok(())
}

/// The output when the input's own ResourceList cannot carry the results: a new one with the
/// input's items as a libyaml-family reader read them (none when the input could not be read)
/// and the results, so the caller still reads exactly one ResourceList with the items
/// unchanged. Written as JSON (valid YAML) with every character a YAML reader could take as
/// a line break escaped.
fn fresh_list(
    items: Option<&Value>,
    diagnostics: Vec<Diagnostic>,
    status: ExitStatus,
) -> KrmOutcome {
    let list = serde_json::json!({
        "apiVersion": RESOURCE_LIST_API_VERSION,
        "kind": RESOURCE_LIST_KIND,
        "items": items.cloned().unwrap_or_else(|| Value::Array(Vec::new())),
        "results": diagnostics.iter().map(|d| report::krm::result(d).to_json()).collect::<Vec<_>>(),
    });
    let json = serde_json::to_string_pretty(&list).unwrap_or_default();
    KrmOutcome {
        output: format!("{}\n", crate::edit::scalar::escape_for_yaml(&json)).into_bytes(),
        status,
        diagnostics,
    }
}

fn with_results(
    text: &str,
    items: Option<&Value>,
    diagnostics: Vec<Diagnostic>,
    status: ExitStatus,
) -> KrmOutcome {
    // A refusal of a list with tags of their own (`!!binary`, `!!int` on a word) goes out in
    // a new list: readers that decode those tags may not read the input, nor so an echo of it.
    if status != ExitStatus::Success && has_foreign_tags(text) {
        return fresh_list(items, diagnostics, status);
    }
    match add_results(text, &diagnostics) {
        Ok(output) => KrmOutcome {
            output: output.into_bytes(),
            status,
            diagnostics,
        },
        Err(e) => {
            // The list's own results cannot be extended the way it is written (an alias, a
            // tag, a line break readers disagree on): refuse it, in a list that can carry the
            // refusal.
            let mut diagnostics = diagnostics;
            diagnostics.push(
                Diagnostic::error(
                    "invalid-resource-list",
                    format!("cannot add results to the ResourceList: {e}"),
                )
                .with_hint("write the ResourceList's results as a plain list, or leave it out"),
            );
            let status = if status == ExitStatus::Internal {
                status
            } else {
                ExitStatus::Invalid
            };
            fresh_list(items, diagnostics, status)
        }
    }
}

/// Whether any node of the text has a tag other than its own core tag.
fn has_foreign_tags(text: &str) -> bool {
    Tree::parse(text).map_or(true, |tree| tree.nodes.iter().any(|n| n.foreign_tag))
}

/// Adds `diagnostics` as `results` to the ResourceList `text`, with the splice editor.
pub fn add_results(text: &str, diagnostics: &[Diagnostic]) -> Result<String, String> {
    if diagnostics.is_empty() {
        return Ok(text.to_owned());
    }
    let mut current = text.to_owned();
    for (i, d) in diagnostics.iter().enumerate() {
        let tree = Tree::parse(&current).map_err(|e| e.to_string())?;
        let root = tree.root.ok_or("the ResourceList is empty")?;
        let existing = tree.get(root, "results").and_then(|r| tree.node(r));
        let change = match existing.map(|n| &n.kind) {
            Some(NodeKind::Sequence { .. }) => Change::Add {
                path: Pointer::root().key("results").append(),
                value: report::krm::result(d),
            },
            Some(_) if existing.is_some_and(|n| n.is_null()) && i == 0 => Change::Replace {
                path: Pointer::root().key("results"),
                value: NewValue::Seq(vec![report::krm::result(d)]),
            },
            Some(_) => return Err("its results field is not a list".to_owned()),
            None => Change::Add {
                path: Pointer::root().key("results"),
                value: NewValue::Seq(vec![report::krm::result(d)]),
            },
        };
        let editor = Editor::new(&tree, &current);
        let splices = editor.splices(&change).map_err(|e| e.to_string())?;
        current = edit::apply(&current, &splices).map_err(|e| e.to_string())?;
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::ResourceRef;

    const LIST: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: install.tetrate.io/v1alpha1\n  kind: IngressGateway\n  metadata:\n    name: gw\n    namespace: ns1\n  spec: {}\n";

    #[test]
    fn detects_resource_lists() {
        assert!(is_resource_list(LIST.as_bytes()));
        assert!(is_resource_list(format!("# c\n---\n{LIST}").as_bytes()));
        assert!(!is_resource_list(
            b"apiVersion: v1\nkind: List\nitems: []\n"
        ));
        assert!(!is_resource_list(b"\xff"));
    }

    #[test]
    fn edits_items_and_adds_results() {
        let out = run(LIST.as_bytes(), RenderOptions::default(), |config| {
            assert!(config.is_none());
            Ok(DrainPolicy::default())
        });
        assert_eq!(out.status, ExitStatus::Success);
        let text = String::from_utf8(out.output).unwrap();
        assert!(text.contains("  spec: {connectionDrainDuration: 10s}\n"));
        assert!(text.ends_with(
            "results:\n- message: \"set connectionDrainDuration to 10s\"\n  severity: info\n  resourceRef:\n    apiVersion: install.tetrate.io/v1alpha1\n    kind: IngressGateway\n    name: gw\n    namespace: ns1\n  field:\n    path: spec.connectionDrainDuration\n"
        ), "{text}");
    }

    #[test]
    fn policy_errors_leave_items_alone() {
        let out = run(LIST.as_bytes(), RenderOptions::default(), |_| {
            Err(vec![
                Diagnostic::error("invalid-policy", "bad")
                    .with_path("functionConfig.spec")
                    .with_hint("fix it"),
            ])
        });
        assert_eq!(out.status, ExitStatus::Invalid);
        let text = String::from_utf8(out.output).unwrap();
        assert!(text.starts_with(LIST));
        assert!(text.contains("- message: \"bad (fix it)\"\n  severity: error\n  field:\n    path: functionConfig.spec\n"));
    }

    /// What kpt sends as the functionConfig without `--fn-config`, and with `-- a=b`.
    fn kpt_config_map(data: &str) -> String {
        format!(
            "{LIST}functionConfig:\n  metadata:\n    name: function-input\n  data: {data}\n  kind: ConfigMap\n  apiVersion: v1\n"
        )
    }

    #[test]
    fn kpts_empty_config_map_means_no_config() {
        let input = kpt_config_map("{}");
        let out = run(input.as_bytes(), RenderOptions::default(), |config| {
            assert!(config.is_none(), "{config:?}");
            Ok(DrainPolicy::default())
        });
        assert_eq!(out.status, ExitStatus::Success);
        let text = String::from_utf8(out.output).unwrap();
        assert!(
            text.contains("  spec: {connectionDrainDuration: 10s}\n"),
            "{text}"
        );
    }

    #[test]
    fn a_config_map_with_data_is_refused_with_a_hint() {
        let input = kpt_config_map("{drainDuration: 40s}");
        let out = run(input.as_bytes(), RenderOptions::default(), |_| {
            panic!("no policy is built from a ConfigMap")
        });
        assert_eq!(out.status, ExitStatus::Invalid);
        let text = String::from_utf8(out.output).unwrap();
        assert!(text.starts_with(&input), "the items changed:\n{text}");
        assert!(
            text.contains("  severity: error\n  field:\n    path: functionConfig.data\n"),
            "{text}"
        );
        assert!(text.contains("--fn-config drain.yaml"), "{text}");
    }

    #[test]
    fn other_function_configs_are_the_policy() {
        let input = format!(
            "{LIST}functionConfig:\n  apiVersion: meshdrain.io/v1alpha1\n  kind: DrainPolicy\n"
        );
        let list: Value = serde_yaml::from_str(&input).unwrap();
        let config = function_config(&list).unwrap().unwrap();
        assert_eq!(config["kind"], "DrainPolicy");
        // A ConfigMap of another apiVersion is no kpt default either.
        let list: Value = serde_yaml::from_str(
            &input
                .replace("meshdrain.io/v1alpha1", "v2")
                .replace("DrainPolicy", "ConfigMap"),
        )
        .unwrap();
        assert!(function_config(&list).unwrap().is_some());
    }

    #[test]
    fn results_append_to_existing_ones() {
        let text = format!("{LIST}results:\n- message: earlier\n  severity: info\n");
        let d = Diagnostic::info("changed", "x").with_resource(Some(ResourceRef {
            api_version: "v1".into(),
            kind: "K".into(),
            ..ResourceRef::default()
        }));
        let out = add_results(&text, &[d]).unwrap();
        assert!(out.ends_with("- message: earlier\n  severity: info\n- message: x\n  severity: info\n  resourceRef:\n    apiVersion: v1\n    kind: K\n"), "{out}");
    }
}
