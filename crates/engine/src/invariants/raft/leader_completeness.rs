//! Leader Completeness: if a log entry is committed in a given term, then that entry will be
//! present in the logs of the leaders for all higher-numbered terms (§5.4).

use super::{live_leaders, Committed, RaftChecker};
use crate::invariants::{CheckCtx, InvariantInfo, Violation};
use crate::protocols::raft::{Entry, Raft, RaftState};
use imbl::Vector;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Leader Completeness",
    statement: "An entry committed in a term is present in the logs of the leaders of all \
                higher terms.",
    source: "Raft, Figure 3 and §5.4",
};

/// `log` is `s`'s whole log, as the checker last saw it.
fn missing(s: &RaftState, log: &Vector<Entry>, index: u64, c: &Committed) -> Option<Violation> {
    if s.term() <= c.term || log.get(index as usize - 1) == Some(&c.entry) {
        return None;
    }
    Some(Violation {
        invariant: INFO.name.into(),
        nodes: vec![s.id],
        explanation: format!(
            "{} leads term {} without committed entry {index} ({}, term {})",
            s.id,
            s.term(),
            c.entry.request.describe(),
            c.entry.term
        ),
    })
}

/// A node just became leader: it must hold everything committed in earlier terms.
pub fn check_new_leader(c: &RaftChecker, s: &RaftState, found: &mut Vec<Violation>) {
    if let Some(v) = c
        .committed
        .iter()
        .enumerate()
        .find_map(|(k, e)| missing(s, c.shadow(s.id), k as u64 + 1, e))
    {
        found.push(v);
    }
}

/// Entries from `from` on were just seen committed: leaders of later terms must hold them.
pub fn check_new_commits(
    c: &RaftChecker,
    ctx: &CheckCtx<'_, Raft>,
    from: u64,
    found: &mut Vec<Violation>,
) {
    for s in live_leaders(ctx) {
        if let Some(v) = (from as usize..c.committed.len())
            .find_map(|k| missing(s, c.shadow(s.id), k as u64 + 1, &c.committed[k]))
        {
            found.push(v);
        }
    }
}
