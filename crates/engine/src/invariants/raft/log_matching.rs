//! Log Matching: if two logs contain an entry with the same index and term, then the logs are
//! identical in all entries up through the given index (§5.3).

use super::{extend_hash, RaftChecker};
use crate::invariants::{InvariantInfo, Violation};
use crate::protocols::raft::{Entry, RaftState};
use imbl::Vector;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Log Matching",
    statement: "If two logs contain an entry with the same index and term, the logs are identical \
                up through that index.",
    source: "Raft, Figure 3 and §5.3",
};

/// Compares the node's log with the one last checked, hashes the changed suffix and checks each
/// new (index, term) against every log seen with it. Returns the length of the unchanged prefix.
pub fn check(
    c: &mut RaftChecker,
    s: &RaftState,
    log: &Vector<Entry>,
    found: &mut Vec<Violation>,
) -> u64 {
    let i = s.id.idx();
    let old = &c.shadows[i];
    // Logs change only by truncating a suffix and appending, and every entry carries its term
    // and a unique request id: the last equal entry marks the unchanged prefix.
    let mut p = log.len().min(old.len());
    while p > 0 && log[p - 1] != old[p - 1] {
        p -= 1;
    }
    let mut h = c.prefix_hash(i, p);
    let mut forks = c.forks[i].clone();
    if forks.get_max().is_some_and(|&(k, _)| k > p as u64) {
        forks = forks.into_iter().filter(|&(k, _)| k <= p as u64).collect();
    }
    // Indexing, not iter().skip(): skipping through an imbl vector is linear.
    for k in p..log.len() {
        let e = &log[k];
        h = extend_hash(h, e);
        let index = k as u64 + 1;
        match c.seen.get(&(index, e.term)) {
            Some(&(other_hash, other)) if other_hash != h => {
                found.push(Violation {
                    invariant: INFO.name.into(),
                    nodes: vec![other, s.id],
                    explanation: format!(
                        "{} and {} both hold entry {index} of term {}, but their logs differ \
                         before it",
                        other, s.id, e.term
                    ),
                });
                forks.insert(index, h);
            }
            Some(_) => {}
            None => {
                c.seen.insert((index, e.term), (h, s.id));
            }
        }
    }
    c.shadows[i] = log.clone();
    c.forks[i] = forks;
    p as u64
}
