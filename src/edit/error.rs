//! Why the editor refuses a change, and what a user can do about it.

/// Why the editor refused a change. `at` is a byte offset in the document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("{path} goes through an alias; meshdrain does not edit through aliases")]
    ThroughAlias { path: String, at: usize },
    #[error("{path} is anchored and reused by an alias, so editing it would change the alias too")]
    Anchored { path: String, at: usize },
    #[error("{path} is {found}, not {expected}")]
    WrongType {
        path: String,
        found: &'static str,
        expected: &'static str,
        at: usize,
    },
    #[error("{path} appears {count} times in its mapping")]
    DuplicateKey {
        path: String,
        count: usize,
        at: usize,
    },
    #[error("{path} uses a merge key (<<); meshdrain does not edit merged mappings")]
    MergeKey { path: String, at: usize },
    #[error("{path} is {what}, which meshdrain does not rewrite")]
    Unsupported {
        path: String,
        what: &'static str,
        at: usize,
    },
    #[error("{path} does not exist")]
    Missing { path: String },
    #[error("{path} already exists")]
    Exists { path: String, at: usize },
    #[error("overlapping edits at byte {at}")]
    Overlap { at: usize },
}

impl EditError {
    pub fn offset(&self) -> Option<usize> {
        match self {
            EditError::ThroughAlias { at, .. }
            | EditError::Anchored { at, .. }
            | EditError::WrongType { at, .. }
            | EditError::DuplicateKey { at, .. }
            | EditError::MergeKey { at, .. }
            | EditError::Unsupported { at, .. }
            | EditError::Exists { at, .. }
            | EditError::Overlap { at } => Some(*at),
            EditError::Missing { .. } => None,
        }
    }

    /// The diagnostic code this refusal is reported under.
    pub fn code(&self) -> &'static str {
        match self {
            EditError::ThroughAlias { .. }
            | EditError::Anchored { .. }
            | EditError::MergeKey { .. } => "alias-on-route",
            EditError::WrongType { .. } => "unexpected-structure",
            EditError::DuplicateKey { .. } => "duplicate-key",
            EditError::Unsupported { .. } => "unsupported-style",
            EditError::Missing { .. } | EditError::Exists { .. } | EditError::Overlap { .. } => {
                "internal-error"
            }
        }
    }

    pub fn hint(&self) -> &'static str {
        match self {
            EditError::ThroughAlias { .. }
            | EditError::Anchored { .. }
            | EditError::MergeKey { .. } => {
                "write this part of the resource out in full (no anchors, aliases or << merges), or set the drain field by hand"
            }
            EditError::WrongType { .. } => {
                "fix the structure of the resource; TSB expects this shape too"
            }
            EditError::DuplicateKey { .. } => {
                "remove the repeated key; Kubernetes rejects duplicate keys"
            }
            EditError::Unsupported { .. } => {
                "write the value as a plain or quoted scalar, or set the drain field by hand"
            }
            EditError::Missing { .. } | EditError::Exists { .. } | EditError::Overlap { .. } => {
                "this is a meshdrain bug: please report it with the input"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_its_stable_code() {
        let path = || "a.b".to_owned();
        let cases = [
            (
                EditError::ThroughAlias {
                    path: path(),
                    at: 0,
                },
                "alias-on-route",
            ),
            (
                EditError::Anchored {
                    path: path(),
                    at: 0,
                },
                "alias-on-route",
            ),
            (
                EditError::MergeKey {
                    path: path(),
                    at: 0,
                },
                "alias-on-route",
            ),
            (
                EditError::WrongType {
                    path: path(),
                    found: "a scalar",
                    expected: "a mapping",
                    at: 0,
                },
                "unexpected-structure",
            ),
            (
                EditError::DuplicateKey {
                    path: path(),
                    count: 2,
                    at: 0,
                },
                "duplicate-key",
            ),
            (
                EditError::Unsupported {
                    path: path(),
                    what: "a block scalar",
                    at: 0,
                },
                "unsupported-style",
            ),
            (EditError::Missing { path: path() }, "internal-error"),
            (
                EditError::Exists {
                    path: path(),
                    at: 0,
                },
                "internal-error",
            ),
            (EditError::Overlap { at: 0 }, "internal-error"),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code, "{error:?}");
        }
    }
}
