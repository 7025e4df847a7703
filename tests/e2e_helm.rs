//! End to end under the real Helm 3 (v3.19.0): meshdrain as `helm template --post-renderer`.
//!
//! Uses only the pinned clients in `<repo>/.tools/bin`, installed by `scripts/install-tools.sh`,
//! never anything on PATH. Without them the tests skip with a note, except under CI (the `CI`
//! variable set), where they fail. Each helm run gets fresh, empty Helm home directories.
//!
//! `testdata/e2e/charts-example.helm3.out.yaml` was made by running
//! `.tools/bin/helm3 template rel charts-example --post-renderer target/debug/meshdrain`
//! and checked by eye; `example_chart_matches_expected_output` also checks its diff against
//! the plain render, so a regenerated file with more changes than the two drain settings fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;

const MESHDRAIN: &str = env!("CARGO_BIN_EXE_meshdrain");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `.tools/bin/helm3`, or `None` (after a note on stderr) when it is not installed.
/// Under CI a missing helm3 is a failure, not a skip.
fn helm3() -> Option<PathBuf> {
    let bin = repo().join(".tools/bin/helm3");
    if bin.is_file() {
        return Some(bin);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing and CI is set: run scripts/install-tools.sh before the tests",
            bin.display()
        );
    }
    // Once, and straight to the stderr handle: libtest captures `eprintln!` of passing tests.
    static NOTE: Once = Once::new();
    NOTE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\nskipped: {} is missing; run scripts/install-tools.sh to run the Helm e2e tests",
            bin.display()
        );
    });
    None
}

/// Runs `helm ARGS` from the repository root with its own empty data/config/cache homes,
/// and without the caller's HELM_*, MESHDRAIN_* or KUBECONFIG settings (Helm 3 passes its
/// environment on to the post-renderer).
fn run_helm(helm: &Path, args: &[&str]) -> Output {
    let homes = tempfile::tempdir().expect("temp dir for Helm homes");
    let mut cmd = Command::new(helm);
    for (key, _) in std::env::vars_os() {
        let key_str = key.to_string_lossy();
        if key_str.starts_with("HELM_") || key_str.starts_with("MESHDRAIN_") {
            cmd.env_remove(&key);
        }
    }
    let out = cmd
        .args(args)
        .current_dir(repo())
        .env("HELM_DATA_HOME", homes.path().join("data"))
        .env("HELM_CONFIG_HOME", homes.path().join("config"))
        .env("HELM_CACHE_HOME", homes.path().join("cache"))
        .env("KUBECONFIG", homes.path().join("no-kubeconfig"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", helm.display()));
    drop(homes);
    out
}

/// Like `run_helm`, but the run must succeed; returns its stdout.
fn helm_ok(helm: &Path, args: &[&str]) -> String {
    let out = run_helm(helm, args);
    assert!(
        out.status.success(),
        "helm {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("helm output is UTF-8")
}

fn chart(rel: &str) -> String {
    repo()
        .join(rel)
        .to_str()
        .expect("UTF-8 repository path")
        .to_owned()
}

/// A line diff by longest common subsequence: the removed lines (with their index in `old`)
/// and the added lines (with their index in `new`). Lines keep their `\n`.
type Lines<'a> = Vec<(usize, &'a str)>;
fn line_diff<'a>(old: &'a str, new: &'a str) -> (Lines<'a>, Lines<'a>) {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            added.push((j, b[j]));
            j += 1;
        } else {
            removed.push((i, a[i]));
            i += 1;
        }
    }
    (removed, added)
}

/// Points at the first differing line, for byte comparisons of whole renders.
fn assert_same_bytes(actual: &str, expected: &str, what: &str) {
    if actual == expected {
        return;
    }
    let first = actual
        .split_inclusive('\n')
        .zip(expected.split_inclusive('\n'))
        .position(|(a, e)| a != e);
    let (removed, added) = line_diff(expected, actual);
    panic!(
        "{what}: output differs from the expected bytes (first differing line: {first:?}, \
         lengths {} vs {})\nmissing: {removed:#?}\nextra: {added:#?}",
        actual.len(),
        expected.len()
    );
}

#[test]
fn pinned_helm3_is_v3_19_0() {
    let Some(helm) = helm3() else { return };
    let version = helm_ok(&helm, &["version", "--short"]);
    assert!(
        version.starts_with("v3.19.0+"),
        "the expected outputs are for Helm v3.19.0, .tools/bin/helm3 is {version:?}: \
         run scripts/install-tools.sh"
    );
}

#[test]
fn example_chart_matches_expected_output() {
    let Some(helm) = helm3() else { return };
    let example = chart("charts-example");
    let plain = helm_ok(&helm, &["template", "rel", &example]);
    let rendered = helm_ok(
        &helm,
        &["template", "rel", &example, "--post-renderer", MESHDRAIN],
    );

    // Only the two drain settings are new; nothing is removed or rewritten.
    let (removed, added) = line_diff(&plain, &rendered);
    assert!(
        removed.is_empty(),
        "lines removed by the post-renderer: {removed:#?}"
    );
    let added_lines: Vec<&str> = added.iter().map(|&(_, line)| line).collect();
    assert_eq!(
        added_lines,
        [
            "              - path: spec.meshConfig.defaultConfig.drainDuration\n",
            "                value: 50s\n",
            "  connectionDrainDuration: 10s\n",
        ],
        "lines added by the post-renderer"
    );
    // The patch goes right after the overlay's existing one, as one list item.
    let new_lines: Vec<&str> = rendered.split_inclusive('\n').collect();
    let patch_at = added[0].0;
    assert_eq!(
        added[1].0,
        patch_at + 1,
        "the patch's two lines are not adjacent"
    );
    assert_eq!(
        new_lines[patch_at - 1],
        "                value: true\n",
        "the drainDuration patch does not follow the existing patch"
    );

    let expected =
        std::fs::read_to_string(repo().join("testdata/e2e/charts-example.helm3.out.yaml"))
            .expect("read testdata/e2e/charts-example.helm3.out.yaml");
    assert_same_bytes(
        &rendered,
        &expected,
        "helm3 template charts-example --post-renderer",
    );
}

#[test]
fn chart_with_nothing_to_patch_is_byte_identical() {
    let Some(helm) = helm3() else { return };
    let plain_chart = chart("testdata/charts/plain");
    let plain = helm_ok(&helm, &["template", "rel", &plain_chart]);
    let rendered = helm_ok(
        &helm,
        &[
            "template",
            "rel",
            &plain_chart,
            "--post-renderer",
            MESHDRAIN,
        ],
    );
    // Guard against a vacuous pass: the chart renders all of its documents.
    for needle in [
        "kind: Deployment\n",
        "kind: Service\n",
        "kind: ConfigMap\n",
        "apiVersion: gateway.tsb.tetrate.io/v2\nkind: Tier1Gateway\n",
    ] {
        assert!(plain.contains(needle), "plain render lacks {needle:?}");
    }
    assert_same_bytes(
        &rendered,
        &plain,
        "testdata/charts/plain with --post-renderer",
    );
}

#[test]
fn post_renderer_args_set_the_gateway_drain() {
    let Some(helm) = helm3() else { return };
    let rendered = helm_ok(
        &helm,
        &[
            "template",
            "rel",
            &chart("charts-example"),
            "--post-renderer",
            MESHDRAIN,
            "--post-renderer-args",
            "--gateway-drain-duration=15s",
        ],
    );
    assert!(
        rendered.contains("\n  connectionDrainDuration: 15s\n"),
        "{rendered}"
    );
    // Everything else is as with the defaults.
    let expected =
        std::fs::read_to_string(repo().join("testdata/e2e/charts-example.helm3.out.yaml"))
            .expect("read testdata/e2e/charts-example.helm3.out.yaml")
            .replace(
                "\n  connectionDrainDuration: 10s\n",
                "\n  connectionDrainDuration: 15s\n",
            );
    assert_same_bytes(&rendered, &expected, "--gateway-drain-duration=15s");
}

#[test]
fn invalid_drain_duration_fails_helm_with_meshdrains_message() {
    let Some(helm) = helm3() else { return };
    let out = run_helm(
        &helm,
        &[
            "template",
            "rel",
            &chart("charts-example"),
            "--post-renderer",
            MESHDRAIN,
            "--post-renderer-args",
            "--drain-duration=50",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "helm succeeded with --drain-duration=50:\n{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "helm printed manifests although the post-renderer failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Helm 3 shows the post-renderer's stderr in its own error.
    assert!(
        stderr.contains("error while running post render"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bare number"),
        "no 'bare number' in helm's error:\n{stderr}"
    );
    assert!(
        stderr.contains("\"50s\""),
        "no suggestion of \"50s\" in helm's error:\n{stderr}"
    );
}
