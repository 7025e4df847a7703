//! `meshdrain check - --format F --fail-on X` for every format, on raw or generated streams
//! (ResourceLists too): exit 0, 1 or 2 (never 3) and the same for every format; JSON and SARIF
//! parse; the JSON summary counts its findings and `failed` is right; exit 1 exactly when a
//! finding is at or above `--fail-on`; SARIF and GitHub output have one entry per finding;
//! spans lie inside the input; exit 2 explains on stderr and writes no stdout.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshdrain_fuzz::generate::StreamKind;
use meshdrain_fuzz::{decode, hold, oracle};

fuzz_target!(|data: &[u8]| {
    let input = decode(data, |flags| {
        if flags & 8 != 0 {
            StreamKind::ResourceList
        } else {
            StreamKind::Manifests
        }
    });
    let fail_on = ["error", "warning", "info"][usize::from(input.flags & 3) % 3];
    hold(oracle::check_properties(&input.text, fail_on));
});
