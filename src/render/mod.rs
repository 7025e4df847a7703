//! The post-renderer: bytes → documents → model → decisions → edits → bytes, in stages:
//! [`tasks`] (policy → what each resource needs), [`document`] (plan, edit and verify one
//! document), [`summary`] (what was done), and here the stream (every document in order,
//! all or nothing, the whole output checked against the input).
//!
//! Every document gets the cheap bulk pass; only TSB install resources (and `v1 List`s) are
//! parsed into trees and edited. Untouched documents are never copied or re-encoded: the
//! output is the input with a few byte ranges replaced. All or nothing: any error and no
//! output at all.

mod context;
mod each;
mod facts;
mod interpret;
mod mesh;
pub mod options;
mod payload;
mod planned;
mod summary;
mod tasks;
mod workload;

use std::io::{self, Write};

use crate::diagnostic::{Diagnostic, Origin};
use crate::selfcheck;

use each::DocOutcome;
pub use options::{DocumentEdit, Failure, FailureKind, Parallelism, RenderOptions, Stats};

/// A successful render: the input with some ranges replaced, and what was done.
#[derive(Debug)]
pub struct Rendered<'a> {
    input: &'a [u8],
    /// The whole output, checked against the input before it is handed out.
    output: Vec<u8>,
    edits: Vec<DocumentEdit>,
    /// One info diagnostic per drain field looked at (changed, unchanged or kept).
    pub summary: Vec<Diagnostic>,
    pub stats: Stats,
}

impl Rendered<'_> {
    pub fn write_to(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        out.write_all(&self.output)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.output.clone()
    }

    /// The output, without a copy.
    pub fn into_bytes(self) -> Vec<u8> {
        self.output
    }

    pub fn changed(&self) -> bool {
        !self.edits.is_empty()
    }

    /// The edited documents, in order.
    pub fn edits(&self) -> &[DocumentEdit] {
        &self.edits
    }

    /// The input's text of an edited document.
    pub fn original(&self, edit: &DocumentEdit) -> &str {
        self.input
            .get(edit.range.clone())
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

/// Renders `input` with `options`: the patched stream, or why there is none.
pub fn render<'a>(input: &'a [u8], options: &RenderOptions) -> Result<Rendered<'a>, Failure> {
    let name = options.input_name.as_str();
    if crate::input::too_large(input.len(), &options.limits) {
        return Err(Failure::invalid(vec![
            Diagnostic::error(
                "limit-exceeded",
                format!(
                    "the input is {} bytes, over the limit of {} bytes",
                    input.len(),
                    options.limits.max_input_bytes
                ),
            )
            .with_origin(Origin {
                file: Some(name.to_owned()),
                ..Origin::default()
            })
            .with_hint("raise --max-input-bytes if this input is expected"),
        ]));
    }
    let text = crate::source::validate_text(input, name).map_err(|d| Failure::invalid(vec![d]))?;
    let mut errors = Vec::new();
    let mut internal = false;
    let mut edits = Vec::new();
    let mut expected = Vec::new();
    let mut summary = Vec::new();
    let mut stats = Stats::default();
    let mut lines_added = 0usize;
    // Workload rules need the Namespaces of the whole stream (Istio's injection).
    let facts = if options.policy.workloads.is_some() {
        facts::gather(text)
    } else {
        facts::StreamFacts::default()
    };
    let documents: Vec<crate::input::Document<'_>> = crate::input::documents(text).collect();
    let outcomes = each::documents(&documents, options, &facts, name);
    for (doc, outcome) in documents.iter().zip(outcomes) {
        match outcome {
            DocOutcome::Failed {
                internal: i,
                diagnostics,
            } => {
                internal |= i;
                errors.extend(diagnostics);
            }
            DocOutcome::Passed { has_document } => stats.documents += usize::from(has_document),
            DocOutcome::Interpreted { source, result } => {
                stats.documents += 1;
                stats.resources += result.resources;
                stats.mesh_configs += result.mesh_configs;
                stats.workloads += result.workloads;
                for (outcome, mut d) in result.summary {
                    stats.count(outcome);
                    // Planned as if no earlier document had grown: move it down by the lines
                    // the earlier edits added.
                    if let Some(span) = &mut d.origin.span {
                        span.start.line += lines_added;
                        span.end.line += lines_added;
                    }
                    summary.push(d);
                }
                if let Some((new_text, value)) = result.new_text {
                    // Edits only ever add lines.
                    let lines = crate::linebreak::count(new_text.as_bytes());
                    lines_added += lines.saturating_sub(doc.lines);
                    edits.push(DocumentEdit {
                        document: doc.index,
                        source,
                        range: doc.range.clone(),
                        text: new_text,
                    });
                    expected.push(value);
                }
            }
        }
    }
    if !errors.is_empty() {
        let kind = if internal {
            FailureKind::Internal
        } else {
            FailureKind::Invalid
        };
        return Err(Failure {
            kind,
            diagnostics: errors,
        });
    }
    if options.values_file && stats.documents > 1 {
        return Err(Failure::invalid(vec![
            Diagnostic::error(
                "not-a-values-file",
                format!(
                    "a Helm values file is one YAML document; this input has {}",
                    stats.documents
                ),
            )
            .with_origin(Origin {
                file: Some(name.to_owned()),
                ..Origin::default()
            })
            .with_hint(
                "pass the control plane chart's values file (its spec: is the ControlPlane spec)",
            ),
        ]));
    }
    let output = splice_stream(input, &edits);
    let checked: Vec<selfcheck::Expected<'_>> = edits
        .iter()
        .zip(&expected)
        .map(|(e, value)| selfcheck::Expected {
            document: e.document,
            text: &e.text,
            value,
        })
        .collect();
    if let Err(what) = selfcheck::check_stream(input, &output, &checked) {
        return Err(Failure {
            kind: FailureKind::Internal,
            diagnostics: vec![Diagnostic::error(
                "internal-error",
                format!("meshdrain's output failed its own check: {what}"),
            )
            .with_origin(Origin {
                file: Some(name.to_owned()),
                ..Origin::default()
            })
            .with_hint("this is a bug in meshdrain; nothing was written. Please report it with the input")],
        });
    }
    Ok(Rendered {
        input,
        output,
        edits,
        summary,
        stats,
    })
}

/// The input with each edited document's range replaced by its new text.
fn splice_stream(input: &[u8], edits: &[DocumentEdit]) -> Vec<u8> {
    let added: usize = edits.iter().map(|e| e.text.len()).sum();
    let mut out = Vec::with_capacity(input.len() + added);
    let mut pos = 0;
    for edit in edits {
        out.extend_from_slice(input.get(pos..edit.range.start).unwrap_or_default());
        out.extend_from_slice(edit.text.as_bytes());
        pos = edit.range.end;
    }
    out.extend_from_slice(input.get(pos..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_lines_account_for_earlier_edits() {
        let input = b"kind: A\n---\napiVersion: install.tetrate.io/v1alpha1\nkind: IngressGateway\nspec: {}\n---\napiVersion: install.tetrate.io/v1alpha1\nkind: EgressGateway\nmetadata: {name: e}\n";
        let rendered = render(input, &RenderOptions::default()).unwrap();
        let out = rendered.to_bytes();
        let text = String::from_utf8(out).unwrap();
        let last = rendered.summary.last().and_then(|d| d.origin.span).unwrap();
        let line = text.lines().nth(last.start.line - 1).unwrap();
        assert_eq!(line, "  connectionDrainDuration: 10s");
    }
}
