//! Every `proxy.istio.io/config` meshdrain writes stays valid for Istio: each payload in the
//! outputs of the workload render fixtures (and of the application chart through the shipped
//! policy) parses back to a mapping whose keys are ProxyConfig fields (istio/api
//! `mesh/v1alpha1/proxy.proto`, camelCase as jsonpb writes them, or the proto spelling), whose
//! duration fields are Go durations with a unit, and whose `proxyMetadata` is a map of strings
//! (it becomes environment variables).

mod common;

use serde_json::Value;

/// ProxyConfig's fields (istio/api `mesh/v1alpha1/proxy.proto`, Istio 1.29).
const PROXY_CONFIG_FIELDS: &[&str] = &[
    "configPath",
    "binaryPath",
    "serviceCluster",
    "drainDuration",
    "discoveryAddress",
    "discoveryRefreshDelay",
    "zipkinAddress",
    "statsdUdpAddress",
    "proxyAdminPort",
    "controlPlaneAuthPolicy",
    "customConfigFile",
    "statNameLength",
    "concurrency",
    "proxyBootstrapTemplatePath",
    "interceptionMode",
    "tracing",
    "envoyAccessLogService",
    "envoyMetricsService",
    "proxyMetadata",
    "runtimeValues",
    "statusPort",
    "extraStatTags",
    "gatewayTopology",
    "terminationDrainDuration",
    "meshId",
    "readinessProbe",
    "proxyStatsMatcher",
    "holdApplicationUntilProxyStarts",
    "caCertificatesPem",
    "image",
    "privateKeyProvider",
    "proxyHeaders",
    "fileFlushInterval",
    "fileFlushMinSizeKb",
];

/// ProxyConfig's `google.protobuf.Duration` fields.
const DURATION_FIELDS: &[&str] = &[
    "drainDuration",
    "terminationDrainDuration",
    "discoveryRefreshDelay",
];

/// `drain_duration` → `drainDuration`.
fn camel(key: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A Go duration as jsonpb reads one: digits (and a fraction) with a unit, repeated.
fn is_go_duration(text: &str) -> bool {
    meshdrain::duration::GoDuration::parse(text).is_ok()
        && text.chars().any(|c| c.is_ascii_alphabetic())
}

fn check_payload(text: &str, what: &str) -> usize {
    let value: Value = serde_yaml::from_str(text)
        .unwrap_or_else(|e| panic!("{what}: the proxy config does not parse ({e}):\n{text}"));
    let Value::Object(map) = value else {
        panic!("{what}: the proxy config is not a mapping:\n{text}");
    };
    for (key, v) in &map {
        let field = camel(key);
        assert!(
            PROXY_CONFIG_FIELDS.contains(&field.as_str()),
            "{what}: {key:?} is not a ProxyConfig field"
        );
        if DURATION_FIELDS.contains(&field.as_str()) {
            let text = v
                .as_str()
                .unwrap_or_else(|| panic!("{what}: {key} is not a string"));
            assert!(
                is_go_duration(text),
                "{what}: {key} {text:?} is not a Go duration"
            );
        }
        if field == "proxyMetadata" {
            let entries = v
                .as_object()
                .unwrap_or_else(|| panic!("{what}: {key} is not a map"));
            for (name, value) in entries {
                assert!(
                    value.is_string(),
                    "{what}: proxyMetadata.{name} is not a string"
                );
                if name == "MINIMUM_DRAIN_DURATION" {
                    assert!(
                        is_go_duration(value.as_str().unwrap_or("")),
                        "{what}: {name}"
                    );
                }
            }
        }
    }
    1
}

/// Every payload in a stream: annotations of pod templates, and `PROXY_CONFIG` env values.
fn check_stream(stream: &str, what: &str) -> usize {
    let mut found = 0;
    for doc in serde_yaml::Deserializer::from_str(stream) {
        let value: Value = match serde::Deserialize::deserialize(doc) {
            Ok(v) => v,
            Err(e) => panic!("{what}: output does not parse: {e}"),
        };
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(map) => {
                    if let Some(Value::String(text)) = map
                        .get("annotations")
                        .and_then(|a| a.get(meshdrain::model::workload::PROXY_CONFIG_ANNOTATION))
                    {
                        found += check_payload(text, what);
                    }
                    if map.get("name").and_then(Value::as_str) == Some("PROXY_CONFIG")
                        && let Some(Value::String(text)) = map.get("value")
                    {
                        found += check_payload(text, what);
                    }
                    stack.extend(map.into_values());
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
    }
    found
}

#[test]
fn written_proxy_configs_are_valid_for_istio() {
    let dir = common::repo().join("testdata/render");
    let mut outputs = 0;
    let mut payloads = 0;
    for path in common::files_ending(&dir, ".out.yaml") {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        if !name.starts_with("workload-") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read fixture");
        outputs += 1;
        payloads += check_stream(&text, &name);
    }
    assert!(outputs >= 15, "only {outputs} workload fixtures");
    assert!(payloads >= 15, "only {payloads} payloads");
}

#[test]
fn the_application_chart_through_the_shipped_policy() {
    let stream = std::fs::read(common::repo().join("testdata/e2e/package-apps/apps.yaml"))
        .expect("read the application chart's render");
    let run = common::run(
        &["--policy", "examples/policies/drain-that-holds.yaml"],
        &stream,
        &[],
    );
    assert_eq!(run.status, meshdrain::ExitStatus::Success, "{}", run.stderr);
    let out = String::from_utf8(run.stdout).expect("UTF-8 output");
    // web, db, report, checkout and warmup; not the debug pod that opts out.
    assert_eq!(check_stream(&out, "apps"), 5);
}

#[test]
fn the_checker_refuses_what_istio_refuses() {
    assert!(std::panic::catch_unwind(|| check_payload("drainDuraton: 5s\n", "typo")).is_err());
    assert!(std::panic::catch_unwind(|| check_payload("drainDuration: 5\n", "bare")).is_err());
    assert!(
        std::panic::catch_unwind(|| check_payload(
            "proxyMetadata: {EXIT_ON_ZERO_ACTIVE_CONNECTIONS: true}\n",
            "bool"
        ))
        .is_err()
    );
    assert_eq!(
        check_payload("{\"terminationDrainDuration\": \"25s\"}", "ok"),
        1
    );
}
