//! Command-line definitions; `--help` comes from here.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::document::Limits;
use crate::policy::{IstioVersion, OnConflict};

const ABOUT: &str =
    "Applies the TSB/Istio graceful-drain settings to rendered Kubernetes manifests";

const LONG_ABOUT: &str = "\
Applies the TSB/Istio graceful-drain settings to rendered Kubernetes manifests.

Reads a multi-document YAML stream on stdin (as a Helm post-renderer does) and writes it to
stdout with only the drain fields changed:
  * ControlPlane (install.tetrate.io): a patch spec.meshConfig.defaultConfig.drainDuration in
    the last overlay for IstioOperator/tsb-istiocontrolplane in
    spec.components.istio.kubeSpec.overlays (terminationDrainDuration too, when asked);
  * IngressGateway, EgressGateway, Tier1Gateway (install.tetrate.io): spec.connectionDrainDuration.
Everything else comes out byte for byte as it went in. On any error nothing is written to
stdout and the exit status is non-zero.

Defaults are the TSB guide's: drainDuration 50s, gateways 10s, replacing different values.

Note: by Istio's source, what keeps the sidecar alive after SIGTERM is terminationDrainDuration
(default 5s), not drainDuration; drainDuration alone, as the guide sets it, may not delay the
sidecar's exit. Consider --termination-drain-duration as well. Any wait beyond the pod's
terminationGracePeriodSeconds (default 30s) is cut short by SIGKILL.";

const AFTER_HELP: &str = "\
Environment (flags win over it):
  MESHDRAIN_DRAIN_DURATION, MESHDRAIN_TERMINATION_DRAIN_DURATION,
  MESHDRAIN_GATEWAY_DRAIN_DURATION, MESHDRAIN_ON_CONFLICT

Exit status: 0 success, 2 invalid input or settings, 3 internal error (a bug; please report it).

Helm 3:  helm upgrade REL CHART --post-renderer meshdrain [--post-renderer-args --drain-duration=40s]";

#[derive(Debug, Parser)]
#[command(
    name = "meshdrain",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options of the default command, `render`.
    #[command(flatten)]
    pub render: RenderArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Patch the manifest stream on stdin and write it to stdout (the default command)
    Render(RenderArgs),
}

/// How to resolve an existing, different value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConflictArg {
    /// Replace it with the policy's value (the default)
    Override,
    /// Leave it as it is
    Keep,
    /// Fail the run
    Error,
}

impl From<ConflictArg> for OnConflict {
    fn from(c: ConflictArg) -> OnConflict {
        match c {
            ConflictArg::Override => OnConflict::Override,
            ConflictArg::Keep => OnConflict::Keep,
            ConflictArg::Error => OnConflict::Error,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct RenderArgs {
    /// Sidecar drainDuration written into the ControlPlane overlay (Go duration, whole seconds) [default: 50s]
    #[arg(long, value_name = "DURATION")]
    pub drain_duration: Option<String>,

    /// Sidecar terminationDrainDuration, the wait on SIGTERM (written only when given)
    #[arg(long, value_name = "DURATION")]
    pub termination_drain_duration: Option<String>,

    /// Gateway spec.connectionDrainDuration [default: 10s]
    #[arg(long, value_name = "DURATION")]
    pub gateway_drain_duration: Option<String>,

    /// What to do when a manifest already has a different value [default: override]
    #[arg(long, value_enum, value_name = "MODE")]
    pub on_conflict: Option<ConflictArg>,

    /// Istio version the mesh runs, for Istio's drainDuration validation
    #[arg(long, value_name = "X.Y", default_value_t = IstioVersion::DEFAULT, value_parser = parse_istio_version)]
    pub istio_version: IstioVersion,

    /// Print what was changed (and what was already right) to stderr
    #[arg(short, long)]
    pub verbose: bool,

    /// Refuse inputs larger than this
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_input_bytes, hide_short_help = true)]
    pub max_input_bytes: usize,

    /// Deepest nesting accepted in a document meshdrain edits
    #[arg(long, value_name = "LEVELS", default_value_t = Limits::default().max_depth, hide_short_help = true)]
    pub max_depth: usize,

    /// Most alias uses accepted in a document meshdrain edits
    #[arg(long, value_name = "COUNT", default_value_t = Limits::default().max_alias_uses, hide_short_help = true)]
    pub max_aliases: usize,

    /// Largest scalar accepted in a document meshdrain edits
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_scalar_bytes, hide_short_help = true)]
    pub max_scalar_bytes: usize,
}

fn parse_istio_version(s: &str) -> Result<IstioVersion, String> {
    s.parse()
}

impl RenderArgs {
    pub fn limits(&self) -> Limits {
        Limits {
            max_input_bytes: self.max_input_bytes,
            max_depth: self.max_depth,
            max_alias_uses: self.max_aliases,
            max_scalar_bytes: self.max_scalar_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn render_flags_work_with_and_without_the_subcommand() {
        let top = Cli::try_parse_from(["meshdrain", "--drain-duration", "40s"]).unwrap();
        assert_eq!(top.render.drain_duration.as_deref(), Some("40s"));
        let sub =
            Cli::try_parse_from(["meshdrain", "render", "--on-conflict", "keep", "-v"]).unwrap();
        match sub.command {
            Some(Command::Render(args)) => {
                assert_eq!(args.on_conflict, Some(ConflictArg::Keep));
                assert!(args.verbose);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["meshdrain", "--on-conflict", "maybe"]).is_err());
        assert!(Cli::try_parse_from(["meshdrain", "--istio-version", "x"]).is_err());
    }
}
