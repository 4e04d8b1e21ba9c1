//! Two-Phase Commit, as in Gray's "Notes on Data Base Operating Systems" (1978) and Bernstein,
//! Hadzilacos and Goodman, "Concurrency Control and Recovery in Database Systems", ch. 7.
//!
//! S1 is the coordinator; S2..Sn are participants, each owning one shard with a counter. A
//! client request is a transaction that adds its delta to the counter on every shard, so after
//! any run every shard that took part agrees on the counter, and a lock conflict (a shard still
//! held by an undecided transaction) makes a later transaction abort.
//!
//! Phase 1: the coordinator logs the transaction and sends Prepare; a participant takes its
//! shard's lock, logs PREPARED durably and votes yes, or votes no (aborting on its own) if
//! another transaction holds the lock. Phase 2: the coordinator logs COMMIT (all voted yes) or
//! ABORT (a no, or a vote missing at the timeout) before it sends the decision. A participant
//! that voted yes cannot decide alone: until the decision reaches it, it keeps the lock and is
//! blocked. It asks the coordinator again on a timer and, with cooperative termination, its
//! peers; a peer that has not voted yet may then abort the transaction and say so.
//!
//! There is no separate execution phase: a participant learns of a transaction from its Prepare
//! and votes at once. So "a participant that has not voted may abort" shows in two places: a
//! no vote is a unilateral abort, and a participant asked about a transaction whose Prepare has
//! not reached it (cooperative termination) aborts it, and later votes no. A recovered
//! coordinator re-sends the decisions it logged and aborts the transactions it had not decided;
//! an END record, written once every participant acknowledged, keeps it from re-sending forever.
//!
//! The rules live by role: `coordinator` (phase 1's begin and vote count, phase 2's logged
//! decision, END and recovery), `participant` (the vote and applying the decision) and
//! `termination` (a prepared participant that waits too long, and how the coordinator and peers
//! answer it); `present` holds the text for people (message labels, the node summary and the
//! inspector). This file holds the messages, the log's statuses, the state, the configuration,
//! the helpers every role shares and the `Protocol` dispatch; the log record, the lock and
//! logging a decision are Three-Phase Commit's too (`atomic_commit`).

mod coordinator;
mod participant;
mod permute;
mod present;
mod termination;

use super::atomic_commit::{self, TxnStatus};
use crate::node::narrate;
use crate::node::{NodeId, Out, Protocol, Reply, Request, Time};
use imbl::OrdMap;
use serde::Serialize;

pub use atomic_commit::COORDINATOR;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum TpcMsg {
    /// Phase 1: can you commit transaction `txn` (add `delta` to your shard)?
    Prepare {
        txn: u64,
        delta: i64,
    },
    Vote {
        txn: u64,
        yes: bool,
    },
    /// Phase 2: the outcome (COMMIT or ABORT), from the coordinator or, cooperatively, a peer.
    Decision {
        txn: u64,
        commit: bool,
    },
    /// The participant applied the decision; the coordinator may forget the transaction.
    Ack {
        txn: u64,
    },
    /// A participant waiting for an outcome asks for it.
    DecisionRequest {
        txn: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum TpcTimer {
    /// Coordinator: the votes of `txn` are due.
    Votes(u64),
    /// Participant: the decision of `txn`, which it voted yes on, is due.
    Decision(u64),
}

/// Where a transaction stands in a node's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Status {
    /// Coordinator: begun, collecting votes.
    Voting,
    /// Participant: voted yes; holds the lock and may not decide alone.
    Prepared,
    Committed,
    Aborted,
    /// Coordinator: the END record after the decision (`commit`): every participant
    /// acknowledged it, so a recovered coordinator need not send it again.
    Ended {
        commit: bool,
    },
}

impl TxnStatus for Status {
    fn decided(commit: bool) -> Self {
        if commit {
            Status::Committed
        } else {
            Status::Aborted
        }
    }

    fn decision(self) -> Option<bool> {
        match self {
            Status::Committed | Status::Ended { commit: true } => Some(true),
            Status::Aborted | Status::Ended { commit: false } => Some(false),
            Status::Voting | Status::Prepared => None,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Status::Voting => "voting",
            Status::Prepared => "prepared",
            Status::Committed => "committed",
            Status::Aborted => "aborted",
            Status::Ended { commit: true } => "committed, ended",
            Status::Ended { commit: false } => "aborted, ended",
        }
    }
}

pub type TxnRecord = atomic_commit::TxnRecord<Status>;
pub type TpcDurable = atomic_commit::Durable<Status>;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TpcState {
    pub id: NodeId,
    pub durable: TpcDurable,
    /// Coordinator: yes votes per transaction being voted on.
    pub votes: OrdMap<u64, Vec<NodeId>>,
    /// Coordinator: acknowledgements per decided transaction not yet ended.
    pub acks: OrdMap<u64, Vec<NodeId>>,
    /// Participant: the prepared transaction's decision is overdue.
    pub blocked: bool,
}

impl TpcState {
    pub fn is_coordinator(&self) -> bool {
        self.id == COORDINATOR
    }
}

#[derive(Clone, Debug)]
pub struct TwoPc {
    pub nodes: usize,
    pub timeout: (Time, Time),
    pub cooperative_termination: bool,
    pub bug_unilateral_abort: bool,
    pub bug_commit_missing_vote: bool,
}

impl TwoPc {
    fn participants(&self) -> impl Iterator<Item = NodeId> {
        atomic_commit::participants(self.nodes)
    }

    fn arm(&self, out: &mut Out<Self>, timer: TpcTimer) {
        out.set_timer(timer, self.timeout.0, self.timeout.1);
    }
}

impl Protocol for TwoPc {
    type Msg = TpcMsg;
    type Timer = TpcTimer;
    type Durable = TpcDurable;
    type State = TpcState;

    const NAME: &'static str = "Two-Phase Commit";

    fn cluster_size(&self) -> usize {
        self.nodes
    }

    fn on_start(&self, id: NodeId, durable: &TpcDurable, out: &mut Out<Self>) -> TpcState {
        let mut s = TpcState {
            id,
            durable: durable.clone(),
            votes: OrdMap::new(),
            acks: OrdMap::new(),
            blocked: false,
        };
        if s.is_coordinator() {
            narrate!(
                out,
                "{id} starts as the coordinator with {} in its log",
                match durable.log.len() {
                    1 => "1 transaction".to_string(),
                    n => format!("{n} transactions"),
                }
            );
            self.recover(&mut s, out);
        } else if let Some(txn) = durable.lock {
            narrate!(
                out,
                "{id} restarts with txn #{txn} PREPARED in its log: it holds the lock and must \
                 learn the outcome before it can release it"
            );
            self.arm(out, TpcTimer::Decision(txn));
        } else {
            narrate!(
                out,
                "{id} starts as a participant owning shard {} (counter = {})",
                id.0 - 1,
                durable.value
            );
        }
        s
    }

    fn on_msg(&self, s: &mut TpcState, from: NodeId, msg: TpcMsg, out: &mut Out<Self>) {
        match msg {
            TpcMsg::Prepare { txn, delta } => self.on_prepare(s, from, txn, delta, out),
            TpcMsg::Vote { txn, yes } => self.on_vote(s, from, txn, yes, out),
            TpcMsg::Decision { txn, commit } => self.on_decision(s, from, txn, commit, out),
            TpcMsg::Ack { txn } => self.on_ack(s, from, txn, out),
            TpcMsg::DecisionRequest { txn } => self.on_decision_request(s, from, txn, out),
        }
    }

    fn on_timer(&self, s: &mut TpcState, timer: TpcTimer, out: &mut Out<Self>) {
        match timer {
            TpcTimer::Votes(txn) => self.on_votes_timeout(s, txn, out),
            TpcTimer::Decision(txn) => self.on_decision_timeout(s, txn, out),
        }
    }

    fn on_request(&self, s: &mut TpcState, req: Request, out: &mut Out<Self>) {
        if !s.is_coordinator() {
            narrate!(
                out,
                "{} is a participant and points the client to the coordinator {COORDINATOR}",
                s.id
            );
            out.reply(req.id, Reply::Redirect(Some(COORDINATOR)));
            return;
        }
        let txn = req.id;
        s.durable.log.insert(
            txn,
            TxnRecord {
                delta: req.delta,
                status: Status::Voting,
            },
        );
        out.persist(s.durable.clone());
        s.votes.insert(txn, Vec::new());
        narrate!(
            out,
            "{} begins txn #{txn} (counter += {} on every shard) and asks the participants to \
             prepare",
            s.id,
            req.delta
        );
        for p in self.participants() {
            out.send(
                p,
                TpcMsg::Prepare {
                    txn,
                    delta: req.delta,
                },
            );
        }
        self.arm(out, TpcTimer::Votes(txn));
    }
}
