//! The last stage: one info diagnostic per drain field looked at (changed, already right, or
//! kept), pointing at the field in the output.

use crate::diagnostic::{Diagnostic, Severity};
use crate::document::Tree;
use crate::document::embedded::BlockLines;
use crate::model::{self, Resource, dotted};
use crate::patch::{self, Pointer};
use crate::plan::Decision;

use super::planned::Report;

use super::context::{DocContext, resource_node};
use super::options::Stats;

/// What happened to one drain field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Changed,
    /// Already the wanted duration.
    Unchanged,
    /// Different, and kept (`onConflict: keep`).
    Kept,
    /// A workload a rule matched, left alone (no sidecar, or a `skip` rule).
    Skipped,
}

impl Outcome {
    /// The summary diagnostic's code.
    fn code(self) -> &'static str {
        match self {
            Outcome::Changed => "changed",
            Outcome::Unchanged => "unchanged",
            Outcome::Kept => "kept",
            Outcome::Skipped => "skipped",
        }
    }
}

impl Stats {
    pub(super) fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Changed => self.changed += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Kept => self.kept += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }
}

pub(super) fn summarize(
    ctx: &DocContext<'_>,
    tree: &Tree,
    text: &str,
    resource: &Resource,
    field: String,
    report: Report,
) -> (Outcome, Diagnostic) {
    let shown = report.shown;
    let note = report.note;
    let inner = report.inner;
    let (outcome, message, path) = match report.decision {
        Decision::Unchanged { path, existing } => (
            Outcome::Unchanged,
            match &note {
                Some(note) => format!("{field} is {existing}: enough ({note})"),
                None => format!("{field} is already {existing} (left as it is)"),
            },
            path,
        ),
        Decision::Kept {
            path,
            existing,
            wanted,
        } => (
            Outcome::Kept,
            match &note {
                Some(note) => {
                    format!("{field} is {existing}; kept (on-conflict keep), though {note}")
                }
                None => format!(
                    "{field} is {existing}; kept (on-conflict keep), the policy wants {wanted}"
                ),
            },
            path,
        ),
        Decision::Change {
            path,
            previous,
            change,
        } => {
            let value = match change.value() {
                patch::NewValue::Str(s) => s.clone(),
                _ => String::new(),
            };
            let value = shown.or_else(|| tree_value(tree, &path)).unwrap_or(value);
            let message = match (previous, &note) {
                (Some(p), Some(note)) => format!("set {field} to {value} (was {p}; {note})"),
                (None, Some(note)) => format!("set {field} to {value} ({note})"),
                (Some(p), None) => format!("set {field} to {value} (was {p})"),
                (None, None) => format!("set {field} to {value}"),
            };
            (Outcome::Changed, message, path)
        }
    };
    let mut shown_path = dotted(&model::relative(&path, &resource.pointer));
    if let Some(inner) = &inner {
        shown_path = format!("{shown_path} ({})", dotted(inner));
    }
    let at = inner
        .and_then(|inner| embedded_span(tree, text, &path, &inner))
        .or_else(|| {
            resource_node(tree, &path)
                .and_then(|n| tree.node(n))
                .map(|n| (n.start, n.end))
        });
    let d = Diagnostic::new(Severity::Info, outcome.code(), message)
        .with_resource(Some(resource.reference.clone()))
        .with_path(shown_path);
    (outcome, ctx.diagnostic_at(d, text, ctx.out_line_base, at))
}

/// A matched workload left alone, and why.
pub(super) fn summarize_skipped(
    ctx: &DocContext<'_>,
    tree: &Tree,
    text: &str,
    resource: &Resource,
    why: String,
) -> (Outcome, Diagnostic) {
    let at = resource_node(tree, &resource.pointer)
        .and_then(|n| tree.node(n))
        .map(|n| (n.start, n.start));
    let d = Diagnostic::new(
        Severity::Info,
        Outcome::Skipped.code(),
        format!("not changed: {why}"),
    )
    .with_resource(Some(resource.reference.clone()));
    (
        Outcome::Skipped,
        ctx.diagnostic_at(d, text, ctx.out_line_base, at),
    )
}

/// The span of `inner` inside the document in the block scalar at `path`, when the scalar's
/// lines map into the text.
fn embedded_span(
    tree: &Tree,
    text: &str,
    path: &Pointer,
    inner: &Pointer,
) -> Option<(usize, usize)> {
    let (key, node) = tree.locate(path)?;
    let lines = BlockLines::of(text, tree, key?, node)?;
    let embedded = Tree::parse(tree.node(node)?.as_str()?).ok()?;
    let (start, end) = embedded.nearest_span(inner, false)?;
    lines.span(start, end)
}

pub(super) fn tree_value(tree: &Tree, path: &Pointer) -> Option<String> {
    resource_node(tree, path)
        .and_then(|n| tree.node(n))
        .and_then(|n| n.as_str())
        .map(str::to_owned)
}
