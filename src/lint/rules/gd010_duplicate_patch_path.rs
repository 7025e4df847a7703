use std::collections::HashMap;

use super::{Patch, overlays};
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
        for overlay in overlays(cx, object) {
            let paths: Vec<(&Patch<'_>, Vec<String>)> = overlay
                .patches
                .iter()
                .filter(|p| !p.path.contains("[-1]"))
                .map(|p| (p, normalize_patch_path(p.path)))
                .filter(|(_, segments)| !segments.is_empty())
                .collect();
            let mut first_of: HashMap<&[String], usize> = HashMap::new();
            for (patch, segments) in &paths {
                let first = *first_of.entry(segments.as_slice()).or_insert(patch.index);
                if first == patch.index {
                    continue;
                }
                let i = patch.index;
                out.report(
                    object,
                    patch.path_pointer.clone(),
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
