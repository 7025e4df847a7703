use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it detects
    /// A ControlPlane for TSB later than 1.4: the control plane Helm values' `image.tag`, or
    /// `spec.components.istio.tsbVersion`.
    ///
    /// ## Why it matters
    /// The graceful-drain guide meshdrain automates is written for TSB 1.4 and earlier. TSB's
    /// 1.5 docs set `terminationDrainDuration` instead of `drainDuration`, which matches
    /// Istio's source: on later versions, make sure the field you set is the one your
    /// version's docs use.
    ///
    /// ## Example
    /// ```yaml
    /// image:
    ///   tag: 1.6.1
    /// spec:
    ///   hub: registry.example.com
    /// ```
    ///
    /// ## Fix
    /// Nothing to fix by itself; check that `terminationDrainDuration` is set
    /// (`--termination-drain-duration`), and suppress the finding once you have.
    pub struct TsbVersion;
    code: "GD018",
    name: "tsb-version",
    severity: Info,
    summary: "a TSB version the drain guide was not written for",
}

/// `(major, minor)` of a version like `1.6.1` or `v1.5.0-rc1`.
fn major_minor(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().trim_start_matches('v').split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor.parse().ok()?))
}

impl Rule for TsbVersion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        let Class::ControlPlane { values } = object.class else {
            return;
        };
        let tree = cx.tree(object);
        let node = object.resource.node;
        let base = object.pointer();
        let mut places: Vec<(crate::patch::Pointer, &[&str])> = vec![(
            base.key("spec")
                .key("components")
                .key("istio")
                .key("tsbVersion"),
            &["spec", "components", "istio", "tsbVersion"],
        )];
        if values {
            places.push((base.key("image").key("tag"), &["image", "tag"]));
        }
        for (pointer, keys) in places {
            let Some(text) = tree
                .get_path(node, keys)
                .and_then(|n| tree.node(n))
                .and_then(|n| n.as_str())
            else {
                continue;
            };
            let Some((major, minor)) = major_minor(text) else {
                continue;
            };
            if (major, minor) <= (1, 4) {
                continue;
            }
            out.report(
                object,
                pointer,
                format!("this is TSB {text}: the graceful-drain guide is written for TSB 1.4 and earlier, and TSB's docs from 1.5 on set terminationDrainDuration"),
            )
            .hint("make sure terminationDrainDuration is set (meshdrain --termination-drain-duration), then suppress this finding");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions() {
        assert_eq!(super::major_minor("1.6.1"), Some((1, 6)));
        assert_eq!(super::major_minor("v1.10.0-rc1"), Some((1, 10)));
        assert_eq!(super::major_minor("latest"), None);
    }
}
