//! The named fixture matrix: every `testdata/render/NAME.in.yaml` is rendered with the flags
//! in `NAME.args` (one per line). With a `NAME.out.yaml` the run must succeed with exactly
//! those bytes, and rendering the output again must change nothing; without one it must fail
//! with exit 2 and empty stdout. The verbose summary or the error text is an insta snapshot.

mod common;

use std::path::Path;

use meshdrain::ExitStatus;

fn args_for(input: &Path) -> Vec<String> {
    let path = input.with_file_name(
        input
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .replace(".in.yaml", ".args"),
    );
    std::fs::read_to_string(path)
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn check_fixture(input_path: &Path) -> Result<String, String> {
    let name = input_path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .trim_end_matches(".in.yaml")
        .to_owned();
    let input = std::fs::read(input_path).map_err(|e| e.to_string())?;
    let mut args = args_for(input_path);
    args.push("--verbose".into());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = common::run(&argv, &input, &[]);
    let expected_path = input_path.with_file_name(format!("{name}.out.yaml"));
    let snapshot = match std::fs::read(&expected_path) {
        Ok(expected) => {
            if run.status != ExitStatus::Success {
                return Err(format!(
                    "{name}: expected success, got {:?}:\n{}",
                    run.status, run.stderr
                ));
            }
            if run.stdout != expected {
                return Err(format!(
                    "{name}: output differs from {}:\n--- got\n{}",
                    expected_path.display(),
                    String::from_utf8_lossy(&run.stdout)
                ));
            }
            let again = common::run(&argv, &run.stdout, &[]);
            if again.status != ExitStatus::Success || again.stdout != run.stdout {
                return Err(format!("{name}: not idempotent:\n{}", again.stderr));
            }
            if again.stderr.contains("info[changed]") {
                return Err(format!(
                    "{name}: second run reported changes:\n{}",
                    again.stderr
                ));
            }
            run.stderr
        }
        Err(_) => {
            if run.status != ExitStatus::Invalid {
                return Err(format!(
                    "{name}: expected exit 2, got {:?}; stdout:\n{}",
                    run.status,
                    String::from_utf8_lossy(&run.stdout)
                ));
            }
            if !run.stdout.is_empty() {
                return Err(format!("{name}: stdout must be empty on error"));
            }
            run.stderr
        }
    };
    Ok(snapshot)
}

#[test]
fn render_fixtures() {
    let dir = common::testdata("render");
    let inputs = common::files_ending(&dir, ".in.yaml");
    assert!(inputs.len() >= 45, "fixtures missing: {}", inputs.len());
    let mut failures = Vec::new();
    let settings = common::insta_settings();
    for input in &inputs {
        let name = input
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .trim_end_matches(".in.yaml")
            .to_owned();
        match check_fixture(input) {
            Ok(stderr) => {
                settings.bind(|| insta::assert_snapshot!(format!("render__{name}"), stderr))
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The real corpus (`testdata/real/`, see its NOTICE): each file renders to
/// `expected/FILE.out` byte for byte, or fails (exit 2) when it has no expected output.
#[test]
fn real_corpus() {
    let dir = common::testdata("real");
    let mut inputs = common::files_ending(&dir, ".yaml");
    inputs.extend(common::files_ending(&dir, ".tmpl"));
    assert_eq!(inputs.len(), 14, "the corpus has 14 files");
    let settings = common::insta_settings();
    let mut failures = Vec::new();
    for input in &inputs {
        let file = input
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        let bytes = std::fs::read(input).unwrap_or_default();
        let run = common::run(&["--verbose"], &bytes, &[]);
        match std::fs::read(dir.join("expected").join(format!("{file}.out"))) {
            Ok(expected) if run.status == ExitStatus::Success && run.stdout == expected => {
                let again = common::run(&[], &run.stdout, &[]);
                if again.stdout != run.stdout {
                    failures.push(format!("{file}: not idempotent"));
                }
            }
            Ok(_) => failures.push(format!(
                "{file}: {:?}, output differs:\n{}",
                run.status, run.stderr
            )),
            Err(_) if run.status == ExitStatus::Invalid && run.stdout.is_empty() => {}
            Err(_) => failures.push(format!("{file}: expected an error, got {:?}", run.status)),
        }
        settings.bind(|| insta::assert_snapshot!(format!("real__{file}"), run.stderr));
        if run.status == ExitStatus::Success {
            failures.extend(
                undrained_gateways(&run.stdout)
                    .into_iter()
                    .map(|g| format!("{file}: {g} got no connectionDrainDuration")),
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The `install.tetrate.io` gateways (any kind but ControlPlane, List items included) in a
/// rendered stream that have no `spec.connectionDrainDuration`.
fn undrained_gateways(stream: &[u8]) -> Vec<String> {
    use serde::Deserialize;
    let text = String::from_utf8_lossy(stream);
    let mut objects: Vec<serde_json::Value> = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let Ok(value) = serde_json::Value::deserialize(doc) else {
            continue;
        };
        match value.get("items").and_then(|i| i.as_array()) {
            Some(items) if value.get("kind").and_then(|k| k.as_str()) == Some("List") => {
                objects.extend(items.iter().cloned())
            }
            _ => objects.push(value),
        }
    }
    objects
        .iter()
        .filter(|o| {
            o.get("apiVersion")
                .and_then(|a| a.as_str())
                .is_some_and(|a| a.starts_with("install.tetrate.io/"))
                && o.get("kind").and_then(|k| k.as_str()) != Some("ControlPlane")
                && o.pointer("/spec/connectionDrainDuration").is_none()
        })
        .map(|o| {
            format!(
                "{} {}",
                o["kind"],
                o.pointer("/metadata/name")
                    .unwrap_or(&serde_json::Value::Null)
            )
        })
        .collect()
}
