//! The proposer ("Paxos Made Simple" §2.2, phases 1a and 2a, and §2.4's progress): it picks a
//! fresh ballot above every round it has seen, sends Prepare, adopts the value of the
//! highest-numbered proposal a majority of promises report (or its own if none), sends Accept, and
//! gives the ballot up on a Nack to retry after a random back-off.

use super::{Ballot, Paxos, PaxosMsg, PaxosState, Phase, Value};
use crate::node::narrate;
use crate::node::{NodeId, Out};

impl Paxos {
    /// Phase 1a: a fresh ballot above every round seen; the node's own acceptor answers at once.
    pub(super) fn start_ballot(&self, s: &mut PaxosState, out: &mut Out<Self>) {
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

    pub(super) fn on_promise(
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
                    NodeId::list(&s.promises)
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
                    NodeId::list(&s.promises)
                );
                own
            }
            None => {
                narrate!(
                    out,
                    "{} has promises for ballot {ballot} from a majority ({}); none accepted \
                     anything, so it proposes its own {own}",
                    s.id,
                    NodeId::list(&s.promises)
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

    pub(super) fn on_nack(
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
