//! Decisions: from the model and the policy to the [`Change`] each resource needs, or to the
//! reason it needs none (already equal, kept on conflict) or cannot be changed.

use crate::document::{NodeId, NodeKind, Tree};
use crate::drain::Field;
use crate::duration::{DrainSeconds, GoDuration};
use crate::model::{self, FieldPatch, dotted, node_type};
use crate::patch::{Change, NewValue, Pointer};
use crate::policy::{IstioVersion, OnConflict};

/// What to do with one drain field of one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The field already holds the wanted duration (in whatever form).
    Unchanged { path: Pointer, existing: String },
    /// The field differs and `onConflict: keep` leaves it.
    Kept {
        path: Pointer,
        existing: String,
        /// What the policy wanted, as written in messages.
        wanted: String,
    },
    /// Make `change`; the field ends up at `path`.
    Change {
        change: Change,
        path: Pointer,
        previous: Option<String>,
    },
}

impl Decision {
    /// A change that sets a field that had no value.
    fn set(change: Change, path: Pointer) -> Decision {
        Decision::Change {
            change,
            path,
            previous: None,
        }
    }
}

/// Why a resource cannot get the wanted value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    pub code: &'static str,
    pub message: String,
    pub hint: String,
    /// Byte offset in the document, when there is a node to point at.
    pub at: Option<(usize, usize)>,
    pub path: Pointer,
}

impl PlanError {
    fn new(
        code: &'static str,
        message: String,
        hint: &str,
        at: Option<(usize, usize)>,
        path: &Pointer,
    ) -> PlanError {
        PlanError {
            code,
            message,
            hint: hint.to_owned(),
            at,
            path: path.clone(),
        }
    }
}

/// A node's span, for errors.
fn span(tree: &Tree, id: NodeId) -> Option<(usize, usize)> {
    tree.node(id).map(|n| (n.start, n.end.max(n.start)))
}

/// Where a walk down a chain of mapping keys ended.
enum Walk {
    Found(NodeId, Pointer),
    /// A level is missing or null: this change creates the rest of the chain.
    Create(Change),
}

/// Follows `keys` from the mapping `from`; a missing or null level becomes a change that
/// creates every remaining level with `leaf` at the end.
fn walk(
    tree: &Tree,
    from: NodeId,
    from_path: &Pointer,
    keys: &[String],
    leaf: &NewValue,
) -> Result<Walk, PlanError> {
    let mut current = from;
    let mut path = from_path.clone();
    for (i, key) in keys.iter().enumerate() {
        expect_mapping(tree, current, &path)?;
        let rest = keys.get(i + 1..).unwrap_or_default();
        let next = path.key(key);
        match tree.get(current, key) {
            None => {
                return Ok(Walk::Create(Change::Add {
                    path: next,
                    value: NewValue::nest(rest, leaf.clone()),
                }));
            }
            Some(v) if tree.node(v).is_some_and(|n| n.is_null()) => {
                return Ok(Walk::Create(Change::Replace {
                    path: next,
                    value: NewValue::nest(rest, leaf.clone()),
                }));
            }
            Some(v) => {
                current = v;
                path = next;
            }
        }
    }
    Ok(Walk::Found(current, path))
}

fn expect_mapping(tree: &Tree, id: NodeId, path: &Pointer) -> Result<(), PlanError> {
    expect(tree, id, path, "a mapping", |k| {
        matches!(k, NodeKind::Mapping { .. })
    })
}

fn expect_sequence(tree: &Tree, id: NodeId, path: &Pointer) -> Result<(), PlanError> {
    expect(tree, id, path, "a sequence", |k| {
        matches!(k, NodeKind::Sequence { .. })
    })
}

fn expect(
    tree: &Tree,
    id: NodeId,
    path: &Pointer,
    expected: &str,
    ok: impl Fn(&NodeKind) -> bool,
) -> Result<(), PlanError> {
    let Some(node) = tree.node(id) else {
        return Ok(());
    };
    if ok(&node.kind) {
        return Ok(());
    }
    if matches!(node.kind, NodeKind::Alias { .. }) {
        return Err(PlanError::new(
            "alias-on-route",
            format!(
                "{} is an alias; meshdrain does not edit through aliases",
                dotted(path)
            ),
            "write this part of the resource out in full, or set the drain field by hand",
            span(tree, id),
            path,
        ));
    }
    Err(PlanError::new(
        "unexpected-structure",
        format!("{} is {}, not {expected}", dotted(path), node_type(node)),
        "fix the resource's structure: TSB expects this shape too",
        span(tree, id),
        path,
    ))
}

/// Compares an existing value with the wanted one and applies the conflict policy.
fn decide(
    tree: &Tree,
    existing: NodeId,
    path: &Pointer,
    wanted: DrainSeconds,
    on_conflict: OnConflict,
) -> Result<Decision, PlanError> {
    let node = tree.node(existing);
    let text = node.and_then(|n| n.as_str()).map(str::to_owned);
    if let Some(t) = &text
        && wanted.same_as(t)
    {
        return Ok(Decision::Unchanged {
            path: path.clone(),
            existing: t.clone(),
        });
    }
    let replace = || Decision::Change {
        change: Change::Replace {
            path: path.clone(),
            value: NewValue::str(wanted.canonical()),
        },
        path: path.clone(),
        previous: text.clone(),
    };
    let shown = text
        .clone()
        .unwrap_or_else(|| node.map_or("nothing", node_type).to_owned());
    let parses = text
        .as_deref()
        .is_some_and(|t| GoDuration::parse(t).is_ok());
    match (on_conflict, parses) {
        (OnConflict::Override, _) => Ok(replace()),
        (OnConflict::Keep, true) => Ok(Decision::Kept {
            path: path.clone(),
            existing: shown,
            wanted: wanted.to_string(),
        }),
        (OnConflict::Error, true) => Err(PlanError::new(
            "drain-conflict",
            format!(
                "{} is {shown:?}, but the policy wants {wanted}",
                dotted(path)
            ),
            "change the manifest or the policy so they agree, or set onConflict: override or keep in the policy (--on-conflict on the command line)",
            span(tree, existing),
            path,
        )),
        (_, false) => Err(PlanError::new(
            "invalid-existing-value",
            format!("{} is {shown:?}, which is not a Go duration", dotted(path)),
            "fix the value (e.g. \"10s\"), or set onConflict: override in the policy (--on-conflict override on the command line) to replace it",
            span(tree, existing),
            path,
        )),
    }
}

/// `spec.<field>` of a resource (an install-API gateway's `connectionDrainDuration`).
pub fn spec_field(
    tree: &Tree,
    resource: NodeId,
    resource_path: &Pointer,
    field: Field,
    wanted: DrainSeconds,
    on_conflict: OnConflict,
) -> Result<Decision, PlanError> {
    let keys = ["spec".to_owned(), field.name().to_owned()];
    let leaf = NewValue::str(wanted.canonical());
    match walk(tree, resource, resource_path, &keys, &leaf)? {
        Walk::Create(change) => Ok(created(change, resource_path, &keys)),
        Walk::Found(node, path) => decide(tree, node, &path, wanted, on_conflict),
    }
}

fn created(change: Change, base: &Pointer, keys: &[String]) -> Decision {
    let path = keys.iter().fold(base.clone(), |p, k| p.key(k));
    Decision::set(change, path)
}

fn drain_patch(field: Field, wanted: DrainSeconds) -> NewValue {
    NewValue::Map(vec![
        (
            "path".into(),
            NewValue::str(model::default_config_path(field.name()).join(".")),
        ),
        ("value".into(), NewValue::str(wanted.canonical())),
    ])
}

fn istio_overlay(patches: NewValue) -> NewValue {
    NewValue::Map(vec![
        (
            "apiVersion".into(),
            NewValue::str(model::ISTIO_OVERLAY_API_VERSION),
        ),
        ("kind".into(), NewValue::str(model::ISTIO_OVERLAY_KIND)),
        ("name".into(), NewValue::str(model::ISTIO_OVERLAY_NAME)),
        ("patches".into(), patches),
    ])
}

pub mod gateway;
pub mod mesh;
pub mod workload;

/// Context for a sidecar decision.
#[derive(Clone, Debug)]
pub struct SidecarTask {
    pub field: Field,
    pub wanted: DrainSeconds,
    pub on_conflict: OnConflict,
    pub istio: IstioVersion,
}

/// A mesh default-config field in the last `tsb-istiocontrolplane` overlay of a ControlPlane.
pub fn sidecar(
    tree: &Tree,
    resource: NodeId,
    resource_path: &Pointer,
    task: &SidecarTask,
) -> Result<Decision, PlanError> {
    let (decision, patches) = sidecar_decision(tree, resource, resource_path, task)?;
    if let Some((other, up_to)) = task.field.spec().validation.below
        && task.istio <= up_to
        && matches!(decision, Decision::Change { .. })
    {
        let configured = patches.and_then(|p| patched_value(tree, p, other));
        check_below(
            tree,
            configured,
            task,
            (other, up_to),
            "overlay",
            &format!(
                "add a longer spec.meshConfig.defaultConfig.{} patch",
                other.name()
            ),
        )?;
    }
    Ok(decision)
}

/// The value node the patches of an overlay give `field`, when one does.
fn patched_value(tree: &Tree, patches: NodeId, field: Field) -> Option<NodeId> {
    match model::mesh_field_patch(tree, patches, field) {
        FieldPatch::Exact { patch, .. } => tree.get(patch, "value"),
        FieldPatch::Ancestor { patch, rest, .. } => rest
            .iter()
            .try_fold(tree.get(patch, "value"), |node, key| {
                Some(node.and_then(|n| tree.get(n, key)))
            })
            .flatten(),
        FieldPatch::None => None,
    }
}

/// The decision, and the `patches` of the effective overlay when there is one.
fn sidecar_decision(
    tree: &Tree,
    resource: NodeId,
    resource_path: &Pointer,
    task: &SidecarTask,
) -> Result<(Decision, Option<NodeId>), PlanError> {
    let patch = drain_patch(task.field, task.wanted);
    let overlay = istio_overlay(NewValue::Seq(vec![patch.clone()]));
    let overlays_leaf = NewValue::Seq(vec![overlay.clone()]);
    let keys = |k: &[&str]| k.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let field_path = model::default_config_path(task.field.name());

    // spec.components.istio, checking that TSB reads kubeSpec.overlays at all.
    let to_istio = keys(&["spec", "components", "istio"]);
    let rest = keys(&["kubeSpec", "overlays"]);
    let (istio, istio_path) = match walk(
        tree,
        resource,
        resource_path,
        &to_istio,
        &NewValue::nest(&rest, overlays_leaf.clone()),
    )? {
        Walk::Create(change) => {
            let keys = [&to_istio[..], &rest[..]].concat();
            return Ok((new_patch(change, resource_path, &keys), None));
        }
        Walk::Found(node, path) => (node, path),
    };
    expect_mapping(tree, istio, &istio_path)?;
    if let Some((key, node)) = model::competing_overlays(tree, istio) {
        return Err(PlanError::new(
            "ignored-overlays",
            format!(
                "{}.{key} is set, so TSB ignores spec.components.istio.kubeSpec.overlays and a drain overlay there would have no effect",
                dotted(&istio_path)
            ),
            &format!(
                "move the overlays from {key} to kubeSpec.overlays so meshdrain can manage them, or add the drain patch to {key} by hand"
            ),
            span(tree, node),
            &istio_path.key(key),
        ));
    }
    let (overlays, overlays_path) = match walk(tree, istio, &istio_path, &rest, &overlays_leaf)? {
        Walk::Create(change) => return Ok((new_patch(change, &istio_path, &rest), None)),
        Walk::Found(node, path) => (node, path),
    };
    expect_sequence(tree, overlays, &overlays_path)?;
    let Some((overlay_index, overlay_node)) = model::effective_overlay(tree, overlays) else {
        let index = tree.items(overlays).len();
        let change = Change::Add {
            path: overlays_path.append(),
            value: overlay,
        };
        let path = overlays_path
            .index(index)
            .key("patches")
            .index(0)
            .key("value");
        return Ok((Decision::set(change, path), None));
    };
    let overlay_path = overlays_path.index(overlay_index);
    expect_mapping(tree, overlay_node, &overlay_path)?;
    let patches_key = keys(&["patches"]);
    let (patches, patches_path) = match walk(
        tree,
        overlay_node,
        &overlay_path,
        &patches_key,
        &NewValue::Seq(vec![patch.clone()]),
    )? {
        Walk::Create(change) => {
            let path = overlay_path.key("patches").index(0).key("value");
            return Ok((Decision::set(change, path), None));
        }
        Walk::Found(node, path) => (node, path),
    };
    expect_sequence(tree, patches, &patches_path)?;
    let decision = match model::mesh_field_patch(tree, patches, task.field) {
        FieldPatch::None => append_patch(tree, patches, &patches_path, patch),
        FieldPatch::Exact { index, patch: node } => {
            let patch_path = patches_path.index(index);
            expect_mapping(tree, node, &patch_path)?;
            match tree.get(node, "value") {
                Some(v) if !tree.node(v).is_some_and(|n| n.is_null()) => decide(
                    tree,
                    v,
                    &patch_path.key("value"),
                    task.wanted,
                    task.on_conflict,
                )?,
                value => {
                    // A patch without a value deletes the field: it is set, to "nothing".
                    if task.on_conflict != OnConflict::Override {
                        return Err(PlanError::new(
                            "invalid-existing-value",
                            format!(
                                "{} has no value, so it deletes {}",
                                dotted(&patch_path),
                                field_path.join(".")
                            ),
                            "give the patch a value, or set onConflict: override in the policy (--on-conflict override on the command line) to set it",
                            span(tree, node),
                            &patch_path,
                        ));
                    }
                    let path = patch_path.key("value");
                    let value_node = NewValue::str(task.wanted.canonical());
                    let change = match value {
                        None => Change::Add {
                            path: path.clone(),
                            value: value_node,
                        },
                        Some(_) => Change::Replace {
                            path: path.clone(),
                            value: value_node,
                        },
                    };
                    Decision::set(change, path)
                }
            }
        }
        FieldPatch::Ancestor {
            index,
            patch: node,
            rest,
        } => {
            let patch_path = patches_path.index(index);
            expect_mapping(tree, node, &patch_path)?;
            match tree.get(node, "value") {
                // The ancestor deletes the subtree: a patch after it sets the field again.
                None => append_patch(tree, patches, &patches_path, patch),
                Some(v) if tree.node(v).is_some_and(|n| n.is_null()) => {
                    append_patch(tree, patches, &patches_path, patch)
                }
                Some(v) => {
                    let value_path = patch_path.key("value");
                    expect_mapping(tree, v, &value_path)?;
                    match walk(
                        tree,
                        v,
                        &value_path,
                        &rest,
                        &NewValue::str(task.wanted.canonical()),
                    )? {
                        Walk::Create(change) => created(change, &value_path, &rest),
                        Walk::Found(found, path) => {
                            decide(tree, found, &path, task.wanted, task.on_conflict)?
                        }
                    }
                }
            }
        }
    };
    Ok((decision, Some(patches)))
}

fn append_patch(tree: &Tree, patches: NodeId, patches_path: &Pointer, patch: NewValue) -> Decision {
    let index = tree.items(patches).len();
    Decision::Change {
        change: Change::Add {
            path: patches_path.append(),
            value: patch,
        },
        path: patches_path.index(index).key("value"),
        previous: None,
    }
}

/// A change that creates the chain `keys` below `base` down to a new overlay with the patch.
fn new_patch(change: Change, base: &Pointer, keys: &[String]) -> Decision {
    let path = keys
        .iter()
        .fold(base.clone(), |p, k| p.key(k))
        .index(0)
        .key("patches")
        .index(0)
        .key("value");
    Decision::set(change, path)
}

/// Istio up to `up_to` rejects a mesh config whose `task.field` (drainDuration) is not below
/// `other` (parentShutdownDuration), as written (`configured`, the value node in the effective
/// overlay or the mesh config) or by default; `place` names where it is written (`overlay`,
/// `mesh config`) and `raise` says how to write a longer one.
fn check_below(
    tree: &Tree,
    configured: Option<NodeId>,
    task: &SidecarTask,
    (other, up_to): (Field, IstioVersion),
    place: &str,
    raise: &str,
) -> Result<(), PlanError> {
    if let Some(node) = configured {
        rejected_value(tree, node, other, task, place)?;
    }
    let limit = configured
        .and_then(|n| tree.node(n))
        .and_then(|n| n.as_str())
        .and_then(|s| GoDuration::parse(s).ok())
        .unwrap_or_else(|| other.spec().default_duration());
    if task.wanted.as_go() >= limit {
        let (field, other) = (task.field.name(), other.name());
        return Err(PlanError::new(
            "drain-exceeds-parent-shutdown",
            format!(
                "{field} {} is not below {other} {}, so Istio {} rejects the mesh config",
                task.wanted,
                limit
                    .whole_seconds()
                    .map_or_else(|| limit.to_string(), |n| format!("{n}s")),
                task.istio
            ),
            &format!(
                "use a shorter {field}, {raise}, or pass --istio-version if the mesh runs Istio {}.{} or later",
                up_to.major,
                up_to.minor + 1
            ),
            None,
            &Pointer::root(),
        ));
    }
    Ok(())
}

/// The value already written for `other` (parentShutdownDuration) in the effective overlay, as
/// Istio validates it for `task.istio` (`ValidateParentAndDrain`: at least 1ms, whole seconds,
/// at most 1h before Istio 1.22): meshdrain does not write into a mesh config Istio rejects.
fn rejected_value(
    tree: &Tree,
    node: NodeId,
    other: Field,
    task: &SidecarTask,
    place: &str,
) -> Result<(), PlanError> {
    let Some(n) = tree.node(node) else {
        return Ok(());
    };
    if n.is_null() {
        return Ok(());
    }
    let validation = other.spec().validation;
    let text = n.as_str();
    let parsed = text.and_then(|t| GoDuration::parse(t).ok());
    let capped = validation
        .one_hour_cap_before
        .is_some_and(|v| task.istio < v);
    let reason = match parsed {
        None => "is not a Go duration",
        Some(d) if d.nanos() < crate::duration::MILLISECOND as i64 => "is below 1ms",
        Some(d) if validation.positive_whole_seconds && d.whole_seconds().is_none() => {
            "is not a whole number of seconds"
        }
        Some(d) if capped && d.nanos() > crate::duration::HOUR as i64 => "is over 1h",
        Some(_) => return Ok(()),
    };
    let shown = text.map_or_else(|| node_type(n).to_owned(), |t| format!("{t:?}"));
    Err(PlanError::new(
        "mesh-config-rejected",
        format!(
            "{} {shown} {reason}, so Istio {} rejects this mesh config, and the {} meshdrain would add to it would not apply",
            other.name(),
            task.istio,
            task.field.name()
        ),
        &format!(
            "fix {} in the {place} (a whole number of seconds, at least 1s and at most 1h), or pass --istio-version if the mesh runs another Istio",
            other.name()
        ),
        span(tree, node),
        &Pointer::root(),
    ))
}
