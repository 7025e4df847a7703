//! The check, streaming: every input's documents are read one at a time, each in a
//! [`Context`] of its own (on every core for a large input, in batches whose results are
//! merged in input order), where the rules' `check_object` runs and the findings are resolved
//! to positions at once; what the rules that compare documents need is kept as compact facts
//! ([`super::facts`]), so memory holds the input and those facts, never every document's tree.
//! Once every document is read, the rules' `check_facts` report; then all findings are put in
//! the order the rules report in (by rule, then by object), which is the order of a check of
//! all documents at once, and sorted by position as before.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::input::Document;

use super::context::Context;
use super::facts::{self, DocFacts, Spot, StreamFacts};
use super::input::{Source, Treat};
use super::read;
use super::rules::RULES;
use super::{CheckOptions, Finding, Findings, Later, Report, Request};

/// Where a finding comes in the order the rules report in: by rule; then, for findings about
/// one object (`check_object`'s, and late ones that stand for them), by the object's place in
/// the input; for the others of `check_facts`, in the order they were asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    rule: usize,
    late: bool,
    input: u32,
    document: u32,
    object: u32,
    request: usize,
    n: usize,
}

/// A document to read again: its input, its index, whether it is the values file's.
type DocKey = (u32, u32, bool);

/// What a rule's `check_facts` asked for: the rule, the request's place among its requests.
type Asked = (usize, usize, Request);

/// A finding resolved in its document, and what would suppress it.
#[derive(Debug)]
struct Resolved {
    key: Key,
    diagnostic: Diagnostic,
    suppression: Option<crate::diagnostic::Suppression>,
}

/// The documents of one batch: about this many bytes, read on every core at once.
const BATCH_BYTES: usize = 1 << 20;

/// What reading one document came to.
#[derive(Debug, Default)]
struct DocOut {
    /// Why it (or a mesh config in one of its strings) could not be read (GD000).
    errors: Vec<Diagnostic>,
    /// It was parsed and holds objects a rule reads.
    parsed: bool,
    objects: usize,
    found: Vec<Resolved>,
    notes: Vec<(Key, String)>,
    facts: DocFacts,
}

/// One input, read and split.
struct Prepared {
    name: String,
    text: Arc<String>,
    values: bool,
}

/// Everything the check has gathered so far.
struct Gathered {
    facts: StreamFacts,
    errors: Vec<Diagnostic>,
    found: Vec<Resolved>,
    notes: Vec<(Key, String)>,
    documents: usize,
    objects: usize,
}

impl Gathered {
    fn merge(&mut self, out: DocOut) {
        self.documents += 1;
        self.objects += out.objects;
        self.errors.extend(out.errors);
        self.found.extend(out.found);
        self.notes.extend(out.notes);
        self.facts.merge(out.facts);
    }
}

/// Checks the inputs.
pub fn check(sources: Vec<Source>, options: &CheckOptions) -> Report {
    let options = Arc::new(options.clone());
    let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let mut all = Gathered {
        facts: StreamFacts::new(Arc::clone(&options)),
        errors: Vec::new(),
        found: Vec::new(),
        notes: Vec::new(),
        documents: 0,
        objects: 0,
    };
    let total: usize = sources.iter().map(|s| s.bytes.len()).sum();
    let parallel = options.parallelism.parallel(total, sources.len().max(2));
    // Each input's text, checked (on every core when there are many).
    let read_one = |source: Source| {
        let name = source.name.clone();
        let values = source.treat == Treat::Values;
        read::read_text(source, &options.limits).map(|text| Prepared {
            name,
            text: Arc::new(text),
            values,
        })
    };
    let prepared: Vec<Result<Prepared, Diagnostic>> = if parallel && sources.len() > 1 {
        sources.into_par_iter().map(read_one).collect()
    } else {
        sources.into_iter().map(read_one).collect()
    };
    let mut batch: Vec<(usize, &Prepared, Document<'_>)> = Vec::new();
    let mut batch_bytes = 0;
    for (input, prepared) in prepared.iter().enumerate() {
        let p = match prepared {
            Ok(p) => p,
            Err(d) => {
                flush(&mut batch, &mut batch_bytes, parallel, &options, &mut all);
                all.errors.push(d.clone());
                continue;
            }
        };
        if p.values {
            // The values file's document is the first one parsed: one after another.
            flush(&mut batch, &mut batch_bytes, parallel, &options, &mut all);
            let mut pending = true;
            for slice in read::documents(&p.text) {
                let out = document(input, p, &slice, pending, &options);
                pending &= !out.parsed;
                all.merge(out);
            }
            continue;
        }
        for slice in read::documents(&p.text) {
            batch_bytes += slice.text.len();
            batch.push((input, p, slice));
            if batch_bytes >= BATCH_BYTES {
                flush(&mut batch, &mut batch_bytes, parallel, &options, &mut all);
            }
        }
    }
    flush(&mut batch, &mut batch_bytes, parallel, &options, &mut all);
    finish(all, &prepared, &names, &options)
}

/// Reads the documents of `batch` (on every core when `parallel`) and merges them in order.
fn flush(
    batch: &mut Vec<(usize, &Prepared, Document<'_>)>,
    bytes: &mut usize,
    parallel: bool,
    options: &Arc<CheckOptions>,
    all: &mut Gathered,
) {
    let one = |(input, p, slice): &(usize, &Prepared, Document<'_>)| {
        document(*input, p, slice, false, options)
    };
    let outs: Vec<DocOut> = if parallel && batch.len() > 1 {
        batch.par_iter().with_min_len(8).map(one).collect()
    } else {
        batch.iter().map(one).collect()
    };
    for out in outs {
        all.merge(out);
    }
    batch.clear();
    *bytes = 0;
}

/// Reads one document: its own rules' findings, resolved, and its facts.
fn document(
    input: usize,
    p: &Prepared,
    slice: &Document<'_>,
    values: bool,
    options: &Arc<CheckOptions>,
) -> DocOut {
    let mut read = read::read_document(&p.name, &p.text, slice, values, &options.limits);
    let mut out = DocOut {
        errors: std::mem::take(&mut read.errors),
        parsed: read.parsed.is_some(),
        ..DocOut::default()
    };
    if !out.parsed {
        return out;
    }
    let cx = Context::of_document(&p.name, &p.text, read, options);
    out.objects = cx.objects.len();
    out.facts.at = Spot {
        input: u32::try_from(input).unwrap_or(u32::MAX),
        document: u32::try_from(slice.index).unwrap_or(u32::MAX),
        object: 0,
        values,
    };
    let mut indexes = HashMap::new();
    for object in &cx.objects {
        facts::gather(&cx, object, &mut out.facts);
        let spot = out.facts.spot(object);
        for (rule_index, rule) in RULES.iter().enumerate() {
            let key = |n| Key {
                rule: rule_index,
                late: false,
                input: spot.input,
                document: spot.document,
                object: spot.object,
                request: 0,
                n,
            };
            let mut list = Vec::new();
            let mut notes = Vec::new();
            rule.check_object(
                &cx,
                object,
                &mut Findings {
                    meta: rule.meta(),
                    list: &mut list,
                    notes: &mut notes,
                },
            );
            for (n, finding) in list.into_iter().enumerate() {
                out.found
                    .push(resolve(&cx, &finding, key(n), &mut indexes, options));
            }
            out.notes.extend(
                notes
                    .into_iter()
                    .enumerate()
                    .map(|(n, note)| (key(n), note)),
            );
            rule.gather(&cx, object, &mut out.facts);
        }
    }
    out
}

fn resolve<'a>(
    cx: &'a Context,
    finding: &Finding,
    key: Key,
    indexes: &mut HashMap<(usize, usize), crate::diagnostic::LineIndex<'a>>,
    options: &CheckOptions,
) -> Resolved {
    Resolved {
        key,
        diagnostic: cx.resolve_with(finding, indexes),
        suppression: cx.suppression(finding, options),
    }
}

/// The rules that compare documents, then every finding in order, suppressed or kept.
fn finish(
    mut all: Gathered,
    prepared: &[Result<Prepared, Diagnostic>],
    names: &[String],
    options: &Arc<CheckOptions>,
) -> Report {
    // What the rules decided from the facts of every document, to report on the objects'
    // documents, read again.
    let mut requests: Vec<Asked> = Vec::new();
    for (rule_index, rule) in RULES.iter().enumerate() {
        let mut asked = Vec::new();
        let mut notes = Vec::new();
        rule.check_facts(
            &all.facts,
            &mut Later {
                requests: &mut asked,
                meta: rule.meta(),
                notes: &mut notes,
            },
        );
        let key = |n| Key {
            rule: rule_index,
            late: true,
            input: 0,
            document: 0,
            object: 0,
            request: 0,
            n,
        };
        all.notes.extend(
            notes
                .into_iter()
                .enumerate()
                .map(|(n, note)| (key(n), note)),
        );
        requests.extend(
            asked
                .into_iter()
                .enumerate()
                .map(|(i, request)| (rule_index, i, request)),
        );
    }
    let mut by_document: BTreeMap<DocKey, Vec<Asked>> = BTreeMap::new();
    for (rule_index, i, request) in requests {
        let s = request.spot;
        by_document
            .entry((s.input, s.document, s.values))
            .or_default()
            .push((rule_index, i, request));
    }
    // Each input with findings to place is split once, not once per document read again.
    let mut splits: HashMap<u32, (&Prepared, Vec<Document<'_>>)> = HashMap::new();
    for &(input, _, _) in by_document.keys() {
        if let std::collections::hash_map::Entry::Vacant(entry) = splits.entry(input)
            && let Some(Ok(p)) = usize::try_from(input).ok().and_then(|i| prepared.get(i))
        {
            entry.insert((p, read::documents(&p.text)));
        }
    }
    let again = |(doc, asked): (DocKey, Vec<Asked>)| reread(&splits, doc, asked, options);
    let groups: Vec<_> = by_document.into_iter().collect();
    let parallel = match options.parallelism {
        crate::input::Parallelism::Auto => groups.len() >= 16,
        crate::input::Parallelism::Serial => false,
        crate::input::Parallelism::Parallel => groups.len() > 1,
    };
    let late: Vec<Vec<Resolved>> = if parallel {
        groups.into_par_iter().map(again).collect()
    } else {
        groups.into_iter().map(again).collect()
    };
    all.found.extend(late.into_iter().flatten());
    all.found.sort_by_key(|r| r.key);
    all.notes.sort_by_key(|(key, _)| *key);
    let mut diagnostics = all.errors;
    let mut suppressed = 0;
    for Resolved {
        mut diagnostic,
        suppression,
        ..
    } in all.found
    {
        match suppression {
            Some(suppression) if options.no_ignores => diagnostic.suppressed = Some(suppression),
            Some(_) => {
                suppressed += 1;
                continue;
            }
            None => {}
        }
        diagnostics.push(diagnostic);
    }
    let order: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    diagnostics.sort_by_key(|d| {
        (
            d.origin
                .file
                .as_deref()
                .and_then(|f| order.get(f).copied())
                .unwrap_or(usize::MAX),
            d.origin.span.map_or(0, |s| s.start.byte),
            d.code_str(),
        )
    });
    diagnostics.dedup();
    Report {
        diagnostics,
        suppressed,
        notes: all.notes.into_iter().map(|(_, note)| note).collect(),
        files: names.len(),
        documents: all.documents,
        objects: all.objects,
    }
}

/// Reads one document again and makes the findings `asked` about its objects.
fn reread(
    splits: &HashMap<u32, (&Prepared, Vec<Document<'_>>)>,
    (input, document, values): DocKey,
    asked: Vec<Asked>,
    options: &Arc<CheckOptions>,
) -> Vec<Resolved> {
    let Some((p, slices)) = splits.get(&input) else {
        return Vec::new();
    };
    // The slices are in input order, so their indexes ascend.
    let Some(slice) = slices
        .binary_search_by_key(&u64::from(document), |d| d.index as u64)
        .ok()
        .and_then(|i| slices.get(i))
    else {
        return Vec::new();
    };
    let read = read::read_document(&p.name, &p.text, slice, values, &options.limits);
    if read.parsed.is_none() {
        return Vec::new();
    }
    let cx = Context::of_document(&p.name, &p.text, read, options);
    let mut indexes = HashMap::new();
    let mut out = Vec::new();
    for (rule_index, i, request) in asked {
        let Some(rule) = RULES.get(rule_index) else {
            continue;
        };
        let spot = request.spot;
        let Some(object) = usize::try_from(spot.object)
            .ok()
            .and_then(|o| cx.objects.get(o))
        else {
            continue;
        };
        let findings = Findings::collect(rule.meta(), |out| (request.report)(&cx, object, out));
        for (n, finding) in findings.iter().enumerate() {
            let key = if request.by_object {
                Key {
                    rule: rule_index,
                    late: false,
                    input: spot.input,
                    document: spot.document,
                    object: spot.object,
                    request: i + 1,
                    n,
                }
            } else {
                Key {
                    rule: rule_index,
                    late: true,
                    input: 0,
                    document: 0,
                    object: 0,
                    request: i,
                    n,
                }
            };
            out.push(resolve(&cx, finding, key, &mut indexes, options));
        }
    }
    out
}
