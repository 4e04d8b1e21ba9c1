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

use crate::node::{CheckCtx, Checker, InvariantInfo, NodeId, Violation};
use crate::protocols::paxos::{Ballot, Paxos, Value};
use imbl::OrdMap;

/// What the Paxos checker remembers between events; imbl maps keep checkpoints cheap.
#[derive(Clone, Debug, Default)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{Out, Protocol};
    use crate::protocols::paxos::{Origin, PaxosDurable, PaxosState};
    use crate::sim::settings::{ProtocolKind, Settings};
    use crate::sim::SimProtocol;

    fn proto() -> Paxos {
        Paxos::from_settings(&Settings {
            nodes: 3,
            ..Settings::for_protocol(ProtocolKind::Paxos)
        })
    }

    fn ballot(round: u64, node: u8) -> Ballot {
        Ballot {
            round,
            node: NodeId(node),
        }
    }

    fn event(
        c: &mut PaxosChecker,
        nodes: &[Option<PaxosState>],
        durable: &[PaxosDurable],
        changed: &[u8],
    ) -> Vec<Violation> {
        let p = proto();
        let changed: Vec<NodeId> = changed.iter().map(|&i| NodeId(i)).collect();
        let requests = imbl::OrdMap::new();
        c.check(&CheckCtx {
            proto: &p,
            nodes,
            durable,
            changed: &changed,
            replies: &[],
            requests: &requests,
        })
    }

    fn accepted(b: Ballot, v: Value) -> PaxosDurable {
        PaxosDurable {
            promised: Some(b),
            accepted: Some((b, v)),
        }
    }

    #[test]
    fn a_value_nobody_proposed_breaks_validity() {
        let mut c = PaxosChecker::default();
        let ghost = Value {
            value: 7,
            origin: Origin::Request(99),
        };
        let d = vec![
            accepted(ballot(1, 1), ghost),
            accepted(ballot(1, 1), ghost),
            PaxosDurable::default(),
        ];
        let v = event(&mut c, &[None, None, None], &d, &[1, 2]);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].invariant, "Validity");
    }

    #[test]
    fn learning_a_value_no_majority_accepted_is_caught() {
        let mut c = PaxosChecker::default();
        let p = proto();
        let ten = crate::protocols::paxos::start_value(NodeId(1));
        let d = vec![
            accepted(ballot(1, 1), ten),
            PaxosDurable::default(),
            PaxosDurable::default(),
        ];
        let mut s3 = p.on_start(NodeId(3), &d[2], &mut Out::new(false));
        s3.learned = Some((ballot(1, 1), ten));
        let v = event(&mut c, &[None, None, Some(s3)], &d, &[1, 3]);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].invariant, "Learned Only Chosen");
        assert_eq!(
            v[0].explanation,
            "S3 learned 10 (S1's) from ballot 1.1, but no majority of acceptors accepted it"
        );
    }
}
