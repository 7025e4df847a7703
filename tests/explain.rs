//! `meshdrain explain --resource`: every shutdown path in every format. Text and JSON are
//! insta snapshots; the SVG must parse as XML, carry the figures (SIGKILL at the grace
//! period, the cut-short marks) and is snapshotted too.

mod common;

use meshdrain::ExitStatus;

const FILE: &str = "testdata/explain/shop.yaml";

fn explain(resource: &str, format: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "explain",
        "--resource",
        resource,
        "--format",
        format,
        "--istio-version",
        "1.22",
    ];
    args.extend_from_slice(extra);
    args.push(FILE);
    let run = common::run(&args, b"", &[]);
    assert_eq!(
        run.status,
        ExitStatus::Success,
        "{resource}: {}",
        run.stderr
    );
    String::from_utf8(run.stdout).expect("UTF-8")
}

const RESOURCES: [(&str, &str); 5] = [
    ("classic-cut-short", "Deployment/shop/web"),
    ("classic-holds", "StatefulSet/shop/db"),
    ("exit-on-zero", "Deployment/shop/exit"),
    ("native", "Pod/shop/native"),
    ("gateway", "IngressGateway/shop/edge"),
];

#[test]
fn text_and_json_for_every_path() {
    let settings = common::insta_settings();
    for (name, resource) in RESOURCES {
        let text = explain(resource, "text", &[]);
        let json = explain(resource, "json", &[]);
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(parsed["version"], 1, "{name}");
        assert!(parsed["timeline"]["events"].is_array(), "{name}");
        settings.bind(|| {
            insta::assert_snapshot!(format!("explain__{name}.txt"), text);
            insta::assert_snapshot!(format!("explain__{name}.json"), json);
        });
    }
}

#[test]
fn cut_short_is_where_the_model_says() {
    let cut = |resource: &str| -> usize {
        let json: serde_json::Value =
            serde_json::from_str(&explain(resource, "json", &[])).expect("JSON");
        json["timeline"]["cutShort"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(cut("Deployment/shop/web"), 1);
    assert_eq!(cut("StatefulSet/shop/db"), 0);
    assert_eq!(cut("Deployment/shop/exit"), 1);
    assert_eq!(cut("Pod/shop/native"), 0);
    assert_eq!(cut("IngressGateway/shop/edge"), 1);
}

#[test]
fn svg_parses_and_carries_the_figures() {
    let settings = common::insta_settings();
    for (name, resource) in RESOURCES {
        let svg = explain(resource, "svg", &[]);
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{name}: the SVG is not XML: {e}\n{svg}"));
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert!(
            texts.iter().any(|t| t.starts_with("SIGKILL ")),
            "{name}: {texts:?}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&explain(resource, "json", &[])).expect("JSON");
        let cuts = json["timeline"]["cutShort"].as_array().map_or(0, Vec::len);
        let marks = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("cut-short"))
            .count();
        assert_eq!(marks, cuts, "{name}: one mark per cut");
        let grace = json["timeline"]["gracePeriodSeconds"]
            .as_f64()
            .unwrap_or(0.0);
        assert!(
            texts.contains(&format!("SIGKILL {grace}s").replace(".0s", "s").as_str()),
            "{name}: {texts:?}"
        );
        settings.bind(|| insta::assert_snapshot!(format!("explain__{name}.svg"), svg));
    }
}

#[test]
fn the_policy_s_rule_and_usage_errors() {
    let text = explain(
        "Deployment/shop/web",
        "text",
        &["--policy", "examples/policies/drain-that-holds.yaml"],
    );
    assert!(
        text.contains("workload rule 1 (every workload) sets terminationDrainDuration 25s"),
        "{text}"
    );
    for (args, message) in [
        (
            vec!["explain", "--resource", "Deployment/shop/nope", FILE],
            "no Deployment shop/nope in the input",
        ),
        (
            vec!["explain", "--resource", "Deployment", FILE],
            "is not KIND/NAMESPACE/NAME",
        ),
        (
            vec!["explain", "--resource", "Namespace/shop", FILE],
            "neither a workload nor a TSB gateway",
        ),
        (
            vec!["explain", "--resource", "Deployment/shop/web"],
            "needs the manifests",
        ),
        (vec!["explain", "GD007", "GD015"], "takes one rule code"),
    ] {
        let run = common::run(&args, b"", &[]);
        assert_eq!(run.status, ExitStatus::Invalid, "{args:?}");
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
}
