//! Decision Stability (AC2): a process cannot reverse its decision after it has reached one.

use super::word;
use crate::invariants::{InvariantInfo, Violation};
use crate::node::NodeId;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Decision Stability",
    statement: "A process never reverses a decision it has reached.",
    source: "Bernstein, Hadzilacos, Goodman, §7.3 (AC2)",
};

/// `id` now records `commit` for `txn`; `before` is what it had recorded.
pub fn check(id: NodeId, txn: u64, before: Option<bool>, commit: bool, found: &mut Vec<Violation>) {
    if let Some(b) = before.filter(|&b| b != commit) {
        found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![id],
            explanation: format!(
                "{id} had {} txn #{txn} and now says it {}",
                word(b),
                word(commit)
            ),
        });
    }
}
