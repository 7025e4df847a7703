//! The properties every fuzz target and the proptest properties assert ("never wrong output",
//! issue 7). Each check returns `Err(description)` instead of panicking, so proptest can report
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
            check_field(
                &Field {
                    what: name("connectionDrainDuration"),
                    input: obj_in.pointer("/spec/connectionDrainDuration"),
                    output: obj_out.pointer("/spec/connectionDrainDuration"),
                    in_pointer: Some(p.clone()),
                    out_pointer: Some(p),
                    wanted,
                    conflict: rule.on_conflict.unwrap_or(policy.on_conflict),
                },
                in_text,
                out_text,
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
            Some(in_value) => ensure!(
                in_value.get("items") == out.get("items"),
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
