//! The commands: `render` (post-renderer, kustomize transformer or KRM function), `values` and
//! `policy`. Everything here reads and writes through [`Io`], so tests need no process.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};

use anyhow::Context;

use crate::cli::{Cli, Command, PolicyCommandArgs, RenderArgs, ValuesArgs};
use crate::diagnostic::{Diagnostic, Severity};
use crate::document::Tree;
use crate::integration::{helm, krm};
use crate::model;
use crate::policy::DrainPolicy;
use crate::policy::file::{self as policy_file};
use crate::render::{self, Failure, FailureKind, RenderOptions, Rendered};
use crate::{ExitStatus, Io, redact, safe_write};

pub mod check;
pub mod docs;
pub mod settings;
pub mod verify;

pub use crate::integration::{Mode, resolve_mode};
pub use settings::build_policy;
use settings::read_policy_file;

/// Runs a parsed command line.
pub fn run(cli: Cli, io: &mut Io<'_>) -> ExitStatus {
    use_threads(&cli);
    // I/O failures of a Helm 4 plugin run must reach the user too.
    let helm_plugin = match &cli.command {
        Some(Command::Render(args)) => args.helm_plugin,
        None => cli.render.helm_plugin,
        _ => false,
    };
    let result = match cli.command {
        Some(Command::Render(args)) => render_command(&args, io),
        None => render_command(&cli.render, io),
        Some(Command::Values(args)) => values_command(&args, io),
        Some(Command::Policy(args)) => policy_command(&args, io),
        Some(Command::Check(args)) => check::check_command(&args, io),
        Some(Command::Explain(args)) => check::explain_command(&args, io),
        Some(Command::Verify(args)) => verify::verify_command(&args, io),
        Some(Command::Completions(args)) => write_output(io, |out| {
            docs::completions(args.shell, out);
            Ok(())
        })
        .map(|()| ExitStatus::Success),
        Some(Command::Man) => write_output(io, docs::man_page).map(|()| ExitStatus::Success),
    };
    result.unwrap_or_else(|e| {
        report(
            io,
            &[Diagnostic::error("io", format!("{e:#}"))
                .with_hint("check the files and pipes meshdrain reads and writes")],
            helm_plugin,
        );
        ExitStatus::Invalid
    })
}

/// Writes diagnostics to stderr; for a Helm 4 plugin also to the terminal and the error log,
/// because Helm 4 shows none of a plugin's stderr.
pub(crate) fn report(io: &mut Io<'_>, diagnostics: &[Diagnostic], helm_plugin: bool) {
    let text: String = diagnostics.iter().map(Diagnostic::render_text).collect();
    let _ = io.stderr.write_all(text.as_bytes());
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if helm_plugin && errors > 0 {
        helm::report_helm_plugin_error(&io.env, &text);
    }
}

fn failure_status(kind: FailureKind) -> ExitStatus {
    match kind {
        FailureKind::Invalid => ExitStatus::Invalid,
        FailureKind::Internal => ExitStatus::Internal,
    }
}

/// Reads at most `limit + 1` bytes, so an oversized input is detected without reading it all;
/// into one buffer of the input's `size`, when it is known.
fn read_limited(input: &mut dyn Read, limit: usize, size: Option<u64>) -> io::Result<Vec<u8>> {
    let capacity = size.map_or(0, |n| n.min(limit as u64 + 1));
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    input.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Writes output; a reader that went away (`| head`) is not our failure.
pub(crate) fn write_output(
    io: &mut Io<'_>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    match write(io.stdout).and_then(|()| io.stdout.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        written => written.context("cannot write stdout"),
    }
}

fn render_command(args: &RenderArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    if io.stdin_is_terminal {
        let d = Diagnostic::error("no-input", "meshdrain reads manifests on stdin, and stdin is a terminal")
            .with_hint("pipe manifests in (helm template … | meshdrain) or use it as a Helm post-renderer: --post-renderer meshdrain");
        report(io, &[d], args.helm_plugin);
        return Ok(ExitStatus::Invalid);
    }
    let input = read_limited(io.stdin, args.limits.max_input_bytes, io.stdin_size)
        .context("cannot read stdin")?;
    let mode = resolve_mode(args.mode, &input);
    let options = RenderOptions {
        policy: DrainPolicy::default(),
        limits: args.limits.limits(),
        istio_version: args.policy.istio_version,
        input_name: "<stdin>".to_owned(),
        values_chart: None,
        parallelism: args.limits.parallelism(),
        // The summary is shown with -v, and KRM results report it.
        summary: args.verbose || mode == Mode::Krm,
        ..RenderOptions::default()
    };
    if mode == Mode::Krm {
        let env = io.env.clone();
        let outcome = krm::run(&input, options, |config| {
            build_policy(&args.policy, &env, Mode::Krm, config)
        });
        report(
            io,
            &outcome
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .cloned()
                .collect::<Vec<_>>(),
            false,
        );
        write_output(io, |out| out.write_all(&outcome.output))?;
        return Ok(outcome.status);
    }
    let policy = match build_policy(&args.policy, &io.env, mode, None) {
        Ok(p) => p,
        Err(diagnostics) => {
            report(io, &diagnostics, args.helm_plugin);
            return Ok(ExitStatus::Invalid);
        }
    };
    // The lint step of --check reads .meshdrain.yaml when no policy file was named (the
    // render itself never does: a post-render must not depend on the working directory).
    let check_policy = if args.check
        && mode == Mode::PostRenderer
        && settings::policy_path(args.policy.policy.as_ref(), &io.env).is_none()
    {
        let cwd = std::env::current_dir().ok();
        match settings::check_policy(None, &BTreeMap::new(), cwd.as_deref()) {
            Ok((found, _)) => found,
            Err(diagnostics) => {
                report(io, &diagnostics, args.helm_plugin);
                return Ok(ExitStatus::Invalid);
            }
        }
    } else {
        settings::CheckPolicy::of(&policy)
    };
    let options = RenderOptions { policy, ..options };
    match render::render(&input, &options) {
        Ok(rendered) => {
            if args.check
                && let Some(findings) = check::check_rendered(
                    rendered.to_bytes(),
                    &args.lint,
                    args.policy.istio_version,
                    args.limits.limits(),
                    check_policy,
                )
            {
                report(io, &findings, args.helm_plugin);
                let _ = writeln!(
                    io.stderr,
                    "meshdrain: the rendered output has {} finding(s) at or above --fail-on {}; nothing was written",
                    findings.len(),
                    crate::diagnostic::Severity::from(args.lint.fail_on).as_str()
                );
                return Ok(ExitStatus::Findings);
            }
            if args.diff {
                write_output(io, |out| write_diff(out, &rendered))?;
            } else {
                write_output(io, |out| rendered.write_to(out))?;
            }
            if args.verbose {
                report(io, &rendered.summary, false);
                let _ = writeln!(io.stderr, "{}", tally(&rendered));
            }
            Ok(ExitStatus::Success)
        }
        Err(Failure { kind, diagnostics }) => {
            report(io, &diagnostics, args.helm_plugin);
            let _ = writeln!(
                io.stderr,
                "meshdrain: {} error(s); nothing was written",
                diagnostics.len()
            );
            Ok(failure_status(kind))
        }
    }
}

fn tally(rendered: &Rendered<'_>) -> String {
    let s = rendered.stats;
    // Counted as `check`'s summary counts (1 document, 2 documents).
    let plural = crate::report::plural;
    let workloads = match (s.workloads, s.skipped) {
        (0, _) => String::new(),
        (n, 0) => format!(", {}", plural(n, "workload")),
        (n, left) => format!(", {} ({left} left alone)", plural(n, "workload")),
    };
    let meshes = match s.mesh_configs {
        0 => String::new(),
        n => format!(", {}", plural(n, "mesh config")),
    };
    format!(
        "meshdrain: {}, {}{meshes}{workloads}: {} changed, {} already right, {} kept",
        plural(s.documents, "document"),
        plural(s.resources, "TSB install resource"),
        plural(s.changed, "field"),
        s.unchanged,
        s.kept
    )
}

/// A unified diff per changed document, headed by its index and template file.
fn write_diff(out: &mut dyn Write, rendered: &Rendered<'_>) -> io::Result<()> {
    for edit in rendered.edits() {
        let name = match &edit.source {
            Some(source) => format!("document {} ({source})", edit.document + 1),
            None => format!("document {}", edit.document + 1),
        };
        let old = without_secrets(rendered.original(edit));
        let new = without_secrets(&edit.text);
        let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
        write!(
            out,
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
        )?;
    }
    Ok(())
}

/// A changed document with the lines of its Secrets masked: a List can hold a Secret next
/// to a gateway, and the diff's context lines must not quote it ([`redact`]).
fn without_secrets(text: &str) -> Cow<'_, str> {
    if !redact::declares_secret(text) {
        return Cow::Borrowed(text);
    }
    let Ok(tree) = Tree::parse(text) else {
        return Cow::Owned(redact::mask_document(text));
    };
    let regions: Vec<(usize, usize)> = model::resources(&tree)
        .iter()
        .filter(|r| redact::is_secret_kind(&r.reference.kind))
        .filter_map(|r| tree.node(r.node))
        .map(|n| (n.start, n.end))
        .collect();
    Cow::Owned(redact::mask_regions(text, &regions))
}

fn values_command(args: &ValuesArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    let from_stdin = args.file.as_os_str() == "-";
    if args.in_place && from_stdin {
        report(
            io,
            &[
                Diagnostic::error("usage", "--in-place needs a file, not stdin")
                    .with_hint("name the values file"),
            ],
            false,
        );
        return Ok(ExitStatus::Invalid);
    }
    let name = if from_stdin {
        "<stdin>".to_owned()
    } else {
        args.file.display().to_string()
    };
    let input = if from_stdin {
        read_limited(
            io.stdin,
            render::RenderOptions::default().limits.max_input_bytes,
            io.stdin_size,
        )
        .context("cannot read stdin")?
    } else {
        match fs::read(&args.file) {
            Ok(bytes) => bytes,
            Err(e) => {
                let d = Diagnostic::error("io", format!("cannot read {name}: {e}"))
                    .with_hint("check the path of the values file");
                report(io, &[d], false);
                return Ok(ExitStatus::Invalid);
            }
        }
    };
    let policy = match build_policy(&args.policy, &io.env, Mode::PostRenderer, None) {
        Ok(p) => p,
        Err(diagnostics) => {
            report(io, &diagnostics, false);
            return Ok(ExitStatus::Invalid);
        }
    };
    let options = RenderOptions {
        policy,
        istio_version: args.policy.istio_version,
        input_name: name.clone(),
        values_file: true,
        values_chart: args.chart,
        ..RenderOptions::default()
    };
    let rendered = match render::render(&input, &options) {
        Ok(r) => r,
        Err(Failure { kind, diagnostics }) => {
            report(io, &diagnostics, false);
            let _ = writeln!(
                io.stderr,
                "meshdrain: {} error(s); {name} was not changed",
                diagnostics.len()
            );
            return Ok(failure_status(kind));
        }
    };
    if args.verbose {
        report(io, &rendered.summary, false);
    }
    if !args.in_place {
        write_output(io, |out| rendered.write_to(out))?;
    } else if rendered.changed()
        && let Err(e) = safe_write::replace_file(&args.file, &rendered.to_bytes())
    {
        let d = Diagnostic::error("io", format!("cannot write {name}: {e}")).with_hint(e.hint());
        report(io, &[d], false);
        let _ = writeln!(io.stderr, "meshdrain: {name} was not changed");
        return Ok(ExitStatus::Invalid);
    }
    Ok(ExitStatus::Success)
}

fn policy_command(args: &PolicyCommandArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    if args.show_default {
        write_output(io, |out| {
            out.write_all(policy_file::default_yaml().as_bytes())
        })?;
        return Ok(ExitStatus::Success);
    }
    if args.schema {
        write_output(io, |out| {
            out.write_all(policy_file::schema_json().as_bytes())
        })?;
        return Ok(ExitStatus::Success);
    }
    let Some(path) = &args.check else {
        return Ok(ExitStatus::Invalid);
    };
    let checked = read_policy_file(path)
        .and_then(|text| policy_file::parse_file_text(&text, &path.display().to_string()));
    match checked {
        Ok(policy) => {
            write_output(io, |out| {
                writeln!(
                    out,
                    "{}: valid DrainPolicy\n{}",
                    path.display(),
                    policy.describe()
                )
            })?;
            Ok(ExitStatus::Success)
        }
        Err(diagnostics) => {
            report(io, &diagnostics, false);
            Ok(ExitStatus::Invalid)
        }
    }
}

/// `--threads N`: the pool the documents of a large input are spread over gets N threads
/// (the first command to use it would otherwise start one per core).
fn use_threads(cli: &Cli) {
    let limits = match &cli.command {
        Some(Command::Render(args)) => &args.limits,
        None => &cli.render.limits,
        Some(Command::Check(args)) => &args.limits,
        _ => return,
    };
    if let Some(n) = limits.threads {
        // Fails only when a pool exists already (a second run in one process, as in tests):
        // that one is used.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.get())
            .build_global();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ModeArg;

    #[test]
    fn modes_resolve_in_order() {
        let list = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n";
        assert_eq!(resolve_mode(None, list), Mode::Krm);
        assert_eq!(resolve_mode(None, b"kind: A\n"), Mode::PostRenderer);
        assert_eq!(
            resolve_mode(Some(ModeArg::PostRenderer), list),
            Mode::PostRenderer
        );
        assert_eq!(resolve_mode(Some(ModeArg::Kustomize), b""), Mode::Kustomize);
        assert_eq!(resolve_mode(Some(ModeArg::Krm), b""), Mode::Krm);
    }
}
