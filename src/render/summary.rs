//! The last stage: one info diagnostic per drain field looked at (changed, already right, or
//! kept), pointing at the field in the output.

use crate::diagnostic::{Diagnostic, Severity};
use crate::document::Tree;
use crate::model::{self, Resource, dotted};
use crate::patch::{self, Pointer};
use crate::plan::Decision;

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
}

impl Outcome {
    /// The summary diagnostic's code.
    fn code(self) -> &'static str {
        match self {
            Outcome::Changed => "changed",
            Outcome::Unchanged => "unchanged",
            Outcome::Kept => "kept",
        }
    }
}

impl Stats {
    pub(super) fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Changed => self.changed += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Kept => self.kept += 1,
        }
    }
}

pub(super) fn summarize(
    ctx: &DocContext<'_>,
    tree: &Tree,
    text: &str,
    resource: &Resource,
    field: String,
    decision: Decision,
) -> (Outcome, Diagnostic) {
    let (outcome, message, path) = match decision {
        Decision::Unchanged { path, existing } => (
            Outcome::Unchanged,
            format!("{field} is already {existing} (left as it is)"),
            path,
        ),
        Decision::Kept {
            path,
            existing,
            wanted,
        } => (
            Outcome::Kept,
            format!("{field} is {existing}; kept (on-conflict keep), the policy wants {wanted}"),
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
            let value = tree_value(tree, &path).unwrap_or(value);
            let message = match previous {
                Some(p) => format!("set {field} to {value} (was {p})"),
                None => format!("set {field} to {value}"),
            };
            (Outcome::Changed, message, path)
        }
    };
    let at = resource_node(tree, &path)
        .and_then(|n| tree.node(n))
        .map(|n| (n.start, n.end));
    let d = Diagnostic::new(Severity::Info, outcome.code(), message)
        .with_resource(Some(resource.reference.clone()))
        .with_path(dotted(&model::relative(&path, &resource.pointer)));
    (outcome, ctx.diagnostic_at(d, text, ctx.out_line_base, at))
}

pub(super) fn tree_value(tree: &Tree, path: &Pointer) -> Option<String> {
    resource_node(tree, path)
        .and_then(|n| tree.node(n))
        .and_then(|n| n.as_str())
        .map(str::to_owned)
}
