//! The policy's `spec.check.ignore` entries, as data. The linter decides which findings they
//! hide (`lint::suppress`); the policy only reads and validates them, so it names the rule
//! codes here instead of asking the linter (which reads the policy: no circle).

use crate::policy::matcher::NamePattern;

/// Every lint rule code, in order. `lint::rules::RULES` registers exactly these (a test there
/// says so).
pub const RULE_CODES: &[&str] = &[
    "GD000", "GD001", "GD002", "GD003", "GD004", "GD005", "GD006", "GD007", "GD008", "GD009",
    "GD010", "GD011", "GD012", "GD013", "GD014", "GD015", "GD016", "GD017", "GD018", "GD019",
    "GD020", "GD021", "GD022", "GD023", "GD024", "GD025", "GD026", "GD028", "GD029", "GD030",
];

/// Whether `code` names a lint rule (case-insensitive, as suppressions are written).
pub fn is_rule_code(code: &str) -> bool {
    RULE_CODES.iter().any(|c| c.eq_ignore_ascii_case(code))
}

/// One entry of the policy's `spec.check.ignore`: every criterion given must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreRule {
    /// Rule codes (`GD014`).
    pub rules: Vec<String>,
    pub kinds: Vec<String>,
    pub namespaces: Vec<String>,
    pub names: Vec<NamePattern>,
    /// Globs on the input's path as shown in findings.
    pub files: Vec<NamePattern>,
    pub reason: Option<String>,
}
