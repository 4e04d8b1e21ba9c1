//! Sharing a run: a link whose query string is the whole state (settings, seed and the user's
//! actions, so opening it replays event for event), and a versioned JSON trace file.
//!
//! Both decoders take untrusted input. They never panic: what they cannot use is reported in
//! plain words and replaced by the defaults.
//!
//! # Link format
//! `p=raft&n=5&seed=7&lat=10ms..15ms&loss=0.1&dup=0.05&et=150ms..300ms&hb=50ms&req=100ms`
//! `&bug=raft-commit-old-term&opt=prevote,check-quorum,coop&a=ACTIONS`, every key optional.
//! `req=off` turns the client off. `ACTIONS` is a `~`-separated list of `EVENT.TIME.CODE`:
//! the action was event number EVENT, at virtual time TIME in microseconds, and CODE is one of
//! `c3` crash S3, `r3` restart S3, `R` restart all, `p1.2-3.4.5` partition {S1,S2} | {S3,S4,S5},
//! `i3` isolate S3, `k1.2` cut link S1-S2, `h` heal, `d17` drop message 17, `v17` deliver it now,
//! `u17` duplicate it, `f9` fire timer 9, `q2.5` client request `counter += 5` to S2,
//! `nMIN.MAX.LOSS.DUP` network (microseconds, parts per million), `A` align and `S` spread
//! timers.

use crate::catalog::{Bug, NetworkSettings, ProtocolKind, Settings, MAX_NODES};
use crate::node::{NodeId, Time};
use crate::sim::history::{Action, ActionRecord, EventRecord};
use crate::time::{fmt_time, parse_probability, parse_time, parse_time_range};
use serde::{Deserialize, Serialize};

/// Links longer than this are refused whole: no address bar holds them anyway.
pub const MAX_LINK: usize = 64 * 1024;
/// The most actions a link or trace may carry.
pub const MAX_ACTIONS: usize = 10_000;
/// Trace files above this size are refused before parsing.
pub const MAX_TRACE_BYTES: usize = 64 * 1024 * 1024;

/// A link's content, with what could not be used.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub settings: Settings,
    pub actions: Vec<ActionRecord>,
    /// Parameters the app reads itself (e.g. `embed`, `autoplay`), passed through.
    pub view: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

/// Keys the app (not the engine) interprets; passed through untouched.
const VIEW_KEYS: &[&str] = &["embed", "autoplay", "speed", "view", "t"];

fn encode_action(a: &Action) -> String {
    let ids = |g: &[NodeId]| {
        g.iter()
            .map(|n| n.0.to_string())
            .collect::<Vec<_>>()
            .join(".")
    };
    match a {
        Action::Crash { node } => format!("c{}", node.0),
        Action::Restart { node } => format!("r{}", node.0),
        Action::RestartAll => "R".into(),
        Action::Partition { groups } => format!(
            "p{}",
            groups.iter().map(|g| ids(g)).collect::<Vec<_>>().join("-")
        ),
        Action::Isolate { node } => format!("i{}", node.0),
        Action::CutLink { a, b } => format!("k{}.{}", a.0, b.0),
        Action::Heal => "h".into(),
        Action::Drop { msg } => format!("d{msg}"),
        Action::Deliver { msg } => format!("v{msg}"),
        Action::Duplicate { msg } => format!("u{msg}"),
        Action::FireTimer { timer } => format!("f{timer}"),
        Action::Request { node, delta } => format!("q{}.{delta}", node.0),
        Action::SetNetwork { network: n } => format!(
            "n{}.{}.{}.{}",
            n.latency_min, n.latency_max, n.loss_ppm, n.dup_ppm
        ),
        Action::AlignTimers => "A".into(),
        Action::SpreadTimers => "S".into(),
    }
}

fn node(s: &str) -> Result<NodeId, String> {
    let n: u8 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a node number"))?;
    if n == 0 || usize::from(n) > MAX_NODES {
        return Err(format!("node {n} is out of range 1..{MAX_NODES}"));
    }
    Ok(NodeId(n))
}

fn num<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("'{s}' is not a number"))
}

fn decode_action(code: &str) -> Result<Action, String> {
    let mut chars = code.chars();
    let op = chars.next().ok_or("an empty action")?;
    let rest = chars.as_str();
    let parts: Vec<&str> = rest.split('.').collect();
    let two = || -> Result<(&str, &str), String> {
        match parts.as_slice() {
            [a, b] => Ok((a, b)),
            _ => Err(format!("'{code}' needs two numbers")),
        }
    };
    Ok(match op {
        'c' => Action::Crash { node: node(rest)? },
        'r' => Action::Restart { node: node(rest)? },
        'R' if rest.is_empty() => Action::RestartAll,
        'p' => Action::Partition {
            groups: rest
                .split('-')
                .map(|g| g.split('.').map(node).collect::<Result<Vec<_>, _>>())
                .collect::<Result<_, _>>()?,
        },
        'i' => Action::Isolate { node: node(rest)? },
        'k' => {
            let (a, b) = two()?;
            Action::CutLink {
                a: node(a)?,
                b: node(b)?,
            }
        }
        'h' if rest.is_empty() => Action::Heal,
        'd' => Action::Drop { msg: num(rest)? },
        'v' => Action::Deliver { msg: num(rest)? },
        'u' => Action::Duplicate { msg: num(rest)? },
        'f' => Action::FireTimer { timer: num(rest)? },
        'q' => {
            let (n, d) = two()?;
            Action::Request {
                node: node(n)?,
                delta: num(d)?,
            }
        }
        'n' => match parts.as_slice() {
            [a, b, l, d] => Action::SetNetwork {
                network: NetworkSettings {
                    latency_min: num(a)?,
                    latency_max: num(b)?,
                    loss_ppm: num(l)?,
                    dup_ppm: num(d)?,
                },
            },
            _ => return Err(format!("'{code}' needs four numbers")),
        },
        'A' if rest.is_empty() => Action::AlignTimers,
        'S' if rest.is_empty() => Action::SpreadTimers,
        _ => return Err(format!("unknown action '{code}'")),
    })
}

/// The query string (without `?`) for a run. `view` adds the app's own parameters.
pub fn encode_link(s: &Settings, actions: &[ActionRecord], view: &[(&str, &str)]) -> String {
    let d = Settings::for_protocol(s.protocol);
    let mut q = vec![format!("p={}", s.protocol.slug())];
    let mut put = |k: &str, v: String| q.push(format!("{k}={v}"));
    if s.nodes != d.nodes {
        put("n", s.nodes.to_string());
    }
    put("seed", s.seed.to_string());
    let net = &s.network;
    if (net.latency_min, net.latency_max) != (d.network.latency_min, d.network.latency_max) {
        put(
            "lat",
            format!(
                "{}..{}",
                fmt_time(net.latency_min),
                fmt_time(net.latency_max)
            ),
        );
    }
    if net.loss_ppm != 0 {
        put("loss", (f64::from(net.loss_ppm) / 1e6).to_string());
    }
    if net.dup_ppm != 0 {
        put("dup", (f64::from(net.dup_ppm) / 1e6).to_string());
    }
    if s.election_timeout != d.election_timeout {
        let (a, b) = s.election_timeout;
        put("et", format!("{}..{}", fmt_time(a), fmt_time(b)));
    }
    if s.heartbeat != d.heartbeat {
        put("hb", fmt_time(s.heartbeat));
    }
    if s.request_every != d.request_every {
        put("req", s.request_every.map_or("off".into(), fmt_time));
    }
    if !s.bugs.is_empty() {
        put(
            "bug",
            s.bugs
                .iter()
                .map(|b| b.slug())
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    let opts: Vec<&str> = [
        (s.prevote, "prevote"),
        (s.check_quorum, "check-quorum"),
        (s.cooperative_termination, "coop"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    if !opts.is_empty() {
        put("opt", opts.join(","));
    }
    if !actions.is_empty() {
        put(
            "a",
            actions
                .iter()
                .map(|a| format!("{}.{}.{}", a.event, a.time, encode_action(&a.action)))
                .collect::<Vec<_>>()
                .join("~"),
        );
    }
    for (k, v) in view {
        put(k, v.to_string());
    }
    q.join("&")
}

/// Reads a query string (with or without the leading `?`). Never fails: every unusable part
/// becomes a warning and a default.
pub fn decode_link(query: &str) -> Decoded {
    let mut warnings = Vec::new();
    let mut view = Vec::new();
    if query.len() > MAX_LINK {
        warnings.push(format!(
            "the link is too long ({} KB); starting fresh",
            query.len() / 1024
        ));
        return Decoded {
            settings: Settings::default(),
            actions: Vec::new(),
            view,
            warnings,
        };
    }
    let pairs: Vec<(String, String)> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let protocol = pairs
        .iter()
        .find(|(k, _)| k == "p")
        .map_or(Ok(ProtocolKind::Raft), |(_, v)| ProtocolKind::parse(v))
        .unwrap_or_else(|e| {
            warnings.push(e);
            ProtocolKind::Raft
        });
    let mut s = Settings::for_protocol(protocol);
    let mut actions = Vec::new();
    for (k, v) in &pairs {
        let r: Result<(), String> = (|| {
            match k.as_str() {
                "p" => {}
                "n" => s.nodes = num(v)?,
                "seed" => s.seed = num(v)?,
                "lat" => {
                    let (a, b) = parse_time_range(v)?;
                    s.network.latency_min = a;
                    s.network.latency_max = b;
                }
                "loss" => s.network.loss_ppm = parse_probability(v)?,
                "dup" => s.network.dup_ppm = parse_probability(v)?,
                "et" => s.election_timeout = parse_time_range(v)?,
                "hb" => s.heartbeat = parse_time(v)?,
                "req" if v == "off" => s.request_every = None,
                "req" => s.request_every = Some(parse_time(v)?),
                "bug" => {
                    for b in v.split(',').filter(|b| !b.is_empty()) {
                        let b = Bug::parse(b)?;
                        if !s.bugs.contains(&b) {
                            s.bugs.push(b);
                        }
                    }
                }
                "opt" => {
                    for o in v.split(',').filter(|o| !o.is_empty()) {
                        match o {
                            "prevote" => s.prevote = true,
                            "check-quorum" => s.check_quorum = true,
                            "coop" => s.cooperative_termination = true,
                            _ => return Err(format!("unknown option '{o}'")),
                        }
                    }
                }
                "a" => actions = decode_actions(v, &mut warnings),
                k if VIEW_KEYS.contains(&k) => view.push((k.to_string(), v.clone())),
                _ => return Err(format!("unknown parameter '{k}'")),
            }
            Ok(())
        })();
        if let Err(e) = r {
            warnings.push(format!("ignored {k}={v}: {e}"));
        }
    }
    if let Err(e) = s.validate() {
        warnings.push(format!("{e}; using the defaults"));
        let seed = s.seed;
        s = Settings {
            seed,
            ..Settings::for_protocol(protocol)
        };
        actions.clear();
    }
    Decoded {
        settings: s,
        actions,
        view,
        warnings,
    }
}

fn decode_actions(v: &str, warnings: &mut Vec<String>) -> Vec<ActionRecord> {
    let mut out = Vec::new();
    for item in v.split('~').filter(|i| !i.is_empty()) {
        if out.len() == MAX_ACTIONS {
            warnings.push(format!("only the first {MAX_ACTIONS} actions are kept"));
            break;
        }
        let parsed = (|| -> Result<ActionRecord, String> {
            let mut it = item.splitn(3, '.');
            let event: u64 = num(it.next().unwrap_or(""))?;
            let time: Time = num(it.next().ok_or("no time")?)?;
            let action = decode_action(it.next().ok_or("no action")?)?;
            Ok(ActionRecord {
                time,
                event,
                action,
            })
        })();
        match parsed {
            Ok(a) => out.push(a),
            Err(e) => warnings.push(format!("ignored action '{item}': {e}")),
        }
    }
    out
}

/// `%XX` and `+` decoding, byte-wise, lossy on invalid UTF-8.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The trace file: everything needed to replay a run, plus the events it produced so an import
/// can prove the replay matches. Format name and version let later versions read old files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceFile {
    /// Always "consensus-lab-trace".
    pub format: String,
    /// 1 for this layout.
    pub version: u32,
    pub settings: Settings,
    pub actions: Vec<ActionRecord>,
    /// Every event, in order; the replay must produce exactly these.
    pub events: Vec<EventRecord>,
    /// The virtual time the run was at when exported.
    pub now: Time,
}

pub const TRACE_FORMAT: &str = "consensus-lab-trace";
pub const TRACE_VERSION: u32 = 1;

/// Parses and checks a trace file's shape. Replaying it (and comparing the events) is the
/// caller's next step: see `AnySim::import`.
pub fn parse_trace(bytes: &[u8]) -> Result<TraceFile, String> {
    if bytes.len() > MAX_TRACE_BYTES {
        return Err(format!(
            "the file is {} MB; traces above {} MB are refused",
            bytes.len() / (1024 * 1024),
            MAX_TRACE_BYTES / (1024 * 1024)
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("this is not a readable trace file (JSON error: {e})"))?;
    let format = value.get("format").and_then(|v| v.as_str());
    if format != Some(TRACE_FORMAT) {
        return Err(
            "this is not a Consensus Lab trace file (no \"format\": \"consensus-lab-trace\")"
                .into(),
        );
    }
    let version = value.get("version").and_then(|v| v.as_u64());
    if version != Some(u64::from(TRACE_VERSION)) {
        return Err(format!(
            "trace version {} is not supported; this build reads version {TRACE_VERSION}",
            version.map_or("(missing)".into(), |v| v.to_string())
        ));
    }
    let t: TraceFile =
        serde_json::from_value(value).map_err(|e| format!("the trace file is damaged: {e}"))?;
    t.settings
        .validate()
        .map_err(|e| format!("the trace's settings are invalid: {e}"))?;
    if t.actions.len() > MAX_ACTIONS {
        return Err(format!("the trace has more than {MAX_ACTIONS} actions"));
    }
    if t.actions.windows(2).any(|w| w[0].event >= w[1].event) {
        return Err("the trace's actions are out of order".into());
    }
    if t.events.windows(2).any(|w| w[0].time > w[1].time) {
        return Err("the trace's events go back in time".into());
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MS;

    fn sample() -> (Settings, Vec<ActionRecord>) {
        let s = Settings {
            nodes: 7,
            seed: 42,
            bugs: vec![crate::catalog::COMMIT_OLD_TERM],
            prevote: true,
            network: NetworkSettings {
                loss_ppm: 100_000,
                ..NetworkSettings::default()
            },
            ..Settings::default()
        };
        let a = vec![
            ActionRecord {
                time: 1500 * MS,
                event: 40,
                action: Action::Crash { node: NodeId(3) },
            },
            ActionRecord {
                time: 2000 * MS,
                event: 90,
                action: Action::Partition {
                    groups: vec![vec![NodeId(1), NodeId(2)], vec![NodeId(3), NodeId(4)]],
                },
            },
            ActionRecord {
                time: 2100 * MS,
                event: 95,
                action: Action::SetNetwork {
                    network: NetworkSettings::default(),
                },
            },
            ActionRecord {
                time: 2200 * MS,
                event: 99,
                action: Action::Request {
                    node: NodeId(2),
                    delta: -4,
                },
            },
        ];
        (s, a)
    }

    #[test]
    fn links_round_trip() {
        let (s, a) = sample();
        let q = encode_link(&s, &a, &[("embed", "1")]);
        let d = decode_link(&q);
        assert_eq!(d.warnings, Vec::<String>::new());
        assert_eq!(d.settings, s);
        assert_eq!(d.actions, a);
        assert_eq!(d.view, vec![("embed".into(), "1".into())]);
        assert_eq!(decode_link(&format!("?{q}")).settings, s);
    }

    #[test]
    fn bad_links_warn_and_fall_back() {
        let d = decode_link("p=zab&n=99&seed=x&lat=5ms..1ms&frob=1&a=1.2.z9~3.4.c1");
        assert_eq!(d.settings.protocol, ProtocolKind::Raft);
        assert_eq!(d.settings.nodes, 5);
        assert!(d
            .warnings
            .iter()
            .any(|w| w.contains("unknown protocol 'zab'")));
        assert!(d.warnings.iter().any(|w| w.contains("seed=x")));
        assert!(d
            .warnings
            .iter()
            .any(|w| w.contains("unknown parameter 'frob'")));
        assert!(d.warnings.iter().any(|w| w.contains("cluster size")));
        let d = decode_link("a=1.2.z9~3.4.c1");
        assert_eq!(d.actions.len(), 1);
        assert!(d.warnings[0].contains("unknown action 'z9'"));
        assert!(decode_link(&"x".repeat(MAX_LINK + 1)).warnings[0].contains("too long"));
        assert_eq!(percent_decode("a%2Cb%zz%4"), "a,b%zz%4");
    }

    #[test]
    fn traces_are_checked() {
        assert!(parse_trace(b"{").unwrap_err().contains("not a readable"));
        assert!(parse_trace(b"{\"format\":\"other\"}")
            .unwrap_err()
            .contains("not a Consensus Lab"));
        let v2 = format!("{{\"format\":\"{TRACE_FORMAT}\",\"version\":2}}");
        assert!(parse_trace(v2.as_bytes())
            .unwrap_err()
            .contains("version 2"));
        let big = vec![b' '; MAX_TRACE_BYTES + 1];
        assert!(parse_trace(&big).unwrap_err().contains("refused"));
    }
}
