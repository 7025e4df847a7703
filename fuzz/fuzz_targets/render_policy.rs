//! `render` with a policy from the input: raw inputs are `POLICY NUL STREAM`, generated ones a
//! generated DrainPolicy and a generated stream; bits 1 and 2 of the first byte choose the
//! Istio version (the default, 1.20, 1.21, 1.26: native sidecars sleep before 1.21). The policy
//! loader's properties hold; a policy that loads and validates is applied with
//! `render_default`'s properties, the expected values following its rules (first match, skip,
//! per-rule and global onConflict, sidecar fields; workload rules: injection, the proxy config
//! annotation and env, grace periods by shutdown path; gateways' grace period overlays).
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use meshdrain::policy::IstioVersion;
use meshdrain::policy::file::parse_file_text;
use meshdrain::render::RenderOptions;
use meshdrain_fuzz::generate::{self, StreamKind};
use meshdrain_fuzz::oracle::{self, Expect};
use meshdrain_fuzz::{Fuzz, features, hold};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (policy, stream): (Vec<u8>, Vec<u8>) = if first & 1 == 1 {
        let mut u = Unstructured::new(rest);
        let p = generate::stream(&mut Fuzz(&mut u), features(), StreamKind::Policy, true);
        let s = generate::stream(&mut Fuzz(&mut u), features(), StreamKind::Manifests, true);
        let (p, s) = (p.text().into_bytes(), s.text().into_bytes());
        meshdrain_fuzz::dump_raw((first >> 1) & 3, &[&p[..], b"\0", &s[..]].concat());
        (p, s)
    } else {
        match rest.iter().position(|&b| b == 0) {
            Some(at) => (rest[..at].to_vec(), rest[at + 1..].to_vec()),
            None => (rest.to_vec(), Vec::new()),
        }
    };
    let Ok(policy_text) = std::str::from_utf8(&policy) else {
        return;
    };
    hold(oracle::policy_load_properties(policy_text));
    let Ok(policy) = parse_file_text(policy_text, "policy.yaml") else {
        return;
    };
    let istio_version = match (first >> 1) & 3 {
        0 => IstioVersion::DEFAULT,
        1 => IstioVersion {
            major: 1,
            minor: 20,
        },
        2 => IstioVersion {
            major: 1,
            minor: 21,
        },
        _ => IstioVersion {
            major: 1,
            minor: 26,
        },
    };
    if policy.validate(istio_version).is_err() {
        return;
    }
    let options = RenderOptions {
        policy,
        istio_version,
        ..RenderOptions::default()
    };
    hold(oracle::render_properties(
        &stream,
        &options,
        Expect::default(),
    ));
});
