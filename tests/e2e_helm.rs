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

mod common;

use std::path::Path;
use std::process::Output;

use common::diff::{assert_same_bytes, line_diff};
use common::e2e::{self, MESHDRAIN, Sandbox};
use common::{istio, repo};

fn helm3() -> Option<std::path::PathBuf> {
    e2e::tool("helm3")
}

/// Runs `helm ARGS` from the repository root in a fresh sandbox: its own empty Helm homes,
/// and none of the caller's HELM_*, MESHDRAIN_* or KUBECONFIG settings (Helm 3 passes its
/// environment on to the post-renderer).
fn run_helm(helm: &Path, args: &[&str]) -> Output {
    let sandbox = Sandbox::new();
    e2e::run(sandbox.helm(helm).args(args), b"")
}

/// Like `run_helm`, but the run must succeed; returns its stdout.
fn helm_ok(helm: &Path, args: &[&str]) -> String {
    let sandbox = Sandbox::new();
    e2e::run_ok(sandbox.helm(helm).args(args), b"")
}

fn chart(rel: &str) -> String {
    repo()
        .join(rel)
        .to_str()
        .expect("UTF-8 repository path")
        .to_owned()
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

/// What `meshdrain check -` says about a stream, as JSON.
fn check_stream(stream: &str, extra: &[&str]) -> serde_json::Value {
    let mut cmd = std::process::Command::new(MESHDRAIN);
    cmd.args(["check", "--format", "json"]).args(extra).arg("-");
    let out = e2e::run(&mut cmd, stream.as_bytes());
    serde_json::from_slice(&out.stdout).expect("check prints JSON")
}

#[test]
fn the_default_render_of_the_example_chart_has_no_error_findings() {
    let Some(helm) = helm3() else { return };
    let example = chart("charts-example");
    let plain = helm_ok(&helm, &["template", "rel", &example]);
    let rendered = helm_ok(
        &helm,
        &["template", "rel", &example, "--post-renderer", MESHDRAIN],
    );
    let codes = |v: &serde_json::Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["severity"].as_str().unwrap(),
                    f["code"].as_str().unwrap()
                )
            })
            .collect()
    };
    // Before: the chart misses both drain settings.
    let before = codes(&check_stream(&plain, &[]));
    assert!(before.contains(&"warning GD001".to_owned()), "{before:?}");
    assert!(before.contains(&"warning GD013".to_owned()), "{before:?}");
    // After: no errors; what remains is the honest warning that drainDuration alone may not
    // delay the sidecar's exit.
    let after = check_stream(&rendered, &[]);
    assert_eq!(after["summary"]["errors"], 0, "{after}");
    let after_codes = codes(&after);
    assert!(
        !after_codes
            .iter()
            .any(|c| c.ends_with("GD001") || c.ends_with("GD013")),
        "{after_codes:?}"
    );
    assert!(
        after_codes.contains(&"warning GD028".to_owned()),
        "{after_codes:?}"
    );
    // And through the post-renderer itself: render --check passes.
    let checked = helm_ok(
        &helm,
        &[
            "template",
            "rel",
            &example,
            "--post-renderer",
            MESHDRAIN,
            "--post-renderer-args",
            "--check",
        ],
    );
    assert_same_bytes(&checked, &rendered, "render --check changes nothing");
}

#[test]
fn the_shipped_policy_makes_the_drain_hold() {
    let Some(helm) = helm3() else { return };
    let policy = format!("--policy={}", repo().join(e2e::HOLD_POLICY).display());
    for name in ["charts-example", "testdata/e2e/charts/apps"] {
        let rendered = helm_ok(
            &helm,
            &[
                "template",
                "rel",
                &chart(name),
                "--post-renderer",
                MESHDRAIN,
                "--post-renderer-args",
                &policy,
            ],
        );
        e2e::assert_drain_holds(&rendered, &format!("helm3 {name}"));
        if name.ends_with("apps") {
            e2e::assert_apps_chart_drained(&rendered, "helm3");
        }
        // Idempotent through the same post-renderer.
        let mut again = std::process::Command::new(MESHDRAIN);
        again
            .args(["--policy", e2e::HOLD_POLICY])
            .current_dir(repo());
        assert_same_bytes(
            &e2e::run_ok(&mut again, rendered.as_bytes()),
            &rendered,
            &format!("a second render of {name}"),
        );
    }
}

/// `helm3 template istiod ISTIOD_CHART -n istio-system EXTRA...`.
fn istiod(helm: &Path, extra: &[&str]) -> String {
    let chart = chart(istio::ISTIOD_CHART);
    let mut args = vec!["template", "istiod", &chart, "-n", "istio-system"];
    args.extend_from_slice(extra);
    helm_ok(helm, &args)
}

#[test]
fn the_committed_istiod_renders_are_helm3s() {
    // The kustomize and kpt tests read these instead of running Helm.
    let Some(helm) = helm3() else { return };
    for (file, extra) in [
        (istio::PLAIN_RENDER, &[][..]),
        (istio::SET_RENDER, &istio::SET_DRAIN[..]),
    ] {
        let committed = e2e::read(&repo().join(file));
        assert_same_bytes(&istiod(&helm, extra), &committed, file);
    }
}

/// The differential oracle: meshdrain writing the drain into the istiod chart's default render
/// gives the mesh config Helm renders with `--set meshConfig.defaultConfig.…`; every other
/// document stays byte for byte the plain render's, and in the mesh ConfigMap only the two
/// drain lines are new. For the default revision (ConfigMap `istio`) and a revision
/// (`--set revision=canary`: ConfigMap `istio-canary`).
#[test]
fn istiod_chart_through_meshdrain_is_helms_own_set_render() {
    let Some(helm) = helm3() else { return };
    let policy = format!("--policy={}", repo().join(istio::MESH_POLICY).display());
    for (revision, name) in [
        (&[][..], "istio"),
        (&["--set", "revision=canary"][..], "istio-canary"),
    ] {
        let plain = istiod(&helm, revision);
        let with_set = istiod(&helm, &[revision, &istio::SET_DRAIN[..]].concat());
        let drained = istiod(
            &helm,
            &[
                revision,
                &[
                    "--post-renderer",
                    MESHDRAIN,
                    "--post-renderer-args",
                    &policy,
                ],
            ]
            .concat(),
        );
        let what = format!("istiod chart, ConfigMap {name}");
        istio::assert_same_as_helm_set(&plain, &drained, &with_set, name, &what);
        let (before, after) = (istio::documents(&plain), istio::documents(&drained));
        assert_eq!(before.len(), after.len(), "{what}: documents");
        for (old, new) in before.iter().zip(&after) {
            if old.contains("# Source: istiod/templates/configmap.yaml\n") {
                let (removed, added) = line_diff(old, new);
                assert!(removed.is_empty(), "{what}: removed {removed:?}");
                let added: Vec<&str> = added.iter().map(|&(_, l)| l).collect();
                assert_eq!(
                    added,
                    [
                        "      drainDuration: 50s\n",
                        "      terminationDrainDuration: 20s\n"
                    ],
                    "{what}"
                );
            } else {
                assert_same_bytes(new, old, &what);
            }
        }
        // Idempotent.
        let mut rerun = std::process::Command::new(MESHDRAIN);
        rerun
            .args(["--policy", istio::MESH_POLICY])
            .current_dir(repo());
        assert_same_bytes(
            &e2e::run_ok(&mut rerun, drained.as_bytes()),
            &drained,
            &what,
        );
    }
}

#[test]
fn istios_own_charts_pass_through_the_built_in_policy_byte_identical() {
    let Some(helm) = helm3() else { return };
    for (release, chart_dir, namespace) in [
        ("istiod", istio::ISTIOD_CHART, "istio-system"),
        ("istio-ingress", istio::GATEWAY_CHART, "istio-ingress"),
    ] {
        let chart_dir = chart(chart_dir);
        let base = ["template", release, &chart_dir, "-n", namespace];
        let plain = helm_ok(&helm, &base);
        let rendered = helm_ok(
            &helm,
            &[&base[..], &["--post-renderer", MESHDRAIN]].concat(),
        );
        assert!(
            plain.contains("kind: Deployment\n"),
            "{release} renders a Deployment"
        );
        assert_same_bytes(
            &rendered,
            &plain,
            &format!("{release} with the built-in policy"),
        );
    }
}

/// The README's policy for upstream Istio (`examples/policies/upstream-istio.yaml`) on Istio's
/// own istiod and gateway charts: the mesh config gets the sidecar's wait, the gateway chart's
/// Deployment its own (in its proxy config annotation) and a grace period that holds it;
/// nothing else changes, and `meshdrain check --fail-on warning` passes on the result.
#[test]
fn the_upstream_istio_policy_makes_the_drain_hold_on_istios_charts() {
    let Some(helm) = helm3() else { return };
    let policy = format!(
        "--policy={}",
        repo()
            .join("examples/policies/upstream-istio.yaml")
            .display()
    );
    for (release, chart_dir, namespace, added) in [
        (
            "istiod",
            istio::ISTIOD_CHART,
            "istio-system",
            &["      terminationDrainDuration: 25s\n"][..],
        ),
        (
            "istio-ingress",
            istio::GATEWAY_CHART,
            "istio-ingress",
            &[
                "        proxy.istio.io/config: |\n",
                "          terminationDrainDuration: 30s\n",
                "      terminationGracePeriodSeconds: 35\n",
            ][..],
        ),
    ] {
        let chart_dir = chart(chart_dir);
        let base = ["template", release, &chart_dir, "-n", namespace];
        let plain = helm_ok(&helm, &base);
        let rendered = helm_ok(
            &helm,
            &[
                &base[..],
                &[
                    "--post-renderer",
                    MESHDRAIN,
                    "--post-renderer-args",
                    &policy,
                ],
            ]
            .concat(),
        );
        let removed: &[&str] = if release == "istiod" {
            &[]
        } else {
            &["      terminationGracePeriodSeconds: 30\n"]
        };
        common::diff::assert_changes(&plain, &rendered, removed, added, release);
        e2e::assert_drain_holds(&rendered, release);
    }
}
