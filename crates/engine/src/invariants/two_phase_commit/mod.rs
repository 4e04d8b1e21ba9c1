//! The atomic commitment properties of Bernstein, Hadzilacos and Goodman ("Concurrency Control
//! and Recovery in Database Systems", §7.3): AC1 all processes that decide reach the same
//! decision (Atomicity), AC2 a decision is never reversed (Decision Stability), AC3 commit only
//! if all processes voted yes (Commit Validity).
//!
//! The checker reads each changed node's log from stable storage, so a crashed node's decisions
//! still count, and compares it with the copy it saw last: imbl's diff skips the shared parts,
//! so only the records that changed in this event are examined.

pub mod atomicity;
pub mod commit_validity;
pub mod decision_stability;
mod permute;

use crate::invariants::{CheckCtx, Checker, InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::atomic_commit::{Log, TxnRecord, TxnStatus};
use crate::protocols::two_phase_commit::{Status, TwoPc, COORDINATOR};
use imbl::ordmap::DiffItem;
use imbl::OrdMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TwoPcChecker {
    /// Each node's log as last checked.
    logs: Vec<Log<Status>>,
    /// Participants that voted yes (logged PREPARED), per transaction.
    yes: OrdMap<u64, Vec<NodeId>>,
    /// The first decision seen for each transaction, and where.
    outcome: OrdMap<u64, (bool, NodeId)>,
}

pub const INVARIANTS: &[InvariantInfo] = &[
    atomicity::INFO,
    commit_validity::INFO,
    decision_stability::INFO,
];

impl Checker<TwoPc> for TwoPcChecker {
    fn invariants(&self) -> &'static [InvariantInfo] {
        INVARIANTS
    }

    fn check(&mut self, ctx: &CheckCtx<'_, TwoPc>) -> Vec<Violation> {
        let n = ctx.nodes.len();
        if self.logs.len() != n {
            self.logs = vec![OrdMap::new(); n];
        }
        let mut found = Vec::new();
        for &id in ctx.changed {
            for (txn, old, new) in changes(&mut self.logs[id.idx()], &ctx.durable[id.idx()].log) {
                if new.status == Status::Prepared && id != COORDINATOR {
                    let mut yes = self.yes.get(&txn).cloned().unwrap_or_default();
                    if !yes.contains(&id) {
                        yes.push(id);
                    }
                    self.yes.insert(txn, yes);
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
                    commit_validity::check(
                        self.yes.get(&txn),
                        ctx.nodes.len(),
                        id,
                        txn,
                        &mut found,
                    );
                }
                atomicity::check(&mut self.outcome, id, txn, commit, &mut found);
            }
        }
        found
    }
}

/// The records of a node's `log` that changed since `seen`, which catches up: each
/// transaction with its record before (none if new) and after. Three-Phase Commit's checker
/// reads its log the same way.
pub fn changes<S: TxnStatus>(
    seen: &mut Log<S>,
    log: &Log<S>,
) -> Vec<(u64, Option<TxnRecord<S>>, TxnRecord<S>)> {
    let found = seen
        .diff(log)
        .filter_map(|d| match d {
            DiffItem::Add(t, r) => Some((*t, None, *r)),
            DiffItem::Update { old, new } => Some((*new.0, Some(*old.1), *new.1)),
            DiffItem::Remove(..) => None,
        })
        .collect();
    *seen = log.clone();
    found
}

pub(crate) fn word(commit: bool) -> &'static str {
    if commit {
        "committed"
    } else {
        "aborted"
    }
}
