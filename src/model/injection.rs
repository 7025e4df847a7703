//! Whether Istio injects a sidecar into a workload's pods, decided as Istio 1.29's injection
//! webhook does: the namespace and object selectors of the istiod chart's
//! `templates/mutatingwebhook.yaml` (which decide whether the injector is called at all), then
//! the injector's own `injectRequired` (`pkg/kube/inject/inject.go`: host-network pods, the
//! `kube-system` and `kube-public` namespaces, and the `sidecar.istio.io/inject` label, or
//! annotation when there is no label, read as a YAML 1.1 boolean).
//!
//! Namespaces the input does not contain are decided by the policy's `injectedNamespaces`
//! (as if labelled `istio-injection=enabled`), else by the pod's own labels alone.

use std::collections::BTreeMap;

use crate::document::Tree;

use super::workload::{Container, INJECT_KEY, PodTemplate, SIDECAR_CONTAINER, meta_value};

/// The namespace label of the default revision's webhooks.
pub const INJECTION_LABEL: &str = "istio-injection";
/// The revision label, on namespaces and pods.
pub const REV_LABEL: &str = "istio.io/rev";
/// Namespaces the injector never injects into.
const IGNORED_NAMESPACES: [&str; 2] = ["kube-system", "kube-public"];

/// Whether Istio injects a sidecar into a workload's pods, and why meshdrain thinks so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Injection {
    Injected(String),
    NotInjected(String),
    /// The input cannot tell (its namespace is not in it).
    Unknown(String),
}

impl Injection {
    pub fn is_injected(&self) -> bool {
        matches!(self, Injection::Injected(_))
    }

    /// Why, in words that follow "because".
    pub fn reason(&self) -> &str {
        match self {
            Injection::Injected(r) | Injection::NotInjected(r) | Injection::Unknown(r) => r,
        }
    }
}

/// What is known about a workload's namespace.
#[derive(Clone, Copy, Debug)]
pub struct NamespaceFacts<'a> {
    /// `metadata.namespace`; `None` when the resource names none (Helm's release namespace).
    pub name: Option<&'a str>,
    /// The labels of the Namespace, when the input has it.
    pub labels: Option<&'a BTreeMap<String, String>>,
    /// The policy lists the namespace in `injectedNamespaces` (read when `labels` is `None`).
    pub listed: bool,
}

/// `yes`, `on`, `true`, `y` in any case: what `injectRequired` reads as "inject".
fn yaml_true(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "y" | "yes" | "true" | "on"
    )
}

/// Decides injection for a pod template.
pub fn injection(
    tree: &Tree,
    template: &PodTemplate,
    containers: &[Container],
    namespace: NamespaceFacts<'_>,
) -> Injection {
    if containers
        .iter()
        .any(|c| c.name.as_deref() == Some(SIDECAR_CONTAINER))
    {
        return Injection::Injected("its pod spec has an istio-proxy container".to_owned());
    }
    let ns_name = namespace.name.unwrap_or("");
    let shown_ns = namespace.name.map_or_else(
        || "the release namespace (the resource names none)".to_owned(),
        |n| format!("namespace {n}"),
    );
    if IGNORED_NAMESPACES.contains(&ns_name) {
        return Injection::NotInjected(format!("Istio never injects into {shown_ns}"));
    }
    // A YAML boolean as Kubernetes reads it (`true`, `True`, `TRUE`), not a string.
    let host_network = tree
        .get(template.spec, "hostNetwork")
        .and_then(|n| tree.node(n))
        .filter(|n| n.scalar_type() == Some(crate::document::ScalarType::Bool))
        .and_then(|n| n.as_str())
        .is_some_and(|s| s.eq_ignore_ascii_case("true"));
    if host_network {
        return Injection::NotInjected(
            "its pods use hostNetwork, which Istio's injector skips".to_owned(),
        );
    }
    let label = |key: &str| meta_value(tree, template.metadata, "labels", key).map(|(_, v)| v);
    let inject_label = label(INJECT_KEY);
    let rev_label = label(REV_LABEL);
    // The label is the newer API and wins over the annotation.
    let switch = inject_label.map(|v| (v, "label")).or_else(|| {
        meta_value(tree, template.metadata, "annotations", INJECT_KEY)
            .map(|(_, v)| (v, "annotation"))
    });
    if let Some((value, what)) = switch
        && !value.is_empty()
        && !yaml_true(value)
    {
        return Injection::NotInjected(format!("its pod {what} {INJECT_KEY} is {value:?}"));
    }
    // The object webhooks: no namespace label, and the pod asks for itself.
    let by_object = || {
        if let Some(rev) = rev_label {
            Some(format!("its pod label {REV_LABEL} is {rev:?}"))
        } else if inject_label == Some("true") {
            Some(format!("its pod label {INJECT_KEY} is \"true\""))
        } else {
            None
        }
    };
    match namespace.labels {
        Some(labels) => {
            if let Some(value) = labels.get(INJECTION_LABEL) {
                return if value == "enabled" {
                    Injection::Injected(format!(
                        "{shown_ns} has the label {INJECTION_LABEL}=enabled"
                    ))
                } else {
                    Injection::NotInjected(format!(
                        "{shown_ns} has the label {INJECTION_LABEL}={value}, which turns injection off"
                    ))
                };
            }
            if let Some(rev) = labels.get(REV_LABEL) {
                return Injection::Injected(format!("{shown_ns} has the label {REV_LABEL}={rev}"));
            }
            match by_object() {
                Some(why) => Injection::Injected(why),
                None => Injection::NotInjected(format!(
                    "{shown_ns} has no injection label, and its pods neither {INJECT_KEY}: \"true\" nor {REV_LABEL}"
                )),
            }
        }
        None if namespace.listed => {
            Injection::Injected(format!("the policy's injectedNamespaces covers {shown_ns}"))
        }
        None => match by_object() {
            Some(why) => Injection::Injected(why),
            None => Injection::Unknown(format!(
                "{shown_ns} is not in the input or in the policy's injectedNamespaces, and its pods have no {INJECT_KEY}: \"true\" or {REV_LABEL} label"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workload::{containers, pod_template};
    use crate::patch::Pointer;

    fn decide(pod_meta: &str, spec: &str, ns: NamespaceFacts<'_>) -> Injection {
        let text = format!("apiVersion: v1\nkind: Pod\nmetadata: {pod_meta}\nspec: {spec}\n");
        let tree = Tree::parse(&text).unwrap();
        let t = pod_template(&tree, tree.root.unwrap(), &Pointer::root(), "v1", "Pod").unwrap();
        let cs = containers(&tree, &t);
        injection(&tree, &t, &cs, ns)
    }

    fn ns<'a>(name: &'a str, labels: Option<&'a BTreeMap<String, String>>) -> NamespaceFacts<'a> {
        NamespaceFacts {
            name: Some(name),
            labels,
            listed: false,
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const APP: &str = "{containers: [{name: app}]}";

    #[test]
    fn namespace_labels_decide_as_the_webhook_selectors_do() {
        let enabled = labels(&[("istio-injection", "enabled")]);
        let disabled = labels(&[("istio-injection", "disabled")]);
        let rev = labels(&[("istio.io/rev", "canary")]);
        let none = labels(&[]);
        assert!(decide("{}", APP, ns("a", Some(&enabled))).is_injected());
        assert!(decide("{}", APP, ns("a", Some(&rev))).is_injected());
        assert!(matches!(
            decide("{}", APP, ns("a", Some(&none))),
            Injection::NotInjected(_)
        ));
        // Any other value of istio-injection blocks every webhook, even the object ones.
        let asked = "{labels: {sidecar.istio.io/inject: 'true'}}";
        assert!(!decide(asked, APP, ns("a", Some(&disabled))).is_injected());
        assert!(decide(asked, APP, ns("a", Some(&none))).is_injected());
        let by_rev = "{labels: {istio.io/rev: stable}}";
        assert!(decide(by_rev, APP, ns("a", Some(&none))).is_injected());
    }

    #[test]
    fn the_pod_switch_false_wins_and_reads_like_yaml_booleans() {
        let enabled = labels(&[("istio-injection", "enabled")]);
        for off in ["'false'", "'no'", "'off'", "'False'"] {
            let meta = format!("{{labels: {{sidecar.istio.io/inject: {off}}}}}");
            assert!(
                !decide(&meta, APP, ns("a", Some(&enabled))).is_injected(),
                "{off}"
            );
        }
        // The annotation counts when there is no label; the label wins over it.
        let annotation = "{annotations: {sidecar.istio.io/inject: 'false'}}";
        assert!(!decide(annotation, APP, ns("a", Some(&enabled))).is_injected());
        let both = "{labels: {sidecar.istio.io/inject: 'true'}, annotations: {sidecar.istio.io/inject: 'false'}}";
        assert!(decide(both, APP, ns("a", Some(&enabled))).is_injected());
    }

    #[test]
    fn pods_istio_never_injects() {
        let enabled = labels(&[("istio-injection", "enabled")]);
        assert!(!decide("{}", APP, ns("kube-system", Some(&enabled))).is_injected());
        for host in [
            "{hostNetwork: true, containers: [{name: app}]}",
            "{hostNetwork: True, containers: [{name: app}]}",
        ] {
            assert!(
                !decide("{}", host, ns("a", Some(&enabled))).is_injected(),
                "{host}"
            );
        }
        // A string is not a boolean: Kubernetes rejects it, Istio does not skip the pod.
        let quoted = "{hostNetwork: 'true', containers: [{name: app}]}";
        assert!(decide("{}", quoted, ns("a", Some(&enabled))).is_injected());
        // An injected pod spec is injected wherever it is.
        let injected = "{containers: [{name: app}, {name: istio-proxy}]}";
        assert!(decide("{}", injected, ns("a", None)).is_injected());
    }

    #[test]
    fn namespaces_not_in_the_input() {
        assert!(matches!(
            decide("{}", APP, ns("a", None)),
            Injection::Unknown(_)
        ));
        let listed = NamespaceFacts {
            name: Some("a"),
            labels: None,
            listed: true,
        };
        assert!(decide("{}", APP, listed).is_injected());
        assert!(!decide("{labels: {sidecar.istio.io/inject: 'false'}}", APP, listed).is_injected());
        assert!(
            decide(
                "{labels: {sidecar.istio.io/inject: 'true'}}",
                APP,
                ns("a", None)
            )
            .is_injected()
        );
        let unnamed = NamespaceFacts {
            name: None,
            labels: None,
            listed: false,
        };
        let why = decide("{}", APP, unnamed);
        assert!(why.reason().contains("release namespace"), "{why:?}");
    }
}
