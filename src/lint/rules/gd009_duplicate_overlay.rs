use std::collections::HashMap;

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
            // The operator matches an overlay to its object by kind and name (apiVersion may
            // be left out), as the model's `is_istio_overlay` does.
            let mut last: HashMap<(&str, &str), usize> = HashMap::new();
            let targets: Vec<Option<(&str, &str)>> = tree
                .items(list.node)
                .iter()
                .map(|&o| Some((tree.str_at(o, "kind")?, tree.str_at(o, "name")?)))
                .collect();
            for (i, target) in targets.iter().enumerate() {
                if let Some(t) = target {
                    last.insert(*t, i);
                }
            }
            for (i, target) in targets.iter().enumerate() {
                let Some((kind, name)) = target else { continue };
                let Some(&last) = last.get(&(*kind, *name)) else {
                    continue;
                };
                if last == i {
                    continue;
                }
                out.report(
                    object,
                    list.pointer.index(i),
                    format!(
                        "overlay {i} and overlay {last} both target {kind} {name}: only the last one ({last}) is applied, so the patches of overlay {i} are silently dropped"
                    ),
                )
                .hint("merge the patches into one overlay per object");
            }
        }
    }
}
