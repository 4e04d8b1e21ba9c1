//! Electing a leader ("Paxos Made Simple" §3, with phases 1a and 1b of §2.2): a node whose
//! election timer fires runs phase 1 once for every slot it has not seen chosen, acceptors promise
//! and report what they accepted from that slot on, and with a majority of promises the node leads:
//! it re-proposes the highest-numbered value reported for each unfinished slot and fills the gaps
//! with no-ops. A Nack makes a candidate or leader give its ballot up.

use super::present::slots;
use super::{Cmd, MpMsg, MpState, MpTimer, MultiPaxos, Role};
use crate::node::narrate;
use crate::node::{NodeId, Out};
use crate::protocols::paxos::Ballot;
use imbl::OrdMap;

impl MultiPaxos {
    /// Phase 1a, once for every slot this node has not seen chosen. Never a leader's (its
    /// election timer is stale), so there is no heartbeat timer to cancel.
    pub(super) fn start_phase1(&self, s: &mut MpState, out: &mut Out<Self>) {
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
                NodeId::list(&s.promises)
            );
        } else {
            narrate!(
                out,
                "{} leads with ballot {ballot} (promises from {}); it re-proposes {}: {kept} \
                 recovered values, {noops} gaps filled with no-ops",
                s.id,
                NodeId::list(&s.promises),
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

    pub(super) fn on_prepare(
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

    pub(super) fn on_promise(
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

    pub(super) fn on_nack(
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
}
