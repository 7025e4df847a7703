use crate::lint::context::{Class, Context};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
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

    fn check_all(&self, cx: &Context, out: &mut Findings<'_>) {
        let sources: Vec<_> = cx
            .mesh_sources()
            .into_iter()
            .filter(|(o, _)| matches!(o.class, Class::ControlPlane { .. }))
            .collect();
        for field in [
            DrainField::DrainDuration,
            DrainField::TerminationDrainDuration,
        ] {
            let setters: Vec<_> = sources
                .iter()
                .filter_map(|(o, s)| Some((*o, s.defaults.get(field)?)))
                .collect();
            let Some(((first, first_setting), rest)) = setters.split_first() else {
                continue;
            };
            let first_file = cx.input(first).map_or("", |i| i.name.as_str());
            for (object, setting) in rest {
                let values = match (first_setting.written.text(), setting.written.text()) {
                    (Some(a), Some(b)) if a != b => format!(" ({b} here, {a} there)"),
                    _ => String::new(),
                };
                out.report(
                    object,
                    setting.pointer.clone(),
                    format!(
                        "{} is also set by {} in {first_file}{values}: whichever is applied last wins",
                        field.name(),
                        first.describe()
                    ),
                )
                .hint("set the sidecar drain in one place, or suppress this for ControlPlanes of different clusters");
            }
        }
    }
}
