//! The sans-IO node interface every protocol implements.
//!
//! A protocol never sees the clock's randomness, the network or the history: its handlers take one
//! event and push effects into an [`Out`]. The simulator turns those effects into deliveries,
//! timers, stable storage and the trace. Configuration lives in `&self`, state is a plain value, so
//! a checkpoint is a clone and a handler is unit-tested by feeding an event and comparing effects.

use serde::{Deserialize, Serialize};
use std::fmt::{self, Debug};
use std::hash::Hash;

mod perm;
pub use perm::Perm;

/// Virtual time in microseconds.
pub type Time = u64;

pub const MS: Time = 1_000;
pub const SECOND: Time = 1_000_000;

/// A node's identity, 1-based as in the papers' S1..S5.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct NodeId(pub u8);

impl NodeId {
    /// Position in per-node vectors.
    pub fn idx(self) -> usize {
        usize::from(self.0) - 1
    }
    pub fn from_idx(i: usize) -> Self {
        NodeId(u8::try_from(i + 1).expect("at most 255 nodes"))
    }
    /// Ids as narration and the inspector list them: `S1, S3, S4`.
    pub fn list(ids: &[NodeId]) -> String {
        ids.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// All ids of a cluster of `n` nodes.
    pub fn all(n: usize) -> impl Iterator<Item = NodeId> + Clone {
        (0..n).map(NodeId::from_idx)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S{}", self.0)
    }
}

/// A client command, tagged with a unique id so that acknowledgements can be traced back to log
/// entries: the counter transaction `counter += delta`, or, under `workload=kv`, an operation on
/// the key-value store (then `delta` is 0). The operation is written only when there is one, so
/// counter runs serialize as before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub delta: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<KvOp>,
}

impl Request {
    /// `counter += delta`.
    pub fn counter(id: u64, delta: i64) -> Request {
        Request {
            id,
            delta,
            op: None,
        }
    }
    /// An operation on the key-value store.
    pub fn kv(id: u64, op: KvOp) -> Request {
        Request {
            id,
            delta: 0,
            op: Some(op),
        }
    }
    /// What it does, for narration: `counter += 3`, `write(x, 2)`.
    pub fn describe(&self) -> String {
        match self.op {
            Some(op) => op.to_string(),
            None => format!("counter += {}", self.delta),
        }
    }
    /// Short, for a log cell: `+3`, `w x=2`.
    pub fn short(&self) -> String {
        match self.op {
            Some(op) => op.short(),
            None => format!("+{}", self.delta),
        }
    }
}

/// The names of the store's keys: key `k` is `KEY_NAMES[k]`.
pub const KEY_NAMES: [&str; 3] = ["x", "y", "z"];

/// An operation of the key-value workload on one of a few keys ([`KEY_NAMES`]), each a register
/// holding an integer or nothing: Knossos's cas-register, one per key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "lowercase")]
pub enum KvOp {
    Read {
        key: u8,
    },
    Write {
        key: u8,
        value: i64,
    },
    /// Compare-and-set: set `new` if the key holds `old`.
    Cas {
        key: u8,
        old: i64,
        new: i64,
    },
}

impl KvOp {
    pub fn key(self) -> u8 {
        match self {
            KvOp::Read { key } | KvOp::Write { key, .. } | KvOp::Cas { key, .. } => key,
        }
    }
    /// The key's name; keys past the list read as `k3`, `k4`...
    pub fn key_name(self) -> String {
        key_name(self.key())
    }
    pub fn is_read(self) -> bool {
        matches!(self, KvOp::Read { .. })
    }
    fn short(self) -> String {
        let k = self.key_name();
        match self {
            KvOp::Read { .. } => format!("r {k}"),
            KvOp::Write { value, .. } => format!("w {k}={value}"),
            KvOp::Cas { old, new, .. } => format!("{k} {old}→{new}"),
        }
    }
}

/// A key's name: `x`, `y`, `z`, then `k3`, `k4`...
pub fn key_name(key: u8) -> String {
    KEY_NAMES
        .get(usize::from(key))
        .map_or_else(|| format!("k{key}"), |k| (*k).to_string())
}

impl fmt::Display for KvOp {
    /// As the history names it: `read(x)`, `write(x, 2)`, `cas(x, 1, 3)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = self.key_name();
        match *self {
            KvOp::Read { .. } => write!(f, "read({k})"),
            KvOp::Write { value, .. } => write!(f, "write({k}, {value})"),
            KvOp::Cas { old, new, .. } => write!(f, "cas({k}, {old}, {new})"),
        }
    }
}

/// What the store answered an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KvResult {
    /// A read: the key's value, `None` if it was never written.
    Read(Option<i64>),
    Written,
    /// A cas: whether the key held the expected value (and now holds the new one).
    Cas(bool),
}

impl fmt::Display for KvResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvResult::Read(Some(v)) => write!(f, "{v}"),
            KvResult::Read(None) => f.write_str("nil"),
            KvResult::Written | KvResult::Cas(true) => f.write_str("ok"),
            KvResult::Cas(false) => f.write_str("fail"),
        }
    }
}

/// A change of the cluster's membership an administrator asks of the leader: servers to add and
/// servers to remove (`add S6`, `remove S2`, `replace S1 with S6`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConfChange {
    pub add: Vec<NodeId>,
    pub remove: Vec<NodeId>,
}

/// A node's picture of the cluster's membership, for the page: its latest configuration and
/// whom it is bringing in. Only protocols with membership changes have one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Members {
    /// The voters: C_new during joint consensus.
    pub voters: Vec<NodeId>,
    /// The configuration being left while a change is in flight: C_old during joint
    /// consensus, or the one before an uncommitted single-server change; empty otherwise.
    pub old: Vec<NodeId>,
    /// Joint consensus: a decision needs a majority of `old` and of `voters`.
    pub joint: bool,
    /// Servers catching up as non-voting learners.
    pub learners: Vec<NodeId>,
}

/// What a node answers a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// The request is durable in the replicated state: it was applied at `index` and the counter
    /// then held `value`.
    Committed { index: u64, value: i64 },
    /// Not the leader; try this one if known.
    Redirect(Option<NodeId>),
    /// Cannot serve the request now (e.g. a 2PC participant holding a lock); not retried.
    Rejected(String),
    /// A key-value operation took effect at `index` of the replicated state (a read served
    /// elsewhere than the log says where it was ordered) with this result.
    Applied { index: u64, result: KvResult },
}

/// An effect a handler asks the simulator to carry out.
#[derive(Clone, Debug)]
pub enum Effect<P: Protocol> {
    Send {
        to: NodeId,
        msg: P::Msg,
    },
    /// (Re)arm `timer` to fire after a delay the simulator draws from `min..=max`.
    SetTimer {
        timer: P::Timer,
        min: Time,
        max: Time,
    },
    CancelTimer(P::Timer),
    /// Write the durable state to stable storage; a restarted node gets the last one written.
    Persist(P::Durable),
    Reply {
        request: u64,
        reply: Reply,
    },
    /// One plain-English sentence on what happened and why.
    Narrate(String),
}

// By hand: a derive would demand `P: PartialEq`, but only the effect's contents matter.
impl<P: Protocol> PartialEq for Effect<P> {
    fn eq(&self, other: &Self) -> bool {
        use Effect::*;
        match (self, other) {
            (Send { to: a, msg: m }, Send { to: b, msg: n }) => a == b && m == n,
            (
                SetTimer {
                    timer: t,
                    min: a,
                    max: b,
                },
                SetTimer {
                    timer: u,
                    min: c,
                    max: d,
                },
            ) => t == u && a == c && b == d,
            (CancelTimer(a), CancelTimer(b)) => a == b,
            (Persist(a), Persist(b)) => a == b,
            (
                Reply {
                    request: a,
                    reply: r,
                },
                Reply {
                    request: b,
                    reply: s,
                },
            ) => a == b && r == s,
            (Narrate(a), Narrate(b)) => a == b,
            _ => false,
        }
    }
}

/// The effects one handler produced, in order.
pub struct Out<P: Protocol> {
    pub effects: Vec<Effect<P>>,
    narrating: bool,
}

impl<P: Protocol> Out<P> {
    /// `narrating` off skips formatting sentences nobody will read (benchmarks, property tests).
    pub fn new(narrating: bool) -> Self {
        Out {
            effects: Vec::new(),
            narrating,
        }
    }
    pub fn send(&mut self, to: NodeId, msg: P::Msg) {
        self.effects.push(Effect::Send { to, msg });
    }
    pub fn broadcast(&mut self, me: NodeId, n: usize, msg: impl Fn(NodeId) -> P::Msg) {
        for to in NodeId::all(n).filter(|&to| to != me) {
            self.send(to, msg(to));
        }
    }
    pub fn set_timer(&mut self, timer: P::Timer, min: Time, max: Time) {
        self.effects.push(Effect::SetTimer { timer, min, max });
    }
    pub fn cancel_timer(&mut self, timer: P::Timer) {
        self.effects.push(Effect::CancelTimer(timer));
    }
    pub fn persist(&mut self, durable: P::Durable) {
        self.effects.push(Effect::Persist(durable));
    }
    pub fn reply(&mut self, request: u64, reply: Reply) {
        self.effects.push(Effect::Reply { request, reply });
    }
    pub fn narrating(&self) -> bool {
        self.narrating
    }
    /// Use through the `narrate!` macro so the sentence is only formatted
    /// when someone reads it.
    pub fn narrate(&mut self, line: String) {
        self.effects.push(Effect::Narrate(line));
    }
    /// The effects without narration, for tests that assert behaviour, not wording.
    pub fn actions(&self) -> Vec<Effect<P>> {
        self.effects
            .iter()
            .filter(|e| !matches!(e, Effect::Narrate(_)))
            .cloned()
            .collect()
    }
    pub fn narration(&self) -> Vec<&str> {
        self.effects
            .iter()
            .filter_map(|e| match e {
                Effect::Narrate(s) => Some(s.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// `narrate!(out, "S{} votes", id)`: formats only when the output is narrating.
macro_rules! narrate {
    ($out:expr, $($arg:tt)*) => {
        if $out.narrating() {
            $out.narrate(format!($($arg)*));
        }
    };
}
pub(crate) use narrate;

/// A protocol message, as the views and the trace describe it.
///
/// `Eq + Hash` let the explorer (`lab explore`) fingerprint the messages in flight.
pub trait Message: Clone + Debug + PartialEq + Eq + Hash + Serialize {
    /// Index into [`Present::MESSAGE_KINDS`].
    fn kind(&self) -> usize;
    /// A short label for the message in flight, e.g. `AE t3 [4..6]`.
    fn label(&self) -> String;
    /// Every field, for the inspector.
    fn fields(&self) -> Vec<(String, String)>;
}

/// A timer's role, as the views describe it.
pub trait TimerKind: Clone + Debug + Ord + Hash + Serialize {
    /// The kinds of timer, by name, without what a timer carries (`votes`, not `votes #3`):
    /// the names `lab explore --timer-budget` bounds each kind by.
    const KINDS: &'static [&'static str];
    fn label(&self) -> String;
    /// This timer's kind, an index into [`KINDS`](Self::KINDS).
    fn kind(&self) -> usize;
}

/// How a node looks in the cluster view; built by the protocol, drawn by the app.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeSummary {
    /// Role or state in words: "leader", "candidate", "prepared (blocked)"...
    pub role: String,
    /// A css-friendly role class the app colours by (always shown with `role` as text).
    pub class: &'static str,
    /// Term, ballot or transaction number as a number, for tests and ordering.
    pub term: u64,
    /// How to say it: "term 3", "ballot 2.1".
    pub term_label: String,
    /// The last few log cells or decisions, oldest first.
    pub log: Vec<LogCell>,
    /// Entries (or slots, or transactions) in total.
    pub log_len: u64,
    /// How many of them are committed / chosen / decided.
    pub committed: u64,
    /// The state machine's value (the counter), where there is one.
    pub value: Option<i64>,
    /// Commit protocols: the outcome of the newest transaction this node has decided, while it
    /// holds no lock (`term_label` then names that transaction). The cluster draws it on the
    /// node, the tests read it there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

/// A transaction's outcome, as a commit protocol's node shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Commit,
    Abort,
}

impl Decision {
    pub fn from_commit(commit: bool) -> Self {
        if commit {
            Decision::Commit
        } else {
            Decision::Abort
        }
    }

    /// The word in `data-decision` and the CSS class.
    pub fn slug(self) -> &'static str {
        match self {
            Decision::Commit => "commit",
            Decision::Abort => "abort",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogCell {
    /// 1-based position (index, slot, transaction id).
    pub index: u64,
    /// Term or ballot of the entry, shown as the cell's colour band.
    pub term: u64,
    pub text: String,
    pub committed: bool,
    /// Commit protocols: the transaction's outcome on this node, so the strip tells a
    /// committed #1 from an aborted #1 (the term band alone is one colour per transaction).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Decision>,
}

/// At most this many columns of a state table are drawn, the newest; a row builds no more
/// than its last this many.
pub const TABLE_COLUMNS: u64 = 60;

/// The state table under the cluster: one row per node, aligned by a column key (log index,
/// slot, transaction id) or by named columns (an acceptor's promise and acceptance). Built by
/// the protocol row by row, assembled by the simulator.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StateTable {
    /// The table's name for people: "Log grid: every node's log by index".
    pub title: String,
    /// What a column is, e.g. "index", "slot", "txn"; empty for named columns.
    pub unit: String,
    /// Column keys and headers, in order: "1", "2"... or "promised", "accepted"...
    pub columns: Vec<(u64, String)>,
    /// Whether cells are log entries aligned by key (Raft, Multi-Paxos) rather than named
    /// fields or transactions.
    pub log: bool,
    /// Older columns left out (a long log shows its newest): keys 1..=hidden.
    pub hidden: u64,
    /// One line for a first-time reader: what solid, dashed, the colours and the marks mean.
    pub legend: Vec<String>,
    pub rows: Vec<TableRow>,
}

/// A node's row of the state table.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TableRow {
    pub node: NodeId,
    /// Down: the row shows what the node persisted, and says so.
    pub up: bool,
    /// Short notes shown beside the node's name: "applied 3", "next 5 · match 4".
    pub notes: Vec<String>,
    pub cells: Vec<TableCell>,
    pub marks: Vec<TableMark>,
    /// A snapshot standing for the log before `cells` (Raft's log compaction), drawn as one box
    /// at the left: its key is the last index it covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<TableCell>,
}

/// One cell: a log entry, a slot, a transaction or a named field.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TableCell {
    /// The column it sits in (1-based index, slot or transaction id; for named columns the
    /// column's key).
    pub key: u64,
    /// Term, ballot round or transaction id: the cell's colour; 0 for none.
    pub term: u64,
    /// What the cell says, kept short: "3", "2.1", "yes".
    pub text: String,
    /// A second, smaller line: the command ("+5", "no-op"), the lock...
    pub sub: String,
    /// Committed, chosen, decided or learned: drawn solid; otherwise dashed.
    pub committed: bool,
    /// A css-friendly tone for cells not coloured by term: "commit", "abort", "pending",
    /// "blocked", "noop"; empty for a term colour.
    pub tone: &'static str,
    /// Everything in words, for the tooltip and screen readers.
    pub detail: String,
}

/// A mark under a cell of a row: the leader's nextIndex and matchIndex for a follower, the
/// last applied entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableMark {
    pub key: u64,
    /// A css-friendly kind: "applied", "match", "next".
    pub kind: &'static str,
    /// The glyph drawn ("✓", "▲", "▷"), explained in the table's legend.
    pub glyph: &'static str,
    /// In words, for the tooltip: "nextIndex 5 (S1's view)".
    pub label: String,
}

/// How the protocol's table is laid out: the unit of its columns (or its named columns) and
/// the legend.
#[derive(Clone, Debug, PartialEq)]
pub struct TableLayout {
    pub title: &'static str,
    /// "index", "slot", "txn"; empty with named columns.
    pub unit: &'static str,
    /// Written before a column's key in its header: "#" for "#3".
    pub prefix: &'static str,
    /// Named columns (key, header), for tables that are not aligned by a key.
    pub named: Vec<(u64, &'static str)>,
    pub log: bool,
    pub legend: Vec<String>,
}

/// One block of the inspector: a list of fields or a table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Section {
    Fields {
        title: String,
        fields: Vec<(String, String)>,
    },
    Table {
        title: String,
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// A sans-IO protocol, in the spirit of stateright's `Actor`: configuration in `self`, one value
/// of `State` per live node, and a handler per event. How it looks to people is [`Present`].
pub trait Protocol: Clone + Debug + Sized + 'static {
    type Msg: Message;
    type Timer: TimerKind;
    /// Survives a crash: what the node last persisted.
    type Durable: Clone + Debug + Default + PartialEq + Eq + Hash + Serialize;
    /// Everything else; lost on a crash. `Eq + Hash` (like the messages', timers' and
    /// storage's) let the explorer tell states apart and fingerprint them.
    type State: Clone + Debug + Eq + Hash + Serialize;

    /// Display name, e.g. "Raft".
    const NAME: &'static str;

    fn cluster_size(&self) -> usize;
    /// A node starts, or restarts with what it persisted before its crash.
    fn on_start(&self, id: NodeId, durable: &Self::Durable, out: &mut Out<Self>) -> Self::State;
    fn on_msg(&self, s: &mut Self::State, from: NodeId, msg: Self::Msg, out: &mut Out<Self>);
    fn on_timer(&self, s: &mut Self::State, timer: Self::Timer, out: &mut Out<Self>);
    fn on_request(&self, s: &mut Self::State, req: Request, out: &mut Out<Self>);

    /// Why the leader `s` cannot start a membership change now, or `None` when it can. Only
    /// protocols with membership changes accept one; the simulator asks before it records the
    /// action, so a refusal is a message, never a recorded no-op.
    fn reconfigure_refusal(&self, _s: &Self::State, _change: &ConfChange) -> Option<String> {
        Some(format!("{} has a fixed membership", Self::NAME))
    }
    /// The leader starts a membership change that [`reconfigure_refusal`](Self::reconfigure_refusal)
    /// accepted.
    fn on_reconfigure(&self, _s: &mut Self::State, _change: &ConfChange, _out: &mut Out<Self>) {}

    /// Whom a client should send requests to first (e.g. 2PC's coordinator).
    fn client_target(&self) -> NodeId {
        NodeId(1)
    }
}

/// A protocol's state for people: the node on the cluster view, the inspector and the state
/// table. Each protocol implements it in its `present.rs`; no handler reads it, so a change here
/// changes no trace.
pub trait Present: Protocol {
    /// Names of the message kinds, indexed by [`Message::kind`].
    const MESSAGE_KINDS: &'static [&'static str];

    fn summary(&self, s: &Self::State) -> NodeSummary;
    fn inspect(&self, s: &Self::State) -> Vec<Section>;
    /// How a crashed node looks: what its stable storage holds.
    fn inspect_durable(&self, d: &Self::Durable) -> Vec<Section>;

    /// The state table's layout: its column unit or named columns, and its legend.
    fn table_layout(&self) -> TableLayout;
    /// A live node's row of the state table (the simulator fills in `node` and `up`).
    fn table_row(&self, s: &Self::State) -> TableRow;
    /// A crashed node's row: what its stable storage holds.
    fn table_row_durable(&self, d: &Self::Durable) -> TableRow;
    /// Marks a node puts on other nodes' rows, with the rank that decides whose marks are
    /// shown (the leader of the highest term): e.g. a Raft leader's nextIndex and matchIndex
    /// per follower. `None` when it has nothing to mark.
    fn table_marks(&self, _s: &Self::State) -> Option<(u64, Vec<(NodeId, TableMark)>)> {
        None
    }
    /// The membership as this node sees it; `None` for a fixed membership.
    fn members(&self, _s: &Self::State) -> Option<Members> {
        None
    }
}
