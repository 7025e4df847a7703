//! Parallel and serial runs agree byte for byte. Renders: the output, every summary line with
//! its position, the stats, and the errors (codes, messages and positions), on the whole
//! fixture matrix and on generated streams (the benchmark's Helm-style stream, the fuzz
//! generator's structure-aware streams, both with workload rules). Checks: every finding with
//! its position, the notes and the counts, on every check fixture (alone, all at once, as one
//! stream) and on generated streams in which the rules that compare documents fire (as one
//! stream and as many files).

#[allow(dead_code)]
#[path = "../fuzz/src/generate.rs"]
mod generate;
#[allow(dead_code)]
#[path = "../examples/support/stream_gen.rs"]
mod stream_gen;

mod common;

use meshdrain::policy::DrainPolicy;
use meshdrain::render::{Parallelism, RenderOptions, render};

/// What a render gave, in a comparable form.
fn outcome(input: &[u8], options: &RenderOptions) -> String {
    match render(input, options) {
        Ok(r) => format!(
            "ok {:?}\n{}\n{:#?}",
            r.stats,
            String::from_utf8_lossy(&r.to_bytes()),
            r.summary
        ),
        Err(f) => format!("failed {:?}\n{:#?}", f.kind, f.diagnostics),
    }
}

fn both(input: &[u8], options: &RenderOptions, what: &str) {
    let serial = outcome(
        input,
        &RenderOptions {
            parallelism: Parallelism::Serial,
            ..options.clone()
        },
    );
    let parallel = outcome(
        input,
        &RenderOptions {
            parallelism: Parallelism::Parallel,
            ..options.clone()
        },
    );
    assert!(
        serial == parallel,
        "{what}: serial and parallel renders differ"
    );
}

/// Without the summary (`RenderOptions::summary` off, as a post-renderer run without `-v`)
/// the output, stats and errors are the same, and there is no summary.
fn without_summary(input: &[u8], options: &RenderOptions, what: &str) {
    let with = render(input, options);
    let without = render(
        input,
        &RenderOptions {
            summary: false,
            ..options.clone()
        },
    );
    match (with, without) {
        (Ok(with), Ok(without)) => {
            assert!(without.summary.is_empty(), "{what}: a summary was kept");
            assert_eq!(with.stats, without.stats, "{what}: stats");
            assert!(with.to_bytes() == without.to_bytes(), "{what}: output");
        }
        (Err(with), Err(without)) => assert_eq!(
            format!("{:?} {:#?}", with.kind, with.diagnostics),
            format!("{:?} {:#?}", without.kind, without.diagnostics),
            "{what}: errors"
        ),
        _ => panic!("{what}: one render failed, the other did not"),
    }
}

fn policy(path: &str) -> DrainPolicy {
    let text = std::fs::read_to_string(common::repo().join(path)).expect("read policy");
    meshdrain::policy::file::parse_file_text(&text, path).expect("a valid policy")
}

#[test]
fn the_fixture_matrix() {
    let policies = [
        DrainPolicy::default(),
        policy("testdata/render/policies/workloads.yaml"),
        policy("examples/policies/drain-that-holds.yaml"),
    ];
    let mut n = 0;
    for path in common::files_ending(&common::testdata("render"), ".in.yaml") {
        let input = std::fs::read(&path).expect("read fixture");
        // Each fixture as a stream of its own and three times over (several documents, some
        // edited, some failing, in one stream).
        let tripled = [input.as_slice(), b"\n---\n", &input, b"\n---\n", &input].concat();
        for p in &policies {
            let options = RenderOptions {
                policy: p.clone(),
                ..RenderOptions::default()
            };
            both(&input, &options, &path.display().to_string());
            both(&tripled, &options, &format!("{} (tripled)", path.display()));
            n += 1;
        }
    }
    assert!(n > 100, "only {n} runs");
}

#[test]
fn generated_streams() {
    let text = stream_gen::generate(1_000_000);
    let options = RenderOptions {
        policy: policy("examples/policies/drain-that-holds.yaml"),
        ..RenderOptions::default()
    };
    both(
        text.as_bytes(),
        &options,
        "the benchmark stream with workload rules",
    );
    without_summary(
        text.as_bytes(),
        &options,
        "the benchmark stream with workload rules",
    );
    both(
        text.as_bytes(),
        &RenderOptions::default(),
        "the benchmark stream",
    );
    for seed in 0..100u32 {
        let values: Vec<u32> = (0..400)
            .map(|i| seed.wrapping_mul(2654435761).wrapping_add(i * 40503))
            .collect();
        let s = generate::stream(
            &mut generate::Replay::new(values),
            generate::Features::ALL,
            generate::StreamKind::Manifests,
            true,
        )
        .text();
        both(s.as_bytes(), &options, &format!("generated stream {seed}"));
        without_summary(s.as_bytes(), &options, &format!("generated stream {seed}"));
    }
}

// ---- check ------------------------------------------------------------------------------

use meshdrain::lint::input::{Source, Treat};
use meshdrain::lint::{CheckOptions, DrainModel};

/// What a check gave, in a comparable form (findings with positions, notes, counts).
fn check_outcome(sources: &[Source], options: &CheckOptions) -> String {
    format!("{:#?}", meshdrain::lint::check(sources.to_vec(), options))
}

fn check_both(sources: &[Source], options: &CheckOptions, what: &str) {
    let serial = check_outcome(
        sources,
        &CheckOptions {
            parallelism: Parallelism::Serial,
            ..options.clone()
        },
    );
    let parallel = check_outcome(
        sources,
        &CheckOptions {
            parallelism: Parallelism::Parallel,
            ..options.clone()
        },
    );
    assert!(
        serial == parallel,
        "{what}: serial and parallel checks differ"
    );
}

fn source(name: &str, bytes: Vec<u8>) -> Source {
    Source {
        name: name.to_owned(),
        bytes,
        treat: Treat::Detect,
    }
}

/// The check options the rules differ by.
fn check_options() -> Vec<CheckOptions> {
    let version = |v: &str| v.parse().expect("a version");
    vec![
        CheckOptions::default(),
        CheckOptions {
            istio_version: version("1.16"),
            drain_model: DrainModel::Guide,
            no_ignores: true,
            ..CheckOptions::default()
        },
        CheckOptions {
            istio_version: version("1.22"),
            native_sidecars: true,
            ..CheckOptions::default()
        },
    ]
}

#[test]
fn check_fixtures_alone_together_and_as_one_stream() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read a fixture folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "tmpl")
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for dir in ["check", "check-misc", "real"] {
        walk(&common::testdata(dir), &mut files);
    }
    assert!(files.len() > 80, "only {} fixtures", files.len());
    let sources: Vec<Source> = files
        .iter()
        .map(|p| {
            source(
                &p.display().to_string(),
                std::fs::read(p).expect("read fixture"),
            )
        })
        .collect();
    let stream: Vec<u8> = sources
        .iter()
        .flat_map(|s| [s.bytes.as_slice(), b"\n---\n"].concat())
        .collect();
    for options in check_options() {
        for s in &sources {
            check_both(std::slice::from_ref(s), &options, &s.name);
        }
        check_both(&sources, &options, "every fixture at once");
        check_both(
            &[source("stream.yaml", stream.clone())],
            &options,
            "every fixture in one stream",
        );
    }
}

/// A stream in which the rules that compare documents fire: workloads whose namespaces'
/// labels and mesh settings (a global proxy.lifecycle, a long terminationDrainDuration) come
/// later, gateways with differing drains and Deployments of their names, suppressions.
fn cross_document_stream(seed: u64, workloads: usize) -> String {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut pick = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let configs = [
        r#"{"holdApplicationUntilProxyStarts": true}"#,
        r#"{"terminationDrainDuration": "45s"}"#,
        r#"{"drainDuration": "70s"}"#,
        r#"{"proxyMetadata": {"EXIT_ON_ZERO_ACTIVE_CONNECTIONS": "true"}}"#,
        r#"{"drainDuration": "50s", "parentShutdownDuration": "40s"}"#,
    ];
    let graces = [
        "",
        "      terminationGracePeriodSeconds: 10\n",
        "      terminationGracePeriodSeconds: 60\n",
        "      terminationGracePeriodSeconds: x\n",
    ];
    let mut out = String::new();
    for i in 0..workloads {
        let ns = format!("ns-{}", pick(5));
        let config = configs[pick(configs.len())];
        let ignore = if pick(10) == 0 {
            "\n        meshdrain.io/ignore: \"GD007,GD021\""
        } else {
            ""
        };
        let inject = if pick(2) == 0 {
            "sidecar.istio.io/inject: \"true\""
        } else {
            "app: x"
        };
        let native = if pick(10) == 0 {
            "      initContainers:\n      - name: istio-proxy\n        restartPolicy: Always\n        lifecycle: {preStop: {exec: {command: [pilot-agent, request, POST, drain]}}}\n"
        } else {
            ""
        };
        let sleep = if pick(5) == 0 {
            "\n        lifecycle: {preStop: {sleep: {seconds: 20}}}"
        } else {
            ""
        };
        out.push_str(&format!(
            "---\n# Source: app/templates/dep-{i}.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  namespace: {ns}\nspec:\n  template:\n    metadata:\n      labels: {{{inject}}}\n      annotations:\n        proxy.istio.io/config: '{config}'{ignore}\n    spec:\n{}{native}      containers:\n      - name: app{sleep}\n",
            graces[pick(graces.len())]
        ));
        if pick(20) == 0 {
            let drain = ["10s", "30s", "20s", "1m", "10"][pick(5)];
            out.push_str(&format!("---\napiVersion: install.tetrate.io/v1alpha1\nkind: IngressGateway\nmetadata:\n  name: app-{i}\n  namespace: {ns}\nspec:\n  connectionDrainDuration: {drain}\n"));
        }
        if pick(30) == 0 {
            let label = ["enabled", "disabled"][pick(2)];
            out.push_str(&format!("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{}\n  labels: {{istio-injection: {label}}}\n", pick(5)));
        }
    }
    for k in 0..1 + pick(2) {
        let tdd = ["35s", "60s", "20s"][pick(3)];
        let lifecycle = if pick(2) == 0 {
            "\n          - path: spec.values.global.proxy.lifecycle\n            value: {preStop: {exec: {command: [sleep, '5']}}}"
        } else {
            ""
        };
        out.push_str(&format!("---\napiVersion: install.tetrate.io/v1alpha1\nkind: ControlPlane\nmetadata: {{name: cp-{k}, namespace: istio-system}}\nspec:\n  components:\n    istio:\n      kubeSpec:\n        overlays:\n        - apiVersion: install.istio.io/v1alpha1\n          kind: IstioOperator\n          name: tsb-istiocontrolplane\n          patches:\n          - path: spec.meshConfig.defaultConfig.terminationDrainDuration\n            value: {tdd}\n          - path: spec.meshConfig.defaultConfig.drainDuration\n            value: 50s{lifecycle}\n"));
    }
    out
}

#[test]
fn check_generated_streams() {
    let bench = stream_gen::generate(400_000);
    for options in check_options() {
        check_both(
            &[source("bench.yaml", bench.clone().into_bytes())],
            &options,
            "the benchmark stream",
        );
        for seed in 0..4 {
            let text = cross_document_stream(seed, 300);
            check_both(
                &[source("cross.yaml", text.clone().into_bytes())],
                &options,
                &format!("cross-document stream {seed}"),
            );
            // The same documents as many files.
            let files: Vec<Source> = text
                .split("\n---\n")
                .enumerate()
                .map(|(i, d)| source(&format!("f{i}.yaml"), d.as_bytes().to_vec()))
                .collect();
            check_both(
                &files,
                &options,
                &format!("cross-document stream {seed} as files"),
            );
        }
    }
    // The rules that compare documents do fire on these streams.
    let report = meshdrain::lint::check(
        vec![source(
            "cross.yaml",
            cross_document_stream(1, 400).into_bytes(),
        )],
        &CheckOptions::default(),
    );
    let codes: std::collections::BTreeSet<&str> =
        report.diagnostics.iter().map(|d| d.code_str()).collect();
    for code in ["GD005", "GD007", "GD014", "GD015", "GD020", "GD021"] {
        assert!(codes.contains(code), "{code} not found in {codes:?}");
    }
}

// ---- through the binary ---------------------------------------------------------------------

/// `--threads 1` (the calling thread only) and `--threads 2` give what the default run gives:
/// render's output and stderr, and check's findings, on a stream large enough to be spread.
#[test]
fn threads_flag_changes_nothing_but_the_threads() {
    let stream = stream_gen::generate(600_000);
    assert!(stream.len() >= meshdrain::input::PARALLEL_FROM_BYTES);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stream.yaml");
    std::fs::write(&file, &stream).unwrap();
    let file = file.to_str().unwrap();
    let run = |args: &[&str], stdin: &[u8]| {
        let out = assert_cmd::Command::cargo_bin("meshdrain")
            .unwrap()
            .args(args)
            .write_stdin(stdin.to_vec())
            .output()
            .unwrap();
        (out.status.code(), out.stdout, out.stderr)
    };
    let render = run(&["-v"], stream.as_bytes());
    assert_eq!(render.0, Some(0));
    assert_ne!(render.1, stream.as_bytes(), "the stream has drains to add");
    let check = run(&["check", "--format", "json", file], b"");
    assert!(check.1.len() > 100, "check found something to report");
    for threads in ["1", "2"] {
        assert_eq!(
            run(&["-v", "--threads", threads], stream.as_bytes()),
            render,
            "render --threads {threads}"
        );
        assert_eq!(
            run(
                &["check", "--format", "json", "--threads", threads, file],
                b""
            ),
            check,
            "check --threads {threads}"
        );
    }
    let zero = run(&["--threads", "0"], b"");
    assert_eq!(zero.0, Some(2), "--threads 0 is a usage error");
}
