//! Command-line definitions; `--help` comes from here.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostic::Severity;
use crate::document::Limits;
use crate::drain::{self, Field};
use crate::lint::DrainModel;
use crate::policy::{IstioVersion, OnConflict};
use crate::report::{ColorChoice, Format};

mod help;
use help::*;

/// `meshdrain --version`: the package version and the git commit it was built from
/// (`unknown` outside a git checkout, as for a crate built by `cargo publish`; `build.rs`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (rev ",
    env!("MESHDRAIN_REVISION"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "meshdrain",
    version = VERSION,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = after_help(),
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
    #[command(after_help = RENDER_AFTER_HELP)]
    Render(RenderArgs),
    /// Apply the sidecar settings to a Helm values file of TSB's control plane chart (its
    /// `spec:` is the ControlPlane spec) or of Istio's istiod chart (`meshConfig`), keeping its
    /// comments
    #[command(after_help = VALUES_AFTER_HELP)]
    Values(ValuesArgs),
    /// Show, check or describe DrainPolicy documents
    #[command(after_help = POLICY_AFTER_HELP)]
    Policy(PolicyCommandArgs),
    /// Lint manifests, Helm values and ResourceLists for drain misconfiguration (for CI)
    #[command(after_help = CHECK_AFTER_HELP)]
    Check(CheckArgs),
    /// Explain a lint rule (GD007), or list them all
    #[command(after_help = EXPLAIN_AFTER_HELP)]
    Explain(ExplainArgs),
    /// Prove the drain settings reached the running proxies: config dumps, pods, describe
    /// output and proxy logs, offline (for CI after a rollout)
    #[command(after_help = VERIFY_AFTER_HELP)]
    Verify(VerifyArgs),
    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_AFTER_HELP)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff)
    #[command(after_help = MAN_AFTER_HELP)]
    Man,
}

/// The lowest severity that fails a check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Info,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

/// Options the linter shares between `check` and `render --check`.
#[derive(Debug, Clone, Args)]
pub struct LintArgs {
    /// The lowest severity that fails the run (exit status 1)
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t)]
    pub fail_on: FailOn,

    /// What the sidecar waits on SIGTERM, for GD007: Istio's source, or the TSB guide's reading
    #[arg(long, value_enum, value_name = "MODEL", default_value_t)]
    pub drain_model: DrainModel,

    /// Report findings that annotations or the policy suppress
    #[arg(long)]
    pub no_ignores: bool,

    /// Istio injects native sidecars (ENABLE_NATIVE_SIDECARS; also the policy's
    /// nativeSidecars): the sidecar stops after the applications
    #[arg(long)]
    pub native_sidecars: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Files (any extension), directories (*.yaml and *.yml, recursively) or - for stdin
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Check FILE as TSB control plane Helm values (its spec: is the ControlPlane spec);
    /// values files are also detected without this
    #[arg(long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t)]
    pub format: Format,

    #[command(flatten)]
    pub lint: LintArgs,

    /// Istio version the mesh runs, for version-dependent rules (GD005, GD006, GD019, GD026)
    #[arg(long, value_name = "X.Y", default_value_t = IstioVersion::DEFAULT, value_parser = parse_istio_version)]
    pub istio_version: IstioVersion,

    /// A DrainPolicy whose spec.check.ignore suppresses findings (also MESHDRAIN_POLICY);
    /// replaces .meshdrain.yaml
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// The file stdin (`-`) stands for: findings, SARIF URIs, annotations and the ignore
    /// rules' file globs name it; without a PATH, stdin is read
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// Exit 0 even with findings at or above --fail-on (a report-only run); usage errors
    /// still exit 2
    #[arg(long)]
    pub exit_zero: bool,

    /// Colour text output
    #[arg(long, value_enum, value_name = "WHEN", default_value_t)]
    pub color: ColorChoice,

    /// Also print what rules skipped (e.g. workloads not known to be injected) to stderr
    #[arg(short, long)]
    pub verbose: bool,

    /// Print the JSON Schema of the --format json output and exit
    #[arg(long)]
    pub output_schema: bool,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// The output formats of `meshdrain verify`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    /// One annotated block per check, then a summary
    #[default]
    Text,
    /// A versioned JSON document (schema/verify-output.v1.schema.json)
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// Evidence: files, or - for stdin; FORMAT:PATH reads one input as FORMAT
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// A DrainPolicy whose values are expected (also MESHDRAIN_POLICY)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// One flag per drain field (`--drain-duration`, …): the value expected, over the policy.
    #[command(flatten)]
    pub durations: ExpectedDurations,

    /// Rendered manifests (file or directory; repeatable): expect what each pod's workload,
    /// gateway CR and mesh config there say, instead of the policy
    #[arg(long, value_name = "PATH")]
    pub manifests: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t)]
    pub format: VerifyFormat,

    /// Read every INPUT as this format instead of detecting it
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<crate::verify::Format>,

    /// What evidence that does not say whether it is a sidecar's or a gateway's is from (a log
    /// without its startup lines, unless --manifests knows its pod); evidence that says keeps
    /// its own
    #[arg(long, value_enum, value_name = "ROLE", default_value = "auto")]
    pub role: crate::verify::Role,

    /// Colour text output
    #[arg(long, value_enum, value_name = "WHEN", default_value_t)]
    pub color: ColorChoice,

    /// Print the JSON Schema of the --format json output and exit
    #[arg(long)]
    pub output_schema: bool,

    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// A rule code such as GD007 (without one, every rule is listed); with --resource, the
    /// files, directories or - (stdin) that hold the resource
    #[arg(value_name = "CODE|FILE")]
    pub args: Vec<String>,

    /// Every rule's documentation, not only the list (docs/rules.md is
    /// `explain --all --format markdown`)
    #[arg(long, conflicts_with = "resource")]
    pub all: bool,

    /// Explain one workload or TSB gateway instead: every drain value that applies to it,
    /// where it comes from, and its shutdown timeline
    #[arg(long, value_name = "KIND/NAMESPACE/NAME")]
    pub resource: Option<String>,

    /// Output format: text or markdown for rules; text, json or svg (a picture of the
    /// timeline) for --resource
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t)]
    pub format: ExplainFormat,

    /// A DrainPolicy: say what its workload rule would write for the resource, and read its
    /// injectedNamespaces and nativeSidecars
    #[arg(long, value_name = "FILE", requires = "resource")]
    pub policy: Option<PathBuf>,

    /// Istio version the mesh runs (native sidecars changed in 1.21)
    #[arg(long, value_name = "X.Y", default_value_t = IstioVersion::DEFAULT, value_parser = parse_istio_version)]
    pub istio_version: IstioVersion,

    /// Istio injects native sidecars (ENABLE_NATIVE_SIDECARS)
    #[arg(long)]
    pub native_sidecars: bool,
}

/// How `explain` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Plain text, for a terminal
    #[default]
    Text,
    /// Markdown: a table for the list, a page for --all (rules only)
    Markdown,
    /// A versioned JSON document (--resource only)
    Json,
    /// A picture of the shutdown timeline (--resource only)
    Svg,
}

/// How `explain` writes rule documentation (the rules' side of `--format`).
pub type DocFormat = ExplainFormat;

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Which protocol meshdrain speaks on stdin/stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// A multi-document stream in and out (Helm 3 and 4, pipes)
    PostRenderer,
    /// A kustomize exec transformer: stream in and out, the policy is the transformer config
    Kustomize,
    /// A KRM function: a ResourceList in and out, the policy is its functionConfig
    Krm,
}

/// Where the drain values come from; shared by `render` and `values`.
#[derive(Debug, Clone, Args)]
pub struct PolicyArgs {
    /// A DrainPolicy file (replaces the built-in default; also MESHDRAIN_POLICY)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// One flag per drain field a user sets (`--drain-duration`, …), from the drain table.
    #[command(flatten)]
    pub durations: DurationFlags,

    /// What to do when a manifest already has a different value [default: override]
    #[arg(long, value_enum, value_name = "MODE")]
    pub on_conflict: Option<OnConflict>,

    /// Mesh configs that get the sidecar settings, comma-separated: ControlPlane (TSB, the
    /// default), IstioOperator (istioctl), MeshConfigMap (the istiod chart's ConfigMap)
    #[arg(long, value_name = "TARGETS", value_delimiter = ',')]
    pub sidecar_targets: Option<Vec<String>>,

    /// Istio version the mesh runs, for Istio's drainDuration validation
    #[arg(long, value_name = "X.Y", default_value_t = IstioVersion::DEFAULT, value_parser = parse_istio_version)]
    pub istio_version: IstioVersion,
}

/// The drain duration flags: one `--FLAG DURATION` per settable field of the drain table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DurationFlags(BTreeMap<Field, String>);

impl DurationFlags {
    /// The value given for `field`, as written.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.0.get(&field).map(String::as_str)
    }

    /// Every value given, with its field and flag.
    pub fn iter(&self) -> impl Iterator<Item = (Field, &'static str, &str)> + '_ {
        drain::settable().filter_map(|(f, s)| Some((f.field, s.flag, self.get(f.field)?)))
    }
}

impl clap::FromArgMatches for DurationFlags {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = DurationFlags::default();
        flags.update_from_arg_matches(matches)?;
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        for (f, s) in drain::settable() {
            if let Ok(Some(v)) = matches.try_get_one::<String>(s.flag) {
                self.0.insert(f.field, v.clone());
            }
        }
        Ok(())
    }
}

impl Args for DurationFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        drain::settable().fold(cmd, |cmd, (_, s)| {
            cmd.arg(
                clap::Arg::new(s.flag)
                    .long(s.flag)
                    .value_name("DURATION")
                    .help(s.flag_help),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        DurationFlags::augment_args(cmd)
    }
}

/// The drain duration flags of `verify`: the same flags, read the same way, with help that
/// says they give the expected value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpectedDurations(pub DurationFlags);

impl clap::FromArgMatches for ExpectedDurations {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        DurationFlags::from_arg_matches(matches).map(ExpectedDurations)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

impl Args for ExpectedDurations {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        drain::settable().fold(cmd, |cmd, (f, s)| {
            cmd.arg(
                clap::Arg::new(s.flag)
                    .long(s.flag)
                    .value_name("DURATION")
                    .help(format!(
                        "Expect this {} (over the policy and {})",
                        f.name, s.env
                    )),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        ExpectedDurations::augment_args(cmd)
    }
}

#[derive(Debug, Clone, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Print a unified diff of each changed document instead of the stream (a dry run)
    #[arg(long)]
    pub diff: bool,

    /// Print what was changed (and what was already right) to stderr
    #[arg(short, long)]
    pub verbose: bool,

    /// Lint the result too: with findings at or above --fail-on, fail (exit 1) and write nothing
    #[arg(long)]
    pub check: bool,

    #[command(flatten)]
    pub lint: LintArgs,

    /// The protocol: detected from how meshdrain is called and what stdin holds when not given
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<ModeArg>,

    /// Also report errors to the terminal and to the error log: Helm 4 hides a plugin's stderr
    #[arg(long, hide = true)]
    pub helm_plugin: bool,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Input bounds, shared by `render` and `check`.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Refuse inputs (check: each file) larger than this
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_input_bytes, hide_short_help = true)]
    pub max_input_bytes: usize,

    /// Deepest nesting accepted in a document meshdrain reads or edits
    #[arg(long, value_name = "LEVELS", default_value_t = Limits::default().max_depth, hide_short_help = true)]
    pub max_depth: usize,

    /// Most alias uses accepted in a document meshdrain reads or edits
    #[arg(long, value_name = "COUNT", default_value_t = Limits::default().max_alias_uses, hide_short_help = true)]
    pub max_aliases: usize,

    /// Largest scalar accepted in a document meshdrain reads or edits
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_scalar_bytes, hide_short_help = true)]
    pub max_scalar_bytes: usize,

    /// Threads an input of 256 KiB or more is spread over (1: the calling thread only;
    /// default: one per core, or RAYON_NUM_THREADS). The output is the same either way
    #[arg(long, value_name = "N", hide_short_help = true)]
    pub threads: Option<std::num::NonZeroUsize>,
}

#[derive(Debug, Clone, Args)]
pub struct ValuesArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Edit the file in place instead of printing the result (through a new file renamed over
    /// it: permissions kept; for a symlink, the file it points to is edited)
    #[arg(short = 'i', long)]
    pub in_place: bool,

    /// Print what was changed to stderr
    #[arg(short, long)]
    pub verbose: bool,

    /// The chart the values are for; detected from the file's keys when not given
    #[arg(long, value_enum, value_name = "CHART")]
    pub chart: Option<crate::model::classify::ValuesChart>,

    /// The values file (`-` for stdin)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct PolicyCommandArgs {
    /// Print the built-in policy as a DrainPolicy document
    #[arg(long)]
    pub show_default: bool,

    /// Validate a DrainPolicy file (exit 0 when valid, 2 otherwise)
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,

    /// Print the JSON Schema of DrainPolicy documents
    #[arg(long)]
    pub schema: bool,
}

fn parse_istio_version(s: &str) -> Result<IstioVersion, String> {
    s.parse()
}

impl LimitArgs {
    /// Whether documents may be spread over threads (`--threads 1`: never).
    pub fn parallelism(&self) -> crate::input::Parallelism {
        match self.threads {
            Some(n) if n.get() == 1 => crate::input::Parallelism::Serial,
            _ => crate::input::Parallelism::Auto,
        }
    }

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
        assert_eq!(
            top.render.policy.durations.get(Field::DrainDuration),
            Some("40s")
        );
        let sub = Cli::try_parse_from([
            "meshdrain",
            "render",
            "--on-conflict",
            "keep",
            "-v",
            "--diff",
        ])
        .unwrap();
        match sub.command {
            Some(Command::Render(args)) => {
                assert_eq!(args.policy.on_conflict, Some(OnConflict::Keep));
                assert!(args.verbose && args.diff);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["meshdrain", "--on-conflict", "maybe"]).is_err());
        assert!(Cli::try_parse_from(["meshdrain", "--istio-version", "x"]).is_err());
        assert!(Cli::try_parse_from(["meshdrain", "policy"]).is_err());
        assert!(
            Cli::try_parse_from(["meshdrain", "policy", "--show-default", "--schema"]).is_err()
        );
    }
}
