//! Every subcommand's `--help` ends with examples, and every example that runs meshdrain is
//! a command line meshdrain accepts, for that subcommand.

use clap::{CommandFactory, Parser};
use meshdrain::cli::Cli;

/// The `Examples:` block of `--help`: its indented lines, up to the first blank one.
fn examples(help: &str) -> Vec<String> {
    let Some(start) = help.find("\nExamples:\n") else {
        return Vec::new();
    };
    help[start + "\nExamples:\n".len()..]
        .lines()
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_owned())
        .collect()
}

/// The meshdrain invocations of one example line: each `|` segment that starts with
/// `meshdrain`, without its redirections and the trailing `# comment`.
fn invocations(line: &str) -> Vec<Vec<String>> {
    let line = line.split("  #").next().unwrap_or(line);
    line.split('|')
        .filter_map(|segment| {
            let words: Vec<&str> = segment.split_whitespace().collect();
            if words.first() != Some(&"meshdrain") {
                return None;
            }
            let mut argv = Vec::new();
            let mut skip = false;
            for word in words {
                if skip {
                    skip = false;
                } else if matches!(word, ">" | ">>" | "<") {
                    skip = true;
                } else {
                    argv.push(word.to_owned());
                }
            }
            Some(argv)
        })
        .collect()
}

/// The subcommand a command line runs (`render` when none is named); it must parse.
fn command_name(argv: &[String]) -> Result<String, clap::Error> {
    Cli::try_parse_from(argv)?;
    let matches = Cli::command().try_get_matches_from(argv)?;
    Ok(matches.subcommand_name().unwrap_or("render").to_owned())
}

#[test]
fn every_subcommand_has_examples_that_parse() {
    let mut top = Cli::command();
    top.build();
    let mut checked = 0;
    for sub in top.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = sub.get_name();
        let help = sub.clone().render_long_help().to_string();
        let lines = examples(&help);
        assert!(
            !lines.is_empty(),
            "`meshdrain {name} --help` has no Examples: block"
        );
        let mut own = 0;
        for line in &lines {
            for argv in invocations(line) {
                let runs = command_name(&argv).unwrap_or_else(|e| {
                    panic!("`meshdrain {name} --help` example {line:?} does not parse:\n{e}")
                });
                if runs == name {
                    own += 1;
                }
                checked += 1;
            }
        }
        assert!(
            own > 0,
            "no example of `meshdrain {name} --help` runs {name}: {lines:?}"
        );
    }
    // The top level's examples too.
    let help = top.render_long_help().to_string();
    for line in examples(&help) {
        for argv in invocations(&line) {
            command_name(&argv).unwrap_or_else(|e| panic!("{line:?}: {e}"));
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} examples found");
}

#[test]
fn the_example_reader_reads_what_help_writes() {
    let help = "Usage\n\nExamples:\n  meshdrain check -  # a comment\n  helm template x | meshdrain --diff > out.yaml\n\nMore\n";
    let lines = examples(help);
    assert_eq!(lines.len(), 2);
    assert_eq!(invocations(&lines[0]), [vec!["meshdrain", "check", "-"]]);
    assert_eq!(invocations(&lines[1]), [vec!["meshdrain", "--diff"]]);
    // A broken example is caught.
    assert!(Cli::try_parse_from(["meshdrain", "check", "--no-such-flag"]).is_err());
}
