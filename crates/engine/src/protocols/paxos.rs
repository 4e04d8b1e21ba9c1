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

use crate::narrate;
use crate::node::{
    LogCell, Message, NodeId, NodeSummary, Out, Protocol, Reply, Request, Section, Time, TimerKind,
};
use imbl::OrdMap;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A proposal number: unique per proposer because it carries the proposer's id, ordered by
/// round first. Shown as `round.node`, e.g. `2.1`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Ballot {
    pub round: u64,
    pub node: NodeId,
}

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.round, self.node.0)
    }
}

/// Where a proposed value came from, so Validity can be checked against what was proposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Origin {
    /// The value a demo proposer proposes on its own at start.
    Start(NodeId),
    /// A client request's delta.
    Request(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Value {
    pub value: i64,
    pub origin: Origin,
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin {
            Origin::Start(n) => write!(f, "{} ({n}'s)", self.value),
            Origin::Request(id) => write!(f, "{} (#{id})", self.value),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum PaxosTimer {
    /// The proposer's (re)try: when it fires and nothing was learned, a new, higher ballot.
    Propose,
}

impl TimerKind for PaxosTimer {
    fn label(&self) -> String {
        "propose".into()
    }
}

/// The acceptor's stable storage.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PaxosDurable {
    pub promised: Option<Ballot>,
    pub accepted: Option<(Ballot, Value)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Phase {
    Idle,
    /// Phase 1: waiting for promises.
    Preparing,
    /// Phase 2: waiting for the value to be accepted.
    Accepting,
}

#[derive(Clone, Debug, Serialize)]
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

    /// Phase 1a: a fresh ballot above every round seen; the node's own acceptor answers at once.
    fn start_ballot(&self, s: &mut PaxosState, out: &mut Out<Self>) {
        let Some(own) = s.own else { return };
        s.max_round += 1;
        let ballot = Ballot {
            round: s.max_round,
            node: s.id,
        };
        s.ballot = Some(ballot);
        s.phase = Phase::Preparing;
        s.promises.clear();
        s.highest = None;
        s.proposing = None;
        narrate!(out, "{} sends Prepare {ballot} to propose {own}", s.id);
        out.broadcast(s.id, self.nodes, |_| PaxosMsg::Prepare { ballot });
        self.arm(out);
        match self.promise(s, ballot, out) {
            Ok(accepted) => self.on_promise(s, s.id, ballot, accepted, out),
            Err(promised) => self.on_nack(s, s.id, ballot, promised, out),
        }
    }

    /// The acceptor's phase 1b rule: promise a ballot above any promised before.
    fn promise(
        &self,
        s: &mut PaxosState,
        ballot: Ballot,
        out: &mut Out<Self>,
    ) -> Result<Option<(Ballot, Value)>, Ballot> {
        match s.durable.promised {
            Some(p) if p > ballot => Err(p),
            Some(p) if p == ballot => Ok(s.durable.accepted),
            _ => {
                s.durable.promised = Some(ballot);
                out.persist(s.durable.clone());
                Ok(s.durable.accepted)
            }
        }
    }

    /// The acceptor's phase 2b rule: accept unless it promised a higher ballot.
    fn accept(
        &self,
        s: &mut PaxosState,
        ballot: Ballot,
        value: Value,
        out: &mut Out<Self>,
    ) -> Result<(), Ballot> {
        if let Some(p) = s.durable.promised.filter(|&p| p > ballot) {
            if !self.bug_accept_below_promise {
                return Err(p);
            }
            narrate!(
                out,
                "{} accepts ballot {ballot} although it promised {p} (bug: \
                 paxos-accept-below-promise)",
                s.id
            );
        }
        s.durable.promised = s.durable.promised.max(Some(ballot));
        s.durable.accepted = Some((ballot, value));
        out.persist(s.durable.clone());
        Ok(())
    }

    fn see_round(&self, s: &mut PaxosState, b: Ballot) {
        s.max_round = s.max_round.max(b.round);
    }

    fn on_prepare(&self, s: &mut PaxosState, from: NodeId, ballot: Ballot, out: &mut Out<Self>) {
        match self.promise(s, ballot, out) {
            Ok(accepted) => {
                match accepted {
                    Some((b, v)) => narrate!(
                        out,
                        "{} promises ballot {ballot} to {from}, reporting that it accepted {v} \
                         in ballot {b}",
                        s.id
                    ),
                    None => narrate!(
                        out,
                        "{} promises ballot {ballot} to {from}; it has accepted nothing",
                        s.id
                    ),
                }
                out.send(from, PaxosMsg::Promise { ballot, accepted });
            }
            Err(promised) => {
                narrate!(
                    out,
                    "{} rejects Prepare {ballot} from {from}: it promised ballot {promised}",
                    s.id
                );
                out.send(from, PaxosMsg::Nack { ballot, promised });
            }
        }
    }

    fn on_promise(
        &self,
        s: &mut PaxosState,
        from: NodeId,
        ballot: Ballot,
        accepted: Option<(Ballot, Value)>,
        out: &mut Out<Self>,
    ) {
        if s.phase != Phase::Preparing || s.ballot != Some(ballot) || s.promises.contains(&from) {
            return;
        }
        s.promises.push(from);
        if let Some((b, v)) = accepted {
            if s.highest.is_none_or(|(h, _)| b > h) {
                s.highest = Some((b, v));
            }
        }
        if s.promises.len() < self.majority() {
            return;
        }
        let own = s.own.expect("a proposer has a value");
        let value = match s.highest {
            Some((b, v)) if !self.bug_ignore_promised_value => {
                narrate!(
                    out,
                    "{} has promises for ballot {ballot} from a majority ({}); the highest \
                     accepted proposal they report is {v} in ballot {b}, so it proposes {v}",
                    s.id,
                    names(&s.promises)
                );
                v
            }
            Some((b, v)) => {
                narrate!(
                    out,
                    "{} has promises for ballot {ballot} from a majority ({}) and ignores that \
                     {v} was accepted in ballot {b}; it proposes its own {own} (bug: \
                     paxos-ignore-promised-value)",
                    s.id,
                    names(&s.promises)
                );
                own
            }
            None => {
                narrate!(
                    out,
                    "{} has promises for ballot {ballot} from a majority ({}); none accepted \
                     anything, so it proposes its own {own}",
                    s.id,
                    names(&s.promises)
                );
                own
            }
        };
        s.phase = Phase::Accepting;
        s.proposing = Some(value);
        out.broadcast(s.id, self.nodes, |_| PaxosMsg::Accept { ballot, value });
        match self.accept(s, ballot, value, out) {
            Ok(()) => self.announce(s, ballot, value, out),
            Err(promised) => self.on_nack(s, s.id, ballot, promised, out),
        }
    }

    fn on_accept(
        &self,
        s: &mut PaxosState,
        from: NodeId,
        ballot: Ballot,
        value: Value,
        out: &mut Out<Self>,
    ) {
        match self.accept(s, ballot, value, out) {
            Ok(()) => {
                narrate!(
                    out,
                    "{} accepts {value} in ballot {ballot} and tells every learner",
                    s.id
                );
                self.announce(s, ballot, value, out);
            }
            Err(promised) => {
                narrate!(
                    out,
                    "{} rejects Accept {ballot} from {from}: it promised ballot {promised}",
                    s.id
                );
                out.send(from, PaxosMsg::Nack { ballot, promised });
            }
        }
    }

    /// Phase 2b: every learner hears of the acceptance, this node's own learner included.
    fn announce(&self, s: &mut PaxosState, ballot: Ballot, value: Value, out: &mut Out<Self>) {
        out.broadcast(s.id, self.nodes, |_| PaxosMsg::Accepted { ballot, value });
        self.on_accepted(s, s.id, ballot, value, out);
    }

    fn on_accepted(
        &self,
        s: &mut PaxosState,
        from: NodeId,
        ballot: Ballot,
        value: Value,
        out: &mut Out<Self>,
    ) {
        let mut entry = s
            .accepts
            .get(&ballot)
            .cloned()
            .unwrap_or((value, Vec::new()));
        if entry.1.contains(&from) {
            return;
        }
        entry.1.push(from);
        let count = entry.1.len();
        s.accepts.insert(ballot, entry);
        if s.learned.is_some() || count < self.majority() {
            return;
        }
        s.learned = Some((ballot, value));
        narrate!(
            out,
            "{} learns that {value} is chosen: a majority accepted ballot {ballot}",
            s.id
        );
        if s.phase != Phase::Idle || s.own.is_some() {
            s.phase = Phase::Idle;
            out.cancel_timer(PaxosTimer::Propose);
        }
        for id in s.waiting.drain(..) {
            out.reply(
                id,
                Reply::Committed {
                    index: 1,
                    value: value.value,
                },
            );
        }
    }

    fn on_nack(
        &self,
        s: &mut PaxosState,
        from: NodeId,
        ballot: Ballot,
        promised: Ballot,
        out: &mut Out<Self>,
    ) {
        self.see_round(s, promised);
        if s.phase == Phase::Idle || s.ballot != Some(ballot) {
            return;
        }
        s.phase = Phase::Idle;
        narrate!(
            out,
            "{} gives up ballot {ballot}: {from} promised ballot {promised}; it retries with a \
             higher ballot after a random back-off",
            s.id
        );
        self.arm(out);
    }
}

fn names(ids: &[NodeId]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn ballot_or_none(b: Option<Ballot>) -> String {
    b.map_or("none".into(), |b| b.to_string())
}

fn proposal_or_none(p: Option<(Ballot, Value)>) -> String {
    p.map_or("none".into(), |(b, v)| format!("{v} in ballot {b}"))
}

impl Message for PaxosMsg {
    fn kind(&self) -> usize {
        match self {
            PaxosMsg::Prepare { .. } => 0,
            PaxosMsg::Promise { .. } => 1,
            PaxosMsg::Accept { .. } => 2,
            PaxosMsg::Accepted { .. } => 3,
            PaxosMsg::Nack { .. } => 4,
        }
    }

    fn label(&self) -> String {
        match self {
            PaxosMsg::Prepare { ballot } => format!("Prepare {ballot}"),
            PaxosMsg::Promise {
                ballot,
                accepted: None,
            } => format!("Promise {ballot}"),
            PaxosMsg::Promise {
                ballot,
                accepted: Some((b, v)),
            } => format!("Promise {ballot} ({}@{b})", v.value),
            PaxosMsg::Accept { ballot, value } => format!("Accept {ballot} {}", value.value),
            PaxosMsg::Accepted { ballot, value } => format!("Accepted {ballot} {}", value.value),
            PaxosMsg::Nack { ballot, promised } => format!("Nack {ballot} <{promised}"),
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: String| (k.to_string(), v);
        match self {
            PaxosMsg::Prepare { ballot } => vec![f("ballot", ballot.to_string())],
            PaxosMsg::Promise { ballot, accepted } => vec![
                f("ballot", ballot.to_string()),
                f("accepted", proposal_or_none(*accepted)),
            ],
            PaxosMsg::Accept { ballot, value } | PaxosMsg::Accepted { ballot, value } => vec![
                f("ballot", ballot.to_string()),
                f("value", value.to_string()),
            ],
            PaxosMsg::Nack { ballot, promised } => vec![
                f("ballot", ballot.to_string()),
                f("promised", promised.to_string()),
            ],
        }
    }
}

impl Protocol for Paxos {
    type Msg = PaxosMsg;
    type Timer = PaxosTimer;
    type Durable = PaxosDurable;
    type State = PaxosState;

    const NAME: &'static str = "Paxos";
    const MESSAGE_KINDS: &'static [&'static str] =
        &["Prepare", "Promise", "Accept", "Accepted", "Nack"];

    fn cluster_size(&self) -> usize {
        self.nodes
    }

    fn on_start(&self, id: NodeId, durable: &PaxosDurable, out: &mut Out<Self>) -> PaxosState {
        let max_round = durable
            .promised
            .map_or(0, |b| b.round)
            .max(durable.accepted.map_or(0, |(b, _)| b.round));
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

    fn summary(&self, s: &PaxosState) -> NodeSummary {
        let (role, class) = match (s.learned, s.phase, s.ballot) {
            (Some((_, v)), _, _) => (format!("learned {}", v.value), "learner"),
            (None, Phase::Preparing, Some(b)) => (format!("proposer: prepare {b}"), "candidate"),
            (None, Phase::Accepting, Some(b)) => (format!("proposer: accept {b}"), "leader"),
            (None, _, _) if s.own.is_some() => ("proposer (backing off)".into(), "follower"),
            _ => ("acceptor".into(), "follower"),
        };
        let shown = s.ballot.max(s.durable.promised);
        NodeSummary {
            role,
            class,
            term: shown.map_or(0, |b| b.round),
            term_label: format!("ballot {}", ballot_or_none(shown)),
            log: s
                .durable
                .accepted
                .map(|(b, v)| LogCell {
                    index: 1,
                    term: b.round,
                    text: v.value.to_string(),
                    committed: s.learned.is_some_and(|(lb, _)| lb == b),
                })
                .into_iter()
                .collect(),
            log_len: u64::from(s.durable.accepted.is_some()),
            committed: u64::from(s.learned.is_some()),
            value: s.learned.map(|(_, v)| v.value),
        }
    }

    fn inspect(&self, s: &PaxosState) -> Vec<Section> {
        let mut v = vec![Section::Fields {
            title: format!("{} · {:?}", s.id, s.phase),
            fields: vec![
                ("promised".into(), ballot_or_none(s.durable.promised)),
                ("accepted".into(), proposal_or_none(s.durable.accepted)),
                ("ballot".into(), ballot_or_none(s.ballot)),
                (
                    "own value".into(),
                    s.own.map_or("none".into(), |v| v.to_string()),
                ),
                (
                    "proposing".into(),
                    s.proposing.map_or("none".into(), |v| v.to_string()),
                ),
                ("promises".into(), names(&s.promises)),
                ("highest reported".into(), proposal_or_none(s.highest)),
                ("learned".into(), proposal_or_none(s.learned)),
            ],
        }];
        v.push(Section::Table {
            title: "Accepted announcements heard".into(),
            columns: vec!["ballot".into(), "value".into(), "acceptors".into()],
            rows: s
                .accepts
                .iter()
                .rev()
                .map(|(b, (v, who))| vec![b.to_string(), v.to_string(), names(who)])
                .collect(),
        });
        v
    }

    fn inspect_durable(&self, d: &PaxosDurable) -> Vec<Section> {
        vec![Section::Fields {
            title: "Stable storage".into(),
            fields: vec![
                ("promised".into(), ballot_or_none(d.promised)),
                ("accepted".into(), proposal_or_none(d.accepted)),
            ],
        }]
    }
}
