use super::overlays;
use crate::lint::context::{Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::patch_path_problem;

declare_rule! {
    /// ## What it detects
    /// An overlay patch path Istio's operator cannot follow: unbalanced or nested brackets,
    /// an empty `[]` or `[key:]` selector, an index below -1, white space outside brackets.
    /// (Empty segments, `a..b`, are fine: the operator drops them.)
    ///
    /// ## Why it matters
    /// The operator splits the path on `.` (`\.` escapes a dot), selects list items with
    /// `[index]`, `[key:value]` or `[value]`, and appends with `[-1]`. A malformed path fails
    /// the reconcile, and none of the overlay's patches apply.
    ///
    /// ## Example
    /// ```yaml
    /// - path: spec.template.spec.containers.[name:].env
    /// ```
    ///
    /// ## Fix
    /// Write the path in the operator's grammar, e.g.
    /// `spec.template.spec.containers.[name:istio-proxy].env[-1]`.
    pub struct MalformedOverlayPath;
    code: "GD025",
    name: "malformed-overlay-path",
    severity: Error,
    summary: "an overlay patch path Istio's operator cannot follow",
}

impl Rule for MalformedOverlayPath {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        for patch in overlays(cx, object).iter().flat_map(|o| &o.patches) {
            let Some(problem) = patch_path_problem(patch.path) else {
                continue;
            };
            out.report(
                object,
                patch.path_pointer.clone(),
                format!(
                    "the patch path {:?} is malformed: {problem}; the operator fails to apply this overlay",
                    patch.path
                ),
            )
            .hint("segments are separated by '.', '\\.' escapes a dot, and list items are selected with [index], [key:value] or [value]; [-1] appends");
        }
    }
}
