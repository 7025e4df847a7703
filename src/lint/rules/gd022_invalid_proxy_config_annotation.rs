use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::workload::{self, PROXY_CONFIG_ANNOTATION};

declare_rule! {
    /// ## What it detects
    /// A `proxy.istio.io/config` pod annotation that does not parse as YAML/JSON, or is not a
    /// mapping of ProxyConfig fields. (Drain durations inside it are checked by GD002–GD006.)
    ///
    /// ## Why it matters
    /// Istio validates the annotation at injection: an invalid one fails injection ("Injection
    /// failed due to invalid annotations"), and with the usual `failurePolicy: Fail` the pod
    /// is rejected.
    ///
    /// ## Example
    /// ```yaml
    /// annotations:
    ///   proxy.istio.io/config: '{ "terminationDrainDuration": "20s" '
    /// ```
    ///
    /// ## Fix
    /// Write a YAML or JSON mapping: `'{"terminationDrainDuration": "20s"}'`.
    pub struct InvalidProxyConfigAnnotation;
    code: "GD022",
    name: "invalid-proxy-config-annotation",
    severity: Error,
    summary: "a proxy.istio.io/config annotation that does not parse",
}

impl Rule for InvalidProxyConfigAnnotation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        let Class::Workload(template) = &object.class else {
            return;
        };
        let Some(config) = workload::proxy_config_annotation(cx.tree(object), template) else {
            return;
        };
        let Err(problem) = &config.parsed else {
            return;
        };
        out.report(
            object,
            config.pointer.clone(),
            format!(
                "the {PROXY_CONFIG_ANNOTATION} annotation is not a valid proxy config ({problem}): injection fails and the pod is rejected"
            ),
        )
        .hint("write a YAML or JSON mapping of ProxyConfig fields, e.g. '{\"terminationDrainDuration\": \"20s\"}'");
    }
}
