//! Decisions for upstream Istio's mesh configs: a field of a `defaultConfig` mapping (an
//! IstioOperator's `spec.meshConfig.defaultConfig`, istiod Helm values'
//! `meshConfig.defaultConfig`, the `defaultConfig` of the mesh config document inside the
//! istiod chart's ConfigMap), written straight into the mapping, missing levels created.

use crate::document::{NodeId, Tree};
use crate::patch::{NewValue, Pointer};

use super::{Decision, PlanError, SidecarTask, Walk, check_below, created, decide, walk};

/// The mesh default-config field `task.field` in the `defaultConfig` mapping at `keys` below
/// `resource`: created with missing levels, replaced or kept by the conflict rule; the field
/// is found in either spelling (`drainDuration`, jsonpb's `drain_duration`). Istio up to 1.16
/// rejects a drainDuration that is not below the parentShutdownDuration of the same mapping:
/// such a change is refused, as is writing next to a parentShutdownDuration Istio rejects.
pub fn default_config(
    tree: &Tree,
    resource: NodeId,
    resource_path: &Pointer,
    keys: &[&str],
    task: &SidecarTask,
) -> Result<Decision, PlanError> {
    let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    let spec = task.field.spec();
    let leaf = NewValue::str(task.wanted.canonical());
    let name = spec.name.to_owned();
    let (decision, config) = match walk(
        tree,
        resource,
        resource_path,
        &keys,
        &NewValue::nest(std::slice::from_ref(&name), leaf.clone()),
    )? {
        Walk::Create(change) => {
            let mut all = keys.clone();
            all.push(name);
            (created(change, resource_path, &all), None)
        }
        Walk::Found(config, config_path) => {
            // The spelling the mapping already uses, else the camelCase one.
            let present = spec
                .names()
                .find(|n| tree.get(config, n).is_some())
                .unwrap_or(spec.name)
                .to_owned();
            let field = [present];
            let decision = match walk(tree, config, &config_path, &field, &leaf)? {
                Walk::Create(change) => created(change, &config_path, &field),
                Walk::Found(node, path) => {
                    decide(tree, node, &path, task.wanted, task.on_conflict)?
                }
            };
            (decision, Some(config))
        }
    };
    if let Some((other, up_to)) = spec.validation.below
        && task.istio <= up_to
        && matches!(decision, Decision::Change { .. })
    {
        let configured = config.and_then(|c| {
            other
                .spec()
                .names()
                .find_map(|n| tree.get(c, n))
                .filter(|v| !tree.node(*v).is_some_and(|n| n.is_null()))
        });
        check_below(
            tree,
            configured,
            task,
            (other, up_to),
            "mesh config",
            &format!("set a longer {} next to it", other.name()),
        )
        .map_err(|mut e| {
            // Point at the value the drain must stay below, when it is written.
            if e.at.is_none() {
                e.at = configured.and_then(|c| super::span(tree, c));
            }
            e
        })?;
    }
    Ok(decision)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drain::Field;
    use crate::duration::DrainSeconds;
    use crate::patch::Change;
    use crate::policy::{IstioVersion, OnConflict};

    fn task(field: Field, secs: u64, istio: &str) -> SidecarTask {
        SidecarTask {
            field,
            wanted: DrainSeconds::from_secs(secs).unwrap(),
            on_conflict: OnConflict::Override,
            istio: istio.parse::<IstioVersion>().unwrap(),
        }
    }

    fn plan(text: &str, t: &SidecarTask) -> Result<Decision, PlanError> {
        let tree = Tree::parse(text).unwrap();
        default_config(
            &tree,
            tree.root.unwrap(),
            &Pointer::root(),
            crate::drain::ISTIO_OPERATOR_DEFAULTS,
            t,
        )
    }

    #[test]
    fn missing_levels_are_created_and_either_spelling_is_the_field() {
        let t = task(Field::DrainDuration, 50, "1.29");
        match plan("spec: {}\n", &t).unwrap() {
            Decision::Change {
                change: Change::Add { path, value },
                ..
            } => {
                assert_eq!(path.to_json_pointer(), "/spec/meshConfig");
                assert_eq!(
                    value,
                    NewValue::nest(
                        &["defaultConfig".to_owned(), "drainDuration".to_owned()],
                        NewValue::str("50s")
                    )
                );
            }
            other => panic!("{other:?}"),
        }
        let d = plan(
            "spec:\n  meshConfig:\n    defaultConfig:\n      drain_duration: 50s\n",
            &t,
        )
        .unwrap();
        assert!(matches!(d, Decision::Unchanged { .. }), "{d:?}");
        let d = plan(
            "spec:\n  meshConfig:\n    defaultConfig:\n      drain_duration: 20s\n",
            &t,
        )
        .unwrap();
        match d {
            Decision::Change { path, .. } => assert_eq!(
                path.to_json_pointer(),
                "/spec/meshConfig/defaultConfig/drain_duration"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn up_to_istio_1_16_the_drain_stays_below_parent_shutdown() {
        let text = "spec:\n  meshConfig:\n    defaultConfig:\n      parentShutdownDuration: 40s\n";
        let e = plan(text, &task(Field::DrainDuration, 50, "1.16")).unwrap_err();
        assert_eq!(e.code, "drain-exceeds-parent-shutdown");
        assert!(plan(text, &task(Field::DrainDuration, 30, "1.16")).is_ok());
        // parentShutdownDuration is gone from 1.17: nothing to stay below.
        assert!(plan(text, &task(Field::DrainDuration, 50, "1.17")).is_ok());
        let rejected =
            "spec:\n  meshConfig:\n    defaultConfig:\n      parentShutdownDuration: 1.5s\n";
        let e = plan(rejected, &task(Field::DrainDuration, 1, "1.16")).unwrap_err();
        assert_eq!(e.code, "mesh-config-rejected");
        assert!(e.hint.contains("in the mesh config"), "{}", e.hint);
        // Istio's default parentShutdownDuration is 60s.
        let e = plan("spec: {}\n", &task(Field::DrainDuration, 60, "1.16")).unwrap_err();
        assert_eq!(e.code, "drain-exceeds-parent-shutdown");
    }

    #[test]
    fn a_mesh_config_that_is_not_a_mapping_is_refused() {
        let e = plan(
            "spec:\n  meshConfig:\n    defaultConfig: [a]\n",
            &task(Field::TerminationDrainDuration, 20, "1.29"),
        )
        .unwrap_err();
        assert_eq!(e.code, "unexpected-structure");
    }
}
