//! Three-Phase Commit, as in Skeen's "Nonblocking Commit Protocols" (SIGMOD 1981) and Bernstein,
//! Hadzilacos and Goodman, "Concurrency Control and Recovery in Database Systems", §7.5.
//!
//! The workload, the roles and the locks are those of Two-Phase Commit, so the two compare
//! directly: S1 coordinates, S2..Sn each own one shard with a counter, and a transaction adds its
//! delta to every shard's counter. What changes is a third phase between the votes and the
//! decision. Phase 1: CanCommit; a participant locks its shard, logs UNCERTAIN and votes yes, or
//! votes no and aborts. Phase 2: with every yes the coordinator logs PRE-COMMITTED and sends
//! PreCommit; each participant logs it and acknowledges. Phase 3: the coordinator logs COMMIT and
//! sends DoCommit. The extra phase is what Skeen's fundamental nonblocking theorem asks for: no
//! state may be "adjacent" to both commit and abort, so nobody commits while anyone is still uncertain, and an
//! uncertain group may therefore abort.
//!
//! Timeouts (BHG §7.5, "termination protocol"): the coordinator aborts on a missing vote and
//! commits on a missing acknowledgement (whoever did not ack has crashed and will ask). A
//! participant that voted yes and hears nothing for longer than the coordinator's own timeouts
//! asks every node for its state; the lowest undecided node that answers acts as the new
//! coordinator and applies the rules: any committed -> commit; any aborted -> abort; any
//! pre-committed -> pre-commit the uncertain ones, then commit; all uncertain -> abort. A node that
//! restarts undecided is "recovering" (BHG §7.5, recovery): its UNCERTAIN may be stale, since a
//! PreCommit may have reached the others while it was down, so an all-uncertain verdict needs at
//! least one uncertain node that stayed up; a recovering node alone only asks.
//!
//! These rules are safe when processes only crash and messages arrive within a known delay: an
//! uncertain node that stayed up would have received any PreCommit sent before it was asked. A
//! partition breaks that assumption: one side may commit from PRE-COMMITTED while the other
//! aborts from UNCERTAIN. Skeen's model, like BHG §7.5's, has site failures only; Hadzilacos
//! (PODS 1987) shows that no nonblocking commit protocol survives communication failures.
//!
//! The rules live by role: `coordinator` (the three phases and coordinator recovery),
//! `participant` (the vote, PreCommit and applying a decision) and `termination` (timeouts,
//! the state gathering and the new coordinator's rules); `present` holds the text for people.
//! The log record, the lock and logging a decision are Two-Phase Commit's (`atomic_commit`).

mod coordinator;
mod participant;
mod present;
mod termination;

use super::atomic_commit::{self, TxnStatus};
use crate::node::narrate;
use crate::node::{NodeId, Out, Protocol, Reply, Request, Time};
use imbl::{OrdMap, OrdSet};
use serde::Serialize;

pub use atomic_commit::COORDINATOR;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ThreePcMsg {
    /// Phase 1: can you commit transaction `txn` (add `delta` to your shard)?
    CanCommit {
        txn: u64,
        delta: i64,
    },
    Vote {
        txn: u64,
        yes: bool,
    },
    /// Phase 2: everyone voted yes; get ready to commit.
    PreCommit {
        txn: u64,
    },
    /// The PreCommit is logged.
    Ack {
        txn: u64,
    },
    /// Phase 3 (DoCommit), or an abort: the outcome, from the coordinator or a new coordinator.
    Decision {
        txn: u64,
        commit: bool,
    },
    /// Termination: what is your state for `txn`?
    StateRequest {
        txn: u64,
    },
    StateReply {
        txn: u64,
        status: Status,
        /// The sender restarted while undecided, so its UNCERTAIN may be stale.
        recovering: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ThreePcTimer {
    /// Coordinator: the votes of `txn` are due.
    Votes(u64),
    /// Coordinator: the acknowledgements of the PreCommit of `txn` are due.
    Acks(u64),
    /// Undecided node: the next message about `txn` is overdue; time to terminate.
    Wait(u64),
    /// Termination: the state replies for `txn` are in.
    Gather(u64),
}

/// Where a transaction stands in a node's log (Skeen's states q, w, p, c, a).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Status {
    /// Coordinator: begun, collecting votes.
    Voting,
    /// Participant: voted yes; holds the lock and may not decide alone.
    Uncertain,
    /// Everyone voted yes and this node knows it; commit is the only outcome left.
    PreCommitted,
    Committed,
    Aborted,
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
            Status::Committed => Some(true),
            Status::Aborted => Some(false),
            Status::Voting | Status::Uncertain | Status::PreCommitted => None,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Status::Voting => "voting",
            Status::Uncertain => "uncertain",
            Status::PreCommitted => "pre-committed",
            Status::Committed => "committed",
            Status::Aborted => "aborted",
        }
    }
}

pub type TxnRecord = atomic_commit::TxnRecord<Status>;
pub type ThreePcDurable = atomic_commit::Durable<Status>;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ThreePcState {
    pub id: NodeId,
    pub durable: ThreePcDurable,
    /// Coordinator: yes votes per transaction being voted on.
    pub votes: OrdMap<u64, Vec<NodeId>>,
    /// Coordinator: acknowledgements per pre-committed transaction.
    pub acks: OrdMap<u64, Vec<NodeId>>,
    /// Transactions this node was undecided on when it (re)started.
    pub recovering: OrdSet<u64>,
    /// Termination: state replies gathered per transaction in the current round.
    pub gathered: OrdMap<u64, Vec<(NodeId, Status, bool)>>,
    /// Termination rounds run per undecided transaction since this node started.
    pub rounds: OrdMap<u64, u32>,
}

impl ThreePcState {
    pub fn is_coordinator(&self) -> bool {
        self.id == COORDINATOR
    }

    pub fn status(&self, txn: u64) -> Option<Status> {
        self.durable.log.get(&txn).map(|r| r.status)
    }
}

#[derive(Clone, Debug)]
pub struct ThreePc {
    pub nodes: usize,
    pub timeout: (Time, Time),
    pub bug_uncertain_commits_on_timeout: bool,
    pub bug_termination_ignores_precommit: bool,
}

impl ThreePc {
    fn participants(&self) -> impl Iterator<Item = NodeId> {
        atomic_commit::participants(self.nodes)
    }

    /// The coordinator's own timers (votes, acks).
    fn arm(&self, out: &mut Out<Self>, timer: ThreePcTimer) {
        out.set_timer(timer, self.timeout.0, self.timeout.1);
    }

    /// An undecided node waits longer than any coordinator timeout plus a round trip, so when it
    /// starts terminating, a live coordinator has already moved on and any PreCommit it sent has
    /// arrived (the bounded-delay assumption of BHG §7.5).
    pub fn wait_range(&self) -> (Time, Time) {
        (self.timeout.0 + self.timeout.1, 2 * self.timeout.1)
    }

    fn arm_wait(&self, out: &mut Out<Self>, txn: u64) {
        let (lo, hi) = self.wait_range();
        out.set_timer(ThreePcTimer::Wait(txn), lo, hi);
    }

    /// Long enough for every live node's state reply to come back.
    pub fn gather_window(&self) -> Time {
        self.timeout.0 / 2
    }

    /// Logs a decision at any node (applies a commit, releases the lock) and stops waiting.
    fn log_decision(&self, s: &mut ThreePcState, txn: u64, delta: i64, commit: bool) {
        s.durable.log_decision(txn, delta, commit);
        s.recovering.remove(&txn);
        s.gathered.remove(&txn);
        s.rounds.remove(&txn);
        s.votes.remove(&txn);
        s.acks.remove(&txn);
    }
}

impl Protocol for ThreePc {
    type Msg = ThreePcMsg;
    type Timer = ThreePcTimer;
    type Durable = ThreePcDurable;
    type State = ThreePcState;

    const NAME: &'static str = "Three-Phase Commit";

    fn cluster_size(&self) -> usize {
        self.nodes
    }

    fn on_start(&self, id: NodeId, durable: &ThreePcDurable, out: &mut Out<Self>) -> ThreePcState {
        let mut s = ThreePcState {
            id,
            durable: durable.clone(),
            votes: OrdMap::new(),
            acks: OrdMap::new(),
            recovering: OrdSet::new(),
            gathered: OrdMap::new(),
            rounds: OrdMap::new(),
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
            self.recover_coordinator(&mut s, out);
        } else if let Some(txn) = durable.lock {
            self.recover_participant(&mut s, txn, out);
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

    fn on_msg(&self, s: &mut ThreePcState, from: NodeId, msg: ThreePcMsg, out: &mut Out<Self>) {
        match msg {
            ThreePcMsg::CanCommit { txn, delta } => self.on_can_commit(s, from, txn, delta, out),
            ThreePcMsg::Vote { txn, yes } => self.on_vote(s, from, txn, yes, out),
            ThreePcMsg::PreCommit { txn } => self.on_pre_commit(s, from, txn, out),
            ThreePcMsg::Ack { txn } => self.on_ack(s, from, txn, out),
            ThreePcMsg::Decision { txn, commit } => self.on_decision(s, from, txn, commit, out),
            ThreePcMsg::StateRequest { txn } => self.on_state_request(s, from, txn, out),
            ThreePcMsg::StateReply {
                txn,
                status,
                recovering,
            } => self.on_state_reply(s, from, txn, status, recovering, out),
        }
    }

    fn on_timer(&self, s: &mut ThreePcState, timer: ThreePcTimer, out: &mut Out<Self>) {
        match timer {
            ThreePcTimer::Votes(txn) => self.on_votes_timeout(s, txn, out),
            ThreePcTimer::Acks(txn) => self.on_acks_timeout(s, txn, out),
            ThreePcTimer::Wait(txn) => self.on_wait_timeout(s, txn, out),
            ThreePcTimer::Gather(txn) => self.on_gather(s, txn, out),
        }
    }

    fn on_request(&self, s: &mut ThreePcState, req: Request, out: &mut Out<Self>) {
        if !s.is_coordinator() {
            narrate!(
                out,
                "{} is a participant and points the client to the coordinator {COORDINATOR}",
                s.id
            );
            out.reply(req.id, Reply::Redirect(Some(COORDINATOR)));
            return;
        }
        self.begin(s, req, out);
    }
}
