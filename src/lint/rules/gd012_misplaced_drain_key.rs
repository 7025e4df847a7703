use serde_json::Value;

use super::{overlay_lists, patches};
use crate::document::{NodeId, Tree};
use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use std::sync::LazyLock;

use crate::model::mesh::DrainField;
use crate::model::{is_istio_overlay, normalize_patch_path};
use crate::patch::Pointer;

declare_rule! {
    /// ## What it detects
    /// A drain key where Istio or TSB does not read it: `drainDuration`,
    /// `terminationDrainDuration` or `parentShutdownDuration` directly under `meshConfig`
    /// (they belong under `meshConfig.defaultConfig`) or under `spec.values`; `drainDuration`
    /// on a gateway install CR (gateways take `connectionDrainDuration`); and misspelled or
    /// miscased keys and patch path segments (`kubespec`, `drain_duration`,
    /// `defaultconfig`, `ConnectionDrainDuration`).
    ///
    /// ## Why it matters
    /// The setting is ignored (or rejected as an unknown field) and the drain stays at its
    /// default. The TSB guide itself writes `kubespec`.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   components:
    ///     istio:
    ///       kubespec:
    ///         overlays: []
    /// ```
    ///
    /// ## Fix
    /// Use the exact key in the right place: `kubeSpec`,
    /// `spec.meshConfig.defaultConfig.drainDuration`, `spec.connectionDrainDuration`.
    pub struct MisplacedDrainKey;
    code: "GD012",
    name: "misplaced-drain-key",
    severity: Error,
    summary: "a drain key in the wrong place, or misspelled",
}

/// The keys on the way to a drain field, and the drain table's fields.
static KNOWN: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let route = ["meshConfig", "defaultConfig"];
    let around = [
        "proxyMetadata",
        "kubeSpec",
        "overlays",
        "patches",
        "components",
        "istio",
    ];
    let fields = crate::drain::FIELDS.iter().map(|f| f.name);
    route.into_iter().chain(fields).chain(around).collect()
});

/// The key a misspelled or miscased one was meant to be.
fn misspelled(key: &str) -> Option<&'static str> {
    let norm = |k: &str| {
        k.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    // jsonpb reads a ProxyConfig field's proto name (`drain_duration`) as the field itself.
    if DrainField::mesh().any(|f| f.spec().proto_name == Some(key)) {
        return None;
    }
    let n = norm(key);
    KNOWN.iter().copied().find(|k| norm(k) == n && *k != key)
}

/// A mesh default-config field, in either spelling.
fn is_mesh_field(key: &str) -> bool {
    DrainField::mesh().any(|f| f.spec().names().any(|n| n == key))
}

/// Reports misspelled keys among the entries of `map`.
fn keys(tree: &Tree, map: NodeId, pointer: &Pointer, object: &Object, out: &mut Findings<'_>) {
    for &(k, _) in tree.entries(map) {
        let Some(key) = tree.node(k).and_then(|n| n.as_str()) else {
            continue;
        };
        if let Some(meant) = misspelled(key) {
            out.report(
                object,
                pointer.key(key),
                format!("{key:?} is not a key TSB or Istio reads; it is spelled {meant}, so this is ignored"),
            )
            .at_key()
            .hint(format!("rename it to {meant}"));
        }
    }
}

/// Checks a mesh `defaultConfig`'s parent (`meshConfig`) and the config itself.
fn mesh_config(
    tree: &Tree,
    mesh: NodeId,
    pointer: &Pointer,
    object: &Object,
    out: &mut Findings<'_>,
) {
    keys(tree, mesh, pointer, object, out);
    for &(k, _) in tree.entries(mesh) {
        let Some(key) = tree.node(k).and_then(|n| n.as_str()) else {
            continue;
        };
        if is_mesh_field(key) {
            out.report(
                object,
                pointer.key(key),
                format!("{key} sits directly under meshConfig, where Istio does not read it: it belongs under meshConfig.defaultConfig"),
            )
            .at_key()
            .hint(format!("move it to defaultConfig.{key}"));
        }
    }
    if let Some(config) = tree.get(mesh, "defaultConfig") {
        keys(tree, config, &pointer.key("defaultConfig"), object, out);
    }
}

fn control_plane(cx: &Context, object: &Object, out: &mut Findings<'_>) {
    let tree = cx.tree(object);
    let node = object.resource.node;
    let base = object.pointer();
    let chain = [
        (vec!["spec"], base.key("spec")),
        (
            vec!["spec", "components"],
            base.key("spec").key("components"),
        ),
        (
            vec!["spec", "components", "istio"],
            base.key("spec").key("components").key("istio"),
        ),
        (
            vec!["spec", "components", "istio", "kubeSpec"],
            base.key("spec")
                .key("components")
                .key("istio")
                .key("kubeSpec"),
        ),
    ];
    for (path, pointer) in chain {
        if let Some(map) = tree.get_path(node, &path) {
            keys(tree, map, &pointer, object, out);
        }
    }
    for list in overlay_lists(cx, object).into_iter().filter(|l| l.istio) {
        for (o, &overlay) in tree.items(list.node).iter().enumerate() {
            let overlay_ptr = list.pointer.index(o);
            keys(tree, overlay, &overlay_ptr, object, out);
            if !is_istio_overlay(tree, overlay) {
                continue;
            }
            for (i, patch, path) in patches(tree, overlay) {
                let at = overlay_ptr.key("patches").index(i);
                let segments = normalize_patch_path(path);
                if let Some((bad, meant)) = segments
                    .iter()
                    .find_map(|s| misspelled(s).map(|m| (s.as_str(), m)))
                {
                    out.report(
                        object,
                        at.key("path"),
                        format!("the patch path {path:?} has {bad:?}, which Istio reads as a different key than {meant}: the patch sets a field nothing reads"),
                    )
                    .hint(format!("write {meant}"));
                    continue;
                }
                let words: Vec<&str> = segments.iter().map(String::as_str).collect();
                match words.as_slice() {
                    ["spec", "meshConfig", field] if is_mesh_field(field) => {
                        out.report(
                            object,
                            at.key("path"),
                            format!("spec.meshConfig.{field} is not where Istio reads {field}: it belongs under spec.meshConfig.defaultConfig"),
                        )
                        .hint(format!("use the path spec.meshConfig.defaultConfig.{field}"));
                    }
                    ["spec", "values", .., last] if is_mesh_field(last) => {
                        out.report(
                            object,
                            at.key("path"),
                            format!("{} is a Helm value Istio's proxy does not read as {last}: the mesh default config is spec.meshConfig.defaultConfig", segments.join(".")),
                        )
                        .hint(format!("use the path spec.meshConfig.defaultConfig.{last}"));
                    }
                    ["spec", "meshConfig"] => {
                        if let Some(value) = tree.get(patch, "value") {
                            mesh_config(tree, value, &at.key("value"), object, out);
                        }
                    }
                    ["spec", "meshConfig", "defaultConfig"] => {
                        if let Some(value) = tree.get(patch, "value") {
                            keys(tree, value, &at.key("value"), object, out);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn gateway(cx: &Context, object: &Object, out: &mut Findings<'_>) {
    let tree = cx.tree(object);
    let Some(spec) = tree.get(object.resource.node, "spec") else {
        return;
    };
    let spec_ptr = object.pointer().key("spec");
    keys(tree, spec, &spec_ptr, object, out);
    for &(k, _) in tree.entries(spec) {
        let Some(key) = tree.node(k).and_then(|n| n.as_str()) else {
            continue;
        };
        if is_mesh_field(key) {
            out.report(
                object,
                spec_ptr.key(key),
                format!("{key} is not a field of a TSB gateway install CR: gateways take spec.connectionDrainDuration"),
            )
            .at_key()
            .hint("rename it to connectionDrainDuration");
        }
    }
}

fn annotation(cx: &Context, object: &Object, out: &mut Findings<'_>) {
    let Class::Workload(_) = &object.class else {
        return;
    };
    for config in cx.proxy_configs(object) {
        let Ok(Value::Object(map)) = &config.parsed else {
            continue;
        };
        for key in map.keys() {
            if let Some(meant) = misspelled(key) {
                out.report(
                    object,
                    config.pointer.clone(),
                    format!("the proxy config sets {key:?}, which Istio does not read: it is spelled {meant}"),
                )
                .hint(format!("rename it to {meant}"));
            }
        }
    }
}

impl Rule for MisplacedDrainKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        let tree = cx.tree(object);
        let node = object.resource.node;
        match &object.class {
            Class::ControlPlane { .. } => control_plane(cx, object, out),
            Class::InstallGateway(_) => gateway(cx, object, out),
            Class::IstioOperator => {
                if let Some(mesh) = tree.get_path(node, &["spec", "meshConfig"]) {
                    let ptr = object.pointer().key("spec").key("meshConfig");
                    mesh_config(tree, mesh, &ptr, object, out);
                }
            }
            Class::MeshConfig => mesh_config(tree, node, object.pointer(), object, out),
            Class::IstiodValues => {
                if let Some(mesh) = tree.get(node, "meshConfig") {
                    let ptr = object.pointer().key("meshConfig");
                    mesh_config(tree, mesh, &ptr, object, out);
                }
            }
            Class::Workload(_) => annotation(cx, object, out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn misspellings() {
        assert_eq!(super::misspelled("kubespec"), Some("kubeSpec"));
        // The proto spelling is the field itself to Istio's jsonpb decoding; other
        // spellings are not.
        assert_eq!(super::misspelled("drain_duration"), None);
        assert_eq!(super::misspelled("drain-duration"), Some("drainDuration"));
        assert_eq!(super::misspelled("DrainDuration"), Some("drainDuration"));
        assert_eq!(super::misspelled("drainDuration"), None);
        assert_eq!(super::misspelled("hub"), None);
    }
}
