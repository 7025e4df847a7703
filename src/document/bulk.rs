//! The bulk pass every document gets: one parser pass that validates the syntax and reads
//! the top-level identity, with no tree and no per-node memory.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser};

use super::node::is_foreign;
use super::span::{SyntaxError, syntax_error};

/// What the bulk pass learns about a document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// The slice holds a document (not only comments or white space).
    pub has_document: bool,
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub max_depth: usize,
    pub alias_uses: usize,
    pub max_scalar_bytes: usize,
    /// The root mapping has a `<<` merge key: to YAML 1.1 readers its apiVersion and kind
    /// may come from the merged mapping.
    pub root_merge: bool,
    /// A top-level key, or the apiVersion or kind value, has a tag of its own (`!!binary`):
    /// what the resource is depends on how a reader decodes it.
    pub tagged_identity: bool,
}

/// The bulk pass: validates the syntax and reads the top-level `apiVersion` and `kind`.
pub fn scan(text: &str) -> Result<Scan, SyntaxError> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum TopKey {
        ApiVersion,
        Kind,
        Other,
    }
    let mut out = Scan::default();
    let mut parser = Parser::new_from_str(text);
    // Open collections: (is_mapping, children seen so far).
    let mut stack: Vec<(bool, usize)> = Vec::new();
    let mut documents = 0usize;
    let mut pending_top_key: Option<TopKey> = None;
    // Anchored scalars, so `kind: *k` still classifies (anchors are rare; aliases rarer).
    let mut anchored: HashMap<usize, String> = HashMap::new();
    while let Some(next) = parser.next_event() {
        let (event, _span) = next.map_err(|e| syntax_error(text, &e))?;
        // `foreign`: the scalar has a tag of its own (`!!binary kind`), which go-yaml decodes.
        let (scalar, foreign): (Option<Cow<'_, str>>, bool) = match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError {
                        offset: 0,
                        message: "more than one document in one slice".to_owned(),
                    });
                }
                out.has_document = true;
                continue;
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_mapping = matches!(event, Event::MappingStart(..));
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                stack.push((is_mapping, 0));
                out.max_depth = out.max_depth.max(stack.len());
                if stack.len() == 2 {
                    pending_top_key = None;
                }
                continue;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                continue;
            }
            Event::Alias(id) => {
                out.alias_uses += 1;
                (anchored.get(&id).map(|s| Cow::Owned(s.clone())), false)
            }
            Event::Scalar(value, _, anchor, tag) => {
                out.max_scalar_bytes = out.max_scalar_bytes.max(value.len());
                if anchor > 0 && value.len() <= 256 {
                    anchored.insert(anchor, value.to_string());
                }
                (Some(value), is_foreign(tag.as_deref(), "str"))
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => continue,
        };
        // A scalar or alias: track top-level key/value pairs of a root mapping.
        let Some(top) = stack.last_mut() else {
            continue;
        };
        let index = top.1;
        top.1 += 1;
        if stack.len() != 1 || !stack.first().is_some_and(|f| f.0) {
            continue;
        }
        if index % 2 == 0 {
            out.root_merge |= scalar.as_deref() == Some("<<");
            out.tagged_identity |= foreign;
            pending_top_key = Some(match scalar.as_deref() {
                Some("apiVersion") => TopKey::ApiVersion,
                Some("kind") => TopKey::Kind,
                _ => TopKey::Other,
            });
        } else {
            let value = scalar.map(Cow::into_owned);
            match pending_top_key.take() {
                Some(TopKey::ApiVersion) => {
                    out.tagged_identity |= foreign;
                    out.api_version = value;
                }
                Some(TopKey::Kind) => {
                    out.tagged_identity |= foreign;
                    out.kind = value;
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_reads_top_level_identity() {
        let s = scan("---\n# Source: x\napiVersion: install.tetrate.io/v1alpha1\nspec:\n  kind: no\nkind: IngressGateway\n").unwrap();
        assert!(s.has_document);
        assert_eq!(
            s.api_version.as_deref(),
            Some("install.tetrate.io/v1alpha1")
        );
        assert_eq!(s.kind.as_deref(), Some("IngressGateway"));
        assert_eq!(s.max_depth, 2);
    }

    #[test]
    fn scan_resolves_scalar_aliases_and_counts() {
        let s = scan("a: &k ControlPlane\nkind: *k\nb: [[[1]]]\n").unwrap();
        assert_eq!(s.kind.as_deref(), Some("ControlPlane"));
        assert_eq!(s.alias_uses, 1);
        assert_eq!(s.max_depth, 4);
    }

    #[test]
    fn scan_of_comments_has_no_document() {
        assert!(!scan("# only a comment\n").unwrap().has_document);
        assert!(scan("--- # c\n").unwrap().has_document);
    }

    #[test]
    fn scan_reports_byte_offsets_of_errors() {
        let e = scan("ä: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.offset > 0 && e.offset <= "ä: [1, 2\nb: 3\n".len());
    }
}
