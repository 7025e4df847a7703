//! The rules: one file each, registered in [`RULES`] (the one place that lists them), and the
//! few helpers several rules share.

/// The engine reports GD000 itself, while it reads the inputs (`lint::context`).
pub(super) mod gd000_invalid_yaml;
mod gd001_missing_sidecar_drain;
mod gd002_invalid_duration;
mod gd003_non_positive_drain;
mod gd004_fractional_drain;
mod gd005_drain_not_below_parent_shutdown;
mod gd006_drain_over_one_hour;
mod gd007_drain_exceeds_grace_period;
mod gd008_overlay_wrong_target;
mod gd009_duplicate_overlay;
mod gd010_duplicate_patch_path;
mod gd011_overlapping_patches;
mod gd012_misplaced_drain_key;
mod gd013_gateway_without_drain;
mod gd014_inconsistent_drain;
mod gd015_gateway_drain_exceeds_grace_period;
mod gd016_install_fields_on_routing_gateway;
mod gd017_drain_set_twice;
mod gd018_tsb_version;
mod gd019_legacy_termination_env;
mod gd020_exit_on_zero;
mod gd021_hold_application_ineffective;
mod gd022_invalid_proxy_config_annotation;
mod gd023_ignored_kubespec_overlays;
mod gd024_unrendered_template;
mod gd025_malformed_overlay_path;
mod gd026_parent_shutdown_removed;
mod gd028_termination_drain_unset;
mod gd029_non_canonical_tsb_duration;
mod gd030_mesh_drain_outlasts_default_grace;

use crate::document::{NodeId, NodeKind, Tree};
use crate::duration::{GoDuration, ParseError, SECOND};
use crate::model::injection::{self, NamespaceFacts};
use crate::model::mesh::{DrainField, DurationSite, MeshSource, Place, Written};
use crate::model::shutdown;
use crate::model::workload::{self, Container, ProxyConfig};
use crate::model::{self, OverlayList};
use crate::patch::Pointer;

use super::Rule;
use super::context::{Class, Context, Object};

/// Every rule, in code order. `meshdrain explain`, SARIF's rule list and the engine read this.
pub static RULES: &[&dyn Rule] = &[
    &gd000_invalid_yaml::InvalidYaml,
    &gd001_missing_sidecar_drain::MissingSidecarDrain,
    &gd002_invalid_duration::InvalidDuration,
    &gd003_non_positive_drain::NonPositiveDrain,
    &gd004_fractional_drain::FractionalDrain,
    &gd005_drain_not_below_parent_shutdown::DrainNotBelowParentShutdown,
    &gd006_drain_over_one_hour::DrainOverOneHour,
    &gd007_drain_exceeds_grace_period::DrainExceedsGracePeriod,
    &gd008_overlay_wrong_target::OverlayWrongTarget,
    &gd009_duplicate_overlay::DuplicateOverlay,
    &gd010_duplicate_patch_path::DuplicatePatchPath,
    &gd011_overlapping_patches::OverlappingPatches,
    &gd012_misplaced_drain_key::MisplacedDrainKey,
    &gd013_gateway_without_drain::GatewayWithoutDrain,
    &gd014_inconsistent_drain::InconsistentDrain,
    &gd015_gateway_drain_exceeds_grace_period::GatewayDrainExceedsGracePeriod,
    &gd016_install_fields_on_routing_gateway::InstallFieldsOnRoutingGateway,
    &gd017_drain_set_twice::DrainSetTwice,
    &gd018_tsb_version::TsbVersion,
    &gd019_legacy_termination_env::LegacyTerminationEnv,
    &gd020_exit_on_zero::ExitOnZero,
    &gd021_hold_application_ineffective::HoldApplicationIneffective,
    &gd022_invalid_proxy_config_annotation::InvalidProxyConfigAnnotation,
    &gd023_ignored_kubespec_overlays::IgnoredKubeSpecOverlays,
    &gd024_unrendered_template::UnrenderedTemplate,
    &gd025_malformed_overlay_path::MalformedOverlayPath,
    &gd026_parent_shutdown_removed::ParentShutdownRemoved,
    &gd028_termination_drain_unset::TerminationDrainUnset,
    &gd029_non_canonical_tsb_duration::NonCanonicalTsbDuration,
    &gd030_mesh_drain_outlasts_default_grace::MeshDrainOutlastsDefaultGrace,
];

/// A written duration, read the way Istio reads it (Go's `time.ParseDuration`).
pub(crate) enum Parsed<'a> {
    Duration(GoDuration),
    /// Not a string at all (a YAML integer, a mapping, …).
    NotString {
        what: &'static str,
        text: &'a str,
    },
    Invalid {
        text: &'a str,
        error: ParseError,
    },
}

pub(crate) fn parse(written: &Written) -> Parsed<'_> {
    match written {
        Written::Text(t) => match GoDuration::parse(t) {
            Ok(d) => Parsed::Duration(d),
            Err(error) => Parsed::Invalid { text: t, error },
        },
        Written::Other { what, text } => Parsed::NotString { what, text },
    }
}

/// The duration a setting holds, when it is a valid one.
pub(crate) fn duration(written: &Written) -> Option<GoDuration> {
    match parse(written) {
        Parsed::Duration(d) => Some(d),
        _ => None,
    }
}

/// protobuf's canonical JSON form of a duration: seconds, with up to nine fractional digits
/// (`90s`, `1.5s`, `-0.000000001s`), as protojson writes and reads it.
pub(crate) fn exact(d: GoDuration) -> String {
    let n = d.nanos();
    let sign = if n < 0 { "-" } else { "" };
    let abs = n.unsigned_abs();
    let (secs, frac) = (abs / SECOND, abs % SECOND);
    if frac == 0 {
        format!("{sign}{secs}s")
    } else {
        let digits = format!("{frac:09}");
        format!("{sign}{secs}.{}s", digits.trim_end_matches('0'))
    }
}

/// Seconds, for arithmetic with grace periods.
pub(crate) fn seconds(d: GoDuration) -> f64 {
    d.nanos() as f64 / SECOND as f64
}

/// `12`, `12.5`: seconds for messages.
pub(crate) fn show_seconds(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{s}s")
    }
}

/// Where a site sits, when its YAML path does not say (a value inside an annotation or env).
pub(crate) fn site_place(site: &DurationSite) -> &'static str {
    match site.place {
        Place::Annotation => " in the proxy.istio.io/config annotation",
        Place::ProxyConfigEnv => " in the PROXY_CONFIG env of istio-proxy",
        _ => "",
    }
}

/// `drainDuration "1500ms" in the proxy.istio.io/config annotation`: the field, the value as
/// written, and where it sits.
pub(crate) fn site_value(site: &DurationSite) -> String {
    match &site.written {
        Written::Text(t) => format!("{} {t:?}{}", site.field.name(), site_place(site)),
        Written::Other { text, .. } => format!("{} {text}{}", site.field.name(), site_place(site)),
    }
}

/// How a site is named in a message: the field, and where it sits when that is not obvious.
pub(crate) fn site_label(site: &DurationSite) -> String {
    match site.place {
        Place::Annotation => format!(
            "{} in the {} annotation",
            site.field.name(),
            workload::PROXY_CONFIG_ANNOTATION
        ),
        Place::ProxyConfigEnv => format!(
            "{} in the {} env of istio-proxy",
            site.field.name(),
            workload::PROXY_CONFIG_ENV
        ),
        _ => site.field.name().to_owned(),
    }
}

/// Every drain duration that reaches Istio or TSB from an object (computed once, in the
/// context): overlays other than the last one for `tsb-istiocontrolplane` are left out, since
/// TSB never applies them (GD009 reports those).
pub(crate) fn duration_sites<'c>(
    cx: &'c Context,
    object: &Object,
) -> impl Iterator<Item = &'c DurationSite> {
    cx.sites(object)
        .iter()
        .filter(|s| s.place != Place::Overlay { effective: false })
}

/// A mesh setting as it applies to a workload, and where it comes from.
pub(crate) struct Effective {
    pub value: Option<GoDuration>,
    /// `the proxy.istio.io/config annotation`, `ControlPlane istio-system/cp`, `Istio's default`.
    pub from: String,
}

/// A default-config field as a workload's sidecar sees it: its istio-proxy's `PROXY_CONFIG`
/// env, else its `proxy.istio.io/config` annotation, else the last mesh config in the input
/// that sets it for the sidecar's revision (`istio-<rev>`; when the input has none for it,
/// those that name no revision), else Istio's default.
pub(crate) fn effective(
    configs: &[ProxyConfig],
    meshes: &[(&Object, &MeshSource)],
    field: DrainField,
    revision: &str,
) -> Effective {
    for config in configs.iter().rev() {
        if let Some(site) = config.sites().into_iter().find(|s| s.field == field) {
            return Effective {
                value: duration(&site.written),
                from: match config.place {
                    Place::ProxyConfigEnv => "the PROXY_CONFIG env of istio-proxy".to_owned(),
                    _ => format!("the {} annotation", workload::PROXY_CONFIG_ANNOTATION),
                },
            };
        }
    }
    for (object, source) in super::mesh_configs::for_revision(meshes, revision)
        .into_iter()
        .rev()
    {
        if let Some(setting) = source.defaults.get(field) {
            return Effective {
                value: duration(&setting.written),
                from: object.describe(),
            };
        }
    }
    Effective {
        value: Some(field.spec().default_duration()),
        from: "Istio's default".to_owned(),
    }
}

/// The Istio revision of a workload's sidecar: its pods' `istio.io/rev` label, else its
/// namespace's, else the default.
pub(crate) fn revision(cx: &Context, object: &Object, template: &workload::PodTemplate) -> String {
    let labels = object.namespace().and_then(|ns| cx.namespaces.get(ns));
    crate::model::istio::workload_revision(cx.tree(object), template.node, labels)
}

/// Whether Istio injects a sidecar into a workload's pods, as render decides it.
pub(crate) fn injected(cx: &Context, object: &Object, template: &workload::PodTemplate) -> bool {
    injection_of(cx, object, template).is_injected()
}

/// Whether Istio injects a sidecar into a workload's pods, and why.
pub(crate) fn injection_of(
    cx: &Context,
    object: &Object,
    template: &workload::PodTemplate,
) -> injection::Injection {
    let name = object.namespace();
    let namespace = NamespaceFacts {
        name,
        labels: name.and_then(|ns| cx.namespaces.get(ns)),
        listed: cx
            .options
            .injected_namespaces
            .iter()
            .any(|p| p.matches(name.unwrap_or(""))),
    };
    injection::injection(cx.tree(object), template, cx.containers(object), namespace)
}

/// A workload's sidecar and its shutdown path, as render decides them.
pub(crate) fn shutdown_of(
    cx: &Context,
    object: &Object,
    template: &workload::PodTemplate,
) -> (shutdown::SidecarKind, shutdown::ShutdownPath) {
    let kind = shutdown::sidecar_kind(
        cx.tree(object),
        template,
        cx.containers(object),
        cx.mesh_facts(),
    );
    let path = shutdown::shutdown_path(
        &kind,
        shutdown::exits_on_zero(cx.proxy_configs(object)),
        cx.options.istio_version,
    );
    (kind, path)
}

/// The longest preStop sleep among the containers, with the container's name.
pub(crate) fn longest_prestop(tree: &Tree, containers: &[Container]) -> Option<(f64, String)> {
    containers
        .iter()
        .filter_map(|c| {
            let sleep = workload::prestop_sleep(tree, c)?;
            Some((sleep.seconds, c.name.clone().unwrap_or_default()))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

/// The overlay lists of an object (ControlPlane components, gateways, IstioOperator).
pub(crate) fn overlay_lists(cx: &Context, object: &Object) -> Vec<OverlayList> {
    let tree = cx.tree(object);
    match object.class {
        Class::ControlPlane { .. } | Class::InstallGateway(_) | Class::IstioOperator => {
            model::overlay_lists(tree, object.resource.node, object.pointer())
        }
        _ => Vec::new(),
    }
}

/// One overlay of an object, with its patches.
pub(crate) struct Overlay<'t> {
    pub node: NodeId,
    pub patches: Vec<Patch<'t>>,
}

/// One patch with a string path.
pub(crate) struct Patch<'t> {
    pub index: usize,
    pub node: NodeId,
    pub path: &'t str,
    /// Where the patch's `path` is, from the document root.
    pub path_pointer: Pointer,
}

/// Every overlay of every overlay list of an object, with its patches.
pub(crate) fn overlays<'c>(cx: &'c Context, object: &Object) -> Vec<Overlay<'c>> {
    let tree = cx.tree(object);
    let mut out = Vec::new();
    for list in overlay_lists(cx, object) {
        for (o, &overlay) in tree.items(list.node).iter().enumerate() {
            let pointer = list.pointer.index(o);
            let patches = patches(tree, overlay)
                .into_iter()
                .map(|(index, node, path)| Patch {
                    index,
                    node,
                    path,
                    path_pointer: pointer.key("patches").index(index).key("path"),
                })
                .collect();
            out.push(Overlay {
                node: overlay,
                patches,
            });
        }
    }
    out
}

/// The `(index, node, path text)` of each patch of an overlay that has a string path.
pub(crate) fn patches(tree: &Tree, overlay: NodeId) -> Vec<(usize, NodeId, &str)> {
    let Some(list) = tree.get(overlay, "patches") else {
        return Vec::new();
    };
    tree.items(list)
        .iter()
        .enumerate()
        .filter_map(|(i, &p)| Some((i, p, tree.str_at(p, "path")?)))
        .collect()
}

/// Calls `f` on every mapping entry `(key node, key, value node, pointer to the value)` below
/// `node`, depth first, not through aliases.
pub(crate) fn walk_entries<'t>(
    tree: &'t Tree,
    node: NodeId,
    pointer: &Pointer,
    f: &mut dyn FnMut(NodeId, &'t str, NodeId, &Pointer),
) {
    match tree.node(node).map(|n| &n.kind) {
        Some(NodeKind::Mapping { entries, .. }) => {
            for &(k, v) in entries {
                let Some(key) = tree.node(k).and_then(|n| n.as_str()) else {
                    continue;
                };
                let ptr = pointer.key(key);
                f(k, key, v, &ptr);
                walk_entries(tree, v, &ptr, f);
            }
        }
        Some(NodeKind::Sequence { items, .. }) => {
            for (i, &item) in items.iter().enumerate() {
                walk_entries(tree, item, &pointer.index(i), f);
            }
        }
        _ => {}
    }
}

/// Calls `f` on every scalar below `node` with its pointer.
pub(crate) fn walk_scalars<'t>(
    tree: &'t Tree,
    node: NodeId,
    pointer: &Pointer,
    f: &mut dyn FnMut(NodeId, &'t str, &Pointer),
) {
    match tree.node(node).map(|n| &n.kind) {
        Some(NodeKind::Scalar { value, .. }) => f(node, value, pointer),
        Some(NodeKind::Mapping { entries, .. }) => {
            for &(k, v) in entries {
                let Some(key) = tree.node(k).and_then(|n| n.as_str()) else {
                    continue;
                };
                walk_scalars(tree, v, &pointer.key(key), f);
            }
        }
        Some(NodeKind::Sequence { items, .. }) => {
            for (i, &item) in items.iter().enumerate() {
                walk_scalars(tree, item, &pointer.index(i), f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_registers_exactly_the_policy_s_rule_codes() {
        let codes: Vec<&str> = RULES.iter().map(|r| r.meta().code).collect();
        assert_eq!(codes, crate::policy::ignore::RULE_CODES);
    }

    #[test]
    fn canonical_seconds() {
        let d = |s: &str| GoDuration::parse(s).unwrap();
        assert_eq!(exact(d("1m30s")), "90s");
        assert_eq!(exact(d("1m30.5s")), "90.5s");
        assert_eq!(exact(d("1500ms")), "1.5s");
        assert_eq!(exact(d("-1ns")), "-0.000000001s");
        assert_eq!(exact(d("0")), "0s");
    }

    #[test]
    fn codes_are_unique_ordered_and_documented() {
        let codes: Vec<&str> = RULES.iter().map(|r| r.meta().code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted, "codes must be unique and in order");
        for rule in RULES {
            let meta = rule.meta();
            let doc = meta.doc_text();
            let sections = [
                "## What it detects",
                "## Why it matters",
                "## Example",
                "## Fix",
            ];
            let mut at = 0;
            for s in sections {
                let found = doc.get(at..).and_then(|rest| rest.find(s));
                assert!(found.is_some(), "{}: missing or misplaced {s:?}", meta.code);
                at += found.unwrap_or(0) + s.len();
            }
            assert!(
                meta.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                meta.code
            );
        }
    }
}
