use super::{duration, duration_sites, site_value};
use crate::diagnostic::Severity;
use crate::lint::context::{Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it detects
    /// A drain duration of zero or less: `drainDuration` or `parentShutdownDuration` (an
    /// error), `terminationDrainDuration` or a gateway's `connectionDrainDuration` (a
    /// warning).
    ///
    /// ## Why it matters
    /// Istio's validation requires `drainDuration` to be at least 1ms, so the mesh config is
    /// rejected. A zero `terminationDrainDuration` or `connectionDrainDuration` is accepted but
    /// stops Envoy the moment SIGTERM arrives: every in-flight connection is cut.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   connectionDrainDuration: 0s
    /// ```
    ///
    /// ## Fix
    /// Use a positive whole number of seconds, such as `"10s"`.
    pub struct NonPositiveDrain;
    code: "GD003",
    name: "non-positive-drain",
    severity: Error,
    summary: "a drain duration of zero or less",
}

impl Rule for NonPositiveDrain {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        for site in duration_sites(cx, object) {
            let Some(d) = duration(&site.written) else {
                continue;
            };
            if d.nanos() > 0 {
                continue;
            }
            let value = site_value(site);
            // Istio validates some fields; a non-positive value of the others only stops the wait.
            if site.field.spec().validation.positive_whole_seconds {
                out.report(
                    object,
                    site.pointer.clone(),
                    format!("{value} is not positive: Istio requires at least 1ms and rejects the config"),
                )
                .hint("use a positive whole number of seconds, such as \"45s\"");
            } else {
                out.report(
                    object,
                    site.pointer.clone(),
                    format!("{value} is not positive: Envoy is stopped the moment SIGTERM arrives and in-flight connections are cut"),
                )
                .severity(Severity::Warning)
                .hint("use a positive duration below the pod's grace period, such as \"10s\"");
            }
        }
    }
}
