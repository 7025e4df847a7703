//! A YAML or JSON document inside a string: a pod's `proxy.istio.io/config` annotation (or its
//! sidecar's `PROXY_CONFIG` env), the istiod chart's mesh ConfigMap's `mesh` key. It is read
//! with the same limits as any document meshdrain edits, each change is made by the same
//! splice editor on the embedded text, and the result is checked against the same json-patch
//! oracle before the string itself is replaced.

use serde_json::Value;

use crate::document::Tree;
use crate::edit::{self, Editor, Splice};
use crate::patch::{Change, Pointer};
use crate::plan::PlanError;

use super::options::RenderOptions;
use super::planned::StepError;

/// What the embedded document is, for messages.
pub(super) struct Embedded<'a> {
    /// `the proxy.istio.io/config annotation`, `data.mesh of ConfigMap istio-system/istio`.
    pub(super) what: &'a str,
    /// The string's pointer in the outer document.
    pub(super) path: &'a Pointer,
    /// The error code of a payload that cannot be read (`invalid-proxy-config`).
    pub(super) code: &'static str,
    /// What to do about it.
    pub(super) hint: &'static str,
}

impl Embedded<'_> {
    pub(super) fn invalid(&self, why: String) -> StepError {
        StepError::Plan(self.unreadable(why, None))
    }

    /// The error of a payload that cannot be read; `at` is a span of the embedded text (the
    /// caller maps it into the document, or drops it).
    fn unreadable(&self, why: String, at: Option<(usize, usize)>) -> PlanError {
        PlanError {
            code: self.code,
            message: format!("{} cannot be read: {why}", self.what),
            hint: self.hint.to_owned(),
            at,
            path: self.path.clone(),
        }
    }
}

/// Why an embedded document cannot be read, with where in its text when that is known.
pub(super) struct Unreadable {
    pub(super) error: PlanError,
}

impl From<Unreadable> for StepError {
    /// Without a place in the document (the caller points at the string).
    fn from(u: Unreadable) -> Self {
        StepError::Plan(PlanError {
            at: None,
            ..u.error
        })
    }
}

/// An embedded document as read: its tree and what it means (`None` for an empty payload).
pub(super) struct Read {
    pub(super) tree: Tree,
    pub(super) value: Value,
}

/// Reads the embedded `text`: it must parse, use no aliases (a string is no place for them)
/// and nest no deeper than the limits allow. An empty document (or a lone null) is `None`. A
/// syntax error carries its span in `text`.
pub(super) fn read(
    text: &str,
    payload: &Embedded<'_>,
    options: &RenderOptions,
) -> Result<Option<Read>, Unreadable> {
    let unreadable = |why: String, at: Option<usize>| Unreadable {
        error: payload.unreadable(why, at.map(|a| (a, (a + 1).min(text.len()).max(a)))),
    };
    let scan = crate::document::scan(text).map_err(|e| unreadable(e.message, Some(e.offset)))?;
    if scan.alias_uses > 0 {
        return Err(unreadable("it uses YAML aliases".to_owned(), None));
    }
    if scan.max_depth > options.limits.max_depth.min(32) {
        return Err(unreadable(
            format!("it nests {} levels deep", scan.max_depth),
            None,
        ));
    }
    let tree = Tree::parse(text).map_err(|e| unreadable(e.message, Some(e.offset)))?;
    if tree
        .root
        .and_then(|r| tree.node(r))
        .is_none_or(|n| n.is_null())
    {
        return Ok(None);
    }
    let value: Value = serde_yaml::from_str(text).map_err(|e| unreadable(e.to_string(), None))?;
    Ok(Some(Read { tree, value }))
}

/// One change made to the embedded text: the new text, its tree, and the splices that made it
/// (in the old text's offsets).
pub(super) struct Edited {
    pub(super) text: String,
    pub(super) tree: Tree,
    pub(super) splices: Vec<Splice>,
}

/// Makes `change`, planned on `tree` (the tree of `text`); `label` names the entry in errors.
pub(super) fn change(
    tree: &Tree,
    text: &str,
    change: &Change,
    label: &str,
    payload: &Embedded<'_>,
) -> Result<Edited, StepError> {
    let splices = Editor::new(tree, text).splices(change).map_err(|e| {
        StepError::Plan(PlanError {
            code: e.code(),
            message: format!("{}: {label} cannot be written: {e}", payload.what),
            hint: e.hint().to_owned(),
            at: None,
            path: payload.path.clone(),
        })
    })?;
    let edited = edit::apply(text, &splices).map_err(|e| {
        StepError::Internal(format!("an edit of {} overlaps itself: {e}", payload.what))
    })?;
    let tree = Tree::parse(&edited).map_err(|e| {
        StepError::Internal(format!("an edited {} does not parse: {e}", payload.what))
    })?;
    Ok(Edited {
        text: edited,
        tree,
        splices,
    })
}

/// The edited embedded text against the json-patch oracle applied to what it meant before.
pub(super) fn verify(
    original: &Value,
    changes: &[Change],
    text: &str,
    tree: &Tree,
) -> Result<(), StepError> {
    if changes.is_empty() {
        return Ok(());
    }
    crate::selfcheck::check_document(original, changes, text, tree)
        .map(drop)
        .map_err(StepError::Internal)
}
