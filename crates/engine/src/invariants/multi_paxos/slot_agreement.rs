//! Agreement, per slot: in each slot at most one value is chosen.

use super::MultiPaxosChecker;
use crate::invariants::{InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::multi_paxos::Cmd;
use crate::protocols::paxos::Ballot;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Agreement",
    statement: "In each slot, only a single value is chosen.",
    source: "Paxos Made Simple, §2.1 and §3 (one instance of Paxos per slot)",
};

/// `cmd` was just accepted in `slot`, ballot `b`, by a majority (the last being `by`).
pub fn check(
    c: &mut MultiPaxosChecker,
    by: NodeId,
    slot: u64,
    b: Ballot,
    cmd: Cmd,
    found: &mut Vec<Violation>,
) {
    match c.chosen.get(&slot) {
        Some(&(ob, oc)) if oc != cmd => found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![ob.node, b.node, by],
            explanation: format!(
                "{cmd} is chosen in slot {slot} with ballot {b} (a majority accepted it, {by} \
                 last), but {oc} was already chosen there with ballot {ob}"
            ),
        }),
        Some(_) => {}
        None => {
            c.chosen.insert(slot, (b, cmd));
        }
    }
}
