//! What a TSB gateway install CR says about its own pods: its `kubeSpec.overlays` patches of
//! the gateway's Deployment (the grace period and preStop sleeps they set).

use crate::document::{NodeId, ScalarType, Tree};

use super::FieldPatch;

const GRACE_PATH: [&str; 4] = ["spec", "template", "spec", "terminationGracePeriodSeconds"];

fn int(tree: &Tree, node: NodeId) -> Option<i64> {
    let n = tree.node(node)?;
    (n.scalar_type() == Some(ScalarType::Int))
        .then(|| n.as_str()?.parse().ok())
        .flatten()
}

/// The patches of the gateway's own overlay on its Deployment (the last one applies).
fn deployment_patches(tree: &Tree, node: NodeId, name: Option<&str>) -> Option<NodeId> {
    let list = tree.get_path(node, &["spec", "kubeSpec", "overlays"])?;
    let overlay = *tree.items(list).iter().rev().find(|&&o| {
        tree.str_at(o, "kind") == Some("Deployment")
            && (name.is_none() || tree.str_at(o, "name") == name)
    })?;
    tree.get(overlay, "patches")
}

/// The longest preStop sleep a patch of the gateway's Deployment overlay gives a container
/// (`spec.template.spec.containers[name:X]` and anything down to the hook's sleep or exec
/// command), with the container's name or selector. `node` is the gateway CR, `name` its
/// name.
pub fn overlay_prestop(tree: &Tree, node: NodeId, name: Option<&str>) -> Option<(f64, String)> {
    const CONTAINERS: [&str; 4] = ["spec", "template", "spec", "containers"];
    const SLEEP: [&str; 4] = ["lifecycle", "preStop", "sleep", "seconds"];
    const EXEC: [&str; 4] = ["lifecycle", "preStop", "exec", "command"];
    let patches = deployment_patches(tree, node, name)?;
    let mut best: Option<(f64, String)> = None;
    for &patch in tree.items(patches) {
        let Some(path) = tree.str_at(patch, "path") else {
            continue;
        };
        let segments = super::normalize_patch_path(path);
        let Some((selector, rest)) = segments
            .strip_prefix(&CONTAINERS.map(String::from)[..])
            .and_then(|r| r.split_first())
            .filter(|(s, _)| s.starts_with('['))
        else {
            continue;
        };
        let Some(value) = tree.get(patch, "value") else {
            continue;
        };
        let name = selector
            .trim_matches(['[', ']'])
            .strip_prefix("name:")
            .unwrap_or(selector)
            .to_owned();
        // Walk from the patch's value along the part of the hook's path it does not name.
        let below = |target: &[&str]| -> Option<NodeId> {
            let covered = rest.len();
            let prefix_ok =
                target.get(..covered)? == rest.iter().map(String::as_str).collect::<Vec<_>>();
            if !prefix_ok {
                return None;
            }
            target
                .get(covered..)?
                .iter()
                .try_fold(value, |node, key| tree.get(node, key))
        };
        let seconds = below(&SLEEP)
            .and_then(|n| tree.node(n)?.as_str()?.parse::<f64>().ok())
            .or_else(|| {
                let command = below(&EXEC)?;
                let words: Vec<&str> = tree
                    .items(command)
                    .iter()
                    .filter_map(|&w| tree.node(w)?.as_str())
                    .collect();
                super::workload::sleep_seconds(&words.join(" "))
            });
        if let Some(s) = seconds.filter(|s| s.is_finite() && *s >= 0.0)
            && best.as_ref().is_none_or(|(b, _)| s > *b)
        {
            best = Some((s, name));
        }
    }
    best
}

/// The grace period a gateway CR's own overlays give its Deployment: the last overlay for
/// that Deployment counts, and in it the last patch of the field or an ancestor (the model's
/// rules for TSB overlays, as for the ControlPlane).
pub fn overlay_grace(tree: &Tree, node: NodeId, name: Option<&str>) -> Option<i64> {
    let patches = deployment_patches(tree, node, name)?;
    let path: Vec<String> = GRACE_PATH.iter().map(|s| (*s).to_owned()).collect();
    let (patch, rest) = match super::field_patch(tree, patches, &path) {
        FieldPatch::None => return None,
        FieldPatch::Exact { patch, .. } => (patch, Vec::new()),
        FieldPatch::Ancestor { patch, rest, .. } => (patch, rest),
    };
    let value = rest
        .iter()
        .try_fold(tree.get(patch, "value")?, |node, key| tree.get(node, key))?;
    int(tree, value)
}
