use super::{gather_conditional, report_conditional, shutdown_with};
use crate::diagnostic::Severity;
use crate::lint::context::{Context, Object};
use crate::lint::{DocFacts, Findings, Later, Rule, RuleMeta, StreamFacts, declare_rule};
use crate::model::workload::{self, ProxyConfig};

/// ProxyConfig's switch, in both spellings.
const HOLD: [&str; 2] = [
    "holdApplicationUntilProxyStarts",
    "hold_application_until_proxy_starts",
];

declare_rule! {
    /// ## What it detects
    /// A workload whose proxy config turns `holdApplicationUntilProxyStarts` on where the
    /// injector does not honour it: the injector's global `proxy.lifecycle` is set in a mesh
    /// config of the input (an IstioOperator's `spec.values.global.proxy.lifecycle`, or a
    /// ControlPlane overlay patch of it), or the pod spec's own `istio-proxy` container
    /// defines a `postStart` hook (warning); or the pod gets a native sidecar, which starts
    /// before the applications anyway and does not use the hook (info).
    ///
    /// ## Why it matters
    /// The setting works by adding a `postStart: pilot-agent wait` hook to istio-proxy. The
    /// injection template drops it silently when `global.proxy.lifecycle` is set, and a
    /// container override's `postStart` replaces it (istio/istio#41237, #47373, #37541): the
    /// application then starts before its sidecar is ready, and its first connections fail.
    ///
    /// ## Example
    /// ```yaml
    /// proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
    /// # and, in the IstioOperator:
    /// values: {global: {proxy: {lifecycle: {preStop: {exec: {command: [sleep, "5"]}}}}}}
    /// ```
    ///
    /// ## Fix
    /// Drop the global `proxy.lifecycle` (or put `pilot-agent wait` in its `postStart`
    /// yourself), or remove the container's own `postStart`.
    pub struct HoldApplicationIneffective;
    code: "GD021",
    name: "hold-application-ineffective",
    severity: Warning,
    summary: "holdApplicationUntilProxyStarts is set but the injector will not honour it",
}

/// Whether a payload turns the hold on.
fn holds(config: &ProxyConfig) -> bool {
    let Ok(serde_json::Value::Object(map)) = &config.parsed else {
        return false;
    };
    HOLD.iter().filter_map(|k| map.get(*k)).any(|v| {
        v.as_bool() == Some(true) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
    })
}

impl Rule for HoldApplicationIneffective {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Whether the workload is injected, and whether the injector's global `proxy.lifecycle`
    /// is set, may be decided by other documents: the findings wait for them.
    fn gather(&self, cx: &Context, object: &Object, facts: &mut DocFacts) {
        gather_conditional(&Self::META, cx, object, facts, injected_workload);
    }

    fn check_facts(&self, facts: &StreamFacts, out: &mut Later<'_>) {
        report_conditional(&Self::META, facts, out, injected_workload);
    }
}

/// The finding about an injected workload whose proxy config holds the application until
/// the proxy starts, with or without the global `proxy.lifecycle`.
fn injected_workload(
    cx: &Context,
    object: &Object,
    template: &workload::PodTemplate,
    global_lifecycle: bool,
    out: &mut Findings<'_>,
) {
    let Some(config) = cx.proxy_configs(object).iter().find(|c| holds(c)) else {
        return;
    };
    let tree = cx.tree(object);
    let own_post_start = cx.containers(object).iter().find(|c| {
        c.name.as_deref() == Some(workload::SIDECAR_CONTAINER)
            && tree
                .get_path(c.node, &["lifecycle", "postStart"])
                .and_then(|n| tree.node(n))
                .is_some_and(|n| !n.is_null())
    });
    let (_, path) = shutdown_with(cx, object, template, global_lifecycle);
    let (why, severity, hint) = if global_lifecycle {
        (
                "the injector's global proxy.lifecycle is set in a mesh config of the input, and the injection template then drops the hold hook".to_owned(),
                Severity::Warning,
                "remove values.global.proxy.lifecycle, or add `pilot-agent wait` to its postStart yourself",
            )
    } else if own_post_start.is_some() {
        (
                "its pod spec's istio-proxy container defines its own postStart, which replaces the hold hook".to_owned(),
                Severity::Warning,
                "remove the container's postStart, or make it run `pilot-agent wait`",
            )
    } else if path.is_native() {
        (
                "it gets a native sidecar, which starts before the applications and does not use the hold hook".to_owned(),
                Severity::Info,
                "drop holdApplicationUntilProxyStarts: native sidecars already start first",
            )
    } else {
        return;
    };
    out.report(
        object,
        config.pointer.clone(),
        format!(
            "{} sets holdApplicationUntilProxyStarts, but {why}",
            object.describe()
        ),
    )
    .severity(severity)
    .hint(hint);
}
