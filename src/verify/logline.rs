//! One physical line of a proxy log, as the tools people use print it: pilot-agent's own
//! `<RFC 3339>\t<level>\t<message>` (`pkg/log`), its `--log_as_json` lines
//! (`{"level":…,"time":…,"msg":…}`), a container runtime's JSON file (`{"log":…}`), with
//! `kubectl logs --prefix` (`[pod/NAME/CONTAINER] `), `--timestamps` or a log viewer's own
//! timestamp in front, `ns/pod[container]: ` prefixes (kail, `kubectl-tail`), tabs pasted as
//! `▸`, and lines framed by a viewer's box-drawing bars (k9s).

use std::borrow::Cow;

/// Where a line says it came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Source {
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
}

/// One line, taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    pub source: Option<Source>,
    /// The agent's own timestamp, in nanoseconds since the Unix epoch.
    pub at: Option<i128>,
    /// `info`, `warn`, …: a line with a level starts a log record; one without continues the
    /// record before it (the rest of a multi-line message).
    pub level: Option<String>,
    /// The message, or for a continuation line its text (indentation kept).
    pub text: Cow<'a, str>,
    /// Where `text` starts in the physical line, when it is a slice of it (not for JSON).
    pub offset: Option<usize>,
    /// The line carries some timestamp (its own or a viewer's): it looks like a log line.
    pub stamped: bool,
}

const LEVELS: [&str; 9] = [
    "debug", "info", "warn", "warning", "error", "fatal", "critical", "trace", "none",
];

/// Box-drawing bars and the like that viewers draw around lines.
fn is_frame(c: char) -> bool {
    matches!(c, '│' | '┃' | '║' | '|')
}

/// A separator between fields: white space, or `▸`/`→` where a tab was pasted.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '▸' | '→' | '»')
}

/// Parses one line (without its line break).
pub fn parse(raw: &str) -> Line<'_> {
    let mut start = raw.len() - raw.trim_start().len();
    let mut end = raw.trim_end().len();
    // Where a line without a timestamp starts: its indentation is part of it (a multi-line
    // message such as the startup config dump).
    let mut base = 0;
    // A viewer's frame: `│ … │`.
    if let Some(rest) = raw.get(start..end)
        && let Some(c) = rest.chars().next()
        && is_frame(c)
        && rest.chars().count() > 1
    {
        start += c.len_utf8();
        if let Some(last) = raw.get(start..end).and_then(|r| r.chars().last())
            && is_frame(last)
        {
            end -= last.len_utf8();
        }
        let inner = raw.get(start..end).unwrap_or("");
        base = start
            + inner
                .chars()
                .next()
                .filter(|c| *c == ' ')
                .map_or(0, char::len_utf8);
        start += inner.len() - inner.trim_start().len();
        end = start + inner.trim().len();
    }
    let mut source = None;
    let mut stamped = false;
    loop {
        let rest = raw.get(start..end).unwrap_or("");
        if let Some((s, used)) = kubectl_prefix(rest).or_else(|| kail_prefix(rest)) {
            source = Some(s);
            start += used;
            let after = raw.get(start..end).unwrap_or("");
            base = start
                + after
                    .chars()
                    .next()
                    .filter(|c| *c == ' ')
                    .map_or(0, char::len_utf8);
            start += leading_separators(after);
            continue;
        }
        if rest.starts_with('{')
            && let Some(mut line) = json_line(rest)
        {
            line.source = line.source.or(source);
            return line;
        }
        let Some((at, used)) = timestamp(rest) else {
            break;
        };
        stamped = true;
        let after = start + used;
        let gap = leading_separators(raw.get(after..end).unwrap_or(""));
        let next = raw.get(after + gap..end).unwrap_or("");
        if timestamp(next).is_some() {
            // A viewer's or `--timestamps`' stamp before the agent's own.
            start = after + gap;
            continue;
        }
        let (word, word_len) = first_word(next);
        if LEVELS.contains(&word.to_ascii_lowercase().as_str()) {
            let msg_start = after + gap + word_len;
            let msg_start = msg_start + leading_separators(raw.get(msg_start..end).unwrap_or(""));
            return Line {
                source,
                at: Some(at),
                level: Some(word.to_ascii_lowercase()),
                text: Cow::Borrowed(raw.get(msg_start..end).unwrap_or("")),
                offset: Some(msg_start),
                stamped,
            };
        }
        // A viewer's stamp on a line that continues a record: drop the stamp and one
        // separator, keep the indentation of the text.
        let one = raw
            .get(after..end)
            .and_then(|r| r.chars().next())
            .filter(|c| is_separator(*c))
            .map_or(0, char::len_utf8);
        let text_start = after + one;
        let text = raw.get(text_start..end).unwrap_or("");
        return Line {
            source,
            at: None,
            level: None,
            text: Cow::Borrowed(text.trim_end()),
            offset: Some(text_start),
            stamped,
        };
    }
    let base = base.min(start);
    let text = raw.get(base..end).unwrap_or("");
    Line {
        source,
        at: None,
        level: None,
        text: Cow::Borrowed(text),
        offset: Some(base),
        stamped,
    }
}

fn leading_separators(s: &str) -> usize {
    s.len() - s.trim_start_matches(is_separator).len()
}

fn first_word(s: &str) -> (&str, usize) {
    let len = s.find(is_separator).unwrap_or(s.len());
    (s.get(..len).unwrap_or(""), len)
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

/// `[pod/NAME/CONTAINER] ` (`kubectl logs --prefix`).
fn kubectl_prefix(s: &str) -> Option<(Source, usize)> {
    let inner = s.strip_prefix('[')?;
    let close = inner.find(']')?;
    let body = inner.get(..close)?;
    let mut parts = body.split('/');
    let (kind, pod, container) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || kind != "pod" || !is_name(pod) || !is_name(container) {
        return None;
    }
    Some((
        Source {
            namespace: None,
            pod: Some(pod.to_owned()),
            container: Some(container.to_owned()),
        },
        close + 2,
    ))
}

/// `ns/pod[container]: ` (kail and similar multi-pod tails).
fn kail_prefix(s: &str) -> Option<(Source, usize)> {
    let end = s.find("]:")?;
    let head = s.get(..end)?;
    let (ns_pod, container) = head.split_once('[')?;
    let (ns, pod) = ns_pod.split_once('/')?;
    if !is_name(ns) || !is_name(pod) || !is_name(container) {
        return None;
    }
    Some((
        Source {
            namespace: Some(ns.to_owned()),
            pod: Some(pod.to_owned()),
            container: Some(container.to_owned()),
        },
        end + 2,
    ))
}

/// A JSON log line: pilot-agent's `--log_as_json` (`msg`, `level`, `time`), or a container
/// runtime's JSON file (`log`, whose text is itself a line).
fn json_line(s: &str) -> Option<Line<'static>> {
    let value: serde_json::Value = serde_json::from_str(s).ok()?;
    let object = value.as_object()?;
    if let Some(inner) = object.get("log").and_then(|v| v.as_str()) {
        let inner = inner.trim_end_matches(['\n', '\r']);
        let parsed = parse(inner);
        return Some(Line {
            source: parsed.source,
            at: parsed
                .at
                .or_else(|| object.get("time").and_then(|t| t.as_str()).and_then(at)),
            level: parsed.level,
            text: Cow::Owned(parsed.text.into_owned()),
            offset: None,
            stamped: true,
        });
    }
    let msg = ["msg", "message"]
        .iter()
        .find_map(|k| object.get(*k))
        .and_then(|v| v.as_str())?;
    let level = object
        .get("level")
        .and_then(|v| v.as_str())
        .unwrap_or("info");
    let time = ["time", "ts", "timestamp"]
        .iter()
        .find_map(|k| object.get(*k))
        .and_then(|v| v.as_str())
        .and_then(at);
    Some(Line {
        source: None,
        at: time,
        level: Some(level.to_ascii_lowercase()),
        text: Cow::Owned(msg.to_owned()),
        offset: None,
        stamped: true,
    })
}

/// A whole string as a timestamp.
pub fn at(s: &str) -> Option<i128> {
    let (t, used) = timestamp(s.trim())?;
    (used == s.trim().len()).then_some(t)
}

fn digits(s: &[u8], from: usize, n: usize) -> Option<i64> {
    let part = s.get(from..from + n)?;
    if !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(part).ok()?.parse().ok()
}

/// An RFC 3339 timestamp at the start of `s` (`2022-12-27T22:59:25.041762Z`, with a space
/// for the `T` as viewers print it, a numeric offset or none): nanoseconds since the epoch
/// (UTC when it has no offset), and its length.
pub fn timestamp(s: &str) -> Option<(i128, usize)> {
    let b = s.as_bytes();
    let year = digits(b, 0, 4)?;
    let ok = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(ok(4, b'-')
        && ok(7, b'-')
        && (ok(10, b'T') || ok(10, b' '))
        && ok(13, b':')
        && ok(16, b':'))
    {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos: i128 = 0;
    if matches!(b.get(i), Some(b'.' | b',')) {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let frac = s.get(start..i)?;
        if frac.is_empty() {
            return None;
        }
        let nine: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
        nanos = nine.parse().ok()?;
    }
    let mut offset_secs: i64 = 0;
    match b.get(i) {
        Some(b'Z' | b'z') => i += 1,
        Some(c @ (b'+' | b'-')) if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
            let sign = if *c == b'-' { -1 } else { 1 };
            let h = digits(b, i + 1, 2)?;
            let (m, len) = if ok(i + 3, b':') {
                (digits(b, i + 4, 2)?, 6)
            } else {
                (digits(b, i + 3, 2).unwrap_or(0), 5)
            };
            offset_secs = sign * (h * 3600 + m * 60);
            i += len;
        }
        _ => {}
    }
    // The stamp must end here: not the start of a longer token.
    if b.get(i).is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some((i128::from(secs) * 1_000_000_000 + nanos, i))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let (t, n) = timestamp("2022-12-27T22:59:25.041762Z\tinfo").unwrap();
        assert_eq!(n, 27);
        assert_eq!(t, 1_672_181_965_041_762_000);
        assert_eq!(at("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(at("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(
            at("2024-04-17 17:22:33.376"),
            Some(1_713_374_553_376_000_000)
        );
        assert!(timestamp("2022-13-27T22:59:25Z").is_none());
        assert!(timestamp("not a time").is_none());
        assert!(timestamp("2022-12-27T22:59:25Zfoo").is_none());
    }

    #[test]
    fn pilot_agent_lines() {
        let l = parse(
            "2019-12-12T22:41:00.712714Z\tinfo\tGraceful termination period is 5s, starting...",
        );
        assert_eq!(l.level.as_deref(), Some("info"));
        assert_eq!(l.text, "Graceful termination period is 5s, starting...");
        assert!(l.at.is_some());
    }

    #[test]
    fn prefixes_frames_and_pasted_tabs() {
        let l = parse(
            "istio-system/gw-785f4c8f5d-xnrnn[istio-proxy]: 2020-07-15T21:11:14.593421Z\tinfo\tGraceful termination period is 5m10s, starting...",
        );
        let s = l.source.unwrap();
        assert_eq!(s.namespace.as_deref(), Some("istio-system"));
        assert_eq!(s.pod.as_deref(), Some("gw-785f4c8f5d-xnrnn"));
        assert_eq!(l.text, "Graceful termination period is 5m10s, starting...");
        let k = parse("[pod/web-1/istio-proxy] 2024-01-01T00:00:00Z info Agent draining Proxy");
        assert_eq!(k.source.unwrap().pod.as_deref(), Some("web-1"));
        assert_eq!(k.text, "Agent draining Proxy");
        let framed = parse(
            "│ 2026-06-22T01:32:46.539154Z    info    handling /drain, starting drain        │",
        );
        assert_eq!(framed.text, "handling /drain, starting drain");
        let glyph = parse(
            "2022-12-27T22:59:25.041762Z▸info▸   Graceful termination period is 5s, starting...",
        );
        assert_eq!(glyph.text, "Graceful termination period is 5s, starting...");
        let viewer = parse(
            "2024-04-17 17:22:33.607\t2024-04-17T08:22:33.607392Z\tinfo\tChecking for active connections...",
        );
        assert_eq!(viewer.text, "Checking for active connections...");
        assert_eq!(viewer.at, at("2024-04-17T08:22:33.607392Z"));
        let continued = parse("2024-04-17 14:23:59.995\t  MINIMUM_DRAIN_DURATION: 10s");
        assert_eq!(continued.level, None);
        assert_eq!(continued.text, "  MINIMUM_DRAIN_DURATION: 10s");
        assert!(continued.stamped);
    }

    #[test]
    fn json_lines() {
        let l = parse(
            r#"{"level":"info","time":"2023-05-01T18:25:14.220630Z","msg":"Agent draining proxy for 5s, then waiting for active connections to terminate..."}"#,
        );
        assert_eq!(l.level.as_deref(), Some("info"));
        assert!(l.text.starts_with("Agent draining proxy for 5s"));
        let docker = parse(
            r#"{"log":"2020-07-15T21:11:14.593421Z\tinfo\tAgent draining Proxy\n","stream":"stderr","time":"2020-07-15T21:11:14.59Z"}"#,
        );
        assert_eq!(docker.text, "Agent draining Proxy");
        assert_eq!(docker.at, at("2020-07-15T21:11:14.593421Z"));
        // Not JSON after all: read as text.
        assert_eq!(parse("{broken").text, "{broken");
    }
}
