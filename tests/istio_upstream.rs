//! Upstream Istio without the real clients: the opt-in sidecar targets (policy and flag),
//! istiod Helm values for `meshdrain values`, the README's policy on the gateway chart's
//! Deployment next to other workloads, and what `check` reads of the istiod chart's render.

mod common;

use meshdrain::ExitStatus;

const UPSTREAM_POLICY: &str = "examples/policies/upstream-istio.yaml";

fn policy_with(spec: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.yaml");
    std::fs::write(
        &path,
        format!("apiVersion: meshdrain.io/v1alpha1\nkind: DrainPolicy\nspec:\n{spec}"),
    )
    .expect("write the policy");
    let path = path.to_str().expect("UTF-8 path").to_owned();
    (dir, path)
}

const MESH_CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |-\n    defaultConfig:\n      discoveryAddress: istiod.istio-system.svc:15012\n";

const OPERATOR: &str = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: mesh\nspec:\n  meshConfig: {}\n";

#[test]
fn only_the_named_targets_get_the_sidecar_settings() {
    let input = format!("{MESH_CONFIG_MAP}---\n{OPERATOR}");
    let render = |args: &[&str]| {
        let run = common::run(args, input.as_bytes(), &[]);
        assert_eq!(run.status, ExitStatus::Success, "{args:?}: {}", run.stderr);
        String::from_utf8(run.stdout).expect("UTF-8")
    };
    // The built-in policy: ControlPlanes only.
    assert_eq!(render(&[]), input);
    let config_map = render(&["--sidecar-targets", "MeshConfigMap"]);
    assert_eq!(
        config_map,
        input.replace("svc:15012\n", "svc:15012\n      drainDuration: 50s\n")
    );
    let operator = render(&["--sidecar-targets=IstioOperator"]);
    assert_eq!(
        operator,
        input.replace(
            "  meshConfig: {}\n",
            "  meshConfig: {defaultConfig: {drainDuration: 50s}}\n"
        )
    );
    let both = render(&["--sidecar-targets", "IstioOperator,MeshConfigMap"]);
    assert!(both.contains("      drainDuration: 50s\n") && both.contains("{drainDuration: 50s}"));
    // The flag replaces the policy's list.
    let (_dir, policy) =
        policy_with("  sidecar:\n    drainDuration: 40s\n    targets: [MeshConfigMap]\n");
    assert!(render(&["--policy", &policy]).contains("      drainDuration: 40s\n"));
    assert_eq!(
        render(&["--policy", &policy, "--sidecar-targets", "ControlPlane"]),
        input
    );
}

#[test]
fn unknown_or_repeated_targets_are_refused_where_they_are_written() {
    let (_dir, policy) = policy_with(
        "  sidecar:\n    drainDuration: 40s\n    targets:\n    - MeshConfigMap\n    - ConfigMap\n",
    );
    let run = common::run(&["policy", "--check", &policy], b"", &[]);
    assert_eq!(run.status, ExitStatus::Invalid);
    assert!(
        run.stderr.contains(
            "\"ConfigMap\" is not a sidecar target; use ControlPlane, IstioOperator, MeshConfigMap"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(":8:7"), "{}", run.stderr);
    assert!(
        run.stderr.contains("path: spec.sidecar.targets[1]"),
        "{}",
        run.stderr
    );
    let (_dir, twice) = policy_with(
        "  sidecar:\n    drainDuration: 40s\n    targets: [IstioOperator, IstioOperator]\n",
    );
    let run = common::run(&["policy", "--check", &twice], b"", &[]);
    assert!(
        run.stderr.contains("IstioOperator is listed twice"),
        "{}",
        run.stderr
    );
    let run = common::run(&["--sidecar-targets", "Mesh"], b"kind: A\n", &[]);
    assert_eq!(run.status, ExitStatus::Invalid);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("--sidecar-targets: \"Mesh\" is not a sidecar target"),
        "{}",
        run.stderr
    );
    // An empty list is allowed: the values are the mesh's for workloads, written nowhere.
    let (_dir, none) = policy_with("  sidecar:\n    drainDuration: 40s\n    targets: []\n");
    let run = common::run(&["policy", "--check", &none], b"", &[]);
    assert_eq!(run.status, ExitStatus::Success, "{}", run.stderr);
    assert!(String::from_utf8_lossy(&run.stdout).contains("(into none)"));
}

#[test]
fn istiod_values_are_detected_or_named_and_keep_their_comments() {
    let values =
        std::fs::read_to_string(common::testdata("cli/istiod-values.yaml")).expect("fixture");
    let run = common::run(
        &[
            "values",
            "--termination-drain-duration",
            "25s",
            "testdata/cli/istiod-values.yaml",
        ],
        b"",
        &[],
    );
    assert_eq!(run.status, ExitStatus::Success, "{}", run.stderr);
    common::diff::assert_changes(
        &values,
        &String::from_utf8(run.stdout).expect("UTF-8"),
        &["    drainDuration: 20s   # was too short\n"],
        &[
            "    drainDuration: 50s   # was too short\n",
            "    terminationDrainDuration: 25s\n",
        ],
        "meshdrain values on istiod values",
    );
    // Whatever the targets say: the file was named.
    let run = common::run(
        &[
            "values",
            "--sidecar-targets",
            "ControlPlane",
            "testdata/cli/istiod-values.yaml",
        ],
        b"",
        &[],
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("drainDuration: 50s"));
    // Without istiod's keys it is refused, unless --chart says what it is.
    let bare = "testdata/cli/istiod-values-no-mesh-config.yaml";
    let refused = common::run(&["values", bare], b"", &[]);
    assert_eq!(refused.status, ExitStatus::Invalid);
    assert!(
        refused.stderr.contains("--chart istiod"),
        "{}",
        refused.stderr
    );
    let named = common::run(&["values", "--chart", "istiod", bare], b"", &[]);
    assert_eq!(named.status, ExitStatus::Success, "{}", named.stderr);
    let out = String::from_utf8(named.stdout).expect("UTF-8");
    assert!(
        out.ends_with(
            "    logLevel: warning\nmeshConfig:\n  defaultConfig:\n    drainDuration: 50s\n"
        ),
        "{out}"
    );
    // A second run changes nothing.
    let again = common::run(&["values", "--chart", "istiod", "-"], out.as_bytes(), &[]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), out);
    // A Kubernetes object is never a values file, whatever --chart says.
    let object = common::run(
        &["values", "--chart", "istiod", "-"],
        b"apiVersion: v1\nkind: ConfigMap\nmeshConfig: {}\n",
        &[],
    );
    assert_eq!(object.status, ExitStatus::Invalid);
    assert!(
        object.stderr.contains("Kubernetes object"),
        "{}",
        object.stderr
    );
}

/// The README's gateway rule (its `where`) matches the gateway chart's Deployment and no
/// other workload.
#[test]
fn the_upstream_policy_tells_the_gateway_chart_from_other_workloads() {
    let gateway = std::fs::read_to_string(common::testdata("render/istio-gateway-chart.in.yaml"))
        .expect("fixture");
    let app = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    metadata:\n      annotations:\n        inject.istio.io/templates: sidecar\n    spec:\n      containers:\n      - name: web\n";
    let input = format!("{gateway}{app}");
    let run = common::run(&["--policy", UPSTREAM_POLICY], input.as_bytes(), &[]);
    assert_eq!(run.status, ExitStatus::Success, "{}", run.stderr);
    let out = String::from_utf8(run.stdout).expect("UTF-8");
    let (gateway_out, app_out) = out.split_at(out.find("  name: web\n").expect("the app"));
    assert!(
        gateway_out.contains("terminationDrainDuration: 30s"),
        "{gateway_out}"
    );
    assert!(
        gateway_out.contains("terminationGracePeriodSeconds: 35\n"),
        "{gateway_out}"
    );
    assert!(
        app_out.contains("terminationDrainDuration: 25s"),
        "{app_out}"
    );
    assert!(
        !app_out.contains("terminationDrainDuration: 30s"),
        "{app_out}"
    );
}

/// `check` on the istiod chart's render reads the mesh ConfigMap: its mesh config is an
/// object of its own, placed inside the block scalar.
#[test]
fn check_reads_the_istiod_charts_mesh_config() {
    let stream = std::fs::read_to_string(common::testdata("e2e/package-istiod/istiod.yaml"))
        .expect("the committed render");
    let bad = stream.replace(
        "      discoveryAddress: istiod.istio-system.svc:15012\n",
        "      discoveryAddress: istiod.istio-system.svc:15012\n      drainDuration: 1500ms\n",
    );
    assert_ne!(bad, stream);
    let run = common::run(&["check", "--format", "json", "-"], bad.as_bytes(), &[]);
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).expect("JSON");
    let found: Vec<(String, u64, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or("").to_owned(),
                f["span"]["start"]["line"].as_u64().unwrap_or(0),
                f["path"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let line = 1 + bad
        .lines()
        .position(|l| l == "      drainDuration: 1500ms")
        .expect("the line") as u64;
    assert!(
        found.contains(&(
            "GD004".to_owned(),
            line,
            "data.mesh (defaultConfig.drainDuration)".to_owned()
        )),
        "{found:?}"
    );
    let clean = common::run(
        &["check", "--fail-on", "warning", "-"],
        stream.as_bytes(),
        &[],
    );
    assert_eq!(
        clean.status,
        ExitStatus::Success,
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
}
