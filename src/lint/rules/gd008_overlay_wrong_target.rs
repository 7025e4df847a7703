use super::overlay_lists;
use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::{
    ISTIO_OVERLAY_API_VERSION, ISTIO_OVERLAY_KIND, ISTIO_OVERLAY_NAME, api_group, is_istio_overlay,
};

declare_rule! {
    /// ## What it detects
    /// An overlay in a ControlPlane's `spec.components.istio.kubeSpec.overlays` that is meant
    /// for the mesh's IstioOperator but does not match it: a name other than
    /// `tsb-istiocontrolplane`, or a misspelled kind (`IstioOperators`, `istiooperator`). The
    /// operator matches overlays on kind and name only, so the apiVersion does not matter.
    ///
    /// ## Why it matters
    /// TSB's operator applies an overlay only to the object whose kind and name it gives; a near miss fails the
    /// reconcile with "overlay for … does not match any object", and none of its patches
    /// (drain settings included) are applied.
    ///
    /// ## Example
    /// ```yaml
    /// overlays:
    /// - apiVersion: install.istio.io/v1alpha1
    ///   kind: IstioOperator
    ///   name: istiocontrolplane
    /// ```
    ///
    /// ## Fix
    /// Target `apiVersion: install.istio.io/v1alpha1`, `kind: IstioOperator`,
    /// `name: tsb-istiocontrolplane`.
    pub struct OverlayWrongTarget;
    code: "GD008",
    name: "overlay-wrong-target",
    severity: Error,
    summary: "an overlay meant for the mesh's IstioOperator targets something else",
}

/// Levenshtein distance, for kind typos (short strings only).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let (Some(&up), Some(&left)) = (row.get(j + 1), row.get(j)) else {
                continue;
            };
            let next = (up + 1).min(left + 1).min(prev + cost);
            prev = up;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = next;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

impl Rule for OverlayWrongTarget {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        if !matches!(object.class, Class::ControlPlane { .. }) {
            return;
        }
        let tree = cx.tree(object);
        for list in overlay_lists(cx, object).into_iter().filter(|l| l.istio) {
            for (i, &overlay) in tree.items(list.node).iter().enumerate() {
                let kind = tree.str_at(overlay, "kind").unwrap_or("");
                let name = tree.str_at(overlay, "name").unwrap_or("");
                let api_version = tree.str_at(overlay, "apiVersion");
                let kind_like = distance(&kind.to_ascii_lowercase(), "istiooperator") <= 2;
                let meant = kind_like
                    || api_version.is_some_and(|a| api_group(a) == "install.istio.io")
                    || name == ISTIO_OVERLAY_NAME;
                if !meant || is_istio_overlay(tree, overlay) {
                    continue;
                }
                let at = list.pointer.index(i);
                // The operator matches on kind and name only (`model::is_istio_overlay`): an
                // overlay that is not matched has the wrong one of those.
                let (key, problem) = if kind != ISTIO_OVERLAY_KIND {
                    ("kind", format!("kind {kind:?} is not {ISTIO_OVERLAY_KIND}"))
                } else {
                    (
                        "name",
                        format!(
                            "name {name:?} is not {ISTIO_OVERLAY_NAME}, the IstioOperator TSB creates"
                        ),
                    )
                };
                out.report(
                    object,
                    at.key(key),
                    format!(
                        "overlay {i} seems meant for the mesh's IstioOperator, but its {problem}: TSB fails with \"overlay for {kind}:{name} does not match any object\" and applies none of its patches"
                    ),
                )
                .hint(format!(
                    "target apiVersion: {ISTIO_OVERLAY_API_VERSION}, kind: {ISTIO_OVERLAY_KIND}, name: {ISTIO_OVERLAY_NAME}"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn distances() {
        assert_eq!(super::distance("istiooperators", "istiooperator"), 1);
        assert_eq!(super::distance("istiooperator", "istiooperator"), 0);
        assert_eq!(super::distance("kitten", "sitting"), 3);
    }
}
