//! Agreement (Lamport calls it safety, others Consistency): only a single value is chosen.

use super::PaxosChecker;
use crate::invariants::{InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::paxos::{Ballot, Value};

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Agreement",
    statement: "Only a single value is chosen.",
    source: "Paxos Made Simple, §2.1 (and P2: every higher chosen proposal has the same value)",
};

/// Ballot `b` was just accepted by a majority (the last being `by`) with value `v`.
pub fn check(c: &PaxosChecker, by: NodeId, b: Ballot, v: Value, found: &mut Vec<Violation>) {
    if let Some((ob, ov)) = c.chosen.iter().find(|(_, ov)| **ov != v) {
        found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![ob.node, b.node, by],
            explanation: format!(
                "{v} is chosen in ballot {b} (a majority accepted it, {by} last), but {ov} was \
                 already chosen in ballot {ob}"
            ),
        });
    }
}
