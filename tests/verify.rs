//! `meshdrain verify`: every `testdata/verify/cases/NAME.args` (a comment, `# exit: N`,
//! `# checks: status:cause:field …`, then one argument per line) runs in-process; the exit
//! status and the exact list of checks (from the JSON output) must be what the case says,
//! the JSON must match its committed schema, and the text and JSON outputs are insta
//! snapshots. Then the real binary: stdin, several inputs, exit codes and stderr.

mod common;

use assert_cmd::Command;
use meshdrain::ExitStatus;
use predicates::prelude::*;

struct Case {
    name: String,
    exit: u8,
    checks: Option<Vec<String>>,
    args: Vec<String>,
}

fn cases() -> Vec<Case> {
    let files = common::files_ending(&common::testdata("verify/cases"), ".args");
    files
        .iter()
        .map(|path| {
            let name = path
                .file_stem()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let text = std::fs::read_to_string(path).unwrap();
            let mut exit = None;
            let mut checks = None;
            let mut args = vec!["verify".to_owned()];
            for line in text.lines() {
                if let Some(n) = line.strip_prefix("# exit: ") {
                    exit = Some(n.trim().parse().unwrap());
                } else if let Some(list) = line.strip_prefix("# checks: ") {
                    checks = Some(list.split_whitespace().map(str::to_owned).collect());
                } else if !line.starts_with('#') && !line.trim().is_empty() {
                    args.push(line.to_owned());
                }
            }
            Case {
                exit: exit.unwrap_or_else(|| panic!("{name}: no `# exit:` line")),
                name,
                checks,
                args,
            }
        })
        .collect()
}

fn run(args: &[String], format: &str) -> common::Run {
    let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
    argv.push("--format");
    argv.push(format);
    common::run(&argv, b"", &[])
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::repo().join("schema/verify-output.v1.schema.json"))
            .unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn every_case_exits_and_checks_as_it_says() {
    let all = cases();
    assert!(all.len() >= 40, "{} cases", all.len());
    let validator = validator();
    let settings = common::insta_settings();
    let mut exits = [0usize; 3];
    for case in &all {
        let text = run(&case.args, "text");
        let json = run(&case.args, "json");
        let name = &case.name;
        assert_eq!(text.status.code(), case.exit, "{name}: {}", text.stderr);
        assert_eq!(json.status, text.status, "{name}: the formats agree");
        exits[usize::from(case.exit)] += 1;
        if case.exit == 2 {
            assert!(text.stdout.is_empty(), "{name}: nothing on stdout");
            assert!(text.stderr.contains("error["), "{name}: {}", text.stderr);
            assert!(
                text.stderr.contains("= help:"),
                "{name}: every error says what to do"
            );
            settings
                .bind(|| insta::assert_snapshot!(format!("verify__{name}.stderr"), text.stderr));
            continue;
        }
        let out: serde_json::Value = serde_json::from_slice(&json.stdout)
            .unwrap_or_else(|e| panic!("{name}: not JSON ({e})"));
        if let Err(e) = validator.validate(&out) {
            panic!("{name}: the output does not match its schema: {e}");
        }
        let got: Vec<String> = out["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{}:{}:{}",
                    c["status"].as_str().unwrap(),
                    c["cause"].as_str().unwrap_or(""),
                    c["field"].as_str().unwrap()
                )
            })
            .collect();
        let want = case
            .checks
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no `# checks:` line"));
        assert_eq!(&got, want, "{name}: the checks");
        let result = out["summary"]["result"].as_str().unwrap();
        match case.exit {
            0 => assert_eq!(result, "pass", "{name}"),
            _ => assert!(result == "fail" || result == "not-verifiable", "{name}"),
        }
        let failed = out["summary"]["failed"].as_u64().unwrap();
        assert_eq!(case.exit == 1 && result == "fail", failed > 0, "{name}");
        // Every check says why, and every failure what to do.
        for c in out["checks"].as_array().unwrap() {
            assert!(!c["reason"].as_str().unwrap().is_empty(), "{name}: {c}");
            if c["status"] == "fail" {
                assert!(
                    c["hint"].is_string() || c["check"] == "drain-completed",
                    "{name}: {c}"
                );
            }
        }
        let stdout = String::from_utf8(text.stdout).unwrap();
        settings.bind(|| {
            insta::assert_snapshot!(format!("verify__{name}"), stdout);
            insta::assert_snapshot!(
                format!("verify__{name}.json"),
                String::from_utf8_lossy(&json.stdout)
            );
        });
    }
    assert!(
        exits.iter().all(|&n| n >= 5),
        "every exit status is covered: {exits:?}"
    );
}

#[test]
fn the_json_schema_is_committed() {
    let committed =
        std::fs::read_to_string(common::repo().join("schema/verify-output.v1.schema.json"))
            .unwrap();
    assert_eq!(
        committed,
        meshdrain::verify::report::schema_json(),
        "schema/verify-output.v1.schema.json is stale: regenerate it with `meshdrain verify --output-schema > schema/verify-output.v1.schema.json`"
    );
}

#[test]
fn json_values_are_written_and_normalised() {
    let case = [
        "verify",
        "--drain-duration",
        "1m30s",
        "--format",
        "json",
        "testdata/verify/inputs/dump-jsonpb-normalised.json",
    ];
    let run = common::run(&case, b"", &[]);
    let out: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(out["version"], 1);
    assert_eq!(out["expectedFrom"], "policy");
    let c = &out["checks"][0];
    assert_eq!(c["expected"]["written"], "90s");
    assert_eq!(c["expected"]["from"], "--drain-duration");
    assert_eq!(c["actual"]["written"], "90s");
    assert_eq!(c["actual"]["normalised"], "90s");
    assert_eq!(
        c["location"]["path"],
        "configs[0].bootstrap.node.metadata.PROXY_CONFIG.drainDuration"
    );
    assert!(c["location"]["line"].as_u64().unwrap() > 1);
    assert_eq!(c["subject"]["pod"], "web-7d9f8c6b5-x2x9z");
    assert_eq!(c["subject"]["owner"]["name"], "web");
    assert_eq!(c["subject"]["role"], "sidecar");
    // 1.500s as jsonpb writes it, 1500ms as a manifest might: the same duration.
    let manifests = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata:\n      annotations:\n        proxy.istio.io/config: '{\"terminationDrainDuration\": \"1500ms\", \"drainDuration\": \"1m30s\"}'\n    spec:\n      containers: [{name: web}]\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    std::fs::write(&path, manifests).unwrap();
    let m = path.to_str().unwrap();
    let run = common::run(
        &[
            "verify",
            "--manifests",
            m,
            "--format",
            "json",
            "testdata/verify/inputs/dump-jsonpb-normalised.json",
        ],
        b"",
        &[],
    );
    assert_eq!(run.status, ExitStatus::Success, "{}", run.stderr);
    let out: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let t = &out["checks"][1];
    assert_eq!(
        (t["field"].as_str(), t["status"].as_str()),
        (Some("terminationDrainDuration"), Some("pass"))
    );
    assert_eq!(t["actual"]["written"], "1.500s");
    assert_eq!(t["actual"]["normalised"], "1.5s");
    assert_eq!(t["expected"]["written"], "1500ms");
    assert_eq!(t["expected"]["normalised"], "1.5s");
}

#[test]
fn the_environment_and_policy_files_give_expected_values_as_render_reads_them() {
    let dump = "testdata/verify/inputs/dump-sidecar-stale-drain30s.json";
    // MESHDRAIN_DRAIN_DURATION over the built-in 50s, a flag over both.
    let env = common::run(
        &["verify", dump],
        b"",
        &[("MESHDRAIN_DRAIN_DURATION", "30s")],
    );
    assert_eq!(env.status, ExitStatus::Success, "{}", env.stderr);
    assert!(
        String::from_utf8_lossy(&env.stdout)
            .contains("environment variable MESHDRAIN_DRAIN_DURATION")
    );
    let flag = common::run(
        &["verify", "--drain-duration", "50s", dump],
        b"",
        &[("MESHDRAIN_DRAIN_DURATION", "30s")],
    );
    assert_eq!(flag.status, ExitStatus::Findings);
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.yaml");
    std::fs::write(&policy, "apiVersion: meshdrain.io/v1alpha1\nkind: DrainPolicy\nmetadata: {name: p}\nspec:\n  sidecar:\n    drainDuration: 30s\n").unwrap();
    let p = policy.to_str().unwrap();
    let file = common::run(&["verify", "--policy", p, dump], b"", &[]);
    assert_eq!(file.status, ExitStatus::Success, "{}", file.stderr);
    assert!(String::from_utf8_lossy(&file.stdout).contains(&format!("policy {p}")));
    let bad = common::run(&["verify", "--drain-duration", "50", dump], b"", &[]);
    assert_eq!(bad.status, ExitStatus::Invalid);
    assert!(bad.stderr.contains("\"50s\""), "{}", bad.stderr);
}

fn meshdrain() -> Command {
    let mut cmd = Command::cargo_bin("meshdrain").expect("binary built");
    for (key, _) in std::env::vars() {
        if key.starts_with("MESHDRAIN_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[test]
fn the_binary_reads_stdin_and_files_together() {
    let log = std::fs::read("testdata/verify/inputs/log-issue-25575-gateway-5m10s-cut-at-30s.txt")
        .unwrap();
    meshdrain()
        .args([
            "verify",
            "--role",
            "gateway",
            "--gateway-drain-duration",
            "310s",
            "-",
            "testdata/verify/inputs/dump-sidecar-drain50s.json",
        ])
        .write_stdin(log)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[drain-cut-short]"))
        .stdout(predicate::str::contains("<stdin>:7:"))
        .stdout(predicate::str::contains(
            "info[pass]: drainDuration of pod shop/web-7d9f8c6b5-x2x9z",
        ))
        .stderr(predicate::str::contains("meshdrain verify: 1 check failed"));
}

#[test]
fn the_binary_exits_0_only_on_a_pass() {
    meshdrain()
        .args([
            "verify",
            "--drain-duration",
            "50s",
            "--termination-drain-duration",
            "25s",
            "testdata/verify/inputs/dump-sidecar-drain50s.json",
        ])
        .assert()
        .code(0)
        .stderr("");
    meshdrain()
        .args(["verify", "testdata/verify/inputs/log-no-termination.txt"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("NOT VERIFIABLE"))
        .stderr(predicate::str::contains("not verifiable"));
    meshdrain()
        .args(["verify", "-"])
        .write_stdin("{\"configs\": [{\"@type\": \"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump\",")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("error[invalid-input]: <stdin> ends in the middle of its JSON"))
        .stderr(predicate::str::contains("cut short"));
    meshdrain()
        .args(["verify"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs evidence"));
    meshdrain()
        .args(["verify", "testdata/verify/inputs/no-such-file.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read testdata/verify/inputs/no-such-file.json",
        ));
}

#[test]
fn help_has_examples_and_the_exit_status() {
    meshdrain()
        .args(["verify", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains(
            "pilot-agent request GET config_dump",
        ))
        .stdout(predicate::str::contains("kubectl describe pod"))
        .stdout(predicate::str::contains(
            "Exit status: 0 at least one check passed",
        ))
        .stdout(predicate::str::contains("--manifests"))
        .stdout(predicate::str::contains("--input-format"))
        .stdout(predicate::str::contains("Expect this drainDuration"));
}

mod never_panics {
    use meshdrain::document::Limits;
    use meshdrain::verify::{Format, Role, expect, input, judge};
    use proptest::prelude::*;

    /// Lines that look like the evidence, shuffled and cut: every reader and the judge must
    /// come back with evidence, checks or an error, never a panic.
    fn fragment() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "2024-01-01T00:00:00.000001Z\tinfo\tGraceful termination period is 5s, starting...",
            "2024-01-01T00:00:05.000001Z\tinfo\tGraceful termination period complete, terminating remaining proxies.",
            "2024-01-01T00:00:00Z\tinfo\tAgent draining proxy for 5s, then waiting for active connections to terminate...",
            "2024-01-01T00:00:01Z\tinfo\tThere are still 12 active connections",
            "2024-01-01T00:00:02Z\terror\tunable to get listener stats from Envoy",
            "2024-01-01T00:00:02Z\twarn\tAborting proxy",
            "[pod/a-1/istio-proxy] 2024-01-01T00:00:03Z warning envoy main caught SIGTERM",
            "│ 2024-01-01T00:00:00Z    info    handling /drain, starting drain │",
            "{\"level\":\"info\",\"time\":\"2024-01-01T00:00:00Z\",\"msg\":\"Effective config: drainDuration: 45s\"}",
            "terminationDrainDuration: 30s",
            "  EXIT_ON_ZERO_ACTIVE_CONNECTIONS: \"true\"",
            "Name:         web-1",
            "Namespace:    shop",
            "Containers:",
            "  istio-proxy:",
            "    Environment:",
            "      PROXY_CONFIG:  {\"drainDuration\":\"50s\"}",
            "      TERMINATION_DRAIN_DURATION_SECONDS:  x",
            "apiVersion: v1",
            "kind: Pod",
            "spec: {containers: [{name: istio-proxy, env: [{name: PROXY_CONFIG, value: '{\"drainDuration\": 5}'}]}]}",
            "{\"configs\": [{\"@type\": \"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump\", \"bootstrap\": {\"node\": {\"id\": \"sidecar~1~a.b~b\", \"metadata\": {\"PROXY_CONFIG\": {\"drainDuration\": \"1.5h\"}}}}}]}",
            "{\"node\": {\"metadata\": {\"PROXY_CONFIG\": \"{not json\"}}}",
            "\u{feff}",
            "",
        ])
        .prop_map(str::to_owned)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn readers_and_the_judge_never_panic(
            lines in prop::collection::vec(fragment(), 0..12),
            cut in 0usize..400,
            forced in prop::option::of(prop::sample::select(Format::ALL.to_vec())),
        ) {
            let text = lines.join("\n");
            let end = (0..=cut.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let text = &text[..end];
            let policy = meshdrain::policy::DrainPolicy::default();
            let expectations = expect::Expectations::Policy(expect::PolicyExpectations {
                policy,
                sources: Default::default(),
            });
            let read = input::evidence_of("p", text.as_bytes(), forced, &Limits::default());
            if let Ok(evidence) = read {
                for role in [Role::Auto, Role::Sidecar, Role::Gateway] {
                    let checks = judge::judge(&evidence, &expectations, role);
                    for c in &checks {
                        prop_assert!(!c.reason.is_empty());
                    }
                }
            }
        }
    }
}
