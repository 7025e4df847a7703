//! What the linter knows about its inputs: every document, parsed when it can matter, and
//! every object classified through the shared model. Built once; rules only read it.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::LazyLock;

use crate::diagnostic::{Code, Diagnostic, LineIndex, Origin};
use crate::document::{self, Scan, Tree};
use crate::model::mesh::{self, DurationSite, MeshSource};
use crate::model::shutdown;
use crate::model::workload::{self, Container, ProxyConfig};
use crate::model::{self, Resource};
use crate::patch::Pointer;

pub use crate::model::classify::{Class, ROUTING_GROUP, looks_like_values};
use crate::model::classify::{
    classify, interesting, is_mesh_config_map, looks_like_mesh_config, parse_document,
};

use super::input::{Source, Treat};
use super::mesh_configs::{self, Embedded, MeshConfigMap};
use super::{CheckOptions, rules::gd000_invalid_yaml::InvalidYaml};
use crate::model::istio;

pub type ObjectId = usize;

/// One document of an input.
#[derive(Debug)]
pub struct Doc {
    /// 0-based position in its input.
    pub index: usize,
    /// Bytes of the input.
    pub range: Range<usize>,
    /// Lines before the document in its input.
    pub line_base: usize,
    /// Helm's `# Source:` file (or the Helm 4 filename annotation).
    pub source: Option<String>,
    /// Index into [`Context::trees`], for documents that were parsed.
    pub tree: Option<usize>,
}

/// One input file (or stdin).
#[derive(Debug)]
pub struct Input {
    pub name: String,
    pub text: String,
    pub documents: Vec<Doc>,
}

/// One Kubernetes object (or values file) in the inputs.
#[derive(Clone, Debug)]
pub struct Object {
    pub id: ObjectId,
    pub input: usize,
    pub document: usize,
    tree: usize,
    pub resource: Resource,
    pub class: Class,
    /// For a mesh config read from the `data.mesh` string of a mesh ConfigMap: where it sits.
    pub embedded: Option<Embedded>,
}

impl Object {
    pub fn namespace(&self) -> Option<&str> {
        self.resource.reference.namespace.as_deref()
    }

    pub fn name(&self) -> Option<&str> {
        self.resource.reference.name.as_deref()
    }

    pub fn pointer(&self) -> &Pointer {
        &self.resource.pointer
    }

    /// `IngressGateway shop/edge`, for messages.
    pub fn describe(&self) -> String {
        let r = &self.resource.reference;
        let kind = match self.class {
            Class::ControlPlane { values: true } => "control plane Helm values",
            Class::IstiodValues => "istiod Helm values",
            _ => r.kind.as_str(),
        };
        match (&r.namespace, &r.name) {
            (Some(ns), Some(name)) => format!("{kind} {ns}/{name}"),
            (None, Some(name)) => format!("{kind} {name}"),
            _ => kind.to_owned(),
        }
    }

    /// The meshdrain command that writes the drain settings into this object (`file` is its
    /// input's name).
    pub fn fix_command(&self, file: &str) -> String {
        match self.class {
            Class::ControlPlane { values: true } | Class::IstiodValues => {
                format!("meshdrain values -i {file}")
            }
            _ => "meshdrain render".to_owned(),
        }
    }
}

static EMPTY_TREE: LazyLock<Tree> = LazyLock::new(|| Tree {
    nodes: Vec::new(),
    root: None,
    aliased: Default::default(),
    anchors: Default::default(),
    stats: Scan::default(),
});

/// The checked inputs, their parsed documents and objects.
#[derive(Debug)]
pub struct Context {
    pub inputs: Vec<Input>,
    pub trees: Vec<Tree>,
    pub objects: Vec<Object>,
    pub options: CheckOptions,
    /// Labels of the Namespaces in the input, by name.
    pub namespaces: HashMap<String, BTreeMap<String, String>>,
    /// The objects that declare a mesh config, with it, in input order.
    meshes: Vec<(ObjectId, MeshSource)>,
    /// A mesh config in the input sets the injector's global `proxy.lifecycle`.
    pub global_lifecycle: bool,
    /// What several rules read of each object, worked out once (indexed by object id).
    facts: Vec<Facts>,
}

/// Per-object facts several rules share.
#[derive(Debug, Default)]
struct Facts {
    containers: Vec<Container>,
    proxy_configs: Vec<ProxyConfig>,
    sites: Vec<DurationSite>,
}

/// A parse error (or other unreadable document) as a GD000 finding.
fn unparsable(
    input: &str,
    text: &str,
    doc: Option<(&Doc, &str)>,
    at: Option<usize>,
    message: String,
    hint: &str,
) -> Diagnostic {
    let mut d = Diagnostic::error(&InvalidYaml::META, message)
        .with_hint(hint)
        .with_origin(Origin {
            file: Some(input.to_owned()),
            document: doc.map(|(d, _)| d.index),
            source: doc.and_then(|(d, _)| d.source.clone()),
            ..Origin::default()
        });
    if let Some(at) = at {
        match doc {
            Some((doc, doc_text)) => {
                let end = (at + 1).min(doc_text.len());
                d = d.at(&LineIndex::new(doc_text), at, end);
                shift(&mut d, doc);
            }
            None => d = d.at(&LineIndex::new(text), at, at),
        }
    }
    d
}

/// Moves a diagnostic positioned in a document's text to its place in the input.
pub(super) fn shift(d: &mut Diagnostic, doc: &Doc) {
    if let Some(span) = &mut d.origin.span {
        for p in [&mut span.start, &mut span.end] {
            p.line += doc.line_base;
            p.byte += doc.range.start;
        }
    }
}

/// A hint for documents that do not parse: unrendered templates are the usual cause.
fn parse_hint(text: &str) -> &'static str {
    if text.contains("{{") || text.contains("%{") || text.contains("${") {
        "this looks like an unrendered template: check the rendered output (helm template …, terraform …) instead"
    } else {
        "fix the YAML syntax; the other documents and files are still checked"
    }
}

impl Context {
    /// Reads and classifies every input; documents that cannot be read become GD000 findings.
    pub fn build(sources: Vec<Source>, options: &CheckOptions) -> (Context, Vec<Diagnostic>) {
        let mut cx = Context {
            inputs: Vec::new(),
            trees: Vec::new(),
            objects: Vec::new(),
            options: options.clone(),
            namespaces: HashMap::new(),
            meshes: Vec::new(),
            global_lifecycle: false,
            facts: Vec::new(),
        };
        let mut errors = Vec::new();
        for source in sources {
            cx.add(source, &mut errors);
        }
        for object in &cx.objects {
            if object.class == Class::Namespace
                && let Some(name) = object.name()
            {
                let labels = workload::labels(cx.tree(object), object.resource.node);
                cx.namespaces.insert(name.to_owned(), labels);
            }
        }
        cx.meshes = cx
            .objects
            .iter()
            .filter_map(|o| Some((o.id, cx.read_mesh_source(o)?)))
            .collect();
        cx.global_lifecycle = cx.objects.iter().any(|o| match o.class {
            Class::ControlPlane { values: false } => {
                shutdown::sets_global_lifecycle(cx.tree(o), o.resource.node, "ControlPlane")
            }
            Class::IstioOperator => {
                shutdown::sets_global_lifecycle(cx.tree(o), o.resource.node, "IstioOperator")
            }
            _ => false,
        });
        cx.facts = cx.objects.iter().map(|o| cx.facts_of(o)).collect();
        (cx, errors)
    }

    fn facts_of(&self, object: &Object) -> Facts {
        let tree = self.tree(object);
        let node = object.resource.node;
        let pointer = object.pointer();
        let mut facts = Facts::default();
        facts.sites = match &object.class {
            Class::ControlPlane { .. } => mesh::overlay_sites(tree, node, pointer),
            Class::IstioOperator | Class::MeshConfig | Class::IstiodValues => self
                .meshes
                .iter()
                .find(|(id, _)| *id == object.id)
                .map(|(_, s)| mesh::default_config_sites(tree, s))
                .unwrap_or_default(),
            Class::InstallGateway(_) => mesh::gateway_sites(tree, node, pointer),
            Class::Workload(t) => {
                facts.containers = workload::containers(tree, t);
                facts.proxy_configs = workload::proxy_config_annotation(tree, t)
                    .into_iter()
                    .chain(
                        facts
                            .containers
                            .iter()
                            .filter_map(|c| workload::proxy_config_env(tree, c)),
                    )
                    .collect();
                facts
                    .proxy_configs
                    .iter()
                    .flat_map(ProxyConfig::sites)
                    .collect()
            }
            _ => Vec::new(),
        };
        facts
    }

    /// A workload's containers (init containers first).
    pub fn containers(&self, object: &Object) -> &[Container] {
        self.facts
            .get(object.id)
            .map_or(&[], |f| f.containers.as_slice())
    }

    /// What decides a sidecar's shutdown path besides the pod.
    pub fn mesh_facts(&self) -> shutdown::MeshFacts {
        shutdown::MeshFacts {
            native_sidecars: self.options.native_sidecars,
            global_lifecycle: self.global_lifecycle,
        }
    }

    /// Every drain duration an object writes.
    pub fn sites(&self, object: &Object) -> &[DurationSite] {
        self.facts
            .get(object.id)
            .map_or(&[], |f| f.sites.as_slice())
    }

    /// A workload's proxy config payloads: its `proxy.istio.io/config` annotation, then its
    /// istio-proxy's `PROXY_CONFIG` env (what the agent reads, so it wins).
    pub fn proxy_configs(&self, object: &Object) -> &[ProxyConfig] {
        self.facts
            .get(object.id)
            .map_or(&[], |f| f.proxy_configs.as_slice())
    }

    fn add(&mut self, source: Source, errors: &mut Vec<Diagnostic>) {
        let input_index = self.inputs.len();
        let limits = self.options.limits;
        let name = source.name;
        let fail = |errors: &mut Vec<Diagnostic>, d: Diagnostic| errors.push(d);
        if crate::input::too_large(source.bytes.len(), &limits) {
            fail(
                errors,
                unparsable(
                    &name,
                    "",
                    None,
                    None,
                    format!(
                        "the file is larger than the limit of {} bytes and was not checked",
                        limits.max_input_bytes
                    ),
                    "split the input, or check it in parts",
                ),
            );
            self.inputs.push(Input {
                name,
                text: String::new(),
                documents: Vec::new(),
            });
            return;
        }
        let text = match crate::source::validate_owned(source.bytes, &name) {
            Ok(text) => text,
            Err(mut d) => {
                d.code = Code::Rule(&InvalidYaml::META);
                fail(errors, d);
                self.inputs.push(Input {
                    name,
                    text: String::new(),
                    documents: Vec::new(),
                });
                return;
            }
        };
        let mut documents = Vec::new();
        let mut values_pending = source.treat == Treat::Values;
        // A blank slice (an empty file or stdin, a trailing `---`) is no document.
        for slice in crate::input::documents(&text).filter(|d| !crate::input::is_blank(d.text)) {
            let doc_text = slice.text;
            let mut doc = Doc {
                index: slice.index,
                range: slice.range.clone(),
                line_base: slice.line_base,
                source: None,
                tree: None,
            };
            let tree = match parse_document(doc_text, values_pending) {
                Ok(Some(tree)) => tree,
                Ok(None) => {
                    documents.push(doc);
                    continue;
                }
                Err(e) => {
                    doc.source = model::source_file(doc_text);
                    errors.push(unparsable(
                        &name,
                        &text,
                        Some((&doc, doc_text)),
                        Some(e.offset),
                        format!("invalid YAML: {}", e.message),
                        parse_hint(doc_text),
                    ));
                    documents.push(doc);
                    continue;
                }
            };
            doc.source = model::source_file(doc_text);
            let scan = &tree.stats;
            if let Some((at, c)) = crate::linebreak::find_ambiguous_break(doc_text) {
                let read_differently =
                    document::scan(&crate::linebreak::as_libyaml_reads(doc_text))
                        .is_ok_and(|s| interesting(s.api_version.as_deref(), s.kind.as_deref()));
                if read_differently
                    || interesting(scan.api_version.as_deref(), scan.kind.as_deref())
                {
                    errors.push(unparsable(
                        &name,
                        &text,
                        Some((&doc, doc_text)),
                        Some(at),
                        format!(
                            "this document contains {}: Kubernetes' YAML reader takes it as a line break, YAML 1.2 readers do not, so the two read different objects",
                            crate::linebreak::describe(c)
                        ),
                        "replace the character with a line break, or write it as an escape (\\N, \\L, \\P) inside a double-quoted string",
                    ));
                    documents.push(doc);
                    continue;
                }
            }
            if !scan.has_document
                || !(values_pending
                    || interesting(scan.api_version.as_deref(), scan.kind.as_deref())
                    || is_mesh_config_map(&tree))
            {
                documents.push(doc);
                continue;
            }
            // Without apiVersion and kind only values files and mesh configs are read; any
            // other such document (a data file in a scanned folder) is left alone.
            let istiod = (values_pending || !looks_like_values(&tree))
                && istio::looks_like_istiod_values(&tree);
            let values = !istiod && (values_pending || looks_like_values(&tree));
            let mesh_config = !values && !istiod && looks_like_mesh_config(&tree);
            if scan.api_version.is_none()
                && scan.kind.is_none()
                && !values
                && !mesh_config
                && !istiod
            {
                documents.push(doc);
                continue;
            }
            let over = crate::input::exceeded(scan, &limits).map(crate::input::Exceeded::what);
            if let Some(over) = over {
                errors.push(unparsable(
                    &name,
                    &text,
                    Some((&doc, doc_text)),
                    Some(0),
                    format!("this document {over}, over meshdrain's limit, and was not checked"),
                    crate::input::Exceeded::HINT,
                ));
                documents.push(doc);
                continue;
            }
            let tree_index = self.trees.len();
            doc.tree = Some(tree_index);
            values_pending = false;
            let resources: Vec<(Resource, Class)> = if istiod {
                model::istiod_values_resource(&tree)
                    .map(|r| (r, Class::IstiodValues))
                    .into_iter()
                    .collect()
            } else if values {
                model::values_resource(&tree)
                    .map(|r| (r, Class::ControlPlane { values: true }))
                    .into_iter()
                    .collect()
            } else if mesh_config {
                model::whole_document(&tree, "raw", "MeshConfig", None)
                    .map(|r| (r, Class::MeshConfig))
                    .into_iter()
                    .collect()
            } else {
                model::resources(&tree)
                    .into_iter()
                    .map(|r| {
                        let class = classify(&tree, &r);
                        (r, class)
                    })
                    .collect()
            };
            self.trees.push(tree);
            for (resource, class) in resources {
                let embedded = self
                    .trees
                    .get(tree_index)
                    .and_then(|t| mesh_configs::read_config_map(t, doc_text, &resource));
                // The embedded object right after its ConfigMap.
                let id = self.objects.len();
                self.objects.push(Object {
                    id,
                    input: input_index,
                    document: documents.len(),
                    tree: tree_index,
                    resource,
                    class,
                    embedded: None,
                });
                match embedded {
                    Some(MeshConfigMap::Read(read)) => {
                        let (inner, inner_resource, mut embedded) = *read;
                        embedded.host_tree = tree_index;
                        self.objects.push(Object {
                            id: id + 1,
                            input: input_index,
                            document: documents.len(),
                            tree: self.trees.len(),
                            resource: inner_resource,
                            class: Class::MeshConfig,
                            embedded: Some(embedded),
                        });
                        self.trees.push(inner);
                    }
                    Some(MeshConfigMap::Invalid { message, at }) => {
                        errors.push(unparsable(
                            &name,
                            &text,
                            Some((&doc, doc_text)),
                            Some(at.0),
                            format!("the mesh config in data.mesh is not valid YAML: {message}"),
                            mesh_configs::INVALID_HINT,
                        ));
                    }
                    None => {}
                }
            }
            documents.push(doc);
        }
        self.inputs.push(Input {
            name,
            text,
            documents,
        });
    }

    pub fn tree(&self, object: &Object) -> &Tree {
        self.trees.get(object.tree).unwrap_or(&EMPTY_TREE)
    }

    pub fn input(&self, object: &Object) -> Option<&Input> {
        self.inputs.get(object.input)
    }

    pub fn doc(&self, object: &Object) -> Option<&Doc> {
        self.input(object)?.documents.get(object.document)
    }

    /// The meshdrain command that fixes an object's drain settings.
    pub fn fix_command(&self, object: &Object) -> String {
        object.fix_command(self.input(object).map_or("FILE", |i| i.name.as_str()))
    }

    pub fn object(&self, id: ObjectId) -> Option<&Object> {
        self.objects.get(id)
    }

    pub fn document_count(&self) -> usize {
        self.inputs.iter().map(|i| i.documents.len()).sum()
    }

    /// The mesh config an object declares (ControlPlane, values, IstioOperator, mesh config).
    pub fn mesh_source(&self, object: &Object) -> Option<&MeshSource> {
        self.meshes
            .iter()
            .find(|(id, _)| *id == object.id)
            .map(|(_, s)| s)
    }

    fn read_mesh_source(&self, object: &Object) -> Option<MeshSource> {
        let host = object
            .embedded
            .as_ref()
            .and_then(|e| Some((self.trees.get(e.host_tree)?, e.host_node)));
        mesh_configs::mesh_source(
            self.tree(object),
            &object.resource,
            &object.class,
            object.embedded.is_some(),
            host,
        )
    }

    /// Every object that declares a mesh config, with it, in input order.
    pub fn mesh_sources(&self) -> Vec<(&Object, &MeshSource)> {
        self.meshes
            .iter()
            .filter_map(|(id, source)| Some((self.object(*id)?, source)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InstallKind;

    fn source(text: &str) -> Source {
        Source {
            name: "t.yaml".into(),
            bytes: text.as_bytes().to_vec(),
            treat: Treat::Detect,
        }
    }

    #[test]
    fn classifies_by_group_and_detects_values() {
        let text = "\
apiVersion: install.tetrate.io/v1alpha1
kind: IngressGateway
metadata: {name: a, namespace: n}
---
apiVersion: gateway.tsb.tetrate.io/v2
kind: IngressGateway
metadata: {name: b}
---
apiVersion: v1
kind: Service
metadata: {name: s}
---
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: d}
  spec: {template: {spec: {containers: []}}}
---
bad: [
";
        let (cx, errors) = Context::build(vec![source(text)], &CheckOptions::default());
        let classes: Vec<&Class> = cx.objects.iter().map(|o| &o.class).collect();
        assert!(matches!(
            classes.as_slice(),
            [
                Class::InstallGateway(InstallKind::IngressGateway),
                Class::RoutingGateway,
                Class::List,
                Class::Workload(_)
            ]
        ));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "GD000");
        assert_eq!(errors[0].origin.document, Some(4));
        assert_eq!(errors[0].origin.span.unwrap().start.line, 22);

        let values = "image: {tag: 1.6.1}\nspec:\n  hub: x\n";
        let (cx, _) = Context::build(vec![source(values)], &CheckOptions::default());
        assert_eq!(cx.objects[0].class, Class::ControlPlane { values: true });
    }
}
