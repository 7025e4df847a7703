//! The rule fixtures: every registered rule has `testdata/check/<CODE>/` with `bad*.yaml` and
//! `good*.yaml`. In a bad fixture, each line that carries the comment `# expect: <CODE>` must
//! get exactly one finding of that rule starting on it, and no other line may get one; a good
//! fixture gets none of that rule. A first line `# args: …` adds flags. The text output of
//! every bad fixture is an insta snapshot too, but the codes and lines are asserted here.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use meshdrain::ExitStatus;
use serde_json::Value;

fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(common::testdata("check"))
        .expect("testdata/check")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Flags from a `# args:` first line.
fn args_of(text: &str) -> Vec<String> {
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("# args:"))
        .map(|a| a.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// `line → number of expected findings of code` from the `# expect:` markers.
fn expected_lines(text: &str, code: &str) -> BTreeMap<usize, usize> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((_, codes)) = line.split_once("# expect:") {
            let n = codes.split_whitespace().filter(|c| *c == code).count();
            if n > 0 {
                *out.entry(i + 1).or_default() += n;
            }
        }
    }
    out
}

/// Runs `meshdrain check --format json` on a fixture; returns the parsed output and status.
fn check_json(path: &Path, extra: &[String]) -> (ExitStatus, Value) {
    let rel = path
        .strip_prefix(common::repo())
        .unwrap_or(path)
        .to_str()
        .expect("UTF-8 path")
        .to_owned();
    let mut args: Vec<&str> = vec!["check", "--format", "json"];
    args.extend(extra.iter().map(String::as_str));
    args.push(&rel);
    let run = common::run(&args, b"", &[]);
    let json: Value = serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{rel}: not JSON ({e}):\n{}", run.stderr));
    (run.status, json)
}

/// `line → count` of the findings of `code`.
fn found_lines(json: &Value, code: &str) -> BTreeMap<usize, usize> {
    let mut out = BTreeMap::new();
    for f in json["findings"].as_array().into_iter().flatten() {
        if f["code"] == code {
            let line = f["span"]["start"]["line"].as_u64().unwrap_or(0) as usize;
            *out.entry(line).or_default() += 1;
        }
    }
    out
}

#[test]
fn every_rule_has_bad_and_good_fixtures() {
    let dirs: Vec<String> = fixture_dirs()
        .iter()
        .filter_map(|d| d.file_name()?.to_str().map(str::to_owned))
        .collect();
    for rule in meshdrain::lint::rules::RULES {
        let code = rule.meta().code;
        assert!(dirs.iter().any(|d| d == code), "no testdata/check/{code}/");
        let dir = common::testdata("check").join(code);
        assert!(
            common::files_ending(&dir, ".yaml").iter().any(|p| p
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("bad")),
            "{code}: no bad fixture"
        );
        assert!(
            common::files_ending(&dir, ".yaml").iter().any(|p| p
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("good")),
            "{code}: no good fixture"
        );
    }
}

#[test]
fn bad_fixtures_get_their_findings_on_the_marked_lines() {
    let mut failures = Vec::new();
    for dir in fixture_dirs() {
        let code = dir.file_name().unwrap().to_str().unwrap().to_owned();
        for path in common::files_ending(&dir, ".yaml") {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let args = args_of(&text);
            let (status, json) = check_json(&path, &args);
            let found = found_lines(&json, &code);
            if name.starts_with("bad") {
                let expected = expected_lines(&text, &code);
                assert!(
                    !expected.is_empty(),
                    "{code}/{name} has no `# expect:` marker"
                );
                if found != expected {
                    failures.push(format!(
                        "{code}/{name}: expected findings on lines {expected:?}, got {found:?}"
                    ));
                }
                let severity_fails = json["findings"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|f| f["severity"] == "error");
                let want = if severity_fails {
                    ExitStatus::Findings
                } else {
                    ExitStatus::Success
                };
                if status != want {
                    failures.push(format!(
                        "{code}/{name}: exit status {status:?}, want {want:?}"
                    ));
                }
            } else if !found.is_empty() {
                failures.push(format!(
                    "{code}/{name}: a good fixture got {code} on lines {found:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn bad_fixture_reports_are_snapshots() {
    let settings = common::insta_settings();
    for dir in fixture_dirs() {
        let code = dir.file_name().unwrap().to_str().unwrap().to_owned();
        for path in common::files_ending(&dir, ".yaml") {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if !name.starts_with("bad") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let rel = format!("testdata/check/{code}/{name}");
            let mut args: Vec<String> = vec!["check".into(), "--color".into(), "never".into()];
            args.extend(args_of(&text));
            args.push(rel);
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = common::run(&argv, b"", &[]);
            let out = String::from_utf8(run.stdout).unwrap();
            settings.bind(|| {
                insta::assert_snapshot!(format!("check__{code}__{name}"), out);
            });
        }
    }
}
