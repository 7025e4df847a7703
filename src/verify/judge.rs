//! Evidence against expectations: one [`Check`] per value the evidence shows and something
//! expects, per pod grace period, per shutdown in a log, and an `unknown` one for what an
//! input cannot show. Each failure names its usual cause: pods not restarted after the
//! change, the value set where the proxy does not read it, the grace period shorter than the
//! drain, or EXIT_ON_ZERO_ACTIVE_CONNECTIONS making `terminationDrainDuration` irrelevant.

use crate::duration::GoDuration;

use super::expect::{Expectation, Expectations, Lookup};
use super::{
    ANNOTATION_SOURCE, Cause, Check, CheckKind, Comparison, Evidence, Expected, Format, Knob,
    Location, Observed, Proxy, Role, Scope, Status, Subject, Value, canonical, seconds,
    show_seconds,
};

/// Judges every piece of evidence.
pub fn judge(evidence: &[Evidence], expect: &Expectations, role: Role) -> Vec<Check> {
    let mut out = Vec::new();
    for e in evidence {
        let mut e = e.clone();
        apply_role(&mut e.subject, expect, role);
        let mut j = Judge {
            e: &e,
            expect,
            out: &mut out,
        };
        j.evidence();
    }
    out
}

/// The role `--role` gives evidence that does not say (a log without a prefix); else what
/// the expectations know (`--manifests` has the pod's gateway CR).
fn apply_role(subject: &mut Subject, expect: &Expectations, role: Role) {
    if subject.gateway.is_some() {
        return;
    }
    match role {
        Role::Gateway => {
            subject.gateway = Some(true);
            subject.role_reason = Some("--role gateway".to_owned());
        }
        Role::Sidecar => {
            subject.gateway = Some(false);
            subject.role_reason = Some("--role sidecar".to_owned());
        }
        Role::Auto => {
            if let Some(why) = expect.gateway_hint(subject) {
                subject.gateway = Some(true);
                subject.role_reason = Some(why);
            }
        }
    }
}

/// `kubectl rollout restart deployment/web -n shop`, or what restarts the pod.
fn restart_hint(s: &Subject) -> String {
    let ns = s
        .namespace
        .as_deref()
        .map(|n| format!(" -n {n}"))
        .unwrap_or_default();
    match (&s.owner, &s.pod) {
        (Some(o), _)
            if matches!(o.kind.as_deref(), Some("Deployment" | "StatefulSet" | "DaemonSet")) =>
        {
            format!(
                "restart its pods so the proxies read the new value: kubectl rollout restart {}/{}{ns}",
                o.kind.as_deref().unwrap_or("deployment").to_ascii_lowercase(),
                o.name
            )
        }
        (_, Some(pod)) => format!(
            "restart the pod so its proxy reads the new value (its controller creates a new one): kubectl delete pod {pod}{ns}"
        ),
        _ => "restart the pods so the proxies read the new value: kubectl rollout restart deployment/NAME -n NAMESPACE".to_owned(),
    }
}

pub(super) struct Judge<'a> {
    pub(super) e: &'a Evidence,
    pub(super) expect: &'a Expectations,
    out: &'a mut Vec<Check>,
}

impl Judge<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &mut self,
        kind: CheckKind,
        field: &str,
        location: &Location,
        expected: Option<Expected>,
        actual: Option<Value>,
        status: Status,
        cause: Option<Cause>,
        reason: String,
        hint: Option<String>,
    ) {
        self.out.push(Check {
            input: self.e.input.clone(),
            format: self.e.format,
            location: location.clone(),
            subject: self.e.subject.clone(),
            kind,
            field: field.to_owned(),
            expected,
            actual,
            status,
            cause,
            reason,
            hint,
        });
    }

    fn evidence(&mut self) {
        if let Proxy::Blind(why) = &self.e.proxy {
            let field = match self.e.format {
                Format::ConfigDump | Format::Bootstrap => "PROXY_CONFIG",
                _ => "istio-proxy",
            };
            let anchor = self.e.anchor.clone();
            self.push(
                CheckKind::Value,
                field,
                &anchor,
                None,
                None,
                Status::Unknown,
                None,
                format!("nothing here can be verified: {why}"),
                Some(match self.e.format {
                    Format::ConfigDump | Format::Bootstrap => {
                        "take the config dump of an Istio sidecar or gateway: kubectl exec POD -c istio-proxy -- pilot-agent request GET config_dump".to_owned()
                    }
                    _ => "pass an injected pod (one with an istio-proxy container), or check why it was not injected (sidecar.istio.io/inject, the namespace's istio-injection label)".to_owned(),
                }),
            );
            return;
        }
        let gateway = self.e.subject.gateway == Some(true);
        let log = self.e.format == Format::Log;
        for knob in [
            Knob::DrainDuration,
            Knob::TerminationDrainDuration,
            Knob::GatewayDrain,
        ] {
            if knob == Knob::GatewayDrain && !gateway {
                continue;
            }
            // A log's shutdown lines are checked below, against the period they announce.
            if log && knob != Knob::DrainDuration && self.e.observed(knob).is_none() {
                continue;
            }
            self.value(knob);
        }
        if self.e.grace.is_some() {
            self.grace();
        }
        if log {
            for t in &self.e.terminations {
                self.termination(t);
            }
            if let Some(why) = &self.e.no_termination {
                self.no_termination(why);
            }
        }
    }

    /// The expectation of a shutdown wait: the gateway's for a gateway (falling back to the
    /// mesh's terminationDrainDuration), the mesh's for a sidecar, and for a proxy of unknown
    /// role only when both agree.
    pub(super) fn wait_expectation(&self) -> (Knob, Lookup) {
        let s = &self.e.subject;
        let termination = self.expect.lookup(s, Knob::TerminationDrainDuration);
        match s.gateway {
            Some(false) => (Knob::TerminationDrainDuration, termination),
            Some(true) => match self.expect.lookup(s, Knob::GatewayDrain) {
                Lookup::Nothing(_) => (Knob::TerminationDrainDuration, termination),
                other => (Knob::GatewayDrain, other),
            },
            None => {
                let gw = self.expect.lookup(s, Knob::GatewayDrain);
                match (&termination, &gw) {
                    (Lookup::Found(a), Lookup::Found(b)) if a.value == b.value => {
                        (Knob::TerminationDrainDuration, termination)
                    }
                    (_, Lookup::Nothing(_) | Lookup::Ambiguous(_)) if matches!(self.expect, Expectations::Manifests(_)) => {
                        (Knob::TerminationDrainDuration, termination)
                    }
                    (Lookup::Nothing(_), Lookup::Nothing(_)) => (Knob::TerminationDrainDuration, termination),
                    _ => (
                        Knob::TerminationDrainDuration,
                        Lookup::Ambiguous(
                            "this evidence does not say whether it is a sidecar's or a gateway's, and the expected wait differs between them: pass --role sidecar or --role gateway (or use kubectl logs --prefix with --manifests)".to_owned(),
                        ),
                    ),
                }
            }
        }
    }

    pub(super) fn expected(x: &Expectation, comparison: Comparison) -> Expected {
        Expected {
            value: Value::new(x.written.clone(), Some(x.value), x.from.clone()),
            comparison,
        }
    }

    pub(super) fn actual(o: &Observed) -> Value {
        Value::new(o.written.clone(), o.value, o.source.clone())
    }

    /// A setting shown by the evidence, against its expected value.
    fn value(&mut self, knob: Knob) {
        let observed = self.e.observed(knob);
        let lookup = self.expect.lookup(&self.e.subject, knob);
        // What a log does not show is nowhere in it: no line to point at.
        let nowhere = if self.e.format == Format::Log {
            Location::default()
        } else {
            self.e.anchor.clone()
        };
        let location = observed.map_or(nowhere, |o| o.location.clone());
        let field = knob.name();
        match (lookup, observed) {
            (Lookup::Found(x), Some(o)) => self.compare(knob, &x, o),
            (Lookup::Found(x), None) => {
                let (why, hint) = self.not_shown(knob);
                self.push(
                    CheckKind::Value,
                    field,
                    &location,
                    Some(Self::expected(&x, Comparison::Equal)),
                    None,
                    Status::Unknown,
                    None,
                    why,
                    Some(hint),
                );
            }
            (Lookup::Ambiguous(why), None) => self.push(
                CheckKind::Value,
                field,
                &location,
                None,
                None,
                Status::Unknown,
                None,
                format!("what {field} should be is not clear: {why}"),
                None,
            ),
            (Lookup::Ambiguous(why), Some(o)) => self.push(
                CheckKind::Value,
                field,
                &location,
                None,
                Some(Self::actual(o)),
                Status::Unknown,
                None,
                format!(
                    "{field} is {} here, but what is expected is not clear: {why}",
                    o.written
                ),
                None,
            ),
            _ => {}
        }
    }

    /// Why the evidence does not show a knob, and where to look instead.
    fn not_shown(&self, knob: Knob) -> (String, String) {
        let field = knob.name();
        if let Some(hidden) = &self.e.hidden {
            return (
                format!("{field} is not shown: {hidden}"),
                "verify kubectl get pod NAME -o yaml, which has the whole annotation".to_owned(),
            );
        }
        match (self.e.format, knob) {
            (Format::ConfigDump | Format::Bootstrap, Knob::GatewayDrain) => (
                "a config dump does not show the gateway's TERMINATION_DRAIN_DURATION_SECONDS env, which TSB renders from its install CR's connectionDrainDuration".to_owned(),
                "verify the gateway's pod (kubectl get pod -o yaml) or its termination log".to_owned(),
            ),
            (Format::ConfigDump | Format::Bootstrap, _) => (
                format!("the bootstrap's PROXY_CONFIG does not carry {field}, so the value the proxy uses cannot be read from it"),
                "check the proxy's startup log (Effective config:) or its termination log".to_owned(),
            ),
            (Format::Pod | Format::Describe, Knob::GatewayDrain) => (
                "the pod has no TERMINATION_DRAIN_DURATION_SECONDS env, which TSB renders from an install gateway's connectionDrainDuration: either this is not a TSB install gateway, or its CR has no connectionDrainDuration (a gateway.tsb.tetrate.io IngressGateway is routing config, not the install CR)".to_owned(),
                "set spec.connectionDrainDuration on the install.tetrate.io gateway CR (meshdrain render does), or verify the gateway's termination log".to_owned(),
            ),
            (Format::Pod | Format::Describe, _) => (
                format!("the pod does not set {field} itself (no PROXY_CONFIG env, proxy.istio.io/config annotation or args entry for it): the proxy takes it from the mesh config, which a pod does not show"),
                "verify the proxy's config dump: kubectl exec POD -c istio-proxy -- pilot-agent request GET config_dump".to_owned(),
            ),
            (Format::Log, _) => (
                format!("the log does not show {field}: its startup lines (`Effective config:`, `Envoy command:`) are not in it"),
                "include the proxy's startup (kubectl logs POD -c istio-proxy from its start), or verify its config dump".to_owned(),
            ),
        }
    }

    pub(super) fn compare(&mut self, knob: Knob, x: &Expectation, o: &Observed) {
        let field = knob.name();
        let expected = Some(Self::expected(x, Comparison::Equal));
        let actual = Some(Self::actual(o));
        let location = o.location.clone();
        let Some(value) = o.value else {
            self.push(
                CheckKind::Value,
                field,
                &location,
                expected,
                actual,
                Status::Fail,
                Some(Cause::WrongObject),
                format!(
                    "{} sets {field} to {:?}, which is not a duration Istio reads ({} expects {})",
                    o.source, o.written, x.from, x.written
                ),
                Some(format!(
                    "write {field} as a Go duration such as \"{}\"",
                    canonical(x.value)
                )),
            );
            return;
        };
        if value == x.value {
            if let (Knob::TerminationDrainDuration, Some(exit)) = (knob, self.e.exit_on_zero()) {
                let reason = format!(
                    "{field} {} reached the proxy ({}), but {} sets EXIT_ON_ZERO_ACTIVE_CONNECTIONS=true: pilot-agent then waits MINIMUM_DRAIN_DURATION and exits when the connections reach zero, so {field} does not decide the wait (istio/istio#44690)",
                    canonical(value),
                    o.source,
                    exit.source
                );
                let hint = "drop EXIT_ON_ZERO_ACTIVE_CONNECTIONS (proxyMetadata) to make terminationDrainDuration the wait, or rely on MINIMUM_DRAIN_DURATION and the grace period".to_owned();
                self.push(
                    CheckKind::Value,
                    field,
                    &location,
                    expected,
                    actual,
                    Status::Fail,
                    Some(Cause::ExitOnZero),
                    reason,
                    Some(hint),
                );
                return;
            }
            let written = if o.written.trim() == canonical(value) {
                String::new()
            } else {
                format!(" (written {:?})", o.written)
            };
            let note = match (knob, self.e.subject.istio_minor()) {
                (Knob::GatewayDrain, Some((1, minor))) if minor >= 10 => format!(
                    "; upstream pilot-agent ignores TERMINATION_DRAIN_DURATION_SECONDS since Istio 1.10 (this proxy runs {}): its termination log shows whether this build reads it",
                    self.e.subject.istio_version.as_deref().unwrap_or("?")
                ),
                _ => String::new(),
            };
            self.push(
                CheckKind::Value,
                field,
                &location,
                expected,
                actual,
                Status::Pass,
                None,
                format!(
                    "{} has {field} {}{written}, as {} expects{note}",
                    o.source,
                    canonical(value),
                    x.from
                ),
                None,
            );
            return;
        }
        let default = knob.default_duration();
        let (cause, reason, hint) = if x.per_workload
            && o.scope == Scope::Pod
            && self.e.format != Format::Log
        {
            (
                Cause::PodsNotRestarted,
                format!(
                    "{} has {field} {}, but {} now says {}: the pod was created from an older pod template and not restarted since",
                    o.source,
                    canonical(value),
                    x.from,
                    x.written
                ),
                restart_hint(&self.e.subject),
            )
        } else if o.scope == Scope::Pod && o.source == ANNOTATION_SOURCE && !x.per_workload {
            (
                Cause::PodOverride,
                format!(
                    "{} sets {field} {}, which overrides the mesh default {} that {} expects: the value is set on the pod, not where the policy puts it",
                    o.source,
                    canonical(value),
                    x.written,
                    x.from
                ),
                format!(
                    "remove {field} from the pod's proxy.istio.io/config annotation, or set it to {}",
                    x.written
                ),
            )
        } else if default == Some(value) && !x.per_workload {
            (
                Cause::NotRestartedOrWrongObject,
                format!(
                    "{} has {field} {}, Istio's default, but {} expects {}: either the proxy started before the change (the TSB guide: a restart is required), or the setting never reached the mesh config (set on the wrong object: not in the last overlay for IstioOperator/tsb-istiocontrolplane, or not under meshConfig.defaultConfig)",
                    o.source,
                    canonical(value),
                    x.from,
                    x.written
                ),
                format!(
                    "run meshdrain check on the manifests that set it; then {}",
                    restart_hint(&self.e.subject)
                ),
            )
        } else {
            (
                Cause::PodsNotRestarted,
                format!(
                    "{} has {field} {}, but {} expects {}: the proxy still runs an older value, so its pod was not restarted after the change (the TSB guide: a restart is required){}",
                    o.source,
                    canonical(value),
                    x.from,
                    x.written,
                    if o.scope == Scope::Running {
                        ", or a proxy.istio.io/config annotation on the pod overrides it"
                    } else {
                        ""
                    }
                ),
                restart_hint(&self.e.subject),
            )
        };
        self.push(
            CheckKind::Value,
            field,
            &location,
            expected,
            actual,
            Status::Fail,
            Some(cause),
            reason,
            Some(hint),
        );
    }

    /// The pod's grace period must outlast istio-proxy's preStop hook plus its wait.
    fn grace(&mut self) {
        let Some(g) = &self.e.grace else { return };
        let field = "terminationGracePeriodSeconds";
        let location = g.location.clone();
        if self.e.proxy == (Proxy::Istio { native: true }) {
            self.push(
                CheckKind::GracePeriod, field, &location, None, None, Status::Unknown, None,
                "istio-proxy is a native sidecar: Kubernetes stops it after the application, pilot-agent drains on its preStop hook and exits at SIGTERM without waiting terminationDrainDuration, so the grace period must cover the application's shutdown, which the pod does not show".to_owned(),
                None,
            );
            return;
        }
        // The wait: exit-on-zero's minimum, else what the pod sets, else what is expected.
        let (wait, wait_from) = if let Some(exit) = self.e.exit_on_zero() {
            let min = self.e.observed(Knob::MinimumDrain);
            let value = min
                .and_then(|m| m.value)
                .or(Knob::MinimumDrain.default_duration());
            let from = match min {
                Some(m) => format!(
                    "MINIMUM_DRAIN_DURATION {} from {} (EXIT_ON_ZERO_ACTIVE_CONNECTIONS is on in {}; the proxy then stays until its connections close)",
                    m.written, m.source, exit.source
                ),
                None => format!(
                    "MINIMUM_DRAIN_DURATION 5s, Istio's default (EXIT_ON_ZERO_ACTIVE_CONNECTIONS is on in {}; the proxy then stays until its connections close)",
                    exit.source
                ),
            };
            (value, from)
        } else {
            let shown = [Knob::GatewayDrain, Knob::TerminationDrainDuration]
                .into_iter()
                .filter(|k| *k != Knob::GatewayDrain || self.e.subject.gateway == Some(true))
                .find_map(|k| self.e.observed(k).filter(|o| o.value.is_some()));
            match shown {
                Some(o) => (
                    o.value,
                    format!(
                        "{} {} from {}",
                        o.knob.name(),
                        o.value.map_or_else(|| o.written.clone(), canonical),
                        o.source
                    ),
                ),
                None => match self.wait_expectation() {
                    (knob, Lookup::Found(x)) => (
                        Some(x.value),
                        format!("{} {} expected by {}", knob.name(), x.written, x.from),
                    ),
                    (_, Lookup::Nothing(why) | Lookup::Ambiguous(why)) => {
                        self.push(
                            CheckKind::GracePeriod, field, &location, None, grace_actual(g), Status::Unknown, None,
                            format!("how long the proxy waits after SIGTERM is not known: the pod does not set terminationDrainDuration itself, and {why}"),
                            Some("pass the expected wait (--termination-drain-duration, or the policy's spec.sidecar.terminationDrainDuration), or verify a config dump".to_owned()),
                        );
                        return;
                    }
                },
            }
        };
        let Some(wait) = wait else { return };
        let Some(grace) = g.seconds else {
            self.push(
                CheckKind::GracePeriod, field, &location, None, None, Status::Unknown, None,
                "kubectl describe shows the grace period only while the pod terminates, so it is not known here".to_owned(),
                Some("verify kubectl get pod NAME -o yaml, which has spec.terminationGracePeriodSeconds".to_owned()),
            );
            return;
        };
        let prestop = g.proxy_prestop.unwrap_or(0.0);
        let needed = seconds(wait) + prestop;
        let prestop_text = match (g.hooks_shown, g.proxy_prestop) {
            (_, Some(s)) => format!(
                " plus istio-proxy's own preStop sleep of {}",
                show_seconds(s)
            ),
            (true, None) => String::new(),
            (false, None) => " (preStop hooks are not shown here)".to_owned(),
        };
        let needed_go = GoDuration((needed * crate::duration::SECOND as f64) as i64);
        let expected = Some(Expected {
            value: Value::new(
                format!(">{}", show_seconds(needed)),
                Some(needed_go),
                format!("{wait_from}{prestop_text}"),
            ),
            comparison: Comparison::MoreThan,
        });
        let actual = grace_actual(g);
        if (grace as f64) > needed {
            self.push(
                CheckKind::GracePeriod, field, &location, expected, actual, Status::Pass, None,
                format!("the grace period of {grace}s outlasts the proxy's drain: {wait_from}{prestop_text}"),
                None,
            );
        } else {
            self.push(
                CheckKind::GracePeriod, field, &location, expected, actual, Status::Fail, Some(Cause::GracePeriodTooShort),
                format!(
                    "the grace period of {grace}s{} is not longer than the proxy's drain ({}: {wait_from}{prestop_text}): kubelet kills the pod before the drain ends",
                    if g.written.is_none() { " (unset: Kubernetes' default)" } else { "" },
                    show_seconds(needed)
                ),
                Some(format!("set terminationGracePeriodSeconds to at least {} in the pod template, or shorten the drain", (needed + 5.0).ceil())),
            );
        }
    }
}

fn grace_actual(g: &super::Grace) -> Option<Value> {
    let secs = g.seconds?;
    let d = Some(GoDuration(
        secs.saturating_mul(crate::duration::SECOND as i64),
    ));
    Some(match &g.written {
        Some(w) => Value::new(
            w.clone(),
            d,
            "spec.terminationGracePeriodSeconds".to_owned(),
        ),
        None => Value::new("unset", d, "Kubernetes' default (30s)".to_owned()),
    })
}
