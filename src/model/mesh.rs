//! The mesh's default proxy config as manifests declare it: every place a drain duration is
//! written (for the validity rules), and which value takes effect (for the rules that reason
//! about timing). A TSB ControlPlane (CR or Helm values) keeps it in the last
//! `tsb-istiocontrolplane` overlay, an IstioOperator in `spec.meshConfig.defaultConfig`, a raw
//! mesh config in `defaultConfig`.

use std::collections::BTreeMap;

use crate::document::{NodeId, NodeKind, ScalarType, Tree};
use crate::patch::Pointer;

use super::{
    FieldPatch, default_config_path, effective_overlay, is_istio_overlay, normalize_patch_path,
};

/// The drain durations meshdrain knows: the drain table's fields.
pub use crate::drain::Field as DrainField;

/// A written value as Kubernetes reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    /// A string (quoted, or plain and not another YAML type).
    Text(String),
    /// Anything else, described (`an integer`, `a mapping`, …), with its source text.
    Other { what: &'static str, text: String },
}

impl Written {
    /// What a tree node holds; `None` for null (jsonpb and protojson read null as unset). A
    /// scalar alias is read through to its anchor.
    pub fn of(tree: &Tree, node: NodeId) -> Option<Written> {
        let mut n = tree.node(node)?;
        if let NodeKind::Alias { anchor } = n.kind
            && let Some(target) = tree.anchored(anchor).and_then(|a| tree.node(a))
            && matches!(target.kind, NodeKind::Scalar { .. })
        {
            n = target;
        }
        if n.is_null() {
            return None;
        }
        Some(match &n.kind {
            NodeKind::Scalar { value, .. } => match n.scalar_type() {
                Some(ScalarType::Str) | None => Written::Text(value.clone()),
                Some(t) => Written::Other {
                    what: t.describe(),
                    text: value.clone(),
                },
            },
            kind => Written::Other {
                what: match kind {
                    NodeKind::Mapping { .. } => "a mapping",
                    NodeKind::Sequence { .. } => "a sequence",
                    _ => "an alias",
                },
                text: String::new(),
            },
        })
    }

    /// What a JSON value (a parsed annotation or env payload) holds.
    pub fn of_json(value: &serde_json::Value) -> Written {
        use serde_json::Value;
        match value {
            Value::String(s) => Written::Text(s.clone()),
            Value::Null => Written::Other {
                what: "null",
                text: "null".to_owned(),
            },
            Value::Bool(b) => Written::Other {
                what: "a boolean",
                text: b.to_string(),
            },
            Value::Number(n) => Written::Other {
                what: "a number",
                text: n.to_string(),
            },
            Value::Array(_) => Written::Other {
                what: "a sequence",
                text: String::new(),
            },
            Value::Object(_) => Written::Other {
                what: "a mapping",
                text: String::new(),
            },
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Written::Text(s) => Some(s),
            Written::Other { .. } => None,
        }
    }
}

/// Where a drain duration is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A patch of an overlay on `tsb-istiocontrolplane`; `effective` when it is the last one.
    Overlay { effective: bool },
    /// `meshConfig.defaultConfig` of an IstioOperator or a raw mesh config.
    MeshConfig,
    /// The `proxy.istio.io/config` pod annotation (a value inside its text).
    Annotation,
    /// The `PROXY_CONFIG` environment variable of an injected `istio-proxy` container.
    ProxyConfigEnv,
    /// A TSB gateway install CR's spec.
    Gateway,
}

/// One place a drain duration is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationSite {
    pub field: DrainField,
    /// The value node; for a value inside an annotation's text, the annotation's scalar.
    pub node: NodeId,
    /// Where `node` is, from the document root.
    pub pointer: Pointer,
    pub written: Written,
    pub place: Place,
}

/// One mesh setting as it takes effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub node: NodeId,
    pub pointer: Pointer,
    pub written: Written,
}

/// The mesh default-config drain fields a source sets, as they take effect.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeshDefaults(BTreeMap<DrainField, Setting>);

impl MeshDefaults {
    pub fn get(&self, field: DrainField) -> Option<&Setting> {
        self.0.get(&field)
    }

    fn set(&mut self, field: DrainField, setting: Setting) {
        self.0.insert(field, setting);
    }
}

/// What kind of object holds a mesh config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeshSourceKind {
    ControlPlane,
    HelmValues,
    IstioOperator,
    MeshConfig,
    /// The mesh config in the `data.mesh` string of the istiod chart's mesh ConfigMap.
    MeshConfigMap,
    /// `meshConfig` of istiod chart values.
    IstiodValues,
}

impl MeshSourceKind {
    pub fn describe(self) -> &'static str {
        match self {
            MeshSourceKind::ControlPlane => "ControlPlane",
            MeshSourceKind::HelmValues => "control plane Helm values",
            MeshSourceKind::IstioOperator => "IstioOperator",
            MeshSourceKind::MeshConfig => "mesh config",
            MeshSourceKind::MeshConfigMap => "mesh ConfigMap",
            MeshSourceKind::IstiodValues => "istiod Helm values",
        }
    }
}

/// The mesh config one object declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeshSource {
    pub kind: MeshSourceKind,
    pub defaults: MeshDefaults,
    /// Where the drain settings live or would go: the effective overlay's `patches`, or the
    /// `defaultConfig` mapping (which may not exist yet).
    pub anchor: Pointer,
    /// The Istio revision whose sidecars get it, when the source says (an IstioOperator, a
    /// mesh ConfigMap, istiod values; a TSB ControlPlane or a raw mesh config does not).
    pub revision: Option<String>,
}

/// The path from a ControlPlane (or values file) to the istio component's overlays.
pub const ISTIO_OVERLAYS: [&str; 5] = ["spec", "components", "istio", "kubeSpec", "overlays"];

fn chain(base: &Pointer, keys: &[&str]) -> Pointer {
    keys.iter().fold(base.clone(), |p, k| p.key(k))
}

/// Follows `rest` from `from` through mappings.
fn follow(
    tree: &Tree,
    from: NodeId,
    from_ptr: &Pointer,
    rest: &[String],
) -> Option<(NodeId, Pointer)> {
    rest.iter()
        .try_fold((from, from_ptr.clone()), |(node, ptr), key| {
            Some((tree.get(node, key)?, ptr.key(key)))
        })
}

/// The value the patches of one overlay give a default-config field: the last patch that
/// names the field or an ancestor decides. A patch without a value deletes; so does an
/// ancestor whose value lacks the field.
pub fn patched_value(
    tree: &Tree,
    patches: NodeId,
    patches_ptr: &Pointer,
    field: DrainField,
) -> Option<(NodeId, Pointer)> {
    let (index, patch, rest) = match super::mesh_field_patch(tree, patches, field) {
        FieldPatch::None => return None,
        FieldPatch::Exact { index, patch } => (index, patch, Vec::new()),
        FieldPatch::Ancestor { index, patch, rest } => (index, patch, rest),
    };
    let value = tree.get(patch, "value")?;
    if tree.node(value).is_some_and(|n| n.is_null()) {
        return None;
    }
    follow(tree, value, &patches_ptr.index(index).key("value"), &rest)
}

fn setting(tree: &Tree, node: NodeId, pointer: Pointer) -> Option<Setting> {
    Some(Setting {
        written: Written::of(tree, node)?,
        node,
        pointer,
    })
}

/// The mesh config a ControlPlane CR or a control plane values file declares: the last
/// overlay on `tsb-istiocontrolplane` in `spec.components.istio.kubeSpec.overlays`.
pub fn control_plane(
    tree: &Tree,
    node: NodeId,
    pointer: &Pointer,
    kind: MeshSourceKind,
) -> MeshSource {
    let overlays_ptr = chain(pointer, &ISTIO_OVERLAYS);
    let mut source = MeshSource {
        kind,
        defaults: MeshDefaults::default(),
        anchor: overlays_ptr.clone(),
        revision: None,
    };
    let Some(overlays) = tree.get_path(node, &ISTIO_OVERLAYS) else {
        return source;
    };
    let Some((index, overlay)) = effective_overlay(tree, overlays) else {
        return source;
    };
    let patches_ptr = overlays_ptr.index(index).key("patches");
    source.anchor = patches_ptr.clone();
    let Some(patches) = tree.get(overlay, "patches") else {
        return source;
    };
    for field in DrainField::mesh() {
        if let Some((value, ptr)) = patched_value(tree, patches, &patches_ptr, field)
            && let Some(s) = setting(tree, value, ptr)
        {
            source.defaults.set(field, s);
        }
    }
    source
}

/// The mesh config under a `defaultConfig` mapping at `keys` below `node`.
pub fn default_config(
    tree: &Tree,
    node: NodeId,
    pointer: &Pointer,
    keys: &[&str],
    kind: MeshSourceKind,
) -> MeshSource {
    let anchor = chain(pointer, keys);
    let mut defaults = MeshDefaults::default();
    if let Some(config) = tree.get_path(node, keys) {
        for field in DrainField::mesh() {
            // jsonpb reads either spelling of a ProxyConfig field.
            let found = field
                .spec()
                .names()
                .find_map(|name| Some((name, tree.get(config, name)?)));
            if let Some((name, value)) = found
                && let Some(s) = setting(tree, value, anchor.key(name))
            {
                defaults.set(field, s);
            }
        }
    }
    MeshSource {
        kind,
        defaults,
        anchor,
        revision: None,
    }
}

/// `spec.meshConfig.defaultConfig` of an IstioOperator.
pub use crate::drain::ISTIO_OPERATOR_DEFAULTS;

/// Every drain duration written in the `tsb-istiocontrolplane` overlays of a ControlPlane (CR
/// or values): exact patches and fields inside ancestor patches' values.
pub fn overlay_sites(tree: &Tree, node: NodeId, pointer: &Pointer) -> Vec<DurationSite> {
    let mut out = Vec::new();
    let Some(overlays) = tree.get_path(node, &ISTIO_OVERLAYS) else {
        return out;
    };
    let overlays_ptr = chain(pointer, &ISTIO_OVERLAYS);
    let effective = effective_overlay(tree, overlays).map(|(i, _)| i);
    for (i, &overlay) in tree.items(overlays).iter().enumerate() {
        if !is_istio_overlay(tree, overlay) {
            continue;
        }
        let Some(patches) = tree.get(overlay, "patches") else {
            continue;
        };
        let patches_ptr = overlays_ptr.index(i).key("patches");
        for (j, &patch) in tree.items(patches).iter().enumerate() {
            let Some(path) = tree.str_at(patch, "path") else {
                continue;
            };
            let Some(value) = tree.get(patch, "value") else {
                continue;
            };
            if tree.node(value).is_some_and(|n| n.is_null()) {
                continue;
            }
            let segments = normalize_patch_path(path);
            for (field, name) in
                DrainField::mesh().flat_map(|f| f.spec().names().map(move |n| (f, n)))
            {
                let full = default_config_path(name);
                let Some(rest) = full.strip_prefix(segments.as_slice()) else {
                    continue;
                };
                if segments.is_empty() {
                    continue;
                }
                let value_ptr = patches_ptr.index(j).key("value");
                let Some((at, ptr)) = follow(tree, value, &value_ptr, rest) else {
                    continue;
                };
                if let Some(written) = Written::of(tree, at) {
                    out.push(DurationSite {
                        field,
                        node: at,
                        pointer: ptr,
                        written,
                        place: Place::Overlay {
                            effective: effective == Some(i),
                        },
                    });
                }
            }
        }
    }
    out
}

/// The drain durations of a mesh source's `defaultConfig` mapping, as sites.
pub fn default_config_sites(tree: &Tree, source: &MeshSource) -> Vec<DurationSite> {
    DrainField::mesh()
        .filter_map(|field| {
            let s = source.defaults.get(field)?;
            Some(DurationSite {
                field,
                node: s.node,
                pointer: s.pointer.clone(),
                written: s.written.clone(),
                place: Place::MeshConfig,
            })
        })
        .filter(|site| tree.node(site.node).is_some())
        .collect()
}

/// A TSB gateway install CR's `spec.connectionDrainDuration`.
pub fn gateway_site(tree: &Tree, node: NodeId, pointer: &Pointer) -> Option<DurationSite> {
    spec_site(tree, node, pointer, DrainField::ConnectionDrainDuration)
}

/// Every gateway drain field of the drain table a TSB gateway install CR sets (`spec.<field>`).
pub fn gateway_sites(tree: &Tree, node: NodeId, pointer: &Pointer) -> Vec<DurationSite> {
    crate::drain::fields_of(crate::drain::Section::Gateway)
        .filter_map(|f| spec_site(tree, node, pointer, f.field))
        .collect()
}

fn spec_site(
    tree: &Tree,
    node: NodeId,
    pointer: &Pointer,
    field: DrainField,
) -> Option<DurationSite> {
    let value = tree.get_path(node, &["spec", field.name()])?;
    Some(DurationSite {
        field,
        node: value,
        pointer: pointer.key("spec").key(field.name()),
        written: Written::of(tree, value)?,
        place: Place::Gateway,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CP: &str = "\
spec:
  components:
    istio:
      kubeSpec:
        overlays:
        - apiVersion: install.istio.io/v1alpha1
          kind: IstioOperator
          name: tsb-istiocontrolplane
          patches:
          - path: spec.meshConfig.defaultConfig.drainDuration
            value: 20s
        - kind: IstioOperator
          name: tsb-istiocontrolplane
          patches:
          - path: spec.meshConfig.defaultConfig
            value:
              terminationDrainDuration: 25s
              parentShutdownDuration: 70
          - path: spec.meshConfig.defaultConfig.drainDuration
            value: 50s
";

    #[test]
    fn the_last_overlay_decides_and_every_site_is_found() {
        let tree = Tree::parse(CP).unwrap();
        let root = tree.root.unwrap();
        let source = control_plane(&tree, root, &Pointer::root(), MeshSourceKind::HelmValues);
        let drain = source
            .defaults
            .get(DrainField::DrainDuration)
            .unwrap()
            .clone();
        assert_eq!(drain.written, Written::Text("50s".into()));
        assert_eq!(
            crate::model::dotted(&drain.pointer),
            "spec.components.istio.kubeSpec.overlays[1].patches[1].value"
        );
        let termination = source
            .defaults
            .get(DrainField::TerminationDrainDuration)
            .unwrap()
            .clone();
        assert_eq!(
            crate::model::dotted(&termination.pointer),
            "spec.components.istio.kubeSpec.overlays[1].patches[0].value.terminationDrainDuration"
        );
        assert!(matches!(
            source
                .defaults
                .get(DrainField::ParentShutdownDuration)
                .unwrap()
                .clone()
                .written,
            Written::Other {
                what: "an integer",
                ..
            }
        ));
        let sites = overlay_sites(&tree, root, &Pointer::root());
        let shown: Vec<(DrainField, bool)> = sites
            .iter()
            .map(|s| (s.field, s.place == Place::Overlay { effective: true }))
            .collect();
        assert_eq!(
            shown,
            [
                (DrainField::DrainDuration, false),
                (DrainField::TerminationDrainDuration, true),
                (DrainField::ParentShutdownDuration, true),
                (DrainField::DrainDuration, true),
            ]
        );
    }

    #[test]
    fn an_ancestor_without_the_field_unsets_it() {
        let text = "patches:\n- path: spec.meshConfig.defaultConfig.drainDuration\n  value: 9s\n- path: spec.meshConfig\n  value: {defaultConfig: {}}\n";
        let tree = Tree::parse(text).unwrap();
        let patches = tree.get(tree.root.unwrap(), "patches").unwrap();
        let p = Pointer::root().key("patches");
        assert_eq!(
            patched_value(&tree, patches, &p, DrainField::DrainDuration),
            None
        );
    }
}
