//! `meshdrain check`, `explain` and `render --check` through the real binary: exit codes,
//! inputs (files, directories, stdin, values), suppressions, colour.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

fn meshdrain() -> Command {
    let mut cmd = Command::cargo_bin("meshdrain").expect("binary built");
    for (key, _) in std::env::vars() {
        if key.starts_with("MESHDRAIN_") || key == "NO_COLOR" {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(common::repo());
    cmd
}

#[test]
fn exit_status_follows_the_findings() {
    // Clean: 0.
    meshdrain()
        .args(["check", "testdata/check/GD013/good.yaml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No findings in 1 file"));
    // Warnings only: 0 at the default --fail-on error, 1 at --fail-on warning.
    meshdrain()
        .args(["check", "testdata/check/GD013/bad.yaml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[GD013]"));
    meshdrain()
        .args([
            "check",
            "--fail-on",
            "warning",
            "testdata/check/GD013/bad.yaml",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("failing at --fail-on warning"));
    // Infos fail only at --fail-on info.
    meshdrain()
        .args([
            "check",
            "--fail-on",
            "warning",
            "testdata/check/GD029/bad.yaml",
        ])
        .assert()
        .code(0);
    meshdrain()
        .args([
            "check",
            "--fail-on",
            "info",
            "testdata/check/GD029/bad.yaml",
        ])
        .assert()
        .code(1);
    // Errors: 1.
    meshdrain()
        .args(["check", "testdata/check/GD007/bad.yaml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[GD007]"));
}

#[test]
fn a_file_that_does_not_parse_is_a_finding_and_the_others_are_still_checked() {
    meshdrain()
        .args([
            "check",
            "testdata/real/tsb-cp-helm-values-terraform-directives.tmpl",
            "testdata/check/GD013/bad.yaml",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[GD000]: invalid YAML"))
        .stdout(predicate::str::contains("unrendered template"))
        .stdout(predicate::str::contains("warning[GD013]"))
        .stdout(predicate::str::contains("in 2 files"));
}

#[test]
fn usage_errors_and_unreadable_paths_exit_2() {
    meshdrain()
        .arg("check")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("needs something to check"));
    meshdrain()
        .args(["check", "testdata/check/nope.yaml"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "cannot read testdata/check/nope.yaml",
        ));
    meshdrain()
        .args(["check", "--format", "xml", "testdata/check"])
        .assert()
        .code(2);
    meshdrain()
        .args([
            "check",
            "--policy",
            "testdata/check-misc/bad-ignore-policy.yaml",
            "testdata/check/GD013/bad.yaml",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "\"GD999\" is not a meshdrain rule",
        ))
        .stderr(predicate::str::contains("bad-ignore-policy.yaml:7:15"));
}

#[test]
fn directories_are_walked_and_stdin_is_dash() {
    let stdin = std::fs::read("testdata/check/GD029/bad.yaml").unwrap();
    meshdrain()
        .args(["check", "--format", "json", "testdata/check/GD013", "-"])
        .write_stdin(stdin)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"file\": \"<stdin>\""))
        .stdout(predicate::str::contains(
            "\"file\": \"testdata/check/GD013/bad.yaml\"",
        ))
        .stdout(predicate::str::contains("\"files\": 3"));
}

#[test]
fn values_files_are_detected_or_named() {
    // Detected: a document without apiVersion/kind whose spec is a ControlPlane spec.
    meshdrain()
        .args([
            "check",
            "testdata/real/tsb-cp-helm-values-overlay-holdapp.yaml",
        ])
        .assert()
        .stdout(predicate::str::contains("warning[GD001]"))
        .stdout(predicate::str::contains(
            "meshdrain values -i testdata/real/tsb-cp-helm-values-overlay-holdapp.yaml",
        ));
    // Named: --values reads a file as values even when nothing gives it away.
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    std::fs::write(&values, "spec:\n  unusual: true\n").unwrap();
    let path = values.to_str().unwrap();
    meshdrain()
        .args(["check", path])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No findings"));
    meshdrain()
        .args(["check", "--values", path])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[GD001]"));
}

#[test]
fn suppressions_hide_findings_and_no_ignores_shows_them() {
    let file = "testdata/check-misc/suppressed.yaml";
    meshdrain()
        .args(["check", file])
        .assert()
        .stdout(predicate::str::contains(
            "IngressGateway edge/edge-b has no",
        ))
        .stdout(predicate::str::contains("IngressGateway edge/legacy").not())
        .stdout(predicate::str::contains("1 finding suppressed"));
    meshdrain()
        .args(["check", "--no-ignores", file])
        .assert()
        .stdout(predicate::str::contains("IngressGateway edge/legacy has no"))
        .stdout(predicate::str::contains(
            "= suppressed: by the meshdrain.io/ignore annotation (drained by the external load balancer)",
        ));
    meshdrain()
        .args([
            "check",
            "--policy",
            "testdata/check-misc/ignore-policy.yaml",
            file,
        ])
        .assert()
        .stdout(predicate::str::contains("GD013").not())
        .stdout(predicate::str::contains("2 findings suppressed"));
    // MESHDRAIN_POLICY works like --policy.
    meshdrain()
        .args(["check", "--format", "json", file])
        .env("MESHDRAIN_POLICY", "testdata/check-misc/ignore-policy.yaml")
        .assert()
        .stdout(predicate::str::contains("\"suppressed\": 2"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let file = "testdata/check/GD013/bad.yaml";
    meshdrain()
        .args(["check", file])
        .assert()
        .stdout(predicate::str::contains("\u{1b}[").not());
    meshdrain()
        .args(["check", "--color", "always", file])
        .assert()
        .stdout(predicate::str::contains("\u{1b}["));
    // Under a real pseudo-terminal: colour by default, none with NO_COLOR.
    let Some(script) = common::e2e::system_tool("script") else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_meshdrain");
    let under_pty = |no_color: bool| {
        let mut cmd = std::process::Command::new(&script);
        cmd.args(["-qec", &format!("{bin} check {file}"), "/dev/null"])
            .current_dir(common::repo())
            .env_remove("NO_COLOR")
            .env("TERM", "xterm");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd.output().expect("script runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = under_pty(false);
    assert!(
        coloured.contains("GD013") && coloured.contains("\u{1b}["),
        "{coloured}"
    );
    let plain = under_pty(true);
    assert!(
        plain.contains("GD013") && !plain.contains("\u{1b}["),
        "{plain}"
    );
}

#[test]
fn explain_prints_a_rule_or_the_list() {
    meshdrain()
        .args(["explain", "GD007"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "GD007 drain-exceeds-grace-period (error)",
        ))
        .stdout(predicate::str::contains("## What it detects"))
        .stdout(predicate::str::contains("## Why it matters"))
        .stdout(predicate::str::contains("## Example"))
        .stdout(predicate::str::contains("## Fix"));
    meshdrain()
        .args(["explain", "gd013"])
        .assert()
        .success()
        .stdout(predicate::str::contains("GD013 gateway-without-drain"));
    let list = meshdrain().arg("explain").assert().success();
    let out = String::from_utf8(list.get_output().stdout.clone()).unwrap();
    assert_eq!(out.lines().count(), meshdrain::lint::rules::RULES.len());
    meshdrain()
        .args(["explain", "GD999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a meshdrain rule"));
}

#[test]
fn render_check_passes_clean_output_through() {
    // The example chart as Helm 3 renders it through meshdrain: no error findings.
    let rendered = std::fs::read("testdata/e2e/charts-example.helm3.out.yaml").unwrap();
    let out = meshdrain()
        .args(["render", "--check"])
        .write_stdin(rendered.clone())
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, rendered);
    meshdrain()
        .args(["check", "-"])
        .write_stdin(rendered)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no errors"));
}

#[test]
fn render_check_fails_on_its_own_findings_and_writes_nothing() {
    let input = std::fs::read("testdata/check/GD007/bad.yaml").unwrap();
    meshdrain()
        .args(["render", "--check"])
        .write_stdin(input.clone())
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[GD007]"))
        .stderr(predicate::str::contains("<rendered output>"))
        .stderr(predicate::str::contains("nothing was written"));
    // Without --check the same render succeeds.
    meshdrain().write_stdin(input).assert().success();
    // --fail-on raises the bar: the default render of a bare gateway leaves a GD028-free,
    // GD013-free output, but the ControlPlane's drainDuration-only patch is a warning.
    let cp = "apiVersion: install.tetrate.io/v1alpha1\nkind: ControlPlane\nmetadata: {name: cp}\nspec: {}\n";
    meshdrain()
        .args(["render", "--check"])
        .write_stdin(cp)
        .assert()
        .success();
    meshdrain()
        .args(["render", "--check", "--fail-on", "warning"])
        .write_stdin(cp)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("warning[GD028]"));
    meshdrain()
        .args([
            "render",
            "--check",
            "--fail-on",
            "warning",
            "--termination-drain-duration",
            "25s",
        ])
        .write_stdin(cp)
        .assert()
        .success();
}

#[test]
fn resource_list_items_are_checked_in_place() {
    meshdrain()
        .args([
            "check",
            "--format",
            "json",
            "testdata/check-misc/resource-list.yaml",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"code\": \"GD013\""))
        .stdout(predicate::str::contains("\"kind\": \"IngressGateway\""))
        .stdout(predicate::str::contains(
            "\"path\": \"spec.connectionDrainDuration\"",
        ))
        .stdout(predicate::str::contains("\"line\": 11"))
        // The functionConfig is the policy, not a resource to lint.
        .stdout(predicate::str::contains("DrainPolicy").not());
}

#[test]
fn verbose_counts_the_workloads_gd007_skipped() {
    meshdrain()
        .args(["check", "-v", "testdata/check/GD007/good.yaml"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "note: GD007: skipped 2 workload(s) not known to be injected",
        ))
        .stderr(predicate::str::contains("Deployment elsewhere/other"));
    meshdrain()
        .args(["check", "testdata/check/GD007/good.yaml"])
        .assert()
        .stderr("");
}

/// Exit 1 says why on stderr too, whatever the format: a SARIF or JSON report may be going to
/// a file, and the console must not be silent about the failure.
#[test]
fn a_failing_check_says_so_on_stderr_in_every_format() {
    for format in ["text", "json", "sarif", "github"] {
        meshdrain()
            .args(["check", "--format", format, "--fail-on", "warning"])
            .arg("testdata/check/GD013/bad.yaml")
            .assert()
            .code(1)
            .stderr(predicate::str::starts_with("meshdrain check: "))
            .stderr(predicate::str::contains(
                "finding(s) at or above --fail-on warning",
            ));
    }
    // A passing check keeps stderr empty.
    meshdrain()
        .args(["check", "--format", "json", "testdata/check/GD013/bad.yaml"])
        .assert()
        .code(0)
        .stderr("");
}

#[test]
fn a_path_with_nothing_to_read_is_exit_2_and_empty_input_is_no_document() {
    // A directory without *.yaml/*.yml files: a wrong path must not pass CI.
    meshdrain()
        .args(["check", "testdata/check-misc/no-yaml"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "testdata/check-misc/no-yaml holds no *.yaml or *.yml file",
        ));
    let dir = tempfile::tempdir().unwrap();
    meshdrain()
        .args(["check"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds no *.yaml or *.yml file"));
    // Empty stdin, or only a marker and a comment: 0 documents, exit 0.
    for input in ["", "---\n# nothing\n"] {
        meshdrain()
            .args(["check", "-"])
            .write_stdin(input)
            .assert()
            .code(0)
            .stdout(predicate::str::contains("(0 documents, 0 objects)"));
    }
}
