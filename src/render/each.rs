//! Every document of a stream on its own: scanned, and interpreted (planned, edited,
//! verified) when it holds something the policy edits. Documents are independent once the
//! stream is split (the stream facts were gathered before), so a large stream is processed
//! on every core; the outcomes come back in document order, so the output, the summary and
//! the errors are those of a serial run.

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::document;
use crate::input::Document;
use crate::model;

use super::context::{DocContext, ambiguous_break};
use super::facts::StreamFacts;
use super::interpret::{DocResult, process_document};
use super::options::{FailureKind, RenderOptions};

/// What one document came to.
pub(super) enum DocOutcome {
    /// Its errors (every one of its problems, in order).
    Failed {
        internal: bool,
        diagnostics: Vec<Diagnostic>,
    },
    /// Nothing for meshdrain: passed through as it is.
    Passed { has_document: bool },
    /// Interpreted: what was done, with its `# Source:` file. Summary positions assume no
    /// earlier document grew.
    Interpreted {
        source: Option<String>,
        result: DocResult,
        /// Why the edited text would not stay one document in its place in the stream
        /// ([`crate::stream::cut_in_place`]), if it would not.
        misplaced: Option<String>,
    },
}

/// The outcome of every document, in order.
pub(super) fn documents(
    docs: &[Document<'_>],
    options: &RenderOptions,
    facts: &StreamFacts,
    name: &str,
) -> Vec<DocOutcome> {
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let one = |(i, doc): (usize, &Document<'_>)| {
        let outcome = document(doc, options, facts, name);
        match outcome {
            DocOutcome::Interpreted {
                source,
                mut result,
                misplaced: None,
            } => {
                // Dropped here, on the document's own thread, not once every document is done.
                if !options.summary {
                    let summary = std::mem::take(&mut result.summary);
                    result.outcomes = summary.into_iter().map(|(o, _)| o).collect();
                }
                let misplaced = result
                    .new_text
                    .as_ref()
                    .and_then(|text| misplaced(docs, i, text));
                DocOutcome::Interpreted {
                    source,
                    result,
                    misplaced,
                }
            }
            other => other,
        }
    };
    let parallel = options.parallelism.parallel(bytes, docs.len());
    if !parallel {
        docs.iter().enumerate().map(one).collect()
    } else {
        // Chunks of documents, so that small documents do not each pay a hand-off.
        docs.par_iter()
            .enumerate()
            .with_min_len(16)
            .map(one)
            .collect()
    }
}

/// The last check of an edited document, which the whole stream's correctness rests on: its
/// new text, in place of the old one, must still be cut into exactly this document (an edit
/// that ran past its end would glue it to the next one, and still parse). Together with the
/// json-patch oracle (which checked the text itself) this is the output's self-check.
fn misplaced(docs: &[Document<'_>], i: usize, text: &str) -> Option<String> {
    let doc = docs.get(i)?;
    let entry = i
        .checked_sub(1)
        .and_then(|p| docs.get(p))
        .map(|p| crate::stream::entry_after(p.text.as_bytes(), p.index == 0));
    crate::stream::cut_in_place(
        doc.text.as_bytes(),
        text.as_bytes(),
        entry,
        i + 1 == docs.len(),
    )
    .err()
}

fn document(
    doc: &Document<'_>,
    options: &RenderOptions,
    facts: &StreamFacts,
    name: &str,
) -> DocOutcome {
    let ctx = DocContext {
        index: doc.index,
        text: doc.text,
        line_base: doc.line_base,
        out_line_base: doc.line_base,
        source: None,
        input_name: name,
    };
    let failed = |d: Diagnostic| DocOutcome::Failed {
        internal: false,
        diagnostics: vec![d],
    };
    let scanned = match document::scan(doc.text) {
        Ok(s) => s,
        Err(e) => {
            let ctx = DocContext {
                source: model::source_file(doc.text),
                ..ctx
            };
            let end = (e.offset + 1).min(doc.text.len());
            return failed(ctx.diagnostic_at(
                Diagnostic::error("yaml-syntax", format!("invalid YAML: {}", e.message)).with_hint(
                    "fix the YAML; meshdrain changes nothing until the whole stream parses",
                ),
                doc.text,
                ctx.line_base,
                Some((e.offset, end)),
            ));
        }
    };
    let interpret = if options.values_file {
        scanned.has_document
    } else {
        // A root `<<` may merge in the identity: the tree decides (as go-yaml reads it).
        scanned.root_merge
            || scanned.tagged_identity
            || model::needs_interpretation(
                scanned.api_version.as_deref(),
                scanned.kind.as_deref(),
                |t| options.policy.reads(t),
            )
    };
    if let Some(d) = ambiguous_break(&ctx, doc.text, interpret, options) {
        return failed(d);
    }
    if !interpret {
        return DocOutcome::Passed {
            has_document: scanned.has_document,
        };
    }
    let ctx = DocContext {
        source: model::source_file(doc.text),
        ..ctx
    };
    match process_document(&ctx, &scanned, options, facts) {
        Ok(result) => DocOutcome::Interpreted {
            source: ctx.source,
            result,
            misplaced: None,
        },
        Err((kind, diagnostics)) => DocOutcome::Failed {
            internal: kind == FailureKind::Internal,
            diagnostics,
        },
    }
}
