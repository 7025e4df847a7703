//! A log's shutdowns, judged: the period pilot-agent announced against the expected wait
//! (`Graceful termination period is …`; with EXIT_ON_ZERO_ACTIVE_CONNECTIONS the wait is not
//! the setting at all), and whether the drain ran to its end or was cut short (Envoy's
//! SIGTERM when the grace period ran out, istio/istio#25575; an early exit; the exit-on-zero
//! wait giving up on the stats).

use crate::duration::GoDuration;

use super::expect::Lookup;
use super::judge::Judge;
use super::{
    Announced, Cause, CheckKind, Comparison, Ending, Expected, Knob, Location, Mark, Observed,
    Scope, Status, Termination, Value, canonical, seconds, show_seconds,
};

/// A drain that ends within this much of its announced period ran it whole.
const TOLERANCE_SECONDS: f64 = 0.25;

impl Judge<'_> {
    pub(super) fn termination(&mut self, t: &Termination) {
        match &t.announced {
            Announced::Period { written, value } => {
                let (knob, lookup) = self.wait_expectation();
                let o = Observed {
                    knob,
                    written: written.clone(),
                    value: *value,
                    location: t.start.location.clone(),
                    source: "pilot-agent's `Graceful termination period is …` line".to_owned(),
                    scope: Scope::Running,
                };
                match lookup {
                    Lookup::Found(x) => self.compare(knob, &x, &o),
                    Lookup::Ambiguous(why) => {
                        let location = o.location.clone();
                        self.push(
                            CheckKind::Value,
                            knob.name(),
                            &location,
                            None,
                            Some(Self::actual(&o)),
                            Status::Unknown,
                            None,
                            format!(
                                "pilot-agent announced a termination period of {written}, but {why}"
                            ),
                            None,
                        );
                    }
                    Lookup::Nothing(_) => {}
                }
                self.completed(t, *value);
            }
            Announced::ExitOnZero { written, value } => {
                let (knob, lookup) = self.wait_expectation();
                let location = t.start.location.clone();
                let actual = (!written.is_empty()).then(|| Value::new(written.clone(), *value, "pilot-agent's `Agent draining proxy for …, then waiting for active connections` line (MINIMUM_DRAIN_DURATION)".to_owned()));
                let min = if written.is_empty() {
                    "MINIMUM_DRAIN_DURATION; its `Agent draining proxy for …` line is not in the log".to_owned()
                } else {
                    format!("MINIMUM_DRAIN_DURATION, {written}")
                };
                match lookup {
                    Lookup::Found(x) => self.push(
                        CheckKind::Value, knob.name(), &location, Some(Self::expected(&x, Comparison::Equal)), actual, Status::Fail, Some(Cause::ExitOnZero),
                        format!("pilot-agent ran with EXIT_ON_ZERO_ACTIVE_CONNECTIONS: it waited ({min}) and then until the connections reached zero, so {} {}, which {} expects, did not decide the wait (istio/istio#44690)", knob.name(), x.written, x.from),
                        Some("drop EXIT_ON_ZERO_ACTIVE_CONNECTIONS from proxyMetadata to make the setting the wait, or size MINIMUM_DRAIN_DURATION and the grace period instead".to_owned()),
                    ),
                    Lookup::Ambiguous(why) => self.push(CheckKind::Value, knob.name(), &location, None, actual, Status::Unknown, None,
                        format!("pilot-agent ran with EXIT_ON_ZERO_ACTIVE_CONNECTIONS ({min}), and {why}"), None),
                    Lookup::Nothing(_) => {}
                }
                self.completed(t, None);
            }
            Announced::Drained => {
                let location = t.start.location.clone();
                self.push(
                    CheckKind::DrainCompleted, "terminationDrainDuration", &location, None, None, Status::Unknown, None,
                    "a native sidecar: pilot-agent drained on its preStop hook's /drain and exited at SIGTERM without a termination wait (`Agent already drained, exiting immediately`), so terminationDrainDuration does not apply; Kubernetes stops the sidecar after the application".to_owned(),
                    None,
                );
            }
        }
    }

    /// Whether the shutdown ran to its end: the announced period (`period`), or for
    /// exit-on-zero until the connections reached zero.
    fn completed(&mut self, t: &Termination, period: Option<GoDuration>) {
        let field = match self.wait_expectation().0 {
            Knob::GatewayDrain => "connectionDrainDuration",
            _ => "terminationDrainDuration",
        };
        let measured = |end: &Mark| match (t.start.at, end.at) {
            (Some(a), Some(b)) if b >= a => Some((b - a) as f64 / 1e9),
            _ => None,
        };
        let expected = period.map(|p| Expected {
            value: Value::new(canonical(p), Some(p), "the announced period".to_owned()),
            comparison: Comparison::AtLeast,
        });
        let took = |m: Option<f64>| {
            m.map(|s| {
                Value::new(
                    show_seconds(s),
                    Some(GoDuration((s * 1e9) as i64)),
                    "measured between the log's timestamps".to_owned(),
                )
            })
        };
        let Some((ending, end)) = &t.end else {
            let location = t.start.location.clone();
            self.push(CheckKind::DrainCompleted, field, &location, expected, None, Status::Unknown, None,
                "the log ends before the shutdown does (no completion line after the start)".to_owned(),
                Some("capture the whole log of the stopped container: kubectl logs POD -c istio-proxy --previous".to_owned()));
            return;
        };
        let m = measured(end);
        let location = end.location.clone();
        let implicit =
            matches!(&t.announced, Announced::ExitOnZero { written, .. } if written.is_empty());
        let took_text = match m {
            Some(s) if implicit => format!(" {} after `{}`", show_seconds(s), t.start.text),
            Some(s) => format!(" after {}", show_seconds(s)),
            None => String::new(),
        };
        match ending {
            Ending::Complete => {
                let short = match (m, period) {
                    (Some(s), Some(p)) => s + TOLERANCE_SECONDS < seconds(p),
                    _ => false,
                };
                if short {
                    self.push(
                        CheckKind::DrainCompleted,
                        field,
                        &location,
                        expected,
                        took(m),
                        Status::Fail,
                        Some(Cause::DrainCutShort),
                        format!(
                            "the termination period completed{took_text}, shorter than announced"
                        ),
                        None,
                    );
                } else {
                    self.push(
                        CheckKind::DrainCompleted,
                        field,
                        &location,
                        expected,
                        took(m),
                        Status::Pass,
                        None,
                        format!("the drain ran its whole period: `{}`{took_text}", end.text),
                        None,
                    );
                }
            }
            Ending::NoMoreConnections => self.push(
                CheckKind::DrainCompleted,
                field,
                &location,
                expected,
                took(m),
                Status::Pass,
                None,
                format!(
                    "the proxy drained until its connections reached zero{took_text}: `{}`",
                    end.text
                ),
                None,
            ),
            Ending::Premature(text) => {
                let open = t
                    .still_active
                    .map(|n| format!(" with {n} connections still open"))
                    .unwrap_or_default();
                self.push(CheckKind::DrainCompleted, field, &location, expected, took(m), Status::Fail, Some(Cause::DrainCutShort),
                    format!("the drain ended early{took_text}{open}: `{text}`"),
                    Some("see why Envoy exited or its stats could not be read; with EXIT_ON_ZERO_ACTIVE_CONNECTIONS, pilot-agent stops waiting when downstream_cx_active cannot be read".to_owned()));
            }
            Ending::EnvoySignalled | Ending::AgentTerminated => {
                let what = if *ending == Ending::EnvoySignalled {
                    "Envoy got SIGTERM"
                } else {
                    "the agent terminated"
                };
                let of = period
                    .map(|p| format!(" of the announced {}", p))
                    .unwrap_or_default();
                self.push(CheckKind::DrainCompleted, field, &location, expected, took(m), Status::Fail, Some(Cause::DrainCutShort),
                    format!("{what}{took_text}{of} and no completion line follows: the pod's grace period ran out and kubelet killed the container (istio/istio#25575)"),
                    Some("raise the pod's terminationGracePeriodSeconds above the drain (plus any preStop sleep of istio-proxy), or shorten the drain".to_owned()));
            }
            Ending::AlreadyDrained => {}
        }
    }

    pub(super) fn no_termination(&mut self, why: &str) {
        let (knob, lookup) = self.wait_expectation();
        let expected = match &lookup {
            Lookup::Found(x) => Some(Self::expected(x, Comparison::Equal)),
            _ => None,
        };
        self.push(
            CheckKind::Value, knob.name(), &Location::default(), expected, None, Status::Unknown, None,
            format!("the shutdown cannot be verified: {why}"),
            Some("capture the log as the pod stops, or after it restarted: kubectl logs POD -c istio-proxy --previous".to_owned()),
        );
    }
}
