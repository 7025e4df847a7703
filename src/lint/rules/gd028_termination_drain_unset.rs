use crate::lint::context::{Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::mesh::DrainField;

declare_rule! {
    /// ## What it detects
    /// A mesh config (ControlPlane, control plane values, IstioOperator, mesh config) that
    /// sets `drainDuration` but leaves `terminationDrainDuration` at its default.
    ///
    /// ## Why it matters
    /// By Istio's source, on SIGTERM pilot-agent starts the drain and then sleeps
    /// `terminationDrainDuration` (5s by default) before it stops Envoy; `drainDuration` is
    /// only Envoy's drain window. So `drainDuration` alone, as the TSB guide sets it, may not
    /// keep the sidecar alive any longer. TSB's 1.5 docs switched to
    /// `terminationDrainDuration`.
    ///
    /// ## Example
    /// ```yaml
    /// patches:
    /// - path: spec.meshConfig.defaultConfig.drainDuration
    ///   value: 50s
    /// ```
    ///
    /// ## Fix
    /// Also set `terminationDrainDuration` below the pods' grace period:
    /// `meshdrain render --termination-drain-duration 25s` (or `meshdrain values -i`).
    pub struct TerminationDrainUnset;
    code: "GD028",
    name: "termination-drain-unset",
    severity: Warning,
    summary: "drainDuration set but terminationDrainDuration left at 5s",
}

impl Rule for TerminationDrainUnset {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        let Some(source) = cx.mesh_source(object) else {
            return;
        };
        let (Some(drain), None) = (
            source.defaults.get(DrainField::DrainDuration),
            source.defaults.get(DrainField::TerminationDrainDuration),
        ) else {
            return;
        };
        let command = match object.class {
            crate::lint::Class::ControlPlane { .. } | crate::lint::Class::IstiodValues => {
                format!(
                    "{} --termination-drain-duration 25s",
                    cx.fix_command(object)
                )
            }
            _ => String::new(),
        };
        let finding = out.report(
            object,
            drain.pointer.clone(),
            "drainDuration is set but terminationDrainDuration is not: by Istio's source the sidecar waits terminationDrainDuration (5s) after SIGTERM, so drainDuration alone may not delay its exit",
        );
        if command.is_empty() {
            finding.hint(
                "also set terminationDrainDuration, below the pods' terminationGracePeriodSeconds",
            );
        } else {
            finding
                .hint(format!(
                    "also set terminationDrainDuration below the pods' grace period: `{command}`"
                ))
                .fix(command);
        }
    }
}
