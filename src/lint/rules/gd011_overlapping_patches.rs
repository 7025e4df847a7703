use std::collections::HashMap;

use super::{Patch, overlays};
use crate::document::NodeKind;
use crate::lint::context::{Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::{is_istio_overlay, normalize_patch_path};

declare_rule! {
    /// ## What it detects
    /// In one overlay: a patch that replaces `spec.meshConfig` or
    /// `spec.meshConfig.defaultConfig` of the IstioOperator with a mapping, or two patches of
    /// which one path is an ancestor of the other.
    ///
    /// ## Why it matters
    /// A value at an existing path replaces it whole: patching `spec.meshConfig.defaultConfig`
    /// with a map wipes every default-config key TSB generates there. With a parent and a
    /// child path both patched, the order decides the result, and a later parent patch undoes
    /// the child.
    ///
    /// ## Example
    /// ```yaml
    /// patches:
    /// - path: spec.meshConfig.defaultConfig
    ///   value:
    ///     drainDuration: 50s
    /// ```
    ///
    /// ## Fix
    /// Patch the individual fields (`spec.meshConfig.defaultConfig.drainDuration`) instead of
    /// their parent.
    pub struct OverlappingPatches;
    code: "GD011",
    name: "overlapping-patches",
    severity: Warning,
    summary: "a patch replaces a whole mesh config map, or patches overlap",
}

const WHOLE: [&[&str]; 3] = [
    &["spec"],
    &["spec", "meshConfig"],
    &["spec", "meshConfig", "defaultConfig"],
];

impl Rule for OverlappingPatches {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        let tree = cx.tree(object);
        for overlay in overlays(cx, object) {
            let istio = is_istio_overlay(tree, overlay.node);
            let all: Vec<(&Patch<'_>, Vec<String>)> = overlay
                .patches
                .iter()
                .map(|p| (p, normalize_patch_path(p.path)))
                .filter(|(_, s)| !s.is_empty())
                .collect();
            let mut by_path: HashMap<String, (&Patch<'_>, &Vec<String>)> = HashMap::new();
            for (patch, segments) in &all {
                by_path
                    .entry(segments.join("."))
                    .or_insert((*patch, segments));
            }
            for (patch, segments) in &all {
                let i = patch.index;
                let is_map = tree
                    .get(patch.node, "value")
                    .and_then(|v| tree.node(v))
                    .is_some_and(|n| matches!(n.kind, NodeKind::Mapping { .. }));
                let whole = WHOLE
                    .iter()
                    .any(|w| segments.iter().map(String::as_str).eq(w.iter().copied()));
                if istio && is_map && whole {
                    out.report(
                        object,
                        patch.path_pointer.clone(),
                        format!(
                            "patch {i} replaces all of {} with a mapping, wiping every key TSB generates there",
                            segments.join(".")
                        ),
                    )
                    .hint(format!(
                        "patch the fields one by one ({}.drainDuration, …) instead of the whole map",
                        segments.join(".")
                    ));
                    continue;
                }
                // The nearest ancestor path some other patch sets.
                let parent = (1..segments.len()).rev().find_map(|n| {
                    let prefix = segments.get(..n)?.join(".");
                    by_path.get(prefix.as_str()).map(|&(p, s)| (p, s))
                });
                if let Some((other_patch, other)) = parent {
                    let j = other_patch.index;
                    out.report(
                        object,
                        patch.path_pointer.clone(),
                        format!(
                            "patch {i} ({}) is inside patch {j} ({}): the order of the two decides the result{}",
                            segments.join("."),
                            other.join("."),
                            if j > i {
                                ", and here the parent comes later and replaces it"
                            } else {
                                ""
                            }
                        ),
                    )
                    .hint("patch either the parent or its fields, not both");
                }
            }
        }
    }
}
