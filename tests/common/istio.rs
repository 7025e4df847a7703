//! Upstream Istio in the end-to-end tests: Istio's own charts (vendored, 1.29.6) and the
//! differential oracle. Helm's own render of `--set meshConfig.defaultConfig.…` is what the
//! mesh config must be after meshdrain writes the same values into the chart's default render;
//! every other document must be untouched.

use serde::Deserialize;
use serde_json::Value;

/// The istiod chart and the gateway chart, with Istio's license (`testdata/charts/istio-1.29.6`).
pub const ISTIOD_CHART: &str = "testdata/charts/istio-1.29.6/istio-discovery";
pub const GATEWAY_CHART: &str = "testdata/charts/istio-1.29.6/gateway";

/// The policy that writes the sidecar drain into the mesh ConfigMap.
pub const MESH_POLICY: &str = "testdata/e2e/policy/istio-mesh.yaml";

/// Helm's `--set` of the same values as [`MESH_POLICY`].
pub const SET_DRAIN: [&str; 4] = [
    "--set",
    "meshConfig.defaultConfig.terminationDrainDuration=20s",
    "--set",
    "meshConfig.defaultConfig.drainDuration=50s",
];

/// The committed renders of the istiod chart by Helm 3 (`helm3 template istiod CHART -n
/// istio-system`, and with [`SET_DRAIN`]); the Helm 3 tests check that they are current.
pub const PLAIN_RENDER: &str = "testdata/e2e/package-istiod/istiod.yaml";
pub const SET_RENDER: &str = "testdata/e2e/istiod-set.helm3.yaml";

/// The objects of a stream (the items of a ResourceList, or of a `v1 List`, for their own).
pub fn objects(stream: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(stream) {
        let value = Value::deserialize(doc).expect("every document of the stream parses");
        match value.get("items").and_then(Value::as_array) {
            Some(items) if value["kind"] == "ResourceList" || value["kind"] == "List" => {
                out.extend(items.iter().cloned())
            }
            _ if value.is_null() => {}
            _ => out.push(value),
        }
    }
    out
}

/// Whether an object is the mesh ConfigMap `name`.
pub fn is_mesh_config_map(object: &Value, name: &str) -> bool {
    object["apiVersion"] == "v1"
        && object["kind"] == "ConfigMap"
        && object["metadata"]["name"] == name
}

/// The mesh config of the ConfigMap `name` in a stream, parsed.
pub fn mesh_config(stream: &str, name: &str) -> Value {
    let objects = objects(stream);
    let found: Vec<&Value> = objects
        .iter()
        .filter(|o| is_mesh_config_map(o, name))
        .collect();
    assert_eq!(found.len(), 1, "one ConfigMap {name} in the stream");
    let text = found[0]["data"]["mesh"]
        .as_str()
        .unwrap_or_else(|| panic!("ConfigMap {name} has a data.mesh string"));
    serde_yaml::from_str(text).expect("the mesh config parses")
}

/// Every object of the stream but the mesh ConfigMap `name`, which is there once.
pub fn others(stream: &str, name: &str) -> Vec<Value> {
    let objects = objects(stream);
    assert_eq!(
        objects
            .iter()
            .filter(|o| is_mesh_config_map(o, name))
            .count(),
        1,
        "one ConfigMap {name}"
    );
    objects
        .into_iter()
        .filter(|o| !is_mesh_config_map(o, name))
        .collect()
}

/// The mesh ConfigMap `name` without its mesh config.
fn config_map_rest(stream: &str, name: &str) -> Value {
    let mut cm = objects(stream)
        .into_iter()
        .find(|o| is_mesh_config_map(o, name))
        .unwrap_or_else(|| panic!("no ConfigMap {name}"));
    if let Some(data) = cm.get_mut("data").and_then(Value::as_object_mut) {
        data.remove("mesh");
    }
    cm
}

/// The differential oracle on parsed objects: the mesh config of `drained` (meshdrain's
/// output for the chart's default render) is the one `with_set` (Helm's render with
/// [`SET_DRAIN`]) has, and differs from `plain`'s; the rest of that ConfigMap and every other
/// object is as in `plain`.
pub fn assert_same_as_helm_set(plain: &str, drained: &str, with_set: &str, name: &str, what: &str) {
    let wanted = mesh_config(with_set, name);
    assert_ne!(
        mesh_config(plain, name),
        wanted,
        "{what}: the plain render already has the drain"
    );
    assert_eq!(wanted["defaultConfig"]["terminationDrainDuration"], "20s");
    assert_eq!(
        mesh_config(drained, name),
        wanted,
        "{what}: the mesh config is not Helm's"
    );
    assert_eq!(
        config_map_rest(drained, name),
        config_map_rest(plain, name),
        "{what}: the ConfigMap changed outside its mesh config"
    );
    let (before, after) = (others(plain, name), others(drained, name));
    assert!(
        before.len() > 10,
        "{what}: the chart rendered {} objects",
        before.len()
    );
    assert_eq!(before, after, "{what}: another object changed");
}

/// The documents of a Helm 3 render, split at its `---` lines (the charts' block scalars are
/// indented, so no `---` inside one is at the start of a line).
pub fn documents(stream: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for line in stream.split_inclusive('\n') {
        if line == "---\n" && pos > 0 {
            out.push(&stream[start..pos]);
            start = pos;
        }
        pos += line.len();
    }
    out.push(&stream[start..]);
    out
}
