//! What `verify` reads: files and stdin (`-`), each one's format detected (or forced with
//! `--input-format FORMAT`, or for one input `FORMAT:PATH`), checked for what makes it
//! unusable (exit 2: not UTF-8, empty, truncated or invalid JSON, a format that is not
//! known), and read into [`Evidence`] by its format's reader.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::value::RawValue;

use crate::diagnostic::{Diagnostic, LineIndex};
use crate::document::Limits;

use super::{Evidence, Format, Proxy, Subject, input_error};

/// The name stdin gets in reports.
pub const STDIN: &str = "<stdin>";

/// One input as named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// A path, or `-`.
    pub path: String,
    pub format: Option<Format>,
}

/// Splits `FORMAT:PATH` (a known format name before the colon) from a plain path.
pub fn parse_arg(arg: &str, forced: Option<Format>) -> Named {
    if let Some((head, rest)) = arg.split_once(':')
        && let Some(format) = Format::from_name(head)
        && !rest.is_empty()
    {
        return Named {
            path: rest.to_owned(),
            format: Some(format),
        };
    }
    Named {
        path: arg.to_owned(),
        format: forced,
    }
}

const FORMATS_HINT: &str = "name its format: --input-format FORMAT, or FORMAT:PATH for one input (config-dump, bootstrap, pod, describe, log)";

/// Reads every input into evidence; every unusable input is an error (all are reported).
pub fn read_all(
    inputs: &[Named],
    stdin: &mut dyn Read,
    limits: &Limits,
) -> Result<Vec<Evidence>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut stdin_read = false;
    for input in inputs {
        let from_stdin = input.path == "-";
        let name = if from_stdin {
            STDIN.to_owned()
        } else {
            input.path.clone()
        };
        let mut bytes = Vec::new();
        let read = if from_stdin {
            if stdin_read {
                errors.push(
                    Diagnostic::error("usage", "`-` (stdin) is named twice")
                        .with_hint("stdin can be read once; save the other input to a file"),
                );
                continue;
            }
            stdin_read = true;
            stdin
                .take(limits.max_input_bytes as u64 + 1)
                .read_to_end(&mut bytes)
        } else {
            std::fs::File::open(&input.path).and_then(|f| {
                f.take(limits.max_input_bytes as u64 + 1)
                    .read_to_end(&mut bytes)
            })
        };
        if let Err(e) = read {
            errors.push(input_error(
                "unreadable-path",
                &name,
                "",
                None,
                format!("cannot read {name}: {e}"),
                "check the path and its permissions",
            ));
            continue;
        }
        match evidence_of(&name, &bytes, input.format, limits) {
            Ok(mut e) => out.append(&mut e),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One input's evidence.
pub fn evidence_of(
    name: &str,
    bytes: &[u8],
    forced: Option<Format>,
    limits: &Limits,
) -> Result<Vec<Evidence>, Diagnostic> {
    if crate::input::too_large(bytes.len(), limits) {
        return Err(input_error(
            "input-too-large",
            name,
            "",
            None,
            format!("{name} is larger than {} bytes", limits.max_input_bytes),
            "raise --max-input-bytes if this input is expected",
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        input_error(
            "not-text",
            name,
            "",
            None,
            format!(
                "{name} is not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ),
            "pass the text kubectl or pilot-agent printed, not a compressed or binary file",
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(input_error(
            "empty-input",
            name,
            text,
            None,
            format!("{name} is empty: there is nothing to verify"),
            "the command that produced it printed nothing: check the pod and container names (-c istio-proxy), and that the pod still exists",
        ));
    }
    let format = match forced {
        Some(f) => f,
        None => detect(name, text)?,
    };
    let evidence = match format {
        Format::ConfigDump | Format::Bootstrap => {
            json(name, text)?;
            super::dump::read(name, text, format)
        }
        Format::Pod => super::pod::read(name, text, limits)?,
        Format::Describe => super::describe::read(name, text),
        Format::Log => super::logs::read(name, text),
    };
    if evidence.is_empty() {
        let what = match format {
            Format::Pod => "no Pod (an empty List?)",
            _ => "no pod (no `Name:` line at column 0)",
        };
        let mut e = Evidence::new(name, format, Subject::default(), super::Location::default());
        e.proxy = Proxy::Blind(format!("{name} holds {what}"));
        return Ok(vec![e]);
    }
    Ok(evidence)
}

/// Checks that `text` is one whole JSON value; a truncated or broken one is exit 2.
fn json(name: &str, text: &str) -> Result<(), Diagnostic> {
    let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) else {
        return Ok(());
    };
    let index = LineIndex::new(text);
    let line_start = (1..e.line())
        .map(|l| index.line_text(l).len())
        .fold(0usize, |acc, len| acc + len + 1);
    let at = if e.is_eof() {
        // Where the text stops: its last character.
        let end = text.trim_end().len();
        text.get(..end)
            .and_then(|t| t.char_indices().last())
            .map_or(0, |(i, _)| i)
    } else {
        line_start + e.column().saturating_sub(1)
    };
    let (message, hint) = if e.is_eof() {
        (
            format!("{name} ends in the middle of its JSON ({e}): the file is cut short"),
            "capture it again in full: kubectl exec POD -c istio-proxy -- pilot-agent request GET config_dump > dump.json",
        )
    } else {
        (
            format!("{name} is not valid JSON: {e}"),
            "capture it again; if it is not JSON, name its format: --input-format FORMAT or FORMAT:PATH",
        )
    };
    Err(input_error(
        "invalid-input",
        name,
        text,
        Some(at.min(text.len())),
        message,
        hint,
    ))
}

/// What a JSON document is, from its top-level keys.
fn json_format(text: &str) -> Option<Format> {
    let keys: BTreeMap<String, &RawValue> = serde_json::from_str(text).ok()?;
    if keys.contains_key("configs") {
        return Some(Format::ConfigDump);
    }
    if keys.contains_key("node") || keys.contains_key("bootstrap") {
        return Some(Format::Bootstrap);
    }
    if keys.contains_key("kind") || keys.contains_key("apiVersion") {
        return Some(Format::Pod);
    }
    None
}

/// Detects an input's format.
pub fn detect(name: &str, text: &str) -> Result<Format, Diagnostic> {
    let start = text.trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            return json_format(text).ok_or_else(|| {
                input_error(
                    "unknown-format",
                    name,
                    text,
                    None,
                    format!(
                        "{name} is JSON, but not a config dump (configs[]), a bootstrap (node) or a Kubernetes object (kind)"
                    ),
                    FORMATS_HINT,
                )
            });
        }
        let first_line = crate::linebreak::text_lines(text)
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let json_log = serde_json::from_str::<serde_json::Value>(first_line.trim())
            .ok()
            .and_then(|v| {
                v.as_object()
                    .map(|o| ["msg", "message", "log"].iter().any(|k| o.contains_key(*k)))
            })
            .unwrap_or(false);
        if json_log && super::logs::looks_like_log(text) {
            return Ok(Format::Log);
        }
        return Err(json(name, text).err().unwrap_or_else(|| {
            input_error(
                "invalid-input",
                name,
                text,
                None,
                format!("{name} is not valid JSON"),
                FORMATS_HINT,
            )
        }));
    }
    if super::describe::looks_like_describe(text) {
        return Ok(Format::Describe);
    }
    let object = crate::linebreak::text_lines(text)
        .any(|l| l.starts_with("apiVersion:") || l.starts_with("kind:"));
    if object {
        return Ok(Format::Pod);
    }
    if super::logs::looks_like_log(text) {
        return Ok(Format::Log);
    }
    let first = crate::linebreak::text_lines(text)
        .position(|l| !l.trim().is_empty())
        .unwrap_or(0);
    let index = LineIndex::new(text);
    let at = (1..=first)
        .map(|l| index.line_text(l).len() + 1)
        .sum::<usize>();
    Err(input_error(
        "unknown-format",
        name,
        text,
        Some(at.min(text.len().saturating_sub(1))),
        format!(
            "cannot tell what {name} is: not a config dump, a bootstrap, a Pod, `kubectl describe pod` text or a proxy log"
        ),
        FORMATS_HINT,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(text: &str) -> Result<Format, &'static str> {
        detect("t", text).map_err(|d| d.code_str())
    }

    #[test]
    fn formats_are_detected() {
        assert_eq!(detected("{\"configs\": []}"), Ok(Format::ConfigDump));
        assert_eq!(detected("{\"node\": {}}"), Ok(Format::Bootstrap));
        assert_eq!(detected("{\"kind\": \"Pod\"}"), Ok(Format::Pod));
        assert_eq!(detected("apiVersion: v1\nkind: Pod\n"), Ok(Format::Pod));
        assert_eq!(
            detected("Name: a\nNamespace: b\nContainers:\n"),
            Ok(Format::Describe)
        );
        assert_eq!(detected("2024-01-01T00:00:00Z\tinfo\tx\n"), Ok(Format::Log));
        assert_eq!(
            detected(
                "{\"level\":\"info\",\"time\":\"2024-01-01T00:00:00Z\",\"msg\":\"a\"}\n{\"level\":\"info\",\"time\":\"2024-01-01T00:00:01Z\",\"msg\":\"b\"}\n"
            ),
            Ok(Format::Log)
        );
        assert_eq!(detected("{\"configs\": [\n"), Err("invalid-input"));
        assert_eq!(detected("[1, 2]"), Err("unknown-format"));
        assert_eq!(detected("hello world\n"), Err("unknown-format"));
    }

    #[test]
    fn truncated_json_points_where_it_ends() {
        let d = evidence_of(
            "d.json",
            b"{\n \"configs\": [\n  {\"a\": 1\n",
            None,
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(d.code, "invalid-input");
        assert!(d.message.contains("cut short"), "{}", d.message);
        assert_eq!(d.origin.span.map(|s| s.start.line), Some(3));
        let empty = evidence_of("e", b" \n", None, &Limits::default()).unwrap_err();
        assert_eq!(empty.code, "empty-input");
        let binary = evidence_of("b", b"\xff\xfe", None, &Limits::default()).unwrap_err();
        assert_eq!(binary.code, "not-text");
    }

    #[test]
    fn format_prefixes() {
        assert_eq!(
            parse_arg("log:-", None),
            Named {
                path: "-".into(),
                format: Some(Format::Log)
            }
        );
        assert_eq!(parse_arg("./log:x", None).format, None);
        assert_eq!(
            parse_arg("c:/x", Some(Format::Pod)).format,
            Some(Format::Pod)
        );
    }
}
