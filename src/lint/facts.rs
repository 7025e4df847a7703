//! What the rules that compare documents need from each one, kept as compact facts while
//! `check` reads its input one document at a time (a document's tree is dropped once it is
//! read): the Namespaces' labels, the mesh configs, the workloads' grace periods and sidecar
//! facts, the install gateways' drains and the Deployments they run as. A fact keeps where its
//! object is ([`Spot`]); a finding decided at the end reads that one document again to say
//! where it points, so only what is reported is ever read twice.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::duration::GoDuration;
use crate::model::injection::{PodInjection, pod_injection};
use crate::model::mesh::{self, DrainField, MeshSource, Written};
use crate::model::shutdown::{self, MeshFacts, ShutdownPath};
use crate::model::workload::{self, PodTemplate};
use crate::model::{self, gateway, istio};

use super::context::{Class, Context, Object};
use super::rules::{Effective, duration, longest_prestop, own_effective};
use super::{CheckOptions, DrainModel};

/// A namespace and name (of a gateway and the Deployment it runs as).
pub type NamedIn = (Option<String>, Option<String>);

/// Where an object of the input is: its input, its document (the slice's index) and its
/// place among the document's objects, and whether the document was read as the control
/// plane Helm values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Spot {
    pub input: u32,
    pub document: u32,
    pub object: u32,
    pub values: bool,
}

/// A mesh config (ControlPlane, values, IstioOperator, raw mesh config).
#[derive(Clone, Debug)]
pub struct MeshFact {
    pub spot: Spot,
    pub describe: String,
    pub control_plane: bool,
    /// Its input's name.
    pub file: String,
    pub source: MeshSource,
}

/// A workload: what decides its sidecar's wait and its pods' grace period.
#[derive(Clone, Debug)]
pub struct WorkloadFact {
    pub spot: Spot,
    pub describe: String,
    /// What its pods say about injection (with its namespace).
    pub injection: PodInjection,
    /// The policy's `injectedNamespaces` covers its namespace.
    pub listed: bool,
    /// Its sidecar's shutdown path without, and with, the injector's global `proxy.lifecycle`.
    pub paths: [ShutdownPath; 2],
    /// The sidecar's wait (the drain model's field) as its own proxy configs set it.
    pub own_wait: Option<Effective>,
    /// `terminationGracePeriodSeconds`: `None` when unset, `Some(None)` when not an integer.
    pub grace: Option<Option<i64>>,
    /// The longest preStop sleep of its containers, with the container's name.
    pub prestop: Option<(f64, String)>,
    /// Its pods' own `istio.io/rev` label, when set ([`StreamFacts::revision`]).
    pub revision: Option<String>,
}

/// An install gateway with a valid `connectionDrainDuration`.
#[derive(Clone, Debug)]
pub struct GatewayFact {
    pub spot: Spot,
    pub describe: String,
    /// Its namespace and name, which its Deployment shares.
    pub key: NamedIn,
    pub drain: GoDuration,
    /// What its own Deployment overlay sets ([`gateway`]).
    pub overlay_prestop: Option<(f64, String)>,
    pub overlay_grace: Option<i64>,
}

/// Findings of rule `code` about a workload that wait for its injection (and the injector's
/// global `proxy.lifecycle`) to be known: whether it has any without, and with, that
/// lifecycle. The rule finds them again at the end.
#[derive(Clone, Debug)]
pub struct Conditional {
    pub code: &'static str,
    /// The workload, among [`StreamFacts::workloads`].
    pub workload: usize,
    pub findings: [bool; 2],
}

/// A drainDuration in a workload's proxy config, for GD005: its parentShutdownDuration may
/// come from a mesh config anywhere in the input.
#[derive(Clone, Debug)]
pub struct ParentCheck {
    pub spot: Spot,
    /// Which of the workload's proxy configs.
    pub config: usize,
    pub drain: Written,
    /// The proxy config's own parentShutdownDuration.
    pub parent: Option<Written>,
    /// Where the proxy config is, for the message.
    pub context: &'static str,
}

/// The facts of one document, merged into [`StreamFacts`] in input order.
#[derive(Debug, Default)]
pub struct DocFacts {
    /// Where the document is (its objects' spots but for the object).
    pub at: Spot,
    pub namespaces: Vec<(String, BTreeMap<String, String>)>,
    pub global_lifecycle: bool,
    pub meshes: Vec<MeshFact>,
    pub workloads: Vec<WorkloadFact>,
    /// The `apps` Deployments, by namespace and name, with their index among `workloads`.
    pub deployments: Vec<(NamedIn, Option<usize>)>,
    pub gateways: Vec<GatewayFact>,
    pub conditional: Vec<Conditional>,
    pub parent_checks: Vec<ParentCheck>,
}

impl DocFacts {
    /// Where `object` (of this document) is.
    pub fn spot(&self, object: &Object) -> Spot {
        Spot {
            object: u32::try_from(object.id).unwrap_or(u32::MAX),
            ..self.at
        }
    }

    /// Keeps that rule `code` has findings about the workload `object` (the last one
    /// gathered) without and with the global `proxy.lifecycle`, if it has any.
    pub fn conditional(&mut self, code: &'static str, findings: [bool; 2]) {
        if findings.iter().any(|&f| f)
            && let Some(workload) = self.workloads.len().checked_sub(1)
        {
            self.conditional.push(Conditional {
                code,
                workload,
                findings,
            });
        }
    }
}

/// The facts of every document: what the rules' `check_facts` read.
#[derive(Debug)]
pub struct StreamFacts {
    pub options: Arc<CheckOptions>,
    /// The labels of every Namespace, by name (the last one of a name wins).
    pub namespaces: HashMap<String, BTreeMap<String, String>>,
    /// A mesh config sets the injector's global `proxy.lifecycle`.
    pub global_lifecycle: bool,
    /// In input order.
    pub meshes: Vec<MeshFact>,
    pub workloads: Vec<WorkloadFact>,
    /// The `apps` Deployments by namespace and name (the last one wins), with their index
    /// among `workloads` when they are workloads.
    pub deployments: HashMap<NamedIn, Option<usize>>,
    pub gateways: Vec<GatewayFact>,
    pub conditional: Vec<Conditional>,
    pub parent_checks: Vec<ParentCheck>,
}

impl StreamFacts {
    pub fn new(options: Arc<CheckOptions>) -> StreamFacts {
        StreamFacts {
            options,
            namespaces: HashMap::new(),
            global_lifecycle: false,
            meshes: Vec::new(),
            workloads: Vec::new(),
            deployments: HashMap::new(),
            gateways: Vec::new(),
            conditional: Vec::new(),
            parent_checks: Vec::new(),
        }
    }

    /// Adds the facts of the next document.
    pub fn merge(&mut self, doc: DocFacts) {
        self.namespaces.extend(doc.namespaces);
        self.global_lifecycle |= doc.global_lifecycle;
        self.meshes.extend(doc.meshes);
        let base = self.workloads.len();
        self.deployments.extend(
            doc.deployments
                .into_iter()
                .map(|(key, index)| (key, index.map(|i| i + base))),
        );
        self.workloads.extend(doc.workloads);
        self.gateways.extend(doc.gateways);
        self.conditional
            .extend(doc.conditional.into_iter().map(|c| Conditional {
                workload: c.workload + base,
                ..c
            }));
        self.parent_checks.extend(doc.parent_checks);
    }

    /// Whether Istio injects a sidecar into a workload's pods.
    pub fn injected(&self, workload: &WorkloadFact) -> bool {
        let labels = workload
            .injection
            .namespace()
            .and_then(|ns| self.namespaces.get(ns));
        workload.injection.injected(labels, workload.listed)
    }

    /// The Istio revision of a workload's sidecar: its pods' `istio.io/rev` label, else its
    /// namespace's, else the default (as [`istio::workload_revision`] reads it from trees).
    pub fn revision(&self, workload: &WorkloadFact) -> String {
        workload
            .revision
            .clone()
            .or_else(|| {
                let labels = self.namespaces.get(workload.injection.namespace()?)?;
                labels
                    .get(istio::REVISION_LABEL)
                    .filter(|r| !r.is_empty())
                    .cloned()
            })
            .unwrap_or_else(|| istio::DEFAULT_REVISION.to_owned())
    }

    /// The mesh configs a sidecar of `revision` reads, in input order: those of its revision
    /// when the input has any, else those that name no revision.
    pub fn meshes_for(&self, revision: &str) -> Vec<&MeshFact> {
        let sources: Vec<(&MeshFact, &MeshSource)> =
            self.meshes.iter().map(|m| (m, &m.source)).collect();
        super::mesh_configs::for_revision(&sources, revision)
            .into_iter()
            .map(|(m, _)| *m)
            .collect()
    }

    /// The workloads rule `code` has findings about, now that injection and the global
    /// `proxy.lifecycle` are known.
    pub fn decided(&self, code: &str) -> impl Iterator<Item = &WorkloadFact> {
        let lifecycle = usize::from(self.global_lifecycle);
        self.conditional
            .iter()
            .filter(move |c| c.code == code && c.findings.get(lifecycle) == Some(&true))
            .filter_map(|c| self.workloads.get(c.workload))
            .filter(|w| self.injected(w))
    }
}

/// The sidecar drain field the drain model reads as the wait after SIGTERM.
pub fn wait_field(model: DrainModel) -> DrainField {
    match model {
        DrainModel::Istio => DrainField::TerminationDrainDuration,
        DrainModel::Guide => DrainField::DrainDuration,
    }
}

/// The facts every rule that compares documents shares, from one object.
pub fn gather(cx: &Context, object: &Object, out: &mut DocFacts) {
    let tree = cx.tree(object);
    let spot = out.spot(object);
    if object.class == Class::Namespace
        && let Some(name) = object.name()
    {
        let labels = workload::labels(tree, object.resource.node);
        out.namespaces.push((name.to_owned(), labels));
    }
    out.global_lifecycle |= cx.sets_global_lifecycle(object);
    if let Some(source) = cx.mesh_source(object) {
        out.meshes.push(MeshFact {
            spot,
            describe: object.describe(),
            control_plane: matches!(object.class, Class::ControlPlane { .. }),
            file: cx.input(object).map(|i| i.name.clone()).unwrap_or_default(),
            source: source.clone(),
        });
    }
    let workload = match &object.class {
        Class::Workload(template) => {
            out.workloads
                .push(workload_fact(cx, object, template, spot));
            Some(out.workloads.len() - 1)
        }
        _ => None,
    };
    let r = &object.resource.reference;
    if r.kind == "Deployment" && model::api_group(&r.api_version) == "apps" {
        let key = (r.namespace.clone(), r.name.clone());
        out.deployments.push((key, workload));
    }
    if matches!(object.class, Class::InstallGateway(_))
        && let Some(site) = mesh::gateway_site(tree, object.resource.node, object.pointer())
        && let Some(drain) = duration(&site.written)
    {
        let (node, name) = (object.resource.node, object.name());
        out.gateways.push(GatewayFact {
            spot,
            describe: object.describe(),
            key: (r.namespace.clone(), r.name.clone()),
            drain,
            overlay_prestop: gateway::overlay_prestop(tree, node, name),
            overlay_grace: gateway::overlay_grace(tree, node, name),
        });
    }
}

fn workload_fact(
    cx: &Context,
    object: &Object,
    template: &PodTemplate,
    spot: Spot,
) -> WorkloadFact {
    let tree = cx.tree(object);
    let containers = cx.containers(object);
    let configs = cx.proxy_configs(object);
    let options = &cx.options;
    let namespace = object.namespace();
    let paths = [false, true].map(|global_lifecycle| {
        let mesh = MeshFacts {
            native_sidecars: options.native_sidecars,
            global_lifecycle,
        };
        let kind = shutdown::sidecar_kind(tree, template, containers, mesh);
        shutdown::shutdown_path(
            &kind,
            shutdown::exits_on_zero(configs),
            options.istio_version,
        )
    });
    WorkloadFact {
        spot,
        describe: object.describe(),
        injection: pod_injection(tree, template, containers, namespace),
        listed: options
            .injected_namespaces
            .iter()
            .any(|p| p.matches(namespace.unwrap_or(""))),
        paths,
        own_wait: own_effective(configs, wait_field(options.drain_model)),
        grace: workload::grace_period(tree, template).map(|g| g.seconds),
        prestop: longest_prestop(tree, containers),
        revision: istio::label(tree, template.node, istio::REVISION_LABEL)
            .filter(|r| !r.is_empty())
            .map(str::to_owned),
    }
}
