//! The text of `kubectl describe pod` (one pod or several), as kubectl's describer prints it
//! (`k8s.io/kubectl/pkg/describe`): `Name:`/`Namespace:` at column 0, `Labels:` and
//! `Annotations:` with continuation lines at the value column (annotations longer than 140
//! characters on lines of their own, shortened with `...`), `Controlled By:`, the `Init
//! Containers:` and `Containers:` sections (a container at indent 2, its fields at 4, `Args:`
//! items and `Environment:` entries at 6, an env value's further lines deeper), and
//! `Termination Grace Period:` only while the pod terminates. It does not print lifecycle
//! hooks.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diagnostic::LineIndex;
use crate::duration::{GoDuration, SECOND};

use super::pod::{TERMINATION_ENV, image_version, owner_from, role_of};
use super::{Evidence, Format, Grace, Knob, Location, Observed, Proxy, Scope, Subject};

/// One line: 0-based number, byte start, indentation, text without it.
#[derive(Clone, Copy)]
struct L<'a> {
    start: usize,
    indent: usize,
    text: &'a str,
    raw: &'a str,
}

/// Whether `text` is `kubectl describe pod` output.
pub fn looks_like_describe(text: &str) -> bool {
    let mut lines =
        crate::linebreak::text_lines(text).filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    let first = lines.next().unwrap_or("");
    first.starts_with("Name:")
        && crate::linebreak::text_lines(text).any(|l| l.starts_with("Namespace:"))
        && crate::linebreak::text_lines(text)
            .any(|l| l.starts_with("Containers:") || l.starts_with("Init Containers:"))
}

fn lines(text: &str) -> Vec<L<'_>> {
    crate::linebreak::lines(text.as_bytes())
        .filter_map(|(start, bytes)| {
            let raw = text
                .get(start..start + bytes.len())?
                .trim_end_matches(['\n', '\r']);
            let trimmed = raw.trim_start_matches(' ');
            Some(L {
                start,
                indent: raw.len() - trimmed.len(),
                text: trimmed.trim_end(),
                raw,
            })
        })
        .collect()
}

/// `Key:<padding>value` → (`Key`, `value`, the value's column).
fn field<'a>(l: &L<'a>) -> Option<(&'a str, &'a str, usize)> {
    let (key, rest) = l.text.split_once(':')?;
    if key.is_empty() || key.contains("  ") {
        return None;
    }
    let value = rest.trim_start();
    let column = l.indent + key.len() + 1 + (rest.len() - value.len());
    Some((key, value, column))
}

/// The evidence of every pod in the text.
pub fn read(name: &str, text: &str) -> Vec<Evidence> {
    let index = LineIndex::new(text);
    let all = lines(text);
    let starts: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, l)| l.indent == 0 && l.text.starts_with("Name:"))
        .map(|(i, _)| i)
        .collect();
    let mut out = Vec::new();
    for (n, &from) in starts.iter().enumerate() {
        let to = starts.get(n + 1).copied().unwrap_or(all.len());
        if let Some(block) = all.get(from..to) {
            out.push(pod(name, &index, block, n));
        }
    }
    out
}

fn loc(index: &LineIndex<'_>, l: &L<'_>) -> Location {
    let start = l.start + l.indent;
    Location::at(index, start, start + l.text.len(), None)
}

/// The key=value or key: value entries of `Labels:` or `Annotations:` at `column`; a longer
/// value's own lines (deeper) are joined.
fn entries<'a>(
    block: &[L<'a>],
    at: usize,
    sep: &str,
) -> (BTreeMap<String, (String, usize)>, usize) {
    let mut out: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let Some(first) = block.get(at) else {
        return (out, at + 1);
    };
    let Some((_, value, column)) = field(first) else {
        return (out, at + 1);
    };
    let mut current: Option<String> = None;
    fn push(
        out: &mut BTreeMap<String, (String, usize)>,
        sep: &str,
        text: &str,
        line: usize,
        current: &mut Option<String>,
    ) {
        if text == "<none>" {
            return;
        }
        match text.split_once(sep) {
            Some((k, v)) if !k.contains(' ') => {
                out.insert(k.to_owned(), (v.trim().to_owned(), line));
                *current = Some(k.to_owned());
            }
            _ => match text.strip_suffix(':') {
                Some(k) if !k.contains(' ') && sep == ": " => {
                    out.insert(k.to_owned(), (String::new(), line));
                    *current = Some(k.to_owned());
                }
                _ => {}
            },
        }
    }
    push(&mut out, sep, value, at, &mut current);
    let mut i = at + 1;
    while let Some(l) = block.get(i) {
        if l.indent == 0 && !l.text.is_empty() {
            break;
        }
        if l.indent == column {
            push(&mut out, sep, l.text, i, &mut current);
        } else if l.indent > column
            && let Some(k) = &current
            && let Some((v, _)) = out.get_mut(k)
        {
            let line = l.raw.get(column + 2..).unwrap_or(l.text);
            if !v.is_empty() {
                v.push('\n');
            }
            v.push_str(line.trim_end());
        }
        i += 1;
    }
    (out, i)
}

/// One container of a section.
#[derive(Default)]
struct Ctr {
    name: String,
    init: bool,
    line: usize,
    image: Option<String>,
    args: Vec<String>,
    env: Vec<(String, String, usize)>,
}

fn containers(block: &[L<'_>]) -> Vec<Ctr> {
    let mut out: Vec<Ctr> = Vec::new();
    let mut init = None;
    let mut list: Option<&str> = None;
    let mut env_open = false;
    for (i, l) in block.iter().enumerate() {
        if l.indent == 0 {
            init = match l.text {
                "Init Containers:" => Some(true),
                "Containers:" => Some(false),
                _ if l.text.is_empty() => init,
                _ => None,
            };
            continue;
        }
        let Some(is_init) = init else { continue };
        if l.indent == 2 && l.text.ends_with(':') && !l.text.contains(' ') {
            out.push(Ctr {
                name: l.text.trim_end_matches(':').to_owned(),
                init: is_init,
                line: i,
                ..Ctr::default()
            });
            list = None;
            env_open = false;
            continue;
        }
        let Some(c) = out.last_mut() else { continue };
        if l.indent == 4 {
            env_open = false;
            list = None;
            match field(l) {
                Some(("Image", v, _)) => c.image = Some(v.to_owned()),
                Some(("Args" | "Command", "", _)) => list = Some("args"),
                Some(("Environment", "", _)) => env_open = true,
                _ => {}
            }
        } else if l.indent == 6 && list.is_some() {
            c.args.push(l.text.to_owned());
        } else if l.indent == 6 && env_open {
            if let Some((k, v, _)) = field(l) {
                c.env.push((k.to_owned(), v.to_owned(), i));
            }
        } else if l.indent > 6
            && env_open
            && let Some((_, v, _)) = c.env.last_mut()
        {
            v.push('\n');
            v.push_str(l.text);
        }
    }
    out
}

fn payload(text: &str) -> Option<serde_json::Map<String, Value>> {
    let scan = crate::document::scan(text).ok()?;
    if scan.alias_uses > 0 || scan.max_depth > 32 {
        return None;
    }
    match serde_yaml::from_str::<Value>(text).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn observe_payload(e: &mut Evidence, text: &str, location: &Location, source: &str) {
    let Some(map) = payload(text) else {
        return;
    };
    for (knob, keys) in [
        (Knob::DrainDuration, ["drainDuration", "drain_duration"]),
        (
            Knob::TerminationDrainDuration,
            ["terminationDrainDuration", "termination_drain_duration"],
        ),
    ] {
        let Some(v) = keys.iter().find_map(|k| map.get(*k)) else {
            continue;
        };
        let written = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        e.observed.push(Observed {
            knob,
            value: v.as_str().and_then(|s| GoDuration::parse(s).ok()),
            written,
            location: location.clone(),
            source: source.to_owned(),
            scope: Scope::Pod,
        });
    }
    if let Some(Value::Object(meta)) = map.get("proxyMetadata") {
        for (knob, var) in [
            (Knob::ExitOnZero, "EXIT_ON_ZERO_ACTIVE_CONNECTIONS"),
            (Knob::MinimumDrain, "MINIMUM_DRAIN_DURATION"),
        ] {
            if let Some(Value::String(s)) = meta.get(var) {
                e.observed.push(Observed {
                    knob,
                    value: GoDuration::parse(s).ok(),
                    written: s.clone(),
                    location: location.clone(),
                    source: format!("proxyMetadata in {source}"),
                    scope: Scope::Pod,
                });
            }
        }
    }
}

fn pod(name: &str, index: &LineIndex<'_>, block: &[L<'_>], n: usize) -> Evidence {
    let mut subject = Subject::default();
    let mut labels = BTreeMap::new();
    let mut annotations = BTreeMap::new();
    let mut controlled_by = None;
    let mut grace_line = None;
    let mut i = 0;
    while let Some(l) = block.get(i) {
        if l.indent != 0 {
            i += 1;
            continue;
        }
        match field(l) {
            Some(("Name", v, _)) => subject.pod = Some(v.to_owned()),
            Some(("Namespace", v, _)) => subject.namespace = Some(v.to_owned()),
            Some(("Controlled By", v, _)) => {
                controlled_by = v.split_once('/').map(|(k, n)| (k.to_owned(), n.to_owned()))
            }
            Some(("Termination Grace Period", v, _)) => grace_line = Some((v.to_owned(), i)),
            Some(("Labels", _, _)) => {
                let (found, next) = entries(block, i, "=");
                labels = found;
                i = next;
                continue;
            }
            Some(("Annotations", _, _)) => {
                let (found, next) = entries(block, i, ": ");
                annotations = found;
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    subject.labels = labels
        .iter()
        .map(|(k, (v, _))| (k.clone(), v.clone()))
        .collect();
    subject.owner = controlled_by.map(|(kind, name)| {
        owner_from(
            &kind,
            &name,
            subject.labels.get("pod-template-hash").map(String::as_str),
        )
    });
    let anchor = block
        .first()
        .map_or_else(Location::default, |l| loc(index, l));
    let boxes = containers(block);
    let Some(proxy) = boxes.iter().find(|c| c.name == "istio-proxy") else {
        let names: Vec<&str> = boxes.iter().map(|c| c.name.as_str()).collect();
        let mut e = Evidence::new(name, Format::Describe, subject, anchor);
        e.proxy = Proxy::Blind(format!(
            "the pod has no istio-proxy container (its containers: {}): it is not injected, so no drain setting of the mesh applies to it",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        ));
        e.anchor.document = Some(n);
        return e;
    };
    let termination = proxy.env.iter().find(|(k, _, _)| k == TERMINATION_ENV);
    let others = boxes
        .iter()
        .filter(|c| !c.init && c.name != "istio-proxy")
        .count();
    let (gateway, reason) = role_of(&proxy.args, &subject.labels, termination.is_some(), others);
    subject.gateway = gateway;
    subject.role_reason = reason;
    subject.container = Some("istio-proxy".to_owned());
    subject.istio_version = proxy.image.as_deref().and_then(image_version);
    let mut e = Evidence::new(name, Format::Describe, subject, anchor);
    e.anchor.document = Some(n);
    e.proxy = Proxy::Istio { native: proxy.init };
    let at = |line: usize| {
        block
            .get(line)
            .map_or_else(Location::default, |l| loc(index, l))
    };
    for pair in proxy.args.windows(2) {
        if let [flag, value] = pair
            && (flag == "--drainDuration" || flag == "--terminationDrainDuration")
        {
            e.observed.push(Observed {
                knob: if flag == "--drainDuration" {
                    Knob::DrainDuration
                } else {
                    Knob::TerminationDrainDuration
                },
                written: value.clone(),
                value: GoDuration::parse(value).ok(),
                location: at(proxy.line),
                source: format!("the istio-proxy args ({flag} {value})"),
                scope: Scope::Pod,
            });
        }
    }
    let annotation = annotations.get(crate::model::workload::PROXY_CONFIG_ANNOTATION);
    if let Some((v, _)) = annotation
        && v.lines().any(|l| l.len() >= 138 && l.ends_with("..."))
    {
        // kubectl shortened it: what it sets past the cut is not here, and it wins over the
        // PROXY_CONFIG env.
        e.hidden = Some(format!(
            "kubectl describe shortened {} (over 140 characters), and what it sets wins over the PROXY_CONFIG env",
            super::ANNOTATION_SOURCE
        ));
    } else {
        if let Some((_, v, line)) = proxy.env.iter().find(|(k, _, _)| k == "PROXY_CONFIG") {
            observe_payload(&mut e, v, &at(*line), "the PROXY_CONFIG env of istio-proxy");
        }
        if let Some((v, line)) = annotation {
            observe_payload(&mut e, v, &at(*line), super::ANNOTATION_SOURCE);
        }
    }
    for (var, knob) in [
        ("EXIT_ON_ZERO_ACTIVE_CONNECTIONS", Knob::ExitOnZero),
        ("MINIMUM_DRAIN_DURATION", Knob::MinimumDrain),
        (TERMINATION_ENV, Knob::GatewayDrain),
    ] {
        if let Some((_, v, line)) = proxy.env.iter().find(|(k, _, _)| k == var) {
            let value = match knob {
                Knob::GatewayDrain => v
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .map(|s| GoDuration(s.saturating_mul(SECOND as i64))),
                _ => GoDuration::parse(v.trim()).ok(),
            };
            e.observed.push(Observed {
                knob,
                written: v.clone(),
                value,
                location: at(*line),
                source: format!("the {var} env of istio-proxy"),
                scope: Scope::Pod,
            });
        }
    }
    e.grace = Some(match grace_line {
        Some((v, line)) => Grace {
            seconds: v.trim_end_matches('s').parse().ok(),
            written: Some(v),
            location: at(line),
            hooks_shown: false,
            proxy_prestop: None,
        },
        None => Grace {
            seconds: None,
            written: None,
            location: e.anchor.clone(),
            hooks_shown: false,
            proxy_prestop: None,
        },
    });
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Name:             web-5d9f8c6b5-abcde
Namespace:        shop
Labels:           app=web
                  pod-template-hash=5d9f8c6b5
Annotations:      proxy.istio.io/config: {\"terminationDrainDuration\":\"25s\"}
                  sidecar.istio.io/status:
                    {\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"],\"volumes\":[\"workload-socket\",\"credential-socket\",\"workload-certs\",\"istio-env...
Status:           Running
Controlled By:  ReplicaSet/web-5d9f8c6b5
Containers:
  web:
    Image:          nginx
  istio-proxy:
    Image:         docker.io/istio/proxyv2:1.20.0
    Args:
      proxy
      sidecar
    Environment:
      PROXY_CONFIG:                  {\"drainDuration\":\"50s\"}
                                     
      TERMINATION_DRAIN_DURATION_SECONDS:  22
    Mounts:
      /etc/istio/pod from istio-podinfo (rw)
";

    #[test]
    fn reads_describe_text() {
        assert!(looks_like_describe(TEXT));
        let e = read("d.txt", TEXT).remove(0);
        assert_eq!(e.subject.pod.as_deref(), Some("web-5d9f8c6b5-abcde"));
        assert_eq!(
            e.subject.owner.as_ref().map(|o| o.name.as_str()),
            Some("web")
        );
        assert_eq!(e.subject.gateway, Some(false));
        assert_eq!(
            e.observed(Knob::DrainDuration).map(|o| o.written.as_str()),
            Some("50s")
        );
        let t = e.observed(Knob::TerminationDrainDuration).unwrap();
        assert_eq!((t.written.as_str(), t.location.line()), ("25s", Some(5)));
        assert_eq!(
            e.observed(Knob::GatewayDrain).map(|o| o.written.as_str()),
            Some("22")
        );
        assert_eq!(e.grace.as_ref().and_then(|g| g.seconds), None);
    }

    #[test]
    fn several_pods_in_one_text() {
        let two = format!("{TEXT}\n{}", TEXT.replace("abcde", "fghij"));
        let all = read("d.txt", &two);
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].subject.pod.as_deref(), Some("web-5d9f8c6b5-fghij"));
        assert_eq!(all[1].anchor.document, Some(1));
        assert!(all[1].anchor.line().is_some_and(|l| l > 20));
    }

    #[test]
    fn a_shortened_proxy_config_annotation_hides_the_settings() {
        let long = format!(
            "                  proxy.istio.io/config:\n                    {{\"drainDuration\":\"50s\",\"proxyMetadata\":{{\"A\":\"{}...\n",
            "x".repeat(120)
        );
        let text = TEXT.replace(
            "                  sidecar.istio.io/status:\n",
            &format!("{long}                  sidecar.istio.io/status:\n"),
        );
        let e = read("d.txt", &text).remove(0);
        assert!(e.hidden.is_some(), "{e:?}");
        assert!(e.observed(Knob::DrainDuration).is_none());
    }

    #[test]
    fn a_pod_without_the_proxy() {
        let e = read(
            "d.txt",
            "Name: a\nNamespace: b\nContainers:\n  app:\n    Image: x\n",
        )
        .remove(0);
        assert!(matches!(e.proxy, Proxy::Blind(_)));
    }
}
