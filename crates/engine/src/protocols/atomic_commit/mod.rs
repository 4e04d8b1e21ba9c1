//! What Two-Phase and Three-Phase Commit share (Gray's "Notes on Data Base Operating Systems";
//! Bernstein, Hadzilacos and Goodman ch. 7): the roles, the write-ahead log of transaction
//! records on stable storage with the shard's lock and counter, and what logging a decision
//! does to them.
//!
//! S1 coordinates and S2..Sn each own one shard with a counter; a transaction adds its delta to
//! every shard's counter. The protocols differ in the states a transaction passes through on its
//! way to a decision (2PC's PREPARED; 3PC's UNCERTAIN and PRE-COMMITTED), so the record is
//! generic over each protocol's [`TxnStatus`]. `present` holds the text both show the same way
//! (the log table, the lock, the pending votes).

pub(super) mod present;

use crate::node::{NodeId, Reply};
use imbl::OrdMap;
use serde::Serialize;
use std::fmt::Debug;
use std::hash::Hash;

pub const COORDINATOR: NodeId = NodeId(1);

/// Every node but the coordinator.
pub fn participants(nodes: usize) -> impl Iterator<Item = NodeId> {
    NodeId::all(nodes).filter(|&n| n != COORDINATOR)
}

/// Where a transaction stands in a node's log: one protocol's states.
pub trait TxnStatus: Copy + Debug + PartialEq + Eq + Hash + Serialize {
    /// The state that records `commit` or abort.
    fn decided(commit: bool) -> Self;
    /// The decision this state records, if any.
    fn decision(self) -> Option<bool>;
    /// The state in the log table's words: "prepared", "pre-committed"...
    fn word(self) -> &'static str;
}

/// A transaction in a node's log: what it adds to every shard's counter and where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TxnRecord<S> {
    pub delta: i64,
    pub status: S,
}

/// Every transaction a node logged, by id.
pub type Log<S> = OrdMap<u64, TxnRecord<S>>;

/// The write-ahead log on stable storage, for both roles.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Durable<S> {
    pub log: Log<S>,
    /// Participant: the transaction holding the shard's lock (it voted yes and is undecided).
    pub lock: Option<u64>,
    /// The counter: the shard's, or at the coordinator the sum of committed deltas.
    pub value: i64,
    /// Transactions decided here.
    pub decided: u64,
}

// By hand: a derive would ask for `S: Default`, which no status has.
impl<S> Default for Durable<S> {
    fn default() -> Self {
        Durable {
            log: OrdMap::new(),
            lock: None,
            value: 0,
            decided: 0,
        }
    }
}

impl<S: TxnStatus> Durable<S> {
    /// The newest transaction in the log, 0 before the first.
    pub fn newest(&self) -> u64 {
        self.log.get_max().map_or(0, |(t, _)| *t)
    }

    /// Logs a decision on `txn` (adding `delta` to the counter on commit) and releases the lock
    /// if `txn` held it; says whether it did. The caller persists.
    pub fn log_decision(&mut self, txn: u64, delta: i64, commit: bool) -> bool {
        self.log.insert(
            txn,
            TxnRecord {
                delta,
                status: S::decided(commit),
            },
        );
        if commit {
            self.value += delta;
        }
        self.decided += 1;
        let held = self.lock == Some(txn);
        if held {
            self.lock = None;
        }
        held
    }
}

/// The decision as the log records it.
pub fn word(commit: bool) -> &'static str {
    if commit {
        "COMMIT"
    } else {
        "ABORT"
    }
}

/// The coordinator's answer to the client once `txn` is decided: the counter it committed, or
/// why it aborted.
pub fn outcome(txn: u64, commit: bool, value: i64, why: &str) -> Reply {
    if commit {
        Reply::Committed { index: txn, value }
    } else {
        Reply::Rejected(format!("transaction aborted: {why}"))
    }
}
