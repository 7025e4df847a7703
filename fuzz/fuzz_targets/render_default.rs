//! `render` with the built-in policy, on raw or generated streams: errors have diagnostics and
//! are never internal (exit 3); output re-splits document for document, unedited documents are
//! byte-identical, a second render changes nothing, every gateway ends at 10s (its pods'
//! grace period overlay raised when an existing one is shorter than 10s + 5s) and every
//! ControlPlane's effective drainDuration at 50s, written values keep no foreign tag, spans
//! are sane. Through the CLI with flags from the first byte: exit 0/1/2, 1 only with
//! `--check`, errors write stderr and no stdout, the output renders to itself with the same
//! flags. Generated streams also render the same with LF, CRLF and CR line breaks and with
//! their comments removed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshdrain::render::RenderOptions;
use meshdrain_fuzz::generate::{Break, StreamKind};
use meshdrain_fuzz::oracle::{self, Expect, RenderFlags};
use meshdrain_fuzz::{decode, generate, hold};

fuzz_target!(|data: &[u8]| {
    let input = decode(data, |_| StreamKind::Manifests);
    let options = RenderOptions::default();
    let expect = Expect::default();
    hold(oracle::render_properties(&input.text, &options, expect));
    hold(oracle::render_run_properties(
        &input.text,
        &RenderFlags::from_bits(input.flags),
    ));
    if let (Some(seed), Some(stream)) = (input.seed, &input.stream) {
        let lf = stream.text_with(Break::Lf);
        for br in [Break::CrLf, Break::Cr] {
            let other = stream.text_with(br);
            hold(oracle::same_across_breaks(
                &lf,
                &other,
                |t| br.convert(t),
                &options,
                expect,
            ));
        }
        let bare = generate(seed, StreamKind::Manifests, false).text();
        hold(oracle::same_without_comments(
            &stream.text(),
            &bare,
            &options,
            expect,
        ));
    }
});
