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
use super::options::{FailureKind, Parallelism, RenderOptions};

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
    },
}

/// Streams below this size are processed on the calling thread: for them the pool's start-up
/// and hand-offs cost more than a second core saves.
const PARALLEL_FROM_BYTES: usize = 256 * 1024;

/// The outcome of every document, in order.
pub(super) fn documents(
    docs: &[Document<'_>],
    options: &RenderOptions,
    facts: &StreamFacts,
    name: &str,
) -> Vec<DocOutcome> {
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let one = |doc: &Document<'_>| document(doc, options, facts, name);
    let parallel = match options.parallelism {
        Parallelism::Auto => bytes >= PARALLEL_FROM_BYTES && docs.len() > 1,
        Parallelism::Serial => false,
        Parallelism::Parallel => true,
    };
    if !parallel {
        docs.iter().map(one).collect()
    } else {
        // Chunks of documents, so that small documents do not each pay a hand-off.
        docs.par_iter().with_min_len(16).map(one).collect()
    }
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
        },
        Err((kind, diagnostics)) => DocOutcome::Failed {
            internal: kind == FailureKind::Internal,
            diagnostics,
        },
    }
}
