//! The safety requirements of consensus as "Paxos Made Simple" §2.1 states them: only a value
//! that has been proposed may be chosen, only a single value is chosen, and a process never
//! learns that a value has been chosen unless it actually has been.
//!
//! A value is chosen when a majority of acceptors accepted the same ballot; no single node sees
//! that, so the checker counts acceptances itself from the acceptors' stable storage, looking
//! only at the nodes that changed.

mod agreement;
mod learned_only_chosen;
mod validity;

use crate::invariants::{CheckCtx, Checker, InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::paxos::{Ballot, Paxos, Value};
use imbl::OrdMap;

/// What the Paxos checker remembers between events; imbl maps keep checkpoints cheap.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PaxosChecker {
    /// Per node, the accepted ballot last seen in its stable storage.
    last_accepted: Vec<Option<Ballot>>,
    /// Per ballot, the value and the acceptors seen accepting it.
    accepted_by: OrdMap<Ballot, (Value, Vec<NodeId>)>,
    /// Ballots a majority accepted, with their value.
    chosen: OrdMap<Ballot, Value>,
}

pub const INVARIANTS: &[InvariantInfo] =
    &[agreement::INFO, validity::INFO, learned_only_chosen::INFO];

impl Checker<Paxos> for PaxosChecker {
    fn invariants(&self) -> &'static [InvariantInfo] {
        INVARIANTS
    }

    fn check(&mut self, ctx: &CheckCtx<'_, Paxos>) -> Vec<Violation> {
        let n = ctx.nodes.len();
        if self.last_accepted.len() != n {
            self.last_accepted = vec![None; n];
        }
        let majority = n / 2 + 1;
        let mut found = Vec::new();
        for &id in ctx.changed {
            // Stable storage, so a crashed acceptor's acceptances still count.
            let Some((b, v)) = ctx.durable[id.idx()].accepted else {
                continue;
            };
            if self.last_accepted[id.idx()] == Some(b) {
                continue;
            }
            self.last_accepted[id.idx()] = Some(b);
            let mut entry = self.accepted_by.get(&b).cloned().unwrap_or((v, Vec::new()));
            if entry.1.contains(&id) {
                continue;
            }
            entry.1.push(id);
            let now_chosen = entry.1.len() == majority;
            self.accepted_by.insert(b, entry);
            if now_chosen {
                agreement::check(self, id, b, v, &mut found);
                validity::check(ctx, b, v, &mut found);
                self.chosen.insert(b, v);
            }
        }
        for &id in ctx.changed {
            if let Some(s) = ctx.node(id) {
                learned_only_chosen::check(self, s, &mut found);
            }
        }
        found
    }
}
