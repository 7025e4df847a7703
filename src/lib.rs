//! meshdrain applies and checks Istio/TSB graceful-drain settings in rendered Kubernetes
//! manifests, without touching anything else.
//!
//! Data flows one way: bytes ([`stream`]) → documents ([`document`]) → model ([`model`]) →
//! decisions ([`plan`]) → edits ([`edit`], checked against [`patch`]) → bytes ([`render`]).
//! Every message is a [`diagnostic::Diagnostic`].

pub mod cli;
pub mod diagnostic;
pub mod document;
pub mod duration;
pub mod edit;
pub mod model;
pub mod patch;
pub mod plan;
pub mod policy;
pub mod render;
pub mod stream;

use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use anyhow::Context;

use cli::{Cli, Command, RenderArgs};
use diagnostic::Diagnostic;
use policy::{DrainPolicy, Overrides, Setting};
use render::{Failure, FailureKind, RenderOptions};

/// Exit statuses, one table for every subcommand (DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Success = 0,
    Findings = 1,
    Invalid = 2,
    Internal = 3,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// The process's surroundings, passed in so tests need no process.
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdin_is_terminal: bool,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// The `MESHDRAIN_*` environment.
    pub env: BTreeMap<String, String>,
}

/// Reads the `MESHDRAIN_*` variables of this process.
pub fn meshdrain_env() -> BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with("MESHDRAIN_"))
        .collect()
}

/// Runs a parsed command line.
pub fn run(cli: Cli, io: &mut Io<'_>) -> ExitStatus {
    let args = match cli.command {
        Some(Command::Render(args)) => args,
        None => cli.render,
    };
    run_render(&args, io)
}

fn report(stderr: &mut dyn Write, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let _ = write!(stderr, "{}", d.render_text());
    }
}

fn failure_status(kind: FailureKind) -> ExitStatus {
    match kind {
        FailureKind::Invalid => ExitStatus::Invalid,
        FailureKind::Internal => ExitStatus::Internal,
    }
}

/// Builds the policy from the default, the environment and the flags.
pub fn policy_from(
    args: &RenderArgs,
    env: &BTreeMap<String, String>,
) -> Result<DrainPolicy, Vec<Diagnostic>> {
    let flag = |v: &Option<String>, name: &str| {
        v.as_ref().map(|value| Setting {
            value: value.clone(),
            source: format!("--{name}"),
        })
    };
    let flags = Overrides {
        drain_duration: flag(&args.drain_duration, "drain-duration"),
        termination_drain_duration: flag(
            &args.termination_drain_duration,
            "termination-drain-duration",
        ),
        gateway_drain_duration: flag(&args.gateway_drain_duration, "gateway-drain-duration"),
        on_conflict: args.on_conflict.map(|c| Setting {
            value: policy::OnConflict::from(c).as_str().to_owned(),
            source: "--on-conflict".to_owned(),
        }),
    };
    let overrides = Overrides::from_env(env).then(flags);
    let policy = DrainPolicy::default().with_overrides(&overrides)?;
    policy.validate(args.istio_version)?;
    Ok(policy)
}

/// Reads at most `limit + 1` bytes, so an oversized input is detected without reading it all.
fn read_input(stdin: &mut dyn Read, limit: usize) -> io::Result<Vec<u8>> {
    let mut input = Vec::new();
    stdin.take(limit as u64 + 1).read_to_end(&mut input)?;
    Ok(input)
}

fn run_render(args: &RenderArgs, io: &mut Io<'_>) -> ExitStatus {
    match render_stdin(args, io) {
        Ok(status) => status,
        Err(e) => {
            report(
                io.stderr,
                &[Diagnostic::error("io", format!("{e:#}"))
                    .with_hint("check the pipe or file meshdrain reads from and writes to")],
            );
            ExitStatus::Invalid
        }
    }
}

/// The render command; `Err` only for I/O failures (settings and input problems are
/// reported as diagnostics and give an exit status).
fn render_stdin(args: &RenderArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    let policy = match policy_from(args, &io.env) {
        Ok(p) => p,
        Err(diagnostics) => {
            report(io.stderr, &diagnostics);
            return Ok(ExitStatus::Invalid);
        }
    };
    if io.stdin_is_terminal {
        report(io.stderr, &[Diagnostic::error("no-input", "meshdrain reads manifests on stdin, and stdin is a terminal")
            .with_hint("pipe manifests in (helm template … | meshdrain) or use it as a Helm post-renderer: --post-renderer meshdrain")]);
        return Ok(ExitStatus::Invalid);
    }
    let options = RenderOptions {
        policy,
        limits: args.limits(),
        istio_version: args.istio_version,
        input_name: "<stdin>".to_owned(),
    };
    let input =
        read_input(io.stdin, options.limits.max_input_bytes).context("cannot read stdin")?;
    match render::render(&input, &options) {
        Ok(rendered) => {
            match rendered
                .write_to(io.stdout)
                .and_then(|()| io.stdout.flush())
            {
                // The reader went away (`| head`): not our failure.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitStatus::Success),
                written => written.context("cannot write stdout")?,
            }
            if args.verbose {
                report(io.stderr, &rendered.summary);
                let s = rendered.stats;
                let _ = writeln!(
                    io.stderr,
                    "meshdrain: {} document(s), {} TSB install resource(s): {} field(s) changed, {} already right, {} kept",
                    s.documents, s.resources, s.changed, s.unchanged, s.kept
                );
            }
            Ok(ExitStatus::Success)
        }
        Err(Failure { kind, diagnostics }) => {
            report(io.stderr, &diagnostics);
            let _ = writeln!(
                io.stderr,
                "meshdrain: {} error(s); nothing was written",
                diagnostics
                    .iter()
                    .filter(|d| d.severity == diagnostic::Severity::Error)
                    .count()
            );
            Ok(failure_status(kind))
        }
    }
}
