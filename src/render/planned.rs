//! What planning one step of a resource gives: the change (and, when the step worked them
//! out, its splices), one report per value looked at, or why it cannot be done.

use crate::patch::{Change, Pointer};
use crate::plan::{Decision, PlanError};

/// What one step found: the change to make, if any, and one report per value looked at.
pub(super) struct Planned {
    pub(super) change: Option<Change>,
    /// The splices that make the change, when the step worked them out itself (an edit
    /// inside a block scalar, spliced line by line); else the editor makes them.
    pub(super) splices: Option<Vec<crate::edit::Splice>>,
    pub(super) reports: Vec<Report>,
}

impl Planned {
    /// Nothing to do and nothing to report.
    pub(super) fn nothing() -> Planned {
        Planned {
            change: None,
            splices: None,
            reports: Vec::new(),
        }
    }
}

/// One value looked at, for the summary.
pub(super) struct Report {
    /// The proxy config entry, for a payload's entries.
    pub(super) entry: Option<String>,
    pub(super) decision: Decision,
    /// The value to show for a change when the text at the decision's path is not it (an
    /// entry inside a payload).
    pub(super) shown: Option<String>,
    /// Said after the message (how a grace period was computed).
    pub(super) note: Option<String>,
    /// Where the value is inside the string at the decision's path (a document inside a
    /// block scalar), for the summary's position.
    pub(super) inner: Option<Pointer>,
}

impl Report {
    pub(super) fn of(decision: Decision) -> Report {
        Report {
            entry: None,
            decision,
            shown: None,
            note: None,
            inner: None,
        }
    }
}

/// Why a step could not be planned.
pub(super) enum StepError {
    Plan(PlanError),
    /// A bug: an edit failed its own check.
    Internal(String),
}

impl From<PlanError> for StepError {
    fn from(e: PlanError) -> Self {
        StepError::Plan(e)
    }
}
