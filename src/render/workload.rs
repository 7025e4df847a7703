//! Planning one step of a resource on the current text. Field steps go to [`crate::plan`];
//! a workload's proxy config is a YAML or JSON document inside a string, edited here with the
//! same splice editor and checked against the same json-patch oracle before the string itself
//! is replaced; grace periods follow from the sidecar's wait as the edited pod now says it.

use saphyr_parser::ScalarStyle;
use serde_json::Value;

use crate::document::{NodeKind, Tree};
use crate::drain::{Field, Location};
use crate::model::Resource;
use crate::model::shutdown::{self, MeshFacts, ShutdownPath};
use crate::model::workload::{self, PROXY_CONFIG_ANNOTATION, ProxyConfig};
use crate::patch::{Change, Pointer};
use crate::plan::workload::{
    ProxyEntry, Wanted, config_root, fresh_proxy_config, needed_grace, proxy_entry, set_payload,
};
use crate::plan::{self, Decision, PlanError, SidecarTask};
use crate::policy::OnConflict;

use super::options::RenderOptions;
use super::payload::{self, Embedded};
use super::planned::{Planned, Report, StepError};
use super::tasks::{Payload, Step, Task};

/// Plans one step on `tree`, the tree of `text`, the current text of the document.
pub(super) fn plan_step(
    tree: &Tree,
    text: &str,
    resource: &Resource,
    node: crate::document::NodeId,
    task: &Task,
    options: &RenderOptions,
) -> Result<Planned, StepError> {
    let single = |d: Decision| Planned {
        change: match &d {
            Decision::Change { change, .. } => Some(change.clone()),
            _ => None,
        },
        splices: None,
        reports: vec![Report::of(d)],
    };
    let sidecar = |f: &super::tasks::FieldTask| SidecarTask {
        field: f.field,
        wanted: f.wanted,
        on_conflict: task.on_conflict,
        istio: options.istio_version,
    };
    match &task.step {
        Step::Field(f) => {
            let decision = match f.location {
                Location::IstioOverlay => {
                    plan::sidecar(tree, node, &resource.pointer, &sidecar(f))?
                }
                Location::DefaultConfig(keys) => {
                    let decision = plan::mesh::default_config(
                        tree,
                        node,
                        &resource.pointer,
                        keys,
                        &sidecar(f),
                    )?;
                    let mut planned = single(decision);
                    super::mesh::restart_note(&mut planned);
                    return Ok(planned);
                }
                Location::MeshConfigMap => {
                    return super::mesh::config_map_field(
                        tree,
                        text,
                        node,
                        resource,
                        &sidecar(f),
                        options,
                    );
                }
                Location::Spec | Location::PodTemplate(_) => plan::spec_field(
                    tree,
                    node,
                    &resource.pointer,
                    f.field,
                    f.wanted,
                    task.on_conflict,
                )?,
            };
            Ok(single(decision))
        }
        Step::GatewayGrace { margin } => {
            let decision = plan::gateway::grace_period(
                tree,
                node,
                &resource.pointer,
                *margin,
                task.on_conflict,
            )?;
            let (Some(decision), Some(drain), Some(needed)) = (
                decision,
                plan::gateway::drain_seconds(tree, node),
                plan::gateway::needed(tree, node, *margin),
            ) else {
                return Ok(Planned::nothing());
            };
            let mut planned = single(decision);
            for r in &mut planned.reports {
                r.note = Some(format!(
                    "the gateway's pods need {needed}s: {} connectionDrainDuration + {margin} margin",
                    show(drain)
                ));
                r.shown = Some(needed.to_string());
            }
            Ok(planned)
        }
        Step::ProxyConfig {
            template,
            entries,
            payload,
        } => proxy_config(
            tree,
            node,
            resource,
            template,
            entries,
            *payload,
            task.on_conflict,
            options,
        ),
        Step::WorkloadGrace {
            template,
            margin,
            mesh,
            global_lifecycle,
        } => workload_grace(
            tree,
            node,
            resource,
            template,
            *margin,
            mesh,
            MeshFacts {
                native_sidecars: options.policy.native_sidecars,
                global_lifecycle: *global_lifecycle,
            },
            options.istio_version,
            task.on_conflict,
        ),
    }
}

/// The pod template of the resource at `node` in the current tree.
fn template_of(
    tree: &Tree,
    node: crate::document::NodeId,
    resource: &Resource,
    keys: &[&str],
) -> Result<workload::PodTemplate, StepError> {
    workload::pod_template_at(tree, node, &resource.pointer, keys).ok_or_else(|| {
        StepError::Internal("a workload's pod template moved while editing".to_owned())
    })
}

#[allow(clippy::too_many_arguments)]
fn proxy_config(
    tree: &Tree,
    node: crate::document::NodeId,
    resource: &Resource,
    template: &[&str],
    entries: &[ProxyEntry],
    payload: Payload,
    on_conflict: OnConflict,
    options: &RenderOptions,
) -> Result<Planned, StepError> {
    let pod = template_of(tree, node, resource, template)?;
    let keys: Vec<String> = ["metadata", "annotations", PROXY_CONFIG_ANNOTATION]
        .map(String::from)
        .to_vec();
    let (existing, path) = match payload {
        Payload::Annotation => {
            let node = keys.iter().try_fold(pod.node, |n, k| tree.get(n, k));
            let path = keys.iter().fold(pod.pointer.clone(), |p, k| p.key(k));
            (node, path)
        }
        Payload::Env => match workload::sidecar_proxy_config_env(tree, &pod) {
            Some(env) => (Some(env.node), env.pointer),
            None => return Ok(Planned::nothing()),
        },
    };
    let what = match payload {
        Payload::Annotation => format!("the {PROXY_CONFIG_ANNOTATION} annotation"),
        Payload::Env => format!("the {} env of istio-proxy", workload::PROXY_CONFIG_ENV),
    };
    let existing = match existing.and_then(|n| tree.node(n).map(|node| (n, node))) {
        None => None,
        Some((_, node)) if node.is_null() => None,
        Some((id, node)) => match (&node.kind, node.as_str()) {
            (NodeKind::Scalar { style, .. }, Some(text)) => Some((id, text, *style)),
            _ => {
                return Err(StepError::Plan(PlanError {
                    code: "invalid-proxy-config",
                    message: format!("{what} is {}, not a string", crate::document::node_type(node)),
                    hint: "write the proxy config as a string (a YAML or JSON document), as Kubernetes requires of annotations and env values".to_owned(),
                    at: Some((node.start, node.end.max(node.start))),
                    path: path.clone(),
                }));
            }
        },
    };
    let (content, inner) = match existing {
        None => fresh(entries, false, &path)?,
        Some((id, text, style)) => {
            let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
            edit_payload(text, entries, on_conflict, block, &what, &path, options).map_err(|e| {
                match e {
                    StepError::Plan(mut p) => {
                        if p.at.is_none() {
                            p.at = tree.node(id).map(|n| (n.start, n.end.max(n.start)));
                        }
                        StepError::Plan(p)
                    }
                    other => other,
                }
            })?
        }
    };
    let outer = match payload {
        Payload::Annotation => {
            let rel: Vec<String> = keys;
            set_payload(tree, pod.node, &pod.pointer, &rel, content)?
        }
        Payload::Env => Decision::Change {
            change: Change::Replace {
                path: path.clone(),
                value: crate::patch::NewValue::str(content.clone()),
            },
            path: path.clone(),
            previous: None,
        },
    };
    let changed = inner
        .iter()
        .any(|(_, d)| matches!(d, Decision::Change { .. }));
    let change = match (&outer, changed) {
        (Decision::Change { change, .. }, true) => Some(change.clone()),
        _ => None,
    };
    let env_note = (payload == Payload::Env).then(|| {
        "in the PROXY_CONFIG env of the istio-proxy container already in the pod spec".to_owned()
    });
    let reports = inner
        .into_iter()
        .map(|(entry, decision)| {
            let shown = match &decision {
                Decision::Change { change, .. } => match change.value() {
                    crate::patch::NewValue::Str(s) => Some(s.clone()),
                    _ => None,
                },
                _ => None,
            };
            // Positions point at the payload; the entry is named in the message.
            let decision = at_path(decision, &path);
            Report {
                entry: Some(match &env_note {
                    Some(n) => format!("{entry} {n}"),
                    None => entry,
                }),
                decision,
                shown,
                note: None,
                inner: None,
            }
        })
        .collect();
    Ok(Planned {
        change,
        splices: None,
        reports,
    })
}

/// The decision with its path replaced by the payload's (inner paths are inside a string).
fn at_path(decision: Decision, path: &Pointer) -> Decision {
    match decision {
        Decision::Unchanged { existing, .. } => Decision::Unchanged {
            path: path.clone(),
            existing,
        },
        Decision::Kept {
            existing, wanted, ..
        } => Decision::Kept {
            path: path.clone(),
            existing,
            wanted,
        },
        Decision::Change {
            change, previous, ..
        } => Decision::Change {
            change,
            path: path.clone(),
            previous,
        },
    }
}

type Inner = (String, Vec<(String, Decision)>);

/// A new payload holding the entries: YAML lines, or one line of JSON to replace a payload
/// written as a flow scalar.
fn fresh(entries: &[ProxyEntry], json: bool, path: &Pointer) -> Result<Inner, StepError> {
    let (yaml, changes) = fresh_proxy_config(entries);
    let empty = Value::Object(serde_json::Map::new());
    let expected = crate::patch::expected(&empty, &changes)
        .map_err(|e| StepError::Internal(format!("json-patch refused a proxy config: {e}")))?;
    let text = if json {
        serde_json::to_string(&expected).unwrap_or_default()
    } else {
        yaml
    };
    let tree = Tree::parse(&text)
        .map_err(|e| StepError::Internal(format!("a new proxy config does not parse: {e}")))?;
    crate::selfcheck::check_document(&empty, &changes, &text, &tree)
        .map_err(StepError::Internal)?;
    let reports = entries
        .iter()
        .map(|e| {
            let decision = if e.wanted == Wanted::Flag(false) {
                Decision::Unchanged {
                    path: path.clone(),
                    existing: "unset (Istio's default: false)".to_owned(),
                }
            } else {
                Decision::Change {
                    change: Change::Add {
                        path: path.clone(),
                        value: crate::patch::NewValue::str(e.wanted.text()),
                    },
                    path: path.clone(),
                    previous: None,
                }
            };
            (e.label.clone(), decision)
        })
        .collect();
    Ok((text, reports))
}

/// The payload `text` with the entries merged in, each planned on the text the ones before
/// it left, the result checked against the json-patch oracle.
fn edit_payload(
    text: &str,
    entries: &[ProxyEntry],
    on_conflict: OnConflict,
    block: bool,
    what: &str,
    path: &Pointer,
    options: &RenderOptions,
) -> Result<Inner, StepError> {
    let payload = Embedded {
        what,
        path,
        code: "invalid-proxy-config",
        hint: "fix the proxy config: Istio refuses the pod at injection when it does not parse",
    };
    let Some(read) = payload::read(text, &payload, options).map_err(StepError::from)? else {
        return fresh(entries, !block, path);
    };
    let mut tree = read.tree;
    let mut current = text.to_owned();
    let mut changes = Vec::new();
    let mut reports = Vec::new();
    for entry in entries {
        let root = config_root(&tree).map_err(|why| payload.invalid(why))?;
        let decision = proxy_entry(&tree, root, entry, on_conflict).map_err(|mut e| {
            e.message = format!("{what}: {}", e.message);
            e.at = None;
            e.path = path.clone();
            StepError::Plan(e)
        })?;
        if let Decision::Change { change, .. } = &decision {
            let edited = payload::change(&tree, &current, change, &entry.label, &payload)?;
            tree = edited.tree;
            current = edited.text;
            changes.push(change.clone());
        }
        reports.push((entry.label.clone(), decision));
    }
    payload::verify(&read.value, &changes, &current, &tree)?;
    Ok((current, reports))
}

/// How long the sidecar outlives its SIGTERM on its shutdown path, and what says so.
fn sidecar_wait(
    configs: &[ProxyConfig],
    mesh: &Option<(f64, String)>,
    path: ShutdownPath,
) -> (f64, String) {
    match path {
        ShutdownPath::Native => {
            return (
                0.0,
                "a native sidecar (Istio 1.21+) stops with the applications, without a wait of its own".to_owned(),
            );
        }
        ShutdownPath::ExitOnZero => {
            let minimum = shutdown::metadata_value(configs, shutdown::MINIMUM_DRAIN)
                .and_then(|(v, _)| shutdown::value_seconds(v))
                .unwrap_or(Field::MinimumDrainDuration.spec().default_secs as f64);
            return (
                minimum,
                "MINIMUM_DRAIN_DURATION (the sidecar exits on zero connections after it)"
                    .to_owned(),
            );
        }
        ShutdownPath::Classic | ShutdownPath::NativeSleeps => {}
    }
    let field = Field::TerminationDrainDuration;
    if let Some(secs) =
        shutdown::field_value(configs, field).and_then(|(v, _)| shutdown::value_seconds(v))
    {
        return (secs, "terminationDrainDuration".to_owned());
    }
    match mesh {
        Some((secs, from)) => (*secs, from.clone()),
        None => (
            field.spec().default_secs as f64,
            "Istio's default terminationDrainDuration".to_owned(),
        ),
    }
}

fn show(secs: f64) -> String {
    if secs.fract() == 0.0 {
        format!("{secs:.0}s")
    } else {
        format!("{secs}s")
    }
}

#[allow(clippy::too_many_arguments)]
fn workload_grace(
    tree: &Tree,
    node: crate::document::NodeId,
    resource: &Resource,
    template: &[&str],
    margin: crate::duration::DrainSeconds,
    mesh: &Option<(f64, String)>,
    mesh_facts: MeshFacts,
    istio: crate::istio::IstioVersion,
    on_conflict: OnConflict,
) -> Result<Planned, StepError> {
    let pod = template_of(tree, node, resource, template)?;
    let configs: Vec<ProxyConfig> = workload::proxy_config_annotation(tree, &pod)
        .into_iter()
        .chain(workload::sidecar_proxy_config_env(tree, &pod))
        .collect();
    let containers = workload::containers(tree, &pod);
    let kind = shutdown::sidecar_kind(tree, &pod, &containers, mesh_facts);
    let path = shutdown::shutdown_path(&kind, shutdown::exits_on_zero(&configs), istio);
    let (wait, from) = sidecar_wait(&configs, mesh, path);
    // Every container's, the sidecar's too: a classic sidecar's own preStop sleep delays its
    // SIGTERM (a native sidecar's preStop is Istio's drain request, not a sleep).
    let prestop = containers
        .iter()
        .filter_map(|c| Some((workload::prestop_sleep(tree, c)?.seconds, c.name.clone())))
        .filter(|(s, _)| s.is_finite())
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let needed = needed_grace(wait, prestop.as_ref().map_or(0.0, |p| p.0), margin);
    let decision = plan::workload::grace_period(
        tree,
        pod.spec,
        &pod.pointer.key("spec"),
        needed,
        on_conflict,
    )?;
    let mut parts = Vec::new();
    if path != ShutdownPath::Native {
        parts.push(format!("{} {from}", show(wait)));
    }
    if let Some((s, name)) = &prestop {
        parts.push(format!(
            "{} preStop sleep of {}",
            show(*s),
            name.as_deref().unwrap_or("a container")
        ));
    }
    parts.push(format!("{margin} margin"));
    let note = match path {
        ShutdownPath::Native => format!("the drain needs {needed}s: {}; {from}", parts.join(" + ")),
        _ => format!(
            "the drain needs {needed}s: {}, on the {path} path",
            parts.join(" + ")
        ),
    };
    let change = match &decision {
        Decision::Change { change, .. } => Some(change.clone()),
        _ => None,
    };
    Ok(Planned {
        change,
        splices: None,
        reports: vec![Report {
            entry: None,
            decision,
            shown: Some(needed.to_string()),
            note: Some(note),
            inner: None,
        }],
    })
}
