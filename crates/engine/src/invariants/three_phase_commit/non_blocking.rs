//! Non-blocking (Skeen 1981, the nonblocking theorem; BHG §7.5): with crash faults only, the nodes that stay up
//! terminate a transaction whatever happened to the coordinator; 2PC's participants block there.
//!
//! "Within a bound after the last fault" is measured in the protocol's own termination rounds
//! (each at most one wait timeout plus one gather window), counted from the last crash or
//! restart the checker saw, for a participant that has stayed up since it voted (a node that
//! restarted undecided may rightly wait for others: BHG §7.5, recovery). "Crash faults only" is
//! what the simulator reports: after a partition, an isolation, a cut link, a dropped or
//! duplicated message, or loss or duplication switched on (`Checker::network_fault`), the
//! property no longer applies, since no commit protocol can terminate across a partition.

use super::ThreePcChecker;
use crate::invariants::{CheckCtx, InvariantInfo, Violation};
use crate::protocols::three_phase_commit::{ThreePc, COORDINATOR};

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Non-blocking",
    statement: "With crash faults only, a participant that stays up decides within a few \
                termination rounds of the last crash or restart.",
    source: "Skeen, Nonblocking Commit Protocols (1981); Bernstein, Hadzilacos, Goodman, §7.5",
};

/// Termination rounds a participant that stays up may run without deciding after the last
/// fault: one to defer to the lowest undecided node, one for that node to pre-commit and
/// commit, and slack for the rounds' timers firing out of step.
pub const ROUND_BOUND: u32 = 4;

pub fn check(c: &mut ThreePcChecker, ctx: &CheckCtx<'_, ThreePc>, found: &mut Vec<Violation>) {
    let flipped = ctx
        .changed
        .iter()
        .any(|id| c.up[id.idx()] != ctx.nodes[id.idx()].is_some());
    for &id in ctx.changed {
        c.up[id.idx()] = ctx.nodes[id.idx()].is_some();
    }
    if flipped {
        for (id, s) in ctx.live() {
            c.rounds_at_fault[id.idx()] = s.rounds.clone();
        }
    }
    if c.network_faulted {
        return;
    }
    for &id in ctx.changed.iter().filter(|&&id| id != COORDINATOR) {
        let Some(s) = ctx.node(id) else { continue };
        for (&txn, &rounds) in &s.rounds {
            let before = c.rounds_at_fault[id.idx()].get(&txn).copied().unwrap_or(0);
            if s.recovering.contains(&txn) || rounds.saturating_sub(before) <= ROUND_BOUND {
                continue;
            }
            found.push(Violation {
                invariant: INFO.name.into(),
                nodes: vec![id],
                explanation: format!(
                    "{id} stayed up but is still undecided on txn #{txn} after {} termination \
                     rounds since the last crash or restart",
                    rounds - before
                ),
            });
        }
    }
}
