//! The grace period of a TSB gateway's pods: when `connectionDrainDuration` plus the margin
//! outlasts it (30s unless the gateway's own overlay raises it), a patch of
//! `spec.template.spec.terminationGracePeriodSeconds` in the last `kubeSpec.overlays` entry for
//! the gateway's Deployment (TSB applies only the last overlay per object), or a new overlay.

use crate::document::{NodeId, Tree};
use crate::duration::{DrainSeconds, GoDuration};
use crate::model::workload::DEFAULT_GRACE_SECONDS;
use crate::model::{self, FieldPatch};
use crate::patch::{Change, NewValue, Pointer};
use crate::policy::OnConflict;

use super::workload::needed_grace;
use super::{Decision, PlanError, Walk, append_patch, expect_mapping, expect_sequence, walk};

/// The field's patch path on the gateway's Deployment.
pub const GRACE_PATH: [&str; 4] = ["spec", "template", "spec", "terminationGracePeriodSeconds"];

fn grace_patch(needed: i64) -> NewValue {
    NewValue::Map(vec![
        ("path".into(), NewValue::str(GRACE_PATH.join("."))),
        ("value".into(), NewValue::Int(needed)),
    ])
}

fn deployment_overlay(name: &str, needed: i64) -> NewValue {
    NewValue::Map(vec![
        ("apiVersion".into(), NewValue::str("apps/v1")),
        ("kind".into(), NewValue::str("Deployment")),
        ("name".into(), NewValue::str(name)),
        ("patches".into(), NewValue::Seq(vec![grace_patch(needed)])),
    ])
}

/// The gateway's `connectionDrainDuration` (as written after the field's own edit), in
/// seconds, when it reads as a duration.
pub fn drain_seconds(tree: &Tree, resource: NodeId) -> Option<f64> {
    let drain = tree.get_path(resource, &["spec", "connectionDrainDuration"])?;
    let drain = GoDuration::parse(tree.node(drain)?.as_str()?).ok()?;
    Some(drain.nanos() as f64 / crate::duration::SECOND as f64)
}

/// The grace period the gateway needs: its drain plus the margin. `None` when the gateway has
/// no readable drain.
pub fn needed(tree: &Tree, resource: NodeId, margin: DrainSeconds) -> Option<i64> {
    Some(needed_grace(drain_seconds(tree, resource)?, 0.0, margin))
}

/// Compares an existing grace period with the one the gateway needs.
fn decide_grace(
    tree: &Tree,
    node: NodeId,
    path: &Pointer,
    needed: i64,
    on_conflict: OnConflict,
) -> Result<Decision, PlanError> {
    super::workload::decide_grace(tree, node, path, needed, on_conflict, "the gateway's drain")
}

/// The decision for a gateway's grace period; `None` when there is nothing to decide or say:
/// no readable drain, a gateway without a name to target its Deployment by, or no grace
/// period written and Kubernetes' default holds the drain.
pub fn grace_period(
    tree: &Tree,
    resource: NodeId,
    resource_path: &Pointer,
    margin: DrainSeconds,
    on_conflict: OnConflict,
) -> Result<Option<Decision>, PlanError> {
    let Some(name) = tree
        .get_path(resource, &["metadata", "name"])
        .and_then(|n| tree.node(n)?.as_str())
    else {
        return Ok(None);
    };
    let Some(needed) = needed(tree, resource, margin) else {
        return Ok(None);
    };
    let default_is_enough = needed <= DEFAULT_GRACE_SECONDS;
    let keys: Vec<String> = ["spec", "kubeSpec", "overlays"].map(String::from).to_vec();
    let overlay = deployment_overlay(name, needed);
    let (overlays, overlays_path) = match walk(
        tree,
        resource,
        resource_path,
        &keys,
        &NewValue::Seq(vec![overlay.clone()]),
    )? {
        Walk::Create(change) => {
            let path = keys.iter().fold(resource_path.clone(), |p, k| p.key(k));
            if default_is_enough {
                return Ok(None);
            }
            let path = path.index(0).key("patches").index(0).key("value");
            return Ok(Some(Decision::Change {
                change,
                path,
                previous: None,
            }));
        }
        Walk::Found(node, path) => (node, path),
    };
    expect_sequence(tree, overlays, &overlays_path)?;
    let items = tree.items(overlays);
    let Some((index, node)) = items
        .iter()
        .enumerate()
        .rev()
        .find(|(_, o)| model::overlay_matches(tree, **o, "Deployment", name))
        .map(|(i, o)| (i, *o))
    else {
        if default_is_enough {
            return Ok(None);
        }
        let path = overlays_path
            .index(items.len())
            .key("patches")
            .index(0)
            .key("value");
        return Ok(Some(Decision::Change {
            change: Change::Add {
                path: overlays_path.append(),
                value: overlay,
            },
            path,
            previous: None,
        }));
    };
    let overlay_path = overlays_path.index(index);
    expect_mapping(tree, node, &overlay_path)?;
    let patch_keys = vec!["patches".to_owned()];
    let (patches, patches_path) = match walk(
        tree,
        node,
        &overlay_path,
        &patch_keys,
        &NewValue::Seq(vec![grace_patch(needed)]),
    )? {
        Walk::Create(change) => {
            if default_is_enough {
                return Ok(None);
            }
            let path = overlay_path.key("patches").index(0).key("value");
            return Ok(Some(Decision::Change {
                change,
                path,
                previous: None,
            }));
        }
        Walk::Found(node, path) => (node, path),
    };
    expect_sequence(tree, patches, &patches_path)?;
    let field_path: Vec<String> = GRACE_PATH.map(String::from).to_vec();
    let append = || {
        if default_is_enough {
            Ok(None)
        } else {
            Ok(Some(append_patch(
                tree,
                patches,
                &patches_path,
                grace_patch(needed),
            )))
        }
    };
    match model::field_patch(tree, patches, &field_path) {
        FieldPatch::None => append(),
        FieldPatch::Exact { index, patch } => {
            let patch_path = patches_path.index(index);
            expect_mapping(tree, patch, &patch_path)?;
            match tree.get(patch, "value") {
                Some(v) if !tree.node(v).is_some_and(|n| n.is_null()) => {
                    decide_grace(tree, v, &patch_path.key("value"), needed, on_conflict).map(Some)
                }
                // A patch without a value removes the field: Kubernetes' default applies, and
                // a patch after it sets it again.
                _ => append(),
            }
        }
        FieldPatch::Ancestor { index, patch, rest } => {
            let patch_path = patches_path.index(index);
            expect_mapping(tree, patch, &patch_path)?;
            match tree.get(patch, "value") {
                Some(v) if !tree.node(v).is_some_and(|n| n.is_null()) => {
                    let value_path = patch_path.key("value");
                    expect_mapping(tree, v, &value_path)?;
                    match walk(tree, v, &value_path, &rest, &NewValue::Int(needed))? {
                        Walk::Create(change) => {
                            let path = rest.iter().fold(value_path, |p, k| p.key(k));
                            if default_is_enough {
                                return Ok(None);
                            }
                            Ok(Some(Decision::Change {
                                change,
                                path,
                                previous: None,
                            }))
                        }
                        Walk::Found(found, path) => {
                            decide_grace(tree, found, &path, needed, on_conflict).map(Some)
                        }
                    }
                }
                _ => append(),
            }
        }
    }
}
