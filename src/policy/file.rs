//! Reading a `DrainPolicy` document (its shape is in [`super::document`]) from a file, a
//! kustomize transformer config or a kpt `functionConfig`, and validating it.
//!
//! Errors carry `file:line:column` when the policy is a file the user named, and the YAML path
//! when it is embedded in another input (kustomize passes a re-sorted temporary copy, kpt
//! embeds it in the ResourceList).

use serde_json::Value;

pub use super::document::{
    API_VERSION, DurationText, DurationTexts, GatewayRuleSpec, IgnoreSpec, KIND, MatchSpec,
    PolicyDocument, WorkloadRuleSpec, default_document, default_yaml, schema, schema_json,
};
use super::matcher::{GatewayMatch, NamePattern, WhereQuery};
use super::{DrainPolicy, Durations, GatewayRule, SidecarTargets, WorkloadRule};
use crate::diagnostic::{Diagnostic, LineIndex, Origin};
use crate::document::Tree;
use crate::drain::{self, Field, Section};
use crate::duration::DrainSeconds;
use crate::model::dotted;
use crate::patch::Pointer;

/// Where a policy came from, for error messages.
#[derive(Clone, Copy, Debug)]
pub enum PolicyOrigin<'a> {
    /// A file the user named: errors carry `file:line:column`.
    File { path: &'a str },
    /// A document inside another input: errors carry the YAML path below `prefix`.
    Embedded { name: &'a str, prefix: &'a str },
}

/// One problem with a policy, before it becomes a diagnostic.
struct Problem {
    path: Pointer,
    message: String,
    hint: String,
    /// Point at the key rather than its value (unknown fields).
    at_key: bool,
}

fn problem(path: Pointer, message: impl Into<String>, hint: impl Into<String>) -> Problem {
    Problem {
        path,
        message: message.into(),
        hint: hint.into(),
        at_key: false,
    }
}

struct Reporter<'a> {
    origin: PolicyOrigin<'a>,
    /// The policy's own text and tree, when it is a file.
    source: Option<(&'a str, &'a Tree)>,
}

impl Reporter<'_> {
    fn diagnostic(&self, p: Problem) -> Diagnostic {
        let shown = dotted(&p.path);
        match self.origin {
            PolicyOrigin::File { path } => {
                let mut d = Diagnostic::error("invalid-policy", p.message)
                    .with_hint(p.hint)
                    .with_origin(Origin {
                        file: Some(path.to_owned()),
                        ..Origin::default()
                    })
                    .with_path_if_any(shown);
                if let Some((text, tree)) = self.source
                    && let Some((start, end)) = tree.nearest_span(&p.path, p.at_key)
                {
                    d = d.at(&LineIndex::new(text), start, end);
                }
                d
            }
            PolicyOrigin::Embedded { name, prefix } => {
                let full = match (prefix.is_empty(), shown.is_empty()) {
                    (true, _) => shown,
                    (false, true) => prefix.to_owned(),
                    (false, false) => format!("{prefix}.{shown}"),
                };
                Diagnostic::error("invalid-policy", p.message)
                    .with_hint(p.hint)
                    .with_origin(Origin {
                        file: Some(name.to_owned()),
                        ..Origin::default()
                    })
                    .with_path_if_any(full)
            }
        }
    }
}

/// Reads a policy from the text of a file the user named.
pub fn parse_file_text(text: &str, path: &str) -> Result<DrainPolicy, Vec<Diagnostic>> {
    let origin = PolicyOrigin::File { path };
    let bare = Reporter {
        origin,
        source: None,
    };
    let documents: Vec<&str> = crate::stream::split(text.as_bytes())
        .into_iter()
        .filter_map(|s| text.get(s.range))
        .filter(|d| crate::document::scan(d).map_or(true, |s| s.has_document))
        .collect();
    let [document] = documents.as_slice() else {
        return Err(vec![bare.diagnostic(problem(
            Pointer::root(),
            format!(
                "a policy file holds exactly one DrainPolicy document; this one has {}",
                documents.len()
            ),
            "put one DrainPolicy in the file",
        ))]);
    };
    let tree = Tree::parse(text).map_err(|e| {
        vec![
            Diagnostic::error(
                "invalid-policy",
                format!("the policy is not valid YAML: {}", e.message),
            )
            .with_origin(Origin {
                file: Some(path.to_owned()),
                ..Origin::default()
            })
            .at(&LineIndex::new(text), e.offset, e.offset + 1)
            .with_hint("fix the YAML syntax"),
        ]
    })?;
    let value: Value =
        serde_yaml::from_str(document.trim_start_matches('\u{feff}')).map_err(|e| {
            vec![bare.diagnostic(problem(
                Pointer::root(),
                format!("the policy cannot be read: {e}"),
                "use plain YAML mappings, lists and strings",
            ))]
        })?;
    let reporter = Reporter {
        origin,
        source: Some((text, &tree)),
    };
    from_json(&value, &reporter)
}

/// Reads a policy embedded in another input (kustomize config, kpt `functionConfig`).
pub fn parse_embedded(
    value: &Value,
    name: &str,
    prefix: &str,
) -> Result<DrainPolicy, Vec<Diagnostic>> {
    from_json(
        value,
        &Reporter {
            origin: PolicyOrigin::Embedded { name, prefix },
            source: None,
        },
    )
}

fn from_json(value: &Value, reporter: &Reporter<'_>) -> Result<DrainPolicy, Vec<Diagnostic>> {
    let doc: PolicyDocument = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = pointer_from(e.path());
        let message = e.inner().to_string();
        let unknown = message.starts_with("unknown field");
        let hint = if unknown {
            "remove or fix the field; see `meshdrain policy --schema` for the format"
        } else {
            "see `meshdrain policy --show-default` for an example"
        };
        vec![reporter.diagnostic(Problem {
            path,
            message,
            hint: hint.to_owned(),
            at_key: unknown,
        })]
    })?;
    let mut problems = Vec::new();
    let policy = compile(&doc, &mut problems);
    if problems.is_empty() {
        Ok(policy)
    } else {
        Err(problems
            .into_iter()
            .map(|p| reporter.diagnostic(p))
            .collect())
    }
}

fn pointer_from(path: &serde_path_to_error::Path) -> Pointer {
    path.iter()
        .fold(Pointer::root(), |p, segment| match segment {
            serde_path_to_error::Segment::Seq { index } => p.index(*index),
            serde_path_to_error::Segment::Map { key } => p.key(key),
            serde_path_to_error::Segment::Enum { variant } => p.key(variant),
            serde_path_to_error::Segment::Unknown => p,
        })
}

fn duration(
    text: &DurationText,
    path: Pointer,
    problems: &mut Vec<Problem>,
) -> Option<DrainSeconds> {
    let parsed = if text.was_number {
        Err(crate::duration::SettingError::BareNumber {
            input: text.text.clone(),
        })
    } else {
        DrainSeconds::parse(&text.text)
    };
    parsed
        .map_err(|e| problems.push(problem(path, e.to_string(), e.hint())))
        .ok()
}

/// Checks a document and builds the in-memory policy from it.
fn compile(doc: &PolicyDocument, problems: &mut Vec<Problem>) -> DrainPolicy {
    let root = Pointer::root();
    if doc.api_version != API_VERSION {
        problems.push(problem(
            root.key("apiVersion"),
            format!(
                "apiVersion is {:?}; this meshdrain reads {API_VERSION}",
                doc.api_version
            ),
            format!("set apiVersion: {API_VERSION}"),
        ));
    }
    if doc.kind != KIND {
        problems.push(problem(
            root.key("kind"),
            format!("kind is {:?}, not {KIND}", doc.kind),
            format!("set kind: {KIND}"),
        ));
    }
    let spec = root.key("spec");
    let sidecar = doc
        .spec
        .sidecar
        .as_ref()
        .map(|s| durations(&s.durations, &spec.key("sidecar"), problems));
    let sidecar_targets = doc
        .spec
        .sidecar
        .as_ref()
        .and_then(|s| s.targets.as_ref())
        .map(|names| {
            SidecarTargets::from_names(names.iter().map(String::as_str)).unwrap_or_else(
                |(i, why)| {
                    problems.push(problem(
                        spec.key("sidecar").key("targets").index(i),
                        why,
                        "list the mesh configs that get spec.sidecar: ControlPlane (TSB), IstioOperator (istioctl), MeshConfigMap (the istiod chart's ConfigMap)",
                    ));
                    SidecarTargets::default()
                },
            )
        })
        .unwrap_or_default();
    let gateways = doc.spec.gateways.as_ref().map(|rules| {
        rules
            .iter()
            .enumerate()
            .map(|(i, r)| compile_rule(r, spec.key("gateways").index(i), problems))
            .collect::<Vec<_>>()
    });
    if let Some(rules) = &gateways {
        let matchers: Vec<&GatewayMatch> = rules.iter().map(|r| &r.matcher).collect();
        check_shadowing(&matchers, &spec.key("gateways"), problems);
    }
    let workloads = doc.spec.workloads.as_ref().map(|rules| {
        rules
            .iter()
            .enumerate()
            .map(|(i, r)| compile_workload_rule(r, spec.key("workloads").index(i), problems))
            .collect::<Vec<_>>()
    });
    if let Some(rules) = &workloads {
        let matchers: Vec<&GatewayMatch> = rules.iter().map(|r| &r.matcher).collect();
        check_shadowing(&matchers, &spec.key("workloads"), problems);
    }
    let injected_namespaces = doc
        .spec
        .injected_namespaces
        .iter()
        .enumerate()
        .filter_map(|(i, text)| match NamePattern::new(text) {
            Ok(p) => Some(p),
            Err(e) => {
                problems.push(problem(
                    spec.key("injectedNamespaces").index(i),
                    e,
                    "fix the glob: * ? and [a-z] are supported",
                ));
                None
            }
        })
        .collect();
    let ignores = doc
        .spec
        .check
        .as_ref()
        .map(|c| {
            c.ignore
                .iter()
                .enumerate()
                .map(|(i, spec)| compile_ignore(spec, spec_at(&root, i), problems))
                .collect()
        })
        .unwrap_or_default();
    DrainPolicy {
        sidecar,
        sidecar_targets,
        gateways,
        workloads,
        injected_namespaces,
        native_sidecars: doc.spec.native_sidecars.unwrap_or(false),
        on_conflict: doc.spec.on_conflict.unwrap_or_default(),
        ignores,
    }
}

fn spec_at(root: &Pointer, i: usize) -> Pointer {
    root.key("spec").key("check").key("ignore").index(i)
}

fn compile_ignore(
    spec: &IgnoreSpec,
    at: Pointer,
    problems: &mut Vec<Problem>,
) -> super::ignore::IgnoreRule {
    if spec.rules.is_empty() {
        problems.push(problem(
            at.key("rules"),
            "the ignore entry names no rules",
            "list the rule codes to suppress, e.g. rules: [GD014]",
        ));
    }
    for (i, code) in spec.rules.iter().enumerate() {
        if !super::ignore::is_rule_code(code) {
            problems.push(problem(
                at.key("rules").index(i),
                format!("{code:?} is not a meshdrain rule"),
                "see `meshdrain explain` for the rule codes",
            ));
        }
    }
    let mut patterns = |list: &[String], key: &str| {
        list.iter()
            .enumerate()
            .filter_map(|(i, text)| match NamePattern::new(text) {
                Ok(p) => Some(p),
                Err(e) => {
                    problems.push(problem(
                        at.key(key).index(i),
                        e,
                        "fix the glob: * ? and [a-z] are supported",
                    ));
                    None
                }
            })
            .collect::<Vec<_>>()
    };
    let names = patterns(&spec.names, "names");
    let files = patterns(&spec.files, "files");
    super::ignore::IgnoreRule {
        rules: spec.rules.iter().map(|r| r.to_ascii_uppercase()).collect(),
        kinds: spec.kinds.clone(),
        namespaces: spec.namespaces.clone(),
        names,
        files,
        reason: spec.reason.clone(),
    }
}

/// The durations of a section, each checked; errors point at `at.<field>`.
fn durations(texts: &DurationTexts, at: &Pointer, problems: &mut Vec<Problem>) -> Durations {
    let mut out = Durations::default();
    for (field, text) in texts {
        if let Some(d) = duration(text, at.key(field.name()), problems) {
            out.set(*field, d);
        }
    }
    out
}

fn compile_rule(rule: &GatewayRuleSpec, at: Pointer, problems: &mut Vec<Problem>) -> GatewayRule {
    let durations = durations(&rule.durations, &at, problems);
    let fields = || {
        drain::written_in(Section::Gateway)
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let writes = drain::written_in(Section::Gateway).any(|f| rule.durations.contains_key(&f.field));
    match (rule.skip, !writes) {
        (true, _) if !rule.durations.is_empty() => problems.push(problem(
            at.key("skip"),
            format!("the rule both skips its gateways and sets {}", fields()),
            format!("remove one of skip or {}", fields()),
        )),
        (false, true) => problems.push(problem(
            at.clone(),
            format!("the rule neither sets {} nor skips", fields()),
            "add connectionDrainDuration: 10s, or skip: true to leave the matched gateways alone",
        )),
        _ => {}
    }
    let matcher = compile_match(rule.matcher.as_ref(), Section::Gateway, &at, problems);
    GatewayRule {
        matcher,
        durations,
        skip: rule.skip,
        on_conflict: rule.on_conflict,
    }
}

/// A rule's `match`, checked: kinds of the section's drain table targets, globs, JSONPath.
fn compile_match(
    spec: Option<&MatchSpec>,
    section: Section,
    at: &Pointer,
    problems: &mut Vec<Problem>,
) -> GatewayMatch {
    let spec = spec.cloned().unwrap_or_default();
    let m = at.key("match");
    let mut matcher = GatewayMatch {
        section,
        namespaces: spec.namespaces.clone(),
        labels: spec.labels.clone(),
        ..GatewayMatch::default()
    };
    let what = match section {
        Section::Workload => "a workload kind meshdrain edits",
        _ => "an install.tetrate.io gateway kind",
    };
    for (i, kind) in spec.kinds.iter().enumerate() {
        if drain::kinds_of(section).any(|k| k == kind) {
            matcher.kinds.push(kind.clone());
        } else {
            problems.push(problem(
                m.key("kinds").index(i),
                format!("{kind:?} is not {what}"),
                format!(
                    "use one of {}",
                    drain::kinds_of(section).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    for (i, name) in spec.names.iter().enumerate() {
        match NamePattern::new(name) {
            Ok(p) => matcher.names.push(p),
            Err(e) => problems.push(problem(
                m.key("names").index(i),
                e,
                "fix the glob: * ? and [a-z] are supported",
            )),
        }
    }
    if let Some(q) = &spec.where_query {
        match WhereQuery::new(q) {
            Ok(w) => matcher.where_query = Some(w),
            Err(e) => problems.push(problem(
                m.key("where"),
                e,
                "write an RFC 9535 query that starts at $, e.g. $.spec.kubeSpec.service[?@ == 'LoadBalancer']",
            )),
        }
    }
    matcher
}

fn compile_workload_rule(
    rule: &WorkloadRuleSpec,
    at: Pointer,
    problems: &mut Vec<Problem>,
) -> WorkloadRule {
    let durations = durations(&rule.durations, &at, problems);
    let written = || {
        drain::written_in(Section::Workload)
            .map(|f| f.name)
            .chain(["exitOnZeroActiveConnections"])
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sets_anything = !rule.durations.is_empty() || rule.exit_on_zero.is_some();
    let writes = drain::written_in(Section::Workload)
        .any(|f| rule.durations.contains_key(&f.field))
        || rule.exit_on_zero.is_some();
    match (rule.skip, sets_anything, writes) {
        (true, true, _) => problems.push(problem(
            at.key("skip"),
            "the rule both skips its workloads and sets drain settings",
            "remove skip, or the settings",
        )),
        (false, _, false) => problems.push(problem(
            at.clone(),
            format!("the rule sets none of {} and does not skip", written()),
            "add terminationDrainDuration: 25s (the sidecar's wait on SIGTERM), or skip: true to leave the matched workloads alone",
        )),
        _ => {}
    }
    let exits_on_zero = rule.exit_on_zero == Some(true);
    if exits_on_zero
        && rule
            .durations
            .contains_key(&Field::TerminationDrainDuration)
    {
        problems.push(problem(
            at.key(Field::TerminationDrainDuration.name()),
            "terminationDrainDuration is not used when exitOnZeroActiveConnections is true: the sidecar waits minimumDrainDuration, then until its last connection closes",
            "remove terminationDrainDuration, or exitOnZeroActiveConnections",
        ));
    }
    if !exits_on_zero && rule.durations.contains_key(&Field::MinimumDrainDuration) {
        problems.push(problem(
            at.key(Field::MinimumDrainDuration.name()),
            "minimumDrainDuration is read only when exitOnZeroActiveConnections is true",
            "add exitOnZeroActiveConnections: true, or remove minimumDrainDuration",
        ));
    }
    WorkloadRule {
        matcher: compile_match(rule.matcher.as_ref(), Section::Workload, &at, problems),
        durations,
        exit_on_zero: rule.exit_on_zero,
        skip: rule.skip,
        on_conflict: rule.on_conflict,
    }
}

/// A rule after a catch-all never applies, unless it names a kind the catch-all does not cover
/// (the unified `Gateway`).
fn check_shadowing(rules: &[&GatewayMatch], at: &Pointer, problems: &mut Vec<Problem>) {
    let Some(catch_all) = rules.iter().position(|m| m.is_catch_all()) else {
        return;
    };
    for (i, matcher) in rules.iter().enumerate().skip(catch_all + 1) {
        let escapes = matcher
            .covered_kinds()
            .iter()
            .any(|k| !drain::default_kinds(matcher.section).any(|d| d == *k));
        if !escapes {
            problems.push(problem(
                at.index(i),
                format!(
                    "rule {} ({}) never applies: rule {} before it matches {}",
                    i + 1,
                    matcher,
                    catch_all + 1,
                    match matcher.section {
                        Section::Workload => "every workload",
                        _ => "every gateway",
                    }
                ),
                "move the catch-all rule last, or give it a match",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drain::Field;
    use crate::policy::OnConflict;

    fn file(text: &str) -> Result<DrainPolicy, Vec<Diagnostic>> {
        parse_file_text(text, "policy.yaml")
    }

    const HEAD: &str = "apiVersion: meshdrain.io/v1alpha1\nkind: DrainPolicy\nmetadata:\n  name: p\n  annotations: {anything: goes}\n";

    #[test]
    fn the_default_document_is_the_default_policy() {
        let text = default_yaml();
        assert_eq!(file(&text).unwrap(), DrainPolicy::default());
    }

    #[test]
    fn a_full_policy_compiles() {
        let p = file(&format!(
            "{HEAD}spec:\n  sidecar:\n    drainDuration: 1m\n    terminationDrainDuration: 25s\n  gateways:\n  - match:\n      kinds: [IngressGateway]\n      names: ['edge-*']\n    connectionDrainDuration: 20s\n    onConflict: keep\n  - match: {{namespaces: [legacy]}}\n    skip: true\n  - connectionDrainDuration: 10s\n  onConflict: error\n"
        ))
        .unwrap();
        assert_eq!(p.on_conflict, OnConflict::Error);
        let sidecar = p.sidecar.unwrap();
        assert_eq!(
            sidecar.get(Field::DrainDuration).map(|d| d.secs()),
            Some(60)
        );
        let rules = p.gateways.unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].on_conflict, Some(OnConflict::Keep));
        assert!(rules[1].skip);
    }

    #[test]
    fn unknown_spec_fields_point_at_the_key() {
        let errs = file(&format!("{HEAD}spec:\n  sidecar:\n    drainDuraton: 50s\n")).unwrap_err();
        let d = &errs[0];
        assert!(
            d.message.contains("unknown field `drainDuraton`"),
            "{}",
            d.message
        );
        let span = d.origin.span.unwrap();
        assert_eq!((span.start.line, span.start.column), (8, 5));
        assert_eq!(d.yaml_path.as_deref(), Some("spec.sidecar.drainDuraton"));
    }

    #[test]
    fn bad_values_are_reported_together() {
        let errs = file(&format!(
            "{HEAD}spec:\n  sidecar:\n    drainDuration: 50\n  gateways:\n  - connectionDrainDuration: 1.5s\n  - match: {{kinds: [Ingress], where: '$.spec['}}\n    connectionDrainDuration: 5s\n"
        ))
        .unwrap_err();
        let messages: Vec<&str> = errs.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(errs.len(), 5, "{messages:?}");
        assert!(messages[0].contains("bare number"));
        assert!(messages[1].contains("whole number of seconds"));
        assert!(messages[2].contains("\"Ingress\" is not an install.tetrate.io gateway kind"));
        assert!(messages[3].contains("JSONPath"));
        assert!(messages[4].contains("never applies"));
        assert_eq!(errs[0].origin.span.map(|s| s.start.line), Some(8));
    }

    #[test]
    fn embedded_policies_report_yaml_paths() {
        let value = serde_json::json!({"apiVersion": API_VERSION, "kind": KIND, "spec": {"gateways": [{"match": {"kind": ["X"]}, "connectionDrainDuration": "1s"}]}});
        let errs = parse_embedded(&value, "<kpt functionConfig>", "functionConfig").unwrap_err();
        assert_eq!(
            errs[0].yaml_path.as_deref(),
            Some("functionConfig.spec.gateways[0].match.kind")
        );
        assert!(errs[0].origin.span.is_none());
    }

    #[test]
    fn wrong_identity_and_shape() {
        let errs = file("apiVersion: v1\nkind: ConfigMap\nspec: {}\n").unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(file(&format!("{HEAD}---\n{HEAD}spec: {{}}\n")).is_err());
        assert!(file(&format!("{HEAD}spec: {{}}\nextra: 1\n")).is_err());
        let empty = file(&format!("{HEAD}spec: {{}}\n")).unwrap();
        assert_eq!(empty.sidecar, None);
        assert_eq!(empty.gateways, None);
    }

    #[test]
    fn a_section_written_as_a_list_is_refused() {
        // serde's derived structs read a sequence field by field; a section is a mapping.
        let errs = file(&format!("{HEAD}spec:\n  sidecar: [\"50s\"]\n")).unwrap_err();
        assert!(
            errs[0].message.contains("expected struct SidecarSpec"),
            "{errs:?}"
        );
        let errs = file(&format!("{HEAD}spec:\n  gateways: [[\"10s\"]]\n")).unwrap_err();
        assert!(
            errs[0].message.contains("expected struct GatewayRuleSpec"),
            "{errs:?}"
        );
    }

    #[test]
    fn workload_rules_compile() {
        let p = file(&format!(
            "{HEAD}spec:\n  workloads:\n  - match: {{kinds: [CronJob, Rollout], names: ['batch-*']}}\n    exitOnZeroActiveConnections: true\n    minimumDrainDuration: 10s\n    onConflict: keep\n  - match: {{namespaces: [legacy]}}\n    skip: true\n  - terminationDrainDuration: 25s\n    drainDuration: 30s\n    gracePeriodMargin: 8s\n  injectedNamespaces: [shop, 'team-*']\n"
        ))
        .unwrap();
        let rules = p.workloads.unwrap();
        assert_eq!(rules.len(), 3);
        assert!(rules[0].exits_on_zero());
        assert_eq!(rules[0].on_conflict, Some(OnConflict::Keep));
        assert_eq!(
            rules[0]
                .durations
                .get(Field::MinimumDrainDuration)
                .map(|d| d.secs()),
            Some(10)
        );
        assert!(rules[1].skip);
        assert_eq!(
            rules[2]
                .durations
                .get(Field::GracePeriodMargin)
                .map(|d| d.secs()),
            Some(8)
        );
        assert!(rules[2].matcher.is_catch_all());
        assert!(p.injected_namespaces.iter().any(|n| n.matches("team-a")));
        assert!(!p.injected_namespaces.iter().any(|n| n.matches("other")));
        // Not written anywhere by the built-in default.
        assert_eq!(DrainPolicy::default().workloads, None);
    }

    #[test]
    fn a_gateway_rule_with_only_a_margin_does_nothing() {
        let errs = file(&format!(
            "{HEAD}spec:\n  gateways:\n  - gracePeriodMargin: 5s\n"
        ))
        .unwrap_err();
        assert!(
            errs[0]
                .message
                .contains("neither sets connectionDrainDuration nor skips"),
            "{errs:?}"
        );
        assert!(file(&format!(
            "{HEAD}spec:\n  gateways:\n  - connectionDrainDuration: 30s\n    gracePeriodMargin: 10s\n"
        ))
        .is_ok());
    }

    #[test]
    fn a_rule_after_the_catch_all_never_applies_even_for_the_unified_gateway() {
        // The catch-all covers the unified Gateway too (a default target since TSB 1.9+).
        let errs = file(&format!(
            "{HEAD}spec:\n  gateways:\n  - connectionDrainDuration: 10s\n  - match: {{kinds: [Gateway]}}\n    connectionDrainDuration: 5s\n"
        ))
        .unwrap_err();
        assert!(errs[0].message.contains("never applies"), "{errs:?}");
        let ok = file(&format!(
            "{HEAD}spec:\n  gateways:\n  - match: {{kinds: [Gateway]}}\n    connectionDrainDuration: 5s\n  - connectionDrainDuration: 10s\n"
        ));
        assert!(ok.is_ok(), "{ok:?}");
    }
}
