use super::{
    effective, exact, injected, longest_prestop, revision, seconds, show_seconds, shutdown_of,
};
use crate::lint::context::{Class, Context};
use crate::lint::{DrainModel, Findings, Rule, RuleMeta, declare_rule};
use crate::model::mesh::DrainField;
use crate::model::shutdown::ShutdownPath;
use crate::model::workload::{self, DEFAULT_GRACE_SECONDS};

declare_rule! {
    /// ## What it detects
    /// An injected workload whose sidecar waits on SIGTERM at least as long as the pod's
    /// `terminationGracePeriodSeconds` (30s when unset) minus its longest preStop sleep.
    ///
    /// The wait depends on `--drain-model`: `istio` (the default, from Istio's source) is
    /// `terminationDrainDuration`, 5s when unset; `guide` (as the TSB guide assumes) is
    /// `drainDuration`, 45s when unset. It is read from the istio-proxy container's
    /// `PROXY_CONFIG`, else the pod's `proxy.istio.io/config` annotation, else the last mesh
    /// config in the input (ControlPlane, control plane values, IstioOperator, the istiod
    /// chart's mesh ConfigMap or values) for the sidecar's revision: the pod's `istio.io/rev`
    /// label, else its namespace's, selects `istio-<rev>` (and an IstioOperator or values
    /// with that `revision`) when the input has it. Which
    /// workloads have a sidecar is decided as render decides it, like Istio's injection webhook:
    /// an `istio-proxy` container in the pod spec; the pod's `sidecar.istio.io/inject` label;
    /// its namespace's `istio-injection` or `istio.io/rev` label when the input has the
    /// Namespace, else the policy's `injectedNamespaces` (`--policy`), else the pod's
    /// `sidecar.istio.io/inject: "true"` or `istio.io/rev` label. Other workloads are skipped
    /// (counted with `--verbose`). The wait depends on the sidecar's shutdown path: a native
    /// sidecar on Istio 1.21+ (`istio-proxy` an init container with `restartPolicy: Always`
    /// and Istio's drain preStop, or `--native-sidecars` / the pod annotation
    /// `sidecar.istio.io/nativeSidecar`) stops with the applications and is not checked here;
    /// on Istio 1.19/1.20 it still waits `terminationDrainDuration` after the applications;
    /// exit-on-zero pods are GD020's.
    ///
    /// ## Why it matters
    /// kubelet sends SIGKILL when the grace period ends, whatever the mesh setting. preStop
    /// hooks run first and use up part of it. A drain that cannot finish gives no protection:
    /// connections are cut and telemetry is lost. The TSB guide's own example (drainDuration
    /// 50s with the default 30s grace period) is cut short.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     metadata:
    ///       annotations:
    ///         proxy.istio.io/config: '{"terminationDrainDuration": "40s"}'
    ///     spec:
    ///       containers:
    ///       - name: app
    /// ```
    ///
    /// ## Fix
    /// Raise `terminationGracePeriodSeconds` above the wait plus the preStop sleep (with a few
    /// seconds to spare), or shorten the drain setting.
    pub struct DrainExceedsGracePeriod;
    code: "GD007",
    name: "drain-exceeds-grace-period",
    severity: Error,
    summary: "the sidecar's drain outlasts the pod's grace period",
}

impl Rule for DrainExceedsGracePeriod {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_all(&self, cx: &Context, out: &mut Findings<'_>) {
        let field = match cx.options.drain_model {
            DrainModel::Istio => DrainField::TerminationDrainDuration,
            DrainModel::Guide => DrainField::DrainDuration,
        };
        let meshes = cx.mesh_sources();
        let mut skipped = Vec::new();
        for object in &cx.objects {
            let Class::Workload(template) = &object.class else {
                continue;
            };
            let tree = cx.tree(object);
            let containers = cx.containers(object);
            if !injected(cx, object, template) {
                skipped.push(object.describe());
                continue;
            }
            // A native sidecar (Istio 1.21+) stops with the applications, without a wait of
            // its own; on the exit-on-zero path terminationDrainDuration is not used (GD020
            // checks MINIMUM_DRAIN_DURATION).
            let (_, path) = shutdown_of(cx, object, template);
            if matches!(path, ShutdownPath::Native | ShutdownPath::ExitOnZero) {
                continue;
            }
            let wait = effective(
                cx.proxy_configs(object),
                &meshes,
                field,
                &revision(cx, object, template),
            );
            let Some(wait_value) = wait.value else {
                continue;
            };
            let grace = workload::grace_period(tree, template);
            let (grace_seconds, grace_text) = match &grace {
                Some(g) => match g.seconds {
                    Some(s) => (s, format!("terminationGracePeriodSeconds is {s}s")),
                    None => continue,
                },
                None => (
                    DEFAULT_GRACE_SECONDS,
                    format!("terminationGracePeriodSeconds is unset, so {DEFAULT_GRACE_SECONDS}s"),
                ),
            };
            let prestop = longest_prestop(tree, containers);
            let budget = grace_seconds as f64 - prestop.as_ref().map_or(0.0, |p| p.0);
            let wait_seconds = seconds(wait_value);
            if wait_seconds < budget {
                continue;
            }
            let budget_text = match &prestop {
                Some((s, name)) => format!(
                    "{grace_text}, and after the {} preStop sleep of container {name} that leaves {}",
                    show_seconds(*s),
                    show_seconds(budget.max(0.0))
                ),
                None => grace_text.clone(),
            };
            let needed = wait_seconds + prestop.as_ref().map_or(0.0, |p| p.0) + 5.0;
            let pointer = match &grace {
                Some(g) => g.pointer.clone(),
                None => template.pointer.key("spec"),
            };
            let finding = out.report(
                object,
                pointer,
                format!(
                    "the sidecar of {} waits {} {} after SIGTERM (from {}), but {budget_text}: kubelet kills the pod before the drain ends",
                    object.describe(),
                    field.name(),
                    exact(wait_value),
                    wait.from,
                ),
            );
            finding.hint(format!(
                "set terminationGracePeriodSeconds to at least {}, or shorten {}{}",
                needed.ceil(),
                field.name(),
                if cx.options.drain_model == DrainModel::Guide {
                    " (the guide's model; by Istio's source the wait is terminationDrainDuration: see --drain-model)"
                } else {
                    ""
                }
            ));
            if grace.is_none() {
                finding.at_key();
            }
        }
        if !skipped.is_empty() {
            let shown: Vec<&str> = skipped.iter().take(10).map(String::as_str).collect();
            let more = match skipped.len().saturating_sub(shown.len()) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            out.note(format!(
                "skipped {} workload(s) not known to be injected (no istio-proxy container, inject label or injection-labelled namespace in the input): {}{more}",
                skipped.len(),
                shown.join(", ")
            ));
        }
    }
}
