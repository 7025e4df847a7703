//! The shutdown timeline as an SVG picture: one lane per container, SIGKILL at the grace
//! period, and a mark where a drain would be cut short. Hand-written: a few rectangles, lines
//! and labels need no drawing crate.

use std::fmt::Write;

use super::Explanation;
use super::timeline::secs;

const WIDTH: f64 = 860.0;
const LEFT: f64 = 140.0;
const RIGHT: f64 = 30.0;
const LANE: f64 = 44.0;
const TOP: f64 = 56.0;

/// XML text with `&`, `<`, `>` and quotes escaped.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn fill(kind: &str) -> &'static str {
    match kind {
        "preStop" => "#9bb7d4",
        "drain" => "#5b9a68",
        "wait" => "#c9a84c",
        "poll" => "#d9c58b",
        _ => "#c8c8c8",
    }
}

/// The picture.
pub fn svg(e: &Explanation) -> String {
    let t = &e.timeline;
    let latest = t
        .events
        .iter()
        .map(|ev| ev.at)
        .chain(
            t.lanes
                .iter()
                .flat_map(|l| l.segments.iter().filter_map(|s| s.to)),
        )
        .fold(t.grace, f64::max);
    let span = (latest * 1.1).max(1.0);
    let x = |s: f64| LEFT + (s.max(0.0) / span) * (WIDTH - LEFT - RIGHT);
    let height = TOP + LANE * t.lanes.len() as f64 + 70.0 + 18.0 * t.cut_short.len() as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<title>Shutdown of {}</title>"#, esc(&e.resource));
    let _ = writeln!(
        out,
        r#"<text x="10" y="20" font-size="14" font-weight="bold">{}</text>"#,
        esc(&e.resource)
    );
    if let Some(p) = &e.path {
        let _ = writeln!(out, r#"<text x="10" y="38">{}</text>"#, esc(p));
    }
    for (i, lane) in t.lanes.iter().enumerate() {
        let y = TOP + LANE * i as f64;
        let _ = writeln!(
            out,
            r#"<text x="10" y="{}" font-weight="{}">{}</text>"#,
            y + 22.0,
            if lane.sidecar { "bold" } else { "normal" },
            esc(&lane.container)
        );
        for seg in &lane.segments {
            let end = seg.to.unwrap_or(t.grace).min(span);
            let (x0, x1) = (x(seg.from), x(end));
            let dashed = if seg.to.is_none() {
                r##" stroke="#666" stroke-dasharray="4 3""##
            } else {
                ""
            };
            let _ = writeln!(
                out,
                r#"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="26" fill="{}"{dashed}><title>{}</title></rect>"#,
                y + 6.0,
                (x1 - x0).max(1.0),
                fill(seg.kind),
                esc(&format!(
                    "{}: {} → {}",
                    seg.what,
                    secs(seg.from),
                    seg.to.map_or("exit or SIGKILL".to_owned(), secs)
                ))
            );
        }
    }
    let lanes_end = TOP + LANE * t.lanes.len() as f64;
    // The time axis, with a tick every step.
    let step = [1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0]
        .into_iter()
        .find(|s| span / s <= 12.0)
        .unwrap_or(span / 10.0);
    let _ = writeln!(
        out,
        r##"<line x1="{LEFT}" y1="{lanes_end}" x2="{}" y2="{lanes_end}" stroke="#333"/>"##,
        WIDTH - RIGHT
    );
    let mut tick = 0.0;
    while tick <= span {
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" y1="{lanes_end}" x2="{0:.1}" y2="{1}" stroke="#333"/><text x="{0:.1}" y="{2}" text-anchor="middle">{3}</text>"##,
            x(tick),
            lanes_end + 5.0,
            lanes_end + 18.0,
            secs(tick)
        );
        tick += step;
    }
    // SIGKILL at the grace period.
    let _ = writeln!(
        out,
        r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#c0392b" stroke-width="2"/><text x="{0:.1}" y="{3}" fill="#c0392b" text-anchor="middle">SIGKILL {4}</text>"##,
        x(t.grace),
        TOP - 6.0,
        lanes_end,
        TOP - 10.0,
        secs(t.grace)
    );
    for (i, ev) in t.cut_short.iter().enumerate() {
        let lane = t
            .lanes
            .iter()
            .position(|l| l.container == ev.container)
            .unwrap_or(0);
        let (cx, cy) = (x(ev.at), TOP + LANE * lane as f64 + 19.0);
        let _ = writeln!(
            out,
            r##"<g class="cut-short"><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#c0392b" stroke-width="3"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#c0392b" stroke-width="3"/></g>"##,
            cx - 7.0,
            cy - 7.0,
            cx + 7.0,
            cy + 7.0,
            cx - 7.0,
            cy + 7.0,
            cx + 7.0,
            cy - 7.0
        );
        let _ = writeln!(
            out,
            r##"<text x="10" y="{:.1}" fill="#c0392b">cut short at {}: {}</text>"##,
            lanes_end + 44.0 + 18.0 * i as f64,
            secs(ev.at),
            esc(&ev.what)
        );
    }
    if t.cut_short.is_empty() {
        let _ = writeln!(
            out,
            r##"<text x="10" y="{:.1}" fill="#2e7d32">the drain holds: nothing is cut short before SIGKILL</text>"##,
            lanes_end + 44.0
        );
    }
    out.push_str("</svg>\n");
    out
}
