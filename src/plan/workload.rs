//! Decisions for workloads and their pods: the entries a workload rule puts into a pod's proxy
//! config (the `proxy.istio.io/config` annotation, a YAML or JSON document inside a string),
//! and the pods' `terminationGracePeriodSeconds`, raised to hold the drain and never lowered.

use crate::document::{NodeId, NodeKind, ScalarType, Tree};
use crate::drain::{self, Field, ProxyConfigKey, Section};
use crate::duration::DrainSeconds;
use crate::model::dotted;
use crate::model::workload::DEFAULT_GRACE_SECONDS;
use crate::patch::{Change, NewValue, Pointer};
use crate::policy::{OnConflict, WorkloadRule};

use super::{Decision, PlanError, Walk, decide, expect_mapping, span, walk};

pub use crate::model::shutdown::{EXIT_ON_ZERO, PROXY_METADATA};

/// What a proxy config entry should hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    Duration(DrainSeconds),
    /// A boolean as pilot-agent reads an environment variable (`strconv.ParseBool`).
    Flag(bool),
}

impl Wanted {
    /// The text written for it.
    pub fn text(self) -> String {
        match self {
            Wanted::Duration(d) => d.canonical(),
            Wanted::Flag(b) => b.to_string(),
        }
    }
}

/// One entry a workload rule writes into a pod's proxy config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyEntry {
    /// Its name in messages: `terminationDrainDuration`, `proxyMetadata.MINIMUM_DRAIN_DURATION`.
    pub label: String,
    /// `None`: a top-level field; `Some(env)`: a `proxyMetadata` entry.
    pub metadata: Option<&'static str>,
    /// The top-level key's spellings (camelCase first), for a field.
    pub names: Vec<&'static str>,
    pub wanted: Wanted,
}

/// The entries a rule writes, in drain table order, exit-on-zero last. A `false`
/// exit-on-zero is wanted only where the key is already written (Istio's default is off).
pub fn proxy_entries(rule: &WorkloadRule) -> Vec<ProxyEntry> {
    let mut out: Vec<ProxyEntry> = drain::written_in(Section::Workload)
        .filter_map(|f| {
            let wanted = Wanted::Duration(rule.durations.get(f.field)?);
            Some(match f.proxy_config? {
                ProxyConfigKey::Field => ProxyEntry {
                    label: f.name.to_owned(),
                    metadata: None,
                    names: f.names().collect(),
                    wanted,
                },
                ProxyConfigKey::ProxyMetadata(env) => ProxyEntry {
                    label: format!("proxyMetadata.{env}"),
                    metadata: Some(env),
                    names: Vec::new(),
                    wanted,
                },
            })
        })
        .collect();
    if let Some(on) = rule.exit_on_zero {
        out.push(ProxyEntry {
            label: format!("proxyMetadata.{EXIT_ON_ZERO}"),
            metadata: Some(EXIT_ON_ZERO),
            names: Vec::new(),
            wanted: Wanted::Flag(on),
        });
    }
    out
}

/// The first key of `names` a mapping has.
fn present(tree: &Tree, map: NodeId, names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|n| tree.get(map, n).is_some())
}

/// The decision for one entry in a parsed proxy config whose root is the mapping `root`.
pub fn proxy_entry(
    tree: &Tree,
    root: NodeId,
    entry: &ProxyEntry,
    on_conflict: OnConflict,
) -> Result<Decision, PlanError> {
    let leaf = NewValue::str(entry.wanted.text());
    let keys: Vec<String> = match entry.metadata {
        None => vec![
            present(tree, root, &entry.names)
                .or(entry.names.first().copied())
                .unwrap_or_default()
                .to_owned(),
        ],
        Some(env) => vec![
            present(tree, root, &PROXY_METADATA)
                .unwrap_or(PROXY_METADATA[0])
                .to_owned(),
            env.to_owned(),
        ],
    };
    let base = Pointer::root();
    match walk(tree, root, &base, &keys, &leaf)? {
        Walk::Create(change) => {
            // A wanted `false` where nothing is written: Istio's default already.
            if entry.wanted == Wanted::Flag(false) {
                let path = keys.iter().fold(base, |p, k| p.key(k));
                return Ok(Decision::Unchanged {
                    path,
                    existing: "unset (Istio's default: false)".to_owned(),
                });
            }
            let path = keys.iter().fold(base, |p, k| p.key(k));
            Ok(Decision::Change {
                change,
                path,
                previous: None,
            })
        }
        Walk::Found(node, path) => match entry.wanted {
            Wanted::Duration(d) => decide(tree, node, &path, d, on_conflict),
            Wanted::Flag(b) => decide_flag(tree, node, &path, b, on_conflict),
        },
    }
}

use crate::model::shutdown::parse_bool;

fn decide_flag(
    tree: &Tree,
    node: NodeId,
    path: &Pointer,
    wanted: bool,
    on_conflict: OnConflict,
) -> Result<Decision, PlanError> {
    let n = tree.node(node);
    // proxyMetadata is a map of strings: an unquoted `true` is not one (jsonpb rejects it).
    let text = n
        .filter(|n| n.scalar_type() == Some(ScalarType::Str))
        .and_then(|n| n.as_str())
        .map(str::to_owned);
    let existing = text.as_deref().and_then(parse_bool);
    let shown = n
        .and_then(|n| n.as_str().map(str::to_owned))
        .unwrap_or_else(|| "a collection".to_owned());
    if existing == Some(wanted) {
        return Ok(Decision::Unchanged {
            path: path.clone(),
            existing: shown,
        });
    }
    let replace = Decision::Change {
        change: Change::Replace {
            path: path.clone(),
            value: NewValue::str(wanted.to_string()),
        },
        path: path.clone(),
        previous: Some(shown.clone()),
    };
    match (on_conflict, existing.is_some()) {
        (OnConflict::Override, _) => Ok(replace),
        (OnConflict::Keep, true) => Ok(Decision::Kept {
            path: path.clone(),
            existing: shown,
            wanted: format!("\"{wanted}\""),
        }),
        (OnConflict::Error, true) => Err(PlanError::new(
            "drain-conflict",
            format!(
                "{} is {shown:?}, but the policy wants \"{wanted}\"",
                dotted(path)
            ),
            "change the annotation or the policy so they agree, or set onConflict: override or keep",
            span(tree, node),
            path,
        )),
        (_, false) => Err(PlanError::new(
            "invalid-existing-value",
            format!(
                "{} is {shown}, which pilot-agent does not read as a boolean string",
                dotted(path)
            ),
            "write it as the string \"true\" or \"false\", or set onConflict: override to replace it",
            span(tree, node),
            path,
        )),
    }
}

/// A fresh proxy config holding `entries`, as YAML lines (the annotation did not exist or was
/// empty), and the changes that make it from an empty mapping.
pub fn fresh_proxy_config(entries: &[ProxyEntry]) -> (String, Vec<Change>) {
    let mut text = String::new();
    let mut changes = Vec::new();
    let mut metadata: Vec<(&str, String)> = Vec::new();
    for e in entries {
        if e.wanted == Wanted::Flag(false) {
            continue;
        }
        let value = e.wanted.text();
        match e.metadata {
            None => {
                let key = e.names.first().copied().unwrap_or_default();
                text.push_str(&format!("{key}: {}\n", crate::edit::scalar::write(&value)));
                changes.push(Change::Add {
                    path: Pointer::root().key(key),
                    value: NewValue::str(value),
                });
            }
            Some(env) => metadata.push((env, value)),
        }
    }
    if !metadata.is_empty() {
        text.push_str(&format!("{}:\n", PROXY_METADATA[0]));
        for (env, value) in &metadata {
            text.push_str(&format!(
                "  {env}: {}\n",
                crate::edit::scalar::double_quoted(value)
            ));
        }
        changes.push(Change::Add {
            path: Pointer::root().key(PROXY_METADATA[0]),
            value: NewValue::Map(
                metadata
                    .into_iter()
                    .map(|(env, v)| (env.to_owned(), NewValue::str(v)))
                    .collect(),
            ),
        });
    }
    (text, changes)
}

/// Whether a proxy config document needs no entries at all (empty, or only a null).
pub fn is_empty_config(tree: &Tree) -> bool {
    tree.root
        .and_then(|r| tree.node(r))
        .is_none_or(|n| n.is_null())
}

/// The root mapping of a proxy config document, or why it is not one.
pub fn config_root(tree: &Tree) -> Result<NodeId, String> {
    let root = tree.root.ok_or("it is empty")?;
    match tree.node(root).map(|n| &n.kind) {
        Some(NodeKind::Mapping { .. }) => Ok(root),
        _ => Err("it is not a mapping of ProxyConfig fields".to_owned()),
    }
}

/// The grace period a pod needs: the sidecar's wait, the longest preStop sleep and the
/// margin, rounded up to whole seconds.
pub fn needed_grace(wait_secs: f64, prestop_secs: f64, margin: DrainSeconds) -> i64 {
    let total = wait_secs + prestop_secs + margin.secs() as f64;
    if total.is_finite() {
        total.ceil().clamp(0.0, i64::MAX as f64) as i64
    } else {
        i64::MAX
    }
}

/// `terminationGracePeriodSeconds` of the pod spec `spec` (at `spec_path`): raised to
/// `needed` when it is shorter (written when unset and Kubernetes' 30s is too short), never
/// lowered.
pub fn grace_period(
    tree: &Tree,
    spec: NodeId,
    spec_path: &Pointer,
    needed: i64,
    on_conflict: OnConflict,
) -> Result<Decision, PlanError> {
    const KEY: &str = "terminationGracePeriodSeconds";
    expect_mapping(tree, spec, spec_path)?;
    let path = spec_path.key(KEY);
    let node = tree.get(spec, KEY);
    let n = node.and_then(|id| tree.node(id));
    let unset = n.is_none_or(|n| n.is_null());
    if unset {
        if needed <= DEFAULT_GRACE_SECONDS {
            return Ok(Decision::Unchanged {
                path,
                existing: format!("unset (Kubernetes' default {DEFAULT_GRACE_SECONDS}s)"),
            });
        }
        let change = match node {
            None => Change::Add {
                path: path.clone(),
                value: NewValue::Int(needed),
            },
            Some(_) => Change::Replace {
                path: path.clone(),
                value: NewValue::Int(needed),
            },
        };
        return Ok(Decision::Change {
            change,
            path,
            previous: Some(format!(
                "unset, Kubernetes' default {DEFAULT_GRACE_SECONDS}"
            )),
        });
    }
    match node {
        Some(id) => decide_grace(tree, id, &path, needed, on_conflict, "the drain"),
        None => Err(PlanError::new(
            "invalid-existing-value",
            format!("{} cannot be read", dotted(&path)),
            "write the grace period as a number of seconds (e.g. 45)",
            None,
            &path,
        )),
    }
}

/// Compares an existing grace period (an integer) with the one `what` needs: never lowered,
/// raised under `override`.
pub(super) fn decide_grace(
    tree: &Tree,
    node: NodeId,
    path: &Pointer,
    needed: i64,
    on_conflict: OnConflict,
    what: &str,
) -> Result<Decision, PlanError> {
    let n = tree.node(node);
    let current = n
        .filter(|n| n.scalar_type() == Some(ScalarType::Int))
        .and_then(|n| n.as_str())
        .and_then(|s| s.parse::<i64>().ok());
    let Some(current) = current else {
        let shown = n.and_then(|n| n.as_str()).unwrap_or("a collection");
        return Err(PlanError::new(
            "invalid-existing-value",
            format!(
                "{} is {shown:?}, not an integer, which Kubernetes rejects",
                dotted(path)
            ),
            "write the grace period as a number of seconds (e.g. 45)",
            span(tree, node),
            path,
        ));
    };
    if current >= needed {
        return Ok(Decision::Unchanged {
            path: path.clone(),
            existing: current.to_string(),
        });
    }
    match on_conflict {
        OnConflict::Override => Ok(Decision::Change {
            change: Change::Replace {
                path: path.clone(),
                value: NewValue::Int(needed),
            },
            path: path.clone(),
            previous: Some(current.to_string()),
        }),
        OnConflict::Keep => Ok(Decision::Kept {
            path: path.clone(),
            existing: current.to_string(),
            wanted: format!("at least {needed}"),
        }),
        OnConflict::Error => Err(PlanError::new(
            "drain-conflict",
            format!("{} is {current}, but {what} needs {needed}s", dotted(path)),
            "raise the grace period, or set onConflict: override (meshdrain raises it) or keep",
            span(tree, node),
            path,
        )),
    }
}

/// The field a duration of a proxy config entry is, for the wait computation.
pub fn entry_field(entry: &ProxyEntry) -> Option<Field> {
    entry.names.first().and_then(|n| Field::from_name(n))
}

/// Sets the string at `keys` below the pod template `template` (creating missing levels) to
/// `content`: the proxy config payload after its entries were edited.
pub fn set_payload(
    tree: &Tree,
    template: NodeId,
    template_path: &Pointer,
    keys: &[String],
    content: String,
) -> Result<Decision, PlanError> {
    let leaf = NewValue::str(content.clone());
    let path = keys.iter().fold(template_path.clone(), |p, k| p.key(k));
    match walk(tree, template, template_path, keys, &leaf)? {
        Walk::Create(change) => Ok(Decision::Change {
            change,
            path,
            previous: None,
        }),
        Walk::Found(node, found) => {
            let previous = tree.node(node).and_then(|n| n.as_str()).map(str::to_owned);
            if previous.as_deref() == Some(content.as_str()) {
                return Ok(Decision::Unchanged {
                    path: found,
                    existing: content,
                });
            }
            Ok(Decision::Change {
                change: Change::Replace {
                    path: found.clone(),
                    value: leaf,
                },
                path: found,
                previous,
            })
        }
    }
}
