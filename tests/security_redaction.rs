//! Reports that do not leak secrets (issue 16), through the real binary: a broken Secret in
//! every output format (check's text, JSON, SARIF and GitHub; render's error; the Helm 4 error
//! log; KRM), and Secrets next to changed resources in `--diff` and `-v`. Every report is an
//! insta snapshot and is also searched for each secret value, so a leak fails the test even
//! when someone accepts a snapshot.

mod common;

use std::path::Path;
use std::process::{Output, Stdio};

use serde_json::Value;

const MESHDRAIN: &str = env!("CARGO_BIN_EXE_meshdrain");

/// Every value of the Secrets in `testdata/security/`, and recognisable parts of them.
const SECRETS: &[&str] = &[
    "hunter2",
    "very-secret",
    "c2VjcmV0",
    "s3cr3t",
    "AKIA",
    "postgres:",
    "MIIEvg",
    "PRIVATE KEY",
    "Opaque",
];

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} quotes the secret value {secret:?}:\n{text}"
        );
    }
}

/// `meshdrain ARGS` with `stdin`, in the repository, in a new session without a terminal
/// (the Helm 4 plugin mode writes to the terminal too), with only `env` set.
fn run(args: &[&str], stdin: &[u8], env: &[(&str, &Path)]) -> Output {
    let mut cmd = common::e2e::detached(Path::new(MESHDRAIN));
    cmd.args(args)
        .current_dir(common::repo())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    common::e2e::run(&mut cmd, stdin)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(common::testdata(&format!("security/{name}"))).unwrap()
}

/// Every fixture of this test: the broken Secret, a ResourceList with a broken Secret item,
/// one with a refused value, a List with Secrets beside a gateway.
const FIXTURES: &str = "testdata/security";

fn snapshot(name: &str, value: &str) {
    assert_no_secret(name, value);
    common::insta_settings().bind(|| insta::assert_snapshot!(format!("security__{name}"), value));
}

/// `check --format FORMAT` on the fixtures: exit 1 (the GD000 errors), stderr only the
/// count of failing findings.
fn check(format: &str) -> String {
    let out = run(&["check", "--format", format, FIXTURES], b"", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("meshdrain check: ") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert_no_secret("check's stderr", &stderr);
    text(&out.stdout)
}

#[test]
fn check_text_shows_the_secrets_keys_and_positions_only() {
    let out = check("text");
    // The position is the real one; the line keeps its key.
    assert!(
        out.contains("--> testdata/security/broken-secret.yaml:23:35"),
        "{out}"
    );
    assert!(out.contains("23 |   password: <redacted>"), "{out}");
    snapshot("check-text", &out);
}

#[test]
fn check_json_has_no_secret() {
    let out = check("json");
    let json: Value = serde_json::from_str(&out).unwrap();
    let gd000 = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "GD000" && f["file"] == "testdata/security/broken-secret.yaml")
        .unwrap();
    assert_eq!(gd000["span"]["start"]["line"], 23);
    assert_eq!(gd000["span"]["start"]["column"], 35);
    snapshot("check-json", &out);
}

#[test]
fn check_sarif_has_no_secret() {
    let out = check("sarif");
    assert_no_secret("the whole SARIF log", &out);
    let sarif: Value = serde_json::from_str(&out).unwrap();
    // The rules' documentation is the same for every input: the results are what matters.
    let results = serde_json::to_string_pretty(&sarif["runs"][0]["results"]).unwrap();
    snapshot("check-sarif-results", &results);
}

#[test]
fn check_github_has_no_secret() {
    snapshot("check-github", &check("github"));
}

#[test]
fn render_errors_have_no_secret() {
    let out = run(&[], &fixture("broken-secret.yaml"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("--> <stdin>:23:35"), "{stderr}");
    snapshot("render-stderr", &stderr);
}

#[test]
fn the_helm_4_error_log_has_no_secret() {
    let state = tempfile::tempdir().unwrap();
    let out = run(
        &["--helm-plugin"],
        &fixture("broken-secret.yaml"),
        &[("XDG_STATE_HOME", state.path())],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_no_secret("stderr", &text(&out.stderr));
    let log = std::fs::read_to_string(state.path().join("meshdrain/last-error.log")).unwrap();
    let (first, rest) = log.split_once('\n').unwrap();
    assert!(first.starts_with("meshdrain failed at "), "{first}");
    assert_eq!(
        rest,
        text(&out.stderr).replace("meshdrain: 1 error(s); nothing was written\n", "")
            + "meshdrain: nothing was written, so Helm stops here\n"
    );
    snapshot(
        "helm4-log",
        &format!("meshdrain failed at [time] (pid [pid])\n{rest}"),
    );
}

#[test]
fn krm_reports_have_no_secret() {
    // A ResourceList whose Secret item does not parse: the error comes back as a result in a
    // new, empty ResourceList (kpt prints it) and on stderr, masked in both.
    let out = run(
        &["--mode", "krm"],
        &fixture("resource-list-broken-secret.yaml"),
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let fresh = text(&out.stdout);
    let list: serde_json::Value = serde_yaml::from_str(&fresh).unwrap();
    assert_eq!(list["kind"], "ResourceList", "{fresh}");
    assert_eq!(list["items"], serde_json::json!([]), "{fresh}");
    assert_eq!(list["results"][0]["severity"], "error", "{fresh}");
    assert_no_secret("KRM results of an unreadable list", &fresh);
    let broken = text(&out.stderr);
    // The YAML library quotes the value it refuses: masked.
    let out = run(
        &["--mode", "krm"],
        &fixture("resource-list-tagged-secret.yaml"),
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let tagged = text(&out.stderr);
    assert_no_secret("KRM results of a refused value", &text(&out.stdout));
    assert!(
        tagged.contains("invalid value: string \"<redacted>\""),
        "{tagged}"
    );
    // A readable ResourceList with a Secret item next to a gateway: the results.
    let list = text(&fixture("resource-list-broken-secret.yaml"))
        .replace("[1, 2}", "[1, 2]}")
        .replace("kubeSpec: {}", "connectionDrainDuration: 5s");
    let out = run(&["--mode", "krm"], list.as_bytes(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let output = text(&out.stdout);
    let results = output
        .find("\nresults:\n")
        .map(|i| &output[i + 1..])
        .unwrap_or_else(|| panic!("no results:\n{output}"));
    assert!(
        results.contains("set connectionDrainDuration to 10s (was 5s)"),
        "{results}"
    );
    assert_no_secret("KRM stderr", &text(&out.stderr));
    snapshot(
        "krm",
        &format!(
            "# unreadable Secret item (stderr)\n{broken}\n# refused value (stderr)\n{tagged}\n# results\n{results}"
        ),
    );
}

#[test]
fn diffs_and_summaries_of_neighbours_do_not_quote_secrets() {
    let input = fixture("list-with-secret.yaml");
    let out = run(&["--diff"], &input, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    // The Secret lines in the context are there, masked.
    assert!(diff.contains("\n     password: <redacted>\n"), "{diff}");
    assert!(
        diff.contains("\n+  spec: {connectionDrainDuration: 10s}\n"),
        "{diff}"
    );
    snapshot("diff", &diff);

    let out = run(&["-v"], &input, &[]);
    assert!(out.status.success());
    // The stream itself is the input with the edits: Secrets pass through untouched.
    assert!(text(&out.stdout).contains("password: hunter2-very-secret"));
    snapshot("verbose", &text(&out.stderr));
}
