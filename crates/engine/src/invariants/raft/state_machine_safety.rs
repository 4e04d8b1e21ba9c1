//! State Machine Safety: if a server has applied a log entry at a given index to its state
//! machine, no other server will ever apply a different log entry for the same index (§5.4.3).

use super::{Committed, RaftChecker};
use crate::invariants::{InvariantInfo, Violation};
use crate::protocols::raft::{Entry, RaftState};
use imbl::Vector;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "State Machine Safety",
    statement: "No two servers apply different entries at the same index; a committed entry \
                never changes.",
    source: "Raft, Figure 3 and §5.4.3",
};

/// Compares what `s` holds committed with the committed prefix seen so far and extends it.
/// `unchanged` is how much of its log stayed as it was in this event. Returns the first index
/// (0-based) newly known committed, if the prefix grew.
pub fn check(
    c: &mut RaftChecker,
    s: &RaftState,
    log: &Vector<Entry>,
    unchanged: u64,
    found: &mut Vec<Violation>,
) -> Option<u64> {
    let i = s.id.idx();
    let checked = c.checked_commit[i].min(s.commit_index);
    if unchanged < checked {
        found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![s.id],
            explanation: format!(
                "{} replaced entry {} of its log although it had committed up to {}",
                s.id,
                unchanged + 1,
                checked
            ),
        });
    }
    let mut grew = None;
    for index in checked + 1..=s.commit_index {
        let e = &log[index as usize - 1];
        match c.committed.get(index as usize - 1) {
            Some(known) if known.entry != *e => {
                found.push(Violation {
                    invariant: INFO.name.into(),
                    nodes: vec![s.id],
                    explanation: format!(
                        "{} committed entry {index} as {} (term {}), but entry {index} was \
                         already committed as {} (term {})",
                        s.id,
                        e.request.describe(),
                        e.term,
                        known.entry.request.describe(),
                        known.entry.term
                    ),
                });
                break;
            }
            Some(_) => {}
            None => {
                let before = c.committed.last().map_or(0, |k| k.value);
                c.committed.push_back(Committed {
                    entry: e.clone(),
                    term: s.term(),
                    value: before + e.request.delta,
                });
                grew.get_or_insert(index - 1);
            }
        }
    }
    c.checked_commit[i] = s.commit_index;
    if s.last_applied > 0 {
        if let Some(known) = c.committed.get(s.last_applied as usize - 1) {
            if known.value != s.value {
                found.push(Violation {
                    invariant: INFO.name.into(),
                    nodes: vec![s.id],
                    explanation: format!(
                        "{}'s counter is {} after applying {} entries; the committed entries \
                         give {}",
                        s.id, s.value, s.last_applied, known.value
                    ),
                });
            }
        }
    }
    grew
}
