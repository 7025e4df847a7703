//! The hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit (`<repo>/.tools/bin/
//! pre-commit`, PyPI, installed with pinned hashes by `scripts/install-tools.sh`) through
//! `pre-commit try-repo` on a sample repository: they fail on findings, pass on clean
//! manifests, and leave Helm chart templates alone.
//!
//! `meshdrain-check-system` runs this test's meshdrain from PATH; `meshdrain-check`
//! (`language: rust`) makes pre-commit build meshdrain from this repository with cargo, as
//! it does for a user (a build of a minute or two, into `target/pre-commit-hook`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::e2e::{self, Sandbox};
use common::repo;

/// A sample repository with a manifest that fails GD007, one that is clean, and a chart
/// template that is no YAML until rendered.
fn sample(sandbox: &Sandbox) -> PathBuf {
    let dir = sandbox.join("sample");
    std::fs::create_dir_all(dir.join("deploy")).unwrap();
    std::fs::create_dir_all(dir.join("chart/templates")).unwrap();
    std::fs::copy(
        common::testdata("check/GD007/bad.yaml"),
        dir.join("deploy/app.yaml"),
    )
    .unwrap();
    std::fs::copy(
        common::testdata("check/GD013/good.yaml"),
        dir.join("deploy/gateway.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("chart/templates/gateway.yaml"),
        "kind: {{ .Values.kind }}\nspec: {{ toYaml .Values.spec | nindent 2 }}\n",
    )
    .unwrap();
    git(sandbox, &dir, &["init", "-q"]);
    git(sandbox, &dir, &["add", "."]);
    git(sandbox, &dir, &["commit", "-q", "-m", "sample"]);
    dir
}

fn git(sandbox: &Sandbox, dir: &Path, args: &[&str]) {
    let out = sandbox
        .command(Path::new("git"))
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// `pre-commit try-repo <this repository> HOOK --all-files`, run in `sample`.
fn try_repo(
    sandbox: &Sandbox,
    pre_commit: &Path,
    sample: &Path,
    hook: &str,
    path: &[&Path],
) -> Output {
    let mut cmd = sandbox.command(pre_commit);
    cmd.current_dir(sample)
        .args(["try-repo"])
        .arg(repo())
        .args([hook, "--all-files", "--color", "never"])
        .env("PRE_COMMIT_HOME", sandbox.join("pre-commit-home"))
        .env("PATH", e2e::search_path(path));
    e2e::run(&mut cmd, b"")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The hook fails on the sample, naming the finding and checking the two manifests only;
/// then passes once the failing file is gone.
fn assert_hook_works(sandbox: &Sandbox, pre_commit: &Path, hook: &str, path: &[&Path]) {
    let sample = sample(sandbox);
    let failed = try_repo(sandbox, pre_commit, &sample, hook, path);
    let output = text(&failed);
    assert!(
        !failed.status.success(),
        "{hook} passed on a GD007 finding:\n{output}"
    );
    assert!(output.contains("- hook id: "), "{output}");
    assert!(output.contains("error[GD007]"), "{output}");
    assert!(output.contains("--> deploy/app.yaml:29:5"), "{output}");
    // Both manifests in one run (require_serial), the template left out.
    assert!(output.contains("in 2 files"), "{output}");
    assert!(
        !output.contains("GD000"),
        "the chart template was checked:\n{output}"
    );
    git(sandbox, &sample, &["rm", "-q", "deploy/app.yaml"]);
    git(sandbox, &sample, &["commit", "-q", "-m", "fixed"]);
    let passed = try_repo(sandbox, pre_commit, &sample, hook, path);
    let output = text(&passed);
    assert!(
        passed.status.success(),
        "{hook} failed on clean manifests:\n{output}"
    );
    assert!(output.contains("Passed"), "{output}");
}

#[test]
fn the_system_hook_runs_meshdrain_from_path() {
    let Some(pre_commit) = e2e::tool("pre-commit") else {
        return;
    };
    let sandbox = Sandbox::new();
    let bin = sandbox.join("bin");
    e2e::link_meshdrain(&bin.join("meshdrain"));
    assert_hook_works(&sandbox, &pre_commit, "meshdrain-check-system", &[&bin]);
}

#[test]
fn the_rust_hook_builds_meshdrain_and_runs_it() {
    let Some(pre_commit) = e2e::tool("pre-commit") else {
        return;
    };
    let sandbox = Sandbox::new();
    // cargo (rustup's, honouring the repository's rust-toolchain.toml) and nothing named
    // meshdrain on PATH: the hook must build its own.
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let cargo_bin = cargo_home.join("bin");
    let mut cmd_path: Vec<&Path> = Vec::new();
    if cargo_bin.join("cargo").exists() {
        cmd_path.push(&cargo_bin);
    }
    // pre-commit's own build: a faster profile than the release one (what is tested is the
    // hook's install and run, not the optimiser), in a target directory kept between runs.
    // Where the tools live (cargo, rustup) stays as the caller has it; HOME is the sandbox's.
    let target = repo().join("target/pre-commit-hook");
    let sandbox_env = [
        ("CARGO_TARGET_DIR", target.as_os_str().to_owned()),
        ("CARGO_HOME", cargo_home.as_os_str().to_owned()),
        (
            "RUSTUP_HOME",
            std::env::var_os("RUSTUP_HOME").unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                    .join(".rustup")
                    .into_os_string()
            }),
        ),
        ("CARGO_PROFILE_RELEASE_LTO", "false".into()),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16".into()),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0".into()),
    ];
    let sample = sample(&sandbox);
    let run = |sample: &Path| {
        let mut cmd = sandbox.command(&pre_commit);
        // cargo test's own variables would steer the inner cargo (RUSTUP_TOOLCHAIN, CARGO_*).
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("CARGO") || k.starts_with("RUSTUP") || k == "RUSTFLAGS" {
                cmd.env_remove(&key);
            }
        }
        cmd.current_dir(sample)
            .arg("try-repo")
            .arg(repo())
            .args(["meshdrain-check", "--all-files", "--color", "never"])
            .env("PRE_COMMIT_HOME", sandbox.join("pre-commit-home"))
            .env("PATH", e2e::search_path(&cmd_path));
        for (key, value) in &sandbox_env {
            cmd.env(key, value);
        }
        e2e::run(&mut cmd, b"")
    };
    let failed = run(&sample);
    let output = text(&failed);
    assert!(
        !failed.status.success(),
        "passed on a GD007 finding:\n{output}"
    );
    assert!(output.contains("error[GD007]"), "{output}");
    assert!(output.contains("in 2 files"), "{output}");
    git(&sandbox, &sample, &["rm", "-q", "deploy/app.yaml"]);
    git(&sandbox, &sample, &["commit", "-q", "-m", "fixed"]);
    let passed = run(&sample);
    assert!(passed.status.success(), "{}", text(&passed));
}

#[test]
fn the_two_hooks_differ_only_in_where_meshdrain_comes_from() {
    let text = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<serde_json::Value> = serde_yaml::from_str(&text).unwrap();
    assert_eq!(hooks.len(), 2);
    let strip = |mut hook: serde_json::Value| {
        let map = hook.as_object_mut().unwrap();
        for key in ["id", "name", "language"] {
            map.remove(key);
        }
        hook
    };
    assert_eq!(hooks[0]["id"], "meshdrain-check");
    assert_eq!(hooks[0]["language"], "rust");
    assert_eq!(hooks[1]["id"], "meshdrain-check-system");
    assert_eq!(hooks[1]["language"], "system");
    assert_eq!(strip(hooks[0].clone()), strip(hooks[1].clone()));
    assert_eq!(hooks[0]["entry"], "meshdrain check");
    assert_eq!(hooks[0]["require_serial"], true);
}
