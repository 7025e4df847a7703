//! The stages of `meshdrain`, one at a time, on the benchmark's Helm-style stream (the
//! generator of `examples/gen_stream.rs`, ~2 MB): `cargo bench --bench stages`.
//!
//! - `split`: the stream into document slices (`stream::split`), and with each document's
//!   lines counted (`input::documents`);
//! - `parse`: every document's bulk pass (`document::scan`), and every document's node tree;
//! - `classify`: the linter's read of every document (parse where it matters, objects and
//!   classes: `lint::read::read_document`);
//! - `edit`: one render of a single IngressGateway document (plan, edit, verify);
//! - `lint`: the check of the whole stream (serial and on every core), and the render of it;
//!   `lint_late_findings`: 2,000 findings placed once the whole input is read.

#[path = "../examples/support/stream_gen.rs"]
mod stream_gen;

use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::BytesCount;
use meshdrain::document::{Limits, Tree, scan};
use meshdrain::input::Parallelism;
use meshdrain::lint::input::{Source, Treat};
use meshdrain::lint::{self, CheckOptions};
use meshdrain::render::{RenderOptions, render};

static STREAM: LazyLock<String> = LazyLock::new(|| stream_gen::generate(2_000_000));

const GATEWAY: &str = "apiVersion: install.tetrate.io/v1alpha1\nkind: IngressGateway\nmetadata:\n  name: edge\n  namespace: edge\nspec:\n  kubeSpec:\n    service:\n      type: LoadBalancer\n";

fn main() {
    divan::main();
}

#[divan::bench]
fn split(bencher: Bencher) {
    let text = STREAM.as_str();
    bencher
        .counter(BytesCount::of_str(text))
        .bench(|| meshdrain::stream::split(divan::black_box(text.as_bytes())).len());
}

#[divan::bench]
fn split_and_count_lines(bencher: Bencher) {
    let text = STREAM.as_str();
    bencher
        .counter(BytesCount::of_str(text))
        .bench(|| meshdrain::input::documents(divan::black_box(text)).len());
}

#[divan::bench]
fn parse_bulk_pass(bencher: Bencher) {
    let docs = meshdrain::input::documents(STREAM.as_str());
    bencher
        .counter(BytesCount::of_str(STREAM.as_str()))
        .bench(|| docs.iter().filter(|d| scan(d.text).is_ok()).count());
}

#[divan::bench]
fn parse_trees(bencher: Bencher) {
    let docs = meshdrain::input::documents(STREAM.as_str());
    bencher
        .counter(BytesCount::of_str(STREAM.as_str()))
        .bench(|| docs.iter().filter(|d| Tree::parse(d.text).is_ok()).count());
}

#[divan::bench]
fn classify(bencher: Bencher) {
    let text = STREAM.as_str();
    let docs = lint::read::documents(text);
    let limits = Limits::default();
    bencher.counter(BytesCount::of_str(text)).bench(|| {
        docs.iter()
            .filter_map(|d| {
                lint::read::read_document("stream.yaml", text, d, false, &limits).parsed
            })
            .map(|p| p.resources.len() + p.embedded.len())
            .sum::<usize>()
    });
}

#[divan::bench]
fn edit_one_gateway(bencher: Bencher) {
    let options = RenderOptions::default();
    bencher.bench(|| {
        render(divan::black_box(GATEWAY.as_bytes()), &options)
            .expect("the gateway renders")
            .edits()
            .len()
    });
}

#[divan::bench(args = ["serial", "parallel"])]
fn lint(bencher: Bencher, mode: &str) {
    let options = CheckOptions {
        parallelism: match mode {
            "serial" => Parallelism::Serial,
            _ => Parallelism::Parallel,
        },
        ..CheckOptions::default()
    };
    bencher
        .counter(BytesCount::of_str(STREAM.as_str()))
        .with_inputs(|| {
            vec![Source {
                name: "stream.yaml".to_owned(),
                bytes: STREAM.as_bytes().to_vec(),
                treat: Treat::Detect,
            }]
        })
        .bench_values(|sources| lint::check(sources, &options).diagnostics.len());
}

#[divan::bench(args = ["serial", "parallel"])]
fn render_stream(bencher: Bencher, mode: &str) {
    let options = RenderOptions {
        parallelism: match mode {
            "serial" => Parallelism::Serial,
            _ => Parallelism::Parallel,
        },
        ..RenderOptions::default()
    };
    bencher
        .counter(BytesCount::of_str(STREAM.as_str()))
        .bench(|| {
            render(divan::black_box(STREAM.as_bytes()), &options)
                .expect("the stream renders")
                .edits()
                .len()
        });
}

/// A stream where every workload has a finding that waits for the whole input (GD007: the
/// namespace's injection label decides it), so each is placed by reading its document again:
/// this grows with the findings, not with their square (each input is split once).
static LATE: LazyLock<String> = LazyLock::new(|| {
    let mut text = String::from(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n",
    );
    for i in 0..2_000 {
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web-{i}, namespace: shop}}\nspec:\n  template:\n    metadata:\n      annotations:\n        proxy.istio.io/config: '{{\"terminationDrainDuration\": \"40s\"}}'\n    spec:\n      containers: [{{name: web}}]\n"
        ));
    }
    text
});

#[divan::bench]
fn lint_late_findings(bencher: Bencher) {
    let options = CheckOptions::default();
    bencher
        .counter(BytesCount::of_str(LATE.as_str()))
        .with_inputs(|| {
            vec![Source {
                name: "late.yaml".to_owned(),
                bytes: LATE.as_bytes().to_vec(),
                treat: Treat::Detect,
            }]
        })
        .bench_values(|sources| {
            let found = lint::check(sources, &options).diagnostics.len();
            assert_eq!(found, 2_000, "one GD007 per workload");
            found
        });
}
