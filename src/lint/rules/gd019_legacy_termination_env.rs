use serde_json::Value;

use super::walk_entries;
use crate::diagnostic::Severity;
use crate::document::{NodeId, ScalarType, Tree};
use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::patch::Pointer;
use crate::policy::IstioVersion;

declare_rule! {
    /// ## What it detects
    /// `TERMINATION_DRAIN_DURATION_SECONDS` set by hand: as a container env, or a
    /// `proxyMetadata` entry (in a mesh config, an overlay patch or a pod's proxy config).
    /// A value that is not an integer string, or an unquoted YAML integer in an env, is an
    /// error; otherwise it is a warning from Istio 1.10 on (`--istio-version`).
    ///
    /// ## Why it matters
    /// It was pilot-agent's legacy setting (integer seconds). Istio 1.10 removed it
    /// (istio/istio commit f6502508b04), so it does nothing there (knative net-istio #682,
    /// istio/istio #31383). A non-integer falls back to 5s; an unquoted integer makes the
    /// Kubernetes env invalid (env values are strings).
    ///
    /// ## Example
    /// ```yaml
    /// env:
    /// - name: TERMINATION_DRAIN_DURATION_SECONDS
    ///   value: 20
    /// ```
    ///
    /// ## Fix
    /// Set `terminationDrainDuration` in the mesh config (`meshdrain render
    /// --termination-drain-duration 20s`), and `connectionDrainDuration` on TSB gateways.
    pub struct LegacyTerminationEnv;
    code: "GD019",
    name: "legacy-termination-env",
    severity: Warning,
    summary: "TERMINATION_DRAIN_DURATION_SECONDS set by hand",
}

const VARIABLE: &str = "TERMINATION_DRAIN_DURATION_SECONDS";

fn judge(
    object: &Object,
    pointer: Pointer,
    value: &str,
    unquoted_int: bool,
    env: bool,
    istio: IstioVersion,
    out: &mut Findings<'_>,
) {
    if env && unquoted_int {
        out.report(
            object,
            pointer,
            format!("{VARIABLE} is the unquoted integer {value}: Kubernetes env values must be strings, so the manifest is rejected"),
        )
        .severity(Severity::Error)
        .hint(format!("quote it (\"{value}\"), or better set terminationDrainDuration in the mesh config: Istio 1.10 and later ignore {VARIABLE}"));
        return;
    }
    if value.trim().parse::<u64>().is_err() {
        out.report(
            object,
            pointer,
            format!("{VARIABLE} is {value:?}, not a whole number of seconds: pilot-agent reads it as an integer and falls back to 5s"),
        )
        .severity(Severity::Error)
        .hint("use terminationDrainDuration in the mesh config instead (it takes Go durations such as \"20s\")");
        return;
    }
    if istio
        < (IstioVersion {
            major: 1,
            minor: 10,
        })
    {
        return;
    }
    out.report(
        object,
        pointer,
        format!("{VARIABLE} is set by hand, but Istio {istio} ignores it (removed in 1.10): the sidecar still waits terminationDrainDuration"),
    )
    .hint("set terminationDrainDuration in the mesh config instead (meshdrain render --termination-drain-duration); for TSB gateways, connectionDrainDuration");
}

fn scalar(tree: &Tree, node: NodeId) -> Option<(&str, bool)> {
    let n = tree.node(node)?;
    Some((n.as_str()?, n.scalar_type() == Some(ScalarType::Int)))
}

impl Rule for LegacyTerminationEnv {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        if matches!(
            object.class,
            Class::List | Class::Other | Class::Namespace | Class::RoutingGateway
        ) {
            return;
        }
        let tree = cx.tree(object);
        let istio = cx.options.istio_version;
        let mut hits = Vec::new();
        // Workloads keep it in their containers' env; the other objects anywhere (proxyMetadata
        // maps, gateway env lists, overlay patch values).
        let roots: Vec<(crate::document::NodeId, Pointer)> = match &object.class {
            Class::Workload(_) => cx
                .containers(object)
                .iter()
                .filter_map(|c| Some((tree.get(c.node, "env")?, c.pointer.key("env"))))
                .collect(),
            _ => vec![(object.resource.node, object.pointer().clone())],
        };
        for (root, root_ptr) in roots {
            walk_entries(tree, root, &root_ptr, &mut |_, key, value, ptr| {
                if key == VARIABLE {
                    // A proxyMetadata map entry.
                    if let Some((text, int)) = scalar(tree, value) {
                        hits.push((ptr.clone(), text.to_owned(), int, false));
                    }
                } else if key == "name"
                    && tree.node(value).and_then(|n| n.as_str()) == Some(VARIABLE)
                    && let Some((parent, _)) = ptr.parent()
                    && let Some((_, item)) = tree.locate(&parent)
                    && let Some(v) = tree.get(item, "value")
                    && let Some((text, int)) = scalar(tree, v)
                {
                    hits.push((parent.key("value"), text.to_owned(), int, true));
                }
            });
        }
        for (pointer, text, int, env) in hits {
            judge(object, pointer, &text, int, env, istio, out);
        }
        if let Class::Workload(_) = &object.class {
            for config in cx.proxy_configs(object) {
                let Ok(parsed) = &config.parsed else { continue };
                let Some(value) = parsed.pointer(&format!("/proxyMetadata/{VARIABLE}")) else {
                    continue;
                };
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                judge(
                    object,
                    config.pointer.clone(),
                    &text,
                    false,
                    false,
                    istio,
                    out,
                );
            }
        }
    }
}
