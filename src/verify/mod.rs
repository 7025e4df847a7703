//! `meshdrain verify`: proves, offline, that the drain settings reached the running proxies.
//!
//! Evidence flows one way: bytes ([`input`]: read, format detected or forced) → one
//! [`Evidence`] per proxy or pod ([`dump`] for Envoy config dumps and bootstraps, [`pod`] for
//! `kubectl get pod` through the shared [`crate::model`], [`describe`] for `kubectl describe
//! pod`, [`logs`] for istio-proxy logs) → [`judge`], which compares each observed value with
//! what [`expect`] says it should be (the policy and duration flags, or rendered manifests) →
//! [`Check`]s, which [`report`] prints as text (through the one [`crate::diagnostic::Diagnostic`]
//! renderer) or as a versioned JSON document.
//!
//! A check never passes on a value the evidence does not show: what cannot be seen is
//! `unknown`, with the reason, and a run where nothing passed is "not verifiable" (exit 1).

pub mod describe;
pub mod dump;
pub mod evidence;
pub mod expect;
pub mod input;
pub mod judge;
pub mod logline;
pub mod logs;
pub mod pod;
pub mod report;
pub mod shutdown;

use std::fmt;

use crate::diagnostic::LineIndex;
use crate::duration::GoDuration;

pub use evidence::{
    ANNOTATION_SOURCE, Announced, Ending, Evidence, Format, Grace, Knob, Location, Mark, Observed,
    Owner, Proxy, Role, Scope, Subject, Termination,
};

/// The result of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Pass,
    Fail,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
        }
    }
}

/// What a check compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckKind {
    /// A drain setting reached the proxy: the value it runs with is the expected one.
    Value,
    /// The pod's `terminationGracePeriodSeconds` leaves room for its drain.
    GracePeriod,
    /// The drain ran its announced length (a log): not cut short by SIGKILL or an early exit.
    DrainCompleted,
}

impl CheckKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Value => "value",
            CheckKind::GracePeriod => "grace-period",
            CheckKind::DrainCompleted => "drain-completed",
        }
    }
}

/// The usual cause of a failure, as the reason explains it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The proxy started before the change and still runs the old value: restart the pods.
    PodsNotRestarted,
    /// The value was set where the proxy does not read it.
    WrongObject,
    /// The proxy runs Istio's default: either it was not restarted, or the value never reached
    /// the mesh config.
    NotRestartedOrWrongObject,
    /// A per-pod setting (annotation, env) overrides the mesh default.
    PodOverride,
    /// `terminationGracePeriodSeconds` is not longer than the drain.
    GracePeriodTooShort,
    /// EXIT_ON_ZERO_ACTIVE_CONNECTIONS makes pilot-agent ignore `terminationDrainDuration`.
    ExitOnZero,
    /// The drain ended before its period: SIGKILL at the grace period, or Envoy exited.
    DrainCutShort,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::PodsNotRestarted => "pods-not-restarted",
            Cause::WrongObject => "wrong-object",
            Cause::NotRestartedOrWrongObject => "not-restarted-or-wrong-object",
            Cause::PodOverride => "pod-override",
            Cause::GracePeriodTooShort => "grace-period-too-short",
            Cause::ExitOnZero => "exit-on-zero",
            Cause::DrainCutShort => "drain-cut-short",
        }
    }
}

/// How the actual value must relate to the expected one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Equal,
    /// Strictly more (a grace period that outlasts the drain).
    MoreThan,
    /// At least (a drain that ran its whole period).
    AtLeast,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Equal => "equal",
            Comparison::MoreThan => "more-than",
            Comparison::AtLeast => "at-least",
        }
    }
}

/// A duration as written and normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    pub written: String,
    /// protobuf JSON's canonical form (`90s`, `1.5s`), when it is a duration.
    pub normalised: Option<String>,
    pub duration: Option<GoDuration>,
    /// Where the value came from: `--drain-duration`, `node.metadata.PROXY_CONFIG`.
    pub from: String,
}

impl Value {
    pub fn new(written: impl Into<String>, duration: Option<GoDuration>, from: String) -> Value {
        Value {
            written: written.into(),
            normalised: duration.map(canonical),
            duration,
            from,
        }
    }
}

/// What a check expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub value: Value,
    pub comparison: Comparison,
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub input: String,
    pub format: Format,
    pub location: Location,
    pub subject: Subject,
    pub kind: CheckKind,
    /// The setting checked: `drainDuration`, `terminationGracePeriodSeconds`, …
    pub field: String,
    pub expected: Option<Expected>,
    pub actual: Option<Value>,
    pub status: Status,
    pub cause: Option<Cause>,
    /// Why this status: what was compared, or what the evidence does not show.
    pub reason: String,
    /// What to do about it.
    pub hint: Option<String>,
}

/// The checks of a run, and what they add up to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub inputs: usize,
    pub checks: Vec<Check>,
}

impl Outcome {
    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// At least one check passed and none failed.
    pub fn passed(&self) -> bool {
        self.count(Status::Pass) > 0 && self.count(Status::Fail) == 0
    }

    /// Nothing passed or failed: the input let no check be made.
    pub fn not_verifiable(&self) -> bool {
        self.count(Status::Pass) == 0 && self.count(Status::Fail) == 0
    }
}

/// protobuf JSON's canonical form of a duration: `90s`, `1.500s` is `1.5s`, `-0.000000001s`.
pub fn canonical(d: GoDuration) -> String {
    let n = d.nanos();
    let sign = if n < 0 { "-" } else { "" };
    let abs = n.unsigned_abs();
    let second = crate::duration::SECOND;
    let (secs, frac) = (abs / second, abs % second);
    if frac == 0 {
        format!("{sign}{secs}s")
    } else {
        let digits = format!("{frac:09}");
        format!("{sign}{secs}.{}s", digits.trim_end_matches('0'))
    }
}

/// Seconds as a float, for arithmetic with grace periods and timestamps.
pub fn seconds(d: GoDuration) -> f64 {
    d.nanos() as f64 / crate::duration::SECOND as f64
}

/// `12s`, `12.5s`, `30.012s`: seconds for messages, to the millisecond.
pub fn show_seconds(s: f64) -> String {
    let rounded = (s * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}s")
    } else {
        format!("{rounded}s")
    }
}

/// An input that cannot be used (exit 2): what, where (a byte offset of `text`, when there
/// is one), and what to do.
pub fn input_error(
    code: &'static str,
    name: &str,
    text: &str,
    at: Option<usize>,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> crate::diagnostic::Diagnostic {
    let d = crate::diagnostic::Diagnostic::error(code, message)
        .with_origin(crate::diagnostic::Origin {
            file: Some(name.to_owned()),
            ..crate::diagnostic::Origin::default()
        })
        .with_hint(hint);
    match at {
        Some(at) => {
            let index = LineIndex::new(text);
            let end = text
                .get(at..)
                .and_then(|r| r.chars().next())
                .map_or(at, |c| at + c.len_utf8());
            d.at(&index, at, end)
        }
        None => d,
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_normalise_as_protobuf_json_does() {
        let d = |s| GoDuration::parse(s).unwrap();
        assert_eq!(canonical(d("1m30s")), "90s");
        assert_eq!(canonical(d("1.500s")), "1.5s");
        assert_eq!(canonical(d("300ms")), "0.3s");
        assert_eq!(canonical(d("-1ns")), "-0.000000001s");
        assert_eq!(show_seconds(30.012_328), "30.012s");
        assert_eq!(show_seconds(5.0), "5s");
    }

    #[test]
    fn go_booleans() {
        let o = |w: &str| Observed {
            knob: Knob::ExitOnZero,
            written: w.to_owned(),
            value: None,
            location: Location::default(),
            source: String::new(),
            scope: Scope::Pod,
        };
        assert_eq!(o("true").as_bool(), Some(true));
        assert_eq!(o("T").as_bool(), Some(true));
        assert_eq!(o("0").as_bool(), Some(false));
        assert_eq!(o("yes").as_bool(), None);
    }

    #[test]
    fn istio_versions_from_images_and_metadata() {
        let s = |v: &str| Subject {
            istio_version: Some(v.to_owned()),
            ..Subject::default()
        };
        assert_eq!(s("1.20.0").istio_minor(), Some((1, 20)));
        assert_eq!(s("1.21.0-1226").istio_minor(), Some((1, 21)));
        assert_eq!(s("binary-1.0").istio_minor(), None);
    }
}
