use super::{overlay_lists, patches};
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
        for list in overlay_lists(cx, object) {
            for (o, &overlay) in tree.items(list.node).iter().enumerate() {
                let istio = is_istio_overlay(tree, overlay);
                let all: Vec<(usize, Vec<String>, crate::document::NodeId)> =
                    patches(tree, overlay)
                        .into_iter()
                        .map(|(i, node, p)| (i, normalize_patch_path(p), node))
                        .filter(|(_, s, _)| !s.is_empty())
                        .collect();
                for (k, (i, segments, node)) in all.iter().enumerate() {
                    let at = list.pointer.index(o).key("patches").index(*i);
                    let is_map = tree
                        .get(*node, "value")
                        .and_then(|v| tree.node(v))
                        .is_some_and(|n| matches!(n.kind, NodeKind::Mapping { .. }));
                    if istio
                        && is_map
                        && WHOLE
                            .iter()
                            .any(|w| segments.iter().map(String::as_str).eq(w.iter().copied()))
                    {
                        out.report(
                            object,
                            at.key("path"),
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
                    let parent =
                        all.iter()
                            .take(k)
                            .chain(all.iter().skip(k + 1))
                            .find(|(_, other, _)| {
                                other.len() < segments.len() && segments.starts_with(other)
                            });
                    if let Some((j, other, _)) = parent {
                        out.report(
                            object,
                            at.key("path"),
                            format!(
                                "patch {i} ({}) is inside patch {j} ({}): the order of the two decides the result{}",
                                segments.join("."),
                                other.join("."),
                                if j > i { ", and here the parent comes later and replaces it" } else { "" }
                            ),
                        )
                        .hint("patch either the parent or its fields, not both");
                    }
                }
            }
        }
    }
}
