use std::collections::HashSet;

use super::{overlay_lists, walk_scalars};
use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::patch::Pointer;

declare_rule! {
    /// ## What it detects
    /// Unrendered template markers in a TSB install resource or control plane values: `${…}`
    /// and `%{…}` (Terraform, envsubst) in any value, and `{{` in a value meshdrain reads
    /// (drain durations, overlay targets and paths, names and namespaces). `{{` elsewhere is
    /// left alone: annotations such as Vault agent templates carry it on purpose.
    ///
    /// ## Why it matters
    /// The file is a template, not what gets applied: the value TSB would see is the marker
    /// itself (an invalid duration, a hub named `${registry}`), and the checks on it say
    /// nothing about the real value.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hub: ${registry}
    /// ```
    ///
    /// ## Fix
    /// Check the rendered output instead (`helm template …`, `terraform …`,
    /// `envsubst < file`), or render the value.
    pub struct UnrenderedTemplate;
    code: "GD024",
    name: "unrendered-template",
    severity: Error,
    summary: "unrendered template markers in a value",
}

fn marker(text: &str, braces: bool) -> Option<&'static str> {
    if text.contains("${") {
        Some("${")
    } else if text.contains("%{") {
        Some("%{")
    } else if braces && text.contains("{{") {
        Some("{{")
    } else {
        None
    }
}

impl Rule for UnrenderedTemplate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        if !matches!(
            object.class,
            Class::ControlPlane { .. } | Class::InstallGateway(_)
        ) {
            return;
        }
        let tree = cx.tree(object);
        // Values meshdrain reads: `{{` there is a template too.
        let mut read: HashSet<Pointer> =
            cx.sites(object).iter().map(|s| s.pointer.clone()).collect();
        for key in ["name", "namespace"] {
            read.insert(object.pointer().key("metadata").key(key));
        }
        for list in overlay_lists(cx, object) {
            for (i, &overlay) in tree.items(list.node).iter().enumerate() {
                let at = list.pointer.index(i);
                for key in ["apiVersion", "kind", "name"] {
                    read.insert(at.key(key));
                }
                for (j, _, _) in super::patches(tree, overlay) {
                    read.insert(at.key("patches").index(j).key("path"));
                }
            }
        }
        let mut hits = Vec::new();
        walk_scalars(
            tree,
            object.resource.node,
            object.pointer(),
            &mut |_, text, ptr| {
                if let Some(m) = marker(text, read.contains(ptr)) {
                    hits.push((ptr.clone(), text.to_owned(), m));
                }
            },
        );
        for (pointer, text, m) in hits {
            let shown: String = text.chars().take(60).collect();
            out.report(
                object,
                pointer,
                format!("{shown:?} holds an unrendered template marker ({m}): this is a template, not the value that gets applied"),
            )
            .hint("check the rendered output (helm template …, terraform …, envsubst) instead of the template");
        }
    }
}
