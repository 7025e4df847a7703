//! Shared test helpers: run the CLI in-process, and insta settings (snapshots live in the
//! top-level `snapshots/` folder).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use meshdrain::{ExitStatus, Io};

pub mod diff;
pub mod e2e;
pub mod istio;

/// What one in-process run produced.
pub struct Run {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// Runs `meshdrain ARGS` on `input` in-process, with only `env` as the environment.
pub fn run(args: &[&str], input: &[u8], env: &[(&str, &str)]) -> Run {
    let mut argv = vec!["meshdrain"];
    argv.extend_from_slice(args);
    let cli = meshdrain::cli::Cli::try_parse_from(argv)
        .unwrap_or_else(|e| panic!("bad test args {args:?}: {e}"));
    let mut stdin = input;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let status = {
        let mut io = Io {
            stdin: &mut stdin,
            stdin_is_terminal: false,
            stdout: &mut stdout,
            stdout_is_terminal: false,
            stderr: &mut stderr,
            env,
        };
        meshdrain::run(cli, &mut io)
    };
    Run {
        status,
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn testdata(rel: &str) -> PathBuf {
    repo().join("testdata").join(rel)
}

/// insta settings shared by every test file: snapshots in `<repo>/snapshots`.
pub fn insta_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(repo().join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

/// The files in `dir` whose names end with `suffix`, sorted.
pub fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(suffix))
        })
        .collect();
    v.sort();
    v
}
