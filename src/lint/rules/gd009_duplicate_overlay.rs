use super::overlay_lists;
use crate::lint::context::{Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it detects
    /// Two overlays in one overlay list with the same apiVersion, kind and name.
    ///
    /// ## Why it matters
    /// TSB's operator (like Istio's) applies each overlay to the original object and keeps the
    /// result of the last one: only the last overlay for an object takes effect, and the
    /// patches of the earlier ones are silently dropped. meshdrain edits the last one, as TSB
    /// applies it.
    ///
    /// ## Example
    /// ```yaml
    /// overlays:
    /// - {apiVersion: install.istio.io/v1alpha1, kind: IstioOperator, name: tsb-istiocontrolplane, patches: [...]}
    /// - {apiVersion: install.istio.io/v1alpha1, kind: IstioOperator, name: tsb-istiocontrolplane, patches: [...]}
    /// ```
    ///
    /// ## Fix
    /// Merge the patches into one overlay per object.
    pub struct DuplicateOverlay;
    code: "GD009",
    name: "duplicate-overlay",
    severity: Error,
    summary: "two overlays for the same object; only the last applies",
}

impl Rule for DuplicateOverlay {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        let tree = cx.tree(object);
        for list in overlay_lists(cx, object) {
            let targets: Vec<(Option<&str>, Option<&str>, Option<&str>)> = tree
                .items(list.node)
                .iter()
                .map(|&o| {
                    (
                        tree.str_at(o, "apiVersion"),
                        tree.str_at(o, "kind"),
                        tree.str_at(o, "name"),
                    )
                })
                .collect();
            for (i, target) in targets.iter().enumerate() {
                if target.1.is_none() && target.2.is_none() {
                    continue;
                }
                let later = targets
                    .iter()
                    .enumerate()
                    .skip(i + 1)
                    .filter(|(_, t)| *t == target)
                    .map(|(j, _)| j)
                    .next_back();
                let Some(last) = later else { continue };
                out.report(
                    object,
                    list.pointer.index(i),
                    format!(
                        "overlay {i} and overlay {last} both target {} {}: only the last one ({last}) is applied, so the patches of overlay {i} are silently dropped",
                        target.1.unwrap_or("?"),
                        target.2.unwrap_or("?")
                    ),
                )
                .hint("merge the patches into one overlay per object");
            }
        }
    }
}
