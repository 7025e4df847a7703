//! `DrainPolicy`: what meshdrain writes, built from the built-in default or a policy document,
//! then the environment and flags (DESIGN.md, "Defaults and precedence"). The engine reads only
//! the policy.

pub mod file;
pub mod ignore;
pub mod matcher;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::diagnostic::Diagnostic;
use crate::duration::{DrainSeconds, GoDuration, HOUR};

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
)]
#[serde(rename_all = "lowercase")]
pub enum OnConflict {
    /// Replace it with the policy's value.
    #[default]
    Override,
    /// Leave it as it is.
    Keep,
    /// Fail the run (exit 2).
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

/// The sidecar settings, written into the `tsb-istiocontrolplane` overlay of a ControlPlane.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SidecarSettings {
    pub drain_duration: Option<DrainSeconds>,
    pub termination_drain_duration: Option<DrainSeconds>,
}

pub use matcher::GatewayMatch;

/// One gateway rule; the first matching rule wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayRule {
    pub matcher: GatewayMatch,
    pub connection_drain_duration: Option<DrainSeconds>,
    /// Leave matched gateways alone.
    pub skip: bool,
    pub on_conflict: Option<OnConflict>,
}

/// The rules meshdrain applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrainPolicy {
    /// Absent: ControlPlanes are left untouched.
    pub sidecar: Option<SidecarSettings>,
    /// Absent: gateways are left untouched.
    pub gateways: Option<Vec<GatewayRule>>,
    pub on_conflict: OnConflict,
    /// `meshdrain check` suppressions (`spec.check.ignore`).
    pub ignores: Vec<ignore::IgnoreRule>,
}

impl Default for DrainPolicy {
    /// The TSB guide's values: sidecar `drainDuration: 50s`, gateways `10s`, override.
    fn default() -> Self {
        DrainPolicy {
            sidecar: Some(SidecarSettings {
                drain_duration: DrainSeconds::from_secs(50),
                termination_drain_duration: None,
            }),
            gateways: Some(vec![GatewayRule {
                connection_drain_duration: DrainSeconds::from_secs(10),
                ..GatewayRule::default()
            }]),
            on_conflict: OnConflict::Override,
            ignores: Vec::new(),
        }
    }
}

/// The Istio minor version the manifests are for; drain validation depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IstioVersion {
    pub major: u32,
    pub minor: u32,
}

impl IstioVersion {
    /// Istio 1.12: TSB 1.4's Istio is not public; its docs' logs (2022-03) fit 1.11/1.12, and
    /// every rule that matters here (whole seconds, ≤ 1h, < parentShutdownDuration) holds for
    /// all of 1.9–1.16.
    pub const DEFAULT: IstioVersion = IstioVersion {
        major: 1,
        minor: 12,
    };

    /// `drainDuration` must stay below `parentShutdownDuration` (Istio ≤ 1.16).
    pub fn has_parent_shutdown(self) -> bool {
        self <= IstioVersion {
            major: 1,
            minor: 16,
        }
    }

    /// `drainDuration` is capped at 1h before Istio 1.22.
    pub fn caps_drain_at_one_hour(self) -> bool {
        self < IstioVersion {
            major: 1,
            minor: 22,
        }
    }
}

impl FromStr for IstioVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        let major = parts.next().and_then(|p| p.parse().ok());
        let minor = parts.next().and_then(|p| p.parse().ok());
        let patch_ok = parts
            .next()
            .is_none_or(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        match (major, minor) {
            (Some(major), Some(minor)) if patch_ok && parts.next().is_none() => {
                Ok(IstioVersion { major, minor })
            }
            _ => Err(format!("{s:?} is not an Istio version like 1.12 or 1.12.3")),
        }
    }
}

impl fmt::Display for IstioVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Istio's own default `parentShutdownDuration` (≤ 1.16).
pub const DEFAULT_PARENT_SHUTDOWN: GoDuration = GoDuration(60 * crate::duration::SECOND as i64);

/// Values from the environment or flags that override the policy. Each keeps where it came
/// from, for error messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    pub drain_duration: Option<Setting>,
    pub termination_drain_duration: Option<Setting>,
    pub gateway_drain_duration: Option<Setting>,
    pub on_conflict: Option<Setting>,
}

/// A raw value and where it came from (`--drain-duration`, `MESHDRAIN_DRAIN_DURATION`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub source: String,
}

pub const ENV_POLICY: &str = "MESHDRAIN_POLICY";
pub const ENV_DRAIN_DURATION: &str = "MESHDRAIN_DRAIN_DURATION";
pub const ENV_TERMINATION_DRAIN_DURATION: &str = "MESHDRAIN_TERMINATION_DRAIN_DURATION";
pub const ENV_GATEWAY_DRAIN_DURATION: &str = "MESHDRAIN_GATEWAY_DRAIN_DURATION";
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
            drain_duration: get(ENV_DRAIN_DURATION),
            termination_drain_duration: get(ENV_TERMINATION_DRAIN_DURATION),
            gateway_drain_duration: get(ENV_GATEWAY_DRAIN_DURATION),
            on_conflict: get(ENV_ON_CONFLICT),
        }
    }

    /// `self` with every value `over` sets replaced (flags over environment).
    pub fn then(self, over: Overrides) -> Overrides {
        Overrides {
            drain_duration: over.drain_duration.or(self.drain_duration),
            termination_drain_duration: over
                .termination_drain_duration
                .or(self.termination_drain_duration),
            gateway_drain_duration: over.gateway_drain_duration.or(self.gateway_drain_duration),
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
        let mut take = |s: &Option<Setting>, field: &str| match s {
            None => None,
            Some(s) => parse_setting(s, field).map_err(|d| errors.push(d)).ok(),
        };
        let drain = take(&o.drain_duration, "drainDuration");
        let termination = take(&o.termination_drain_duration, "terminationDrainDuration");
        let gateway = take(&o.gateway_drain_duration, "connectionDrainDuration");
        if let Some(s) = &o.on_conflict {
            match s.value.trim().parse::<OnConflict>() {
                Ok(v) => self.on_conflict = v,
                Err(e) => errors.push(
                    Diagnostic::error("invalid-setting", format!("{}: {e}", s.source))
                        .with_hint("use override, keep or error"),
                ),
            }
        }
        if drain.is_some() || termination.is_some() {
            let sidecar = self.sidecar.get_or_insert_with(SidecarSettings::default);
            if drain.is_some() {
                sidecar.drain_duration = drain;
            }
            if termination.is_some() {
                sidecar.termination_drain_duration = termination;
            }
        }
        if let Some(g) = gateway {
            let rules = self.gateways.get_or_insert_with(Vec::new);
            if rules.is_empty() {
                rules.push(GatewayRule::default());
            }
            for rule in rules.iter_mut().filter(|r| !r.skip) {
                rule.connection_drain_duration = Some(g);
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    /// Checks the values against Istio's validation for `version`.
    pub fn validate(&self, version: IstioVersion) -> Result<(), Vec<Diagnostic>> {
        let mut errors = Vec::new();
        if let Some(d) = self.sidecar.as_ref().and_then(|s| s.drain_duration)
            && version.caps_drain_at_one_hour()
            && d.as_go().nanos() > HOUR as i64
        {
            errors.push(
                Diagnostic::error(
                    "invalid-duration",
                    format!("drainDuration {d} is over 1h, which Istio {version} rejects"),
                )
                .with_hint("use at most 3600s, or set --istio-version to 1.22 or later if that is what runs"),
            );
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
        let shown =
            |d: Option<DrainSeconds>| d.map_or_else(|| "not set".to_owned(), |d| d.to_string());
        match &self.sidecar {
            Some(s) => out.push_str(&format!(
                "sidecar: drainDuration {}, terminationDrainDuration {}\n",
                shown(s.drain_duration),
                shown(s.termination_drain_duration)
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
                        format!(
                            "connectionDrainDuration {}",
                            shown(r.connection_drain_duration)
                        )
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
        out.push_str(&format!("onConflict: {}", self.on_conflict));
        out
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

    fn setting(v: &str, source: &str) -> Option<Setting> {
        Some(Setting {
            value: v.into(),
            source: source.into(),
        })
    }

    #[test]
    fn default_is_the_guide() {
        let p = DrainPolicy::default();
        assert_eq!(
            p.sidecar
                .as_ref()
                .and_then(|s| s.drain_duration)
                .map(|d| d.secs()),
            Some(50)
        );
        let gw = serde_json::json!({"metadata": {"name": "g"}});
        let rule = p.gateway_rule("IngressGateway", &gw).map(|(_, r)| r);
        assert_eq!(
            rule.and_then(|r| r.connection_drain_duration)
                .map(|d| d.secs()),
            Some(10)
        );
        assert!(p.gateway_rule("Gateway", &gw).is_none());
        assert_eq!(p.on_conflict, OnConflict::Override);
    }

    #[test]
    fn flags_win_over_environment() {
        let env: BTreeMap<String, String> = [
            (ENV_DRAIN_DURATION.to_owned(), "40s".to_owned()),
            (ENV_ON_CONFLICT.to_owned(), "keep".to_owned()),
            (ENV_GATEWAY_DRAIN_DURATION.to_owned(), String::new()),
        ]
        .into();
        let flags = Overrides {
            drain_duration: setting("30s", "--drain-duration"),
            ..Overrides::default()
        };
        let o = Overrides::from_env(&env).then(flags);
        let p = DrainPolicy::default().with_overrides(&o).unwrap();
        assert_eq!(
            p.sidecar.unwrap().drain_duration.map(|d| d.secs()),
            Some(30)
        );
        assert_eq!(p.on_conflict, OnConflict::Keep);
        assert_eq!(
            p.gateways.unwrap()[0]
                .connection_drain_duration
                .map(|d| d.secs()),
            Some(10)
        );
    }

    #[test]
    fn bad_values_name_their_source() {
        let o = Overrides {
            gateway_drain_duration: setting(
                "10",
                "environment variable MESHDRAIN_GATEWAY_DRAIN_DURATION",
            ),
            on_conflict: setting("sometimes", "--on-conflict"),
            ..Overrides::default()
        };
        let errs = DrainPolicy::default().with_overrides(&o).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs[0].message.contains("MESHDRAIN_GATEWAY_DRAIN_DURATION"));
        assert!(errs[0].hint.as_deref().unwrap_or("").contains("\"10s\""));
        assert!(errs[1].message.contains("--on-conflict"));
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
            drain_duration: setting("2h", "--drain-duration"),
            ..Overrides::default()
        };
        let p = DrainPolicy::default().with_overrides(&long).unwrap();
        assert!(p.validate(IstioVersion::DEFAULT).is_err());
        assert!(p.validate("1.22".parse().unwrap()).is_ok());
    }
}
