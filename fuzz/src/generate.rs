//! Structure-aware input: YAML streams of TSB resources (ControlPlane overlays, install
//! gateways, `v1 List`s, ResourceLists, DrainPolicies and their neighbours), written out with
//! random layout choices: explicit keys, tags, anchors and aliases, flow and block styles,
//! comments everywhere, every line-break kind, a BOM, tabs, `---`/`...` markers, indentation
//! steps of 2 and 4 and indented or non-indented sequences.
//!
//! The generator only needs a source of small numbers ([`Choices`]), so the same code serves
//! the fuzz targets (libFuzzer's bytes through `arbitrary`) and the proptest properties (a
//! vector of numbers that proptest shrinks toward zero). Choice 0 is always the plainest
//! option, so shrunk cases read like ordinary manifests. Std only: `tests/` includes this file
//! with `#[path]`.

/// A source of decisions.
pub trait Choices {
    /// A number in `0..n` (`n ≥ 1`); 0 when the source is exhausted.
    fn below(&mut self, n: usize) -> usize;

    /// True once in `k` times (false when exhausted).
    fn one_in(&mut self, k: usize) -> bool {
        k > 0 && self.below(k) == k - 1
    }

    /// A coin flip (false when exhausted).
    fn flip(&mut self) -> bool {
        self.below(2) == 1
    }

    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options
            .get(self.below(options.len().max(1)))
            .copied()
            .unwrap_or("")
    }
}

/// A fixed list of numbers (proptest's side): each call takes the next one modulo `n`.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    pub values: Vec<u32>,
    pub pos: usize,
}

impl Replay {
    pub fn new(values: Vec<u32>) -> Replay {
        Replay { values, pos: 0 }
    }
}

impl Choices for Replay {
    fn below(&mut self, n: usize) -> usize {
        let v = self.values.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        if n <= 1 { 0 } else { v as usize % n }
    }
}

/// Which known-bug areas the generator may enter. Everything else (explicit keys with values,
/// `!!str`/`!!int`/`!!timestamp`/`!!binary`/`!custom` tags outside the drain fields, anchors
/// and aliases outside patch paths, flow styles, comments, LF/CRLF, BOM, tabs, markers) is
/// always on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Features {
    /// Lone CR line breaks.
    pub lone_cr: bool,
    /// U+0085, U+2028 and U+2029 in comments and scalars.
    pub unicode_breaks: bool,
    /// An explicit key without a value (`? a`) as the last entry of a gateway's spec.
    pub bare_explicit_key: bool,
    /// Existing drain values tagged with something other than `!!str` (`!!binary`, `!!int`, `!custom`).
    pub foreign_tags_on_drain: bool,
    /// Overlay patch paths written with an anchor and an alias (`path: &p …`, `path: *p`).
    pub aliased_patch_paths: bool,
    /// A gateway `spec: !!set`.
    pub set_spec: bool,
    /// `v1 List`s among the items of a ResourceList.
    pub lists_in_resource_lists: bool,
}

impl Features {
    /// Everything but the open findings: what the fuzz targets use by default.
    pub const ALL: Features = Features {
        lone_cr: true,
        unicode_breaks: true,
        bare_explicit_key: true,
        foreign_tags_on_drain: true,
        aliased_patch_paths: true,
        set_spec: true,
        lists_in_resource_lists: true,
    };

    /// Everything, the open findings too (`MESHDRAIN_FUZZ_FEATURES=findings`): what a run that
    /// looks at the open findings uses. No open finding needs an input of its own today (the
    /// oracle checks what they break only with `MESHDRAIN_FUZZ_FEATURES=findings`), so it is
    /// [`Features::ALL`]; an open finding the default runs must not generate gets a field here.
    pub const FINDINGS: Features = Features::ALL;

    /// None of the known-bug areas.
    pub const SAFE: Features = Features {
        lone_cr: false,
        unicode_breaks: false,
        bare_explicit_key: false,
        foreign_tags_on_drain: false,
        aliased_patch_paths: false,
        set_spec: false,
        lists_in_resource_lists: false,
    };
}

/// A line-break kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Break {
    Lf,
    CrLf,
    Cr,
}

impl Break {
    pub fn convert(self, lf_text: &str) -> String {
        match self {
            Break::Lf => lf_text.to_owned(),
            Break::CrLf => lf_text.replace('\n', "\r\n"),
            Break::Cr => lf_text.replace('\n', "\r"),
        }
    }
}

/// A node to write. Scalars are tokens valid in block and flow context (properties included).
#[derive(Clone, Debug)]
pub enum Node {
    Scalar(String),
    /// A `|` block scalar (block context only).
    Literal(Vec<String>),
    Null,
    Alias(String),
    Map(Vec<Entry>, String),
    Seq(Vec<Node>, String),
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub value: Node,
    /// `? key` with no value at all.
    pub bare: bool,
}

fn entry(key: impl Into<String>, value: Node) -> Entry {
    Entry {
        key: key.into(),
        value,
        bare: false,
    }
}

fn s(text: &str) -> Node {
    Node::Scalar(text.to_owned())
}

fn map(entries: Vec<Entry>) -> Node {
    Node::Map(entries, String::new())
}

fn seq(items: Vec<Node>) -> Node {
    Node::Seq(items, String::new())
}

impl Node {
    fn flowable(&self) -> bool {
        match self {
            Node::Literal(_) => false,
            Node::Map(entries, _) => entries.iter().all(|e| !e.bare && e.value.flowable()),
            Node::Seq(items, _) => items.iter().all(Node::flowable),
            _ => true,
        }
    }
}

/// One document of a stream: its text with `\n` line breaks, the break kind it is written
/// with, and whether it holds a TSB install resource (a possible target).
#[derive(Clone, Debug)]
pub struct Piece {
    pub lf: String,
    pub br: Break,
    pub target: bool,
}

/// A generated stream.
#[derive(Clone, Debug)]
pub struct Stream {
    pub bom: bool,
    pub pieces: Vec<Piece>,
    pub drop_final_newline: bool,
}

impl Stream {
    fn assemble(&self, br: Option<Break>) -> String {
        let mut out = String::new();
        if self.bom {
            out.push('\u{feff}');
        }
        let last = self.pieces.len().saturating_sub(1);
        for (i, p) in self.pieces.iter().enumerate() {
            let mut lf = p.lf.clone();
            if i == last && self.drop_final_newline {
                while lf.ends_with('\n') {
                    lf.pop();
                }
            }
            out.push_str(&br.unwrap_or(p.br).convert(&lf));
        }
        out
    }

    /// The stream as generated (each document with its own line breaks).
    pub fn text(&self) -> String {
        self.assemble(None)
    }

    /// The same stream with one line-break kind throughout.
    pub fn text_with(&self, br: Break) -> String {
        self.assemble(Some(br))
    }
}

/// Layout of one document.
struct Writer<'c, C: Choices> {
    c: &'c mut C,
    f: Features,
    comments: bool,
    step: usize,
    seq_indent: usize,
    dash_pad: usize,
    tabs: bool,
    out: String,
}

const COMMENTS: &[&str] = &[
    "c",
    "中文注释",
    "kind: IngressGateway",
    "- item",
    "--- not a marker",
    "connectionDrainDuration: 99s",
    "'quoted' \"and\" {flow}",
];
const UNICODE_COMMENTS: &[&str] = &[
    "nel\u{85}kind: IngressGateway",
    "ls\u{2028}spec: {}",
    "ps\u{2029}x",
];

impl<C: Choices> Writer<'_, C> {
    fn comment_text(&mut self) -> &'static str {
        if self.f.unicode_breaks && self.c.one_in(3) {
            self.c.pick(UNICODE_COMMENTS)
        } else {
            self.c.pick(COMMENTS)
        }
    }

    /// ` # c` after a value, or nothing. Always consumes the same choices.
    fn trailing(&mut self) -> String {
        self.trailing_comment(false)
    }

    /// ` # c` or `\t# c` after a scalar (libyaml refuses a tab right after an explicit `:`).
    fn trailing_after_value(&mut self) -> String {
        self.trailing_comment(true)
    }

    fn trailing_comment(&mut self, tab_ok: bool) -> String {
        let want = self.c.one_in(5);
        let tab = self.c.one_in(4);
        let text = self.comment_text();
        if !(want && self.comments) {
            return String::new();
        }
        let sep = if tab && tab_ok && self.tabs {
            "\t"
        } else {
            " "
        };
        format!("{sep}# {text}")
    }

    /// A comment line before an entry or item, at `indent` or at column 0.
    fn comment_line(&mut self, indent: usize) {
        let want = self.c.one_in(7);
        let column0 = self.c.flip();
        let text = self.comment_text();
        if want && self.comments {
            let pad = if column0 { 0 } else { indent };
            self.out.push_str(&format!("{}# {text}\n", " ".repeat(pad)));
        }
    }

    /// The separator after a `:`. saphyr refuses a tab there (YAML 1.2 allows it), so only
    /// spaces: a tab would only test that refusal.
    fn sep(&mut self) -> &'static str {
        " "
    }

    fn null_token(&mut self, flow: bool) -> &'static str {
        match (self.c.below(3), flow) {
            (1, _) => "~",
            (2, _) | (0, true) => "null",
            _ => "",
        }
    }

    fn flow(&mut self, node: &Node) -> String {
        match node {
            Node::Scalar(t) => t.clone(),
            Node::Alias(a) => format!("*{a}"),
            Node::Null | Node::Literal(_) => self.null_token(true).to_owned(),
            Node::Map(entries, props) => {
                let spaced = self.c.one_in(3);
                let items: Vec<String> = entries
                    .iter()
                    .map(|e| {
                        let sep = self.sep();
                        format!("{}:{sep}{}", e.key, self.flow(&e.value))
                    })
                    .collect();
                let props = if props.is_empty() {
                    String::new()
                } else {
                    format!("{props} ")
                };
                if items.is_empty() {
                    format!("{props}{{}}")
                } else if spaced {
                    format!("{props}{{ {} }}", items.join(", "))
                } else {
                    format!("{props}{{{}}}", items.join(", "))
                }
            }
            Node::Seq(items, props) => {
                let items: Vec<String> = items.iter().map(|i| self.flow(i)).collect();
                let props = if props.is_empty() {
                    String::new()
                } else {
                    format!("{props} ")
                };
                format!("{props}[{}]", items.join(", "))
            }
        }
    }

    fn is_empty_collection(node: &Node) -> bool {
        matches!(node, Node::Map(e, _) if e.is_empty())
            || matches!(node, Node::Seq(i, _) if i.is_empty())
    }

    /// After `key:` (or an explicit `:`): the value and its line break; nested blocks at
    /// `indent + step` (mappings) or `indent + seq_indent` (sequences).
    fn value(&mut self, node: &Node, indent: usize, explicit: bool) {
        let choose_flow = self.c.one_in(4);
        match node {
            Node::Null => {
                let t = self.null_token(false);
                let tr = self.trailing();
                if t.is_empty() {
                    self.out.push_str(&format!("{tr}\n"));
                } else {
                    self.out.push_str(&format!(" {t}{tr}\n"));
                }
            }
            Node::Scalar(_) | Node::Alias(_) => {
                let sep = self.sep();
                let t = self.flow(node);
                let tr = self.trailing_after_value();
                self.out.push_str(&format!("{sep}{t}{tr}\n"));
            }
            Node::Literal(lines) => {
                let style = self.c.pick(&["|", "|-"]);
                let tr = self.trailing();
                self.out.push_str(&format!(" {style}{tr}\n"));
                for l in lines {
                    self.out
                        .push_str(&format!("{}{l}\n", " ".repeat(indent + self.step)));
                }
            }
            Node::Map(..) | Node::Seq(..)
                if Self::is_empty_collection(node) || (choose_flow && node.flowable()) =>
            {
                let t = self.flow(node);
                let tr = self.trailing();
                self.out.push_str(&format!(" {t}{tr}\n"));
            }
            Node::Map(entries, props) => {
                let tr = self.trailing();
                let props = if props.is_empty() {
                    String::new()
                } else {
                    format!(" {props}")
                };
                self.out.push_str(&format!("{props}{tr}\n"));
                self.block_map(entries, indent + self.step, None);
            }
            Node::Seq(items, props) => {
                let tr = self.trailing();
                let props = if props.is_empty() {
                    String::new()
                } else {
                    format!(" {props}")
                };
                self.out.push_str(&format!("{props}{tr}\n"));
                let at = if explicit {
                    indent + self.step
                } else {
                    indent + self.seq_indent
                };
                self.block_seq(items, at);
            }
        }
    }

    /// A block mapping at `indent`; `first` replaces the first line's indentation (`- `).
    fn block_map(&mut self, entries: &[Entry], indent: usize, first: Option<String>) {
        for (i, e) in entries.iter().enumerate() {
            let prefix = match (&first, i) {
                (Some(p), 0) => p.clone(),
                _ => {
                    self.comment_line(indent);
                    " ".repeat(indent)
                }
            };
            if e.bare {
                let tr = self.trailing();
                self.out.push_str(&format!("{prefix}? {}{tr}\n", e.key));
                continue;
            }
            if self.c.one_in(8) {
                let tr = self.trailing();
                self.out.push_str(&format!("{prefix}? {}{tr}\n", e.key));
                self.out.push_str(&format!("{}:", " ".repeat(indent)));
                self.value(&e.value, indent, true);
            } else {
                self.out.push_str(&format!("{prefix}{}:", e.key));
                self.value(&e.value, indent, false);
            }
        }
    }

    /// A block sequence whose dashes sit at column `indent`.
    fn block_seq(&mut self, items: &[Node], indent: usize) {
        for item in items {
            self.comment_line(indent);
            let dash = format!("{}-{}", " ".repeat(indent), " ".repeat(self.dash_pad));
            let inner = indent + 1 + self.dash_pad;
            let choose_flow = self.c.one_in(4);
            match item {
                Node::Null => {
                    let t = self.null_token(false);
                    let tr = self.trailing();
                    self.out.push_str(&format!(
                        "{}-{}{tr}\n",
                        " ".repeat(indent),
                        if t.is_empty() {
                            String::new()
                        } else {
                            format!(" {t}")
                        }
                    ));
                }
                Node::Scalar(_) | Node::Alias(_) => {
                    let t = self.flow(item);
                    let tr = self.trailing_after_value();
                    self.out.push_str(&format!("{dash}{t}{tr}\n"));
                }
                Node::Literal(lines) => {
                    self.out.push_str(&format!("{dash}|\n"));
                    for l in lines {
                        self.out.push_str(&format!("{}{l}\n", " ".repeat(inner)));
                    }
                }
                _ if Self::is_empty_collection(item) || (choose_flow && item.flowable()) => {
                    let t = self.flow(item);
                    let tr = self.trailing();
                    self.out.push_str(&format!("{dash}{t}{tr}\n"));
                }
                Node::Map(entries, props) if props.is_empty() => {
                    self.block_map(entries, inner, Some(dash));
                }
                Node::Map(entries, props) => {
                    self.out.push_str(&format!("{dash}{props}\n"));
                    self.block_map(entries, inner, None);
                }
                Node::Seq(items, props) => {
                    let props = if props.is_empty() {
                        String::new()
                    } else {
                        format!(" {props}")
                    };
                    self.out
                        .push_str(&format!("{}-{props}\n", " ".repeat(indent)));
                    self.block_seq(items, inner);
                }
            }
        }
    }
}

/// Builds the content of documents.
struct Builder<'c, C: Choices> {
    c: &'c mut C,
    f: Features,
    anchors: usize,
}

const DRAIN_VALUES: &[&str] = &[
    "10s",
    "20s",
    "1m",
    "'5s'",
    "\"10000ms\"",
    "10",
    "~",
    "!!str 7s",
    "\"1m30s\"",
    "0s",
    "-5s",
    "10.5s",
    "abc",
    "1h",
    "\"\\x31\\x30s\"",
    "'50s'",
    "50s",
    "45s",
    "2h",
];
const FOREIGN_DRAIN_VALUES: &[&str] = &["!!binary MTBz", "!custom 3s", "!!int 10", "!!float 1.5"];
const NAMES: &[&str] = &["gw", "edge-1", "helloworld-gateway", "cp", "x"];
const NAMESPACES: &[&str] = &["ns", "helloworld", "legacy", "istio-system"];
const WORKLOAD_KINDS: &[(&str, &str)] = &[
    ("v1", "Pod"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("apps/v1", "ReplicaSet"),
    ("v1", "ReplicationController"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("argoproj.io/v1alpha1", "Rollout"),
    // Not a kind meshdrain edits (the apps group's Deployment replaced it).
    ("extensions/v1beta1", "Deployment"),
];
const WORKLOAD_RULE_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Rollout",
];
const WORKLOAD_NAMES: &[&str] = &["web", "exit-app", "db", "batch-1", "legacy-x", "edge-1"];
const WORKLOAD_NAMESPACES: &[&str] = &[
    "mesh",
    "shop",
    "legacy",
    "plain",
    "kube-system",
    "team-a",
    "off",
];

/// A preStop `exec` hook running `command`.
fn exec(command: &[&str]) -> Node {
    map(vec![entry(
        "exec",
        map(vec![entry(
            "command",
            seq(command.iter().map(|w| s(w)).collect()),
        )]),
    )])
}

impl<C: Choices> Builder<'_, C> {
    fn anchor(&mut self) -> String {
        self.anchors += 1;
        format!("a{}", self.anchors)
    }

    /// A key token: usually plain, sometimes quoted.
    fn key(&mut self, k: &str) -> String {
        match self.c.below(12) {
            10 => format!("\"{k}\""),
            11 => format!("'{k}'"),
            _ => k.to_owned(),
        }
    }

    fn e(&mut self, k: &str, v: Node) -> Entry {
        let key = self.key(k);
        entry(key, v)
    }

    /// A string scalar, sometimes quoted or tagged `!!str`.
    fn text(&mut self, t: &str) -> Node {
        let unicode = self.f.unicode_breaks && self.c.one_in(8);
        let t = if unicode {
            format!("{t}\u{2028}x")
        } else {
            t.to_owned()
        };
        Node::Scalar(match self.c.below(10) {
            7 => format!("\"{t}\""),
            8 => format!("'{t}'"),
            9 => format!("!!str {t}"),
            _ => t,
        })
    }

    fn drain_value(&mut self) -> Node {
        if self.f.foreign_tags_on_drain && self.c.one_in(3) {
            return s(self.c.pick(FOREIGN_DRAIN_VALUES));
        }
        match self.c.below(12) {
            10 => Node::Literal(vec!["10s".to_owned()]),
            11 => {
                let a = self.anchor();
                Node::Scalar(format!("&{a} 15s"))
            }
            _ => s(self.c.pick(DRAIN_VALUES)),
        }
    }

    fn metadata(&mut self, name_anchor: &mut Option<String>) -> Node {
        self.named_metadata(name_anchor).0
    }

    /// Metadata and the name it gives.
    fn named_metadata(&mut self, name_anchor: &mut Option<String>) -> (Node, &'static str) {
        let mut entries = Vec::new();
        let name = self.c.pick(NAMES);
        if self.c.one_in(4) {
            let a = self.anchor();
            entries.push(self.e("name", Node::Scalar(format!("&{a} {name}"))));
            *name_anchor = Some(a);
        } else {
            let n = self.text(name);
            entries.push(self.e("name", n));
        }
        if !self.c.one_in(4) {
            let ns = self.c.pick(NAMESPACES);
            let n = self.text(ns);
            entries.push(self.e("namespace", n));
        }
        if self.c.one_in(3) {
            let mut labels = vec![];
            let tier = self.c.pick(&["edge", "internal"]);
            labels.push(self.e("tier", s(tier)));
            if let Some(a) = name_anchor.clone() {
                labels.push(self.e("app", Node::Alias(a)));
            }
            entries.push(self.e("labels", map(labels)));
        }
        if self.c.one_in(4) {
            let mut ann = vec![];
            match self.c.below(4) {
                0 => ann.push(self.e("meshdrain.io/ignore", s("\"GD013,GD014; reason\""))),
                1 => ann.push(self.e("created", s("!!timestamp 2001-12-14"))),
                // A custom tag makes the object unreadable as JSON: rare.
                2 if self.c.one_in(4) => ann.push(self.e("note", s("!custom value"))),
                2 => ann.push(self.e("note", s("!!str value"))),
                _ => ann.push(self.e(
                    "postrenderer.helm.sh/postrender-filename",
                    s("chart/templates/x.yaml"),
                )),
            }
            entries.push(self.e("annotations", map(ann)));
        }
        (map(entries), name)
    }

    /// A string scalar that keeps its meaning (no inserted characters).
    fn plain_text(&mut self, t: &str) -> Node {
        Node::Scalar(match self.c.below(10) {
            7 => format!("\"{t}\""),
            8 => format!("'{t}'"),
            9 => format!("!!str {t}"),
            _ => t.to_owned(),
        })
    }

    fn head(&mut self, api: &str, kind: &str) -> Vec<Entry> {
        let api = self.plain_text(api);
        let kind = self.plain_text(kind);
        let mut v = vec![self.e("apiVersion", api), self.e("kind", kind)];
        if self.c.one_in(6) {
            v.swap(0, 1);
        }
        v
    }

    fn gateway(&mut self) -> (Node, bool) {
        let install = !self.c.one_in(4);
        let api = if install {
            self.c
                .pick(&["install.tetrate.io/v1alpha1", "install.tetrate.io/v1alpha2"])
        } else {
            "gateway.tsb.tetrate.io/v2"
        };
        let kind = self
            .c
            .pick(&["IngressGateway", "EgressGateway", "Tier1Gateway", "Gateway"]);
        let mut entries = self.head(api, kind);
        let mut name_anchor = None;
        let (meta, name) = self.named_metadata(&mut name_anchor);
        entries.push(self.e("metadata", meta));
        let form = self.c.below(8);
        let spec = match form {
            0 => None,
            1 => Some(map(vec![])),
            2 => Some(Node::Null),
            3..=5 => {
                let mut spec = Vec::new();
                if self.c.flip() {
                    let svc = self.c.pick(&["LoadBalancer", "ClusterIP"]);
                    let service = map(vec![self.e("type", s(svc))]);
                    let mut ks = vec![self.e("service", service)];
                    if self.c.one_in(3) {
                        let replicas = self.c.pick(&["2", "!!int 3"]);
                        ks.push(self.e("deployment", map(vec![entry("replicas", s(replicas))])));
                    }
                    if self.c.flip() {
                        let overlays = self.gateway_overlays(name);
                        ks.push(self.e("overlays", overlays));
                    }
                    spec.push(self.e("kubeSpec", map(ks)));
                }
                if form != 3 {
                    let v = self.drain_value();
                    spec.push(self.e("connectionDrainDuration", v));
                }
                if self.c.one_in(3) {
                    spec.push(self.e("env", s("prod")));
                }
                if self.f.bare_explicit_key && self.c.one_in(3) {
                    spec.push(Entry {
                        key: "a".to_owned(),
                        value: Node::Null,
                        bare: true,
                    });
                }
                Some(map(spec))
            }
            6 if self.f.set_spec => Some(Node::Map(
                vec![
                    Entry {
                        key: "a".into(),
                        value: Node::Null,
                        bare: true,
                    },
                    Entry {
                        key: "b".into(),
                        value: Node::Null,
                        bare: true,
                    },
                ],
                "!!set".to_owned(),
            )),
            6 => Some(s("~")),
            _ => {
                // Anchored spec reused elsewhere: meshdrain must refuse to edit it.
                let a = self.anchor();
                entries.push(self.e(
                    "spec",
                    Node::Map(
                        vec![entry("connectionDrainDuration", s("5s"))],
                        format!("&{a}"),
                    ),
                ));
                let alias = Node::Alias(a);
                entries.push(self.e("status", map(vec![entry("copy", alias)])));
                None
            }
        };
        if let Some(spec) = spec {
            entries.push(self.e("spec", spec));
        }
        (map(entries), install && kind != "Gateway")
    }

    fn patch(&mut self, path_anchor: &mut Option<String>) -> Node {
        const DRAIN: &str = "spec.meshConfig.defaultConfig.drainDuration";
        match self.c.below(9) {
            0 => map(vec![
                entry(
                    "path",
                    s("spec.meshConfig.defaultConfig.holdApplicationUntilProxyStarts"),
                ),
                entry("value", s("true")),
            ]),
            1 | 2 => {
                let v = self.drain_value();
                let path = if self.f.aliased_patch_paths && self.c.one_in(2) {
                    match path_anchor.clone() {
                        Some(a) => Node::Alias(a),
                        None => {
                            let a = self.anchor();
                            *path_anchor = Some(a.clone());
                            Node::Scalar(format!("&{a} {DRAIN}"))
                        }
                    }
                } else {
                    self.plain_text(DRAIN)
                };
                map(vec![self.e("path", path), self.e("value", v)])
            }
            3 => {
                let v = self.c.pick(&["5s", "25s", "'30s'"]);
                map(vec![
                    entry(
                        "path",
                        s("spec.meshConfig.defaultConfig.terminationDrainDuration"),
                    ),
                    entry("value", s(v)),
                ])
            }
            4 => {
                let v = self.c.pick(&["90s", "30s", "1m"]);
                map(vec![
                    entry(
                        "path",
                        s("spec.meshConfig.defaultConfig.parentShutdownDuration"),
                    ),
                    entry("value", s(v)),
                ])
            }
            5 => {
                let inner = if self.c.flip() {
                    let v = self.drain_value();
                    map(vec![
                        entry("drainDuration", v),
                        entry("concurrency", s("2")),
                    ])
                } else {
                    map(vec![entry("concurrency", s("2"))])
                };
                map(vec![
                    entry("path", s("spec.meshConfig.defaultConfig")),
                    entry("value", inner),
                ])
            }
            6 => map(vec![
                entry("path", s(".spec.meshConfig.defaultConfig.drainDuration.")),
                entry("value", s("45s")),
            ]),
            7 => map(vec![entry("path", s(DRAIN))]),
            // The injector's global proxy.lifecycle replaces Istio's drain preStop.
            _ if self.c.one_in(4) => map(vec![
                entry("path", s("spec.values.global.proxy.lifecycle")),
                entry(
                    "value",
                    map(vec![entry(
                        "preStop",
                        map(vec![entry("sleep", map(vec![entry("seconds", s("3"))]))]),
                    )]),
                ),
            ]),
            _ => map(vec![
                entry("path", s("spec.meshConfig.accessLogFile")),
                entry("value", s("/dev/stdout")),
            ]),
        }
    }

    fn overlay(&mut self, path_anchor: &mut Option<String>) -> Node {
        match self.c.below(5) {
            0..=2 => {
                let mut entries = Vec::new();
                if !self.c.one_in(5) {
                    entries.push(self.e("apiVersion", s("install.istio.io/v1alpha1")));
                }
                entries.push(self.e("kind", s("IstioOperator")));
                entries.push(self.e("name", s("tsb-istiocontrolplane")));
                match self.c.below(6) {
                    0 => {}
                    1 => entries.push(self.e("patches", Node::Null)),
                    // One drain patch path written twice through an anchor: the later
                    // patch (with the alias) is the one Istio applies.
                    2 if self.f.aliased_patch_paths => {
                        let a = self.anchor();
                        let first = self.drain_value();
                        let last = self.drain_value();
                        let patches = vec![
                            map(vec![
                                entry(
                                    "path",
                                    Node::Scalar(format!(
                                        "&{a} spec.meshConfig.defaultConfig.drainDuration"
                                    )),
                                ),
                                entry("value", first),
                            ]),
                            self.patch(path_anchor),
                            map(vec![entry("path", Node::Alias(a)), entry("value", last)]),
                        ];
                        entries.push(self.e("patches", seq(patches)));
                    }
                    _ => {
                        let n = self.c.below(4);
                        let patches = (0..n).map(|_| self.patch(path_anchor)).collect();
                        entries.push(self.e("patches", seq(patches)));
                    }
                }
                map(entries)
            }
            3 => map(vec![
                entry("apiVersion", s("v1")),
                entry("kind", s("Service")),
                entry("name", s("x")),
                entry(
                    "patches",
                    seq(vec![map(vec![
                        entry("path", s("spec.type")),
                        entry("value", s("NodePort")),
                    ])]),
                ),
            ]),
            _ => map(vec![
                entry("apiVersion", s("install.istio.io/v1alpha1")),
                entry("kind", s("IstioOperator")),
                entry("name", s("other")),
            ]),
        }
    }

    fn controlplane(&mut self) -> (Node, bool) {
        let mut entries = self.head("install.tetrate.io/v1alpha1", "ControlPlane");
        let mut name_anchor = None;
        let meta = self.metadata(&mut name_anchor);
        entries.push(self.e("metadata", meta));
        let depth = self.c.below(7);
        let mut path_anchor = None;
        // Built inside out: overlays, kubeSpec, istio, components, spec.
        let overlays = match self.c.below(5) {
            0 => Node::Null,
            _ => {
                let n = self.c.below(4);
                seq((0..n).map(|_| self.overlay(&mut path_anchor)).collect())
            }
        };
        let mut istio = Vec::new();
        if depth >= 4 {
            let ks = map(vec![self.e("overlays", overlays)]);
            istio.push(self.e("kubeSpec", ks));
        }
        if self.c.one_in(6) {
            istio.push(self.e("pilotOverlays", seq(vec![map(vec![entry("name", s("x"))])])));
        }
        if self.c.one_in(3) {
            istio.push(self.e("traceSamplingRate", s("0.5")));
        }
        let istio = if depth == 3 { Node::Null } else { map(istio) };
        let components = if depth == 2 {
            Node::Null
        } else {
            map(vec![self.e("istio", istio)])
        };
        let mut spec = vec![self.e("hub", s("example.io"))];
        if depth >= 2 {
            spec.push(self.e("components", components));
        }
        if self.c.one_in(4) {
            spec.push(self.e(
                "managementPlane",
                map(vec![
                    entry("host", s("tsb.example.io")),
                    entry("port", s("8443")),
                ]),
            ));
        }
        match depth {
            0 => {}
            1 => entries.push(self.e("spec", Node::Null)),
            _ => entries.push(self.e("spec", map(spec))),
        }
        (map(entries), true)
    }

    fn deployment(&mut self) -> Node {
        let mut entries = self.head("apps/v1", "Deployment");
        let a = self.anchor();
        entries.push(self.e(
            "metadata",
            map(vec![
                entry("name", s("web")),
                entry(
                    "labels",
                    Node::Map(
                        vec![entry("app", s("\"on\"")), entry("v", s("'1.0'"))],
                        format!("&{a}"),
                    ),
                ),
            ]),
        ));
        let mut tmpl_meta = vec![entry("labels", Node::Alias(a.clone()))];
        if self.c.one_in(3) {
            tmpl_meta.push(entry(
                "annotations",
                map(vec![entry("sidecar.istio.io/inject", s("\"true\""))]),
            ));
        }
        let mut pod = vec![entry(
            "containers",
            seq(vec![map(vec![
                entry("name", s("c")),
                entry("image", s("nginx")),
                entry("args", seq(vec![s("\"--x=1\""), s("yes"), s("no")])),
            ])]),
        )];
        if self.c.flip() {
            let g = self.c.pick(&["30", "!!int 60", "10"]);
            pod.push(entry("terminationGracePeriodSeconds", s(g)));
        }
        let mut spec = vec![
            entry("replicas", s(self.c.pick(&["1", "!!int 2"]))),
            entry(
                "selector",
                map(vec![entry("matchLabels", Node::Alias(a.clone()))]),
            ),
            entry(
                "template",
                map(vec![
                    entry("metadata", map(tmpl_meta)),
                    entry("spec", map(pod)),
                ]),
            ),
        ];
        if self.c.one_in(4) {
            spec.push(entry("extra", map(vec![entry("<<", Node::Alias(a))])));
        }
        entries.push(self.e("spec", map(spec)));
        map(entries)
    }

    fn secret(&mut self) -> Node {
        let mut entries = self.head("v1", "Secret");
        entries.push(self.e("metadata", map(vec![entry("name", s("tls"))])));
        entries.push(self.e("type", s("Opaque")));
        let data = match self.c.below(3) {
            0 => map(vec![entry("key", s("!!binary R0lGODlhDAAMAIQAAP"))]),
            1 => map(vec![entry("k", s("dmFs"))]),
            _ => Node::Map(
                vec![
                    Entry {
                        key: "x".into(),
                        value: Node::Null,
                        bare: true,
                    },
                    entry("y", Node::Null),
                ],
                "!!set".to_owned(),
            ),
        };
        entries.push(self.e("data", data));
        map(entries)
    }

    fn configmap(&mut self) -> Node {
        let mut entries = self.head("v1", "ConfigMap");
        entries.push(self.e("metadata", map(vec![entry("name", s("cfg"))])));
        let mut data = vec![entry(
            "script",
            Node::Literal(vec![
                "echo hi".into(),
                "# not a comment".into(),
                "--- not a marker".into(),
                "kind: IngressGateway".into(),
            ]),
        )];
        if self.c.flip() {
            data.push(entry("when", s("!!timestamp 2001-12-14t21:59:43.10-05:00")));
        }
        if self.c.flip() {
            data.push(entry("n", s("!!int 42")));
        }
        if self.c.one_in(3) {
            data.push(entry("odd", s("!custom thing")));
        }
        entries.push(self.e("data", map(data)));
        map(entries)
    }

    /// A gateway's `kubeSpec.overlays`: its Deployment's grace period patched exactly, through
    /// an ancestor, removed (a patch without a value), written badly; other objects; several
    /// overlays for the Deployment (TSB applies the last).
    fn gateway_overlays(&mut self, name: &str) -> Node {
        const GRACE: &str = "spec.template.spec.terminationGracePeriodSeconds";
        let n = 1 + self.c.below(3);
        let mut overlays = Vec::new();
        for _ in 0..n {
            let (api, kind, target) = match self.c.below(6) {
                0 => ("v1", "Service", name),
                1 => ("apps/v1", "Deployment", "other"),
                _ => ("apps/v1", "Deployment", name),
            };
            let count = 1 + self.c.below(3);
            let mut patches = Vec::new();
            for _ in 0..count {
                let patch = match self.c.below(9) {
                    0..=2 => {
                        let v = self
                            .c
                            .pick(&["20", "60", "10", "!!int 90", "1200", "30", "14", "16"]);
                        map(vec![entry("path", s(GRACE)), entry("value", s(v))])
                    }
                    3 => {
                        let v = self.c.pick(&["15", "45"]);
                        map(vec![
                            entry("path", s("spec.template.spec")),
                            entry(
                                "value",
                                map(vec![entry("terminationGracePeriodSeconds", s(v))]),
                            ),
                        ])
                    }
                    4 => map(vec![
                        entry("path", s("spec.template.spec")),
                        entry("value", map(vec![entry("dnsPolicy", s("ClusterFirst"))])),
                    ]),
                    5 => map(vec![entry("path", s(GRACE))]),
                    6 => map(vec![
                        entry("path", s("spec.replicas")),
                        entry("value", s("2")),
                    ]),
                    7 => map(vec![
                        entry(
                            "path",
                            s(".spec.template.spec.terminationGracePeriodSeconds."),
                        ),
                        entry("value", s("25")),
                    ]),
                    _ => {
                        let v = self.c.pick(&["~", "~", "\"45\""]);
                        map(vec![entry("path", s(GRACE)), entry("value", s(v))])
                    }
                };
                patches.push(patch);
            }
            overlays.push(map(vec![
                entry("apiVersion", s(api)),
                entry("kind", s(kind)),
                entry("name", s(target)),
                entry("patches", seq(patches)),
            ]));
        }
        seq(overlays)
    }

    /// A `v1 Namespace` with or without Istio's injection labels.
    fn namespace(&mut self) -> Node {
        let mut entries = self.head("v1", "Namespace");
        let name = self.c.pick(WORKLOAD_NAMESPACES);
        let mut meta = vec![self.e("name", s(name))];
        let labels = match self.c.below(7) {
            0 => None,
            1 => Some(vec![entry("istio-injection", s("enabled"))]),
            2 => Some(vec![entry("istio-injection", s("disabled"))]),
            3 => Some(vec![entry("istio.io/rev", s("canary"))]),
            4 => Some(vec![
                entry("istio-injection", s("\"enabled\"")),
                entry("istio.io/rev", s("canary")),
            ]),
            5 => Some(vec![entry("team", s("a"))]),
            _ => Some(vec![]),
        };
        if let Some(labels) = labels {
            meta.push(self.e("labels", map(labels)));
        }
        entries.push(self.e("metadata", map(meta)));
        map(entries)
    }

    /// An IstioOperator whose injector values set the global `proxy.lifecycle` (the injected
    /// preStop is then not Istio's drain request), or not.
    fn istio_operator_lifecycle(&mut self) -> Node {
        let mut entries = self.head("install.istio.io/v1alpha1", "IstioOperator");
        entries.push(self.e("metadata", map(vec![entry("name", s("mesh"))])));
        let proxy = if self.c.flip() {
            map(vec![entry(
                "lifecycle",
                map(vec![entry(
                    "preStop",
                    map(vec![entry(
                        "exec",
                        map(vec![entry("command", seq(vec![s("sleep"), s("'5'")]))]),
                    )]),
                )]),
            )])
        } else {
            map(vec![entry("holdApplicationUntilProxyStarts", s("true"))])
        };
        entries.push(self.e(
            "spec",
            map(vec![entry(
                "values",
                map(vec![entry("global", map(vec![entry("proxy", proxy)]))]),
            )]),
        ));
        map(entries)
    }

    /// A `proxy.istio.io/config` payload: a YAML block, JSON, flow YAML, empty, or (rarely)
    /// something Istio refuses.
    fn proxy_config(&mut self) -> Node {
        match self.c.below(20) {
            0..=6 => {
                let lines: &[&str] = match self.c.below(10) {
                    0 => &[
                        "holdApplicationUntilProxyStarts: true",
                        "proxyMetadata:",
                        "  ISTIO_META_DNS_CAPTURE: \"true\"",
                    ],
                    1 => &["terminationDrainDuration: 10s", "concurrency: 2"],
                    2 => &[
                        "drainDuration: 20s",
                        "proxyMetadata:",
                        "  EXIT_ON_ZERO_ACTIVE_CONNECTIONS: \"true\"",
                        "  MINIMUM_DRAIN_DURATION: 3s",
                    ],
                    3 => &[
                        "termination_drain_duration: 7s",
                        "proxy_metadata:",
                        "  MINIMUM_DRAIN_DURATION: \"8s\"",
                    ],
                    4 => &["# kept", "concurrency: 2", "terminationDrainDuration: 40s"],
                    5 => &["terminationDrainDuration: 25s", "drainDuration: 45s"],
                    6 => &["proxyMetadata: {EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'false'}"],
                    7 => &[
                        "proxyMetadata:",
                        "  EXIT_ON_ZERO_ACTIVE_CONNECTIONS: true",
                        "terminationDrainDuration: 1m",
                    ],
                    8 => &["{concurrency: 2}"],
                    _ => &[],
                };
                Node::Literal(lines.iter().map(|l| (*l).to_owned()).collect())
            }
            7..=12 => s(self.c.pick(&[
                r#"'{"concurrency":2,"terminationDrainDuration":"10s"}'"#,
                r#"'{"terminationDrainDuration": "25s"}'"#,
                r#"'{"proxyMetadata":{"ISTIO_META_X":"1"}}'"#,
                r#"'{"drainDuration":"50s","proxyMetadata":{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS":"true","MINIMUM_DRAIN_DURATION":"12s"}}'"#,
                r#"'{}'"#,
                r#""{\"holdApplicationUntilProxyStarts\": true, \"termination_drain_duration\": \"9s\"}""#,
                r#"'{"terminationDrainDuration":"40s","drainDuration":50}'"#,
            ])),
            13..=16 => s(self.c.pick(&[
                "\"{concurrency: 2}\"",
                "'{terminationDrainDuration: 5s, proxyMetadata: {MINIMUM_DRAIN_DURATION: 3s}}'",
                "\"{drain_duration: 30s}\"",
                "'{proxyMetadata: {}}'",
            ])),
            17 | 18 => s(self.c.pick(&["\"\"", "''", "\"null\"", "'~'"])),
            _ => s(self.c.pick(&["'[1, 2]'", "'{terminationDrainDuration: [5s]}'"])),
        }
    }

    /// A `PROXY_CONFIG` env value of an injected istio-proxy container.
    fn proxy_config_env(&mut self) -> Node {
        match self.c.below(4) {
            0 => s(r#"'{"terminationDrainDuration":"5s"}'"#),
            1 => s(r#"'{"discoveryAddress":"istiod.istio-system.svc:15012"}'"#),
            2 => Node::Literal(vec!["drainDuration: 30s".to_owned()]),
            _ => s("'{}'"),
        }
    }

    /// A preStop hook: a `sleep N` command, a `sleep: {seconds: N}` action, or no sleep.
    fn prestop(&mut self) -> Option<Node> {
        let hook = match self.c.below(9) {
            0 | 1 => return None,
            2 => exec(&["/bin/sh", "\"-c\"", "\"sleep 10\""]),
            3 => exec(&["sleep", "\"20\""]),
            4 => exec(&["sh", "\"-c\"", "\"sleep 5 && nginx -s quit\""]),
            5 => {
                let secs = self.c.pick(&["15", "40", "3"]);
                map(vec![entry("sleep", map(vec![entry("seconds", s(secs))]))])
            }
            6 => map(vec![entry(
                "httpGet",
                map(vec![entry("path", s("/quit")), entry("port", s("8080"))]),
            )]),
            // sleep(1) of coreutils and busybox reads s, m, h and d suffixes.
            7 if self.c.flip() => {
                let sleep = self
                    .c
                    .pick(&["\"sleep 1m\"", "\"sleep 0.5m\"", "\"sleep 1h\""]);
                exec(&["/bin/sh", "\"-c\"", sleep])
            }
            7 => exec(&["/bin/sh", "\"-c\"", "\"sleep 2; sleep 30s\""]),
            _ => exec(&["/bin/sleep", "\"12.5\""]),
        };
        Some(map(vec![entry("preStop", hook)]))
    }

    fn container(&mut self, name: &str) -> Node {
        let mut c = vec![entry("name", s(name)), entry("image", s("'app:1'"))];
        if let Some(lifecycle) = self.prestop() {
            c.push(entry("lifecycle", lifecycle));
        }
        map(c)
    }

    /// An `istio-proxy` container already in the pod spec (`istioctl kube-inject`): classic
    /// (a regular container) or native (an init container with `restartPolicy: Always`), with
    /// or without Istio's drain preStop and a `PROXY_CONFIG` env.
    fn injected_proxy(&mut self, native: bool) -> Node {
        let mut c = vec![
            entry("name", s("istio-proxy")),
            entry("image", s("'docker.io/istio/proxyv2:1.22.0'")),
        ];
        if native && !self.c.one_in(5) {
            c.push(entry("restartPolicy", s("Always")));
        }
        if self.c.flip() {
            let value = self.proxy_config_env();
            c.push(entry(
                "env",
                seq(vec![
                    map(vec![
                        entry("name", s("ISTIO_META_POD_PORTS")),
                        entry("value", s("'[]'")),
                    ]),
                    map(vec![
                        entry("name", s("PROXY_CONFIG")),
                        entry("value", value),
                    ]),
                ]),
            ));
        }
        match self.c.below(4) {
            0 => {}
            1 if !native => {
                let hook = map(vec![entry("sleep", map(vec![entry("seconds", s("5"))]))]);
                c.push(entry("lifecycle", map(vec![entry("preStop", hook)])));
            }
            _ => {
                let hook = exec(&[
                    "pilot-agent",
                    "request",
                    "--debug-port=15020",
                    "POST",
                    "drain",
                ]);
                c.push(entry("lifecycle", map(vec![entry("preStop", hook)])));
            }
        }
        map(c)
    }

    /// A pod template (or a Pod's own metadata and spec): labels and annotations that decide
    /// injection, a proxy config, a grace period, preStop sleeps, an injected istio-proxy.
    fn pod_template(&mut self) -> (Option<Node>, Node) {
        let mut labels = vec![entry("app", s("web"))];
        match self.c.below(8) {
            0 => labels.push(entry("sidecar.istio.io/inject", s("\"true\""))),
            1 => labels.push(entry("sidecar.istio.io/inject", s("\"false\""))),
            2 => {
                let v = self.c.pick(&["'yes'", "\"off\"", "\"\"", "'True'"]);
                labels.push(entry("sidecar.istio.io/inject", s(v)));
            }
            3 => labels.push(entry("istio.io/rev", s("canary"))),
            _ => {}
        }
        let mut annotations = Vec::new();
        if self.c.below(3) != 0 {
            let config = self.proxy_config();
            annotations.push(entry("proxy.istio.io/config", config));
        }
        match self.c.below(8) {
            0 => annotations.push(entry("sidecar.istio.io/inject", s("\"false\""))),
            1 => annotations.push(entry("sidecar.istio.io/inject", s("\"true\""))),
            2 => annotations.push(entry("sidecar.istio.io/nativeSidecar", s("\"true\""))),
            3 => annotations.push(entry("sidecar.istio.io/nativeSidecar", s("\"false\""))),
            _ => {}
        }
        let mut meta = Vec::new();
        if self.c.below(4) != 0 {
            meta.push(self.e("labels", map(labels)));
        }
        if !annotations.is_empty() {
            meta.push(self.e("annotations", map(annotations)));
        }
        let mut spec = Vec::new();
        if self.c.one_in(3) {
            let g = self.c.pick(&[
                "30", "10", "60", "120", "!!int 45", "~", "5", "36", "\"45\"",
            ]);
            spec.push(entry("terminationGracePeriodSeconds", s(g)));
        }
        if self.c.one_in(8) {
            // YAML booleans in every case Kubernetes reads as one.
            let v = self.c.pick(&["true", "false", "True", "TRUE", "False"]);
            spec.push(entry("hostNetwork", s(v)));
        }
        let proxy = self.c.below(6);
        if proxy == 0 {
            let mut init = vec![self.injected_proxy(true)];
            if self.c.flip() {
                init.insert(
                    0,
                    map(vec![entry("name", s("init")), entry("image", s("busybox"))]),
                );
            }
            spec.push(entry("initContainers", seq(init)));
        }
        let mut containers = vec![self.container("web")];
        if self.c.one_in(3) {
            containers.push(self.container("worker"));
        }
        if proxy == 1 {
            containers.push(self.injected_proxy(false));
        }
        spec.push(entry("containers", seq(containers)));
        let meta = match self.c.below(8) {
            0 => Some(Node::Null),
            1 => None,
            _ => Some(map(meta)),
        };
        (meta, map(spec))
    }

    /// A workload of one of the kinds workload rules cover (and an old `extensions` one).
    fn workload(&mut self) -> Node {
        let (api, kind) = WORKLOAD_KINDS[self.c.below(WORKLOAD_KINDS.len())];
        let mut entries = self.head(api, kind);
        let name = self.c.pick(WORKLOAD_NAMES);
        let mut meta = vec![self.e("name", s(name))];
        if !self.c.one_in(4) {
            let ns = self.c.pick(WORKLOAD_NAMESPACES);
            meta.push(self.e("namespace", s(ns)));
        }
        if self.c.one_in(3) {
            meta.push(self.e("labels", map(vec![entry("tier", s("edge"))])));
        }
        let no_spec = self.c.one_in(12);
        let (template_meta, pod_spec) = self.pod_template();
        if kind == "Pod" {
            // A Pod is its own template: its metadata holds the template's labels and
            // annotations.
            if let Some(Node::Map(more, _)) = template_meta {
                let bare = |k: &str| k.trim_matches(['"', '\'']).to_owned();
                meta.retain(|e| !more.iter().any(|m| bare(&m.key) == bare(&e.key)));
                meta.extend(more);
            }
            entries.push(self.e("metadata", map(meta)));
            if !no_spec {
                entries.push(self.e("spec", pod_spec));
            }
            return map(entries);
        }
        entries.push(self.e("metadata", map(meta)));
        let mut template = Vec::new();
        if let Some(m) = template_meta {
            template.push(entry("metadata", m));
        }
        if !no_spec {
            // Without a spec, there is no pod template meshdrain edits.
            template.push(entry("spec", pod_spec));
        }
        if self.c.one_in(3) {
            template.reverse();
        }
        let template = map(template);
        let spec = if kind == "CronJob" {
            map(vec![
                entry("schedule", s("\"*/5 * * * *\"")),
                entry(
                    "jobTemplate",
                    map(vec![entry("spec", map(vec![entry("template", template)]))]),
                ),
            ])
        } else {
            let mut spec = Vec::new();
            if kind != "Job" && self.c.flip() {
                spec.push(entry("replicas", s("2")));
            }
            spec.push(entry(
                "selector",
                map(vec![entry(
                    "matchLabels",
                    map(vec![entry("app", s("web"))]),
                )]),
            ));
            spec.push(entry("template", template));
            map(spec)
        };
        entries.push(self.e("spec", spec));
        map(entries)
    }

    /// One workload rule; `last`: it may match every workload (a catch-all before another
    /// rule is an error the policy loader reports: rare).
    fn workload_rule(&mut self, last: bool) -> Node {
        let mut rule = Vec::new();
        let catch_all = if last {
            self.c.flip()
        } else {
            self.c.one_in(24)
        };
        if !catch_all {
            let mut m = Vec::new();
            if self.c.flip() {
                let mut kinds = vec![s(self.c.pick(WORKLOAD_RULE_KINDS))];
                for _ in 0..self.c.below(4) {
                    kinds.push(s(self.c.pick(WORKLOAD_RULE_KINDS)));
                }
                m.push(entry("kinds", seq(kinds)));
            }
            if self.c.one_in(3) {
                let ns = self.c.pick(WORKLOAD_NAMESPACES);
                m.push(entry("namespaces", seq(vec![s(ns)])));
            }
            if self.c.one_in(3) {
                let n = self.c.pick(&["\"exit-*\"", "web", "\"batch-?\"", "db"]);
                m.push(entry("names", seq(vec![s(n)])));
            }
            if self.c.one_in(5) {
                m.push(entry("labels", map(vec![entry("tier", s("edge"))])));
            }
            if self.c.one_in(6) {
                m.push(entry(
                    "where",
                    s("\"$.spec.template.spec.containers[?@.name == 'istio-proxy']\""),
                ));
            }
            if m.is_empty() {
                m.push(entry(
                    "kinds",
                    seq(vec![s(self.c.pick(WORKLOAD_RULE_KINDS))]),
                ));
            }
            rule.push(entry("match", map(m)));
        }
        match self.c.below(8) {
            0..=3 => {
                let d = self.c.pick(&["25s", "5s", "40s", "1m", "10s", "26s"]);
                rule.push(entry("terminationDrainDuration", s(d)));
                if self.c.flip() {
                    let d = self.c.pick(&["30s", "50s", "20s"]);
                    rule.push(entry("drainDuration", s(d)));
                }
                if self.c.one_in(4) {
                    rule.push(entry("exitOnZeroActiveConnections", s("false")));
                }
            }
            4 | 5 => {
                rule.push(entry("exitOnZeroActiveConnections", s("true")));
                if !self.c.one_in(3) {
                    let d = self.c.pick(&["10s", "3s", "40s"]);
                    rule.push(entry("minimumDrainDuration", s(d)));
                }
                if self.c.one_in(3) {
                    rule.push(entry("drainDuration", s("30s")));
                }
            }
            6 => rule.push(entry("drainDuration", s(self.c.pick(&["30s", "45s"])))),
            _ => rule.push(entry("skip", s("true"))),
        }
        if self.c.one_in(3) && !matches!(rule.last(), Some(e) if e.key == "skip") {
            let m = self.c.pick(&["5s", "10s", "1m", "1s"]);
            rule.push(entry("gracePeriodMargin", s(m)));
        }
        if self.c.one_in(4) {
            let c = self.c.pick(&["keep", "override", "error"]);
            rule.push(entry("onConflict", s(c)));
        }
        map(rule)
    }

    /// One gateway rule; `last`: it may match every gateway (a catch-all before another rule
    /// is an error the policy loader reports: rare).
    /// The istiod chart's mesh ConfigMap (`istio`, `istio-canary`) with its mesh config in a
    /// literal block scalar (the writer picks `|` or `|-`), or a neighbour named like one.
    fn mesh_config_map(&mut self) -> (Node, bool) {
        let mut entries = self.head("v1", "ConfigMap");
        let (name, rev) = match self.c.below(4) {
            0 | 1 => ("istio", None),
            2 => ("istio-canary", Some("canary")),
            _ => ("istio-ca-root-cert", None),
        };
        let mut meta = vec![
            entry("name", s(name)),
            entry("namespace", s("istio-system")),
        ];
        if let Some(rev) = rev
            && self.c.flip()
        {
            meta.push(entry(
                "labels",
                map(vec![entry("istio.io/rev", s(&format!("\"{rev}\"")))]),
            ));
        }
        entries.push(self.e("metadata", map(meta)));
        let drain = self.c.pick(&[
            "10s", "50s", "45s", "1m30s", "1500ms", "50", "\"20s\"", "[x]",
        ]);
        let mut lines: Vec<String> = match self.c.below(5) {
            0 => vec!["defaultConfig: {}".into()],
            1 => vec![format!(
                "{{\"defaultConfig\": {{\"drainDuration\": \"{drain}\"}}}}"
            )],
            2 => vec![
                "# the mesh config".into(),
                "defaultConfig:".into(),
                format!("  drain_duration: {drain}   # proto spelling"),
                "  parentShutdownDuration: 70s".into(),
            ],
            _ => vec![
                "defaultConfig:".into(),
                "  discoveryAddress: istiod.istio-system.svc:15012".into(),
                format!("  drainDuration: {drain}"),
            ],
        };
        // The sidecars of the ConfigMap's revision wait this long, unless the policy writes it.
        if lines.len() > 1 && self.c.one_in(3) {
            let (name, d) = (
                self.c
                    .pick(&["terminationDrainDuration", "termination_drain_duration"]),
                self.c.pick(&["40s", "20s", "1m", "50"]),
            );
            lines.push(format!("  {name}: {d}"));
        }
        if self.c.flip() {
            lines.push(String::new());
            lines.push("rootNamespace: istio-system".into());
        }
        let mut data = Vec::new();
        match self.c.below(6) {
            0 => {}
            1 => data.push(entry(
                "mesh",
                s("\"defaultConfig:\\n  drainDuration: 10s\\n\""),
            )),
            _ => data.push(entry("mesh", Node::Literal(lines))),
        }
        if self.c.flip() {
            data.push(entry(
                "meshNetworks",
                Node::Literal(vec!["networks: {}".into()]),
            ));
        }
        entries.push(self.e("data", map(data)));
        (map(entries), true)
    }

    /// An istioctl IstioOperator with (or without) a mesh config.
    fn istio_operator(&mut self) -> (Node, bool) {
        let mut entries = self.head("install.istio.io/v1alpha1", "IstioOperator");
        entries.push(self.e("metadata", map(vec![entry("name", s("installed-state"))])));
        let mut spec = vec![self.e("profile", s("default"))];
        match self.c.below(4) {
            0 => {}
            1 => spec.push(self.e("meshConfig", Node::Null)),
            _ => {
                let d = self.drain_value();
                let name = self.c.pick(&["drainDuration", "drain_duration"]);
                let mut config = vec![self.e(name, d)];
                if self.c.one_in(3) {
                    let t = self.c.pick(&["40s", "20s", "1m"]);
                    config.push(self.e("terminationDrainDuration", s(t)));
                }
                let mesh = map(vec![self.e("defaultConfig", map(config))]);
                spec.push(self.e("meshConfig", mesh));
            }
        }
        if self.c.one_in(3) {
            spec.push(self.e("revision", s("canary")));
        }
        entries.push(self.e("spec", map(spec)));
        (map(entries), true)
    }

    fn policy_rule(&mut self, last: bool) -> Node {
        let mut rule = Vec::new();
        if !self.c.flip() || !(last || self.c.one_in(8)) {
            let mut m = Vec::new();
            if self.c.flip() {
                let k =
                    self.c
                        .pick(&["IngressGateway", "EgressGateway", "Tier1Gateway", "Gateway"]);
                m.push(entry("kinds", seq(vec![s(k)])));
            }
            if self.c.one_in(3) {
                let ns = self.c.pick(NAMESPACES);
                m.push(entry("namespaces", seq(vec![s(ns)])));
            }
            if self.c.one_in(3) {
                m.push(entry("names", seq(vec![s("gw"), s("\"edge-*\"")])));
            }
            if self.c.one_in(4) {
                m.push(entry("labels", map(vec![entry("tier", s("edge"))])));
            }
            if self.c.one_in(4) {
                m.push(entry(
                    "where",
                    s("\"$.spec.kubeSpec.service[?@ == 'LoadBalancer']\""),
                ));
            }
            if m.is_empty() && !last {
                m.push(entry("kinds", seq(vec![s("IngressGateway")])));
            }
            rule.push(entry("match", map(m)));
        }
        match self.c.below(4) {
            0 | 1 => {
                // Mostly values a policy accepts, so that rules get applied.
                let d = if self.c.one_in(10) {
                    self.c.pick(&["50", "1.5s", "0s"])
                } else {
                    self.c.pick(&["30s", "10s", "20s", "1m", "26s"])
                };
                rule.push(entry("connectionDrainDuration", s(d)));
            }
            2 => rule.push(entry("skip", s("true"))),
            _ => {
                rule.push(entry("connectionDrainDuration", s("25s")));
                let c = self.c.pick(&["keep", "override", "error"]);
                rule.push(entry("onConflict", s(c)));
            }
        }
        if self.c.one_in(4) && !matches!(rule.last(), Some(e) if e.key == "skip") {
            let m = self.c.pick(&["5s", "10s", "30s"]);
            rule.push(entry("gracePeriodMargin", s(m)));
        }
        map(rule)
    }

    /// A DrainPolicy document's content.
    pub fn policy(&mut self) -> Node {
        let mut entries = self.head("meshdrain.io/v1alpha1", "DrainPolicy");
        entries.push(self.e("metadata", map(vec![entry("name", s("drain"))])));
        let mut spec = Vec::new();
        if !self.c.one_in(4) {
            let mut sc = Vec::new();
            if !self.c.one_in(4) {
                let d = if self.c.one_in(8) {
                    self.c.pick(&["2h", "50"])
                } else {
                    self.c.pick(&["50s", "45s", "40s", "1m", "70s"])
                };
                sc.push(entry("drainDuration", s(d)));
            }
            if self.c.flip() {
                let d = self.c.pick(&["25s", "5s", "10s"]);
                sc.push(entry("terminationDrainDuration", s(d)));
            }
            match self.c.below(5) {
                0 | 1 => {}
                2 => sc.push(entry("targets", seq(vec![s("MeshConfigMap")]))),
                3 => sc.push(entry(
                    "targets",
                    seq(vec![
                        s("ControlPlane"),
                        s("IstioOperator"),
                        s("MeshConfigMap"),
                    ]),
                )),
                _ => sc.push(entry("targets", seq(vec![s("IstioOperator")]))),
            }
            spec.push(entry("sidecar", map(sc)));
        }
        if !self.c.one_in(4) {
            let n = 1 + self.c.below(3);
            let rules = (0..n).map(|i| self.policy_rule(i + 1 == n)).collect();
            spec.push(entry("gateways", seq(rules)));
        }
        if !self.c.one_in(3) {
            let n = 1 + self.c.below(3);
            let rules = (0..n).map(|i| self.workload_rule(i + 1 == n)).collect();
            spec.push(entry("workloads", seq(rules)));
            if !self.c.one_in(4) {
                let mut names = vec![s(self.c.pick(&["mesh", "shop", "\"team-*\"", "plain"]))];
                if self.c.one_in(3) {
                    names.push(s("\"*\""));
                }
                spec.push(entry("injectedNamespaces", seq(names)));
            }
            if self.c.one_in(3) {
                spec.push(entry("nativeSidecars", s(self.c.pick(&["true", "false"]))));
            }
        }
        if self.c.flip() {
            let c = self.c.pick(&["override", "keep", "error"]);
            spec.push(entry("onConflict", s(c)));
        }
        if self.c.one_in(4) {
            spec.push(entry(
                "check",
                map(vec![entry(
                    "ignore",
                    seq(vec![map(vec![
                        entry("rules", seq(vec![s("GD014")])),
                        entry("kinds", seq(vec![s("Tier1Gateway")])),
                    ])]),
                )]),
            ));
        }
        if self.c.one_in(10) {
            spec.push(entry("unknownField", s("1")));
        }
        entries.push(self.e("spec", map(spec)));
        map(entries)
    }

    fn list(&mut self, depth: usize) -> (Node, bool) {
        let mut entries = self.head("v1", "List");
        let n = self.c.below(4);
        let mut target = false;
        let mut items = Vec::new();
        for _ in 0..n {
            let (item, t) = self.resource(depth + 1, false);
            target |= t;
            items.push(item);
        }
        entries.push(self.e("items", seq(items)));
        (map(entries), target)
    }

    /// One resource: `(node, may be a target)`.
    fn resource(&mut self, depth: usize, lists: bool) -> (Node, bool) {
        match self.c.below(18) {
            0..=2 => self.gateway(),
            3 | 4 => self.controlplane(),
            5 => (self.deployment(), false),
            6 => (self.secret(), false),
            7 => (self.configmap(), false),
            8..=11 => (self.workload(), false),
            12 if self.c.one_in(5) => (self.istio_operator_lifecycle(), true),
            12 | 13 => (self.namespace(), false),
            14 => self.mesh_config_map(),
            15 => self.istio_operator(),
            _ if lists && depth == 0 => self.list(depth),
            _ => (self.policy(), false),
        }
    }

    fn resource_list(&mut self) -> Node {
        let mut entries = self.head("config.kubernetes.io/v1", "ResourceList");
        let n = self.c.below(5);
        let mut items = Vec::new();
        for _ in 0..n {
            let (item, _) = if self.f.lists_in_resource_lists && self.c.one_in(4) {
                self.list(0)
            } else {
                self.resource(1, false)
            };
            items.push(item);
        }
        entries.push(self.e("items", seq(items)));
        match self.c.below(5) {
            0 | 1 => {}
            2 => {
                let p = self.policy();
                entries.push(self.e("functionConfig", p));
            }
            3 => entries.push(self.e(
                "functionConfig",
                map(vec![
                    entry("apiVersion", s("v1")),
                    entry("kind", s("ConfigMap")),
                    entry("metadata", map(vec![entry("name", s("function-input"))])),
                    entry("data", map(vec![])),
                ]),
            )),
            _ => entries.push(self.e(
                "functionConfig",
                map(vec![
                    entry("apiVersion", s("v1")),
                    entry("kind", s("ConfigMap")),
                    entry("data", map(vec![entry("drainDuration", s("40s"))])),
                ]),
            )),
        }
        if self.c.one_in(4) {
            entries.push(self.e(
                "results",
                seq(vec![map(vec![
                    entry("message", s("earlier")),
                    entry("severity", s("info")),
                ])]),
            ));
        }
        map(entries)
    }
}

/// Writes one document's root node with a fresh layout.
fn write_root<C: Choices>(c: &mut C, f: Features, comments: bool, root: &Node) -> String {
    let step = if c.flip() { 4 } else { 2 };
    let seq_indent = if c.flip() { step } else { 0 };
    let dash_pad = if step == 4 && c.one_in(3) { 3 } else { 1 };
    let tabs = c.one_in(4);
    let mut w = Writer {
        c,
        f,
        comments,
        step,
        seq_indent,
        dash_pad,
        tabs,
        out: String::new(),
    };
    match root {
        Node::Map(entries, _) if !entries.is_empty() => {
            if w.c.one_in(10) && root.flowable() {
                let t = w.flow(root);
                w.out.push_str(&t);
                w.out.push('\n');
            } else {
                w.block_map(entries, 0, None);
            }
        }
        other => {
            let t = w.flow(other);
            w.out.push_str(&t);
            w.out.push('\n');
        }
    }
    w.out
}

fn pick_break<C: Choices>(c: &mut C, f: Features, default: Break) -> Break {
    match c.below(8) {
        6 => Break::CrLf,
        7 if f.lone_cr => Break::Cr,
        _ => default,
    }
}

/// What a stream may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamKind {
    /// Helm-style manifests: resources, Lists, neighbours, empty and comment-only documents.
    Manifests,
    /// One ResourceList (KRM).
    ResourceList,
    /// One DrainPolicy.
    Policy,
    /// One resource (for the editor).
    Single,
}

/// Generates a stream. `comments: false` makes the same stream without any comment (it takes
/// the same choices), for the metamorphic properties.
pub fn stream<C: Choices>(c: &mut C, f: Features, kind: StreamKind, comments: bool) -> Stream {
    let bom = c.one_in(8);
    let base = match c.below(6) {
        5 => Break::CrLf,
        4 if f.lone_cr => Break::Cr,
        _ => Break::Lf,
    };
    let count = match kind {
        StreamKind::Manifests => c.below(7),
        _ => 1,
    };
    let mut pieces = Vec::new();
    let mut ended = true;
    let mut anchors = 0;
    for n in 0..count.max(1) {
        let mut text = String::new();
        let leading = c.one_in(5);
        let directive = c.one_in(10);
        let marker = c.below(5);
        let end_marker = c.one_in(6);
        let form = c.below(12);
        if n == 0 && leading && comments {
            text.push_str("# leading comment\n\n");
        }
        // saphyr refuses a directive after a byte order mark (valid YAML): not generated.
        let directive = directive && !(n == 0 && bom);
        if directive && ended {
            text.push_str("%YAML 1.2\n");
        }
        let first_bare = n == 0 && !directive;
        let mut inline_root = false;
        match marker {
            0 if first_bare || (ended && n > 0 && !directive) => {}
            1 if comments => text.push_str("--- # doc\n"),
            2 => text.push_str(&format!("---\n# Source: chart/templates/t{n}.yaml\n")),
            3 => inline_root = true,
            _ => text.push_str("---\n"),
        }
        let (root, target) = if kind == StreamKind::Manifests && form == 0 {
            (None, false)
        } else if kind == StreamKind::Manifests && form == 1 {
            if comments {
                text.push_str(if marker == 3 { "---\n" } else { "" });
                text.push_str("# only a comment\n");
            } else if marker == 3 {
                text.push_str("---\n");
            }
            inline_root = false;
            (None, false)
        } else {
            let mut b = Builder { c, f, anchors };
            let made = match kind {
                StreamKind::ResourceList => (b.resource_list(), false),
                StreamKind::Policy => (b.policy(), false),
                StreamKind::Single => b.resource(0, true),
                StreamKind::Manifests => b.resource(0, true),
            };
            anchors = b.anchors;
            (Some(made.0), made.1)
        };
        match root {
            Some(root) => {
                let body = write_root(c, f, comments, &root);
                if inline_root && root.flowable() {
                    let mut w = Writer {
                        c,
                        f,
                        comments,
                        step: 2,
                        seq_indent: 0,
                        dash_pad: 1,
                        tabs: false,
                        out: String::new(),
                    };
                    let t = w.flow(&root);
                    text.push_str(&format!("--- {t}\n"));
                } else {
                    if inline_root {
                        text.push_str("---\n");
                    }
                    text.push_str(&body);
                }
            }
            None => {
                if inline_root && !text.contains("---") {
                    text.push_str("---\n");
                }
            }
        }
        if end_marker {
            text.push_str("...\n");
            if c.one_in(3) && comments {
                text.push_str("# after the end marker\n");
            }
        } else {
            c.one_in(3);
        }
        ended = end_marker;
        let br = pick_break(c, f, base);
        pieces.push(Piece {
            lf: text,
            br,
            target,
        });
    }
    let drop_final_newline = c.one_in(6);
    Stream {
        bom,
        pieces,
        drop_final_newline,
    }
}
