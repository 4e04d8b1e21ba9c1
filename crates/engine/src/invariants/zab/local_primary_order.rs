//! Local Primary Order: if a primary broadcasts a before b, a process that delivers b delivers
//! a before b.

use super::ZabChecker;
use crate::invariants::{InvariantInfo, Violation};
use crate::protocols::zab::{Txn, ZabState};

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Local Primary Order",
    statement: "If a primary broadcasts a before it broadcasts b, then a process that \
                delivers b must also deliver a before b.",
    source: "Junqueira, Reed and Serafini, DSN 2011, Zab's properties (Local primary order)",
};

/// `t` is delivered at position `k` (0-based) of `s`'s history: the primary's broadcast
/// before it must come earlier. Looks back only while zxids are at least that one's.
pub fn check(c: &ZabChecker, s: &ZabState, k: u64, t: Txn, found: &mut Vec<Violation>) {
    let Some(origin) = c.broadcast.get(&t) else {
        return;
    };
    let Some(a) = origin.prev else { return };
    let h = s.history();
    let delivered_a = (0..k as usize)
        .rev()
        .map(|j| h[j])
        .take_while(|x| x.zxid >= a.zxid)
        .any(|x| x == a);
    if !delivered_a {
        found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![s.id, origin.primary],
            explanation: format!(
                "{} delivered zxid {} without delivering zxid {} first, which its primary {} \
                 broadcast before it in epoch {}",
                s.id, t.zxid, a.zxid, origin.primary, origin.epoch
            ),
        });
    }
}
