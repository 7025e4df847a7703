use super::gd017_drain_set_twice::report_at_setting;
use super::{duration, exact, seconds};
use crate::lint::{Later, Rule, RuleMeta, StreamFacts, declare_rule};
use crate::model::mesh::DrainField;
use crate::model::workload::DEFAULT_GRACE_SECONDS;

declare_rule! {
    /// ## What it detects
    /// A mesh config (ControlPlane, IstioOperator, mesh config) whose `terminationDrainDuration`
    /// is at or over Kubernetes' default grace period (30s), while no workload in the input
    /// raises its `terminationGracePeriodSeconds` above that wait.
    ///
    /// ## Why it matters
    /// Every pod that keeps the default grace period is killed before its sidecar's wait
    /// ends: the mesh-wide setting promises a drain that no default pod can get. GD007 says so
    /// for each workload in the input; this rule says it once for the mesh, which matters when
    /// the workloads are deployed from elsewhere.
    ///
    /// ## Example
    /// ```yaml
    /// - path: spec.meshConfig.defaultConfig.terminationDrainDuration
    ///   value: 45s
    /// ```
    ///
    /// ## Fix
    /// Keep the mesh's wait below 30s and raise it per workload (meshdrain's workload rules
    /// raise the grace periods with it), or raise the workloads' grace periods.
    pub struct MeshDrainOutlastsDefaultGrace;
    code: "GD030",
    name: "mesh-drain-outlasts-default-grace",
    severity: Warning,
    summary: "the mesh's terminationDrainDuration is at or over the default 30s grace period",
}

impl Rule for MeshDrainOutlastsDefaultGrace {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_facts(&self, facts: &StreamFacts, out: &mut Later<'_>) {
        // The longest grace period a workload in the input sets.
        let longest = facts
            .workloads
            .iter()
            .filter_map(|w| w.grace.flatten())
            .max();
        for mesh in &facts.meshes {
            let field = DrainField::TerminationDrainDuration;
            let Some(setting) = mesh.source.defaults.get(field) else {
                continue;
            };
            let Some(wait) = duration(&setting.written) else {
                continue;
            };
            let wait_seconds = seconds(wait);
            if wait_seconds < DEFAULT_GRACE_SECONDS as f64 {
                continue;
            }
            if longest.is_some_and(|s| s as f64 > wait_seconds) {
                continue;
            }
            report_at_setting(
                out,
                mesh,
                field,
                format!(
                    "the mesh's terminationDrainDuration is {} ({}), at or over Kubernetes' default grace period of {DEFAULT_GRACE_SECONDS}s, and no workload in the input raises its terminationGracePeriodSeconds above it: pods with the default are killed before the drain ends",
                    exact(wait),
                    mesh.describe
                ),
                "keep the mesh's terminationDrainDuration below 30s, or raise the workloads' grace periods (meshdrain's workload rules do it)",
            );
        }
    }
}
