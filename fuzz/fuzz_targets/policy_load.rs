//! The DrainPolicy loader (`policy::file::parse_file_text`) on raw or generated text: a policy
//! or error diagnostics, every position inside the text; a loaded policy describes and
//! validates without panicking. The CLI's `policy --check` is the same loader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshdrain_fuzz::generate::StreamKind;
use meshdrain_fuzz::{decode, hold, oracle};

fuzz_target!(|data: &[u8]| {
    let input = decode(data, |_| StreamKind::Policy);
    if let Ok(text) = std::str::from_utf8(&input.text) {
        hold(oracle::policy_load_properties(text));
    }
});
