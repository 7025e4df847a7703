//! How `verify` shows its checks: text, each check a [`Diagnostic`] rendered by the one text
//! renderer (`error[pods-not-restarted]`, `warning[unknown]`, `info[pass]`, with the evidence
//! line quoted), and a versioned JSON document whose schema is generated from these types
//! (`schema/verify-output.v1.schema.json`, `meshdrain verify --output-schema`).

use schemars::JsonSchema;
use serde::Serialize;

use crate::diagnostic::{Code, Diagnostic, Origin, ResourceRef, Severity};

use super::{Check, Expected, Outcome, Status, Value};

/// The version of the JSON format; a breaking change gets a new one.
pub const VERSION: u32 = 1;

/// The diagnostic a check is shown as.
pub fn diagnostic(c: &Check) -> Diagnostic {
    let (severity, code) = match c.status {
        Status::Pass => (Severity::Info, Code::Tool("pass")),
        Status::Unknown => (Severity::Warning, Code::Tool("unknown")),
        Status::Fail => (
            Severity::Error,
            Code::Tool(c.cause.map_or("fail", |cause| cause.as_str())),
        ),
    };
    let subject = c.subject.describe();
    let message = format!("{} of {subject}: {}", c.field, c.reason);
    let mut d = Diagnostic::new(severity, code, message);
    d.origin = Origin {
        file: Some(c.input.clone()),
        document: c.location.document,
        span: c.location.span,
        excerpt: c.location.excerpt.clone(),
        ..Origin::default()
    };
    d.resource = c.subject.pod.as_ref().map(|pod| ResourceRef {
        api_version: "v1".to_owned(),
        kind: "Pod".to_owned(),
        namespace: c.subject.namespace.clone(),
        name: Some(pod.clone()),
    });
    d.yaml_path = c.location.path.clone();
    d.hint = c.hint.clone();
    d
}

/// `Verified 3 inputs: 4 checks passed, 1 failed, 2 unknown (not counted).`
pub fn summary(o: &Outcome) -> String {
    let plural = crate::report::plural;
    let counts = format!(
        "{} passed, {} failed, {} unknown",
        o.count(Status::Pass),
        o.count(Status::Fail),
        o.count(Status::Unknown)
    );
    let verdict = if o.count(Status::Fail) > 0 {
        "FAIL: a check failed"
    } else if o.not_verifiable() {
        "NOT VERIFIABLE: nothing in the input let a check be made"
    } else {
        "PASS: the evidence shows the expected drain settings (unknown checks are listed, not counted)"
    };
    format!(
        "{} ({}): {counts}. {verdict}.\n",
        plural(o.inputs, "input"),
        plural(o.checks.len(), "check")
    )
}

/// The text report.
pub fn text(o: &Outcome, color: bool) -> String {
    let mut out = String::new();
    for c in &o.checks {
        out.push_str(&crate::report::text::render(&diagnostic(c), color));
        out.push('\n');
    }
    out.push_str(&summary(o));
    out
}

/// `meshdrain verify --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "meshdrain verify output, version 1")]
pub struct Output {
    /// Always 1 for this schema.
    pub version: u32,
    pub tool: Tool,
    /// Where the expected values came from: `policy` (the policy file, environment and
    /// flags, or the built-in policy) or `manifests` (`--manifests`).
    pub expected_from: String,
    pub summary: Summary,
    /// One entry per check, in input order.
    pub checks: Vec<JsonCheck>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Summary {
    pub inputs: usize,
    pub checks: usize,
    pub passed: usize,
    pub failed: usize,
    /// Listed, not counted: what the evidence cannot show.
    pub unknown: usize,
    /// `pass` (exit 0), `fail` or `not-verifiable` (exit 1).
    pub result: String,
}

/// Where a check's evidence is in its input.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonLocation {
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column, in characters.
    pub column: Option<usize>,
    /// A path inside the document: `configs[0].bootstrap.node.metadata.PROXY_CONFIG.drainDuration`.
    pub path: Option<String>,
    /// 1-based document or pod of a multi-document input.
    pub document: Option<usize>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonOwner {
    pub kind: Option<String>,
    pub name: String,
}

/// What the evidence is about.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JsonSubject {
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
    /// The pod's workload, when known.
    pub owner: Option<JsonOwner>,
    /// `sidecar`, `gateway`, or null when the evidence does not say.
    pub role: Option<String>,
    /// Why it is taken for a sidecar or a gateway (`its node id … is a router's`, `--role gateway`).
    pub role_from: Option<String>,
    /// The Istio version the proxy runs, when the evidence says.
    pub istio_version: Option<String>,
}

/// A duration as written and normalised.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonValue {
    /// As written in the evidence or the expectation (`1m30s`, `22`, `>35s`).
    pub written: String,
    /// protobuf JSON's canonical form (`90s`), or null when it is not a duration.
    pub normalised: Option<String>,
    /// Where it came from: `--drain-duration`, `node.metadata.PROXY_CONFIG`, …
    pub from: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonExpected {
    #[serde(flatten)]
    pub value: JsonValue,
    /// How the actual value must compare: `equal`, `more-than` or `at-least`.
    pub comparison: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonCheck {
    /// The input's path, or `<stdin>`.
    pub input: String,
    /// `config-dump`, `bootstrap`, `pod`, `describe` or `log`.
    pub format: String,
    pub location: JsonLocation,
    pub subject: JsonSubject,
    /// `value` (a setting reached the proxy), `grace-period` or `drain-completed`.
    pub check: String,
    /// `drainDuration`, `terminationDrainDuration`, `connectionDrainDuration`,
    /// `terminationGracePeriodSeconds`, …
    pub field: String,
    pub expected: Option<JsonExpected>,
    pub actual: Option<JsonValue>,
    /// `pass`, `fail` or `unknown`.
    pub status: String,
    /// The usual cause of a failure: `pods-not-restarted`, `wrong-object`,
    /// `not-restarted-or-wrong-object`, `pod-override`, `grace-period-too-short`,
    /// `exit-on-zero`, `drain-cut-short`.
    pub cause: Option<String>,
    /// Why this status.
    pub reason: String,
    /// What to do about it.
    pub hint: Option<String>,
}

fn json_value(v: &Value) -> JsonValue {
    JsonValue {
        written: v.written.clone(),
        normalised: v.normalised.clone(),
        from: v.from.clone(),
    }
}

fn json_expected(e: &Expected) -> JsonExpected {
    JsonExpected {
        value: json_value(&e.value),
        comparison: e.comparison.as_str().to_owned(),
    }
}

fn json_check(c: &Check) -> JsonCheck {
    let s = &c.subject;
    JsonCheck {
        input: c.input.clone(),
        format: c.format.as_str().to_owned(),
        location: JsonLocation {
            line: c.location.span.map(|s| s.start.line),
            column: c.location.span.map(|s| s.start.column),
            path: c.location.path.clone(),
            document: c.location.document.map(|d| d + 1),
        },
        subject: JsonSubject {
            namespace: s.namespace.clone(),
            pod: s.pod.clone(),
            container: s.container.clone(),
            owner: s.owner.as_ref().map(|o| JsonOwner {
                kind: o.kind.clone(),
                name: o.name.clone(),
            }),
            role: s
                .gateway
                .map(|g| if g { "gateway" } else { "sidecar" }.to_owned()),
            role_from: s.role_reason.clone(),
            istio_version: s.istio_version.clone(),
        },
        check: c.kind.as_str().to_owned(),
        field: c.field.clone(),
        expected: c.expected.as_ref().map(json_expected),
        actual: c.actual.as_ref().map(json_value),
        status: c.status.as_str().to_owned(),
        cause: c.cause.map(|k| k.as_str().to_owned()),
        reason: c.reason.clone(),
        hint: c.hint.clone(),
    }
}

/// The JSON document for an outcome.
pub fn output(o: &Outcome, expected_from: &str) -> Output {
    let result = if o.count(Status::Fail) > 0 {
        "fail"
    } else if o.not_verifiable() {
        "not-verifiable"
    } else {
        "pass"
    };
    Output {
        version: VERSION,
        tool: Tool {
            name: "meshdrain".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        expected_from: expected_from.to_owned(),
        summary: Summary {
            inputs: o.inputs,
            checks: o.checks.len(),
            passed: o.count(Status::Pass),
            failed: o.count(Status::Fail),
            unknown: o.count(Status::Unknown),
            result: result.to_owned(),
        },
        checks: o.checks.iter().map(json_check).collect(),
    }
}

pub fn json(o: &Outcome, expected_from: &str) -> String {
    let mut s = serde_json::to_string_pretty(&output(o, expected_from)).unwrap_or_default();
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
