//! Global Primary Order: a process that delivers transactions of two primaries delivers the
//! earlier primary's (lower epoch) first.

use super::ZabChecker;
use crate::invariants::{InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::zab::Txn;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Global Primary Order",
    statement: "If a process delivers a, broadcast by a primary of epoch e, and b, broadcast \
                by a primary of a later epoch e', it delivers a before b.",
    source: "Junqueira, Reed and Serafini, DSN 2011, Zab's properties (Global primary order)",
};

/// Delivered sequences are checked pair by neighbouring pair: each delivery must not come
/// from an earlier primary than the one before it.
pub fn check(c: &ZabChecker, node: NodeId, t: Txn, prev: Option<Txn>, found: &mut Vec<Violation>) {
    let (Some(p), Some(b)) = (prev, c.broadcast.get(&t)) else {
        return;
    };
    let Some(a) = c.broadcast.get(&p) else { return };
    if a.epoch > b.epoch {
        found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![node],
            explanation: format!(
                "{node} delivered zxid {} of {}'s epoch {} after zxid {} of {}'s later epoch {}",
                t.zxid, b.primary, b.epoch, p.zxid, a.primary, a.epoch
            ),
        });
    }
}
