//! Reading the linter's inputs: a file's text (its size and characters checked), and each of
//! its documents parsed where it can matter and its objects classified through the shared
//! model. What cannot be read becomes a GD000 finding. One document at a time, on its own:
//! the full [`super::context::Context`] keeps every document, `check` one at a time.

use std::ops::Range;

use crate::diagnostic::{Code, Diagnostic, LineIndex, Origin};
use crate::document::{self, Limits, Tree};
use crate::model::classify::{
    Class, classify, interesting, is_mesh_config_map, looks_like_mesh_config, looks_like_values,
    parse_document,
};
use crate::model::{self, Resource, istio};

use super::input::Source;
use super::mesh_configs::{self, Embedded, MeshConfigMap};
use super::rules::gd000_invalid_yaml::InvalidYaml;

/// One document of an input.
#[derive(Clone, Debug)]
pub struct Doc {
    /// 0-based position in its input.
    pub index: usize,
    /// Bytes of the input.
    pub range: Range<usize>,
    /// Lines before the document in its input.
    pub line_base: usize,
    /// Helm's `# Source:` file (or the Helm 4 filename annotation).
    pub source: Option<String>,
    /// Index into [`super::context::Context::trees`], for documents that were parsed.
    pub tree: Option<usize>,
}

/// One document, read.
#[derive(Debug)]
pub struct ReadDoc {
    pub doc: Doc,
    /// Its tree and objects, when it holds something a rule reads.
    pub parsed: Option<Parsed>,
    /// Why it (or a mesh config in one of its strings) could not be read (GD000).
    pub errors: Vec<Diagnostic>,
}

/// A document's tree and objects.
#[derive(Debug)]
pub struct Parsed {
    pub tree: Tree,
    pub resources: Vec<(Resource, Class)>,
    /// The mesh configs read from the `data.mesh` strings of mesh ConfigMaps: the ConfigMap's
    /// index among `resources`, the embedded document's tree, its object and where it sits
    /// (`host_tree` to be filled in by whoever stores the trees).
    pub embedded: Vec<(usize, Tree, Resource, Embedded)>,
}

/// A parse error (or other unreadable document) as a GD000 finding.
pub(super) fn unparsable(
    input: &str,
    text: &str,
    doc: Option<(&Doc, &str)>,
    at: Option<usize>,
    message: String,
    hint: &str,
) -> Diagnostic {
    let mut d = Diagnostic::error(&InvalidYaml::META, message)
        .with_hint(hint)
        .with_origin(Origin {
            file: Some(input.to_owned()),
            document: doc.map(|(d, _)| d.index),
            source: doc.and_then(|(d, _)| d.source.clone()),
            ..Origin::default()
        });
    if let Some(at) = at {
        match doc {
            Some((doc, doc_text)) => {
                let end = (at + 1).min(doc_text.len());
                d = d.at(&LineIndex::new(doc_text), at, end);
                shift(&mut d, doc);
            }
            None => d = d.at(&LineIndex::new(text), at, at),
        }
    }
    d
}

/// Moves a diagnostic positioned in a document's text to its place in the input.
pub(super) fn shift(d: &mut Diagnostic, doc: &Doc) {
    if let Some(span) = &mut d.origin.span {
        for p in [&mut span.start, &mut span.end] {
            p.line += doc.line_base;
            p.byte += doc.range.start;
        }
    }
}

/// A hint for documents that do not parse: unrendered templates are the usual cause.
fn parse_hint(text: &str) -> &'static str {
    if text.contains("{{") || text.contains("%{") || text.contains("${") {
        "this looks like an unrendered template: check the rendered output (helm template …, terraform …) instead"
    } else {
        "fix the YAML syntax; the other documents and files are still checked"
    }
}

/// An input's text: its bytes checked against the size limit, UTF-8 and YAML's characters.
pub fn read_text(source: Source, limits: &Limits) -> Result<String, Diagnostic> {
    let name = source.name;
    if crate::input::too_large(source.bytes.len(), limits) {
        return Err(unparsable(
            &name,
            "",
            None,
            None,
            format!(
                "the file is larger than the limit of {} bytes and was not checked",
                limits.max_input_bytes
            ),
            "split the input, or check it in parts",
        ));
    }
    crate::source::validate_owned(source.bytes, &name).map_err(|mut d| {
        d.code = Code::Rule(&InvalidYaml::META);
        d
    })
}

/// The documents of an input's text that are documents at all: a blank slice (an empty file
/// or stdin, a trailing `---`) is none.
pub fn documents(text: &str) -> Vec<crate::input::Document<'_>> {
    let mut docs = crate::input::documents(text);
    docs.retain(|d| !crate::input::is_blank(d.text));
    docs
}

/// Reads one document of input `name` (whose whole text is `text`): parsed when it holds
/// something a rule reads, its objects classified. `values`: it is the control plane Helm
/// values file's document (`--values`, not yet found).
pub fn read_document(
    name: &str,
    text: &str,
    slice: &crate::input::Document<'_>,
    values: bool,
    limits: &Limits,
) -> ReadDoc {
    let doc_text = slice.text;
    let mut doc = Doc {
        index: slice.index,
        range: slice.range.clone(),
        line_base: slice.line_base,
        source: None,
        tree: None,
    };
    let fail = |doc: Doc, at: usize, message: String, hint: &str| {
        let error = unparsable(name, text, Some((&doc, doc_text)), Some(at), message, hint);
        ReadDoc {
            doc,
            parsed: None,
            errors: vec![error],
        }
    };
    let tree = match parse_document(doc_text, values) {
        Ok(Some(tree)) => tree,
        Ok(None) => {
            return ReadDoc {
                doc,
                parsed: None,
                errors: Vec::new(),
            };
        }
        Err(e) => {
            doc.source = model::source_file(doc_text);
            let message = format!("invalid YAML: {}", e.message);
            return fail(doc, e.offset, message, parse_hint(doc_text));
        }
    };
    doc.source = model::source_file(doc_text);
    let scan = &tree.stats;
    let unread = |doc: Doc| ReadDoc {
        doc,
        parsed: None,
        errors: Vec::new(),
    };
    if let Some((at, c)) = crate::linebreak::find_ambiguous_break(doc_text) {
        let read_differently = document::scan(&crate::linebreak::as_libyaml_reads(doc_text))
            .is_ok_and(|s| interesting(s.api_version.as_deref(), s.kind.as_deref()));
        if read_differently || interesting(scan.api_version.as_deref(), scan.kind.as_deref()) {
            return fail(
                doc,
                at,
                format!(
                    "this document contains {}: Kubernetes' YAML reader takes it as a line break, YAML 1.2 readers do not, so the two read different objects",
                    crate::linebreak::describe(c)
                ),
                "replace the character with a line break, or write it as an escape (\\N, \\L, \\P) inside a double-quoted string",
            );
        }
    }
    if !scan.has_document
        || !(values
            || interesting(scan.api_version.as_deref(), scan.kind.as_deref())
            || is_mesh_config_map(&tree))
    {
        return unread(doc);
    }
    // Without apiVersion and kind only values files and mesh configs are read; any other
    // such document (a data file in a scanned folder) is left alone.
    let istiod = (values || !looks_like_values(&tree)) && istio::looks_like_istiod_values(&tree);
    let values = !istiod && (values || looks_like_values(&tree));
    let mesh_config = !values && !istiod && looks_like_mesh_config(&tree);
    if scan.api_version.is_none() && scan.kind.is_none() && !values && !mesh_config && !istiod {
        return unread(doc);
    }
    if let Some(over) = crate::input::exceeded(scan, limits).map(crate::input::Exceeded::what) {
        return fail(
            doc,
            0,
            format!("this document {over}, over meshdrain's limit, and was not checked"),
            crate::input::Exceeded::HINT,
        );
    }
    let resources: Vec<(Resource, Class)> = if istiod {
        model::istiod_values_resource(&tree)
            .map(|r| (r, Class::IstiodValues))
            .into_iter()
            .collect()
    } else if values {
        model::values_resource(&tree)
            .map(|r| (r, Class::ControlPlane { values: true }))
            .into_iter()
            .collect()
    } else if mesh_config {
        model::whole_document(&tree, "raw", "MeshConfig", None)
            .map(|r| (r, Class::MeshConfig))
            .into_iter()
            .collect()
    } else {
        model::resources(&tree)
            .into_iter()
            .map(|r| {
                let class = classify(&tree, &r);
                (r, class)
            })
            .collect()
    };
    let mut errors = Vec::new();
    let mut embedded = Vec::new();
    for (host, (resource, _)) in resources.iter().enumerate() {
        match mesh_configs::read_config_map(&tree, doc_text, resource) {
            Some(MeshConfigMap::Read(read)) => {
                let (inner, inner_resource, place) = *read;
                embedded.push((host, inner, inner_resource, place));
            }
            Some(MeshConfigMap::Invalid { message, at }) => errors.push(unparsable(
                name,
                text,
                Some((&doc, doc_text)),
                Some(at.0),
                format!("the mesh config in data.mesh is not valid YAML: {message}"),
                mesh_configs::INVALID_HINT,
            )),
            None => {}
        }
    }
    ReadDoc {
        doc,
        parsed: Some(Parsed {
            tree,
            resources,
            embedded,
        }),
        errors,
    }
}
