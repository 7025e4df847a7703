//! Suppressions: the resource annotation `meshdrain.io/ignore: "GD013,GD014; reason"` and the
//! policy file's `spec.check.ignore` list. `--no-ignores` reports suppressed findings anyway,
//! each with the suppression that would have hidden it.

pub use crate::diagnostic::IGNORE_ANNOTATION;
pub use crate::policy::ignore::IgnoreRule;

use crate::diagnostic::{ResourceRef, Suppression, SuppressionKind};

use super::CheckOptions;

/// Parses an annotation value: codes separated by commas or spaces, then an optional reason
/// after `;`.
pub fn parse_annotation(value: &str) -> (Vec<String>, Option<String>) {
    let (codes, reason) = match value.split_once(';') {
        Some((codes, reason)) => (codes, Some(reason.trim().to_owned())),
        None => (value, None),
    };
    let codes = codes
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    (codes, reason.filter(|r| !r.is_empty()))
}

/// Whether a policy's ignore entry hides a finding of rule `code` about the object
/// `reference` in input `file`.
fn ignores(rule: &IgnoreRule, code: &str, reference: &ResourceRef, file: Option<&str>) -> bool {
    if !rule.rules.iter().any(|r| r.eq_ignore_ascii_case(code)) {
        return false;
    }
    let r = reference;
    let kind_ok = rule.kinds.is_empty() || rule.kinds.contains(&r.kind);
    let ns_ok = rule.namespaces.is_empty()
        || r.namespace
            .as_deref()
            .is_some_and(|ns| rule.namespaces.iter().any(|n| n == ns));
    let name_ok = rule.names.is_empty()
        || r.name
            .as_deref()
            .is_some_and(|name| rule.names.iter().any(|p| p.matches(name)));
    let file_ok =
        rule.files.is_empty() || file.is_some_and(|f| rule.files.iter().any(|p| p.matches(f)));
    kind_ok && ns_ok && name_ok && file_ok
}

/// What suppresses a finding of rule `code` about the object `reference` (whose ignore
/// annotation is `annotation`) in input `file`.
pub fn suppression_of(
    code: &str,
    annotation: Option<&str>,
    reference: &ResourceRef,
    file: Option<&str>,
    options: &CheckOptions,
) -> Option<Suppression> {
    if let Some(value) = annotation {
        let (codes, reason) = parse_annotation(value);
        if codes.iter().any(|c| c == code) {
            return Some(Suppression {
                kind: SuppressionKind::Annotation,
                reason,
            });
        }
    }
    options
        .ignores
        .iter()
        .find(|rule| ignores(rule, code, reference, file))
        .map(|rule| Suppression {
            kind: SuppressionKind::Policy,
            reason: rule.reason.clone(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_values() {
        assert_eq!(
            parse_annotation("GD013, gd014; drained by the load balancer"),
            (
                vec!["GD013".to_owned(), "GD014".to_owned()],
                Some("drained by the load balancer".to_owned())
            )
        );
        assert_eq!(parse_annotation("GD007"), (vec!["GD007".to_owned()], None));
        assert_eq!(parse_annotation("GD007;"), (vec!["GD007".to_owned()], None));
    }
}
