
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'meshdrain' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'meshdrain'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'meshdrain' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'A DrainPolicy file (replaces the built-in default; also MESHDRAIN_POLICY)')
            [CompletionResult]::new('--drain-duration', '--drain-duration', [CompletionResultType]::ParameterName, 'Sidecar drainDuration written into the mesh configs of --sidecar-targets (the ControlPlane overlay by default), and into every workload rule that is not skip (Go duration, whole seconds) [default: 50s]')
            [CompletionResult]::new('--termination-drain-duration', '--termination-drain-duration', [CompletionResultType]::ParameterName, 'Sidecar terminationDrainDuration, the wait on SIGTERM, for the mesh and every workload rule that is not skip (written only when given)')
            [CompletionResult]::new('--gateway-drain-duration', '--gateway-drain-duration', [CompletionResultType]::ParameterName, 'Gateway spec.connectionDrainDuration, for every gateway rule that is not skip [default: 10s]')
            [CompletionResult]::new('--grace-period-margin', '--grace-period-margin', [CompletionResultType]::ParameterName, 'Time a pod''s grace period leaves after the drain and the longest preStop sleep, for every gateway and workload rule that is not skip [default: 5s]')
            [CompletionResult]::new('--minimum-drain-duration', '--minimum-drain-duration', [CompletionResultType]::ParameterName, 'MINIMUM_DRAIN_DURATION for every workload rule with exitOnZeroActiveConnections (Istio''s default: 5s)')
            [CompletionResult]::new('--on-conflict', '--on-conflict', [CompletionResultType]::ParameterName, 'What to do when a manifest already has a different value [default: override]')
            [CompletionResult]::new('--sidecar-targets', '--sidecar-targets', [CompletionResultType]::ParameterName, 'Mesh configs that get the sidecar settings, comma-separated: ControlPlane (TSB, the default), IstioOperator (istioctl), MeshConfigMap (the istiod chart''s ConfigMap)')
            [CompletionResult]::new('--istio-version', '--istio-version', [CompletionResultType]::ParameterName, 'Istio version the mesh runs, for Istio''s drainDuration validation')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'The lowest severity that fails the run (exit status 1)')
            [CompletionResult]::new('--drain-model', '--drain-model', [CompletionResultType]::ParameterName, 'What the sidecar waits on SIGTERM, for GD007: Istio''s source, or the TSB guide''s reading')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'The protocol: detected from how meshdrain is called and what stdin holds when not given')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Refuse inputs (check: each file) larger than this')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Deepest nesting accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--max-aliases', '--max-aliases', [CompletionResultType]::ParameterName, 'Most alias uses accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--max-scalar-bytes', '--max-scalar-bytes', [CompletionResultType]::ParameterName, 'Largest scalar accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Print a unified diff of each changed document instead of the stream (a dry run)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was changed (and what was already right) to stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was changed (and what was already right) to stderr')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Lint the result too: with findings at or above --fail-on, fail (exit 1) and write nothing')
            [CompletionResult]::new('--no-ignores', '--no-ignores', [CompletionResultType]::ParameterName, 'Report findings that annotations or the policy suppress')
            [CompletionResult]::new('--native-sidecars', '--native-sidecars', [CompletionResultType]::ParameterName, 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS; also the policy''s nativeSidecars): the sidecar stops after the applications')
            [CompletionResult]::new('--helm-plugin', '--helm-plugin', [CompletionResultType]::ParameterName, 'Also report errors to the terminal and to the error log: Helm 4 hides a plugin''s stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Patch the manifest stream on stdin and write it to stdout (the default command)')
            [CompletionResult]::new('values', 'values', [CompletionResultType]::ParameterValue, 'Apply the sidecar settings to a Helm values file of TSB''s control plane chart (its `spec:` is the ControlPlane spec) or of Istio''s istiod chart (`meshConfig`), keeping its comments')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show, check or describe DrainPolicy documents')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Lint manifests, Helm values and ResourceLists for drain misconfiguration (for CI)')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a lint rule (GD007), or list them all')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Prove the drain settings reached the running proxies: config dumps, pods, describe output and proxy logs, offline (for CI after a rollout)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'meshdrain;render' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'A DrainPolicy file (replaces the built-in default; also MESHDRAIN_POLICY)')
            [CompletionResult]::new('--drain-duration', '--drain-duration', [CompletionResultType]::ParameterName, 'Sidecar drainDuration written into the mesh configs of --sidecar-targets (the ControlPlane overlay by default), and into every workload rule that is not skip (Go duration, whole seconds) [default: 50s]')
            [CompletionResult]::new('--termination-drain-duration', '--termination-drain-duration', [CompletionResultType]::ParameterName, 'Sidecar terminationDrainDuration, the wait on SIGTERM, for the mesh and every workload rule that is not skip (written only when given)')
            [CompletionResult]::new('--gateway-drain-duration', '--gateway-drain-duration', [CompletionResultType]::ParameterName, 'Gateway spec.connectionDrainDuration, for every gateway rule that is not skip [default: 10s]')
            [CompletionResult]::new('--grace-period-margin', '--grace-period-margin', [CompletionResultType]::ParameterName, 'Time a pod''s grace period leaves after the drain and the longest preStop sleep, for every gateway and workload rule that is not skip [default: 5s]')
            [CompletionResult]::new('--minimum-drain-duration', '--minimum-drain-duration', [CompletionResultType]::ParameterName, 'MINIMUM_DRAIN_DURATION for every workload rule with exitOnZeroActiveConnections (Istio''s default: 5s)')
            [CompletionResult]::new('--on-conflict', '--on-conflict', [CompletionResultType]::ParameterName, 'What to do when a manifest already has a different value [default: override]')
            [CompletionResult]::new('--sidecar-targets', '--sidecar-targets', [CompletionResultType]::ParameterName, 'Mesh configs that get the sidecar settings, comma-separated: ControlPlane (TSB, the default), IstioOperator (istioctl), MeshConfigMap (the istiod chart''s ConfigMap)')
            [CompletionResult]::new('--istio-version', '--istio-version', [CompletionResultType]::ParameterName, 'Istio version the mesh runs, for Istio''s drainDuration validation')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'The lowest severity that fails the run (exit status 1)')
            [CompletionResult]::new('--drain-model', '--drain-model', [CompletionResultType]::ParameterName, 'What the sidecar waits on SIGTERM, for GD007: Istio''s source, or the TSB guide''s reading')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'The protocol: detected from how meshdrain is called and what stdin holds when not given')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Refuse inputs (check: each file) larger than this')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Deepest nesting accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--max-aliases', '--max-aliases', [CompletionResultType]::ParameterName, 'Most alias uses accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--max-scalar-bytes', '--max-scalar-bytes', [CompletionResultType]::ParameterName, 'Largest scalar accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Print a unified diff of each changed document instead of the stream (a dry run)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was changed (and what was already right) to stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was changed (and what was already right) to stderr')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Lint the result too: with findings at or above --fail-on, fail (exit 1) and write nothing')
            [CompletionResult]::new('--no-ignores', '--no-ignores', [CompletionResultType]::ParameterName, 'Report findings that annotations or the policy suppress')
            [CompletionResult]::new('--native-sidecars', '--native-sidecars', [CompletionResultType]::ParameterName, 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS; also the policy''s nativeSidecars): the sidecar stops after the applications')
            [CompletionResult]::new('--helm-plugin', '--helm-plugin', [CompletionResultType]::ParameterName, 'Also report errors to the terminal and to the error log: Helm 4 hides a plugin''s stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'meshdrain;values' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'A DrainPolicy file (replaces the built-in default; also MESHDRAIN_POLICY)')
            [CompletionResult]::new('--drain-duration', '--drain-duration', [CompletionResultType]::ParameterName, 'Sidecar drainDuration written into the mesh configs of --sidecar-targets (the ControlPlane overlay by default), and into every workload rule that is not skip (Go duration, whole seconds) [default: 50s]')
            [CompletionResult]::new('--termination-drain-duration', '--termination-drain-duration', [CompletionResultType]::ParameterName, 'Sidecar terminationDrainDuration, the wait on SIGTERM, for the mesh and every workload rule that is not skip (written only when given)')
            [CompletionResult]::new('--gateway-drain-duration', '--gateway-drain-duration', [CompletionResultType]::ParameterName, 'Gateway spec.connectionDrainDuration, for every gateway rule that is not skip [default: 10s]')
            [CompletionResult]::new('--grace-period-margin', '--grace-period-margin', [CompletionResultType]::ParameterName, 'Time a pod''s grace period leaves after the drain and the longest preStop sleep, for every gateway and workload rule that is not skip [default: 5s]')
            [CompletionResult]::new('--minimum-drain-duration', '--minimum-drain-duration', [CompletionResultType]::ParameterName, 'MINIMUM_DRAIN_DURATION for every workload rule with exitOnZeroActiveConnections (Istio''s default: 5s)')
            [CompletionResult]::new('--on-conflict', '--on-conflict', [CompletionResultType]::ParameterName, 'What to do when a manifest already has a different value [default: override]')
            [CompletionResult]::new('--sidecar-targets', '--sidecar-targets', [CompletionResultType]::ParameterName, 'Mesh configs that get the sidecar settings, comma-separated: ControlPlane (TSB, the default), IstioOperator (istioctl), MeshConfigMap (the istiod chart''s ConfigMap)')
            [CompletionResult]::new('--istio-version', '--istio-version', [CompletionResultType]::ParameterName, 'Istio version the mesh runs, for Istio''s drainDuration validation')
            [CompletionResult]::new('--chart', '--chart', [CompletionResultType]::ParameterName, 'The chart the values are for; detected from the file''s keys when not given')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Edit the file in place instead of printing the result (through a new file renamed over it: permissions kept; for a symlink, the file it points to is edited)')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Edit the file in place instead of printing the result (through a new file renamed over it: permissions kept; for a symlink, the file it points to is edited)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was changed to stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was changed to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'meshdrain;policy' {
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Validate a DrainPolicy file (exit 0 when valid, 2 otherwise)')
            [CompletionResult]::new('--show-default', '--show-default', [CompletionResultType]::ParameterName, 'Print the built-in policy as a DrainPolicy document')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'Print the JSON Schema of DrainPolicy documents')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'meshdrain;check' {
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Check FILE as TSB control plane Helm values (its spec: is the ControlPlane spec); values files are also detected without this')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'The lowest severity that fails the run (exit status 1)')
            [CompletionResult]::new('--drain-model', '--drain-model', [CompletionResultType]::ParameterName, 'What the sidecar waits on SIGTERM, for GD007: Istio''s source, or the TSB guide''s reading')
            [CompletionResult]::new('--istio-version', '--istio-version', [CompletionResultType]::ParameterName, 'Istio version the mesh runs, for version-dependent rules (GD005, GD006, GD019, GD026)')
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'A DrainPolicy whose spec.check.ignore suppresses findings (also MESHDRAIN_POLICY); replaces .meshdrain.yaml')
            [CompletionResult]::new('--stdin-filename', '--stdin-filename', [CompletionResultType]::ParameterName, 'The file stdin (`-`) stands for: findings, SARIF URIs, annotations and the ignore rules'' file globs name it; without a PATH, stdin is read')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour text output')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Refuse inputs (check: each file) larger than this')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Deepest nesting accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--max-aliases', '--max-aliases', [CompletionResultType]::ParameterName, 'Most alias uses accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--max-scalar-bytes', '--max-scalar-bytes', [CompletionResultType]::ParameterName, 'Largest scalar accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--no-ignores', '--no-ignores', [CompletionResultType]::ParameterName, 'Report findings that annotations or the policy suppress')
            [CompletionResult]::new('--native-sidecars', '--native-sidecars', [CompletionResultType]::ParameterName, 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS; also the policy''s nativeSidecars): the sidecar stops after the applications')
            [CompletionResult]::new('--exit-zero', '--exit-zero', [CompletionResultType]::ParameterName, 'Exit 0 even with findings at or above --fail-on (a report-only run); usage errors still exit 2')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print what rules skipped (e.g. workloads not known to be injected) to stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print what rules skipped (e.g. workloads not known to be injected) to stderr')
            [CompletionResult]::new('--output-schema', '--output-schema', [CompletionResultType]::ParameterName, 'Print the JSON Schema of the --format json output and exit')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'meshdrain;explain' {
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'Explain one workload or TSB gateway instead: every drain value that applies to it, where it comes from, and its shutdown timeline')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: text or markdown for rules; text, json or svg (a picture of the timeline) for --resource')
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'A DrainPolicy: say what its workload rule would write for the resource, and read its injectedNamespaces and nativeSidecars')
            [CompletionResult]::new('--istio-version', '--istio-version', [CompletionResultType]::ParameterName, 'Istio version the mesh runs (native sidecars changed in 1.21)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every rule''s documentation, not only the list (docs/rules.md is `explain --all --format markdown`)')
            [CompletionResult]::new('--native-sidecars', '--native-sidecars', [CompletionResultType]::ParameterName, 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'meshdrain;verify' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'A DrainPolicy whose values are expected (also MESHDRAIN_POLICY)')
            [CompletionResult]::new('--drain-duration', '--drain-duration', [CompletionResultType]::ParameterName, 'Expect this drainDuration (over the policy and MESHDRAIN_DRAIN_DURATION)')
            [CompletionResult]::new('--termination-drain-duration', '--termination-drain-duration', [CompletionResultType]::ParameterName, 'Expect this terminationDrainDuration (over the policy and MESHDRAIN_TERMINATION_DRAIN_DURATION)')
            [CompletionResult]::new('--gateway-drain-duration', '--gateway-drain-duration', [CompletionResultType]::ParameterName, 'Expect this connectionDrainDuration (over the policy and MESHDRAIN_GATEWAY_DRAIN_DURATION)')
            [CompletionResult]::new('--grace-period-margin', '--grace-period-margin', [CompletionResultType]::ParameterName, 'Expect this gracePeriodMargin (over the policy and MESHDRAIN_GRACE_PERIOD_MARGIN)')
            [CompletionResult]::new('--minimum-drain-duration', '--minimum-drain-duration', [CompletionResultType]::ParameterName, 'Expect this minimumDrainDuration (over the policy and MESHDRAIN_MINIMUM_DRAIN_DURATION)')
            [CompletionResult]::new('--manifests', '--manifests', [CompletionResultType]::ParameterName, 'Rendered manifests (file or directory; repeatable): expect what each pod''s workload, gateway CR and mesh config there say, instead of the policy')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--input-format', '--input-format', [CompletionResultType]::ParameterName, 'Read every INPUT as this format instead of detecting it')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'What evidence that does not say whether it is a sidecar''s or a gateway''s is from (a log without its startup lines, unless --manifests knows its pod); evidence that says keeps its own')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour text output')
            [CompletionResult]::new('--max-input-bytes', '--max-input-bytes', [CompletionResultType]::ParameterName, 'Refuse inputs (check: each file) larger than this')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Deepest nesting accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--max-aliases', '--max-aliases', [CompletionResultType]::ParameterName, 'Most alias uses accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--max-scalar-bytes', '--max-scalar-bytes', [CompletionResultType]::ParameterName, 'Largest scalar accepted in a document meshdrain reads or edits')
            [CompletionResult]::new('--output-schema', '--output-schema', [CompletionResultType]::ParameterName, 'Print the JSON Schema of the --format json output and exit')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'meshdrain;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'meshdrain;man' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'meshdrain;help' {
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Patch the manifest stream on stdin and write it to stdout (the default command)')
            [CompletionResult]::new('values', 'values', [CompletionResultType]::ParameterValue, 'Apply the sidecar settings to a Helm values file of TSB''s control plane chart (its `spec:` is the ControlPlane spec) or of Istio''s istiod chart (`meshConfig`), keeping its comments')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show, check or describe DrainPolicy documents')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Lint manifests, Helm values and ResourceLists for drain misconfiguration (for CI)')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a lint rule (GD007), or list them all')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Prove the drain settings reached the running proxies: config dumps, pods, describe output and proxy logs, offline (for CI after a rollout)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'meshdrain;help;render' {
            break
        }
        'meshdrain;help;values' {
            break
        }
        'meshdrain;help;policy' {
            break
        }
        'meshdrain;help;check' {
            break
        }
        'meshdrain;help;explain' {
            break
        }
        'meshdrain;help;verify' {
            break
        }
        'meshdrain;help;completions' {
            break
        }
        'meshdrain;help;man' {
            break
        }
        'meshdrain;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
