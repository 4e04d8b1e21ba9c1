//! Agreement: if one process delivers a and another delivers b, then the first delivers b or
//! the second delivers a. Deliveries are prefixes of histories in zxid order, so this holds
//! exactly when no two processes deliver different transactions at the same position: that
//! is what is checked, against the sequence delivered as first seen.

use super::{Delivered, ZabChecker};
use crate::invariants::{InvariantInfo, Violation};
use crate::protocols::zab::{Txn, ZabState};

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Agreement",
    statement: "If one process delivers a and another delivers b, then the first delivers b \
                or the second delivers a: delivered sequences never diverge.",
    source: "Junqueira, Reed and Serafini, DSN 2011, Zab's properties (Agreement)",
};

/// Checks that `s` delivering `t` as its `k`-th (0-based) transaction agrees with what was
/// delivered there before, and extends the delivered sequence. False on a violation.
pub fn check(c: &mut ZabChecker, s: &ZabState, k: u64, t: Txn, found: &mut Vec<Violation>) -> bool {
    match c.delivered.get(k as usize) {
        Some(d) if d.txn != t => {
            found.push(Violation {
                invariant: INFO.name.into(),
                nodes: vec![s.id],
                explanation: format!(
                    "{} delivered zxid {} (request #{}, counter += {}) as transaction {}, \
                     where zxid {} (request #{}, counter += {}) was delivered before: neither \
                     side can deliver the other's",
                    s.id,
                    t.zxid,
                    t.id,
                    t.delta,
                    k + 1,
                    d.txn.zxid,
                    d.txn.id,
                    d.txn.delta
                ),
            });
            false
        }
        Some(_) => true,
        None => {
            let value = c.delivered.last().map_or(0, |d| d.value) + t.delta;
            c.delivered.push_back(Delivered { txn: t, value });
            true
        }
    }
}
