//! `meshdrain verify`: reads the evidence, resolves what it should show (the policy as render
//! resolves it, or `--manifests`), judges, reports, and maps the outcome to the exit status:
//! 0 a check passed and none failed, 1 a check failed or nothing could be verified, 2 usage
//! error or unusable input.

use std::collections::BTreeMap;

use crate::cli::{PolicyArgs, VerifyArgs, VerifyFormat};
use crate::diagnostic::Diagnostic;
use crate::drain::{self, Field};
use crate::integration::Mode;
use crate::lint::context::{Class, Context};
use crate::lint::{CheckOptions, input as lint_input};
use crate::policy::IstioVersion;
use crate::report::use_color;
use crate::verify::expect::{Expectations, Manifests, PolicyExpectations};
use crate::verify::{Outcome, input, judge, report};
use crate::{ExitStatus, Io};

use super::settings::{build_policy, policy_path};
use super::{report as report_diagnostics, write_output};

fn usage(io: &mut Io<'_>, message: &str, hint: &str) -> ExitStatus {
    report_diagnostics(
        io,
        &[Diagnostic::error("usage", message).with_hint(hint)],
        false,
    );
    ExitStatus::Invalid
}

/// Where each expected duration comes from, for messages: the flag, the environment, the
/// policy file, or the built-in policy.
fn sources(args: &VerifyArgs, env: &BTreeMap<String, String>) -> BTreeMap<Field, String> {
    let file = policy_path(args.policy.as_ref(), env);
    drain::settable()
        .map(|(f, s)| {
            let from = if args.durations.0.get(f.field).is_some() {
                format!("--{}", s.flag)
            } else if env.get(s.env).is_some_and(|v| !v.trim().is_empty()) {
                format!("environment variable {}", s.env)
            } else if let Some(path) = &file {
                format!("policy {}", path.display())
            } else {
                "the built-in policy".to_owned()
            };
            (f.field, from)
        })
        .collect()
}

fn expectations(args: &VerifyArgs, io: &mut Io<'_>) -> Result<Expectations, ExitStatus> {
    if args.manifests.is_empty() {
        let policy_args = PolicyArgs {
            policy: args.policy.clone(),
            durations: args.durations.0.clone(),
            on_conflict: None,
            istio_version: IstioVersion::DEFAULT,
            sidecar_targets: None,
        };
        return match build_policy(&policy_args, &io.env, Mode::PostRenderer, None) {
            Ok(policy) => Ok(Expectations::Policy(PolicyExpectations {
                policy,
                sources: sources(args, &io.env),
            })),
            Err(diagnostics) => {
                report_diagnostics(io, &diagnostics, false);
                Err(ExitStatus::Invalid)
            }
        };
    }
    if args.policy.is_some() || args.durations.0.iter().next().is_some() {
        return Err(usage(
            io,
            "--manifests and --policy or a duration flag both say what to expect",
            "use one: --manifests (what render wrote) or the policy and flags (what render was told)",
        ));
    }
    let limits = args.limits.limits();
    let sources =
        match lint_input::collect(&args.manifests, &[], io.stdin, None, limits.max_input_bytes) {
            Ok(s) => s,
            Err(d) => {
                report_diagnostics(io, &[d], false);
                return Err(ExitStatus::Invalid);
            }
        };
    let options = CheckOptions {
        limits,
        ..CheckOptions::default()
    };
    let (cx, errors) = Context::build(sources, &options);
    if !errors.is_empty() {
        report_diagnostics(io, &errors, false);
        let _ = writeln!(
            io.stderr,
            "meshdrain verify: --manifests must parse to say what to expect"
        );
        return Err(ExitStatus::Invalid);
    }
    let useful = cx.objects.iter().any(|o| {
        matches!(
            o.class,
            Class::Workload(_)
                | Class::InstallGateway(_)
                | Class::ControlPlane { .. }
                | Class::IstioOperator
                | Class::MeshConfig
        )
    });
    if !useful {
        return Err(usage(
            io,
            "--manifests holds no workload, install gateway or mesh config: nothing there says what to expect",
            "pass the rendered manifests of the workloads and the control plane (helm template … | meshdrain render > rendered.yaml)",
        ));
    }
    Ok(Expectations::Manifests(Manifests { cx }))
}

pub fn verify_command(args: &VerifyArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    if args.output_schema {
        write_output(io, |out| out.write_all(report::schema_json().as_bytes()))?;
        return Ok(ExitStatus::Success);
    }
    if args.inputs.is_empty() {
        return Ok(usage(
            io,
            "meshdrain verify needs evidence to read",
            "name files or pipe one in: kubectl exec POD -c istio-proxy -- pilot-agent request GET config_dump | meshdrain verify -",
        ));
    }
    let named: Vec<input::Named> = args
        .inputs
        .iter()
        .map(|a| input::parse_arg(a, args.input_format))
        .collect();
    let stdin_input = named.iter().any(|n| n.path == "-");
    if stdin_input && args.manifests.iter().any(|m| m.as_os_str() == "-") {
        return Ok(usage(
            io,
            "stdin is named both as an input and as --manifests",
            "save one of them to a file",
        ));
    }
    if io.stdin_is_terminal && (stdin_input || args.manifests.iter().any(|m| m.as_os_str() == "-"))
    {
        return Ok(usage(
            io,
            "`-` reads stdin, and stdin is a terminal",
            "pipe the evidence in: kubectl get pod POD -o yaml | meshdrain verify -",
        ));
    }
    let expect = match expectations(args, io) {
        Ok(e) => e,
        Err(status) => return Ok(status),
    };
    let limits = args.limits.limits();
    let evidence = match input::read_all(&named, io.stdin, &limits) {
        Ok(e) => e,
        Err(diagnostics) => {
            report_diagnostics(io, &diagnostics, false);
            let _ = writeln!(
                io.stderr,
                "meshdrain verify: {}; nothing was verified",
                crate::report::plural(diagnostics.len(), "unusable input")
            );
            return Ok(ExitStatus::Invalid);
        }
    };
    let outcome = Outcome {
        inputs: named.len(),
        checks: judge::judge(&evidence, &expect, args.role),
    };
    let expected_from = match expect {
        Expectations::Policy(_) => "policy",
        Expectations::Manifests(_) => "manifests",
    };
    let color = use_color(args.color, io.stdout_is_terminal, &io.env);
    write_output(io, |out| match args.format {
        VerifyFormat::Text => out.write_all(report::text(&outcome, color).as_bytes()),
        VerifyFormat::Json => out.write_all(report::json(&outcome, expected_from).as_bytes()),
    })?;
    if outcome.passed() {
        return Ok(ExitStatus::Success);
    }
    let failed = outcome.count(crate::verify::Status::Fail);
    let _ = if failed > 0 {
        writeln!(
            io.stderr,
            "meshdrain verify: {} failed",
            crate::report::plural(failed, "check")
        )
    } else {
        writeln!(
            io.stderr,
            "meshdrain verify: not verifiable: no check passed or failed ({} unknown)",
            outcome.count(crate::verify::Status::Unknown)
        )
    };
    Ok(ExitStatus::Findings)
}
