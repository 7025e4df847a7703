//! DrainPolicy files: every validation error (one fixture each, with the exact position),
//! precedence of the sources, and how the binary picks its mode.

mod common;

use meshdrain::ExitStatus;

const GATEWAY: &str = "apiVersion: install.tetrate.io/v1alpha1\nkind: IngressGateway\nmetadata:\n  name: gw\n  namespace: ns1\nspec: {}\n";
const CONTROLPLANE: &str = "apiVersion: install.tetrate.io/v1alpha1\nkind: ControlPlane\nmetadata:\n  name: cp\nspec: {}\n";

/// `testdata/policy/bad-*.yaml` start with `# expect: LINE:COL text`: `policy --check` and a
/// render with `--policy` must both fail with that position and text, writing nothing.
#[test]
fn every_invalid_policy_fixture_fails_where_it_says() {
    let files = common::files_ending(&common::testdata("policy"), ".yaml");
    let bad: Vec<_> = files
        .iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("bad-"))
        })
        .collect();
    assert!(bad.len() >= 20, "{} bad policies", bad.len());
    let settings = common::insta_settings();
    for path in bad {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rel = format!("testdata/policy/{name}");
        let text = std::fs::read_to_string(path).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{name}: no expect line"));
        let (position, message) = expect.split_once(' ').unwrap();

        let check = common::run(&["policy", "--check", &rel], b"", &[]);
        assert_eq!(check.status, ExitStatus::Invalid, "{name}");
        assert!(check.stdout.is_empty(), "{name}");
        let location = if position == "-" {
            format!("--> {rel}\n")
        } else {
            format!("--> {rel}:{position}\n")
        };
        assert!(
            check.stderr.contains(&location),
            "{name}: expected {position}:\n{}",
            check.stderr
        );
        assert!(
            check.stderr.contains(message),
            "{name}: expected {message:?}:\n{}",
            check.stderr
        );
        assert!(check.stderr.contains("error[invalid-policy]"), "{name}");

        let render = common::run(&["--policy", &rel], GATEWAY.as_bytes(), &[]);
        assert_eq!(render.status, ExitStatus::Invalid, "{name}");
        assert!(render.stdout.is_empty(), "{name}");
        assert_eq!(
            render.stderr, check.stderr,
            "{name}: render and check report the same"
        );
        settings.bind(|| insta::assert_snapshot!(format!("policy__{name}"), check.stderr));
    }
}

#[test]
fn the_full_example_is_valid_and_matches_as_documented() {
    let check = common::run(
        &["policy", "--check", "testdata/policy/valid-full.yaml"],
        b"",
        &[],
    );
    assert_eq!(check.status, ExitStatus::Success, "{}", check.stderr);
    let gw = |ns: &str, name: &str, service: &str, labels: &str| {
        format!(
            "---\napiVersion: install.tetrate.io/v1alpha1\nkind: IngressGateway\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {labels}\nspec:\n  kubeSpec:\n    service:\n      type: {service}\n"
        )
    };
    let input = [
        gw(
            "helloworld",
            "helloworld-gateway",
            "LoadBalancer",
            "{tier: edge}",
        ),
        gw(
            "helloworld",
            "helloworld-gateway",
            "ClusterIP",
            "{tier: edge}",
        ),
        gw("helloworld", "edge-1", "LoadBalancer", "{tier: edge}"),
        gw("helloworld", "edge-1", "LoadBalancer", "{tier: internal}"),
        gw("legacy", "old", "LoadBalancer", "{}"),
        gw("other", "x", "NodePort", "{}"),
    ]
    .concat();
    let run = common::run(
        &["--policy", "testdata/policy/valid-full.yaml"],
        input.as_bytes(),
        &[],
    );
    assert_eq!(run.status, ExitStatus::Success, "{}", run.stderr);
    let out = String::from_utf8(run.stdout).unwrap();
    let values: Vec<&str> = out
        .split("---\n")
        .skip(1)
        .map(|d| {
            d.lines()
                .find(|l| l.contains("connectionDrainDuration"))
                .unwrap_or("(none)")
        })
        .collect();
    assert_eq!(
        values,
        [
            "  connectionDrainDuration: 30s", // every criterion of rule 1 holds
            "  connectionDrainDuration: 20s", // where: not a LoadBalancer
            "  connectionDrainDuration: 30s", // name glob edge-*
            "  connectionDrainDuration: 20s", // label tier differs
            "(none)",                         // namespace legacy: skip
            "  connectionDrainDuration: 20s", // catch-all
        ]
    );
    let check = common::run(
        &["policy", "--check", "testdata/policy/valid-full.yaml"],
        b"",
        &[],
    );
    assert!(
        String::from_utf8_lossy(&check.stdout)
            .contains("3. every gateway: connectionDrainDuration 20s, onConflict keep")
    );
}

#[test]
fn show_default_round_trips_and_the_schema_is_current() {
    let shown = common::run(&["policy", "--show-default"], b"", &[]);
    assert_eq!(shown.status, ExitStatus::Success);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.yaml");
    std::fs::write(&path, &shown.stdout).unwrap();
    let p = path.to_str().unwrap();
    // The default written as a file behaves exactly like no policy at all.
    let with = common::run(
        &["--policy", p],
        format!("{CONTROLPLANE}---\n{GATEWAY}").as_bytes(),
        &[],
    );
    let without = common::run(&[], format!("{CONTROLPLANE}---\n{GATEWAY}").as_bytes(), &[]);
    assert_eq!(with.stdout, without.stdout);
    assert!(!with.stdout.is_empty());

    let schema = common::run(&["policy", "--schema"], b"", &[]);
    let committed = std::fs::read(common::repo().join("schema/drainpolicy.schema.json"))
        .expect("schema/drainpolicy.schema.json");
    assert!(
        schema.stdout == committed,
        "schema/drainpolicy.schema.json is stale: run `cargo run -- policy --schema > schema/drainpolicy.schema.json`"
    );
}

fn policy_file(dir: &tempfile::TempDir, name: &str, spec: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(
        &path,
        format!("apiVersion: meshdrain.io/v1alpha1\nkind: DrainPolicy\nspec:\n{spec}"),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

/// `connectionDrainDuration: X` as found in the output (block or flow style).
fn gateway_value(out: &[u8]) -> String {
    let text = String::from_utf8_lossy(out);
    let Some(at) = text.find("connectionDrainDuration: ") else {
        return "(none)".to_owned();
    };
    let value: String = text[at..]
        .chars()
        .take_while(|c| !matches!(c, '}' | '\n' | ','))
        .collect();
    value.trim().to_owned()
}

#[test]
fn precedence_default_then_policy_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let p = policy_file(
        &dir,
        "p.yaml",
        "  gateways:\n  - connectionDrainDuration: 20s\n",
    );
    let q = policy_file(
        &dir,
        "q.yaml",
        "  gateways:\n  - connectionDrainDuration: 30s\n",
    );
    let input = GATEWAY.as_bytes();
    assert_eq!(
        gateway_value(&common::run(&[], input, &[]).stdout),
        "connectionDrainDuration: 10s"
    );
    assert_eq!(
        gateway_value(&common::run(&["--policy", &p], input, &[]).stdout),
        "connectionDrainDuration: 20s"
    );
    assert_eq!(
        gateway_value(&common::run(&[], input, &[("MESHDRAIN_POLICY", &p)]).stdout),
        "connectionDrainDuration: 20s"
    );
    // The flag names the policy over the variable.
    assert_eq!(
        gateway_value(&common::run(&["--policy", &q], input, &[("MESHDRAIN_POLICY", &p)]).stdout),
        "connectionDrainDuration: 30s"
    );
    let env = [("MESHDRAIN_GATEWAY_DRAIN_DURATION", "40s")];
    assert_eq!(
        gateway_value(&common::run(&["--policy", &p], input, &env).stdout),
        "connectionDrainDuration: 40s"
    );
    assert_eq!(
        gateway_value(
            &common::run(
                &["--policy", &p, "--gateway-drain-duration", "50s"],
                input,
                &env
            )
            .stdout
        ),
        "connectionDrainDuration: 50s"
    );
}

#[test]
fn absent_sections_are_untouched_and_flags_create_them() {
    let dir = tempfile::tempdir().unwrap();
    let only_gateways = policy_file(
        &dir,
        "g.yaml",
        "  gateways:\n  - connectionDrainDuration: 20s\n",
    );
    let input = format!("{CONTROLPLANE}---\n{GATEWAY}");
    let run = common::run(&["--policy", &only_gateways], input.as_bytes(), &[]);
    let out = String::from_utf8(run.stdout).unwrap();
    assert!(
        out.starts_with(CONTROLPLANE),
        "the ControlPlane stays untouched:\n{out}"
    );
    let run = common::run(
        &["--policy", &only_gateways, "--drain-duration", "40s"],
        input.as_bytes(),
        &[],
    );
    assert!(
        String::from_utf8(run.stdout)
            .unwrap()
            .contains("value: 40s")
    );
}

#[test]
fn duration_flags_skip_skip_rules() {
    let dir = tempfile::tempdir().unwrap();
    let p = policy_file(
        &dir,
        "p.yaml",
        "  gateways:\n  - match: {names: [gw]}\n    skip: true\n  - connectionDrainDuration: 20s\n",
    );
    let two = format!(
        "{GATEWAY}---\n{}",
        GATEWAY.replace("name: gw", "name: other")
    );
    let run = common::run(
        &["--policy", &p, "--gateway-drain-duration", "7s"],
        two.as_bytes(),
        &[],
    );
    let out = String::from_utf8(run.stdout).unwrap();
    assert_eq!(out.matches("connectionDrainDuration").count(), 1, "{out}");
    assert!(out.ends_with("connectionDrainDuration: 7s}\n"), "{out}");
}

#[test]
fn per_rule_on_conflict_wins_over_the_global_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = policy_file(
        &dir,
        "p.yaml",
        "  gateways:\n  - match: {names: [gw]}\n    connectionDrainDuration: 10s\n    onConflict: keep\n  - connectionDrainDuration: 10s\n  onConflict: error\n",
    );
    let existing = GATEWAY.replace("spec: {}", "spec: {connectionDrainDuration: 3s}");
    let kept = common::run(&["--policy", &p], existing.as_bytes(), &[]);
    assert_eq!(kept.status, ExitStatus::Success, "{}", kept.stderr);
    assert_eq!(kept.stdout, existing.as_bytes());
    let other = existing.replace("name: gw", "name: other");
    let failed = common::run(&["--policy", &p], other.as_bytes(), &[]);
    assert_eq!(failed.status, ExitStatus::Invalid);
    assert!(failed.stderr.contains("drain-conflict"));
}

#[test]
fn a_missing_policy_file_is_an_error_naming_it() {
    let run = common::run(
        &["--policy", "no/such/policy.yaml"],
        GATEWAY.as_bytes(),
        &[],
    );
    assert_eq!(run.status, ExitStatus::Invalid);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("cannot read the policy file no/such/policy.yaml"),
        "{}",
        run.stderr
    );
    let env = common::run(
        &[],
        GATEWAY.as_bytes(),
        &[("MESHDRAIN_POLICY", "no/such.yaml")],
    );
    assert!(
        env.stderr.contains("no/such.yaml") && env.stderr.contains("MESHDRAIN_POLICY"),
        "{}",
        env.stderr
    );
}

// Modes: each way of getting there has its own test.

#[test]
fn mode_kustomize_from_the_plugin_name_ignores_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let config = policy_file(
        &dir,
        "cfg.yaml",
        "  gateways:\n  - connectionDrainDuration: 20s\n",
    );
    let args = meshdrain::integration::kustomize::normalize_args(vec![
        "/p/DrainPolicy".into(),
        config.clone().into(),
    ]);
    let args: Vec<String> = args
        .into_iter()
        .skip(1)
        .map(|a| a.into_string().unwrap())
        .collect();
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let env = [
        ("MESHDRAIN_GATEWAY_DRAIN_DURATION", "99s"),
        ("MESHDRAIN_POLICY", "/nonexistent"),
    ];
    let run = common::run(&argv, GATEWAY.as_bytes(), &env);
    assert_eq!(run.status, ExitStatus::Success, "{}", run.stderr);
    assert_eq!(gateway_value(&run.stdout), "connectionDrainDuration: 20s");
}

#[test]
fn mode_kustomize_reports_yaml_paths() {
    let dir = tempfile::tempdir().unwrap();
    let config = policy_file(
        &dir,
        "cfg.yaml",
        "  gateways:\n  - connectionDrainDuration: 10\n",
    );
    let run = common::run(
        &["--mode", "kustomize", "--policy", &config],
        GATEWAY.as_bytes(),
        &[],
    );
    assert_eq!(run.status, ExitStatus::Invalid);
    assert!(
        run.stderr
            .contains("= path: spec.gateways[0].connectionDrainDuration"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("kustomize transformer config"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("cfg.yaml:"),
        "no line:column for kustomize's temporary copy:\n{}",
        run.stderr
    );
}

#[test]
fn mode_krm_from_a_resource_list_uses_the_function_config() {
    let list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: meshdrain.io/v1alpha1\n  kind: DrainPolicy\n  metadata: {name: fn}\n  spec:\n    gateways:\n    - connectionDrainDuration: 20s\nitems:\n- apiVersion: install.tetrate.io/v1alpha1\n  kind: IngressGateway\n  metadata: {name: gw}\n  spec: {}\n";
    let run = common::run(
        &[],
        list.as_bytes(),
        &[("MESHDRAIN_GATEWAY_DRAIN_DURATION", "99s")],
    );
    assert_eq!(run.status, ExitStatus::Success, "{}", run.stderr);
    let out = String::from_utf8(run.stdout).unwrap();
    assert!(
        out.contains("  spec: {connectionDrainDuration: 20s}\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "results:\n- message: \"set connectionDrainDuration to 20s\"\n  severity: info\n"
        ),
        "{out}"
    );
}

#[test]
fn mode_krm_errors_come_back_as_results_with_yaml_paths() {
    let list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: meshdrain.io/v1alpha1\n  kind: DrainPolicy\n  spec:\n    gateways:\n    - connectionDrainDuration: 1.5s\nitems:\n- apiVersion: install.tetrate.io/v1alpha1\n  kind: IngressGateway\n  metadata: {name: gw}\n  spec: {}\n";
    let run = common::run(&[], list.as_bytes(), &[]);
    assert_eq!(run.status, ExitStatus::Invalid);
    let out = String::from_utf8(run.stdout).unwrap();
    assert!(out.starts_with(list), "items untouched");
    assert!(out.contains("severity: error\n  field:\n    path: \"functionConfig.spec.gateways[0].connectionDrainDuration\"\n"), "{out}");
    assert!(
        run.stderr
            .contains("functionConfig.spec.gateways[0].connectionDrainDuration")
    );
}

#[test]
fn mode_explicit_post_renderer_passes_a_resource_list_through_as_a_list() {
    let list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: install.tetrate.io/v1alpha1\n  kind: IngressGateway\n  metadata: {name: gw}\n  spec: {}\n";
    let run = common::run(&["--mode", "post-renderer"], list.as_bytes(), &[]);
    assert_eq!(run.status, ExitStatus::Success);
    let out = String::from_utf8(run.stdout).unwrap();
    assert!(
        !out.contains("results:"),
        "no KRM results in post-renderer mode"
    );
    assert!(out.contains("connectionDrainDuration: 10s"));
}

#[test]
fn mode_post_renderer_is_the_default() {
    let run = common::run(&[], GATEWAY.as_bytes(), &[]);
    assert_eq!(run.status, ExitStatus::Success);
    assert!(!String::from_utf8(run.stdout).unwrap().contains("results:"));
}

/// KRM output is exactly one ResourceList, also when the input is not one: the refusal comes
/// back as an error result in a new, empty list, with exit 2 (bad input, not a bug).
#[test]
fn mode_krm_refuses_input_that_is_not_a_resource_list() {
    for input in [
        "a: [1\n",
        "a: 1\n",
        "- 1\n",
        "apiVersion: v1\nkind: List\nitems: []\n",
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 5\n",
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults: {a: 1}\n",
    ] {
        let run = common::run(&["--mode", "krm"], input.as_bytes(), &[]);
        assert_eq!(run.status, ExitStatus::Invalid, "{input:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("error[invalid-resource-list]"),
            "{input:?}: {}",
            run.stderr
        );
        let out: serde_json::Value = serde_yaml::from_slice(&run.stdout).unwrap();
        assert_eq!(out["kind"], "ResourceList", "{input:?}");
        assert_eq!(out["items"], serde_json::json!([]), "{input:?}");
        let results = out["results"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{input:?}");
        assert_eq!(results[0]["severity"], "error", "{input:?}");
    }
}

/// Exit 0 means no error results: a ResourceList that already carries an earlier step's
/// error results is refused (exit 2), its items unchanged.
#[test]
fn mode_krm_refuses_a_list_with_earlier_error_results() {
    let list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: install.tetrate.io/v1alpha1\n  kind: IngressGateway\n  metadata: {name: gw}\n  spec: {}\nresults:\n- message: an earlier function failed\n  severity: error\n";
    let run = common::run(&["--mode", "krm"], list.as_bytes(), &[]);
    assert_eq!(run.status, ExitStatus::Invalid, "{}", run.stderr);
    let out: serde_json::Value = serde_yaml::from_slice(&run.stdout).unwrap();
    assert_eq!(out["items"][0]["spec"], serde_json::json!({}));
    assert_eq!(out["results"].as_array().unwrap().len(), 2);
    // Earlier info results are no reason to stop.
    let list = list.replace("severity: error", "severity: info");
    let run = common::run(&["--mode", "krm"], list.as_bytes(), &[]);
    assert_eq!(run.status, ExitStatus::Success, "{}", run.stderr);
}

/// A ResourceList holding LS in a comment: to go-yaml the rest of that line is content, so
/// meshdrain neither edits it nor appends results to it; exit 2 and one ResourceList that a
/// libyaml-family reader (serde_yaml's) reads.
#[test]
fn mode_krm_refuses_a_list_whose_line_breaks_readers_disagree_on() {
    let list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: install.tetrate.io/v1alpha1\n  kind: IngressGateway\n  metadata: {name: gw}\n  spec: {}\nresults:\n- {message: earlier, severity: info} # ls\u{2028}spec: {}\n";
    let run = common::run(&["--mode", "krm"], list.as_bytes(), &[]);
    assert_eq!(run.status, ExitStatus::Invalid, "{}", run.stderr);
    assert!(
        run.stderr.contains("ambiguous-line-break"),
        "{}",
        run.stderr
    );
    let out: serde_json::Value = serde_yaml::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&run.stdout)));
    assert_eq!(out["kind"], "ResourceList");
    assert!(
        out["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["severity"] == "error")
    );
    // The items come back as a libyaml-family reader reads them, unchanged.
    let input: serde_json::Value = serde_yaml::from_str(list).unwrap();
    assert_eq!(out["items"], input["items"]);
}

#[test]
fn the_shipped_example_policy_is_valid() {
    let check = common::run(
        &[
            "policy",
            "--check",
            "examples/policies/drain-that-holds.yaml",
        ],
        b"",
        &[],
    );
    assert_eq!(check.status, ExitStatus::Success, "{}", check.stderr);
    let stdout = String::from_utf8_lossy(&check.stdout).into_owned();
    common::insta_settings()
        .bind(|| insta::assert_snapshot!("policy__check-drain-that-holds", stdout));
}
