//! Sets `MESHDRAIN_REVISION` for `meshdrain --version`: the git commit the crate was built
//! from (12 hex digits), or `unknown` when it was not built from a git checkout of its own,
//! as by `cargo publish`, `cargo install meshdrain` or a source tarball. Never fails: without
//! git, or with a repository git refuses to read, the revision is `unknown`.
//!
//! A build outside the checkout may name the commit in `MESHDRAIN_REVISION` (7 to 40 hex
//! digits; anything else is ignored), as the Dockerfile does with its `REVISION` argument.
//!
//! `tests/version.rs` includes this file to test [`revision`].

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // A build without the checkout (the Dockerfile's, a distribution's) may name the commit.
    let given = std::env::var("MESHDRAIN_REVISION").ok();
    let revision = given
        .filter(|r| is_revision(r))
        .unwrap_or_else(|| revision(&dir));
    println!("cargo:rustc-env=MESHDRAIN_REVISION={revision}");
    println!("cargo:rerun-if-env-changed=MESHDRAIN_REVISION");
    println!("cargo:rerun-if-changed=build.rs");
    // A new commit or checkout changes HEAD or the branch it names: rebuild the version then.
    // Only files that exist: cargo reruns a build script every time for a missing one.
    for path in watched(&dir) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// `git -C DIR ARGS…`'s trimmed stdout, when git runs and succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Whether `dir` is the top level of a git work tree. A crate that `cargo package` unpacked
/// into `target/package/` sits inside the checkout without being it: its revision is unknown.
fn is_checkout_root(dir: &Path) -> bool {
    let Some(top) = git(dir, &["rev-parse", "--show-toplevel"]) else {
        return false;
    };
    match (std::fs::canonicalize(top), std::fs::canonicalize(dir)) {
        (Ok(top), Ok(dir)) => top == dir,
        _ => false,
    }
}

/// 7 to 40 hex digits, as git abbreviates a commit.
pub fn is_revision(text: &str) -> bool {
    (7..=40).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The commit `dir` is checked out at, or `unknown`.
pub fn revision(dir: &Path) -> String {
    if !is_checkout_root(dir) {
        return "unknown".to_owned();
    }
    git(dir, &["rev-parse", "--short=12", "HEAD"])
        .filter(|rev| is_revision(rev))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// HEAD, the ref it names (loose or packed), as paths git reports for this work tree
/// (a linked work tree keeps HEAD apart from the shared refs).
fn watched(dir: &Path) -> Vec<PathBuf> {
    if !is_checkout_root(dir) {
        return Vec::new();
    }
    let git_path = |name: &str| git(dir, &["rev-parse", "--git-path", name]).map(|p| dir.join(p));
    let mut paths = vec![git_path("HEAD")];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        paths.push(git_path(&branch));
    }
    paths.push(git_path("packed-refs"));
    paths.into_iter().flatten().filter(|p| p.exists()).collect()
}
