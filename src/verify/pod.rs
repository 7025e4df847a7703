//! `kubectl get pod -o yaml|json` (one Pod, a `v1 List` of them, or several documents): the
//! `istio-proxy` container (classic, or a native sidecar under `initContainers`), its
//! `PROXY_CONFIG` env, legacy `--drainDuration` args, `TERMINATION_DRAIN_DURATION_SECONDS`,
//! the pod's `proxy.istio.io/config` annotation, `terminationGracePeriodSeconds` and preStop
//! hooks, read through the shared [`crate::model`] (JSON is YAML to its parser).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, LineIndex};
use crate::document::{Limits, NodeId, Tree};
use crate::duration::{GoDuration, SECOND};
use crate::model::mesh::Written;
use crate::model::workload::{self, Container, PodTemplate, ProxyConfig, SIDECAR_CONTAINER};
use crate::model::{self, Resource, dotted};
use crate::patch::Pointer;

use super::{
    Evidence, Format, Grace, Knob, Location, Observed, Owner, Proxy, Scope, Subject, input_error,
};

/// The env var TSB renders a gateway's `connectionDrainDuration` into.
pub const TERMINATION_ENV: &str = "TERMINATION_DRAIN_DURATION_SECONDS";

/// Reads every Pod of `text`. Anything else is unusable input: a workload's pod template is
/// what new pods get, not what the running proxies have.
pub fn read(name: &str, text: &str, limits: &Limits) -> Result<Vec<Evidence>, Diagnostic> {
    let mut out = Vec::new();
    for doc in crate::input::documents(text) {
        if crate::input::is_blank(doc.text) {
            continue;
        }
        let at = |offset: usize| doc.range.start + offset;
        let scan = crate::document::scan(doc.text).map_err(|e| {
            input_error(
                "invalid-input",
                name,
                text,
                Some(at(e.offset)),
                format!("{name} does not parse: {}", e.message),
                "capture it again with kubectl get pod NAME -o yaml (or -o json)",
            )
        })?;
        if let Some(over) = crate::input::exceeded(&scan, limits) {
            return Err(input_error(
                "input-limit",
                name,
                text,
                Some(doc.range.start),
                format!(
                    "document {} of {name} {}, {}",
                    doc.index + 1,
                    over.what(),
                    over.limit()
                ),
                crate::input::Exceeded::HINT,
            ));
        }
        let tree = Tree::parse(doc.text).map_err(|e| {
            input_error(
                "invalid-input",
                name,
                text,
                Some(at(e.offset)),
                format!("{name} does not parse: {}", e.message),
                "capture it again with kubectl get pod NAME -o yaml (or -o json)",
            )
        })?;
        let index = LineIndex::new(text);
        for resource in model::resources(&tree) {
            let r = &resource.reference;
            if model::is_list(Some(&r.api_version), Some(&r.kind)) {
                continue;
            }
            if !(r.api_version == "v1" && r.kind == "Pod") {
                let what = if r.kind.is_empty() {
                    "an object without a kind".to_owned()
                } else {
                    format!("a {}", r.kind)
                };
                let node = tree.node(resource.node).map_or(0, |n| n.start);
                return Err(input_error(
                    "not-a-pod",
                    name,
                    text,
                    Some(doc.range.start + node),
                    format!("{name} holds {what}, not a Pod: verify reads running pods"),
                    "a workload's pod template is what new pods get, not what running proxies have: \
                     pass the pods (kubectl get pod -l app=NAME -o yaml), and rendered manifests with --manifests",
                ));
            }
            let mut e = pod(name, &tree, &resource, &index, doc.range.start);
            e.anchor.document = Some(doc.index);
            out.push(e);
        }
    }
    Ok(out)
}

/// A location for a node of the document starting at `base`.
fn node_location(
    tree: &Tree,
    node: NodeId,
    pointer: &Pointer,
    index: &LineIndex<'_>,
    base: usize,
) -> Location {
    match tree.node(node) {
        Some(n) => Location::at(
            index,
            base + n.start,
            base + n.end.max(n.start + 1),
            Some(dotted(pointer)).filter(|p| !p.is_empty()),
        ),
        None => Location::path(dotted(pointer)),
    }
}

fn labels(tree: &Tree, metadata: Option<NodeId>) -> BTreeMap<String, String> {
    let Some(map) = metadata.and_then(|m| tree.get(m, "labels")) else {
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

/// The pod's controller, from `ownerReferences`: a ReplicaSet named `<deployment>-<hash>`
/// (the pod's `pod-template-hash`) stands for its Deployment.
fn owner(tree: &Tree, resource: &Resource, labels: &BTreeMap<String, String>) -> Option<Owner> {
    let refs = tree.get_path(resource.node, &["metadata", "ownerReferences"])?;
    let items = tree.items(refs);
    let controller = items
        .iter()
        .find(|&&r| tree.str_at(r, "controller") == Some("true"))
        .or_else(|| items.first())?;
    let kind = tree.str_at(*controller, "kind")?;
    let name = tree.str_at(*controller, "name")?;
    Some(owner_from(
        kind,
        name,
        labels.get("pod-template-hash").map(String::as_str),
    ))
}

/// `ReplicaSet web-5d9f8c6b5` with hash `5d9f8c6b5` is Deployment `web`.
pub fn owner_from(kind: &str, name: &str, template_hash: Option<&str>) -> Owner {
    if kind == "ReplicaSet"
        && let Some(hash) = template_hash
        && let Some(deployment) = name.strip_suffix(hash).and_then(|n| n.strip_suffix('-'))
        && !deployment.is_empty()
    {
        return Owner {
            kind: Some("Deployment".to_owned()),
            name: deployment.to_owned(),
            how: "its ReplicaSet's name and pod-template-hash",
        };
    }
    Owner {
        kind: Some(kind.to_owned()),
        name: name.to_owned(),
        how: "its controller",
    }
}

/// The version in an image reference: `docker.io/istio/proxyv2:1.20.0-distroless` → `1.20.0-distroless`.
pub fn image_version(image: &str) -> Option<String> {
    let tag = image.rsplit_once(':')?.1;
    (tag.chars().next().is_some_and(|c| c.is_ascii_digit()) && !tag.contains('/'))
        .then(|| tag.to_owned())
}

/// Gateway or sidecar, from the proxy's args, the pod's labels and env.
pub fn role_of(
    args: &[String],
    labels: &BTreeMap<String, String>,
    has_termination_env: bool,
    other_containers: usize,
) -> (Option<bool>, Option<String>) {
    let mode = args
        .iter()
        .skip_while(|a| a.as_str() != "proxy")
        .nth(1)
        .map(String::as_str);
    match mode {
        Some("router") => {
            return (
                Some(true),
                Some("its istio-proxy runs `proxy router`".to_owned()),
            );
        }
        Some("sidecar") => {
            return (
                Some(false),
                Some("its istio-proxy runs `proxy sidecar`".to_owned()),
            );
        }
        _ => {}
    }
    if let Some(v) = labels.get("istio").filter(|v| v.ends_with("gateway")) {
        return (Some(true), Some(format!("its label istio={v}")));
    }
    if labels.contains_key("istio.io/gateway-name") {
        return (
            Some(true),
            Some("its label istio.io/gateway-name".to_owned()),
        );
    }
    if other_containers > 0 {
        return (
            Some(false),
            Some("istio-proxy runs next to the application's containers".to_owned()),
        );
    }
    if has_termination_env {
        return (
            Some(true),
            Some(format!(
                "its istio-proxy has the {TERMINATION_ENV} env TSB gives gateways"
            )),
        );
    }
    (None, None)
}

fn env_value<'t>(
    tree: &'t Tree,
    container: &Container,
    var: &str,
) -> Option<(usize, NodeId, &'t str)> {
    let env = tree.get(container.node, "env")?;
    tree.items(env).iter().enumerate().find_map(|(i, &item)| {
        (tree.str_at(item, "name") == Some(var))
            .then(|| tree.get(item, "value"))
            .flatten()
            .and_then(|v| Some((i, v, tree.node(v)?.as_str()?)))
    })
}

fn pod(
    name: &str,
    tree: &Tree,
    resource: &Resource,
    index: &LineIndex<'_>,
    base: usize,
) -> Evidence {
    let r = &resource.reference;
    let template = workload::pod_template(tree, resource.node, &resource.pointer, "v1", "Pod");
    let metadata = tree.get(resource.node, "metadata");
    let pod_labels = labels(tree, metadata);
    let anchor = node_location(
        tree,
        metadata.unwrap_or(resource.node),
        &resource.pointer.key("metadata"),
        index,
        base,
    );
    let mut subject = Subject {
        namespace: r.namespace.clone(),
        pod: r.name.clone(),
        owner: owner(tree, resource, &pod_labels),
        labels: pod_labels.clone(),
        ..Subject::default()
    };
    let Some(template) = template else {
        let mut e = Evidence::new(name, Format::Pod, subject, anchor);
        e.proxy = Proxy::Blind("the Pod has no spec".to_owned());
        return e;
    };
    let containers = workload::containers(tree, &template);
    let proxy = containers
        .iter()
        .find(|c| c.name.as_deref() == Some(SIDECAR_CONTAINER));
    let Some(proxy) = proxy else {
        let names: Vec<&str> = containers
            .iter()
            .filter_map(|c| c.name.as_deref())
            .collect();
        let mut e = Evidence::new(name, Format::Pod, subject, anchor);
        e.proxy = Proxy::Blind(format!(
            "the pod has no istio-proxy container (its containers: {}): it is not injected, so no drain setting of the mesh applies to it",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        ));
        return e;
    };
    let args: Vec<String> = tree
        .get(proxy.node, "args")
        .map(|a| {
            tree.items(a)
                .iter()
                .filter_map(|&w| tree.node(w)?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let termination_env = env_value(tree, proxy, TERMINATION_ENV);
    let (gateway, role_reason) = role_of(
        &args,
        &pod_labels,
        termination_env.is_some(),
        containers
            .iter()
            .filter(|c| !c.init && c.name.as_deref() != Some(SIDECAR_CONTAINER))
            .count(),
    );
    subject.gateway = gateway;
    subject.role_reason = role_reason;
    subject.container = Some(SIDECAR_CONTAINER.to_owned());
    subject.istio_version = tree.str_at(proxy.node, "image").and_then(image_version);
    let mut e = Evidence::new(name, Format::Pod, subject, anchor);
    // Under initContainers, istio-proxy is a native sidecar (the injector gives it
    // `restartPolicy: Always`; an init container that exits could not proxy anything).
    e.proxy = Proxy::Istio { native: proxy.init };
    let loc = |node: NodeId, pointer: &Pointer| node_location(tree, node, pointer, index, base);

    // Legacy injection (Istio <= 1.5): `--drainDuration 45s` in the args.
    if let Some(list) = tree.get(proxy.node, "args") {
        let items = tree.items(list);
        for (i, pair) in items.windows(2).enumerate() {
            let [flag, value] = pair else { continue };
            let knob = match tree.node(*flag).and_then(|n| n.as_str()) {
                Some("--drainDuration") => Knob::DrainDuration,
                Some("--terminationDrainDuration") => Knob::TerminationDrainDuration,
                _ => continue,
            };
            let Some(written) = tree.node(*value).and_then(|n| n.as_str()) else {
                continue;
            };
            let pointer = proxy.pointer.key("args").index(i + 1);
            e.observed.push(Observed {
                knob,
                written: written.to_owned(),
                value: GoDuration::parse(written).ok(),
                location: loc(*value, &pointer),
                source: format!("the istio-proxy args ({} {written})", knob_flag(knob)),
                scope: Scope::Pod,
            });
        }
    }
    // pilot-agent applies PROXY_CONFIG over the mesh config, then the annotation over both
    // (pilot/cmd/pilot-agent/config `getMeshConfig`): pushed in that order.
    if let Some(env) = workload::proxy_config_env(tree, proxy) {
        proxy_config(&mut e, &env, "the PROXY_CONFIG env of istio-proxy", &loc);
    }
    if let Some(annotation) = workload::proxy_config_annotation(tree, &template) {
        proxy_config(&mut e, &annotation, super::ANNOTATION_SOURCE, &loc);
    }
    for (var, knob) in [
        ("EXIT_ON_ZERO_ACTIVE_CONNECTIONS", Knob::ExitOnZero),
        ("MINIMUM_DRAIN_DURATION", Knob::MinimumDrain),
        (TERMINATION_ENV, Knob::GatewayDrain),
    ] {
        if let Some((i, node, written)) = env_value(tree, proxy, var) {
            let pointer = proxy.pointer.key("env").index(i).key("value");
            let value = match knob {
                Knob::GatewayDrain => written
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .map(|s| GoDuration(s.saturating_mul(SECOND as i64))),
                _ => GoDuration::parse(written.trim()).ok(),
            };
            e.observed.push(Observed {
                knob,
                written: written.to_owned(),
                value,
                location: loc(node, &pointer),
                source: format!("the {var} env of istio-proxy"),
                scope: Scope::Pod,
            });
        }
    }
    e.grace = Some(grace(tree, &template, proxy, &loc));
    e
}

fn knob_flag(knob: Knob) -> &'static str {
    match knob {
        Knob::DrainDuration => "--drainDuration",
        _ => "--terminationDrainDuration",
    }
}

fn proxy_config(
    e: &mut Evidence,
    config: &ProxyConfig,
    source: &str,
    loc: &dyn Fn(NodeId, &Pointer) -> Location,
) {
    for site in config.sites() {
        let knob = match site.field {
            crate::drain::Field::DrainDuration => Knob::DrainDuration,
            crate::drain::Field::TerminationDrainDuration => Knob::TerminationDrainDuration,
            _ => continue,
        };
        let written = match &site.written {
            Written::Text(t) => t.clone(),
            Written::Other { text, .. } => text.clone(),
        };
        let value = site.written.text().and_then(|t| GoDuration::parse(t).ok());
        e.observed.push(Observed {
            knob,
            written,
            value,
            location: loc(config.node, &config.pointer),
            source: source.to_owned(),
            scope: Scope::Pod,
        });
    }
    let Ok(Value::Object(map)) = &config.parsed else {
        return;
    };
    let Some(Value::Object(meta)) = map.get("proxyMetadata") else {
        return;
    };
    for (var, knob) in [
        ("EXIT_ON_ZERO_ACTIVE_CONNECTIONS", Knob::ExitOnZero),
        ("MINIMUM_DRAIN_DURATION", Knob::MinimumDrain),
    ] {
        let written = match meta.get(var) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => continue,
        };
        e.observed.push(Observed {
            knob,
            value: GoDuration::parse(written.trim()).ok(),
            written,
            location: loc(config.node, &config.pointer),
            source: format!("proxyMetadata in {source}"),
            scope: Scope::Pod,
        });
    }
}

fn grace(
    tree: &Tree,
    template: &PodTemplate,
    proxy: &Container,
    loc: &dyn Fn(NodeId, &Pointer) -> Location,
) -> Grace {
    let spec_location = loc(template.spec, &template.pointer.key("spec"));
    let (seconds, written, location) = match workload::grace_period(tree, template) {
        Some(g) => (
            g.seconds,
            tree.node(g.node)
                .and_then(|n| n.as_str())
                .map(str::to_owned),
            loc(g.node, &g.pointer),
        ),
        None => (Some(workload::DEFAULT_GRACE_SECONDS), None, spec_location),
    };
    Grace {
        seconds,
        written,
        location,
        hooks_shown: true,
        proxy_prestop: workload::prestop_sleep(tree, proxy).map(|s| s.seconds),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web-5d9f8c6b5-abcde
  namespace: shop
  labels: {app: web, pod-template-hash: 5d9f8c6b5}
  annotations:
    proxy.istio.io/config: '{\"terminationDrainDuration\": \"25s\"}'
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9f8c6b5, controller: true}
spec:
  terminationGracePeriodSeconds: 20
  containers:
  - name: web
  - name: istio-proxy
    image: docker.io/istio/proxyv2:1.20.0
    args: [proxy, sidecar]
    env:
    - name: PROXY_CONFIG
      value: |
        {\"drainDuration\":\"50s\",\"proxyMetadata\":{\"EXIT_ON_ZERO_ACTIVE_CONNECTIONS\":\"true\"}}
";

    #[test]
    fn reads_a_pod_through_the_model() {
        let all = read("p.yaml", POD, &Limits::default()).unwrap();
        let e = &all[0];
        assert_eq!(
            e.subject.owner.as_ref().map(|o| o.name.as_str()),
            Some("web")
        );
        assert_eq!(e.subject.gateway, Some(false));
        assert_eq!(e.subject.istio_version.as_deref(), Some("1.20.0"));
        assert_eq!(
            e.observed(Knob::DrainDuration).map(|o| o.written.as_str()),
            Some("50s")
        );
        let t = e.observed(Knob::TerminationDrainDuration).unwrap();
        assert_eq!(t.source, "the pod's proxy.istio.io/config annotation");
        assert_eq!(t.location.line(), Some(8));
        assert!(e.exit_on_zero().is_some());
        let g = e.grace.as_ref().unwrap();
        assert_eq!((g.seconds, g.location.line()), (Some(20), Some(12)));
    }

    #[test]
    fn not_pods_and_pods_without_a_proxy() {
        let err = read(
            "d.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(err.code, "not-a-pod");
        let bare = read(
            "p.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: app}]}\n",
            &Limits::default(),
        )
        .unwrap();
        assert!(matches!(&bare[0].proxy, Proxy::Blind(why) if why.contains("no istio-proxy")));
        let list = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"containers\":[]}},{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"containers\":[]}}]}";
        assert_eq!(read("l.json", list, &Limits::default()).unwrap().len(), 2);
        let broken = read(
            "b.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n",
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(broken.code, "invalid-input");
    }

    #[test]
    fn owners_roles_images() {
        assert_eq!(owner_from("ReplicaSet", "gw-7d9f", Some("7d9f")).name, "gw");
        assert_eq!(
            owner_from("StatefulSet", "db", None).kind.as_deref(),
            Some("StatefulSet")
        );
        assert_eq!(
            image_version("istio/proxyv2:1.21.6-distroless").as_deref(),
            Some("1.21.6-distroless")
        );
        assert_eq!(image_version("localhost:5000/proxyv2"), None);
        let none = BTreeMap::new();
        assert_eq!(
            role_of(&["proxy".into(), "router".into()], &none, false, 0).0,
            Some(true)
        );
        assert_eq!(role_of(&[], &none, true, 0).0, Some(true));
        assert_eq!(role_of(&[], &none, false, 1).0, Some(false));
        assert_eq!(role_of(&[], &none, false, 0).0, None);
    }
}
