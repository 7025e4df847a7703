//! Upstream Istio's mesh configs as the linter reads them. The istiod chart's mesh ConfigMap
//! keeps its mesh config as a YAML document in the `data.mesh` string: that document is parsed
//! into an object of its own (a [`Class::MeshConfig`], so every mesh rule reads it), whose
//! findings are placed inside the block scalar through [`BlockLines`]. Istiod values hold it
//! in `meshConfig`. And a workload's sidecar gets the mesh config of its revision.

use crate::document::embedded::BlockLines;
use crate::document::{NodeId, NodeKind, Tree};
use crate::model::mesh::{self, MeshSource, MeshSourceKind};
use crate::model::{Resource, istio};

use crate::model::classify::Class;

/// Where an object read from a string of another object sits.
#[derive(Clone, Debug)]
pub struct Embedded {
    /// The tree (an index of the context's trees) and node of the object that holds it.
    pub host_tree: usize,
    pub host_node: NodeId,
    /// The YAML path of the string in the host (`data.mesh`), for messages.
    pub path: String,
    /// The string's span in the document: where findings go when its lines do not map.
    pub span: (usize, usize),
    /// Where the embedded text's bytes are in the document (a literal block scalar).
    pub lines: Option<BlockLines>,
}

impl Embedded {
    /// A span of the embedded text as a span of the document.
    pub fn outer(&self, span: Option<(usize, usize)>) -> (usize, usize) {
        span.and_then(|(start, end)| self.lines.as_ref()?.span(start, end))
            .unwrap_or(self.span)
    }

    /// The YAML path shown for a path inside the embedded document.
    pub fn shown_path(&self, inner: &str) -> String {
        if inner.is_empty() {
            self.path.clone()
        } else {
            format!("{} ({inner})", self.path)
        }
    }
}

/// What to do about a mesh config that does not parse.
pub(super) const INVALID_HINT: &str =
    "fix the mesh config: istiod does not start with a mesh config it cannot read";

/// The mesh config inside a mesh ConfigMap, read.
pub(super) enum MeshConfigMap {
    /// Its tree, its object (named after the ConfigMap) and where it sits (`host_tree` to be
    /// filled in).
    Read(Box<(Tree, Resource, Embedded)>),
    /// It does not parse: why, and where in the document.
    Invalid { message: String, at: (usize, usize) },
}

/// Reads the mesh config of `resource` (of `tree`, parsed from `text`) when it is a mesh
/// ConfigMap with a `data.mesh` string that holds something.
pub(super) fn read_config_map(
    tree: &Tree,
    text: &str,
    resource: &Resource,
) -> Option<MeshConfigMap> {
    if resource.target.map(|t| t.location) != Some(crate::drain::Location::MeshConfigMap) {
        return None;
    }
    let (key, value, pointer) = istio::mesh_entry(tree, resource.node, &resource.pointer)?;
    let node = tree.node(value)?;
    let NodeKind::Scalar { value: string, .. } = &node.kind else {
        return None;
    };
    if node.is_null() || string.trim().is_empty() {
        return None;
    }
    let lines = BlockLines::of(text, tree, key, value);
    let span = (node.start, node.end.max(node.start + 1));
    let embedded = Embedded {
        host_tree: 0,
        host_node: resource.node,
        path: crate::model::dotted(&crate::model::relative(&pointer, &resource.pointer)),
        span,
        lines,
    };
    match Tree::parse(string) {
        Ok(inner) => {
            // The mesh config is named after its ConfigMap.
            let object = crate::model::whole_document(&inner, "raw", "MeshConfig", None)?;
            let object = Resource {
                reference: resource.reference.clone(),
                ..object
            };
            Some(MeshConfigMap::Read(Box::new((inner, object, embedded))))
        }
        Err(e) => {
            let end = (e.offset + 1).min(string.len()).max(e.offset);
            Some(MeshConfigMap::Invalid {
                message: e.message,
                at: embedded.outer(Some((e.offset, end))),
            })
        }
    }
}

/// The mesh config an object declares, with its revision where the object says.
pub(super) fn mesh_source(
    tree: &Tree,
    resource: &Resource,
    class: &Class,
    embedded: bool,
    host: Option<(&Tree, NodeId)>,
) -> Option<MeshSource> {
    let (node, pointer) = (resource.node, &resource.pointer);
    Some(match class {
        Class::ControlPlane { values } => mesh::control_plane(
            tree,
            node,
            pointer,
            if *values {
                MeshSourceKind::HelmValues
            } else {
                MeshSourceKind::ControlPlane
            },
        ),
        Class::IstioOperator => MeshSource {
            revision: Some(istio::operator_revision(tree, node)),
            ..mesh::default_config(
                tree,
                node,
                pointer,
                mesh::ISTIO_OPERATOR_DEFAULTS,
                MeshSourceKind::IstioOperator,
            )
        },
        Class::MeshConfig if embedded => MeshSource {
            revision: host.and_then(|(t, n)| istio::config_map_revision(t, n)),
            ..mesh::default_config(
                tree,
                node,
                pointer,
                &["defaultConfig"],
                MeshSourceKind::MeshConfigMap,
            )
        },
        Class::MeshConfig => mesh::default_config(
            tree,
            node,
            pointer,
            &["defaultConfig"],
            MeshSourceKind::MeshConfig,
        ),
        Class::IstiodValues => MeshSource {
            revision: tree.root.map(|r| istio::values_revision(tree, r)),
            ..mesh::default_config(
                tree,
                node,
                pointer,
                &["meshConfig", "defaultConfig"],
                MeshSourceKind::IstiodValues,
            )
        },
        _ => return None,
    })
}

/// The mesh sources a workload of `revision` gets its mesh config from: those of its revision
/// when the input has any, else those that name no revision (a TSB ControlPlane, a raw mesh
/// config).
pub fn for_revision<'a, T>(
    sources: &'a [(T, &'a MeshSource)],
    revision: &str,
) -> Vec<&'a (T, &'a MeshSource)> {
    let matching: Vec<_> = sources
        .iter()
        .filter(|(_, s)| s.revision.as_deref() == Some(revision))
        .collect();
    if !matching.is_empty() {
        return matching;
    }
    sources
        .iter()
        .filter(|(_, s)| s.revision.is_none())
        .collect()
}
