//! Single-decree Paxos, as in Lamport's "Paxos Made Simple" (2001). Every node is a proposer,
//! an acceptor and a learner. A proposer runs phase 1 (Prepare/Promise) with a ballot unique to
//! it, adopts the value of the highest-numbered proposal the promises report, and runs phase 2
//! (Accept/Accepted). Acceptors announce every acceptance to all learners, so a learner learns the
//! value once a majority accepted the same ballot.
//!
//! The demo: with no client stream, S1 and S2 (where present) each propose a value of their own
//! (10 and 20) shortly after start, within one heartbeat of each other, so their ballots usually
//! collide and the duel, the back-off and the adoption of an accepted value are visible. A client
//! request to any node makes it propose the request's delta; it is answered with the chosen value
//! once the node learns it.
//!
//! The rules live by role: `proposer` (phases 1a and 2a, §2.2, with the back-off of §2.4),
//! `acceptor` (phases 1b and 2b, §2.2) and `learner` (§2.3); `present` holds the text for people
//! (message labels, ballots and values in words, the node summary and the inspector). This file
//! holds the messages, the state, the configuration, the helpers the roles share and the
//! `Protocol` dispatch.

mod acceptor;
mod learner;
mod present;
mod proposer;

use crate::node::narrate;
use crate::node::{NodeId, Out, Protocol, Reply, Request, Time};
use imbl::OrdMap;
use present::{ballot_or_none, proposal_or_none};
use serde::{Deserialize, Serialize};

/// A proposal number: unique per proposer because it carries the proposer's id, ordered by
/// round first. Shown as `round.node`, e.g. `2.1` (the `Display` impls are in `present`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Ballot {
    pub round: u64,
    pub node: NodeId,
}

/// Where a proposed value came from, so Validity can be checked against what was proposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Origin {
    /// The value a demo proposer proposes on its own at start.
    Start(NodeId),
    /// A client request's delta.
    Request(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Value {
    pub value: i64,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum PaxosMsg {
    /// Phase 1a: promise not to accept any ballot below this one.
    Prepare { ballot: Ballot },
    /// Phase 1b, with the highest-numbered proposal this acceptor accepted, if any.
    Promise {
        ballot: Ballot,
        accepted: Option<(Ballot, Value)>,
    },
    /// Phase 2a.
    Accept { ballot: Ballot, value: Value },
    /// Phase 2b, sent to every learner.
    Accepted { ballot: Ballot, value: Value },
    /// The acceptor promised a higher ballot: the proposer should give up this one.
    /// "Paxos Made Simple" §2.5 suggests it as an optimization.
    Nack { ballot: Ballot, promised: Ballot },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum PaxosTimer {
    /// The proposer's (re)try: when it fires and nothing was learned, a new, higher ballot.
    Propose,
}

/// The acceptor's stable storage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct PaxosDurable {
    pub promised: Option<Ballot>,
    pub accepted: Option<(Ballot, Value)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Phase {
    Idle,
    /// Phase 1: waiting for promises.
    Preparing,
    /// Phase 2: waiting for the value to be accepted.
    Accepting,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PaxosState {
    pub id: NodeId,
    pub durable: PaxosDurable,
    // Proposer.
    pub phase: Phase,
    /// The ballot of the current or last attempt.
    pub ballot: Option<Ballot>,
    /// The value this proposer wants chosen, if it was asked to propose one.
    pub own: Option<Value>,
    /// The value of phase 2 (its own, or one adopted from the promises).
    pub proposing: Option<Value>,
    pub promises: Vec<NodeId>,
    /// The highest-numbered accepted proposal reported in the promises so far.
    pub highest: Option<(Ballot, Value)>,
    /// The highest round seen anywhere: a retry goes above it.
    pub max_round: u64,
    // Learner.
    /// Per ballot, the value and the acceptors that announced accepting it.
    pub accepts: OrdMap<Ballot, (Value, Vec<NodeId>)>,
    pub learned: Option<(Ballot, Value)>,
    /// Client requests answered once the value is learned.
    pub waiting: Vec<u64>,
}

/// The cluster and its options.
#[derive(Clone, Debug)]
pub struct Paxos {
    pub nodes: usize,
    pub retry_timeout: (Time, Time),
    /// When the demo proposers S1 and S2 first propose.
    pub start_delay: (Time, Time),
    pub bug_ignore_promised_value: bool,
    pub bug_accept_below_promise: bool,
    pub bug_forget_promise_on_restart: bool,
}

/// The value a demo proposer proposes on its own.
pub fn start_value(id: NodeId) -> Value {
    Value {
        value: 10 * i64::from(id.0),
        origin: Origin::Start(id),
    }
}

impl Paxos {
    fn majority(&self) -> usize {
        self.nodes / 2 + 1
    }

    /// S1 and S2 propose on their own; everyone else only when a client asks.
    pub fn proposes_at_start(&self, id: NodeId) -> bool {
        id.0 <= 2
    }

    fn arm(&self, out: &mut Out<Self>) {
        let (lo, hi) = self.retry_timeout;
        out.set_timer(PaxosTimer::Propose, lo, hi);
    }

    fn see_round(&self, s: &mut PaxosState, b: Ballot) {
        s.max_round = s.max_round.max(b.round);
    }
}

impl Protocol for Paxos {
    type Msg = PaxosMsg;
    type Timer = PaxosTimer;
    type Durable = PaxosDurable;
    type State = PaxosState;

    const NAME: &'static str = "Paxos";

    fn cluster_size(&self) -> usize {
        self.nodes
    }

    fn on_start(&self, id: NodeId, durable: &PaxosDurable, out: &mut Out<Self>) -> PaxosState {
        let max_round = durable
            .promised
            .map_or(0, |b| b.round)
            .max(durable.accepted.map_or(0, |(b, _)| b.round));
        // The bug loses the acceptor's memory only: the proposer still knows its rounds, so
        // no ballot is reused and the broken rule is the acceptor's alone.
        let forgotten = PaxosDurable::default();
        let durable = if self.bug_forget_promise_on_restart && *durable != forgotten {
            narrate!(
                out,
                "{id} forgets that it promised {} and accepted {} (bug: \
                 paxos-forget-promise-on-restart)",
                ballot_or_none(durable.promised),
                proposal_or_none(durable.accepted)
            );
            &forgotten
        } else {
            durable
        };
        let mut s = PaxosState {
            id,
            durable: durable.clone(),
            phase: Phase::Idle,
            ballot: None,
            own: None,
            proposing: None,
            promises: Vec::new(),
            highest: None,
            max_round,
            accepts: OrdMap::new(),
            learned: None,
            waiting: Vec::new(),
        };
        if self.proposes_at_start(id) {
            let v = start_value(id);
            s.own = Some(v);
            let (lo, hi) = self.start_delay;
            out.set_timer(PaxosTimer::Propose, lo, hi);
            narrate!(
                out,
                "{id} starts (promised {}, accepted {}) and will propose {v} shortly",
                ballot_or_none(durable.promised),
                proposal_or_none(durable.accepted)
            );
        } else {
            narrate!(
                out,
                "{id} starts as an acceptor and learner (promised {}, accepted {})",
                ballot_or_none(durable.promised),
                proposal_or_none(durable.accepted)
            );
        }
        s
    }

    fn on_msg(&self, s: &mut PaxosState, from: NodeId, msg: PaxosMsg, out: &mut Out<Self>) {
        match msg {
            PaxosMsg::Prepare { ballot } => {
                self.see_round(s, ballot);
                self.on_prepare(s, from, ballot, out)
            }
            PaxosMsg::Promise { ballot, accepted } => {
                self.on_promise(s, from, ballot, accepted, out)
            }
            PaxosMsg::Accept { ballot, value } => {
                self.see_round(s, ballot);
                self.on_accept(s, from, ballot, value, out)
            }
            PaxosMsg::Accepted { ballot, value } => {
                self.see_round(s, ballot);
                self.on_accepted(s, from, ballot, value, out)
            }
            PaxosMsg::Nack { ballot, promised } => self.on_nack(s, from, ballot, promised, out),
        }
    }

    fn on_timer(&self, s: &mut PaxosState, timer: PaxosTimer, out: &mut Out<Self>) {
        match timer {
            PaxosTimer::Propose => {
                if s.learned.is_some() {
                    return;
                }
                if let (Some(b), Phase::Preparing | Phase::Accepting) = (s.ballot, s.phase) {
                    narrate!(
                        out,
                        "{} heard no majority for ballot {b} in time and retries",
                        s.id
                    );
                }
                self.start_ballot(s, out);
            }
        }
    }

    fn on_request(&self, s: &mut PaxosState, req: Request, out: &mut Out<Self>) {
        if let Some((b, v)) = s.learned {
            narrate!(
                out,
                "{} already knows {v} was chosen (ballot {b}) and tells the client",
                s.id
            );
            out.reply(
                req.id,
                Reply::Committed {
                    index: 1,
                    value: v.value,
                },
            );
            return;
        }
        s.waiting.push(req.id);
        s.own = Some(Value {
            value: req.delta,
            origin: Origin::Request(req.id),
        });
        narrate!(
            out,
            "A client asks {} to propose {}; it will answer with whatever value is chosen",
            s.id,
            req.delta
        );
        self.start_ballot(s, out);
    }
}
