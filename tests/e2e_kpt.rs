//! End to end under the real kpt (`<repo>/.tools/bin/kpt`, linked by
//! `scripts/install-tools.sh` to the machine's kpt 1.0.0-beta.56): meshdrain as a KRM
//! function, `kpt fn eval --exec meshdrain --fn-config POLICY`.
//!
//! kpt re-serialises what a function returns (comment spacing, for one), so the package is
//! compared with the same package after an identity function (`--exec cat`: a ResourceList
//! in, the same ResourceList out): equal except for the drain fields.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::diff::assert_changes;
use common::e2e::{self, MESHDRAIN, Sandbox};
use common::{istio, repo};

const POLICY: &str = "testdata/e2e/policy/drain.yaml";
const BAD_POLICY: &str = "testdata/e2e/policy/bad-bare-number.yaml";
const CONFLICT_POLICY: &str = "testdata/e2e/policy/conflict-error.yaml";

/// The package's files and their texts.
type Files = BTreeMap<String, String>;

fn package_src() -> PathBuf {
    repo().join("testdata/e2e/package")
}

fn read_package(dir: &Path) -> Files {
    common::files_ending(dir, ".yaml")
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            (name, e2e::read(&p))
        })
        .collect()
}

/// The package's files as one stream, as `kpt fn eval -` reads it.
fn package_stream() -> String {
    read_package(&package_src())
        .values()
        .map(|text| format!("---\n{text}"))
        .collect()
}

/// One test's kpt.
struct Kpt {
    kpt: PathBuf,
    sandbox: Sandbox,
}

impl Kpt {
    fn new() -> Option<Kpt> {
        Some(Kpt {
            kpt: e2e::tool("kpt")?,
            sandbox: Sandbox::new(),
        })
    }

    /// A fresh copy of the package in the sandbox.
    fn package(&self, name: &str) -> PathBuf {
        let dir = self.sandbox.join(name);
        e2e::copy_dir(&package_src(), &dir, &[]);
        dir
    }

    /// `kpt fn eval TARGET --exec FUNCTION --fn-config POLICY --truncate-output=false`.
    fn eval(&self, target: &str, function: &str, policy: &str) -> Command {
        self.eval_args(target, function, &["--fn-config", policy])
    }

    /// `kpt fn eval TARGET --exec FUNCTION --truncate-output=false ARGS...`.
    fn eval_args(&self, target: &str, function: &str, args: &[&str]) -> Command {
        let mut cmd = self.sandbox.command(&self.kpt);
        cmd.args(["fn", "eval", target, "--exec", function])
            .arg("--truncate-output=false")
            .args(args);
        cmd
    }
}

/// What meshdrain changes in the package with `POLICY`, per file: (removed, added) lines.
fn expected_package_changes(file: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match file {
        "controlplane.yaml" => (
            &[],
            &[
                "              - path: spec.meshConfig.defaultConfig.drainDuration\n",
                "                value: 45s\n",
                "              - path: spec.meshConfig.defaultConfig.terminationDrainDuration\n",
                "                value: 25s\n",
            ],
        ),
        "gateways.yaml" => (
            &["  connectionDrainDuration: 5s # too short\n"],
            &[
                "  connectionDrainDuration: 20s\n",
                "  connectionDrainDuration: 20s # too short\n",
                // 30s + the 5s margin outlast the default 30s grace period of its pods.
                "    overlays:\n",
                "    - apiVersion: apps/v1\n",
                "      kind: Deployment\n",
                "      name: tier1-gateway\n",
                "      patches:\n",
                "      - path: spec.template.spec.terminationGracePeriodSeconds\n",
                "        value: 35\n",
                "  connectionDrainDuration: 30s\n",
            ],
        ),
        _ => (&[], &[]),
    }
}

const INFO_RESULTS: [&str; 5] = [
    "    [info] install.tetrate.io/v1alpha1/ControlPlane/istio-system/controlplane spec.components.istio.kubeSpec.overlays[0].patches[1].value: set drainDuration to 45s\n",
    "    [info] install.tetrate.io/v1alpha1/ControlPlane/istio-system/controlplane spec.components.istio.kubeSpec.overlays[0].patches[2].value: set terminationDrainDuration to 25s\n",
    "    [info] install.tetrate.io/v1alpha1/IngressGateway/bookinfo/bookinfo-gateway spec.connectionDrainDuration: set connectionDrainDuration (gateway rule 3) to 20s\n",
    "    [info] install.tetrate.io/v1alpha1/IngressGateway/bookinfo/internal-gateway spec.connectionDrainDuration: set connectionDrainDuration (gateway rule 3) to 20s (was 5s)\n",
    "    [info] install.tetrate.io/v1alpha1/Tier1Gateway/tier1/tier1-gateway spec.connectionDrainDuration: set connectionDrainDuration (gateway rule 1) to 30s\n",
];

#[test]
fn pinned_kpt_is_1_0_0_beta_56() {
    let Some(k) = Kpt::new() else { return };
    let version = e2e::run_ok(k.sandbox.command(&k.kpt).arg("version"), b"");
    assert_eq!(
        version.trim(),
        "1.0.0-beta.56",
        "these tests were written against kpt 1.0.0-beta.56"
    );
}

#[test]
fn fn_eval_rewrites_the_package_in_place() {
    let Some(k) = Kpt::new() else { return };
    let identity_dir = k.package("identity");
    e2e::run_ok(&mut k.eval(e2e::arg(&identity_dir), "cat", POLICY), b"");
    let identity = read_package(&identity_dir);

    let dir = k.package("patched");
    let out = e2e::run(&mut k.eval(e2e::arg(&dir), MESHDRAIN, POLICY), b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("[PASS] \"{MESHDRAIN}\"")),
        "{stderr}"
    );
    let results = format!("  Results:\n{}", INFO_RESULTS.concat());
    assert!(stderr.contains(&results), "{results}\nnot in:\n{stderr}");

    let patched = read_package(&dir);
    assert_eq!(
        patched.keys().collect::<Vec<_>>(),
        ["app.yaml", "controlplane.yaml", "gateways.yaml"],
        "kpt added or removed files"
    );
    for (file, text) in &patched {
        let (removed, added) = expected_package_changes(file);
        assert_changes(
            &identity[file],
            text,
            removed,
            added,
            &format!("{file} after meshdrain vs identity"),
        );
    }
    // The comments are still there, in the files meshdrain edited too.
    for (file, comment) in [
        (
            "controlplane.yaml",
            "# Start the app container only once its sidecar is ready.\n",
        ),
        (
            "controlplane.yaml",
            "    host: tsb.example.com # the management plane",
        ),
        (
            "gateways.yaml",
            "# The policy skips the legacy namespace.\n",
        ),
        ("gateways.yaml", "      type: LoadBalancer # public\n"),
        ("app.yaml", "# The application behind the gateway"),
    ] {
        assert!(patched[file].contains(comment), "{file} lost {comment:?}");
    }
}

#[test]
fn fn_eval_reads_a_stream_on_stdin() {
    let Some(k) = Kpt::new() else { return };
    let stream = package_stream();
    let identity = e2e::run_ok(&mut k.eval("-", "cat", POLICY), stream.as_bytes());
    let patched = e2e::run_ok(&mut k.eval("-", MESHDRAIN, POLICY), stream.as_bytes());
    assert!(
        patched.starts_with("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"),
        "{patched}"
    );
    assert_changes(
        &identity,
        &patched,
        &["    connectionDrainDuration: 5s # too short\n"],
        &[
            "            - path: spec.meshConfig.defaultConfig.drainDuration\n",
            "              value: 45s\n",
            "            - path: spec.meshConfig.defaultConfig.terminationDrainDuration\n",
            "              value: 25s\n",
            "    connectionDrainDuration: 20s\n",
            "    connectionDrainDuration: 20s # too short\n",
            "      overlays:\n",
            "      - apiVersion: apps/v1\n",
            "        kind: Deployment\n",
            "        name: tier1-gateway\n",
            "        patches:\n",
            "        - path: spec.template.spec.terminationGracePeriodSeconds\n",
            "          value: 35\n",
            "    connectionDrainDuration: 30s\n",
        ],
        "kpt fn eval - with meshdrain vs identity",
    );
}

#[test]
fn meshdrain_environment_is_ignored_by_the_function() {
    let Some(k) = Kpt::new() else { return };
    let stream = package_stream();
    let expected = e2e::run_ok(&mut k.eval("-", MESHDRAIN, POLICY), stream.as_bytes());
    let mut cmd = k.eval("-", MESHDRAIN, POLICY);
    // Each of these would change the result, or fail it, in post-renderer mode.
    cmd.env("MESHDRAIN_GATEWAY_DRAIN_DURATION", "99s")
        .env("MESHDRAIN_DRAIN_DURATION", "99s")
        .env("MESHDRAIN_ON_CONFLICT", "error")
        .env("MESHDRAIN_POLICY", k.sandbox.join("no-such-policy.yaml"));
    let with_env = e2e::run_ok(&mut cmd, stream.as_bytes());
    assert_eq!(with_env, expected);
    assert!(!with_env.contains("99s"));
}

#[test]
fn without_fn_config_the_built_in_default_applies() {
    let Some(k) = Kpt::new() else { return };
    // kpt then sends an empty ConfigMap as the functionConfig.
    let identity_dir = k.package("identity");
    e2e::run_ok(&mut k.eval_args(e2e::arg(&identity_dir), "cat", &[]), b"");
    let identity = read_package(&identity_dir);
    let dir = k.package("patched");
    e2e::run_ok(&mut k.eval_args(e2e::arg(&dir), MESHDRAIN, &[]), b"");
    let patched = read_package(&dir);
    assert_changes(
        &identity["controlplane.yaml"],
        &patched["controlplane.yaml"],
        &[],
        &[
            "              - path: spec.meshConfig.defaultConfig.drainDuration\n",
            "                value: 50s\n",
        ],
        "controlplane.yaml with the built-in default",
    );
    // Every install gateway gets 10s (no rule skips the legacy namespace here).
    assert_changes(
        &identity["gateways.yaml"],
        &patched["gateways.yaml"],
        &["  connectionDrainDuration: 5s # too short\n"],
        &[
            "  connectionDrainDuration: 10s\n",
            "  connectionDrainDuration: 10s # too short\n",
            "  connectionDrainDuration: 10s\n",
            "  connectionDrainDuration: 10s\n",
        ],
        "gateways.yaml with the built-in default",
    );
    assert_eq!(identity["app.yaml"], patched["app.yaml"]);
}

#[test]
fn key_value_arguments_are_refused_with_a_hint() {
    let Some(k) = Kpt::new() else { return };
    // `-- key=value` makes kpt send a ConfigMap with that data as the functionConfig.
    let stderr = failing_eval(&k, &["--", "drainDuration=40s"]);
    let result = "    [error] functionConfig.data: the functionConfig is a ConfigMap with data, but meshdrain's functionConfig is a DrainPolicy (give the policy as a DrainPolicy file (kpt fn eval --fn-config drain.yaml), not as key=value arguments)\n";
    assert!(stderr.contains(result), "{result}\nnot in:\n{stderr}");
}

/// A failing function: kpt exits non-zero, prints meshdrain's error results, and leaves
/// the package as it was. Returns kpt's output.
fn failing_eval(k: &Kpt, args: &[&str]) -> String {
    let dir = k.package("pkg");
    let (stdout, stderr) = e2e::run_failing(&mut k.eval_args(e2e::arg(&dir), MESHDRAIN, args), b"");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(&format!("[FAIL] \"{MESHDRAIN}\"")),
        "{stderr}"
    );
    assert!(stderr.contains("\n  Exit code: 2\n"), "{stderr}");
    let after = read_package(&dir);
    let before = read_package(&package_src());
    assert_eq!(
        after, before,
        "kpt changed the package although meshdrain failed"
    );
    stderr
}

#[test]
fn invalid_function_config_fails_and_changes_nothing() {
    let Some(k) = Kpt::new() else { return };
    let stderr = failing_eval(&k, &["--fn-config", BAD_POLICY]);
    let result = "  Results:\n    [error] functionConfig.spec.gateways[0].connectionDrainDuration: \"50\" is a bare number; durations need a unit (write \"50s\" for seconds (Istio rejects unitless durations))\n";
    assert!(stderr.contains(result), "{result}\nnot in:\n{stderr}");
    // The function's own stderr follows, quoted by kpt.
    assert!(
        stderr.contains("  Stderr:\n    \"error[invalid-policy]: \\\"50\\\" is a bare number; durations need a unit\"\n"),
        "{stderr}"
    );
}

#[test]
fn conflict_error_names_the_resource_and_changes_nothing() {
    let Some(k) = Kpt::new() else { return };
    let stderr = failing_eval(&k, &["--fn-config", CONFLICT_POLICY]);
    let result = "    [error] install.tetrate.io/v1alpha1/IngressGateway/bookinfo/internal-gateway spec.connectionDrainDuration: ";
    assert!(stderr.contains(result), "{result}\nnot in:\n{stderr}");
    assert!(
        stderr.contains("is \"5s\", but the policy wants 20s"),
        "{stderr}"
    );
}

#[test]
fn the_shipped_policy_makes_the_drain_hold() {
    let Some(k) = Kpt::new() else { return };
    let stream = std::fs::read_to_string(repo().join("testdata/e2e/package-apps/apps.yaml"))
        .expect("read the rendered application chart");
    let list = e2e::run_ok(
        &mut k.eval("-", MESHDRAIN, e2e::HOLD_POLICY),
        stream.as_bytes(),
    );
    e2e::assert_drain_holds(&list, "kpt fn eval -");
    e2e::assert_apps_chart_drained(&list, "kpt fn eval -");
}

/// The differential oracle through kpt: the istiod chart's Helm render through `kpt fn eval -`
/// with meshdrain has the mesh config Helm renders with `--set meshConfig.defaultConfig.…`,
/// and is the identity function's output but for the two drain lines.
#[test]
fn istiod_chart_through_the_function_is_helms_own_set_render() {
    let Some(k) = Kpt::new() else { return };
    let stream = e2e::read(&repo().join(istio::PLAIN_RENDER));
    let identity = e2e::run_ok(
        &mut k.eval("-", "cat", istio::MESH_POLICY),
        stream.as_bytes(),
    );
    let drained = e2e::run_ok(
        &mut k.eval("-", MESHDRAIN, istio::MESH_POLICY),
        stream.as_bytes(),
    );
    let with_set = e2e::read(&repo().join(istio::SET_RENDER));
    istio::assert_same_as_helm_set(&identity, &drained, &with_set, "istio", "kpt fn eval");
    assert_changes(
        &identity,
        &drained,
        &[],
        &[
            "        drainDuration: 50s\n",
            "        terminationDrainDuration: 20s\n",
        ],
        "kpt fn eval - of the istiod chart with meshdrain vs identity",
    );
}
