//! What happened: a compact record per event, the user's actions with their position, markers
//! for the timeline and the violations found. Everything here is plain data and serde-ready.

use crate::node::{NodeId, Time, Violation};
use crate::sim::settings::NetworkSettings;
use serde::{Deserialize, Serialize};

pub type MsgId = u64;
pub type TimerId = u64;

/// Something the user did. Ids of messages and timers are deterministic under replay, so an
/// action recorded against one is valid again when the run is replayed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "kebab-case")]
pub enum Action {
    Crash { node: NodeId },
    Restart { node: NodeId },
    RestartAll,
    /// Split the cluster into these groups; nodes not named form one more group.
    Partition { groups: Vec<Vec<NodeId>> },
    /// Cut one node off from every other.
    Isolate { node: NodeId },
    /// Cut a single link, both directions.
    CutLink { a: NodeId, b: NodeId },
    Heal,
    Drop { msg: MsgId },
    Deliver { msg: MsgId },
    Duplicate { msg: MsgId },
    FireTimer { timer: TimerId },
    Request { node: NodeId, delta: i64 },
    SetNetwork { network: NetworkSettings },
    /// Make every pending timer fire at the same moment (provokes split votes).
    AlignTimers,
    /// Redraw every pending timer from its own range.
    SpreadTimers,
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

    pub fn describe(&self) -> String {
        match self {
            Action::Crash { node } => format!("crash {node}"),
            Action::Restart { node } => format!("restart {node}"),
            Action::RestartAll => "restart all crashed nodes".into(),
            Action::Partition { groups } => format!(
                "partition {}",
                groups
                    .iter()
                    .map(|g| g.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" "))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
            Action::Isolate { node } => format!("isolate {node}"),
            Action::CutLink { a, b } => format!("cut link {a}-{b}"),
            Action::Heal => "heal the network".into(),
            Action::Drop { msg } => format!("drop message #{msg}"),
            Action::Deliver { msg } => format!("deliver message #{msg} now"),
            Action::Duplicate { msg } => format!("duplicate message #{msg}"),
            Action::FireTimer { timer } => format!("fire timer #{timer} now"),
            Action::Request { node, delta } => format!("client request counter += {delta} to {node}"),
            Action::SetNetwork { network } => format!(
                "network: latency {}..{}, loss {}%, duplication {}%",
                crate::sim::settings::fmt_time(network.latency_min),
                crate::sim::settings::fmt_time(network.latency_max),
                f64::from(network.loss_ppm) / 10_000.0,
                f64::from(network.dup_ppm) / 10_000.0
            ),
            Action::AlignTimers => "align every timer".into(),
            Action::SpreadTimers => "spread timers apart".into(),
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
    pub fn describe(self) -> &'static str {
        match self {
            LossReason::Lost => "lost by the network",
            LossReason::Partitioned => "cut off by a partition",
            LossReason::ReceiverDown => "the receiver is down",
            LossReason::Dropped => "dropped by the user",
        }
    }
}

/// One event of the trace, 24 bytes: enough to index, hash and draw it.
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    pub time: Time,
    #[serde(flatten)]
    pub kind: EventKind,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: u8,
    pub sent: Time,
    /// When it arrived or died; `None` while in flight.
    pub end: Option<Time>,
    pub lost: Option<LossReason>,
}

/// A run's full history up to the furthest point reached (the horizon).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct History {
    pub events: Vec<EventRecord>,
    pub actions: Vec<ActionRecord>,
    pub markers: Vec<Marker>,
    pub violations: Vec<ViolationRecord>,
    pub messages: Vec<MessageRecord>,
}

impl History {
    /// Forget everything after event `k`: the user changed the past. `next_msg` is the first
    /// message id not yet sent at `k`, `in_flight` tells which were still travelling then.
    pub fn truncate(&mut self, k: u64, next_msg: MsgId, in_flight: impl Fn(MsgId) -> bool) {
        self.events.truncate(k as usize);
        self.actions.retain(|a| a.event < k);
        self.markers.retain(|m| m.event <= k);
        self.violations.retain(|v| v.event <= k);
        self.messages.retain(|m| m.id < next_msg);
        for m in &mut self.messages {
            if in_flight(m.id) {
                m.end = None;
                m.lost = None;
            }
        }
    }

    /// How many events happened at or before `t`.
    pub fn events_until(&self, t: Time) -> u64 {
        self.events.partition_point(|e| e.time <= t) as u64
    }
}
