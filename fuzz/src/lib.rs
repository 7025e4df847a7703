//! Shared by the fuzz targets: the structure-aware generator ([`generate`]), the properties
//! ([`oracle`]) and how a fuzz input is read ([`decode`]).
//!
//! A fuzz input's first byte chooses: bit 0 set, the rest is the generator's choices
//! (structure-aware); clear, the rest is the input itself (raw bytes, as the seeds from
//! `testdata/` are). The other bits are flags the targets read (`Input::flags`).

pub mod generate;
pub mod oracle;

use arbitrary::Unstructured;
use generate::{Choices, Features, Stream, StreamKind};

/// libFuzzer's bytes as the generator's choices.
pub struct Fuzz<'a, 'b>(pub &'b mut Unstructured<'a>);

impl Choices for Fuzz<'_, '_> {
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.0.int_in_range(0..=n - 1).unwrap_or(0)
    }
}

/// A decoded fuzz input.
pub struct Input<'a> {
    /// The bytes to feed meshdrain.
    pub text: Vec<u8>,
    /// The flag bits of the first byte (bit 0 removed).
    pub flags: u8,
    /// The generator's choices, when the input is generated.
    pub seed: Option<&'a [u8]>,
    /// The generated stream.
    pub stream: Option<Stream>,
}

/// What the generator may produce: everything but the open findings ([`Features::ALL`]); with
/// `MESHDRAIN_FUZZ_FEATURES=safe` only what no known bug touches ([`Features::SAFE`]), to look
/// past the known bugs while they are open; with `MESHDRAIN_FUZZ_FEATURES=findings` the open
/// findings too ([`Features::FINDINGS`]), to reproduce them.
pub fn features() -> Features {
    static FEATURES: std::sync::OnceLock<Features> = std::sync::OnceLock::new();
    *FEATURES.get_or_init(
        || match std::env::var("MESHDRAIN_FUZZ_FEATURES").as_deref() {
            Ok("safe") => Features::SAFE,
            Ok("findings") => Features::FINDINGS,
            _ => Features::ALL,
        },
    )
}

/// Generates a stream from `seed` (with or without comments: the same choices either way).
pub fn generate(seed: &[u8], kind: StreamKind, comments: bool) -> Stream {
    let mut u = Unstructured::new(seed);
    generate::stream(&mut Fuzz(&mut u), features(), kind, comments)
}

/// Reads a fuzz input; `kind` picks what to generate from the flags.
pub fn decode(data: &[u8], kind: impl Fn(u8) -> StreamKind) -> Input<'_> {
    let Some((&first, rest)) = data.split_first() else {
        return Input {
            text: Vec::new(),
            flags: 0,
            seed: None,
            stream: None,
        };
    };
    let flags = first >> 1;
    if first & 1 == 0 {
        return Input {
            text: rest.to_vec(),
            flags,
            seed: None,
            stream: None,
        };
    }
    let stream = generate(rest, kind(flags), true);
    dump_raw(flags, stream.text().as_bytes());
    Input {
        text: stream.text().into_bytes(),
        flags,
        seed: Some(rest),
        stream: Some(stream),
    }
}

/// With `MESHDRAIN_FUZZ_DUMP=FILE`, writes the raw-mode input that stands for a generated one
/// (flags byte, then the text): a reproducer that needs neither the generator nor its settings.
pub fn dump_raw(flags: u8, text: &[u8]) {
    if let Ok(path) = std::env::var("MESHDRAIN_FUZZ_DUMP") {
        let mut raw = vec![flags << 1];
        raw.extend_from_slice(text);
        let _ = std::fs::write(path, raw);
    }
}

/// Fails the fuzz run with the property's description.
pub fn hold<T>(result: Result<T, String>) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("property violated: {e}"),
    }
}
