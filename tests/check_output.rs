//! `meshdrain check` output formats: SARIF validated against the SARIF 2.1.0 schema (vendored
//! from serde-sarif, validated offline), JSON against its committed schema, GitHub workflow
//! commands, and positions on non-ASCII and CRLF input in every format.

mod common;

use serde_json::Value;

/// Every bad rule fixture, so the formats see every rule's findings.
fn all_bad_fixtures() -> Vec<String> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(common::testdata("check")).unwrap() {
        let dir = dir.unwrap().path();
        for f in common::files_ending(&dir, ".yaml") {
            let name = f.file_name().unwrap().to_str().unwrap();
            if name.starts_with("bad")
                && !std::fs::read_to_string(&f).unwrap().starts_with("# args:")
            {
                out.push(
                    f.strip_prefix(common::repo())
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .to_owned(),
                );
            }
        }
    }
    out.sort();
    out
}

fn run_json(format: &str, paths: &[String]) -> Value {
    let mut args = vec!["check", "--format", format];
    args.extend(paths.iter().map(String::as_str));
    let run = common::run(&args, b"", &[]);
    serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("not JSON: {e}\n{}", run.stderr))
}

/// Escapes the stray `]` of SARIF's `language` pattern, wherever it occurs.
fn fix_pattern(v: &mut Value) {
    const BAD: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        Value::String(s) if s == BAD => *s = BAD.replace("}]?", "}\\]?"),
        Value::Array(items) => items.iter_mut().for_each(fix_pattern),
        Value::Object(map) => map.values_mut().for_each(fix_pattern),
        _ => {}
    }
}

/// A validator for a schema file (relative to the repository); no remote references are
/// fetched (jsonschema is built without its HTTP resolver).
fn validator(schema_path: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(common::repo().join(schema_path)).unwrap();
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    // The SARIF schema's `language` pattern has a stray `]` that a strict regex check of the
    // schema itself rejects (a known erratum); no meshdrain output has that property. Escape
    // it in memory so the rest of the schema, formats included, is enforced as published.
    fix_pattern(&mut schema);
    jsonschema::options()
        .offline()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{schema_path}: {e}"))
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let fixtures = all_bad_fixtures();
    assert!(fixtures.len() > 20);
    let log = run_json("sarif", &fixtures);
    let sarif = validator("testdata/sarif/sarif-schema-2.1.0.json");
    assert_valid(&sarif, &log);
    // The validator does reject what SARIF does not allow.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(sarif.iter_errors(&broken).next().is_some());
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), meshdrain::lint::rules::RULES.len());
    for rule in rules {
        let help = rule["help"]["text"].as_str().unwrap();
        assert!(help.contains("## Why it matters"), "{rule}");
    }
    // Every result points at a rule of the list by id and index.
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 40);
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                > 0
        );
    }
}

#[test]
fn sarif_of_an_empty_run_is_valid_too() {
    let log = run_json("sarif", &["testdata/check/GD013/good.yaml".to_owned()]);
    assert_valid(&validator("testdata/sarif/sarif-schema-2.1.0.json"), &log);
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn json_output_matches_its_committed_schema() {
    let committed =
        std::fs::read_to_string(common::repo().join("schema/check-output.v1.schema.json")).unwrap();
    assert_eq!(
        committed,
        meshdrain::report::json::schema_json(),
        "schema/check-output.v1.schema.json is stale: regenerate it with `meshdrain check --output-schema > schema/check-output.v1.schema.json`"
    );
    let out = run_json("json", &all_bad_fixtures());
    assert_valid(&validator("schema/check-output.v1.schema.json"), &out);
    assert_eq!(out["version"], 1);
    assert!(out["summary"]["failed"].as_bool().unwrap());
    let f = &out["findings"][0];
    for key in [
        "code", "rule", "severity", "message", "file", "document", "span", "hint",
    ] {
        assert!(!f[key].is_null(), "{key} missing in {f}");
    }
}

/// The finding on line 5 of the non-ASCII fixture: `1m30s` after a 🚀 (two UTF-16 units) and
/// CJK text (three bytes each).
fn assert_positions(file: &str) {
    let json = run_json("json", &[file.to_owned()]);
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "GD029")
        .unwrap_or_else(|| panic!("{file}: no GD029 in {json}"));
    assert_eq!(f["span"]["start"]["line"], 5, "{file}");
    assert_eq!(f["span"]["start"]["column"], 47, "{file}");
    assert_eq!(f["span"]["end"]["column"], 52, "{file}");

    let sarif = run_json("sarif", &[file.to_owned()]);
    let region = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "GD029")
        .map(|r| r["locations"][0]["physicalLocation"]["region"].clone())
        .unwrap();
    assert_eq!(region["startLine"], 5, "{file}");
    assert_eq!(
        region["startColumn"], 48,
        "{file}: SARIF counts UTF-16 code units"
    );
    assert_eq!(region["endColumn"], 53, "{file}");

    let run = common::run(&["check", "--format", "github", file], b"", &[]);
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(
        text.contains(
            "line=5,col=47,endLine=5,endColumn=52,title=GD029 non-canonical-tsb-duration::"
        ),
        "{text}"
    );

    let run = common::run(&["check", "--color", "never", file], b"", &[]);
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(text.contains(&format!("--> {file}:5:47")), "{text}");
    assert!(
        text.contains("5 | spec: {note: \"🚀 网关\", connectionDrainDuration: 1m30s}"),
        "{text}"
    );
}

#[test]
fn positions_count_characters_on_non_ascii_lines() {
    assert_positions("testdata/check-misc/non-ascii.yaml");
}

#[test]
fn positions_are_the_same_in_a_crlf_file() {
    let crlf = std::fs::read(common::testdata("check-misc/crlf.yaml")).unwrap();
    assert!(crlf.windows(2).filter(|w| w == b"\r\n").count() == 5);
    assert_positions("testdata/check-misc/crlf.yaml");
}

#[test]
fn github_commands_name_file_line_and_rule() {
    let run = common::run(
        &[
            "check",
            "--format",
            "github",
            "testdata/check/GD013/bad.yaml",
        ],
        b"",
        &[],
    );
    let text = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with(
        "::warning file=testdata/check/GD013/bad.yaml,line=4,col=1,endLine=4,endColumn=5,title=GD013 gateway-without-drain::IngressGateway edge/edge has no spec.connectionDrainDuration"
    ), "{text}");
    assert!(lines.iter().all(|l| l.contains("%0Ahelp: ")), "{text}");
}

#[test]
fn positions_are_the_same_with_lone_cr_line_breaks() {
    let cr = std::fs::read(common::testdata("check-misc/lone-cr.yaml")).unwrap();
    assert!(!cr.contains(&b'\n') && cr.iter().filter(|&&b| b == b'\r').count() >= 5);
    assert_positions("testdata/check-misc/lone-cr.yaml");
}

/// Line, column and byte offset of every reported position agree with the input, whatever
/// its line breaks (LF, CRLF, lone CR).
#[test]
fn positions_agree_with_byte_offsets() {
    for file in [
        "testdata/check-misc/non-ascii.yaml",
        "testdata/check-misc/crlf.yaml",
        "testdata/check-misc/lone-cr.yaml",
    ] {
        let text = std::fs::read_to_string(common::repo().join(file)).unwrap();
        let json = run_json("json", &[file.to_owned()]);
        for f in json["findings"].as_array().unwrap() {
            for end in ["start", "end"] {
                let p = &f["span"][end];
                let byte = p["byte"].as_u64().unwrap() as usize;
                let before = &text[..byte];
                let lines = before.matches("\r\n").count()
                    + before.matches('\n').count()
                    + before.matches('\r').count()
                    - 2 * before.matches("\r\n").count();
                let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
                let column = before[line_start..].chars().count();
                assert_eq!(
                    p["line"].as_u64().unwrap() as usize,
                    lines + 1,
                    "{file}: {f}"
                );
                assert_eq!(
                    p["column"].as_u64().unwrap() as usize,
                    column + 1,
                    "{file}: {f}"
                );
            }
        }
    }
}
