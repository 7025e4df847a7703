use std::collections::HashMap;

use super::{duration, exact, longest_prestop, seconds, show_seconds};
use crate::document::{NodeId, ScalarType, Tree};
use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::mesh;
use crate::model::workload::{self, DEFAULT_GRACE_SECONDS};
use crate::model::{self, FieldPatch};

declare_rule! {
    /// ## What it detects
    /// A TSB gateway whose `connectionDrainDuration` is at least its pods'
    /// `terminationGracePeriodSeconds` (minus their longest preStop sleep). The grace period
    /// is taken from the gateway's own `kubeSpec.overlays` patch of
    /// `spec.template.spec.terminationGracePeriodSeconds` on its Deployment, else from a
    /// Deployment of the same name and namespace in the input, else Kubernetes' default of 30s.
    ///
    /// ## Why it matters
    /// The TSB operator turns `connectionDrainDuration` into the gateway's drain wait; kubelet
    /// sends SIGKILL when the grace period ends, so a longer drain is cut short (istio/istio
    /// #25575: a 5m10s drain cut at 30s).
    ///
    /// ## Example
    /// ```yaml
    /// kind: IngressGateway
    /// spec:
    ///   connectionDrainDuration: 45s
    /// ```
    ///
    /// ## Fix
    /// Shorten `connectionDrainDuration`, or raise the gateway Deployment's grace period with
    /// a `kubeSpec.overlays` patch of `spec.template.spec.terminationGracePeriodSeconds`.
    pub struct GatewayDrainExceedsGracePeriod;
    code: "GD015",
    name: "gateway-drain-exceeds-grace-period",
    severity: Error,
    summary: "a gateway's drain outlasts its pods' grace period",
}

const GRACE_PATH: [&str; 4] = ["spec", "template", "spec", "terminationGracePeriodSeconds"];

fn int(tree: &Tree, node: NodeId) -> Option<i64> {
    let n = tree.node(node)?;
    (n.scalar_type() == Some(ScalarType::Int))
        .then(|| n.as_str()?.parse().ok())
        .flatten()
}

/// The grace period a gateway CR's own overlays give its Deployment: the last overlay for
/// that Deployment counts, and in it the last patch of the field or an ancestor (the model's
/// rules for TSB overlays, as for the ControlPlane).
/// The patches of the gateway's own overlay on its Deployment (the last one applies).
fn deployment_patches(tree: &Tree, object: &Object) -> Option<NodeId> {
    let list = tree.get_path(object.resource.node, &["spec", "kubeSpec", "overlays"])?;
    let overlay = *tree.items(list).iter().rev().find(|&&o| {
        tree.str_at(o, "kind") == Some("Deployment")
            && (object.name().is_none() || tree.str_at(o, "name") == object.name())
    })?;
    tree.get(overlay, "patches")
}

/// The longest preStop sleep a patch of the gateway's Deployment overlay gives a container
/// (`spec.template.spec.containers[name:X]` and anything down to the hook's sleep or exec
/// command), with the container's name or selector.
fn overlay_prestop(tree: &Tree, object: &Object) -> Option<(f64, String)> {
    const CONTAINERS: [&str; 4] = ["spec", "template", "spec", "containers"];
    const SLEEP: [&str; 4] = ["lifecycle", "preStop", "sleep", "seconds"];
    const EXEC: [&str; 4] = ["lifecycle", "preStop", "exec", "command"];
    let patches = deployment_patches(tree, object)?;
    let mut best: Option<(f64, String)> = None;
    for &patch in tree.items(patches) {
        let Some(path) = tree.str_at(patch, "path") else {
            continue;
        };
        let segments = model::normalize_patch_path(path);
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
                workload::sleep_seconds(&words.join(" "))
            });
        if let Some(s) = seconds.filter(|s| s.is_finite() && *s >= 0.0)
            && best.as_ref().is_none_or(|(b, _)| s > *b)
        {
            best = Some((s, name));
        }
    }
    best
}

fn overlay_grace(tree: &Tree, object: &Object) -> Option<i64> {
    let patches = deployment_patches(tree, object)?;
    let path: Vec<String> = GRACE_PATH.iter().map(|s| (*s).to_owned()).collect();
    let (patch, rest) = match model::field_patch(tree, patches, &path) {
        FieldPatch::None => return None,
        FieldPatch::Exact { patch, .. } => (patch, Vec::new()),
        FieldPatch::Ancestor { patch, rest, .. } => (patch, rest),
    };
    let value = rest
        .iter()
        .try_fold(tree.get(patch, "value")?, |node, key| tree.get(node, key))?;
    int(tree, value)
}

impl Rule for GatewayDrainExceedsGracePeriod {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_all(&self, cx: &Context, out: &mut Findings<'_>) {
        // The rendered gateway Deployments in the input, by namespace and name.
        let deployments: HashMap<(Option<&str>, Option<&str>), &Object> = cx
            .objects
            .iter()
            .filter(|o| {
                o.resource.reference.kind == "Deployment"
                    && model::api_group(&o.resource.reference.api_version) == "apps"
            })
            .map(|o| ((o.namespace(), o.name()), o))
            .collect();
        for object in &cx.objects {
            if matches!(object.class, Class::InstallGateway(_)) {
                let deployment = deployments
                    .get(&(object.namespace(), object.name()))
                    .copied();
                check_gateway(cx, object, deployment, out);
            }
        }
    }
}

fn check_gateway(
    cx: &Context,
    object: &Object,
    deployment: Option<&Object>,
    out: &mut Findings<'_>,
) {
    let tree = cx.tree(object);
    let Some(site) = mesh::gateway_site(tree, object.resource.node, object.pointer()) else {
        return;
    };
    let Some(drain) = duration(&site.written) else {
        return;
    };
    // A preStop sleep set by the gateway's own Deployment overlay counts like one in the
    // rendered Deployment.
    let mut prestop = overlay_prestop(tree, object);
    let (grace, from) = if let Some(g) = overlay_grace(tree, object) {
        (g, "its kubeSpec.overlays patch".to_owned())
    } else if let Some(d) = deployment
        && let Class::Workload(t) = &d.class
    {
        let dtree = cx.tree(d);
        prestop = longest_prestop(dtree, &workload::containers(dtree, t)).or(prestop);
        match workload::grace_period(dtree, t) {
            Some(g) => match g.seconds {
                Some(s) => (s, d.describe()),
                None => return,
            },
            None => (
                DEFAULT_GRACE_SECONDS,
                format!("{}, which leaves it unset", d.describe()),
            ),
        }
    } else {
        (DEFAULT_GRACE_SECONDS, "Kubernetes' default".to_owned())
    };
    let budget = grace as f64 - prestop.as_ref().map_or(0.0, |p| p.0);
    if seconds(drain) < budget {
        return;
    }
    let sleep = match &prestop {
        Some((s, name)) => format!(
            " minus the {} preStop sleep of container {name}",
            show_seconds(*s)
        ),
        None => String::new(),
    };
    out.report(
            object,
            site.pointer.clone(),
            format!(
                "{} drains connections for {}, but its pods get terminationGracePeriodSeconds {grace}s ({from}){sleep}: kubelet kills them before the drain ends",
                object.describe(),
                exact(drain)
            ),
        )
        .hint(format!(
            "shorten connectionDrainDuration below {}, or raise the grace period with a kubeSpec.overlays patch of spec.template.spec.terminationGracePeriodSeconds on the gateway's Deployment",
            show_seconds(budget.max(0.0))
        ));
}
