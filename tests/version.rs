//! `meshdrain --version` names the git revision it was built from, and `build.rs` (included
//! here) says `unknown` whenever it cannot know it, without failing.

#[allow(dead_code)]
#[path = "../build.rs"]
mod build;

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A new repository in `dir` with one commit; `None` when git is not installed.
fn init_repo(dir: &Path) -> Option<String> {
    let run = |args: &[&str]| {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .output()
            .ok()?
            .status
            .success();
        ok.then_some(())
    };
    run(&["init", "-q"])?;
    std::fs::write(dir.join("Cargo.toml"), "[package]\n").ok()?;
    run(&["add", "Cargo.toml"])?;
    run(&["commit", "-q", "-m", "one"])?;
    git(dir, &["rev-parse", "--short=12", "HEAD"])
}

#[test]
fn a_checkout_has_its_revision_anything_else_is_unknown() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    // Not a checkout at all.
    assert_eq!(build::revision(&repo), "unknown");
    let Some(head) = init_repo(&repo) else {
        panic!("git is needed for this test (and for build.rs to find the revision)");
    };
    assert_eq!(head.len(), 12);
    assert_eq!(build::revision(&repo), head);
    // A crate unpacked inside the checkout, as `cargo package` does under target/package/:
    // not the checkout's own revision.
    let packaged = repo.join("target/package/meshdrain-0.1.0");
    std::fs::create_dir_all(&packaged).unwrap();
    assert_eq!(build::revision(&packaged), "unknown");
    // A .git that is not a repository: no failure, unknown.
    let broken = tmp.path().join("broken");
    std::fs::create_dir_all(broken.join(".git")).unwrap();
    assert_eq!(build::revision(&broken), "unknown");
    // A directory that does not exist.
    assert_eq!(build::revision(&tmp.path().join("missing")), "unknown");
}

#[test]
fn a_given_revision_must_look_like_one() {
    assert!(build::is_revision("4982eeb"));
    assert!(build::is_revision("4982eeb58fb4"));
    for bad in [
        "",
        "unknown",
        "4982ee",
        "4982eeb58fb4; rm -rf /",
        &"a".repeat(41),
    ] {
        assert!(!build::is_revision(bad), "{bad:?}");
    }
}

#[test]
fn the_binary_names_this_checkout_s_revision() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_meshdrain"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8(out.stdout).unwrap();
    // What build.rs saw when this binary was built: this checkout's HEAD (cargo reruns it
    // when HEAD moves), or unknown where there is no checkout (a packaged crate).
    let want = std::env::var("MESHDRAIN_REVISION")
        .ok()
        .filter(|r| build::is_revision(r))
        .unwrap_or_else(|| build::revision(dir));
    assert_eq!(
        version.trim(),
        format!("meshdrain {} (rev {want})", env!("CARGO_PKG_VERSION"))
    );
    if dir.join(".git").exists() {
        assert_ne!(
            want, "unknown",
            "a checkout with git must name its revision"
        );
    }
}
