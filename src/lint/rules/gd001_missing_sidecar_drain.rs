use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::mesh::DrainField;

declare_rule! {
    /// ## What it detects
    /// A TSB ControlPlane (the CR, or the `spec:` of the control plane Helm values) whose last
    /// overlay on the IstioOperator `tsb-istiocontrolplane` sets neither
    /// `spec.meshConfig.defaultConfig.drainDuration` nor `terminationDrainDuration`, or that
    /// has no such overlay at all.
    ///
    /// ## Why it matters
    /// This is the fix the TSB graceful-drain guide asks for. Without it Istio's defaults
    /// apply: the sidecar waits 5s after SIGTERM and then exits, cutting the application's
    /// in-flight connections.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   components:
    ///     istio:
    ///       kubeSpec:
    ///         overlays:
    ///         - apiVersion: install.istio.io/v1alpha1
    ///           kind: IstioOperator
    ///           name: tsb-istiocontrolplane
    ///           patches:
    ///           - path: spec.meshConfig.defaultConfig.holdApplicationUntilProxyStarts
    ///             value: true
    /// ```
    ///
    /// ## Fix
    /// `meshdrain render` adds the patch to the rendered ControlPlane (as a Helm post-renderer:
    /// `--post-renderer meshdrain`); `meshdrain values -i FILE` adds it to the control plane
    /// Helm values.
    pub struct MissingSidecarDrain;
    code: "GD001",
    name: "missing-sidecar-drain",
    severity: Warning,
    summary: "the ControlPlane sets no sidecar drain duration",
}

impl Rule for MissingSidecarDrain {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        if !matches!(object.class, Class::ControlPlane { .. }) {
            return;
        }
        let Some(source) = cx.mesh_source(object) else {
            return;
        };
        if source.defaults.get(DrainField::DrainDuration).is_some()
            || source
                .defaults
                .get(DrainField::TerminationDrainDuration)
                .is_some()
        {
            return;
        }
        let tree = cx.tree(object);
        // With pilot/base/cni overlays TSB ignores kubeSpec.overlays, where meshdrain reads and
        // writes the drain patch: GD023 says so, and this rule has nothing to add.
        if tree
            .get_path(object.resource.node, &["spec", "components", "istio"])
            .is_some_and(|istio| crate::model::competing_overlays(tree, istio).is_some())
        {
            return;
        }
        let has_overlay =
            source.anchor.steps().last() == Some(&crate::patch::Step::Key("patches".into()));
        let message = if has_overlay {
            "no sidecar drain duration is set: the last overlay on tsb-istiocontrolplane patches neither spec.meshConfig.defaultConfig.drainDuration nor terminationDrainDuration, so the sidecar waits Istio's default 5s after SIGTERM"
        } else {
            "no sidecar drain duration is set: there is no overlay on the IstioOperator tsb-istiocontrolplane in spec.components.istio.kubeSpec.overlays, so the sidecar waits Istio's default 5s after SIGTERM"
        };
        out.report(object, source.anchor.clone(), message)
            .at_key()
        .hint(format!(
            "`{}` adds the patch (the TSB guide's drainDuration 50s; add --termination-drain-duration for the SIGTERM wait)",
            cx.fix_command(object)
        ))
        .fix(cx.fix_command(object));
    }
}
