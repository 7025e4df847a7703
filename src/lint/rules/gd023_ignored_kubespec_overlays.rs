use crate::document::NodeKind;
use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::{self, competing_overlays};

declare_rule! {
    /// ## What it detects
    /// A ControlPlane whose istio component sets a non-empty `pilotOverlays`, `baseOverlays`
    /// or `cniOverlays` together with `kubeSpec.overlays`.
    ///
    /// ## Why it matters
    /// TSB's API reference: "When [base|pilot|cni]Overlays is specified, the overlay in
    /// `kubeSpec.overlays` are ignored." A drain patch in `kubeSpec.overlays` then has no
    /// effect; `meshdrain render` refuses to add one there.
    ///
    /// ## Example
    /// ```yaml
    /// istio:
    ///   pilotOverlays: [...]
    ///   kubeSpec:
    ///     overlays: [...]
    /// ```
    ///
    /// ## Fix
    /// Keep the overlays in one place: move them into `kubeSpec.overlays`, where TSB then reads
    /// them and `meshdrain render` manages the drain patch.
    pub struct IgnoredKubeSpecOverlays;
    code: "GD023",
    name: "ignored-kubespec-overlays",
    severity: Warning,
    summary: "kubeSpec.overlays ignored because pilot/base/cni overlays are set",
}

impl Rule for IgnoredKubeSpecOverlays {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        if !matches!(object.class, Class::ControlPlane { .. }) {
            return;
        }
        let tree = cx.tree(object);
        let node = object.resource.node;
        let Some(istio) = tree.get_path(node, &["spec", "components", "istio"]) else {
            return;
        };
        let Some((key, _)) = competing_overlays(tree, istio) else {
            return;
        };
        let has_overlays = tree
            .get_path(istio, &["kubeSpec", "overlays"])
            .and_then(|n| tree.node(n))
            .is_some_and(
                |n| matches!(&n.kind, NodeKind::Sequence { items, .. } if !items.is_empty()),
            );
        if !has_overlays {
            return;
        }
        let base: Vec<&str> = model::mesh::ISTIO_OVERLAYS.to_vec();
        let pointer = base.iter().fold(object.pointer().clone(), |p, k| p.key(k));
        out.report(
            object,
            pointer,
            format!("spec.components.istio.{key} is set, so TSB ignores spec.components.istio.kubeSpec.overlays, drain patches included"),
        )
        .at_key()
        .hint(format!("keep all overlays in one place: move those of {key} into kubeSpec.overlays, where TSB then reads them and meshdrain can manage the drain patch"));
    }
}
