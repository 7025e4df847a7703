//! Which gateways a rule applies to: kinds, namespaces, names (exact or glob), labels and an
//! RFC 9535 JSONPath `where` that matches when it selects at least one node.

use std::collections::BTreeMap;
use std::fmt;

use jsonpath_rust::parser::model::JpQuery;
use serde_json::Value;

use crate::drain::Section;

/// A name to match: exact, or a glob when it has `*`, `?` or `[`.
#[derive(Clone, Debug)]
pub struct NamePattern {
    text: String,
    glob: Option<glob::Pattern>,
}

impl NamePattern {
    pub fn new(text: &str) -> Result<NamePattern, String> {
        let glob = if text.contains(['*', '?', '[']) {
            Some(
                glob::Pattern::new(text)
                    .map_err(|e| format!("{text:?} is not a valid glob: {e}"))?,
            )
        } else {
            None
        };
        Ok(NamePattern {
            text: text.to_owned(),
            glob,
        })
    }

    pub fn matches(&self, name: &str) -> bool {
        match &self.glob {
            Some(g) => g.matches(name),
            None => self.text == name,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl PartialEq for NamePattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}
impl Eq for NamePattern {}

/// A compiled JSONPath query, kept with its source text.
#[derive(Clone, Debug)]
pub struct WhereQuery {
    text: String,
    query: JpQuery,
}

impl WhereQuery {
    pub fn new(text: &str) -> Result<WhereQuery, String> {
        let query = jsonpath_rust::parser::parse_json_path(text).map_err(|e| {
            format!(
                "{text:?} is not an RFC 9535 JSONPath query ({})",
                one_line(&e.to_string())
            )
        })?;
        Ok(WhereQuery {
            text: text.to_owned(),
            query,
        })
    }

    /// Whether the query selects at least one node of `object`.
    pub fn matches(&self, object: &Value) -> bool {
        jsonpath_rust::query::js_path_process(&self.query, object)
            .is_ok_and(|nodes| !nodes.is_empty())
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl PartialEq for WhereQuery {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}
impl Eq for WhereQuery {}

/// Pest's multi-line parse errors, as one line: `at column 1: expected jp_query`.
fn one_line(error: &str) -> String {
    let column = error
        .lines()
        .find_map(|l| l.split_once("-->").map(|(_, pos)| pos))
        .and_then(|pos| pos.trim().split(':').nth(1))
        .map(str::to_owned);
    let expected = error
        .lines()
        .find_map(|l| l.trim().strip_prefix("= "))
        .map(str::to_owned);
    match (column, expected) {
        (Some(c), Some(e)) => format!("at column {c}: {e}"),
        _ => error.lines().next().unwrap_or(error).trim().to_owned(),
    }
}

/// Which gateways (or workloads) a rule applies to. Every criterion given must hold; none
/// given matches every resource of the section's default kinds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayMatch {
    /// The rule's section: which kinds it may name and covers by default.
    pub section: Section,
    /// Kinds (`IngressGateway`, `Deployment`, …) of the section's drain table targets.
    pub kinds: Vec<String>,
    pub namespaces: Vec<String>,
    pub names: Vec<NamePattern>,
    pub labels: BTreeMap<String, String>,
    pub where_query: Option<WhereQuery>,
}

fn metadata_str<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object.get("metadata")?.get(key)?.as_str()
}

impl GatewayMatch {
    /// A matcher for workload rules.
    pub fn workloads() -> GatewayMatch {
        GatewayMatch {
            section: Section::Workload,
            ..GatewayMatch::default()
        }
    }

    /// Matches every resource of the default kinds (every install gateway kind, every
    /// workload kind).
    pub fn is_catch_all(&self) -> bool {
        self.kinds.is_empty()
            && self.namespaces.is_empty()
            && self.names.is_empty()
            && self.labels.is_empty()
            && self.where_query.is_none()
    }

    /// The kinds this rule can apply to.
    pub fn covered_kinds(&self) -> Vec<&str> {
        if self.kinds.is_empty() {
            crate::drain::default_kinds(self.section).collect()
        } else {
            self.kinds.iter().map(String::as_str).collect()
        }
    }

    /// Whether a gateway of `kind` (install API group), read as JSON, matches.
    pub fn matches(&self, kind: &str, object: &Value) -> bool {
        if !self.covered_kinds().contains(&kind) {
            return false;
        }
        if !self.namespaces.is_empty()
            && !metadata_str(object, "namespace")
                .is_some_and(|ns| self.namespaces.iter().any(|n| n == ns))
        {
            return false;
        }
        if !self.names.is_empty()
            && !metadata_str(object, "name")
                .is_some_and(|n| self.names.iter().any(|p| p.matches(n)))
        {
            return false;
        }
        let labels = object.get("metadata").and_then(|m| m.get("labels"));
        if !self
            .labels
            .iter()
            .all(|(k, v)| labels.and_then(|l| l.get(k)).and_then(Value::as_str) == Some(v.as_str()))
        {
            return false;
        }
        self.where_query.as_ref().is_none_or(|q| q.matches(object))
    }
}

impl fmt::Display for GatewayMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_catch_all() {
            return f.write_str(match self.section {
                Section::Workload => "every workload",
                _ => "every gateway",
            });
        }
        let mut parts = Vec::new();
        if !self.kinds.is_empty() {
            parts.push(format!("kinds {}", self.kinds.join(", ")));
        }
        if !self.namespaces.is_empty() {
            parts.push(format!("namespaces {}", self.namespaces.join(", ")));
        }
        if !self.names.is_empty() {
            parts.push(format!(
                "names {}",
                self.names
                    .iter()
                    .map(NamePattern::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !self.labels.is_empty() {
            parts.push(format!(
                "labels {}",
                self.labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(q) = &self.where_query {
            parts.push(format!("where {}", q.as_str()));
        }
        f.write_str(&parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gateway(ns: &str, name: &str, service_type: &str) -> Value {
        json!({
            "apiVersion": "install.tetrate.io/v1alpha1",
            "kind": "IngressGateway",
            "metadata": {"name": name, "namespace": ns, "labels": {"tier": "edge"}},
            "spec": {"kubeSpec": {"service": {"type": service_type}}}
        })
    }

    #[test]
    fn catch_all_covers_every_install_gateway_kind() {
        let m = GatewayMatch::default();
        assert!(m.is_catch_all());
        assert!(m.matches("IngressGateway", &gateway("a", "b", "LoadBalancer")));
        // The unified Gateway of TSB 1.9+ is a gateway like the legacy kinds.
        assert!(m.matches("Gateway", &gateway("a", "b", "LoadBalancer")));
        let named = GatewayMatch {
            kinds: vec!["Gateway".into()],
            ..GatewayMatch::default()
        };
        assert!(named.matches("Gateway", &json!({})));
        assert!(!named.matches("IngressGateway", &json!({})));
    }

    #[test]
    fn workload_rules_cover_workload_kinds() {
        let every = GatewayMatch::workloads();
        assert!(every.matches("CronJob", &json!({})));
        assert!(every.matches("Rollout", &json!({})));
        assert!(!every.matches("IngressGateway", &json!({})));
        assert_eq!(every.to_string(), "every workload");
        let gateways = GatewayMatch::default();
        assert!(!gateways.matches("Deployment", &json!({})));
    }

    #[test]
    fn every_criterion_must_hold() {
        let m = GatewayMatch {
            section: Section::Gateway,
            kinds: vec!["IngressGateway".into()],
            namespaces: vec!["helloworld".into()],
            names: vec![NamePattern::new("helloworld-*").unwrap()],
            labels: [("tier".to_owned(), "edge".to_owned())].into(),
            where_query: Some(
                WhereQuery::new("$.spec.kubeSpec.service[?@ == 'LoadBalancer']").unwrap(),
            ),
        };
        assert!(m.matches(
            "IngressGateway",
            &gateway("helloworld", "helloworld-gateway", "LoadBalancer")
        ));
        assert!(!m.matches(
            "IngressGateway",
            &gateway("helloworld", "helloworld-gateway", "ClusterIP")
        ));
        assert!(!m.matches(
            "IngressGateway",
            &gateway("other", "helloworld-gateway", "LoadBalancer")
        ));
        assert!(!m.matches(
            "IngressGateway",
            &gateway("helloworld", "edge", "LoadBalancer")
        ));
        assert!(!m.matches(
            "EgressGateway",
            &gateway("helloworld", "helloworld-gateway", "LoadBalancer")
        ));
    }

    #[test]
    fn names_are_exact_unless_globs() {
        assert!(NamePattern::new("gw").unwrap().matches("gw"));
        assert!(!NamePattern::new("gw").unwrap().matches("gw2"));
        assert!(NamePattern::new("gw-?").unwrap().matches("gw-1"));
        assert!(NamePattern::new("[").is_err());
        assert!(WhereQuery::new("$.spec[").is_err());
    }
}
