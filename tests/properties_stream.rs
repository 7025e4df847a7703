//! Property tests over structure-aware streams (the fuzz targets' generator, `fuzz/src/generate.rs`,
//! fed by proptest): explicit keys, tags, anchors and aliases, flow and block styles, comments,
//! line-break kinds, BOM, tabs, markers. Each property is the fuzz targets' own check
//! (`fuzz/src/oracle.rs`): output re-splits document for document, unedited documents are
//! byte-identical, a second render changes nothing, every target gets the policy's value,
//! errors write nothing, never exit 3.
//!
//! The `areas` module holds one property per input family that once broke the editor (issue 7:
//! lone CRs, NEL/LS/PS, valueless explicit keys, tags, aliased paths, `!!set`, KRM Lists,
//! `--max-depth`, error positions after an earlier edit).

#[allow(dead_code)]
#[path = "../fuzz/src/generate.rs"]
mod generate;
#[allow(dead_code)]
#[path = "../fuzz/src/oracle.rs"]
mod oracle;

use generate::{Break, Features, Replay, StreamKind};
use meshdrain::render::RenderOptions;
use oracle::{Expect, RenderFlags};
use proptest::prelude::*;

/// The generator's choices. Its Debug output is short: a failure message shows the generated
/// text, which is what matters.
#[derive(Clone)]
struct Seed(Vec<u32>);

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Seed({} choices)", self.0.len())
    }
}

impl std::ops::Deref for Seed {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        &self.0
    }
}

fn choices() -> impl Strategy<Value = Seed> {
    prop::collection::vec(any::<u32>(), 0..700).prop_map(Seed)
}

fn stream(values: &[u32], f: Features, kind: StreamKind, comments: bool) -> generate::Stream {
    generate::stream(&mut Replay::new(values.to_vec()), f, kind, comments)
}

/// The promises on one generated manifest stream with `f`'s features.
fn promises(values: &[u32], f: Features, flags: u8, expect: Expect) -> Result<(), String> {
    let s = stream(values, f, StreamKind::Manifests, true);
    let text = s.text();
    let options = RenderOptions::default();
    oracle::render_properties(text.as_bytes(), &options, expect)?;
    oracle::render_run_properties(text.as_bytes(), &RenderFlags::from_bits(flags & 0x4f))?;
    let lf = s.text_with(Break::Lf);
    let crlf = s.text_with(Break::CrLf);
    oracle::same_across_breaks(&lf, &crlf, |t| Break::CrLf.convert(t), &options, expect)?;
    if f.lone_cr {
        let cr = s.text_with(Break::Cr);
        oracle::same_across_breaks(&lf, &cr, |t| Break::Cr.convert(t), &options, expect)?;
    }
    let bare = stream(values, f, StreamKind::Manifests, false).text();
    oracle::same_without_comments(&text, &bare, &options, expect)
}

/// A generated DrainPolicy, loaded and applied to a generated stream.
fn policy_promises(policy_values: &[u32], values: &[u32], f: Features) -> Result<(), String> {
    let policy_text = stream(policy_values, f, StreamKind::Policy, true).text();
    oracle::policy_load_properties(&policy_text)?;
    let Ok(policy) = meshdrain::policy::file::parse_file_text(&policy_text, "policy.yaml") else {
        return Ok(());
    };
    if policy
        .validate(meshdrain::policy::IstioVersion::DEFAULT)
        .is_err()
    {
        return Ok(());
    }
    let options = RenderOptions {
        policy,
        ..RenderOptions::default()
    };
    let text = stream(values, f, StreamKind::Manifests, true).text();
    oracle::render_properties(text.as_bytes(), &options, Expect::default()).map(|_| ())
}

fn krm_promises(values: &[u32], f: Features) -> Result<(), String> {
    let text = stream(values, f, StreamKind::ResourceList, true).text();
    oracle::krm_properties(text.as_bytes())
}

macro_rules! property {
    ($cases:expr, $($name:ident($($arg:ident in $strategy:expr),*) $body:block)*) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: $cases, failure_persistence: None, ..ProptestConfig::default() })]
            $(
                #[test]
                fn $name($($arg in $strategy),*) {
                    let result: Result<(), String> = $body;
                    if let Err(e) = result {
                        return Err(TestCaseError::fail(e));
                    }
                }
            )*
        }
    };
}

property! { 160,
    streams_keep_the_promises(values in choices(), flags in any::<u8>()) {
        promises(&values, Features::SAFE, flags, Expect::default())
    }
    policies_are_applied_as_written(p in choices(), values in choices()) {
        policy_promises(&p, &values, Features::SAFE)
    }
    krm_functions_keep_the_promises(values in choices()) {
        krm_promises(&values, Features::SAFE)
    }
    check_reports_are_consistent(values in choices(), fail_on in 0usize..3) {
        let text = stream(&values, Features::SAFE, StreamKind::Manifests, true).text();
        oracle::check_properties(text.as_bytes(), ["error", "warning", "info"][fail_on])
    }
}

/// Known bugs being fixed on main (issue 7): each property enters one area.
mod areas {
    use super::*;

    fn with(change: impl Fn(&mut Features)) -> Features {
        let mut f = Features::SAFE;
        change(&mut f);
        f
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn lone_cr_line_breaks(values in choices(), flags in any::<u8>()) {
            promises(&values, with(|f| f.lone_cr = true), flags, Expect::default()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn unicode_line_separators(values in choices(), flags in any::<u8>()) {
            promises(&values, with(|f| f.unicode_breaks = true), flags, Expect::default()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn valueless_explicit_keys(values in choices(), flags in any::<u8>()) {
            promises(&values, with(|f| f.bare_explicit_key = true), flags, Expect::default()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn tagged_drain_values(values in choices(), flags in any::<u8>()) {
            promises(&values, with(|f| f.foreign_tags_on_drain = true), flags, Expect::default()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn aliased_patch_paths(values in choices(), flags in any::<u8>()) {
            promises(&values, with(|f| f.aliased_patch_paths = true), flags, Expect::default()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn set_specs(values in choices(), flags in any::<u8>()) {
            promises(&values, with(|f| f.set_spec = true), flags, Expect::default()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn krm_list_items(values in choices()) {
            krm_promises(&values, with(|f| f.lists_in_resource_lists = true)).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn krm_on_manifests(values in choices()) {
            let text = stream(&values, Features::SAFE, StreamKind::Manifests, true).text();
            oracle::krm_properties(text.as_bytes()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn small_max_depth(values in choices(), flags in any::<u8>()) {
            let text = stream(&values, Features::SAFE, StreamKind::Manifests, true).text();
            let flags = RenderFlags { max_depth: Some(5), ..RenderFlags::from_bits(flags & 0x0f) };
            oracle::render_run_properties(text.as_bytes(), &flags).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn error_positions_lie_in_the_input(values in choices(), flags in any::<u8>()) {
            promises(&values, Features::SAFE, flags, Expect::default()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn everything(values in choices(), flags in any::<u8>()) {
            promises(&values, Features::ALL, flags, Expect::default()).map_err(TestCaseError::fail)?;
            krm_promises(&values, Features::ALL).map_err(TestCaseError::fail)?;
        }
    }
}

/// A deterministic sample: the generator writes YAML the parser accepts, and most streams
/// render (a generator that only made errors would test nothing).
#[test]
fn the_generator_makes_valid_mostly_renderable_streams() {
    let mut seed = 0x2545_f491_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 16) as u32
    };
    let (mut ok, mut total) = (0, 0);
    for _ in 0..300 {
        let values: Vec<u32> = (0..500).map(|_| next()).collect();
        let text = stream(&values, Features::SAFE, StreamKind::Manifests, true).text();
        total += 1;
        match meshdrain::render::render(text.as_bytes(), &RenderOptions::default()) {
            Ok(_) => ok += 1,
            Err(f) => {
                for d in &f.diagnostics {
                    assert!(
                        d.code != "yaml-syntax",
                        "the generator wrote invalid YAML:\n{text}\n{}",
                        d.render_text()
                    );
                }
            }
        }
    }
    assert!(
        ok * 2 >= total,
        "only {ok} of {total} generated streams render"
    );
}

/// Prints a few generated streams (`cargo test --test properties_stream -- --ignored --nocapture show`).
#[test]
#[ignore = "prints samples for a human"]
fn show_samples() {
    for seed in 0..6u32 {
        let values: Vec<u32> = (0..500u32)
            .map(|i| {
                i.wrapping_mul(2_654_435_761)
                    .wrapping_add(seed.wrapping_mul(40_503))
                    >> 7
            })
            .collect();
        let s = stream(&values, Features::ALL, StreamKind::Manifests, true);
        println!(
            "==== sample {seed}\n{}",
            s.text().escape_debug().to_string().replace("\\n", "\n")
        );
    }
}
