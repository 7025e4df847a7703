//! Which protocol a render speaks: a Helm post-renderer (Helm 3 and 4, pipes), a kustomize
//! exec transformer, or a KRM function.

use crate::cli::ModeArg;
use crate::krm;

/// Which protocol a render speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    PostRenderer,
    Kustomize,
    Krm,
}

/// DESIGN.md, "How the binary knows its mode": an explicit `--mode`; the kustomize plugin
/// name (turned into `--mode kustomize` by [`crate::cli::normalize_args`]); a ResourceList on
/// stdin; otherwise the post-renderer.
pub fn resolve_mode(explicit: Option<ModeArg>, input: &[u8]) -> Mode {
    match explicit {
        Some(ModeArg::PostRenderer) => Mode::PostRenderer,
        Some(ModeArg::Kustomize) => Mode::Kustomize,
        Some(ModeArg::Krm) => Mode::Krm,
        None if krm::is_resource_list(input) => Mode::Krm,
        None => Mode::PostRenderer,
    }
}
