//! One pod's shutdown as a timeline, from the model's shutdown path: when each container gets
//! SIGTERM, how long the sidecar drains, when it exits, and SIGKILL at the grace period; and
//! where a drain would be cut short.

use serde::Serialize;

use crate::model::shutdown::ShutdownPath;

/// A stretch of one container's shutdown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Segment {
    pub from: f64,
    /// `None`: until the container exits on its own, at most SIGKILL.
    pub to: Option<f64>,
    pub what: String,
    /// `preStop`, `drain`, `wait`, `poll` or `shutdown`, for pictures.
    pub kind: &'static str,
}

/// One container's lane.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lane {
    pub container: String,
    pub sidecar: bool,
    pub segments: Vec<Segment>,
}

/// A moment of the shutdown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub at: f64,
    pub container: String,
    pub what: String,
}

/// The whole picture.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Timeline {
    #[serde(rename = "gracePeriodSeconds")]
    pub grace: f64,
    pub lanes: Vec<Lane>,
    /// In time order.
    pub events: Vec<Event>,
    /// Where a drain is cut short (empty: the drain holds).
    #[serde(rename = "cutShort")]
    pub cut_short: Vec<Event>,
}

/// What the timeline is made from.
#[derive(Clone, Debug, PartialEq)]
pub struct Inputs {
    pub path: ShutdownPath,
    pub grace: f64,
    /// Application containers: name and preStop sleep (0 without one).
    pub apps: Vec<(String, f64)>,
    /// The sidecar's own preStop sleep (classic path), 0 without one.
    pub sidecar_prestop: f64,
    pub termination_drain: f64,
    pub drain_duration: f64,
    pub minimum_drain: f64,
}

/// `12s`, `2.5s`.
pub fn secs(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{s}s")
    }
}

const SIDECAR: &str = "istio-proxy";

/// The timeline of a pod with a sidecar.
pub fn pod(i: &Inputs) -> Timeline {
    let mut lanes = Vec::new();
    let mut events = Vec::new();
    let mut cut = Vec::new();
    let ev = |at: f64, c: &str, what: String| Event {
        at,
        container: c.to_owned(),
        what,
    };
    let apps_stop = i.apps.iter().map(|(_, p)| *p).fold(0.0, f64::max);
    for (name, prestop) in &i.apps {
        let mut segments = Vec::new();
        if *prestop > 0.0 {
            segments.push(Segment {
                from: 0.0,
                to: Some(*prestop),
                what: format!("preStop sleep {}", secs(*prestop)),
                kind: "preStop",
            });
            events.push(ev(
                0.0,
                name,
                format!("preStop starts (sleeps {})", secs(*prestop)),
            ));
        }
        segments.push(Segment {
            from: *prestop,
            to: None,
            what: "SIGTERM: the application shuts down".to_owned(),
            kind: "shutdown",
        });
        events.push(ev(*prestop, name, "SIGTERM".to_owned()));
        if *prestop >= i.grace {
            cut.push(ev(
                i.grace,
                name,
                format!(
                    "SIGKILL at {} comes before its preStop sleep of {} ends",
                    secs(i.grace),
                    secs(*prestop)
                ),
            ));
        }
        lanes.push(Lane {
            container: name.clone(),
            sidecar: false,
            segments,
        });
    }
    let mut segments = Vec::new();
    let exit = match i.path {
        ShutdownPath::Classic | ShutdownPath::ExitOnZero => {
            let term = i.sidecar_prestop;
            if term > 0.0 {
                segments.push(Segment {
                    from: 0.0,
                    to: Some(term),
                    what: format!("preStop sleep {}", secs(term)),
                    kind: "preStop",
                });
            }
            events.push(ev(
                term,
                SIDECAR,
                "SIGTERM: Envoy stops accepting new inbound connections and drains".to_owned(),
            ));
            if i.path == ShutdownPath::Classic {
                let exit = term + i.termination_drain;
                segments.push(Segment {
                    from: term,
                    to: Some(exit),
                    what: format!(
                        "waits terminationDrainDuration {}",
                        secs(i.termination_drain)
                    ),
                    kind: "drain",
                });
                events.push(ev(
                    exit,
                    SIDECAR,
                    "exits: pilot-agent stops Envoy".to_owned(),
                ));
                Some(exit)
            } else {
                let polls = term + i.minimum_drain;
                segments.push(Segment {
                    from: term,
                    to: Some(polls),
                    what: format!("waits MINIMUM_DRAIN_DURATION {}", secs(i.minimum_drain)),
                    kind: "wait",
                });
                segments.push(Segment {
                    from: polls,
                    to: None,
                    what: "polls every second; exits when no connection is left".to_owned(),
                    kind: "poll",
                });
                events.push(ev(
                    polls,
                    SIDECAR,
                    "starts polling for zero active connections".to_owned(),
                ));
                if polls >= i.grace {
                    cut.push(ev(
                        i.grace,
                        SIDECAR,
                        format!(
                            "SIGKILL at {} comes before MINIMUM_DRAIN_DURATION ends",
                            secs(i.grace)
                        ),
                    ));
                }
                None
            }
        }
        ShutdownPath::Native | ShutdownPath::NativeSleeps => {
            segments.push(Segment {
                from: 0.0,
                to: Some(i.drain_duration),
                what: format!(
                    "preStop `pilot-agent request POST drain`: drains for drainDuration {}",
                    secs(i.drain_duration)
                ),
                kind: "drain",
            });
            events.push(ev(
                0.0,
                SIDECAR,
                "preStop: Envoy starts draining (drainDuration)".to_owned(),
            ));
            events.push(ev(
                apps_stop,
                SIDECAR,
                "SIGTERM, once the applications have stopped (native sidecar)".to_owned(),
            ));
            let exit = if i.path == ShutdownPath::NativeSleeps {
                segments.push(Segment {
                    from: apps_stop,
                    to: Some(apps_stop + i.termination_drain),
                    what: format!(
                        "waits terminationDrainDuration {} (Istio 1.19/1.20)",
                        secs(i.termination_drain)
                    ),
                    kind: "wait",
                });
                apps_stop + i.termination_drain
            } else {
                apps_stop
            };
            events.push(ev(exit, SIDECAR, "exits".to_owned()));
            Some(exit)
        }
    };
    if let Some(exit) = exit {
        if exit >= i.grace {
            cut.push(ev(
                i.grace,
                SIDECAR,
                format!(
                    "SIGKILL at {} cuts the sidecar's drain short (it would exit at {})",
                    secs(i.grace),
                    secs(exit)
                ),
            ));
        }
        if !i.path.is_native() {
            for (name, prestop) in &i.apps {
                if exit < *prestop {
                    cut.push(ev(
                        exit,
                        name,
                        format!(
                            "the sidecar exits at {} while {name} is still in its preStop sleep (until {}): its connections fail",
                            secs(exit),
                            secs(*prestop)
                        ),
                    ));
                }
            }
        }
    }
    lanes.push(Lane {
        container: SIDECAR.to_owned(),
        sidecar: true,
        segments,
    });
    events.push(ev(
        i.grace,
        "pod",
        "SIGKILL: the grace period ends".to_owned(),
    ));
    events.sort_by(|a, b| a.at.total_cmp(&b.at));
    cut.sort_by(|a, b| a.at.total_cmp(&b.at));
    Timeline {
        grace: i.grace,
        lanes,
        events,
        cut_short: cut,
    }
}

/// The timeline of a TSB gateway's pods: the gateway drains `connectionDrainDuration`.
pub fn gateway(drain: f64, grace: f64) -> Timeline {
    let ev = |at: f64, what: &str| Event {
        at,
        container: SIDECAR.to_owned(),
        what: what.to_owned(),
    };
    let mut cut = Vec::new();
    if drain >= grace {
        cut.push(ev(
            grace,
            &format!(
                "SIGKILL at {} cuts the gateway's drain short (it would end at {})",
                secs(grace),
                secs(drain)
            ),
        ));
    }
    Timeline {
        grace,
        lanes: vec![Lane {
            container: SIDECAR.to_owned(),
            sidecar: true,
            segments: vec![Segment {
                from: 0.0,
                to: Some(drain),
                what: format!("drains for connectionDrainDuration {}", secs(drain)),
                kind: "drain",
            }],
        }],
        events: vec![
            ev(
                0.0,
                "SIGTERM: the gateway stops accepting new connections and drains",
            ),
            ev(drain, "exits"),
            Event {
                at: grace,
                container: "pod".to_owned(),
                what: "SIGKILL: the grace period ends".to_owned(),
            },
        ],
        cut_short: cut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(path: ShutdownPath) -> Inputs {
        Inputs {
            path,
            grace: 30.0,
            apps: vec![("web".into(), 10.0)],
            sidecar_prestop: 0.0,
            termination_drain: 5.0,
            drain_duration: 45.0,
            minimum_drain: 5.0,
        }
    }

    #[test]
    fn a_classic_sidecar_that_exits_before_the_app() {
        let t = pod(&inputs(ShutdownPath::Classic));
        assert_eq!(t.cut_short.len(), 1, "{t:?}");
        assert!(t.cut_short[0].what.contains("still in its preStop"));
        assert_eq!(t.events.last().map(|e| e.at), Some(30.0));
    }

    #[test]
    fn sigkill_cuts_a_long_wait() {
        let t = pod(&Inputs {
            termination_drain: 40.0,
            ..inputs(ShutdownPath::Classic)
        });
        assert!(
            t.cut_short
                .iter()
                .any(|e| e.what.contains("cuts the sidecar's drain"))
        );
        // On Istio 1.21+ a native sidecar stops with the application.
        let t = pod(&Inputs {
            termination_drain: 40.0,
            ..inputs(ShutdownPath::Native)
        });
        assert!(t.cut_short.is_empty(), "{t:?}");
        let t = pod(&Inputs {
            termination_drain: 40.0,
            ..inputs(ShutdownPath::NativeSleeps)
        });
        assert_eq!(t.cut_short.len(), 1, "{t:?}");
    }

    #[test]
    fn exit_on_zero_and_gateways() {
        let t = pod(&Inputs {
            minimum_drain: 35.0,
            ..inputs(ShutdownPath::ExitOnZero)
        });
        assert!(
            t.cut_short
                .iter()
                .any(|e| e.what.contains("MINIMUM_DRAIN_DURATION"))
        );
        assert!(gateway(10.0, 30.0).cut_short.is_empty());
        assert_eq!(gateway(30.0, 30.0).cut_short.len(), 1);
    }
}
