//! Sharing a run: a link whose query string is the whole state (settings, seed and the user's
//! actions, so opening it replays event for event), and a versioned JSON trace file.
//!
//! Both decoders take untrusted input. They never panic: what they cannot use is reported in
//! plain words and replaced by the defaults.
//!
//! # Link format
//! `protocol=raft&nodes=5&seed=7&latency=10ms..15ms&loss=0.1&prevote=on&bug=raft-commit-old-term`
//! `&a=ACTIONS`: the settings in the vocabulary of `catalog::vocabulary` (only those that differ
//! from the protocol's defaults, plus protocol and seed), then the actions. `ACTIONS` is a
//! `~`-separated list of `EVENT.TIME.ACTION`: the action was event number EVENT, at virtual time
//! TIME in microseconds, and ACTION is its text as scripts and the event log write it
//! (`crash S3`, `partition S1 S2 | S3 S4 S5`, `request S2 +5`...), percent-encoded.
//!
//! Links made by earlier versions still open: their short keys (`p`, `n`, `et`, `opt`...) are
//! aliases in the vocabulary, and their one-letter action codes (`c3`, `p1.2-3.4.5`, ...) are
//! read by `legacy_action`.

use crate::catalog::vocabulary::canonical;
use crate::catalog::{NetworkSettings, ProtocolKind, Settings, MAX_NODES};
use crate::node::{NodeId, Time};
use crate::sim::history::{Action, ActionRecord, EventRecord};
use lab_ring::page::Params;
use serde::{Deserialize, Serialize};

/// Links longer than this are refused whole: no address bar holds them anyway.
pub const MAX_LINK: usize = 64 * 1024;
/// The most actions a link or trace may carry.
pub const MAX_ACTIONS: usize = 10_000;
/// Trace files above this size are refused before parsing.
pub const MAX_TRACE_BYTES: usize = 64 * 1024 * 1024;

/// The format of the links and embeds this build writes, named by `v=`. A link without `v` was
/// made before links named their format, and is format 1, which is what it is.
pub const LINK_FORMAT: u32 = 1;

/// Formats after which this build replays some runs differently: (the first format with the
/// change, what changed). Nothing has changed since format 1.
pub const LINK_CHANGES: &[(u32, &str)] = &[];

/// What a link's `v=` means to a build that writes format `current`, given the changes up to it
/// (`LINK_CHANGES`): `Err` for a format it cannot read (newer, or not a number), else a notice
/// for each change between the link's format and this one, so an older link whose run would
/// come out differently says so instead of silently showing another run.
pub fn link_format(
    v: Option<&str>,
    current: u32,
    changes: &[(u32, &str)],
) -> Result<Vec<String>, String> {
    let made = match v {
        None => 1,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or(format!("the link's format v={v} is not a format number"))?,
    };
    if made > current {
        return Err(format!(
            "this link was made by a newer Consensus Lab (link format {made}); this one reads \
             formats 1 to {current} and cannot show its run"
        ));
    }
    Ok(changes
        .iter()
        .filter(|(since, _)| made < *since && *since <= current)
        .map(|(since, what)| {
            format!(
                "this link was made with link format {made}; since format {since}, {what}: the \
                 run shown may differ from the one its author saw"
            )
        })
        .collect())
}

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
/// `t` and `ev` are the moment (several events can share one time), `sel` the selection (`n3`
/// or `m17`), `view` cluster or space-time; `embed`, `autoplay`, `speed`, `big`, `controls` and
/// `loop` are presentation options; `tour` and `ch` open a guided tour at a chapter, `cmp` a
/// comparison with a second run.
/// `theme` (light, dark or auto) is the embed's colours, as its host chose them.
const VIEW_KEYS: &[&str] = &[
    "embed", "autoplay", "speed", "view", "t", "ev", "sel", "big", "controls", "loop", "tour",
    "ch", "cmp", "theme",
];

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

/// A one-letter action code of links made before actions were written as text: `c3` crash S3,
/// `r3` restart, `R` restart all, `p1.2-3.4.5` partition, `i3` isolate, `k1.2` cut link, `h`
/// heal, `d17` drop, `v17` deliver, `u17` duplicate, `f9` fire timer, `q2.5` request,
/// `nMIN.MAX.LOSS.DUP` network, `A` align and `S` spread timers.
fn legacy_action(code: &str) -> Result<Action, String> {
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
    let mut q: Vec<String> = s
        .changed_words()
        .into_iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(&v)))
        .collect();
    if !actions.is_empty() {
        let list: Vec<String> = actions
            .iter()
            .map(|a| {
                format!(
                    "{}.{}.{}",
                    a.event,
                    a.time,
                    percent_encode(&a.action.to_string())
                )
            })
            .collect();
        q.push(format!("a={}", list.join("~")));
    }
    for (k, v) in view {
        q.push(format!("{k}={}", percent_encode(v)));
    }
    q.join("&")
}

/// Escapes what a query value cannot hold as is (space, `#`, `&`, `+`, `%`, `|`...).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.,:~*!".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query string's `key=value` pairs, percent-decoded, in order.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Whether a link opens the consistent-hashing page (`p=ring`) rather than a protocol.
pub fn is_ring_link(query: &str) -> bool {
    query.len() <= MAX_LINK
        && query_pairs(query)
            .iter()
            .any(|(k, v)| canonical(k) == Some("protocol") && v == "ring")
}

/// Keys the ring page interprets itself: `embed` (compact view), `sel` (the selected key,
/// `k17`) and `tour` (a tour told on the page). With `tour`, `ch` is the chapter, as in the
/// lab's tour links, not the short form of `changes`: the tour gives the ring. `theme` as in the
/// lab.
const RING_VIEW_KEYS: &[&str] = &["embed", "sel", "tour", "theme"];

/// A ring page link's content, with what could not be used.
#[derive(Clone, Debug, PartialEq)]
pub struct RingDecoded {
    pub params: Params,
    pub view: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

/// Reads a ring page link (`protocol=ring&nodes=5&vnodes=8&keys=60&replicas=3&seed=1`
/// `&changes=add6,remove2`; `p`, `n`, `vn`, `k`, `r` and `ch` are read too). Never fails: a bad
/// value keeps its default, and changes that cannot apply are dropped, each with a warning.
pub fn decode_ring_link(query: &str) -> RingDecoded {
    let mut d = RingDecoded {
        params: Params::default(),
        view: Vec::new(),
        warnings: Vec::new(),
    };
    if query.len() > MAX_LINK {
        d.warnings.push(format!(
            "the link is too long ({} KB); starting fresh",
            query.len() / 1024
        ));
        return d;
    }
    let pairs = query_pairs(query);
    let format = pairs
        .iter()
        .find(|(k, _)| k == "v")
        .map(|(_, v)| v.as_str());
    match link_format(format, LINK_FORMAT, LINK_CHANGES) {
        Ok(notes) => d.warnings.extend(notes),
        Err(e) => {
            d.warnings.push(format!("{e}; starting fresh"));
            return d;
        }
    }
    let touring = pairs.iter().any(|(k, _)| k == "tour");
    for (k, v) in pairs {
        if canonical(&k) == Some("protocol") || k == "v" {
            continue;
        }
        if RING_VIEW_KEYS.contains(&k.as_str()) || (touring && k == "ch") {
            d.view.push((k, v));
        } else if let Err(e) = d.params.set(&k, &v) {
            d.warnings.push(format!("ignored {k}={v}: {e}"));
        }
    }
    if let Some(why) = d.params.repair() {
        d.warnings.push(why);
    }
    d
}

/// The query string (without `?`) of a ring page; `view` adds the page's own keys.
pub fn encode_ring_link(p: &Params, view: &[(&str, &str)]) -> String {
    p.words()
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(view.iter().copied())
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
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
    let pairs = query_pairs(query);
    let format = pairs
        .iter()
        .find(|(k, _)| k == "v")
        .map(|(_, v)| v.as_str());
    match link_format(format, LINK_FORMAT, LINK_CHANGES) {
        Ok(notes) => warnings.extend(notes),
        Err(e) => {
            warnings.push(format!("{e}; starting fresh"));
            return Decoded {
                settings: Settings::default(),
                actions: Vec::new(),
                view,
                warnings,
            };
        }
    }
    let protocol = pairs
        .iter()
        .find(|(k, _)| canonical(k) == Some("protocol"))
        .map_or(Ok(ProtocolKind::Raft), |(_, v)| ProtocolKind::parse(v))
        .unwrap_or_else(|e| {
            warnings.push(format!("{e}, or ring for the consistent-hashing page"));
            ProtocolKind::Raft
        });
    let mut s = Settings::for_protocol(protocol);
    let mut actions = Vec::new();
    for (k, v) in &pairs {
        let r = match k.as_str() {
            "a" => {
                actions = decode_actions(v, &mut warnings);
                Ok(())
            }
            k if VIEW_KEYS.contains(&k) => {
                view.push((k.to_string(), v.clone()));
                Ok(())
            }
            k if canonical(k) == Some("protocol") || k == "v" => Ok(()),
            k if canonical(k).is_none() => Err(format!("unknown parameter '{k}'")),
            k => s.set(k, Some(v)),
        };
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
            let code = it.next().ok_or("no action")?;
            // One-letter codes of older links never hold a space.
            let action = code.parse::<Action>().or_else(|e| {
                if code.contains(' ') {
                    Err(e)
                } else {
                    legacy_action(code)
                }
            })?;
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
    /// 2 for this layout; version 1 differed only in how it wrote the settings.
    pub version: u32,
    /// As the vocabulary names them: `{"protocol": "raft", "nodes": "5", ...}`.
    #[serde(with = "settings_words")]
    pub settings: Settings,
    pub actions: Vec<ActionRecord>,
    /// Every event, in order; the replay must produce exactly these.
    pub events: Vec<EventRecord>,
    /// The virtual time the run was at when exported.
    pub now: Time,
}

pub const TRACE_FORMAT: &str = "consensus-lab-trace";
pub const TRACE_VERSION: u32 = 2;
/// The oldest trace layout this build still reads.
const OLDEST_TRACE_VERSION: u32 = 1;

/// Trace settings in the vocabulary's words; version 1 files wrote the settings struct as is.
mod settings_words {
    use crate::catalog::Settings;
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(s: &Settings, ser: S) -> Result<S::Ok, S::Error> {
        let words = s.words();
        let mut map = ser.serialize_map(Some(words.len()))?;
        for (k, v) in &words {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Words(BTreeMap<String, String>),
        Version1(Settings),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Settings, D::Error> {
        match Written::deserialize(d)? {
            Written::Words(w) => {
                Settings::from_words(w.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))))
                    .map_err(serde::de::Error::custom)
            }
            Written::Version1(s) => Ok(s),
        }
    }
}

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
    if !version
        .is_some_and(|v| (u64::from(OLDEST_TRACE_VERSION)..=u64::from(TRACE_VERSION)).contains(&v))
    {
        return Err(format!(
            "trace version {} is not supported; this build reads versions \
             {OLDEST_TRACE_VERSION} to {TRACE_VERSION}",
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
    fn links_name_their_format_and_newer_ones_are_refused() {
        assert_eq!(link_format(None, LINK_FORMAT, LINK_CHANGES), Ok(vec![]));
        assert_eq!(
            link_format(Some("1"), LINK_FORMAT, LINK_CHANGES),
            Ok(vec![])
        );
        for bad in ["0", "x", ""] {
            assert!(
                link_format(Some(bad), LINK_FORMAT, LINK_CHANGES).is_err(),
                "{bad}"
            );
        }
        // A build at format 3 whose replay changed in formats 2 and 3.
        let changes = [
            (2, "crashes drop timers"),
            (3, "timers are drawn in another order"),
        ];
        let notes = |v| link_format(v, 3, &changes).map(|n| n.len());
        assert_eq!(notes(None), Ok(2), "a link older than both changes");
        assert_eq!(notes(Some("2")), Ok(1));
        assert_eq!(notes(Some("3")), Ok(0));
        let said = link_format(Some("2"), 3, &changes).unwrap();
        assert_eq!(
            said,
            ["this link was made with link format 2; since format 3, timers are drawn in another \
              order: the run shown may differ from the one its author saw"]
        );
        let e = link_format(Some("4"), 3, &changes).unwrap_err();
        assert!(
            e.contains("newer Consensus Lab (link format 4)") && e.contains("formats 1 to 3"),
            "{e}"
        );
        // Decoding: a newer link is refused whole, with the reason; v=1 is read as before.
        let d = decode_link("protocol=paxos&seed=9&v=7&a=1.2.c1");
        assert_eq!(d.settings, Settings::default());
        assert!(d.actions.is_empty());
        assert!(
            d.warnings[0].contains("link format 7") && d.warnings[0].ends_with("starting fresh")
        );
        let d = decode_link("protocol=paxos&seed=9&v=1");
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        assert_eq!(d, decode_link("protocol=paxos&seed=9"));
        let r = decode_ring_link("protocol=ring&nodes=7&v=9");
        assert_eq!(r.params, Params::default());
        assert!(r.warnings[0].contains("link format 9"));
        assert!(decode_ring_link("protocol=ring&nodes=7&v=1")
            .warnings
            .is_empty());
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
    fn ring_links_round_trip_and_route() {
        use lab_ring::page::Change;
        let p = Params {
            nodes: 6,
            vnodes: 16,
            keys: 120,
            replicas: 2,
            seed: 7,
            changes: vec![Change::Add(7), Change::Remove(2)],
        };
        let q = encode_ring_link(&p, &[("embed", "1"), ("sel", "k4")]);
        assert!(q.starts_with("protocol=ring&nodes=6&"), "{q}");
        assert!(q.contains("changes=add7,remove2"), "{q}");
        assert!(is_ring_link(&q) && is_ring_link("?p=ring&n=3"));
        assert!(!is_ring_link("p=raft") && !is_ring_link("") && !is_ring_link("p=rings"));
        let d = decode_ring_link(&format!("?{q}"));
        assert_eq!(d.warnings, Vec::<String>::new());
        assert_eq!(d.params, p);
        assert_eq!(
            d.view,
            vec![("embed".into(), "1".into()), ("sel".into(), "k4".into())]
        );
        let short = decode_ring_link("p=ring&n=5&vn=8&keys=60&r=3");
        assert_eq!((short.params, short.warnings.len()), (Params::default(), 0));
    }

    #[test]
    fn with_a_tour_ch_is_the_chapter_without_one_the_changes() {
        let d = decode_ring_link("p=ring&tour=ring-rebalance&ch=2");
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        assert!(d.params.changes.is_empty());
        let view = |k: &str| {
            d.view
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            (view("tour"), view("ch")),
            (Some("ring-rebalance"), Some("2"))
        );
        let d = decode_ring_link("p=ring&ch=add6");
        assert_eq!(d.params.changes, vec![lab_ring::page::Change::Add(6)]);
        assert!(d.view.is_empty());
    }

    #[test]
    fn bad_ring_links_warn_and_keep_what_applies() {
        let d = decode_ring_link("p=ring&n=40&vn=x&r=3&zoom=2&ch=add6,remove9,add7");
        assert_eq!(d.params.nodes, 5, "nodes=40 is ignored");
        assert_eq!(d.params.vnodes, 8);
        assert_eq!(d.params.changes, vec![lab_ring::page::Change::Add(6)]);
        for part in ["n=40", "vn=x", "unknown parameter 'zoom'", "remove9"] {
            assert!(
                d.warnings.iter().any(|w| w.contains(part)),
                "{part} in {:?}",
                d.warnings
            );
        }
        let d = decode_ring_link("p=ring&n=2&r=3");
        assert_eq!((d.params.nodes, d.params.replicas), (2, 2));
        assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
        let long = format!("p=ring&n={}", "1".repeat(MAX_LINK));
        assert_eq!(decode_ring_link(&long).params, Params::default());
        assert!(!is_ring_link(&long));
        // An unknown protocol says where the ring page is.
        let w = decode_link("p=rings").warnings;
        assert!(w[0].contains("unknown protocol 'rings'") && w[0].contains("ring"));
    }

    #[test]
    fn bad_links_warn_and_fall_back() {
        let d = decode_link("p=pbft&n=99&seed=x&lat=5ms..1ms&frob=1&a=1.2.z9~3.4.c1");
        assert_eq!(d.settings.protocol, ProtocolKind::Raft);
        assert_eq!(d.settings.nodes, 5);
        assert!(d
            .warnings
            .iter()
            .any(|w| w.contains("unknown protocol 'pbft'")));
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
        let v3 = format!("{{\"format\":\"{TRACE_FORMAT}\",\"version\":3}}");
        assert!(parse_trace(v3.as_bytes())
            .unwrap_err()
            .contains("version 3"));
        let big = vec![b' '; MAX_TRACE_BYTES + 1];
        assert!(parse_trace(&big).unwrap_err().contains("refused"));
    }
}
