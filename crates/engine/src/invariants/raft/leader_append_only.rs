//! Leader Append-Only: a leader never overwrites or deletes entries in its log; it only
//! appends new entries (§5.3).

use super::RaftChecker;
use crate::invariants::{InvariantInfo, Violation};
use crate::protocols::raft::{Entry, RaftState};
use imbl::Vector;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Leader Append-Only",
    statement: "A leader never overwrites or deletes entries in its log; it only appends.",
    source: "Raft, Figure 3 and §5.3",
};

pub fn check(c: &mut RaftChecker, s: &RaftState, log: &Vector<Entry>, found: &mut Vec<Violation>) {
    let len = log.len() as u64;
    let last = log.last().cloned();
    let i = s.id.idx();
    if let Some((term, old_len, old_last)) = c.leading[i].clone() {
        if term == s.term() {
            // Entries only change by truncating a suffix, so the old last entry standing
            // where it was means nothing before it changed either.
            let kept = old_len == 0
                || (len >= old_len && log.get(old_len as usize - 1) == old_last.as_ref());
            if !kept {
                found.push(Violation {
                    invariant: INFO.name.into(),
                    nodes: vec![s.id],
                    explanation: format!(
                        "leader {} of term {term} changed its log: it had {old_len} entries and \
                         now has {len}, without entry {old_len} as it was",
                        s.id
                    ),
                });
            }
        }
    }
    c.leading[i] = Some((s.term(), len, last));
}
