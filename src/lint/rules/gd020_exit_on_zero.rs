use super::{
    exact, gather_conditional, longest_prestop, report_conditional, show_seconds, shutdown_with,
};
use crate::diagnostic::Severity;
use crate::drain::Field;
use crate::istio::IstioVersion;
use crate::lint::context::{Context, Object};
use crate::lint::{DocFacts, Findings, Later, Rule, RuleMeta, StreamFacts, declare_rule};
use crate::model::shutdown::{self, EXIT_ON_ZERO, MINIMUM_DRAIN};
use crate::model::workload::{self, DEFAULT_GRACE_SECONDS};

/// Istio 1.12: pilot-agent's first release with exit-on-zero.
const EXIT_ON_ZERO_SINCE: IstioVersion = IstioVersion {
    major: 1,
    minor: 12,
};

declare_rule! {
    /// ## What it detects
    /// A workload whose sidecar exits on zero connections
    /// (`proxyMetadata.EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true"` in its proxy config), where:
    /// `terminationDrainDuration` is set too (info: it is not used on that path); the sidecar
    /// is a native one (info: exit-on-zero is skipped there); the mesh runs Istio before 1.12
    /// (warning: pilot-agent does not know the variable); or `MINIMUM_DRAIN_DURATION` (5s
    /// when unset) is at or over the pod's `terminationGracePeriodSeconds` minus its longest
    /// preStop sleep (error: SIGKILL comes before the sidecar even starts to poll).
    ///
    /// ## Why it matters
    /// On the exit-on-zero path pilot-agent waits `MINIMUM_DRAIN_DURATION`, then polls
    /// Envoy's active connections every second and exits when there are none, up to SIGKILL:
    /// `terminationDrainDuration` is not read (istio/istio#44690: "terminationDrainDuration
    /// not respected").
    ///
    /// ## Example
    /// ```yaml
    /// proxy.istio.io/config: |
    ///   terminationDrainDuration: 30s
    ///   proxyMetadata:
    ///     EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true"
    /// ```
    ///
    /// ## Fix
    /// Drop `terminationDrainDuration` (or exit-on-zero), and keep `MINIMUM_DRAIN_DURATION`
    /// well below the grace period, which bounds how long connections may last.
    pub struct ExitOnZero;
    code: "GD020",
    name: "exit-on-zero",
    severity: Error,
    summary: "exit-on-zero makes terminationDrainDuration irrelevant, or its minimum outlasts the grace period",
}

impl Rule for ExitOnZero {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Whether the workload is injected, and whether the injector's global `proxy.lifecycle`
    /// changes its path, may be decided by other documents: the findings wait for them.
    fn gather(&self, cx: &Context, object: &Object, facts: &mut DocFacts) {
        if shutdown::exits_on_zero(cx.proxy_configs(object)) {
            gather_conditional(&Self::META, cx, object, facts, injected_workload);
        }
    }

    fn check_facts(&self, facts: &StreamFacts, out: &mut Later<'_>) {
        report_conditional(&Self::META, facts, out, injected_workload);
    }
}

/// The findings about an injected workload whose proxy config asks to exit on zero
/// connections, with or without the global `proxy.lifecycle`.
fn injected_workload(
    cx: &Context,
    object: &Object,
    template: &workload::PodTemplate,
    global_lifecycle: bool,
    out: &mut Findings<'_>,
) {
    let configs = cx.proxy_configs(object);
    let Some((_, config)) = shutdown::metadata_value(configs, EXIT_ON_ZERO) else {
        return;
    };
    let at = config.pointer.clone();
    let (_, path) = shutdown_with(cx, object, template, global_lifecycle);
    if path.is_native() {
        out.report(
                object,
                at,
                format!(
                    "{} has a native sidecar, which skips exit-on-zero: it drains for drainDuration from its preStop and stops with the applications",
                    object.describe()
                ),
            )
            .severity(Severity::Info)
            .hint("drop EXIT_ON_ZERO_ACTIVE_CONNECTIONS, and size drainDuration for the applications' shutdown");
        return;
    }
    if cx.options.istio_version < EXIT_ON_ZERO_SINCE {
        out.report(
                object,
                at.clone(),
                format!(
                    "EXIT_ON_ZERO_ACTIVE_CONNECTIONS needs Istio 1.12 or later; with Istio {} pilot-agent ignores it and waits terminationDrainDuration",
                    cx.options.istio_version
                ),
            )
            .severity(Severity::Warning)
            .hint("pass --istio-version if the mesh runs 1.12 or later, or set terminationDrainDuration instead");
    }
    if let Some((_, holder)) = shutdown::field_value(configs, Field::TerminationDrainDuration) {
        out.report(
                object,
                holder.pointer.clone(),
                format!(
                    "{} exits on zero connections, so its terminationDrainDuration is not used: the sidecar waits MINIMUM_DRAIN_DURATION, then until its last connection closes",
                    object.describe()
                ),
            )
            .severity(Severity::Info)
            .hint("drop terminationDrainDuration (or EXIT_ON_ZERO_ACTIVE_CONNECTIONS) so the config says what runs");
    }
    let tree = cx.tree(object);
    let minimum = shutdown::metadata_value(configs, MINIMUM_DRAIN);
    let seconds = match minimum {
        Some((v, _)) => match shutdown::value_seconds(v) {
            Some(s) => s,
            None => return,
        },
        None => Field::MinimumDrainDuration.spec().default_secs as f64,
    };
    let grace = workload::grace_period(tree, template);
    let grace_seconds = match &grace {
        Some(g) => match g.seconds {
            Some(s) => s as f64,
            None => return,
        },
        None => DEFAULT_GRACE_SECONDS as f64,
    };
    let prestop = longest_prestop(tree, cx.containers(object)).map_or(0.0, |p| p.0);
    let budget = grace_seconds - prestop;
    if seconds < budget {
        return;
    }
    let at = minimum.map_or(at, |(_, c)| c.pointer.clone());
    let shown = crate::duration::GoDuration((seconds * 1e9) as i64);
    out.report(
            object,
            at,
            format!(
                "{} waits MINIMUM_DRAIN_DURATION {} before it polls for zero connections, but its grace period leaves {}: kubelet kills the pod first",
                object.describe(),
                exact(shown),
                show_seconds(budget.max(0.0))
            ),
        )
        .hint(format!(
            "lower MINIMUM_DRAIN_DURATION, or raise terminationGracePeriodSeconds above {}",
            show_seconds(seconds + prestop)
        ));
}
