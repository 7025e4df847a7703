use super::{duration, duration_sites, exact, site_value};
use crate::lint::context::{Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it detects
    /// A `drainDuration` or `parentShutdownDuration` that is not a whole number of seconds
    /// (`1.5s`, `1500ms`; `2000ms` is fine).
    ///
    /// ## Why it matters
    /// Istio's validation says "drain time only supports durations to seconds precision" and
    /// rejects the mesh config (Envoy's `--drain-time-s` takes whole seconds).
    ///
    /// ## Example
    /// ```yaml
    /// - path: spec.meshConfig.defaultConfig.drainDuration
    ///   value: 1500ms
    /// ```
    ///
    /// ## Fix
    /// Round to whole seconds: `"2s"`.
    pub struct FractionalDrain;
    code: "GD004",
    name: "fractional-drain",
    severity: Error,
    summary: "a drainDuration that is not whole seconds",
}

impl Rule for FractionalDrain {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        for site in duration_sites(cx, object) {
            if !site.field.spec().validation.positive_whole_seconds {
                continue;
            }
            let Some(d) = duration(&site.written) else {
                continue;
            };
            if d.nanos() <= 0 || d.whole_seconds().is_some() {
                continue;
            }
            let rounded = d.nanos().saturating_add(500_000_000) / 1_000_000_000;
            out.report(
                object,
                site.pointer.clone(),
                format!(
                    "{} ({}) is not a whole number of seconds: Istio only accepts seconds precision and rejects the config",
                    site_value(site),
                    exact(d)
                ),
            )
            .hint(format!("round it to whole seconds, e.g. \"{}s\"", rounded.max(1)));
        }
    }
}
