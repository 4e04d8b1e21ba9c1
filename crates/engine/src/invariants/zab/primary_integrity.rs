//! Primary Integrity: a primary delivers every transaction of an earlier epoch that anyone
//! delivers before it broadcasts anything itself. Checked as the formal specifications of Zab
//! state it: an established primary has delivered every earlier-epoch transaction delivered
//! anywhere.

use super::ZabChecker;
use crate::invariants::{InvariantInfo, Violation};
use crate::protocols::zab::ZabState;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Primary Integrity",
    statement: "If a primary broadcasts a and some process delivers b from an earlier epoch, \
                the primary delivers b before it broadcasts a.",
    source: "Junqueira, Reed and Serafini, DSN 2011, Zab's properties (Primary integrity)",
};

/// `s` is an established leader: the delivered sequence past what it delivered must hold
/// nothing from an earlier epoch.
pub fn check(c: &mut ZabChecker, s: &ZabState, found: &mut Vec<Violation>) {
    let epoch = s.current_epoch();
    let key = (epoch, s.id);
    let len = c.delivered.len() as u64;
    let from = c
        .primary_checked
        .get(&key)
        .copied()
        .unwrap_or(0)
        .max(s.committed);
    c.primary_checked.insert(key, len.max(from));
    if let Some(d) = (from..len)
        .map(|j| c.delivered[j as usize])
        .find(|d| d.txn.zxid.epoch < epoch)
    {
        found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![s.id],
            explanation: format!(
                "{} is the primary of epoch {epoch} but has not delivered zxid {} (counter += \
                 {}) of epoch {}, which was delivered",
                s.id, d.txn.zxid, d.txn.delta, d.txn.zxid.epoch
            ),
        });
    }
}
