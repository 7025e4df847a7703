//! The GitHub Action (`action.yml`) and the README's workflow recipe, run locally: each `run`
//! step as GitHub runs a `shell: bash` step (`bash --noprofile --norc -eo pipefail FILE`), with
//! GitHub's files (`GITHUB_OUTPUT`, `GITHUB_PATH`), its `${{ }}` substitutions and its step
//! conditions (`if:`, with `success()` implied unless a status function is named). A `uses`
//! step (upload-sarif) is not run: the test records whether it would run, and with what.
//!
//! What must hold: a failing render fails the job and uploads nothing (an empty SARIF would
//! close open alerts); findings fail the job and are uploaded all the same; paths inside the
//! repository are named from its root.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::e2e::{self, Sandbox};
use common::repo;
use serde_json::Value;

// ---- a few GitHub expressions -------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Val {
    Str(String),
    Bool(bool),
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::Bool(b) => *b,
            Val::Str(s) => !s.is_empty(),
        }
    }

    fn text(&self) -> String {
        match self {
            Val::Bool(b) => b.to_string(),
            Val::Str(s) => s.clone(),
        }
    }
}

/// What expressions can see.
struct Scope<'a> {
    inputs: &'a BTreeMap<String, String>,
    outputs: &'a BTreeMap<String, BTreeMap<String, String>>,
    vars: &'a BTreeMap<String, String>,
    failed: bool,
    workspace: &'a Path,
}

impl Scope<'_> {
    fn lookup(&self, name: &str) -> Val {
        let parts: Vec<&str> = name.split('.').collect();
        let value = match parts.as_slice() {
            ["inputs", input] => self.inputs.get(*input).cloned(),
            // An output a step did not set (or a step that did not run) is empty, as on GitHub.
            ["steps", id, "outputs", key] => Some(
                self.outputs
                    .get(*id)
                    .and_then(|o| o.get(*key))
                    .cloned()
                    .unwrap_or_default(),
            ),
            _ => self.vars.get(name).cloned(),
        };
        Val::Str(value.unwrap_or_else(|| panic!("the test does not know {name}")))
    }
}

/// Tokens: names (`inputs.x`), 'strings', operators, parentheses, calls.
fn tokens(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let end = (i + 1..chars.len())
                .find(|&j| chars[j] == '\'')
                .expect("closed string");
            out.push(chars[i..=end].iter().collect());
            i = end + 1;
        } else if "=!&|".contains(c) && chars.get(i + 1).is_some_and(|n| "=&|".contains(*n)) {
            out.push(chars[i..i + 2].iter().collect());
            i += 2;
        } else if "()!,".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else {
            let end = (i..chars.len())
                .find(|&j| !(chars[j].is_alphanumeric() || "._-".contains(chars[j])))
                .unwrap_or(chars.len());
            assert!(end > i, "cannot read {expr:?} at {i}");
            out.push(chars[i..end].iter().collect());
            i = end;
        }
    }
    out
}

struct Parser<'a, 'b> {
    tokens: Vec<String>,
    at: usize,
    scope: &'a Scope<'b>,
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> String {
        self.at += 1;
        self.tokens[self.at - 1].clone()
    }

    fn or(&mut self) -> Val {
        let mut v = self.and();
        while self.peek() == Some("||") {
            self.next();
            let r = self.and();
            v = Val::Bool(v.truthy() || r.truthy());
        }
        v
    }

    fn and(&mut self) -> Val {
        let mut v = self.cmp();
        while self.peek() == Some("&&") {
            self.next();
            let r = self.cmp();
            v = Val::Bool(v.truthy() && r.truthy());
        }
        v
    }

    fn cmp(&mut self) -> Val {
        let l = self.unary();
        match self.peek() {
            Some("==") => {
                self.next();
                Val::Bool(l.text() == self.unary().text())
            }
            Some("!=") => {
                self.next();
                Val::Bool(l.text() != self.unary().text())
            }
            _ => l,
        }
    }

    fn unary(&mut self) -> Val {
        let t = self.next();
        match t.as_str() {
            "!" => Val::Bool(!self.unary().truthy()),
            "(" => {
                let v = self.or();
                assert_eq!(self.next(), ")");
                v
            }
            s if s.starts_with('\'') => Val::Str(s.trim_matches('\'').to_owned()),
            "true" => Val::Bool(true),
            "false" => Val::Bool(false),
            name if self.peek() == Some("(") => {
                self.next();
                let mut args = Vec::new();
                while self.peek() != Some(")") {
                    args.push(self.or());
                    if self.peek() == Some(",") {
                        self.next();
                    }
                }
                self.next();
                match name {
                    "always" => Val::Bool(true),
                    "success" => Val::Bool(!self.scope.failed),
                    "failure" => Val::Bool(self.scope.failed),
                    // Not the hash, but empty exactly when no file matches, as GitHub's is.
                    "hashFiles" => {
                        let file = self.scope.workspace.join(args[0].text());
                        Val::Str(if file.is_file() {
                            "hash".into()
                        } else {
                            String::new()
                        })
                    }
                    other => panic!("the test does not know {other}()"),
                }
            }
            name => self.scope.lookup(name),
        }
    }
}

fn eval(expr: &str, scope: &Scope) -> Val {
    let mut p = Parser {
        tokens: tokens(expr),
        at: 0,
        scope,
    };
    let v = p.or();
    assert_eq!(p.at, p.tokens.len(), "unread tokens in {expr:?}");
    v
}

/// A step's `if:`: GitHub adds `success() &&` unless a status function is named.
fn condition(expr: Option<&str>, scope: &Scope) -> bool {
    let expr = expr.unwrap_or("success()");
    let expr = expr.trim().trim_start_matches("${{").trim_end_matches("}}");
    let named = ["always()", "success()", "failure()", "cancelled()"]
        .iter()
        .any(|f| expr.contains(f));
    let v = eval(expr, scope).truthy();
    if named { v } else { v && !scope.failed }
}

/// `text` with every `${{ expr }}` replaced by its value.
fn substitute(text: &str, scope: &Scope) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed ${{") + start;
        out.push_str(&eval(&rest[start + 3..end], scope).text());
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

// ---- a runner -------------------------------------------------------------------------------

/// What one step did.
#[derive(Debug)]
struct Ran {
    name: String,
    /// `None`: skipped by its condition.
    status: Option<i32>,
    log: String,
    /// A `uses` step that would run: its `with`, substituted.
    uses: Option<(String, BTreeMap<String, String>)>,
}

struct Job {
    sandbox: Sandbox,
    workspace: PathBuf,
    temp: PathBuf,
    /// PATH before the system's: the test's tools, then what steps add (GITHUB_PATH).
    path: Vec<PathBuf>,
    vars: BTreeMap<String, String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    failed: bool,
    ran: Vec<Ran>,
}

impl Job {
    /// A workspace that is a git repository (`.git` is all meshdrain looks for), with this
    /// test's meshdrain (unless `with_meshdrain` is false) and Helm 3 as `helm` on PATH.
    fn new(with_meshdrain: bool) -> Option<Job> {
        let helm = e2e::tool("helm3")?;
        let sandbox = Sandbox::new();
        let workspace = sandbox.join("workspace");
        let temp = sandbox.join("runner-temp");
        let bin = sandbox.join("bin");
        std::fs::create_dir_all(workspace.join(".git")).unwrap();
        std::fs::create_dir_all(&temp).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        if with_meshdrain {
            e2e::link_meshdrain(&bin.join("meshdrain"));
        }
        std::os::unix::fs::symlink(&helm, bin.join("helm")).unwrap();
        let vars = BTreeMap::from([
            (
                "github.action_path".to_owned(),
                repo().display().to_string(),
            ),
            (
                "github.workspace".to_owned(),
                workspace.display().to_string(),
            ),
            ("runner.temp".to_owned(), temp.display().to_string()),
        ]);
        Some(Job {
            sandbox,
            workspace,
            temp,
            path: vec![bin],
            vars,
            outputs: BTreeMap::new(),
            failed: false,
            ran: Vec::new(),
        })
    }

    fn file(&self, rel: &str, text: &str) {
        let path = self.workspace.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Runs `steps` (an action's `runs.steps` or a workflow's) with `inputs`.
    fn run(&mut self, steps: &[Value], inputs: &BTreeMap<String, String>, action_path: &Path) {
        for (i, step) in steps.iter().enumerate() {
            let name = step["name"]
                .as_str()
                .or(step["uses"].as_str())
                .unwrap_or("step")
                .to_owned();
            let scope = Scope {
                inputs,
                outputs: &self.outputs,
                vars: &self.vars,
                failed: self.failed,
                workspace: &self.workspace,
            };
            if !condition(step["if"].as_str(), &scope) {
                self.ran.push(Ran {
                    name,
                    status: None,
                    log: String::new(),
                    uses: None,
                });
                continue;
            }
            let subst = |v: &Value| {
                substitute(
                    &v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    &scope,
                )
            };
            if let Some(uses) = step["uses"].as_str() {
                let with = step["with"]
                    .as_object()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), subst(v))).collect())
                    .unwrap_or_default();
                self.ran.push(Ran {
                    name,
                    status: Some(0),
                    log: String::new(),
                    uses: Some((uses.to_owned(), with)),
                });
                continue;
            }
            let script = step["run"].as_str().expect("a run or uses step");
            assert_eq!(
                step["shell"], "bash",
                "step {name:?}: GitHub runs bash with pipefail only for shell: bash"
            );
            assert!(
                !script.contains("${{"),
                "step {name:?}: expressions belong in env:, not in the script (template injection)"
            );
            let env: Vec<(String, String)> = step["env"]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), subst(v))).collect())
                .unwrap_or_default();
            let file = self.temp.join(format!("step-{i}.sh"));
            std::fs::write(&file, script).unwrap();
            let output_file = self.temp.join(format!("output-{i}"));
            let path_file = self.temp.join(format!("path-{i}"));
            std::fs::write(&output_file, "").unwrap();
            std::fs::write(&path_file, "").unwrap();
            let path_refs: Vec<&Path> = self.path.iter().map(PathBuf::as_path).collect();
            let mut cmd = self.sandbox.command(Path::new("/bin/bash"));
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&file)
                .current_dir(&self.workspace)
                .env("PATH", e2e::search_path(&path_refs))
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_PATH", &path_file)
                .env("GITHUB_WORKSPACE", &self.workspace)
                .env("GITHUB_ACTION_PATH", action_path)
                .env("RUNNER_TEMP", &self.temp)
                .env("CI", "true")
                .env("GITHUB_ACTIONS", "true");
            for (k, v) in &env {
                cmd.env(k, v);
            }
            let out = e2e::run(&mut cmd, b"");
            let status = out.status.code().unwrap_or(-1);
            if let Some(id) = step["id"].as_str() {
                let text = std::fs::read_to_string(&output_file).unwrap();
                let outputs = text
                    .lines()
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                self.outputs.insert(id.to_owned(), outputs);
            }
            for line in std::fs::read_to_string(&path_file).unwrap().lines() {
                self.path.insert(0, PathBuf::from(line));
            }
            if status != 0 {
                self.failed = true;
            }
            self.ran.push(Ran {
                name,
                status: Some(status),
                log: format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
                uses: None,
            });
        }
    }

    fn step(&self, name: &str) -> &Ran {
        self.ran
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no step {name:?} in {:#?}", self.ran))
    }

    /// The upload step's `sarif_file`, when it would run.
    fn uploaded(&self) -> Option<PathBuf> {
        let upload = self
            .ran
            .iter()
            .find(|r| r.name.contains("upload-sarif") || r.name.contains("Upload SARIF"))
            .expect("an upload step");
        let (uses, with) = upload.uses.as_ref()?;
        assert!(
            uses.starts_with("github/codeql-action/upload-sarif@"),
            "{uses}"
        );
        Some(self.workspace.join(&with["sarif_file"]))
    }
}

fn action() -> Value {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    serde_yaml::from_str(&text).expect("action.yml is YAML")
}

/// The action's inputs: its defaults, then `given`.
fn inputs(action: &Value, given: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut inputs: BTreeMap<String, String> = action["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["default"].as_str().unwrap_or("").to_owned()))
        .collect();
    for (k, v) in given {
        assert!(inputs.contains_key(*k), "action.yml has no input {k}");
        inputs.insert((*k).to_owned(), (*v).to_owned());
    }
    inputs
}

fn run_action(job: &mut Job, given: &[(&str, &str)]) {
    let action = action();
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap().clone();
    job.run(&steps, &inputs(&action, given), &repo());
}

fn sarif(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("SARIF is JSON")
}

fn gd007() -> String {
    std::fs::read_to_string(common::testdata("check/GD007/bad.yaml")).unwrap()
}

#[test]
fn findings_fail_the_check_and_are_uploaded_all_the_same() {
    let Some(mut job) = Job::new(true) else {
        return;
    };
    job.file("deploy/app.yaml", &gd007());
    run_action(
        &mut job,
        &[
            ("install", "false"),
            ("render", "cat deploy/app.yaml | cat"),
            ("stdin-filename", "deploy/rendered.yaml"),
        ],
    );
    assert_eq!(job.step("Install meshdrain").status, None);
    let check = job.step("meshdrain check");
    assert_eq!(check.status, Some(1), "{}", check.log);
    // The findings are in the log too.
    assert!(check.log.contains("error[GD007]"), "{}", check.log);
    assert!(job.failed);
    let file = job.uploaded().expect("upload-sarif runs after findings");
    let log = sarif(&file);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r["ruleId"] == "GD007"));
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"],
        serde_json::json!({"uri": "deploy/rendered.yaml", "uriBaseId": "%SRCROOT%"})
    );
}

#[test]
fn a_failing_render_fails_the_check_and_uploads_nothing() {
    for render in [
        "helm template demo ./no-such-chart --post-renderer meshdrain",
        // pipefail: the failure before the pipe counts.
        "helm template demo ./no-such-chart --post-renderer meshdrain | cat",
        // -e: a failure on an earlier line counts.
        "false\nhelm template demo ./chart --post-renderer meshdrain",
    ] {
        let Some(mut job) = Job::new(true) else {
            return;
        };
        e2e::copy_dir(
            &repo().join("charts-example"),
            &job.workspace.join("chart"),
            &[],
        );
        // An old log from an earlier run must not be uploaded either.
        job.file("meshdrain.sarif", "{}");
        run_action(&mut job, &[("install", "false"), ("render", render)]);
        let check = job.step("meshdrain check");
        assert_eq!(check.status, Some(1), "{render}: {}", check.log);
        assert!(
            check.log.contains("the render command failed"),
            "{}",
            check.log
        );
        assert!(job.failed);
        assert_eq!(
            job.uploaded(),
            None,
            "{render}: uploaded after a failed render"
        );
        assert!(!job.workspace.join("meshdrain.sarif").exists());
    }
}

#[test]
fn a_clean_render_passes_and_is_uploaded() {
    let Some(mut job) = Job::new(true) else {
        return;
    };
    e2e::copy_dir(
        &repo().join("charts-example"),
        &job.workspace.join("charts/shop"),
        &[],
    );
    run_action(
        &mut job,
        &[
            ("install", "false"),
            (
                "render",
                "helm template shop ./charts/shop --post-renderer meshdrain",
            ),
            ("stdin-filename", "charts/shop/rendered.yaml"),
        ],
    );
    let check = job.step("meshdrain check");
    assert_eq!(check.status, Some(0), "{}", check.log);
    assert!(!job.failed);
    let log = sarif(&job.uploaded().expect("uploaded"));
    // The render set the drains; terminationDrainDuration is still unset (a warning).
    let rules: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["GD028"]);
}

#[test]
fn paths_exit_zero_and_usage_errors() {
    let Some(mut job) = Job::new(true) else {
        return;
    };
    job.file("deploy/app.yaml", &gd007());
    run_action(&mut job, &[("install", "false"), ("paths", "deploy")]);
    assert_eq!(job.step("meshdrain check").status, Some(1));
    assert!(job.uploaded().is_some());

    let Some(mut job) = Job::new(true) else {
        return;
    };
    job.file("deploy/app.yaml", &gd007());
    run_action(
        &mut job,
        &[
            ("install", "false"),
            ("paths", "deploy"),
            ("exit-zero", "true"),
        ],
    );
    assert_eq!(job.step("meshdrain check").status, Some(0));
    assert!(!job.failed);
    assert_eq!(
        sarif(&job.uploaded().unwrap())["runs"][0]["results"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // A usage error (2): no results, nothing uploaded.
    let Some(mut job) = Job::new(true) else {
        return;
    };
    job.file("deploy/app.yaml", &gd007());
    run_action(
        &mut job,
        &[
            ("install", "false"),
            ("paths", "deploy"),
            ("args", "--no-such-flag"),
        ],
    );
    assert_eq!(job.step("meshdrain check").status, Some(2));
    assert_eq!(job.uploaded(), None);

    // upload-sarif: false.
    let Some(mut job) = Job::new(true) else {
        return;
    };
    job.file("deploy/app.yaml", &gd007());
    run_action(
        &mut job,
        &[
            ("install", "false"),
            ("paths", "deploy"),
            ("upload-sarif", "false"),
        ],
    );
    assert_eq!(job.uploaded(), None);
}

#[test]
fn the_install_step_builds_this_source_and_puts_it_on_path() {
    // No meshdrain on PATH; a stand-in cargo records its call and installs the test's binary
    // where `cargo install --root` would.
    let Some(mut job) = Job::new(false) else {
        return;
    };
    let fake = job.sandbox.join("fake-cargo/cargo");
    e2e::write_script(
        &fake,
        &format!(
            "#!/bin/sh\nset -e\necho \"$PWD $*\" > \"$RUNNER_TEMP/cargo-call\"\n\
             while [ \"$1\" != --root ]; do shift; done\nmkdir -p \"$2/bin\"\n\
             ln -s '{}' \"$2/bin/meshdrain\"\n",
            e2e::MESHDRAIN
        ),
    );
    job.path.push(fake.parent().unwrap().to_path_buf());
    job.file("deploy/app.yaml", &gd007());
    run_action(&mut job, &[("paths", "deploy")]);
    let install = job.step("Install meshdrain");
    assert_eq!(install.status, Some(0), "{}", install.log);
    let call = std::fs::read_to_string(job.temp.join("cargo-call")).unwrap();
    assert_eq!(
        call.trim(),
        format!(
            "{} install --locked --path . --root {}",
            repo().display(),
            job.temp.join("meshdrain").display()
        )
    );
    // The check step found the installed meshdrain through GITHUB_PATH.
    let check = job.step("meshdrain check");
    assert_eq!(check.status, Some(1), "{}", check.log);
    assert!(job.uploaded().is_some());
}

/// The README's workflow steps: the YAML block that uploads SARIF.
fn readme_recipe() -> Vec<Value> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let blocks: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter(|b| b.contains("upload-sarif"))
        .collect();
    assert_eq!(blocks.len(), 1, "one README recipe uploads SARIF");
    let steps: Vec<Value> = serde_yaml::from_str(blocks[0]).expect("the recipe is YAML steps");
    steps
}

#[test]
fn the_readme_recipe_fails_on_a_failed_render_and_uploads_findings() {
    let steps = readme_recipe();
    let upload = steps.iter().find(|s| s["uses"].is_string()).unwrap();
    assert!(upload["if"].as_str().unwrap().contains("always()"));
    let check_step = steps.iter().find(|s| s["run"].is_string()).unwrap();
    assert!(
        check_step["run"]
            .as_str()
            .unwrap()
            .contains("--stdin-filename")
    );
    let name = check_step["name"].as_str().unwrap().to_owned();

    // Findings: the step fails, the SARIF is uploaded.
    let Some(mut job) = Job::new(true) else {
        return;
    };
    e2e::copy_dir(
        &repo().join("charts-example"),
        &job.workspace.join("charts/shop"),
        &[],
    );
    job.file("charts/shop/templates/workloads.yaml", &gd007());
    job.run(&steps, &BTreeMap::new(), &repo());
    let check = job.step(&name);
    assert_eq!(check.status, Some(1), "{}", check.log);
    let log = sarif(&job.uploaded().expect("uploaded after findings"));
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "GD007"));
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "charts/shop/rendered.yaml"
    );

    // A failed render: the step fails, nothing is uploaded.
    let Some(mut job) = Job::new(true) else {
        return;
    };
    e2e::copy_dir(
        &repo().join("charts-example"),
        &job.workspace.join("charts/shop"),
        &[],
    );
    std::fs::remove_file(job.workspace.join("charts/shop/Chart.yaml")).unwrap();
    job.run(&steps, &BTreeMap::new(), &repo());
    let check = job.step(&name);
    assert_ne!(check.status, Some(0), "{}", check.log);
    assert_eq!(job.uploaded(), None, "uploaded after a failed render");
}

#[test]
fn the_expression_reader_works() {
    let inputs = BTreeMap::from([("a".to_owned(), "true".to_owned())]);
    let outputs = BTreeMap::from([(
        "check".to_owned(),
        BTreeMap::from([("f".to_owned(), "x.sarif".to_owned())]),
    )]);
    let vars = BTreeMap::new();
    let dir = tempfile::tempdir().unwrap();
    let scope = |failed| Scope {
        inputs: &inputs,
        outputs: &outputs,
        vars: &vars,
        failed,
        workspace: dir.path(),
    };
    assert!(condition(Some("inputs.a == 'true'"), &scope(false)));
    assert!(!condition(Some("inputs.a == 'true'"), &scope(true)));
    assert!(condition(
        Some("always() && steps.check.outputs.f != ''"),
        &scope(true)
    ));
    assert!(!condition(
        Some("always() && hashFiles('nope') != ''"),
        &scope(true)
    ));
    assert!(!condition(
        Some("${{ !(inputs.a == 'true') }}"),
        &scope(false)
    ));
    assert_eq!(
        substitute("f=${{ steps.check.outputs.f }}!", &scope(false)),
        "f=x.sarif!"
    );
}
