//! What ships around the binary: the Dockerfile (static checks, and its build stage run on
//! the same context outside Docker, since no Docker engine runs here), LICENSE, the crate's
//! metadata and release profile, deny.toml's bans.
//!
//! `scripts/test.sh` does the rest: the release binary's size, `cargo publish --dry-run`,
//! `cargo deny check`.

mod common;

use std::path::Path;
use std::process::Command;

use common::repo;

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn manifest() -> toml_like::Table {
    toml_like::parse(&read("Cargo.toml"))
}

/// Just enough TOML for Cargo.toml's scalar keys and string arrays: `[section]` and
/// `key = value` lines (values as written).
mod toml_like {
    use std::collections::BTreeMap;

    pub type Table = BTreeMap<String, String>;

    pub fn parse(text: &str) -> Table {
        let mut out = Table::new();
        let mut section = String::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let line = line.trim();
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_owned();
                continue;
            }
            if let Some((key, value)) = line.split_once('=') {
                let mut value = value.trim().to_owned();
                // A multi-line array.
                if value == "[" {
                    for more in lines.by_ref() {
                        let more = more.trim();
                        if more == "]" {
                            break;
                        }
                        value.push_str(more);
                    }
                    value.push(']');
                }
                out.insert(format!("{section}.{}", key.trim()), value);
            }
        }
        out
    }
}

#[test]
fn cargo_metadata_is_complete_and_the_release_profile_has_no_debug_info() {
    let m = manifest();
    for key in [
        "description",
        "license",
        "repository",
        "documentation",
        "readme",
        "keywords",
        "categories",
        "rust-version",
    ] {
        assert!(
            m.contains_key(&format!("package.{key}")),
            "Cargo.toml lacks {key}"
        );
    }
    assert_eq!(m["package.license"], "\"Apache-2.0\"");
    let keywords = m["package.keywords"].matches('"').count() / 2;
    assert!(
        (1..=5).contains(&keywords),
        "crates.io takes at most 5 keywords"
    );
    assert_eq!(m["profile.release.debug"], "false");
    // The toolchain pinned for developers, CI and the image is the MSRV.
    let toolchain = read("rust-toolchain.toml");
    assert!(toolchain.contains("channel = \"1.95.0\""), "{toolchain}");
    assert_eq!(m["package.rust-version"], "\"1.95\"");
}

#[test]
fn the_license_is_the_apache_2_0_text() {
    let license = read("LICENSE");
    assert!(
        license.contains("Apache License\n                           Version 2.0, January 2004")
    );
    assert!(license.contains("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"));
    assert!(license.contains("END OF TERMS AND CONDITIONS"));
    assert_eq!(
        license.lines().count(),
        202,
        "the full text, with its appendix"
    );
}

#[test]
fn deny_toml_bans_the_yaml_crates_crates_md_rules_out() {
    let deny = read("deny.toml");
    let lock = read("Cargo.lock");
    for krate in [
        "serde_yaml",
        "serde_yml",
        "libyml",
        "unsafe-libyaml",
        "serde_yaml_ng",
    ] {
        assert!(
            deny.contains(&format!("{{ crate = \"{krate}\", reason = ")),
            "deny.toml does not ban {krate}"
        );
        assert!(
            !lock.contains(&format!("name = \"{krate}\"\n")),
            "Cargo.lock has {krate}"
        );
    }
    // The serde layer is yaml_serde under the serde_yaml name (crates.md).
    assert!(read("Cargo.toml").contains("serde_yaml = { package = \"yaml_serde\""));
}

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
fn instructions() -> Vec<(String, String)> {
    let text = read("Dockerfile");
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        if let Some(start) = trimmed.strip_suffix('\\') {
            current.push_str(start);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let (op, rest) = current.split_once(' ').unwrap_or((&current, ""));
        out.push((op.to_uppercase(), rest.trim().to_owned()));
        current.clear();
    }
    out
}

#[test]
fn the_dockerfile_is_multi_stage_non_root_and_labelled_for_kpt() {
    let ins = instructions();
    let froms: Vec<&String> = ins
        .iter()
        .filter(|(op, _)| op == "FROM")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(froms.len(), 2, "{froms:?}");
    assert!(froms[0].ends_with(" AS build"), "{}", froms[0]);
    assert!(froms[0].contains("rust:${RUST_VERSION}"), "{}", froms[0]);
    assert!(
        froms[1].contains(":nonroot"),
        "a non-root base: {}",
        froms[1]
    );
    // The final stage: the binary from the build stage, a numeric non-root user, the binary
    // as the entry point (kpt passes no arguments).
    let last = ins.iter().rposition(|(op, _)| op == "FROM").unwrap();
    let final_stage = &ins[last..];
    let get = |op: &str| {
        final_stage
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, a)| a.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        get("COPY"),
        ["--from=build /out/meshdrain /usr/local/bin/meshdrain"]
    );
    let user = get("USER");
    assert_eq!(user, ["65532:65532"]);
    assert_eq!(get("ENTRYPOINT"), ["[\"/usr/local/bin/meshdrain\"]"]);
    assert!(get("RUN").is_empty(), "the final stage has no shell");
    let labels = get("LABEL").join(" ");
    for key in [
        "org.opencontainers.image.source",
        "org.opencontainers.image.licenses=\"Apache-2.0\"",
        "org.opencontainers.image.version=\"${VERSION}\"",
        "org.opencontainers.image.revision",
        "dev.kpt.fn.meta.types=\"mutator\"",
        "dev.kpt.fn.meta.description",
        "dev.kpt.fn.meta.documentationurl",
        "dev.kpt.fn.meta.keywords",
    ] {
        assert!(labels.contains(key), "no {key} label: {labels}");
    }
    // The arguments follow the crate and the toolchain.
    let args: Vec<&String> = ins
        .iter()
        .filter(|(op, _)| op == "ARG")
        .map(|(_, a)| a)
        .collect();
    assert!(
        args.iter()
            .any(|a| *a == &format!("VERSION={}", env!("CARGO_PKG_VERSION")))
    );
    assert!(args.iter().any(|a| *a == "RUST_VERSION=1.95.0"));
}

#[test]
fn the_docker_build_stage_builds_from_its_context() {
    let ins = instructions();
    let last = ins.iter().rposition(|(op, _)| op == "FROM").unwrap();
    let build = &ins[..last];
    // The build context as the build stage copies it, and nothing else.
    let context = tempfile::Builder::new()
        .prefix("meshdrain-docker-context-")
        .tempdir()
        .unwrap();
    let ignore = read(".dockerignore");
    for (op, args) in build.iter().filter(|(op, _)| op == "COPY") {
        let words: Vec<&str> = args.split_whitespace().collect();
        let (dest, sources) = words.split_last().expect("COPY SRC… DEST");
        for source in sources {
            assert!(
                ignore.contains(&format!("!{source}\n"))
                    || ignore.contains(&format!("!{source}/\n")),
                "{op} {source}: .dockerignore leaves it out of the context"
            );
            let from = repo().join(source);
            let to = if dest.ends_with('/') {
                context.path().join(dest).join(source)
            } else {
                context.path().join(dest)
            };
            if from.is_dir() {
                common::e2e::copy_dir(&from, &to, &[]);
            } else {
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{source}: {e}"));
            }
        }
    }
    let run = build
        .iter()
        .find(|(op, _)| op == "RUN")
        .map(|(_, a)| a.clone())
        .expect("a RUN in the build stage");
    assert!(
        run.starts_with("cargo build --release --locked --bin meshdrain "),
        "{run}"
    );
    // The same command, checking instead of building (the test needs to know the context is
    // complete and the code compiles from it, not to link a second release binary), in a
    // target directory of its own (cargo test holds this checkout's).
    let out = Command::new("cargo")
        .args([
            "check",
            "--release",
            "--locked",
            "--bin",
            "meshdrain",
            "--quiet",
        ])
        .current_dir(context.path())
        .env("CARGO_TARGET_DIR", repo().join("target/docker-context"))
        .env("MESHDRAIN_REVISION", "0123456789ab")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "the build stage fails on its context:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!Path::new(&context.path().join(".git")).exists());
}
