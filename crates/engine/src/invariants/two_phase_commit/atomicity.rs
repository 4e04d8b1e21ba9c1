//! Atomicity (AC1): all processes that reach a decision reach the same one; no transaction
//! commits at one node and aborts at another.

use super::{word, TwoPcChecker};
use crate::invariants::{InvariantInfo, Violation};
use crate::node::NodeId;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Atomicity",
    statement: "All processes that reach a decision on a transaction reach the same one.",
    source: "Bernstein, Hadzilacos, Goodman, §7.2 (AC1)",
};

pub fn check(c: &mut TwoPcChecker, id: NodeId, txn: u64, commit: bool, found: &mut Vec<Violation>) {
    match c.outcome.get(&txn) {
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
            c.outcome.insert(txn, (commit, id));
        }
    }
}
