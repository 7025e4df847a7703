//! `meshdrain check`, `meshdrain explain` and the lint half of `render --check`.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::{CheckArgs, DocFormat, ExplainArgs, ExplainFormat, LintArgs};
use crate::diagnostic::{Diagnostic, Severity};
use crate::document::Limits;
use crate::lint::input::{self, Source, Treat};
use crate::lint::{self, CheckOptions, Report, rules::RULES};
use crate::policy::IstioVersion;
use crate::report::{Format, Paths, github, json, sarif, text, use_color};
use crate::{ExitStatus, Io};

use super::settings::{CheckPolicy, check_policy, git_root};
use super::{docs, report, write_output};

/// The check's options from the shared lint flags.
pub fn options(
    lint: &LintArgs,
    istio_version: IstioVersion,
    limits: Limits,
    policy: CheckPolicy,
) -> CheckOptions {
    CheckOptions {
        drain_model: lint.drain_model,
        istio_version,
        limits,
        ignores: policy.ignores,
        no_ignores: lint.no_ignores,
        injected_namespaces: policy.injected_namespaces,
        native_sidecars: policy.native_sidecars || lint.native_sidecars,
    }
}

/// `Found 2 errors, 1 warning and no infos in 3 files (12 documents, 9 objects).`
pub fn summary(report: &Report, fail_on: Severity) -> String {
    let count = |n: usize, what: &str| match n {
        0 => format!("no {what}s"),
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    };
    let mut s = if report.diagnostics.is_empty() {
        "No findings".to_owned()
    } else {
        format!(
            "Found {}, {} and {}",
            count(report.count(Severity::Error), "error"),
            count(report.count(Severity::Warning), "warning"),
            count(report.count(Severity::Info), "info")
        )
    };
    let plural = crate::report::plural;
    s.push_str(&format!(
        " in {} ({}, {})",
        count(report.files, "file"),
        plural(report.documents, "document"),
        plural(report.objects, "object")
    ));
    if report.suppressed > 0 {
        s.push_str(&format!(
            "; {} suppressed (--no-ignores shows them)",
            count(report.suppressed, "finding")
        ));
    }
    if report.fails(fail_on) {
        s.push_str(&format!("; failing at --fail-on {}.\n", fail_on.as_str()));
    } else {
        s.push_str(".\n");
    }
    s
}

/// How a report is written.
struct Style {
    format: Format,
    fail_on: Severity,
    color: bool,
    /// For the formats that name files from the repository root.
    paths: Paths,
}

fn write_report(out: &mut dyn Write, report: &Report, style: &Style) -> std::io::Result<()> {
    let Style {
        format,
        fail_on,
        color,
        ref paths,
    } = *style;
    match format {
        Format::Text => {
            for d in &report.diagnostics {
                out.write_all(text::render(d, color).as_bytes())?;
                out.write_all(b"\n")?;
            }
            out.write_all(summary(report, fail_on).as_bytes())
        }
        Format::Json => out.write_all(json::render(report, fail_on).as_bytes()),
        Format::Sarif => out.write_all(sarif::render(report, paths).as_bytes()),
        Format::Github => {
            for d in &report.diagnostics {
                out.write_all(github::render(d, paths).as_bytes())?;
            }
            Ok(())
        }
    }
}

pub fn check_command(args: &CheckArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    if args.output_schema {
        write_output(io, |out| out.write_all(json::schema_json().as_bytes()))?;
        return Ok(ExitStatus::Success);
    }
    let stdin = |p: &PathBuf| p.as_os_str() == "-";
    let mut paths = args.paths.clone();
    if args.stdin_filename.is_some() && paths.is_empty() && args.values.is_empty() {
        // `--stdin-filename` alone reads stdin, as ruff's does.
        paths.push(PathBuf::from("-"));
    }
    if paths.is_empty() && args.values.is_empty() {
        let d = Diagnostic::error("usage", "meshdrain check needs something to check")
            .with_hint("name files or directories (meshdrain check deploy/), or pipe a render in: helm template … | meshdrain check -");
        report(io, &[d], false);
        return Ok(ExitStatus::Invalid);
    }
    if args.stdin_filename.is_some() && !paths.iter().chain(&args.values).any(stdin) {
        let d = Diagnostic::error(
            "usage",
            "--stdin-filename names stdin, but stdin (`-`) is not among the inputs",
        )
        .with_hint("add `-` to read stdin (helm template … | meshdrain check --stdin-filename chart/rendered.yaml -), or drop --stdin-filename");
        report(io, &[d], false);
        return Ok(ExitStatus::Invalid);
    }
    if io.stdin_is_terminal && paths.iter().chain(&args.values).any(stdin) {
        let d = Diagnostic::error(
            "no-input",
            "`-` reads manifests on stdin, and stdin is a terminal",
        )
        .with_hint("pipe manifests in: helm template … | meshdrain check -");
        report(io, &[d], false);
        return Ok(ExitStatus::Invalid);
    }
    let cwd = std::env::current_dir().ok();
    let (policy, config) = match check_policy(args.policy.as_ref(), &io.env, cwd.as_deref()) {
        Ok(found) => found,
        Err(diagnostics) => {
            report(io, &diagnostics, false);
            return Ok(ExitStatus::Invalid);
        }
    };
    let limits = args.limits.limits();
    let sources = match input::collect(
        &paths,
        &args.values,
        io.stdin,
        args.stdin_filename.as_deref(),
        limits.max_input_bytes,
    ) {
        Ok(s) => s,
        Err(d) => {
            report(io, &[d], false);
            return Ok(ExitStatus::Invalid);
        }
    };
    let options = options(&args.lint, args.istio_version, limits, policy);
    let result = lint::check(sources, &options);
    let fail_on: Severity = args.lint.fail_on.into();
    let style = Style {
        format: args.format,
        fail_on,
        color: use_color(args.color, io.stdout_is_terminal, &io.env),
        paths: Paths {
            root: cwd.as_deref().and_then(git_root),
            cwd: cwd.unwrap_or_default(),
        },
    };
    write_output(io, |out| write_report(out, &result, &style))?;
    if args.verbose {
        if let Some(config) = &config {
            let _ = writeln!(
                io.stderr,
                "note: ignore rules from {} (spec.check)",
                config.display()
            );
        }
        for note in &result.notes {
            let _ = writeln!(io.stderr, "note: {note}");
        }
    }
    if result.fails(fail_on) {
        // The report may be going to a file or a parser (JSON, SARIF): say why the exit
        // status is 1 where a person sees it too.
        let failing = result
            .diagnostics
            .iter()
            .filter(|d| d.severity >= fail_on)
            .count();
        if args.exit_zero {
            let _ = writeln!(
                io.stderr,
                "meshdrain check: {failing} finding(s) at or above --fail-on {}; exit status 0 (--exit-zero)",
                fail_on.as_str()
            );
            return Ok(ExitStatus::Success);
        }
        let _ = writeln!(
            io.stderr,
            "meshdrain check: {failing} finding(s) at or above --fail-on {}",
            fail_on.as_str()
        );
        return Ok(ExitStatus::Findings);
    }
    Ok(ExitStatus::Success)
}

/// Lints a render's output; the findings at or above `fail_on` when there are any.
pub fn check_rendered(
    output: Vec<u8>,
    lint: &LintArgs,
    istio_version: IstioVersion,
    limits: Limits,
    policy: CheckPolicy,
) -> Option<Vec<Diagnostic>> {
    // The render already read this input; its output is a little larger.
    let limits = Limits {
        max_input_bytes: limits.max_input_bytes.saturating_mul(2),
        ..limits
    };
    let options = options(lint, istio_version, limits, policy);
    let result = lint::check(
        vec![Source {
            name: "<rendered output>".to_owned(),
            bytes: output,
            treat: Treat::Detect,
        }],
        &options,
    );
    let fail_on: Severity = lint.fail_on.into();
    result.fails(fail_on).then(|| {
        result
            .diagnostics
            .into_iter()
            .filter(|d| d.severity >= fail_on)
            .collect()
    })
}

pub fn explain_command(args: &ExplainArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    if let Some(resource) = &args.resource {
        return explain_resource(args, resource, io);
    }
    if matches!(args.format, ExplainFormat::Json | ExplainFormat::Svg) {
        let d = Diagnostic::error("usage", "--format json and svg are for explain --resource")
            .with_hint("use --format text or markdown for the rules");
        report(io, &[d], false);
        return Ok(ExitStatus::Invalid);
    }
    if args.args.len() > 1 || (args.all && !args.args.is_empty()) {
        let d = Diagnostic::error("usage", "meshdrain explain takes one rule code, or --all")
            .with_hint("meshdrain explain GD007, meshdrain explain --all, or meshdrain explain --resource KIND/NAMESPACE/NAME FILE… for a resource");
        report(io, &[d], false);
        return Ok(ExitStatus::Invalid);
    }
    let markdown = args.format == DocFormat::Markdown;
    let Some(code) = args.args.first() else {
        let text = match (args.all, markdown) {
            (true, true) => docs::rules_page(),
            (true, false) => RULES
                .iter()
                .map(|rule| rule.meta().explain())
                .collect::<Vec<_>>()
                .join("\n"),
            (false, true) => docs::rules_table(),
            (false, false) => docs::rules_list(),
        };
        write_output(io, |out| out.write_all(text.as_bytes()))?;
        return Ok(ExitStatus::Success);
    };
    match lint::rule(code) {
        Some(rule) => {
            let text = if markdown {
                docs::rule_markdown(rule.meta())
            } else {
                rule.meta().explain()
            };
            write_output(io, |out| out.write_all(text.as_bytes()))?;
            Ok(ExitStatus::Success)
        }
        None => {
            let d = Diagnostic::error("usage", format!("{code:?} is not a meshdrain rule"))
                .with_hint("`meshdrain explain` lists the rules");
            report(io, &[d], false);
            Ok(ExitStatus::Invalid)
        }
    }
}

/// `explain --resource KIND/NAMESPACE/NAME FILE…`.
fn explain_resource(
    args: &ExplainArgs,
    resource: &str,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let query: crate::explain::Query = match resource.parse() {
        Ok(q) => q,
        Err(e) => {
            let d = Diagnostic::error("usage", e)
                .with_hint("name the resource as KIND/NAMESPACE/NAME, e.g. Deployment/shop/web");
            report(io, &[d], false);
            return Ok(ExitStatus::Invalid);
        }
    };
    if args.args.is_empty() {
        let d = Diagnostic::error("usage", "explain --resource needs the manifests that hold the resource")
            .with_hint("name files or directories, or pipe a render in: helm template … | meshdrain explain --resource Deployment/shop/web -");
        report(io, &[d], false);
        return Ok(ExitStatus::Invalid);
    }
    let (policy, check_policy) = match &args.policy {
        Some(path) => {
            let text = match super::settings::read_policy_file(path) {
                Ok(t) => t,
                Err(d) => {
                    report(io, &d, false);
                    return Ok(ExitStatus::Invalid);
                }
            };
            match crate::policy::file::parse_file_text(&text, &path.display().to_string()) {
                Ok(p) => {
                    let c = CheckPolicy::of(&p);
                    (Some(p), c)
                }
                Err(d) => {
                    report(io, &d, false);
                    return Ok(ExitStatus::Invalid);
                }
            }
        }
        None => (None, CheckPolicy::default()),
    };
    let paths: Vec<std::path::PathBuf> = args.args.iter().map(std::path::PathBuf::from).collect();
    let limits = Limits::default();
    let sources = match input::collect(&paths, &[], io.stdin, None, limits.max_input_bytes) {
        Ok(s) => s,
        Err(d) => {
            report(io, &[d], false);
            return Ok(ExitStatus::Invalid);
        }
    };
    let options = CheckOptions {
        istio_version: args.istio_version,
        limits,
        injected_namespaces: check_policy.injected_namespaces,
        native_sidecars: check_policy.native_sidecars || args.native_sidecars,
        ..CheckOptions::default()
    };
    let (cx, _) = crate::lint::context::Context::build(sources, &options);
    let explanation = match crate::explain::explain(&cx, &query, policy.as_ref()) {
        Ok(e) => e,
        Err(d) => {
            report(io, &[d], false);
            return Ok(ExitStatus::Invalid);
        }
    };
    let text = match args.format {
        ExplainFormat::Text | ExplainFormat::Markdown => crate::explain::render::text(&explanation),
        ExplainFormat::Json => crate::explain::render::json(&explanation),
        ExplainFormat::Svg => crate::explain::svg::svg(&explanation),
    };
    write_output(io, |out| out.write_all(text.as_bytes()))?;
    Ok(ExitStatus::Success)
}
