//! `DrainPolicy`: what meshdrain writes, built from the built-in default or a policy document,
//! then the environment and flags (DESIGN.md, "Defaults and precedence"). The engine reads only
//! the policy.

pub mod document;
pub mod file;
pub mod ignore;
pub mod matcher;
mod schema;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::diagnostic::Diagnostic;
use crate::drain::{self, Field, FieldSpec, Section};
use crate::duration::{DrainSeconds, HOUR};
pub use crate::istio::IstioVersion;

/// What to do when a manifest already has a different value.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum OnConflict {
    /// Replace it with the policy's value.
    #[default]
    #[value(help = "Replace it with the policy's value (the default)")]
    Override,
    /// Leave it as it is.
    #[value(help = "Leave it as it is")]
    Keep,
    /// Fail the run (exit 2).
    #[value(help = "Fail the run")]
    Error,
}

impl OnConflict {
    pub fn as_str(self) -> &'static str {
        match self {
            OnConflict::Override => "override",
            OnConflict::Keep => "keep",
            OnConflict::Error => "error",
        }
    }
}

impl FromStr for OnConflict {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "override" => Ok(OnConflict::Override),
            "keep" => Ok(OnConflict::Keep),
            "error" => Ok(OnConflict::Error),
            other => Err(format!("{other:?} is not one of override, keep, error")),
        }
    }
}

impl fmt::Display for OnConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Drain durations by field: what one policy section (or one gateway rule) writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durations(BTreeMap<Field, DrainSeconds>);

impl Durations {
    pub fn get(&self, field: Field) -> Option<DrainSeconds> {
        self.0.get(&field).copied()
    }

    pub fn set(&mut self, field: Field, value: DrainSeconds) {
        self.0.insert(field, value);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The durations set, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, DrainSeconds)> + '_ {
        self.0.iter().map(|(f, d)| (*f, *d))
    }

    /// The built-in policy's values for `section` (the TSB guide's).
    fn builtin(section: Section) -> Durations {
        Durations(
            drain::settable()
                .filter(|(f, _)| f.section == section)
                .filter_map(|(f, s)| Some((f.field, DrainSeconds::from_secs(s.builtin?)?)))
                .collect(),
        )
    }
}

/// The sidecar settings, written into the mesh configs of [`SidecarTargets`] (by default the
/// `tsb-istiocontrolplane` overlay of a ControlPlane).
pub type SidecarSettings = Durations;

/// The mesh configs the sidecar settings go to (`spec.sidecar.targets`): sidecar targets of
/// the drain table, in table order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SidecarTargets(Vec<&'static drain::TargetSpec>);

impl Default for SidecarTargets {
    /// The table's default sidecar targets (the ControlPlane, as the TSB guide does it).
    fn default() -> Self {
        SidecarTargets(
            drain::targets_of(Section::Sidecar)
                .filter(|t| t.default)
                .collect(),
        )
    }
}

impl SidecarTargets {
    /// The targets named, in table order (names must be the table's, see
    /// [`drain::sidecar_target`]).
    pub fn of(targets: impl IntoIterator<Item = &'static drain::TargetSpec>) -> SidecarTargets {
        let named: Vec<&'static drain::TargetSpec> = targets.into_iter().collect();
        SidecarTargets(
            drain::targets_of(Section::Sidecar)
                .filter(|t| named.contains(t))
                .collect(),
        )
    }

    /// Reads target names (`ControlPlane`, `IstioOperator`, `MeshConfigMap`); the error is the
    /// index of the first name that is unknown or repeated, and what is wrong with it.
    pub fn from_names<'a>(
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<SidecarTargets, (usize, String)> {
        let mut found: Vec<&'static drain::TargetSpec> = Vec::new();
        for (i, name) in names.into_iter().enumerate() {
            let Some(target) = drain::sidecar_target(name) else {
                let known: Vec<&str> = drain::sidecar_target_names().collect();
                return Err((
                    i,
                    format!("{name:?} is not a sidecar target; use {}", known.join(", ")),
                ));
            };
            if found.contains(&target) {
                return Err((i, format!("{name} is listed twice")));
            }
            found.push(target);
        }
        Ok(SidecarTargets::of(found))
    }

    pub fn contains(&self, target: &drain::TargetSpec) -> bool {
        self.0.contains(&target)
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static drain::TargetSpec> + '_ {
        self.0.iter().copied()
    }

    /// `ControlPlane, MeshConfigMap`, for messages.
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|t| t.name()).collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    }

    /// Whether these are the built-in ones.
    pub fn is_default(&self) -> bool {
        *self == SidecarTargets::default()
    }
}

pub use matcher::GatewayMatch;

/// One gateway rule; the first matching rule wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayRule {
    pub matcher: GatewayMatch,
    /// What the rule writes (`connectionDrainDuration`).
    pub durations: Durations,
    /// Leave matched gateways alone.
    pub skip: bool,
    pub on_conflict: Option<OnConflict>,
}

/// One workload rule; the first matching rule wins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadRule {
    pub matcher: GatewayMatch,
    /// What the rule writes into the pod's proxy config (and the grace period margin).
    pub durations: Durations,
    /// `proxyMetadata.EXIT_ON_ZERO_ACTIVE_CONNECTIONS`, when the rule sets it.
    pub exit_on_zero: Option<bool>,
    /// Leave matched workloads alone.
    pub skip: bool,
    pub on_conflict: Option<OnConflict>,
}

impl Default for WorkloadRule {
    fn default() -> Self {
        WorkloadRule {
            matcher: GatewayMatch::workloads(),
            durations: Durations::default(),
            exit_on_zero: None,
            skip: false,
            on_conflict: None,
        }
    }
}

impl WorkloadRule {
    /// The sidecar exits on zero connections (`terminationDrainDuration` is not used).
    pub fn exits_on_zero(&self) -> bool {
        self.exit_on_zero == Some(true)
    }
}

/// The rules meshdrain applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrainPolicy {
    /// Absent: ControlPlanes are left untouched.
    pub sidecar: Option<SidecarSettings>,
    /// Which mesh configs get the sidecar settings.
    pub sidecar_targets: SidecarTargets,
    /// Absent: gateways are left untouched.
    pub gateways: Option<Vec<GatewayRule>>,
    /// Absent: workloads are left untouched.
    pub workloads: Option<Vec<WorkloadRule>>,
    /// Namespaces Istio injects, for those the input does not contain.
    pub injected_namespaces: Vec<matcher::NamePattern>,
    /// Istio injects native sidecars mesh-wide.
    pub native_sidecars: bool,
    pub on_conflict: OnConflict,
    /// `meshdrain check` suppressions (`spec.check.ignore`).
    pub ignores: Vec<ignore::IgnoreRule>,
}

impl Default for DrainPolicy {
    /// The TSB guide's values: sidecar `drainDuration: 50s`, gateways `10s`, override.
    fn default() -> Self {
        DrainPolicy {
            sidecar: Some(Durations::builtin(Section::Sidecar)),
            sidecar_targets: SidecarTargets::default(),
            gateways: Some(vec![GatewayRule {
                durations: Durations::builtin(Section::Gateway),
                ..GatewayRule::default()
            }]),
            workloads: None,
            injected_namespaces: Vec::new(),
            native_sidecars: false,
            on_conflict: OnConflict::Override,
            ignores: Vec::new(),
        }
    }
}

/// Values from the environment or flags that override the policy. Each keeps where it came
/// from, for error messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    pub durations: BTreeMap<Field, Setting>,
    pub on_conflict: Option<ConflictSetting>,
}

/// `onConflict` from a flag (already a value) or the environment (text to check).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConflictSetting {
    Value(OnConflict),
    Text(Setting),
}

/// A raw value and where it came from (`--drain-duration`, `MESHDRAIN_DRAIN_DURATION`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub source: String,
}

pub const ENV_POLICY: &str = "MESHDRAIN_POLICY";
pub const ENV_ON_CONFLICT: &str = "MESHDRAIN_ON_CONFLICT";

impl Overrides {
    /// Reads the `MESHDRAIN_*` variables; empty values count as unset.
    pub fn from_env(env: &BTreeMap<String, String>) -> Overrides {
        let get = |name: &str| {
            env.get(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| Setting {
                    value: v.clone(),
                    source: format!("environment variable {name}"),
                })
        };
        Overrides {
            durations: drain::settable()
                .filter_map(|(f, s)| Some((f.field, get(s.env)?)))
                .collect(),
            on_conflict: get(ENV_ON_CONFLICT).map(ConflictSetting::Text),
        }
    }

    /// `self` with every value `over` sets replaced (flags over environment).
    pub fn then(mut self, over: Overrides) -> Overrides {
        self.durations.extend(over.durations);
        Overrides {
            durations: self.durations,
            on_conflict: over.on_conflict.or(self.on_conflict),
        }
    }
}

fn parse_setting(setting: &Setting, field: &str) -> Result<DrainSeconds, Diagnostic> {
    DrainSeconds::parse(&setting.value).map_err(|e| {
        Diagnostic::error(
            "invalid-duration",
            format!("{}: {field} {e}", setting.source),
        )
        .with_hint(e.hint())
    })
}

impl DrainPolicy {
    /// Applies overrides: a duration overrides that field in the sidecar settings and in
    /// every gateway rule that is not `skip` (creating the section when it is absent).
    pub fn with_overrides(mut self, o: &Overrides) -> Result<DrainPolicy, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        // Errors in table order, whatever order the overrides came in.
        let parsed: Vec<(Field, DrainSeconds)> = drain::FIELDS
            .iter()
            .filter_map(|f| Some((f.field, o.durations.get(&f.field)?)))
            .filter_map(|(field, s)| match parse_setting(s, field.name()) {
                Ok(d) => Some((field, d)),
                Err(d) => {
                    errors.push(d);
                    None
                }
            })
            .collect();
        match &o.on_conflict {
            Some(ConflictSetting::Value(v)) => self.on_conflict = *v,
            Some(ConflictSetting::Text(s)) => match s.value.trim().parse::<OnConflict>() {
                Ok(v) => self.on_conflict = v,
                Err(e) => errors.push(
                    Diagnostic::error("invalid-setting", format!("{}: {e}", s.source))
                        .with_hint("use override, keep or error"),
                ),
            },
            None => {}
        }
        for (field, value) in parsed {
            if let Err(d) = self.override_field(field, value, o) {
                errors.push(d);
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    /// Sets `field` in every section that holds it: the sidecar settings (created when
    /// absent), every gateway rule that is not `skip` (a catch-all rule is created when there
    /// is none, for a field written into gateways), and every workload rule that is not `skip`
    /// (workload rules are never created: they come from a policy).
    fn override_field(
        &mut self,
        field: Field,
        value: DrainSeconds,
        o: &Overrides,
    ) -> Result<(), Diagnostic> {
        let spec = field.spec();
        for section in spec.sections {
            match section {
                Section::Sidecar => self
                    .sidecar
                    .get_or_insert_with(Durations::default)
                    .set(field, value),
                Section::Gateway => {
                    if self.gateways.is_none() && spec.role == drain::Role::Parameter {
                        continue;
                    }
                    let rules = self.gateways.get_or_insert_with(Vec::new);
                    if rules.is_empty() {
                        rules.push(GatewayRule::default());
                    }
                    for rule in rules.iter_mut().filter(|r| !r.skip) {
                        rule.durations.set(field, value);
                    }
                }
                Section::Workload => {
                    let rules = self.workloads.iter_mut().flatten().filter(|r| !r.skip);
                    let mut applied = false;
                    for rule in rules {
                        // terminationDrainDuration is not read on the exit-on-zero path, and
                        // MINIMUM_DRAIN_DURATION only there.
                        let fits = match field {
                            Field::TerminationDrainDuration => !rule.exits_on_zero(),
                            Field::MinimumDrainDuration => rule.exits_on_zero(),
                            _ => true,
                        };
                        if fits {
                            rule.durations.set(field, value);
                            applied = true;
                        }
                    }
                    if field == Field::MinimumDrainDuration && !applied {
                        let source = o
                            .durations
                            .get(&field)
                            .map_or("a setting", |s| s.source.as_str());
                        return Err(Diagnostic::error(
                            "invalid-setting",
                            format!("{source}: minimumDrainDuration applies only to workload rules with exitOnZeroActiveConnections: true, and the policy has none"),
                        )
                        .with_hint("add exitOnZeroActiveConnections: true to a workload rule of the policy, or drop the setting"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks the values against Istio's validation for `version`.
    pub fn validate(&self, version: IstioVersion) -> Result<(), Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let sections = self
            .sidecar
            .iter()
            .chain(self.gateways.iter().flatten().map(|r| &r.durations))
            .chain(self.workloads.iter().flatten().map(|r| &r.durations));
        for (field, d) in sections.flat_map(Durations::iter) {
            let capped = field
                .spec()
                .validation
                .one_hour_cap_before
                .is_some_and(|v| version < v);
            if capped && d.as_go().nanos() > HOUR as i64 {
                errors.push(
                    Diagnostic::error(
                        "invalid-duration",
                        format!("{} {d} is over 1h, which Istio {version} rejects", field.name()),
                    )
                    .with_hint("use at most 3600s, or set --istio-version to 1.22 or later if that is what runs"),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// A short human description (`meshdrain policy --check`).
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let shown = |d: &Durations, f: &FieldSpec| {
            let value = d
                .get(f.field)
                .map_or_else(|| "not set".to_owned(), |d| d.to_string());
            format!("{} {value}", f.name)
        };
        match &self.sidecar {
            Some(s) => out.push_str(&format!(
                "sidecar: {} (into {})\n",
                drain::settable_in(Section::Sidecar)
                    .map(|f| shown(s, f))
                    .collect::<Vec<_>>()
                    .join(", "),
                self.sidecar_targets.names()
            )),
            None => out.push_str("sidecar: untouched\n"),
        }
        match &self.gateways {
            Some(rules) => {
                out.push_str("gateways (first match wins):\n");
                for (i, r) in rules.iter().enumerate() {
                    let action = if r.skip {
                        "skip".to_owned()
                    } else {
                        drain::settable_in(Section::Gateway)
                            .filter(|f| {
                                f.role == drain::Role::Manifest
                                    || r.durations.get(f.field).is_some()
                            })
                            .map(|f| shown(&r.durations, f))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let conflict = r
                        .on_conflict
                        .map(|c| format!(", onConflict {c}"))
                        .unwrap_or_default();
                    out.push_str(&format!("  {}. {}: {action}{conflict}\n", i + 1, r.matcher));
                }
            }
            None => out.push_str("gateways: untouched\n"),
        }
        match &self.workloads {
            Some(rules) => {
                out.push_str("workloads (first match wins):\n");
                for (i, r) in rules.iter().enumerate() {
                    let action = if r.skip {
                        "skip".to_owned()
                    } else {
                        let mut parts: Vec<String> = drain::settable_in(Section::Workload)
                            .filter(|f| r.durations.get(f.field).is_some())
                            .map(|f| shown(&r.durations, f))
                            .collect();
                        if let Some(v) = r.exit_on_zero {
                            parts.push(format!("exitOnZeroActiveConnections {v}"));
                        }
                        parts.join(", ")
                    };
                    let conflict = r
                        .on_conflict
                        .map(|c| format!(", onConflict {c}"))
                        .unwrap_or_default();
                    out.push_str(&format!("  {}. {}: {action}{conflict}\n", i + 1, r.matcher));
                }
            }
            None => out.push_str("workloads: untouched\n"),
        }
        if self.native_sidecars {
            out.push_str("native sidecars: yes\n");
        }
        if !self.injected_namespaces.is_empty() {
            out.push_str(&format!(
                "injected namespaces (when not in the input): {}\n",
                self.injected_namespaces
                    .iter()
                    .map(matcher::NamePattern::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push_str(&format!("onConflict: {}", self.on_conflict));
        out
    }

    /// Whether render must read resources of `target` at all (before it knows what they hold):
    /// workloads only with workload rules, mesh configs only when `spec.sidecar.targets` names
    /// them; gateways always (their rules decide later).
    pub fn reads(&self, target: &'static drain::TargetSpec) -> bool {
        match target.section {
            Section::Workload => self.workloads.is_some(),
            Section::Sidecar => self.sidecar_targets.contains(target),
            Section::Gateway => true,
        }
    }

    /// Whether the sidecar settings are written into resources of `target`.
    pub fn writes_sidecar(&self, target: &drain::TargetSpec) -> bool {
        self.sidecar.is_some() && self.sidecar_targets.contains(target)
    }

    /// The rule for a workload of `kind`, read as JSON: the first that matches.
    pub fn workload_rule(
        &self,
        kind: &str,
        object: &serde_json::Value,
    ) -> Option<(usize, &WorkloadRule)> {
        self.workloads
            .as_deref()?
            .iter()
            .enumerate()
            .find(|(_, r)| r.matcher.matches(kind, object))
    }

    /// The rule for an install-API gateway of `kind`, read as JSON: the first that matches.
    pub fn gateway_rule(
        &self,
        kind: &str,
        object: &serde_json::Value,
    ) -> Option<(usize, &GatewayRule)> {
        self.gateways
            .as_deref()?
            .iter()
            .enumerate()
            .find(|(_, r)| r.matcher.matches(kind, object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(v: &str, source: &str) -> Setting {
        Setting {
            value: v.into(),
            source: source.into(),
        }
    }

    #[test]
    fn default_is_the_guide() {
        let p = DrainPolicy::default();
        assert_eq!(
            p.sidecar
                .as_ref()
                .and_then(|s| s.get(Field::DrainDuration))
                .map(|d| d.secs()),
            Some(50)
        );
        let gw = serde_json::json!({"metadata": {"name": "g"}});
        let rule = p.gateway_rule("IngressGateway", &gw).map(|(_, r)| r);
        assert_eq!(
            rule.and_then(|r| r.durations.get(Field::ConnectionDrainDuration))
                .map(|d| d.secs()),
            Some(10)
        );
        // The unified Gateway (TSB 1.9+) gets the same default.
        let unified = p.gateway_rule("Gateway", &gw).map(|(_, r)| r);
        assert_eq!(
            unified
                .and_then(|r| r.durations.get(Field::ConnectionDrainDuration))
                .map(|d| d.secs()),
            Some(10)
        );
        assert_eq!(p.on_conflict, OnConflict::Override);
    }

    #[test]
    fn flags_win_over_environment() {
        let env: BTreeMap<String, String> = [
            ("MESHDRAIN_DRAIN_DURATION".to_owned(), "40s".to_owned()),
            ("MESHDRAIN_ON_CONFLICT".to_owned(), "keep".to_owned()),
            ("MESHDRAIN_GATEWAY_DRAIN_DURATION".to_owned(), String::new()),
        ]
        .into();
        let flags = Overrides {
            durations: [(Field::DrainDuration, setting("30s", "--drain-duration"))].into(),
            ..Overrides::default()
        };
        let o = Overrides::from_env(&env).then(flags);
        let p = DrainPolicy::default().with_overrides(&o).unwrap();
        assert_eq!(
            p.sidecar
                .unwrap()
                .get(Field::DrainDuration)
                .map(|d| d.secs()),
            Some(30)
        );
        assert_eq!(p.on_conflict, OnConflict::Keep);
        assert_eq!(
            p.gateways.unwrap()[0]
                .durations
                .get(Field::ConnectionDrainDuration)
                .map(|d| d.secs()),
            Some(10)
        );
    }

    #[test]
    fn bad_values_name_their_source() {
        let o = Overrides {
            durations: [(
                Field::ConnectionDrainDuration,
                setting(
                    "10",
                    "environment variable MESHDRAIN_GATEWAY_DRAIN_DURATION",
                ),
            )]
            .into(),
            on_conflict: Some(ConflictSetting::Text(setting(
                "sometimes",
                "environment variable MESHDRAIN_ON_CONFLICT",
            ))),
        };
        let errs = DrainPolicy::default().with_overrides(&o).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs[0].message.contains("MESHDRAIN_GATEWAY_DRAIN_DURATION"));
        assert!(errs[0].hint.as_deref().unwrap_or("").contains("\"10s\""));
        assert!(errs[1].message.contains("MESHDRAIN_ON_CONFLICT"));
    }

    #[test]
    fn flags_override_workload_rules_but_never_create_them() {
        let flags = |pairs: &[(Field, &str)]| Overrides {
            durations: pairs
                .iter()
                .map(|(f, v)| (*f, setting(v, "--flag")))
                .collect(),
            ..Overrides::default()
        };
        // No workload rules: a flag writes the sidecar and gateways only.
        let p = DrainPolicy::default()
            .with_overrides(&flags(&[(Field::TerminationDrainDuration, "20s")]))
            .unwrap();
        assert_eq!(p.workloads, None);
        let with_rules = DrainPolicy {
            workloads: Some(vec![
                WorkloadRule {
                    exit_on_zero: Some(true),
                    ..WorkloadRule::default()
                },
                WorkloadRule {
                    skip: true,
                    ..WorkloadRule::default()
                },
                WorkloadRule::default(),
            ]),
            ..DrainPolicy::default()
        };
        let p = with_rules
            .clone()
            .with_overrides(&flags(&[
                (Field::TerminationDrainDuration, "20s"),
                (Field::MinimumDrainDuration, "8s"),
                (Field::GracePeriodMargin, "10s"),
            ]))
            .unwrap();
        let rules = p.workloads.unwrap();
        let get = |i: usize, f: Field| rules[i].durations.get(f).map(|d| d.secs());
        // terminationDrainDuration skips exit-on-zero rules; MINIMUM_DRAIN_DURATION is only
        // for them; skip rules get nothing.
        assert_eq!(get(0, Field::TerminationDrainDuration), None);
        assert_eq!(get(0, Field::MinimumDrainDuration), Some(8));
        assert_eq!(get(1, Field::GracePeriodMargin), None);
        assert_eq!(get(2, Field::TerminationDrainDuration), Some(20));
        assert_eq!(get(2, Field::MinimumDrainDuration), None);
        assert_eq!(get(2, Field::GracePeriodMargin), Some(10));
        // The margin also reaches the gateway rules.
        assert_eq!(
            p.gateways.unwrap()[0]
                .durations
                .get(Field::GracePeriodMargin)
                .map(|d| d.secs()),
            Some(10)
        );
        // MINIMUM_DRAIN_DURATION with no exit-on-zero rule is an error, not ignored.
        let errs = DrainPolicy::default()
            .with_overrides(&flags(&[(Field::MinimumDrainDuration, "8s")]))
            .unwrap_err();
        assert!(
            errs[0].message.contains("exitOnZeroActiveConnections"),
            "{errs:?}"
        );
    }

    #[test]
    fn a_margin_alone_creates_no_gateway_rule() {
        let p = DrainPolicy {
            gateways: None,
            ..DrainPolicy::default()
        };
        let o = Overrides {
            durations: [(
                Field::GracePeriodMargin,
                setting("9s", "--grace-period-margin"),
            )]
            .into(),
            ..Overrides::default()
        };
        assert_eq!(p.with_overrides(&o).unwrap().gateways, None);
    }

    #[test]
    fn istio_versions() {
        assert_eq!(
            "1.12".parse::<IstioVersion>(),
            Ok(IstioVersion {
                major: 1,
                minor: 12
            })
        );
        assert_eq!(
            "v1.22.3".parse::<IstioVersion>(),
            Ok(IstioVersion {
                major: 1,
                minor: 22
            })
        );
        assert!("1".parse::<IstioVersion>().is_err());
        assert!(IstioVersion::DEFAULT.has_parent_shutdown());
        assert!(
            !"1.17"
                .parse::<IstioVersion>()
                .unwrap()
                .has_parent_shutdown()
        );
        let long = Overrides {
            durations: [(Field::DrainDuration, setting("2h", "--drain-duration"))].into(),
            ..Overrides::default()
        };
        let p = DrainPolicy::default().with_overrides(&long).unwrap();
        assert!(p.validate(IstioVersion::DEFAULT).is_err());
        assert!(p.validate("1.22".parse().unwrap()).is_ok());
    }
}
