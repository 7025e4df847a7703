//! What documents mean: which resources are TSB install CRs (matched on API group, never on
//! kind alone), which overlay TSB applies, and which patch sets a drain field. Decided here
//! once, for the patcher and (later) the linter.

pub use crate::document::node_type;
pub use crate::patch::dotted;
pub use patch_path::{normalize_patch_path, patch_path_problem};

pub mod classify;
pub mod injection;
pub mod istio;
pub mod mesh;
pub mod patch_path;
pub mod shutdown;
pub mod workload;

use crate::diagnostic::ResourceRef;
use crate::document::{Node, NodeId, NodeKind, Tree};
use crate::drain::{self, TargetSpec};
use crate::patch::Pointer;

pub use crate::drain::INSTALL_GROUP;

/// The IstioOperator that TSB's ControlPlane overlays target for the mesh.
pub const ISTIO_OVERLAY_API_VERSION: &str = "install.istio.io/v1alpha1";
pub const ISTIO_OVERLAY_KIND: &str = "IstioOperator";
pub const ISTIO_OVERLAY_NAME: &str = "tsb-istiocontrolplane";

/// The `install.tetrate.io` kinds meshdrain knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InstallKind {
    ControlPlane,
    IngressGateway,
    EgressGateway,
    Tier1Gateway,
    /// The unified gateway of later TSB versions; edited only when a rule names it.
    Gateway,
}

impl InstallKind {
    pub fn from_kind(kind: &str) -> Option<InstallKind> {
        Some(match kind {
            "ControlPlane" => InstallKind::ControlPlane,
            "IngressGateway" => InstallKind::IngressGateway,
            "EgressGateway" => InstallKind::EgressGateway,
            "Tier1Gateway" => InstallKind::Tier1Gateway,
            "Gateway" => InstallKind::Gateway,
            _ => return None,
        })
    }

    pub fn is_gateway(self) -> bool {
        self != InstallKind::ControlPlane
    }

    pub fn name(self) -> &'static str {
        match self {
            InstallKind::ControlPlane => "ControlPlane",
            InstallKind::IngressGateway => "IngressGateway",
            InstallKind::EgressGateway => "EgressGateway",
            InstallKind::Tier1Gateway => "Tier1Gateway",
            InstallKind::Gateway => "Gateway",
        }
    }

    /// Its entry in the drain table.
    pub fn target(self) -> Option<&'static TargetSpec> {
        drain::TARGETS
            .iter()
            .find(|t| t.api_group == INSTALL_GROUP && t.kind == self.name())
    }
}

/// The API group of an `apiVersion` (`""` for the core group).
pub fn api_group(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(group, _)| group)
}

/// The install kind of a resource, when it belongs to the install API group.
pub fn install_kind(api_version: &str, kind: &str) -> Option<InstallKind> {
    (api_group(api_version) == INSTALL_GROUP)
        .then(|| InstallKind::from_kind(kind))
        .flatten()
}

/// Whether a top-level document holds resources in `items`: a `v1 List`, or a KRM
/// function's `config.kubernetes.io/v1 ResourceList`.
pub fn is_list(api_version: Option<&str>, kind: Option<&str>) -> bool {
    matches!(
        (api_version, kind),
        (Some("v1"), Some("List")) | (Some(RESOURCE_LIST_API_VERSION), Some(RESOURCE_LIST_KIND))
    )
}

/// The KRM function wire format.
pub const RESOURCE_LIST_API_VERSION: &str = "config.kubernetes.io/v1";
pub const RESOURCE_LIST_KIND: &str = "ResourceList";

/// Whether the bulk pass must hand this document to the interpreter: a List, or a drain
/// table target that `wanted` says the policy may edit (workloads only with workload rules,
/// mesh configs only when the policy's sidecar targets name them).
pub fn needs_interpretation(
    api_version: Option<&str>,
    kind: Option<&str>,
    wanted: impl Fn(&'static TargetSpec) -> bool,
) -> bool {
    is_list(api_version, kind)
        || matches!((api_version, kind), (Some(a), Some(k)) if drain::target(a, k)
            .is_some_and(wanted))
}

/// The targets read without a policy saying so: every one but workloads and the opt-in mesh
/// configs (the linter reads those by their own classes).
pub fn always_read(target: &'static TargetSpec) -> bool {
    target.section != drain::Section::Workload
        && (target.section != drain::Section::Sidecar || target.default)
}

/// One Kubernetes object in a document: the document itself or an item of a `v1 List`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    pub node: NodeId,
    /// Where the object sits in the document (`/items/3` for a List item).
    pub pointer: Pointer,
    pub reference: ResourceRef,
    pub install_kind: Option<InstallKind>,
    /// What meshdrain edits in it (the drain table's entry), if anything.
    pub target: Option<&'static TargetSpec>,
}

fn reference(tree: &Tree, node: NodeId) -> ResourceRef {
    let metadata = tree.get(node, "metadata");
    let meta = |key: &str| {
        metadata
            .and_then(|m| tree.str_at(m, key))
            .map(str::to_owned)
    };
    ResourceRef {
        // As Kubernetes' YAML 1.1 reader sees it: a `<<` merge can supply the identity.
        api_version: merged_str(tree, node, "apiVersion"),
        kind: merged_str(tree, node, "kind"),
        namespace: meta("namespace"),
        name: meta("name"),
    }
}

/// Where an object's identity is not plain text: a key of the object with a tag of its own
/// (`!!binary kind:`), or such a tag on its apiVersion or kind. Readers that decode the tag
/// may see another resource than meshdrain does.
pub fn tagged_identity(tree: &Tree, object: NodeId) -> Option<usize> {
    tree.entries(object).iter().find_map(|&(k, v)| {
        let key = tree.node(k)?;
        if key.foreign_tag {
            return Some(key.start);
        }
        let identity = matches!(key.as_str(), Some("apiVersion" | "kind"));
        let value = tree.node(v)?;
        (identity && value.foreign_tag).then_some(value.start)
    })
}

/// The first node at or under `node` with a tag of its own, as a byte offset.
pub fn foreign_tag_within(tree: &Tree, node: NodeId) -> Option<usize> {
    let mut pending = vec![node];
    while let Some(id) = pending.pop() {
        let n = tree.node(id)?;
        if n.foreign_tag {
            return Some(n.start);
        }
        match &n.kind {
            NodeKind::Mapping { entries, .. } => {
                pending.extend(entries.iter().rev().flat_map(|&(k, v)| [v, k]));
            }
            NodeKind::Sequence { items, .. } => pending.extend(items.iter().rev()),
            _ => {}
        }
    }
    None
}

fn merged_str(tree: &Tree, map: NodeId, key: &str) -> String {
    tree.get_merged(map, key)
        .and_then(|v| tree.resolve(v))
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Every object in the document: the root mapping, or the mapping items of a `v1 List`.
pub fn resources(tree: &Tree) -> Vec<Resource> {
    let Some(root) = tree.root else {
        return Vec::new();
    };
    let make = |node: NodeId, pointer: Pointer| {
        let reference = reference(tree, node);
        let install_kind = install_kind(&reference.api_version, &reference.kind);
        // A ConfigMap is a target only when it is a mesh ConfigMap.
        let target = drain::target(&reference.api_version, &reference.kind).filter(|t| {
            t.location != drain::Location::MeshConfigMap
                || istio::config_map_revision(tree, node).is_some()
        });
        Resource {
            node,
            pointer,
            reference,
            install_kind,
            target,
        }
    };
    // Items of a List (or ResourceList) are objects too, and an item may itself be a List
    // (kpt and kustomize pass those through): walk them without recursion.
    let mut out = Vec::new();
    let mut pending = vec![(root, Pointer::root())];
    while let Some((node, pointer)) = pending.pop() {
        let resource = make(node, pointer);
        let list_items = is_list(
            Some(&resource.reference.api_version),
            Some(&resource.reference.kind),
        )
        .then(|| tree.get(node, "items"))
        .flatten();
        if let Some(items) = list_items {
            // Reversed, so that the stack hands them out in document order.
            for (i, &item) in tree.items(items).iter().enumerate().rev() {
                if matches!(
                    tree.node(item).map(|n| &n.kind),
                    Some(NodeKind::Mapping { .. })
                ) {
                    pending.push((item, resource.pointer.key("items").index(i)));
                }
            }
        }
        out.push(resource);
    }
    out
}

/// A document that is one object without apiVersion or kind (a control plane Helm values
/// file, a raw mesh config), named `what kind` in messages: its root mapping is the resource.
pub fn whole_document(
    tree: &Tree,
    what: &str,
    kind: &str,
    install_kind: Option<InstallKind>,
) -> Option<Resource> {
    let root = tree.root?;
    if !matches!(tree.node(root)?.kind, NodeKind::Mapping { .. }) {
        return None;
    }
    Some(Resource {
        node: root,
        pointer: Pointer::root(),
        reference: ResourceRef {
            api_version: what.to_owned(),
            kind: kind.to_owned(),
            namespace: None,
            name: None,
        },
        install_kind,
        target: install_kind.and_then(InstallKind::target),
    })
}

/// The object of a control plane Helm values file: a ControlPlane whose `spec:` is the file's.
pub fn values_resource(tree: &Tree) -> Option<Resource> {
    whole_document(
        tree,
        "helm values",
        "ControlPlane",
        Some(InstallKind::ControlPlane),
    )
}

/// The object of an istiod chart values file: its root mapping, whose `meshConfig` the chart
/// merges into the mesh config.
pub fn istiod_values_resource(tree: &Tree) -> Option<Resource> {
    let mut resource = whole_document(tree, "helm values", "istiod", None)?;
    resource.target = Some(&drain::ISTIOD_VALUES);
    Some(resource)
}

/// Whether an overlay targets the mesh's IstioOperator. Istio's operator (`overlayMatches` in
/// `operator/pkg/patch`, up to 1.23, which TSB's operator builds on) matches an overlay to its
/// object on kind and name only: `apiVersion` is ignored, whatever it says.
pub fn is_istio_overlay(tree: &Tree, overlay: NodeId) -> bool {
    overlay_matches(tree, overlay, ISTIO_OVERLAY_KIND, ISTIO_OVERLAY_NAME)
}

/// Whether an overlay targets the object of `kind` and `name`, as the operator decides.
pub fn overlay_matches(tree: &Tree, overlay: NodeId, kind: &str, name: &str) -> bool {
    tree.str_at(overlay, "kind") == Some(kind) && tree.str_at(overlay, "name") == Some(name)
}

/// The overlay TSB applies for the mesh: the last one for the IstioOperator (TSB and Istio's
/// operator apply only the last overlay per object).
pub fn effective_overlay(tree: &Tree, overlays: NodeId) -> Option<(usize, NodeId)> {
    tree.items(overlays)
        .iter()
        .enumerate()
        .rev()
        .find(|(_, o)| is_istio_overlay(tree, **o))
        .map(|(i, &o)| (i, o))
}

/// The path of a mesh default-config field, as overlay patches name it.
pub fn default_config_path(field: &str) -> Vec<String> {
    ["spec", "meshConfig", "defaultConfig", field]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// The patch that decides a field's value in one overlay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldPatch {
    /// No patch touches the field.
    None,
    /// `path:` is the field itself.
    Exact { index: usize, patch: NodeId },
    /// `path:` is an ancestor; `rest` leads from its `value` to the field.
    Ancestor {
        index: usize,
        patch: NodeId,
        rest: Vec<String>,
    },
}

/// The last patch in `patches` whose path is the field or one of its ancestors: patches are
/// applied in order, so that one decides the value.
pub fn field_patch(tree: &Tree, patches: NodeId, field_path: &[String]) -> FieldPatch {
    let mut found = FieldPatch::None;
    for (index, &patch) in tree.items(patches).iter().enumerate() {
        let Some(path) = tree.str_at(patch, "path") else {
            continue;
        };
        let segments = normalize_patch_path(path);
        if segments.is_empty() || !field_path.starts_with(&segments) {
            continue;
        }
        found = if segments.len() == field_path.len() {
            FieldPatch::Exact { index, patch }
        } else {
            let rest = field_path
                .get(segments.len()..)
                .unwrap_or_default()
                .to_vec();
            FieldPatch::Ancestor { index, patch, rest }
        };
    }
    found
}

/// The patch that decides a mesh default-config field in one overlay, the field named in
/// either spelling (`drainDuration` or jsonpb's `drain_duration`, in the path or in an
/// ancestor patch's value): the last patch that touches it. An ancestor's `rest` ends in the
/// spelling its value uses.
pub fn mesh_field_patch(tree: &Tree, patches: NodeId, field: drain::Field) -> FieldPatch {
    let spec = field.spec();
    let mut found = FieldPatch::None;
    for (index, &patch) in tree.items(patches).iter().enumerate() {
        let Some(path) = tree.str_at(patch, "path") else {
            continue;
        };
        let segments = normalize_patch_path(path);
        if segments.is_empty() {
            continue;
        }
        for name in spec.names() {
            let full = default_config_path(name);
            if !full.starts_with(&segments) {
                continue;
            }
            found = if segments.len() == full.len() {
                FieldPatch::Exact { index, patch }
            } else {
                let mut rest = full.get(segments.len()..).unwrap_or_default().to_vec();
                respell_last(tree, tree.get(patch, "value"), &mut rest, spec);
                FieldPatch::Ancestor { index, patch, rest }
            };
            break;
        }
    }
    found
}

/// Makes the last key of `rest` the spelling of the field that the mapping at the rest's
/// parent (below `value`) holds, when it holds only the other one.
fn respell_last(tree: &Tree, value: Option<NodeId>, rest: &mut [String], spec: &drain::FieldSpec) {
    let Some((last, parents)) = rest.split_last_mut() else {
        return;
    };
    let parent = parents
        .iter()
        .try_fold(value, |node, key| Some(node.and_then(|n| tree.get(n, key))))
        .flatten();
    let Some(parent) = parent else {
        return;
    };
    if tree.get(parent, last).is_none()
        && let Some(other) = spec.names().find(|n| tree.get(parent, n).is_some())
    {
        *last = other.to_owned();
    }
}

/// The ControlPlane `istio` component fields whose presence makes TSB ignore `kubeSpec.overlays`.
pub const COMPETING_OVERLAYS: [&str; 3] = ["pilotOverlays", "baseOverlays", "cniOverlays"];

/// A competing overlay list that is set and not empty.
pub fn competing_overlays(tree: &Tree, istio: NodeId) -> Option<(&'static str, NodeId)> {
    COMPETING_OVERLAYS.iter().find_map(|&key| {
        let value = tree.get(istio, key)?;
        let node = tree.node(value)?;
        let empty = node.is_null()
            || matches!(&node.kind, NodeKind::Sequence { items, .. } if items.is_empty())
            || matches!(&node.kind, NodeKind::Mapping { entries, .. } if entries.is_empty());
        (!empty).then_some((key, value))
    })
}

/// An overlay list (`K8sObjectOverlay`s) in a TSB install resource or an IstioOperator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverlayList {
    pub node: NodeId,
    pub pointer: Pointer,
    /// `spec.components.istio.kubeSpec.overlays`: where TSB takes the mesh's IstioOperator
    /// overlay from.
    pub istio: bool,
}

/// Every overlay list of a resource: `spec.kubeSpec.overlays` (gateways), each component's
/// `kubeSpec.overlays` and the istio component's base/pilot/cni overlays (ControlPlane), and
/// each component's `k8s.overlays` (IstioOperator, gateway lists included).
pub fn overlay_lists(tree: &Tree, node: NodeId, pointer: &Pointer) -> Vec<OverlayList> {
    let mut out = Vec::new();
    let spec_ptr = pointer.key("spec");
    let mut push = |list: Option<NodeId>, ptr: Pointer, istio: bool| {
        if let Some(list) = list
            && matches!(
                tree.node(list).map(|n| &n.kind),
                Some(NodeKind::Sequence { .. })
            )
        {
            out.push(OverlayList {
                node: list,
                pointer: ptr,
                istio,
            });
        }
    };
    let Some(spec) = tree.get(node, "spec") else {
        return out;
    };
    push(
        tree.get_path(spec, &["kubeSpec", "overlays"]),
        spec_ptr.key("kubeSpec").key("overlays"),
        false,
    );
    let Some(components) = tree.get(spec, "components") else {
        return out;
    };
    let components_ptr = spec_ptr.key("components");
    for &(k, v) in tree.entries(components) {
        let Some(name) = tree.node(k).and_then(Node::as_str) else {
            continue;
        };
        let ptr = components_ptr.key(name);
        match tree.node(v).map(|n| &n.kind) {
            Some(NodeKind::Mapping { .. }) => {
                push(
                    tree.get_path(v, &["kubeSpec", "overlays"]),
                    ptr.key("kubeSpec").key("overlays"),
                    name == "istio",
                );
                push(
                    tree.get_path(v, &["k8s", "overlays"]),
                    ptr.key("k8s").key("overlays"),
                    false,
                );
                if name == "istio" {
                    for key in COMPETING_OVERLAYS {
                        push(tree.get(v, key), ptr.key(key), false);
                    }
                }
            }
            Some(NodeKind::Sequence { items, .. }) => {
                for (i, &item) in items.iter().enumerate() {
                    push(
                        tree.get_path(item, &["k8s", "overlays"]),
                        ptr.index(i).key("k8s").key("overlays"),
                        false,
                    );
                }
            }
            _ => {}
        }
    }
    out
}

/// The template file a document came from: Helm 3's `# Source:` comment, or Helm 4's
/// `postrenderer.helm.sh/postrender-filename` annotation.
pub fn source_file(slice: &str) -> Option<String> {
    for line in crate::linebreak::text_lines(slice) {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("# Source:") {
            return Some(rest.trim().to_owned());
        }
        if t.is_empty() || t.starts_with('#') || t.starts_with("---") || t.starts_with('%') {
            continue;
        }
        break;
    }
    let at = slice.find("postrenderer.helm.sh/postrender-filename:")?;
    let rest = slice.get(at + "postrenderer.helm.sh/postrender-filename:".len()..)?;
    let value = crate::linebreak::text_lines(rest)
        .next()?
        .trim()
        .trim_matches(['\'', '"']);
    (!value.is_empty()).then(|| value.to_owned())
}

/// `pointer` relative to `base` (a resource inside a List), or all of it.
pub fn relative(pointer: &Pointer, base: &Pointer) -> Pointer {
    pointer
        .strip_prefix(base)
        .unwrap_or_else(|| pointer.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_decide_not_kinds() {
        assert_eq!(
            install_kind("install.tetrate.io/v1alpha1", "IngressGateway"),
            Some(InstallKind::IngressGateway)
        );
        assert_eq!(
            install_kind("gateway.tsb.tetrate.io/v2", "IngressGateway"),
            None
        );
        assert_eq!(install_kind("v1", "ControlPlane"), None);
        assert!(needs_interpretation(Some("v1"), Some("List"), always_read));
        assert!(!needs_interpretation(
            Some("apps/v1"),
            Some("Deployment"),
            always_read
        ));
        // With workload rules, workloads are read too.
        assert!(needs_interpretation(
            Some("apps/v1"),
            Some("Deployment"),
            |_| true
        ));
        // Mesh configs only when the policy names them.
        for (api, kind) in [
            ("v1", "ConfigMap"),
            ("install.istio.io/v1alpha1", "IstioOperator"),
        ] {
            assert!(!needs_interpretation(Some(api), Some(kind), always_read));
            assert!(needs_interpretation(Some(api), Some(kind), |_| true));
        }
    }

    #[test]
    fn patch_paths_normalise_like_istio() {
        assert_eq!(
            normalize_patch_path("spec.meshConfig.defaultConfig.drainDuration."),
            default_config_path("drainDuration")
        );
        assert_eq!(
            normalize_patch_path(".spec.meshConfig"),
            ["spec", "meshConfig"]
        );
        assert_eq!(
            normalize_patch_path(r"metadata.annotations.proxy\.istio\.io/config"),
            ["metadata", "annotations", "proxy.istio.io/config"]
        );
    }

    #[test]
    fn the_last_relevant_patch_decides() {
        let text = "patches:\n- path: spec.meshConfig.defaultConfig.drainDuration\n  value: 1s\n- path: spec.meshConfig\n  value: {}\n- path: spec.other\n";
        let tree = Tree::parse(text).unwrap();
        let patches = tree.get(tree.root.unwrap(), "patches").unwrap();
        match field_patch(&tree, patches, &default_config_path("drainDuration")) {
            FieldPatch::Ancestor { index, rest, .. } => {
                assert_eq!(index, 1);
                assert_eq!(rest, ["defaultConfig", "drainDuration"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn patch_paths_istio_would_refuse() {
        for ok in [
            "spec.meshConfig.defaultConfig.drainDuration",
            "spec.components.pilot.k8s.env[-1]",
            r"webhooks.[name:namespace\.sidecar-injector\.istio\.io].clientConfig",
            "spec.template.spec.containers.[name:istio-proxy].args.[:--log]",
            "spec.values.",
            r"metadata.annotations.proxy\.istio\.io/config",
            // The operator drops empty segments (`util.PathFromString`).
            "spec..meshConfig",
        ] {
            assert_eq!(patch_path_problem(ok), None, "{ok}");
        }
        for bad in [
            "spec.containers[0",
            "spec.containers]0[",
            "spec.env[-2]",
            "spec.containers.[name:]",
            "spec.containers.[]",
            "spec.mesh Config",
            "spec.a[[0]]",
            " ",
        ] {
            assert!(patch_path_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn source_files_from_helm3_and_helm4() {
        assert_eq!(
            source_file("---\n# Source: c/templates/a.yaml\nkind: A\n").as_deref(),
            Some("c/templates/a.yaml")
        );
        assert_eq!(
            source_file("kind: A\nmetadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: 'c/templates/b.yaml'\n").as_deref(),
            Some("c/templates/b.yaml")
        );
        assert_eq!(source_file("kind: A\n# Source: late\n"), None);
    }
}
