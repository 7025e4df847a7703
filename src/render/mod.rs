//! The post-renderer: bytes → documents → model → decisions → edits → bytes, in stages:
//! [`tasks`] (policy → what each resource needs), [`document`] (plan, edit and verify one
//! document), [`summary`] (what was done), and here the stream (every document in order,
//! all or nothing, every edited document checked to stay in its place).
//!
//! Every document gets the cheap bulk pass; only TSB install resources (and `v1 List`s) are
//! parsed into trees and edited. Untouched documents are never copied or re-encoded: the
//! output is the input with a few byte ranges replaced, written piece by piece. All or
//! nothing: any error and no output at all.

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

use each::DocOutcome;
pub use options::{DocumentEdit, Failure, FailureKind, Parallelism, RenderOptions, Stats};

/// A successful render: the input with some ranges replaced, and what was done.
#[derive(Debug)]
pub struct Rendered<'a> {
    input: &'a [u8],
    /// The edited documents, in order: the output is the input with their ranges replaced.
    edits: Vec<DocumentEdit>,
    /// One info diagnostic per drain field looked at (changed, unchanged or kept).
    pub summary: Vec<Diagnostic>,
    pub stats: Stats,
}

impl Rendered<'_> {
    /// Writes the output: the input's untouched ranges and the edited texts, in order.
    pub fn write_to(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        for piece in self.pieces() {
            out.write_all(piece)?;
        }
        Ok(())
    }

    /// The output, in one buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let added: usize = self.edits.iter().map(|e| e.text.len()).sum();
        let mut out = Vec::with_capacity(self.input.len() + added);
        for piece in self.pieces() {
            out.extend_from_slice(piece);
        }
        out
    }

    /// The output, in one buffer.
    pub fn into_bytes(self) -> Vec<u8> {
        self.to_bytes()
    }

    /// The output's pieces: untouched input between the edited documents' new texts.
    fn pieces(&self) -> impl Iterator<Item = &[u8]> {
        let mut pos = 0;
        let input = self.input;
        self.edits
            .iter()
            .flat_map(move |edit| {
                let before = input.get(pos..edit.range.start).unwrap_or_default();
                pos = edit.range.end;
                [before, edit.text.as_bytes()]
            })
            .chain(std::iter::once_with(move || {
                let last = self.edits.last().map_or(0, |e| e.range.end);
                input.get(last..).unwrap_or_default()
            }))
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
    let mut misplaced = None;
    let mut summary = Vec::new();
    let mut stats = Stats::default();
    let mut lines_added = 0usize;
    // Workload rules need the Namespaces of the whole stream (Istio's injection).
    let documents = crate::input::documents(text);
    let facts = if options.policy.workloads.is_some() {
        let parallel = options.parallelism.parallel(text.len(), documents.len());
        facts::gather(&documents, parallel)
    } else {
        facts::StreamFacts::default()
    };
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
            DocOutcome::Interpreted {
                source,
                result,
                misplaced: what,
            } => {
                if let Some(what) = what {
                    misplaced.get_or_insert((doc.index, what));
                }
                stats.documents += 1;
                stats.resources += result.resources;
                stats.mesh_configs += result.mesh_configs;
                stats.workloads += result.workloads;
                for &outcome in &result.outcomes {
                    stats.count(outcome);
                }
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
                if let Some(new_text) = result.new_text {
                    // Edits only ever add lines.
                    let lines = crate::linebreak::count(new_text.as_bytes());
                    lines_added += lines.saturating_sub(doc.lines);
                    edits.push(DocumentEdit {
                        document: doc.index,
                        source,
                        range: doc.range.clone(),
                        text: new_text,
                    });
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
    if let Some((index, what)) = misplaced {
        return Err(Failure {
            kind: FailureKind::Internal,
            diagnostics: vec![Diagnostic::error(
                "internal-error",
                format!(
                    "meshdrain's output failed its own check: the edited document {} would not stay one document in its place: {what}",
                    index + 1
                ),
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
        edits,
        summary,
        stats,
    })
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
