//! The README works as written: its quick start, run from this checkout as a new user would
//! (with this test's meshdrain on PATH in place of `cargo install`, the one step not run
//! here), prints exactly what the README shows; every `meshdrain` command line in its shell
//! blocks is one meshdrain accepts.

mod common;

use clap::Parser;
use common::e2e::{self, Sandbox};
use common::repo;
use meshdrain::cli::Cli;

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).unwrap()
}

/// The fenced blocks of `lang` in `text`, in order.
fn blocks<'a>(text: &'a str, lang: &str) -> Vec<&'a str> {
    let fence = format!("```{lang}\n");
    text.split(&fence)
        .skip(1)
        .filter_map(|b| b.split("\n```").next())
        .collect()
}

#[test]
fn the_quick_start_prints_what_the_readme_shows() {
    let Some(_helm) = e2e::tool("helm3") else {
        return;
    };
    let readme = readme();
    let start = readme.find("\n## Quick start").expect("a quick start");
    let end = start + 1 + readme[start + 1..].find("\n## ").unwrap();
    let section = &readme[start..end];
    let commands = blocks(section, "sh");
    let shown = blocks(section, "text");
    assert_eq!(
        (commands.len(), shown.len()),
        (1, 1),
        "one sh block and its output"
    );
    let lines: Vec<&str> = commands[0].lines().collect();
    assert!(
        lines[0].starts_with("cargo install --locked --path ."),
        "{}",
        lines[0]
    );

    let sandbox = Sandbox::new();
    let bin = sandbox.join("bin");
    e2e::link_meshdrain(&bin.join("meshdrain"));
    let mut printed = String::new();
    for line in &lines[1..] {
        let command = line.split("   #").next().unwrap().trim();
        let mut cmd = sandbox.command(std::path::Path::new("/bin/bash"));
        cmd.args(["-e", "-o", "pipefail", "-c", command])
            .env("PATH", e2e::search_path(&[&bin]));
        let out = e2e::run_ok(&mut cmd, b"");
        if !command.starts_with("scripts/install-tools.sh") {
            printed.push_str(&out);
        }
    }
    assert_eq!(
        printed,
        format!("{}\n", shown[0]),
        "the README's quick start output is stale"
    );
}

#[test]
fn every_meshdrain_command_in_the_readme_parses() {
    let mut checked = 0;
    for block in blocks(&readme(), "sh") {
        for line in block.lines() {
            let line = line.split(" #").next().unwrap();
            for segment in line.split('|') {
                let words: Vec<&str> = segment.split_whitespace().collect();
                if words.first() != Some(&"meshdrain") {
                    continue;
                }
                let mut argv = Vec::new();
                let mut skip = false;
                for word in words {
                    if skip {
                        skip = false;
                    } else if matches!(word, ">" | ">>" | "<") {
                        skip = true;
                    } else {
                        argv.push(word);
                    }
                }
                if let Err(e) = Cli::try_parse_from(&argv) {
                    panic!("README: {line:?} does not parse:\n{e}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} meshdrain lines found");
}
