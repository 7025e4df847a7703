//! Upstream Istio's mesh configs. An IstioOperator's or istiod values' `defaultConfig` is a
//! mapping like any other ([`crate::plan::mesh`]); the istiod chart's mesh ConfigMap keeps its
//! mesh config as a YAML document inside the `data.mesh` string (a literal block scalar, as
//! the chart renders it). That document is read with positions, the field is decided and
//! spliced in it by the same planner and editor, the result checked against the json-patch
//! oracle ([`super::payload`]); then the string is replaced: line by line inside the block
//! scalar (its header, indentation and chomping kept, every other byte left alone), or, when
//! its lines cannot be mapped (a quoted scalar), by the editor. Either way the document is
//! verified again, like every edited document.
//!
//! Istio gives a pod the mesh config when it injects it: running pods keep theirs until they
//! are restarted, which `-v` says with every change.

use serde_json::Value;

use crate::document::embedded::BlockLines;
use crate::document::{NodeId, NodeKind, Tree};
use crate::edit::{self, Splice};
use crate::model::{Resource, istio};
use crate::patch::{Change, NewValue, Pointer};
use crate::plan::{self, Decision, PlanError, SidecarTask};

use super::options::RenderOptions;
use super::payload::{self, Embedded};
use super::planned::{Planned, Report, StepError};

/// Said with every change of a mesh config's default proxy config.
pub(super) const RESTART_NOTE: &str = "Istio gives pods the mesh config when it injects them: restart the workloads (kubectl rollout restart) for it to apply";

/// Adds the restart note to the changes of a step.
pub(super) fn restart_note(planned: &mut Planned) {
    for r in &mut planned.reports {
        if matches!(r.decision, Decision::Change { .. }) {
            r.note = Some(RESTART_NOTE.to_owned());
        }
    }
}

/// What the ConfigMap is called in messages: `ConfigMap istio-system/istio`.
fn describe(resource: &Resource) -> String {
    let r = &resource.reference;
    match (&r.namespace, &r.name) {
        (Some(ns), Some(name)) => format!("ConfigMap {ns}/{name}"),
        (None, Some(name)) => format!("ConfigMap {name}"),
        _ => "the mesh ConfigMap".to_owned(),
    }
}

/// `defaultConfig.<field>` of the mesh config in the `data.mesh` string of the mesh ConfigMap
/// at `node`, planned on `tree` (of `text`, the document as edited so far).
pub(super) fn config_map_field(
    tree: &Tree,
    text: &str,
    node: NodeId,
    resource: &Resource,
    task: &SidecarTask,
    options: &RenderOptions,
) -> Result<Planned, StepError> {
    let path = resource.pointer.key("data").key(istio::MESH_KEY);
    let what = format!("data.mesh of {}", describe(resource));
    let embedded = Embedded {
        what: &what,
        path: &path,
        code: "invalid-mesh-config",
        hint: "fix the mesh config: istiod does not start with a mesh config it cannot read",
    };
    let entry = istio::mesh_entry(tree, node, &resource.pointer);
    let existing = match entry.and_then(|(k, v, _)| Some((k, v, tree.node(v)?))) {
        None => None,
        Some((_, _, n)) if n.is_null() => None,
        Some((key, value, n)) => match &n.kind {
            NodeKind::Scalar { value: s, .. } => Some((key, value, s.as_str())),
            _ => {
                return Err(StepError::Plan(PlanError {
                    code: "invalid-mesh-config",
                    message: format!(
                        "{what} is {}, not a string",
                        crate::document::node_type(n)
                    ),
                    hint: "write the mesh config as a string (a YAML document), as ConfigMap data requires".to_owned(),
                    at: Some((n.start, n.end.max(n.start))),
                    path,
                }));
            }
        },
    };
    let lines = existing.and_then(|(key, value, _)| BlockLines::of(text, tree, key, value));
    if let Some((_, value, s)) = existing
        && s.contains('\n')
        && tree.node(value).is_some_and(|n| {
            matches!(
                n.kind,
                NodeKind::Scalar {
                    style: saphyr_parser::ScalarStyle::Folded,
                    ..
                }
            )
        })
    {
        return Err(at_node(
            StepError::Plan(PlanError {
                code: "unsupported-style",
                message: format!(
                    "{what} is a folded (>) block scalar: meshdrain edits a mesh config of several lines inside a literal (|) one"
                ),
                hint: "write it as mesh: | (as the istiod chart renders it), or set the drain fields by hand".to_owned(),
                at: None,
                path,
            }),
            tree,
            value,
        ));
    }
    let read = match existing {
        None => None,
        Some((_, value, s)) => payload::read(s, &embedded, options)
            .map_err(|u| inner_error(u.error, None, &path, lines.as_ref(), tree, value))?,
    };
    let (Some(read), Some((_, value, inner_text))) = (read, existing) else {
        return fresh(tree, node, resource, task, &path);
    };
    let root = match read.tree.root.and_then(|r| Some((r, read.tree.node(r)?))) {
        Some((r, n)) if matches!(n.kind, NodeKind::Mapping { .. }) => r,
        _ => {
            return Err(at_node(
                embedded.invalid("it is not a mapping of mesh config fields".to_owned()),
                tree,
                value,
            ));
        }
    };
    let decision =
        plan::mesh::default_config(&read.tree, root, &Pointer::root(), &["defaultConfig"], task)
            .map_err(|e| inner_error(e, Some(&what), &path, lines.as_ref(), tree, value))?;
    let (change, previous, inner) = match decision {
        Decision::Unchanged {
            existing,
            path: inner,
        } => {
            let decision = Decision::Unchanged { path, existing };
            return Ok(report(None, decision, None, Some(inner)));
        }
        Decision::Kept {
            existing,
            wanted,
            path: inner,
        } => {
            let decision = Decision::Kept {
                path,
                existing,
                wanted,
            };
            return Ok(report(None, decision, None, Some(inner)));
        }
        Decision::Change {
            change,
            previous,
            path: inner,
        } => (change, previous, inner),
    };
    // A change inside a literal block that keeps a final line break and ends the text without
    // one: libyaml reads the mesh config without that break, saphyr with it, so no edit reads
    // back alike to both (the renderer's self-check refused it as an internal error).
    if inner_text.ends_with('\n')
        && !text.ends_with(['\n', '\r'])
        && tree.node(value).is_some_and(|n| {
            matches!(
                n.kind,
                NodeKind::Scalar {
                    style: saphyr_parser::ScalarStyle::Literal,
                    ..
                }
            ) && text
                .get(n.end..)
                .is_some_and(|rest| !rest.contains(['\n', '\r']))
        })
    {
        return Err(at_node(
            StepError::Plan(PlanError {
                code: "unsupported-style",
                message: format!(
                    "{what} is a block scalar that ends the document without a line break: YAML readers disagree on its last line break (libyaml drops it, saphyr keeps it)"
                ),
                hint: "end the document with a line break, or write the block as mesh: |- (no final line break)".to_owned(),
                at: None,
                path,
            }),
            tree,
            value,
        ));
    }
    let edited = payload::change(
        &read.tree,
        inner_text,
        &change,
        task.field.name(),
        &embedded,
    )
    .map_err(|e| at_node(e, tree, value))?;
    payload::verify(
        &read.value,
        std::slice::from_ref(&change),
        &edited.text,
        &edited.tree,
    )?;
    let outer = Change::Replace {
        path: path.clone(),
        value: NewValue::str(edited.text.clone()),
    };
    let splices = lines.and_then(|l| in_place(text, &l, &edited.splices, &edited.text, &path));
    let mut planned = report(
        Some(outer.clone()),
        Decision::Change {
            change: outer,
            path,
            previous,
        },
        Some(task.wanted.canonical()),
        Some(inner),
    );
    planned.splices = splices;
    Ok(planned)
}

/// One report for the step (`inner`: where the field is in the mesh config), with the
/// restart note on a change.
fn report(
    change: Option<Change>,
    decision: Decision,
    shown: Option<String>,
    inner: Option<Pointer>,
) -> Planned {
    let mut planned = Planned {
        change,
        splices: None,
        reports: vec![Report {
            shown,
            inner,
            ..Report::of(decision)
        }],
    };
    restart_note(&mut planned);
    planned
}

/// A ConfigMap without a mesh config (no `data.mesh`, or an empty one) gets one that holds
/// the field, checked against the oracle as a change of an empty mesh config.
fn fresh(
    tree: &Tree,
    node: NodeId,
    resource: &Resource,
    task: &SidecarTask,
    path: &Pointer,
) -> Result<Planned, StepError> {
    let name = task.field.name();
    let value = task.wanted.canonical();
    let text = format!(
        "defaultConfig:\n  {name}: {}\n",
        crate::edit::scalar::write(&value)
    );
    let inner = Change::Add {
        path: Pointer::root().key("defaultConfig"),
        value: NewValue::Map(vec![(name.to_owned(), NewValue::str(value.clone()))]),
    };
    let inner_tree = Tree::parse(&text)
        .map_err(|e| StepError::Internal(format!("a new mesh config does not parse: {e}")))?;
    payload::verify(
        &Value::Object(serde_json::Map::new()),
        std::slice::from_ref(&inner),
        &text,
        &inner_tree,
    )?;
    let keys = ["data".to_owned(), istio::MESH_KEY.to_owned()];
    let decision = plan::workload::set_payload(tree, node, &resource.pointer, &keys, text)?;
    let change = match &decision {
        Decision::Change { change, .. } => Some(change.clone()),
        _ => None,
    };
    let decision = match decision {
        Decision::Change { change, .. } => Decision::Change {
            change,
            path: path.clone(),
            previous: None,
        },
        other => other,
    };
    let inner = Pointer::root().key("defaultConfig").key(name);
    Ok(report(change, decision, Some(value), Some(inner)))
}

/// The splices that replace the block scalar's text by `new_text`, made from the splices of
/// the embedded edit (`inner`): each moved to its place in the document, its line breaks the
/// document's, its new lines indented as the scalar's. `None` when a splice has no place (the
/// editor then replaces the whole string), or when the result does not read back as
/// `new_text`.
fn in_place(
    text: &str,
    lines: &BlockLines,
    inner: &[Splice],
    new_text: &str,
    path: &Pointer,
) -> Option<Vec<Splice>> {
    let splices = inner
        .iter()
        .map(|s| {
            let start = lines.outer(s.range.start)?;
            let end = lines.outer(s.range.end)?;
            let followed = !end.bare
                && text
                    .as_bytes()
                    .get(end.offset)
                    .is_some_and(|b| !matches!(b, b'\n' | b'\r'));
            Some(Splice {
                range: start.offset..end.offset.max(start.offset),
                text: lines.written(&s.text, start, followed),
            })
        })
        .collect::<Option<Vec<Splice>>>()?;
    let edited = edit::apply(text, &splices).ok()?;
    let tree = Tree::parse(&edited).ok()?;
    let (_, node) = tree.locate(path)?;
    let reads = tree.node(node).and_then(|n| n.as_str()) == Some(new_text);
    reads.then_some(splices)
}

/// An error about the string's value, pointed at it when it has no position of its own.
fn at_node(e: StepError, tree: &Tree, value: NodeId) -> StepError {
    match e {
        StepError::Plan(mut p) if p.at.is_none() => {
            p.at = tree.node(value).map(|n| (n.start, n.end.max(n.start)));
            StepError::Plan(p)
        }
        other => other,
    }
}

/// An error of the embedded mesh config, as an error of the ConfigMap: named after it (with
/// `what`, when the message does not say it), at the string's path, and positioned inside the
/// block scalar where its lines map (else at it).
fn inner_error(
    mut e: PlanError,
    what: Option<&str>,
    path: &Pointer,
    lines: Option<&BlockLines>,
    tree: &Tree,
    value: NodeId,
) -> StepError {
    if let Some(what) = what {
        e.message = format!("{what}: {}", e.message);
    }
    e.at = match (e.at, lines) {
        (Some((start, end)), Some(lines)) => lines.span(start, end),
        _ => None,
    };
    e.path = path.clone();
    at_node(StepError::Plan(e), tree, value)
}
