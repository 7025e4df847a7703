//! The first stage: from the policy to the drain fields each resource needs (its drain table
//! target's section and location, the policy's durations for it, the conflict rule).

use serde_json::Value;

use crate::drain::{self, Field, Location, Section};
use crate::model::Resource;
use crate::policy::{DrainPolicy, OnConflict};

use super::options::RenderOptions;

/// One drain field to look after in one resource.
#[derive(Clone, Debug)]
pub(super) struct Task {
    /// Where the resource keeps the field (its drain table target's location).
    pub(super) location: Location,
    pub(super) field: Field,
    pub(super) wanted: crate::duration::DrainSeconds,
    pub(super) on_conflict: OnConflict,
    /// The 1-based gateway rule that chose the value, for the summary.
    pub(super) rule: Option<usize>,
}

/// Whether the policy has anything for this resource at all (decided before reading JSON).
pub(super) fn is_candidate(resource: &Resource, policy: &DrainPolicy) -> bool {
    match resource.target.map(|t| t.section) {
        Some(Section::Sidecar) => policy.sidecar.is_some(),
        Some(Section::Gateway) => policy.gateways.is_some(),
        None => false,
    }
}

/// The tasks for one candidate resource; `object` is the resource read as JSON. Fields come
/// in drain table order.
pub(super) fn tasks_for(resource: &Resource, object: &Value, options: &RenderOptions) -> Vec<Task> {
    let policy = &options.policy;
    let Some(target) = resource.target else {
        return Vec::new();
    };
    let (durations, on_conflict, rule) = match target.section {
        Section::Sidecar => match &policy.sidecar {
            Some(sidecar) => (sidecar, policy.on_conflict, None),
            None => return Vec::new(),
        },
        Section::Gateway => match policy.gateway_rule(&resource.reference.kind, object) {
            Some((_, rule)) if rule.skip => return Vec::new(),
            Some((index, rule)) => (
                &rule.durations,
                rule.on_conflict.unwrap_or(policy.on_conflict),
                Some(index + 1),
            ),
            None => return Vec::new(),
        },
    };
    drain::settable_in(target.section)
        .filter_map(|f| {
            Some(Task {
                location: target.location,
                field: f.field,
                wanted: durations.get(f.field)?,
                on_conflict,
                rule,
            })
        })
        .collect()
}

/// The field, with the gateway rule that chose the value when the policy has several.
pub(super) fn field_label(task: &Task, policy: &DrainPolicy) -> String {
    match task.rule {
        Some(rule) if policy.gateways.as_ref().is_some_and(|r| r.len() > 1) => {
            format!("{} (gateway rule {rule})", task.field.name())
        }
        _ => task.field.name().to_owned(),
    }
}
