//! Shared by the end-to-end tests: finding the real clients, running them in a sandbox with a
//! clean environment, and copying test inputs.
//!
//! The clients come only from `<repo>/.tools/bin` (installed by `scripts/install-tools.sh`),
//! never from PATH. A missing client skips the test with a note, except where it must run:
//! under CI (the `CI` variable, which `scripts/test.sh` sets) for the tools that script always
//! installs, and for the tools `MESHDRAIN_TEST_REQUIRE` names (`.ci/run` names kpt, which CI's
//! machine has and no registry offers).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

use tempfile::TempDir;

use super::repo;

/// The meshdrain binary cargo built for this test run.
pub const MESHDRAIN: &str = env!("CARGO_BIN_EXE_meshdrain");

/// The tools `scripts/install-tools.sh` installs on any machine.
const INSTALLED_BY_SCRIPT: &[&str] = &["helm3", "helm4", "kubectl", "pre-commit"];

/// Whether a missing `name` fails the run instead of skipping its tests.
fn required(name: &str) -> bool {
    let named = std::env::var("MESHDRAIN_TEST_REQUIRE").unwrap_or_default();
    named
        .split(|c: char| c == ',' || c.is_whitespace())
        .any(|n| n == name)
        || (std::env::var_os("CI").is_some() && INSTALLED_BY_SCRIPT.contains(&name))
}

/// What to do about a missing tool: panic when it is required, else a loud note (once per
/// tool) and `None`.
fn missing(what: &str, fix: &str, required: bool) -> Option<PathBuf> {
    if required {
        panic!("{what} is missing, and this run requires it: {fix}");
    }
    static NOTED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut noted = NOTED.lock().unwrap_or_else(|e| e.into_inner());
    if !noted.iter().any(|n| n == what) {
        noted.push(what.to_owned());
        // Straight to the stderr handle: libtest captures `eprintln!` of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** NOT RUN: the tests that need {what}; they pass without running it. {fix}. ***"
        );
    }
    None
}

/// `<repo>/.tools/bin/NAME`, or `None` (after a note) when it is not installed and not
/// required ([`required`]).
pub fn tool(name: &str) -> Option<PathBuf> {
    let bin = repo().join(".tools/bin").join(name);
    if bin.is_file() {
        return Some(bin);
    }
    let fix = if INSTALLED_BY_SCRIPT.contains(&name) {
        "Run scripts/install-tools.sh".to_owned()
    } else {
        format!(
            "{name} is in no package registry: install it on the machine (kpt: the Google Cloud \
             SDK's google-cloud-cli-kpt), then run scripts/install-tools.sh, which links it"
        )
    };
    missing(&bin.display().to_string(), &fix, required(name))
}

/// A system utility that is no client under test (`script`, `setsid` from util-linux),
/// looked up on PATH, with the same CI rule as [`tool`].
/// `program` in a new session without a terminal (`setsid --wait`), when setsid exists: the
/// Helm 4 plugin mode also writes to the terminal, which is not the test's.
pub fn detached(program: &Path) -> std::process::Command {
    match system_tool("setsid") {
        Some(setsid) => {
            let mut cmd = std::process::Command::new(setsid);
            cmd.arg("--wait").arg(program);
            cmd
        }
        None => std::process::Command::new(program),
    }
}

pub fn system_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    if let Some(found) = std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
    {
        return Some(found);
    }
    missing(
        name,
        "Install it (util-linux, man-db)",
        std::env::var_os("CI").is_some(),
    )
}

/// A search path: `first`, then the caller's PATH without any directory holding a
/// `meshdrain` (so the meshdrain a client runs is always the one the test chose).
pub fn search_path(first: &[&Path]) -> OsString {
    let caller = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let rest = std::env::split_paths(&caller).filter(|dir| !dir.join("meshdrain").exists());
    std::env::join_paths(first.iter().map(|p| p.to_path_buf()).chain(rest))
        .expect("PATH entries without ':'")
}

/// A temporary directory for one test: the HOME, Helm homes, config and state directories
/// of every client run in it, and the test's own files.
pub struct Sandbox {
    dir: TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("meshdrain-e2e-")
            .tempdir()
            .expect("temp dir for the sandbox");
        std::fs::create_dir(dir.path().join("home")).expect("sandbox home");
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The HOME of every client run in this sandbox.
    pub fn home(&self) -> PathBuf {
        self.join("home")
    }

    /// `program`, run from the repository root, without the caller's `HELM_*`, `MESHDRAIN_*`,
    /// `KUSTOMIZE_*`, `XDG_*` and `KUBECONFIG` settings (clients pass their environment on
    /// to meshdrain), with HOME in the sandbox and a PATH without any other meshdrain.
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if ["HELM_", "MESHDRAIN_", "KUSTOMIZE_", "XDG_"]
                .iter()
                .any(|prefix| k.starts_with(prefix))
                || k == "KUBECONFIG"
            {
                cmd.env_remove(&key);
            }
        }
        cmd.current_dir(repo())
            .env("HOME", self.home())
            .env("PATH", search_path(&[]))
            .env("KUBECONFIG", self.join("no-kubeconfig"));
        cmd
    }

    /// A Helm command with its own, initially empty data, config and cache homes in the
    /// sandbox (shared by the Helm runs of one sandbox, so plugins installed stay installed).
    pub fn helm(&self, helm: &Path) -> Command {
        let mut cmd = self.command(helm);
        cmd.env("HELM_DATA_HOME", self.join("helm/data"))
            .env("HELM_CONFIG_HOME", self.join("helm/config"))
            .env("HELM_CACHE_HOME", self.join("helm/cache"));
        cmd
    }
}

fn describe(cmd: &Command) -> String {
    let mut words = vec![cmd.get_program().to_string_lossy().into_owned()];
    words.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// Runs `cmd` with `stdin` as its input (empty: no input) and returns what it did.
pub fn run(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", describe(cmd)));
    let mut input = child.stdin.take().expect("piped stdin");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // A client that exits without reading its input is not this helper's failure.
        let _ = input.write_all(&stdin);
    });
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for {}: {e}", describe(cmd)));
    writer.join().expect("stdin writer");
    out
}

/// Runs `cmd`, which must succeed; returns its stdout.
pub fn run_ok(cmd: &mut Command, stdin: &[u8]) -> String {
    let out = run(cmd, stdin);
    assert!(
        out.status.success(),
        "{} failed ({}):\n{}{}",
        describe(cmd),
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).expect("client output is UTF-8")
}

/// Runs `cmd`, which must fail; returns (stdout, stderr).
pub fn run_failing(cmd: &mut Command, stdin: &[u8]) -> (String, String) {
    let out = run(cmd, stdin);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "{} succeeded, but it should have failed:\n{stderr}{stdout}",
        describe(cmd)
    );
    (stdout, stderr)
}

/// Copies the directory tree `from` to `to` (created), leaving out entries named in `skip`.
pub fn copy_dir(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&src, &dst, skip);
        } else {
            std::fs::copy(&src, &dst)
                .unwrap_or_else(|e| panic!("copy {} to {}: {e}", src.display(), dst.display()));
        }
    }
}

/// Links `link` (its parent directories created) to the test's meshdrain binary.
pub fn link_meshdrain(link: &Path) {
    if let Some(dir) = link.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    std::os::unix::fs::symlink(MESHDRAIN, link)
        .unwrap_or_else(|e| panic!("link {}: {e}", link.display()));
}

/// Writes an executable script (its parent directories created).
pub fn write_script(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// The text of a file.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A path as a `&str` argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// The shipped policy that makes the drain hold (issue "Drain that holds").
pub const HOLD_POLICY: &str = "examples/policies/drain-that-holds.yaml";

/// `meshdrain check --fail-on warning -` on `stream`, which must pass: the drain holds.
pub fn assert_drain_holds(stream: &str, what: &str) {
    let mut cmd = Command::new(MESHDRAIN);
    cmd.args(["check", "--fail-on", "warning", "-"]);
    let out = run(&mut cmd, stream.as_bytes());
    assert!(
        out.status.success(),
        "{what}: meshdrain check --fail-on warning failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
}

/// What the shipped policy must have done to the application chart
/// (`testdata/e2e/charts/apps`), whatever client re-serialised it: each workload with a
/// sidecar has the drain in its proxy config, the grace periods hold it, and the pod that
/// opts out is untouched.
pub fn assert_apps_chart_drained(stream: &str, what: &str) {
    let count = |needle: &str| stream.matches(needle).count();
    // web, db, report, checkout, warmup (YAML or JSON annotations), not the debug pod.
    let yaml = count("terminationDrainDuration: 25s");
    let json = count("\"terminationDrainDuration\":\"25s\"")
        + count("\"terminationDrainDuration\": \"25s\"")
        + count("\\\"terminationDrainDuration\\\":\\\"25s\\\"")
        + count("\\\"terminationDrainDuration\\\": \\\"25s\\\"");
    // The ControlPlane has none in this chart; every one is a workload's.
    assert_eq!(
        yaml + json,
        5,
        "{what}: five workloads drain for 25s:\n{stream}"
    );
    for needle in [
        "terminationGracePeriodSeconds: 40", // web: 25s + its 10s preStop sleep + 5s
        "terminationGracePeriodSeconds: 120", // db: longer already, kept
        "terminationGracePeriodSeconds: 30", // checkout: raised from 20
        "path: spec.template.spec.terminationGracePeriodSeconds", // the gateway's overlay
    ] {
        assert!(stream.contains(needle), "{what}: no {needle:?}:\n{stream}");
    }
    assert!(
        !stream.contains("terminationGracePeriodSeconds: 20"),
        "{what}: checkout's grace period was not raised:\n{stream}"
    );
}
