//! Committable State (Skeen 1981, committable states; BHG §7.5, the termination protocol):
//! PRE-COMMITTED is a committable state (being in it means every participant voted yes), and a
//! non-blocking protocol's termination commits whenever any node is in one, since some node may
//! already have committed. So with crash faults only, a transaction some node pre-committed is
//! never aborted. Atomicity alone misses a termination protocol that breaks this rule until the
//! node that committed is hidden behind crashes, which the nemesis, keeping two nodes up, rarely
//! arranges.
//! Like Non-blocking it applies only while the network has had no fault: across a partition the
//! rule cannot hold, and Atomicity shows what breaks.

use crate::invariants::{InvariantInfo, Violation};
use crate::node::NodeId;
use imbl::OrdMap;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Committable State",
    statement: "With crash faults only, a transaction that some node pre-committed is never \
                aborted.",
    source: "Skeen, Nonblocking Commit Protocols (1981); Bernstein, Hadzilacos, Goodman, §7.5",
};

/// Where each transaction was first pre-committed and first aborted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Seen {
    precommitted: OrdMap<u64, NodeId>,
    aborted: OrdMap<u64, NodeId>,
}

/// `id` just logged PRE-COMMITTED (`aborted` false) or ABORT (`aborted` true) for `txn`.
pub fn check(seen: &mut Seen, id: NodeId, txn: u64, aborted: bool, found: &mut Vec<Violation>) {
    let (mine, other) = if aborted {
        (&mut seen.aborted, &seen.precommitted)
    } else {
        (&mut seen.precommitted, &seen.aborted)
    };
    if !mine.contains_key(&txn) {
        mine.insert(txn, id);
    }
    let Some(&at) = other.get(&txn) else { return };
    let (pc, ab) = if aborted { (at, id) } else { (id, at) };
    found.push(Violation {
        invariant: INFO.name.into(),
        nodes: vec![pc, ab],
        explanation: format!(
            "txn #{txn} was pre-committed at {pc}, so everyone voted yes, yet it aborted at {ab}"
        ),
    });
}
