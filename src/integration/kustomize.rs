//! kustomize: meshdrain as a legacy exec transformer plugin. kustomize runs the binary as
//! `…/meshdrain.io/v1alpha1/drainpolicy/DrainPolicy CONFIG`, CONFIG being the transformer
//! config (a DrainPolicy document, re-sorted by kustomize into a temporary file).

use std::ffi::OsString;
use std::path::Path;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Origin};
use crate::policy::{DrainPolicy, file as policy_file};

/// The file name kustomize execs a legacy transformer plugin under
/// (`…/meshdrain.io/v1alpha1/drainpolicy/DrainPolicy`).
pub const KUSTOMIZE_PLUGIN_NAME: &str = "DrainPolicy";

/// Turns a kustomize plugin invocation (`…/DrainPolicy CONFIG [ARGS…]`) into the equivalent
/// `meshdrain --mode kustomize --policy CONFIG [ARGS…]`; other command lines are unchanged.
pub fn normalize_args(args: Vec<OsString>) -> Vec<OsString> {
    let is_plugin = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .is_some_and(|n| n == KUSTOMIZE_PLUGIN_NAME);
    if !is_plugin {
        return args;
    }
    let mut out: Vec<OsString> = vec!["meshdrain".into(), "--mode".into(), "kustomize".into()];
    let mut rest = args.into_iter().skip(1);
    if let Some(config) = rest.next() {
        out.push("--policy".into());
        out.push(config);
    }
    out.extend(rest);
    out
}

/// The policy in a transformer config's text (`path` names it in messages).
pub fn transformer_policy(text: &str, path: &Path) -> Result<DrainPolicy, Vec<Diagnostic>> {
    let name = format!("kustomize transformer config {}", path.display());
    let value: Value = serde_yaml::from_str(text).map_err(|e| {
        vec![
            Diagnostic::error(
                "invalid-policy",
                format!("the transformer config cannot be read: {e}"),
            )
            .with_origin(Origin {
                file: Some(name.clone()),
                ..Origin::default()
            })
            .with_hint("the transformer config is a DrainPolicy document"),
        ]
    })?;
    policy_file::parse_embedded(&value, &name, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, ModeArg};
    use clap::Parser;

    #[test]
    fn kustomize_plugin_invocations_become_kustomize_mode() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            normalize_args(args(&[
                "/x/plugin/meshdrain.io/v1alpha1/drainpolicy/DrainPolicy",
                "/tmp/kust-plugin-config-1",
                "--verbose"
            ])),
            args(&[
                "meshdrain",
                "--mode",
                "kustomize",
                "--policy",
                "/tmp/kust-plugin-config-1",
                "--verbose"
            ])
        );
        assert_eq!(
            normalize_args(args(&["meshdrain", "-v"])),
            args(&["meshdrain", "-v"])
        );
        let cli = Cli::try_parse_from(normalize_args(args(&["DrainPolicy", "cfg.yaml"]))).unwrap();
        assert_eq!(cli.render.mode, Some(ModeArg::Kustomize));
        assert_eq!(
            cli.render.policy.policy.as_deref(),
            Some(Path::new("cfg.yaml"))
        );
    }
}
