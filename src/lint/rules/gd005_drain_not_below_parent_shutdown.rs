use super::{duration, show};
use crate::duration::{GoDuration, SECOND};
use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::mesh::{DrainField, Place, Written};
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

fn check(
    object: &Object,
    drain: (&Written, Pointer),
    parent: Option<&Written>,
    context: &str,
    out: &mut Findings<'_>,
) {
    let Some(d) = duration(drain.0) else { return };
    let (p, shown_parent) = match parent {
        Some(w) => match duration(w) {
            Some(p) => (p, format!("parentShutdownDuration {}", show(p))),
            None => return,
        },
        None => (
            GoDuration(60 * SECOND as i64),
            "the default parentShutdownDuration 60s".to_owned(),
        ),
    };
    if d.nanos() <= 0 || d < p {
        return;
    }
    out.report(
        object,
        drain.1,
        format!(
            "drainDuration {}{context} is not below {shown_parent}: Istio 1.16 and older reject the mesh config",
            show(d)
        ),
    )
    .hint(format!(
        "lower drainDuration below {}, or set parentShutdownDuration above it (e.g. \"{}s\"); pass --istio-version if the mesh runs Istio 1.17 or later",
        show(p),
        d.whole_seconds().unwrap_or(0) + 15
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
            if let Some(drain) = &source.defaults.drain {
                let parent = source.defaults.parent.as_ref().map(|s| &s.written);
                check(
                    object,
                    (&drain.written, drain.pointer.clone()),
                    parent,
                    "",
                    out,
                );
            }
            return;
        }
        let Class::Workload(_) = &object.class else {
            return;
        };
        // A pod's proxy config is merged over the mesh's: its parent may come from either.
        let meshes = cx.mesh_sources();
        let mesh_parent = meshes
            .iter()
            .rev()
            .find_map(|(_, s)| s.defaults.parent.as_ref().map(|p| &p.written));
        for config in cx.proxy_configs(object) {
            let sites = config.sites();
            let Some(drain) = sites.iter().find(|s| s.field == DrainField::DrainDuration) else {
                continue;
            };
            let parent = sites
                .iter()
                .find(|s| s.field == DrainField::ParentShutdownDuration)
                .map(|s| &s.written)
                .or(mesh_parent);
            let context = match config.place {
                Place::ProxyConfigEnv => " in the PROXY_CONFIG env of istio-proxy",
                _ => " in the proxy.istio.io/config annotation",
            };
            check(
                object,
                (&drain.written, drain.pointer.clone()),
                parent,
                context,
                out,
            );
        }
    }
}
