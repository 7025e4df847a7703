//! What evidence says: the format it came in, whom it is about ([`Subject`]), the drain values
//! it shows ([`Observed`]), a pod's grace period ([`Grace`]) and a log's shutdowns
//! ([`Termination`]). Every reader produces these; the judge only reads them.

use std::collections::BTreeMap;

use crate::diagnostic::{LineIndex, TextSpan};
use crate::duration::GoDuration;

/// Every input format `verify` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// Envoy's admin `/config_dump` (`pilot-agent request GET config_dump`): `configs[]`
    /// with a `BootstrapConfigDump`
    ConfigDump,
    /// An Envoy bootstrap (`/etc/istio/proxy/envoy-rev.json`), or `istioctl proxy-config
    /// bootstrap -o json`
    Bootstrap,
    /// `kubectl get pod -o yaml|json`: one Pod or a List of Pods
    Pod,
    /// The text of `kubectl describe pod`
    Describe,
    /// `kubectl logs … -c istio-proxy`: text or JSON lines, any order, with or without
    /// `--prefix`/`--timestamps`
    Log,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::ConfigDump => "config-dump",
            Format::Bootstrap => "bootstrap",
            Format::Pod => "pod",
            Format::Describe => "describe",
            Format::Log => "log",
        }
    }

    pub const ALL: [Format; 5] = [
        Format::ConfigDump,
        Format::Bootstrap,
        Format::Pod,
        Format::Describe,
        Format::Log,
    ];

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

/// What a proxy is, as far as the expected values go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Decide from the evidence (node id, `proxy router` args, gateway labels, the
    /// TERMINATION_DRAIN_DURATION_SECONDS env, `--manifests`)
    Auto,
    /// An application pod's sidecar
    Sidecar,
    /// A gateway (TSB install gateway or Istio gateway)
    Gateway,
}

/// The kind of workload that owns a pod, and its name, with how that was learnt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// `Deployment`, `StatefulSet`, …
    pub kind: Option<String>,
    pub name: String,
    /// `ownerReferences`, `Controlled By`, the proxy's `OWNER` metadata, the pod's name.
    pub how: &'static str,
}

/// What a piece of evidence is about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    pub namespace: Option<String>,
    pub pod: Option<String>,
    /// The container the evidence is from (`istio-proxy`).
    pub container: Option<String>,
    pub owner: Option<Owner>,
    /// `None`: not known (a log without a prefix, a bootstrap without a node id type).
    pub gateway: Option<bool>,
    /// Why it is taken for a gateway or a sidecar.
    pub role_reason: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// The Istio version the proxy runs, when the evidence says (`1.20.0`).
    pub istio_version: Option<String>,
}

impl Subject {
    /// `shop/web-5d9f-abcde`, `pod web`, or what else is known.
    pub fn describe(&self) -> String {
        let who = match (&self.namespace, &self.pod) {
            (Some(ns), Some(pod)) => format!("pod {ns}/{pod}"),
            (None, Some(pod)) => format!("pod {pod}"),
            (Some(ns), None) => format!("a proxy in namespace {ns}"),
            (None, None) => "the proxy".to_owned(),
        };
        match self.gateway {
            Some(true) => format!("gateway {who}"),
            _ => who,
        }
    }

    /// The Istio minor version, when known.
    pub fn istio_minor(&self) -> Option<(u32, u32)> {
        let v = self.istio_version.as_deref()?;
        let v = v.trim_start_matches('v');
        let mut parts = v.split(['.', '-']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some((major, minor))
    }
}

/// Where in an input a check's evidence is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub span: Option<TextSpan>,
    /// The source line, for text output.
    pub excerpt: Option<String>,
    /// A path inside the document (`configs[0].bootstrap.node.metadata.PROXY_CONFIG.drainDuration`,
    /// `spec.containers[1].env[3].value`), when it has one.
    pub path: Option<String>,
    /// The document of a multi-document input (0-based).
    pub document: Option<usize>,
}

/// The longest line a location quotes.
const MAX_EXCERPT: usize = 1024;

impl Location {
    /// The bytes `start..end` of `index`'s text, with `path`.
    pub fn at(index: &LineIndex<'_>, start: usize, end: usize, path: Option<String>) -> Location {
        let span = index.span(start, end.max(start));
        let line = index.line_text(span.start.line);
        Location {
            span: Some(span),
            excerpt: (line.len() <= MAX_EXCERPT).then(|| line.to_owned()),
            path,
            document: None,
        }
    }

    pub fn path(path: impl Into<String>) -> Location {
        Location {
            path: Some(path.into()),
            ..Location::default()
        }
    }

    pub fn line(&self) -> Option<usize> {
        self.span.as_ref().map(|s| s.start.line)
    }
}

/// A drain knob a piece of evidence can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Knob {
    /// `ProxyConfig.drainDuration` (Envoy's `--drain-time-s`).
    DrainDuration,
    /// `ProxyConfig.terminationDrainDuration`: pilot-agent's wait after SIGTERM.
    TerminationDrainDuration,
    /// A gateway's `TERMINATION_DRAIN_DURATION_SECONDS`, as TSB renders a gateway's
    /// `connectionDrainDuration`.
    GatewayDrain,
    /// `EXIT_ON_ZERO_ACTIVE_CONNECTIONS` (env or `proxyMetadata`).
    ExitOnZero,
    /// `MINIMUM_DRAIN_DURATION` (env or `proxyMetadata`).
    MinimumDrain,
}

impl Knob {
    /// The name the JSON output and messages use: the setting's own name.
    pub fn name(self) -> &'static str {
        match self {
            Knob::DrainDuration => "drainDuration",
            Knob::TerminationDrainDuration => "terminationDrainDuration",
            Knob::GatewayDrain => "connectionDrainDuration",
            Knob::ExitOnZero => "EXIT_ON_ZERO_ACTIVE_CONNECTIONS",
            Knob::MinimumDrain => "MINIMUM_DRAIN_DURATION",
        }
    }

    /// Istio's (or TSB's) default when nothing sets it.
    pub fn default_duration(self) -> Option<GoDuration> {
        use crate::drain::Field;
        let field = match self {
            Knob::DrainDuration => Field::DrainDuration,
            Knob::TerminationDrainDuration => Field::TerminationDrainDuration,
            Knob::GatewayDrain => Field::ConnectionDrainDuration,
            Knob::MinimumDrain => return Some(GoDuration(5 * crate::duration::SECOND as i64)),
            Knob::ExitOnZero => return None,
        };
        Some(field.spec().default_duration())
    }
}

/// How far an observed value is what the running proxy uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// What the proxy runs with: its bootstrap, its startup log, its termination log.
    Running,
    /// A per-pod setting (annotation, `PROXY_CONFIG` env, container env or args): it wins
    /// over the mesh config when the proxy starts.
    Pod,
}

/// One value the evidence shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    pub knob: Knob,
    /// As written (`"1m30s"`, `22`, `true`).
    pub written: String,
    /// As a duration, when it is one (`None` for a value that does not parse, and for
    /// booleans).
    pub value: Option<GoDuration>,
    pub location: Location,
    /// Where it was read: `node.metadata.PROXY_CONFIG`, `the proxy.istio.io/config annotation`.
    pub source: String,
    pub scope: Scope,
}

impl Observed {
    /// Go's `strconv.ParseBool`, which pilot-agent's env reader uses.
    pub fn as_bool(&self) -> Option<bool> {
        match self.written.trim() {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
            _ => None,
        }
    }
}

/// Whether the evidence shows an Istio proxy at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proxy {
    /// An Istio sidecar or gateway proxy; `native` when `istio-proxy` is a native sidecar
    /// (an init container that keeps running).
    Istio { native: bool },
    /// Nothing here shows an Istio proxy's drain settings; why.
    Blind(String),
}

/// A pod's grace period and preStop sleeps, as its spec says.
#[derive(Clone, Debug, PartialEq)]
pub struct Grace {
    /// `None` when the evidence does not show it (`kubectl describe` prints it only while the
    /// pod terminates).
    pub seconds: Option<i64>,
    /// As written, or `None` when unset (Kubernetes' default applies).
    pub written: Option<String>,
    pub location: Location,
    /// Whether the evidence shows lifecycle hooks at all (`kubectl describe` does not).
    pub hooks_shown: bool,
    /// The istio-proxy container's own preStop sleep, in seconds.
    pub proxy_prestop: Option<f64>,
}

/// How a termination ended in a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// `Graceful termination period complete, terminating remaining proxies.`
    Complete,
    /// `There are no more active connections. terminating proxy...`
    NoMoreConnections,
    /// `Graceful termination logic ended prematurely, …`, or the exit-on-zero loop giving up
    /// on the stats; the line's text.
    Premature(String),
    /// Envoy's own `caught SIGTERM` / `caught ENVOY_SIGTERM`: the container runtime signalled it.
    EnvoySignalled,
    /// `Agent already drained, exiting immediately` (native sidecar).
    AlreadyDrained,
    /// `Agent has successfully terminated`, with no other ending before it.
    AgentTerminated,
}

/// A point in a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// Nanoseconds since the Unix epoch, when the line has a timestamp.
    pub at: Option<i128>,
    pub location: Location,
    /// The message, for reasons.
    pub text: String,
}

/// How pilot-agent announced its shutdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Announced {
    /// `Graceful termination period is %v, starting...`: the period as written (Go's
    /// `Duration.String()`), parsed.
    Period {
        written: String,
        value: Option<GoDuration>,
    },
    /// `Agent draining proxy for %v, then waiting for active connections to terminate...`:
    /// EXIT_ON_ZERO_ACTIVE_CONNECTIONS, `%v` is MINIMUM_DRAIN_DURATION.
    ExitOnZero {
        written: String,
        value: Option<GoDuration>,
    },
    /// `handling /drain, starting drain` then, on SIGTERM, no wait (native sidecar).
    Drained,
}

/// One shutdown in a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Termination {
    pub announced: Announced,
    pub start: Mark,
    pub end: Option<(Ending, Mark)>,
    /// `There are still N active connections`: the last count seen.
    pub still_active: Option<u64>,
}

/// Everything one input says about one proxy (or pod).
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// The input's name (a path, or `<stdin>`).
    pub input: String,
    pub format: Format,
    pub subject: Subject,
    /// Where the subject is described (the pod's metadata, the bootstrap's node, the log's
    /// first line).
    pub anchor: Location,
    pub proxy: Proxy,
    pub observed: Vec<Observed>,
    pub grace: Option<Grace>,
    pub terminations: Vec<Termination>,
    /// A log that shows no shutdown: why the termination checks cannot be made.
    pub no_termination: Option<String>,
    /// Why the drain settings this evidence would show are hidden (kubectl describe
    /// shortened the pod's proxy.istio.io/config annotation, which wins over the env).
    pub hidden: Option<String>,
}

/// The `source` of a value read from a pod's `proxy.istio.io/config` annotation.
pub const ANNOTATION_SOURCE: &str = "the pod's proxy.istio.io/config annotation";

impl Evidence {
    pub fn new(input: &str, format: Format, subject: Subject, anchor: Location) -> Evidence {
        Evidence {
            input: input.to_owned(),
            format,
            subject,
            anchor,
            proxy: Proxy::Istio { native: false },
            observed: Vec::new(),
            grace: None,
            terminations: Vec::new(),
            no_termination: None,
            hidden: None,
        }
    }

    /// The value the evidence shows for `knob` that the proxy really uses: a running value
    /// first, else the last pod-level one.
    pub fn observed(&self, knob: Knob) -> Option<&Observed> {
        let of = |scope| {
            self.observed
                .iter()
                .rev()
                .find(|o| o.knob == knob && o.scope == scope)
        };
        of(Scope::Running).or_else(|| of(Scope::Pod))
    }

    /// Whether the evidence shows EXIT_ON_ZERO_ACTIVE_CONNECTIONS on.
    pub fn exit_on_zero(&self) -> Option<&Observed> {
        self.observed(Knob::ExitOnZero)
            .filter(|o| o.as_bool() == Some(true))
    }
}
