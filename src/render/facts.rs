//! What one document's edits need to know about the rest of the stream: the labels of the
//! Namespaces in it (which decide Istio's injection and revisions), and the upstream mesh
//! configs in it (what each revision's sidecars wait). Gathered in a first pass, only when the
//! policy has workload rules; documents that do not parse are left to the main pass to report.

use std::collections::BTreeMap;

use crate::document::{self, Tree};
use crate::drain::{Field, Location, TargetSpec};
use crate::duration::GoDuration;
use crate::model::{self, istio, mesh, shutdown, workload};

/// Facts about the whole stream.
#[derive(Clone, Debug, Default)]
pub(super) struct StreamFacts {
    /// The labels of every `v1 Namespace` in the stream (Lists included), by name.
    pub(super) namespaces: BTreeMap<String, BTreeMap<String, String>>,
    /// A mesh config in the stream sets the injector's global `proxy.lifecycle`.
    pub(super) global_lifecycle: bool,
    /// Upstream Istio's mesh configs in the stream (IstioOperators, mesh ConfigMaps), in
    /// order: what the sidecars of their revision get.
    pub(super) meshes: Vec<MeshFact>,
}

/// One upstream mesh config of the stream.
#[derive(Clone, Debug)]
pub(super) struct MeshFact {
    pub(super) target: &'static TargetSpec,
    pub(super) revision: String,
    /// Its `defaultConfig.terminationDrainDuration`, in seconds, when it sets a valid one.
    pub(super) termination: Option<f64>,
    /// `ConfigMap istio-system/istio-canary`, for messages.
    pub(super) describe: String,
}

/// The mesh config facts of an IstioOperator or a mesh ConfigMap.
fn mesh_fact(tree: &Tree, resource: &model::Resource) -> Option<MeshFact> {
    let target = resource.target?;
    let field = Field::TerminationDrainDuration;
    let seconds = |source: mesh::MeshSource| {
        let text = source.defaults.get(field)?.written.text()?.to_owned();
        let d = GoDuration::parse(&text).ok()?;
        Some(d.nanos() as f64 / crate::duration::SECOND as f64)
    };
    let (revision, termination) = match target.location {
        Location::DefaultConfig(keys) => (
            istio::operator_revision(tree, resource.node),
            seconds(mesh::default_config(
                tree,
                resource.node,
                &resource.pointer,
                keys,
                mesh::MeshSourceKind::IstioOperator,
            )),
        ),
        Location::MeshConfigMap => {
            let revision = istio::config_map_revision(tree, resource.node)?;
            let embedded = istio::mesh_entry(tree, resource.node, &resource.pointer)
                .and_then(|(_, v, _)| tree.node(v)?.as_str())
                .and_then(|text| Tree::parse(text).ok());
            let termination = embedded.and_then(|inner| {
                let root = inner.root?;
                seconds(mesh::default_config(
                    &inner,
                    root,
                    &crate::patch::Pointer::root(),
                    &["defaultConfig"],
                    mesh::MeshSourceKind::MeshConfigMap,
                ))
            });
            (revision, termination)
        }
        _ => return None,
    };
    let r = &resource.reference;
    let name = match (&r.namespace, &r.name) {
        (Some(ns), Some(n)) => format!(" {ns}/{n}"),
        (None, Some(n)) => format!(" {n}"),
        _ => String::new(),
    };
    Some(MeshFact {
        target,
        revision,
        termination,
        describe: format!("{}{name}", r.kind),
    })
}

fn is_namespace(api_version: Option<&str>, kind: Option<&str>) -> bool {
    matches!((api_version, kind), (Some("v1"), Some("Namespace")))
}

/// A ControlPlane, IstioOperator or (maybe) mesh ConfigMap, whose mesh settings the
/// workloads' pods get.
fn is_mesh_config(api_version: Option<&str>, kind: Option<&str>) -> bool {
    let group = api_version.map_or("", model::api_group);
    matches!(
        (group, kind),
        (model::INSTALL_GROUP, Some("ControlPlane"))
            | ("install.istio.io", Some("IstioOperator"))
            | ("", Some("ConfigMap"))
    )
}

/// Reads the facts of `text`, a whole stream.
pub(super) fn gather(text: &str) -> StreamFacts {
    let mut facts = StreamFacts::default();
    for doc in crate::input::documents(text) {
        let Ok(scan) = document::scan(doc.text) else {
            continue;
        };
        let (api, kind) = (scan.api_version.as_deref(), scan.kind.as_deref());
        // Of the ConfigMaps only those that may be a mesh ConfigMap are parsed.
        let config_map = matches!((api, kind), (Some("v1"), Some("ConfigMap")));
        if config_map && !model::classify::may_be_mesh_config_map(doc.text) {
            continue;
        }
        if !(is_namespace(api, kind)
            || is_mesh_config(api, kind)
            || model::is_list(api, kind)
            || scan.root_merge)
        {
            continue;
        }
        let Ok(tree) = Tree::parse(doc.text) else {
            continue;
        };
        for resource in model::resources(&tree) {
            let r = &resource.reference;
            if is_mesh_config(Some(&r.api_version), Some(&r.kind)) {
                facts.global_lifecycle |=
                    shutdown::sets_global_lifecycle(&tree, resource.node, &r.kind);
                facts.meshes.extend(mesh_fact(&tree, &resource));
            }
            if is_namespace(Some(&r.api_version), Some(&r.kind))
                && let Some(name) = &r.name
            {
                facts
                    .namespaces
                    .insert(name.clone(), workload::labels(&tree, resource.node));
            }
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_in_documents_and_lists() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {istio-injection: enabled}\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n---\nkind: Namespace\nmetadata: {name: not-v1}\n";
        let facts = gather(text);
        assert_eq!(
            facts
                .namespaces
                .get("a")
                .and_then(|l| l.get("istio-injection")),
            Some(&"enabled".to_owned())
        );
        assert!(facts.namespaces.get("b").is_some_and(BTreeMap::is_empty));
        assert!(!facts.namespaces.contains_key("not-v1"));
    }
}
