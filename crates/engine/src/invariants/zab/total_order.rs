//! Total Order: if some process delivers a before b, any process that delivers b delivers a
//! first. Checked inductively: each transaction has one predecessor in every delivered
//! sequence, the one it had when first delivered.

use super::ZabChecker;
use crate::invariants::{InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::zab::Txn;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Total Order",
    statement: "If some process delivers a before b, then any process that delivers b must \
                also deliver a, and deliver it before b.",
    source: "Junqueira, Reed and Serafini, DSN 2011, Zab's properties (Total order)",
};

pub fn check(
    c: &mut ZabChecker,
    node: NodeId,
    t: Txn,
    prev: Option<Txn>,
    found: &mut Vec<Violation>,
) {
    let name = |p: Option<Txn>| p.map_or("nothing".to_string(), |p| format!("zxid {}", p.zxid));
    match c.before.get(&t) {
        Some(&p) if p != prev => found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![node],
            explanation: format!(
                "{node} delivered zxid {} right after {}, but it was delivered right after {} \
                 elsewhere",
                t.zxid,
                name(prev),
                name(p)
            ),
        }),
        Some(_) => {}
        None => {
            c.before.insert(t, prev);
        }
    }
}
