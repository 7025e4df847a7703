//! Upstream Istio's own mesh configs: the istiod chart's mesh ConfigMap (`v1 ConfigMap`
//! `istio`, or `istio-<rev>` for a revision, whose `data.mesh` string is the mesh config
//! istiod reads and the injector bakes into every new pod), istiod Helm values (`meshConfig`),
//! and revisions: which mesh config a workload's pods get.

use std::collections::BTreeMap;

use crate::document::{NodeId, NodeKind, Tree};
use crate::patch::Pointer;

/// The key of the mesh ConfigMap that holds the mesh config.
pub const MESH_KEY: &str = "mesh";

/// The label that names a revision (on pods, namespaces and the istiod chart's objects).
pub const REVISION_LABEL: &str = "istio.io/rev";

/// The revision of an install without one.
pub const DEFAULT_REVISION: &str = "default";

/// The name of the mesh ConfigMap of `revision`.
pub fn config_map_name(revision: &str) -> String {
    if revision == DEFAULT_REVISION {
        "istio".to_owned()
    } else {
        format!("istio-{revision}")
    }
}

/// Whether a ConfigMap named `name` may be a mesh ConfigMap (a cheap guess before a parse).
pub fn may_be_config_map_name(name: &str) -> bool {
    name == "istio" || name.starts_with("istio-")
}

fn metadata_str<'t>(tree: &'t Tree, node: NodeId, key: &str) -> Option<&'t str> {
    tree.get(node, "metadata").and_then(|m| tree.str_at(m, key))
}

/// A label of an object (`metadata.labels`).
pub fn label<'t>(tree: &'t Tree, node: NodeId, key: &str) -> Option<&'t str> {
    tree.get_path(node, &["metadata", "labels"])
        .and_then(|l| tree.str_at(l, key))
}

/// The revision of the `v1 ConfigMap` at `node` when it is a mesh ConfigMap: `istio` is the
/// default revision's; `istio-<rev>` is revision `<rev>`'s when its `istio.io/rev` label says
/// so (as the istiod chart renders it) or it has a `mesh` key (`istio-ca-root-cert`, which
/// istiod writes into every namespace, has neither).
pub fn config_map_revision(tree: &Tree, node: NodeId) -> Option<String> {
    let name = metadata_str(tree, node, "name")?;
    if name == "istio" {
        return Some(DEFAULT_REVISION.to_owned());
    }
    let revision = name.strip_prefix("istio-").filter(|r| !r.is_empty())?;
    let labelled = label(tree, node, REVISION_LABEL) == Some(revision);
    let has_mesh = tree
        .get(node, "data")
        .and_then(|d| tree.get(d, MESH_KEY))
        .is_some();
    (labelled || has_mesh).then(|| revision.to_owned())
}

/// The revision an IstioOperator installs (`spec.revision`, else the default).
pub fn operator_revision(tree: &Tree, node: NodeId) -> String {
    tree.get(node, "spec")
        .and_then(|s| tree.str_at(s, "revision"))
        .filter(|r| !r.is_empty())
        .unwrap_or(DEFAULT_REVISION)
        .to_owned()
}

/// The revision of a workload's sidecar: its pod template's `istio.io/rev` label, else its
/// namespace's, else the default (as the revisioned injection webhooks select pods).
pub fn workload_revision(
    tree: &Tree,
    template: NodeId,
    namespace_labels: Option<&BTreeMap<String, String>>,
) -> String {
    label(tree, template, REVISION_LABEL)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            namespace_labels
                .and_then(|l| l.get(REVISION_LABEL))
                .filter(|r| !r.is_empty())
                .cloned()
        })
        .unwrap_or_else(|| DEFAULT_REVISION.to_owned())
}

/// The mesh config string of a mesh ConfigMap: the `data.mesh` key and value nodes, with the
/// value's pointer.
pub fn mesh_entry(
    tree: &Tree,
    node: NodeId,
    pointer: &Pointer,
) -> Option<(NodeId, NodeId, Pointer)> {
    let data = tree.get(node, "data")?;
    let (key, value) = tree.entry(data, MESH_KEY)?;
    Some((key, value, pointer.key("data").key(MESH_KEY)))
}

/// Keys only istiod chart values have at the top level (the gateway chart and TSB's do not).
pub const ISTIOD_VALUES_KEYS: [&str; 5] = [
    "meshConfig",
    "pilot",
    "sidecarInjectorWebhook",
    "istiodRemote",
    "revisionTags",
];

/// A document without apiVersion or kind that looks like istiod chart values.
pub fn looks_like_istiod_values(tree: &Tree) -> bool {
    let Some(root) = tree.root else { return false };
    if !matches!(
        tree.node(root).map(|n| &n.kind),
        Some(NodeKind::Mapping { .. })
    ) || tree.get(root, "apiVersion").is_some()
        || tree.get(root, "kind").is_some()
    {
        return false;
    }
    ISTIOD_VALUES_KEYS
        .iter()
        .any(|k| tree.get(root, k).is_some())
}

/// The revision istiod chart values install (`revision`, else the default).
pub fn values_revision(tree: &Tree, root: NodeId) -> String {
    tree.str_at(root, "revision")
        .filter(|r| !r.is_empty())
        .unwrap_or(DEFAULT_REVISION)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(text: &str) -> Option<String> {
        let tree = Tree::parse(text).unwrap();
        config_map_revision(&tree, tree.root.unwrap())
    }

    #[test]
    fn mesh_config_maps_by_name_and_label() {
        assert_eq!(
            revision("metadata: {name: istio}\n").as_deref(),
            Some("default")
        );
        assert_eq!(
            revision("metadata: {name: istio-canary, labels: {istio.io/rev: canary}}\n").as_deref(),
            Some("canary")
        );
        assert_eq!(
            revision("metadata: {name: istio-canary}\ndata: {mesh: ''}\n").as_deref(),
            Some("canary")
        );
        // istiod's CA bundle and the injector's ConfigMap are no mesh configs.
        assert_eq!(
            revision("metadata: {name: istio-ca-root-cert}\ndata: {root-cert.pem: x}\n"),
            None
        );
        assert_eq!(
            revision("metadata: {name: istio-sidecar-injector, labels: {istio.io/rev: default}}\n"),
            None
        );
        assert_eq!(revision("metadata: {name: other}\n"), None);
        assert_eq!(config_map_name("default"), "istio");
        assert_eq!(config_map_name("canary"), "istio-canary");
    }

    #[test]
    fn a_pod_label_then_its_namespace_decide_the_revision() {
        let tree = Tree::parse("metadata: {labels: {istio.io/rev: blue}}\n").unwrap();
        let ns: BTreeMap<String, String> = [(REVISION_LABEL.to_owned(), "green".to_owned())].into();
        assert_eq!(
            workload_revision(&tree, tree.root.unwrap(), Some(&ns)),
            "blue"
        );
        let tree = Tree::parse("metadata: {}\n").unwrap();
        assert_eq!(
            workload_revision(&tree, tree.root.unwrap(), Some(&ns)),
            "green"
        );
        assert_eq!(
            workload_revision(&tree, tree.root.unwrap(), None),
            "default"
        );
    }

    #[test]
    fn istiod_values_are_told_apart() {
        let yes = |t: &str| looks_like_istiod_values(&Tree::parse(t).unwrap());
        assert!(yes("meshConfig:\n  defaultConfig: {}\n"));
        assert!(yes("pilot: {autoscaleEnabled: false}\n"));
        assert!(!yes("global: {}\n"));
        assert!(!yes("apiVersion: v1\nkind: ConfigMap\nmeshConfig: {}\n"));
        assert!(!yes("spec: {hub: x}\n"));
    }
}
