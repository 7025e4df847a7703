//! End to end under the real Helm 4 (v4.3.1): meshdrain as a `postrenderer/v1` plugin, the
//! repository's `helm-plugin/meshdrain` installed with `helm4 plugin install`.
//!
//! Uses only the pinned clients in `<repo>/.tools/bin` (`scripts/install-tools.sh`); without
//! them the tests skip with a note, except under CI, where they fail. Every test has its own
//! sandbox: HOME, HELM_DATA_HOME, HELM_CONFIG_HOME, HELM_CACHE_HOME and XDG_STATE_HOME are
//! temporary directories, and the caller's HELM_*/MESHDRAIN_* variables are removed.
//!
//! Helm 4 reformats what a post-renderer returns (list indentation, comment spacing, blank
//! lines), so renders are compared with the same chart through an identity plugin (`cat`):
//! they must be equal except for the drain lines.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::diff::assert_changes;
use common::e2e::{self, MESHDRAIN, Sandbox};
use common::{istio, repo};

const CHART: &str = "charts-example";
const HOOKS_CHART: &str = "testdata/e2e/charts/hooks";
const POLICY: &str = "testdata/e2e/policy/drain.yaml";
const BAD_POLICY: &str = "testdata/e2e/policy/bad-bare-number.yaml";

/// What meshdrain adds to charts-example with the built-in defaults.
const DEFAULT_DRAIN_LINES: [&str; 3] = [
    "          - path: spec.meshConfig.defaultConfig.drainDuration\n",
    "            value: 50s\n",
    "  connectionDrainDuration: 10s\n",
];

/// The report meshdrain gives for `BAD_POLICY` (in the log file and on the terminal).
const BAD_POLICY_REPORT: [&str; 5] = [
    "error[invalid-policy]: \"50\" is a bare number; durations need a unit\n",
    "  --> testdata/e2e/policy/bad-bare-number.yaml:12:30\n",
    "12 |   - connectionDrainDuration: 50\n",
    "  = path: spec.gateways[0].connectionDrainDuration\n",
    "  = help: write \"50s\" for seconds (Istio rejects unitless durations)\n",
];

/// All Helm 4 shows by itself when the plugin fails.
const HELM4_PLUGIN_FAILED: &str = "Error: error while running post render on files: failed to invoke post-renderer plugin \"meshdrain\": plugin \"meshdrain\" exited with error\n";

/// One test's Helm 4, with its sandbox.
struct Helm4 {
    helm: PathBuf,
    sandbox: Sandbox,
}

impl Helm4 {
    fn new() -> Option<Helm4> {
        Some(Helm4 {
            helm: e2e::tool("helm4")?,
            sandbox: Sandbox::new(),
        })
    }

    /// Where PATH-mode tests put their `meshdrain` (first on PATH).
    fn path_bin(&self) -> PathBuf {
        self.sandbox.join("path-bin")
    }

    fn state_home(&self) -> PathBuf {
        self.sandbox.join("state")
    }

    fn error_log(&self) -> PathBuf {
        self.state_home().join("meshdrain/last-error.log")
    }

    /// `program` (helm4, or a wrapper that runs it) in the sandbox: its Helm homes,
    /// XDG_STATE_HOME, and PATH = path-bin + the caller's PATH without any other meshdrain.
    fn command(&self, program: &Path) -> Command {
        let mut cmd = self.sandbox.helm(program);
        cmd.env("XDG_STATE_HOME", self.state_home())
            .env("PATH", e2e::search_path(&[&self.path_bin()]));
        cmd
    }

    fn helm4(&self) -> Command {
        self.command(&self.helm)
    }

    /// `helm4 plugin install DIR` for a copy of `from` (without any `bin/` a local build step
    /// left there); `fill_bin` links the test's binary into the copy's `bin/`.
    fn install_plugin(&self, from: &Path, name: &str, fill_bin: bool) {
        let copy = self.sandbox.join("plugins-src").join(name);
        e2e::copy_dir(from, &copy, &["bin"]);
        if fill_bin {
            e2e::link_meshdrain(&copy.join("bin/meshdrain"));
        }
        let out = e2e::run_ok(
            self.helm4().args(["plugin", "install", e2e::arg(&copy)]),
            b"",
        );
        assert!(out.contains(&format!("Installed plugin: {name}")), "{out}");
    }

    fn install_meshdrain_plugin(&self, fill_bin: bool) {
        self.install_plugin(&repo().join("helm-plugin/meshdrain"), "meshdrain", fill_bin);
    }

    fn install_identity_plugin(&self) {
        self.install_plugin(
            &repo().join("testdata/e2e/helm4/identity"),
            "identity",
            false,
        );
    }

    /// Puts the test's meshdrain on PATH.
    fn meshdrain_on_path(&self) {
        e2e::link_meshdrain(&self.path_bin().join("meshdrain"));
    }

    /// `helm4 template rel CHART --post-renderer RENDERER EXTRA...`, which must succeed.
    fn template(&self, chart: &str, renderer: &str, extra: &[&str]) -> String {
        let mut cmd = self.helm4();
        cmd.args(["template", "rel", chart, "--post-renderer", renderer])
            .args(extra);
        e2e::run_ok(&mut cmd, b"")
    }

    /// The arguments of a failing run with the bad policy.
    fn bad_policy_args() -> Vec<String> {
        [
            "template",
            "rel",
            CHART,
            "--post-renderer",
            "meshdrain",
            "--post-renderer-args",
            &format!("--policy={BAD_POLICY}"),
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// Runs helm4 in a new session, with no controlling terminal (as in CI, and so the
    /// report does not land on the terminal of whoever runs the tests).
    fn detached(&self, args: &[String]) -> Option<Command> {
        let setsid = e2e::system_tool("setsid")?;
        let mut cmd = self.command(&setsid);
        cmd.arg("--wait").arg(&self.helm).args(args);
        Some(cmd)
    }
}

/// The document rendered from `template` (by its `# Source:` line).
fn document<'a>(render: &'a str, template: &str) -> &'a str {
    let source = format!("# Source: {template}\n");
    let start = render
        .find(&source)
        .unwrap_or_else(|| panic!("no {source:?} in\n{render}"));
    let end = render[start..]
        .find("\n---\n")
        .map_or(render.len(), |e| start + e + 1);
    &render[start..end]
}

fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[test]
fn pinned_helm4_is_v4_3_1() {
    let Some(h) = Helm4::new() else { return };
    let version = e2e::run_ok(h.helm4().args(["version", "--short"]), b"");
    assert!(
        version.starts_with("v4.3.1+"),
        "these tests were written against Helm v4.3.1, .tools/bin/helm4 is {version:?}: \
         run scripts/install-tools.sh"
    );
}

#[test]
fn plugin_with_meshdrain_on_path_patches_only_the_drain_fields() {
    let Some(h) = Helm4::new() else { return };
    h.install_meshdrain_plugin(false);
    h.install_identity_plugin();
    h.meshdrain_on_path();

    let list = e2e::run_ok(h.helm4().args(["plugin", "list"]), b"");
    let line = list
        .lines()
        .find(|l| l.starts_with("meshdrain"))
        .unwrap_or_else(|| panic!("meshdrain not in `helm4 plugin list`:\n{list}"));
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        columns[..3],
        ["meshdrain", "0.1.0", "postrenderer/v1"],
        "{list}"
    );

    let identity = h.template(CHART, "identity", &[]);
    let patched = h.template(CHART, "meshdrain", &[]);
    // Guard against a vacuous pass: the identity render holds what matters.
    for needle in [
        "kind: ControlPlane\n",
        "apiVersion: gateway.tsb.tetrate.io/v2\nkind: IngressGateway\n",
        "apiVersion: install.tetrate.io/v1alpha1\nkind: IngressGateway\n",
        "value: true\n",
    ] {
        assert!(
            identity.contains(needle),
            "identity render lacks {needle:?}"
        );
    }
    assert_changes(
        &identity,
        &patched,
        &[],
        &DEFAULT_DRAIN_LINES,
        "helm4 --post-renderer meshdrain vs identity",
    );
    // The routing config (gateway.tsb.tetrate.io/v2) has the install CR's kind name but is
    // never touched.
    let routes = "meshdrain-example/templates/gateway-config.yaml";
    assert_eq!(document(&patched, routes), document(&identity, routes));
    assert!(!document(&patched, routes).contains("DrainDuration"));
    assert!(
        document(&patched, "meshdrain-example/templates/ingressgateway.yaml")
            .contains("\n  connectionDrainDuration: 10s\n")
    );
    // Helm 4 removes its filename annotation itself; meshdrain must not have lost it either,
    // or the Source lines would read generated-by-postrender-N.yaml.
    assert!(!patched.contains("postrenderer.helm.sh"), "{patched}");
    assert!(!patched.contains("generated-by-postrender"), "{patched}");
    assert!(
        !h.error_log().exists(),
        "a successful run wrote the error log"
    );
}

#[test]
fn plugin_bin_dir_is_used_before_path() {
    let Some(h) = Helm4::new() else { return };
    h.install_meshdrain_plugin(true);
    h.install_identity_plugin();
    // A meshdrain on PATH that fails loudly: it must not be the one that runs.
    e2e::write_script(
        &h.path_bin().join("meshdrain"),
        "#!/bin/sh\necho 'the meshdrain on PATH ran' >&2\nexit 99\n",
    );
    let identity = h.template(CHART, "identity", &[]);
    let patched = h.template(CHART, "meshdrain", &[]);
    assert_changes(
        &identity,
        &patched,
        &[],
        &DEFAULT_DRAIN_LINES,
        "plugin with bin/meshdrain",
    );
}

#[test]
fn policy_file_through_post_renderer_args() {
    let Some(h) = Helm4::new() else { return };
    h.install_meshdrain_plugin(false);
    h.install_identity_plugin();
    h.meshdrain_on_path();
    let identity = h.template(CHART, "identity", &[]);
    // A path relative to where helm runs, as a user types it.
    let policy_arg = format!("--policy={POLICY}");
    let patched = h.template(CHART, "meshdrain", &["--post-renderer-args", &policy_arg]);
    assert_changes(
        &identity,
        &patched,
        &[],
        &[
            "          - path: spec.meshConfig.defaultConfig.drainDuration\n",
            "            value: 45s\n",
            "          - path: spec.meshConfig.defaultConfig.terminationDrainDuration\n",
            "            value: 25s\n",
            "  connectionDrainDuration: 20s\n",
        ],
        "helm4 --post-renderer-args --policy",
    );
}

#[test]
fn hooks_and_filename_annotations_pass_through() {
    let Some(h) = Helm4::new() else { return };
    h.install_meshdrain_plugin(false);
    h.install_identity_plugin();
    // The plugin finds a recorder on PATH that runs the test's meshdrain.
    std::fs::create_dir_all(h.path_bin()).expect("path-bin");
    std::fs::copy(
        repo().join("testdata/e2e/helm4/record-meshdrain.sh"),
        h.path_bin().join("meshdrain"),
    )
    .expect("copy the recorder");
    let record = h.sandbox.join("record");
    std::fs::create_dir(&record).expect("record dir");

    let identity = h.template(HOOKS_CHART, "identity", &[]);
    let mut cmd = h.helm4();
    cmd.args([
        "template",
        "rel",
        HOOKS_CHART,
        "--post-renderer",
        "meshdrain",
    ])
    .env("E2E_RECORD_DIR", &record)
    .env("E2E_MESHDRAIN", MESHDRAIN);
    let patched = e2e::run_ok(&mut cmd, b"");

    assert_eq!(e2e::read(&record.join("args.txt")), "--helm-plugin\n");
    // What Helm 4 sent: every document, hooks and test hooks included, each with its
    // filename annotation.
    let sent = e2e::read(&record.join("in.yaml"));
    for template in [
        "configmap.yaml",
        "ingressgateway.yaml",
        "pre-install-job.yaml",
        "test-connection.yaml",
    ] {
        let annotation = format!(
            "\n    postrenderer.helm.sh/postrender-filename: 'hooks/templates/{template}'\n"
        );
        assert_eq!(
            sent.matches(&annotation).count(),
            1,
            "{annotation:?} not sent once:\n{sent}"
        );
    }
    assert!(sent.contains("\n    helm.sh/hook: pre-install\n"), "{sent}");
    assert!(sent.contains("\n    \"helm.sh/hook\": test\n"), "{sent}");
    // What meshdrain returned: the same bytes but for the gateway's drain setting.
    let returned = e2e::read(&record.join("out.yaml"));
    assert_changes(
        &sent,
        &returned,
        &[],
        &["  connectionDrainDuration: 10s\n"],
        "meshdrain's output vs its input under Helm 4",
    );

    // What the user gets: the hooks, under their own Source lines, and nothing else changed.
    assert_changes(
        &identity,
        &patched,
        &[],
        &["  connectionDrainDuration: 10s\n"],
        "hooks chart: meshdrain vs identity",
    );
    let job = document(&patched, "hooks/templates/pre-install-job.yaml");
    assert!(job.contains("\n    helm.sh/hook: pre-install\n"), "{job}");
    assert!(job.contains("\n    helm.sh/hook-weight: \"-5\"\n"), "{job}");
    let pod = document(&patched, "hooks/templates/test-connection.yaml");
    assert!(pod.contains("\n    \"helm.sh/hook\": test\n"), "{pod}");
    assert!(!patched.contains("postrenderer.helm.sh"), "{patched}");
    assert!(!patched.contains("generated-by-postrender"), "{patched}");
}

#[test]
fn invalid_policy_fails_and_the_report_is_in_the_log_file() {
    let Some(h) = Helm4::new() else { return };
    h.install_meshdrain_plugin(false);
    h.meshdrain_on_path();
    let Some(mut cmd) = h.detached(&Helm4::bad_policy_args()) else {
        return;
    };
    let (stdout, stderr) = e2e::run_failing(&mut cmd, b"");
    assert_eq!(
        stdout, "",
        "helm4 printed manifests although meshdrain failed"
    );
    assert!(stderr.starts_with(HELM4_PLUGIN_FAILED), "{stderr}");
    // Helm 4 shows none of the plugin's stderr: that is why meshdrain writes the log.
    assert!(!stderr.contains("bare number"), "{stderr}");

    let log = e2e::read(&h.error_log());
    assert!(log.starts_with("meshdrain failed at "), "{log}");
    for line in BAD_POLICY_REPORT {
        assert!(log.contains(line), "{line:?} not in the log:\n{log}");
    }
    assert!(
        log.ends_with("meshdrain: nothing was written, so Helm stops here\n"),
        "{log}"
    );
}

#[test]
fn invalid_policy_is_reported_on_the_terminal() {
    let Some(h) = Helm4::new() else { return };
    let Some(script) = e2e::system_tool("script") else {
        return;
    };
    h.install_meshdrain_plugin(false);
    h.meshdrain_on_path();
    let mut words = vec![sh_quote(e2e::arg(&h.helm))];
    words.extend(Helm4::bad_policy_args().iter().map(|a| sh_quote(a)));
    // script(1) runs the command on a new pseudo-terminal and copies what it shows to stdout;
    // -e passes on the command's exit status.
    let mut cmd = h.command(&script);
    cmd.args(["-qec", &words.join(" "), "/dev/null"])
        .env("SHELL", "/bin/sh");
    let (terminal, _) = e2e::run_failing(&mut cmd, b"");
    let terminal = terminal.replace("\r\n", "\n");
    for line in BAD_POLICY_REPORT {
        assert!(
            terminal.contains(line),
            "{line:?} not on the terminal:\n{terminal}"
        );
    }
    let log = h.error_log();
    assert!(
        terminal.contains(&format!(
            "meshdrain: this report is also in {}\n",
            log.display()
        )),
        "{terminal}"
    );
    assert!(terminal.contains(HELM4_PLUGIN_FAILED), "{terminal}");
    assert!(
        !terminal.contains("apiVersion:") && !terminal.contains("\nkind: "),
        "manifests on the terminal:\n{terminal}"
    );
    assert!(log.is_file());
}

#[test]
fn mistyped_post_renderer_arg_is_reported_on_the_terminal_and_in_the_log() {
    let Some(h) = Helm4::new() else { return };
    let Some(script) = e2e::system_tool("script") else {
        return;
    };
    h.install_meshdrain_plugin(false);
    h.meshdrain_on_path();
    let command = format!(
        "{} template rel {CHART} --post-renderer meshdrain --post-renderer-args --polcy=drain.yaml",
        sh_quote(e2e::arg(&h.helm))
    );
    let mut cmd = h.command(&script);
    cmd.args(["-qec", &command, "/dev/null"])
        .env("SHELL", "/bin/sh");
    let (terminal, _) = e2e::run_failing(&mut cmd, b"");
    let terminal = terminal.replace("\r\n", "\n");
    let usage_error = "error: unexpected argument '--polcy' found\n";
    assert!(terminal.contains(usage_error), "{terminal}");
    assert!(terminal.contains(HELM4_PLUGIN_FAILED), "{terminal}");
    let log = e2e::read(&h.error_log());
    assert!(log.contains(usage_error), "{log}");
    assert!(
        log.ends_with("meshdrain: nothing was written, so Helm stops here\n"),
        "{log}"
    );
}

#[test]
fn missing_meshdrain_binary_is_reported() {
    let Some(h) = Helm4::new() else { return };
    h.install_meshdrain_plugin(false);
    // No bin/ and nothing on PATH.
    let args: Vec<String> = ["template", "rel", CHART, "--post-renderer", "meshdrain"]
        .map(str::to_owned)
        .to_vec();
    let Some(mut cmd) = h.detached(&args) else {
        return;
    };
    let (stdout, stderr) = e2e::run_failing(&mut cmd, b"");
    assert_eq!(stdout, "");
    assert!(stderr.starts_with(HELM4_PLUGIN_FAILED), "{stderr}");
    let log = e2e::read(&h.error_log());
    assert!(
        log.starts_with("meshdrain Helm plugin: no meshdrain binary in ")
            && log.contains("run scripts/build-helm-plugin.sh or install meshdrain"),
        "{log}"
    );
}

/// README, "Helm 4": Helm 4's plugins in their own data home, Helm 3 on its default one.
#[test]
fn helm3_and_helm4_coexist_with_separate_data_homes() {
    let (Some(helm3), Some(h)) = (e2e::tool("helm3"), Helm4::new()) else {
        return;
    };
    h.meshdrain_on_path();
    let home = h.sandbox.home();
    let helm4_data = home.join(".local/share/helm4");
    let copy = h.sandbox.join("plugins-src/meshdrain");
    e2e::copy_dir(&repo().join("helm-plugin/meshdrain"), &copy, &["bin"]);
    let plugin = e2e::arg(&copy).to_owned();
    // As the README says, with only HOME set: Helm 3 uses ~/.local/share/helm.
    let plain = |program: &Path| {
        let mut cmd = h.sandbox.command(program);
        cmd.env("PATH", e2e::search_path(&[&h.path_bin()]));
        cmd
    };
    let helm4_own = || {
        let mut cmd = plain(&h.helm);
        cmd.env("HELM_DATA_HOME", &helm4_data);
        cmd
    };

    e2e::run_ok(helm4_own().args(["plugin", "install", &plugin]), b"");
    let list = e2e::run_ok(helm4_own().args(["plugin", "list"]), b"");
    assert!(
        list.lines()
            .any(|l| l.starts_with("meshdrain") && l.contains("postrenderer/v1")),
        "{list}"
    );
    let rendered = e2e::run_ok(
        helm4_own().args(["template", "rel", CHART, "--post-renderer", "meshdrain"]),
        b"",
    );
    assert!(rendered.contains("\n  connectionDrainDuration: 10s\n"));

    let helm3_template = || {
        let mut cmd = plain(&helm3);
        cmd.args(["template", "rel", CHART]);
        e2e::run(&mut cmd, b"")
    };
    let out = helm3_template();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "helm3 warned with its own data home"
    );
    e2e::run_ok(plain(&helm3).args(["plugin", "list"]), b"");

    // The counter-check: Helm 4's plugin in Helm 3's data home makes Helm 3 complain on
    // every run.
    e2e::run_ok(plain(&h.helm).args(["plugin", "install", &plugin]), b"");
    let out = helm3_template();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success()
            && stderr.contains("failed to load plugins")
            && stderr.contains("unknown field \"apiVersion\""),
        "helm3 with Helm 4's plugin in its data home: {}\n{stderr}",
        out.status
    );
    let (_, stderr) = e2e::run_failing(plain(&helm3).args(["plugin", "list"]), b"");
    assert!(stderr.contains("Error: failed to load plugin"), "{stderr}");
}

#[test]
fn the_shipped_policy_makes_the_drain_hold() {
    let Some(h) = Helm4::new() else { return };
    h.install_meshdrain_plugin(false);
    h.meshdrain_on_path();
    let policy = format!("--policy={}", repo().join(e2e::HOLD_POLICY).display());
    for name in [CHART, "testdata/e2e/charts/apps"] {
        let rendered = h.template(name, "meshdrain", &["--post-renderer-args", &policy]);
        e2e::assert_drain_holds(&rendered, &format!("helm4 {name}"));
        if name.ends_with("apps") {
            e2e::assert_apps_chart_drained(&rendered, "helm4");
        }
    }
}

/// The differential oracle through Helm 4: the istiod chart through the meshdrain plugin has
/// the mesh config Helm 4 renders with `--set meshConfig.defaultConfig.…` (through the
/// identity plugin), and is the identity render but for the two drain lines; with the
/// built-in policy it is the identity render.
#[test]
fn istiod_chart_through_the_plugin_is_helms_own_set_render() {
    let Some(h) = Helm4::new() else { return };
    h.install_meshdrain_plugin(false);
    h.install_identity_plugin();
    h.meshdrain_on_path();
    let ns = ["-n", "istio-system"];
    let policy = format!("--policy={}", istio::MESH_POLICY);
    let plain = h.template(istio::ISTIOD_CHART, "identity", &ns);
    let with_set = h.template(
        istio::ISTIOD_CHART,
        "identity",
        &[&ns[..], &istio::SET_DRAIN[..]].concat(),
    );
    let drained = h.template(
        istio::ISTIOD_CHART,
        "meshdrain",
        &[&ns[..], &["--post-renderer-args", &policy]].concat(),
    );
    istio::assert_same_as_helm_set(&plain, &drained, &with_set, "istio", "helm4 plugin");
    assert_changes(
        &plain,
        &drained,
        &[],
        &[
            "      drainDuration: 50s\n",
            "      terminationDrainDuration: 20s\n",
        ],
        "helm4 istiod chart through meshdrain vs identity",
    );
    let default = h.template(istio::ISTIOD_CHART, "meshdrain", &ns);
    assert_changes(
        &plain,
        &default,
        &[],
        &[],
        "helm4 istiod chart, built-in policy",
    );
}
