//! The acceptor ("Paxos Made Simple" §2.2, phases 1b and 2b): it promises a ballot above any
//! promised before and reports the highest-numbered proposal it accepted, accepts a proposal
//! unless it promised a higher ballot, keeps both on stable storage, and announces every
//! acceptance to all learners.

use super::{Ballot, Paxos, PaxosMsg, PaxosState, Value};
use crate::node::narrate;
use crate::node::{NodeId, Out};

impl Paxos {
    /// The acceptor's phase 1b rule: promise a ballot above any promised before.
    pub(super) fn promise(
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
    pub(super) fn accept(
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

    pub(super) fn on_prepare(
        &self,
        s: &mut PaxosState,
        from: NodeId,
        ballot: Ballot,
        out: &mut Out<Self>,
    ) {
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

    pub(super) fn on_accept(
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
    pub(super) fn announce(
        &self,
        s: &mut PaxosState,
        ballot: Ballot,
        value: Value,
        out: &mut Out<Self>,
    ) {
        out.broadcast(s.id, self.nodes, |_| PaxosMsg::Accepted { ballot, value });
        self.on_accepted(s, s.id, ballot, value, out);
    }
}
