//! Multi-Paxos with a distinguished leader, as sketched in "Paxos Made Simple" §3: a sequence of
//! Paxos instances (slots), one per command of the replicated counter.
//!
//! A node whose election timer fires runs phase 1 once, for every slot it has not seen chosen,
//! with a ballot above any it has seen. With promises from a majority it is the leader: it
//! re-proposes, in its own ballot, the highest-numbered value reported for each unfinished slot
//! and fills the gaps with no-ops, then runs only phase 2 (Accept/Accepted) per new slot.
//! Acceptors answer the leader only; the leader's heartbeats and accepts carry how far the slots
//! are chosen, and a node that accepted the same slot in the same ballot knows its value; a node
//! missing values asks for them. Commands apply in slot order; clients of other nodes are
//! redirected to the leader, as in Raft.

use crate::narrate;
use crate::node::{
    LogCell, Message, NodeId, NodeSummary, Out, Protocol, Reply, Request, Section, Time, TimerKind,
};
use crate::protocols::paxos::Ballot;
use imbl::OrdMap;
use serde::Serialize;
use std::fmt;

/// Largest number of chosen values one Decide carries.
const MAX_BATCH: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Cmd {
    /// Fills a slot a new leader found empty, so later slots can apply.
    Noop,
    Write(Request),
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cmd::Noop => f.write_str("no-op"),
            Cmd::Write(r) => write!(f, "+{} (#{})", r.delta, r.id),
        }
    }
}

/// Phase 2a for one slot; `commit` is how far the leader knows every slot is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Accept {
    pub ballot: Ballot,
    pub slot: u64,
    pub cmd: Cmd,
    pub commit: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum MpTimer {
    Election,
    Heartbeat,
}

impl TimerKind for MpTimer {
    fn label(&self) -> String {
        match self {
            MpTimer::Election => "election".into(),
            MpTimer::Heartbeat => "heartbeat".into(),
        }
    }
}

/// Stable storage: the acceptor's promise and acceptances, and the values known chosen.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MpDurable {
    pub promised: Option<Ballot>,
    pub accepted: OrdMap<u64, (Ballot, Cmd)>,
    pub chosen: OrdMap<u64, Cmd>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Role {
    Follower,
    /// Running phase 1.
    Candidate,
    /// Phase 1 done: runs phase 2 per slot.
    Leader,
}

#[derive(Clone, Debug, Serialize)]
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

    /// Phase 1a, once for every slot this node has not seen chosen.
    fn start_phase1(&self, s: &mut MpState, out: &mut Out<Self>) {
        if s.role == Role::Leader {
            out.cancel_timer(MpTimer::Heartbeat);
        }
        s.max_round += 1;
        let ballot = Ballot {
            round: s.max_round,
            node: s.id,
        };
        let from = s.applied + 1;
        s.role = Role::Candidate;
        s.ballot = Some(ballot);
        s.leader = None;
        s.votes = OrdMap::new();
        s.waiting = OrdMap::new();
        s.promises = vec![s.id];
        s.durable.promised = Some(ballot);
        self.persist(s, out);
        s.recovered = s
            .durable
            .accepted
            .range(from..)
            .map(|(k, v)| (*k, *v))
            .collect();
        narrate!(
            out,
            "{} starts phase 1 with ballot {ballot} for every slot from {from} on",
            s.id
        );
        out.broadcast(s.id, self.nodes, |_| MpMsg::Prepare { ballot, from });
        self.reset_election_timer(out);
        if s.promises.len() >= self.majority() {
            self.become_leader(s, out);
        }
    }

    /// Phase 1 is done: re-propose what the promises reported, fill gaps with no-ops.
    fn become_leader(&self, s: &mut MpState, out: &mut Out<Self>) {
        let ballot = s.ballot.expect("a candidate has a ballot");
        s.role = Role::Leader;
        s.leader = Some(s.id);
        out.cancel_timer(MpTimer::Election);
        let start = s.applied + 1;
        let end = s
            .recovered
            .get_max()
            .map_or(0, |(k, _)| *k)
            .max(s.durable.chosen.get_max().map_or(0, |(k, _)| *k));
        s.next_slot = end.max(s.applied) + 1;
        let (mut kept, mut noops) = (0, 0);
        let mut plan = Vec::new();
        for slot in start..=end {
            let cmd = if let Some(c) = s.durable.chosen.get(&slot) {
                *c
            } else {
                match s.recovered.get(&slot) {
                    Some((_, c)) if !self.bug_ignore_promised_value => {
                        kept += 1;
                        *c
                    }
                    _ => {
                        noops += 1;
                        Cmd::Noop
                    }
                }
            };
            plan.push((slot, cmd));
        }
        if self.bug_ignore_promised_value && !s.recovered.is_empty() {
            narrate!(
                out,
                "{} ignores the values its promises reported and fills slots {start}..{end} \
                 with no-ops (bug: paxos-ignore-promised-value)",
                s.id
            );
        }
        if start > end {
            narrate!(
                out,
                "{} leads with ballot {ballot} (promises from {}); no slot was left unfinished",
                s.id,
                names(&s.promises)
            );
        } else {
            narrate!(
                out,
                "{} leads with ballot {ballot} (promises from {}); it re-proposes {}: {kept} \
                 recovered values, {noops} gaps filled with no-ops",
                s.id,
                names(&s.promises),
                slots(start, end)
            );
        }
        s.recovered = OrdMap::new();
        for (slot, cmd) in plan {
            self.propose(s, slot, cmd, out);
        }
        let commit = s.applied;
        out.broadcast(s.id, self.nodes, |_| MpMsg::Heartbeat { ballot, commit });
        out.set_timer(MpTimer::Heartbeat, self.heartbeat, self.heartbeat);
    }

    /// Phase 2a for one slot; the leader's own acceptor accepts at once.
    fn propose(&self, s: &mut MpState, slot: u64, cmd: Cmd, out: &mut Out<Self>) {
        let ballot = s.ballot.expect("a leader has a ballot");
        s.durable.accepted.insert(slot, (ballot, cmd));
        self.persist(s, out);
        s.votes.insert(slot, vec![s.id]);
        let commit = s.applied;
        let m = Accept {
            ballot,
            slot,
            cmd,
            commit,
        };
        out.broadcast(s.id, self.nodes, |_| MpMsg::Accept(m));
        if self.majority() == 1 {
            self.choose(s, slot, out);
        }
    }

    /// Accepts or Accepteds get lost: open slots go again to the acceptors not heard from.
    fn resend_open(&self, s: &MpState, out: &mut Out<Self>) {
        let ballot = s.ballot.expect("a leader has a ballot");
        let commit = s.applied;
        for (slot, who) in s.votes.iter().take(MAX_BATCH) {
            let (_, cmd) = s.durable.accepted[slot];
            for to in NodeId::all(self.nodes).filter(|n| !who.contains(n)) {
                out.send(
                    to,
                    MpMsg::Accept(Accept {
                        ballot,
                        slot: *slot,
                        cmd,
                        commit,
                    }),
                );
            }
        }
    }

    fn choose(&self, s: &mut MpState, slot: u64, out: &mut Out<Self>) {
        let (_, cmd) = s.durable.accepted[&slot];
        s.votes.remove(&slot);
        s.durable.chosen.insert(slot, cmd);
        self.persist(s, out);
        narrate!(
            out,
            "{} sees {cmd} chosen in slot {slot}: a majority accepted it",
            s.id
        );
        self.apply(s, out);
    }

    /// Applies chosen slots in order; the leader answers the clients waiting.
    fn apply(&self, s: &mut MpState, out: &mut Out<Self>) {
        while let Some(cmd) = s.durable.chosen.get(&(s.applied + 1)).copied() {
            s.applied += 1;
            let Cmd::Write(r) = cmd else { continue };
            s.value += r.delta;
            if s.waiting.get(&s.applied) == Some(&r.id) {
                s.waiting.remove(&s.applied);
                out.reply(
                    r.id,
                    Reply::Committed {
                        index: s.applied,
                        value: s.value,
                    },
                );
            }
        }
    }

    /// The leader of `ballot` says every slot up to `commit` is chosen. A slot accepted here in
    /// that same ballot holds the leader's value, which is the chosen one.
    fn learn(
        &self,
        s: &mut MpState,
        from: NodeId,
        ballot: Ballot,
        commit: u64,
        out: &mut Out<Self>,
    ) {
        let before = s.applied;
        let mut missing = false;
        let mut slot = s.applied + 1;
        while slot <= commit {
            if !s.durable.chosen.contains_key(&slot) {
                match s.durable.accepted.get(&slot) {
                    Some(&(b, cmd)) if b == ballot => {
                        s.durable.chosen.insert(slot, cmd);
                    }
                    _ => {
                        missing = true;
                        break;
                    }
                }
            }
            slot += 1;
        }
        if slot > before + 1 {
            self.persist(s, out);
            self.apply(s, out);
        }
        if s.applied > before {
            narrate!(
                out,
                "{} learns {} chosen (counter = {})",
                s.id,
                slots(before + 1, s.applied),
                s.value
            );
        }
        if missing {
            narrate!(
                out,
                "{} lacks the value of slot {}, which is chosen, and asks {from}",
                s.id,
                s.applied + 1
            );
            out.send(from, MpMsg::Catchup { have: s.applied });
        }
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

    fn on_prepare(
        &self,
        s: &mut MpState,
        from: NodeId,
        ballot: Ballot,
        from_slot: u64,
        out: &mut Out<Self>,
    ) {
        if s.durable.promised.is_some_and(|p| p > ballot) {
            self.nack(s, from, ballot, "Prepare", out);
            return;
        }
        if s.role != Role::Follower && s.ballot != Some(ballot) {
            self.step_down(
                s,
                &format!("{from} runs phase 1 with higher ballot {ballot}"),
                out,
            );
        }
        s.leader = None;
        if s.durable.promised != Some(ballot) {
            s.durable.promised = Some(ballot);
            self.persist(s, out);
        }
        self.reset_election_timer(out);
        let accepted: Vec<(u64, Ballot, Cmd)> = s
            .durable
            .accepted
            .range(from_slot..)
            .map(|(k, (b, c))| (*k, *b, *c))
            .collect();
        narrate!(
            out,
            "{} promises ballot {ballot} to {from}, reporting {} accepted slots from {from_slot} on",
            s.id,
            accepted.len()
        );
        out.send(from, MpMsg::Promise { ballot, accepted });
    }

    fn on_promise(
        &self,
        s: &mut MpState,
        from: NodeId,
        ballot: Ballot,
        accepted: Vec<(u64, Ballot, Cmd)>,
        out: &mut Out<Self>,
    ) {
        if s.role != Role::Candidate || s.ballot != Some(ballot) || s.promises.contains(&from) {
            return;
        }
        s.promises.push(from);
        for (slot, b, cmd) in accepted {
            if s.recovered.get(&slot).is_none_or(|(rb, _)| b > *rb) {
                s.recovered.insert(slot, (b, cmd));
            }
        }
        if s.promises.len() >= self.majority() {
            self.become_leader(s, out);
        }
    }

    fn on_accept(&self, s: &mut MpState, from: NodeId, m: Accept, out: &mut Out<Self>) {
        let Accept {
            ballot,
            slot,
            cmd,
            commit,
        } = m;
        let below = s.durable.promised.is_some_and(|p| p > ballot);
        if below && !self.bug_accept_below_promise {
            self.nack(s, from, ballot, "Accept", out);
            return;
        }
        if below {
            narrate!(
                out,
                "{} accepts {cmd} in slot {slot}, ballot {ballot}, although it promised {} \
                 (bug: paxos-accept-below-promise)",
                s.id,
                s.durable.promised.expect("below a promise")
            );
        } else {
            s.durable.promised = Some(ballot);
            self.follow(s, from, ballot, out);
        }
        s.durable.accepted.insert(slot, (ballot, cmd));
        self.persist(s, out);
        out.send(from, MpMsg::Accepted { ballot, slot });
        if !below {
            self.learn(s, from, ballot, commit, out);
        }
    }

    fn on_accepted(
        &self,
        s: &mut MpState,
        from: NodeId,
        ballot: Ballot,
        slot: u64,
        out: &mut Out<Self>,
    ) {
        if s.role != Role::Leader || s.ballot != Some(ballot) {
            return;
        }
        let Some(mut votes) = s.votes.get(&slot).cloned() else {
            return;
        };
        if !votes.contains(&from) {
            votes.push(from);
        }
        if votes.len() >= self.majority() {
            self.choose(s, slot, out);
        } else {
            s.votes.insert(slot, votes);
        }
    }

    fn on_nack(
        &self,
        s: &mut MpState,
        from: NodeId,
        ballot: Ballot,
        promised: Ballot,
        out: &mut Out<Self>,
    ) {
        s.max_round = s.max_round.max(promised.round);
        if s.role != Role::Follower && s.ballot == Some(ballot) {
            self.step_down(s, &format!("{from} promised higher ballot {promised}"), out);
        }
    }

    fn on_heartbeat(
        &self,
        s: &mut MpState,
        from: NodeId,
        ballot: Ballot,
        commit: u64,
        out: &mut Out<Self>,
    ) {
        if s.durable.promised.is_some_and(|p| p > ballot) {
            self.nack(s, from, ballot, "the heartbeat of", out);
            return;
        }
        if s.leader != Some(from) {
            narrate!(out, "{} follows {from}, leader of ballot {ballot}", s.id);
        }
        self.follow(s, from, ballot, out);
        self.learn(s, from, ballot, commit, out);
    }

    fn on_catchup(&self, s: &mut MpState, from: NodeId, have: u64, out: &mut Out<Self>) {
        let entries: Vec<(u64, Cmd)> = (have + 1..=s.applied)
            .take(MAX_BATCH)
            .map(|k| (k, s.durable.chosen[&k]))
            .collect();
        if entries.is_empty() {
            return;
        }
        narrate!(
            out,
            "{} sends {from} the chosen values of {}",
            s.id,
            slots(have + 1, have + entries.len() as u64)
        );
        out.send(
            from,
            MpMsg::Decide {
                entries,
                commit: s.applied,
            },
        );
    }

    fn on_decide(
        &self,
        s: &mut MpState,
        from: NodeId,
        entries: Vec<(u64, Cmd)>,
        commit: u64,
        out: &mut Out<Self>,
    ) {
        let before = s.applied;
        for (slot, cmd) in entries {
            if !s.durable.chosen.contains_key(&slot) {
                s.durable.chosen.insert(slot, cmd);
            }
        }
        self.persist(s, out);
        self.apply(s, out);
        if s.applied > before {
            narrate!(
                out,
                "{} applies chosen {} (counter = {})",
                s.id,
                slots(before + 1, s.applied),
                s.value
            );
        }
        if s.applied < commit {
            out.send(from, MpMsg::Catchup { have: s.applied });
        }
    }
}

fn names(ids: &[NodeId]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// "slot 3" or "slots 3..5".
fn slots(from: u64, to: u64) -> String {
    if from == to {
        format!("slot {from}")
    } else {
        format!("slots {from}..{to}")
    }
}

fn ballot_or_none(b: Option<Ballot>) -> String {
    b.map_or("none".into(), |b| b.to_string())
}

impl Message for MpMsg {
    fn kind(&self) -> usize {
        match self {
            MpMsg::Prepare { .. } => 0,
            MpMsg::Promise { .. } => 1,
            MpMsg::Accept(_) => 2,
            MpMsg::Accepted { .. } => 3,
            MpMsg::Nack { .. } => 4,
            MpMsg::Heartbeat { .. } => 5,
            MpMsg::Catchup { .. } => 6,
            MpMsg::Decide { .. } => 7,
        }
    }

    fn label(&self) -> String {
        match self {
            MpMsg::Prepare { ballot, from } => format!("Prepare {ballot} ≥{from}"),
            MpMsg::Promise { ballot, accepted } => {
                format!("Promise {ballot} ({} slots)", accepted.len())
            }
            MpMsg::Accept(m) => format!("Accept {} [{}] {}", m.ballot, m.slot, m.cmd),
            MpMsg::Accepted { ballot, slot } => format!("Accepted {ballot} [{slot}]"),
            MpMsg::Nack { ballot, promised } => format!("Nack {ballot} <{promised}"),
            MpMsg::Heartbeat { ballot, commit } => format!("Heartbeat {ballot} ≤{commit}"),
            MpMsg::Catchup { have } => format!("Catch-up >{have}"),
            MpMsg::Decide { entries, .. } => format!(
                "Decide [{}..{}]",
                entries.first().map_or(0, |e| e.0),
                entries.last().map_or(0, |e| e.0)
            ),
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: String| (k.to_string(), v);
        match self {
            MpMsg::Prepare { ballot, from } => {
                vec![
                    f("ballot", ballot.to_string()),
                    f("from slot", from.to_string()),
                ]
            }
            MpMsg::Promise { ballot, accepted } => vec![
                f("ballot", ballot.to_string()),
                f(
                    "accepted",
                    if accepted.is_empty() {
                        "none".into()
                    } else {
                        accepted
                            .iter()
                            .map(|(k, b, c)| format!("[{k}] {c} @{b}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                ),
            ],
            MpMsg::Accept(m) => vec![
                f("ballot", m.ballot.to_string()),
                f("slot", m.slot.to_string()),
                f("command", m.cmd.to_string()),
                f("chosen up to", m.commit.to_string()),
            ],
            MpMsg::Accepted { ballot, slot } => {
                vec![f("ballot", ballot.to_string()), f("slot", slot.to_string())]
            }
            MpMsg::Nack { ballot, promised } => vec![
                f("ballot", ballot.to_string()),
                f("promised", promised.to_string()),
            ],
            MpMsg::Heartbeat { ballot, commit } => vec![
                f("ballot", ballot.to_string()),
                f("chosen up to", commit.to_string()),
            ],
            MpMsg::Catchup { have } => vec![f("has up to", have.to_string())],
            MpMsg::Decide { entries, commit } => vec![
                f(
                    "entries",
                    entries
                        .iter()
                        .map(|(k, c)| format!("[{k}] {c}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                f("chosen up to", commit.to_string()),
            ],
        }
    }
}

impl Protocol for MultiPaxos {
    type Msg = MpMsg;
    type Timer = MpTimer;
    type Durable = MpDurable;
    type State = MpState;

    const NAME: &'static str = "Multi-Paxos";
    const MESSAGE_KINDS: &'static [&'static str] = &[
        "Prepare",
        "Promise",
        "Accept",
        "Accepted",
        "Nack",
        "Heartbeat",
        "Catchup",
        "Decide",
    ];

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
        let mut s = MpState {
            id,
            durable: durable.clone(),
            role: Role::Follower,
            ballot: None,
            leader: None,
            max_round,
            promises: Vec::new(),
            recovered: OrdMap::new(),
            applied: 0,
            value: 0,
            next_slot: 1,
            votes: OrdMap::new(),
            waiting: OrdMap::new(),
        };
        self.apply(&mut s, out);
        narrate!(
            out,
            "{id} starts as a follower (promised {}, {} slots chosen and applied, counter = {})",
            ballot_or_none(durable.promised),
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
            "{} proposes counter += {} in slot {slot} (phase 2 only: phase 1 is done)",
            s.id,
            req.delta
        );
        self.propose(s, slot, Cmd::Write(req), out);
    }

    fn summary(&self, s: &MpState) -> NodeSummary {
        let (role, class) = match s.role {
            Role::Follower => ("follower", "follower"),
            Role::Candidate => ("candidate (phase 1)", "candidate"),
            Role::Leader => ("leader", "leader"),
        };
        let len = s
            .durable
            .accepted
            .get_max()
            .map_or(0, |(k, _)| *k)
            .max(s.durable.chosen.get_max().map_or(0, |(k, _)| *k));
        let from = len.saturating_sub(8);
        NodeSummary {
            role: role.into(),
            class,
            term: s.term(),
            term_label: format!("ballot {}", ballot_or_none(s.shown_ballot())),
            log: (from + 1..=len)
                .filter_map(|k| {
                    let chosen = s.durable.chosen.get(&k);
                    let acc = s.durable.accepted.get(&k);
                    let cmd = chosen.or(acc.map(|(_, c)| c))?;
                    Some(LogCell {
                        index: k,
                        term: acc.map_or(0, |(b, _)| b.round),
                        text: match cmd {
                            Cmd::Noop => "no-op".into(),
                            Cmd::Write(r) => format!("+{}", r.delta),
                        },
                        committed: chosen.is_some(),
                    })
                })
                .collect(),
            log_len: len,
            committed: s.applied,
            value: Some(s.value),
        }
    }

    fn inspect(&self, s: &MpState) -> Vec<Section> {
        let mut v = vec![Section::Fields {
            title: format!("{} · {:?}", s.id, s.role),
            fields: vec![
                ("promised".into(), ballot_or_none(s.durable.promised)),
                ("own ballot".into(), ballot_or_none(s.ballot)),
                (
                    "leader".into(),
                    s.leader.map_or("none".into(), |l| l.to_string()),
                ),
                ("chosen and applied up to".into(), s.applied.to_string()),
                ("counter".into(), s.value.to_string()),
            ],
        }];
        if s.role == Role::Leader {
            v.push(Section::Table {
                title: "Open slots".into(),
                columns: vec!["slot".into(), "accepted by".into()],
                rows: s
                    .votes
                    .iter()
                    .map(|(k, who)| vec![k.to_string(), names(who)])
                    .collect(),
            });
        }
        v.push(slot_table(&s.durable));
        v
    }

    fn inspect_durable(&self, d: &MpDurable) -> Vec<Section> {
        vec![
            Section::Fields {
                title: "Stable storage".into(),
                fields: vec![("promised".into(), ballot_or_none(d.promised))],
            },
            slot_table(d),
        ]
    }
}

/// The last 50 slots: what was accepted (and in which ballot) and what is known chosen.
fn slot_table(d: &MpDurable) -> Section {
    let last = d
        .accepted
        .get_max()
        .map_or(0, |(k, _)| *k)
        .max(d.chosen.get_max().map_or(0, |(k, _)| *k));
    Section::Table {
        title: "Slots".into(),
        columns: vec![
            "slot".into(),
            "accepted".into(),
            "ballot".into(),
            "chosen".into(),
        ],
        rows: (last.saturating_sub(50) + 1..=last)
            .rev()
            .map(|k| {
                let acc = d.accepted.get(&k);
                vec![
                    k.to_string(),
                    acc.map_or(String::new(), |(_, c)| c.to_string()),
                    acc.map_or(String::new(), |(b, _)| b.to_string()),
                    d.chosen.get(&k).map_or(String::new(), |c| c.to_string()),
                ]
            })
            .collect(),
    }
}
