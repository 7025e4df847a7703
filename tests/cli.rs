//! The real binary: arguments, environment, exit codes, stdout/stderr discipline.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

const GATEWAY: &str = "apiVersion: install.tetrate.io/v1alpha1\nkind: IngressGateway\nmetadata:\n  name: gw\nspec:\n  kubeSpec: {}\n";

fn meshdrain() -> Command {
    let mut cmd = Command::cargo_bin("meshdrain").expect("binary built");
    // Tests must not see the developer's own settings.
    for (key, _) in std::env::vars() {
        if key.starts_with("MESHDRAIN_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[test]
fn help_says_what_matters() {
    meshdrain()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("terminationDrainDuration"))
        .stdout(predicate::str::contains("terminationGracePeriodSeconds"))
        .stdout(predicate::str::contains("MESHDRAIN_GATEWAY_DRAIN_DURATION"))
        .stdout(predicate::str::contains("--on-conflict"))
        .stdout(predicate::str::contains("Exit status"));
    meshdrain()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("meshdrain "));
}

#[test]
fn empty_input_gives_empty_output() {
    meshdrain()
        .write_stdin("")
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

#[test]
fn default_and_render_subcommand_agree() {
    let expected = GATEWAY.replace(
        "kubeSpec: {}\n",
        "kubeSpec: {}\n  connectionDrainDuration: 10s\n",
    );
    meshdrain()
        .write_stdin(GATEWAY)
        .assert()
        .success()
        .stdout(expected.clone())
        .stderr("");
    meshdrain()
        .arg("render")
        .write_stdin(GATEWAY)
        .assert()
        .success()
        .stdout(expected);
}

#[test]
fn environment_sets_values_and_flags_win() {
    meshdrain()
        .env("MESHDRAIN_GATEWAY_DRAIN_DURATION", "20s")
        .write_stdin(GATEWAY)
        .assert()
        .success()
        .stdout(predicate::str::contains("connectionDrainDuration: 20s"));
    meshdrain()
        .env("MESHDRAIN_GATEWAY_DRAIN_DURATION", "20s")
        .arg("--gateway-drain-duration=1m")
        .write_stdin(GATEWAY)
        .assert()
        .success()
        .stdout(predicate::str::contains("connectionDrainDuration: 60s"));
    meshdrain()
        .env("MESHDRAIN_ON_CONFLICT", "error")
        .write_stdin(GATEWAY.replace("kubeSpec: {}", "connectionDrainDuration: 3s"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("drain-conflict"));
}

#[test]
fn bad_settings_name_their_source_and_write_nothing() {
    meshdrain()
        .env("MESHDRAIN_DRAIN_DURATION", "50")
        .write_stdin(GATEWAY)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "environment variable MESHDRAIN_DRAIN_DURATION",
        ))
        .stderr(predicate::str::contains("\"50s\""));
    meshdrain()
        .arg("--drain-duration=1.5s")
        .write_stdin(GATEWAY)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--drain-duration"))
        .stderr(predicate::str::contains("whole number of seconds"));
    // Usage errors are clap's, also exit 2.
    meshdrain()
        .arg("--no-such-flag")
        .write_stdin(GATEWAY)
        .assert()
        .code(2)
        .stdout("");
    meshdrain()
        .args(["--on-conflict", "sometimes"])
        .write_stdin(GATEWAY)
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn invalid_input_fails_with_position() {
    meshdrain()
        .write_stdin(format!("{GATEWAY}---\nkind: [unclosed\n"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("error[yaml-syntax]"))
        // At the `[` that is never closed (issue 9), not where the parser gave up (line 9).
        .stderr(predicate::str::contains("<stdin>:8:7"))
        .stderr(predicate::str::contains("this '[' is never closed"))
        .stderr(predicate::str::contains("= document: 2"));
}

#[test]
fn input_size_limit() {
    meshdrain()
        .arg("--max-input-bytes=20")
        .write_stdin(GATEWAY)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("over the limit of 20 bytes"));
}

#[test]
fn verbose_summary_goes_to_stderr_only() {
    meshdrain()
        .arg("-v")
        .write_stdin(GATEWAY)
        .assert()
        .success()
        .stdout(predicate::str::contains("connectionDrainDuration: 10s"))
        .stdout(predicate::str::contains("info[").not())
        .stderr(predicate::str::contains(
            "info[changed]: set connectionDrainDuration to 10s",
        ))
        .stderr(predicate::str::contains("1 field changed"));
}

#[test]
fn a_terminal_on_stdin_is_a_usage_error() {
    let cli = <meshdrain::cli::Cli as clap::Parser>::parse_from(["meshdrain"]);
    let (mut stdin, mut stdout, mut stderr) = (&b""[..], Vec::new(), Vec::new());
    let mut io = meshdrain::Io {
        stdin: &mut stdin,
        stdin_is_terminal: true,
        stdin_size: None,
        stdout_is_terminal: false,
        stdout: &mut stdout,
        stderr: &mut stderr,
        env: Default::default(),
    };
    assert_eq!(meshdrain::run(cli, &mut io), meshdrain::ExitStatus::Invalid);
    assert!(stdout.is_empty());
    assert!(String::from_utf8_lossy(&stderr).contains("stdin is a terminal"));
}

#[test]
fn broken_pipe_is_not_an_error() {
    // A 2 MB stream into a reader that closes at once.
    let big = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n"
        .repeat(40_000);
    let status = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; {} | head -c 10 >/dev/null",
            env!("CARGO_BIN_EXE_meshdrain")
        ))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(big.as_bytes());
            }
            child.wait()
        })
        .expect("runs");
    assert!(status.success());
}

#[test]
fn values_in_place_keeps_comments_and_a_second_run_changes_nothing() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let input = std::fs::read_to_string(common::testdata("cli/controlplane-values.yaml"))
        .expect("read the values fixture");
    let expected = std::fs::read_to_string(common::testdata("cli/controlplane-values.out.yaml"))
        .expect("read the expected values");
    // Guard for the committed expectation: only the drain patches differ, comments stay.
    common::diff::assert_changes(
        &input,
        &expected,
        &["            value: \"20s\"   # was too short\n"],
        &[
            "            value: \"50s\"   # was too short\n",
            "          - path: spec.meshConfig.defaultConfig.terminationDrainDuration\n",
            "            value: 25s\n",
        ],
        "testdata/cli/controlplane-values.out.yaml",
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("values.yaml");
    std::fs::write(&file, &input).expect("write the values file");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let in_place = || {
        meshdrain()
            .args(["values", "-i", "--termination-drain-duration", "25s"])
            .arg(&file)
            .assert()
            .success()
            .stdout("")
            .stderr("");
    };

    in_place();
    let after = std::fs::read_to_string(&file).expect("read the edited file");
    assert_eq!(after, expected);
    let meta = std::fs::metadata(&file).expect("metadata");
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o640,
        "permissions changed"
    );
    // No temporary file left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);

    in_place();
    assert_eq!(
        std::fs::read_to_string(&file).expect("read again"),
        expected
    );
    assert_eq!(
        std::fs::metadata(&file).expect("metadata").ino(),
        meta.ino(),
        "the second run rewrote the file"
    );
}

#[test]
fn values_prints_without_in_place_and_fails_without_touching_the_file() {
    let input = std::fs::read_to_string(common::testdata("cli/controlplane-values.yaml"))
        .expect("read the values fixture");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("values.yaml");
    std::fs::write(&file, &input).expect("write the values file");
    meshdrain()
        .args(["values"])
        .arg(&file)
        .assert()
        .success()
        .stdout(input.replace("value: \"20s\"", "value: \"50s\""));
    meshdrain()
        .args(["values", "-i", "--drain-duration=50"])
        .arg(&file)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("\"50s\""));
    meshdrain()
        .args(["values", "-i", "-"])
        .write_stdin(input.clone())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--in-place needs a file"));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), input);
}

#[test]
fn render_diff_prints_a_diff_per_changed_document() {
    let input =
        std::fs::read_to_string(common::testdata("cli/diff-stream.yaml")).expect("read the stream");
    let expected = std::fs::read_to_string(common::testdata("cli/diff-stream.diff"))
        .expect("read the expected diff");
    for args in [&["--diff"][..], &["render", "--diff"]] {
        meshdrain()
            .args(args)
            .write_stdin(input.clone())
            .assert()
            .success()
            .stdout(expected.clone())
            .stderr("");
    }
    // The diff is the difference between the input and the stream meshdrain would write.
    let rendered = meshdrain()
        .write_stdin(input.clone())
        .output()
        .expect("runs");
    assert!(rendered.status.success());
    let rendered = String::from_utf8(rendered.stdout).expect("UTF-8");
    let added: Vec<&str> = expected
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .map(|l| &l[1..])
        .collect();
    let removed: Vec<&str> = expected
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .map(|l| &l[1..])
        .collect();
    let (r, a) = common::diff::line_diff(&input, &rendered);
    let lines = |v: Vec<(usize, &str)>| -> Vec<String> {
        v.into_iter()
            .map(|(_, l)| l.trim_end_matches('\n').to_owned())
            .collect()
    };
    assert_eq!(lines(r), removed);
    assert_eq!(lines(a), added);
    // Nothing left to change: an empty diff.
    meshdrain()
        .arg("--diff")
        .write_stdin(rendered)
        .assert()
        .success()
        .stdout("");
    // Errors write nothing, as without --diff.
    meshdrain()
        .args(["--diff", "--gateway-drain-duration=10"])
        .write_stdin(input)
        .assert()
        .code(2)
        .stdout("");
}

/// A stdin that fails when read.
struct BrokenStdin;

impl std::io::Read for BrokenStdin {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("the pipe broke"))
    }
}

#[test]
fn io_errors_of_a_helm_plugin_run_reach_the_error_log() {
    let state = tempfile::tempdir().unwrap();
    let cli = <meshdrain::cli::Cli as clap::Parser>::parse_from(["meshdrain", "--helm-plugin"]);
    let (mut stdin, mut stdout, mut stderr) = (BrokenStdin, Vec::new(), Vec::new());
    let mut io = meshdrain::Io {
        stdin: &mut stdin,
        stdin_is_terminal: false,
        stdin_size: None,
        stdout_is_terminal: false,
        stdout: &mut stdout,
        stderr: &mut stderr,
        env: [(
            "XDG_STATE_HOME".to_owned(),
            state.path().to_str().unwrap().to_owned(),
        )]
        .into(),
    };
    assert_eq!(meshdrain::run(cli, &mut io), meshdrain::ExitStatus::Invalid);
    assert!(stdout.is_empty());
    assert!(String::from_utf8_lossy(&stderr).contains("the pipe broke"));
    let log = std::fs::read_to_string(state.path().join("meshdrain/last-error.log")).unwrap();
    assert!(log.contains("cannot read stdin"), "{log}");
}

#[test]
fn values_refuses_what_is_not_a_control_plane_values_file() {
    // A manifest, and another chart's values: exit 2, the file untouched, a hint.
    for (name, says) in [
        (
            "values-not-values-deployment.yaml",
            "Kubernetes object (apps/v1 Deployment)",
        ),
        (
            "values-not-values-other-chart.yaml",
            "no control plane spec",
        ),
    ] {
        let path = common::testdata(&format!("cli/{name}"));
        let before = std::fs::read(&path).expect("read the fixture");
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join(name);
        std::fs::write(&file, &before).expect("copy the fixture");
        meshdrain()
            .args(["values", "-i"])
            .arg(&file)
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::contains("not-a-values-file").and(predicate::str::contains(says)),
            );
        assert_eq!(
            std::fs::read(&file).expect("read back"),
            before,
            "{name} changed"
        );
        meshdrain()
            .args(["values"])
            .arg(&path)
            .assert()
            .code(2)
            .stdout("");
    }
}

#[test]
fn values_in_place_on_a_symlink_edits_its_target_and_keeps_the_link_and_mode() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let input = std::fs::read(common::testdata("cli/controlplane-values.yaml")).expect("fixture");
    let dir = tempfile::tempdir().expect("temp dir");
    let real = dir.path().join("real-values.yaml");
    std::fs::write(&real, &input).expect("write");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let link = dir.path().join("values.yaml");
    symlink("real-values.yaml", &link).expect("symlink");
    meshdrain()
        .args(["values", "-i"])
        .arg(&link)
        .assert()
        .success();
    let meta = std::fs::symlink_metadata(&link).expect("link metadata");
    assert!(
        meta.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    let edited = std::fs::read(&real).expect("read the target");
    assert_ne!(edited, input, "the target was not edited");
    assert!(String::from_utf8_lossy(&edited).contains("drainDuration"));
    let mode = std::fs::metadata(&real)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o640);
}
