//! The shape of the code (DESIGN.md): layers import downward only, so no two source files
//! name each other through a chain. A file A depends on file B when A's code (before its
//! `#[cfg(test)]` module) names an item of B's module by a `crate::…`, `super::…` or
//! `self::…` path, in a `use` or anywhere else; a folder's `mod.rs` is a file of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`lint::rules`) → the file's code before its tests.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            let name = match parts.as_slice() {
                [one] if one == "lib" || one == "main" => continue,
                _ => parts.join("::"),
            };
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("").to_owned();
            out.insert(name, code);
        }
    }
    out
}

/// The paths a file names: `crate::a::b`, `super::x`, `self::y`, with `use` groups
/// (`crate::a::{b, c::d}`) expanded one level.
fn named_paths(code: &str) -> Vec<String> {
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for root in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = code.get(from..).and_then(|s| s.find(root)) {
            let start = from + i;
            from = start + root.len();
            // Not the tail of another identifier (`my_crate::`).
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let mut end = start;
            while end < bytes.len()
                && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_' || bytes[end] == b':')
            {
                end += 1;
            }
            let path = code[start..end].trim_end_matches(':').to_owned();
            if code[end..].starts_with('{') {
                let close = code[end..].find('}').map_or(code.len(), |c| end + c);
                for item in code[end + 1..close].split(',') {
                    let item: String = item.chars().filter(|c| !c.is_whitespace()).collect();
                    let item = item.trim_start_matches('{');
                    if !item.is_empty() && item != "self" {
                        out.push(format!("{path}::{item}"));
                    }
                }
            }
            out.push(path);
        }
    }
    out
}

/// The module a path names from `module`, if it is one of `known` (the longest prefix).
fn resolve(path: &str, module: &str, is_mod_rs: bool, known: &BTreeSet<String>) -> Option<String> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let mut base: Vec<&str> = module.split("::").collect();
    match parts.first().copied() {
        Some("crate") => {
            parts.remove(0);
            base.clear();
        }
        Some("self") => {
            parts.remove(0);
            if !is_mod_rs {
                base.pop();
                base.push(module.rsplit("::").next().unwrap_or(""));
            }
        }
        Some("super") => {
            // In `a/b.rs` (module a::b) `super` is `a`; in `a/b/mod.rs` it is `a` too.
            base.pop();
            parts.remove(0);
            while parts.first() == Some(&"super") {
                parts.remove(0);
                base.pop();
            }
        }
        _ => return None,
    }
    let full: Vec<&str> = base.into_iter().chain(parts).collect();
    (1..=full.len())
        .rev()
        .map(|n| full[..n].join("::"))
        .find(|m| known.contains(m))
}

/// Every cycle's members, one strongly connected component at a time (Tarjan, iterative
/// enough for a source tree).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

fn dependencies(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(src);
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(module, code)| {
            let is_mod_rs = src.join(module.replace("::", "/")).join("mod.rs").exists();
            let deps = named_paths(code)
                .iter()
                .filter_map(|p| resolve(p, module, is_mod_rs, &known))
                .filter(|d| d != module)
                .collect();
            (module.clone(), deps)
        })
        .collect()
}

#[test]
fn no_source_file_depends_on_itself_through_others() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = dependencies(&src);
    assert!(
        edges.len() > 40,
        "the walk found only {} files",
        edges.len()
    );
    // The walk sees real dependencies: the renderer's document stage uses the editor, the linter the model.
    assert!(
        edges["render::interpret"].contains("edit"),
        "{:?}",
        edges["render::interpret"]
    );
    assert!(
        edges["lint::context"].contains("model"),
        "{:?}",
        edges["lint::context"]
    );
    let found = cycles(&edges);
    assert!(found.is_empty(), "import circles: {found:?}");
}

#[test]
fn the_cycle_check_finds_a_circle() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        edges.entry(a.into()).or_default().insert(b.into());
        edges.entry(b.into()).or_default();
    }
    assert_eq!(
        cycles(&edges),
        vec![vec!["a".to_owned(), "b".into(), "c".into()]]
    );
    let known: BTreeSet<String> = ["lint", "lint::rules", "model"].map(String::from).into();
    assert_eq!(
        resolve("super::Finding", "lint::rules", true, &known).as_deref(),
        Some("lint")
    );
    assert_eq!(
        resolve("crate::model::dotted", "lint", true, &known).as_deref(),
        Some("model")
    );
    assert_eq!(
        named_paths("use crate::model::{self, Resource};\nlet x = super::y::z();"),
        ["crate::model::Resource", "crate::model", "super::y::z"]
    );
}
