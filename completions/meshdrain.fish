# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_meshdrain_global_optspecs
    string join \n policy= drain-duration= termination-drain-duration= gateway-drain-duration= grace-period-margin= minimum-drain-duration= on-conflict= sidecar-targets= istio-version= diff v/verbose check fail-on= drain-model= no-ignores native-sidecars mode= helm-plugin max-input-bytes= max-depth= max-aliases= max-scalar-bytes= h/help V/version
end

function __fish_meshdrain_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_meshdrain_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_meshdrain_using_subcommand
    set -l cmd (__fish_meshdrain_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c meshdrain -n "__fish_meshdrain_needs_command" -l policy -d 'A DrainPolicy file (replaces the built-in default; also MESHDRAIN_POLICY)' -r -F
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l drain-duration -d 'Sidecar drainDuration written into the mesh configs of --sidecar-targets (the ControlPlane overlay by default), and into every workload rule that is not skip (Go duration, whole seconds) [default: 50s]' -r
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l termination-drain-duration -d 'Sidecar terminationDrainDuration, the wait on SIGTERM, for the mesh and every workload rule that is not skip (written only when given)' -r
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l gateway-drain-duration -d 'Gateway spec.connectionDrainDuration, for every gateway rule that is not skip [default: 10s]' -r
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l grace-period-margin -d 'Time a pod\'s grace period leaves after the drain and the longest preStop sleep, for every gateway and workload rule that is not skip [default: 5s]' -r
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l minimum-drain-duration -d 'MINIMUM_DRAIN_DURATION for every workload rule with exitOnZeroActiveConnections (Istio\'s default: 5s)' -r
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l on-conflict -d 'What to do when a manifest already has a different value [default: override]' -r -f -a "override\t'Replace it with the policy\'s value (the default)'
keep\t'Leave it as it is'
error\t'Fail the run'"
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l sidecar-targets -d 'Mesh configs that get the sidecar settings, comma-separated: ControlPlane (TSB, the default), IstioOperator (istioctl), MeshConfigMap (the istiod chart\'s ConfigMap)' -r
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l istio-version -d 'Istio version the mesh runs, for Istio\'s drainDuration validation' -r
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l fail-on -d 'The lowest severity that fails the run (exit status 1)' -r -f -a "error\t''
warning\t''
info\t''"
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l drain-model -d 'What the sidecar waits on SIGTERM, for GD007: Istio\'s source, or the TSB guide\'s reading' -r -f -a "istio\t'Istio\'s source: terminationDrainDuration (5s when unset)'
guide\t'The TSB guide: drainDuration (45s when unset)'"
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l mode -d 'The protocol: detected from how meshdrain is called and what stdin holds when not given' -r -f -a "post-renderer\t'A multi-document stream in and out (Helm 3 and 4, pipes)'
kustomize\t'A kustomize exec transformer: stream in and out, the policy is the transformer config'
krm\t'A KRM function: a ResourceList in and out, the policy is its functionConfig'"
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l max-input-bytes -d 'Refuse inputs (check: each file) larger than this' -r
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l max-depth -d 'Deepest nesting accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l max-aliases -d 'Most alias uses accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l max-scalar-bytes -d 'Largest scalar accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l diff -d 'Print a unified diff of each changed document instead of the stream (a dry run)'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -s v -l verbose -d 'Print what was changed (and what was already right) to stderr'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l check -d 'Lint the result too: with findings at or above --fail-on, fail (exit 1) and write nothing'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l no-ignores -d 'Report findings that annotations or the policy suppress'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l native-sidecars -d 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS; also the policy\'s nativeSidecars): the sidecar stops after the applications'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -l helm-plugin -d 'Also report errors to the terminal and to the error log: Helm 4 hides a plugin\'s stderr'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -s V -l version -d 'Print version'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -f -a "render" -d 'Patch the manifest stream on stdin and write it to stdout (the default command)'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -f -a "values" -d 'Apply the sidecar settings to a Helm values file of TSB\'s control plane chart (its `spec:` is the ControlPlane spec) or of Istio\'s istiod chart (`meshConfig`), keeping its comments'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -f -a "policy" -d 'Show, check or describe DrainPolicy documents'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -f -a "check" -d 'Lint manifests, Helm values and ResourceLists for drain misconfiguration (for CI)'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -f -a "explain" -d 'Explain a lint rule (GD007), or list them all'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -f -a "verify" -d 'Prove the drain settings reached the running proxies: config dumps, pods, describe output and proxy logs, offline (for CI after a rollout)'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -f -a "man" -d 'Print the manual page (roff)'
complete -c meshdrain -n "__fish_meshdrain_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l policy -d 'A DrainPolicy file (replaces the built-in default; also MESHDRAIN_POLICY)' -r -F
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l drain-duration -d 'Sidecar drainDuration written into the mesh configs of --sidecar-targets (the ControlPlane overlay by default), and into every workload rule that is not skip (Go duration, whole seconds) [default: 50s]' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l termination-drain-duration -d 'Sidecar terminationDrainDuration, the wait on SIGTERM, for the mesh and every workload rule that is not skip (written only when given)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l gateway-drain-duration -d 'Gateway spec.connectionDrainDuration, for every gateway rule that is not skip [default: 10s]' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l grace-period-margin -d 'Time a pod\'s grace period leaves after the drain and the longest preStop sleep, for every gateway and workload rule that is not skip [default: 5s]' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l minimum-drain-duration -d 'MINIMUM_DRAIN_DURATION for every workload rule with exitOnZeroActiveConnections (Istio\'s default: 5s)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l on-conflict -d 'What to do when a manifest already has a different value [default: override]' -r -f -a "override\t'Replace it with the policy\'s value (the default)'
keep\t'Leave it as it is'
error\t'Fail the run'"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l sidecar-targets -d 'Mesh configs that get the sidecar settings, comma-separated: ControlPlane (TSB, the default), IstioOperator (istioctl), MeshConfigMap (the istiod chart\'s ConfigMap)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l istio-version -d 'Istio version the mesh runs, for Istio\'s drainDuration validation' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l fail-on -d 'The lowest severity that fails the run (exit status 1)' -r -f -a "error\t''
warning\t''
info\t''"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l drain-model -d 'What the sidecar waits on SIGTERM, for GD007: Istio\'s source, or the TSB guide\'s reading' -r -f -a "istio\t'Istio\'s source: terminationDrainDuration (5s when unset)'
guide\t'The TSB guide: drainDuration (45s when unset)'"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l mode -d 'The protocol: detected from how meshdrain is called and what stdin holds when not given' -r -f -a "post-renderer\t'A multi-document stream in and out (Helm 3 and 4, pipes)'
kustomize\t'A kustomize exec transformer: stream in and out, the policy is the transformer config'
krm\t'A KRM function: a ResourceList in and out, the policy is its functionConfig'"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l max-input-bytes -d 'Refuse inputs (check: each file) larger than this' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l max-depth -d 'Deepest nesting accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l max-aliases -d 'Most alias uses accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l max-scalar-bytes -d 'Largest scalar accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l diff -d 'Print a unified diff of each changed document instead of the stream (a dry run)'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -s v -l verbose -d 'Print what was changed (and what was already right) to stderr'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l check -d 'Lint the result too: with findings at or above --fail-on, fail (exit 1) and write nothing'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l no-ignores -d 'Report findings that annotations or the policy suppress'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l native-sidecars -d 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS; also the policy\'s nativeSidecars): the sidecar stops after the applications'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -l helm-plugin -d 'Also report errors to the terminal and to the error log: Helm 4 hides a plugin\'s stderr'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -l policy -d 'A DrainPolicy file (replaces the built-in default; also MESHDRAIN_POLICY)' -r -F
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -l drain-duration -d 'Sidecar drainDuration written into the mesh configs of --sidecar-targets (the ControlPlane overlay by default), and into every workload rule that is not skip (Go duration, whole seconds) [default: 50s]' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -l termination-drain-duration -d 'Sidecar terminationDrainDuration, the wait on SIGTERM, for the mesh and every workload rule that is not skip (written only when given)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -l gateway-drain-duration -d 'Gateway spec.connectionDrainDuration, for every gateway rule that is not skip [default: 10s]' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -l grace-period-margin -d 'Time a pod\'s grace period leaves after the drain and the longest preStop sleep, for every gateway and workload rule that is not skip [default: 5s]' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -l minimum-drain-duration -d 'MINIMUM_DRAIN_DURATION for every workload rule with exitOnZeroActiveConnections (Istio\'s default: 5s)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -l on-conflict -d 'What to do when a manifest already has a different value [default: override]' -r -f -a "override\t'Replace it with the policy\'s value (the default)'
keep\t'Leave it as it is'
error\t'Fail the run'"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -l sidecar-targets -d 'Mesh configs that get the sidecar settings, comma-separated: ControlPlane (TSB, the default), IstioOperator (istioctl), MeshConfigMap (the istiod chart\'s ConfigMap)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -l istio-version -d 'Istio version the mesh runs, for Istio\'s drainDuration validation' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -l chart -d 'The chart the values are for; detected from the file\'s keys when not given' -r -f -a "tsb-control-plane\t'TSB\'s control plane chart: its `spec:` is the ControlPlane spec'
istiod\t'Istio\'s istiod chart: its `meshConfig` is merged into the mesh config'"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -s i -l in-place -d 'Edit the file in place instead of printing the result (through a new file renamed over it: permissions kept; for a symlink, the file it points to is edited)'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -s v -l verbose -d 'Print what was changed to stderr'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand values" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand policy" -l check -d 'Validate a DrainPolicy file (exit 0 when valid, 2 otherwise)' -r -F
complete -c meshdrain -n "__fish_meshdrain_using_subcommand policy" -l show-default -d 'Print the built-in policy as a DrainPolicy document'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand policy" -l schema -d 'Print the JSON Schema of DrainPolicy documents'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand policy" -s h -l help -d 'Print help'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l values -d 'Check FILE as TSB control plane Helm values (its spec: is the ControlPlane spec); values files are also detected without this' -r -F
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l format -d 'Output format' -r -f -a "text\t'Annotated source snippets'
json\t'A versioned JSON document (schema/check-output.v1.schema.json)'
sarif\t'SARIF 2.1.0, for code scanning'
github\t'GitHub Actions workflow commands (annotations on the pull request)'"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l fail-on -d 'The lowest severity that fails the run (exit status 1)' -r -f -a "error\t''
warning\t''
info\t''"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l drain-model -d 'What the sidecar waits on SIGTERM, for GD007: Istio\'s source, or the TSB guide\'s reading' -r -f -a "istio\t'Istio\'s source: terminationDrainDuration (5s when unset)'
guide\t'The TSB guide: drainDuration (45s when unset)'"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l istio-version -d 'Istio version the mesh runs, for version-dependent rules (GD005, GD006, GD019, GD026)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l policy -d 'A DrainPolicy whose spec.check.ignore suppresses findings (also MESHDRAIN_POLICY); replaces .meshdrain.yaml' -r -F
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l stdin-filename -d 'The file stdin (`-`) stands for: findings, SARIF URIs, annotations and the ignore rules\' file globs name it; without a PATH, stdin is read' -r -F
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l color -d 'Colour text output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set (https://no-color.org) or TERM is dumb'
always\t''
never\t''"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l max-input-bytes -d 'Refuse inputs (check: each file) larger than this' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l max-depth -d 'Deepest nesting accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l max-aliases -d 'Most alias uses accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l max-scalar-bytes -d 'Largest scalar accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l no-ignores -d 'Report findings that annotations or the policy suppress'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l native-sidecars -d 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS; also the policy\'s nativeSidecars): the sidecar stops after the applications'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l exit-zero -d 'Exit 0 even with findings at or above --fail-on (a report-only run); usage errors still exit 2'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -s v -l verbose -d 'Also print what rules skipped (e.g. workloads not known to be injected) to stderr'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -l output-schema -d 'Print the JSON Schema of the --format json output and exit'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand explain" -l resource -d 'Explain one workload or TSB gateway instead: every drain value that applies to it, where it comes from, and its shutdown timeline' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand explain" -l format -d 'Output format: text or markdown for rules; text, json or svg (a picture of the timeline) for --resource' -r -f -a "text\t'Plain text, for a terminal'
markdown\t'Markdown: a table for the list, a page for --all (rules only)'
json\t'A versioned JSON document (--resource only)'
svg\t'A picture of the shutdown timeline (--resource only)'"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand explain" -l policy -d 'A DrainPolicy: say what its workload rule would write for the resource, and read its injectedNamespaces and nativeSidecars' -r -F
complete -c meshdrain -n "__fish_meshdrain_using_subcommand explain" -l istio-version -d 'Istio version the mesh runs (native sidecars changed in 1.21)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand explain" -l all -d 'Every rule\'s documentation, not only the list (docs/rules.md is `explain --all --format markdown`)'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand explain" -l native-sidecars -d 'Istio injects native sidecars (ENABLE_NATIVE_SIDECARS)'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l policy -d 'A DrainPolicy whose values are expected (also MESHDRAIN_POLICY)' -r -F
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l drain-duration -d 'Expect this drainDuration (over the policy and MESHDRAIN_DRAIN_DURATION)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l termination-drain-duration -d 'Expect this terminationDrainDuration (over the policy and MESHDRAIN_TERMINATION_DRAIN_DURATION)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l gateway-drain-duration -d 'Expect this connectionDrainDuration (over the policy and MESHDRAIN_GATEWAY_DRAIN_DURATION)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l grace-period-margin -d 'Expect this gracePeriodMargin (over the policy and MESHDRAIN_GRACE_PERIOD_MARGIN)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l minimum-drain-duration -d 'Expect this minimumDrainDuration (over the policy and MESHDRAIN_MINIMUM_DRAIN_DURATION)' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l manifests -d 'Rendered manifests (file or directory; repeatable): expect what each pod\'s workload, gateway CR and mesh config there say, instead of the policy' -r -F
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l format -d 'Output format' -r -f -a "text\t'One annotated block per check, then a summary'
json\t'A versioned JSON document (schema/verify-output.v1.schema.json)'"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l input-format -d 'Read every INPUT as this format instead of detecting it' -r -f -a "config-dump\t'Envoy\'s admin `/config_dump` (`pilot-agent request GET config_dump`): `configs[]` with a `BootstrapConfigDump`'
bootstrap\t'An Envoy bootstrap (`/etc/istio/proxy/envoy-rev.json`), or `istioctl proxy-config bootstrap -o json`'
pod\t'`kubectl get pod -o yaml|json`: one Pod or a List of Pods'
describe\t'The text of `kubectl describe pod`'
log\t'`kubectl logs … -c istio-proxy`: text or JSON lines, any order, with or without `--prefix`/`--timestamps`'"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l role -d 'What evidence that does not say whether it is a sidecar\'s or a gateway\'s is from (a log without its startup lines, unless --manifests knows its pod); evidence that says keeps its own' -r -f -a "auto\t'Decide from the evidence (node id, `proxy router` args, gateway labels, the TERMINATION_DRAIN_DURATION_SECONDS env, `--manifests`)'
sidecar\t'An application pod\'s sidecar'
gateway\t'A gateway (TSB install gateway or Istio gateway)'"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l color -d 'Colour text output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set (https://no-color.org) or TERM is dumb'
always\t''
never\t''"
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l max-input-bytes -d 'Refuse inputs (check: each file) larger than this' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l max-depth -d 'Deepest nesting accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l max-aliases -d 'Most alias uses accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l max-scalar-bytes -d 'Largest scalar accepted in a document meshdrain reads or edits' -r
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -l output-schema -d 'Print the JSON Schema of the --format json output and exit'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand completions" -s h -l help -d 'Print help'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand man" -s h -l help -d 'Print help'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand help; and not __fish_seen_subcommand_from render values policy check explain verify completions man help" -f -a "render" -d 'Patch the manifest stream on stdin and write it to stdout (the default command)'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand help; and not __fish_seen_subcommand_from render values policy check explain verify completions man help" -f -a "values" -d 'Apply the sidecar settings to a Helm values file of TSB\'s control plane chart (its `spec:` is the ControlPlane spec) or of Istio\'s istiod chart (`meshConfig`), keeping its comments'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand help; and not __fish_seen_subcommand_from render values policy check explain verify completions man help" -f -a "policy" -d 'Show, check or describe DrainPolicy documents'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand help; and not __fish_seen_subcommand_from render values policy check explain verify completions man help" -f -a "check" -d 'Lint manifests, Helm values and ResourceLists for drain misconfiguration (for CI)'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand help; and not __fish_seen_subcommand_from render values policy check explain verify completions man help" -f -a "explain" -d 'Explain a lint rule (GD007), or list them all'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand help; and not __fish_seen_subcommand_from render values policy check explain verify completions man help" -f -a "verify" -d 'Prove the drain settings reached the running proxies: config dumps, pods, describe output and proxy logs, offline (for CI after a rollout)'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand help; and not __fish_seen_subcommand_from render values policy check explain verify completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand help; and not __fish_seen_subcommand_from render values policy check explain verify completions man help" -f -a "man" -d 'Print the manual page (roff)'
complete -c meshdrain -n "__fish_meshdrain_using_subcommand help; and not __fish_seen_subcommand_from render values policy check explain verify completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
