//! The integrations, side by side: a Helm post-renderer (Helm 3 and 4, pipes; [`helm`]), a
//! kustomize exec transformer ([`kustomize`]) and a KRM function ([`krm`]), and which one a
//! run speaks ([`resolve_mode`]).

pub mod helm;
pub mod krm;
pub mod kustomize;

use crate::cli::ModeArg;

/// Which protocol a render speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    PostRenderer,
    Kustomize,
    Krm,
}

/// DESIGN.md, "How the binary knows its mode": an explicit `--mode`; the kustomize plugin
/// name (turned into `--mode kustomize` by [`kustomize::normalize_args`]); a ResourceList on
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
