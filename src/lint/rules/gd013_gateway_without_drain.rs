use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::mesh::DrainField;

declare_rule! {
    /// ## What it detects
    /// A TSB gateway install CR (`install.tetrate.io` IngressGateway, EgressGateway,
    /// Tier1Gateway, or the unified Gateway) without `spec.connectionDrainDuration`.
    ///
    /// ## Why it matters
    /// The gateway then drains for the default of about 5s on shutdown: connections still in
    /// flight after that are cut on every rollout and scale-down. The TSB guide sets it on
    /// every gateway.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: install.tetrate.io/v1alpha1
    /// kind: IngressGateway
    /// metadata: {name: edge, namespace: edge}
    /// spec:
    ///   kubeSpec:
    ///     service: {type: LoadBalancer}
    /// ```
    ///
    /// ## Fix
    /// `meshdrain render` sets it, on the unified Gateway of TSB 1.9+ as on the legacy kinds.
    pub struct GatewayWithoutDrain;
    code: "GD013",
    name: "gateway-without-drain",
    severity: Warning,
    summary: "a TSB gateway without connectionDrainDuration",
}

impl Rule for GatewayWithoutDrain {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        let Class::InstallGateway(_) = object.class else {
            return;
        };
        let tree = cx.tree(object);
        let field = DrainField::ConnectionDrainDuration.name();
        let set = tree
            .get_path(object.resource.node, &["spec", field])
            .and_then(|n| tree.node(n))
            .is_some_and(|n| !n.is_null());
        if set {
            return;
        }
        let hint = "`meshdrain render` sets it (the TSB guide uses 10s; keep it below the gateway pods' grace period)";
        out.report(
            object,
            object.pointer().key("spec").key(field),
            format!(
                "{} has no spec.{field}: the gateway drains for only about 5s on shutdown",
                object.describe()
            ),
        )
        .hint(hint)
        .fix("meshdrain render");
    }
}
