//! Replication ("Paxos Made Simple" §3, with phases 2a and 2b of §2.2 per slot): the leader
//! proposes each command in the next free slot, acceptors accept unless they promised a higher
//! ballot, and a slot is chosen once a majority accepted it. Heartbeats and accepts carry how far
//! the slots are chosen, so followers learn the values they accepted in the leader's ballot and
//! ask for the others (Catchup/Decide); chosen slots apply to the counter in order.

use super::present::slots;
use super::{Accept, Cmd, MpMsg, MpState, MultiPaxos, Role};
use crate::node::narrate;
use crate::node::{NodeId, Out};
use crate::protocols::machine;
use crate::protocols::paxos::Ballot;

/// Largest number of chosen values one Decide carries.
const MAX_BATCH: usize = 64;

impl MultiPaxos {
    /// Phase 2a for one slot; the leader's own acceptor accepts at once.
    pub(super) fn propose(&self, s: &mut MpState, slot: u64, cmd: Cmd, out: &mut Out<Self>) {
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
    pub(super) fn resend_open(&self, s: &MpState, out: &mut Out<Self>) {
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
    pub(super) fn apply(&self, s: &mut MpState, out: &mut Out<Self>) {
        while let Some(cmd) = s.durable.chosen.get(&(s.applied + 1)).copied() {
            s.applied += 1;
            let Cmd::Write(r) = cmd else { continue };
            let reply = machine::apply(&mut s.value, &mut s.kv, &r, s.applied);
            if s.waiting.get(&s.applied) == Some(&r.id) {
                s.waiting.remove(&s.applied);
                out.reply(r.id, reply);
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

    pub(super) fn on_accept(&self, s: &mut MpState, from: NodeId, m: Accept, out: &mut Out<Self>) {
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

    pub(super) fn on_accepted(
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

    pub(super) fn on_heartbeat(
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

    pub(super) fn on_catchup(&self, s: &mut MpState, from: NodeId, have: u64, out: &mut Out<Self>) {
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

    pub(super) fn on_decide(
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
