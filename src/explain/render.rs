//! `explain --resource` as text and as JSON.

use std::fmt::Write;

use super::Explanation;
use super::timeline::secs;

fn at(file: Option<&str>, line: Option<usize>) -> String {
    match (file, line) {
        (Some(f), Some(l)) => format!(" ({f}:{l})"),
        (Some(f), None) => format!(" ({f})"),
        _ => String::new(),
    }
}

/// The explanation for people.
pub fn text(e: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}{}", e.resource, at(e.file.as_deref(), e.line));
    if let Some(s) = &e.sidecar {
        let _ = writeln!(out, "  sidecar: {s}");
    }
    if let Some(p) = &e.path {
        let _ = writeln!(out, "  shutdown path: {p}");
    }
    let _ = writeln!(out, "\nvalues");
    let width = e.values.iter().map(|v| v.name.len()).max().unwrap_or(0);
    let vwidth = e.values.iter().map(|v| v.value.len()).max().unwrap_or(0);
    for v in &e.values {
        let _ = writeln!(
            out,
            "  {:<width$}  {:<vwidth$}  {}{}",
            v.name,
            v.value,
            v.origin.from,
            at(v.origin.file.as_deref(), v.origin.line)
        );
    }
    if !e.policy.is_empty() {
        let _ = writeln!(out, "\npolicy");
        for line in &e.policy {
            let _ = writeln!(out, "  {line}");
        }
    }
    let t = &e.timeline;
    let _ = writeln!(out, "\ntimeline (grace period {})", secs(t.grace));
    let cwidth = t
        .events
        .iter()
        .map(|ev| ev.container.len())
        .max()
        .unwrap_or(0);
    for ev in &t.events {
        let _ = writeln!(
            out,
            "  {:>6}  {:<cwidth$}  {}",
            secs(ev.at),
            ev.container,
            ev.what
        );
    }
    if t.cut_short.is_empty() {
        let _ = writeln!(
            out,
            "\nthe drain holds: nothing is cut short before SIGKILL"
        );
    } else {
        let _ = writeln!(out);
        for ev in &t.cut_short {
            let _ = writeln!(out, "cut short at {}: {}", secs(ev.at), ev.what);
        }
    }
    out
}

/// The explanation as a versioned JSON document.
pub fn json(e: &Explanation) -> String {
    let mut text = serde_json::to_string_pretty(e).unwrap_or_default();
    text.push('\n');
    text
}
