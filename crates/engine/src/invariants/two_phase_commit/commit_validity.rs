//! Commit Validity (AC3): the commit decision can only be reached if all processes voted yes.

use super::TwoPcChecker;
use crate::invariants::{CheckCtx, InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::two_phase_commit::{TwoPc, COORDINATOR};

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Commit Validity",
    statement: "A transaction commits only if every participant voted yes.",
    source: "Bernstein, Hadzilacos, Goodman, §7.2 (AC3)",
};

pub fn check(
    c: &TwoPcChecker,
    ctx: &CheckCtx<'_, TwoPc>,
    id: NodeId,
    txn: u64,
    found: &mut Vec<Violation>,
) {
    let yes = c.yes.get(&txn);
    let missing: Vec<NodeId> = NodeId::all(ctx.nodes.len())
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
