//! Findings resolved into diagnostics: the object and YAML path a rule reported become a
//! file, document, resource and line:column (inside a block scalar for a mesh config read
//! from a ConfigMap's string).

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, LineIndex, Origin};
use crate::document::NodeKind;
use crate::model::{self, dotted};

use super::Finding;
use super::context::{Class, Context, Object, shift};
use crate::patch::Pointer;

impl Context {
    /// Where a node of an object is: `(file, line, column)`, 1-based, in its input.
    pub fn position(&self, object: &Object, pointer: &Pointer) -> Option<(String, usize, usize)> {
        let (input, doc) = (self.input(object)?, self.doc(object)?);
        let text = input.text.get(doc.range.clone())?;
        let (start, end) = self.tree(object).nearest_span(pointer, false)?;
        let d = Diagnostic::new(crate::diagnostic::Severity::Info, "position", String::new()).at(
            &LineIndex::new(text),
            start,
            end,
        );
        let span = d.origin.span?;
        Some((
            input.name.clone(),
            span.start.line + doc.line_base,
            span.start.column,
        ))
    }

    /// Turns a finding into a diagnostic with its position in the input.
    pub fn resolve(&self, f: &Finding) -> Diagnostic {
        self.resolve_with(f, &mut HashMap::new())
    }

    /// [`Context::resolve`], reusing the line indexes of documents already seen (a document
    /// with many findings is indexed once).
    pub fn resolve_with<'a>(
        &'a self,
        f: &Finding,
        indexes: &mut HashMap<(usize, usize), LineIndex<'a>>,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(f.severity, f.rule, f.message.clone());
        d.hint = f.hint.clone();
        d.fix = f.fix.clone();
        let Some(object) = self.object(f.object) else {
            return d;
        };
        let (Some(input), Some(doc)) = (self.input(object), self.doc(object)) else {
            return d;
        };
        d = d
            .with_resource(Some(object.resource.reference.clone()))
            .with_origin(Origin {
                file: Some(input.name.clone()),
                document: Some(doc.index),
                source: doc.source.clone(),
                ..Origin::default()
            })
            .with_path_if_any(dotted(&model::relative(&f.pointer, object.pointer())));
        if let Some(e) = &object.embedded {
            d.yaml_path = Some(e.shown_path(d.yaml_path.as_deref().unwrap_or("")));
        } else if matches!(
            object.class,
            Class::ControlPlane { values: true } | Class::MeshConfig | Class::IstiodValues
        ) {
            d.resource = None;
        }
        let text = input.text.get(doc.range.clone()).unwrap_or("");
        let tree = self.tree(object);
        // A block scalar's text starts on the line after its key: show the key.
        let block_scalar = tree
            .locate(&f.pointer)
            .and_then(|(_, n)| tree.node(n))
            .is_some_and(|n| {
                matches!(
                    n.kind,
                    NodeKind::Scalar {
                        style: saphyr_parser::ScalarStyle::Literal
                            | saphyr_parser::ScalarStyle::Folded,
                        ..
                    }
                )
            });
        let span = tree.nearest_span(&f.pointer, f.at_key || block_scalar);
        let span = match &object.embedded {
            Some(e) => Some(e.outer(span)),
            None => span,
        };
        if let Some((start, end)) = span {
            let index = indexes
                .entry((object.input, object.document))
                .or_insert_with(|| LineIndex::new(text));
            d = d.at(index, start, end);
            shift(&mut d, doc);
        }
        d
    }
}
