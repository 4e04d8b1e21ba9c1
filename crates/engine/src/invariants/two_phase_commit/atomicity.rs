//! Atomicity (AC1): all processes that reach a decision reach the same one; no transaction
//! commits at one node and aborts at another.

use super::word;
use crate::invariants::{InvariantInfo, Violation};
use crate::node::NodeId;
use imbl::OrdMap;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Atomicity",
    statement: "All processes that reach a decision on a transaction reach the same one.",
    source: "Bernstein, Hadzilacos, Goodman, §7.3 (AC1)",
};

/// `outcome` holds the first decision seen for each transaction and where; Three-Phase Commit's
/// checker shares this function.
pub fn check(
    outcome: &mut OrdMap<u64, (bool, NodeId)>,
    id: NodeId,
    txn: u64,
    commit: bool,
    found: &mut Vec<Violation>,
) {
    match outcome.get(&txn) {
        Some(&(first, at)) if first != commit => found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![at, id],
            explanation: format!(
                "txn #{txn} {} at {id} but {} at {at}",
                word(commit),
                word(first)
            ),
        }),
        Some(_) => {}
        None => {
            outcome.insert(txn, (commit, id));
        }
    }
}
