//! Suppressions: the resource annotation `meshdrain.io/ignore: "GD013,GD014; reason"` and the
//! policy file's `spec.check.ignore` list. `--no-ignores` reports suppressed findings anyway,
//! each with the suppression that would have hidden it.

pub use crate::diagnostic::IGNORE_ANNOTATION;
pub use crate::policy::ignore::IgnoreRule;

use crate::diagnostic::{Suppression, SuppressionKind};

use super::context::{Class, Context};
use super::{CheckOptions, Finding};

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

/// Whether a policy's ignore entry hides `finding`.
fn ignores(rule: &IgnoreRule, cx: &Context, finding: &Finding) -> bool {
    if !rule
        .rules
        .iter()
        .any(|r| r.eq_ignore_ascii_case(finding.rule.code))
    {
        return false;
    }
    let Some(object) = cx.object(finding.object) else {
        return false;
    };
    let r = &object.resource.reference;
    let kind_ok = rule.kinds.is_empty() || rule.kinds.contains(&r.kind);
    let ns_ok = rule.namespaces.is_empty()
        || r.namespace
            .as_deref()
            .is_some_and(|ns| rule.namespaces.iter().any(|n| n == ns));
    let name_ok = rule.names.is_empty()
        || r.name
            .as_deref()
            .is_some_and(|name| rule.names.iter().any(|p| p.matches(name)));
    let file_ok = rule.files.is_empty()
        || cx
            .input(object)
            .is_some_and(|i| rule.files.iter().any(|p| p.matches(&i.name)));
    kind_ok && ns_ok && name_ok && file_ok
}

/// What suppresses a finding, if anything does: its resource's annotation, else the first
/// matching entry of the policy.
pub fn suppression(cx: &Context, finding: &Finding, options: &CheckOptions) -> Option<Suppression> {
    let object = cx.object(finding.object)?;
    if !matches!(object.class, Class::ControlPlane { values: true }) {
        let tree = cx.tree(object);
        let value = tree
            .get_path(
                object.resource.node,
                &["metadata", "annotations", IGNORE_ANNOTATION],
            )
            .and_then(|n| tree.node(n))
            .and_then(|n| n.as_str());
        if let Some(value) = value {
            let (codes, reason) = parse_annotation(value);
            if codes.iter().any(|c| c == finding.rule.code) {
                return Some(Suppression {
                    kind: SuppressionKind::Annotation,
                    reason,
                });
            }
        }
    }
    options
        .ignores
        .iter()
        .find(|rule| ignores(rule, cx, finding))
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
