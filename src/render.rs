//! The post-renderer: bytes → documents → model → decisions → edits → bytes.
//!
//! Every document gets the cheap bulk pass; only TSB install resources (and `v1 List`s) are
//! parsed into trees and edited. Untouched documents are never copied or re-encoded: the
//! output is the input with a few byte ranges replaced. All or nothing: any error and no
//! output at all.

use std::io::{self, Write};
use std::ops::Range;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, LineIndex, Origin, Severity};
use crate::document::{self, Limits, NodeId, Scan, Tree};
use crate::edit::offsets::OffsetMap;
use crate::edit::{self, EditError, Editor};
use crate::model::{self, InstallKind, Resource, dotted};
use crate::patch::{self, Change, Pointer, Step};
use crate::plan::{self, Decision, PlanError, SidecarField, SidecarTask};
use crate::policy::{DrainPolicy, IstioVersion, OnConflict};
use crate::selfcheck;

/// Everything a render needs besides the input.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub policy: DrainPolicy,
    pub limits: Limits,
    pub istio_version: IstioVersion,
    /// Shown in diagnostics (`<stdin>` or a path).
    pub input_name: String,
    /// The input is a TSB control plane Helm values file: its one document holds the
    /// ControlPlane spec under `spec:` and gets the sidecar settings.
    pub values_file: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            policy: DrainPolicy::default(),
            limits: Limits::default(),
            istio_version: IstioVersion::DEFAULT,
            input_name: "<stdin>".to_owned(),
            values_file: false,
        }
    }
}

/// Why a render produced no output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// Invalid input or settings (exit 2).
    Invalid,
    /// An edit failed its own verification: a bug (exit 3).
    Internal,
}

/// A failed run: what went wrong, as diagnostics.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} error(s), first: {}", diagnostics.len(), diagnostics.first().map_or("", |d| d.message.as_str()))]
pub struct Failure {
    pub kind: FailureKind,
    pub diagnostics: Vec<Diagnostic>,
}

impl Failure {
    pub fn invalid(diagnostics: Vec<Diagnostic>) -> Failure {
        Failure {
            kind: FailureKind::Invalid,
            diagnostics,
        }
    }
}

/// Counts for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub documents: usize,
    pub resources: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub kept: usize,
}

/// One edited document: its byte range in the input and its new text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentEdit {
    /// 0-based index of the document in the stream.
    pub document: usize,
    /// The template file (`# Source:` or Helm 4's annotation), when known.
    pub source: Option<String>,
    pub range: Range<usize>,
    pub text: String,
}

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

/// One drain field to look after in one resource.
#[derive(Clone, Debug)]
enum Task {
    Sidecar(SidecarTask),
    Gateway {
        wanted: crate::duration::DrainSeconds,
        on_conflict: OnConflict,
        /// 1-based, for the summary.
        rule: usize,
    },
}

/// Whether the policy has anything for this resource at all (decided before reading JSON).
fn is_candidate(resource: &Resource, policy: &DrainPolicy) -> bool {
    match resource.install_kind {
        Some(InstallKind::ControlPlane) => policy.sidecar.is_some(),
        Some(_) => policy.gateways.is_some(),
        None => false,
    }
}

/// The tasks for one candidate resource; `object` is the resource read as JSON.
fn tasks_for(resource: &Resource, object: &Value, options: &RenderOptions) -> Vec<Task> {
    let policy = &options.policy;
    match resource.install_kind {
        Some(InstallKind::ControlPlane) => {
            let Some(sidecar) = &policy.sidecar else {
                return Vec::new();
            };
            [
                (SidecarField::DrainDuration, sidecar.drain_duration),
                (
                    SidecarField::TerminationDrainDuration,
                    sidecar.termination_drain_duration,
                ),
            ]
            .into_iter()
            .filter_map(|(field, wanted)| {
                Some(Task::Sidecar(SidecarTask {
                    field,
                    wanted: wanted?,
                    on_conflict: policy.on_conflict,
                    istio: options.istio_version,
                }))
            })
            .collect()
        }
        Some(_) => {
            let Some((index, rule)) = policy.gateway_rule(&resource.reference.kind, object) else {
                return Vec::new();
            };
            match (rule.skip, rule.connection_drain_duration) {
                (false, Some(wanted)) => vec![Task::Gateway {
                    wanted,
                    on_conflict: rule.on_conflict.unwrap_or(policy.on_conflict),
                    rule: index + 1,
                }],
                _ => Vec::new(),
            }
        }
        None => Vec::new(),
    }
}

/// Where a document sits, for diagnostics.
struct DocContext<'a> {
    index: usize,
    text: &'a str,
    /// Lines before the document in the input.
    line_base: usize,
    /// Lines before the document in the output (earlier edits add lines).
    out_line_base: usize,
    source: Option<String>,
    input_name: &'a str,
}

impl DocContext<'_> {
    fn origin(&self) -> Origin {
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
    fn document_origin(&self) -> Origin {
        Origin {
            secret: crate::redact::declares_secret(self.text),
            ..self.origin()
        }
    }

    /// A diagnostic pointing at `start..end` of `text` (the document's text before or after
    /// edits), whose first line is line `line_base + 1`.
    fn diagnostic_at(
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

/// The outcome for one interpreted document.
struct DocResult {
    /// The edited text and what the json-patch oracle made of the original.
    new_text: Option<(String, Value)>,
    summary: Vec<Diagnostic>,
    resources: usize,
}

/// Renders `input` with `options`: the patched stream, or why there is none.
pub fn render<'a>(input: &'a [u8], options: &RenderOptions) -> Result<Rendered<'a>, Failure> {
    let name = options.input_name.as_str();
    if input.len() > options.limits.max_input_bytes {
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
    let slices = crate::stream::split(input);
    let mut errors = Vec::new();
    let mut internal = false;
    let mut edits = Vec::new();
    let mut expected = Vec::new();
    let mut summary = Vec::new();
    let mut stats = Stats::default();
    let mut line_base = 0;
    let mut lines_added = 0usize;
    for (index, slice) in slices.iter().enumerate() {
        let Some(doc_text) = text.get(slice.range.clone()) else {
            continue;
        };
        let doc_lines = crate::linebreak::count(doc_text.as_bytes());
        let ctx = DocContext {
            index,
            text: doc_text,
            line_base,
            out_line_base: line_base + lines_added,
            source: None,
            input_name: name,
        };
        line_base += doc_lines;
        let scanned = match document::scan(doc_text) {
            Ok(s) => s,
            Err(e) => {
                let ctx = DocContext {
                    source: model::source_file(doc_text),
                    ..ctx
                };
                let end = (e.offset + 1).min(doc_text.len());
                errors.push(ctx.diagnostic_at(
                    Diagnostic::error("yaml-syntax", format!("invalid YAML: {}", e.message))
                        .with_hint("fix the YAML; meshdrain changes nothing until the whole stream parses"),
                    doc_text,
                    ctx.line_base,
                    Some((e.offset, end)),
                ));
                continue;
            }
        };
        if scanned.has_document {
            stats.documents += 1;
        }
        let interpret = if options.values_file {
            scanned.has_document
        } else {
            // A root `<<` may merge in the identity: the tree decides (as go-yaml reads it).
            scanned.root_merge
                || scanned.tagged_identity
                || model::needs_interpretation(
                    scanned.api_version.as_deref(),
                    scanned.kind.as_deref(),
                )
        };
        if let Some(d) = ambiguous_break(&ctx, doc_text, interpret, options) {
            errors.push(d);
            continue;
        }
        if !interpret {
            continue;
        }
        let ctx = DocContext {
            source: model::source_file(doc_text),
            ..ctx
        };
        match process_document(&ctx, &scanned, options) {
            Ok(result) => {
                stats.resources += result.resources;
                for d in &result.summary {
                    match d.code.as_str() {
                        "changed" => stats.changed += 1,
                        "unchanged" => stats.unchanged += 1,
                        "kept" => stats.kept += 1,
                        _ => {}
                    }
                }
                summary.extend(result.summary);
                if let Some((new_text, value)) = result.new_text {
                    // Later documents move down by the lines this edit added.
                    // Edits only ever add lines.
                    let lines = crate::linebreak::count(new_text.as_bytes());
                    lines_added += lines.saturating_sub(doc_lines);
                    edits.push(DocumentEdit {
                        document: index,
                        source: ctx.source.clone(),
                        range: slice.range.clone(),
                        text: new_text,
                    });
                    expected.push(value);
                }
            }
            Err((kind, diags)) => {
                internal |= kind == FailureKind::Internal;
                errors.extend(diags);
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

/// NEL, LS and PS are line breaks to go-yaml (what Helm and Kubernetes read the output with)
/// and ordinary characters to YAML 1.2 readers: a document meshdrain interprets, in either
/// reading, is refused while it holds one. Other documents pass through untouched.
fn ambiguous_break(
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
                model::needs_interpretation(s.api_version.as_deref(), s.kind.as_deref())
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

type DocError = (FailureKind, Vec<Diagnostic>);

/// Errors point into the input: `offsets` maps positions found in the partly edited text back.
fn plan_error(
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

fn edit_error(
    ctx: &DocContext<'_>,
    offsets: &OffsetMap,
    resource: &Resource,
    e: &EditError,
) -> Diagnostic {
    let code = match e {
        EditError::ThroughAlias { .. }
        | EditError::Anchored { .. }
        | EditError::MergeKey { .. } => "alias-on-route",
        EditError::WrongType { .. } => "unexpected-structure",
        EditError::DuplicateKey { .. } => "duplicate-key",
        EditError::Unsupported { .. } => "unsupported-style",
        EditError::Missing { .. } | EditError::Exists { .. } | EditError::Overlap { .. } => {
            "internal-error"
        }
    };
    let at = e.offset().map(|a| offsets.original(a));
    ctx.diagnostic_at(
        Diagnostic::error(code, e.to_string())
            .with_hint(e.hint())
            .with_resource(Some(resource.reference.clone())),
        ctx.text,
        ctx.line_base,
        at.map(|a| (a, a + 1)),
    )
}

fn internal_error(ctx: &DocContext<'_>, what: String) -> DocError {
    (
        FailureKind::Internal,
        vec![Diagnostic::error("internal-error", format!("meshdrain's edit failed its own check: {what}"))
            .with_origin(ctx.document_origin())
            .with_hint("this is a bug in meshdrain; nothing was written. Please report it with the input document")],
    )
}

/// Checks the limits for a document meshdrain is about to interpret.
fn check_limits(ctx: &DocContext<'_>, scan: &Scan, limits: &Limits) -> Result<(), Diagnostic> {
    let over = if scan.max_depth > limits.max_depth {
        Some(format!(
            "nests {} levels deep, over the limit of {}",
            scan.max_depth, limits.max_depth
        ))
    } else if scan.alias_uses > limits.max_alias_uses {
        Some(format!(
            "uses aliases {} times, over the limit of {}",
            scan.alias_uses, limits.max_alias_uses
        ))
    } else if scan.max_scalar_bytes > limits.max_scalar_bytes {
        Some(format!(
            "has a {}-byte scalar, over the limit of {} bytes",
            scan.max_scalar_bytes, limits.max_scalar_bytes
        ))
    } else {
        None
    };
    match over {
        None => Ok(()),
        Some(what) => Err(Diagnostic::error(
            "limit-exceeded",
            format!("this document, which meshdrain must edit, {what}"),
        )
        .with_origin(ctx.document_origin())
        .with_hint(
            "raise --max-depth, --max-aliases or --max-scalar-bytes if this input is expected",
        )),
    }
}

/// Finds a resource again in a re-parsed tree (List items keep their positions).
fn resource_node(tree: &Tree, pointer: &Pointer) -> Option<NodeId> {
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

/// The field, with the gateway rule that chose the value when the policy has several.
fn field_label(task: &Task, policy: &DrainPolicy) -> String {
    match task {
        Task::Sidecar(t) => t.field.name().to_owned(),
        Task::Gateway { rule, .. } if policy.gateways.as_ref().is_some_and(|r| r.len() > 1) => {
            format!("{} (gateway rule {rule})", plan::GATEWAY_FIELD)
        }
        Task::Gateway { .. } => plan::GATEWAY_FIELD.to_owned(),
    }
}

/// One interpreted document: plan, edit, verify.
fn process_document(
    ctx: &DocContext<'_>,
    scanned: &Scan,
    options: &RenderOptions,
) -> Result<DocResult, DocError> {
    let invalid = |d: Diagnostic| (FailureKind::Invalid, vec![d]);
    let mut tree = Tree::parse(ctx.text)
        .map_err(|e| internal_error(ctx, format!("second parse failed: {e}")))?;
    let resources = if options.values_file {
        model::values_resource(&tree).into_iter().collect()
    } else {
        model::resources(&tree)
    };
    if let Some(at) = resources
        .iter()
        .find_map(|r| model::tagged_identity(&tree, r.node))
    {
        return Err(invalid(ctx.diagnostic_at(
            Diagnostic::error(
                "tagged-identity",
                "a key of this object, or its apiVersion or kind, has a tag of its own (such as !!binary): readers that decode it may see another resource than meshdrain does",
            )
            .with_hint("write the object's keys, apiVersion and kind as plain text"),
            ctx.text,
            ctx.line_base,
            Some((at, at + 1)),
        )));
    }
    let target_count = resources
        .iter()
        .filter(|r| r.install_kind.is_some())
        .count();
    let candidates: Vec<&Resource> = resources
        .iter()
        .filter(|r| is_candidate(r, &options.policy))
        .collect();
    let Some(first) = candidates.first() else {
        return Ok(DocResult {
            new_text: None,
            summary: Vec::new(),
            resources: target_count,
        });
    };
    let first_reference = first.reference.clone();
    check_limits(ctx, scanned, &options.limits)
        .map_err(|d| invalid(d.with_resource(Some(first_reference.clone()))))?;
    let original: Value = serde_yaml::from_str(without_bom(ctx.text)).map_err(|e| {
        invalid(
            Diagnostic::error("not-json-compatible", format!("this document cannot be read as a Kubernetes object: {e}"))
                .with_origin(ctx.document_origin())
                .with_hint("Kubernetes objects must convert to JSON: string keys, no duplicate keys, bounded aliases"),
        )
    })?;
    let work: Vec<(Resource, Vec<Task>)> = candidates
        .into_iter()
        .map(|r| {
            let object = original
                .pointer(&r.pointer.to_json_pointer())
                .unwrap_or(&Value::Null);
            ((*r).clone(), tasks_for(r, object, options))
        })
        .filter(|(_, tasks)| !tasks.is_empty())
        .collect();
    if work.is_empty() {
        return Ok(DocResult {
            new_text: None,
            summary: Vec::new(),
            resources: target_count,
        });
    }

    let mut current = ctx.text.to_owned();
    let mut offsets = OffsetMap::default();
    let mut changes: Vec<Change> = Vec::new();
    let mut reports: Vec<(Resource, String, Decision)> = Vec::new();
    let mut errors = Vec::new();
    for (resource, tasks) in &work {
        for task in tasks {
            let Some(node) = resource_node(&tree, &resource.pointer) else {
                return Err(internal_error(
                    ctx,
                    "a resource moved while editing".to_owned(),
                ));
            };
            let decision = match task {
                Task::Sidecar(t) => plan::sidecar(&tree, node, &resource.pointer, t),
                Task::Gateway {
                    wanted,
                    on_conflict,
                    ..
                } => plan::gateway(&tree, node, &resource.pointer, *wanted, *on_conflict),
            };
            let decision = match decision {
                Ok(d) => d,
                Err(e) => {
                    errors.push(plan_error(ctx, &offsets, resource, e));
                    continue;
                }
            };
            if let Decision::Change { change, .. } = &decision {
                let editor = Editor::new(&tree, &current);
                let edited = editor.splices(change).and_then(|s| {
                    let text = edit::apply(&current, &s)?;
                    Ok((text, s))
                });
                match edited {
                    Ok((text, splices)) => {
                        offsets.record(&splices);
                        // Later decisions see this edit: plan on the new text's tree.
                        tree = Tree::parse(&text).map_err(|e| {
                            internal_error(ctx, format!("edited text does not parse: {e}"))
                        })?;
                        current = text;
                        changes.push(change.clone());
                    }
                    Err(e) => {
                        errors.push(edit_error(ctx, &offsets, resource, &e));
                        continue;
                    }
                }
            }
            reports.push((
                resource.clone(),
                field_label(task, &options.policy),
                decision,
            ));
        }
    }
    if !errors.is_empty() {
        return Err((FailureKind::Invalid, errors));
    }
    // An edited resource must mean the same to every reader: a tag of its own left anywhere
    // in it (`!!set`, `!!binary`, `!custom`; replaced values lost theirs) may be decoded
    // differently by go-yaml than meshdrain read it.
    if !changes.is_empty() {
        for (resource, _) in &work {
            let tagged = resource_node(&tree, &resource.pointer)
                .and_then(|node| model::foreign_tag_within(&tree, node));
            if let Some(at) = tagged {
                let at = offsets.original(at);
                return Err(invalid(ctx.diagnostic_at(
                    Diagnostic::error(
                        "tagged-value",
                        "this resource holds a node with a tag of its own (such as !!set, !!binary or a custom tag): readers that decode tags may read the resource otherwise, so meshdrain does not edit it",
                    )
                    .with_resource(Some(resource.reference.clone()))
                    .with_hint("write the value without the tag (a string needs none, or !!str)"),
                    ctx.text,
                    ctx.line_base,
                    Some((at, at + 1)),
                )));
            }
        }
    }
    let expected = if changes.is_empty() {
        None
    } else {
        let value = verify(ctx, &original, &changes, &current, &tree)?;
        // The output must be accepted by the same command: an edit that nests deeper than
        // the limit is refused here, not on the next run.
        if tree.stats.max_depth > options.limits.max_depth {
            return Err(invalid(
                Diagnostic::error(
                    "limit-exceeded",
                    format!(
                        "the edited document would nest {} levels deep, over the limit of {}",
                        tree.stats.max_depth, options.limits.max_depth
                    ),
                )
                .with_origin(ctx.origin())
                .with_resource(Some(first_reference.clone()))
                .with_hint("raise --max-depth: the fields meshdrain adds nest this deep"),
            ));
        }
        Some(value)
    };
    let summary = reports
        .into_iter()
        .map(|(resource, field, decision)| {
            summarize(ctx, &tree, &current, &resource, field, decision)
        })
        .collect();
    let new_text = expected.map(|value| (current, value));
    Ok(DocResult {
        new_text,
        summary,
        resources: target_count,
    })
}

/// yaml_serde reads a byte order mark as content; the oracle does not need it.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The edited document against the json-patch oracle ([`selfcheck::check_document`]); a
/// mismatch is a bug (exit 3). Gives back the oracle's document.
fn verify(
    ctx: &DocContext<'_>,
    original: &Value,
    changes: &[Change],
    edited: &str,
    tree: &Tree,
) -> Result<Value, DocError> {
    selfcheck::check_document(original, changes, edited, tree)
        .map_err(|what| internal_error(ctx, what))
}

fn summarize(
    ctx: &DocContext<'_>,
    tree: &Tree,
    text: &str,
    resource: &Resource,
    field: String,
    decision: Decision,
) -> Diagnostic {
    let (code, message, path) = match decision {
        Decision::Unchanged { path, existing } => (
            "unchanged",
            format!("{field} is already {existing} (left as it is)"),
            path,
        ),
        Decision::Kept {
            path,
            existing,
            wanted,
        } => (
            "kept",
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
            ("changed", message, path)
        }
    };
    let at = resource_node(tree, &path)
        .and_then(|n| tree.node(n))
        .map(|n| (n.start, n.end));
    let d = Diagnostic::new(Severity::Info, code, message)
        .with_resource(Some(resource.reference.clone()))
        .with_path(dotted(&model::relative(&path, &resource.pointer)));
    ctx.diagnostic_at(d, text, ctx.out_line_base, at)
}

fn tree_value(tree: &Tree, path: &Pointer) -> Option<String> {
    resource_node(tree, path)
        .and_then(|n| tree.node(n))
        .and_then(|n| n.as_str())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::NewValue;

    fn ctx(text: &str) -> DocContext<'_> {
        DocContext {
            index: 0,
            text,
            line_base: 0,
            out_line_base: 0,
            source: None,
            input_name: "<test>",
        }
    }

    #[test]
    fn an_edit_that_misses_the_oracle_is_an_internal_error() {
        let text = "spec:\n  a: 1\n";
        let original: Value = serde_yaml::from_str(text).unwrap();
        let change = Change::Add {
            path: Pointer::root().key("spec").key("b"),
            value: NewValue::str("10s"),
        };
        // The right text passes; a text with the wrong value is a bug, reported as such.
        let good = "spec:\n  a: 1\n  b: 10s\n";
        let good_tree = Tree::parse(good).unwrap();
        assert!(
            verify(
                &ctx(text),
                &original,
                std::slice::from_ref(&change),
                good,
                &good_tree
            )
            .is_ok()
        );
        let bad = "spec:\n  a: 1\n  b: 11s\n";
        let (kind, diags) = verify(
            &ctx(text),
            &original,
            std::slice::from_ref(&change),
            bad,
            &Tree::parse(bad).unwrap(),
        )
        .unwrap_err();
        assert_eq!(kind, FailureKind::Internal);
        assert_eq!(diags[0].code, "internal-error");
        assert!(diags[0].hint.as_deref().unwrap_or("").contains("bug"));
        // Equal to serde's reader, but a tag makes it something else to go-yaml.
        let tagged = "spec:\n  a: 1\n  b: !!binary 10s\n";
        let (kind, diags) = verify(
            &ctx(text),
            &original,
            &[change],
            tagged,
            &Tree::parse(tagged).unwrap(),
        )
        .unwrap_err();
        assert_eq!(kind, FailureKind::Internal);
        assert!(
            diags[0].message.contains("/spec/b is not read as written"),
            "{}",
            diags[0].message
        );
    }

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
