//! The bounds a document meshdrain interprets must stay within.

/// Bounds for documents meshdrain interprets (DESIGN.md, "Bounded").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_input_bytes: usize,
    pub max_depth: usize,
    pub max_alias_uses: usize,
    pub max_scalar_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 256 << 20,
            max_depth: 100,
            max_alias_uses: 10_000,
            max_scalar_bytes: 16 << 20,
        }
    }
}
