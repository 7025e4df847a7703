//! The splice editor: applies a [`Change`](crate::patch::Change) to a document's text by
//! inserting or replacing a few bytes at spans from the node tree. The rest of the document is
//! never touched, never re-serialised; new lines follow the document's layout and line endings.
//!
//! The editor refuses what it cannot do safely (a route through an alias, a folded block
//! scalar to give several lines, an implicit flow pair) with a typed error; the caller
//! re-parses every result and compares it with the json-patch oracle.

mod block;
mod block_scalar;
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
pub use flow::{flow, json};
pub use layout::Layout;
pub use splice::{Splice, apply};

#[cfg(test)]
pub(crate) mod testing {
    //! Edits checked the way the renderer checks them: the result must parse (saphyr and
    //! yaml_serde), equal the json-patch oracle applied to the parsed original, and read as
    //! written (no tag or alias on the way, a string a string).
    use crate::document::Tree;
    use crate::patch::{Change, NewValue, Pointer};

    use super::{EditError, Editor, apply};

    /// Applies `change` to `text`; panics when an edit is made that the oracle rejects.
    pub(crate) fn checked(text: &str, change: &Change) -> Result<String, EditError> {
        let tree = Tree::parse(text).unwrap();
        let splices = Editor::new(&tree, text).splices(change)?;
        let edited = apply(text, &splices)?;
        let original: serde_json::Value = serde_yaml::from_str(text).unwrap();
        let edited_tree =
            Tree::parse(&edited).unwrap_or_else(|e| panic!("saphyr cannot read {edited:?}: {e}"));
        crate::selfcheck::check_document(
            &original,
            std::slice::from_ref(change),
            &edited,
            &edited_tree,
        )
        .unwrap_or_else(|e| panic!("{e}: {text:?} -> {edited:?}"));
        Ok(edited)
    }

    pub(crate) fn pointer(path: &[&str]) -> Pointer {
        path.iter().fold(Pointer::root(), |p, k| p.key(k))
    }

    pub(crate) fn add(path: &[&str], value: NewValue) -> Change {
        Change::Add {
            path: pointer(path),
            value,
        }
    }

    pub(crate) fn replace(path: &[&str], value: NewValue) -> Change {
        Change::Replace {
            path: pointer(path),
            value,
        }
    }
}
