//! The splice editor on its own: parse a document (raw or generated), pick a path by walking
//! its tree and a change there (add a key, append an item, replace a scalar or a null), and
//! when `Editor::splices` + `edit::apply` succeed the result must parse (saphyr and
//! yaml_serde), equal the json-patch oracle `patch::expected(original, [change])`, pass the
//! renderer's `selfcheck::check_document` (saphyr reads the value as written), and a
//! replaced value must not keep a tag that changes its type. Values are strings (one line or
//! several, for literal blocks), integers, booleans and collections of them.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use meshdrain::document::{NodeKind, Tree};
use meshdrain::edit::{self, Editor};
use meshdrain::patch::{self, Change, NewValue, Pointer, Step};
use meshdrain::stream::split;
use meshdrain_fuzz::generate::{self, Choices, StreamKind};
use meshdrain_fuzz::{Fuzz, features, oracle};
use serde_json::Value;

const KEYS: &[&str] = &[
    "connectionDrainDuration",
    "drainDuration",
    "spec",
    "a",
    "b/c",
    "~x",
    "新",
    "apiVersion",
    "patches",
    "items",
    "has space",
    "#",
    "- x",
    "? q",
];
const STRS: &[&str] = &[
    "10s",
    "50s",
    "",
    "a: b",
    "- x",
    "#c",
    "'q'",
    "\"dq\"",
    "true",
    "null",
    "1",
    "multi\nline",
    "ünï",
    "\t",
    "~",
    "{x}",
    "[1]",
    "*a",
    "&a",
    "!t",
    "%d",
    "@",
    "`",
    " lead",
    "trail ",
    "y",
    "0x1F",
    "1e3",
    ".inf",
    "2001-12-14",
    "\u{85}",
    "\u{2028}",
    "a\r\nb",
];
/// Multi-line strings: literal blocks when added, new lines under a block scalar's header.
const LINES: &[&str] = &[
    "terminationDrainDuration: 25s\ndrainDuration: 30s\n",
    "x\n",
    "x\ny",
    "x\n\n",
    "x\n\n\ny\n\n\n",
    "\nx\n",
    "\n",
    "\n\n",
    " lead\nx\n",
    "  two\n",
    "x \ny\n",
    "tab\tin\n",
    "\ttab\n",
    "a\n  b\n",
    "a\n\tb\n",
    "a\n   \nb\n",
    "# c\n- x\n",
    "---\n...\n",
    "a\rb\n",
    "a\u{85}b\n",
    "a\u{2028}b\n",
    "\u{feff}x\n",
    "é\n新\n",
    "{\"a\": 1}",
    "x\n  ",
];
const INTS: &[i64] = &[0, 45, -1, 30, i64::MAX, i64::MIN];

/// A scalar value: a string (one line or several), an integer or a boolean.
fn scalar(c: &mut impl Choices) -> NewValue {
    match c.below(6) {
        0 | 1 => NewValue::str(c.pick(STRS)),
        2 | 3 => NewValue::str(c.pick(LINES)),
        4 => NewValue::Int(INTS.get(c.below(INTS.len())).copied().unwrap_or(0)),
        _ => NewValue::Bool(c.flip()),
    }
}

fn value(c: &mut impl Choices, depth: usize) -> NewValue {
    match c.below(if depth > 2 { 1 } else { 4 }) {
        0 => scalar(c),
        1 => NewValue::Map(
            (0..c.below(3))
                .map(|_| (c.pick(KEYS).to_owned(), value(c, depth + 1)))
                .collect::<Vec<_>>()
                .into_iter()
                .fold(Vec::new(), |mut v: Vec<(String, NewValue)>, (k, x)| {
                    if !v.iter().any(|(e, _)| *e == k) {
                        v.push((k, x));
                    }
                    v
                }),
        ),
        2 => NewValue::Seq((0..c.below(3)).map(|_| value(c, depth + 1)).collect()),
        _ => NewValue::Map(vec![
            (
                "path".to_owned(),
                NewValue::str("spec.meshConfig.defaultConfig.drainDuration"),
            ),
            ("value".to_owned(), NewValue::str("50s")),
        ]),
    }
}

/// Walks from the root to a node and picks a change there.
fn change(tree: &Tree, c: &mut impl Choices) -> Option<Change> {
    let mut node = tree.root?;
    let mut path = Pointer::root();
    for _ in 0..16 {
        let n = tree.node(node)?;
        let next = match &n.kind {
            NodeKind::Mapping { entries, .. } if !entries.is_empty() && !c.one_in(4) => {
                let (k, v) = *entries.get(c.below(entries.len()))?;
                let key = tree.node(k)?.as_str()?.to_owned();
                Some((Step::Key(key), v))
            }
            NodeKind::Sequence { items, .. } if !items.is_empty() && !c.one_in(4) => {
                let i = c.below(items.len());
                Some((Step::Index(i), *items.get(i)?))
            }
            _ => None,
        };
        match next {
            Some((Step::Key(k), v)) => {
                path = path.key(&k);
                node = v;
            }
            Some((Step::Index(i), v)) => {
                path = path.index(i);
                node = v;
            }
            _ => break,
        }
    }
    let n = tree.node(node)?;
    let v = value(c, 0);
    Some(match &n.kind {
        NodeKind::Mapping { .. } => Change::Add {
            path: path.key(c.pick(KEYS)),
            value: v,
        },
        NodeKind::Sequence { .. } => Change::Add {
            path: path.append(),
            value: v,
        },
        _ if n.is_null() => Change::Replace { path, value: v },
        _ => Change::Replace {
            path,
            value: scalar(c),
        },
    })
}

fn yaml(text: &str) -> Option<Value> {
    serde_yaml::from_str(text.trim_start_matches('\u{feff}')).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (text, mut u) = if first & 1 == 1 {
        let mut u = Unstructured::new(rest);
        let s = generate::stream(&mut Fuzz(&mut u), features(), StreamKind::Single, true);
        let left = u.take_rest();
        // The raw form holds 16 bytes of choices: a zero byte chooses what exhausted input
        // does, so a shorter rest is padded; a longer one has no raw form.
        if left.len() <= 16 {
            let mut choices = left.to_vec();
            choices.resize(16, 0);
            meshdrain_fuzz::dump_raw(0, &[&choices[..], s.text().as_bytes()].concat());
        }
        (s.text(), Unstructured::new(left))
    } else {
        let (choices, doc) = rest.split_at(rest.len().min(16));
        let Ok(doc) = std::str::from_utf8(doc) else {
            return;
        };
        (doc.to_owned(), Unstructured::new(choices))
    };
    // The first slice holding a document: the editor works on one document.
    let Some(doc) = split(text.as_bytes())
        .into_iter()
        .filter_map(|s| text.get(s.range))
        .find(|d| meshdrain::document::scan(d).is_ok_and(|s| s.has_document))
    else {
        return;
    };
    let Ok(tree) = Tree::parse(doc) else { return };
    let Some(original) = yaml(doc) else { return };
    let mut c = Fuzz(&mut u);
    let Some(change) = change(&tree, &mut c) else {
        return;
    };
    let editor = Editor::new(&tree, doc);
    let Ok(edited) = editor.splices(&change).and_then(|s| edit::apply(doc, &s)) else {
        return;
    };
    let context =
        || format!("\n---- change: {change:?}\n---- document:\n{doc}\n---- edited:\n{edited}");
    let edited_tree = match Tree::parse(&edited) {
        Ok(t) => t,
        Err(e) => panic!("the edited text does not parse (saphyr): {e}{}", context()),
    };
    let Some(actual) = yaml(&edited) else {
        panic!("the edited text does not parse (yaml_serde){}", context());
    };
    match patch::expected(&original, std::slice::from_ref(&change)) {
        Ok(expected) => assert!(
            actual == expected,
            "the edit differs from json-patch\n---- expected: {expected}\n---- actual:   {actual}{}",
            context()
        ),
        Err(e) => panic!(
            "the editor made a change json-patch refuses ({e}){}",
            context()
        ),
    }
    // What the renderer's self-check asks too: saphyr reads the new value as written (a
    // string a string, an integer an integer, no tag or alias on the way).
    if let Err(e) = meshdrain::selfcheck::check_document(
        &original,
        std::slice::from_ref(&change),
        &edited,
        &edited_tree,
    ) {
        panic!(
            "the renderer's self-check refuses the edit: {e}{}",
            context()
        );
    }
    // Replacing a block scalar never removes lines: the renderer places later documents'
    // findings by the lines edits add.
    let block_scalar = |tree: &Tree, p: &Pointer| {
        tree.locate(p)
            .and_then(|(_, n)| tree.node(n))
            .is_some_and(|n| {
                // saphyr's ScalarStyle, named by its Debug text (the fuzz crate does not
                // depend on saphyr-parser).
                matches!(&n.kind, NodeKind::Scalar { style, .. }
                    if matches!(format!("{style:?}").as_str(), "Literal" | "Folded"))
            })
    };
    if let Change::Replace { path, .. } = &change
        && block_scalar(&tree, path)
    {
        assert!(
            meshdrain::linebreak::count(edited.as_bytes())
                >= meshdrain::linebreak::count(doc.as_bytes()),
            "replacing a block scalar removed lines{}",
            context()
        );
    }
    // A block scalar's source starts at its content, not its header: the self-check above
    // has already refused a tag of its own on it.
    if let Change::Replace {
        path,
        value: NewValue::Str(_),
    } = &change
        && !block_scalar(&edited_tree, path)
        && let Some(source) = oracle::node_source(&edited, &path.to_json_pointer())
    {
        let rest = source.trim_start();
        let rest = if rest.starts_with('&') {
            rest.split_once(' ').map_or("", |(_, r)| r)
        } else {
            rest
        };
        assert!(
            !rest.starts_with('!') || rest.starts_with("!!str "),
            "a replaced string keeps a tag: {source:?}{}",
            context()
        );
    }
});
