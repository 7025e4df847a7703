//! The properties every fuzz target and the proptest properties assert ("never wrong output",
//! issue 7); with workload rules, also what issues 10 and 11 promise of each workload (its
//! proxy config entries and grace period, by Istio's injection and shutdown paths) and of each
//! gateway's pods' grace period (`workload_values`, `check_gateway_grace`). Each check returns `Err(description)` instead of panicking, so proptest can report
//! and shrink; the fuzz targets panic on it. Depends only on what the main crate's tests can
//! use too (meshdrain, serde_json, yaml_serde, clap): `tests/` includes this file with `#[path]`.

use std::collections::BTreeMap;

use clap::Parser;
use meshdrain::diagnostic::{Diagnostic, LineIndex, Severity};
use meshdrain::document::Tree;
use meshdrain::drain::Field as DrainField;
use meshdrain::duration::{DrainSeconds, GoDuration};
use meshdrain::policy::{DrainPolicy, OnConflict};
use meshdrain::render::{FailureKind, RenderOptions, Stats, render};
use meshdrain::stream::split;
use meshdrain::{ExitStatus, Io};
use serde_json::Value;

pub type Check = Result<(), String>;

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

fn shown(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    if s.len() > 4000 {
        format!("{}… ({} bytes)", s.get(..4000).unwrap_or(""), s.len())
    } else {
        s.into_owned()
    }
}

fn texts(diags: &[Diagnostic]) -> String {
    diags.iter().map(Diagnostic::render_text).collect()
}

/// `split`: contiguous, non-empty (unless the input is), concatenation is the input.
pub fn split_properties(input: &[u8]) -> Check {
    let slices = split(input);
    ensure!(!slices.is_empty(), "no slice at all");
    let mut pos = 0;
    for s in &slices {
        ensure!(
            s.range.start == pos,
            "slices not contiguous at {pos}: {:?}",
            s.range
        );
        ensure!(s.range.end >= s.range.start, "reversed slice {:?}", s.range);
        ensure!(
            !s.range.is_empty() || input.is_empty(),
            "empty slice {:?} of a non-empty input",
            s.range
        );
        pos = s.range.end;
    }
    ensure!(
        pos == input.len(),
        "slices end at {pos}, input has {}",
        input.len()
    );
    let joined: Vec<u8> = slices
        .iter()
        .flat_map(|s| {
            input
                .get(s.range.clone())
                .unwrap_or_default()
                .iter()
                .copied()
        })
        .collect();
    ensure!(joined == input, "concatenation differs from the input");
    Ok(())
}

/// Lines as meshdrain counts them (LF, CRLF, lone CR), for any bytes.
pub fn line_count(bytes: &[u8]) -> usize {
    LineIndex::new(&String::from_utf8_lossy(bytes)).line_count()
}

/// Every span: 1-based, not reversed, inside a text of `lines` lines and `len` bytes.
pub fn spans_within(diags: &[Diagnostic], lines: usize, len: usize) -> Check {
    for d in diags {
        let Some(span) = d.origin.span else { continue };
        let (a, b) = (span.start, span.end);
        ensure!(
            a.line >= 1 && a.column >= 1 && b.line >= 1 && b.column >= 1,
            "a 0 line or column: {a:?}..{b:?} in {}",
            d.render_text()
        );
        ensure!(
            (b.line, b.column) >= (a.line, a.column) && b.byte >= a.byte,
            "span ends before it starts: {a:?}..{b:?} in {}",
            d.render_text()
        );
        ensure!(
            b.line <= lines,
            "span line {} past the {lines} lines of the text: {}",
            b.line,
            d.render_text()
        );
        ensure!(
            b.byte <= len,
            "span byte {} past the {len} bytes of the text: {}",
            b.byte,
            d.render_text()
        );
    }
    Ok(())
}

fn yaml(text: &str) -> Option<Value> {
    serde_yaml::from_str::<Value>(text.trim_start_matches('\u{feff}')).ok()
}

fn has_document(text: &str) -> bool {
    meshdrain::document::scan(text).is_ok_and(|s| s.has_document)
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn is_list(v: &Value) -> bool {
    matches!(
        (str_of(v, "apiVersion"), str_of(v, "kind")),
        (Some("v1"), Some("List")) | (Some("config.kubernetes.io/v1"), Some("ResourceList"))
    )
}

/// The objects of a document with their JSON pointers: the document, and the items of a
/// `v1 List` or ResourceList; with `nested`, also the items of `v1 List` items (KRM mode).
pub fn objects(doc: &Value, nested: bool) -> Vec<(String, &Value)> {
    let mut out = vec![(String::new(), doc)];
    if !is_list(doc) {
        return out;
    }
    for (i, item) in doc
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if !item.is_object() {
            continue;
        }
        out.push((format!("/items/{i}"), item));
        if nested
            && str_of(item, "apiVersion") == Some("v1")
            && str_of(item, "kind") == Some("List")
        {
            for (j, inner) in item
                .get("items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if inner.is_object() {
                    out.push((format!("/items/{i}/items/{j}"), inner));
                }
            }
        }
    }
    out
}

/// The install kind of an object (`install.tetrate.io/*`, one of meshdrain's kinds).
fn install_kind(obj: &Value) -> Option<&str> {
    let api = str_of(obj, "apiVersion")?;
    let kind = str_of(obj, "kind")?;
    let group = api.split_once('/').map_or("", |(g, _)| g);
    (group == "install.tetrate.io"
        && matches!(
            kind,
            "ControlPlane" | "IngressGateway" | "EgressGateway" | "Tier1Gateway" | "Gateway"
        ))
    .then_some(kind)
}

/// A duration field's value as text, the way meshdrain reads a plain scalar.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parses(v: Option<&Value>) -> bool {
    v.and_then(value_text)
        .is_some_and(|t| GoDuration::parse(&t).is_ok())
}

/// The source text of the node at a JSON pointer of a document, when the route has no alias.
pub fn node_source(text: &str, pointer: &str) -> Option<String> {
    let tree = Tree::parse(text).ok()?;
    let mut node = tree.root?;
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        let n = tree.node(node)?;
        node = match &n.kind {
            meshdrain::document::NodeKind::Mapping { .. } => tree.get(node, &seg)?,
            meshdrain::document::NodeKind::Sequence { .. } => {
                *tree.items(node).get(seg.parse::<usize>().ok()?)?
            }
            _ => return None,
        };
    }
    let n = tree.node(node)?;
    text.get(n.start..n.end).map(str::to_owned)
}

/// The tag a scalar's source carries (after an anchor), if any.
fn tag_of(source: &str) -> Option<&str> {
    let mut rest = source.trim_start();
    if rest.starts_with('&') {
        rest = rest
            .split_once([' ', '\t'])
            .map_or("", |(_, r)| r)
            .trim_start();
    }
    rest.starts_with('!')
        .then(|| rest.split([' ', '\t', '\n', '\r']).next().unwrap_or(rest))
}

/// One drain field after a successful render.
struct Field<'a> {
    what: String,
    input: Option<&'a Value>,
    output: Option<&'a Value>,
    in_pointer: Option<String>,
    out_pointer: Option<String>,
    wanted: DrainSeconds,
    conflict: OnConflict,
}

fn check_field(f: &Field<'_>, in_text: &str, out_text: &str) -> Check {
    let got = f.output.and_then(value_text);
    let got_secs = got.as_deref().and_then(|t| GoDuration::parse(t).ok());
    let keep_existing = f.conflict == OnConflict::Keep && parses(f.input);
    if keep_existing {
        ensure!(
            f.output == f.input,
            "{}: kept value changed from {:?} to {:?}",
            f.what,
            f.input,
            f.output
        );
    } else {
        ensure!(
            got_secs == Some(f.wanted.as_go()),
            "{}: ends at {:?}, the policy wants {} (was {:?}, onConflict {})",
            f.what,
            f.output,
            f.wanted,
            f.input,
            f.conflict
        );
    }
    // A value meshdrain wrote must not keep a tag that changes its type.
    if let Some(out_ptr) = &f.out_pointer {
        let after = node_source(out_text, out_ptr);
        let before = f.in_pointer.as_ref().and_then(|p| node_source(in_text, p));
        if let Some(after) = &after
            && Some(after) != before.as_ref()
            && let Some(tag) = tag_of(after)
        {
            ensure!(
                matches!(tag, "!!str" | "!<tag:yaml.org,2002:str>"),
                "{}: meshdrain wrote {after:?}, keeping the tag {tag} (was {before:?})",
                f.what
            );
        }
    }
    Ok(())
}

/// Where a ControlPlane's sidecar field is decided (JSON view): the value and its pointer
/// below the object, or `None` when it is unset (no overlay, no patch, deleted).
/// `drainDuration` → `drain_duration`.
fn snake_case(field: &str) -> String {
    let mut out = String::new();
    for c in field.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn sidecar_value<'a>(obj: &'a Value, field: &str) -> Option<(&'a Value, String)> {
    let overlays = obj
        .pointer("/spec/components/istio/kubeSpec/overlays")?
        .as_array()?;
    // TSB's operator (Istio's overlayMatches) matches an overlay on kind and name only.
    let (i, overlay) = overlays.iter().enumerate().rev().find(|(_, o)| {
        str_of(o, "kind") == Some("IstioOperator")
            && str_of(o, "name") == Some("tsb-istiocontrolplane")
    })?;
    // jsonpb reads a ProxyConfig field's proto name too (drainDuration = drain_duration).
    let proto = snake_case(field);
    let mut found = None;
    for (j, patch) in overlay
        .get("patches")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(path) = str_of(patch, "path") else {
            continue;
        };
        let segs = meshdrain::model::normalize_patch_path(path);
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let Some(field_path) = [field, proto.as_str()]
            .into_iter()
            .map(|f| ["spec", "meshConfig", "defaultConfig", f])
            .find(|p| !segs.is_empty() && p.starts_with(&segs))
        else {
            continue;
        };
        let base = format!("/spec/components/istio/kubeSpec/overlays/{i}/patches/{j}/value");
        let rest = field_path.get(segs.len()..).unwrap_or_default();
        found = match patch.get("value") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let mut node = Some(v);
                let mut ptr = base;
                for (n, k) in rest.iter().enumerate() {
                    // The field itself, in a value mapping, in either spelling.
                    let key = if n + 1 == rest.len()
                        && node.is_some_and(|m| m.get(*k).is_none() && m.get(&proto).is_some())
                    {
                        proto.as_str()
                    } else {
                        k
                    };
                    node = node.and_then(|m| m.get(key));
                    ptr.push('/');
                    ptr.push_str(key);
                }
                node.filter(|n| !n.is_null()).map(|n| (n, ptr))
            }
        };
    }
    found
}

/// The drain fields of one document, checked against the policy (input and output docs are
/// the same document before and after).
pub fn target_values(
    policy: &DrainPolicy,
    input: &Value,
    output: &Value,
    in_text: &str,
    out_text: &str,
    nested: bool,
) -> Check {
    let ins = objects(input, nested);
    let outs = objects(output, nested);
    ensure!(
        ins.len() == outs.len(),
        "the document had {} objects and has {}",
        ins.len(),
        outs.len()
    );
    for ((ptr, obj_in), (ptr_out, obj_out)) in ins.iter().zip(&outs) {
        ensure!(ptr == ptr_out, "objects moved: {ptr} became {ptr_out}");
        if let Some(target) = upstream_mesh(obj_in) {
            upstream_values(policy, target, ptr, obj_in, obj_out, in_text, out_text)?;
            continue;
        }
        let Some(kind) = install_kind(obj_in) else {
            continue;
        };
        ensure!(
            install_kind(obj_out) == Some(kind),
            "object {ptr} changed its kind"
        );
        let name = |field: &str| {
            format!(
                "{kind} {}{ptr} {field}",
                obj_in
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("(unnamed)")
            )
        };
        if kind == "ControlPlane" {
            let Some(sidecar) = &policy.sidecar else {
                continue;
            };
            if !targets(policy, "ControlPlane") {
                ensure!(
                    obj_in == obj_out,
                    "{kind} {ptr} changed, but the policy's sidecar targets do not name it"
                );
                continue;
            }
            // The oracle names the fields itself rather than reading meshdrain's table.
            for (field, wanted) in [
                ("drainDuration", sidecar.get(DrainField::DrainDuration)),
                (
                    "terminationDrainDuration",
                    sidecar.get(DrainField::TerminationDrainDuration),
                ),
            ] {
                let Some(wanted) = wanted else { continue };
                let before = sidecar_value(obj_in, field);
                let after = sidecar_value(obj_out, field);
                check_field(
                    &Field {
                        what: name(field),
                        input: before.as_ref().map(|(v, _)| *v),
                        output: after.as_ref().map(|(v, _)| *v),
                        in_pointer: before.as_ref().map(|(_, p)| format!("{ptr}{p}")),
                        out_pointer: after.as_ref().map(|(_, p)| format!("{ptr}{p}")),
                        wanted,
                        conflict: policy.on_conflict,
                    },
                    in_text,
                    out_text,
                )?;
            }
        } else {
            let Some((_, rule)) = policy.gateway_rule(kind, obj_in) else {
                continue;
            };
            let (false, Some(wanted)) = (
                rule.skip,
                rule.durations.get(DrainField::ConnectionDrainDuration),
            ) else {
                continue;
            };
            let p = format!("{ptr}/spec/connectionDrainDuration");
            let conflict = rule.on_conflict.unwrap_or(policy.on_conflict);
            check_field(
                &Field {
                    what: name("connectionDrainDuration"),
                    input: obj_in.pointer("/spec/connectionDrainDuration"),
                    output: obj_out.pointer("/spec/connectionDrainDuration"),
                    in_pointer: Some(p.clone()),
                    out_pointer: Some(p),
                    wanted,
                    conflict,
                },
                in_text,
                out_text,
            )?;
            check_gateway_grace(
                &name("kubeSpec.overlays"),
                obj_in,
                obj_out,
                rule.durations.get(DrainField::GracePeriodMargin),
                conflict,
            )?;
        }
    }
    Ok(())
}

/// Whether the policy's sidecar settings go to the mesh configs called `name`.
fn targets(policy: &DrainPolicy, name: &str) -> bool {
    policy.sidecar_targets.iter().any(|t| t.name() == name)
}

/// Upstream Istio's mesh configs, as the oracle tells them itself: an `install.istio.io`
/// IstioOperator, or the istiod chart's ConfigMap `istio`, or `istio-<rev>` labelled
/// `istio.io/rev: <rev>` or with a `mesh` key.
fn upstream_mesh(obj: &Value) -> Option<&'static str> {
    let api = str_of(obj, "apiVersion")?;
    let kind = str_of(obj, "kind")?;
    let group = api.split_once('/').map_or("", |(g, _)| g);
    if group == "install.istio.io" && kind == "IstioOperator" {
        return Some("IstioOperator");
    }
    if api != "v1" || kind != "ConfigMap" {
        return None;
    }
    let name = obj.pointer("/metadata/name").and_then(Value::as_str)?;
    let revisioned = name
        .strip_prefix("istio-")
        .filter(|r| !r.is_empty())
        .is_some_and(|r| {
            obj.pointer("/metadata/labels/istio.io~1rev")
                .and_then(Value::as_str)
                == Some(r)
                || obj.pointer("/data/mesh").is_some()
        });
    (name == "istio" || revisioned).then_some("MeshConfigMap")
}

/// A field of a `defaultConfig` mapping in either spelling (camelCase first, as meshdrain
/// edits the one that is there), with its pointer below `base`.
fn default_config_value<'a>(
    config: Option<&'a Value>,
    base: &str,
    field: &str,
) -> Option<(&'a Value, String)> {
    let config = config?;
    [field.to_owned(), snake_case(field)]
        .into_iter()
        .find_map(|name| {
            let v = config.get(&name)?;
            (!v.is_null()).then(|| (v, format!("{base}/{name}")))
        })
}

/// The mesh config in a ConfigMap's `data.mesh` string, parsed.
fn embedded_mesh(obj: &Value) -> Option<Value> {
    obj.pointer("/data/mesh")
        .and_then(Value::as_str)
        .and_then(yaml)
}

/// An upstream mesh config against the policy: the sidecar fields where its targets name it
/// (`spec.meshConfig.defaultConfig` of an IstioOperator, `defaultConfig` of the mesh config in
/// a mesh ConfigMap's `data.mesh`), else untouched.
fn upstream_values(
    policy: &DrainPolicy,
    target: &str,
    ptr: &str,
    obj_in: &Value,
    obj_out: &Value,
    in_text: &str,
    out_text: &str,
) -> Check {
    let sidecar = match &policy.sidecar {
        Some(s) if targets(policy, target) => s,
        _ => {
            ensure!(
                obj_in == obj_out,
                "{target} {ptr} changed, but the policy's sidecar targets do not name it"
            );
            return Ok(());
        }
    };
    let (mesh_in, mesh_out) = match target {
        "MeshConfigMap" => (embedded_mesh(obj_in), embedded_mesh(obj_out)),
        _ => (
            obj_in.pointer("/spec/meshConfig").cloned(),
            obj_out.pointer("/spec/meshConfig").cloned(),
        ),
    };
    let base = match target {
        "MeshConfigMap" => None,
        _ => Some(format!("{ptr}/spec/meshConfig/defaultConfig")),
    };
    for (field, wanted) in [
        ("drainDuration", sidecar.get(DrainField::DrainDuration)),
        (
            "terminationDrainDuration",
            sidecar.get(DrainField::TerminationDrainDuration),
        ),
    ] {
        let Some(wanted) = wanted else { continue };
        let at = |mesh: &Option<Value>| {
            default_config_value(
                mesh.as_ref().and_then(|m| m.get("defaultConfig")),
                base.as_deref().unwrap_or(""),
                field,
            )
            .map(|(v, p)| (v.clone(), p))
        };
        let (before, after) = (at(&mesh_in), at(&mesh_out));
        // Pointers into the document only where the field is not inside a string.
        let pointer = |found: &Option<(Value, String)>| {
            base.as_ref().and(found.as_ref()).map(|(_, p)| p.clone())
        };
        check_field(
            &Field {
                what: format!("{target} {ptr} {field}"),
                input: before.as_ref().map(|(v, _)| v),
                output: after.as_ref().map(|(v, _)| v),
                in_pointer: pointer(&before),
                out_pointer: pointer(&after),
                wanted,
                conflict: policy.on_conflict,
            },
            in_text,
            out_text,
        )?;
    }
    Ok(())
}

/// Which properties to hold a render to; all of them by default (the fuzz targets). The
/// proptest run relaxes the ones with open bugs and checks them in ignored tests.
#[derive(Clone, Copy, Debug)]
pub struct Expect {
    /// Error positions lie inside the input (an error after an earlier edit in the same
    /// document is positioned in the edited text: a known finding).
    pub error_lines_in_input: bool,
}

impl Default for Expect {
    fn default() -> Self {
        Expect {
            error_lines_in_input: true,
        }
    }
}

/// What a render did, for the metamorphic comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub output: Option<Vec<u8>>,
    pub stats: Option<Stats>,
    pub codes: Vec<&'static str>,
}

/// `render` on any bytes: an error has diagnostics and is never internal (exit 3); a result
/// re-splits document for document, leaves unedited documents byte-identical, renders again
/// to itself, and gives every target the policy's value.
pub fn render_properties(
    input: &[u8],
    options: &RenderOptions,
    expect: Expect,
) -> Result<Outcome, String> {
    let lines = if expect.error_lines_in_input {
        line_count(input)
    } else {
        usize::MAX
    };
    let rendered = match render(input, options) {
        Err(f) => {
            ensure!(
                !f.diagnostics.is_empty(),
                "a failed render without diagnostics"
            );
            ensure!(
                f.kind != FailureKind::Internal,
                "internal error (exit 3) on\n{}\n---- diagnostics:\n{}",
                shown(input),
                texts(&f.diagnostics)
            );
            spans_within(&f.diagnostics, lines, input.len())
                .map_err(|e| format!("{e}\n---- input:\n{}", shown(input)))?;
            let mut codes: Vec<&'static str> = f.diagnostics.iter().map(|d| d.code_str()).collect();
            codes.sort_unstable();
            codes.dedup();
            return Ok(Outcome {
                output: None,
                stats: None,
                codes,
            });
        }
        Ok(r) => r,
    };
    let out = rendered.to_bytes();
    let ctx = || {
        format!(
            "\n---- input:\n{}\n---- output:\n{}",
            shown(input),
            shown(&out)
        )
    };
    spans_within(&rendered.summary, line_count(&out), out.len())
        .map_err(|e| format!("{e}{}", ctx()))?;
    let in_slices = split(input);
    let out_slices = split(&out);
    ensure!(
        in_slices.len() == out_slices.len(),
        "{} documents in, {} out{}",
        in_slices.len(),
        out_slices.len(),
        ctx()
    );
    let edited: Vec<usize> = rendered.edits().iter().map(|e| e.document).collect();
    for e in rendered.edits() {
        ensure!(
            in_slices.get(e.document).map(|s| &s.range) == Some(&e.range),
            "edit of document {} has range {:?}, the document is {:?}",
            e.document,
            e.range,
            in_slices.get(e.document)
        );
    }
    for (i, (a, b)) in in_slices.iter().zip(&out_slices).enumerate() {
        if !edited.contains(&i) {
            ensure!(
                input.get(a.range.clone()) == out.get(b.range.clone()),
                "document {i} was not edited but changed{}",
                ctx()
            );
        }
    }
    match render(&out, options) {
        Ok(again) => {
            ensure!(
                !again.changed() && again.to_bytes() == out,
                "a second render changes the output again{}\n---- second:\n{}",
                ctx(),
                shown(&again.to_bytes())
            );
        }
        Err(f) => {
            return Err(format!(
                "the output does not render again: {}{}",
                texts(&f.diagnostics),
                ctx()
            ));
        }
    }
    let (Ok(in_text), Ok(out_text)) = (std::str::from_utf8(input), std::str::from_utf8(&out))
    else {
        return Err(format!(
            "a render succeeded on or produced non-UTF-8{}",
            ctx()
        ));
    };
    let mut view: Option<StreamView> = None;
    for (i, (a, b)) in in_slices.iter().zip(&out_slices).enumerate() {
        let (Some(doc_in), Some(doc_out)) =
            (in_text.get(a.range.clone()), out_text.get(b.range.clone()))
        else {
            continue;
        };
        if !has_document(doc_in) {
            continue;
        }
        let Some(v_in) = yaml(doc_in) else { continue };
        let Some(v_out) = yaml(doc_out) else {
            return Err(format!("document {i} no longer parses{}", ctx()));
        };
        target_values(&options.policy, &v_in, &v_out, doc_in, doc_out, false)
            .map_err(|e| format!("document {i}: {e}{}", ctx()))?;
        workload_values(
            &options.policy,
            view.get_or_insert_with(|| StreamView::of_stream(in_text)),
            options.istio_version,
            &v_in,
            &v_out,
            Some(doc_in),
            false,
        )
        .map_err(|e| format!("document {i}: {e}{}", ctx()))?;
    }
    Ok(Outcome {
        output: Some(out),
        stats: Some(rendered.stats),
        codes: Vec::new(),
    })
}

/// The same stream with other line breaks renders the same way, with those line breaks.
pub fn same_across_breaks(
    lf: &str,
    other: &str,
    convert: impl Fn(&str) -> String,
    options: &RenderOptions,
    expect: Expect,
) -> Check {
    let a = render_properties(lf.as_bytes(), options, expect)?;
    let b = render_properties(other.as_bytes(), options, expect)?;
    match (&a.output, &b.output) {
        (Some(x), Some(y)) => {
            let want = convert(&String::from_utf8_lossy(x));
            ensure!(
                want.as_bytes() == y.as_slice(),
                "line breaks change the result:\n---- LF input:\n{lf}\n---- LF output:\n{}\n---- other output:\n{}",
                String::from_utf8_lossy(x),
                shown(y)
            );
        }
        (None, None) => ensure!(
            a.codes == b.codes,
            "line breaks change the errors: {:?} vs {:?}\n---- LF input:\n{lf}",
            a.codes,
            b.codes
        ),
        _ => {
            return Err(format!(
                "line breaks decide success: LF {:?}, other {:?}\n---- LF input:\n{lf}\n---- other input:\n{}",
                a.codes,
                b.codes,
                other.escape_debug()
            ));
        }
    }
    Ok(())
}

/// Comments change nothing a render decides.
pub fn same_without_comments(
    with: &str,
    without: &str,
    options: &RenderOptions,
    expect: Expect,
) -> Check {
    let a = render_properties(with.as_bytes(), options, expect)?;
    let b = render_properties(without.as_bytes(), options, expect)?;
    // NEL, LS and PS end a comment for go-yaml (the rest of the line is content), so a
    // comment holding one is not inert: meshdrain refuses such documents.
    if with.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        return Ok(());
    }
    ensure!(
        a.output.is_some() == b.output.is_some() && a.stats == b.stats && a.codes == b.codes,
        "comments change the render: {:?} {:?} vs {:?} {:?}\n---- with comments:\n{with}\n---- without:\n{without}",
        a.stats,
        a.codes,
        b.stats,
        b.codes
    );
    Ok(())
}

/// One in-process run of the CLI.
pub struct Run {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `meshdrain ARGS` with `stdin`, no environment, no terminal.
pub fn run(args: &[&str], stdin: &[u8]) -> Run {
    let mut argv = vec!["meshdrain"];
    argv.extend_from_slice(args);
    let cli = meshdrain::cli::Cli::try_parse_from(argv)
        .unwrap_or_else(|e| panic!("bad fuzz arguments {args:?}: {e}"));
    let mut input = stdin;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let status = {
        let mut io = Io {
            stdin: &mut input,
            stdin_is_terminal: false,
            stdin_size: None,
            stdout: &mut stdout,
            stdout_is_terminal: false,
            stderr: &mut stderr,
            env: BTreeMap::new(),
        };
        meshdrain::run(cli, &mut io)
    };
    Run {
        status,
        stdout,
        stderr,
    }
}

fn run_context(args: &[&str], input: &[u8], r: &Run) -> String {
    format!(
        "\nmeshdrain {} → {:?}\n---- stdin:\n{}\n---- stdout:\n{}\n---- stderr:\n{}",
        args.join(" "),
        r.status,
        shown(input),
        shown(&r.stdout),
        shown(&r.stderr)
    )
}

/// Flags for a render through the CLI.
#[derive(Clone, Debug, Default)]
pub struct RenderFlags {
    pub check: bool,
    pub fail_on_warning: bool,
    pub verbose: bool,
    pub diff: bool,
    pub max_depth: Option<usize>,
    pub keep: bool,
}

impl RenderFlags {
    /// From a byte of fuzz input.
    pub fn from_bits(b: u8) -> RenderFlags {
        RenderFlags {
            check: b & 1 != 0,
            fail_on_warning: b & 2 != 0,
            verbose: b & 4 != 0,
            diff: b & 8 != 0 && b & 1 == 0,
            max_depth: match (b >> 4) & 3 {
                1 => Some(5),
                2 => Some(8),
                _ => None,
            },
            keep: b & 0x40 != 0,
        }
    }

    pub fn args(&self) -> Vec<String> {
        let mut a = vec!["render".to_owned()];
        if self.check {
            a.push("--check".into());
            if self.fail_on_warning {
                a.extend(["--fail-on".into(), "warning".into()]);
            }
        }
        if self.verbose {
            a.push("-v".into());
        }
        if self.diff {
            a.push("--diff".into());
        }
        if let Some(d) = self.max_depth {
            a.extend(["--max-depth".into(), d.to_string()]);
        }
        if self.keep {
            a.extend(["--on-conflict".into(), "keep".into()]);
        }
        a
    }
}

/// `meshdrain render FLAGS`: exit 0, 1 (only with `--check`) or 2; a non-zero exit writes
/// stderr and no stdout; a successful stream renders again to itself with the same flags; with
/// default flags stdout is exactly `render`'s output.
pub fn render_run_properties(input: &[u8], flags: &RenderFlags) -> Check {
    let owned = flags.args();
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    let r = run(&args, input);
    let ctx = || run_context(&args, input, &r);
    ensure!(r.status != ExitStatus::Internal, "exit 3{}", ctx());
    if r.status != ExitStatus::Success {
        ensure!(
            !r.stderr.is_empty(),
            "non-zero exit with an empty stderr{}",
            ctx()
        );
        ensure!(r.stdout.is_empty(), "output on a failed run{}", ctx());
    }
    if r.status == ExitStatus::Findings {
        ensure!(flags.check, "exit 1 without --check{}", ctx());
    }
    if r.status == ExitStatus::Success && !flags.diff {
        let again = run(&args, &r.stdout);
        ensure!(
            again.status == ExitStatus::Success && again.stdout == r.stdout,
            "the output does not render again to itself with the same flags: {:?}\n---- second stdout:\n{}\n---- second stderr:\n{}{}",
            again.status,
            shown(&again.stdout),
            shown(&again.stderr),
            ctx()
        );
        if flags.max_depth.is_none() && !flags.keep {
            let direct = render(input, &RenderOptions::default()).map(|x| x.to_bytes());
            ensure!(
                direct.as_ref().ok() == Some(&r.stdout),
                "the CLI and render() disagree{}",
                ctx()
            );
        }
    }
    Ok(())
}

/// Counts findings per severity in a JSON report.
fn severity_count(findings: &[Value], severity: &str) -> u64 {
    findings
        .iter()
        .filter(|f| f["severity"] == severity)
        .count() as u64
}

/// `meshdrain check - --format F --fail-on X` for every format: the same exit status (0, 1 or
/// 2, never 3) everywhere; JSON and SARIF parse; the JSON summary counts its findings; exit 1
/// exactly when a finding is at or above `--fail-on`; spans lie inside the input.
pub fn check_properties(input: &[u8], fail_on: &str) -> Check {
    let threshold = match fail_on {
        "warning" => 1,
        "info" => 0,
        _ => 2,
    };
    let rank = |s: &str| match s {
        "error" => 2,
        "warning" => 1,
        _ => 0,
    };
    let lines = line_count(input);
    let mut status = None;
    let mut count = None;
    for format in ["json", "sarif", "text", "github"] {
        let args = ["check", "-", "--format", format, "--fail-on", fail_on];
        let r = run(&args, input);
        let ctx = || run_context(&args, input, &r);
        ensure!(
            matches!(
                r.status,
                ExitStatus::Success | ExitStatus::Findings | ExitStatus::Invalid
            ),
            "exit {:?}{}",
            r.status,
            ctx()
        );
        if let Some(s) = status {
            ensure!(
                s == r.status,
                "--format {format} exits {:?}, json {s:?}{}",
                r.status,
                ctx()
            );
        }
        status = Some(r.status);
        if r.status == ExitStatus::Invalid {
            ensure!(
                !r.stderr.is_empty() && r.stdout.is_empty(),
                "exit 2 must explain on stderr only{}",
                ctx()
            );
            continue;
        }
        let text = String::from_utf8_lossy(&r.stdout);
        match format {
            "json" => {
                let v: Value = serde_json::from_str(&text)
                    .map_err(|e| format!("JSON output does not parse: {e}{}", ctx()))?;
                let findings = v["findings"].as_array().cloned().unwrap_or_default();
                let summary = &v["summary"];
                for (key, sev) in [
                    ("errors", "error"),
                    ("warnings", "warning"),
                    ("infos", "info"),
                ] {
                    ensure!(
                        summary[key].as_u64() == Some(severity_count(&findings, sev)),
                        "summary.{key} is {} but there are {} {sev} findings{}",
                        summary[key],
                        severity_count(&findings, sev),
                        ctx()
                    );
                }
                let fails = findings
                    .iter()
                    .any(|f| rank(f["severity"].as_str().unwrap_or("")) >= threshold);
                ensure!(
                    summary["failed"] == fails,
                    "summary.failed is {} but findings say {fails}{}",
                    summary["failed"],
                    ctx()
                );
                ensure!(
                    (r.status == ExitStatus::Findings) == fails,
                    "exit {:?} but findings at or above --fail-on {fail_on}: {fails}{}",
                    r.status,
                    ctx()
                );
                for f in &findings {
                    let span = &f["span"];
                    if span.is_null() {
                        continue;
                    }
                    let p = |w: &str, k: &str| span[w][k].as_u64().unwrap_or(0) as usize;
                    ensure!(
                        p("start", "line") >= 1 && p("start", "column") >= 1,
                        "0 line or column in {f}{}",
                        ctx()
                    );
                    ensure!(
                        (p("end", "line"), p("end", "column"))
                            >= (p("start", "line"), p("start", "column"))
                            && p("end", "byte") >= p("start", "byte"),
                        "reversed span in {f}{}",
                        ctx()
                    );
                    ensure!(
                        p("end", "line") <= lines && p("end", "byte") <= input.len(),
                        "span outside the input in {f}{}",
                        ctx()
                    );
                }
                count = Some(findings.len());
            }
            "sarif" => {
                let v: Value = serde_json::from_str(&text)
                    .map_err(|e| format!("SARIF output does not parse: {e}{}", ctx()))?;
                let results = v["runs"][0]["results"].as_array().map_or(0, Vec::len);
                ensure!(
                    Some(results) == count,
                    "SARIF has {results} results, JSON {count:?} findings{}",
                    ctx()
                );
            }
            "text" => {
                let last = text.lines().last().unwrap_or("");
                ensure!(
                    last.starts_with("No findings") || last.starts_with("Found "),
                    "text output does not end with the summary: {last:?}{}",
                    ctx()
                );
            }
            _ => {
                let commands = text.lines().filter(|l| l.starts_with("::")).count();
                ensure!(
                    Some(commands) == count && commands == text.lines().count(),
                    "GitHub output has {commands} commands in {} lines, JSON {count:?} findings{}",
                    text.lines().count(),
                    ctx()
                );
            }
        }
    }
    Ok(())
}

/// A ResourceList's items; none (or null) is an empty list.
fn items_of(list: &Value) -> Value {
    match list.get("items") {
        None | Some(Value::Null) => Value::Array(Vec::new()),
        Some(v) => v.clone(),
    }
}

/// The policy a ResourceList's functionConfig stands for (kpt's empty ConfigMap: the default).
fn krm_policy(list: &Value) -> Option<DrainPolicy> {
    match list.get("functionConfig").filter(|v| !v.is_null()) {
        None => Some(DrainPolicy::default()),
        Some(c)
            if str_of(c, "kind") == Some("ConfigMap") && str_of(c, "apiVersion") == Some("v1") =>
        {
            Some(DrainPolicy::default())
        }
        Some(c) => {
            meshdrain::policy::file::parse_embedded(c, "functionConfig", "functionConfig").ok()
        }
    }
}

/// `meshdrain --mode krm`: exit 0 or 2 (never 3); a non-zero exit writes stderr; the output is
/// one ResourceList (empty only when the input is no readable ResourceList); exit 0 has no
/// error results and every item target at the policy's value (items of `v1 List` items too);
/// exit 2 returns the items unchanged with an error result.
pub fn krm_properties(input: &[u8]) -> Check {
    let args = ["--mode", "krm"];
    let r = run(&args, input);
    let ctx = || run_context(&args, input, &r);
    ensure!(
        matches!(r.status, ExitStatus::Success | ExitStatus::Invalid),
        "exit {:?}{}",
        r.status,
        ctx()
    );
    if r.status != ExitStatus::Success {
        ensure!(
            !r.stderr.is_empty(),
            "non-zero exit with an empty stderr{}",
            ctx()
        );
    }
    let in_text = std::str::from_utf8(input).ok();
    let in_value = in_text.and_then(yaml);
    if r.stdout.is_empty() {
        ensure!(
            r.status == ExitStatus::Invalid,
            "exit 0 with no ResourceList on stdout{}",
            ctx()
        );
        ensure!(
            in_value
                .as_ref()
                .is_none_or(|v| str_of(v, "kind") != Some("ResourceList")),
            "a readable ResourceList got no ResourceList back{}",
            ctx()
        );
        return Ok(());
    }
    let out_text =
        String::from_utf8(r.stdout.clone()).map_err(|_| format!("non-UTF-8 output{}", ctx()))?;
    let docs = split(out_text.as_bytes())
        .into_iter()
        .filter(|s| out_text.get(s.range.clone()).is_some_and(has_document))
        .count();
    ensure!(
        docs == 1,
        "{docs} documents on stdout, a KRM function writes one ResourceList{}",
        ctx()
    );
    let out = yaml(&out_text).ok_or_else(|| format!("the output does not parse{}", ctx()))?;
    ensure!(
        str_of(&out, "apiVersion") == Some("config.kubernetes.io/v1")
            && str_of(&out, "kind") == Some("ResourceList"),
        "the output is not a ResourceList{}",
        ctx()
    );
    let results: Vec<&Value> = out
        .get("results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let errors = results.iter().filter(|r| r["severity"] == "error").count();
    if r.status == ExitStatus::Success {
        ensure!(errors == 0, "exit 0 with {errors} error results{}", ctx());
        if let (Some(in_text), Some(in_value)) = (in_text, &in_value)
            && let Some(policy) = krm_policy(in_value)
        {
            target_values(&policy, in_value, &out, in_text, &out_text, true)
                .map_err(|e| format!("{e}{}", ctx()))?;
            let mut view = StreamView::default();
            view.add(in_value);
            workload_values(
                &policy,
                &view,
                meshdrain::policy::IstioVersion::DEFAULT,
                in_value,
                &out,
                Some(in_text),
                true,
            )
            .map_err(|e| format!("{e}{}", ctx()))?;
        }
    } else {
        ensure!(errors > 0, "exit 2 without an error result{}", ctx());
        // A ResourceList comes back with its items unchanged; anything else is refused in a
        // new, empty ResourceList.
        let in_list = in_value.as_ref().filter(|v| {
            str_of(v, "apiVersion") == Some("config.kubernetes.io/v1")
                && str_of(v, "kind") == Some("ResourceList")
        });
        match in_list {
            // No `items` is an empty list of them (the KRM wire format's default).
            Some(in_value) => ensure!(
                items_of(in_value) == items_of(&out),
                "exit 2 but the items changed{}",
                ctx()
            ),
            None => ensure!(
                out.get("items")
                    .and_then(Value::as_array)
                    .is_some_and(Vec::is_empty),
                "exit 2 on a non-ResourceList without an empty items list{}",
                ctx()
            ),
        }
    }
    Ok(())
}

/// The policy loader: an error has diagnostics whose positions lie inside the text; a policy
/// that loads describes and validates without panicking.
pub fn policy_load_properties(text: &str) -> Check {
    match meshdrain::policy::file::parse_file_text(text, "policy.yaml") {
        Ok(p) => {
            let _ = p.describe();
            let _ = p.validate(meshdrain::policy::IstioVersion::DEFAULT);
        }
        Err(diags) => {
            ensure!(!diags.is_empty(), "a policy error without diagnostics");
            spans_within(&diags, line_count(text.as_bytes()), text.len())?;
            for d in &diags {
                ensure!(
                    d.severity == Severity::Error,
                    "a policy problem below error: {}",
                    d.render_text()
                );
            }
        }
    }
    Ok(())
}

// ---- Workloads and gateway grace periods (issues 10 and 11), modelled here from the spec
// (Istio's injection webhook and injector, pilot-agent's shutdown paths, Kubernetes' grace
// period, TSB's overlays), not from meshdrain's model: where the model cannot decide an input
// with confidence (a value Kubernetes would refuse, a sleep it cannot read) it checks less.

/// Whether the properties that open findings break are checked too
/// (`MESHDRAIN_FUZZ_FEATURES=findings`, see `fuzz/findings/README.md`); otherwise the oracle
/// treats the inputs they touch as ones it cannot decide, so that CI's runs and the proptest
/// properties pass while the findings are open.
pub fn open_findings() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("MESHDRAIN_FUZZ_FEATURES").as_deref() == Ok("findings"))
}

/// Kubernetes' default `terminationGracePeriodSeconds`.
const DEFAULT_GRACE: i64 = 30;
/// meshdrain's default `gracePeriodMargin`, in seconds.
const DEFAULT_MARGIN: u64 = 5;
/// Istio's defaults: `terminationDrainDuration` and `MINIMUM_DRAIN_DURATION`, in seconds.
const DEFAULT_TERMINATION_DRAIN: f64 = 5.0;
const DEFAULT_MINIMUM_DRAIN: f64 = 5.0;
const CONFIG_ANNOTATION: &str = "proxy.istio.io/config";
const INJECT: &str = "sidecar.istio.io/inject";
const EXIT_ON_ZERO: &str = "EXIT_ON_ZERO_ACTIVE_CONNECTIONS";
const MINIMUM_DRAIN: &str = "MINIMUM_DRAIN_DURATION";

/// What the workloads of a stream depend on besides themselves.
#[derive(Clone, Debug, Default)]
pub struct StreamView {
    /// The labels of each `v1 Namespace`, by name (the last one wins); `None` when a label
    /// that decides injection is not a string.
    pub namespaces: BTreeMap<String, Option<BTreeMap<String, String>>>,
    /// A ControlPlane or IstioOperator sets the injector's global `proxy.lifecycle`.
    pub global_lifecycle: bool,
    /// Upstream Istio's mesh configs (IstioOperators, mesh ConfigMaps), in stream order: the
    /// sidecars of a revision get the last one's `terminationDrainDuration`.
    pub meshes: Vec<MeshView>,
    /// Something the view depends on could not be read (a document yaml_serde refuses, a
    /// patch path it cannot follow): the workload checks are skipped.
    pub uncertain: bool,
}

/// An upstream mesh config as the workloads of its revision see it.
#[derive(Clone, Debug)]
pub struct MeshView {
    /// What the policy's sidecar targets call it (`IstioOperator`, `MeshConfigMap`).
    pub target: &'static str,
    /// The revision whose sidecars it configures (`default` without one).
    pub revision: String,
    /// Its `defaultConfig.terminationDrainDuration` in seconds (`None` unset); `Err(())` for
    /// a value the oracle does not read (not a duration string).
    pub termination: Result<Option<f64>, ()>,
}

impl MeshView {
    /// The mesh config `obj` is, if it is one ([`upstream_mesh`]); `None` too for a revision
    /// that is not a string (the view is then uncertain).
    fn of(obj: &Value) -> Option<Result<MeshView, ()>> {
        let target = upstream_mesh(obj)?;
        let (revision, config) = if target == "IstioOperator" {
            let revision = match obj.pointer("/spec/revision") {
                None | Some(Value::Null) => "default".to_owned(),
                Some(Value::String(r)) if r.is_empty() => "default".to_owned(),
                Some(Value::String(r)) => r.clone(),
                Some(_) => return Some(Err(())),
            };
            let config = obj.pointer("/spec/meshConfig/defaultConfig").cloned();
            (revision, config)
        } else {
            let name = obj.pointer("/metadata/name").and_then(Value::as_str)?;
            let revision = match name.strip_prefix("istio-") {
                Some(r) => r.to_owned(),
                None => "default".to_owned(),
            };
            let config = embedded_mesh(obj).and_then(|m| m.get("defaultConfig").cloned());
            (revision, config)
        };
        let termination =
            match default_config_value(config.as_ref(), "", "terminationDrainDuration") {
                None => Ok(None),
                Some((v, _)) => duration_secs(v).map(Some).ok_or(()),
            };
        Some(Ok(MeshView {
            target,
            revision,
            termination,
        }))
    }
}

/// The revision of a workload's sidecar: its pod template's `istio.io/rev` label, else its
/// namespace's, else `default`; `None` when the oracle cannot tell (a label that is not a
/// string).
fn workload_revision(view: &StreamView, obj: &Value, template: &Value) -> Option<String> {
    let own = |v: Option<&Value>| -> Option<Option<String>> {
        match v {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(r)) if r.is_empty() => Some(None),
            Some(Value::String(r)) => Some(Some(r.clone())),
            Some(_) => None,
        }
    };
    if let Some(r) = own(template.pointer("/metadata/labels/istio.io~1rev"))? {
        return Some(r);
    }
    let ns = match obj.pointer("/metadata/namespace") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) => Some(n.as_str()),
        Some(_) => return None,
    };
    let labels = match ns.and_then(|n| view.namespaces.get(n)) {
        None => None,
        Some(None) => return None,
        Some(Some(labels)) => labels.get("istio.io/rev").filter(|r| !r.is_empty()),
    };
    Some(labels.cloned().unwrap_or_else(|| "default".to_owned()))
}

/// Plain `.`-separated patch path segments, or `None` for a path the oracle does not model
/// (selectors, escapes, slashes).
fn plain_path(path: &str) -> Option<Vec<String>> {
    if path.contains(['[', '\\', '/']) {
        return None;
    }
    Some(
        path.split('.')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// The value a list of overlay patches gives to `field` (patches apply in order, so the last
/// one that is the field or an ancestor decides): `Ok(None)` unset, `Err(())` undecidable.
fn patched<'a>(patches: &'a Value, field: &[&str]) -> Result<Option<&'a Value>, ()> {
    let Some(patches) = patches.as_array() else {
        return if patches.is_null() { Ok(None) } else { Err(()) };
    };
    let mut found: Option<(Vec<String>, &Value)> = None;
    for patch in patches {
        let Some(path) = patch.get("path") else {
            continue;
        };
        let Some(path) = path.as_str() else {
            return Err(());
        };
        let segs = plain_path(path).ok_or(())?;
        if segs.is_empty()
            || segs.len() > field.len()
            || segs.iter().zip(field).any(|(a, b)| a != b)
        {
            continue;
        }
        found = Some((segs, patch));
    }
    let Some((segs, patch)) = found else {
        return Ok(None);
    };
    let mut node = match patch.get("value") {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v,
    };
    for key in field.get(segs.len()..).unwrap_or_default() {
        node = match node {
            Value::Object(m) => match m.get(*key) {
                None | Some(Value::Null) => return Ok(None),
                Some(v) => v,
            },
            _ => return Err(()),
        };
    }
    Ok(Some(node))
}

impl StreamView {
    /// Reads the Namespaces and mesh configs of a stream's documents (with their List
    /// items, nested ones too).
    pub fn of_stream(text: &str) -> StreamView {
        let mut view = StreamView::default();
        for slice in split(text.as_bytes()) {
            let Some(doc) = text.get(slice.range) else {
                continue;
            };
            if !has_document(doc) {
                continue;
            }
            match yaml(doc) {
                Some(v) => view.add(&v),
                None => {
                    if [
                        "Namespace",
                        "ControlPlane",
                        "IstioOperator",
                        "ConfigMap",
                        "List",
                        "<<",
                    ]
                    .iter()
                    .any(|k| doc.contains(k))
                    {
                        view.uncertain = true;
                    }
                }
            }
        }
        view
    }

    /// Adds one document's objects.
    pub fn add(&mut self, doc: &Value) {
        for (_, obj) in objects(doc, true) {
            match MeshView::of(obj) {
                None => {}
                Some(Ok(mesh)) => self.meshes.push(mesh),
                Some(Err(())) => self.uncertain = true,
            }
            let api = str_of(obj, "apiVersion").unwrap_or("");
            let group = api.split_once('/').map_or("", |(g, _)| g);
            match (group, api, str_of(obj, "kind")) {
                (_, "v1", Some("Namespace")) => {
                    let Some(name) = obj.pointer("/metadata/name").and_then(Value::as_str) else {
                        self.uncertain |= obj.pointer("/metadata/name").is_some();
                        continue;
                    };
                    let labels = obj.pointer("/metadata/labels");
                    let read = match labels {
                        None | Some(Value::Null) => Some(BTreeMap::new()),
                        Some(Value::Object(m)) => {
                            let decisive = ["istio-injection", "istio.io/rev"];
                            m.iter()
                                .filter(|(k, _)| decisive.contains(&k.as_str()))
                                .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                                .collect::<Option<BTreeMap<_, _>>>()
                        }
                        Some(_) => None,
                    };
                    self.namespaces.insert(name.to_owned(), read);
                }
                ("install.istio.io", _, Some("IstioOperator")) => {
                    let lifecycle = obj.pointer("/spec/values/global/proxy/lifecycle");
                    self.global_lifecycle |= lifecycle.is_some_and(|v| !v.is_null());
                }
                ("install.tetrate.io", _, Some("ControlPlane")) => {
                    let Some(overlays) = obj
                        .pointer("/spec/components/istio/kubeSpec/overlays")
                        .and_then(Value::as_array)
                    else {
                        continue;
                    };
                    // The last overlay for the mesh's IstioOperator is the one applied.
                    let Some(overlay) = overlays.iter().rev().find(|o| {
                        str_of(o, "kind") == Some("IstioOperator")
                            && str_of(o, "name") == Some("tsb-istiocontrolplane")
                    }) else {
                        continue;
                    };
                    let field = ["spec", "values", "global", "proxy", "lifecycle"];
                    match overlay.get("patches").map(|p| patched(p, &field)) {
                        None | Some(Ok(None)) => {}
                        Some(Ok(Some(_))) => self.global_lifecycle = true,
                        Some(Err(())) => self.uncertain = true,
                    }
                }
                _ => {}
            }
        }
    }
}

/// The pod template path of a workload kind meshdrain's workload rules cover.
fn workload_template(obj: &Value) -> Option<(&'static str, &'static [&'static str])> {
    let api = str_of(obj, "apiVersion")?;
    let group = api.split_once('/').map_or("", |(g, _)| g);
    const TEMPLATE: &[&str] = &["spec", "template"];
    Some(match (group, str_of(obj, "kind")?) {
        ("", "Pod") => ("Pod", &[]),
        ("", "ReplicationController") => ("ReplicationController", TEMPLATE),
        ("apps", "Deployment") => ("Deployment", TEMPLATE),
        ("apps", "StatefulSet") => ("StatefulSet", TEMPLATE),
        ("apps", "DaemonSet") => ("DaemonSet", TEMPLATE),
        ("apps", "ReplicaSet") => ("ReplicaSet", TEMPLATE),
        ("batch", "Job") => ("Job", TEMPLATE),
        ("batch", "CronJob") => ("CronJob", &["spec", "jobTemplate", "spec", "template"]),
        ("argoproj.io", "Rollout") => ("Rollout", TEMPLATE),
        _ => return None,
    })
}

fn at<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |v, k| v.get(*k))
}

fn at_mut<'a>(v: &'a mut Value, keys: &[&str]) -> Option<&'a mut Value> {
    keys.iter().try_fold(v, |v, k| v.get_mut(*k))
}

/// `*` and `?` globs (and exact names); `[` classes go to the policy's own pattern.
fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|i| go(rest, n.get(i..).unwrap_or_default())),
            Some(('?', rest)) => n.split_first().is_some_and(|(_, nr)| go(rest, nr)),
            Some((c, rest)) => n
                .split_first()
                .is_some_and(|(d, nr)| c == d && go(rest, nr)),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

fn name_matches(pattern: &meshdrain::policy::matcher::NamePattern, name: &str) -> bool {
    if pattern.as_str().contains('[') {
        pattern.matches(name)
    } else {
        glob(pattern.as_str(), name)
    }
}

/// The first workload rule whose match holds: kinds (all workload kinds when none),
/// namespaces, names, labels, `where`.
fn workload_rule<'p>(
    policy: &'p DrainPolicy,
    kind: &str,
    obj: &Value,
) -> Option<&'p meshdrain::policy::WorkloadRule> {
    let meta = |k: &str| obj.get("metadata").and_then(|m| m.get(k));
    policy.workloads.as_deref()?.iter().find(|r| {
        let m = &r.matcher;
        (m.kinds.is_empty() || m.kinds.iter().any(|k| k == kind))
            && (m.namespaces.is_empty()
                || meta("namespace")
                    .and_then(Value::as_str)
                    .is_some_and(|ns| m.namespaces.iter().any(|n| n == ns)))
            && (m.names.is_empty()
                || meta("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| m.names.iter().any(|p| name_matches(p, n))))
            && m.labels.iter().all(|(k, v)| {
                meta("labels")
                    .and_then(|l| l.get(k))
                    .and_then(Value::as_str)
                    == Some(v)
            })
            && m.where_query.as_ref().is_none_or(|q| q.matches(obj))
    })
}

/// The containers of a pod spec, init containers first: `(container, is an init container)`.
fn pod_containers(spec: &Value) -> Vec<(&Value, bool)> {
    let list = |key: &str, init: bool| {
        spec.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(move |c| (c, init))
    };
    list("initContainers", true)
        .chain(list("containers", false))
        .collect()
}

fn is_proxy(c: &Value) -> bool {
    str_of(c, "name") == Some("istio-proxy")
}

/// Whether Istio injects a sidecar into the pods of a template, as the istiod chart's
/// webhooks (namespace and object selectors) and the injector's `injectRequired` decide;
/// `None` when the oracle cannot tell.
fn injected(
    policy: &DrainPolicy,
    view: &StreamView,
    obj: &Value,
    template: &Value,
) -> Option<bool> {
    let spec = template.get("spec")?;
    if pod_containers(spec).iter().any(|(c, _)| is_proxy(c)) {
        return Some(true);
    }
    let ns = match obj.pointer("/metadata/namespace") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return None,
    };
    if matches!(ns, Some("kube-system" | "kube-public")) {
        return Some(false);
    }
    match spec.get("hostNetwork") {
        // A YAML boolean in any case Kubernetes reads as one (`true`, `True`, `TRUE`).
        None | Some(Value::Null | Value::Bool(false)) => {}
        Some(Value::Bool(true)) => return Some(false),
        Some(_) => return None,
    }
    let text = |section: &str, key: &str| -> Option<Option<&str>> {
        match template
            .get("metadata")
            .and_then(|m| m.get(section))
            .and_then(|s| s.get(key))
        {
            None => Some(None),
            Some(Value::String(s)) => Some(Some(s.as_str())),
            Some(_) => None,
        }
    };
    let label = text("labels", INJECT)?;
    let switch = match label {
        Some(v) => Some(v),
        None => text("annotations", INJECT)?,
    };
    if let Some(v) = switch
        && !v.is_empty()
        && !matches!(v.to_ascii_lowercase().as_str(), "y" | "yes" | "true" | "on")
    {
        return Some(false);
    }
    let rev = text("labels", "istio.io/rev")?;
    let by_object = rev.is_some() || label == Some("true");
    match ns.and_then(|n| view.namespaces.get(n)) {
        Some(None) => None,
        Some(Some(labels)) => Some(match labels.get("istio-injection") {
            Some(v) => v == "enabled",
            None => labels.contains_key("istio.io/rev") || by_object,
        }),
        None => Some(
            policy
                .injected_namespaces
                .iter()
                .any(|p| name_matches(p, ns.unwrap_or("")))
                || by_object,
        ),
    }
}

/// One entry a workload rule wants in a proxy config.
#[derive(Clone, Copy, Debug)]
enum Want {
    /// A top-level ProxyConfig duration, in its camelCase and proto spellings.
    Field(&'static str, &'static str, DrainSeconds),
    /// A `proxyMetadata` duration.
    MetaDuration(&'static str, DrainSeconds),
    /// A `proxyMetadata` boolean.
    MetaFlag(&'static str, bool),
}

fn wants(rule: &meshdrain::policy::WorkloadRule) -> Vec<Want> {
    let mut out = Vec::new();
    if let Some(d) = rule.durations.get(DrainField::DrainDuration) {
        out.push(Want::Field("drainDuration", "drain_duration", d));
    }
    if let Some(d) = rule.durations.get(DrainField::TerminationDrainDuration) {
        out.push(Want::Field(
            "terminationDrainDuration",
            "termination_drain_duration",
            d,
        ));
    }
    if let Some(d) = rule.durations.get(DrainField::MinimumDrainDuration) {
        out.push(Want::MetaDuration(MINIMUM_DRAIN, d));
    }
    if let Some(b) = rule.exit_on_zero {
        out.push(Want::MetaFlag(EXIT_ON_ZERO, b));
    }
    out
}

/// A proxy config payload read as YAML: its mapping (null and empty are an empty one).
fn payload_map(text: &str) -> Option<serde_json::Map<String, Value>> {
    match serde_yaml::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Some(m),
        Ok(Value::Null) => Some(serde_json::Map::new()),
        _ => None,
    }
}

/// `strconv.ParseBool`.
fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn unset(v: Option<&Value>) -> bool {
    v.is_none_or(Value::is_null)
}

fn duration_secs(v: &Value) -> Option<f64> {
    let d = GoDuration::parse(v.as_str()?).ok()?;
    Some(d.nanos() as f64 / meshdrain::duration::SECOND as f64)
}

/// A duration entry after a render: the existing value kept (onConflict keep and a value
/// that reads as a duration), else the wanted one.
fn check_duration_entry(
    what: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    wanted: DrainSeconds,
    conflict: OnConflict,
) -> Check {
    if conflict == OnConflict::Keep && parses(before) {
        ensure!(
            before == after,
            "{what}: kept value changed from {before:?} to {after:?}"
        );
        return Ok(());
    }
    let got = after
        .and_then(value_text)
        .and_then(|t| GoDuration::parse(&t).ok());
    ensure!(
        got == Some(wanted.as_go()),
        "{what}: ends at {after:?}, the rule wants {wanted} (was {before:?}, onConflict {conflict})"
    );
    Ok(())
}

/// A proxy config payload (the annotation or an injected `PROXY_CONFIG`) before and after a
/// render that should have merged `wants` into it: each wanted entry holds the rule's value
/// (or the kept one), every other entry is unchanged, JSON stays JSON.
fn check_payload(
    what: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    wants: &[Want],
    conflict: OnConflict,
) -> Check {
    let before_map = match before {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::String(t)) => match payload_map(t) {
            Some(m) => m,
            None => {
                return Err(format!(
                    "{what}: {t:?} is no mapping of ProxyConfig fields, but the render succeeded"
                ));
            }
        },
        Some(other) => {
            return Err(format!(
                "{what} is {other}, not a string, but the render succeeded"
            ));
        }
    };
    let writes = wants.iter().any(|w| !matches!(w, Want::MetaFlag(_, false)));
    let after_map = match after {
        Some(Value::String(t)) => payload_map(t).ok_or_else(|| {
            format!("{what} is {t:?} after the render: no mapping of ProxyConfig fields")
        })?,
        None | Some(Value::Null) if !writes || !unset(before) => {
            ensure!(
                before == after,
                "{what} was {before:?} and became {after:?}"
            );
            return Ok(());
        }
        other => {
            return Err(format!(
                "{what} is {other:?} after the render, not a string (was {before:?})"
            ));
        }
    };
    // An open finding: a duration that replaces a value other than a string (`50`, `null`, a
    // mapping) is written plain (`30s`) inside a JSON mapping.
    // JSON stays JSON (a one-line config in a quoted scalar written as JSON by the chart).
    if let Some(Value::String(t)) = before
        && serde_json::from_str::<Value>(t)
            .is_ok_and(|v| v.as_object().is_some_and(|m| !m.is_empty()))
        && let Some(Value::String(a)) = after
    {
        ensure!(
            serde_json::from_str::<Value>(a).is_ok(),
            "{what} was JSON ({t:?}) and is no longer: {a:?}"
        );
    }
    let mut wanted_keys: Vec<String> = Vec::new();
    let container = ["proxyMetadata", "proxy_metadata"]
        .into_iter()
        .find(|k| before_map.contains_key(*k))
        .unwrap_or("proxyMetadata");
    // proxyMetadata is read (and must be a mapping) only when the rule writes into it.
    let metadata = wants.iter().any(|w| !matches!(w, Want::Field(..)));
    let empty = serde_json::Map::new();
    let md_before = match before_map.get(container) {
        Some(Value::Object(m)) if metadata => m,
        None | Some(Value::Null) => &empty,
        Some(_) if !metadata => &empty,
        Some(other) => {
            return Err(format!(
                "{what}: {container} is {other}, not a mapping, but the render succeeded"
            ));
        }
    };
    let md_after = match after_map.get(container) {
        Some(Value::Object(m)) if metadata => m,
        None | Some(Value::Null) => &empty,
        Some(_) if !metadata => &empty,
        Some(other) => return Err(format!("{what}: {container} became {other}, not a mapping")),
    };
    let mut md_wanted: Vec<&str> = Vec::new();
    for w in wants {
        match *w {
            Want::Field(camel, proto, d) => {
                let key = if before_map.contains_key(camel) || !before_map.contains_key(proto) {
                    camel
                } else {
                    proto
                };
                wanted_keys.push(key.to_owned());
                check_duration_entry(
                    &format!("{what}: {key}"),
                    before_map.get(key).filter(|v| !v.is_null()),
                    after_map.get(key),
                    d,
                    conflict,
                )?;
            }
            Want::MetaDuration(env, d) => {
                md_wanted.push(env);
                let after_v = md_after.get(env);
                check_duration_entry(
                    &format!("{what}: {container}.{env}"),
                    md_before.get(env).filter(|v| !v.is_null()),
                    after_v,
                    d,
                    conflict,
                )?;
                ensure!(
                    after_v.is_none_or(Value::is_string),
                    "{what}: {container}.{env} is {after_v:?}, not a string (proxyMetadata holds strings)"
                );
            }
            Want::MetaFlag(env, b) => {
                md_wanted.push(env);
                let (bv, av) = (md_before.get(env), md_after.get(env));
                let existing = match bv {
                    Some(Value::String(t)) => go_bool(t),
                    _ => None,
                };
                if existing == Some(b) || (unset(bv) && !b) {
                    ensure!(
                        bv == av,
                        "{what}: {container}.{env} was {bv:?} (as wanted) and became {av:?}"
                    );
                } else if existing.is_some() && conflict == OnConflict::Keep {
                    ensure!(
                        bv == av,
                        "{what}: {container}.{env} kept {bv:?} but became {av:?}"
                    );
                } else {
                    ensure!(
                        conflict == OnConflict::Override || unset(bv),
                        "{what}: {container}.{env} is {bv:?}, the rule wants \"{b}\" with onConflict {conflict}, but the render succeeded"
                    );
                    ensure!(
                        av.and_then(Value::as_str).and_then(go_bool) == Some(b),
                        "{what}: {container}.{env} ends at {av:?}, the rule wants the string \"{b}\" (was {bv:?})"
                    );
                }
            }
        }
    }
    if !md_wanted.is_empty() {
        wanted_keys.push(container.to_owned());
        for (k, v) in md_before {
            if !md_wanted.contains(&k.as_str()) {
                ensure!(
                    md_after.get(k) == Some(v),
                    "{what}: {container}.{k} changed from {v} to {:?}",
                    md_after.get(k)
                );
            }
        }
        for k in md_after.keys() {
            ensure!(
                md_before.contains_key(k) || md_wanted.contains(&k.as_str()),
                "{what}: {container}.{k} appeared"
            );
        }
        if md_wanted.iter().all(|e| unset(md_after.get(*e))) {
            ensure!(
                before_map.get(container) == after_map.get(container),
                "{what}: {container} changed from {:?} to {:?} with nothing written into it",
                before_map.get(container),
                after_map.get(container)
            );
        }
    }
    for (k, v) in &before_map {
        if !wanted_keys.contains(k) {
            ensure!(
                after_map.get(k) == Some(v),
                "{what}: {k} changed from {v} to {:?}",
                after_map.get(k)
            );
        }
    }
    for k in after_map.keys() {
        ensure!(
            before_map.contains_key(k) || wanted_keys.contains(k),
            "{what}: {k} appeared (wanted {wanted_keys:?})"
        );
    }
    Ok(())
}

/// The `PROXY_CONFIG` env of the first injected istio-proxy container that has one: its
/// place (container list, index, env index) and value. `Err(())`: one the oracle cannot read.
fn proxy_env(spec: &Value) -> Result<Option<(&'static str, usize, usize, &Value)>, ()> {
    for key in ["initContainers", "containers"] {
        for (i, c) in spec
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if !is_proxy(c) {
                continue;
            }
            let Some(env) = c.get("env").and_then(Value::as_array) else {
                continue;
            };
            let Some((j, item)) = env
                .iter()
                .enumerate()
                .find(|(_, e)| str_of(e, "name") == Some("PROXY_CONFIG"))
            else {
                continue;
            };
            match item.get("value") {
                None => continue,
                Some(v @ Value::String(_)) => return Ok(Some((key, i, j, v))),
                Some(_) => return Err(()),
            }
        }
    }
    Ok(None)
}

/// The seconds a preStop hook sleeps (`sleep: {seconds: N}`, or `sleep N` in its command,
/// added up); `Err(())` for a sleep the oracle does not read (units, `infinity`).
fn prestop_secs(container: &Value) -> Result<f64, ()> {
    let Some(hook) = container.pointer("/lifecycle/preStop") else {
        return Ok(0.0);
    };
    if let Some(secs) = hook.pointer("/sleep/seconds") {
        return secs.as_u64().map(|s| s as f64).ok_or(());
    }
    let Some(command) = hook.pointer("/exec/command").and_then(Value::as_array) else {
        return Ok(0.0);
    };
    let line: Vec<String> = command.iter().filter_map(value_text).collect();
    let line = line.join(" ");
    let words: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '"' | '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let mut total = 0.0;
    for pair in words.windows(2) {
        let [cmd, arg] = pair else { continue };
        if *cmd != "sleep" && !cmd.ends_with("/sleep") {
            continue;
        }
        // sleep(1) of coreutils and busybox: a number, then s, m, h or d.
        let (number, unit) = match arg.char_indices().last() {
            Some((i, c @ ('s' | 'm' | 'h' | 'd'))) => (arg.get(..i).unwrap_or(""), c),
            _ => (*arg, 's'),
        };
        let plain = !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit() || c == '.')
            && number.chars().filter(|&c| c == '.').count() <= 1;
        if !plain {
            return Err(());
        }
        let factor = match unit {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            _ => 86400.0,
        };
        total += number.parse::<f64>().map_err(|_| ())? * factor;
    }
    Ok(total)
}

/// A `proxyMetadata` entry as the agent reads it: from the last payload that sets it.
fn last_metadata<'a>(
    configs: &'a [serde_json::Map<String, Value>],
    env: &str,
) -> Option<&'a Value> {
    configs.iter().rev().find_map(|c| {
        c.get("proxyMetadata")
            .or_else(|| c.get("proxy_metadata"))
            .and_then(|m| m.get(env))
            .filter(|v| !v.is_null())
    })
}

/// How long the sidecar outlives SIGTERM, by its shutdown path, read from the pod as the
/// render left it: `None` when the oracle cannot tell.
fn sidecar_wait(
    policy: &DrainPolicy,
    view: &StreamView,
    istio: meshdrain::policy::IstioVersion,
    template: &Value,
    revision: &str,
    configs: &[serde_json::Map<String, Value>],
) -> Option<f64> {
    let spec = template.get("spec")?;
    let containers = pod_containers(spec);
    let drain_prestop = |c: &Value| {
        let words: Vec<String> = c
            .pointer("/lifecycle/preStop/exec/command")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(value_text)
            .collect();
        let words: Vec<&str> = words.iter().flat_map(|w| w.split_whitespace()).collect();
        words.iter().any(|w| w.ends_with("pilot-agent")) && words.contains(&"drain")
    };
    let native_drains = match containers.iter().find(|(c, _)| is_proxy(c)) {
        Some((c, init)) => {
            *init
                && c.get("restartPolicy").and_then(Value::as_str) == Some("Always")
                && drain_prestop(c)
        }
        None => {
            let native =
                match template.pointer("/metadata/annotations/sidecar.istio.io~1nativeSidecar") {
                    None => policy.native_sidecars,
                    Some(Value::String(v)) if v.eq_ignore_ascii_case("true") => true,
                    Some(Value::String(v)) if v.eq_ignore_ascii_case("false") => false,
                    Some(Value::String(_)) => policy.native_sidecars,
                    Some(_) => return None,
                };
            native && !view.global_lifecycle
        }
    };
    // The agent reads the last payload that sets a value (the env over the annotation).
    let exit_on_zero = last_metadata(configs, EXIT_ON_ZERO)
        .is_some_and(|v| v.as_str().and_then(go_bool) == Some(true));
    let native_1_21 = meshdrain::policy::IstioVersion {
        major: 1,
        minor: 21,
    };
    if native_drains && istio >= native_1_21 {
        // The sidecar drains from its preStop and exits with the applications.
        return Some(0.0);
    }
    if exit_on_zero && !native_drains {
        return match last_metadata(configs, MINIMUM_DRAIN) {
            None => Some(DEFAULT_MINIMUM_DRAIN),
            Some(v) => duration_secs(v),
        };
    }
    let field = configs.iter().rev().find_map(|c| {
        c.get("terminationDrainDuration")
            .or_else(|| c.get("termination_drain_duration"))
            .filter(|v| !v.is_null())
    });
    if let Some(v) = field {
        return duration_secs(v);
    }
    // The mesh's value: the policy's where it writes one into the mesh config of the pod's
    // revision in the stream (or there is none), else that mesh config's own (on-conflict
    // keep leaves a duration it has).
    let from_policy = policy
        .sidecar
        .as_ref()
        .and_then(|s| s.get(DrainField::TerminationDrainDuration))
        .map(|d| d.secs() as f64);
    let Some(mesh) = view.meshes.iter().rev().find(|m| m.revision == revision) else {
        return Some(from_policy.unwrap_or(DEFAULT_TERMINATION_DRAIN));
    };
    let own = mesh.termination.ok()?;
    match from_policy {
        Some(wanted) if targets(policy, mesh.target) => match (policy.on_conflict, own) {
            (OnConflict::Keep, Some(kept)) => Some(kept),
            _ => Some(wanted),
        },
        _ => Some(own.unwrap_or(DEFAULT_TERMINATION_DRAIN)),
    }
}

/// Removes what a workload rule may change from an object: the proxy config annotation (and
/// the levels created for it when they end up empty), the env payload, the grace period.
fn without_workload_edits(
    obj: &Value,
    template: &[&str],
    env: Option<(&str, usize, usize)>,
) -> Value {
    let mut v = obj.clone();
    if let Some(t) = at_mut(&mut v, template) {
        if let Some(meta) = t.get_mut("metadata") {
            if let Some(Value::Object(a)) = meta.get_mut("annotations") {
                a.remove(CONFIG_ANNOTATION);
            }
            if let Some(m) = meta.as_object_mut()
                && m.get("annotations")
                    .is_some_and(|a| a.is_null() || a.as_object().is_some_and(|a| a.is_empty()))
            {
                m.remove("annotations");
            }
        }
        if let Some(m) = t.as_object_mut()
            && m.get("metadata")
                .is_some_and(|x| x.is_null() || x.as_object().is_some_and(|x| x.is_empty()))
        {
            m.remove("metadata");
        }
        if let Some(Value::Object(spec)) = t.get_mut("spec") {
            spec.remove("terminationGracePeriodSeconds");
            if let Some((key, i, j)) = env
                && let Some(item) = spec
                    .get_mut(key)
                    .and_then(|l| l.get_mut(i))
                    .and_then(|c| c.get_mut("env"))
                    .and_then(|e| e.get_mut(j))
                    .and_then(Value::as_object_mut)
            {
                item.remove("value");
            }
        }
    }
    v
}

/// Every workload of a document after a render with `policy`: one no rule matches, a `skip`
/// rule matches, without a pod template or without a sidecar is unchanged; one with a
/// sidecar gets the rule's entries in its `proxy.istio.io/config` annotation (and in the
/// `PROXY_CONFIG` env of an istio-proxy already in its spec), its other entries unchanged,
/// and a grace period that holds the sidecar's wait, the longest preStop sleep and the
/// margin (raised, never lowered, written when unset only above Kubernetes' 30s), and nothing
/// else changes.
pub fn workload_values(
    policy: &DrainPolicy,
    view: &StreamView,
    istio: meshdrain::policy::IstioVersion,
    input: &Value,
    output: &Value,
    doc_text: Option<&str>,
    nested: bool,
) -> Check {
    if policy.workloads.is_none() || view.uncertain {
        return Ok(());
    }
    let ins = objects(input, nested);
    let outs = objects(output, nested);
    ensure!(
        ins.len() == outs.len(),
        "the document had {} objects and has {}",
        ins.len(),
        outs.len()
    );
    for ((ptr, obj_in), (_, obj_out)) in ins.iter().zip(&outs) {
        let Some((kind, template_path)) = workload_template(obj_in) else {
            continue;
        };
        let who = format!(
            "{kind} {}{ptr}",
            obj_in
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("(unnamed)")
        );
        let untouched = |why: &str| -> Check {
            ensure!(
                obj_in == obj_out,
                "{who} ({why}) changed:\n{obj_in}\n→\n{obj_out}"
            );
            Ok(())
        };
        let Some(rule) = workload_rule(policy, kind, obj_in) else {
            untouched("no workload rule matches it")?;
            continue;
        };
        if rule.skip {
            untouched("a skip rule matches it")?;
            continue;
        }
        let Some(template) =
            at(obj_in, template_path).filter(|t| t.get("spec").is_some_and(Value::is_object))
        else {
            untouched("it has no pod template with a spec")?;
            continue;
        };
        let Some(inject) = injected(policy, view, obj_in, template) else {
            continue;
        };
        if !inject {
            untouched("Istio injects no sidecar into it")?;
            continue;
        }
        let Some(template_out) = at(obj_out, template_path) else {
            return Err(format!("{who}: the pod template is gone"));
        };
        let conflict = rule.on_conflict.unwrap_or(policy.on_conflict);
        let wants = wants(rule);
        let annotation = |t: &'_ Value| {
            t.pointer("/metadata/annotations")
                .and_then(|a| a.get(CONFIG_ANNOTATION))
                .cloned()
        };
        let (ann_in, ann_out) = (annotation(template), annotation(template_out));
        check_payload(
            &format!("{who}: {CONFIG_ANNOTATION}"),
            ann_in.as_ref(),
            ann_out.as_ref(),
            &wants,
            conflict,
        )?;
        let spec_in = template.get("spec").unwrap_or(&Value::Null);
        let spec_out = template_out.get("spec").unwrap_or(&Value::Null);
        let Ok(env_in) = proxy_env(spec_in) else {
            continue;
        };
        let env_place = env_in.map(|(k, i, j, _)| (k, i, j));
        let env_out = env_place
            .and_then(|(k, i, j)| spec_out.get(k)?.get(i)?.get("env")?.get(j)?.get("value"));
        if let Some((_, _, _, before)) = env_in {
            check_payload(
                &format!("{who}: the PROXY_CONFIG env"),
                Some(before),
                env_out,
                &wants,
                conflict,
            )?;
        }
        ensure!(
            without_workload_edits(obj_in, template_path, env_place)
                == without_workload_edits(obj_out, template_path, env_place),
            "{who}: more changed than its proxy config and grace period:\n{obj_in}\n→\n{obj_out}"
        );
        // The grace period, from the pod as the render left it.
        let configs: Vec<_> = [ann_out.as_ref(), env_out]
            .into_iter()
            .flatten()
            .filter_map(|v| payload_map(v.as_str()?))
            .collect();
        let Some(revision) = workload_revision(view, obj_in, template) else {
            continue;
        };
        let Some(wait) = sidecar_wait(policy, view, istio, template_out, &revision, &configs)
        else {
            continue;
        };
        let Ok(prestop) = pod_containers(spec_out)
            .iter()
            .map(|(c, _)| prestop_secs(c))
            .try_fold(0.0_f64, |m, s| s.map(|s| m.max(s)))
        else {
            continue;
        };
        let margin = rule
            .durations
            .get(DrainField::GracePeriodMargin)
            .map_or(DEFAULT_MARGIN, DrainSeconds::secs);
        let needed = (wait + prestop + margin as f64).ceil() as i64;
        let (g_in, g_out) = (
            spec_in.get("terminationGracePeriodSeconds"),
            spec_out.get("terminationGracePeriodSeconds"),
        );
        let what = format!(
            "{who}: terminationGracePeriodSeconds (the drain needs {needed}s: {wait}s sidecar wait + {prestop}s preStop + {margin}s margin)"
        );
        match g_in {
            None | Some(Value::Null) if needed <= DEFAULT_GRACE => {
                ensure!(
                    g_in == g_out,
                    "{what}: was unset (Kubernetes' 30s is enough) and became {g_out:?}"
                );
            }
            None | Some(Value::Null) => {
                ensure!(
                    g_out.and_then(Value::as_i64) == Some(needed),
                    "{what}: was unset and is {g_out:?}"
                );
            }
            // yaml_serde reads `05` or `0x1e` as a string where Kubernetes' YAML 1.1 reader
            // (and meshdrain) read an integer: only a quoted string is surely not one.
            Some(Value::String(_))
                if !doc_text
                    .and_then(|t| {
                        let pointer: String =
                            template_path.iter().map(|k| format!("/{k}")).collect();
                        node_source(
                            t,
                            &format!("{ptr}{pointer}/spec/terminationGracePeriodSeconds"),
                        )
                    })
                    .is_some_and(|src| src.trim_start().starts_with(['"', '\''])) => {}
            Some(g) => match g.as_i64() {
                Some(current) if current >= needed || conflict == OnConflict::Keep => {
                    ensure!(
                        g_in == g_out,
                        "{what}: {current} holds the drain (or is kept) but became {g_out:?}"
                    );
                }
                Some(current) => {
                    ensure!(
                        conflict == OnConflict::Override,
                        "{what}: {current} is too short, onConflict error, but the render succeeded"
                    );
                    ensure!(
                        g_out.and_then(Value::as_i64) == Some(needed),
                        "{what}: {current} should be raised, is {g_out:?}"
                    );
                }
                None => {
                    return Err(format!(
                        "{what}: {g} is not an integer, but the render succeeded"
                    ));
                }
            },
        }
    }
    Ok(())
}

/// The grace period a gateway's overlays give its Deployment (the last overlay for
/// `Deployment/<name>`, its last patch that is the field or an ancestor): `Ok(None)` unset,
/// `Err(true)` a value Kubernetes refuses, `Err(false)` undecidable.
fn gateway_grace(overlays: Option<&Value>, name: &str) -> Result<Option<i64>, bool> {
    let overlays = match overlays {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(false),
    };
    let Some(overlay) = overlays
        .iter()
        .rev()
        .find(|o| str_of(o, "kind") == Some("Deployment") && str_of(o, "name") == Some(name))
    else {
        return Ok(None);
    };
    let Some(patches) = overlay.get("patches") else {
        return Ok(None);
    };
    match patched(
        patches,
        &["spec", "template", "spec", "terminationGracePeriodSeconds"],
    ) {
        Ok(None) => Ok(None),
        // A string may be an integer to Kubernetes' YAML 1.1 reader (`05`): undecided.
        Ok(Some(Value::String(_))) => Err(false),
        Ok(Some(v)) => v.as_i64().map(Some).ok_or(true),
        Err(()) => Err(false),
    }
}

/// A gateway's pods' grace period after a render with `rule`: raised through its Deployment
/// overlay to its drain + margin when shorter (added when unset only above 30s), never
/// lowered; the overlays unchanged otherwise.
fn check_gateway_grace(
    what: &str,
    obj_in: &Value,
    obj_out: &Value,
    margin: Option<DrainSeconds>,
    conflict: OnConflict,
) -> Check {
    let Some(name) = obj_in.pointer("/metadata/name").and_then(Value::as_str) else {
        return Ok(());
    };
    let overlays = |o: &Value| o.pointer("/spec/kubeSpec/overlays").cloned();
    let (ov_in, ov_out) = (overlays(obj_in), overlays(obj_out));
    let unchanged = |why: &str| -> Check {
        ensure!(
            ov_in == ov_out,
            "{what}: {why}, but the overlays changed from {ov_in:?} to {ov_out:?}"
        );
        Ok(())
    };
    let Some(drain) = obj_out
        .pointer("/spec/connectionDrainDuration")
        .and_then(duration_secs)
    else {
        return unchanged("no drain to hold");
    };
    let margin = margin.map_or(DEFAULT_MARGIN, DrainSeconds::secs);
    let needed = (drain + margin as f64).ceil() as i64;
    let what = format!(
        "{what}: its Deployment's grace period (needs {needed}s: {drain}s drain + {margin}s margin)"
    );
    let got = gateway_grace(ov_out.as_ref(), name);
    match gateway_grace(ov_in.as_ref(), name) {
        Err(false) => Ok(()),
        Err(true) => Err(format!(
            "{what}: an overlay sets it to a non-integer, but the render succeeded"
        )),
        Ok(None) if needed <= DEFAULT_GRACE => unchanged("Kubernetes' 30s holds the drain"),
        Ok(None) => {
            ensure!(
                got == Ok(Some(needed)),
                "{what}: unset, and after the render {got:?}\n{ov_out:?}"
            );
            Ok(())
        }
        Ok(Some(g)) if g >= needed || conflict == OnConflict::Keep => {
            unchanged(&format!("{g}s holds the drain or is kept"))
        }
        Ok(Some(g)) => {
            ensure!(
                conflict == OnConflict::Override,
                "{what}: {g}s is too short, onConflict error, but the render succeeded"
            );
            ensure!(
                got == Ok(Some(needed)),
                "{what}: {g}s should be raised, is {got:?}\n{ov_out:?}"
            );
            Ok(())
        }
    }
}
