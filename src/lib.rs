//! meshdrain applies and checks Istio/TSB graceful-drain settings in rendered Kubernetes
//! manifests, without touching anything else.
//!
//! Data flows one way: bytes ([`stream`]) → documents ([`document`]) → model ([`model`]) →
//! decisions ([`plan`]) → edits ([`edit`], checked against [`patch`]) → bytes ([`render`]).
//! Every message is a [`diagnostic::Diagnostic`]. [`app`] runs the commands; [`krm`] speaks
//! the KRM function protocol; [`errorlog`] makes errors visible where Helm 4 hides stderr.
//! [`lint`] checks manifests before a deploy; [`verify`] reads the evidence after a rollout
//! (config dumps, pods, `kubectl describe`, proxy logs) through the same model.

pub mod app;
pub mod cli;
pub mod diagnostic;
pub mod document;
pub mod drain;
pub mod duration;
pub mod edit;
pub mod explain;
pub mod input;
pub mod integration;
pub mod istio;
pub mod linebreak;
pub mod lint;
pub mod model;
pub mod patch;
pub mod plan;
pub mod policy;
pub mod position;
pub mod redact;
pub mod render;
pub mod report;
pub mod safe_write;
pub mod selfcheck;
pub mod source;
pub mod stream;
pub mod verify;

use std::collections::BTreeMap;
use std::io::{Read, Write};

pub use app::run;

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
    /// Colour text output only on a terminal.
    pub stdout_is_terminal: bool,
    pub stderr: &'a mut dyn Write,
    /// The environment variables meshdrain reads (see [`relevant_env`]).
    pub env: BTreeMap<String, String>,
}

/// The variables meshdrain reads: `MESHDRAIN_*`, where the error log goes, and whether to
/// colour (`NO_COLOR`, `TERM`).
pub fn relevant_env() -> BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| {
            k.starts_with("MESHDRAIN_")
                || matches!(k.as_str(), "XDG_STATE_HOME" | "HOME" | "NO_COLOR" | "TERM")
        })
        .collect()
}
