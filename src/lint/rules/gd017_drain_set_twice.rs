use crate::lint::facts::MeshFact;
use crate::lint::{Later, Rule, RuleMeta, StreamFacts, declare_rule};
use crate::model::mesh::DrainField;

declare_rule! {
    /// ## What it detects
    /// The same sidecar drain key (`drainDuration`, `terminationDrainDuration`) set by more
    /// than one ControlPlane in one check: two ControlPlane CRs, or a ControlPlane CR and the
    /// control plane Helm values.
    ///
    /// ## Why it matters
    /// A cluster has one ControlPlane: whichever is applied last wins, and the other value is
    /// silently lost. When the two differ, which one is live depends on the order of deploys.
    ///
    /// ## Example
    /// Helm values setting `drainDuration: 50s` while a ControlPlane manifest in the same
    /// repository sets `drainDuration: 30s`.
    ///
    /// ## Fix
    /// Set the drain in one place (the Helm values when the control plane is installed with
    /// Helm), or suppress the finding for ControlPlanes of different clusters.
    pub struct DrainSetTwice;
    code: "GD017",
    name: "drain-set-twice",
    severity: Warning,
    summary: "a sidecar drain key set by more than one ControlPlane",
}

impl Rule for DrainSetTwice {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_facts(&self, facts: &StreamFacts, out: &mut Later<'_>) {
        let sources: Vec<_> = facts.meshes.iter().filter(|m| m.control_plane).collect();
        for field in [
            DrainField::DrainDuration,
            DrainField::TerminationDrainDuration,
        ] {
            let setters: Vec<_> = sources
                .iter()
                .filter_map(|m| Some((*m, m.source.defaults.get(field)?)))
                .collect();
            let Some(((first, first_setting), rest)) = setters.split_first() else {
                continue;
            };
            for (mesh, setting) in rest {
                let values = match (first_setting.written.text(), setting.written.text()) {
                    (Some(a), Some(b)) if a != b => format!(" ({b} here, {a} there)"),
                    _ => String::new(),
                };
                report_at_setting(
                    out,
                    mesh,
                    field,
                    format!(
                        "{} is also set by {} in {}{values}: whichever is applied last wins",
                        field.name(),
                        first.describe,
                        first.file
                    ),
                    "set the sidecar drain in one place, or suppress this for ControlPlanes of different clusters",
                );
            }
        }
    }
}

/// A finding about a mesh config, at its setting of `field`.
pub(crate) fn report_at_setting(
    out: &mut Later<'_>,
    mesh: &MeshFact,
    field: DrainField,
    message: String,
    hint: &'static str,
) {
    out.about(mesh.spot, move |cx, object, out| {
        let setting = cx.mesh_source(object).and_then(|s| s.defaults.get(field));
        if let Some(setting) = setting {
            out.report(object, setting.pointer.clone(), message)
                .hint(hint);
        }
    });
}
