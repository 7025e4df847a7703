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
use crate::policy::{self, ConflictSetting, DrainPolicy, Overrides, Setting};

use crate::integration::{Mode, kustomize};

/// The policy file named by `--policy`, else by `MESHDRAIN_POLICY` (empty counts as unset).
pub fn policy_path(flag: Option<&PathBuf>, env: &BTreeMap<String, String>) -> Option<PathBuf> {
    let from_env = env
        .get(policy::ENV_POLICY)
        .filter(|p| !p.trim().is_empty())
        .map(PathBuf::from);
    flag.cloned().or(from_env)
}

/// The policy's `spec.check.ignore` for `check`, from `--policy` or `MESHDRAIN_POLICY`.
pub fn check_ignores(
    flag: Option<&PathBuf>,
    env: &BTreeMap<String, String>,
) -> Result<Vec<IgnoreRule>, Vec<Diagnostic>> {
    let Some(path) = policy_path(flag, env) else {
        return Ok(Vec::new());
    };
    let text = read_policy_file(&path)?;
    let parsed = policy_file::parse_file_text(&text, &path.display().to_string())?;
    Ok(parsed.ignores)
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
    let policy = base.with_overrides(&environment.then(flags))?;
    policy.validate(args.istio_version)?;
    Ok(policy)
}
