//! The learner ("Paxos Made Simple" §2.3): it counts the acceptors that announce accepting each
//! ballot and learns the value once a majority accepted the same ballot; then the proposer on the
//! node stops retrying and the clients waiting are answered.

use super::{Ballot, Paxos, PaxosState, PaxosTimer, Phase, Value};
use crate::node::narrate;
use crate::node::{NodeId, Out, Reply};

impl Paxos {
    pub(super) fn on_accepted(
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
}
