//! The `DrainPolicy` document's shape: serde, and the JSON Schema generated from it (the
//! sections' schemas are in [`super::schema`]). The drain duration keys of `spec.sidecar` and
//! of each gateway rule come from the drain table ([`crate::drain`]), so a new field needs no
//! change here.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::OnConflict;
use crate::drain::{self, Field, Section};

pub const API_VERSION: &str = "meshdrain.io/v1alpha1";
pub const KIND: &str = "DrainPolicy";

/// A duration as written in the policy (Go syntax, e.g. `50s`). Read as text or number and
/// checked afterwards, so a bare `50` gets a helpful error instead of a type error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationText {
    pub text: String,
    pub was_number: bool,
}

impl Serialize for DurationText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = DurationText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Go duration such as \"50s\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DurationText, E> {
                Ok(DurationText {
                    text: v.to_owned(),
                    was_number: false,
                })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<DurationText, E> {
                Ok(DurationText {
                    text: v.to_string(),
                    was_number: true,
                })
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<DurationText, E> {
                Ok(DurationText {
                    text: v.to_string(),
                    was_number: true,
                })
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<DurationText, E> {
                Ok(DurationText {
                    text: v.to_string(),
                    was_number: true,
                })
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl JsonSchema for DurationText {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A Go duration (time.ParseDuration syntax) that is a positive whole number of seconds, e.g. \"50s\", \"1m30s\".",
            "pattern": "^[+]?([0-9]*(\\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$",
            "examples": ["10s", "50s", "1m30s"]
        })
    }
}

/// A `DrainPolicy`: the drain settings meshdrain applies, and to which gateways.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "DrainPolicy")]
pub struct PolicyDocument {
    /// Always `meshdrain.io/v1alpha1`.
    pub api_version: String,
    /// Always `DrainPolicy`.
    pub kind: String,
    /// Free-form: kustomize and kpt add annotations here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, Value>>,
    pub spec: PolicySpec,
}

/// What to apply. A section that is absent leaves that part of the manifests untouched.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicySpec {
    /// Sidecar settings, written into the last `tsb-istiocontrolplane` overlay of every
    /// `install.tetrate.io` ControlPlane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar: Option<SidecarSpec>,
    /// Gateway rules, in order; the first rule that matches a gateway decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateways: Option<Vec<GatewayRuleSpec>>,
    /// Workload rules, in order; the first rule that matches a workload with a sidecar
    /// decides. Written into the pod template's `proxy.istio.io/config` annotation, and the
    /// pods' `terminationGracePeriodSeconds` is raised to hold the drain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workloads: Option<Vec<WorkloadRuleSpec>>,
    /// Namespaces (names or globs; `*` also covers resources that name no namespace) whose
    /// pods Istio injects, for namespaces the input does not contain: a Namespace in the input
    /// decides by its own labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub injected_namespaces: Vec<String>,
    /// Istio injects native sidecars (Kubernetes sidecar containers: `ENABLE_NATIVE_SIDECARS`,
    /// off until Istio 1.26, `auto` from 1.27 for kubelets 1.33+). The sidecar then stops after
    /// the applications and drains for `drainDuration` from its preStop; a pod's
    /// `sidecar.istio.io/nativeSidecar` annotation and an injected pod spec decide for
    /// themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_sidecars: Option<bool>,
    /// What to do when a manifest already has a different value (default `override`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_conflict: Option<OnConflict>,
    /// Settings of `meshdrain check` (and `render --check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSpec>,
}

/// Settings of the linter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Findings to suppress (like the `meshdrain.io/ignore` annotation, for many resources at
    /// once); `--no-ignores` shows them anyway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<IgnoreSpec>,
}

/// One suppression: the rules, and which findings (every criterion given must hold).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IgnoreSpec {
    /// Rule codes, e.g. `GD014`.
    pub rules: Vec<String>,
    /// Kinds of the resources (`IngressGateway`, `Deployment`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Resource names, exact or globs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Input paths as findings show them, exact or globs (`charts/legacy/*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Why; shown with `--no-ignores`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Durations as written in a policy section, by drain field (table order).
pub type DurationTexts = BTreeMap<Field, DurationText>;

/// The mesh's default proxy settings: one key per sidecar field of the drain table, and the
/// mesh configs they go to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SidecarSpec {
    pub durations: DurationTexts,
    /// The sidecar targets of the drain table, by name; absent: the default ones.
    pub targets: Option<Vec<String>>,
}

/// One workload rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkloadRuleSpec {
    /// Which workloads the rule applies to.
    pub matcher: Option<MatchSpec>,
    /// One key per workload field of the drain table.
    pub durations: DurationTexts,
    /// `proxyMetadata.EXIT_ON_ZERO_ACTIVE_CONNECTIONS`.
    pub exit_on_zero: Option<bool>,
    /// Leave the matched workloads alone.
    pub skip: bool,
    /// Overrides `spec.onConflict` for this rule.
    pub on_conflict: Option<OnConflict>,
}

/// One gateway rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GatewayRuleSpec {
    /// Which gateways the rule applies to.
    pub matcher: Option<MatchSpec>,
    /// One key per gateway field of the drain table (`connectionDrainDuration`).
    pub durations: DurationTexts,
    /// Leave the matched gateways alone.
    pub skip: bool,
    /// Overrides `spec.onConflict` for this rule.
    pub on_conflict: Option<OnConflict>,
}

/// The keys of a section's mapping, in the order serde's "unknown field" error lists them.
fn section_keys(section: Section) -> &'static [&'static str] {
    fn keys(
        section: Section,
        before: &[&'static str],
        after: &[&'static str],
    ) -> Vec<&'static str> {
        let fields = drain::settable_in(section).map(|f| f.name);
        before
            .iter()
            .copied()
            .chain(fields)
            .chain(after.iter().copied())
            .collect()
    }
    static SIDECAR: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| keys(Section::Sidecar, &[], SidecarSpec::OTHERS));
    static GATEWAY: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| keys(Section::Gateway, &["match"], &["skip", "onConflict"]));
    static WORKLOAD: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        keys(
            Section::Workload,
            &["match"],
            &WorkloadRuleSpec::OTHERS[1..],
        )
    });
    match section {
        Section::Sidecar => SIDECAR.as_slice(),
        Section::Gateway => GATEWAY.as_slice(),
        Section::Workload => WORKLOAD.as_slice(),
    }
}

/// The settable field of `section` named `key`.
fn section_field(section: Section, key: &str) -> Option<Field> {
    drain::settable_in(section)
        .find(|f| f.name == key)
        .map(|f| f.field)
}

fn serialize_durations<M: SerializeMap>(
    map: &mut M,
    durations: &DurationTexts,
) -> Result<(), M::Error> {
    durations
        .iter()
        .try_for_each(|(field, text)| map.serialize_entry(field.name(), text))
}

impl Serialize for SidecarSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        serialize_durations(&mut map, &self.durations)?;
        if let Some(targets) = &self.targets {
            map.serialize_entry("targets", targets)?;
        }
        map.end()
    }
}

impl Serialize for GatewayRuleSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(m) = &self.matcher {
            map.serialize_entry("match", m)?;
        }
        serialize_durations(&mut map, &self.durations)?;
        if self.skip {
            map.serialize_entry("skip", &true)?;
        }
        if let Some(c) = &self.on_conflict {
            map.serialize_entry("onConflict", c)?;
        }
        map.end()
    }
}

impl Serialize for WorkloadRuleSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(m) = &self.matcher {
            map.serialize_entry("match", m)?;
        }
        serialize_durations(&mut map, &self.durations)?;
        if let Some(v) = self.exit_on_zero {
            map.serialize_entry("exitOnZeroActiveConnections", &v)?;
        }
        if self.skip {
            map.serialize_entry("skip", &true)?;
        }
        if let Some(c) = &self.on_conflict {
            map.serialize_entry("onConflict", c)?;
        }
        map.end()
    }
}

/// A key of a section's mapping: a drain field of the section, or one of its other keys.
enum Key {
    Duration(Field),
    Other(&'static str),
}

/// Reads a key, refusing (while the key is read, so the error's path names it) any key the
/// section does not have.
struct KeySeed {
    section: Section,
    others: &'static [&'static str],
}

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }
    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Key, E> {
        if let Some(other) = self.others.iter().find(|o| **o == key) {
            return Ok(Key::Other(other));
        }
        section_field(self.section, key)
            .map(Key::Duration)
            .ok_or_else(|| E::unknown_field(key, section_keys(self.section)))
    }
}

/// Reads a duration value into `durations`; null is an absent value, as serde reads an
/// `Option` field.
fn read_duration<'de, A: MapAccess<'de>>(
    map: &mut A,
    field: Field,
    durations: &mut DurationTexts,
) -> Result<(), A::Error> {
    if let Some(text) = map.next_value::<Option<DurationText>>()? {
        durations.insert(field, text);
    }
    Ok(())
}

/// A section's mapping as serde reads it: its drain fields (any key the drain table gives
/// the section) and its other keys.
trait SectionSpec: Default {
    /// What serde's errors call it (`struct SidecarSpec`).
    const EXPECTING: &'static str;
    const SECTION: Section;
    const OTHERS: &'static [&'static str];
    fn durations(&mut self) -> &mut DurationTexts;
    fn read_other<'de, A: MapAccess<'de>>(
        &mut self,
        key: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error>;
}

struct SectionVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: SectionSpec> Visitor<'de> for SectionVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut spec = T::default();
        let seed = || KeySeed {
            section: T::SECTION,
            others: T::OTHERS,
        };
        while let Some(key) = map.next_key_seed(seed())? {
            match key {
                Key::Duration(field) => read_duration(&mut map, field, spec.durations())?,
                Key::Other(other) => spec.read_other(other, &mut map)?,
            }
        }
        Ok(spec)
    }
}

impl SectionSpec for SidecarSpec {
    const EXPECTING: &'static str = "struct SidecarSpec";
    const SECTION: Section = Section::Sidecar;
    const OTHERS: &'static [&'static str] = &["targets"];
    fn durations(&mut self) -> &mut DurationTexts {
        &mut self.durations
    }
    fn read_other<'de, A: MapAccess<'de>>(
        &mut self,
        _: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        self.targets = map.next_value()?;
        Ok(())
    }
}

impl SectionSpec for GatewayRuleSpec {
    const EXPECTING: &'static str = "struct GatewayRuleSpec";
    const SECTION: Section = Section::Gateway;
    const OTHERS: &'static [&'static str] = &["match", "skip", "onConflict"];
    fn durations(&mut self) -> &mut DurationTexts {
        &mut self.durations
    }
    fn read_other<'de, A: MapAccess<'de>>(
        &mut self,
        key: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "match" => self.matcher = map.next_value()?,
            "skip" => self.skip = map.next_value()?,
            _ => self.on_conflict = map.next_value()?,
        }
        Ok(())
    }
}

impl SectionSpec for WorkloadRuleSpec {
    const EXPECTING: &'static str = "struct WorkloadRuleSpec";
    const SECTION: Section = Section::Workload;
    const OTHERS: &'static [&'static str] =
        &["match", "exitOnZeroActiveConnections", "skip", "onConflict"];
    fn durations(&mut self) -> &mut DurationTexts {
        &mut self.durations
    }
    fn read_other<'de, A: MapAccess<'de>>(
        &mut self,
        key: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "match" => self.matcher = map.next_value()?,
            "exitOnZeroActiveConnections" => self.exit_on_zero = map.next_value()?,
            "skip" => self.skip = map.next_value()?,
            _ => self.on_conflict = map.next_value()?,
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for WorkloadRuleSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SectionVisitor::<Self>(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for SidecarSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SectionVisitor::<Self>(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for GatewayRuleSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SectionVisitor::<Self>(std::marker::PhantomData))
    }
}

/// Criteria; every one given must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// Kinds. Gateway rules: the `install.tetrate.io` kinds IngressGateway, EgressGateway,
    /// Tier1Gateway and the unified Gateway of TSB 1.9+. Workload rules: Pod, Deployment,
    /// StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, Rollout.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    /// `metadata.namespace` is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// `metadata.name` is one of these; `*`, `?` and `[…]` make a glob.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Every one of these `metadata.labels` has this value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// An RFC 9535 JSONPath query run on the resource; matches when it selects at least one node.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_query: Option<String>,
}

/// The JSON Schema of a policy document.
pub fn schema() -> Schema {
    schemars::schema_for!(PolicyDocument)
}

/// The JSON Schema as committed in `schema/drainpolicy.schema.json`.
pub fn schema_json() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// The built-in default as a policy document (`meshdrain policy --show-default`).
pub fn default_document() -> PolicyDocument {
    let builtin = |section: Section| -> DurationTexts {
        drain::settable()
            .filter(|(f, _)| f.section == section)
            .filter_map(|(f, s)| {
                let text = DurationText {
                    text: format!("{}s", s.builtin?),
                    was_number: false,
                };
                Some((f.field, text))
            })
            .collect()
    };
    PolicyDocument {
        api_version: API_VERSION.to_owned(),
        kind: KIND.to_owned(),
        metadata: Some([("name".to_owned(), Value::String("default".to_owned()))].into()),
        spec: PolicySpec {
            sidecar: Some(SidecarSpec {
                durations: builtin(Section::Sidecar),
                targets: Some(
                    drain::targets_of(Section::Sidecar)
                        .filter(|t| t.default)
                        .map(|t| t.name().to_owned())
                        .collect(),
                ),
            }),
            gateways: Some(vec![GatewayRuleSpec {
                durations: builtin(Section::Gateway),
                ..GatewayRuleSpec::default()
            }]),
            workloads: None,
            injected_namespaces: Vec::new(),
            native_sidecars: None,
            on_conflict: Some(OnConflict::Override),
            check: None,
        },
    }
}

/// The built-in default policy, as YAML.
pub fn default_yaml() -> String {
    let mut out = String::from("# meshdrain's built-in policy: the TSB guide's values.\n");
    out.push_str(&serde_yaml::to_string(&default_document()).unwrap_or_default());
    out
}
