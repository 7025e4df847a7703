//! Writes scalars so that Kubernetes reads them back as the same strings.
//!
//! Kubernetes and Helm read YAML with YAML 1.1 rules, where `on`, `yes`, `y`, `off` are
//! booleans and `0x1F`, `1_000` or `1:30` are numbers; Rust serialisers follow YAML 1.2 and
//! write those plain (`crates.md`, the "Norway" caveat). So we write plain only what is safe
//! in both and double-quote everything else.

use crate::patch::NewValue;

/// YAML 1.1 and 1.2 words that do not read as strings when plain.
const RESERVED: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
];

/// Whether `s` reads back as the same string when written plain, in YAML 1.1 and 1.2.
pub fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if RESERVED.contains(&s) {
        return false;
    }
    if first.is_ascii_alphabetic() || first == '_' || first == '/' {
        // Identifiers and paths: `tsb-istiocontrolplane`, `install.istio.io/v1alpha1`.
        return s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'));
    }
    if first.is_ascii_digit() {
        // Durations: digits, dots and the Go unit letters only; at least one letter, so the
        // token can never be an int, float, hex, octal, binary or sexagesimal number.
        return s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'n' | 'u' | 'm' | 's' | 'h'))
            && s.chars().any(|c| c.is_ascii_alphabetic());
    }
    false
}

/// A scalar written plain when safe, double-quoted (JSON escapes) otherwise.
pub fn write(s: &str) -> String {
    if plain_is_safe(s) {
        s.to_owned()
    } else {
        double_quoted(s)
    }
}

/// A scalar value as one token: a string as [`write`] gives it, an integer or boolean plain
/// (`45`, `true`, read as the same in YAML 1.1 and 1.2). `None` for a collection.
pub fn write_value(value: &NewValue) -> Option<String> {
    match value {
        NewValue::Str(s) => Some(write(s)),
        NewValue::Int(i) => Some(i.to_string()),
        NewValue::Bool(b) => Some(b.to_string()),
        NewValue::Map(_) | NewValue::Seq(_) => None,
    }
}

/// Whether a block scalar's line may hold `c` raw: printable (YAML's c-printable, tab
/// included) and read as the same character by libyaml-family readers: no line break of any
/// kind (CR, NEL, LS, PS), no control character, no byte order mark or non-character.
pub fn printable_in_block(c: char) -> bool {
    c == '\t' || !(c.is_control() || needs_escape(c))
}

/// A double-quoted scalar; JSON string syntax is valid YAML double-quoted syntax. What JSON
/// leaves raw but YAML must not see raw is escaped too (`\uXXXX` is valid in both): DEL, C1
/// controls, NEL, LS and PS (line breaks to go-yaml), a byte order mark and non-characters.
pub fn double_quoted(s: &str) -> String {
    escape_for_yaml(&serde_json::Value::String(s.to_owned()).to_string())
}

/// JSON text made safe to read as YAML: what JSON leaves raw inside strings but a YAML reader
/// must not see raw (see [`double_quoted`]) becomes a `\\uXXXX` escape, valid in both.
pub fn escape_for_yaml(json: &str) -> String {
    if !json.chars().any(needs_escape) {
        return json.to_owned();
    }
    let mut out = String::with_capacity(json.len() + 12);
    for c in json.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{:04X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters a quoted scalar must not hold raw (outside YAML's c-printable, or read as a
/// line break by libyaml-family readers).
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
    )
}

/// A single-quoted scalar (`'` doubled). Single quotes have no escapes: text with a line
/// break or a character that must be escaped is double-quoted instead.
pub fn single_quoted(s: &str) -> String {
    if s.chars()
        .any(|c| matches!(c, '\n' | '\r' | '\t') || c < ' ' || needs_escape(c))
    {
        return double_quoted(s);
    }
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_scalars_escape_what_yaml_must_not_see_raw() {
        assert_eq!(double_quoted("a\u{85}b"), "\"a\\u0085b\"");
        assert_eq!(
            double_quoted("\u{2028}\u{7f}\u{feff}"),
            "\"\\u2028\\u007F\\uFEFF\""
        );
        assert_eq!(double_quoted("é\n"), "\"é\\n\"");
        assert_eq!(single_quoted("it's"), "'it''s'");
        assert_eq!(single_quoted("a\nb"), "\"a\\nb\"");
        assert_eq!(single_quoted("a\u{2029}"), "\"a\\u2029\"");
        for s in ["a\u{85}b", "x\u{2028}y", "tab\there", "q'\"\\"] {
            let v: String = serde_yaml::from_str(&double_quoted(s)).unwrap();
            assert_eq!(v, s);
            let v: String = serde_yaml::from_str(&single_quoted(s)).unwrap();
            assert_eq!(v, s);
        }
    }

    #[test]
    fn durations_and_names_are_plain() {
        for s in [
            "50s",
            "1m30s",
            "1.5h",
            "300ms",
            "tsb-istiocontrolplane",
            "install.istio.io/v1alpha1",
            "spec.meshConfig.defaultConfig.drainDuration",
            "IstioOperator",
            "_private",
            "/etc/istio/proxy",
        ] {
            assert_eq!(write(s), s, "{s}");
        }
    }

    #[test]
    fn yaml11_specials_are_quoted() {
        for s in [
            "on",
            "yes",
            "y",
            "off",
            "No",
            "~",
            "null",
            "true",
            "123",
            "0x1F",
            "1_000",
            "1:30",
            "1e3",
            "0755",
            "",
            "-",
            "a b",
            "#x",
            ".5",
            "2024-01-01",
            "1.5",
            "a: b",
        ] {
            assert!(write(s).starts_with('"'), "{s} -> {}", write(s));
        }
        assert_eq!(write("say \"hi\""), r#""say \"hi\"""#);
        assert_eq!(single_quoted("it's"), "'it''s'");
    }

    #[test]
    fn integers_and_booleans_are_plain() {
        assert_eq!(write_value(&NewValue::Int(45)).as_deref(), Some("45"));
        assert_eq!(write_value(&NewValue::Int(-1)).as_deref(), Some("-1"));
        assert_eq!(write_value(&NewValue::Bool(true)).as_deref(), Some("true"));
        assert_eq!(
            write_value(&NewValue::Bool(false)).as_deref(),
            Some("false")
        );
        assert_eq!(
            write_value(&NewValue::str("true")).as_deref(),
            Some("\"true\"")
        );
        assert_eq!(write_value(&NewValue::Map(vec![])), None);
    }

    #[test]
    fn block_lines_hold_only_printable_characters() {
        for c in ['a', ' ', '\t', '#', 'é', '新', '\u{a0}', '\u{fdd0}'] {
            assert!(printable_in_block(c), "{c:?}");
        }
        for c in [
            '\n', '\r', '\u{0}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}', '\u{2028}', '\u{2029}',
            '\u{feff}', '\u{fffe}', '\u{ffff}',
        ] {
            assert!(!printable_in_block(c), "{c:?}");
        }
    }
}
