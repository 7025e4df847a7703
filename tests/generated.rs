//! The committed generated files are what the binary generates now, and they work:
//!
//! - `man/meshdrain.1` is `meshdrain man`, and `man -l` renders it without a warning;
//! - `completions/*` are `meshdrain completions SHELL`, and the bash one loads and completes;
//! - `docs/rules.md` is `meshdrain explain --all --format markdown`;
//! - the README's rule table is `meshdrain explain --format markdown`.
//!
//! After a deliberate change (a flag, a rule's doc comment) run `scripts/gen-docs.sh`, which
//! runs this test with `MESHDRAIN_BLESS=1` to rewrite the files.

mod common;

use std::path::Path;
use std::process::Command;

use common::e2e::MESHDRAIN;
use common::repo;

/// `meshdrain ARGS`' stdout (it must succeed).
fn generate(args: &[&str]) -> String {
    let out = Command::new(MESHDRAIN)
        .args(args)
        .output()
        .expect("meshdrain runs");
    assert!(out.status.success(), "meshdrain {args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn blessing() -> bool {
    std::env::var_os("MESHDRAIN_BLESS").is_some()
}

/// The committed file `rel` equals `want` (rewritten instead under `MESHDRAIN_BLESS`).
fn assert_current(rel: &str, want: &str) {
    let path = repo().join(rel);
    if blessing() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(&path, want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        let diff = similar::TextDiff::from_lines(have.as_str(), want)
            .unified_diff()
            .header(&format!("{rel} (committed)"), "generated")
            .to_string();
        panic!("{rel} is stale; run scripts/gen-docs.sh and commit the result:\n{diff}");
    }
}

#[test]
fn the_man_page_is_current() {
    assert_current("man/meshdrain.1", &generate(&["man"]));
}

const SHELLS: &[(&str, &str)] = &[
    ("bash", "completions/meshdrain.bash"),
    ("zsh", "completions/_meshdrain"),
    ("fish", "completions/meshdrain.fish"),
    ("powershell", "completions/_meshdrain.ps1"),
    ("elvish", "completions/meshdrain.elv"),
];

#[test]
fn the_completions_are_current() {
    for (shell, rel) in SHELLS {
        assert_current(rel, &generate(&["completions", shell]));
    }
}

#[test]
fn the_rules_page_is_current() {
    assert_current(
        "docs/rules.md",
        &generate(&["explain", "--all", "--format", "markdown"]),
    );
}

const TABLE_START: &str = "<!-- rules: `meshdrain explain --format markdown` -->\n";
const TABLE_END: &str = "<!-- end of rules -->\n";

#[test]
fn the_readme_rule_table_is_current() {
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme
        .find(TABLE_START)
        .unwrap_or_else(|| panic!("README.md has no {TABLE_START:?} line"))
        + TABLE_START.len();
    let end = start
        + readme[start..]
            .find(TABLE_END)
            .unwrap_or_else(|| panic!("README.md has no {TABLE_END:?} line"));
    let want = generate(&["explain", "--format", "markdown"]);
    let spliced = format!("{}{want}{}", &readme[..start], &readme[end..]);
    if blessing() {
        std::fs::write(&path, spliced).unwrap();
        return;
    }
    assert_eq!(
        &readme[start..end],
        want,
        "README.md's rule table is stale; run scripts/gen-docs.sh"
    );
    // And every rule is in it, once.
    let table = &readme[start..end];
    for line in generate(&["explain"]).lines() {
        let code = line.split_whitespace().next().unwrap();
        assert_eq!(table.matches(&format!("| {code} |")).count(), 1, "{code}");
    }
}

#[test]
fn man_renders_the_page_without_warnings() {
    let Some(man) = common::e2e::system_tool("man") else {
        return;
    };
    let out = Command::new(man)
        .args(["--warnings", "-l"])
        .arg(repo().join("man/meshdrain.1"))
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .expect("man runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "man -l failed: {stderr}");
    assert!(stderr.trim().is_empty(), "man -l warned:\n{stderr}");
    let page = String::from_utf8_lossy(&out.stdout);
    for want in [
        "NAME",
        "SYNOPSIS",
        "--drain-duration <DURATION>",
        "meshdrain check",
        "--stdin-filename <PATH>",
        "Examples:",
        "meshdrain explain GD007",
        "EXIT STATUS",
    ] {
        assert!(
            page.contains(want),
            "the rendered page lacks {want:?}:\n{page}"
        );
    }
}

/// What bash completes for `words` (the last one being completed) with the committed script.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = repo().join("completions/meshdrain.bash");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "set -eu\n\
         source '{}'\n\
         complete -p meshdrain >/dev/null\n\
         COMP_WORDS=({})\n\
         COMP_CWORD={}\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         _meshdrain meshdrain \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        quoted.join(" "),
        words.len() - 1
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "completing {words:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_loads_the_completions_and_completes_commands_flags_and_values() {
    let has = |got: &[String], want: &str| got.iter().any(|g| g == want);
    let commands = bash_complete(&["meshdrain", "ch"]);
    assert_eq!(commands, ["check"], "{commands:?}");
    let all = bash_complete(&["meshdrain", ""]);
    for want in [
        "render",
        "values",
        "policy",
        "check",
        "explain",
        "completions",
        "man",
    ] {
        assert!(has(&all, want), "{want} missing from {all:?}");
    }
    let flags = bash_complete(&["meshdrain", "check", "--std"]);
    assert_eq!(flags, ["--stdin-filename"], "{flags:?}");
    let formats = bash_complete(&["meshdrain", "check", "--format", ""]);
    for want in ["text", "json", "sarif", "github"] {
        assert!(has(&formats, want), "{want} missing from {formats:?}");
    }
    let shells = bash_complete(&["meshdrain", "completions", ""]);
    for want in ["bash", "zsh", "fish", "powershell"] {
        assert!(has(&shells, want), "{want} missing from {shells:?}");
    }
    // The default command's flags, without a subcommand.
    let render = bash_complete(&["meshdrain", "--termination"]);
    assert_eq!(render, ["--termination-drain-duration"], "{render:?}");
}

#[test]
fn the_other_shells_scripts_are_for_meshdrain() {
    // No zsh, fish or PowerShell on CI's machine: check what identifies each script.
    let read = |rel: &str| std::fs::read_to_string(repo().join(rel)).unwrap();
    assert!(read("completions/_meshdrain").starts_with("#compdef meshdrain"));
    assert!(read("completions/meshdrain.fish").contains("complete -c meshdrain"));
    assert!(read("completions/_meshdrain.ps1").contains("Register-ArgumentCompleter"));
    assert!(Path::new(&repo().join("completions/meshdrain.elv")).is_file());
}
