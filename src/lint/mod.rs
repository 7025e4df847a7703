//! `meshdrain check`: the offline drain linter.
//!
//! Inputs ([`input`]) are read one document at a time ([`read`]): each document parsed where
//! it matters and its objects classified by the shared [`crate::model`] (the same code decides
//! which overlay is effective and which resources are targets for `render`), in a [`Context`]
//! of that document. Each rule ([`rules`], one file per rule, one registry) looks at objects and
//! reports [`Finding`]s with symbolic locations (an object and a YAML path); the engine
//! ([`engine`]) resolves them into [`Diagnostic`]s with line:column spans while the document is
//! at hand, applies suppressions ([`suppress`]) and hands them to the reporters. Rules that
//! compare documents keep compact facts of each ([`facts`]) and report once all are read. The
//! documents of a large input are read on every core.

pub mod context;
pub mod engine;
pub mod facts;
pub mod input;
pub mod mesh_configs;
pub mod read;
mod resolve;
pub mod rules;
pub mod suppress;

use std::fmt;

use crate::diagnostic::{Diagnostic, Severity};
use crate::document::Limits;
use crate::input::Parallelism;
use crate::patch::Pointer;
use crate::policy::IstioVersion;

pub use context::{Class, Context, Object, ObjectId};
pub use facts::{DocFacts, Spot, StreamFacts};

/// A rule's identity and documentation (with the diagnostic, whose [`crate::diagnostic::Code`]
/// points at it).
pub use crate::diagnostic::RuleMeta;

/// A lint rule. Rules override the hooks they need.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Called once for every object. `check` gives it the context of the object's document
    /// alone: a rule that needs other documents keeps facts in [`Rule::gather`] and reports
    /// in [`Rule::check_facts`].
    fn check_object(&self, _cx: &Context, _object: &Object, _out: &mut Findings<'_>) {}

    /// Called once for every object (after the shared facts of [`facts::gather`] are taken):
    /// keeps what [`Rule::check_facts`] will need of it, or findings that wait for the other
    /// documents to decide.
    fn gather(&self, _cx: &Context, _object: &Object, _facts: &mut DocFacts) {}

    /// Called once, after every document was read, with the facts of all of them.
    fn check_facts(&self, _facts: &StreamFacts, _out: &mut Later<'_>) {}
}

/// Declares a rule's unit struct and its [`RuleMeta`], whose `doc` is the struct's own doc
/// comment (so `meshdrain explain` and rustdoc show the same text).
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident;
        code: $code:literal,
        name: $slug:literal,
        severity: $severity:ident,
        summary: $summary:literal $(,)?
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::lint::RuleMeta = $crate::lint::RuleMeta {
                code: $code,
                name: $slug,
                severity: $crate::diagnostic::Severity::$severity,
                summary: $summary,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}
pub(crate) use declare_rule;

/// What a rule found, before it is resolved to a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule that found it.
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    pub hint: Option<String>,
    /// The meshdrain command that fixes it, when there is one.
    pub fix: Option<String>,
    pub object: ObjectId,
    /// From the document root.
    pub pointer: Pointer,
    /// Point at the key rather than the value.
    pub at_key: bool,
}

impl Finding {
    pub fn hint(&mut self, hint: impl Into<String>) -> &mut Finding {
        self.hint = Some(hint.into());
        self
    }

    pub fn severity(&mut self, severity: Severity) -> &mut Finding {
        self.severity = severity;
        self
    }

    pub fn fix(&mut self, command: impl Into<String>) -> &mut Finding {
        self.fix = Some(command.into());
        self
    }

    pub fn at_key(&mut self) -> &mut Finding {
        self.at_key = true;
        self
    }
}

/// Where a rule puts its findings.
pub struct Findings<'a> {
    meta: &'static RuleMeta,
    list: &'a mut Vec<Finding>,
    notes: &'a mut Vec<String>,
}

impl Findings<'_> {
    /// What `f` reports as rule `meta` (to know whether a rule has findings before other
    /// documents decide them: see [`DocFacts::conditional`]); notes are dropped.
    pub fn collect(meta: &'static RuleMeta, f: impl FnOnce(&mut Findings<'_>)) -> Vec<Finding> {
        let (mut list, mut notes) = (Vec::new(), Vec::new());
        f(&mut Findings {
            meta,
            list: &mut list,
            notes: &mut notes,
        });
        list
    }

    /// A finding about `object` at `pointer` (from the document root).
    pub fn report(
        &mut self,
        object: &Object,
        pointer: Pointer,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.list.push(Finding {
            rule: self.meta,
            severity: self.meta.severity,
            message: message.into(),
            hint: None,
            fix: None,
            object: object.id,
            pointer,
            at_key: false,
        });
        let last = self.list.len() - 1;
        &mut self.list[last]
    }

    /// A line for `--verbose` (e.g. what a rule skipped and why).
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes
            .push(format!("{}: {}", self.meta.code, note.into()));
    }
}

/// How a finding decided by [`Rule::check_facts`] is reported: on its object's document,
/// read again (its context and the object), like [`Rule::check_object`].
pub type LateReport = Box<dyn FnOnce(&Context, &Object, &mut Findings<'_>) + Send>;

/// A finding (or a few) that [`Rule::check_facts`] decided, about the object at `spot`.
pub struct Request {
    pub spot: Spot,
    /// Ordered with the findings of `check_object` (by object), not in the order of the
    /// requests.
    pub by_object: bool,
    pub report: LateReport,
}

/// Where [`Rule::check_facts`] puts its findings.
pub struct Later<'a> {
    requests: &'a mut Vec<Request>,
    meta: &'static RuleMeta,
    notes: &'a mut Vec<String>,
}

impl Later<'_> {
    /// Findings about the object at `spot`: `report` makes them on its document.
    pub fn about(
        &mut self,
        spot: Spot,
        report: impl FnOnce(&Context, &Object, &mut Findings<'_>) + Send + 'static,
    ) {
        self.requests.push(Request {
            spot,
            by_object: false,
            report: Box::new(report),
        });
    }

    /// [`Later::about`], for a rule whose findings about an object come in the order of the
    /// objects (as `check_object`'s do).
    pub fn about_object(
        &mut self,
        spot: Spot,
        report: impl FnOnce(&Context, &Object, &mut Findings<'_>) + Send + 'static,
    ) {
        self.requests.push(Request {
            spot,
            by_object: true,
            report: Box::new(report),
        });
    }

    /// A line for `--verbose`.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes
            .push(format!("{}: {}", self.meta.code, note.into()));
    }
}

/// How the sidecar's wait on SIGTERM is modelled (GD007); also `--drain-model`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DrainModel {
    /// Istio's source: the agent waits `terminationDrainDuration` (5s when unset).
    #[default]
    #[value(help = "Istio's source: terminationDrainDuration (5s when unset)")]
    Istio,
    /// The TSB guide's reading: `drainDuration` (45s when unset).
    #[value(help = "The TSB guide: drainDuration (45s when unset)")]
    Guide,
}

impl fmt::Display for DrainModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DrainModel::Istio => "istio",
            DrainModel::Guide => "guide",
        })
    }
}

/// Everything a check needs besides the inputs.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub drain_model: DrainModel,
    pub istio_version: IstioVersion,
    pub limits: Limits,
    /// Suppressions from the policy file.
    pub ignores: Vec<suppress::IgnoreRule>,
    /// Report findings that an annotation or the policy would suppress.
    pub no_ignores: bool,
    /// The policy's `injectedNamespaces`: namespaces not in the input that Istio injects.
    pub injected_namespaces: Vec<crate::policy::matcher::NamePattern>,
    /// Istio injects native sidecars mesh-wide (`--native-sidecars`, the policy's
    /// `nativeSidecars`).
    pub native_sidecars: bool,
    /// Whether the documents of a large input are read on every core.
    pub parallelism: Parallelism,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            drain_model: DrainModel::Istio,
            istio_version: IstioVersion::DEFAULT,
            limits: Limits::default(),
            ignores: Vec::new(),
            injected_namespaces: Vec::new(),
            native_sidecars: false,
            no_ignores: false,
            parallelism: Parallelism::Auto,
        }
    }
}

/// The result of a check.
#[derive(Debug, Default)]
pub struct Report {
    /// Findings (and parse errors, GD000), in input order.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings hidden by suppressions.
    pub suppressed: usize,
    /// `--verbose` notes.
    pub notes: Vec<String>,
    pub files: usize,
    pub documents: usize,
    pub objects: usize,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Whether any finding is at or above `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.diagnostics.iter().any(|d| d.severity >= threshold)
    }
}

/// Checks the inputs.
pub fn check(inputs: Vec<input::Source>, options: &CheckOptions) -> Report {
    engine::check(inputs, options)
}

/// The registered rule with this code.
pub fn rule(code: &str) -> Option<&'static dyn Rule> {
    rules::RULES
        .iter()
        .copied()
        .find(|r| r.meta().code.eq_ignore_ascii_case(code))
}
