use super::{duration, exact, seconds};
use crate::lint::context::{Class, Context, Object};
use crate::lint::facts::ParentCheck;
use crate::lint::{DocFacts, Findings, Later, Rule, RuleMeta, StreamFacts, declare_rule};
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

/// Why `drain` is not below `parent` (either may be unset: the default applies), with a
/// hint; `context` says where they sit.
fn judge(
    drain: Option<&Written>,
    parent: Option<&Written>,
    context: &str,
) -> Option<(String, String)> {
    let side = |side: Option<&Written>, field: DrainField| {
        let spec = field.spec();
        match side {
            Some(w) => duration(w).map(|d| (d, format!("{} {}", spec.name, exact(d)))),
            None => Some((
                spec.default_duration(),
                format!("the default {} {}s", spec.name, spec.default_secs),
            )),
        }
    };
    let (Some((d, shown_drain)), Some((p, shown_parent))) = (
        side(drain, DrainField::DrainDuration),
        side(parent, DrainField::ParentShutdownDuration),
    ) else {
        return None;
    };
    if d.nanos() <= 0 || p.nanos() <= 0 || d < p {
        return None;
    }
    let above = seconds(d).floor() as i64 + 15;
    Some((
        format!(
            "{shown_drain}{context} is not below {shown_parent}: Istio 1.16 and older reject the mesh config"
        ),
        format!(
            "keep drainDuration below parentShutdownDuration: lower drainDuration, or set parentShutdownDuration to e.g. \"{above}s\"; pass --istio-version if the mesh runs Istio 1.17 or later"
        ),
    ))
}

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
    if let Some((message, hint)) = judge(
        drain.as_ref().map(|(w, _)| *w),
        parent.as_ref().map(|(w, _)| *w),
        context,
    ) {
        out.report(object, at, message).hint(hint);
    }
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
        }
    }

    /// A pod's proxy config is merged over the mesh's: its parent may come from a mesh config
    /// in another document.
    fn gather(&self, cx: &Context, object: &Object, facts: &mut DocFacts) {
        if !cx.options.istio_version.has_parent_shutdown()
            || cx.mesh_source(object).is_some()
            || !matches!(object.class, Class::Workload(_))
        {
            return;
        }
        for (index, config) in cx.proxy_configs(object).iter().enumerate() {
            let sites = config.sites();
            let Some(drain) = sites.iter().find(|s| s.field == DrainField::DrainDuration) else {
                continue;
            };
            let parent = sites
                .iter()
                .find(|s| s.field == DrainField::ParentShutdownDuration)
                .map(|s| s.written.clone());
            facts.parent_checks.push(ParentCheck {
                spot: facts.spot(object),
                config: index,
                drain: drain.written.clone(),
                parent,
                context: match config.place {
                    Place::ProxyConfigEnv => " in the PROXY_CONFIG env of istio-proxy",
                    _ => " in the proxy.istio.io/config annotation",
                },
            });
        }
    }

    fn check_facts(&self, facts: &StreamFacts, out: &mut Later<'_>) {
        if !facts.options.istio_version.has_parent_shutdown() {
            return;
        }
        let mesh_parent = facts.meshes.iter().rev().find_map(|m| {
            m.source
                .defaults
                .get(DrainField::ParentShutdownDuration)
                .map(|p| &p.written)
        });
        for c in &facts.parent_checks {
            let parent = c.parent.as_ref().or(mesh_parent);
            let Some((message, hint)) = judge(Some(&c.drain), parent, c.context) else {
                continue;
            };
            let config = c.config;
            out.about_object(c.spot, move |cx, object, out| {
                let drain = cx.proxy_configs(object).get(config).and_then(|c| {
                    c.sites()
                        .into_iter()
                        .find(|s| s.field == DrainField::DrainDuration)
                });
                if let Some(drain) = drain {
                    out.report(object, drain.pointer, message).hint(hint);
                }
            });
        }
    }
}
