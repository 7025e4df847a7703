//! The real TSB/Istio corpus (`testdata/real/`) against a hand-written expectation file,
//! `testdata/real/expected-check.tsv`: for every file, exactly the listed rule codes (as many
//! times as listed), each with its reason. Separate from the snapshots on purpose: a changed
//! snapshot can be accepted by mistake, this list has to be edited by hand.

mod common;

use std::collections::BTreeMap;

fn expectations() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(common::testdata("real/expected-check.tsv")).unwrap();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split('\t').collect();
        let [file, code, reason] = fields.as_slice() else {
            panic!("bad line (want file<TAB>code<TAB>reason): {line:?}");
        };
        assert!(!reason.trim().is_empty(), "no reason: {line:?}");
        let codes = out.entry((*file).to_owned()).or_default();
        if *code != "-" {
            codes.push((*code).to_owned());
        }
    }
    out
}

#[test]
fn the_real_corpus_gets_exactly_the_expected_findings() {
    let expected = expectations();
    let dir = common::testdata("real");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".tmpl"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for file in &files {
        let Some(want) = expected.get(file) else {
            failures.push(format!("{file}: not in expected-check.tsv"));
            continue;
        };
        let path = format!("testdata/real/{file}");
        let run = common::run(&["check", "--format", "json", &path], b"", &[]);
        let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let mut got: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect();
        got.sort();
        let mut want = want.clone();
        want.sort();
        if got != want {
            failures.push(format!("{file}: expected {want:?}, got {got:?}"));
        }
    }
    for file in expected.keys() {
        if !files.contains(file) {
            failures.push(format!("{file}: listed but not in testdata/real"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
