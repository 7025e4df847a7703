//! Workloads: the pod template of a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! Job, CronJob or ReplicationController, and what it says about the sidecar's shutdown:
//! whether Istio injects it, the grace period, preStop sleeps and per-pod proxy config.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::document::{NodeId, NodeKind, ScalarType, Tree};
use crate::patch::Pointer;

use super::api_group;
use super::mesh::{DrainField, DurationSite, Place, Written};

/// The sidecar container Istio injects.
pub const SIDECAR_CONTAINER: &str = "istio-proxy";
/// Per-pod proxy config, merged over the mesh's `defaultConfig`.
pub const PROXY_CONFIG_ANNOTATION: &str = "proxy.istio.io/config";
/// Per-pod injection switch (label or annotation).
pub const INJECT_KEY: &str = "sidecar.istio.io/inject";
/// The environment variable an injected `istio-proxy` reads its proxy config from.
pub const PROXY_CONFIG_ENV: &str = "PROXY_CONFIG";
/// Kubernetes' default `terminationGracePeriodSeconds`.
pub const DEFAULT_GRACE_SECONDS: i64 = 30;

/// A pod template: the mapping holding `metadata` and `spec`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodTemplate {
    pub node: NodeId,
    pub pointer: Pointer,
    pub metadata: Option<NodeId>,
    pub spec: NodeId,
}

/// Where a kind keeps its pod template: the drain table's workload targets, and the
/// `extensions` group's old Deployments, DaemonSets and ReplicaSets.
fn template_keys(api_version: &str, kind: &str) -> Option<&'static [&'static str]> {
    let api_version = match api_group(api_version) {
        "extensions" => "apps/v1",
        _ => api_version,
    };
    match crate::drain::target(api_version, kind)?.location {
        crate::drain::Location::PodTemplate(keys) => Some(keys),
        _ => None,
    }
}

/// Where each workload kind's pod template is (the Pod itself, `spec.template`, a CronJob's
/// `spec.jobTemplate.spec.template`).
const TEMPLATE_PATHS: [&[&str]; 3] = [
    &[],
    &["spec", "template"],
    &["spec", "jobTemplate", "spec", "template"],
];

/// What the linter reads of a workload, for [`crate::document::Tree::parse_pruned`]: its
/// identity and metadata, and of its pod template the metadata, the grace period and the
/// containers' names, env and lifecycle hooks. Images, ports, probes, volumes and the rest are
/// parsed and validated but not kept.
pub fn keep_for_lint(parent: &[String], key: &str) -> bool {
    let mut p: Vec<&str> = Vec::with_capacity(parent.len() + 1);
    p.extend(parent.iter().map(String::as_str));
    p.push(key);
    if matches!(p.as_slice(), ["apiVersion"] | ["kind"] | ["metadata", ..]) {
        return true;
    }
    TEMPLATE_PATHS.iter().any(|template| {
        if template.len() >= p.len() {
            // On the way to the template.
            return template.starts_with(&p);
        }
        let rest = p.get(template.len()..).unwrap_or_default();
        p.starts_with(template)
            && matches!(
                rest,
                ["metadata", ..]
                    | ["spec"]
                    | ["spec", "terminationGracePeriodSeconds" | "hostNetwork"]
                    | ["spec", "containers" | "initContainers"]
                    | [
                        "spec",
                        "containers" | "initContainers",
                        "name" | "env" | "lifecycle" | "restartPolicy",
                        ..
                    ]
            )
    })
}

/// Whether resources of this kind run pods.
pub fn is_workload(api_version: &str, kind: &str) -> bool {
    template_keys(api_version, kind).is_some()
}

/// The pod template of a workload resource.
pub fn pod_template(
    tree: &Tree,
    node: NodeId,
    pointer: &Pointer,
    api_version: &str,
    kind: &str,
) -> Option<PodTemplate> {
    pod_template_at(tree, node, pointer, template_keys(api_version, kind)?)
}

/// The pod template at `keys` below a resource.
pub fn pod_template_at(
    tree: &Tree,
    node: NodeId,
    pointer: &Pointer,
    keys: &[&str],
) -> Option<PodTemplate> {
    let template = tree.get_path(node, keys)?;
    let spec = tree.get(template, "spec")?;
    if !matches!(tree.node(spec)?.kind, NodeKind::Mapping { .. }) {
        return None;
    }
    Some(PodTemplate {
        node: template,
        pointer: keys.iter().fold(pointer.clone(), |p, k| p.key(k)),
        metadata: tree.get(template, "metadata"),
        spec,
    })
}

/// One container of a pod template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    pub node: NodeId,
    pub pointer: Pointer,
    pub name: Option<String>,
    /// Listed under `initContainers` (a native sidecar when it is `istio-proxy`).
    pub init: bool,
}

pub fn containers(tree: &Tree, template: &PodTemplate) -> Vec<Container> {
    let mut out = Vec::new();
    for (key, init) in [("initContainers", true), ("containers", false)] {
        let Some(list) = tree.get(template.spec, key) else {
            continue;
        };
        let list_ptr = template.pointer.key("spec").key(key);
        for (i, &c) in tree.items(list).iter().enumerate() {
            out.push(Container {
                node: c,
                pointer: list_ptr.index(i),
                name: tree.str_at(c, "name").map(str::to_owned),
                init,
            });
        }
    }
    out
}

/// `terminationGracePeriodSeconds` as written: seconds (when an integer) and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GracePeriod {
    pub seconds: Option<i64>,
    pub node: NodeId,
    pub pointer: Pointer,
}

pub fn grace_period(tree: &Tree, template: &PodTemplate) -> Option<GracePeriod> {
    let node = tree.get(template.spec, "terminationGracePeriodSeconds")?;
    let n = tree.node(node)?;
    let seconds = match n.scalar_type() {
        Some(ScalarType::Int) => n.as_str().and_then(|s| s.parse().ok()),
        _ => None,
    };
    Some(GracePeriod {
        seconds,
        node,
        pointer: template
            .pointer
            .key("spec")
            .key("terminationGracePeriodSeconds"),
    })
}

/// The seconds a preStop hook sleeps: `sleep: {seconds: N}`, or `sleep N` in its command.
#[derive(Clone, Debug, PartialEq)]
pub struct PreStopSleep {
    pub seconds: f64,
    pub pointer: Pointer,
}

pub fn prestop_sleep(tree: &Tree, container: &Container) -> Option<PreStopSleep> {
    let hook = tree.get_path(container.node, &["lifecycle", "preStop"])?;
    let hook_ptr = container.pointer.key("lifecycle").key("preStop");
    if let Some(seconds) = tree.get_path(hook, &["sleep", "seconds"]) {
        let value = tree.node(seconds)?.as_str()?.parse::<f64>().ok()?;
        return Some(PreStopSleep {
            seconds: value,
            pointer: hook_ptr.key("sleep").key("seconds"),
        });
    }
    let command = tree.get_path(hook, &["exec", "command"])?;
    let words: Vec<&str> = tree
        .items(command)
        .iter()
        .filter_map(|&w| tree.node(w)?.as_str())
        .collect();
    let seconds = sleep_seconds(&words.join(" "))?;
    Some(PreStopSleep {
        seconds,
        pointer: hook_ptr.key("exec").key("command"),
    })
}

/// The total of the `sleep N` commands in a shell command line (`N`, `Ns`, decimals).
pub fn sleep_seconds(command: &str) -> Option<f64> {
    let words: Vec<&str> = command
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '"' | '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let mut total = None;
    for pair in words.windows(2) {
        let [cmd, arg] = pair else { continue };
        if *cmd != "sleep" && !cmd.ends_with("/sleep") {
            continue;
        }
        // sleep(1) of coreutils and busybox: a number with an optional s, m, h or d suffix.
        let (number, unit) = match arg.char_indices().last() {
            Some((i, 's')) => (arg.get(..i).unwrap_or(""), 1.0),
            Some((i, 'm')) => (arg.get(..i).unwrap_or(""), 60.0),
            Some((i, 'h')) => (arg.get(..i).unwrap_or(""), 3600.0),
            Some((i, 'd')) => (arg.get(..i).unwrap_or(""), 86400.0),
            _ => (*arg, 1.0),
        };
        if let Ok(n) = number.parse::<f64>()
            && n.is_finite()
            && n >= 0.0
        {
            total = Some(total.unwrap_or(0.0) + n * unit);
        }
    }
    total
}

/// A string value of `metadata.annotations` or `metadata.labels` of a template or object.
pub fn meta_value<'t>(
    tree: &'t Tree,
    metadata: Option<NodeId>,
    section: &str,
    key: &str,
) -> Option<(NodeId, &'t str)> {
    let map = tree.get(metadata?, section)?;
    let node = tree.get(map, key)?;
    Some((node, tree.node(node)?.as_str()?))
}

/// A proxy config payload: the `proxy.istio.io/config` annotation or `PROXY_CONFIG` env.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxyConfig {
    pub node: NodeId,
    pub pointer: Pointer,
    /// The parsed payload, or why it does not parse.
    pub parsed: Result<Value, String>,
    pub place: Place,
}

impl ProxyConfig {
    fn parse(text: &str) -> Result<Value, String> {
        // The decoder replays aliases (copying their values), and the document's alias limit
        // never sees inside this one scalar: a payload is a small mapping, so refuse them.
        let scan = crate::document::scan(text).map_err(|e| e.message)?;
        if scan.alias_uses > 0 {
            return Err(
                "it uses YAML aliases, which meshdrain does not expand in a proxy config"
                    .to_owned(),
            );
        }
        if scan.max_depth > 32 {
            return Err(format!("it nests {} levels deep", scan.max_depth));
        }
        let value: Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        match value {
            Value::Object(_) => Ok(value),
            Value::Null => Ok(Value::Object(serde_json::Map::new())),
            other => Err(format!(
                "it is {}, not a mapping of ProxyConfig fields",
                Written::of_json(&other).what()
            )),
        }
    }

    /// The drain durations it sets, as sites at the payload's node.
    pub fn sites(&self) -> Vec<DurationSite> {
        let Ok(Value::Object(map)) = &self.parsed else {
            return Vec::new();
        };
        DrainField::mesh()
            .filter_map(|field| {
                let value = field
                    .spec()
                    .names()
                    .find_map(|n| map.get(n))
                    .filter(|v| !v.is_null())?;
                Some(DurationSite {
                    field,
                    node: self.node,
                    pointer: self.pointer.clone(),
                    written: Written::of_json(value),
                    place: self.place,
                })
            })
            .collect()
    }
}

impl Written {
    /// `a string`, `an integer`, …
    pub fn what(&self) -> &'static str {
        match self {
            Written::Text(_) => "a string",
            Written::Other { what, .. } => what,
        }
    }
}

/// The `proxy.istio.io/config` annotation of a pod template.
pub fn proxy_config_annotation(tree: &Tree, template: &PodTemplate) -> Option<ProxyConfig> {
    let (node, text) = meta_value(
        tree,
        template.metadata,
        "annotations",
        PROXY_CONFIG_ANNOTATION,
    )?;
    Some(ProxyConfig {
        node,
        pointer: template
            .pointer
            .key("metadata")
            .key("annotations")
            .key(PROXY_CONFIG_ANNOTATION),
        parsed: ProxyConfig::parse(text),
        place: Place::Annotation,
    })
}

/// The `PROXY_CONFIG` env of an injected `istio-proxy` container (what the agent reads).
pub fn proxy_config_env(tree: &Tree, container: &Container) -> Option<ProxyConfig> {
    if container.name.as_deref() != Some(SIDECAR_CONTAINER) {
        return None;
    }
    let env = tree.get(container.node, "env")?;
    let (i, item) = tree
        .items(env)
        .iter()
        .enumerate()
        .find(|(_, e)| tree.str_at(**e, "name") == Some(PROXY_CONFIG_ENV))?;
    let value = tree.get(*item, "value")?;
    let text = tree.node(value)?.as_str()?;
    Some(ProxyConfig {
        node: value,
        pointer: container.pointer.key("env").index(i).key("value"),
        parsed: ProxyConfig::parse(text),
        place: Place::ProxyConfigEnv,
    })
}

/// The `PROXY_CONFIG` env of the `istio-proxy` container a pod spec already holds (an
/// `istioctl kube-inject` output), when it has one.
pub fn sidecar_proxy_config_env(tree: &Tree, pod: &PodTemplate) -> Option<ProxyConfig> {
    containers(tree, pod)
        .iter()
        .filter(|c| c.name.as_deref() == Some(SIDECAR_CONTAINER))
        .find_map(|c| proxy_config_env(tree, c))
}

/// The string labels of a Namespace object.
pub fn labels(tree: &Tree, object: NodeId) -> BTreeMap<String, String> {
    let Some(map) = tree.get_path(object, &["metadata", "labels"]) else {
        return BTreeMap::new();
    };
    tree.entries(map)
        .iter()
        .filter_map(|&(k, v)| {
            Some((
                tree.node(k)?.as_str()?.to_owned(),
                tree.node(v)?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      annotations:
        proxy.istio.io/config: '{\"terminationDrainDuration\": \"25s\", \"drainDuration\": 50}'
    spec:
      terminationGracePeriodSeconds: 45
      containers:
      - name: app
        lifecycle:
          preStop:
            exec:
              command: [/bin/sh, -c, 'sleep 5 && nginx -s quit']
      - name: istio-proxy
        env:
        - name: PROXY_CONFIG
          value: |
            {\"drainDuration\":\"23s\"}
";

    #[test]
    fn reads_what_the_pod_template_says() {
        let tree = Tree::parse(DEPLOYMENT).unwrap();
        let root = tree.root.unwrap();
        let t = pod_template(&tree, root, &Pointer::root(), "apps/v1", "Deployment").unwrap();
        assert_eq!(crate::model::dotted(&t.pointer), "spec.template");
        let grace = grace_period(&tree, &t).unwrap();
        assert_eq!(grace.seconds, Some(45));
        let cs = containers(&tree, &t);
        assert_eq!(cs.len(), 2);
        let sleep = prestop_sleep(&tree, &cs[0]).unwrap();
        assert_eq!(sleep.seconds, 5.0);
        assert!(prestop_sleep(&tree, &cs[1]).is_none());
        let annotation = proxy_config_annotation(&tree, &t).unwrap();
        let sites = annotation.sites();
        assert_eq!(sites.len(), 2);
        assert_eq!(sites[0].written.what(), "a number");
        assert_eq!(sites[1].written, Written::Text("25s".into()));
        let env = proxy_config_env(&tree, &cs[1]).unwrap();
        assert_eq!(env.sites()[0].written, Written::Text("23s".into()));
        let ns = crate::model::injection::NamespaceFacts {
            name: Some("shop"),
            labels: None,
            listed: false,
        };
        assert!(crate::model::injection::injection(&tree, &t, &cs, ns).is_injected());
    }

    #[test]
    fn a_pruned_workload_keeps_what_the_linter_reads() {
        let full = Tree::parse(DEPLOYMENT).unwrap();
        let pruned = Tree::parse_pruned(DEPLOYMENT, Some(&keep_for_lint)).unwrap();
        let facts = |tree: &Tree| {
            let root = tree.root.unwrap();
            let t = pod_template(tree, root, &Pointer::root(), "apps/v1", "Deployment").unwrap();
            let cs = containers(tree, &t);
            (
                grace_period(tree, &t),
                cs.clone(),
                cs.iter()
                    .map(|c| prestop_sleep(tree, c))
                    .collect::<Vec<_>>(),
                proxy_config_annotation(tree, &t),
                cs.iter()
                    .map(|c| proxy_config_env(tree, c))
                    .collect::<Vec<_>>(),
            )
        };
        let (f, p) = (facts(&full), facts(&pruned));
        assert_eq!(
            f.0.map(|g| (g.seconds, g.pointer)),
            p.0.map(|g| (g.seconds, g.pointer))
        );
        assert_eq!(f.1.len(), p.1.len());
        assert_eq!(f.2, p.2);
        assert_eq!(f.3.map(|a| a.parsed), p.3.map(|a| a.parsed));
        assert_eq!(
            f.4.into_iter()
                .map(|e| e.map(|e| e.parsed))
                .collect::<Vec<_>>(),
            p.4.into_iter()
                .map(|e| e.map(|e| e.parsed))
                .collect::<Vec<_>>()
        );
        assert!(keep_for_lint(&["spec".into()], "jobTemplate"));
        assert!(!keep_for_lint(&["spec".into()], "replicas"));
        assert!(!keep_for_lint(
            &["spec".into(), "template".into(), "spec".into()],
            "volumes"
        ));
    }

    #[test]
    fn proxy_configs_with_aliases_are_refused_without_expanding_them() {
        let bomb = format!(
            "{{a: &a {}, b: [{}]}}",
            "x".repeat(1000),
            vec!["*a"; 1000].join(", ")
        );
        let err = ProxyConfig::parse(&bomb).unwrap_err();
        assert!(err.contains("aliases"), "{err}");
        assert!(ProxyConfig::parse("{\"terminationDrainDuration\": \"20s\"}").is_ok());
        assert!(ProxyConfig::parse("[1").is_err());
    }

    #[test]
    fn sleeps_in_commands() {
        assert_eq!(sleep_seconds("sleep 10"), Some(10.0));
        assert_eq!(sleep_seconds("/bin/sleep 2.5s; sleep 1"), Some(3.5));
        assert_eq!(sleep_seconds("echo sleep"), None);
        assert_eq!(sleep_seconds("sleep infinity"), None);
        assert_eq!(sleep_seconds("sleep 1m"), Some(60.0));
        assert_eq!(sleep_seconds("sleep 0.5m; sleep 1h"), Some(3630.0));
        assert_eq!(sleep_seconds("sleep 1d"), Some(86400.0));
    }
}
