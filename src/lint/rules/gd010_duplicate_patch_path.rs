use super::{overlay_lists, patches};
use crate::lint::context::{Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::normalize_patch_path;

declare_rule! {
    /// ## What it detects
    /// The same patch path twice in one overlay (compared after the operator's normalisation:
    /// trailing dots, `\.` escapes). Appends (`[-1]`) are meant to repeat and are not reported.
    ///
    /// ## Why it matters
    /// Patches apply in order and a value at an existing path replaces it: the earlier patch
    /// is silently lost. A public TSB install script set
    /// `spec.meshConfig.defaultConfig.proxyMetadata` twice this way.
    ///
    /// ## Example
    /// ```yaml
    /// patches:
    /// - path: spec.meshConfig.defaultConfig.drainDuration
    ///   value: 30s
    /// - path: spec.meshConfig.defaultConfig.drainDuration
    ///   value: 50s
    /// ```
    ///
    /// ## Fix
    /// Keep one patch per path, with the value you want.
    pub struct DuplicatePatchPath;
    code: "GD010",
    name: "duplicate-patch-path",
    severity: Warning,
    summary: "the same patch path twice in one overlay",
}

impl Rule for DuplicatePatchPath {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        let tree = cx.tree(object);
        for list in overlay_lists(cx, object) {
            for (o, &overlay) in tree.items(list.node).iter().enumerate() {
                let paths: Vec<(usize, Vec<String>)> = patches(tree, overlay)
                    .into_iter()
                    .filter(|(_, _, p)| !p.contains("[-1]"))
                    .map(|(i, _, p)| (i, normalize_patch_path(p)))
                    .filter(|(_, segments)| !segments.is_empty())
                    .collect();
                for (k, (i, segments)) in paths.iter().enumerate() {
                    let Some((first, _)) = paths.iter().take(k).find(|(_, s)| s == segments) else {
                        continue;
                    };
                    out.report(
                        object,
                        list.pointer.index(o).key("patches").index(*i).key("path"),
                        format!(
                            "patch {i} repeats the path {} of patch {first}: patches apply in order, so patch {first} is silently overwritten",
                            segments.join(".")
                        ),
                    )
                    .hint("keep one patch per path");
                }
            }
        }
    }
}
