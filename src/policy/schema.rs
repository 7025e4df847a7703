//! The JSON Schema of the policy's sections, hand-written because their drain duration keys
//! come from the drain table ([`crate::drain`]): `spec.sidecar` (with its `targets`, the
//! table's sidecar targets), gateway rules and workload rules.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Value;

use super::OnConflict;
use super::document::{DurationText, GatewayRuleSpec, MatchSpec, SidecarSpec, WorkloadRuleSpec};
use crate::drain::{self, Section};

const SIDECAR_DOC: &str = "The mesh's default proxy settings.";
const TARGETS_DOC: &str = "Which mesh configs get these settings (default: [ControlPlane]):\n`ControlPlane` (a TSB ControlPlane's `tsb-istiocontrolplane` overlay, as the TSB guide\ndoes it), `IstioOperator` (`spec.meshConfig.defaultConfig` of an istioctl install) and\n`MeshConfigMap` (the `mesh` key of the istiod chart's ConfigMap `istio`, or `istio-<rev>`).\nIstio injects the mesh config into pods when they are created: restart the workloads for\na change to reach them.";
const RULE_DOC: &str = "One gateway rule.";
const MATCH_DOC: &str = "Which gateways the rule applies to; absent or empty: every install.tetrate.io\ngateway (IngressGateway, EgressGateway, Tier1Gateway and the unified Gateway).";
const SKIP_DOC: &str = "Leave the matched gateways alone.";
const WORKLOAD_RULE_DOC: &str =
    "One workload rule: what the sidecars of the matched workloads get.";
const WORKLOAD_MATCH_DOC: &str = "Which workloads the rule applies to; absent or empty: every workload with a sidecar\n(Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob,\nArgo Rollout).";
const WORKLOAD_SKIP_DOC: &str = "Leave the matched workloads alone.";
const EXIT_ON_ZERO_DOC: &str = "`proxyMetadata.EXIT_ON_ZERO_ACTIVE_CONNECTIONS`: the sidecar exits when its last\nconnection closes (after `minimumDrainDuration`), or at SIGKILL; `terminationDrainDuration`\nis not used on that path, so a rule sets one or the other.";
const RULE_ON_CONFLICT_DOC: &str = "Overrides `spec.onConflict` for this rule.";

/// An optional property: its description, then the type or null (as schemars writes an
/// `Option` field).
fn optional_property<T: JsonSchema>(g: &mut SchemaGenerator, doc: &str) -> Value {
    serde_json::json!({
        "description": doc,
        "anyOf": [g.subschema_for::<T>(), {"type": "null"}]
    })
}

/// The JSON Schema properties of a section's drain fields.
fn duration_properties(
    g: &mut SchemaGenerator,
    section: Section,
    into: &mut serde_json::Map<String, Value>,
) {
    for (f, s) in drain::settable().filter(|(f, _)| f.sections.contains(&section)) {
        into.insert(
            f.name.to_owned(),
            optional_property::<DurationText>(g, s.schema_doc),
        );
    }
}

impl JsonSchema for SidecarSpec {
    fn schema_name() -> Cow<'static, str> {
        "SidecarSpec".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let mut properties = serde_json::Map::new();
        duration_properties(g, Section::Sidecar, &mut properties);
        let names: Vec<&str> = drain::sidecar_target_names().collect();
        properties.insert(
            "targets".into(),
            serde_json::json!({
                "description": TARGETS_DOC,
                "type": ["array", "null"],
                "items": {"type": "string", "enum": names},
                "uniqueItems": true
            }),
        );
        json_schema!({
            "description": SIDECAR_DOC,
            "type": "object",
            "properties": properties,
            "additionalProperties": false
        })
    }
}

impl JsonSchema for GatewayRuleSpec {
    fn schema_name() -> Cow<'static, str> {
        "GatewayRuleSpec".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let mut properties = serde_json::Map::new();
        properties.insert("match".into(), optional_property::<MatchSpec>(g, MATCH_DOC));
        duration_properties(g, Section::Gateway, &mut properties);
        properties.insert(
            "skip".into(),
            serde_json::json!({"description": SKIP_DOC, "type": "boolean"}),
        );
        properties.insert(
            "onConflict".into(),
            optional_property::<OnConflict>(g, RULE_ON_CONFLICT_DOC),
        );
        json_schema!({
            "description": RULE_DOC,
            "type": "object",
            "properties": properties,
            "additionalProperties": false
        })
    }
}

impl JsonSchema for WorkloadRuleSpec {
    fn schema_name() -> Cow<'static, str> {
        "WorkloadRuleSpec".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let mut properties = serde_json::Map::new();
        properties.insert(
            "match".into(),
            optional_property::<MatchSpec>(g, WORKLOAD_MATCH_DOC),
        );
        duration_properties(g, Section::Workload, &mut properties);
        properties.insert(
            "exitOnZeroActiveConnections".into(),
            optional_property::<bool>(g, EXIT_ON_ZERO_DOC),
        );
        properties.insert(
            "skip".into(),
            serde_json::json!({"description": WORKLOAD_SKIP_DOC, "type": "boolean"}),
        );
        properties.insert(
            "onConflict".into(),
            optional_property::<OnConflict>(g, RULE_ON_CONFLICT_DOC),
        );
        json_schema!({
            "description": WORKLOAD_RULE_DOC,
            "type": "object",
            "properties": properties,
            "additionalProperties": false
        })
    }
}
