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

/// What `check` reads of a policy: `spec.check.ignore`, and `spec.injectedNamespaces` (which
/// workloads have a sidecar, as render decides it).
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

/// The policy's settings for `check`, from `--policy` or `MESHDRAIN_POLICY`.
pub fn check_policy(
    flag: Option<&PathBuf>,
    env: &BTreeMap<String, String>,
) -> Result<CheckPolicy, Vec<Diagnostic>> {
    let Some(path) = policy_path(flag, env) else {
        return Ok(CheckPolicy::default());
    };
    let text = read_policy_file(&path)?;
    let parsed = policy_file::parse_file_text(&text, &path.display().to_string())?;
    Ok(CheckPolicy::of(&parsed))
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
