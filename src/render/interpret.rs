//! The second stage: one interpreted document's resources planned, edited one change at a
//! time (each planned on the tree of the text so far) and verified against the json-patch
//! oracle.

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::document::{Scan, Tree};
use crate::edit::offsets::OffsetMap;
use crate::edit::{self, Editor};
use crate::model::{self, Resource};
use crate::patch::Change;
use crate::selfcheck;

use super::context::{
    DocContext, DocError, check_limits, edit_error, internal_error, plan_error, resource_node,
};
use super::facts::StreamFacts;
use super::options::{FailureKind, RenderOptions};
use super::planned::{Report, StepError};
use super::summary::{Outcome, summarize, summarize_skipped};
use super::tasks::{Task, Work, field_label, is_candidate, work_for};
use super::workload::plan_step;

/// The outcome for one interpreted document.
pub(super) struct DocResult {
    /// The edited text (checked against the json-patch oracle).
    pub(super) new_text: Option<String>,
    /// One entry per drain field looked at.
    pub(super) summary: Vec<(Outcome, Diagnostic)>,
    /// The outcomes of `summary`, when its diagnostics are not kept
    /// ([`super::RenderOptions::summary`]).
    pub(super) outcomes: Vec<Outcome>,
    pub(super) resources: usize,
    /// Upstream Istio mesh configs (IstioOperator, mesh ConfigMap, istiod values).
    pub(super) mesh_configs: usize,
    pub(super) workloads: usize,
}

/// One interpreted document: plan, edit, verify.
pub(super) fn process_document(
    ctx: &DocContext<'_>,
    scanned: &Scan,
    options: &RenderOptions,
    facts: &StreamFacts,
) -> Result<DocResult, DocError> {
    let invalid = |d: Diagnostic| (FailureKind::Invalid, vec![d]);
    let mut tree = Tree::parse(ctx.text)
        .map_err(|e| internal_error(ctx, format!("second parse failed: {e}")))?;
    let resources = if options.values_file {
        use model::classify::ValuesChart;
        match model::classify::values_chart(&tree, options.values_chart) {
            Some(ValuesChart::TsbControlPlane) => model::values_resource(&tree),
            Some(ValuesChart::Istiod) => model::istiod_values_resource(&tree),
            None => None,
        }
        .map(|r| vec![r])
        .ok_or_else(|| invalid(not_a_values_file(ctx, &tree)))?
    } else {
        model::resources(&tree)
    };
    if let Some(at) = resources
        .iter()
        .find_map(|r| model::tagged_identity(&tree, r.node))
    {
        return Err(invalid(ctx.diagnostic_at(
            Diagnostic::error(
                "tagged-identity",
                "a key of this object, or its apiVersion or kind, has a tag of its own (such as !!binary): readers that decode it may see another resource than meshdrain does",
            )
            .with_hint("write the object's keys, apiVersion and kind as plain text"),
            ctx.text,
            ctx.line_base,
            Some((at, at + 1)),
        )));
    }
    // TSB install resources, mesh configs the policy reads, and workloads when the policy
    // has workload rules.
    let count = |class: Counted| {
        resources
            .iter()
            .filter(|r| r.target.is_some_and(|t| counted(t, options) == Some(class)))
            .count()
    };
    let target_count = count(Counted::Install);
    let mesh_count = count(Counted::Mesh);
    let workload_count = count(Counted::Workload);
    let candidates: Vec<&Resource> = resources
        .iter()
        .filter(|r| is_candidate(r, options))
        .collect();
    let Some(first) = candidates.first() else {
        return Ok(DocResult {
            new_text: None,
            summary: Vec::new(),
            outcomes: Vec::new(),
            resources: target_count,
            mesh_configs: mesh_count,
            workloads: workload_count,
        });
    };
    let first_reference = first.reference.clone();
    check_limits(ctx, scanned, &options.limits)
        .map_err(|d| invalid(d.with_resource(Some(first_reference.clone()))))?;
    let original: Value = serde_yaml::from_str(without_bom(ctx.text)).map_err(|e| {
        invalid(
            Diagnostic::error("not-json-compatible", format!("this document cannot be read as a Kubernetes object: {e}"))
                .with_origin(ctx.document_origin())
                .with_hint("Kubernetes objects must convert to JSON: string keys, no duplicate keys, bounded aliases"),
        )
    })?;
    let mut skipped: Vec<(Resource, String)> = Vec::new();
    let work: Vec<(Resource, Vec<Task>)> = candidates
        .into_iter()
        .filter_map(|r| {
            let object = original
                .pointer(&r.pointer.to_json_pointer())
                .unwrap_or(&Value::Null);
            match work_for(&tree, r, object, options, facts) {
                Work::Tasks(tasks) if !tasks.is_empty() => Some(((*r).clone(), tasks)),
                Work::Tasks(_) => None,
                Work::Skipped(why) => {
                    skipped.push(((*r).clone(), why));
                    None
                }
            }
        })
        .collect();
    if work.is_empty() && skipped.is_empty() {
        return Ok(DocResult {
            new_text: None,
            summary: Vec::new(),
            outcomes: Vec::new(),
            resources: target_count,
            mesh_configs: mesh_count,
            workloads: workload_count,
        });
    }

    let mut current = ctx.text.to_owned();
    let mut offsets = OffsetMap::default();
    let mut changes: Vec<Change> = Vec::new();
    let mut reports: Vec<(Resource, String, Report)> = Vec::new();
    let mut errors = Vec::new();
    for (resource, tasks) in &work {
        for task in tasks {
            let Some(node) = resource_node(&tree, &resource.pointer) else {
                return Err(internal_error(
                    ctx,
                    "a resource moved while editing".to_owned(),
                ));
            };
            let planned = match plan_step(&tree, &current, resource, node, task, options) {
                Ok(p) => p,
                Err(StepError::Plan(e)) => {
                    errors.push(plan_error(ctx, &offsets, resource, e));
                    continue;
                }
                Err(StepError::Internal(what)) => return Err(internal_error(ctx, what)),
            };
            if let Some(change) = &planned.change {
                let editor = Editor::new(&tree, &current);
                let splices = match planned.splices.clone() {
                    Some(splices) => Ok(splices),
                    None => editor.splices(change),
                };
                let edited = splices.and_then(|s| {
                    let text = edit::apply(&current, &s)?;
                    Ok((text, s))
                });
                match edited {
                    Ok((text, splices)) => {
                        offsets.record(&splices);
                        // Later decisions see this edit: plan on the new text's tree.
                        tree = Tree::parse(&text).map_err(|e| {
                            internal_error(ctx, format!("edited text does not parse: {e}"))
                        })?;
                        current = text;
                        record(&mut changes, change);
                    }
                    Err(e) => {
                        errors.push(edit_error(ctx, &offsets, resource, &e));
                        continue;
                    }
                }
            }
            for report in planned.reports {
                let label = field_label(task, report.entry.as_deref(), &options.policy);
                reports.push((resource.clone(), label, report));
            }
        }
    }
    if !errors.is_empty() {
        return Err((FailureKind::Invalid, errors));
    }
    // An edited resource must mean the same to every reader: a tag of its own left anywhere
    // in it (`!!set`, `!!binary`, `!custom`; replaced values lost theirs) may be decoded
    // differently by go-yaml than meshdrain read it.
    if !changes.is_empty() {
        for (resource, _) in &work {
            let tagged = resource_node(&tree, &resource.pointer)
                .and_then(|node| model::foreign_tag_within(&tree, node));
            if let Some(at) = tagged {
                let at = offsets.original(at);
                return Err(invalid(ctx.diagnostic_at(
                    Diagnostic::error(
                        "tagged-value",
                        "this resource holds a node with a tag of its own (such as !!set, !!binary or a custom tag): readers that decode tags may read the resource otherwise, so meshdrain does not edit it",
                    )
                    .with_resource(Some(resource.reference.clone()))
                    .with_hint("write the value without the tag (a string needs none, or !!str)"),
                    ctx.text,
                    ctx.line_base,
                    Some((at, at + 1)),
                )));
            }
        }
    }
    let expected = if changes.is_empty() {
        None
    } else {
        let value = verify(ctx, &original, &changes, &current, &tree)?;
        // The output must be accepted by the same command: an edit that nests deeper than
        // the limit is refused here, not on the next run.
        if tree.stats.max_depth > options.limits.max_depth {
            return Err(invalid(
                Diagnostic::error(
                    "limit-exceeded",
                    format!(
                        "the edited document would nest {} levels deep, over the limit of {}",
                        tree.stats.max_depth, options.limits.max_depth
                    ),
                )
                .with_origin(ctx.origin())
                .with_resource(Some(first_reference.clone()))
                .with_hint("raise --max-depth: the fields meshdrain adds nest this deep"),
            ));
        }
        Some(value)
    };
    let mut summary: Vec<(Outcome, Diagnostic)> = reports
        .into_iter()
        .map(|(resource, field, report)| summarize(ctx, &tree, &current, &resource, field, report))
        .collect();
    summary.extend(
        skipped
            .into_iter()
            .map(|(resource, why)| summarize_skipped(ctx, &tree, &current, &resource, why)),
    );
    let new_text = expected.map(|_| current);
    Ok(DocResult {
        new_text,
        summary,
        outcomes: Vec::new(),
        resources: target_count,
        mesh_configs: mesh_count,
        workloads: workload_count,
    })
}

/// What the summary counts a target as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Counted {
    Install,
    Mesh,
    Workload,
}

/// How a resource of `target` is counted, if at all: TSB install resources always, upstream
/// mesh configs when the policy reads them (or `meshdrain values` was given one), workloads
/// with workload rules.
fn counted(target: &crate::drain::TargetSpec, options: &RenderOptions) -> Option<Counted> {
    use crate::drain::Section;
    let policy = &options.policy;
    match target.section {
        Section::Workload => policy.workloads.is_some().then_some(Counted::Workload),
        _ if target.api_group == model::INSTALL_GROUP => Some(Counted::Install),
        _ if options.values_file || policy.sidecar_targets.contains(target) => Some(Counted::Mesh),
        _ => None,
    }
}

/// `meshdrain values` edits only control plane Helm values (TSB's control plane chart, Istio's
/// istiod chart): a document with its own apiVersion or kind (a manifest), or with neither a
/// ControlPlane spec under `spec:` nor istiod values, is refused.
fn not_a_values_file(ctx: &DocContext<'_>, tree: &Tree) -> Diagnostic {
    let root = tree.root;
    let identity = |key: &str| root.and_then(|r| tree.str_at(r, key));
    let message = match (identity("apiVersion"), identity("kind")) {
        (None, None) => format!(
            "this file has no control plane spec: its spec: holds none of {}, and it has none of the istiod chart's keys ({})",
            model::classify::CONTROL_PLANE_SPEC_KEYS.join(", "),
            model::istio::ISTIOD_VALUES_KEYS.join(", ")
        ),
        (api, kind) => format!(
            "this document is a Kubernetes object ({} {}), not a control plane Helm values file",
            api.unwrap_or("?"),
            kind.unwrap_or("?")
        ),
    };
    Diagnostic::error("not-a-values-file", message)
        .with_origin(ctx.document_origin())
        .with_hint("meshdrain values edits the values file of TSB's control plane chart (its spec: is the ControlPlane spec) or of Istio's istiod chart (meshConfig; say so with --chart istiod); for rendered manifests use meshdrain render")
}

/// Adds `change` to a document's changes. A replace of a value an earlier change wrote (the
/// mesh ConfigMap's string, edited once per field) takes that one's value instead, when no
/// change in between went inside it: json-patch makes the same document of both, and the
/// oracle compares each change's value with what the text holds at the end.
fn record(changes: &mut Vec<Change>, change: &Change) {
    if let Change::Replace { path, value } = change
        && let Some(at) = changes.iter().rposition(|c| c.path() == path)
        && !changes
            .iter()
            .skip(at + 1)
            .any(|c| c.path().strip_prefix(path).is_some())
        && let Some(earlier) = changes.get_mut(at)
    {
        *earlier = match earlier {
            Change::Add { path, .. } => Change::Add {
                path: path.clone(),
                value: value.clone(),
            },
            Change::Replace { path, .. } => Change::Replace {
                path: path.clone(),
                value: value.clone(),
            },
        };
        return;
    }
    changes.push(change.clone());
}

/// yaml_serde reads a byte order mark as content; the oracle does not need it.
pub(super) fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The edited document against the json-patch oracle ([`selfcheck::check_document`]); a
/// mismatch is a bug (exit 3). Gives back the oracle's document.
pub(super) fn verify(
    ctx: &DocContext<'_>,
    original: &Value,
    changes: &[Change],
    edited: &str,
    tree: &Tree,
) -> Result<Value, DocError> {
    selfcheck::check_document(original, changes, edited, tree)
        .map_err(|what| internal_error(ctx, what))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::{NewValue, Pointer};

    fn ctx(text: &str) -> DocContext<'_> {
        DocContext {
            index: 0,
            text,
            line_base: 0,
            out_line_base: 0,
            source: None,
            input_name: "<test>",
        }
    }

    #[test]
    fn a_replace_of_what_an_earlier_change_wrote_takes_its_place() {
        let path = Pointer::root().key("data").key("mesh");
        let mut changes = vec![Change::Add {
            path: path.clone(),
            value: NewValue::str("a\n"),
        }];
        record(
            &mut changes,
            &Change::Replace {
                path: path.clone(),
                value: NewValue::str("a\nb\n"),
            },
        );
        assert_eq!(
            changes,
            [Change::Add {
                path: path.clone(),
                value: NewValue::str("a\nb\n")
            }]
        );
        // Not when a change in between went inside what the first one wrote.
        let map = Pointer::root().key("spec");
        let mut changes = vec![
            Change::Add {
                path: map.clone(),
                value: NewValue::Map(Vec::new()),
            },
            Change::Add {
                path: map.key("a"),
                value: NewValue::str("1s"),
            },
        ];
        let replace = Change::Replace {
            path: map.clone(),
            value: NewValue::Map(Vec::new()),
        };
        record(&mut changes, &replace);
        assert_eq!(changes.len(), 3);
        assert_eq!(changes.last(), Some(&replace));
    }

    #[test]
    fn an_edit_that_misses_the_oracle_is_an_internal_error() {
        let text = "spec:\n  a: 1\n";
        let original: Value = serde_yaml::from_str(text).unwrap();
        let change = Change::Add {
            path: Pointer::root().key("spec").key("b"),
            value: NewValue::str("10s"),
        };
        // The right text passes; a text with the wrong value is a bug, reported as such.
        let good = "spec:\n  a: 1\n  b: 10s\n";
        let good_tree = Tree::parse(good).unwrap();
        assert!(
            verify(
                &ctx(text),
                &original,
                std::slice::from_ref(&change),
                good,
                &good_tree
            )
            .is_ok()
        );
        let bad = "spec:\n  a: 1\n  b: 11s\n";
        let (kind, diags) = verify(
            &ctx(text),
            &original,
            std::slice::from_ref(&change),
            bad,
            &Tree::parse(bad).unwrap(),
        )
        .unwrap_err();
        assert_eq!(kind, FailureKind::Internal);
        assert_eq!(diags[0].code, "internal-error");
        assert!(diags[0].hint.as_deref().unwrap_or("").contains("bug"));
        // Equal to serde's reader, but a tag makes it something else to go-yaml.
        let tagged = "spec:\n  a: 1\n  b: !!binary 10s\n";
        let (kind, diags) = verify(
            &ctx(text),
            &original,
            &[change],
            tagged,
            &Tree::parse(tagged).unwrap(),
        )
        .unwrap_err();
        assert_eq!(kind, FailureKind::Internal);
        assert!(
            diags[0].message.contains("/spec/b is not read as written"),
            "{}",
            diags[0].message
        );
    }
}
