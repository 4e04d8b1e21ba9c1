//! Multi-Paxos with a distinguished leader, as sketched in "Paxos Made Simple" §3: a sequence of
//! Paxos instances (slots), one per command of the replicated state machine (the counter, or under
//! `workload=kv` the key-value store, whose reads take a slot like writes).
//!
//! A node whose election timer fires runs phase 1 once, for every slot it has not seen chosen,
//! with a ballot above any it has seen. With promises from a majority it is the leader: it
//! re-proposes, in its own ballot, the highest-numbered value reported for each unfinished slot
//! and fills the gaps with no-ops, then runs only phase 2 (Accept/Accepted) per new slot.
//! Acceptors answer the leader only; the leader's heartbeats and accepts carry how far the slots
//! are chosen, and a node that accepted the same slot in the same ballot knows its value; a node
//! missing values asks for them. Commands apply in slot order; clients of other nodes are
//! redirected to the leader, as in Raft.
//!
//! The rules live by concern: `election` (phase 1, run once for all open slots, which makes a
//! leader) and `replication` (phase 2 per slot, learning which slots are chosen, catching up and
//! applying); `present` holds the text for people (message labels, the node summary and the
//! inspector). This file holds the messages, the state, the configuration, the helpers both
//! concerns share (following a leader, stepping down, refusing a ballot) and the `Protocol`
//! dispatch.

mod election;
mod present;
mod replication;

use super::machine::Store;
use crate::node::narrate;
use crate::node::{NodeId, Out, Protocol, Reply, Request, Time};
use crate::protocols::paxos::Ballot;
use imbl::OrdMap;
use present::ballot_or_none;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Cmd {
    /// Fills a slot a new leader found empty, so later slots can apply.
    Noop,
    Write(Request),
}

/// Phase 2a for one slot; `commit` is how far the leader knows every slot is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Accept {
    pub ballot: Ballot,
    pub slot: u64,
    pub cmd: Cmd,
    pub commit: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum MpMsg {
    /// Phase 1a for every slot from `from` on.
    Prepare {
        ballot: Ballot,
        from: u64,
    },
    /// Phase 1b: what this acceptor accepted in slots from `from` on.
    Promise {
        ballot: Ballot,
        accepted: Vec<(u64, Ballot, Cmd)>,
    },
    /// Phase 2a for one slot.
    Accept(Accept),
    Accepted {
        ballot: Ballot,
        slot: u64,
    },
    /// The sender promised a higher ballot.
    Nack {
        ballot: Ballot,
        promised: Ballot,
    },
    Heartbeat {
        ballot: Ballot,
        commit: u64,
    },
    /// The sender knows every slot up to `have` and asks for what follows.
    Catchup {
        have: u64,
    },
    /// Chosen values, for a node that missed them.
    Decide {
        entries: Vec<(u64, Cmd)>,
        commit: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum MpTimer {
    Election,
    Heartbeat,
}

/// Stable storage: the acceptor's promise and acceptances, and the values known chosen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct MpDurable {
    pub promised: Option<Ballot>,
    pub accepted: OrdMap<u64, (Ballot, Cmd)>,
    pub chosen: OrdMap<u64, Cmd>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Role {
    Follower,
    /// Running phase 1.
    Candidate,
    /// Phase 1 done: runs phase 2 per slot.
    Leader,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct MpState {
    pub id: NodeId,
    pub durable: MpDurable,
    pub role: Role,
    /// This node's ballot as candidate or leader.
    pub ballot: Option<Ballot>,
    /// The leader this node follows.
    pub leader: Option<NodeId>,
    pub max_round: u64,
    /// Candidate: who promised, and the highest-numbered value reported per slot.
    pub promises: Vec<NodeId>,
    pub recovered: OrdMap<u64, (Ballot, Cmd)>,
    /// Every slot up to here is chosen and applied.
    pub applied: u64,
    /// The counter after applying slots 1..=applied.
    pub value: i64,
    /// The key-value store after applying slots 1..=applied (`workload=kv`); written only when
    /// it holds something, so counter runs serialize as before.
    #[serde(skip_serializing_if = "Store::is_empty")]
    pub kv: Store,
    /// Leader: the next free slot.
    pub next_slot: u64,
    /// Leader: acceptors that accepted each slot still open in its ballot.
    pub votes: OrdMap<u64, Vec<NodeId>>,
    /// Leader: slot -> request id of the client awaiting it.
    pub waiting: OrdMap<u64, u64>,
}

impl MpState {
    pub fn term(&self) -> u64 {
        self.ballot
            .max(self.durable.promised)
            .map_or(0, |b| b.round)
    }
    fn shown_ballot(&self) -> Option<Ballot> {
        self.ballot.max(self.durable.promised)
    }
}

#[derive(Clone, Debug)]
pub struct MultiPaxos {
    pub nodes: usize,
    pub election_timeout: (Time, Time),
    pub heartbeat: Time,
    pub bug_ignore_promised_value: bool,
    pub bug_accept_below_promise: bool,
    pub bug_forget_promise_on_restart: bool,
}

impl MultiPaxos {
    fn majority(&self) -> usize {
        self.nodes / 2 + 1
    }

    fn persist(&self, s: &MpState, out: &mut Out<Self>) {
        out.persist(s.durable.clone());
    }

    fn reset_election_timer(&self, out: &mut Out<Self>) {
        let (lo, hi) = self.election_timeout;
        out.set_timer(MpTimer::Election, lo, hi);
    }

    /// A higher ballot is about: a candidate or leader gives up its own.
    fn step_down(&self, s: &mut MpState, why: &str, out: &mut Out<Self>) {
        if s.role == Role::Leader {
            out.cancel_timer(MpTimer::Heartbeat);
        }
        if s.role != Role::Follower {
            narrate!(out, "{} stops leading: {why}", s.id);
        }
        s.role = Role::Follower;
        s.leader = None;
        s.votes = OrdMap::new();
        s.waiting = OrdMap::new();
        s.promises.clear();
        s.recovered = OrdMap::new();
        self.reset_election_timer(out);
    }

    /// A message from the leader of `ballot`: follow it.
    fn follow(&self, s: &mut MpState, from: NodeId, ballot: Ballot, out: &mut Out<Self>) {
        if s.role != Role::Follower && s.ballot != Some(ballot) {
            self.step_down(s, &format!("{from} leads ballot {ballot}"), out);
        }
        s.leader = Some(from);
        self.reset_election_timer(out);
    }

    fn nack(&self, s: &MpState, from: NodeId, ballot: Ballot, what: &str, out: &mut Out<Self>) {
        let promised = s.durable.promised.expect("only a promise refuses");
        narrate!(
            out,
            "{} rejects {what} {ballot} from {from}: it promised ballot {promised}",
            s.id
        );
        out.send(from, MpMsg::Nack { ballot, promised });
    }
}

impl Protocol for MultiPaxos {
    type Msg = MpMsg;
    type Timer = MpTimer;
    type Durable = MpDurable;
    type State = MpState;

    const NAME: &'static str = "Multi-Paxos";

    fn cluster_size(&self) -> usize {
        self.nodes
    }

    fn on_start(&self, id: NodeId, durable: &MpDurable, out: &mut Out<Self>) -> MpState {
        let max_round = durable.promised.map_or(0, |b| b.round).max(
            durable
                .accepted
                .values()
                .map(|(b, _)| b.round)
                .max()
                .unwrap_or(0),
        );
        let mut durable = durable.clone();
        // The bug loses the acceptor's memory only: the proposer still knows its rounds and
        // the learner what it saw chosen, so the broken rule is the acceptor's alone.
        if self.bug_forget_promise_on_restart
            && (durable.promised.is_some() || !durable.accepted.is_empty())
        {
            narrate!(
                out,
                "{id} forgets that it promised {} and accepted {} slots (bug: \
                 paxos-forget-promise-on-restart)",
                ballot_or_none(durable.promised),
                durable.accepted.len()
            );
            durable.promised = None;
            durable.accepted = OrdMap::new();
        }
        let mut s = MpState {
            id,
            durable,
            role: Role::Follower,
            ballot: None,
            leader: None,
            max_round,
            promises: Vec::new(),
            recovered: OrdMap::new(),
            applied: 0,
            value: 0,
            kv: Store::default(),
            next_slot: 1,
            votes: OrdMap::new(),
            waiting: OrdMap::new(),
        };
        self.apply(&mut s, out);
        narrate!(
            out,
            "{id} starts as a follower (promised {}, {} slots chosen and applied, counter = {})",
            ballot_or_none(s.durable.promised),
            s.applied,
            s.value
        );
        self.reset_election_timer(out);
        s
    }

    fn on_msg(&self, s: &mut MpState, from: NodeId, msg: MpMsg, out: &mut Out<Self>) {
        match msg {
            MpMsg::Prepare { ballot, from: f } => {
                s.max_round = s.max_round.max(ballot.round);
                self.on_prepare(s, from, ballot, f, out)
            }
            MpMsg::Promise { ballot, accepted } => self.on_promise(s, from, ballot, accepted, out),
            MpMsg::Accept(m) => {
                s.max_round = s.max_round.max(m.ballot.round);
                self.on_accept(s, from, m, out)
            }
            MpMsg::Accepted { ballot, slot } => self.on_accepted(s, from, ballot, slot, out),
            MpMsg::Nack { ballot, promised } => self.on_nack(s, from, ballot, promised, out),
            MpMsg::Heartbeat { ballot, commit } => {
                s.max_round = s.max_round.max(ballot.round);
                self.on_heartbeat(s, from, ballot, commit, out)
            }
            MpMsg::Catchup { have } => self.on_catchup(s, from, have, out),
            MpMsg::Decide { entries, commit } => self.on_decide(s, from, entries, commit, out),
        }
    }

    fn on_timer(&self, s: &mut MpState, timer: MpTimer, out: &mut Out<Self>) {
        match timer {
            MpTimer::Election => {
                if s.role == Role::Leader {
                    return;
                }
                narrate!(
                    out,
                    "{} heard from no leader before its election timeout",
                    s.id
                );
                self.start_phase1(s, out);
            }
            MpTimer::Heartbeat => {
                if s.role != Role::Leader {
                    return;
                }
                let ballot = s.ballot.expect("a leader has a ballot");
                let commit = s.applied;
                out.broadcast(s.id, self.nodes, |_| MpMsg::Heartbeat { ballot, commit });
                self.resend_open(s, out);
                out.set_timer(MpTimer::Heartbeat, self.heartbeat, self.heartbeat);
            }
        }
    }

    fn on_request(&self, s: &mut MpState, req: Request, out: &mut Out<Self>) {
        if s.role != Role::Leader {
            narrate!(
                out,
                "{} is not the leader and points the client to {}",
                s.id,
                s.leader.map_or("no one yet".into(), |l| l.to_string())
            );
            out.reply(req.id, Reply::Redirect(s.leader.filter(|&l| l != s.id)));
            return;
        }
        let slot = s.next_slot;
        s.next_slot += 1;
        s.waiting.insert(slot, req.id);
        narrate!(
            out,
            "{} proposes {} in slot {slot} (phase 2 only: phase 1 is done)",
            s.id,
            req.describe()
        );
        self.propose(s, slot, Cmd::Write(req), out);
    }
}
