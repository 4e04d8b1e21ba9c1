//! Commit Validity (AC3): the commit decision can only be reached if all processes voted yes.

use crate::invariants::{InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::two_phase_commit::COORDINATOR;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Commit Validity",
    statement: "A transaction commits only if every participant voted yes.",
    source: "Bernstein, Hadzilacos, Goodman, §7.3 (AC3)",
};

/// `yes` lists the participants that voted yes on `txn` in a cluster of `nodes` coordinated by
/// S1; Three-Phase Commit's checker shares this function.
pub fn check(
    yes: Option<&Vec<NodeId>>,
    nodes: usize,
    id: NodeId,
    txn: u64,
    found: &mut Vec<Violation>,
) {
    let missing: Vec<NodeId> = NodeId::all(nodes)
        .filter(|&p| p != COORDINATOR && !yes.is_some_and(|y| y.contains(&p)))
        .collect();
    if let Some(&p) = missing.first() {
        found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![id, p],
            explanation: format!(
                "txn #{txn} committed at {id}, but {} never voted yes",
                missing
                    .iter()
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
}
