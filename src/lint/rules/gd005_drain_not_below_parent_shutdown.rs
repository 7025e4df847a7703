use super::{duration, exact, seconds};
use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::mesh::{DrainField, Place, Setting, Written};
use crate::patch::Pointer;

declare_rule! {
    /// ## What it detects
    /// With Istio 1.16 or older (`--istio-version`), a `drainDuration` that is not below
    /// `parentShutdownDuration` (60s when unset), in a mesh config or a pod's proxy config.
    ///
    /// ## Why it matters
    /// Istio's validation ("parent shutdown time must be greater than drain time") rejects the
    /// mesh config. The TSB guide's 50s is fine; 60s or more without raising
    /// `parentShutdownDuration` is not. Istio 1.17 removed `parentShutdownDuration`.
    ///
    /// ## Example
    /// ```yaml
    /// - path: spec.meshConfig.defaultConfig.drainDuration
    ///   value: 90s
    /// ```
    ///
    /// ## Fix
    /// Lower `drainDuration`, or add a `spec.meshConfig.defaultConfig.parentShutdownDuration`
    /// patch above it (whole seconds, at most 1h).
    pub struct DrainNotBelowParentShutdown;
    code: "GD005",
    name: "drain-not-below-parent-shutdown",
    severity: Error,
    summary: "drainDuration not below parentShutdownDuration (Istio ≤ 1.16)",
}

/// One of the two settings: written (with where), or Istio's default.
type Side<'a> = Option<(&'a Written, Pointer)>;

/// Checks a drain/parent pair; either may be Istio's default, not both.
fn check(
    object: &Object,
    drain: Side<'_>,
    parent: Side<'_>,
    context: &str,
    out: &mut Findings<'_>,
) {
    let at = match (&drain, &parent) {
        (Some((_, p)), _) | (None, Some((_, p))) => p.clone(),
        (None, None) => return,
    };
    let side = |side: &Side<'_>, field: DrainField| {
        let spec = field.spec();
        match side {
            Some((w, _)) => duration(w).map(|d| (d, format!("{} {}", spec.name, exact(d)))),
            None => Some((
                spec.default_duration(),
                format!("the default {} {}s", spec.name, spec.default_secs),
            )),
        }
    };
    let (Some((d, shown_drain)), Some((p, shown_parent))) = (
        side(&drain, DrainField::DrainDuration),
        side(&parent, DrainField::ParentShutdownDuration),
    ) else {
        return;
    };
    if d.nanos() <= 0 || p.nanos() <= 0 || d < p {
        return;
    }
    let above = seconds(d).floor() as i64 + 15;
    out.report(
        object,
        at,
        format!(
            "{shown_drain}{context} is not below {shown_parent}: Istio 1.16 and older reject the mesh config"
        ),
    )
    .hint(format!(
        "keep drainDuration below parentShutdownDuration: lower drainDuration, or set parentShutdownDuration to e.g. \"{above}s\"; pass --istio-version if the mesh runs Istio 1.17 or later"
    ));
}

impl Rule for DrainNotBelowParentShutdown {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        if !cx.options.istio_version.has_parent_shutdown() {
            return;
        }
        if let Some(source) = cx.mesh_source(object) {
            fn side(s: Option<&Setting>) -> Side<'_> {
                s.map(|s| (&s.written, s.pointer.clone()))
            }
            let (drain, parent) = (
                side(source.defaults.get(DrainField::DrainDuration)),
                side(source.defaults.get(DrainField::ParentShutdownDuration)),
            );
            check(object, drain, parent, "", out);
            return;
        }
        let Class::Workload(_) = &object.class else {
            return;
        };
        // A pod's proxy config is merged over the mesh's: its parent may come from either.
        let meshes = cx.mesh_sources();
        let mesh_parent = meshes.iter().rev().find_map(|(_, s)| {
            s.defaults
                .get(DrainField::ParentShutdownDuration)
                .map(|p| (&p.written, p.pointer.clone()))
        });
        for config in cx.proxy_configs(object) {
            let sites = config.sites();
            let Some(drain) = sites.iter().find(|s| s.field == DrainField::DrainDuration) else {
                continue;
            };
            let parent = sites
                .iter()
                .find(|s| s.field == DrainField::ParentShutdownDuration)
                .map(|s| (&s.written, s.pointer.clone()))
                .or_else(|| mesh_parent.clone());
            let context = match config.place {
                Place::ProxyConfigEnv => " in the PROXY_CONFIG env of istio-proxy",
                _ => " in the proxy.istio.io/config annotation",
            };
            check(
                object,
                Some((&drain.written, drain.pointer.clone())),
                parent,
                context,
                out,
            );
        }
    }
}
