//! The splice editor: applies a [`Change`](crate::patch::Change) to a document's text by
//! inserting or replacing a few bytes at spans from the node tree. The rest of the document is
//! never touched, never re-serialised; new lines follow the document's layout and line endings.
//!
//! The editor refuses what it cannot do safely (a route through an alias, a block scalar to
//! replace, an implicit flow pair) with a typed error; the caller re-parses every result and
//! compares it with the json-patch oracle.

mod block;
mod change;
mod editor;
mod error;
mod flow;
pub mod layout;
pub mod offsets;
mod replace;
mod route;
pub mod scalar;
mod splice;

pub use editor::Editor;
pub use error::EditError;
pub use flow::flow;
pub use layout::Layout;
pub use splice::{Splice, apply};
