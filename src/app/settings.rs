//! Where the policy comes from, resolved in one place for every command: the built-in
//! default or a policy document (a file, the kustomize transformer config, the KRM
//! `functionConfig`), then the environment, then flags (DESIGN.md, "Defaults and
//! precedence").

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cli::PolicyArgs;
use crate::diagnostic::{Diagnostic, Origin};
use crate::policy::file::{self as policy_file};
use crate::policy::ignore::IgnoreRule;
use crate::policy::matcher::NamePattern;
use crate::policy::{self, ConflictSetting, DrainPolicy, Overrides, Setting, SidecarTargets};

use crate::integration::{Mode, kustomize};

/// The policy file named by `--policy`, else by `MESHDRAIN_POLICY` (empty counts as unset).
pub fn policy_path(flag: Option<&PathBuf>, env: &BTreeMap<String, String>) -> Option<PathBuf> {
    let from_env = env
        .get(policy::ENV_POLICY)
        .filter(|p| !p.trim().is_empty())
        .map(PathBuf::from);
    flag.cloned().or(from_env)
}

/// What `check` reads of a policy: `spec.check.ignore`, and `spec.injectedNamespaces` and
/// `spec.nativeSidecars` (which workloads have a sidecar, and which kind, as render decides).
#[derive(Clone, Debug, Default)]
pub struct CheckPolicy {
    pub ignores: Vec<IgnoreRule>,
    pub injected_namespaces: Vec<NamePattern>,
    pub native_sidecars: bool,
}

impl CheckPolicy {
    pub fn of(policy: &crate::policy::DrainPolicy) -> CheckPolicy {
        CheckPolicy {
            ignores: policy.ignores.clone(),
            injected_namespaces: policy.injected_namespaces.clone(),
            native_sidecars: policy.native_sidecars,
        }
    }
}

/// The policy's settings for `check` (and the lint step of `render --check`), with the file
/// they came from: the policy `--policy` or `MESHDRAIN_POLICY` names, else `.meshdrain.yaml`
/// found from `cwd` ([`find_check_config`]), of which only `spec.check` counts.
pub fn check_policy(
    flag: Option<&PathBuf>,
    env: &BTreeMap<String, String>,
    cwd: Option<&Path>,
) -> Result<(CheckPolicy, Option<PathBuf>), Vec<Diagnostic>> {
    if let Some(path) = policy_path(flag, env) {
        let text = read_policy_file(&path)?;
        let parsed = policy_file::parse_file_text(&text, &path.display().to_string())?;
        return Ok((CheckPolicy::of(&parsed), Some(path)));
    }
    let Some(path) = cwd.and_then(find_check_config) else {
        return Ok((CheckPolicy::default(), None));
    };
    found_config_ignores(&path).map(|ignores| {
        (
            CheckPolicy {
                ignores,
                ..CheckPolicy::default()
            },
            Some(path),
        )
    })
}

/// The check configuration found by convention (as kube-linter and zizmor do).
pub const CHECK_CONFIG: &str = ".meshdrain.yaml";

/// The top of the git work tree `dir` is in: the nearest directory at or above it that holds
/// `.git` (a directory, or the file of a linked work tree or submodule). No git needed.
pub fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// `.meshdrain.yaml` in `cwd` or the nearest parent that has one, up to the git root and not
/// beyond it; outside a git work tree, only `cwd` itself is looked at.
pub fn find_check_config(cwd: &Path) -> Option<PathBuf> {
    let root = git_root(cwd);
    for dir in cwd.ancestors() {
        let candidate = dir.join(CHECK_CONFIG);
        if candidate.is_file() {
            return Some(candidate);
        }
        if root.as_deref().is_none_or(|root| dir == root) {
            break;
        }
    }
    None
}

/// The ignore rules `check` (and the lint step of `render --check`) applies, with the file
/// they came from ([`check_policy`]).
pub fn check_ignores(
    flag: Option<&PathBuf>,
    env: &BTreeMap<String, String>,
    cwd: Option<&Path>,
) -> Result<(Vec<IgnoreRule>, Option<PathBuf>), Vec<Diagnostic>> {
    check_policy(flag, env, cwd).map(|(policy, path)| (policy.ignores, path))
}

/// `spec.check.ignore` of a `.meshdrain.yaml` that was found, not named: its errors also
/// say why it was read.
fn found_config_ignores(path: &Path) -> Result<Vec<IgnoreRule>, Vec<Diagnostic>> {
    let name = path.display().to_string();
    let why = || {
        Diagnostic::info(
            "check-config",
            format!(
                "{name} was read as the check configuration: the nearest {CHECK_CONFIG} from the current directory up to the git root"
            ),
        )
        .with_hint("fix it, or name another policy with --policy or MESHDRAIN_POLICY (which replace it)")
    };
    let text = fs::read_to_string(path).map_err(|e| {
        vec![
            Diagnostic::error("invalid-policy", format!("cannot read {name}: {e}"))
                .with_origin(Origin {
                    file: Some(name.clone()),
                    ..Origin::default()
                })
                .with_hint("check its permissions"),
            why(),
        ]
    })?;
    policy_file::parse_file_text(&text, &name)
        .map(|parsed| parsed.ignores)
        .map_err(|mut diagnostics| {
            diagnostics.push(why());
            diagnostics
        })
}

pub fn read_policy_file(path: &Path) -> Result<String, Vec<Diagnostic>> {
    fs::read_to_string(path).map_err(|e| {
        vec![
            Diagnostic::error(
                "invalid-policy",
                format!("cannot read the policy file {}: {e}", path.display()),
            )
            .with_origin(Origin {
                file: Some(path.display().to_string()),
                ..Origin::default()
            })
            .with_hint("check the path given to --policy or MESHDRAIN_POLICY"),
        ]
    })
}

/// Builds the policy: built-in default or policy document < environment < flags. In
/// kustomize and KRM modes the document comes from the transformer config or the
/// `functionConfig`, and `MESHDRAIN_*` variables are ignored (a stale shell variable must not
/// override a reviewed config).
pub fn build_policy(
    args: &PolicyArgs,
    env: &BTreeMap<String, String>,
    mode: Mode,
    function_config: Option<&Value>,
) -> Result<DrainPolicy, Vec<Diagnostic>> {
    let base = match mode {
        Mode::PostRenderer => match policy_path(args.policy.as_ref(), env) {
            Some(path) => {
                let text = read_policy_file(&path)?;
                policy_file::parse_file_text(&text, &path.display().to_string())?
            }
            None => DrainPolicy::default(),
        },
        Mode::Kustomize => {
            let Some(path) = &args.policy else {
                return Err(vec![Diagnostic::error("invalid-policy", "kustomize mode needs the transformer config")
                    .with_hint("kustomize runs the plugin as DrainPolicy CONFIG; by hand use --mode kustomize --policy FILE")]);
            };
            let text = read_policy_file(path)?;
            kustomize::transformer_policy(&text, path)?
        }
        Mode::Krm => match function_config {
            Some(config) => policy_file::parse_embedded(
                config,
                "ResourceList functionConfig",
                "functionConfig",
            )?,
            None => DrainPolicy::default(),
        },
    };
    let flags = Overrides {
        durations: args
            .durations
            .iter()
            .map(|(field, flag, value)| {
                let setting = Setting {
                    value: value.to_owned(),
                    source: format!("--{flag}"),
                };
                (field, setting)
            })
            .collect(),
        on_conflict: args.on_conflict.map(ConflictSetting::Value),
    };
    let environment = if mode == Mode::PostRenderer {
        Overrides::from_env(env)
    } else {
        Overrides::default()
    };
    let mut policy = base.with_overrides(&environment.then(flags))?;
    if let Some(names) = &args.sidecar_targets {
        let names = names.iter().map(|n| n.trim()).filter(|n| !n.is_empty());
        policy.sidecar_targets = SidecarTargets::from_names(names).map_err(|(_, why)| {
            vec![
                Diagnostic::error("invalid-setting", format!("--sidecar-targets: {why}"))
                    .with_hint("name the mesh configs that get the sidecar settings, e.g. --sidecar-targets=MeshConfigMap"),
            ]
        })?;
    }
    policy.validate(args.istio_version)?;
    Ok(policy)
}
