//! The help texts of `meshdrain --help` and of each subcommand's `--help`.

use crate::drain;

pub(super) const ABOUT: &str =
    "Applies the TSB/Istio graceful-drain settings to rendered Kubernetes manifests";

pub(super) const LONG_ABOUT: &str = "\
Applies the TSB/Istio graceful-drain settings to rendered Kubernetes manifests.

Reads a multi-document YAML stream on stdin (as a Helm post-renderer does) and writes it to
stdout with only the drain fields changed:
  * ControlPlane (install.tetrate.io): a patch spec.meshConfig.defaultConfig.drainDuration in
    the last overlay for IstioOperator/tsb-istiocontrolplane in
    spec.components.istio.kubeSpec.overlays (terminationDrainDuration too, when asked);
  * IngressGateway, EgressGateway, Tier1Gateway and the unified Gateway (install.tetrate.io):
    spec.connectionDrainDuration;
  * upstream Istio, when --sidecar-targets (or the policy's spec.sidecar.targets) names them:
    an IstioOperator's spec.meshConfig.defaultConfig, and the mesh config in data.mesh of the
    istiod chart's ConfigMap istio (istio-<rev>); pods get it when they are restarted;
  * with a policy's workload rules, the pods' proxy config and grace periods.
Everything else comes out byte for byte as it went in. On any error nothing is written to
stdout and the exit status is non-zero.

Defaults are the TSB guide's: drainDuration 50s, gateways 10s, replacing different values;
a DrainPolicy file (--policy) replaces them.

The same binary is a kustomize exec transformer (run as .../drainpolicy/DrainPolicy CONFIG)
and a KRM function (a ResourceList on stdin, e.g. kpt fn eval --exec meshdrain).

Note: by Istio's source, what keeps the sidecar alive after SIGTERM is terminationDrainDuration
(default 5s), not drainDuration; drainDuration alone, as the guide sets it, may not delay the
sidecar's exit. Consider --termination-drain-duration as well. Any wait beyond the pod's
terminationGracePeriodSeconds (default 30s) is cut short by SIGKILL.";

/// `--help`'s closing text; the environment variables come from the drain table.
pub(super) fn after_help() -> String {
    let mut vars = vec![crate::policy::ENV_POLICY];
    vars.extend(drain::settable().map(|(_, s)| s.env));
    vars.push(crate::policy::ENV_ON_CONFLICT);
    let mut lines = vec![String::from(" ")];
    for (i, var) in vars.iter().enumerate() {
        let comma = if i + 1 < vars.len() { "," } else { "" };
        let last = lines.last_mut().map(|l| l.len()).unwrap_or(0);
        if last + var.len() + 2 > 90 {
            lines.push(String::from(" "));
        }
        if let Some(line) = lines.last_mut() {
            line.push(' ');
            line.push_str(var);
            line.push_str(comma);
        }
    }
    format!(
        "\
Precedence: built-in default < policy file < environment < flags.
Environment (ignored in kustomize and KRM modes):
{}

Exit status: 0 success, 1 findings (render --check), 2 invalid input or settings, 3 internal
error (a bug; please report it).

Lint manifests in CI: meshdrain check PATH... (see meshdrain check --help, meshdrain explain).
Verify after a rollout: meshdrain verify DUMP|POD|LOG... (see meshdrain verify --help).

Examples:
  helm upgrade --install shop ./chart --post-renderer meshdrain
  helm template shop ./chart | meshdrain --diff        # what would change, as a diff
  meshdrain check deploy/                               # lint manifests",
        lines.join("\n")
    )
}

pub(super) const VERIFY_AFTER_HELP: &str = "\
Inputs (format detected; force it with --input-format, or FORMAT:PATH for one input):
  config-dump  kubectl exec POD -c istio-proxy -- pilot-agent request GET config_dump
  bootstrap    kubectl exec POD -c istio-proxy -- cat /etc/istio/proxy/envoy-rev.json
  pod          kubectl get pod POD -o yaml (or -o json, or a List of pods)
  describe     kubectl describe pod POD
  log          kubectl logs POD -c istio-proxy [--previous] [--prefix] [--timestamps]

Expected values: the built-in policy, --policy and the duration flags, with the precedence of
render (built-in < policy file < MESHDRAIN_* environment < flags); or, with --manifests, what
each pod's workload says in the rendered manifests (pods are matched by namespace and owner,
else name, else pod-template labels).

Exit status: 0 at least one check passed and none failed (unknown checks are listed, not
counted); 1 a check failed, or nothing could be verified; 2 usage error or unusable input
(unreadable, empty, truncated JSON, an unknown format).

Examples:
  kubectl exec web-7d9f-x2x9z -c istio-proxy -- pilot-agent request GET config_dump \\
    | meshdrain verify --drain-duration 50s -
  kubectl get pod -n shop -l app=web -o yaml | meshdrain verify --policy drain.yaml -
  kubectl logs -n helloworld deploy/helloworld-gateway -c istio-proxy --previous \\
    | meshdrain verify --role gateway --gateway-drain-duration 22s -
  helm template rel chart | meshdrain render > rendered.yaml
  meshdrain verify --manifests rendered.yaml --format json pods.yaml dump.json";

pub(super) const RENDER_AFTER_HELP: &str = "\
Examples:
  helm upgrade --install shop ./chart --post-renderer meshdrain
  helm template shop ./chart | meshdrain render --diff          # what would change
  helm template shop ./chart | meshdrain render -v > shop.yaml  # and a summary on stderr
  meshdrain render --policy drain.yaml --check < manifests.yaml > patched.yaml";

pub(super) const VALUES_AFTER_HELP: &str = "\
Examples:
  meshdrain values controlplane-values.yaml        # print the result
  meshdrain values -i --termination-drain-duration 25s controlplane-values.yaml";

pub(super) const POLICY_AFTER_HELP: &str = "\
Examples:
  meshdrain policy --show-default > drain.yaml     # a starting point
  meshdrain policy --check drain.yaml
  meshdrain policy --schema > drainpolicy.schema.json";

pub(super) const EXPLAIN_AFTER_HELP: &str = "\
Examples:
  meshdrain explain GD007
  meshdrain explain                                # the list
  meshdrain explain --all --format markdown > rules.md";

pub(super) const COMPLETIONS_AFTER_HELP: &str = "\
Examples:
  source <(meshdrain completions bash)             # this bash session
  meshdrain completions bash > ~/.local/share/bash-completion/completions/meshdrain
  meshdrain completions zsh > ~/.zfunc/_meshdrain  # with fpath+=(~/.zfunc) in .zshrc
  meshdrain completions fish > ~/.config/fish/completions/meshdrain.fish
  meshdrain completions powershell >> $PROFILE";

pub(super) const MAN_AFTER_HELP: &str = "\
Examples:
  meshdrain man | man -l -
  meshdrain man > ~/.local/share/man/man1/meshdrain.1";

pub(super) const CHECK_AFTER_HELP: &str = "\
Exit status: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage error or
unreadable path. A file that does not parse is a finding (GD000); the others are still checked.

Suppress findings with the resource annotation meshdrain.io/ignore: \"GD013,GD014; reason\", or
with spec.check.ignore in a DrainPolicy: .meshdrain.yaml, found in the current directory or
a parent up to the git root, or the file --policy or MESHDRAIN_POLICY names instead;
--no-ignores shows them anyway.

Examples:
  meshdrain check manifests/ values.yaml
  helm template rel chart | meshdrain check -
  helm template rel chart | meshdrain check --stdin-filename chart/rendered.yaml -
  meshdrain check --format sarif deploy/ > meshdrain.sarif
  meshdrain check --format github --exit-zero deploy/   # report only";
