//! JSON: one versioned document per run. The schema is generated from these types
//! (`meshdrain check --format json` output, `schema/check-output.v1.schema.json`).

use schemars::JsonSchema;
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Position, Severity};
use crate::lint::Report;

use super::HintStyle;

/// The version of this format; a breaking change gets a new one.
pub const VERSION: u32 = 1;

/// `meshdrain check --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "meshdrain check output, version 1")]
pub struct Output {
    /// Always 1 for this schema.
    pub version: u32,
    pub tool: Tool,
    pub summary: Summary,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub objects: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings hidden by `meshdrain.io/ignore` or the policy's `check.ignore`.
    pub suppressed: usize,
    /// The lowest severity that fails the run (`--fail-on`).
    pub fail_on: &'static str,
    /// Whether the run fails (exit status 1).
    pub failed: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The rule code, e.g. `GD007`.
    pub code: String,
    /// The rule's name, e.g. `drain-exceeds-grace-period`.
    pub rule: Option<String>,
    /// `error`, `warning` or `info`.
    pub severity: String,
    pub message: String,
    /// The input's path, or `<stdin>`.
    pub file: Option<String>,
    /// 1-based position of the document in its file.
    pub document: Option<usize>,
    /// Helm's `# Source:` template file for the document.
    pub source: Option<String>,
    pub resource: Option<Resource>,
    /// Dotted YAML path inside the resource, e.g. `spec.template.spec.terminationGracePeriodSeconds`.
    pub path: Option<String>,
    pub span: Option<Span>,
    /// What to do about it.
    pub hint: Option<String>,
    /// The meshdrain command that fixes it.
    pub fix: Option<String>,
    /// The suppression that would hide it (only with `--no-ignores`).
    pub suppressed_by: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Span {
    pub start: Point,
    pub end: Point,
}

/// 1-based line and column (in characters), and the 0-based byte offset in the file.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Point {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

fn point(p: &Position) -> Point {
    Point {
        line: p.line,
        column: p.column,
        byte: p.byte,
    }
}

fn finding(d: &Diagnostic) -> Finding {
    Finding {
        code: d.code_str().to_owned(),
        rule: d.rule().map(|r| r.name.to_owned()),
        severity: d.severity.as_str().to_owned(),
        message: d.message.clone(),
        file: d.origin.file.clone(),
        document: d.origin.document.map(|i| i + 1),
        source: d.origin.source.clone(),
        resource: d.resource.as_ref().map(|r| Resource {
            api_version: r.api_version.clone(),
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
        }),
        path: d.yaml_path.clone(),
        span: d.origin.span.as_ref().map(|s| Span {
            start: point(&s.start),
            end: point(&s.end),
        }),
        hint: super::hint(d, HintStyle::Plain),
        fix: d.fix.clone(),
        suppressed_by: d.suppressed.as_ref().map(ToString::to_string),
    }
}

/// The JSON document for a report.
pub fn output(report: &Report, fail_on: Severity) -> Output {
    Output {
        version: VERSION,
        tool: Tool {
            name: "meshdrain".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        summary: Summary {
            files: report.files,
            documents: report.documents,
            objects: report.objects,
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            infos: report.count(Severity::Info),
            suppressed: report.suppressed,
            fail_on: fail_on.as_str(),
            failed: report.fails(fail_on),
        },
        findings: report.diagnostics.iter().map(finding).collect(),
    }
}

pub fn render(report: &Report, fail_on: Severity) -> String {
    let mut s = serde_json::to_string_pretty(&output(report, fail_on)).unwrap_or_default();
    s.push('\n');
    s
}

/// The JSON Schema of the output.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Output);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
