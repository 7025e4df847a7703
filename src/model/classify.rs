//! What a document and an object are: which documents are worth a parse (and how much of
//! them), control plane Helm values and raw mesh configs told apart from other documents
//! without apiVersion or kind, and each object's class. Decided once, here, for the linter
//! and (through the drain table's targets) the post-renderer.

use crate::document::{self, NodeKind, Tree};

use super::workload::{self, PodTemplate};
use super::{InstallKind, Resource, api_group};

/// What an object is, as far as the rules care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Class {
    /// A TSB ControlPlane: an `install.tetrate.io` CR, or a control plane Helm values file
    /// (`values`), whose `spec:` is the ControlPlane spec.
    ControlPlane {
        values: bool,
    },
    /// An `install.tetrate.io` gateway (IngressGateway, EgressGateway, Tier1Gateway, Gateway).
    InstallGateway(InstallKind),
    /// A `gateway.tsb.tetrate.io` kind with a gateway install kind's name (routing config).
    RoutingGateway,
    /// An `install.istio.io` IstioOperator.
    IstioOperator,
    /// A raw Istio mesh config document (top-level `defaultConfig`), or the one inside the
    /// `data.mesh` string of the istiod chart's mesh ConfigMap.
    MeshConfig,
    /// Helm values of Istio's istiod chart (`meshConfig`).
    IstiodValues,
    /// Something that runs pods.
    Workload(PodTemplate),
    /// A `v1 Namespace`.
    Namespace,
    /// A `v1 List` or a `ResourceList` (its items are objects of their own).
    List,
    Other,
}

/// Kinds worth a parse: TSB install and routing gateways, Istio, workloads, namespaces, lists.
pub fn interesting(api_version: Option<&str>, kind: Option<&str>) -> bool {
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        // Helm values and raw mesh configs have neither.
        return api_version.is_none() && kind.is_none();
    };
    let group = api_group(api_version);
    super::needs_interpretation(Some(api_version), Some(kind), super::always_read)
        || group == super::INSTALL_GROUP
        || (group == ROUTING_GROUP && InstallKind::from_kind(kind).is_some())
        || (group == "install.istio.io" && kind == "IstioOperator")
        || (api_version == "v1" && kind == "Namespace")
        || workload::is_workload(api_version, kind)
}

/// The top-level `apiVersion` and `kind` as written on lines of their own at column 0, the
/// way rendered manifests have them: a guess, which a parse confirms before anything relies
/// on it.
fn guess_identity(text: &str) -> Option<(&str, &str)> {
    fn value(rest: &str) -> &str {
        let v = rest.split(" #").next().unwrap_or("").trim();
        v.trim_matches(|c| c == '"' || c == '\'')
    }
    let (mut api, mut kind) = (None, None);
    for line in crate::linebreak::text_lines(text) {
        if let Some(rest) = line.strip_prefix("apiVersion:") {
            api = Some(value(rest));
        } else if let Some(rest) = line.strip_prefix("kind:") {
            kind = Some(value(rest));
        }
        if let (Some(a), Some(k)) = (api, kind) {
            return Some((a, k));
        }
    }
    None
}

/// `metadata.name` as written on a line of its own right below a top-level `metadata:`: a
/// guess (`None` when the lines do not say).
fn guess_name(text: &str) -> Option<&str> {
    let mut lines = crate::linebreak::text_lines(text).skip_while(|l| *l != "metadata:");
    lines.next()?;
    for line in lines {
        if !line.starts_with(' ') {
            return None;
        }
        if let Some(rest) = line.trim_start().strip_prefix("name:") {
            let v = rest.split(" #").next().unwrap_or("").trim();
            return Some(v.trim_matches(|c| c == '"' || c == '\''));
        }
    }
    None
}

/// Whether the text of a `v1 ConfigMap` document may be the istiod chart's mesh ConfigMap, by
/// a look at its lines (its name on a line of its own: `istio`, `istio-…`; or not found). A
/// parse decides; other ConfigMaps (dashboards, the injector's templates) need none.
pub fn may_be_mesh_config_map(text: &str) -> bool {
    guess_name(text).is_none_or(super::istio::may_be_config_map_name)
}

/// Whether a document is the istiod chart's mesh ConfigMap (or may be: its name is not on a
/// line of its own), which the linter reads for the mesh config in its `data.mesh`. Other
/// ConfigMaps (dashboards, the injector's templates) are not parsed.
pub fn is_mesh_config_map(tree: &Tree) -> bool {
    tree.root.is_some_and(|root| {
        tree.stats.api_version.as_deref() == Some("v1")
            && tree.stats.kind.as_deref() == Some("ConfigMap")
            && super::istio::config_map_revision(tree, root).is_some()
    })
}

/// Parses a document once, as far as the rules need it: `None` for a document no rule reads
/// (it is only validated), a pruned tree for a workload, else the whole tree. A cheap look at
/// the top-level lines decides; the parse confirms, and a wrong guess costs a second parse.
pub fn parse_document(text: &str, values: bool) -> Result<Option<Tree>, document::SyntaxError> {
    let guess = if values { None } else { guess_identity(text) };
    let config_map = guess == Some(("v1", "ConfigMap")) && may_be_mesh_config_map(text);
    if let Some((api, kind)) = guess
        && !interesting(Some(api), Some(kind))
        && !config_map
    {
        let scan = document::scan(text)?;
        if !interesting(scan.api_version.as_deref(), scan.kind.as_deref()) {
            return Ok(None);
        }
        return Tree::parse(text).map(Some);
    }
    // Workloads are most of a typical render, and the rules read little of them.
    let prune = guess.is_some_and(|(api, kind)| workload::is_workload(api, kind));
    let keep: Option<document::Keep<'_>> = if prune {
        Some(&workload::keep_for_lint)
    } else {
        None
    };
    let tree = Tree::parse_pruned(text, keep)?;
    let actual = tree
        .stats
        .api_version
        .as_deref()
        .zip(tree.stats.kind.as_deref());
    if prune && guess != actual {
        return Tree::parse(text).map(Some);
    }
    Ok(Some(tree))
}

/// TSB's routing config API group, whose gateway kinds share names with the install kinds.
pub const ROUTING_GROUP: &str = "gateway.tsb.tetrate.io";

/// Keys only a ControlPlane spec has, to tell control plane Helm values from other values.
pub const CONTROL_PLANE_SPEC_KEYS: [&str; 6] = [
    "components",
    "hub",
    "managementPlane",
    "telemetryStore",
    "meshExpansion",
    "providerSettings",
];

/// A document without apiVersion or kind whose `spec` looks like a ControlPlane spec.
pub fn looks_like_values(tree: &Tree) -> bool {
    let Some(root) = tree.root else { return false };
    if tree.get(root, "apiVersion").is_some() || tree.get(root, "kind").is_some() {
        return false;
    }
    let Some(spec) = tree.get(root, "spec") else {
        return false;
    };
    CONTROL_PLANE_SPEC_KEYS
        .iter()
        .any(|k| tree.get(spec, k).is_some())
}

/// Which chart a Helm values file is for (`meshdrain values --chart`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ValuesChart {
    /// TSB's control plane chart: its `spec:` is the ControlPlane spec
    #[value(name = "tsb-control-plane")]
    TsbControlPlane,
    /// Istio's istiod chart: its `meshConfig` is merged into the mesh config
    Istiod,
}

/// The chart a values document is for: `forced` (a flag), else as its keys say. A Kubernetes
/// object (with apiVersion or kind) is no values file, whatever the flag says.
pub fn values_chart(tree: &Tree, forced: Option<ValuesChart>) -> Option<ValuesChart> {
    let root = tree.root?;
    if !matches!(tree.node(root)?.kind, NodeKind::Mapping { .. })
        || tree.get(root, "apiVersion").is_some()
        || tree.get(root, "kind").is_some()
    {
        return None;
    }
    forced.or_else(|| {
        if looks_like_values(tree) {
            Some(ValuesChart::TsbControlPlane)
        } else if super::istio::looks_like_istiod_values(tree) {
            Some(ValuesChart::Istiod)
        } else {
            None
        }
    })
}

pub fn looks_like_mesh_config(tree: &Tree) -> bool {
    let Some(root) = tree.root else { return false };
    tree.get(root, "apiVersion").is_none()
        && tree.get(root, "kind").is_none()
        && tree
            .get(root, "defaultConfig")
            .and_then(|d| tree.node(d))
            .is_some_and(|n| matches!(n.kind, NodeKind::Mapping { .. }))
}

pub fn classify(tree: &Tree, resource: &Resource) -> Class {
    let r = &resource.reference;
    if let Some(kind) = resource.install_kind {
        return match kind {
            InstallKind::ControlPlane => Class::ControlPlane { values: false },
            gateway => Class::InstallGateway(gateway),
        };
    }
    let group = api_group(&r.api_version);
    if super::is_list(Some(&r.api_version), Some(&r.kind)) {
        return Class::List;
    }
    if group == ROUTING_GROUP && InstallKind::from_kind(&r.kind).is_some() {
        return Class::RoutingGateway;
    }
    if group == "install.istio.io" && r.kind == "IstioOperator" {
        return Class::IstioOperator;
    }
    if r.api_version == "v1" && r.kind == "Namespace" {
        return Class::Namespace;
    }
    if let Some(t) = workload::pod_template(
        tree,
        resource.node,
        &resource.pointer,
        &r.api_version,
        &r.kind,
    ) {
        return Class::Workload(t);
    }
    Class::Other
}
