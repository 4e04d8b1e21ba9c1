//! Three-Phase Commit's properties: the atomic commitment properties of Bernstein, Hadzilacos and
//! Goodman §7.3, shared with Two-Phase Commit (Atomicity AC1, Decision Stability AC2, Commit
//! Validity AC3: the same functions, fed from 3PC's log), and Non-blocking, the property 3PC adds
//! (Skeen 1981, the nonblocking theorem; BHG §7.5): under crash faults, the nodes that stayed up decide. Committable
//! State checks the rule that makes this safe: nothing pre-committed is ever aborted. Both hold
//! for crash faults only; once the simulator reports a network fault they no longer apply.
//!
//! As in 2PC's checker, each changed node's log is read from stable storage and diffed with the
//! copy seen last, so a crashed node's decisions still count and only changed records are
//! examined. A participant's UNCERTAIN or PRE-COMMITTED record is its yes vote.

mod committable;
mod non_blocking;

use crate::invariants::two_phase_commit::{
    atomicity, changes, commit_validity, decision_stability,
};
use crate::invariants::{CheckCtx, Checker, InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::atomic_commit::{Log, TxnStatus};
use crate::protocols::three_phase_commit::{Status, ThreePc, COORDINATOR};
use imbl::OrdMap;

pub use non_blocking::ROUND_BOUND;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ThreePcChecker {
    /// Each node's log as last checked.
    logs: Vec<Log<Status>>,
    /// Participants that voted yes, per transaction.
    yes: OrdMap<u64, Vec<NodeId>>,
    /// The first decision seen for each transaction, and where.
    outcome: OrdMap<u64, (bool, NodeId)>,
    /// Which nodes were up when last seen, to notice crashes and restarts.
    up: Vec<bool>,
    /// Each node's termination rounds per transaction at the last crash or restart.
    rounds_at_fault: Vec<OrdMap<u64, u32>>,
    /// Pre-commits and aborts seen, for Committable State.
    committable: committable::Seen,
    /// The run had a partition, a lost or a duplicated message: Non-blocking no longer applies.
    network_faulted: bool,
}

pub const INVARIANTS: &[InvariantInfo] = &[
    atomicity::INFO,
    commit_validity::INFO,
    decision_stability::INFO,
    committable::INFO,
    non_blocking::INFO,
];

impl Checker<ThreePc> for ThreePcChecker {
    fn invariants(&self) -> &'static [InvariantInfo] {
        INVARIANTS
    }

    fn network_fault(&mut self) {
        self.network_faulted = true;
    }

    fn check(&mut self, ctx: &CheckCtx<'_, ThreePc>) -> Vec<Violation> {
        let n = ctx.nodes.len();
        if self.logs.len() != n {
            self.logs = vec![OrdMap::new(); n];
            self.up = vec![false; n];
            self.rounds_at_fault = vec![OrdMap::new(); n];
        }
        let mut found = Vec::new();
        for &id in ctx.changed {
            for (txn, old, new) in changes(&mut self.logs[id.idx()], &ctx.durable[id.idx()].log) {
                if matches!(new.status, Status::Uncertain | Status::PreCommitted)
                    && id != COORDINATOR
                {
                    let mut yes = self.yes.get(&txn).cloned().unwrap_or_default();
                    if !yes.contains(&id) {
                        yes.push(id);
                    }
                    self.yes.insert(txn, yes);
                }
                let pc = new.status == Status::PreCommitted;
                if (pc || new.status == Status::Aborted) && !self.network_faulted {
                    committable::check(&mut self.committable, id, txn, !pc, &mut found);
                }
                let Some(commit) = new.status.decision() else {
                    continue;
                };
                let before = old.and_then(|o| o.status.decision());
                if before == Some(commit) {
                    continue;
                }
                decision_stability::check(id, txn, before, commit, &mut found);
                if commit {
                    commit_validity::check(self.yes.get(&txn), n, id, txn, &mut found);
                }
                atomicity::check(&mut self.outcome, id, txn, commit, &mut found);
            }
        }
        non_blocking::check(self, ctx, &mut found);
        found
    }
}
