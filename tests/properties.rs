//! Property tests over generated Helm-style streams: untouched documents come out byte for
//! byte, a second run changes nothing, every output parses, and errors write nothing.

mod common;

use meshdrain::ExitStatus;
use meshdrain::duration::GoDuration;
use meshdrain::render::{RenderOptions, render};
use meshdrain::stream::split;
use proptest::prelude::*;

/// Layout knobs a generated document uses.
#[derive(Clone, Debug)]
struct Style {
    step: usize,
    seq_indent: usize,
}

fn style() -> impl Strategy<Value = Style> {
    (prop_oneof![Just(2usize), Just(4)], any::<bool>()).prop_map(|(step, indented)| Style {
        step,
        seq_indent: if indented { step } else { 0 },
    })
}

fn ind(s: &Style, level: usize) -> String {
    " ".repeat(s.step * level)
}

const EXISTING: &[&str] = &[
    "10s",
    "20s",
    "1m",
    "'5s'",
    "\"10000ms\"",
    "10",
    "~",
    "!!str 7s",
];
const COMMENTS: &[&str] = &[
    "",
    "# trailing comment\n",
    "# 中文注释\n",
    "  # indented comment\n",
];

/// A gateway document: install group (a target) or the config group (never touched).
fn gateway_doc() -> impl Strategy<Value = (String, bool)> {
    (
        prop_oneof![Just("IngressGateway"), Just("EgressGateway"), Just("Tier1Gateway")],
        any::<bool>(),
        0usize..8,
        0..EXISTING.len(),
        0..COMMENTS.len(),
        style(),
    )
        .prop_map(|(kind, install, spec_form, existing, comment, s)| {
            let group = if install { "install.tetrate.io/v1alpha1" } else { "gateway.tsb.tetrate.io/v2" };
            let i1 = ind(&s, 1);
            let i2 = ind(&s, 2);
            let spec = match spec_form {
                0 => String::new(),
                1 => "spec: {}\n".to_owned(),
                2 => "spec:\n".to_owned(),
                3 => format!("spec:\n{i1}kubeSpec:\n{i2}service:\n{i2}{i1}type: LoadBalancer  # lb\n"),
                4 => "spec: {a: \"on\", b: 'yes'}   # flow\n".to_owned(),
                5 => "spec: { }\n".to_owned(),
                6 => "spec: ~   # none\n".to_owned(),
                _ => format!("spec:\n{i1}connectionDrainDuration: {}\n", EXISTING[existing]),
            };
            let doc = format!(
                "apiVersion: {group}\nkind: {kind}\nmetadata:\n{i1}name: gw\n{i1}namespace: ns\n{spec}{}",
                COMMENTS[comment]
            );
            (doc, install)
        })
}

/// A ControlPlane cut off at a random level of the overlay chain.
fn controlplane_doc() -> impl Strategy<Value = (String, bool)> {
    (0usize..9, 0..EXISTING.len(), style(), 0..COMMENTS.len()).prop_map(|(depth, existing, s, comment)| {
        let i = |n| ind(&s, n);
        let dash = |n: usize| format!("{}- ", " ".repeat(s.step * n + s.seq_indent));
        let item = |n: usize| " ".repeat(s.step * n + s.seq_indent + 2);
        let mut doc = format!("apiVersion: install.tetrate.io/v1alpha1\nkind: ControlPlane\nmetadata:\n{}name: cp\n", i(1));
        let levels = ["spec:\n", "components:\n", "istio:\n", "kubeSpec:\n"];
        for (n, level) in levels.iter().enumerate().take(depth.min(4)) {
            doc.push_str(&format!("{}{level}", i(n)));
            if n == 0 {
                doc.push_str(&format!("{}hub: example.io\n", i(1)));
            }
        }
        if depth >= 5 {
            doc.push_str(&format!("{}overlays:\n", i(4)));
            doc.push_str(&format!("{}apiVersion: v1\n{}kind: Service\n{}name: x\n", dash(4), item(4), item(4)));
        }
        if depth >= 6 {
            doc.push_str(&format!(
                "{}apiVersion: install.istio.io/v1alpha1\n{}kind: IstioOperator\n{}name: tsb-istiocontrolplane\n",
                dash(4),
                item(4),
                item(4)
            ));
        }
        if depth >= 7 {
            doc.push_str(&format!("{}patches:\n", item(4)));
            let pi = s.step * 4 + s.seq_indent + 2;
            let pdash = format!("{}- ", " ".repeat(pi + s.seq_indent));
            let pitem = " ".repeat(pi + s.seq_indent + 2);
            doc.push_str(&format!("{pdash}path: spec.meshConfig.defaultConfig.holdApplicationUntilProxyStarts\n{pitem}value: true\n"));
            if depth >= 8 {
                doc.push_str(&format!(
                    "{pdash}path: spec.meshConfig.defaultConfig.drainDuration\n{pitem}value: {}\n",
                    EXISTING[existing]
                ));
            }
        }
        doc.push_str(COMMENTS[comment]);
        (doc, true)
    })
}

/// Documents meshdrain never touches, with the YAML features that break re-serialisers.
fn other_doc() -> impl Strategy<Value = (String, bool)> {
    (0usize..5, "[a-z]{1,8}", 0..COMMENTS.len()).prop_map(|(form, name, comment)| {
        let body = match form {
            0 => format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}  # name\n  labels: &l {{app: \"on\", v: '1.0'}}\nspec:\n  selector:\n    matchLabels: *l\n  template:\n    spec:\n      containers:\n      - name: c\n        args: [\"--x=1\", yes, no]\n"
            ),
            1 => format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  script: |\n    echo hi\n    # not a comment\n\n  folded: >-\n    a\n    b\n"),
            2 => "# only a comment\n".to_owned(),
            3 => String::new(),
            _ => format!("apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, annotations: {{x: \"ü\"}}}}\nspec:\n    ports:\n    -   port: 80\n"),
        };
        (format!("{body}{}", COMMENTS[comment]), false)
    })
}

#[derive(Clone, Debug)]
struct Stream {
    text: String,
    /// Each document's text (with its `---`/`# Source:` lines) and whether it is a target.
    pieces: Vec<(String, bool)>,
}

fn stream() -> impl Strategy<Value = Stream> {
    (
        prop::collection::vec(
            prop_oneof![3 => other_doc(), 2 => gateway_doc(), 1 => controlplane_doc()],
            1..8,
        ),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(docs, helm3, crlf, drop_final_newline)| {
            let mut pieces = Vec::new();
            for (n, (doc, target)) in docs.iter().enumerate() {
                let mut piece = String::new();
                if helm3 {
                    piece.push_str(&format!("---\n# Source: chart/templates/t{n}.yaml\n"));
                } else if n > 0 {
                    piece.push_str("---\n");
                }
                piece.push_str(doc);
                if crlf {
                    piece = piece.replace('\n', "\r\n");
                }
                pieces.push((piece, *target));
            }
            if drop_final_newline && let Some((last, _)) = pieces.last_mut() {
                while last.ends_with('\n') {
                    last.pop();
                    if last.ends_with('\r') {
                        last.pop();
                    }
                }
            }
            let text = pieces.iter().map(|(p, _)| p.as_str()).collect();
            Stream { text, pieces }
        })
}

fn defaults() -> RenderOptions {
    RenderOptions::default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn untouched_documents_are_byte_identical(s in stream()) {
        let rendered = render(s.text.as_bytes(), &defaults());
        prop_assert!(rendered.is_ok(), "generated streams are valid: {:?}", rendered.err());
        let Ok(rendered) = rendered else { return Ok(()) };
        // Documents are independent: the stream's output is each target rendered on its own,
        // and every other document exactly as it was.
        let mut expected = Vec::new();
        for (piece, target) in &s.pieces {
            if *target {
                let alone = render(piece.as_bytes(), &defaults());
                prop_assert!(alone.is_ok(), "a target fails alone but not in the stream");
                if let Ok(alone) = alone {
                    expected.extend(alone.to_bytes());
                }
            } else {
                expected.extend(piece.as_bytes());
            }
        }
        let output = rendered.to_bytes();
        prop_assert_eq!(String::from_utf8_lossy(&output), String::from_utf8_lossy(&expected));
    }

    #[test]
    fn a_second_run_changes_nothing(s in stream()) {
        let first = render(s.text.as_bytes(), &defaults());
        prop_assert!(first.is_ok(), "generated streams are valid: {:?}", first.err());
        let Ok(first) = first else { return Ok(()) };
        let once = first.to_bytes();
        let second = render(&once, &defaults());
        prop_assert!(second.is_ok(), "second run failed: {:?}", second.err());
        if let Ok(second) = second {
            prop_assert_eq!(&second.to_bytes(), &once);
            prop_assert_eq!(second.stats.changed, 0);
        }
    }

    #[test]
    fn every_output_parses_and_targets_are_set(s in stream()) {
        let rendered = render(s.text.as_bytes(), &defaults());
        prop_assert!(rendered.is_ok(), "generated streams are valid: {:?}", rendered.err());
        let Ok(rendered) = rendered else { return Ok(()) };
        let output = rendered.to_bytes();
        let text = std::str::from_utf8(&output).expect("UTF-8 output");
        for slice in split(&output) {
            let doc = &text[slice.range.clone()];
            let scanned = meshdrain::document::scan(doc);
            prop_assert!(scanned.is_ok(), "output does not parse: {doc}");
            let value: Result<serde_json::Value, _> = serde_yaml::from_str(doc.trim_start_matches('\u{feff}'));
            prop_assert!(value.is_ok(), "yaml_serde rejects output: {doc}");
        }
        // With the default policy every install resource ends up with the guide's values.
        for slice in split(&output) {
            let doc = &text[slice.range.clone()];
            let Ok(value) = serde_yaml::from_str::<serde_json::Value>(doc.trim_start_matches('\u{feff}')) else { continue };
            if value["apiVersion"] != "install.tetrate.io/v1alpha1" {
                continue;
            }
            let seconds = |v: &serde_json::Value| v.as_str().and_then(|s| GoDuration::parse(s).ok()).map(|d| d.nanos() / 1_000_000_000);
            if value["kind"] == "ControlPlane" {
                let overlays = value["spec"]["components"]["istio"]["kubeSpec"]["overlays"].as_array().cloned().unwrap_or_default();
                let overlay = overlays.iter().rev().find(|o| o["name"] == "tsb-istiocontrolplane");
                let patch = overlay.and_then(|o| o["patches"].as_array()).and_then(|p| {
                    p.iter().rev().find(|p| p["path"] == "spec.meshConfig.defaultConfig.drainDuration")
                });
                prop_assert_eq!(patch.and_then(|p| seconds(&p["value"])), Some(50), "{}", doc);
            } else {
                prop_assert_eq!(seconds(&value["spec"]["connectionDrainDuration"]), Some(10), "{}", doc);
            }
        }
    }

    #[test]
    fn errors_write_nothing(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let run = common::run(&[], &bytes, &[]);
        if run.status != ExitStatus::Success {
            prop_assert!(run.stdout.is_empty());
            prop_assert!(!run.stderr.is_empty());
        } else {
            prop_assert_eq!(run.stdout, bytes, "only drain fields may change, and random bytes have none");
        }
    }

    #[test]
    fn yaml_like_noise_never_panics(s in "[-a-z:{}\\[\\],'\"#&*!|>.% \n\t]{0,200}") {
        let run = common::run(&[], s.as_bytes(), &[]);
        if run.status != ExitStatus::Success {
            prop_assert!(run.stdout.is_empty());
        }
    }

    #[test]
    fn check_never_panics_and_reports_every_document_it_cannot_read(
        noise in "[-a-zA-Z0-9:{}\\[\\],'\"#&*!|>. \n]{0,160}",
        kind in prop_oneof![
            Just("install.tetrate.io/v1alpha1\nkind: ControlPlane"),
            Just("install.tetrate.io/v1alpha1\nkind: IngressGateway"),
            Just("apps/v1\nkind: Deployment"),
            Just("install.istio.io/v1alpha1\nkind: IstioOperator"),
        ],
    ) {
        let input = format!("apiVersion: {kind}\nmetadata:\n  name: g\n{noise}\n---\n{noise}");
        let lint = meshdrain::lint::check(
            vec![meshdrain::lint::input::Source {
                name: "noise.yaml".to_owned(),
                bytes: input.clone().into_bytes(),
                treat: meshdrain::lint::input::Treat::Detect,
            }],
            &meshdrain::lint::CheckOptions::default(),
        );
        // Every document the parser rejects is a GD000 finding; nothing else fails the run.
        let unreadable = meshdrain::stream::split(input.as_bytes())
            .into_iter()
            .filter(|s| meshdrain::document::scan(&input[s.range.clone()]).is_err())
            .count();
        let gd000 = lint.diagnostics.iter().filter(|d| d.code == "GD000").count();
        prop_assert_eq!(gd000, unreadable);
        for d in &lint.diagnostics {
            prop_assert!(d.origin.span.is_none() || d.origin.file.as_deref() == Some("noise.yaml"));
        }
        let text = meshdrain::report::sarif::render(&lint, &meshdrain::report::Paths::default());
        prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    }

    #[test]
    fn noise_inside_a_target_never_panics(noise in "[-a-zA-Z0-9:{}\\[\\],'\"#&*!|>. \n]{0,120}") {
        let input = format!("apiVersion: install.tetrate.io/v1alpha1\nkind: IngressGateway\nmetadata:\n  name: g\n{noise}");
        let run = common::run(&[], input.as_bytes(), &[]);
        prop_assert!(run.status == ExitStatus::Success || run.status == ExitStatus::Invalid, "{:?}: {}", run.status, run.stderr);
        if run.status != ExitStatus::Success {
            prop_assert!(run.stdout.is_empty());
        }
    }
}

/// Every generated target really gets its drain field: counted on a fixed seed corpus too.
#[test]
fn generated_gateways_get_the_default() {
    let input = "apiVersion: install.tetrate.io/v1alpha1\nkind: EgressGateway\nmetadata:\n    name: gw\nspec:\n    connectionDrainDuration: ~\n";
    let out = render(input.as_bytes(), &defaults())
        .expect("renders")
        .to_bytes();
    assert_eq!(String::from_utf8_lossy(&out), input.replace("~", "10s"));
}
