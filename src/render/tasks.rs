//! The first stage: from the policy to what each resource needs (its drain table target's
//! section and location, the policy's durations for it, the conflict rule), or why a matched
//! workload needs nothing.

use serde_json::Value;

use crate::document::Tree;
use crate::drain::{self, Field, Location, Section};
use crate::duration::DrainSeconds;
use crate::model::Resource;
use crate::model::injection::{self, NamespaceFacts};
use crate::model::workload;
use crate::plan::workload::{ProxyEntry, proxy_entries};
use crate::policy::{DrainPolicy, Durations, OnConflict};

use super::facts::StreamFacts;
use super::options::RenderOptions;

/// Which proxy config payload of a pod a step edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Payload {
    /// The pod template's `proxy.istio.io/config` annotation (created when absent).
    Annotation,
    /// The `PROXY_CONFIG` env of an `istio-proxy` container already in the pod spec (what its
    /// agent reads); edited only when present.
    Env,
}

/// One drain field to look after in one resource.
#[derive(Clone, Debug)]
pub(super) struct FieldTask {
    /// Where the resource keeps the field (its drain table target's location).
    pub(super) location: Location,
    pub(super) field: Field,
    pub(super) wanted: DrainSeconds,
}

/// What to look after in one resource, in order: later tasks are planned on the text the
/// earlier ones left.
#[derive(Clone, Debug)]
pub(super) enum Step {
    Field(FieldTask),
    /// A workload's proxy config entries (`proxy.istio.io/config`, and the `PROXY_CONFIG`
    /// env of an istio-proxy container already in the pod spec).
    ProxyConfig {
        template: &'static [&'static str],
        entries: Vec<ProxyEntry>,
        payload: Payload,
    },
    /// A workload's `terminationGracePeriodSeconds`, from the sidecar's wait as the pod's
    /// proxy config and the mesh's defaults (the policy's sidecar values) give it.
    WorkloadGrace {
        template: &'static [&'static str],
        margin: DrainSeconds,
        /// The mesh's terminationDrainDuration for the workload's revision, in seconds, and
        /// where it comes from (`None`: Istio's default).
        mesh: Option<(f64, String)>,
        /// A mesh config in the stream sets the injector's global `proxy.lifecycle`.
        global_lifecycle: bool,
    },
    /// A gateway's pods' grace period, through its own Deployment overlay.
    GatewayGrace {
        margin: DrainSeconds,
    },
}

/// One step with its conflict rule and the rule that chose it.
#[derive(Clone, Debug)]
pub(super) struct Task {
    pub(super) step: Step,
    pub(super) on_conflict: OnConflict,
    /// The 1-based rule that chose the values, for the summary.
    pub(super) rule: Option<usize>,
}

/// What a candidate resource gets.
pub(super) enum Work {
    Tasks(Vec<Task>),
    /// A workload a rule matched that is left alone, and why (for `-v`).
    Skipped(String),
}

/// Whether the policy has anything for this resource at all (decided before reading JSON): a
/// mesh config only when `spec.sidecar.targets` names it, or when it is the values file
/// `meshdrain values` was given.
pub(super) fn is_candidate(resource: &Resource, options: &RenderOptions) -> bool {
    let policy = &options.policy;
    match resource.target {
        Some(t) if t.section == Section::Sidecar && options.values_file => policy.sidecar.is_some(),
        Some(t) if t.section == Section::Sidecar => policy.writes_sidecar(t),
        Some(t) if t.section == Section::Gateway => policy.gateways.is_some(),
        Some(_) => policy.workloads.is_some(),
        None => false,
    }
}

/// The margin of a rule: its own, else meshdrain's default.
fn margin(durations: &Durations) -> DrainSeconds {
    durations
        .get(Field::GracePeriodMargin)
        .or_else(|| {
            u64::try_from(Field::GracePeriodMargin.spec().default_secs)
                .ok()
                .and_then(DrainSeconds::from_secs)
        })
        .unwrap_or(DrainSeconds::ONE)
}

/// The work for one candidate resource; `object` is the resource read as JSON. Fields come
/// in drain table order.
pub(super) fn work_for(
    tree: &Tree,
    resource: &Resource,
    object: &Value,
    options: &RenderOptions,
    facts: &StreamFacts,
) -> Work {
    let policy = &options.policy;
    let Some(target) = resource.target else {
        return Work::Tasks(Vec::new());
    };
    let fields = |durations: &Durations, on_conflict, rule| {
        drain::written_in(target.section)
            .filter_map(|f| {
                Some(Task {
                    step: Step::Field(FieldTask {
                        location: target.location,
                        field: f.field,
                        wanted: durations.get(f.field)?,
                    }),
                    on_conflict,
                    rule,
                })
            })
            .collect::<Vec<_>>()
    };
    match target.section {
        Section::Sidecar => match &policy.sidecar {
            Some(sidecar) => Work::Tasks(fields(sidecar, policy.on_conflict, None)),
            None => Work::Tasks(Vec::new()),
        },
        Section::Gateway => match policy.gateway_rule(&resource.reference.kind, object) {
            Some((_, rule)) if rule.skip => Work::Tasks(Vec::new()),
            Some((index, rule)) => {
                let on_conflict = rule.on_conflict.unwrap_or(policy.on_conflict);
                let mut tasks = fields(&rule.durations, on_conflict, Some(index + 1));
                tasks.push(Task {
                    step: Step::GatewayGrace {
                        margin: margin(&rule.durations),
                    },
                    on_conflict,
                    rule: Some(index + 1),
                });
                Work::Tasks(tasks)
            }
            None => Work::Tasks(Vec::new()),
        },
        Section::Workload => {
            let Location::PodTemplate(template) = target.location else {
                return Work::Tasks(Vec::new());
            };
            match policy.workload_rule(&resource.reference.kind, object) {
                None => Work::Tasks(Vec::new()),
                Some((index, rule)) if rule.skip => Work::Skipped(format!(
                    "workload rule {} ({}) skips it",
                    index + 1,
                    rule.matcher
                )),
                Some((index, rule)) => {
                    let Some(pod) = workload::pod_template(
                        tree,
                        resource.node,
                        &resource.pointer,
                        &resource.reference.api_version,
                        &resource.reference.kind,
                    ) else {
                        return Work::Skipped("it has no pod template with a spec".to_owned());
                    };
                    let containers = workload::containers(tree, &pod);
                    let why = injection::injection(
                        tree,
                        &pod,
                        &containers,
                        namespace_facts(resource, facts, policy),
                    );
                    if !why.is_injected() {
                        return Work::Skipped(format!("no sidecar: {}", why.reason()));
                    }
                    let on_conflict = rule.on_conflict.unwrap_or(policy.on_conflict);
                    let task = |step| Task {
                        step,
                        on_conflict,
                        rule: Some(index + 1),
                    };
                    let entries = proxy_entries(rule);
                    let mut tasks = vec![task(Step::ProxyConfig {
                        template,
                        entries: entries.clone(),
                        payload: Payload::Annotation,
                    })];
                    if workload::sidecar_proxy_config_env(tree, &pod).is_some() {
                        tasks.push(task(Step::ProxyConfig {
                            template,
                            entries,
                            payload: Payload::Env,
                        }));
                    }
                    tasks.push(task(Step::WorkloadGrace {
                        template,
                        margin: margin(&rule.durations),
                        mesh: mesh_wait(tree, pod.node, resource, facts, policy),
                        global_lifecycle: facts.global_lifecycle,
                    }));
                    Work::Tasks(tasks)
                }
            }
        }
    }
}

/// The mesh's terminationDrainDuration as the sidecars of a workload (its pod template at
/// `pod`) get it: from the mesh config of their revision when the stream has one (what
/// meshdrain writes into it, when the policy targets it and on-conflict keep does not leave
/// the value it has, else what it holds), else the policy's `spec.sidecar`.
fn mesh_wait(
    tree: &Tree,
    pod: crate::document::NodeId,
    resource: &Resource,
    facts: &StreamFacts,
    policy: &DrainPolicy,
) -> Option<(f64, String)> {
    let field = Field::TerminationDrainDuration;
    let from_policy = policy.sidecar.as_ref().and_then(|s| s.get(field));
    let labels = resource
        .reference
        .namespace
        .as_deref()
        .and_then(|ns| facts.namespaces.get(ns));
    let revision = crate::model::istio::workload_revision(tree, pod, labels);
    if let Some(mesh) = facts.meshes.iter().rev().find(|m| m.revision == revision) {
        // On-conflict keep leaves the mesh config's own value: meshdrain writes nothing.
        let kept = policy.on_conflict == OnConflict::Keep && mesh.termination.is_some();
        if policy.writes_sidecar(mesh.target)
            && !kept
            && let Some(d) = from_policy
        {
            return Some((
                d.secs() as f64,
                format!(
                    "the terminationDrainDuration meshdrain writes into {} (revision {revision})",
                    mesh.describe
                ),
            ));
        }
        return mesh.termination.map(|secs| {
            (
                secs,
                format!(
                    "the terminationDrainDuration of {} (revision {revision})",
                    mesh.describe
                ),
            )
        });
    }
    from_policy.map(|d| {
        (
            d.secs() as f64,
            "the mesh's terminationDrainDuration (the policy's spec.sidecar)".to_owned(),
        )
    })
}

/// The namespace facts of a resource, for the injection decision.
pub(super) fn namespace_facts<'a>(
    resource: &'a Resource,
    facts: &'a StreamFacts,
    policy: &DrainPolicy,
) -> NamespaceFacts<'a> {
    let name = resource.reference.namespace.as_deref();
    let labels = name.and_then(|n| facts.namespaces.get(n));
    let listed = policy
        .injected_namespaces
        .iter()
        .any(|p| p.matches(name.unwrap_or("")));
    NamespaceFacts {
        name,
        labels,
        listed,
    }
}

/// What the summary calls a task's field, with the rule that chose the value when the policy
/// has several.
pub(super) fn field_label(task: &Task, entry: Option<&str>, policy: &DrainPolicy) -> String {
    let name = match (&task.step, entry) {
        (Step::Field(f), _) => f.field.name().to_owned(),
        (Step::ProxyConfig { .. }, Some(e)) => {
            format!("{e} in {}", crate::model::workload::PROXY_CONFIG_ANNOTATION)
        }
        (Step::ProxyConfig { .. }, None) => {
            crate::model::workload::PROXY_CONFIG_ANNOTATION.to_owned()
        }
        (Step::WorkloadGrace { .. } | Step::GatewayGrace { .. }, _) => {
            "terminationGracePeriodSeconds".to_owned()
        }
    };
    let (rules, what) = match &task.step {
        Step::Field(f) if f.field.spec().section == Section::Sidecar => (0, ""),
        Step::Field(_) | Step::GatewayGrace { .. } => {
            (policy.gateways.as_ref().map_or(0, Vec::len), "gateway")
        }
        Step::ProxyConfig { .. } | Step::WorkloadGrace { .. } => {
            (policy.workloads.as_ref().map_or(0, Vec::len), "workload")
        }
    };
    match task.rule {
        Some(rule) if rules > 1 => format!("{name} ({what} rule {rule})"),
        _ => name,
    }
}
