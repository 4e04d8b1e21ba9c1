//! Election Safety: at most one leader can be elected in a given term (§5.2).

use super::RaftChecker;
use crate::invariants::{InvariantInfo, Violation};
use crate::protocols::raft::RaftState;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Election Safety",
    statement: "At most one leader can be elected in a given term.",
    source: "Raft, Figure 3 and §5.2",
};

/// Records `s` as its term's leader. Returns whether this is the first time it leads this term.
pub fn check(c: &mut RaftChecker, s: &RaftState, found: &mut Vec<Violation>) -> bool {
    match c.leaders.get(&s.term()) {
        Some(&other) if other == s.id => false,
        Some(&other) => {
            found.push(Violation {
                invariant: INFO.name.into(),
                nodes: vec![other, s.id],
                explanation: format!(
                    "{} and {} were both elected leader of term {}",
                    other,
                    s.id,
                    s.term()
                ),
            });
            true
        }
        None => {
            c.leaders.insert(s.term(), s.id);
            true
        }
    }
}
