//! How a pod's sidecar shuts down, by Istio's source: which path applies and so which setting
//! decides how long the sidecar outlives SIGTERM. Render (grace periods), the linter (GD007,
//! GD020, GD021) and `explain --resource` (the timeline) all read this one model.
//!
//! - **Classic sidecar**: SIGTERM reaches every container at once (after its own preStop);
//!   pilot-agent drains Envoy and sleeps `terminationDrainDuration`, then stops it.
//! - **Exit on zero connections** (`EXIT_ON_ZERO_ACTIVE_CONNECTIONS`, Istio 1.12+, classic
//!   only): pilot-agent waits `MINIMUM_DRAIN_DURATION`, then until the last connection closes,
//!   up to SIGKILL; `terminationDrainDuration` is not used.
//! - **Native sidecar** (Kubernetes sidecar containers: `istio-proxy` as an init container
//!   with `restartPolicy: Always`, Istio's `ENABLE_NATIVE_SIDECARS` or the pod annotation
//!   `sidecar.istio.io/nativeSidecar`): the application containers stop first; the injected
//!   preStop (`pilot-agent request POST drain`) drains Envoy for `drainDuration` from the
//!   start; from Istio 1.21 pilot-agent exits on its SIGTERM (after the applications) without
//!   the `terminationDrainDuration` wait (1.19 and 1.20 still slept it), and exit-on-zero is
//!   skipped. Without that preStop (a global `proxy.lifecycle` replaces the injected hooks)
//!   the classic path applies.

use std::fmt;

use serde_json::Value;

use crate::document::{NodeKind, Tree};
use crate::drain::Field;
use crate::istio::IstioVersion;
use saphyr_parser::ScalarStyle;

use super::workload::{Container, PodTemplate, ProxyConfig, SIDECAR_CONTAINER, meta_value};

/// The pod annotation that turns native sidecars on or off for one pod.
pub const NATIVE_SIDECAR_ANNOTATION: &str = "sidecar.istio.io/nativeSidecar";

/// Istio 1.21: pilot-agent stops sleeping terminationDrainDuration on a native sidecar.
const NATIVE_EXITS_AT_ONCE: IstioVersion = IstioVersion {
    major: 1,
    minor: 21,
};

/// What decides a path besides the pod itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeshFacts {
    /// Istio injects native sidecars mesh-wide (`ENABLE_NATIVE_SIDECARS`: off until 1.26,
    /// `auto` from 1.27 for kubelets 1.33+, which the manifests cannot tell).
    pub native_sidecars: bool,
    /// The injector's `values.global.proxy.lifecycle` is set: it replaces the injected
    /// preStop (and the hold-application postStart).
    pub global_lifecycle: bool,
}

/// How the sidecar of a pod shuts down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownPath {
    /// SIGTERM at once; pilot-agent waits `terminationDrainDuration`.
    Classic,
    /// Classic, exiting on zero connections after `MINIMUM_DRAIN_DURATION`.
    ExitOnZero,
    /// Native sidecar, Istio 1.21+: drains for `drainDuration` from the preStop, exits on
    /// SIGTERM after the applications.
    Native,
    /// Native sidecar before Istio 1.21: also sleeps `terminationDrainDuration` after its
    /// SIGTERM, which comes after the applications have stopped.
    NativeSleeps,
}

impl ShutdownPath {
    /// Whether `terminationDrainDuration` is the sidecar's wait on this path.
    pub fn waits_termination_drain(self) -> bool {
        matches!(self, ShutdownPath::Classic | ShutdownPath::NativeSleeps)
    }

    pub fn is_native(self) -> bool {
        matches!(self, ShutdownPath::Native | ShutdownPath::NativeSleeps)
    }

    pub fn name(self) -> &'static str {
        match self {
            ShutdownPath::Classic => "classic sidecar",
            ShutdownPath::ExitOnZero => "classic sidecar, exit on zero connections",
            ShutdownPath::Native => "native sidecar (Istio 1.21+)",
            ShutdownPath::NativeSleeps => "native sidecar (Istio 1.19/1.20)",
        }
    }
}

impl fmt::Display for ShutdownPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a pod's sidecar is a native one, and whether it has Istio's drain preStop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SidecarKind {
    pub native: bool,
    /// The injected `pilot-agent request POST drain` preStop is (or will be) there.
    pub drain_prestop: bool,
    /// Why, for messages.
    pub why: String,
}

/// The words of a container's exec preStop command.
fn prestop_words<'t>(tree: &'t Tree, container: &Container) -> Vec<&'t str> {
    tree.get_path(container.node, &["lifecycle", "preStop", "exec", "command"])
        .map(|c| {
            tree.items(c)
                .iter()
                .filter_map(|&w| tree.node(w)?.as_str())
                .flat_map(str::split_whitespace)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a container's preStop is Istio's drain request (`pilot-agent request POST drain`).
pub fn has_drain_prestop(tree: &Tree, container: &Container) -> bool {
    let words = prestop_words(tree, container);
    words.iter().any(|w| w.ends_with("pilot-agent")) && words.contains(&"drain")
}

/// The sidecar kind of a pod template with a sidecar.
pub fn sidecar_kind(
    tree: &Tree,
    pod: &PodTemplate,
    containers: &[Container],
    mesh: MeshFacts,
) -> SidecarKind {
    if let Some(proxy) = containers
        .iter()
        .find(|c| c.name.as_deref() == Some(SIDECAR_CONTAINER))
    {
        let always = tree
            .get(proxy.node, "restartPolicy")
            .and_then(|n| tree.node(n)?.as_str())
            == Some("Always");
        if proxy.init && always {
            let drain = has_drain_prestop(tree, proxy);
            return SidecarKind {
                native: true,
                drain_prestop: drain,
                why: if drain {
                    "istio-proxy is an init container with restartPolicy: Always and Istio's drain preStop".to_owned()
                } else {
                    "istio-proxy is an init container with restartPolicy: Always, without Istio's drain preStop".to_owned()
                },
            };
        }
        return SidecarKind {
            native: false,
            drain_prestop: false,
            why: "istio-proxy is a regular container of the pod spec".to_owned(),
        };
    }
    let annotation =
        meta_value(tree, pod.metadata, "annotations", NATIVE_SIDECAR_ANNOTATION).map(|(_, v)| v);
    let (native, why) = match annotation {
        Some(v) if v.eq_ignore_ascii_case("true") => (
            true,
            format!("its pods are annotated {NATIVE_SIDECAR_ANNOTATION}: \"true\""),
        ),
        Some(v) if v.eq_ignore_ascii_case("false") => (
            false,
            format!("its pods are annotated {NATIVE_SIDECAR_ANNOTATION}: \"false\""),
        ),
        _ if mesh.native_sidecars => (
            true,
            "the mesh injects native sidecars (--native-sidecars)".to_owned(),
        ),
        _ => (false, "Istio injects a classic sidecar".to_owned()),
    };
    SidecarKind {
        native,
        drain_prestop: native && !mesh.global_lifecycle,
        why: if native && mesh.global_lifecycle {
            format!("{why}, but the injector's global proxy.lifecycle replaces its drain preStop")
        } else {
            why
        },
    }
}

/// The path a sidecar takes.
pub fn shutdown_path(kind: &SidecarKind, exit_on_zero: bool, istio: IstioVersion) -> ShutdownPath {
    match (kind.native && kind.drain_prestop, exit_on_zero) {
        (true, _) if istio >= NATIVE_EXITS_AT_ONCE => ShutdownPath::Native,
        (true, _) => ShutdownPath::NativeSleeps,
        (false, true) => ShutdownPath::ExitOnZero,
        (false, false) => ShutdownPath::Classic,
    }
}

/// Where the injector's `global.proxy.lifecycle` is set: an IstioOperator's `spec.values`,
/// or a patch of it in a ControlPlane's `tsb-istiocontrolplane` overlays (the path itself or
/// an ancestor whose value holds it).
const LIFECYCLE: [&str; 5] = ["values", "global", "proxy", "lifecycle", ""];

/// Whether an IstioOperator (`kind` "IstioOperator"), a TSB ControlPlane ("ControlPlane") or
/// istiod Helm values ("IstiodValues") set the injector's global `proxy.lifecycle`, which
/// replaces the injected preStop and postStart.
pub fn sets_global_lifecycle(tree: &Tree, node: crate::document::NodeId, kind: &str) -> bool {
    let keys: Vec<&str> = LIFECYCLE
        .iter()
        .copied()
        .filter(|k| !k.is_empty())
        .collect();
    // The injection template's `{{- if .Values.global.proxy.lifecycle }}`: Go templates take
    // an empty map (the chart's default `lifecycle: {}`), list or string, null and false as
    // unset.
    let set = |n: Option<crate::document::NodeId>| {
        n.and_then(|n| tree.node(n)).is_some_and(|n| match &n.kind {
            NodeKind::Mapping { entries, .. } => !entries.is_empty(),
            NodeKind::Sequence { items, .. } => !items.is_empty(),
            NodeKind::Scalar {
                value,
                style: ScalarStyle::Plain,
            } => !(n.is_null() || matches!(value.as_str(), "false" | "False" | "FALSE" | "0")),
            NodeKind::Scalar { value, .. } => !value.is_empty(),
            NodeKind::Alias { .. } => true,
        })
    };
    match kind {
        "IstiodValues" => set(tree.get_path(node, keys.get(1..).unwrap_or_default())),
        "IstioOperator" => tree
            .get(node, "spec")
            .is_some_and(|spec| set(tree.get_path(spec, &keys))),
        "ControlPlane" => {
            let Some(overlays) = tree.get_path(node, &super::mesh::ISTIO_OVERLAYS) else {
                return false;
            };
            let field: Vec<String> = std::iter::once("spec")
                .chain(keys.iter().copied())
                .map(str::to_owned)
                .collect();
            // Only the last overlay for the IstioOperator applies.
            super::effective_overlay(tree, overlays)
                .and_then(|(_, o)| tree.get(o, "patches"))
                .is_some_and(|patches| match super::field_patch(tree, patches, &field) {
                    super::FieldPatch::None => false,
                    super::FieldPatch::Exact { patch, .. } => set(tree.get(patch, "value")),
                    super::FieldPatch::Ancestor { patch, rest, .. } => {
                        let value = rest
                            .iter()
                            .try_fold(tree.get(patch, "value"), |n, k| Some(tree.get(n?, k)))
                            .flatten();
                        set(value)
                    }
                })
        }
        _ => false,
    }
}

/// pilot-agent's switch for the exit-on-zero path (a `proxyMetadata` entry).
pub const EXIT_ON_ZERO: &str = "EXIT_ON_ZERO_ACTIVE_CONNECTIONS";
/// The wait before pilot-agent polls for zero connections (a `proxyMetadata` entry).
pub const MINIMUM_DRAIN: &str = "MINIMUM_DRAIN_DURATION";
/// ProxyConfig's map of pilot-agent environment variables, in both spellings.
pub const PROXY_METADATA: [&str; 2] = ["proxyMetadata", "proxy_metadata"];

/// A top-level ProxyConfig field as the agent sees it: of the payloads (the annotation, then
/// the `PROXY_CONFIG` env), the last that sets it wins.
pub fn field_value(configs: &[ProxyConfig], field: Field) -> Option<(&Value, &ProxyConfig)> {
    configs.iter().rev().find_map(|c| {
        let Ok(Value::Object(map)) = &c.parsed else {
            return None;
        };
        let v = field.spec().names().find_map(|n| map.get(n))?;
        (!v.is_null()).then_some((v, c))
    })
}

/// A `proxyMetadata` entry as the agent sees it.
pub fn metadata_value<'v>(
    configs: &'v [ProxyConfig],
    env: &str,
) -> Option<(&'v Value, &'v ProxyConfig)> {
    configs.iter().rev().find_map(|c| {
        let Ok(Value::Object(map)) = &c.parsed else {
            return None;
        };
        let v = PROXY_METADATA
            .iter()
            .find_map(|k| map.get(*k))
            .and_then(|m| m.get(env))?;
        (!v.is_null()).then_some((v, c))
    })
}

/// Whether the payloads turn exit-on-zero on.
pub fn exits_on_zero(configs: &[ProxyConfig]) -> bool {
    metadata_value(configs, EXIT_ON_ZERO)
        .and_then(|(v, _)| v.as_str())
        .and_then(parse_bool)
        .unwrap_or(false)
}

/// A duration value of a payload, in seconds.
pub fn value_seconds(value: &Value) -> Option<f64> {
    let d = crate::duration::GoDuration::parse(value.as_str()?).ok()?;
    Some(d.nanos() as f64 / crate::duration::SECOND as f64)
}

/// `strconv.ParseBool`, which pilot-agent's boolean environment variables go through.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workload::{containers, pod_template};
    use crate::patch::Pointer;

    fn kind(spec: &str, annotations: &str, mesh: MeshFacts) -> SidecarKind {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{annotations: {annotations}}}\nspec: {spec}\n"
        );
        let tree = Tree::parse(&text).unwrap();
        let pod = pod_template(&tree, tree.root.unwrap(), &Pointer::root(), "v1", "Pod").unwrap();
        let cs = containers(&tree, &pod);
        sidecar_kind(&tree, &pod, &cs, mesh)
    }

    const NATIVE: &str = "{initContainers: [{name: istio-proxy, restartPolicy: Always, lifecycle: {preStop: {exec: {command: [pilot-agent, request, --debug-port=15020, POST, drain]}}}}], containers: [{name: app}]}";

    #[test]
    fn paths_by_pod_and_version() {
        let v = |s: &str| s.parse::<IstioVersion>().unwrap();
        let native = kind(NATIVE, "{}", MeshFacts::default());
        assert!(native.native && native.drain_prestop);
        assert_eq!(
            shutdown_path(&native, false, v("1.21")),
            ShutdownPath::Native
        );
        assert_eq!(
            shutdown_path(&native, true, v("1.29")),
            ShutdownPath::Native
        );
        assert_eq!(
            shutdown_path(&native, false, v("1.20")),
            ShutdownPath::NativeSleeps
        );
        // Without the drain preStop (a global proxy.lifecycle), the classic path.
        let no_hook = kind(
            "{initContainers: [{name: istio-proxy, restartPolicy: Always}], containers: [{name: app}]}",
            "{}",
            MeshFacts::default(),
        );
        assert!(no_hook.native && !no_hook.drain_prestop);
        assert_eq!(
            shutdown_path(&no_hook, false, v("1.29")),
            ShutdownPath::Classic
        );
        assert_eq!(
            shutdown_path(&no_hook, true, v("1.29")),
            ShutdownPath::ExitOnZero
        );
        // A classic injected sidecar, and an init container that is not a sidecar.
        let classic = kind(
            "{containers: [{name: app}, {name: istio-proxy}]}",
            "{}",
            MeshFacts::default(),
        );
        assert!(!classic.native);
        let init = kind(
            "{initContainers: [{name: istio-proxy}], containers: [{name: app}]}",
            "{}",
            MeshFacts::default(),
        );
        assert!(!init.native);
    }

    #[test]
    fn global_lifecycle_in_mesh_configs() {
        let iop = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      proxy:\n        lifecycle: {preStop: {exec: {command: [sleep, '5']}}}\n";
        let tree = Tree::parse(iop).unwrap();
        assert!(sets_global_lifecycle(
            &tree,
            tree.root.unwrap(),
            "IstioOperator"
        ));
        let cp = "apiVersion: install.tetrate.io/v1alpha1\nkind: ControlPlane\nspec:\n  components:\n    istio:\n      kubeSpec:\n        overlays:\n        - apiVersion: install.istio.io/v1alpha1\n          kind: IstioOperator\n          name: tsb-istiocontrolplane\n          patches:\n          - path: spec.values.global.proxy\n            value: {lifecycle: {preStop: {}}}\n";
        let tree = Tree::parse(cp).unwrap();
        assert!(sets_global_lifecycle(
            &tree,
            tree.root.unwrap(),
            "ControlPlane"
        ));
        for none in [
            "{values: {global: {proxy: {}}}}",
            "{values: {global: {proxy: {lifecycle: {}}}}}",
            "{values: {global: {proxy: {lifecycle: ~}}}}",
            "{values: {global: {proxy: {lifecycle: ''}}}}",
        ] {
            let text = format!(
                "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec: {none}\n"
            );
            let tree = Tree::parse(&text).unwrap();
            assert!(
                !sets_global_lifecycle(&tree, tree.root.unwrap(), "IstioOperator"),
                "{none}"
            );
        }
        // istiod values: the chart's default `lifecycle: {}` sets nothing.
        let values =
            "global:\n  proxy:\n    lifecycle:\n      preStop: {exec: {command: [sleep, '5']}}\n";
        let tree = Tree::parse(values).unwrap();
        assert!(sets_global_lifecycle(
            &tree,
            tree.root.unwrap(),
            "IstiodValues"
        ));
        let tree = Tree::parse("global: {proxy: {lifecycle: {}}}\n").unwrap();
        assert!(!sets_global_lifecycle(
            &tree,
            tree.root.unwrap(),
            "IstiodValues"
        ));
    }

    #[test]
    fn templates_follow_the_annotation_then_the_mesh() {
        let app = "{containers: [{name: app}]}";
        let on = MeshFacts {
            native_sidecars: true,
            global_lifecycle: false,
        };
        assert!(kind(app, "{}", on).native);
        assert!(!kind(app, "{}", MeshFacts::default()).native);
        assert!(
            kind(
                app,
                "{sidecar.istio.io/nativeSidecar: 'true'}",
                MeshFacts::default()
            )
            .native
        );
        assert!(!kind(app, "{sidecar.istio.io/nativeSidecar: 'false'}", on).native);
        let lifecycle = MeshFacts {
            native_sidecars: true,
            global_lifecycle: true,
        };
        let k = kind(app, "{}", lifecycle);
        assert!(k.native && !k.drain_prestop, "{k:?}");
    }
}
