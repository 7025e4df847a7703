//! What one document's edits need to know about the rest of the stream: the labels of the
//! Namespaces in it (which decide Istio's injection). Gathered in a first pass, only when the
//! policy has workload rules; documents that do not parse are left to the main pass to report.

use std::collections::BTreeMap;

use crate::document::{self, Tree};
use crate::model::{self, shutdown, workload};

/// Facts about the whole stream.
#[derive(Clone, Debug, Default)]
pub(super) struct StreamFacts {
    /// The labels of every `v1 Namespace` in the stream (Lists included), by name.
    pub(super) namespaces: BTreeMap<String, BTreeMap<String, String>>,
    /// A mesh config in the stream sets the injector's global `proxy.lifecycle`.
    pub(super) global_lifecycle: bool,
}

fn is_namespace(api_version: Option<&str>, kind: Option<&str>) -> bool {
    matches!((api_version, kind), (Some("v1"), Some("Namespace")))
}

/// A ControlPlane or IstioOperator, whose mesh settings the workloads' pods get.
fn is_mesh_config(api_version: Option<&str>, kind: Option<&str>) -> bool {
    let group = api_version.map_or("", model::api_group);
    matches!(
        (group, kind),
        (model::INSTALL_GROUP, Some("ControlPlane")) | ("install.istio.io", Some("IstioOperator"))
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
