//! Writes that cannot be redirected (issue 16), through the real binary: `values -i` and the
//! Helm 4 error log never follow a symlink someone planted, and leave nothing behind.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MESHDRAIN: &str = env!("CARGO_BIN_EXE_meshdrain");
const VICTIM: &str = "the victim's own content\n";

fn values_fixture() -> (String, String) {
    let input = fs::read_to_string(common::testdata("cli/controlplane-values.yaml")).unwrap();
    let expected = input.replace("value: \"20s\"", "value: \"50s\"");
    assert_ne!(input, expected);
    (input, expected)
}

/// Everything under `dir`: each entry's path with its content or link target, so a test can
/// show that nothing but the expected file changed.
fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let what = if meta.file_type().is_symlink() {
                format!("-> {}", fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                stack.push(path.clone());
                "dir".to_owned()
            } else {
                format!(
                    "{:o} {}",
                    meta.permissions().mode() & 0o7777,
                    fs::read_to_string(&path).unwrap()
                )
            };
            out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), what);
        }
    }
    out
}

/// The highest PID the kernel hands out.
fn pid_max() -> u32 {
    fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(32_768)
}

/// Random names in the new scheme's shape (`.NAME.meshdrain-` and 12 alphanumerics).
fn sample_new_names(file_name: &str, count: usize) -> Vec<String> {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = u64::from(std::process::id()) ^ 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        // xorshift64: enough to spread a sample over the name space.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let tail: String = (0..12)
                .map(|_| char::from(ALNUM[(next() % ALNUM.len() as u64) as usize]))
                .collect();
            format!(".{file_name}.meshdrain-{tail}")
        })
        .collect()
}

#[test]
fn values_in_place_never_follows_a_planted_symlink() {
    let (input, expected) = values_fixture();
    let root = tempfile::tempdir().unwrap();
    let shared = root.path().join("shared");
    fs::create_dir(&shared).unwrap();
    // A directory others can write to.
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o777)).unwrap();
    let target = shared.join("values.yaml");
    fs::write(&target, &input).unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
    let victim = root.path().join("victim");
    fs::write(&victim, VICTIM).unwrap();

    // The process waits for a go file, then execs meshdrain: its PID, which the old scheme
    // put in the temporary name, is known before meshdrain starts.
    let go = root.path().join("go");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("while [ ! -e \"$1\" ]; do sleep 0.01; done; exec \"$2\" values -i \"$3\"")
        .arg("sh")
        .arg(&go)
        .arg(MESHDRAIN)
        .arg(&target)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Every name the old scheme could use: one per PID (all of them when the kernel's PID
    // space is small, else a window around this run's, which includes this run's own).
    let max = pid_max();
    let pids: Vec<u32> = if max <= 1 << 16 {
        (1..=max).collect()
    } else {
        (pid.saturating_sub(4096).max(1)..=pid.saturating_add(4096)).collect()
    };
    assert!(pids.contains(&pid));
    for p in &pids {
        symlink(&victim, shared.join(format!(".values.yaml.meshdrain-{p}"))).unwrap();
    }
    // And a sample of the new scheme's names.
    for name in sample_new_names("values.yaml", 2_000) {
        let _ = symlink(&victim, shared.join(name));
    }
    let mut before = tree(root.path());
    fs::write(&go, "").unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "meshdrain did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr, "");

    assert_eq!(
        fs::read_to_string(&victim).unwrap(),
        VICTIM,
        "the victim was overwritten"
    );
    let mut after = tree(root.path());
    // The target is edited, a regular file, with its mode...
    let edited = after.remove(Path::new("shared/values.yaml")).unwrap();
    assert_eq!(edited, format!("640 {expected}"));
    assert!(
        !fs::symlink_metadata(&target)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // ...and nothing else changed: every planted link still points at the victim, no
    // temporary file is left.
    before.remove(Path::new("shared/values.yaml"));
    before.insert(PathBuf::from("go"), "644 ".to_owned());
    after.insert(PathBuf::from("go"), "644 ".to_owned());
    assert_eq!(before.len(), after.len());
    assert!(before == after, "files outside the target changed");
}

#[test]
fn values_in_place_through_a_symlink_edits_the_real_file_and_keeps_the_link() {
    let (input, expected) = values_fixture();
    let root = tempfile::tempdir().unwrap();
    let real_dir = root.path().join("real");
    let link_dir = root.path().join("links");
    fs::create_dir(&real_dir).unwrap();
    fs::create_dir(&link_dir).unwrap();
    let real = real_dir.join("cp-values.yaml");
    fs::write(&real, &input).unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
    let link = link_dir.join("values.yaml");
    symlink("../real/cp-values.yaml", &link).unwrap();

    let out = Command::new(MESHDRAIN)
        .args(["values", "-i"])
        .arg(&link)
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fs::read_link(&link).unwrap(),
        Path::new("../real/cp-values.yaml"),
        "the link was replaced"
    );
    assert_eq!(fs::read_to_string(&real).unwrap(), expected);
    let mode = fs::metadata(&real).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o600);
    // No temporary file left in either directory.
    assert_eq!(fs::read_dir(&real_dir).unwrap().count(), 1);
    assert_eq!(fs::read_dir(&link_dir).unwrap().count(), 1);
}

#[test]
fn values_in_place_refuses_what_is_not_a_regular_file() {
    let root = tempfile::tempdir().unwrap();
    let dangling = root.path().join("values.yaml");
    symlink("missing.yaml", &dangling).unwrap();
    let out = Command::new(MESHDRAIN)
        .args(["values", "-i"])
        .arg(&dangling)
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read"), "{stderr}");
    assert!(!root.path().join("missing.yaml").exists());
}

/// A failing Helm 4 plugin run (a bad flag value) with its state home in `state`, in a new
/// session (the plugin mode also writes to the terminal, which is not the test's).
fn failing_plugin_run(state: &Path) -> std::process::Output {
    let mut cmd = common::e2e::detached(Path::new(MESHDRAIN));
    cmd.args(["--helm-plugin", "--drain-duration=50"])
        .env_clear()
        .env("XDG_STATE_HOME", state)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            drop(child.stdin.take());
            child.wait_with_output()
        })
        .unwrap()
}

#[test]
fn the_error_log_is_private_and_never_follows_a_symlink() {
    let root = tempfile::tempdir().unwrap();
    let state = root.path().join("state");
    let victim = root.path().join("victim");
    fs::write(&victim, VICTIM).unwrap();
    fs::set_permissions(&victim, fs::Permissions::from_mode(0o644)).unwrap();
    fs::create_dir_all(state.join("meshdrain")).unwrap();
    let log = state.join("meshdrain/last-error.log");
    symlink(&victim, &log).unwrap();

    let out = failing_plugin_run(&state);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());

    assert_eq!(
        fs::read_to_string(&victim).unwrap(),
        VICTIM,
        "the log followed the link"
    );
    let meta = fs::symlink_metadata(&log).unwrap();
    assert!(meta.is_file(), "the log is still a link");
    assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
    let text = fs::read_to_string(&log).unwrap();
    assert!(text.contains("\"50\" is a bare number"), "{text}");
    // Only the log in its directory: no temporary file left.
    assert_eq!(fs::read_dir(state.join("meshdrain")).unwrap().count(), 1);
}

#[test]
fn a_new_error_log_and_its_directory_are_private() {
    let root = tempfile::tempdir().unwrap();
    let state = root.path().join("state");
    let out = failing_plugin_run(&state);
    assert_eq!(out.status.code(), Some(2));
    let dir = state.join("meshdrain");
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("last-error.log")), 0o600);
    // A log an older meshdrain left world-readable is replaced by a private one.
    fs::set_permissions(
        dir.join("last-error.log"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    failing_plugin_run(&state);
    assert_eq!(mode(&dir.join("last-error.log")), 0o600);
}
