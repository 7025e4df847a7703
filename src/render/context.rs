//! Where a document sits, and the diagnostics the stages raise about it (positions mapped
//! back into the input).

use crate::diagnostic::{Diagnostic, LineIndex, Origin};
use crate::document::{self, Limits, NodeId, Scan, Tree};
use crate::edit::EditError;
use crate::edit::offsets::OffsetMap;
use crate::model::{self, Resource, dotted};
use crate::patch::{Pointer, Step};
use crate::plan::PlanError;

use super::options::{FailureKind, RenderOptions};

/// Where a document sits, for diagnostics.
pub(super) struct DocContext<'a> {
    pub(super) index: usize,
    pub(super) text: &'a str,
    /// Lines before the document in the input.
    pub(super) line_base: usize,
    /// Lines before the document in the output (earlier edits add lines).
    pub(super) out_line_base: usize,
    pub(super) source: Option<String>,
    pub(super) input_name: &'a str,
}

impl DocContext<'_> {
    pub(super) fn origin(&self) -> Origin {
        Origin {
            file: Some(self.input_name.to_owned()),
            document: Some(self.index),
            source: self.source.clone(),
            span: None,
            excerpt: None,
            secret: false,
        }
    }

    /// The origin of a diagnostic about the whole document (no one resource): a Secret in
    /// the document masks quoted text, such as the YAML parser's quote of a value.
    pub(super) fn document_origin(&self) -> Origin {
        Origin {
            secret: crate::redact::declares_secret(self.text),
            ..self.origin()
        }
    }

    /// A diagnostic pointing at `start..end` of `text` (the document's text before or after
    /// edits), whose first line is line `line_base + 1`.
    pub(super) fn diagnostic_at(
        &self,
        d: Diagnostic,
        text: &str,
        line_base: usize,
        at: Option<(usize, usize)>,
    ) -> Diagnostic {
        let mut d = d.with_origin(self.origin());
        if let Some((start, end)) = at {
            let index = LineIndex::new(text);
            d = d.at(&index, start, end);
            if let Some(span) = &mut d.origin.span {
                span.start.line += line_base;
                span.end.line += line_base;
            }
        }
        d
    }
}

/// NEL, LS and PS are line breaks to go-yaml (what Helm and Kubernetes read the output with)
/// and ordinary characters to YAML 1.2 readers: a document meshdrain interprets, in either
/// reading, is refused while it holds one. Other documents pass through untouched.
pub(super) fn ambiguous_break(
    ctx: &DocContext<'_>,
    text: &str,
    interpret: bool,
    options: &RenderOptions,
) -> Option<Diagnostic> {
    let (at, c) = crate::linebreak::find_ambiguous_break(text)?;
    let interpret = interpret
        || document::scan(&crate::linebreak::as_libyaml_reads(text)).is_ok_and(|s| {
            if options.values_file {
                s.has_document
            } else {
                model::needs_interpretation(s.api_version.as_deref(), s.kind.as_deref(), |t| {
                    options.policy.reads(t)
                })
            }
        });
    if !interpret {
        return None;
    }
    Some(ctx.diagnostic_at(
        Diagnostic::error(
            "ambiguous-line-break",
            format!(
                "this document, which meshdrain must read, contains {}: Kubernetes' YAML reader takes it as a line break, YAML 1.2 readers do not",
                crate::linebreak::describe(c)
            ),
        )
        .with_hint("replace the character with a line break, or write it as an escape (\\N, \\L, \\P) inside a double-quoted string"),
        text,
        ctx.line_base,
        Some((at, at + c.len_utf8())),
    ))
}

pub(super) type DocError = (FailureKind, Vec<Diagnostic>);

/// Errors point into the input: `offsets` maps positions found in the partly edited text back.
pub(super) fn plan_error(
    ctx: &DocContext<'_>,
    offsets: &OffsetMap,
    resource: &Resource,
    e: PlanError,
) -> Diagnostic {
    let path = dotted(&model::relative(&e.path, &resource.pointer));
    let at =
        e.at.map(|(start, end)| (offsets.original(start), offsets.original(end)));
    ctx.diagnostic_at(
        Diagnostic::error(e.code, e.message)
            .with_hint(e.hint)
            .with_resource(Some(resource.reference.clone())),
        ctx.text,
        ctx.line_base,
        at,
    )
    .with_path_if_any(path)
}

pub(super) fn edit_error(
    ctx: &DocContext<'_>,
    offsets: &OffsetMap,
    resource: &Resource,
    e: &EditError,
) -> Diagnostic {
    let at = e.offset().map(|a| offsets.original(a));
    ctx.diagnostic_at(
        Diagnostic::error(e.code(), e.to_string())
            .with_hint(e.hint())
            .with_resource(Some(resource.reference.clone())),
        ctx.text,
        ctx.line_base,
        at.map(|a| (a, a + 1)),
    )
}

pub(super) fn internal_error(ctx: &DocContext<'_>, what: String) -> DocError {
    (
        FailureKind::Internal,
        vec![Diagnostic::error("internal-error", format!("meshdrain's edit failed its own check: {what}"))
            .with_origin(ctx.document_origin())
            .with_hint("this is a bug in meshdrain; nothing was written. Please report it with the input document")],
    )
}

/// Checks the limits for a document meshdrain is about to interpret.
pub(super) fn check_limits(
    ctx: &DocContext<'_>,
    scan: &Scan,
    limits: &Limits,
) -> Result<(), Diagnostic> {
    match crate::input::exceeded(scan, limits) {
        None => Ok(()),
        Some(e) => Err(Diagnostic::error(
            "limit-exceeded",
            format!(
                "this document, which meshdrain must edit, {}, {}",
                e.what(),
                e.limit()
            ),
        )
        .with_origin(ctx.document_origin())
        .with_hint(crate::input::Exceeded::HINT)),
    }
}

/// Finds a resource again in a re-parsed tree (List items keep their positions).
pub(super) fn resource_node(tree: &Tree, pointer: &Pointer) -> Option<NodeId> {
    let mut node = tree.root?;
    for step in pointer.steps() {
        node = match step {
            Step::Key(k) => tree.get(node, k)?,
            Step::Index(i) => *tree.items(node).get(*i)?,
            Step::Append => return None,
        };
    }
    Some(node)
}
