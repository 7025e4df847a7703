//! Documentation generated from the definitions it describes: shell completions and the man
//! page from the clap definitions (`cli.rs`), the rules' Markdown from their registry
//! (`lint::rules::RULES`). The committed copies (`completions/`, `man/meshdrain.1`,
//! `docs/rules.md`, the README's rule table) are these outputs; `tests/generated.rs` fails
//! when one is stale, and `scripts/gen-docs.sh` rewrites them.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_mangen::roff::{Roff, bold, roman};

use crate::cli::Cli;
use crate::diagnostic::RuleMeta;
use crate::lint::rules::RULES;

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "meshdrain", out);
}

/// The command line as the man page shows it: the package version without the git revision,
/// so that the committed page changes with releases, not with every commit.
fn man_command() -> clap::Command {
    let mut cmd = with_long_help(Cli::command().version(env!("CARGO_PKG_VERSION")));
    let names: Vec<String> = described(&cmd)
        .iter()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, with_long_help);
    }
    cmd.build();
    cmd
}

/// A section rendered by clap_mangen, demoted to sit inside a subcommand's `.SS`: its `.SH
/// TITLE` line becomes a bold `Title` line of its own (`label`), or just a new paragraph.
fn demoted(
    label: Option<&str>,
    render: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
) -> io::Result<String> {
    let mut buf = Vec::new();
    render(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    Ok(text
        .lines()
        .map(|line| match (line.starts_with(".SH "), label) {
            (true, Some(label)) => format!(".PP\n.B {label}\n.br\n"),
            (true, None) => ".PP\n".to_owned(),
            (false, _) => format!("{line}\n"),
        })
        .collect())
}

/// Help shown only by `--help` (not `-h`) has no long text of its own; the man page shows
/// the short one.
fn with_long_help(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|arg| match (arg.get_long_help(), arg.get_help().cloned()) {
        (None, Some(help)) if arg.is_hide_short_help_set() => arg.long_help(help),
        _ => arg,
    })
}

/// The subcommands the page describes (not clap's own `help`).
fn described(cmd: &clap::Command) -> Vec<&clap::Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .collect()
}

/// `meshdrain man`: one page for the whole tool: the default command's options, then every
/// subcommand with its synopsis, description, options and examples.
pub fn man_page(out: &mut dyn Write) -> io::Result<()> {
    let cmd = man_command();
    let man = clap_mangen::Man::new(cmd.clone()).manual("meshdrain manual");
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;

    let subcommands = described(&cmd);
    let mut list = Roff::default();
    list.control("SH", ["COMMANDS"]);
    list.text([roman(
        "Without a command, meshdrain runs render. Each command is described below.",
    )]);
    for sub in &subcommands {
        list.control("TP", []);
        list.text([bold(format!("meshdrain {}", sub.get_name()))]);
        if let Some(about) = sub.get_about() {
            list.text([roman(about.to_string())]);
        }
    }
    list.to_writer(out)?;

    for sub in &subcommands {
        let mut heading = Roff::default();
        heading.control("SS", [format!("meshdrain {}", sub.get_name()).as_str()]);
        heading.to_writer(out)?;
        let page = clap_mangen::Man::new((*sub).clone());
        let sections = [
            demoted(None, |b| page.render_description_section(b))?,
            demoted(Some("Synopsis"), |b| page.render_synopsis_section(b))?,
            if sub.get_arguments().any(|a| !a.is_hide_set()) {
                demoted(Some("Options"), |b| page.render_options_section(b))?
            } else {
                String::new()
            },
            if sub.get_after_help().is_some() {
                demoted(None, |b| page.render_extra_section(b))?
            } else {
                String::new()
            },
        ];
        for section in sections {
            out.write_all(section.as_bytes())?;
        }
    }

    let mut notes = Vec::new();
    man.render_extra_section(&mut notes)?;
    let notes = String::from_utf8_lossy(&notes).replace(".SH EXTRA", ".SH NOTES");
    out.write_all(notes.as_bytes())?;
    let mut tables = Roff::default();
    tables.control("SH", ["ENVIRONMENT"]);
    let mut vars: Vec<(String, String)> = vec![(
        crate::policy::ENV_POLICY.to_owned(),
        "As --policy.".to_owned(),
    )];
    vars.extend(
        crate::drain::settable().map(|(_, s)| (s.env.to_owned(), format!("As --{}.", s.flag))),
    );
    vars.push((
        crate::policy::ENV_ON_CONFLICT.to_owned(),
        "As --on-conflict.".to_owned(),
    ));
    vars.push((
        "XDG_STATE_HOME".to_owned(),
        "Where the Helm 4 plugin mode keeps meshdrain/last-error.log (default ~/.local/state)."
            .to_owned(),
    ));
    vars.push((
        "NO_COLOR".to_owned(),
        "Set and not empty: no colour in check's text output.".to_owned(),
    ));
    for (var, what) in &vars {
        tables.control("TP", []);
        tables.text([bold(var.as_str())]);
        tables.text([roman(what.as_str())]);
    }
    tables.text([roman(
        "The MESHDRAIN_ variables are ignored in kustomize and KRM modes; flags override them; \
         an empty variable counts as unset.",
    )]);
    tables.control("SH", ["EXIT STATUS"]);
    for (code, what) in [
        (
            "0",
            "Success (check: no finding at or above --fail-on, or --exit-zero).",
        ),
        (
            "1",
            "Findings at or above --fail-on (check, render --check).",
        ),
        (
            "2",
            "Usage error, unreadable or invalid input, invalid policy; nothing is written to stdout.",
        ),
        (
            "3",
            "Internal error: an edit failed meshdrain's own verification (a bug; please report it).",
        ),
    ] {
        tables.control("TP", []);
        tables.text([bold(code)]);
        tables.text([roman(what)]);
    }
    tables.to_writer(out)?;
    let mut see_also = Roff::default();
    see_also.control("SH", ["SEE ALSO"]);
    see_also.text([roman(
        "helm(1), kubectl(1), kpt(1). The README, docs/ and SECURITY.md in the source \
         repository; meshdrain explain CODE for each lint rule.",
    )]);
    see_also.to_writer(out)?;
    man.render_version_section(out)
}

/// A table cell: `|` would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The rule table (the README's, and the head of `docs/rules.md`).
pub fn rules_table() -> String {
    let mut s = String::from("| code | severity | name | detects |\n|---|---|---|---|\n");
    for rule in RULES {
        let m = rule.meta();
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            m.code,
            m.severity.as_str(),
            m.name,
            cell(m.summary)
        ));
    }
    s
}

/// One rule as a Markdown section: its `## ` headings one level down, below the rule's own.
pub fn rule_markdown(m: &RuleMeta) -> String {
    let mut s = format!(
        "## {} {}\n\nSeverity: **{}**. {}.\n\n",
        m.code,
        m.name,
        m.severity.as_str(),
        upper_first(m.summary)
    );
    let mut fenced = false;
    for line in m.doc_text().lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if !fenced && line.starts_with('#') {
            s.push('#');
        }
        s.push_str(line);
        s.push('\n');
    }
    s
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `docs/rules.md`: every rule's documentation, as `meshdrain explain CODE` prints it.
pub fn rules_page() -> String {
    let mut s = String::from(
        "# meshdrain lint rules\n\n\
         <!-- Generated by `meshdrain explain --all --format markdown`: edit the rules' doc \
         comments in src/lint/rules/, then run scripts/gen-docs.sh. -->\n\n\
         What `meshdrain check` (and `meshdrain render --check`) reports. `meshdrain explain \
         CODE` prints one rule; suppressions and output formats are in the README \
         (\"Lint in CI\").\n\n",
    );
    s.push_str(&rules_table());
    for rule in RULES {
        s.push('\n');
        s.push_str(&rule_markdown(rule.meta()));
    }
    s
}

/// `meshdrain explain` without a code: one line per rule.
pub fn rules_list() -> String {
    RULES
        .iter()
        .map(|rule| {
            let m = rule.meta();
            format!(
                "{}  {:<8} {:<36} {}\n",
                m.code,
                m.severity.as_str(),
                m.name,
                m.summary
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_headings_move_down_but_not_inside_code() {
        let meta = RuleMeta {
            code: "GD999",
            name: "example",
            severity: crate::diagnostic::Severity::Warning,
            summary: "a | pipe",
            doc: " ## What it detects\n Text.\n ```yaml\n ## a YAML comment\n ```\n",
        };
        let md = rule_markdown(&meta);
        assert!(md.starts_with("## GD999 example\n\nSeverity: **warning**. A | pipe.\n"));
        assert!(md.contains("\n### What it detects\n"));
        assert!(md.contains("\n## a YAML comment\n"), "{md}");
        assert_eq!(cell(meta.summary), "a \\| pipe");
    }

    #[test]
    fn the_man_page_names_every_command_and_no_revision() {
        let mut page = Vec::new();
        man_page(&mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        for sub in Cli::command()
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
        {
            assert!(
                page.contains(&format!(".SS \"meshdrain {}\"", sub.get_name()))
                    || page.contains(&format!(".SS meshdrain {}", sub.get_name())),
                "{}",
                sub.get_name()
            );
        }
        assert!(
            !page.contains("(rev "),
            "the committed page would change with each commit"
        );
        assert!(
            !page.contains("meshdrain-check(1)"),
            "there is no such page"
        );
    }
}
