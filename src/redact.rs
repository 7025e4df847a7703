//! What meshdrain shows of a Kubernetes Secret: keys and positions, never values.
//!
//! A document is a Secret when its text says `kind: Secret`: at the top level (column 0), as
//! an item of a `List` or `ResourceList`, or in flow or JSON style. The text decides, so a
//! Secret that does not parse is recognised too; for a diagnostic about one object (a lint
//! finding, a change) the object's own kind decides.
//!
//! For a Secret, a quoted source line keeps its indentation, sequence dashes, mapping key,
//! block scalar indicator (`|`, `>-`), document markers and `# Source:` comments; every value
//! after the key (plain, quoted, flow collection, anchor or tag), every block scalar's
//! content, every continuation line of a multi-line value and every other comment becomes
//! [`MASK`]. In messages and hints, anything quoted (`"…"`, `'…'`, `` `…' ``) becomes
//! [`MASK`], except a single punctuation character (the `','` of a parser message).
//! Positions (line, column, byte) are kept.

use crate::position::LineIndex;

/// What a value of a Secret is shown as.
pub const MASK: &str = "<redacted>";

/// Whether a kind is masked.
pub fn is_secret_kind(kind: &str) -> bool {
    kind == "Secret"
}

/// Whether `text` declares `kind: Secret` anywhere: `kind: Secret`, `- kind: 'Secret'`,
/// `{kind: Secret}`, `"kind": "Secret",`.
pub fn declares_secret(text: &str) -> bool {
    text.match_indices("kind").any(|(at, _)| {
        let before = text.get(..at).and_then(|s| s.chars().next_back());
        if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '/')) {
            return false;
        }
        let rest = text.get(at + 4..).unwrap_or("");
        let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
        let Some(rest) = rest.trim_start_matches([' ', '\t']).strip_prefix(':') else {
            return false;
        };
        let rest = rest.trim_start_matches([' ', '\t']);
        let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
        let Some(rest) = rest.strip_prefix("Secret") else {
            return false;
        };
        let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
        rest.chars()
            .next()
            .is_none_or(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | ',' | '}' | ']' | '#'))
    })
}

/// A document marker line: `---` or `...` alone or followed by white space.
fn marker(line: &str) -> Option<&'static str> {
    ["---", "..."].into_iter().find(|m| {
        line.strip_prefix(m)
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
    })
}

/// The 1-based lines `first..=last` of the document that line `line` of `index` is in.
fn document_lines(index: &LineIndex<'_>, line: usize) -> (usize, usize) {
    let last_line = index.line_count();
    let mut first = 1;
    for n in (1..=line.min(last_line)).rev() {
        match marker(index.line_text(n)) {
            Some("---") => {
                first = n;
                break;
            }
            Some(_) if n < line => {
                first = n + 1;
                break;
            }
            _ => {}
        }
    }
    let mut last = last_line;
    for n in line + 1..=last_line {
        match marker(index.line_text(n)) {
            Some("---") => {
                last = n - 1;
                break;
            }
            Some(_) => {
                last = n;
                break;
            }
            None => {}
        }
    }
    (first, last.max(first))
}

/// Whether line `line` of `index` is in a document that declares a Secret.
pub fn in_secret_document(index: &LineIndex<'_>, line: usize) -> bool {
    let (first, last) = document_lines(index, line);
    (first..=last).any(|n| declares_secret(index.line_text(n)))
}

/// Lines after a value that belong to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Continuation {
    None,
    /// Lines indented deeper than this column (a block scalar's content, a multi-line plain,
    /// quoted or flow value).
    Deeper(usize),
    /// Every line up to the next document marker (a value on the `---` line).
    All,
}

/// Masks the lines of one document, in order: a line's masking depends on the lines before
/// it (block scalars, multi-line values).
#[derive(Debug)]
pub struct Masker {
    continuation: Continuation,
}

impl Default for Masker {
    fn default() -> Self {
        Masker::new()
    }
}

/// `|`, `>-`, `|2+` …, optionally followed by a comment.
fn is_block_indicator(value: &str) -> bool {
    let head = value.split([' ', '\t']).next().unwrap_or("");
    let rest = value.get(head.len()..).unwrap_or("").trim_start();
    let mut chars = head.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| matches!(c, '-' | '+' | '1'..='9'))
        && (rest.is_empty() || rest.starts_with('#'))
}

/// A value that only carries an anchor and/or a tag: the node follows on the next lines.
fn is_properties_only(value: &str) -> bool {
    value.split_whitespace().all(|w| w.starts_with(['&', '!']))
}

/// The byte length of a mapping key at the start of `item`, through its `:`.
fn key_length(item: &str) -> Option<usize> {
    let bytes = item.as_bytes();
    let close = match bytes.first()? {
        b'"' => {
            let mut i = 1;
            loop {
                match bytes.get(i)? {
                    b'\\' => i += 2,
                    b'"' => break i,
                    _ => i += 1,
                }
            }
        }
        b'\'' => {
            let mut i = 1;
            loop {
                match (bytes.get(i)?, bytes.get(i + 1)) {
                    (b'\'', Some(b'\'')) => i += 2,
                    (b'\'', _) => break i,
                    _ => i += 1,
                }
            }
        }
        b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@'
        | b'`' | b',' | b'?' | b':' => return None,
        _ => {
            // A plain key: up to the first `:` followed by white space or the end, before any
            // comment.
            let mut i = 0;
            loop {
                match bytes.get(i) {
                    None => return None,
                    Some(b':') if bytes.get(i + 1).is_none_or(|b| matches!(b, b' ' | b'\t')) => {
                        return Some(i + 1);
                    }
                    Some(b'#') if i > 0 && matches!(bytes.get(i - 1), Some(b' ' | b'\t')) => {
                        return None;
                    }
                    Some(_) => i += 1,
                }
            }
        }
    };
    // A quoted key: its closing quote, white space, then `:`.
    let after = item.get(close + 1..)?;
    let spaces = after.len() - after.trim_start_matches([' ', '\t']).len();
    after
        .get(spaces..)?
        .starts_with(':')
        .then_some(close + 1 + spaces + 1)
}

impl Masker {
    pub fn new() -> Masker {
        Masker {
            continuation: Continuation::None,
        }
    }

    /// The masked form of the next line (without its line break).
    pub fn line(&mut self, line: &str) -> String {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = line.get(indent..).unwrap_or("");
        let lead = line.get(..indent).unwrap_or("");
        if let Some(m) = marker(line) {
            let after = line.get(m.len()..).unwrap_or("").trim();
            self.continuation = if m == "---" && !after.is_empty() && !after.starts_with('#') {
                Continuation::All
            } else {
                Continuation::None
            };
            return if after.is_empty() {
                m.to_owned()
            } else {
                format!("{m} {MASK}")
            };
        }
        if rest.trim().is_empty() {
            return line.to_owned();
        }
        match self.continuation {
            Continuation::All => return format!("{lead}{MASK}"),
            Continuation::Deeper(column) if indent > column => return format!("{lead}{MASK}"),
            _ => self.continuation = Continuation::None,
        }
        if indent == 0 && rest.starts_with('%') {
            // A directive (%YAML, %TAG): no value of the document.
            return line.to_owned();
        }
        if rest.starts_with('#') {
            return if rest.starts_with("# Source: ") {
                line.to_owned()
            } else {
                format!("{lead}# {MASK}")
            };
        }
        // Sequence dashes: `- `, `- - `.
        let mut at = indent;
        let mut dash = None;
        while let Some(after) = line.get(at..).and_then(|s| s.strip_prefix('-')) {
            if !(after.is_empty() || after.starts_with([' ', '\t'])) {
                break;
            }
            dash = Some(at);
            at = line.len() - after.trim_start_matches([' ', '\t']).len();
        }
        let prefix = line.get(..at).unwrap_or("");
        let item = line.get(at..).unwrap_or("");
        if item.is_empty() {
            return line.trim_end().to_owned();
        }
        let (kept, value, column) = match key_length(item) {
            Some(n) => (
                line.get(..at + n).unwrap_or(prefix),
                item.get(n..).unwrap_or("").trim_start(),
                at,
            ),
            None => (prefix.trim_end(), item, dash.unwrap_or(indent)),
        };
        if value.is_empty() {
            return kept.to_owned();
        }
        let sep = if kept.is_empty() || kept.ends_with(' ') {
            ""
        } else {
            " "
        };
        if value.starts_with('#') {
            return format!("{kept}{sep}# {MASK}");
        }
        if value
            .chars()
            .all(|c| matches!(c, '{' | '}' | '[' | ']' | ',' | ' ' | '\t'))
        {
            // Only brackets (a JSON document's `{`, `},`): syntax, and the keys inside a
            // collection opened here follow on their own lines.
            return line.trim_end().to_owned();
        }
        if is_block_indicator(value) {
            self.continuation = Continuation::Deeper(column);
            let head = value.split([' ', '\t']).next().unwrap_or("");
            return if head.len() < value.len() {
                format!("{kept}{sep}{head} # {MASK}")
            } else {
                format!("{kept}{sep}{head}")
            };
        }
        if !is_properties_only(value) {
            self.continuation = Continuation::Deeper(column);
        }
        format!("{kept}{sep}{MASK}")
    }
}

/// Line `line` of `index`, masked; its document's earlier lines give the context.
pub fn masked_line(index: &LineIndex<'_>, line: usize) -> String {
    let (first, _) = document_lines(index, line);
    let mut masker = Masker::new();
    let mut out = String::new();
    for n in first..=line {
        out = masker.line(index.line_text(n));
    }
    out
}

/// `text`'s lines with their line breaks, split as YAML does: at LF, CRLF and a lone CR.
fn lines(text: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let width = match rest.get(end..end + 2) {
            Some("\r\n") => 2,
            _ if end < rest.len() => 1,
            _ => 0,
        };
        let body = rest.get(..end).unwrap_or("");
        let line_break = rest.get(end..end + width).unwrap_or("");
        rest = rest.get(end + width..).unwrap_or("");
        Some((body, line_break))
    })
}

/// Masks `text` line by line (a whole document), keeping its line breaks.
pub fn mask_document(text: &str) -> String {
    let mut masker = Masker::new();
    let mut out = String::with_capacity(text.len());
    for (body, line_break) in lines(text) {
        out.push_str(&masker.line(body));
        out.push_str(line_break);
    }
    out
}

/// `text` with the lines that overlap any of the byte ranges `regions` (Secret objects in a
/// List) masked, each region with its own context; line breaks and other lines are kept.
pub fn mask_regions(text: &str, regions: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut masker: Option<(usize, Masker)> = None;
    let mut start = 0;
    for (body, line_break) in lines(text) {
        let end = start + body.len() + line_break.len();
        let region = regions
            .iter()
            .position(|&(a, b)| a < end && start < b.max(a + 1));
        match region {
            Some(r) => {
                if masker.as_ref().is_none_or(|(current, _)| *current != r) {
                    masker = Some((r, Masker::new()));
                }
                if let Some((_, m)) = &mut masker {
                    out.push_str(&m.line(body));
                }
            }
            None => {
                masker = None;
                out.push_str(body);
            }
        }
        out.push_str(line_break);
        start = end;
    }
    out
}

/// Whether a quoted fragment is syntax rather than content: one punctuation character.
fn is_syntax(quoted: &str) -> bool {
    let mut chars = quoted.chars();
    chars.next().is_some_and(|c| c.is_ascii_punctuation()) && chars.next().is_none()
}

/// `text` with every quoted fragment (`"…"` with backslash escapes, `'…'`, `` `…' ``,
/// `` `…` ``) replaced by [`MASK`], except single punctuation characters.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut prev: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        let after = rest.get(c.len_utf8()..).unwrap_or("");
        let close = match c {
            '"' => {
                let mut escaped = false;
                after.char_indices().find_map(|(i, d)| {
                    let end = !escaped && d == '"';
                    escaped = !escaped && d == '\\';
                    end.then_some((i, d))
                })
            }
            '`' => after.char_indices().find(|&(_, d)| d == '\'' || d == '`'),
            '\'' if prev.is_none_or(|p| !p.is_alphanumeric()) => {
                after.char_indices().find(|&(i, d)| {
                    d == '\''
                        && after
                            .get(i + 1..)
                            .and_then(|s| s.chars().next())
                            .is_none_or(|n| !n.is_alphanumeric())
                })
            }
            _ => {
                out.push(c);
                prev = Some(c);
                rest = after;
                continue;
            }
        };
        match close {
            Some((i, d)) => {
                let inner = after.get(..i).unwrap_or("");
                out.push(c);
                out.push_str(if is_syntax(inner) { inner } else { MASK });
                out.push(d);
                prev = Some(d);
                rest = after.get(i + d.len_utf8()..).unwrap_or("");
            }
            None if c == '\'' => {
                // An apostrophe, not a quote.
                out.push(c);
                prev = Some(c);
                rest = after;
            }
            None => {
                out.push(c);
                out.push_str(MASK);
                rest = "";
            }
        }
    }
    out
}

/// Masks quoted text in `message` when `text` (the document it is about) declares a Secret.
pub fn message_about(text: &str, message: String) -> String {
    if declares_secret(text) {
        quoted(&message)
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised_in_every_style() {
        for text in [
            "kind: Secret\n",
            "apiVersion: v1\nkind: Secret # creds\n",
            "kind: \"Secret\"\n",
            "items:\n- kind: 'Secret'\n",
            "items:\n  - apiVersion: v1\n    kind: Secret\n",
            "{apiVersion: v1, kind: Secret, data: {a: b}}",
            "{\"kind\":\"Secret\",\"data\":{}}",
            "kind:\tSecret\r\n",
        ] {
            assert!(declares_secret(text), "{text:?}");
        }
        for text in [
            "kind: SecretStore\n",
            "kind: ExternalSecret\n",
            "subkind: Secret\n",
            "kind: ConfigMap\ndata: {note: Secrets}\n",
            "secretKind: Secret\n",
            "",
        ] {
            assert!(!declares_secret(text), "{text:?}");
        }
    }

    fn masked(text: &str) -> String {
        mask_document(text)
    }

    #[test]
    fn keys_stay_and_values_go() {
        let text = "\
# Source: demo/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque # why
data: {token: c2VjcmV0}
stringData:
  password: {hunter2: [1, 2}
  'quoted key': \"v\"
  \"json\": \"v\"
  url: http://user:pw@host
  empty:
  anchored: &a
    inner: x
  list:
  - first
  - name: second
    value: third
  - - nested
  # a note with a secret: x
";
        let expected = "\
# Source: demo/templates/secret.yaml
apiVersion: <redacted>
kind: <redacted>
metadata:
  name: <redacted>
type: <redacted>
data: <redacted>
stringData:
  password: <redacted>
  'quoted key': <redacted>
  \"json\": <redacted>
  url: <redacted>
  empty:
  anchored: <redacted>
    inner: <redacted>
  list:
  - <redacted>
  - name: <redacted>
    value: <redacted>
  - - <redacted>
  # <redacted>
";
        assert_eq!(masked(text), expected);
    }

    #[test]
    fn block_scalars_and_multi_line_values_are_hidden_whole() {
        let text = "\
stringData:
  config.yaml: |-
    user: admin
    password: s3cr3t

    more: x
  folded: >2 # comment
     text
  tagged: !!binary |
    aGVsbG8=
  plain: first
    second: line
  quoted: \"a
    b: c\"
  flow: {a: 1,
    b: 2}
  seq:
  - |
    item: body
  after: y
";
        let expected = "\
stringData:
  config.yaml: |-
    <redacted>
    <redacted>

    <redacted>
  folded: >2 # <redacted>
     <redacted>
  tagged: <redacted>
    <redacted>
  plain: <redacted>
    <redacted>
  quoted: <redacted>
    <redacted>
  flow: <redacted>
    <redacted>
  seq:
  - |
    <redacted>
  after: <redacted>
";
        assert_eq!(masked(text), expected);
    }

    #[test]
    fn markers_directives_and_line_breaks_stay() {
        assert_eq!(
            masked("%YAML 1.2\r\n---\r\na: b\r\n...\r\n--- |\r\n  text\r\nkey: v\r\n"),
            "%YAML 1.2\r\n---\r\na: <redacted>\r\n...\r\n--- <redacted>\r\n  <redacted>\r\n<redacted>\r\n"
        );
        // A JSON document.
        assert_eq!(
            masked("{\n  \"kind\": \"Secret\",\n  \"data\": {\n    \"k\": \"v\"\n  }\n}\n"),
            "{\n  \"kind\": <redacted>\n  \"data\": {\n    \"k\": <redacted>\n  }\n}\n"
        );
    }

    #[test]
    fn a_line_is_masked_with_its_documents_context() {
        let text = "kind: ConfigMap\ndata:\n  a: |\n    b: c\n---\nkind: Secret\ndata:\n  a: |\n    b: c\n";
        let index = LineIndex::new(text);
        assert!(!in_secret_document(&index, 4));
        assert!(in_secret_document(&index, 9));
        assert!(in_secret_document(&index, 5));
        assert_eq!(masked_line(&index, 9), "    <redacted>");
        assert_eq!(masked_line(&index, 8), "  a: |");
        // `...` ends a document: the next one starts after it.
        let index = LineIndex::new("kind: Secret\n...\nkind: A\n");
        assert!(in_secret_document(&index, 2));
        assert!(!in_secret_document(&index, 3));
    }

    #[test]
    fn regions_mask_only_their_lines() {
        let text = "kind: List\nitems:\n- kind: Secret\n  data:\n    k: |\n      v\n- kind: A\n  spec: {x: 1}\n";
        let a = text.find("kind: Secret").unwrap();
        let b = text.find("- kind: A").unwrap() - 1;
        assert_eq!(
            mask_regions(text, &[(a, b)]),
            "kind: List\nitems:\n- kind: <redacted>\n  data:\n    k: |\n      <redacted>\n- kind: A\n  spec: {x: 1}\n"
        );
        assert_eq!(mask_regions(text, &[]), text);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

        /// Noise (YAML-ish characters, multi-byte ones, every line break) never panics, keeps
        /// the line structure, and never shows a value after a key.
        #[test]
        fn masking_noise_keeps_lines_and_hides_values(
            text in "(kind: Secret\n|[a-z]{1,3}: ?|[-:|>#&!'\"{}\\[\\], \t]|ä|\r\n|\r|\n|x{1,4}){0,40}"
        ) {
            let masked = mask_document(&text);
            proptest::prop_assert_eq!(lines(&masked).count(), lines(&text).count());
            for (line, _) in lines(&masked) {
                if let Some((_, value)) = line.split_once(": ") {
                    proptest::prop_assert!(
                        value.contains(MASK)
                            || value.chars().all(|c| matches!(c, '{' | '}' | '[' | ']' | ',' | ' ' | '\t'))
                            || is_block_indicator(value.trim()),
                        "{line:?} in {masked:?}"
                    );
                }
            }
            let index = LineIndex::new(&text);
            for line in 1..=index.line_count() {
                let _ = masked_line(&index, line);
                let _ = in_secret_document(&index, line);
            }
            let _ = quoted(&text);
            let _ = declares_secret(&text);
        }
    }

    #[test]
    fn quoted_text_in_messages_is_masked() {
        assert_eq!(
            quoted("invalid value: string \"hunter2\", expected an integer"),
            "invalid value: string \"<redacted>\", expected an integer"
        );
        assert_eq!(
            quoted("did not find expected ',' or ']' in `%' and 'x y'"),
            "did not find expected ',' or ']' in `%' and '<redacted>'"
        );
        assert_eq!(
            quoted("the operator's key \"a\\\"b\" and `abc`"),
            "the operator's key \"<redacted>\" and `<redacted>`"
        );
        assert_eq!(quoted("open \"quote"), "open \"<redacted>");
        assert_eq!(quoted("it's fine, isn't it"), "it's fine, isn't it");
        assert_eq!(quoted("ä \"ö\" ü"), "ä \"<redacted>\" ü");
    }
}
