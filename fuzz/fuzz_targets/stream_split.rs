//! `stream::split` on any bytes: contiguous slices, non-empty unless the input is, whose
//! concatenation is the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshdrain_fuzz::{hold, oracle};

fuzz_target!(|data: &[u8]| {
    hold(oracle::split_properties(data));
});
