//! `meshdrain --mode krm` on raw bytes, generated ResourceLists (with DrainPolicy or kpt
//! ConfigMap functionConfigs, existing results, `v1 List` items) and generated non-ResourceList
//! streams: exit 0 or 2 (never 3); non-zero exits write stderr; the output is one ResourceList
//! (none only when the input is no readable ResourceList); exit 0 has no error results and
//! every target item at the policy's value (workloads and gateways' grace periods as in
//! `render_policy`); exit 2 returns the items unchanged with an error result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshdrain_fuzz::generate::StreamKind;
use meshdrain_fuzz::{decode, hold, oracle};

fuzz_target!(|data: &[u8]| {
    let input = decode(data, |flags| {
        if flags & 7 == 7 {
            StreamKind::Manifests
        } else {
            StreamKind::ResourceList
        }
    });
    hold(oracle::krm_properties(&input.text));
});
