//! Integrity: a process delivers only what some primary broadcast.

use super::ZabChecker;
use crate::invariants::{InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::zab::Txn;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Integrity",
    statement: "If some process delivers a transaction, some primary broadcast it.",
    source: "Junqueira, Reed and Serafini, DSN 2011, Zab's properties (Integrity)",
};

pub fn check(c: &ZabChecker, node: NodeId, t: Txn, found: &mut Vec<Violation>) {
    if !c.broadcast.contains_key(&t) {
        found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![node],
            explanation: format!(
                "{node} delivered zxid {} ({}, #{}), which no primary broadcast",
                t.zxid,
                t.request().describe(),
                t.id
            ),
        });
    }
}
