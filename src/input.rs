//! The input layer, below render and check alike: a stream's size and text checks (UTF-8
//! and YAML's characters, [`crate::source`]), its documents in order with where each sits,
//! and the per-document limits (depth, aliases, scalar size) a parse must respect.

use std::ops::Range;

use crate::document::{Limits, Scan};

/// One document of an input stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document<'a> {
    /// 0-based position in the stream.
    pub index: usize,
    /// Its bytes in the stream.
    pub range: Range<usize>,
    pub text: &'a str,
    /// Lines before it in the stream.
    pub line_base: usize,
    /// Its own lines.
    pub lines: usize,
}

/// Whether a run spreads its documents over the cores (render and check alike).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Parallelism {
    /// On every core for a large input, on the calling thread for a small one.
    #[default]
    Auto,
    /// Always on the calling thread.
    Serial,
    /// On every core, whatever the size (tests compare it with the serial run).
    Parallel,
}

impl Parallelism {
    /// Whether `bytes` of input in `documents` documents are processed on every core.
    pub fn parallel(self, bytes: usize, documents: usize) -> bool {
        match self {
            Parallelism::Auto => bytes >= PARALLEL_FROM_BYTES && documents > 1,
            Parallelism::Serial => false,
            Parallelism::Parallel => true,
        }
    }
}

/// Inputs from this size on are worth both cores: below it a thread pool's start-up and
/// hand-offs cost more than a second core saves.
pub const PARALLEL_FROM_BYTES: usize = 256 * 1024;

/// The documents of `text`, in order (separators and markers as [`crate::stream::split`]
/// cuts them). Large inputs count their documents' lines on every core.
pub fn documents(text: &str) -> Vec<Document<'_>> {
    let slices = crate::stream::split(text.as_bytes());
    let lines = |slice: &crate::stream::Slice| {
        text.get(slice.range.clone())
            .map_or(0, |t| crate::linebreak::count(t.as_bytes()))
    };
    let counts: Vec<usize> = if text.len() >= PARALLEL_FROM_BYTES {
        use rayon::prelude::*;
        slices.par_iter().with_min_len(64).map(lines).collect()
    } else {
        slices.iter().map(lines).collect()
    };
    let mut line_base = 0;
    slices
        .into_iter()
        .zip(counts)
        .enumerate()
        .filter_map(|(index, (slice, lines))| {
            let doc = Document {
                index,
                text: text.get(slice.range.clone())?,
                range: slice.range,
                line_base,
                lines,
            };
            line_base += lines;
            Some(doc)
        })
        .collect()
}

/// Whether a document slice holds no node at all: only white space, comments, directives
/// and markers (an empty file, a trailing `---`). Unsure is not blank.
pub fn is_blank(text: &str) -> bool {
    crate::linebreak::text_lines(text).all(|line| {
        let t = line.trim_start_matches('\u{feff}').trim();
        let marker = |m: &str| {
            t.strip_prefix(m)
                .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with('#'))
        };
        t.is_empty() || t.starts_with('#') || t.starts_with('%') || marker("---") || marker("...")
    })
}

/// An input larger than `--max-input-bytes`.
pub fn too_large(len: usize, limits: &Limits) -> bool {
    len > limits.max_input_bytes
}

/// Which per-document limit a document goes over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    Depth { found: usize, limit: usize },
    Aliases { found: usize, limit: usize },
    Scalar { found: usize, limit: usize },
}

impl Exceeded {
    /// `nests 70 levels deep`.
    pub fn what(self) -> String {
        match self {
            Exceeded::Depth { found, .. } => format!("nests {found} levels deep"),
            Exceeded::Aliases { found, .. } => format!("uses aliases {found} times"),
            Exceeded::Scalar { found, .. } => format!("has a {found}-byte scalar"),
        }
    }

    /// `over the limit of 64`.
    pub fn limit(self) -> String {
        match self {
            Exceeded::Depth { limit, .. } | Exceeded::Aliases { limit, .. } => {
                format!("over the limit of {limit}")
            }
            Exceeded::Scalar { limit, .. } => format!("over the limit of {limit} bytes"),
        }
    }

    pub const HINT: &'static str =
        "raise --max-depth, --max-aliases or --max-scalar-bytes if this input is expected";
}

/// The first limit a scanned document goes over, in the order depth, aliases, scalar size.
pub fn exceeded(scan: &Scan, limits: &Limits) -> Option<Exceeded> {
    if scan.max_depth > limits.max_depth {
        Some(Exceeded::Depth {
            found: scan.max_depth,
            limit: limits.max_depth,
        })
    } else if scan.alias_uses > limits.max_alias_uses {
        Some(Exceeded::Aliases {
            found: scan.alias_uses,
            limit: limits.max_alias_uses,
        })
    } else if scan.max_scalar_bytes > limits.max_scalar_bytes {
        Some(Exceeded::Scalar {
            found: scan.max_scalar_bytes,
            limit: limits.max_scalar_bytes,
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_know_their_lines() {
        let text = "a: 1\n---\nb: 2\nc: 3\n---\r\nd: 4";
        let docs = documents(text);
        assert_eq!(docs.len(), 3);
        let bases: Vec<_> = docs.iter().map(|d| (d.index, d.line_base)).collect();
        assert_eq!(bases, [(0, 0), (1, 1), (2, 4)]);
        assert!(
            docs.iter()
                .all(|d| text.get(d.range.clone()) == Some(d.text))
        );
    }

    #[test]
    fn blank_documents() {
        for blank in [
            "",
            "\n",
            "# c\n\n",
            "---\n",
            "--- # c\n...\n",
            "%YAML 1.2\n---\n",
        ] {
            assert!(is_blank(blank), "{blank:?}");
        }
        for content in ["a: 1\n", "--- a\n", "# c\n- x\n", "'#'\n"] {
            assert!(!is_blank(content), "{content:?}");
        }
    }

    #[test]
    fn limits_in_order() {
        let limits = Limits {
            max_depth: 2,
            max_alias_uses: 1,
            ..Limits::default()
        };
        let scan = Scan {
            max_depth: 3,
            alias_uses: 5,
            ..Scan::default()
        };
        let e = exceeded(&scan, &limits).unwrap();
        assert_eq!(e.what(), "nests 3 levels deep");
        assert_eq!(e.limit(), "over the limit of 2");
        let scan = Scan {
            alias_uses: 5,
            ..Scan::default()
        };
        assert_eq!(
            exceeded(&scan, &limits).map(Exceeded::what).as_deref(),
            Some("uses aliases 5 times")
        );
        assert_eq!(exceeded(&Scan::default(), &limits), None);
    }
}
