use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it detects
    /// A `gateway.tsb.tetrate.io` IngressGateway, EgressGateway, Tier1Gateway or Gateway (TSB's
    /// routing config API) carrying install fields: `spec.connectionDrainDuration` or
    /// `spec.kubeSpec`.
    ///
    /// ## Why it matters
    /// The kinds share names with the `install.tetrate.io` gateway install CRs, but only those
    /// deploy gateways. On the routing kind the fields are unknown and ignored: the drain
    /// setting never reaches a gateway.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: gateway.tsb.tetrate.io/v2
    /// kind: IngressGateway
    /// spec:
    ///   connectionDrainDuration: 10s
    /// ```
    ///
    /// ## Fix
    /// Move the field to the `install.tetrate.io/v1alpha1` CR of the same kind that deploys
    /// the gateway.
    pub struct InstallFieldsOnRoutingGateway;
    code: "GD016",
    name: "install-fields-on-routing-gateway",
    severity: Error,
    summary: "install fields on a gateway.tsb.tetrate.io routing resource",
}

impl Rule for InstallFieldsOnRoutingGateway {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        if object.class != Class::RoutingGateway {
            return;
        }
        let tree = cx.tree(object);
        let Some(spec) = tree.get(object.resource.node, "spec") else {
            return;
        };
        for field in ["connectionDrainDuration", "kubeSpec"] {
            if tree.get(spec, field).is_none() {
                continue;
            }
            let kind = &object.resource.reference.kind;
            out.report(
                object,
                object.pointer().key("spec").key(field),
                format!(
                    "{} is {}, TSB's routing config: spec.{field} is an install field and is ignored here",
                    object.describe(),
                    object.resource.reference.api_version
                ),
            )
            .at_key()
            .hint(format!(
                "set it on the install.tetrate.io/v1alpha1 {kind} that deploys this gateway"
            ));
        }
    }
}
