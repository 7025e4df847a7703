//! What a render is given and what it gives back.

use std::ops::Range;

use crate::diagnostic::Diagnostic;
use crate::document::Limits;
use crate::policy::{DrainPolicy, IstioVersion};

/// Everything a render needs besides the input.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub policy: DrainPolicy,
    pub limits: Limits,
    pub istio_version: IstioVersion,
    /// Shown in diagnostics (`<stdin>` or a path).
    pub input_name: String,
    /// The input is a Helm values file (TSB's control plane chart: the ControlPlane spec under
    /// `spec:`; or Istio's istiod chart: `meshConfig`): its one document gets the sidecar
    /// settings.
    pub values_file: bool,
    /// The chart of the values file, when a flag says it (else its keys do).
    pub values_chart: Option<crate::model::classify::ValuesChart>,
    /// Whether documents are processed on every core.
    pub parallelism: Parallelism,
    /// Keep one summary diagnostic per drain field looked at ([`super::Rendered::summary`],
    /// for `-v` and KRM results). Without it only the counts are kept: on a large stream the
    /// diagnostics take more memory than the edits.
    pub summary: bool,
}

pub use crate::input::Parallelism;

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            policy: DrainPolicy::default(),
            limits: Limits::default(),
            istio_version: IstioVersion::DEFAULT,
            input_name: "<stdin>".to_owned(),
            values_file: false,
            parallelism: Parallelism::Auto,
            values_chart: None,
            summary: true,
        }
    }
}

/// Why a render produced no output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// Invalid input or settings (exit 2).
    Invalid,
    /// An edit failed its own verification: a bug (exit 3).
    Internal,
}

/// A failed run: what went wrong, as diagnostics.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} error(s), first: {}", diagnostics.len(), diagnostics.first().map_or("", |d| d.message.as_str()))]
pub struct Failure {
    pub kind: FailureKind,
    pub diagnostics: Vec<Diagnostic>,
}

impl Failure {
    pub fn invalid(diagnostics: Vec<Diagnostic>) -> Failure {
        Failure {
            kind: FailureKind::Invalid,
            diagnostics,
        }
    }
}

/// Counts for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub documents: usize,
    pub resources: usize,
    /// Upstream Istio mesh configs the policy reads (IstioOperator, the istiod chart's mesh
    /// ConfigMap, istiod values).
    pub mesh_configs: usize,
    /// Workloads of the kinds workload rules cover (counted only with workload rules).
    pub workloads: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub kept: usize,
    /// Workloads a rule matched and left alone (no sidecar, or a `skip` rule).
    pub skipped: usize,
}

/// One edited document: its byte range in the input and its new text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentEdit {
    /// 0-based index of the document in the stream.
    pub document: usize,
    /// The template file (`# Source:` or Helm 4's annotation), when known.
    pub source: Option<String>,
    pub range: Range<usize>,
    pub text: String,
}
