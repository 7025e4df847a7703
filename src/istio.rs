//! The Istio version the manifests are for: Istio's validation of drain durations and some
//! lint rules depend on it.

use std::fmt;
use std::str::FromStr;

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
