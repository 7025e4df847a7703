use super::duration_sites;
use crate::lint::context::{Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::mesh::DrainField;

declare_rule! {
    /// ## What it detects
    /// `parentShutdownDuration` set for Istio 1.17 or later (`--istio-version`).
    ///
    /// ## Why it matters
    /// Istio 1.17 removed the field (istio/api PR #2605 reserves it), so it does nothing; it
    /// often comes with the belief that it bounds the drain.
    ///
    /// ## Example
    /// ```yaml
    /// defaultConfig:
    ///   drainDuration: 45s
    ///   parentShutdownDuration: 60s
    /// ```
    ///
    /// ## Fix
    /// Remove it.
    pub struct ParentShutdownRemoved;
    code: "GD026",
    name: "parent-shutdown-removed",
    severity: Warning,
    summary: "parentShutdownDuration set for Istio 1.17 or later",
}

impl Rule for ParentShutdownRemoved {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        if cx.options.istio_version.has_parent_shutdown() {
            return;
        }
        for site in duration_sites(cx, object) {
            if site.field != DrainField::ParentShutdownDuration {
                continue;
            }
            out.report(
                object,
                site.pointer.clone(),
                format!(
                    "{} is set, but Istio {} has no such field (removed in 1.17): it does nothing",
                    super::site_label(site),
                    cx.options.istio_version
                ),
            )
            .hint("remove it");
        }
    }
}
