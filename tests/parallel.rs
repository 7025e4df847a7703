//! Parallel and serial renders agree byte for byte: the output, every summary line with its
//! position, the stats, and the errors (codes, messages and positions), on the whole fixture
//! matrix and on generated streams (the benchmark's Helm-style stream, the fuzz generator's
//! structure-aware streams, both with workload rules).

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
    }
}
