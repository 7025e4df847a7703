//! Writes scalars so that Kubernetes reads them back as the same strings.
//!
//! Kubernetes and Helm read YAML with YAML 1.1 rules, where `on`, `yes`, `y`, `off` are
//! booleans and `0x1F`, `1_000` or `1:30` are numbers; Rust serialisers follow YAML 1.2 and
//! write those plain (`crates.md`, the "Norway" caveat). So we write plain only what is safe
//! in both and double-quote everything else.

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

/// A double-quoted scalar; JSON string syntax is valid YAML double-quoted syntax.
pub fn double_quoted(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// A single-quoted scalar (`'` doubled).
pub fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
