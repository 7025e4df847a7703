//! `.meshdrain.yaml`, `check --stdin-filename`, `check --exit-zero` and repository-relative
//! paths, through the real binary run from directories of a sandbox "repository" (a directory
//! with `.git`, which is all meshdrain looks for).
//!
//! DESIGN.md, "Defaults and precedence": only `check` and the lint step of `render --check`
//! read `.meshdrain.yaml` (its `spec.check`), found by walking up to the git root;
//! `--policy` and `MESHDRAIN_POLICY` replace it; no other command reads it.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

/// An IngressGateway without a drain: one GD013 warning.
const GATEWAY: &str = "\
apiVersion: install.tetrate.io/v1alpha1
kind: IngressGateway
metadata: {name: edge, namespace: edge}
spec:
  kubeSpec:
    service: {type: LoadBalancer}
";

/// Ignores GD013.
const IGNORE_GD013: &str = "\
apiVersion: meshdrain.io/v1alpha1
kind: DrainPolicy
metadata: {name: lint}
spec:
  check:
    ignore:
    - rules: [GD013]
      reason: drained by the load balancer
";

/// Ignores something else.
const IGNORE_GD014: &str = "\
apiVersion: meshdrain.io/v1alpha1
kind: DrainPolicy
metadata: {name: other}
spec:
  check:
    ignore:
    - rules: [GD014]
";

/// Not a valid DrainPolicy (an unknown field under spec), with a sidecar drain that would
/// show in the output if a render read it.
const BROKEN: &str = "\
apiVersion: meshdrain.io/v1alpha1
kind: DrainPolicy
metadata: {name: broken}
spec:
  sidecar: {drainDuration: 99s}
  nonsense: true
";

/// Valid, and would change every render's values if a render read it.
const SIDECAR_99S: &str = "\
apiVersion: meshdrain.io/v1alpha1
kind: DrainPolicy
metadata: {name: would-change-renders}
spec:
  sidecar: {drainDuration: 99s}
  gateways: [{connectionDrainDuration: 99s}]
";

/// A ControlPlane with an overlay but no drain, and a gateway without one.
const STREAM: &str = "\
apiVersion: install.tetrate.io/v1alpha1
kind: ControlPlane
metadata: {name: cp, namespace: istio-system}
spec:
  components:
    istio:
      kubeSpec:
        overlays:
        - apiVersion: install.istio.io/v1alpha1
          kind: IstioOperator
          name: tsb-istiocontrolplane
          patches:
          - path: spec.meshConfig.defaultConfig.holdApplicationUntilProxyStarts
            value: true
---
apiVersion: install.tetrate.io/v1alpha1
kind: IngressGateway
metadata: {name: edge, namespace: edge}
spec:
  kubeSpec:
    service: {type: LoadBalancer}
";

/// `outer/` (no git) holding `repo/` (with `.git`) holding `repo/deploy/app/`.
struct Tree {
    dir: TempDir,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::Builder::new()
            .prefix("meshdrain-config-")
            .tempdir()
            .expect("temp dir");
        fs::create_dir_all(dir.path().join("outer/repo/.git")).unwrap();
        fs::create_dir_all(dir.path().join("outer/repo/deploy/app")).unwrap();
        fs::write(dir.path().join("outer/repo/deploy/app/gw.yaml"), GATEWAY).unwrap();
        Tree { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }
}

/// meshdrain run from `cwd`, without the caller's MESHDRAIN_* variables.
fn meshdrain(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("meshdrain").expect("binary built");
    for (key, _) in std::env::vars() {
        if key.starts_with("MESHDRAIN_") || key == "NO_COLOR" {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(cwd);
    cmd
}

/// `check --fail-on warning gw.yaml` from `repo/deploy/app`: 0 when GD013 is suppressed.
fn check_gateway(tree: &Tree) -> Command {
    let mut cmd = meshdrain(&tree.path("outer/repo/deploy/app"));
    cmd.args(["check", "--fail-on", "warning", "gw.yaml"]);
    cmd
}

#[test]
fn without_a_config_the_gateway_fails_at_warning() {
    let tree = Tree::new();
    check_gateway(&tree)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("warning[GD013]"));
}

#[test]
fn a_config_in_a_parent_directory_is_found() {
    let tree = Tree::new();
    let config = tree.write("outer/repo/.meshdrain.yaml", IGNORE_GD013);
    check_gateway(&tree)
        .arg("-v")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 finding suppressed"))
        .stderr(predicate::str::contains(format!(
            "note: ignore rules from {} (spec.check)",
            config.display()
        )));
    // In the current directory itself, too.
    let tree = Tree::new();
    tree.write("outer/repo/deploy/app/.meshdrain.yaml", IGNORE_GD013);
    check_gateway(&tree).assert().code(0);
}

#[test]
fn the_nearest_config_wins() {
    let tree = Tree::new();
    tree.write("outer/repo/.meshdrain.yaml", IGNORE_GD013);
    tree.write("outer/repo/deploy/.meshdrain.yaml", IGNORE_GD014);
    check_gateway(&tree).assert().code(1);
}

#[test]
fn the_walk_stops_at_the_git_root() {
    let tree = Tree::new();
    // Above the repository: never read.
    tree.write("outer/.meshdrain.yaml", IGNORE_GD013);
    check_gateway(&tree).assert().code(1);
    // A linked work tree or submodule has a .git file, not a directory: a root all the same.
    let tree = Tree::new();
    fs::remove_dir(tree.path("outer/repo/.git")).unwrap();
    tree.write(
        "outer/repo/.git",
        "gitdir: /elsewhere/.git/worktrees/repo\n",
    );
    tree.write("outer/.meshdrain.yaml", IGNORE_GD013);
    check_gateway(&tree).assert().code(1);
    tree.write("outer/repo/.meshdrain.yaml", IGNORE_GD013);
    check_gateway(&tree).assert().code(0);
}

#[test]
fn outside_a_repository_only_the_current_directory_counts() {
    let tree = Tree::new();
    tree.write("loose/.meshdrain.yaml", IGNORE_GD013);
    tree.write("loose/sub/gw.yaml", GATEWAY);
    let check = |cwd: &str, file: &str| {
        meshdrain(&tree.path(cwd))
            .args(["check", "--fail-on", "warning", file])
            .assert()
    };
    check("loose/sub", "gw.yaml").code(1);
    check("loose", "sub/gw.yaml").code(0);
}

#[test]
fn policy_and_meshdrain_policy_replace_the_config() {
    let tree = Tree::new();
    tree.write("outer/repo/.meshdrain.yaml", IGNORE_GD013);
    let other = tree.write("outer/other.yaml", IGNORE_GD014);
    let other = other.to_str().unwrap();
    check_gateway(&tree)
        .args(["--policy", other])
        .assert()
        .code(1);
    check_gateway(&tree)
        .env("MESHDRAIN_POLICY", other)
        .assert()
        .code(1);
    // Replaced, not merged: a broken config is not even read when a policy is named.
    tree.write("outer/repo/.meshdrain.yaml", BROKEN);
    check_gateway(&tree)
        .args(["--policy", other])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nonsense").not());
    check_gateway(&tree)
        .env("MESHDRAIN_POLICY", other)
        .assert()
        .code(1);
}

#[test]
fn a_broken_config_is_an_error_that_says_where_and_why_it_was_read() {
    let tree = Tree::new();
    let config = tree.write("outer/repo/.meshdrain.yaml", BROKEN);
    check_gateway(&tree)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{}:6:3",
            config.display()
        )))
        .stderr(predicate::str::contains(
            "was read as the check configuration: the nearest .meshdrain.yaml",
        ))
        .stderr(predicate::str::contains("--policy or MESHDRAIN_POLICY"));
}

#[test]
fn no_other_command_reads_the_config() {
    let tree = Tree::new();
    let dir = tree.path("outer/repo/deploy/app");
    for config in [BROKEN, SIDECAR_99S] {
        tree.write("outer/repo/.meshdrain.yaml", config);
        // render (the post-renderer), with and without the subcommand.
        for args in [&[][..], &["render"][..], &["render", "--diff"][..]] {
            let out = meshdrain(&dir)
                .args(args)
                .write_stdin(STREAM)
                .assert()
                .success();
            let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
            assert!(text.contains("value: 50s"), "{args:?}: {text}");
            assert!(!text.contains("99s"), "{args:?}: {text}");
        }
        // values.
        fs::copy(
            common::testdata("cli/controlplane-values.yaml"),
            dir.join("values.yaml"),
        )
        .unwrap();
        meshdrain(&dir)
            .args(["values", "values.yaml"])
            .assert()
            .success()
            .stdout(predicate::str::contains("50s").and(predicate::str::contains("99s").not()));
        // kustomize: the transformer config is the policy.
        let transformer = tree.write(
            "outer/repo/deploy/app/drain.yaml",
            "apiVersion: meshdrain.io/v1alpha1\nkind: DrainPolicy\nmetadata: {name: drain}\nspec:\n  sidecar: {drainDuration: 45s}\n",
        );
        meshdrain(&dir)
            .args([
                "--mode",
                "kustomize",
                "--policy",
                transformer.to_str().unwrap(),
            ])
            .write_stdin(STREAM)
            .assert()
            .success()
            .stdout(
                predicate::str::contains("value: 45s").and(predicate::str::contains("99s").not()),
            );
        // KRM: a ResourceList with no functionConfig gets the built-in default.
        let list = format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{}",
            indent_items(STREAM)
        );
        meshdrain(&dir).write_stdin(list).assert().success().stdout(
            predicate::str::contains("value: 50s").and(predicate::str::contains("99s").not()),
        );
    }
}

/// The documents of a stream as ResourceList items.
fn indent_items(stream: &str) -> String {
    stream
        .split("---\n")
        .map(|doc| {
            let mut lines = doc.lines();
            let first = lines.next().unwrap_or_default();
            let mut item = format!("- {first}\n");
            for line in lines {
                item.push_str(&format!("  {line}\n"));
            }
            item
        })
        .collect()
}

#[test]
fn render_check_reads_the_config_for_its_lint_step_only() {
    let tree = Tree::new();
    let dir = tree.path("outer/repo/deploy/app");
    // After the render, the ControlPlane has drainDuration but no terminationDrainDuration
    // (GD028) and the gateway has a drain: GD028 fails the check at --fail-on warning.
    let render_check = || {
        let mut cmd = meshdrain(&dir);
        cmd.args(["render", "--check", "--fail-on", "warning"])
            .write_stdin(STREAM);
        cmd
    };
    render_check()
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("GD028"));
    tree.write(
        "outer/repo/.meshdrain.yaml",
        "apiVersion: meshdrain.io/v1alpha1\nkind: DrainPolicy\nmetadata: {name: lint}\nspec:\n  sidecar: {drainDuration: 99s}\n  check:\n    ignore:\n    - rules: [GD028]\n",
    );
    // The ignore applies, the sidecar setting does not.
    render_check()
        .assert()
        .code(0)
        .stdout(predicate::str::contains("value: 50s").and(predicate::str::contains("99s").not()));
    // A named policy replaces it for the lint step as well.
    let named = tree.write("outer/named.yaml", IGNORE_GD014);
    render_check()
        .args(["--policy", named.to_str().unwrap()])
        .assert()
        .code(1);
    tree.write("outer/repo/.meshdrain.yaml", BROKEN);
    render_check()
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "was read as the check configuration",
        ));
    // Without --check, a render never looks.
    meshdrain(&dir).write_stdin(STREAM).assert().success();
}

#[test]
fn stdin_filename_names_stdin_everywhere() {
    let tree = Tree::new();
    let dir = tree.path("outer/repo/charts/shop");
    fs::create_dir_all(&dir).unwrap();
    let check = |format: &str| {
        let out = meshdrain(&dir)
            .args([
                "check",
                "--format",
                format,
                "--stdin-filename",
                "rendered.yaml",
                "-",
            ])
            .write_stdin(GATEWAY)
            .assert()
            .code(0);
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    assert!(
        check("text").contains("--> rendered.yaml:4:1"),
        "{}",
        check("text")
    );
    // SARIF and GitHub name it from the repository root.
    let sarif: serde_json::Value = serde_json::from_str(&check("sarif")).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"],
        serde_json::json!({"uri": "charts/shop/rendered.yaml", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(location["region"]["startLine"], 4);
    assert!(
        check("github").starts_with("::warning file=charts/shop/rendered.yaml,line=4,"),
        "{}",
        check("github")
    );
    let json: serde_json::Value = serde_json::from_str(&check("json")).unwrap();
    assert!(json.to_string().contains("\"rendered.yaml\""), "{json}");
    // Ignore rules' file globs match the name.
    let policy = tree.write(
        "outer/repo/files.yaml",
        "apiVersion: meshdrain.io/v1alpha1\nkind: DrainPolicy\nmetadata: {name: lint}\nspec:\n  check:\n    ignore:\n    - rules: [GD013]\n      files: [\"rendered.*\"]\n",
    );
    meshdrain(&dir)
        .args([
            "check",
            "--fail-on",
            "warning",
            "--policy",
            policy.to_str().unwrap(),
        ])
        .args(["--stdin-filename", "rendered.yaml", "-"])
        .write_stdin(GATEWAY)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 finding suppressed"));
    // Alone, it reads stdin; with paths but no `-`, it is a usage error.
    meshdrain(&dir)
        .args([
            "check",
            "--fail-on",
            "warning",
            "--stdin-filename",
            "x.yaml",
        ])
        .write_stdin(GATEWAY)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("--> x.yaml:4:1"));
    meshdrain(&dir)
        .args(["check", "--stdin-filename", "x.yaml", "gw.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--stdin-filename names stdin, but stdin (`-`) is not among the inputs",
        ));
    // Without it, stdin is `<stdin>` (SARIF: `stdin`), as before.
    let out = meshdrain(&dir)
        .args(["check", "--format", "sarif", "-"])
        .write_stdin(GATEWAY)
        .assert()
        .code(0);
    let sarif: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"],
        serde_json::json!({"uri": "stdin"})
    );
}

#[test]
fn exit_zero_reports_without_failing() {
    let bad = common::testdata("check/GD007/bad.yaml");
    let bad = bad.to_str().unwrap();
    let repo = common::repo();
    meshdrain(&repo).args(["check", bad]).assert().code(1);
    meshdrain(&repo)
        .args(["check", "--exit-zero", bad])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("error[GD007]"))
        .stderr(predicate::str::contains("exit status 0 (--exit-zero)"));
    meshdrain(&repo)
        .args(["check", "--exit-zero", "--format", "sarif", bad])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"ruleId\": \"GD007\""));
    // Usage errors and unreadable paths are still exit 2.
    meshdrain(&repo)
        .args(["check", "--exit-zero", "testdata/check/nope.yaml"])
        .assert()
        .code(2);
}
