//! In-process throughput of `meshdrain` against its baseline, on a ~2 MB Helm-3-style stream
//! (the generator of `examples/gen_stream.rs`):
//!
//! - `bare_saphyr_parse`: one saphyr-parser event pass over the whole stream, building nothing;
//! - `meshdrain_render`: `render` with the default options, then the output bytes;
//! - `meshdrain_check`: the linter (`meshdrain check`) with the default options.
//!
//! Run with `cargo bench --bench render`; the ratio to the bare parse is each one's overhead.

#[path = "../examples/support/stream_gen.rs"]
mod stream_gen;

use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::BytesCount;
use meshdrain::lint::{self, CheckOptions, input::Source, input::Treat};
use meshdrain::render::{RenderOptions, render};
use saphyr_parser::{Event, Parser};

const STREAM_BYTES: usize = 2_000_000;

static STREAM: LazyLock<String> = LazyLock::new(|| stream_gen::generate(STREAM_BYTES));

fn main() {
    // Fail loudly, before timing anything, if the stream is not what the benchmarks assume.
    let rendered =
        render(STREAM.as_bytes(), &RenderOptions::default()).expect("the generated stream renders");
    let out = String::from_utf8(rendered.to_bytes()).expect("the output is UTF-8");
    assert_eq!(
        out.matches("connectionDrainDuration:").count(),
        stream_gen::GATEWAYS,
        "every generated install gateway gets connectionDrainDuration"
    );
    divan::main();
}

fn event_count(text: &str) -> usize {
    let mut parser = Parser::new_from_str(text);
    let mut events = 0;
    while let Some(next) = parser.next_event() {
        let (event, _span) = next.expect("the generated stream parses");
        events += 1;
        if matches!(event, Event::StreamEnd) {
            break;
        }
    }
    events
}

#[divan::bench(sample_count = 30)]
fn bare_saphyr_parse(bencher: Bencher) {
    let text = STREAM.as_str();
    bencher
        .counter(BytesCount::of_str(text))
        .bench(|| event_count(divan::black_box(text)));
}

#[divan::bench(sample_count = 30)]
fn meshdrain_render(bencher: Bencher) {
    let input = STREAM.as_bytes();
    let options = RenderOptions::default();
    bencher.counter(BytesCount::of_slice(input)).bench(|| {
        render(divan::black_box(input), &options)
            .expect("the generated stream renders")
            .to_bytes()
    });
}

#[divan::bench(sample_count = 30)]
fn meshdrain_check(bencher: Bencher) {
    let options = CheckOptions::default();
    bencher
        .counter(BytesCount::of_str(STREAM.as_str()))
        .with_inputs(|| {
            vec![Source {
                name: "stream.yaml".to_owned(),
                bytes: STREAM.as_bytes().to_vec(),
                treat: Treat::Detect,
            }]
        })
        .bench_values(|sources| {
            lint::check(divan::black_box(sources), &options)
                .diagnostics
                .len()
        });
}
