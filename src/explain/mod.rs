//! `meshdrain explain --resource KIND/NAMESPACE/NAME FILE…`: for one workload or TSB gateway,
//! every drain value that applies to it and where it comes from (its annotation, the
//! `PROXY_CONFIG` env, a mesh config, the policy's rule, a default; file:line), and its
//! shutdown timeline, as text, JSON or an SVG picture. It reads the linter's model of the
//! inputs, so it says what `check` sees.

pub mod render;
pub mod svg;
pub mod timeline;

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::drain::Field;
use crate::lint::context::{Class, Context, Object};
use crate::lint::rules::{injection_of, shutdown_of};
use crate::model::injection::Injection;
use crate::model::mesh::{DrainField, Written};
use crate::model::shutdown::{self, MINIMUM_DRAIN, ShutdownPath};
use crate::model::workload::{self, DEFAULT_GRACE_SECONDS};
use crate::patch::Pointer;
use crate::policy::DrainPolicy;

use timeline::{Inputs, Timeline, secs};

/// `KIND/NAMESPACE/NAME` (or `KIND/NAME` for a resource without a namespace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl std::str::FromStr for Query {
    type Err = String;
    fn from_str(s: &str) -> Result<Query, String> {
        let parts: Vec<&str> = s.split('/').collect();
        let (kind, namespace, name) = match parts.as_slice() {
            [kind, name] => (*kind, None, *name),
            [kind, ns, name] => (*kind, (!ns.is_empty()).then_some(*ns), *name),
            _ => {
                return Err(format!(
                    "{s:?} is not KIND/NAMESPACE/NAME (e.g. Deployment/shop/web) or KIND/NAME"
                ));
            }
        };
        if kind.is_empty() || name.is_empty() {
            return Err(format!("{s:?} names no kind or no name"));
        }
        Ok(Query {
            kind: kind.to_owned(),
            namespace: namespace.map(str::to_owned),
            name: name.to_owned(),
        })
    }
}

/// Where a value comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Origin {
    /// In words: `the proxy.istio.io/config annotation`, `ControlPlane istio-system/cp`, …
    pub from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// One drain value that applies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Value {
    pub name: String,
    /// As written (or the default's canonical form).
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    #[serde(flatten)]
    pub origin: Origin,
}

/// What `explain --resource` says about one resource.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    pub version: u32,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Whether it has a sidecar and why; the shutdown path and why.
    pub sidecar: Option<String>,
    pub path: Option<String>,
    pub values: Vec<Value>,
    /// What the policy's matching rule would write, when a policy was given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policy: Vec<String>,
    pub timeline: Timeline,
}

fn origin(cx: &Context, object: &Object, pointer: &Pointer, from: String) -> Origin {
    match cx.position(object, pointer) {
        Some((file, line, _)) => Origin {
            from,
            file: Some(file),
            line: Some(line),
        },
        None => Origin {
            from,
            file: None,
            line: None,
        },
    }
}

fn default_origin(from: &str) -> Origin {
    Origin {
        from: from.to_owned(),
        file: None,
        line: None,
    }
}

fn seconds_of(written: &Written) -> Option<f64> {
    let text = written.text()?;
    let d = crate::duration::GoDuration::parse(text).ok()?;
    Some(d.nanos() as f64 / crate::duration::SECOND as f64)
}

/// A ProxyConfig field for a workload's sidecar: its payloads (the env wins), the last mesh
/// config in the input, Istio's default.
fn proxy_field(cx: &Context, object: &Object, field: DrainField) -> Value {
    let name = field.name().to_owned();
    let configs = cx.proxy_configs(object);
    if let Some((v, config)) = shutdown::field_value(configs, field) {
        let written = Written::of_json(v);
        let from = payload(config);
        return Value {
            name,
            value: written.text().unwrap_or("").to_owned(),
            seconds: seconds_of(&written),
            origin: origin(cx, object, &config.pointer, from),
        };
    }
    for (mesh_object, source) in cx.mesh_sources().iter().rev() {
        if let Some(setting) = source.defaults.get(field) {
            return Value {
                name,
                value: setting.written.text().unwrap_or("").to_owned(),
                seconds: seconds_of(&setting.written),
                origin: origin(cx, mesh_object, &setting.pointer, mesh_object.describe()),
            };
        }
    }
    let d = field.spec().default_secs as f64;
    Value {
        name,
        value: secs(d),
        seconds: Some(d),
        origin: default_origin("Istio's default"),
    }
}

/// What a proxy config payload is called.
fn payload(config: &workload::ProxyConfig) -> String {
    match config.place {
        crate::model::mesh::Place::ProxyConfigEnv => {
            "the PROXY_CONFIG env of istio-proxy".to_owned()
        }
        _ => format!("the {} annotation", workload::PROXY_CONFIG_ANNOTATION),
    }
}

fn find<'c>(cx: &'c Context, q: &Query) -> Option<&'c Object> {
    cx.objects.iter().find(|o| {
        o.resource.reference.kind == q.kind
            && o.name() == Some(q.name.as_str())
            && o.namespace() == q.namespace.as_deref()
    })
}

/// Explains one resource of the inputs `cx` holds.
pub fn explain(
    cx: &Context,
    query: &Query,
    policy: Option<&DrainPolicy>,
) -> Result<Explanation, Diagnostic> {
    let Some(object) = find(cx, query) else {
        let known: Vec<String> = cx
            .objects
            .iter()
            .filter(|o| matches!(o.class, Class::Workload(_) | Class::InstallGateway(_)))
            .take(8)
            .map(|o| {
                let r = &o.resource.reference;
                format!(
                    "{}/{}{}",
                    r.kind,
                    r.namespace
                        .as_deref()
                        .map(|n| format!("{n}/"))
                        .unwrap_or_default(),
                    r.name.as_deref().unwrap_or("")
                )
            })
            .collect();
        return Err(Diagnostic::error(
            "not-found",
            format!(
                "no {} {}{} in the input",
                query.kind,
                query
                    .namespace
                    .as_deref()
                    .map(|n| format!("{n}/"))
                    .unwrap_or_default(),
                query.name
            ),
        )
        .with_hint(if known.is_empty() {
            "the input holds no workload or TSB gateway".to_owned()
        } else {
            format!("the input holds {}", known.join(", "))
        }));
    };
    let at = origin(cx, object, object.pointer(), String::new());
    match &object.class {
        Class::Workload(template) => Ok(workload_explanation(cx, object, template, at, policy)),
        Class::InstallGateway(_) => Ok(gateway_explanation(cx, object, at)),
        _ => Err(Diagnostic::error(
            "not-explainable",
            format!(
                "{} is neither a workload nor a TSB gateway: it has no shutdown to explain",
                object.describe()
            ),
        )
        .with_hint("name a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Rollout or install.tetrate.io gateway")),
    }
}

fn workload_explanation(
    cx: &Context,
    object: &Object,
    template: &workload::PodTemplate,
    at: Origin,
    policy: Option<&DrainPolicy>,
) -> Explanation {
    let tree = cx.tree(object);
    let containers = cx.containers(object);
    let injection = injection_of(cx, object, template);
    let (kind, path) = shutdown_of(cx, object, template);
    let mut values = Vec::new();
    let termination = proxy_field(cx, object, Field::TerminationDrainDuration);
    let drain = proxy_field(cx, object, Field::DrainDuration);
    let configs = cx.proxy_configs(object);
    let minimum = match shutdown::metadata_value(configs, MINIMUM_DRAIN) {
        Some((v, c)) => Value {
            name: format!("proxyMetadata.{MINIMUM_DRAIN}"),
            value: v.as_str().unwrap_or("").to_owned(),
            seconds: shutdown::value_seconds(v),
            origin: origin(cx, object, &c.pointer, payload(c)),
        },
        None => Value {
            name: format!("proxyMetadata.{MINIMUM_DRAIN}"),
            value: "5s".to_owned(),
            seconds: Some(Field::MinimumDrainDuration.spec().default_secs as f64),
            origin: default_origin("Istio's default"),
        },
    };
    let grace = workload::grace_period(tree, template);
    let grace_value = match &grace {
        Some(g) => Value {
            name: "terminationGracePeriodSeconds".to_owned(),
            value: tree
                .node(g.node)
                .and_then(|n| n.as_str())
                .unwrap_or("")
                .to_owned(),
            seconds: g.seconds.map(|s| s as f64),
            origin: origin(cx, object, &g.pointer, "the pod spec".to_owned()),
        },
        None => Value {
            name: "terminationGracePeriodSeconds".to_owned(),
            value: DEFAULT_GRACE_SECONDS.to_string(),
            seconds: Some(DEFAULT_GRACE_SECONDS as f64),
            origin: default_origin("Kubernetes' default"),
        },
    };
    let mut apps = Vec::new();
    let mut sidecar_prestop = 0.0;
    for c in containers {
        let name = c.name.clone().unwrap_or_else(|| "(unnamed)".to_owned());
        let sleep = workload::prestop_sleep(tree, c);
        if let Some(s) = &sleep {
            values.push(Value {
                name: format!("preStop sleep of {name}"),
                value: secs(s.seconds),
                seconds: Some(s.seconds),
                origin: origin(
                    cx,
                    object,
                    &s.pointer,
                    "the container's lifecycle".to_owned(),
                ),
            });
        }
        let seconds = sleep.map_or(0.0, |s| s.seconds);
        if name == workload::SIDECAR_CONTAINER {
            sidecar_prestop = seconds;
        } else {
            apps.push((name, seconds));
        }
    }
    let inputs = Inputs {
        path,
        grace: grace_value.seconds.unwrap_or(DEFAULT_GRACE_SECONDS as f64),
        apps,
        sidecar_prestop,
        termination_drain: termination.seconds.unwrap_or(5.0),
        drain_duration: drain.seconds.unwrap_or(45.0),
        minimum_drain: minimum.seconds.unwrap_or(5.0),
    };
    match path {
        ShutdownPath::ExitOnZero => values.insert(0, minimum),
        ShutdownPath::Native => values.insert(0, drain),
        ShutdownPath::Classic | ShutdownPath::NativeSleeps => {
            values.insert(0, drain);
            values.insert(0, termination);
        }
    }
    values.push(grace_value);
    let sidecar = match &injection {
        Injection::Injected(why) => format!("injected: {why}"),
        other => format!(
            "not injected as far as the input says ({}); the timeline shows it as if it were",
            other.reason()
        ),
    };
    Explanation {
        version: 1,
        resource: object.describe(),
        file: at.file,
        line: at.line,
        sidecar: Some(sidecar),
        path: Some(format!("{path} ({})", kind.why)),
        values,
        policy: policy
            .map(|p| policy_lines(cx, object, p))
            .unwrap_or_default(),
        timeline: timeline::pod(&inputs),
    }
}

/// What the policy's matching workload rule would write.
fn policy_lines(cx: &Context, object: &Object, policy: &DrainPolicy) -> Vec<String> {
    let json = cx
        .input(object)
        .zip(cx.doc(object))
        .and_then(|(input, doc)| input.text.get(doc.range.clone()))
        .and_then(|text| serde_yaml::from_str::<serde_json::Value>(text).ok())
        .and_then(|v| v.pointer(&object.pointer().to_json_pointer()).cloned())
        .unwrap_or(serde_json::Value::Null);
    match policy.workload_rule(&object.resource.reference.kind, &json) {
        None if policy.workloads.is_none() => {
            vec!["the policy has no workload rules: render leaves it alone".to_owned()]
        }
        None => vec!["no workload rule of the policy matches it".to_owned()],
        Some((i, rule)) if rule.skip => vec![format!(
            "workload rule {} ({}) skips it",
            i + 1,
            rule.matcher
        )],
        Some((i, rule)) => {
            let mut out: Vec<String> = rule
                .durations
                .iter()
                .map(|(f, d)| {
                    format!(
                        "workload rule {} ({}) sets {} {d}",
                        i + 1,
                        rule.matcher,
                        f.name()
                    )
                })
                .collect();
            if let Some(v) = rule.exit_on_zero {
                out.push(format!(
                    "workload rule {} sets exitOnZeroActiveConnections {v}",
                    i + 1
                ));
            }
            out
        }
    }
}

fn gateway_explanation(cx: &Context, object: &Object, at: Origin) -> Explanation {
    let tree = cx.tree(object);
    let site = crate::model::mesh::gateway_site(tree, object.resource.node, object.pointer());
    let drain = match &site {
        Some(s) => Value {
            name: "connectionDrainDuration".to_owned(),
            value: s.written.text().unwrap_or("").to_owned(),
            seconds: seconds_of(&s.written),
            origin: origin(cx, object, &s.pointer, "the gateway's spec".to_owned()),
        },
        None => Value {
            name: "connectionDrainDuration".to_owned(),
            value: "5s".to_owned(),
            seconds: Some(Field::ConnectionDrainDuration.spec().default_secs as f64),
            origin: default_origin("TSB's default"),
        },
    };
    let grace_ptr: Vec<&str> = crate::plan::gateway::GRACE_PATH.to_vec();
    let overlay = gateway_overlay_grace(tree, object, &grace_ptr);
    let grace = match overlay {
        Some((seconds, pointer)) => Value {
            name: "terminationGracePeriodSeconds".to_owned(),
            value: seconds.to_string(),
            seconds: Some(seconds as f64),
            origin: origin(cx, object, &pointer, "its Deployment overlay".to_owned()),
        },
        None => Value {
            name: "terminationGracePeriodSeconds".to_owned(),
            value: DEFAULT_GRACE_SECONDS.to_string(),
            seconds: Some(DEFAULT_GRACE_SECONDS as f64),
            origin: default_origin("Kubernetes' default"),
        },
    };
    let timeline = timeline::gateway(
        drain.seconds.unwrap_or(5.0),
        grace.seconds.unwrap_or(DEFAULT_GRACE_SECONDS as f64),
    );
    Explanation {
        version: 1,
        resource: object.describe(),
        file: at.file,
        line: at.line,
        sidecar: None,
        path: Some("TSB gateway: drains for connectionDrainDuration on SIGTERM".to_owned()),
        values: vec![drain, grace],
        policy: Vec::new(),
        timeline,
    }
}

/// The grace period a gateway's own Deployment overlay sets: the last overlay for its
/// Deployment, its exact patch of the field.
fn gateway_overlay_grace(
    tree: &crate::document::Tree,
    object: &Object,
    path: &[&str],
) -> Option<(i64, Pointer)> {
    let name = object.name()?;
    let overlays_path = object.pointer().key("spec").key("kubeSpec").key("overlays");
    let list = tree.get_path(object.resource.node, &["spec", "kubeSpec", "overlays"])?;
    let (index, overlay) = tree
        .items(list)
        .iter()
        .enumerate()
        .rev()
        .find(|(_, o)| crate::model::overlay_matches(tree, **o, "Deployment", name))?;
    let patches = tree.get(*overlay, "patches")?;
    let field: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
    match crate::model::field_patch(tree, patches, &field) {
        crate::model::FieldPatch::Exact { index: p, patch } => {
            let value = tree.get(patch, "value")?;
            let seconds = tree.node(value)?.as_str()?.parse().ok()?;
            Some((
                seconds,
                overlays_path
                    .index(index)
                    .key("patches")
                    .index(p)
                    .key("value"),
            ))
        }
        _ => None,
    }
}
