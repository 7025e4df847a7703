//! One YAML document: the cheap classification pass every document gets, and the node tree with
//! byte spans that only documents meshdrain interprets get.
//!
//! `saphyr-parser` reports positions in characters; [`CharMap`] turns them into byte offsets.
//! The bulk pass never builds a tree, never expands an alias and keeps no per-node memory, so
//! untouched documents cost one parser pass and nothing else.

mod bulk;
pub mod embedded;
mod limits;
mod node;
mod parse;
mod span;
mod tree;

pub use bulk::{Scan, scan};
pub use limits::Limits;
pub use node::{Node, NodeId, NodeKind, ScalarType, Style, node_type, resolve_plain};
pub use parse::Keep;
pub use span::{CharMap, SyntaxError, span_bytes};
pub use tree::Tree;
