//! What the proxies should run with: the policy and duration flags, resolved as render
//! resolves them (built-in < policy file < environment < flags), or rendered manifests
//! (`--manifests`), read by the linter's [`Context`] through the shared model.
//!
//! Pods are matched to the workloads of the manifests by namespace (a manifest without one
//! matches any, as `helm template` output has none) and then, in order: the pod's owner (its
//! controller from `ownerReferences` or `Controlled By:`, a ReplicaSet standing for its
//! Deployment; the proxy's `OWNER`/`WORKLOAD_NAME` metadata in a config dump), else the
//! pod's name (`<workload>-<hash>-<id>`, `<statefulset>-<n>`, `<daemonset>-<id>`), else the
//! workload's pod-template labels being a subset of the pod's. Several matches are
//! ambiguous, never a guess. A TSB install gateway (`IngressGateway`, …) is matched the same
//! way: its Deployment has the CR's name.

use std::collections::BTreeMap;

use crate::drain::Field;
use crate::duration::GoDuration;
use crate::lint::context::{Class, Context, Object};
use crate::model::mesh::{self, Place, Written};
use crate::policy::{DrainPolicy, GatewayRule, WorkloadRule};

use super::{Knob, Subject};

/// One expected value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    pub value: GoDuration,
    pub written: String,
    /// `--drain-duration`, `policy drain.yaml`, `the proxy.istio.io/config annotation of
    /// Deployment shop/web in manifests.yaml`.
    pub from: String,
    /// Set on the workload itself (its pod template), not mesh-wide.
    pub per_workload: bool,
}

/// What [`Expectations::lookup`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Found(Expectation),
    /// Nothing sets it; why.
    Nothing(String),
    /// It depends on what the evidence does not show; why.
    Ambiguous(String),
}

/// The policy and where each of its values came from.
pub struct PolicyExpectations {
    pub policy: DrainPolicy,
    /// Per field: `--drain-duration`, `environment variable MESHDRAIN_…`, `policy FILE`, `the
    /// built-in policy (the TSB guide's values)`.
    pub sources: BTreeMap<Field, String>,
}

/// Rendered manifests.
pub struct Manifests {
    pub cx: Context,
}

/// Where expected values come from.
pub enum Expectations {
    Policy(PolicyExpectations),
    Manifests(Manifests),
}

fn field_of(knob: Knob) -> Option<Field> {
    Some(match knob {
        Knob::DrainDuration => Field::DrainDuration,
        Knob::TerminationDrainDuration => Field::TerminationDrainDuration,
        Knob::GatewayDrain => Field::ConnectionDrainDuration,
        _ => return None,
    })
}

/// Whether a rule applies to a gateway pod, as far as the pod tells.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Applies {
    Yes,
    No,
    Maybe,
}

impl Expectations {
    /// The expected value of `knob` for `subject`.
    pub fn lookup(&self, subject: &Subject, knob: Knob) -> Lookup {
        match self {
            Expectations::Policy(p) => p.lookup(subject, knob),
            Expectations::Manifests(m) => m.lookup(subject, knob),
        }
    }

    /// Whether the expectations say the subject is a gateway (manifests: its install CR).
    pub fn gateway_hint(&self, subject: &Subject) -> Option<String> {
        match self {
            Expectations::Manifests(m) => m
                .gateway_for(subject)
                .ok()
                .flatten()
                .map(|o| format!("--manifests has its {}", o.describe())),
            Expectations::Policy(_) => None,
        }
    }

    /// `the policy` or `--manifests`, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Expectations::Policy(_) => "the policy",
            Expectations::Manifests(_) => "--manifests",
        }
    }
}

impl PolicyExpectations {
    fn source(&self, field: Field) -> String {
        self.sources
            .get(&field)
            .cloned()
            .unwrap_or_else(|| "the policy".to_owned())
    }

    fn lookup(&self, subject: &Subject, knob: Knob) -> Lookup {
        let Some(field) = field_of(knob) else {
            return Lookup::Nothing(format!("the policy does not set {}", knob.name()));
        };
        if knob == Knob::GatewayDrain {
            return self.gateway(subject);
        }
        if let Some(found) = self.workload(subject, field) {
            return found;
        }
        let Some(sidecar) = &self.policy.sidecar else {
            return Lookup::Nothing(
                "the policy leaves the mesh's proxy config untouched (no spec.sidecar)".to_owned(),
            );
        };
        match sidecar.get(field) {
            Some(d) => Lookup::Found(Expectation {
                value: d.as_go(),
                written: d.canonical(),
                from: self.source(field),
                per_workload: false,
            }),
            None => Lookup::Nothing(format!(
                "the policy sets no {} (it leaves it to the mesh; by Istio's source the default is {})",
                field.name(),
                super::canonical(field.spec().default_duration())
            )),
        }
    }

    fn applies(rule: &GatewayRule, subject: &Subject) -> Applies {
        let m = &rule.matcher;
        let mut out = Applies::Yes;
        let mut merge = |a: Applies| {
            out = match (out, a) {
                (Applies::No, _) | (_, Applies::No) => Applies::No,
                (Applies::Maybe, _) | (_, Applies::Maybe) => Applies::Maybe,
                _ => Applies::Yes,
            }
        };
        let all_kinds = crate::drain::gateway_kinds().count();
        if m.covered_kinds().len() < all_kinds {
            merge(Applies::Maybe);
        }
        if !m.namespaces.is_empty() {
            merge(match &subject.namespace {
                Some(ns) if m.namespaces.iter().any(|n| n == ns) => Applies::Yes,
                Some(_) => Applies::No,
                None => Applies::Maybe,
            });
        }
        if !m.names.is_empty() {
            merge(match &subject.owner {
                Some(o) if m.names.iter().any(|p| p.matches(&o.name)) => Applies::Yes,
                Some(_) => Applies::No,
                None => Applies::Maybe,
            });
        }
        if !m.labels.is_empty() || m.where_query.is_some() {
            merge(Applies::Maybe);
        }
        out
    }

    /// Whether a workload rule applies to the pod's workload, as far as the pod shows it: its
    /// namespace, and its owner's kind and name (a ReplicaSet standing for its Deployment).
    fn workload_applies(rule: &WorkloadRule, subject: &Subject) -> Applies {
        let m = &rule.matcher;
        let mut out = Applies::Yes;
        let mut merge = |a: Applies| {
            out = match (out, a) {
                (Applies::No, _) | (_, Applies::No) => Applies::No,
                (Applies::Maybe, _) | (_, Applies::Maybe) => Applies::Maybe,
                _ => Applies::Yes,
            }
        };
        let owner_kind = subject.owner.as_ref().and_then(|o| o.kind.as_deref());
        let kinds = m.covered_kinds();
        merge(match owner_kind {
            Some(k) if kinds.contains(&k) => Applies::Yes,
            Some("ReplicaSet") if kinds.contains(&"Deployment") || kinds.contains(&"Rollout") => {
                Applies::Maybe
            }
            Some(_) if !m.kinds.is_empty() => Applies::No,
            Some(_) => Applies::Yes,
            None if m.kinds.is_empty() => Applies::Yes,
            None => Applies::Maybe,
        });
        if !m.namespaces.is_empty() {
            merge(match &subject.namespace {
                Some(ns) if m.namespaces.iter().any(|n| n == ns) => Applies::Yes,
                Some(_) => Applies::No,
                None => Applies::Maybe,
            });
        }
        if !m.names.is_empty() {
            merge(match (&subject.owner, owner_kind) {
                (Some(o), Some(k))
                    if k != "ReplicaSet" && m.names.iter().any(|p| p.matches(&o.name)) =>
                {
                    Applies::Yes
                }
                (Some(o), Some(k))
                    if k != "ReplicaSet" && !m.names.iter().any(|p| p.matches(&o.name)) =>
                {
                    Applies::No
                }
                _ => Applies::Maybe,
            });
        }
        if !m.labels.is_empty() || m.where_query.is_some() {
            merge(Applies::Maybe);
        }
        out
    }

    /// The value the first matching workload rule writes into the pod's proxy config, where the
    /// pod says enough to decide it; `None` when no rule applies (the mesh's value then).
    fn workload(&self, subject: &Subject, field: Field) -> Option<Lookup> {
        let rules = self.policy.workloads.as_ref()?;
        let mut outcomes: Vec<Option<GoDuration>> = Vec::new();
        let mut decided = false;
        let mut first = None;
        for (i, rule) in rules.iter().enumerate() {
            match Self::workload_applies(rule, subject) {
                Applies::No => continue,
                a => {
                    let value = (!rule.skip)
                        .then(|| rule.durations.get(field))
                        .flatten()
                        .map(|d| d.as_go());
                    if !outcomes.contains(&value) {
                        outcomes.push(value);
                    }
                    first.get_or_insert(i);
                    if a == Applies::Yes {
                        decided = true;
                        break;
                    }
                }
            }
        }
        if !decided && !outcomes.contains(&None) {
            outcomes.push(None);
        }
        match (outcomes.as_slice(), first) {
            ([Some(value)], Some(i)) => Some(Lookup::Found(Expectation {
                value: *value,
                written: super::canonical(*value),
                from: format!("{} (workload rule {})", self.source(field), i + 1),
                per_workload: true,
            })),
            ([None], _) | ([], _) => None,
            _ => Some(Lookup::Ambiguous(
                "which workload rule applies depends on the workload's labels, name or a `where` query, which a pod does not show: pass the rendered workloads with --manifests".to_owned(),
            )),
        }
    }

    /// The first matching gateway rule, where the pod says enough to decide it.
    fn gateway(&self, subject: &Subject) -> Lookup {
        let Some(rules) = &self.policy.gateways else {
            return Lookup::Nothing(
                "the policy leaves gateways untouched (no spec.gateways)".to_owned(),
            );
        };
        let mut outcomes: Vec<Option<GoDuration>> = Vec::new();
        let mut decided = false;
        let mut first: Option<(usize, &GatewayRule)> = None;
        for (i, rule) in rules.iter().enumerate() {
            match Self::applies(rule, subject) {
                Applies::No => continue,
                a => {
                    let value = (!rule.skip)
                        .then(|| rule.durations.get(Field::ConnectionDrainDuration))
                        .flatten()
                        .map(|d| d.as_go());
                    if !outcomes.contains(&value) {
                        outcomes.push(value);
                    }
                    first.get_or_insert((i, rule));
                    if a == Applies::Yes {
                        decided = true;
                        break;
                    }
                }
            }
        }
        if !decided && !outcomes.contains(&None) {
            outcomes.push(None);
        }
        match (outcomes.as_slice(), first) {
            ([Some(value)], Some((i, _))) => Lookup::Found(Expectation {
                value: *value,
                written: super::canonical(*value),
                from: match self.source(Field::ConnectionDrainDuration) {
                    from if from.starts_with("policy ") => format!("{from} (gateway rule {})", i + 1),
                    from => from,
                },
                per_workload: false,
            }),
            ([None], _) => Lookup::Nothing(
                "no gateway rule of the policy sets connectionDrainDuration for this gateway".to_owned(),
            ),
            _ => Lookup::Ambiguous(
                "which gateway rule applies depends on the gateway's install CR (its kind, labels or a `where` query), which a pod does not show: pass the rendered CRs with --manifests".to_owned(),
            ),
        }
    }
}

/// The generated suffix a controller adds to its pods' names.
fn generated_suffix(rest: &str) -> bool {
    let token = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    match rest.split_once('-') {
        // Deployment (ReplicaSet hash, pod id), CronJob (job id, pod id).
        Some((a, b)) => token(a, 4, 11) && token(b, 5, 5),
        // StatefulSet ordinal, DaemonSet / Job / ReplicaSet pod id.
        None => rest.chars().all(|c| c.is_ascii_digit()) && !rest.is_empty() || token(rest, 5, 5),
    }
}

fn described(cx: &Context, object: &Object) -> String {
    match cx.input(object) {
        Some(input) => format!("{} in {}", object.describe(), input.name),
        None => object.describe(),
    }
}

impl Manifests {
    /// The objects of a class predicate that are the subject's, by the rules in the module doc.
    fn matching<'a>(
        &'a self,
        subject: &Subject,
        wanted: impl Fn(&Class) -> bool,
    ) -> Result<Option<&'a Object>, String> {
        let in_namespace = |o: &&Object| match (o.namespace(), &subject.namespace) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        let candidates: Vec<&Object> = self
            .cx
            .objects
            .iter()
            .filter(|o| wanted(&o.class))
            .filter(in_namespace)
            .collect();
        let one = |found: Vec<&'a Object>, how: &str| match found.as_slice() {
            [] => Ok(None),
            [only] => Ok(Some(*only)),
            many => Err(format!(
                "{} in --manifests match it by {how} ({}): which one it runs is not clear",
                many.len(),
                many.iter()
                    .map(|o| o.describe())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        if let Some(owner) = &subject.owner {
            let found: Vec<&Object> = candidates
                .iter()
                .copied()
                .filter(|o| o.name() == Some(owner.name.as_str()))
                .filter(|o| {
                    owner.kind.as_deref().is_none_or(|k| {
                        k == o.resource.reference.kind
                            || matches!(o.class, Class::InstallGateway(_))
                            || (k == "Deployment" && o.resource.reference.kind == "Rollout")
                    })
                })
                .collect();
            if !found.is_empty() {
                return one(found, "owner name");
            }
        }
        if let Some(pod) = &subject.pod {
            let mut found: Vec<&Object> = candidates
                .iter()
                .copied()
                .filter(|o| {
                    o.name().is_some_and(|n| {
                        n == pod
                            || pod
                                .strip_prefix(n)
                                .and_then(|r| r.strip_prefix('-'))
                                .is_some_and(generated_suffix)
                    })
                })
                .collect();
            // The longest name is the most specific (`web` and `web-api` both prefix `web-api-…`).
            let longest = found.iter().filter_map(|o| o.name()).map(str::len).max();
            found.retain(|o| o.name().map(str::len) == longest);
            if !found.is_empty() {
                return one(found, "pod name");
            }
        }
        if !subject.labels.is_empty() {
            let found: Vec<&Object> = candidates
                .iter()
                .copied()
                .filter(|o| {
                    let Class::Workload(t) = &o.class else {
                        return false;
                    };
                    let tree = self.cx.tree(o);
                    let labels = crate::model::workload::labels(tree, t.node);
                    !labels.is_empty()
                        && labels.iter().all(|(k, v)| subject.labels.get(k) == Some(v))
                })
                .collect();
            return one(found, "pod-template labels");
        }
        Ok(None)
    }

    fn workload_for(&self, subject: &Subject) -> Result<Option<&Object>, String> {
        self.matching(subject, |c| matches!(c, Class::Workload(_)))
    }

    fn gateway_for(&self, subject: &Subject) -> Result<Option<&Object>, String> {
        self.matching(subject, |c| matches!(c, Class::InstallGateway(_)))
    }

    fn written(written: &Written, from: String, per_workload: bool) -> Lookup {
        match written {
            Written::Text(t) => match GoDuration::parse(t) {
                Ok(value) => Lookup::Found(Expectation {
                    value,
                    written: t.clone(),
                    from,
                    per_workload,
                }),
                Err(e) => Lookup::Nothing(format!(
                    "{from} sets {t:?}, which is not a duration ({e}); meshdrain check reports it"
                )),
            },
            Written::Other { what, text } => Lookup::Nothing(format!(
                "{from} sets {text}, {what}, not a duration string; meshdrain check reports it"
            )),
        }
    }

    fn lookup(&self, subject: &Subject, knob: Knob) -> Lookup {
        let Some(field) = field_of(knob) else {
            return Lookup::Nothing(format!("--manifests does not set {}", knob.name()));
        };
        if knob == Knob::GatewayDrain {
            return match self.gateway_for(subject) {
                Err(why) => Lookup::Ambiguous(why),
                Ok(None) => Lookup::Nothing(
                    "--manifests has no install.tetrate.io gateway for it".to_owned(),
                ),
                Ok(Some(gw)) => {
                    let tree = self.cx.tree(gw);
                    match mesh::gateway_site(tree, gw.resource.node, gw.pointer()) {
                        Some(site) => Self::written(&site.written, described(&self.cx, gw), true),
                        None => Lookup::Nothing(format!(
                            "{} sets no connectionDrainDuration",
                            described(&self.cx, gw)
                        )),
                    }
                }
            };
        }
        let workload = match self.workload_for(subject) {
            Err(why) => return Lookup::Ambiguous(why),
            Ok(w) => w,
        };
        if let Some(w) = workload {
            let configs = self.cx.proxy_configs(w);
            // pilot-agent applies the annotation over PROXY_CONFIG: it wins.
            for place in [Place::Annotation, Place::ProxyConfigEnv] {
                for config in configs.iter().filter(|c| c.place == place) {
                    if let Some(site) = config.sites().into_iter().find(|s| s.field == field) {
                        let what = match place {
                            Place::Annotation => "the proxy.istio.io/config annotation",
                            _ => "the istio-proxy PROXY_CONFIG env",
                        };
                        let from = format!("{what} of {}", described(&self.cx, w));
                        return Self::written(&site.written, from, true);
                    }
                }
            }
        }
        let meshes = self.cx.mesh_sources();
        if let Some((object, setting)) = meshes
            .iter()
            .rev()
            .find_map(|(o, s)| Some((*o, s.defaults.get(field)?)))
        {
            return Self::written(&setting.written, described(&self.cx, object), false);
        }
        let whose = workload.map_or_else(
            || "no workload there matches it, and it has no mesh config".to_owned(),
            |w| format!("not {}, and no mesh config", described(&self.cx, w)),
        );
        Lookup::Nothing(format!(
            "nothing in --manifests sets {} for it ({whose})",
            field.name()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_pod_names() {
        assert!(generated_suffix("5d9f8c6b5-abcde"));
        assert!(generated_suffix("0"));
        assert!(generated_suffix("x7k2p"));
        assert!(!generated_suffix("api-5d9f8c6b5-abcde"));
        assert!(!generated_suffix(""));
    }
}
