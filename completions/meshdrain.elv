
use builtin;
use str;

set edit:completion:arg-completer[meshdrain] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'meshdrain'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'meshdrain'= {
            cand --policy 'A DrainPolicy file (replaces the built-in default; also MESHDRAIN_POLICY)'
            cand --drain-duration 'Sidecar drainDuration written into the mesh configs of --sidecar-targets (the ControlPlane overlay by default), and into every workload rule that is not skip (Go duration, whole seconds) [default: 50s]'
            cand --termination-drain-duration 'Sidecar terminationDrainDuration, the wait on SIGTERM, for the mesh and every workload rule that is not skip (written only when given)'
            cand --gateway-drain-duration 'Gateway spec.connectionDrainDuration, for every gateway rule that is not skip [default: 10s]'
            cand --grace-period-margin 'Time a pod''s grace period leaves after the drain and the longest preStop sleep, for every gateway and workload rule that is not skip [default: 5s]'
            cand --minimum-drain-duration 'MINIMUM_DRAIN_DURATION for every workload rule with exitOnZeroActiveConnections (Istio''s default: 5s)'
            cand --on-conflict 'What to do when a manifest already has a different value [default: override]'
            cand --sidecar-targets 'Mesh configs that get the sidecar settings, comma-separated: ControlPlane (TSB, the default), IstioOperator (istioctl), MeshConfigMap (the istiod chart''s ConfigMap)'
            cand --istio-version 'Istio version the mesh runs, for Istio''s drainDuration validation'
            cand --fail-on 'The lowest severity that fails the run (exit status 1)'
            cand --drain-model 'What the sidecar waits on SIGTERM, for GD007: Istio''s source, or the TSB guide''s reading'
            cand --mode 'The protocol: detected from how meshdrain is called and what stdin holds when not given'
            cand --max-input-bytes 'Refuse inputs (check: each file) larger than this'
            cand --max-depth 'Deepest nesting accepted in a document meshdrain reads or edits'
            cand --max-aliases 'Most alias uses accepted in a document meshdrain reads or edits'
            cand --max-scalar-bytes 'Largest scalar accepted in a document meshdrain reads or edits'
            cand --diff 'Print a unified diff of each changed document instead of the stream (a dry run)'
            cand -v 'Print what was changed (and what was already right) to stderr'
            cand --verbose 'Print what was changed (and what was already right) to stderr'
            cand --check 'Lint the result too: with findings at or above --fail-on, fail (exit 1) and write nothing'
            cand --no-ignores 'Report findings that annotations or the policy suppress'
            cand --native-sidecars 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS; also the policy''s nativeSidecars): the sidecar stops after the applications'
            cand --helm-plugin 'Also report errors to the terminal and to the error log: Helm 4 hides a plugin''s stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand render 'Patch the manifest stream on stdin and write it to stdout (the default command)'
            cand values 'Apply the sidecar settings to a Helm values file of TSB''s control plane chart (its `spec:` is the ControlPlane spec) or of Istio''s istiod chart (`meshConfig`), keeping its comments'
            cand policy 'Show, check or describe DrainPolicy documents'
            cand check 'Lint manifests, Helm values and ResourceLists for drain misconfiguration (for CI)'
            cand explain 'Explain a lint rule (GD007), or list them all'
            cand verify 'Prove the drain settings reached the running proxies: config dumps, pods, describe output and proxy logs, offline (for CI after a rollout)'
            cand completions 'Print a shell completion script'
            cand man 'Print the manual page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshdrain;render'= {
            cand --policy 'A DrainPolicy file (replaces the built-in default; also MESHDRAIN_POLICY)'
            cand --drain-duration 'Sidecar drainDuration written into the mesh configs of --sidecar-targets (the ControlPlane overlay by default), and into every workload rule that is not skip (Go duration, whole seconds) [default: 50s]'
            cand --termination-drain-duration 'Sidecar terminationDrainDuration, the wait on SIGTERM, for the mesh and every workload rule that is not skip (written only when given)'
            cand --gateway-drain-duration 'Gateway spec.connectionDrainDuration, for every gateway rule that is not skip [default: 10s]'
            cand --grace-period-margin 'Time a pod''s grace period leaves after the drain and the longest preStop sleep, for every gateway and workload rule that is not skip [default: 5s]'
            cand --minimum-drain-duration 'MINIMUM_DRAIN_DURATION for every workload rule with exitOnZeroActiveConnections (Istio''s default: 5s)'
            cand --on-conflict 'What to do when a manifest already has a different value [default: override]'
            cand --sidecar-targets 'Mesh configs that get the sidecar settings, comma-separated: ControlPlane (TSB, the default), IstioOperator (istioctl), MeshConfigMap (the istiod chart''s ConfigMap)'
            cand --istio-version 'Istio version the mesh runs, for Istio''s drainDuration validation'
            cand --fail-on 'The lowest severity that fails the run (exit status 1)'
            cand --drain-model 'What the sidecar waits on SIGTERM, for GD007: Istio''s source, or the TSB guide''s reading'
            cand --mode 'The protocol: detected from how meshdrain is called and what stdin holds when not given'
            cand --max-input-bytes 'Refuse inputs (check: each file) larger than this'
            cand --max-depth 'Deepest nesting accepted in a document meshdrain reads or edits'
            cand --max-aliases 'Most alias uses accepted in a document meshdrain reads or edits'
            cand --max-scalar-bytes 'Largest scalar accepted in a document meshdrain reads or edits'
            cand --diff 'Print a unified diff of each changed document instead of the stream (a dry run)'
            cand -v 'Print what was changed (and what was already right) to stderr'
            cand --verbose 'Print what was changed (and what was already right) to stderr'
            cand --check 'Lint the result too: with findings at or above --fail-on, fail (exit 1) and write nothing'
            cand --no-ignores 'Report findings that annotations or the policy suppress'
            cand --native-sidecars 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS; also the policy''s nativeSidecars): the sidecar stops after the applications'
            cand --helm-plugin 'Also report errors to the terminal and to the error log: Helm 4 hides a plugin''s stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'meshdrain;values'= {
            cand --policy 'A DrainPolicy file (replaces the built-in default; also MESHDRAIN_POLICY)'
            cand --drain-duration 'Sidecar drainDuration written into the mesh configs of --sidecar-targets (the ControlPlane overlay by default), and into every workload rule that is not skip (Go duration, whole seconds) [default: 50s]'
            cand --termination-drain-duration 'Sidecar terminationDrainDuration, the wait on SIGTERM, for the mesh and every workload rule that is not skip (written only when given)'
            cand --gateway-drain-duration 'Gateway spec.connectionDrainDuration, for every gateway rule that is not skip [default: 10s]'
            cand --grace-period-margin 'Time a pod''s grace period leaves after the drain and the longest preStop sleep, for every gateway and workload rule that is not skip [default: 5s]'
            cand --minimum-drain-duration 'MINIMUM_DRAIN_DURATION for every workload rule with exitOnZeroActiveConnections (Istio''s default: 5s)'
            cand --on-conflict 'What to do when a manifest already has a different value [default: override]'
            cand --sidecar-targets 'Mesh configs that get the sidecar settings, comma-separated: ControlPlane (TSB, the default), IstioOperator (istioctl), MeshConfigMap (the istiod chart''s ConfigMap)'
            cand --istio-version 'Istio version the mesh runs, for Istio''s drainDuration validation'
            cand --chart 'The chart the values are for; detected from the file''s keys when not given'
            cand -i 'Edit the file in place instead of printing the result (through a new file renamed over it: permissions kept; for a symlink, the file it points to is edited)'
            cand --in-place 'Edit the file in place instead of printing the result (through a new file renamed over it: permissions kept; for a symlink, the file it points to is edited)'
            cand -v 'Print what was changed to stderr'
            cand --verbose 'Print what was changed to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'meshdrain;policy'= {
            cand --check 'Validate a DrainPolicy file (exit 0 when valid, 2 otherwise)'
            cand --show-default 'Print the built-in policy as a DrainPolicy document'
            cand --schema 'Print the JSON Schema of DrainPolicy documents'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'meshdrain;check'= {
            cand --values 'Check FILE as TSB control plane Helm values (its spec: is the ControlPlane spec); values files are also detected without this'
            cand --format 'Output format'
            cand --fail-on 'The lowest severity that fails the run (exit status 1)'
            cand --drain-model 'What the sidecar waits on SIGTERM, for GD007: Istio''s source, or the TSB guide''s reading'
            cand --istio-version 'Istio version the mesh runs, for version-dependent rules (GD005, GD006, GD019, GD026)'
            cand --policy 'A DrainPolicy whose spec.check.ignore suppresses findings (also MESHDRAIN_POLICY); replaces .meshdrain.yaml'
            cand --stdin-filename 'The file stdin (`-`) stands for: findings, SARIF URIs, annotations and the ignore rules'' file globs name it; without a PATH, stdin is read'
            cand --color 'Colour text output'
            cand --max-input-bytes 'Refuse inputs (check: each file) larger than this'
            cand --max-depth 'Deepest nesting accepted in a document meshdrain reads or edits'
            cand --max-aliases 'Most alias uses accepted in a document meshdrain reads or edits'
            cand --max-scalar-bytes 'Largest scalar accepted in a document meshdrain reads or edits'
            cand --no-ignores 'Report findings that annotations or the policy suppress'
            cand --native-sidecars 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS; also the policy''s nativeSidecars): the sidecar stops after the applications'
            cand --exit-zero 'Exit 0 even with findings at or above --fail-on (a report-only run); usage errors still exit 2'
            cand -v 'Also print what rules skipped (e.g. workloads not known to be injected) to stderr'
            cand --verbose 'Also print what rules skipped (e.g. workloads not known to be injected) to stderr'
            cand --output-schema 'Print the JSON Schema of the --format json output and exit'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'meshdrain;explain'= {
            cand --resource 'Explain one workload or TSB gateway instead: every drain value that applies to it, where it comes from, and its shutdown timeline'
            cand --format 'Output format: text or markdown for rules; text, json or svg (a picture of the timeline) for --resource'
            cand --policy 'A DrainPolicy: say what its workload rule would write for the resource, and read its injectedNamespaces and nativeSidecars'
            cand --istio-version 'Istio version the mesh runs (native sidecars changed in 1.21)'
            cand --all 'Every rule''s documentation, not only the list (docs/rules.md is `explain --all --format markdown`)'
            cand --native-sidecars 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'meshdrain;verify'= {
            cand --policy 'A DrainPolicy whose values are expected (also MESHDRAIN_POLICY)'
            cand --drain-duration 'Expect this drainDuration (over the policy and MESHDRAIN_DRAIN_DURATION)'
            cand --termination-drain-duration 'Expect this terminationDrainDuration (over the policy and MESHDRAIN_TERMINATION_DRAIN_DURATION)'
            cand --gateway-drain-duration 'Expect this connectionDrainDuration (over the policy and MESHDRAIN_GATEWAY_DRAIN_DURATION)'
            cand --grace-period-margin 'Expect this gracePeriodMargin (over the policy and MESHDRAIN_GRACE_PERIOD_MARGIN)'
            cand --minimum-drain-duration 'Expect this minimumDrainDuration (over the policy and MESHDRAIN_MINIMUM_DRAIN_DURATION)'
            cand --manifests 'Rendered manifests (file or directory; repeatable): expect what each pod''s workload, gateway CR and mesh config there say, instead of the policy'
            cand --format 'Output format'
            cand --input-format 'Read every INPUT as this format instead of detecting it'
            cand --role 'What evidence that does not say whether it is a sidecar''s or a gateway''s is from (a log without its startup lines, unless --manifests knows its pod); evidence that says keeps its own'
            cand --color 'Colour text output'
            cand --max-input-bytes 'Refuse inputs (check: each file) larger than this'
            cand --max-depth 'Deepest nesting accepted in a document meshdrain reads or edits'
            cand --max-aliases 'Most alias uses accepted in a document meshdrain reads or edits'
            cand --max-scalar-bytes 'Largest scalar accepted in a document meshdrain reads or edits'
            cand --output-schema 'Print the JSON Schema of the --format json output and exit'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'meshdrain;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'meshdrain;man'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'meshdrain;help'= {
            cand render 'Patch the manifest stream on stdin and write it to stdout (the default command)'
            cand values 'Apply the sidecar settings to a Helm values file of TSB''s control plane chart (its `spec:` is the ControlPlane spec) or of Istio''s istiod chart (`meshConfig`), keeping its comments'
            cand policy 'Show, check or describe DrainPolicy documents'
            cand check 'Lint manifests, Helm values and ResourceLists for drain misconfiguration (for CI)'
            cand explain 'Explain a lint rule (GD007), or list them all'
            cand verify 'Prove the drain settings reached the running proxies: config dumps, pods, describe output and proxy logs, offline (for CI after a rollout)'
            cand completions 'Print a shell completion script'
            cand man 'Print the manual page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshdrain;help;render'= {
        }
        &'meshdrain;help;values'= {
        }
        &'meshdrain;help;policy'= {
        }
        &'meshdrain;help;check'= {
        }
        &'meshdrain;help;explain'= {
        }
        &'meshdrain;help;verify'= {
        }
        &'meshdrain;help;completions'= {
        }
        &'meshdrain;help;man'= {
        }
        &'meshdrain;help;help'= {
        }
    ]
    $completions[$command]
}
