//! What the linter knows about its inputs: every document, parsed when it can matter, and
//! every object classified through the shared model ([`super::read`]). Built once; rules only
//! read it. `meshdrain check` builds one for each document in turn ([`Context::of_document`]);
//! `explain` and `verify` build one for all of their inputs ([`Context::build`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock};

use crate::diagnostic::{Diagnostic, Suppression};
use crate::document::{Scan, Tree};
use crate::model::Resource;
use crate::model::mesh::{self, DurationSite, MeshSource};
use crate::model::shutdown;
use crate::model::workload::{self, Container, ProxyConfig};
use crate::patch::Pointer;

pub use crate::model::classify::{Class, ROUTING_GROUP, looks_like_values};

use super::input::{Source, Treat};
use super::mesh_configs::{self, Embedded};
pub use super::read::Doc;
use super::read::{self, Parsed, ReadDoc};
use super::{CheckOptions, Finding};

pub type ObjectId = usize;

/// One input file (or stdin).
#[derive(Debug)]
pub struct Input {
    pub name: String,
    /// The whole input (shared by the contexts of its documents).
    pub text: Arc<String>,
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
    pub options: Arc<CheckOptions>,
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

impl Context {
    /// Reads and classifies every input; documents that cannot be read become GD000 findings.
    pub fn build(sources: Vec<Source>, options: &CheckOptions) -> (Context, Vec<Diagnostic>) {
        let mut cx = Context::empty(Arc::new(options.clone()));
        let mut errors = Vec::new();
        for source in sources {
            cx.add(source, &mut errors);
        }
        cx.derive();
        (cx, errors)
    }

    /// The context of one document of input `name` (whose whole text is `text`), read by
    /// [`read::read_document`]: what `check` gives its rules' `check_object`.
    pub fn of_document(
        name: &str,
        text: &Arc<String>,
        read: ReadDoc,
        options: &Arc<CheckOptions>,
    ) -> Context {
        let mut cx = Context::empty(Arc::clone(options));
        let mut documents = Vec::new();
        cx.push_document(0, read, &mut documents);
        cx.inputs.push(Input {
            name: name.to_owned(),
            text: Arc::clone(text),
            documents,
        });
        cx.derive();
        cx
    }

    fn empty(options: Arc<CheckOptions>) -> Context {
        Context {
            inputs: Vec::new(),
            trees: Vec::new(),
            objects: Vec::new(),
            options,
            namespaces: HashMap::new(),
            meshes: Vec::new(),
            global_lifecycle: false,
            facts: Vec::new(),
        }
    }

    /// What is worked out once every document is read: namespaces, mesh configs, the
    /// objects' facts.
    fn derive(&mut self) {
        let cx = &*self;
        let mut namespaces = HashMap::new();
        for object in &cx.objects {
            if object.class == Class::Namespace
                && let Some(name) = object.name()
            {
                let labels = workload::labels(cx.tree(object), object.resource.node);
                namespaces.insert(name.to_owned(), labels);
            }
        }
        let meshes = cx
            .objects
            .iter()
            .filter_map(|o| Some((o.id, cx.read_mesh_source(o)?)))
            .collect();
        let global_lifecycle = cx.objects.iter().any(|o| cx.sets_global_lifecycle(o));
        self.namespaces = namespaces;
        self.meshes = meshes;
        self.global_lifecycle = global_lifecycle;
        self.facts = self.objects.iter().map(|o| self.facts_of(o)).collect();
    }

    /// Whether a mesh config object sets the injector's global `proxy.lifecycle`.
    pub fn sets_global_lifecycle(&self, object: &Object) -> bool {
        match object.class {
            Class::ControlPlane { values: false } => shutdown::sets_global_lifecycle(
                self.tree(object),
                object.resource.node,
                "ControlPlane",
            ),
            Class::IstioOperator => shutdown::sets_global_lifecycle(
                self.tree(object),
                object.resource.node,
                "IstioOperator",
            ),
            Class::IstiodValues => shutdown::sets_global_lifecycle(
                self.tree(object),
                object.resource.node,
                "IstiodValues",
            ),
            _ => false,
        }
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
        let name = source.name.clone();
        let values = source.treat == Treat::Values;
        let text = match read::read_text(source, &self.options.limits) {
            Ok(text) => Arc::new(text),
            Err(d) => {
                errors.push(d);
                self.inputs.push(Input {
                    name,
                    text: Arc::default(),
                    documents: Vec::new(),
                });
                return;
            }
        };
        let mut documents = Vec::new();
        let mut values_pending = values;
        for slice in read::documents(&text) {
            let mut read =
                read::read_document(&name, &text, &slice, values_pending, &self.options.limits);
            values_pending &= read.parsed.is_none();
            errors.append(&mut read.errors);
            self.push_document(input_index, read, &mut documents);
        }
        self.inputs.push(Input {
            name,
            text,
            documents,
        });
    }

    /// Adds a document that was read (its tree and objects) to input `input`'s `documents`.
    fn push_document(&mut self, input: usize, read: ReadDoc, documents: &mut Vec<Doc>) {
        let ReadDoc {
            mut doc, parsed, ..
        } = read;
        if let Some(Parsed {
            tree,
            resources,
            embedded,
        }) = parsed
        {
            let tree_index = self.trees.len();
            doc.tree = Some(tree_index);
            self.trees.push(tree);
            let mut embedded = embedded.into_iter().peekable();
            for (host, (resource, class)) in resources.into_iter().enumerate() {
                self.objects.push(Object {
                    id: self.objects.len(),
                    input,
                    document: documents.len(),
                    tree: tree_index,
                    resource,
                    class,
                    embedded: None,
                });
                // The embedded mesh config right after its ConfigMap.
                while let Some((_, inner, inner_resource, mut place)) =
                    embedded.next_if(|e| e.0 == host)
                {
                    place.host_tree = tree_index;
                    self.objects.push(Object {
                        id: self.objects.len(),
                        input,
                        document: documents.len(),
                        tree: self.trees.len(),
                        resource: inner_resource,
                        class: Class::MeshConfig,
                        embedded: Some(place),
                    });
                    self.trees.push(inner);
                }
            }
        }
        documents.push(doc);
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

    /// An object's `meshdrain.io/ignore` annotation (control plane Helm values have none).
    pub fn ignore_annotation(&self, object: &Object) -> Option<&str> {
        if matches!(object.class, Class::ControlPlane { values: true }) {
            return None;
        }
        // A mesh config read from a ConfigMap's string is suppressed by the ConfigMap's.
        let (tree, node) = match &object.embedded {
            Some(e) => (self.trees.get(e.host_tree)?, e.host_node),
            None => (self.tree(object), object.resource.node),
        };
        tree.get_path(
            node,
            &[
                "metadata",
                "annotations",
                super::suppress::IGNORE_ANNOTATION,
            ],
        )
        .and_then(|n| tree.node(n))
        .and_then(|n| n.as_str())
    }

    /// What suppresses a finding, if anything does: its resource's annotation, else the
    /// first matching entry of the policy.
    pub fn suppression(&self, finding: &Finding, options: &CheckOptions) -> Option<Suppression> {
        let object = self.object(finding.object)?;
        super::suppress::suppression_of(
            finding.rule.code,
            self.ignore_annotation(object),
            &object.resource.reference,
            self.input(object).map(|i| i.name.as_str()),
            options,
        )
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
