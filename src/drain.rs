//! The drain table: every duration meshdrain knows and every resource it edits. Each field
//! entry says where the field lives, its default as Istio or TSB define it, how Istio
//! validates it, and how a user sets it (flag, environment variable, policy key and schema
//! text); each target entry says which resources get which section of the policy, and where.
//!
//! Flags, the environment, policy parsing, the JSON Schema, `policy --show-default`, render's
//! tasks, the linter's defaults and GD012's known names all read these tables, so a new field
//! or target is one entry here plus its tests (ripgrep's one definition per flag is the model).

use crate::duration::{GoDuration, SECOND};
use crate::istio::IstioVersion;

/// A drain duration meshdrain knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// `ProxyConfig.drainDuration`: Envoy's drain window.
    DrainDuration,
    /// `ProxyConfig.terminationDrainDuration`: the agent's wait after SIGTERM.
    TerminationDrainDuration,
    /// `ProxyConfig.parentShutdownDuration` (removed in Istio 1.17).
    ParentShutdownDuration,
    /// A TSB gateway install CR's `spec.connectionDrainDuration`.
    ConnectionDrainDuration,
    /// meshdrain's own: the seconds a grace period leaves after the drain and preStop sleeps.
    GracePeriodMargin,
    /// pilot-agent's `MINIMUM_DRAIN_DURATION` (a `proxyMetadata` entry): the wait before it
    /// polls for zero connections on the exit-on-zero path.
    MinimumDrainDuration,
}

/// The part of a policy that holds a field, and the resources it is written to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// The mesh's default proxy config (`spec.sidecar`).
    Sidecar,
    /// Install-API gateways, by rule (`spec.gateways[]`).
    #[default]
    Gateway,
    /// Workloads with a sidecar, by rule (`spec.workloads[]`).
    Workload,
}

/// What a field is to the manifests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A setting Istio or TSB reads from the manifests.
    Manifest,
    /// meshdrain's own parameter: never written, used to compute what is.
    Parameter,
}

/// Where a workload rule writes a field: the pod's `proxy.istio.io/config` annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyConfigKey {
    /// A top-level ProxyConfig field of that name.
    Field,
    /// An entry of `proxyMetadata` (an environment variable of pilot-agent).
    ProxyMetadata(&'static str),
}

/// How a user sets a field that meshdrain writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The long flag of `render` and `values`, without `--`.
    pub flag: &'static str,
    /// The flag's `--help` line.
    pub flag_help: &'static str,
    /// The environment variable (post-renderer mode only).
    pub env: &'static str,
    /// The field's description in the policy's JSON Schema.
    pub schema_doc: &'static str,
    /// The built-in policy's value (the TSB guide's), when it writes one.
    pub builtin: Option<u64>,
}

/// Who reads a field, and so refuses a value that is not a duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// Istio's mesh config decoder.
    Istio,
    /// TSB's operator, for its install CRs.
    TsbOperator,
}

/// How a field is read and validated, by Istio version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validation {
    pub reader: Reader,
    /// Istio's validation (`ValidateDrainDuration`, `ValidateParentAndDrain`) rejects a value
    /// that is not a positive whole number of seconds; otherwise a value of 0 or less only
    /// stops the wait.
    pub positive_whole_seconds: bool,
    /// Istio before this version rejects a value over one hour.
    pub one_hour_cap_before: Option<IstioVersion>,
    /// Istio up to this version rejects a value that is not below the other field.
    pub below: Option<(Field, IstioVersion)>,
}

const READ_AS_WRITTEN: Validation = Validation {
    reader: Reader::Istio,
    positive_whole_seconds: false,
    one_hour_cap_before: None,
    below: None,
};

/// One drain field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    pub field: Field,
    /// The key in manifests and in the policy.
    pub name: &'static str,
    /// The proto field name, which Istio's jsonpb/protojson decoding of a ProxyConfig
    /// accepts as the same field (`drain_duration`), where there is one.
    pub proto_name: Option<&'static str>,
    /// The section where the field lives in the mesh or in a gateway (where the linter reads
    /// it); workload rules also carry the ProxyConfig fields (see `sections`).
    pub section: Section,
    /// The policy sections that hold the field, in the order their keys are listed.
    pub sections: &'static [Section],
    pub role: Role,
    /// Where a workload rule writes it, when it does.
    pub proxy_config: Option<ProxyConfigKey>,
    /// What applies when the field is unset, in whole seconds (Istio's or TSB's default).
    pub default_secs: i64,
    /// `None`: the linter reads it, meshdrain never writes it.
    pub setting: Option<Setting>,
    pub validation: Validation,
}

impl FieldSpec {
    /// Every spelling that names the field: its name, then its proto name.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + use<> {
        std::iter::once(self.name).chain(self.proto_name)
    }

    pub fn default_duration(&self) -> GoDuration {
        GoDuration(self.default_secs.saturating_mul(SECOND as i64))
    }
}

const ISTIO_1_16: IstioVersion = IstioVersion {
    major: 1,
    minor: 16,
};
const ISTIO_1_22: IstioVersion = IstioVersion {
    major: 1,
    minor: 22,
};

/// Every drain field, in the order flags, schema entries and summaries list them.
pub static FIELDS: [FieldSpec; 6] = [
    FieldSpec {
        field: Field::DrainDuration,
        name: "drainDuration",
        proto_name: Some("drain_duration"),
        section: Section::Sidecar,
        sections: &[Section::Sidecar, Section::Workload],
        role: Role::Manifest,
        proxy_config: Some(ProxyConfigKey::Field),
        default_secs: 45,
        setting: Some(Setting {
            flag: "drain-duration",
            flag_help: "Sidecar drainDuration written into the mesh configs of --sidecar-targets (the ControlPlane overlay by default), and into every workload rule that is not skip (Go duration, whole seconds) [default: 50s]",
            env: "MESHDRAIN_DRAIN_DURATION",
            schema_doc: "`spec.meshConfig.defaultConfig.drainDuration`: Envoy's drain window. The TSB guide\nsets this (50s).",
            builtin: Some(50),
        }),
        validation: Validation {
            reader: Reader::Istio,
            positive_whole_seconds: true,
            one_hour_cap_before: Some(ISTIO_1_22),
            below: Some((Field::ParentShutdownDuration, ISTIO_1_16)),
        },
    },
    FieldSpec {
        field: Field::TerminationDrainDuration,
        name: "terminationDrainDuration",
        proto_name: Some("termination_drain_duration"),
        section: Section::Sidecar,
        sections: &[Section::Sidecar, Section::Workload],
        role: Role::Manifest,
        proxy_config: Some(ProxyConfigKey::Field),
        default_secs: 5,
        setting: Some(Setting {
            flag: "termination-drain-duration",
            flag_help: "Sidecar terminationDrainDuration, the wait on SIGTERM, for the mesh and every workload rule that is not skip (written only when given)",
            env: "MESHDRAIN_TERMINATION_DRAIN_DURATION",
            schema_doc: "`spec.meshConfig.defaultConfig.terminationDrainDuration`: by Istio's source, how long\nthe sidecar waits after SIGTERM before it stops (Istio's default is 5s).",
            builtin: None,
        }),
        validation: READ_AS_WRITTEN,
    },
    FieldSpec {
        field: Field::ParentShutdownDuration,
        name: "parentShutdownDuration",
        proto_name: Some("parent_shutdown_duration"),
        section: Section::Sidecar,
        sections: &[Section::Sidecar],
        role: Role::Manifest,
        proxy_config: None,
        default_secs: 60,
        setting: None,
        validation: Validation {
            reader: Reader::Istio,
            positive_whole_seconds: true,
            one_hour_cap_before: Some(ISTIO_1_22),
            below: None,
        },
    },
    FieldSpec {
        field: Field::ConnectionDrainDuration,
        name: "connectionDrainDuration",
        proto_name: None,
        section: Section::Gateway,
        sections: &[Section::Gateway],
        role: Role::Manifest,
        proxy_config: None,
        default_secs: 5,
        setting: Some(Setting {
            flag: "gateway-drain-duration",
            flag_help: "Gateway spec.connectionDrainDuration, for every gateway rule that is not skip [default: 10s]",
            env: "MESHDRAIN_GATEWAY_DRAIN_DURATION",
            schema_doc: "`spec.connectionDrainDuration` for the matched gateways.",
            builtin: Some(10),
        }),
        validation: Validation {
            reader: Reader::TsbOperator,
            ..READ_AS_WRITTEN
        },
    },
    FieldSpec {
        field: Field::GracePeriodMargin,
        name: "gracePeriodMargin",
        proto_name: None,
        section: Section::Workload,
        sections: &[Section::Gateway, Section::Workload],
        role: Role::Parameter,
        proxy_config: None,
        default_secs: 5,
        setting: Some(Setting {
            flag: "grace-period-margin",
            flag_help: "Time a pod's grace period leaves after the drain and the longest preStop sleep, for every gateway and workload rule that is not skip [default: 5s]",
            env: "MESHDRAIN_GRACE_PERIOD_MARGIN",
            schema_doc: "How much longer than the drain (plus the longest preStop sleep) the pods'\n`terminationGracePeriodSeconds` must be; meshdrain raises it when it is shorter (default 5s).",
            builtin: None,
        }),
        validation: READ_AS_WRITTEN,
    },
    FieldSpec {
        field: Field::MinimumDrainDuration,
        name: "minimumDrainDuration",
        proto_name: None,
        section: Section::Workload,
        sections: &[Section::Workload],
        role: Role::Manifest,
        proxy_config: Some(ProxyConfigKey::ProxyMetadata("MINIMUM_DRAIN_DURATION")),
        default_secs: 5,
        setting: Some(Setting {
            flag: "minimum-drain-duration",
            flag_help: "MINIMUM_DRAIN_DURATION for every workload rule with exitOnZeroActiveConnections (Istio's default: 5s)",
            env: "MESHDRAIN_MINIMUM_DRAIN_DURATION",
            schema_doc: "`proxyMetadata.MINIMUM_DRAIN_DURATION` in the pods' `proxy.istio.io/config`: with\n`exitOnZeroActiveConnections`, how long the sidecar waits before it polls for zero\nconnections (Istio's default is 5s). Only with `exitOnZeroActiveConnections: true`.",
            builtin: None,
        }),
        validation: READ_AS_WRITTEN,
    },
];

impl Field {
    pub fn spec(self) -> &'static FieldSpec {
        // FIELDS lists every variant once, in declaration order.
        match self {
            Field::DrainDuration => &FIELDS[0],
            Field::TerminationDrainDuration => &FIELDS[1],
            Field::ParentShutdownDuration => &FIELDS[2],
            Field::ConnectionDrainDuration => &FIELDS[3],
            Field::GracePeriodMargin => &FIELDS[4],
            Field::MinimumDrainDuration => &FIELDS[5],
        }
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn from_name(name: &str) -> Option<Field> {
        FIELDS.iter().find(|f| f.name == name).map(|f| f.field)
    }

    /// The field `key` names, in either spelling (`drainDuration`, `drain_duration`).
    pub fn from_any_name(key: &str) -> Option<Field> {
        FIELDS
            .iter()
            .find(|f| f.names().any(|n| n == key))
            .map(|f| f.field)
    }

    /// The fields of the mesh's default proxy config.
    pub fn mesh() -> impl Iterator<Item = Field> {
        fields_of(Section::Sidecar).map(|f| f.field)
    }
}

/// The fields that live in a section's manifests (the mesh's proxy config, a gateway CR), in
/// table order: what the linter reads there.
pub fn fields_of(section: Section) -> impl Iterator<Item = &'static FieldSpec> {
    FIELDS
        .iter()
        .filter(move |f| f.section == section && f.role == Role::Manifest)
}

/// The fields a user sets, with how.
pub fn settable() -> impl Iterator<Item = (&'static FieldSpec, &'static Setting)> {
    FIELDS.iter().filter_map(|f| Some((f, f.setting.as_ref()?)))
}

/// The settable fields of a policy section, in table order (policy keys, tasks).
pub fn settable_in(section: Section) -> impl Iterator<Item = &'static FieldSpec> {
    settable()
        .map(|(f, _)| f)
        .filter(move |f| f.sections.contains(&section))
}

/// The settable fields a section writes into manifests (not meshdrain's parameters).
pub fn written_in(section: Section) -> impl Iterator<Item = &'static FieldSpec> {
    settable_in(section).filter(|f| f.role == Role::Manifest)
}

/// Where a target keeps its section's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// A patch `spec.meshConfig.defaultConfig.<field>` in the last overlay for the named
    /// IstioOperator in `spec.components.istio.kubeSpec.overlays`.
    IstioOverlay,
    /// `<keys>.<field>` of the resource: a mesh config's `defaultConfig` mapping (an
    /// IstioOperator's `spec.meshConfig.defaultConfig`, istiod Helm values'
    /// `meshConfig.defaultConfig`), missing levels created.
    DefaultConfig(&'static [&'static str]),
    /// `defaultConfig.<field>` of the mesh config document inside the `data.mesh` string of
    /// the istiod chart's mesh ConfigMap (`istio`, or `istio-<rev>` for a revision).
    MeshConfigMap,
    /// `spec.<field>`.
    Spec,
    /// A workload's pod template at this path (empty: a Pod is its own template): the
    /// `proxy.istio.io/config` annotation and `spec.terminationGracePeriodSeconds`.
    PodTemplate(&'static [&'static str]),
}

/// One kind of resource meshdrain edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetSpec {
    pub api_group: &'static str,
    pub kind: &'static str,
    pub section: Section,
    pub location: Location,
    /// A gateway rule without `match.kinds` covers it.
    pub default: bool,
}

impl TargetSpec {
    /// What a policy's `spec.sidecar.targets` (and `--sidecar-targets`) calls a mesh config
    /// target: its kind, or `MeshConfigMap` for the istiod chart's mesh ConfigMap.
    pub fn name(&self) -> &'static str {
        match self.location {
            Location::MeshConfigMap => "MeshConfigMap",
            _ => self.kind,
        }
    }
}

/// The TSB install API group.
pub const INSTALL_GROUP: &str = "install.tetrate.io";

/// Istio's install API group (IstioOperator).
pub const ISTIO_INSTALL_GROUP: &str = "install.istio.io";

/// `spec.meshConfig.defaultConfig` of an IstioOperator.
pub const ISTIO_OPERATOR_DEFAULTS: &[&str] = &["spec", "meshConfig", "defaultConfig"];

/// Every resource kind meshdrain edits. The sidecar targets (mesh configs) are written only
/// when the policy's `spec.sidecar.targets` names them; `default` ones when it is absent.
pub static TARGETS: [TargetSpec; 16] = [
    TargetSpec {
        api_group: INSTALL_GROUP,
        kind: "ControlPlane",
        section: Section::Sidecar,
        location: Location::IstioOverlay,
        default: true,
    },
    TargetSpec {
        // istioctl's install resource: the mesh config is in spec.meshConfig.
        api_group: ISTIO_INSTALL_GROUP,
        kind: "IstioOperator",
        section: Section::Sidecar,
        location: Location::DefaultConfig(ISTIO_OPERATOR_DEFAULTS),
        default: false,
    },
    TargetSpec {
        // The istiod chart's mesh ConfigMap (matched on its name too, in the model).
        api_group: "",
        kind: "ConfigMap",
        section: Section::Sidecar,
        location: Location::MeshConfigMap,
        default: false,
    },
    TargetSpec {
        api_group: INSTALL_GROUP,
        kind: "IngressGateway",
        section: Section::Gateway,
        location: Location::Spec,
        default: true,
    },
    TargetSpec {
        api_group: INSTALL_GROUP,
        kind: "EgressGateway",
        section: Section::Gateway,
        location: Location::Spec,
        default: true,
    },
    TargetSpec {
        api_group: INSTALL_GROUP,
        kind: "Tier1Gateway",
        section: Section::Gateway,
        location: Location::Spec,
        default: true,
    },
    TargetSpec {
        // The unified gateway of TSB 1.9+ (`spec.type` UNIFIED, INGRESS or EGRESS), which TSB
        // configures like the legacy kinds; its GatewaySpec has connectionDrainDuration.
        api_group: INSTALL_GROUP,
        kind: "Gateway",
        section: Section::Gateway,
        location: Location::Spec,
        default: true,
    },
    TargetSpec {
        api_group: "",
        kind: "Pod",
        section: Section::Workload,
        location: Location::PodTemplate(&[]),
        default: true,
    },
    TargetSpec {
        api_group: "apps",
        kind: "Deployment",
        section: Section::Workload,
        location: Location::PodTemplate(TEMPLATE),
        default: true,
    },
    TargetSpec {
        api_group: "apps",
        kind: "StatefulSet",
        section: Section::Workload,
        location: Location::PodTemplate(TEMPLATE),
        default: true,
    },
    TargetSpec {
        api_group: "apps",
        kind: "DaemonSet",
        section: Section::Workload,
        location: Location::PodTemplate(TEMPLATE),
        default: true,
    },
    TargetSpec {
        api_group: "apps",
        kind: "ReplicaSet",
        section: Section::Workload,
        location: Location::PodTemplate(TEMPLATE),
        default: true,
    },
    TargetSpec {
        api_group: "",
        kind: "ReplicationController",
        section: Section::Workload,
        location: Location::PodTemplate(TEMPLATE),
        default: true,
    },
    TargetSpec {
        api_group: "batch",
        kind: "Job",
        section: Section::Workload,
        location: Location::PodTemplate(TEMPLATE),
        default: true,
    },
    TargetSpec {
        api_group: "batch",
        kind: "CronJob",
        section: Section::Workload,
        location: Location::PodTemplate(&["spec", "jobTemplate", "spec", "template"]),
        default: true,
    },
    TargetSpec {
        api_group: "argoproj.io",
        kind: "Rollout",
        section: Section::Workload,
        location: Location::PodTemplate(TEMPLATE),
        default: true,
    },
];

/// The pod template of most workload kinds.
const TEMPLATE: &[&str] = &["spec", "template"];

/// The istiod chart's Helm values (`meshdrain values` on a file with `meshConfig`): no
/// apiVersion or kind, so never matched in a stream; the mesh config is `meshConfig`, which
/// the chart merges into its mesh ConfigMap.
pub static ISTIOD_VALUES: TargetSpec = TargetSpec {
    api_group: "",
    kind: "istiod Helm values",
    section: Section::Sidecar,
    location: Location::DefaultConfig(&["meshConfig", "defaultConfig"]),
    default: true,
};

/// The sidecar targets (mesh configs) a policy's `spec.sidecar.targets` may name, in table
/// order.
pub fn sidecar_target_names() -> impl Iterator<Item = &'static str> {
    targets_of(Section::Sidecar).map(TargetSpec::name)
}

/// The sidecar target a policy names `name`.
pub fn sidecar_target(name: &str) -> Option<&'static TargetSpec> {
    targets_of(Section::Sidecar).find(|t| t.name() == name)
}

/// The target an object of `api_version` and `kind` is, if any.
pub fn target(api_version: &str, kind: &str) -> Option<&'static TargetSpec> {
    let group = api_version.split_once('/').map_or("", |(group, _)| group);
    TARGETS
        .iter()
        .find(|t| t.api_group == group && t.kind == kind)
}

/// The targets of a section.
pub fn targets_of(section: Section) -> impl Iterator<Item = &'static TargetSpec> {
    TARGETS.iter().filter(move |t| t.section == section)
}

/// The gateway kinds a rule may name, in table order.
pub fn gateway_kinds() -> impl Iterator<Item = &'static str> {
    kinds_of(Section::Gateway)
}

/// The gateway kinds a rule without `kinds` covers.
pub fn default_gateway_kinds() -> impl Iterator<Item = &'static str> {
    default_kinds(Section::Gateway)
}

/// The kinds a rule of `section` may name, in table order.
pub fn kinds_of(section: Section) -> impl Iterator<Item = &'static str> {
    targets_of(section).map(|t| t.kind)
}

/// The kinds a rule of `section` without `kinds` covers.
pub fn default_kinds(section: Section) -> impl Iterator<Item = &'static str> {
    targets_of(section).filter(|t| t.default).map(|t| t.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_its_own_entry() {
        for spec in &FIELDS {
            assert_eq!(spec.field.spec(), spec);
            assert_eq!(Field::from_name(spec.name), Some(spec.field));
        }
        assert_eq!(Field::from_name("drain_duration"), None);
    }

    #[test]
    fn proxy_config_fields_have_their_proto_spelling() {
        assert_eq!(
            Field::from_any_name("drain_duration"),
            Some(Field::DrainDuration)
        );
        assert_eq!(
            Field::from_any_name("terminationDrainDuration"),
            Some(Field::TerminationDrainDuration)
        );
        assert_eq!(Field::from_name("drain_duration"), None);
        // A TSB install CR's field has no proto spelling here.
        assert_eq!(Field::from_any_name("connection_drain_duration"), None);
    }

    #[test]
    fn flags_and_variables_are_unique_and_well_formed() {
        let mut flags: Vec<_> = settable().map(|(_, s)| s.flag).collect();
        let mut envs: Vec<_> = settable().map(|(_, s)| s.env).collect();
        for f in &flags {
            assert!(f.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{f}");
        }
        for e in &envs {
            assert!(e.starts_with("MESHDRAIN_"), "{e}");
        }
        let n = flags.len();
        flags.sort_unstable();
        flags.dedup();
        envs.sort_unstable();
        envs.dedup();
        assert_eq!((flags.len(), envs.len()), (n, n));
    }

    #[test]
    fn istio_defaults_are_istios() {
        // pkg/config/mesh: drainDuration 45s, terminationDrainDuration 5s,
        // parentShutdownDuration 60s.
        assert_eq!(Field::DrainDuration.spec().default_secs, 45);
        assert_eq!(Field::TerminationDrainDuration.spec().default_secs, 5);
        assert_eq!(Field::ParentShutdownDuration.spec().default_secs, 60);
        assert_eq!(
            Field::mesh().collect::<Vec<_>>(),
            [
                Field::DrainDuration,
                Field::TerminationDrainDuration,
                Field::ParentShutdownDuration
            ]
        );
    }

    #[test]
    fn the_unified_gateway_is_a_default_target() {
        let all = ["IngressGateway", "EgressGateway", "Tier1Gateway", "Gateway"];
        assert_eq!(gateway_kinds().collect::<Vec<_>>(), all);
        assert_eq!(default_gateway_kinds().collect::<Vec<_>>(), all);
        assert!(target("install.tetrate.io/v1alpha1", "Gateway").is_some());
        // The routing API's Gateway is config, never a target.
        assert!(target("gateway.tsb.tetrate.io/v2", "Gateway").is_none());
    }

    #[test]
    fn mesh_configs_are_opt_in_sidecar_targets() {
        assert_eq!(
            sidecar_target_names().collect::<Vec<_>>(),
            ["ControlPlane", "IstioOperator", "MeshConfigMap"]
        );
        let defaults: Vec<&str> = targets_of(Section::Sidecar)
            .filter(|t| t.default)
            .map(TargetSpec::name)
            .collect();
        assert_eq!(defaults, ["ControlPlane"]);
        assert_eq!(
            target("install.istio.io/v1alpha1", "IstioOperator").map(TargetSpec::name),
            Some("IstioOperator")
        );
        assert_eq!(
            target("v1", "ConfigMap").map(|t| t.location),
            Some(Location::MeshConfigMap)
        );
        assert_eq!(
            sidecar_target("MeshConfigMap").map(|t| t.kind),
            Some("ConfigMap")
        );
        assert!(sidecar_target("ConfigMap").is_none());
    }
}
