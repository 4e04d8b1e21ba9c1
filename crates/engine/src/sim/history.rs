//! What happened: a compact record per event, the user's actions with their position, markers
//! for the timeline and the violations found. Everything here is plain data and serde-ready.

use crate::catalog::{NetworkSettings, MAX_NODES};
use crate::invariants::Violation;
use crate::node::{NodeId, Time};
use crate::time::{fmt_time, parse_probability, parse_time_range};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

pub type MsgId = u64;
pub type TimerId = u64;

/// Something the user did. Ids of messages and timers are deterministic under replay, so an
/// action recorded against one is valid again when the run is replayed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "kebab-case")]
pub enum Action {
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    RestartAll,
    /// Split the cluster into these groups; nodes not named form one more group.
    Partition {
        groups: Vec<Vec<NodeId>>,
    },
    /// Cut one node off from every other.
    Isolate {
        node: NodeId,
    },
    /// Cut a single link, both directions.
    CutLink {
        a: NodeId,
        b: NodeId,
    },
    Heal,
    Drop {
        msg: MsgId,
    },
    Deliver {
        msg: MsgId,
    },
    Duplicate {
        msg: MsgId,
    },
    FireTimer {
        timer: TimerId,
    },
    Request {
        node: NodeId,
        delta: i64,
    },
    SetNetwork {
        network: NetworkSettings,
    },
    /// Make every pending timer fire at the same moment (provokes split votes).
    AlignTimers,
    /// Redraw every pending timer from its own range.
    SpreadTimers,
    /// Ask the leader to change the membership: `add S6`, `remove S2`, `replace S1 with S6`
    /// (Raft dissertation ch. 4).
    Reconfigure {
        add: Vec<NodeId>,
        remove: Vec<NodeId>,
    },
}

impl Action {
    /// Faults and repairs show on the timeline.
    pub fn is_fault(&self) -> bool {
        !matches!(
            self,
            Action::Request { .. }
                | Action::Deliver { .. }
                | Action::FireTimer { .. }
                | Action::SetNetwork { .. }
        )
    }
}

/// The one textual form of an action, shared by scripts, links, the event log and the command
/// line: `crash S3`, `restart S3`, `restart all`, `partition S1 S2 | S3 S4 S5`, `isolate S3`,
/// `cut S1 S2`, `heal`, `drop #17`, `deliver #17`, `duplicate #17`, `fire timer #9`,
/// `request S2 +5`, `network latency 10ms..15ms loss 0.1 dup 0.05`, `align timers`,
/// `spread timers`.
impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |g: &[NodeId]| {
            g.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        match self {
            Action::Crash { node } => write!(f, "crash {node}"),
            Action::Restart { node } => write!(f, "restart {node}"),
            Action::RestartAll => f.write_str("restart all"),
            Action::Partition { groups } => {
                let groups: Vec<String> = groups.iter().map(|g| names(g)).collect();
                write!(f, "partition {}", groups.join(" | "))
            }
            Action::Isolate { node } => write!(f, "isolate {node}"),
            Action::CutLink { a, b } => write!(f, "cut {a} {b}"),
            Action::Heal => f.write_str("heal"),
            Action::Drop { msg } => write!(f, "drop #{msg}"),
            Action::Deliver { msg } => write!(f, "deliver #{msg}"),
            Action::Duplicate { msg } => write!(f, "duplicate #{msg}"),
            Action::FireTimer { timer } => write!(f, "fire timer #{timer}"),
            Action::Request { node, delta } => write!(f, "request {node} {delta:+}"),
            Action::SetNetwork { network: n } => write!(
                f,
                "network latency {}..{} loss {} dup {}",
                fmt_time(n.latency_min),
                fmt_time(n.latency_max),
                f64::from(n.loss_ppm) / 1e6,
                f64::from(n.dup_ppm) / 1e6
            ),
            Action::AlignTimers => f.write_str("align timers"),
            Action::SpreadTimers => f.write_str("spread timers"),
            Action::Reconfigure { add, remove } => match (add.is_empty(), remove.is_empty()) {
                (false, true) => write!(f, "add {}", names(add)),
                (true, _) => write!(f, "remove {}", names(remove)),
                (false, false) => write!(f, "replace {} with {}", names(remove), names(add)),
            },
        }
    }
}

/// Network values a text names (`latency 10ms..15ms loss 0.1 dup 0.05`, any of them): an
/// action sets all three, a script may change some.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetworkChange {
    pub latency: Option<(Time, Time)>,
    pub loss: Option<u32>,
    pub dup: Option<u32>,
}

impl NetworkChange {
    pub fn parse<'a>(mut words: impl Iterator<Item = &'a str>) -> Result<Self, String> {
        let mut c = NetworkChange::default();
        while let Some(k) = words.next() {
            let v = words.next().ok_or_else(|| format!("{k} needs a value"))?;
            match k {
                "latency" => c.latency = Some(parse_time_range(v)?),
                "loss" => c.loss = Some(parse_probability(v)?),
                "dup" => c.dup = Some(parse_probability(v)?),
                _ => return Err(format!("unknown network setting '{k}'")),
            }
        }
        Ok(c)
    }

    /// `n` with the named values changed.
    pub fn apply(&self, n: &NetworkSettings) -> NetworkSettings {
        let (latency_min, latency_max) = self.latency.unwrap_or((n.latency_min, n.latency_max));
        NetworkSettings {
            latency_min,
            latency_max,
            loss_ppm: self.loss.unwrap_or(n.loss_ppm),
            dup_ppm: self.dup.unwrap_or(n.dup_ppm),
        }
    }
}

/// A node named `S3`, `s3` or `3`.
pub fn parse_node(s: &str) -> Result<NodeId, String> {
    let digits = s.strip_prefix(['S', 's']).unwrap_or(s);
    match digits.parse::<u8>() {
        Ok(n) if n > 0 && usize::from(n) <= MAX_NODES => Ok(NodeId(n)),
        _ => Err(format!("'{s}' is not a node like S3 (1..{MAX_NODES})")),
    }
}

/// A message or timer number, `#17` or `17`.
fn parse_number(s: Option<&str>, what: &str) -> Result<u64, String> {
    let s = s.ok_or_else(|| format!("needs {what}"))?;
    s.trim_start_matches('#')
        .parse()
        .map_err(|_| format!("'{s}' is not {what}"))
}

impl std::str::FromStr for Action {
    type Err = String;

    /// Reads what [`Display`](fmt::Display) writes. Node and message numbers may also be
    /// written bare (`crash 3`, `drop 17`), and `fire-timer 9`, `align` and `spread` are
    /// accepted as older spellings.
    fn from_str(text: &str) -> Result<Self, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut w = words.iter().copied();
        let first = w.next().ok_or("an empty action")?;
        let node = |s: Option<&str>| parse_node(s.ok_or("needs a node like S3")?);
        let action = match first {
            "crash" => Action::Crash {
                node: node(w.next())?,
            },
            "restart" if words.get(1) == Some(&"all") => {
                w.next();
                Action::RestartAll
            }
            "restart" => Action::Restart {
                node: node(w.next())?,
            },
            "isolate" => Action::Isolate {
                node: node(w.next())?,
            },
            "cut" => Action::CutLink {
                a: node(w.next())?,
                b: node(w.next())?,
            },
            "heal" => Action::Heal,
            "partition" => {
                let rest = words[1..].join(" ");
                let groups = rest
                    .split('|')
                    .map(|g| g.split_whitespace().map(parse_node).collect())
                    .collect::<Result<Vec<Vec<NodeId>>, _>>()?;
                if groups.iter().any(Vec::is_empty) {
                    return Err("a partition lists groups of nodes like S1 S2 | S3".into());
                }
                return Ok(Action::Partition { groups });
            }
            "drop" => Action::Drop {
                msg: parse_number(w.next(), "a message number")?,
            },
            "deliver" => Action::Deliver {
                msg: parse_number(w.next(), "a message number")?,
            },
            "duplicate" => Action::Duplicate {
                msg: parse_number(w.next(), "a message number")?,
            },
            "fire" if words.get(1) == Some(&"timer") => {
                w.next();
                Action::FireTimer {
                    timer: parse_number(w.next(), "a timer number")?,
                }
            }
            "fire-timer" => Action::FireTimer {
                timer: parse_number(w.next(), "a timer number")?,
            },
            "request" => {
                let node = node(w.next())?;
                let d = w.next().unwrap_or("+1");
                let delta = d
                    .trim_start_matches('+')
                    .parse()
                    .map_err(|_| format!("'{d}' is not an amount like +5"))?;
                Action::Request { node, delta }
            }
            "add" | "remove" => {
                let ids = words[1..]
                    .iter()
                    .map(|s| parse_node(s))
                    .collect::<Result<Vec<_>, _>>()?;
                if ids.is_empty() {
                    return Err(format!("{first} needs nodes like S6"));
                }
                return Ok(if first == "add" {
                    Action::Reconfigure {
                        add: ids,
                        remove: Vec::new(),
                    }
                } else {
                    Action::Reconfigure {
                        add: Vec::new(),
                        remove: ids,
                    }
                });
            }
            "replace" => {
                let rest = words[1..].join(" ");
                let (old, new) = rest
                    .split_once(" with ")
                    .ok_or("replace reads like: replace S1 with S6")?;
                let list = |g: &str| {
                    g.split_whitespace()
                        .map(parse_node)
                        .collect::<Result<Vec<_>, _>>()
                };
                let (remove, add) = (list(old)?, list(new)?);
                if remove.is_empty() || add.is_empty() {
                    return Err("replace reads like: replace S1 with S6".into());
                }
                return Ok(Action::Reconfigure { add, remove });
            }
            "network" => {
                let c = NetworkChange::parse(w)?;
                let ((latency_min, latency_max), loss_ppm, dup_ppm) = c
                    .latency
                    .zip(c.loss)
                    .zip(c.dup)
                    .map(|((l, p), d)| (l, p, d))
                    .ok_or("network needs latency, loss and dup")?;
                return Ok(Action::SetNetwork {
                    network: NetworkSettings {
                        latency_min,
                        latency_max,
                        loss_ppm,
                        dup_ppm,
                    },
                });
            }
            "align" | "spread" => {
                if words.get(1) == Some(&"timers") {
                    w.next();
                }
                if first == "align" {
                    Action::AlignTimers
                } else {
                    Action::SpreadTimers
                }
            }
            other => return Err(format!("unknown action '{other}'")),
        };
        match w.next() {
            None => Ok(action),
            Some(extra) => Err(format!("unexpected '{extra}' after '{first}'")),
        }
    }
}

/// A user action and the point of the run where it happened: it was event number `event`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionRecord {
    pub time: Time,
    pub event: u64,
    pub action: Action,
}

/// Why a message never arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LossReason {
    /// The network's random loss.
    Lost,
    /// A partition or cut link lay between sender and receiver.
    Partitioned,
    /// The receiver was down when it arrived.
    ReceiverDown,
    /// The user dropped it.
    Dropped,
}

impl LossReason {
    pub const ALL: [LossReason; 4] = [
        LossReason::Lost,
        LossReason::Partitioned,
        LossReason::ReceiverDown,
        LossReason::Dropped,
    ];
    pub fn describe(self) -> &'static str {
        match self {
            LossReason::Lost => "lost by the network",
            LossReason::Partitioned => "cut off by a partition",
            LossReason::ReceiverDown => "the receiver is down",
            LossReason::Dropped => "dropped by the user",
        }
    }
}

/// What one event was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EventKind {
    Deliver {
        msg: MsgId,
        from: NodeId,
        to: NodeId,
        kind: u8,
    },
    Loss {
        msg: MsgId,
        from: NodeId,
        to: NodeId,
        kind: u8,
        reason: LossReason,
    },
    Timer {
        timer: TimerId,
        node: NodeId,
    },
    /// A client request reached `node` (or found it down).
    Request {
        request: u64,
        node: NodeId,
    },
    /// The user's action number `index` (into the action list).
    Action {
        index: u32,
    },
}

/// One event of the trace in 16 bytes: a virtual hour holds about a million of them. The kind
/// is packed into one word: ids take 37 bits (a run never sends 10^11 messages), then the two
/// nodes, the message kind, the loss reason and a 3-bit tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "EventRepr", from = "EventRepr")]
pub struct EventRecord {
    pub time: Time,
    packed: u64,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
struct EventRepr {
    time: Time,
    #[serde(flatten)]
    kind: EventKind,
}

impl From<EventRecord> for EventRepr {
    fn from(e: EventRecord) -> Self {
        EventRepr {
            time: e.time,
            kind: e.kind(),
        }
    }
}

impl From<EventRepr> for EventRecord {
    fn from(r: EventRepr) -> Self {
        EventRecord::new(r.time, r.kind)
    }
}

const ID_MASK: u64 = (1 << 37) - 1;

fn pack_msg(msg: MsgId, from: NodeId, to: NodeId, kind: u8) -> u64 {
    (msg & ID_MASK) | u64::from(from.0) << 37 | u64::from(to.0) << 45 | u64::from(kind & 0x1f) << 53
}

impl EventRecord {
    pub fn new(time: Time, kind: EventKind) -> Self {
        let packed = match kind {
            EventKind::Deliver {
                msg,
                from,
                to,
                kind,
            } => pack_msg(msg, from, to, kind),
            EventKind::Loss {
                msg,
                from,
                to,
                kind,
                reason,
            } => pack_msg(msg, from, to, kind) | (reason as u64) << 58 | 1 << 61,
            EventKind::Timer { timer, node } => {
                (timer & ID_MASK) | u64::from(node.0) << 37 | 2 << 61
            }
            EventKind::Request { request, node } => {
                (request & ID_MASK) | u64::from(node.0) << 37 | 3 << 61
            }
            EventKind::Action { index } => u64::from(index) | 4 << 61,
        };
        EventRecord { time, packed }
    }

    pub fn kind(&self) -> EventKind {
        let p = self.packed;
        let id = p & ID_MASK;
        let a = NodeId((p >> 37) as u8);
        let b = NodeId((p >> 45) as u8);
        let kind = ((p >> 53) & 0x1f) as u8;
        match p >> 61 {
            0 => EventKind::Deliver {
                msg: id,
                from: a,
                to: b,
                kind,
            },
            1 => EventKind::Loss {
                msg: id,
                from: a,
                to: b,
                kind,
                reason: LossReason::ALL[((p >> 58) & 0x3) as usize],
            },
            2 => EventKind::Timer { timer: id, node: a },
            3 => EventKind::Request {
                request: id,
                node: a,
            },
            _ => EventKind::Action { index: p as u32 },
        }
    }

    /// The node the event happened at, if one.
    pub fn node(&self) -> Option<NodeId> {
        match self.kind() {
            EventKind::Deliver { to, .. } | EventKind::Loss { to, .. } => Some(to),
            EventKind::Timer { node, .. } | EventKind::Request { node, .. } => Some(node),
            EventKind::Action { .. } => None,
        }
    }
}

/// What the timeline marks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum MarkerKind {
    Leader { node: NodeId, term: u64 },
    Commit { committed: u64 },
    Fault { text: String },
    Violation { invariant: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    /// The event number it happened at (1-based: after that many events).
    pub event: u64,
    pub time: Time,
    #[serde(flatten)]
    pub kind: MarkerKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRecord {
    pub event: u64,
    pub time: Time,
    #[serde(flatten)]
    pub violation: Violation,
}

/// A message's whole life, for the space-time diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MessageSpan {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: u8,
    pub sent: Time,
    /// When it arrived or died.
    pub end: Time,
    pub lost: Option<LossReason>,
}

/// A run's full history up to the furthest point reached (the horizon).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct History {
    pub events: Events,
    pub actions: Vec<ActionRecord>,
    pub markers: Vec<Marker>,
    pub violations: Vec<ViolationRecord>,
    /// When each message was sent: message `id` is entry `id - 1`. Everything else about a
    /// message is in the event that ended it, so an hour of messages costs 4 bytes each.
    pub sent: Times,
    /// The longest any message travelled, to bound searches by time.
    pub max_travel: Time,
}

impl History {
    /// Forget everything after event `k`: the user changed the past. `next_msg` is the first
    /// message id not yet sent at `k`.
    pub fn truncate(&mut self, k: u64, next_msg: MsgId) {
        self.events.truncate(k as usize);
        self.actions.retain(|a| a.event < k);
        self.markers.retain(|m| m.event <= k);
        self.violations.retain(|v| v.event <= k);
        self.sent.truncate(next_msg as usize - 1);
    }

    /// The message event `e` ended (delivered or lost), if it ended one.
    pub fn ended(&self, e: &EventRecord) -> Option<MessageSpan> {
        let (msg, from, to, kind, lost) = match e.kind() {
            EventKind::Deliver {
                msg,
                from,
                to,
                kind,
            } => (msg, from, to, kind, None),
            EventKind::Loss {
                msg,
                from,
                to,
                kind,
                reason,
            } => (msg, from, to, kind, Some(reason)),
            _ => return None,
        };
        Some(MessageSpan {
            id: msg,
            from,
            to,
            kind,
            sent: self.sent.get(msg as usize - 1)?,
            end: e.time,
            lost,
        })
    }

    /// The events that may end a message in the air at some point in `t0..=t1`.
    pub fn ending_between(&self, t0: Time, t1: Time) -> std::ops::Range<usize> {
        let first = self.events_until(t0.saturating_sub(1)) as usize;
        let last = self.events_until(t1.saturating_add(self.max_travel)) as usize;
        first..last
    }

    /// Messages that ended (arrived or died) and were in the air at some point in `t0..=t1`.
    /// Those still in flight at the horizon are in the simulation's snapshot instead.
    pub fn messages_between(&self, t0: Time, t1: Time) -> Vec<MessageSpan> {
        self.events
            .range(self.ending_between(t0, t1))
            .filter_map(|e| self.ended(&e))
            .filter(|m| m.sent <= t1)
            .collect()
    }

    /// Message `id`'s span, if it ended within the first `k` events.
    pub fn message(&self, id: MsgId, k: u64) -> Option<MessageSpan> {
        let sent = self.sent.get((id as usize).checked_sub(1)?)?;
        let range = self.ending_between(sent, sent);
        let last = range.end.min(k as usize);
        self.events
            .range(range.start.min(last)..last)
            .filter_map(|e| self.ended(&e))
            .find(|m| m.id == id)
    }

    /// How many events happened at or before `t`.
    pub fn events_until(&self, t: Time) -> u64 {
        self.events.times.partition_point(|e| e <= t) as u64
    }
}

/// The events of a run, in 12 bytes each instead of 16: the packed kinds beside a column of
/// [`Times`]. An hour of the reference workload is about a million events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<EventRecord>", into = "Vec<EventRecord>")]
pub struct Events {
    times: Times,
    kinds: Vec<u64>,
}

impl Events {
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// Event `i` (0-based: the event numbered `i + 1`).
    pub fn get(&self, i: usize) -> Option<EventRecord> {
        Some(EventRecord {
            time: self.times.get(i)?,
            packed: self.kinds[i],
        })
    }

    pub fn last(&self) -> Option<EventRecord> {
        self.get(self.len().checked_sub(1)?)
    }

    pub fn push(&mut self, e: EventRecord) {
        self.times.push(e.time);
        super::push_tight(&mut self.kinds, e.packed);
    }

    /// Keeps the first `n` events.
    pub fn truncate(&mut self, n: usize) {
        self.times.truncate(n);
        self.kinds.truncate(n);
    }

    /// Events `r` (0-based, clamped to those recorded), in order.
    pub fn range(
        &self,
        r: std::ops::Range<usize>,
    ) -> impl DoubleEndedIterator<Item = EventRecord> + '_ {
        (r.start.min(self.len())..r.end.min(self.len())).filter_map(|i| self.get(i))
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = EventRecord> + '_ {
        self.range(0..self.len())
    }
}

impl From<Vec<EventRecord>> for Events {
    fn from(events: Vec<EventRecord>) -> Self {
        let mut all = Events::default();
        for e in events {
            all.push(e);
        }
        all
    }
}

impl From<Events> for Vec<EventRecord> {
    fn from(all: Events) -> Self {
        all.iter().collect()
    }
}

/// A column of times in 4 bytes each instead of 8, for when each message was sent and when
/// each event happened: a run's clock never goes back, so each block of [`Times::BLOCK`]
/// entries keeps the time of its first and every entry its offset from that. A time an
/// offset cannot hold is kept whole on the side.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<Time>", into = "Vec<Time>")]
pub struct Times {
    /// The time of each block's first message.
    bases: Vec<Time>,
    /// Each message's time after its block's base; [`FAR`](Self::FAR) when kept in `far`.
    offsets: Vec<u32>,
    /// The times before their block's base or too long after it, by position.
    far: BTreeMap<usize, Time>,
}

impl Times {
    /// Entries per block: a block spans about a second of a busy run, far below an offset's reach
    /// (71 minutes of microseconds).
    pub const BLOCK: usize = 256;
    const FAR: u32 = u32::MAX;

    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// The time of entry `i`.
    pub fn get(&self, i: usize) -> Option<Time> {
        match *self.offsets.get(i)? {
            Self::FAR => self.far.get(&i).copied(),
            off => Some(self.bases[i / Self::BLOCK] + Time::from(off)),
        }
    }

    pub fn push(&mut self, t: Time) {
        let i = self.offsets.len();
        if i % Self::BLOCK == 0 {
            super::push_tight(&mut self.bases, t);
        }
        let off = t
            .checked_sub(self.bases[i / Self::BLOCK])
            .and_then(|d| u32::try_from(d).ok())
            .filter(|&d| d != Self::FAR);
        if off.is_none() {
            self.far.insert(i, t);
        }
        super::push_tight(&mut self.offsets, off.unwrap_or(Self::FAR));
    }

    /// Keeps the first `n` entries.
    pub fn truncate(&mut self, n: usize) {
        self.offsets.truncate(n);
        self.bases.truncate(n.div_ceil(Self::BLOCK));
        self.far.split_off(&n);
    }

    pub fn iter(&self) -> impl Iterator<Item = Time> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// How many entries come before the first for which `pred` is false, if `pred` holds for
    /// a prefix (as `<= t` does of times that never go back): a binary search.
    pub fn partition_point(&self, pred: impl Fn(Time) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid).is_some_and(&pred) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

impl From<Vec<Time>> for Times {
    fn from(times: Vec<Time>) -> Self {
        let mut s = Times::default();
        for t in times {
            s.push(t);
        }
        s
    }
}

impl From<Times> for Vec<Time> {
    fn from(s: Times) -> Self {
        s.iter().collect()
    }
}

#[cfg(test)]
mod times_tests {
    use super::*;

    /// Every kind of time: steady, equal, a block boundary, a long silence that an offset
    /// cannot hold, and one before its block's base (which a run never makes, but a file could).
    fn times() -> Vec<Time> {
        let mut t: Vec<Time> = (0..600).map(|i| 1_000 + i * 37).collect();
        t.push(t[599]);
        t.push(10_000_000_000);
        t.extend((0..300).map(|i| 10_000_000_000 + i));
        t.push(5);
        t.push(10_000_000_400);
        t
    }

    #[test]
    fn every_time_comes_back_exactly() {
        let want = times();
        let s = Times::from(want.clone());
        assert_eq!(s.len(), want.len());
        assert_eq!(s.iter().collect::<Vec<_>>(), want);
        assert_eq!(s.get(want.len()), None);
        // The silence and the rest of its block (entries 601 to 767), and the time that went
        // back; the next block starts after the silence.
        assert_eq!(s.far.len(), (768 - 601) + 1);
        assert_eq!(s.bases.len(), want.len().div_ceil(Times::BLOCK));
    }

    #[test]
    fn truncating_forgets_the_tail_then_pushes_as_if_it_never_was() {
        let all = times();
        for n in [0, 1, 255, 256, 257, 601, 602, 700, all.len()] {
            let mut s = Times::from(all.clone());
            s.truncate(n);
            assert_eq!(s, Times::from(all[..n].to_vec()), "at {n}");
            s.push(20_000_000_000);
            let mut want = all[..n].to_vec();
            want.push(20_000_000_000);
            assert_eq!(s, Times::from(want), "at {n}");
        }
    }

    #[test]
    fn it_serializes_as_the_list_of_times() {
        let s = Times::from(vec![3, 5, 8]);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "[3,5,8]");
        assert_eq!(serde_json::from_str::<Times>(&json).unwrap(), s);
    }
}

#[cfg(test)]
mod events_tests {
    use super::*;

    /// Events of every kind at the times of `times_tests`: steady, a block boundary, a silence
    /// an offset cannot hold, and (from a file) a time that goes back.
    fn events() -> Vec<EventRecord> {
        let kinds = [
            EventKind::Deliver {
                msg: 17,
                from: NodeId(1),
                to: NodeId(2),
                kind: 3,
            },
            EventKind::Loss {
                msg: ID_MASK,
                from: NodeId(9),
                to: NodeId(1),
                kind: 31,
                reason: LossReason::Dropped,
            },
            EventKind::Timer {
                timer: 5,
                node: NodeId(4),
            },
            EventKind::Request {
                request: 8,
                node: NodeId(3),
            },
            EventKind::Action { index: u32::MAX },
        ];
        let mut times: Vec<Time> = (0..600).map(|i| 1_000 + i * 37).collect();
        times.extend([30_000_000_000, 30_000_000_001, 5, 30_000_000_002]);
        times
            .into_iter()
            .zip(kinds.iter().cycle())
            .map(|(t, &k)| EventRecord::new(t, k))
            .collect()
    }

    #[test]
    fn every_event_comes_back_exactly() {
        let want = events();
        let all = Events::from(want.clone());
        assert_eq!(all.len(), want.len());
        assert_eq!(all.iter().collect::<Vec<_>>(), want);
        assert_eq!(all.last(), want.last().copied());
        assert_eq!(all.get(want.len()), None);
        for r in [0..0, 0..1, 255..257, 598..604, 600..9_999] {
            let slice = &want[r.start.min(want.len())..r.end.min(want.len())];
            assert_eq!(all.range(r.clone()).collect::<Vec<_>>(), slice, "{r:?}");
        }
        assert_eq!(Events::default().last(), None);
    }

    #[test]
    fn truncating_then_pushing_is_as_if_the_tail_never_was() {
        let all = events();
        for n in [0, 1, 255, 256, 257, 600, 601, all.len()] {
            let mut e = Events::from(all.clone());
            e.truncate(n);
            assert_eq!(e, Events::from(all[..n].to_vec()), "at {n}");
            e.push(all[0]);
            let mut want = all[..n].to_vec();
            want.push(all[0]);
            assert_eq!(e, Events::from(want), "at {n}");
        }
    }

    #[test]
    fn events_until_a_time_counts_by_binary_search() {
        let mut h = History::default();
        for e in events().into_iter().take(602) {
            h.events.push(e);
        }
        assert_eq!(h.events_until(0), 0);
        assert_eq!(h.events_until(1_000), 1);
        assert_eq!(h.events_until(1_036), 1);
        assert_eq!(h.events_until(1_037), 2);
        assert_eq!(h.events_until(1_000 + 599 * 37), 600);
        assert_eq!(h.events_until(29_999_999_999), 600);
        assert_eq!(h.events_until(30_000_000_000), 601);
        assert_eq!(h.events_until(Time::MAX), 602);
    }

    #[test]
    fn it_serializes_as_the_list_of_events() {
        let want = events()[..3].to_vec();
        let json = serde_json::to_string(&Events::from(want.clone())).unwrap();
        assert_eq!(json, serde_json::to_string(&want).unwrap());
        assert_eq!(
            serde_json::from_str::<Events>(&json).unwrap(),
            Events::from(want)
        );
    }
}
