//! `meshdrain check`: the offline drain linter.
//!
//! Inputs ([`input`]) become a [`Context`]: every document parsed where it matters and every
//! object classified by the shared [`crate::model`] (the same code decides which overlay is
//! effective and which resources are targets for `render`). Each rule ([`rules`], one file per
//! rule, one registry) looks at objects and reports [`Finding`]s with symbolic locations (an
//! object and a YAML path); the engine resolves them into [`Diagnostic`]s with line:column
//! spans, applies suppressions ([`suppress`]) and hands them to the reporters.

pub mod context;
pub mod input;
pub mod mesh_configs;
mod resolve;
pub mod rules;
pub mod suppress;

use std::fmt;

use crate::diagnostic::{Diagnostic, Severity};
use crate::document::Limits;
use crate::patch::Pointer;
use crate::policy::IstioVersion;

pub use context::{Class, Context, Object, ObjectId};

/// A rule's identity and documentation (with the diagnostic, whose [`crate::diagnostic::Code`]
/// points at it).
pub use crate::diagnostic::RuleMeta;

/// A lint rule. Rules override the hooks they need.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Called once for every object.
    fn check_object(&self, _cx: &Context, _object: &Object, _out: &mut Findings<'_>) {}

    /// Called once with every object, for rules that compare objects.
    fn check_all(&self, _cx: &Context, _out: &mut Findings<'_>) {}
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
    let (cx, mut diagnostics) = Context::build(inputs, options);
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    for rule in rules::RULES {
        let mut out = Findings {
            meta: rule.meta(),
            list: &mut findings,
            notes: &mut notes,
        };
        for object in &cx.objects {
            rule.check_object(&cx, object, &mut out);
        }
        rule.check_all(&cx, &mut out);
    }
    let mut suppressed = 0;
    let mut indexes = std::collections::HashMap::new();
    for finding in findings {
        let mut d = cx.resolve_with(&finding, &mut indexes);
        match suppress::suppression(&cx, &finding, options) {
            Some(suppression) if options.no_ignores => d.suppressed = Some(suppression),
            Some(_) => {
                suppressed += 1;
                continue;
            }
            None => {}
        }
        diagnostics.push(d);
    }
    let order: std::collections::HashMap<&str, usize> = cx
        .inputs
        .iter()
        .enumerate()
        .map(|(i, input)| (input.name.as_str(), i))
        .collect();
    diagnostics.sort_by_key(|d| {
        (
            d.origin
                .file
                .as_deref()
                .and_then(|f| order.get(f).copied())
                .unwrap_or(usize::MAX),
            d.origin.span.map_or(0, |s| s.start.byte),
            d.code_str(),
        )
    });
    diagnostics.dedup();
    Report {
        diagnostics,
        suppressed,
        notes,
        files: cx.inputs.len(),
        documents: cx.document_count(),
        objects: cx.objects.len(),
    }
}

/// The registered rule with this code.
pub fn rule(code: &str) -> Option<&'static dyn Rule> {
    rules::RULES
        .iter()
        .copied()
        .find(|r| r.meta().code.eq_ignore_ascii_case(code))
}
