//! istio-proxy logs: what pilot-agent announced at startup and at shutdown, in each wording
//! Istio has used (`pkg/envoy/agent.go` and `pkg/envoy/proxy.go` from 1.5 to master; Envoy's
//! own `caught SIGTERM`), read in any order and with any of the prefixes [`super::logline`]
//! knows. One [`Evidence`] per pod and container the lines name (`kubectl logs --prefix`), or
//! one for the whole input.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diagnostic::LineIndex;
use crate::duration::{GoDuration, SECOND};

use super::logline::{self, Line, Source};
use super::{
    Announced, Ending, Evidence, Format, Knob, Location, Mark, Observed, Scope, Subject,
    Termination,
};

/// Wordings, newest spelling first where two exist. Each is matched at the start of a
/// record's message (pilot-agent writes no prefix of its own for the default scope).
pub mod wording {
    /// 1.5 – master: `Graceful termination period is %v, starting...`.
    pub const PERIOD_START: &str = "Graceful termination period is ";
    pub const PERIOD_START_END: &str = ", starting...";
    /// 1.5 – master.
    pub const PERIOD_COMPLETE: &str =
        "Graceful termination period complete, terminating remaining proxies.";
    /// 1.21 – master: Envoy exited first, or (exit-on-zero) the stats could not be read.
    pub const PREMATURE: &str = "Graceful termination logic ended prematurely";
    /// 1.12 – master (EXIT_ON_ZERO_ACTIVE_CONNECTIONS): `%v` is MINIMUM_DRAIN_DURATION.
    pub const EXIT_ON_ZERO_START: &str = "Agent draining proxy for ";
    pub const EXIT_ON_ZERO_START_END: &str = ", then waiting for active connections to terminate";
    /// 1.12 – master: the exit-on-zero wait starts polling.
    pub const CHECKING: &str = "Checking for active connections";
    /// 1.12 – master.
    pub const NO_MORE_CONNECTIONS: &str = "There are no more active connections. terminating proxy";
    /// 1.14 – master.
    pub const STILL_ACTIVE: &str = "There are still ";
    /// 1.14 – master: the stats are not there, so the wait ends.
    pub const STATS_NOT_AVAILABLE: &str = "downstream_cx_active are not available";
    /// 1.12 – master: an error reading the stats (1.12 – 1.22 end the wait on it; 1.23+ retry).
    pub const STATS_ERROR: &str = "unable to get listener stats from Envoy";
    pub const STATS_RETRY: &str = "Retrying (";
    /// 1.21 – master, native sidecars: the preStop hook's `POST /drain`.
    pub const DRAIN_HANDLED: &str = "handling /drain, starting drain";
    /// 1.21 – master, native sidecars: SIGTERM after the drain, no wait.
    pub const ALREADY_DRAINED: &str = "Agent already drained, exiting immediately";
    /// 1.5 – 1.20 `Agent draining Proxy`, 1.21 – master `Agent draining Proxy for termination`.
    pub const AGENT_DRAINING: &str = "Agent draining Proxy";
    /// 1.5 – master.
    pub const AGENT_TERMINATED: &str = "Agent has successfully terminated";
    /// Envoy's `server.cc`: `caught SIGTERM`, newer `caught ENVOY_SIGTERM`.
    pub const ENVOY_SIGTERM: [&str; 2] = ["caught SIGTERM", "caught ENVOY_SIGTERM"];
    /// The agent aborting Envoy at the end (1.5 – 1.14 epochs, 1.15 – master one proxy).
    pub const ABORTING: [&str; 4] = [
        "Aborting proxy",
        "Aborted proxy instance",
        "Envoy aborted",
        "Aborted all epochs",
    ];
    /// `pkg/envoy/proxy.go`: `Envoy command: %v` (`--drain-time-s <whole seconds>`).
    pub const ENVOY_COMMAND: &str = "Envoy command: ";
    /// `pilot-agent` `proxy` command: `Effective config: <ProxyConfig as YAML>`.
    pub const EFFECTIVE_CONFIG: &str = "Effective config: ";
    /// `Proxy role` (1.9+: `ips=… type=router id=…`; older: `Proxy role: &model.Proxy{Type:"router"…`).
    pub const PROXY_ROLE: &str = "Proxy role";
}

/// One record: a line with a level and the continuation lines after it.
struct Record<'a> {
    line: Line<'a>,
    /// 0-based physical line and its start in the input.
    number: usize,
    start: usize,
    rest: Vec<(usize, usize, Line<'a>)>,
}

/// Whether `text` looks like a log: most non-blank lines carry a timestamp.
pub fn looks_like_log(text: &str) -> bool {
    let mut lines = 0usize;
    let mut stamped = 0usize;
    for raw in crate::linebreak::text_lines(text).take(2000) {
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        lines += 1;
        if logline::parse(raw).stamped {
            stamped += 1;
        }
    }
    lines > 0 && stamped * 2 >= lines
}

/// The evidence of a log.
pub fn read(name: &str, text: &str) -> Vec<Evidence> {
    let index = LineIndex::new(text);
    let mut streams: BTreeMap<Option<Source>, Vec<Record<'_>>> = BTreeMap::new();
    let mut orphans: BTreeMap<Option<Source>, Vec<(usize, usize, Line<'_>)>> = BTreeMap::new();
    for (number, (start, bytes)) in crate::linebreak::lines(text.as_bytes()).enumerate() {
        let Some(raw) = text.get(start..start + bytes.len()) else {
            continue;
        };
        let raw = raw.trim_end_matches(['\n', '\r']);
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        let line = logline::parse(raw);
        let key = line.source.clone();
        let records = streams.entry(key.clone()).or_default();
        if line.level.is_some() {
            records.push(Record {
                line,
                number,
                start,
                rest: Vec::new(),
            });
        } else if let Some(last) = records.last_mut() {
            last.rest.push((number, start, line));
        } else {
            orphans.entry(key).or_default().push((number, start, line));
        }
    }
    let keys: Vec<Option<Source>> = streams.keys().chain(orphans.keys()).cloned().collect();
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for key in keys {
        if !seen.insert(key.clone()) {
            continue;
        }
        let mut records = streams.remove(&key).unwrap_or_default();
        let orphan_lines = orphans.remove(&key).unwrap_or_default();
        if newest_first(&records) {
            records.reverse();
        }
        out.push(stream(name, &index, key.as_ref(), &records, &orphan_lines));
    }
    if out.is_empty() {
        out.push(stream(name, &index, None, &[], &[]));
    }
    out
}

/// Whether the records run newest first: their timestamps mostly go down.
fn newest_first(records: &[Record<'_>]) -> bool {
    let times: Vec<i128> = records.iter().filter_map(|r| r.line.at).collect();
    let (mut up, mut down) = (0usize, 0usize);
    for pair in times.windows(2) {
        if let [a, b] = pair {
            if b > a {
                up += 1;
            } else if b < a {
                down += 1;
            }
        }
    }
    down > up
}

fn location(index: &LineIndex<'_>, start: usize, line: &Line<'_>) -> Location {
    match line.offset {
        Some(offset) => Location::at(
            index,
            start + offset,
            start + offset + line.text.len(),
            None,
        ),
        None => {
            // A JSON line: the whole line.
            let end = index.line_text(index.position(start).line).len();
            Location::at(index, start, start + end, None)
        }
    }
}

fn mark(index: &LineIndex<'_>, record: &Record<'_>) -> Mark {
    Mark {
        at: record.line.at,
        location: location(index, record.start, &record.line),
        text: record.line.text.trim().to_owned(),
    }
}

/// A message without the `scope\t` pilot-agent writes before it for a non-default scope.
fn without_scope(text: &str) -> &str {
    match text.split_once('\t') {
        Some((scope, rest))
            if scope.len() <= 24
                && scope.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
                }) =>
        {
            rest.trim_start()
        }
        _ => text,
    }
}

/// `%v` of a Go `time.Duration` between two fixed strings.
fn between<'t>(text: &'t str, head: &str, tail: &str) -> Option<&'t str> {
    let rest = text.strip_prefix(head)?;
    let end = rest.find(tail)?;
    rest.get(..end)
}

/// A scalar as text (`true`, `30s`, `5`).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn duration(written: &str) -> Option<GoDuration> {
    GoDuration::parse(written.trim()).ok()
}

struct Builder<'x, 'i> {
    index: &'x LineIndex<'i>,
    evidence: Evidence,
    open: Option<Termination>,
    /// A stats error seen since the last count or retry (exit-on-zero).
    stats_error: Option<Mark>,
    drain_requested: Option<Mark>,
}

impl Builder<'_, '_> {
    fn close(&mut self, ending: Ending, at: Mark) {
        if let Some(mut t) = self.open.take() {
            t.end = Some((ending, at));
            self.evidence.terminations.push(t);
        }
    }

    fn open(&mut self, announced: Announced, start: Mark) {
        if let Some(t) = self.open.take() {
            self.evidence.terminations.push(t);
        }
        self.stats_error = None;
        self.open = Some(Termination {
            announced,
            start,
            end: None,
            still_active: None,
        });
    }

    fn observe(
        &mut self,
        knob: Knob,
        written: String,
        value: Option<GoDuration>,
        location: Location,
        source: &str,
    ) {
        self.evidence.observed.push(Observed {
            knob,
            written,
            value,
            location,
            source: source.to_owned(),
            scope: Scope::Running,
        });
    }

    fn record(&mut self, record: &Record<'_>) {
        use wording as w;
        let text = without_scope(record.line.text.trim());
        let m = || mark(self.index, record);
        if let Some(period) = between(text, w::PERIOD_START, w::PERIOD_START_END) {
            let announced = Announced::Period {
                written: period.to_owned(),
                value: duration(period),
            };
            self.open(announced, m());
        } else if text.starts_with(w::PERIOD_COMPLETE) {
            self.close(Ending::Complete, m());
        } else if text.starts_with(w::PREMATURE) {
            self.close(Ending::Premature(text.to_owned()), m());
        } else if let Some(min) = between(text, w::EXIT_ON_ZERO_START, w::EXIT_ON_ZERO_START_END) {
            let announced = Announced::ExitOnZero {
                written: min.to_owned(),
                value: duration(min),
            };
            self.open(announced, m());
        } else if text.starts_with(w::CHECKING) {
            // The exit-on-zero wait, when its first line is not in the log.
            if self.open.is_none() {
                let announced = Announced::ExitOnZero {
                    written: String::new(),
                    value: None,
                };
                self.open(announced, m());
            }
        } else if text.starts_with(w::NO_MORE_CONNECTIONS) {
            self.close(Ending::NoMoreConnections, m());
        } else if let Some(n) = text
            .strip_prefix(w::STILL_ACTIVE)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
        {
            self.stats_error = None;
            if let Some(t) = self.open.as_mut() {
                t.still_active = Some(n);
            }
        } else if text.starts_with(w::STATS_NOT_AVAILABLE) {
            self.close(Ending::Premature(text.to_owned()), m());
        } else if text.starts_with(w::STATS_ERROR) {
            self.stats_error = Some(m());
        } else if text.starts_with(w::STATS_RETRY) {
            self.stats_error = None;
        } else if text.starts_with(w::DRAIN_HANDLED) {
            self.drain_requested = Some(m());
        } else if text.starts_with(w::ALREADY_DRAINED) {
            if !matches!(&self.open, Some(t) if t.announced == Announced::Drained) {
                let start = self.drain_requested.take().unwrap_or_else(m);
                self.open(Announced::Drained, start);
            }
            self.close(Ending::AlreadyDrained, m());
        } else if text == w::AGENT_DRAINING || text == "Agent draining Proxy for termination" {
            // SIGTERM. After a preStop `/drain` (native sidecar) no wait follows.
            if let Some(start) = self.drain_requested.take() {
                self.open(Announced::Drained, start);
            }
        } else if w::ENVOY_SIGTERM.iter().any(|s| text.contains(s)) {
            if self.open.is_some() {
                self.close(Ending::EnvoySignalled, m());
            }
        } else if w::ABORTING.iter().any(|s| text.starts_with(s)) {
            if let Some(error) = self.stats_error.take() {
                self.close(Ending::Premature(error.text.clone()), error);
            }
        } else if text.starts_with(w::AGENT_TERMINATED) {
            if self.open.is_some() {
                self.close(Ending::AgentTerminated, m());
            }
        } else if let Some(args) = text.strip_prefix(w::ENVOY_COMMAND) {
            self.envoy_command(args, record);
        } else if let Some(first) = text.strip_prefix(w::EFFECTIVE_CONFIG) {
            let mut yaml = String::from(first);
            for (_, _, line) in &record.rest {
                yaml.push('\n');
                yaml.push_str(&line.text);
            }
            let location = location(self.index, record.start, &record.line);
            self.effective_config(
                &yaml,
                location,
                "pilot-agent's `Effective config:` at startup",
            );
        } else if text.starts_with(w::PROXY_ROLE) {
            self.role(text);
        } else if let Some(v) = text.strip_prefix("Version ") {
            let version = v.split_whitespace().next().unwrap_or("");
            if version.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                self.evidence.subject.istio_version = Some(version.to_owned());
            }
        }
    }

    fn role(&mut self, text: &str) {
        let router = text.contains("type=router") || text.contains("Type:\"router\"");
        let sidecar = text.contains("type=sidecar") || text.contains("Type:\"sidecar\"");
        if router != sidecar {
            self.evidence.subject.gateway = Some(router);
            self.evidence.subject.role_reason = Some(format!(
                "the log's `Proxy role` line says {}",
                if router { "router" } else { "sidecar" }
            ));
        }
    }

    /// `Envoy command: [-c … --drain-time-s 45 …]`: Envoy's drain time is drainDuration in
    /// whole seconds.
    fn envoy_command(&mut self, args: &str, record: &Record<'_>) {
        let words: Vec<&str> = args
            .trim_matches(|c| c == '[' || c == ']')
            .split_whitespace()
            .collect();
        for pair in words.windows(2) {
            if let [flag, value] = pair {
                if *flag == "--drain-time-s"
                    && let Ok(secs) = value.parse::<i64>()
                {
                    let location = location(self.index, record.start, &record.line);
                    self.observe(
                        Knob::DrainDuration,
                        format!("{secs}"),
                        Some(GoDuration(secs.saturating_mul(SECOND as i64))),
                        location,
                        "Envoy's command line (--drain-time-s, whole seconds)",
                    );
                }
                if *flag == "--service-node" {
                    self.node_type(value);
                }
            }
        }
    }

    fn node_type(&mut self, node: &str) {
        match node.split('~').next() {
            Some("router") => {
                self.evidence.subject.gateway = Some(true);
                self.evidence.subject.role_reason =
                    Some("the log's Envoy command names a router node".to_owned());
            }
            Some("sidecar") => {
                self.evidence.subject.gateway = Some(false);
                self.evidence.subject.role_reason =
                    Some("the log's Envoy command names a sidecar node".to_owned());
            }
            _ => {}
        }
    }

    /// The ProxyConfig pilot-agent printed at startup (YAML, durations as protobuf JSON).
    fn effective_config(&mut self, yaml: &str, location: Location, source: &str) {
        let Ok(scan) = crate::document::scan(yaml) else {
            return;
        };
        if scan.alias_uses > 0 || scan.max_depth > 32 {
            return;
        }
        let Ok(Value::Object(config)) = serde_yaml::from_str::<Value>(yaml) else {
            return;
        };
        for (knob, key) in [
            (Knob::DrainDuration, "drainDuration"),
            (Knob::TerminationDrainDuration, "terminationDrainDuration"),
        ] {
            if let Some(v) = config.get(key).and_then(scalar) {
                self.observe(knob, v.clone(), duration(&v), location.clone(), source);
            }
        }
        if let Some(Value::Object(meta)) = config.get("proxyMetadata") {
            for (knob, key) in [
                (Knob::ExitOnZero, "EXIT_ON_ZERO_ACTIVE_CONNECTIONS"),
                (Knob::MinimumDrain, "MINIMUM_DRAIN_DURATION"),
            ] {
                if let Some(v) = meta.get(key).and_then(scalar) {
                    self.observe(knob, v.clone(), duration(&v), location.clone(), source);
                }
            }
        }
    }

    /// Lines of the startup config dump whose header is not in the log (a pasted tail):
    /// top-level `drainDuration:`/`terminationDrainDuration:` and `proxyMetadata`'s
    /// two-space-indented `EXIT_ON_ZERO_ACTIVE_CONNECTIONS:`/`MINIMUM_DRAIN_DURATION:`.
    fn orphan(&mut self, start: usize, line: &Line<'_>) {
        let text: &str = &line.text;
        let indent = text.len() - text.trim_start().len();
        let Some((key, value)) = text.trim().split_once(": ") else {
            return;
        };
        let value = value.trim().trim_matches(['"', '\'']);
        let knob = match (indent, key) {
            (0, "drainDuration") => Knob::DrainDuration,
            (0, "terminationDrainDuration") => Knob::TerminationDrainDuration,
            (2, "EXIT_ON_ZERO_ACTIVE_CONNECTIONS") => Knob::ExitOnZero,
            (2, "MINIMUM_DRAIN_DURATION") => Knob::MinimumDrain,
            _ => return,
        };
        let location = location(self.index, start, line);
        self.observe(
            knob,
            value.to_owned(),
            duration(value),
            location,
            "pilot-agent's startup dump of its effective config (its `Effective config:` header is not in this log)",
        );
    }
}

fn stream(
    name: &str,
    index: &LineIndex<'_>,
    source: Option<&Source>,
    records: &[Record<'_>],
    orphans: &[(usize, usize, Line<'_>)],
) -> Evidence {
    let subject = Subject {
        namespace: source.and_then(|s| s.namespace.clone()),
        pod: source.and_then(|s| s.pod.clone()),
        container: source.and_then(|s| s.container.clone()),
        ..Subject::default()
    };
    let first = records
        .iter()
        .map(|r| (r.number, r.start, &r.line))
        .chain(orphans.iter().map(|(n, s, l)| (*n, *s, l)))
        .min_by_key(|(n, _, _)| *n);
    let anchor = first.map_or_else(Location::default, |(_, start, line)| {
        location(index, start, line)
    });
    let mut b = Builder {
        index,
        evidence: Evidence::new(name, Format::Log, subject, anchor),
        open: None,
        stats_error: None,
        drain_requested: None,
    };
    for (_, start, line) in orphans {
        b.orphan(*start, line);
    }
    for record in records {
        b.record(record);
        if record
            .line
            .text
            .trim()
            .starts_with(wording::EFFECTIVE_CONFIG)
        {
            continue;
        }
        for (_, start, line) in &record.rest {
            b.orphan(*start, line);
        }
    }
    if let Some(t) = b.open.take() {
        b.evidence.terminations.push(t);
    }
    let mut evidence = b.evidence;
    if evidence.terminations.is_empty() {
        evidence.no_termination = Some(if records.is_empty() && orphans.is_empty() {
            "the log is empty of pilot-agent lines".to_owned()
        } else {
            "the log has no termination lines (`Graceful termination period is …`, \
             `Agent draining proxy for …`): it was captured while the proxy was still running"
                .to_owned()
        });
    }
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Evidence {
        let mut all = read("t", text);
        assert_eq!(all.len(), 1, "{all:?}");
        all.remove(0)
    }

    #[test]
    fn a_complete_graceful_termination() {
        let e = one(
            "2022-12-27T22:59:25.041071Z\tinfo\tAgent draining Proxy\n2022-12-27T22:59:25.041762Z\tinfo\tGraceful termination period is 5s, starting...\n2022-12-27T22:59:30.041945Z\tinfo\tGraceful termination period complete, terminating remaining proxies.\n",
        );
        assert_eq!(e.terminations.len(), 1);
        let t = &e.terminations[0];
        assert!(matches!(&t.announced, Announced::Period { written, .. } if written == "5s"));
        assert!(matches!(t.end, Some((Ending::Complete, _))));
        assert_eq!(t.start.location.line(), Some(2));
    }

    #[test]
    fn newest_first_logs_are_read_oldest_first() {
        let e = one(
            "2023-05-01T18:25:20.227079Z\tinfo\tThere are no more active connections. terminating proxy...\n2023-05-01T18:25:14.220630Z\tinfo\tAgent draining proxy for 5s, then waiting for active connections to terminate... <- note\n",
        );
        let t = &e.terminations[0];
        assert!(matches!(&t.announced, Announced::ExitOnZero { written, .. } if written == "5s"));
        assert!(matches!(t.end, Some((Ending::NoMoreConnections, _))));
    }

    #[test]
    fn prefixed_lines_are_separate_streams() {
        let all = read(
            "t",
            "[pod/a-1/istio-proxy] 2024-01-01T00:00:00Z info Graceful termination period is 5s, starting...\n[pod/b-1/istio-proxy] 2024-01-01T00:00:01Z info Agent draining Proxy\n",
        );
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].subject.pod.as_deref(), Some("a-1"));
        assert!(all[1].terminations.is_empty());
        assert!(all[1].no_termination.is_some());
    }

    #[test]
    fn startup_lines_show_settings() {
        let e = one(
            "2024-01-01T00:00:00Z\tinfo\tEffective config: binaryPath: /usr/local/bin/envoy\ndrainDuration: 45s\nproxyMetadata:\n  EXIT_ON_ZERO_ACTIVE_CONNECTIONS: \"true\"\nterminationDrainDuration: 30s\n2024-01-01T00:00:01Z\tinfo\tEnvoy command: [-c etc/istio/proxy/envoy-rev.json --drain-time-s 45 --drain-strategy immediate]\n",
        );
        let knobs: Vec<_> = e
            .observed
            .iter()
            .map(|o| (o.knob, o.written.as_str()))
            .collect();
        assert_eq!(
            knobs,
            [
                (Knob::DrainDuration, "45s"),
                (Knob::TerminationDrainDuration, "30s"),
                (Knob::ExitOnZero, "true"),
                (Knob::DrainDuration, "45"),
            ]
        );
        assert!(e.exit_on_zero().is_some());
    }

    #[test]
    fn a_scope_before_the_message() {
        let e = one(
            "2024-01-01T00:00:00Z\tinfo\tenvoy\tGraceful termination period is 5s, starting...\n",
        );
        assert_eq!(e.terminations.len(), 1);
    }

    #[test]
    fn detection() {
        assert!(looks_like_log("2024-01-01T00:00:00Z\tinfo\tx\n"));
        assert!(!looks_like_log("hello\nworld\n"));
        assert!(!looks_like_log(""));
    }
}
