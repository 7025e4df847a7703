//! Envoy config dumps (`pilot-agent request GET config_dump`, the admin `/config_dump`) and
//! bootstraps (`envoy-rev.json`, `istioctl proxy-config bootstrap -o json`): the bootstrap's
//! `node.metadata.PROXY_CONFIG` is the ProxyConfig the proxy was started with (defaults, mesh
//! `defaultConfig` and the pod's overrides merged), written by jsonpb, so durations read
//! `"90s"` and `"1.500s"`: compared as durations, never as strings.
//!
//! Values are read with serde_json; their positions come from borrowed
//! [`serde_json::value::RawValue`]s, which are slices of the input.

use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::diagnostic::LineIndex;
use crate::duration::GoDuration;

use super::{Evidence, Format, Knob, Location, Observed, Owner, Proxy, Scope, Subject};

/// The `@type` of the bootstrap element of `configs[]`.
pub const BOOTSTRAP_DUMP_TYPE: &str = "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump";

/// One step into a JSON document.
#[derive(Clone, Debug)]
enum Step<'p> {
    Key(&'p str),
}

/// The raw text of the value at `path` under `raw` (a slice of the input).
fn descend<'a>(raw: &'a RawValue, path: &[Step<'_>]) -> Option<&'a RawValue> {
    let mut current = raw;
    for step in path {
        let Step::Key(key) = step;
        let map: BTreeMap<String, &'a RawValue> = serde_json::from_str(current.get()).ok()?;
        current = map.get(*key).copied()?;
    }
    Some(current)
}

/// Where `part` (a slice of `text`) starts in it.
fn offset_in(text: &str, part: &str) -> Option<usize> {
    let at = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (at + part.len() <= text.len()).then_some(at)
}

struct Doc<'a> {
    text: &'a str,
    index: LineIndex<'a>,
}

impl<'a> Doc<'a> {
    fn location(&self, raw: &RawValue, path: String) -> Location {
        match offset_in(self.text, raw.get()) {
            Some(at) => Location::at(&self.index, at, at + raw.get().len(), Some(path)),
            None => Location::path(path),
        }
    }
}

fn path_text(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_owned()
    } else {
        format!("{base}.{key}")
    }
}

/// Reads a config dump or a bootstrap (already checked to be JSON).
pub fn read(name: &str, text: &str, format: Format) -> Vec<Evidence> {
    let doc = Doc {
        text,
        index: LineIndex::new(text),
    };
    let Ok(root) = serde_json::from_str::<&RawValue>(text) else {
        return vec![blind(
            name,
            format,
            Location::default(),
            "it is not a JSON object",
        )];
    };
    let (bootstrap, base) = match format {
        Format::ConfigDump => match bootstrap_in_dump(root) {
            Some((i, raw)) => (raw, format!("configs[{i}].bootstrap")),
            None => {
                return vec![blind(
                    name,
                    format,
                    doc.location(root, String::new()),
                    "its configs[] has no BootstrapConfigDump (was it taken with ?resource= or ?mask=?)",
                )];
            }
        },
        _ => match descend(root, &[Step::Key("bootstrap")]) {
            // `istioctl proxy-config bootstrap -o json`: a BootstrapConfigDump.
            Some(raw) if descend(raw, &[Step::Key("node")]).is_some() => {
                (raw, "bootstrap".to_owned())
            }
            _ => (root, String::new()),
        },
    };
    vec![bootstrap_evidence(name, format, &doc, bootstrap, &base)]
}

fn blind(name: &str, format: Format, anchor: Location, why: &str) -> Evidence {
    let mut e = Evidence::new(name, format, Subject::default(), anchor);
    e.proxy = Proxy::Blind(why.to_owned());
    e
}

fn bootstrap_in_dump(root: &RawValue) -> Option<(usize, &RawValue)> {
    let configs: Vec<&RawValue> =
        serde_json::from_str(descend(root, &[Step::Key("configs")])?.get()).ok()?;
    configs.iter().enumerate().find_map(|(i, c)| {
        let kind: String = serde_json::from_str(descend(c, &[Step::Key("@type")])?.get()).ok()?;
        (kind == BOOTSTRAP_DUMP_TYPE)
            .then(|| descend(c, &[Step::Key("bootstrap")]))
            .flatten()
            .map(|b| (i, b))
    })
}

fn value_of(raw: &RawValue) -> Option<Value> {
    serde_json::from_str(raw.get()).ok()
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `kubernetes://apis/apps/v1/namespaces/shop/deployments/web`.
fn owner_of(uri: &str) -> Option<Owner> {
    let rest = uri.strip_prefix("kubernetes://")?;
    let parts: Vec<&str> = rest.split('/').collect();
    let (plural, name) = match parts.as_slice() {
        [.., "namespaces", _, plural, name] => (*plural, *name),
        _ => return None,
    };
    let kind = match plural {
        "deployments" => "Deployment",
        "statefulsets" => "StatefulSet",
        "daemonsets" => "DaemonSet",
        "replicasets" => "ReplicaSet",
        "jobs" => "Job",
        "cronjobs" => "CronJob",
        "pods" => "Pod",
        "replicationcontrollers" => "ReplicationController",
        _ => return None,
    };
    Some(Owner {
        kind: Some(kind.to_owned()),
        name: name.to_owned(),
        how: "the proxy's OWNER metadata",
    })
}

/// `sidecar~10.0.0.1~web-5d9f-abcde.shop~shop.svc.cluster.local`: type, pod and namespace.
fn parse_node_id(id: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
    let parts: Vec<&str> = id.split('~').collect();
    let kind = parts.first().copied().filter(|_| parts.len() == 4);
    let (pod, ns) = match parts.get(2) {
        Some(p) if parts.len() == 4 => match p.rsplit_once('.') {
            Some((pod, ns)) => (Some(pod), Some(ns)),
            None => (Some(*p), None),
        },
        _ => (None, None),
    };
    (kind, pod, ns)
}

fn subject_of(node: &Value) -> Subject {
    let meta = node.get("metadata");
    let get = |k: &str| meta.and_then(|m| m.get(k)).and_then(Value::as_str);
    let id = node.get("id").and_then(Value::as_str).unwrap_or("");
    let (kind, id_pod, id_ns) = parse_node_id(id);
    let labels = meta
        .and_then(|m| m.get("LABELS"))
        .and_then(Value::as_object)
        .map(|l| {
            l.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let owner = get("OWNER").and_then(owner_of).or_else(|| {
        get("WORKLOAD_NAME").map(|name| Owner {
            kind: None,
            name: name.to_owned(),
            how: "the proxy's WORKLOAD_NAME metadata",
        })
    });
    let (gateway, role_reason) = match kind {
        Some("router") => (
            Some(true),
            Some(format!("its node id {id:?} is a router's")),
        ),
        Some("sidecar") => (
            Some(false),
            Some(format!("its node id {id:?} is a sidecar's")),
        ),
        _ => (None, None),
    };
    Subject {
        namespace: get("NAMESPACE").or(id_ns).map(str::to_owned),
        pod: get("NAME").or(id_pod).map(str::to_owned),
        container: Some("istio-proxy".to_owned()).filter(|_| kind.is_some()),
        owner,
        gateway,
        role_reason,
        labels,
        istio_version: get("ISTIO_VERSION").map(str::to_owned),
    }
}

fn bootstrap_evidence(
    name: &str,
    format: Format,
    doc: &Doc<'_>,
    bootstrap: &RawValue,
    base: &str,
) -> Evidence {
    let node_path = path_text(base, "node");
    let Some(node_raw) = descend(bootstrap, &[Step::Key("node")]) else {
        return blind(
            name,
            format,
            doc.location(bootstrap, base.to_owned()),
            "it has no node: not an Envoy bootstrap",
        );
    };
    let node = value_of(node_raw).unwrap_or(Value::Null);
    let mut e = Evidence::new(
        name,
        format,
        subject_of(&node),
        doc.location(node_raw, node_path.clone()),
    );
    let meta_path = path_text(&node_path, "metadata");
    let Some(config_raw) = descend(
        node_raw,
        &[Step::Key("metadata"), Step::Key("PROXY_CONFIG")],
    ) else {
        let id = node.get("id").and_then(Value::as_str).unwrap_or("");
        let what = match parse_node_id(id).0 {
            Some("waypoint") => format!(
                "{meta_path} has no PROXY_CONFIG: node {id:?} is a waypoint, which Istio starts without the sidecar's ProxyConfig"
            ),
            _ if node
                .get("metadata")
                .and_then(Value::as_object)
                .is_none_or(|m| m.is_empty()) =>
            {
                format!(
                    "{node_path} has no Istio metadata (node id {id:?}): this is not an Istio proxy"
                )
            }
            _ => format!("{meta_path} has no PROXY_CONFIG, so its drain settings cannot be read"),
        };
        e.proxy = Proxy::Blind(what);
        return e;
    };
    let config_path = path_text(&meta_path, "PROXY_CONFIG");
    // Older bootstraps carry PROXY_CONFIG as a JSON string.
    let (config, embedded) = match value_of(config_raw) {
        Some(Value::String(s)) => (serde_json::from_str::<Value>(&s).ok(), true),
        other => (other, false),
    };
    let Some(Value::Object(config)) = config else {
        e.proxy = Proxy::Blind(format!("{config_path} is not a ProxyConfig object"));
        return e;
    };
    let source = "the bootstrap's PROXY_CONFIG (what the proxy started with)".to_owned();
    let mut observe = |knob: Knob, keys: &[&str], from: &[&str]| {
        for key in keys {
            let mut steps = vec![Step::Key("metadata"), Step::Key("PROXY_CONFIG")];
            steps.extend(from.iter().map(|k| Step::Key(k)));
            steps.push(Step::Key(key));
            let in_config = from
                .iter()
                .try_fold(&config, |m, k| m.get(*k).and_then(Value::as_object));
            let Some(value) = in_config.and_then(|m| m.get(*key)) else {
                continue;
            };
            let Some(written) = text_of(value) else {
                continue;
            };
            let mut path = config_path.clone();
            for k in from.iter().chain(std::iter::once(key)) {
                path = path_text(&path, k);
            }
            let location = match (embedded, descend(node_raw, &steps)) {
                (false, Some(raw)) => doc.location(raw, path),
                _ => doc.location(config_raw, path),
            };
            let value = match knob {
                Knob::GatewayDrain => written
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .map(|s| GoDuration(s.saturating_mul(crate::duration::SECOND as i64))),
                _ => GoDuration::parse(written.trim()).ok(),
            };
            e.observed.push(Observed {
                knob,
                written,
                value,
                location,
                source: source.clone(),
                scope: Scope::Running,
            });
            return;
        }
    };
    observe(
        Knob::DrainDuration,
        &["drainDuration", "drain_duration"],
        &[],
    );
    observe(
        Knob::TerminationDrainDuration,
        &["terminationDrainDuration", "termination_drain_duration"],
        &[],
    );
    observe(
        Knob::ExitOnZero,
        &["EXIT_ON_ZERO_ACTIVE_CONNECTIONS"],
        &["proxyMetadata"],
    );
    observe(
        Knob::MinimumDrain,
        &["MINIMUM_DRAIN_DURATION"],
        &["proxyMetadata"],
    );
    observe(
        Knob::GatewayDrain,
        &["TERMINATION_DRAIN_DURATION_SECONDS"],
        &["proxyMetadata"],
    );
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = r#"{
 "configs": [
  {
   "@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
   "bootstrap": {
    "node": {
     "id": "sidecar~10.0.0.1~web-5d9f-abcde.shop~shop.svc.cluster.local",
     "metadata": {
      "OWNER": "kubernetes://apis/apps/v1/namespaces/shop/deployments/web",
      "ISTIO_VERSION": "1.20.0",
      "PROXY_CONFIG": {
       "drainDuration": "1m30s",
       "terminationDrainDuration": "1.500s",
       "proxyMetadata": {"EXIT_ON_ZERO_ACTIVE_CONNECTIONS": "true"}
      }
     }
    }
   }
  }
 ]
}"#;

    #[test]
    fn reads_the_proxy_config_with_positions() {
        let e = read("d.json", DUMP, Format::ConfigDump).remove(0);
        assert_eq!(e.proxy, Proxy::Istio { native: false });
        assert_eq!(e.subject.pod.as_deref(), Some("web-5d9f-abcde"));
        assert_eq!(e.subject.namespace.as_deref(), Some("shop"));
        assert_eq!(e.subject.gateway, Some(false));
        assert_eq!(
            e.subject.owner.as_ref().map(|o| o.name.as_str()),
            Some("web")
        );
        let drain = e.observed(Knob::DrainDuration).unwrap();
        assert_eq!(drain.value, GoDuration::parse("90s").ok());
        assert_eq!(drain.location.line(), Some(12));
        assert_eq!(
            drain.location.path.as_deref(),
            Some("configs[0].bootstrap.node.metadata.PROXY_CONFIG.drainDuration")
        );
        let t = e.observed(Knob::TerminationDrainDuration).unwrap();
        assert_eq!(t.value, GoDuration::parse("1.5s").ok());
        assert!(e.exit_on_zero().is_some());
    }

    #[test]
    fn string_proxy_configs_and_missing_ones() {
        let old = r#"{"node":{"id":"router~1.1.1.1~gw-1.istio-system~istio-system.svc.cluster.local","metadata":{"PROXY_CONFIG":"{\"drainDuration\":\"45s\"}"}}}"#;
        let e = read("b.json", old, Format::Bootstrap).remove(0);
        assert_eq!(e.subject.gateway, Some(true));
        assert_eq!(
            e.observed(Knob::DrainDuration).map(|o| o.written.as_str()),
            Some("45s")
        );
        let none = r#"{"node":{"id":"envoy-1","metadata":{}}}"#;
        let e = read("b.json", none, Format::Bootstrap).remove(0);
        assert!(matches!(e.proxy, Proxy::Blind(ref why) if why.contains("not an Istio proxy")));
        let no_bootstrap =
            r#"{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump"}]}"#;
        let e = read("d.json", no_bootstrap, Format::ConfigDump).remove(0);
        assert!(matches!(e.proxy, Proxy::Blind(_)));
    }

    #[test]
    fn owners_and_node_ids() {
        assert_eq!(
            owner_of("kubernetes://apis/apps/v1/namespaces/a/statefulsets/db").map(|o| o.kind),
            Some(Some("StatefulSet".to_owned()))
        );
        assert_eq!(owner_of("nope"), None);
        assert_eq!(
            parse_node_id("sidecar~1.2.3.4~foo~bar"),
            (Some("sidecar"), Some("foo"), None)
        );
    }
}
