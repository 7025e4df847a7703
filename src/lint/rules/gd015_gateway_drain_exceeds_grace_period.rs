use super::gd014_inconsistent_drain::report_at_drain;
use super::{exact, seconds, show_seconds};
use crate::lint::facts::GatewayFact;
use crate::lint::{Later, Rule, RuleMeta, StreamFacts, declare_rule};
use crate::model::workload::DEFAULT_GRACE_SECONDS;

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

impl Rule for GatewayDrainExceedsGracePeriod {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_facts(&self, facts: &StreamFacts, out: &mut Later<'_>) {
        for gateway in &facts.gateways {
            // The rendered gateway Deployment in the input, by namespace and name.
            let deployment = facts.deployments.get(&gateway.key);
            check_gateway(facts, gateway, deployment, out);
        }
    }
}

fn check_gateway(
    facts: &StreamFacts,
    gateway: &GatewayFact,
    deployment: Option<&Option<usize>>,
    out: &mut Later<'_>,
) {
    let drain = gateway.drain;
    // A preStop sleep set by the gateway's own Deployment overlay counts like one in the
    // rendered Deployment.
    let mut prestop = gateway.overlay_prestop.clone();
    let (grace, from) = if let Some(g) = gateway.overlay_grace {
        (g, "its kubeSpec.overlays patch".to_owned())
    } else if let Some(Some(d)) = deployment
        && let Some(d) = facts.workloads.get(*d)
    {
        prestop = d.prestop.clone().or(prestop);
        match d.grace {
            Some(Some(s)) => (s, d.describe.clone()),
            Some(None) => return,
            None => (
                DEFAULT_GRACE_SECONDS,
                format!("{}, which leaves it unset", d.describe),
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
    report_at_drain(
        out,
        gateway,
        format!(
            "{} drains connections for {}, but its pods get terminationGracePeriodSeconds {grace}s ({from}){sleep}: kubelet kills them before the drain ends",
            gateway.describe,
            exact(drain)
        ),
        format!(
            "shorten connectionDrainDuration below {}, or raise the grace period with a kubeSpec.overlays patch of spec.template.spec.terminationGracePeriodSeconds on the gateway's Deployment",
            show_seconds(budget.max(0.0))
        ),
    );
}
