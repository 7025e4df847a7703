//! End to end under the real kustomize (`kubectl kustomize`, kubectl v1.37.1 / kustomize
//! v5.8.1 from `<repo>/.tools/bin`): meshdrain as a legacy exec transformer plugin, exec'd as
//! `$XDG_CONFIG_HOME/kustomize/plugin/meshdrain.io/v1alpha1/drainpolicy/DrainPolicy CONFIG`.
//!
//! kustomize re-serialises what plugins return (comments dropped, keys sorted), so the
//! output is compared with the same kustomization through an identity transformer (a `cat`
//! plugin, `test.meshdrain.io/v1 Identity`): equal except for the drain fields.
//!
//! The kustomization is `testdata/e2e/kustomize/kustomization.yaml` over the files of
//! `testdata/e2e/package`; its `transformers: [drain.yaml]` is the policy of each test.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::diff::assert_changes;
use common::e2e::{self, Sandbox};
use common::{istio, repo};

/// One test's kustomize setup: plugins in the sandbox's XDG_CONFIG_HOME.
struct Kustomize {
    kubectl: PathBuf,
    sandbox: Sandbox,
}

impl Kustomize {
    fn new() -> Option<Kustomize> {
        let k = Kustomize {
            kubectl: e2e::tool("kubectl")?,
            sandbox: Sandbox::new(),
        };
        let plugins = k.sandbox.join("config/kustomize/plugin");
        e2e::link_meshdrain(&plugins.join("meshdrain.io/v1alpha1/drainpolicy/DrainPolicy"));
        e2e::write_script(
            &plugins.join("test.meshdrain.io/v1/identity/Identity"),
            "#!/bin/sh\nexec cat\n",
        );
        Some(k)
    }

    /// `kubectl kustomize --enable-alpha-plugins DIR` on a new copy of the kustomization
    /// whose `drain.yaml` (the transformer config) is the file `config`.
    fn command(&self, config: &str) -> Command {
        self.command_for("testdata/e2e/package", "kustomization.yaml", config)
    }

    /// [`Kustomize::command`] for another package and kustomization file.
    fn command_for(&self, package: &str, kustomization: &str, config: &str) -> Command {
        let dir = tempfile::Builder::new()
            .prefix("kustomization-")
            .tempdir_in(self.sandbox.path())
            .expect("kustomization dir")
            .keep();
        e2e::copy_dir(&repo().join(package), &dir, &[]);
        std::fs::copy(
            repo().join("testdata/e2e/kustomize").join(kustomization),
            dir.join("kustomization.yaml"),
        )
        .expect("copy kustomization.yaml");
        std::fs::copy(repo().join(config), dir.join("drain.yaml")).expect("copy drain.yaml");
        let mut cmd = self.sandbox.command(&self.kubectl);
        cmd.args(["kustomize", "--enable-alpha-plugins", e2e::arg(&dir)])
            .env("XDG_CONFIG_HOME", self.sandbox.join("config"));
        cmd
    }

    fn build(&self, config: &str) -> String {
        e2e::run_ok(&mut self.command(config), b"")
    }
}

const IDENTITY: &str = "testdata/e2e/kustomize/identity.yaml";
const POLICY: &str = "testdata/e2e/policy/drain.yaml";

#[test]
fn pinned_kubectl_has_kustomize_v5_8_1() {
    let Some(k) = Kustomize::new() else { return };
    let version = e2e::run_ok(
        k.sandbox.command(&k.kubectl).args(["version", "--client"]),
        b"",
    );
    assert!(
        version.contains("Client Version: v1.37.1")
            && version.contains("Kustomize Version: v5.8.1"),
        "these tests were written against kubectl v1.37.1 (kustomize v5.8.1): {version:?}; \
         run scripts/install-tools.sh"
    );
}

#[test]
fn drain_policy_transformer_changes_only_the_drain_fields() {
    let Some(k) = Kustomize::new() else { return };
    let identity = k.build(IDENTITY);
    for needle in [
        "kind: ControlPlane\n",
        "apiVersion: gateway.tsb.tetrate.io/v2\nkind: IngressGateway\n",
        "kind: EgressGateway\n",
        "kind: Tier1Gateway\n",
        "kind: Deployment\n",
        "  connectionDrainDuration: 5s\n",
    ] {
        assert!(identity.contains(needle), "identity build lacks {needle:?}");
    }
    let patched = k.build(POLICY);
    // The policy's values, not the defaults: the Tier1Gateway rule, the catch-all (replacing
    // internal-gateway's 5s), the legacy namespace skipped.
    assert_changes(
        &identity,
        &patched,
        &["  connectionDrainDuration: 5s\n"],
        &[
            "          - path: spec.meshConfig.defaultConfig.drainDuration\n",
            "            value: 45s\n",
            "          - path: spec.meshConfig.defaultConfig.terminationDrainDuration\n",
            "            value: 25s\n",
            "  connectionDrainDuration: 20s\n",
            "  connectionDrainDuration: 20s\n",
            "  connectionDrainDuration: 30s\n",
            // 30s + the 5s margin outlast the default 30s grace period of its pods.
            "    overlays:\n",
            "    - apiVersion: apps/v1\n",
            "      kind: Deployment\n",
            "      name: tier1-gateway\n",
            "      patches:\n",
            "      - path: spec.template.spec.terminationGracePeriodSeconds\n",
            "        value: 35\n",
        ],
        "kubectl kustomize with the DrainPolicy transformer vs identity",
    );
    assert!(
        patched.contains("kind: EgressGateway\nmetadata:\n  name: legacy-egress\n  namespace: legacy\nspec:\n  kubeSpec: {}\n"),
        "{patched}"
    );
}

#[test]
fn meshdrain_environment_is_ignored_by_the_transformer() {
    let Some(k) = Kustomize::new() else { return };
    let expected = k.build(POLICY);
    // Each of these would change the result, or fail it, in post-renderer mode.
    let mut cmd = k.command(POLICY);
    cmd.env("MESHDRAIN_GATEWAY_DRAIN_DURATION", "99s")
        .env("MESHDRAIN_DRAIN_DURATION", "99s")
        .env("MESHDRAIN_ON_CONFLICT", "error")
        .env("MESHDRAIN_POLICY", k.sandbox.join("no-such-policy.yaml"));
    let with_env = e2e::run_ok(&mut cmd, b"");
    assert_eq!(with_env, expected);
    assert!(!with_env.contains("99s"));
}

#[test]
fn invalid_policy_fails_the_build_with_the_yaml_path() {
    let Some(k) = Kustomize::new() else { return };
    let (stdout, stderr) = e2e::run_failing(
        &mut k.command("testdata/e2e/policy/bad-bare-number.yaml"),
        b"",
    );
    assert_eq!(
        stdout, "",
        "kustomize printed resources although meshdrain failed"
    );
    for line in [
        "error: error[invalid-policy]: \"50\" is a bare number; durations need a unit\n",
        "\n--> kustomize transformer config /",
        " = path: spec.gateways[0].connectionDrainDuration\n",
        " = help: write \"50s\" for seconds (Istio rejects unitless durations)\n",
        ": failure in plugin configured via ",
    ] {
        assert!(stderr.contains(line), "{line:?} not in:\n{stderr}");
    }
}

#[test]
fn the_shipped_policy_makes_the_drain_hold() {
    let Some(k) = Kustomize::new() else { return };
    let built = e2e::run_ok(
        &mut k.command_for(
            "testdata/e2e/package-apps",
            "apps-kustomization.yaml",
            e2e::HOLD_POLICY,
        ),
        b"",
    );
    e2e::assert_drain_holds(&built, "kustomize");
    e2e::assert_apps_chart_drained(&built, "kustomize");
    // The example package too.
    e2e::assert_drain_holds(&k.build(e2e::HOLD_POLICY), "kustomize package");
}

/// The differential oracle through kustomize: the istiod chart's Helm render as a resource
/// of a kustomization with the DrainPolicy transformer has the mesh config Helm renders with
/// `--set meshConfig.defaultConfig.…`, and is the identity build but for the two drain lines.
#[test]
fn istiod_chart_through_the_transformer_is_helms_own_set_render() {
    let Some(k) = Kustomize::new() else { return };
    let build = |config: &str| {
        e2e::run_ok(
            &mut k.command_for(
                "testdata/e2e/package-istiod",
                "istiod-kustomization.yaml",
                config,
            ),
            b"",
        )
    };
    let identity = build(IDENTITY);
    let drained = build(istio::MESH_POLICY);
    let with_set = e2e::read(&repo().join(istio::SET_RENDER));
    istio::assert_same_as_helm_set(&identity, &drained, &with_set, "istio", "kustomize");
    assert_changes(
        &identity,
        &drained,
        &[],
        &[
            "      drainDuration: 50s\n",
            "      terminationDrainDuration: 20s\n",
        ],
        "kubectl kustomize of the istiod chart with the DrainPolicy transformer vs identity",
    );
}
