use super::{duration, duration_sites, site_value};
use crate::duration::HOUR;
use crate::lint::context::{Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it detects
    /// With Istio older than 1.22 (`--istio-version`), a `drainDuration` or
    /// `parentShutdownDuration` over one hour.
    ///
    /// ## Why it matters
    /// Istio's validation caps both at 1h before 1.22 and rejects the mesh config. (Istio 1.22
    /// lifted the cap; istio/istio discussion #50477.)
    ///
    /// ## Example
    /// ```yaml
    /// - path: spec.meshConfig.defaultConfig.drainDuration
    ///   value: 2h
    /// ```
    ///
    /// ## Fix
    /// Use at most `"3600s"`; a drain that long also needs a pod grace period that long.
    pub struct DrainOverOneHour;
    code: "GD006",
    name: "drain-over-one-hour",
    severity: Error,
    summary: "drainDuration over 1h (Istio < 1.22)",
}

impl Rule for DrainOverOneHour {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        for site in duration_sites(cx, object) {
            let capped = site.field.spec().validation.one_hour_cap_before;
            if capped.is_none_or(|v| cx.options.istio_version >= v) {
                continue;
            }
            let Some(d) = duration(&site.written) else {
                continue;
            };
            if d.nanos() <= HOUR as i64 {
                continue;
            }
            out.report(
                object,
                site.pointer.clone(),
                format!(
                    "{} is over 1h: Istio {} rejects the mesh config (the cap was lifted in 1.22)",
                    site_value(site),
                    cx.options.istio_version
                ),
            )
            .hint("use at most \"3600s\", or pass --istio-version if the mesh runs Istio 1.22 or later");
        }
    }
}
