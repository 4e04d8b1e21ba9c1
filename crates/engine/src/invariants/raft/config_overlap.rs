//! Configuration Overlap: any two configurations that can both still form quorums have
//! intersecting majorities (Ongaro's dissertation, §4.1: "it is not possible for C_old and C_new
//! to make decisions independently"; the single-server change bug, raft-dev, July 2015, is two
//! configurations for which this fails).
//!
//! Which configurations can still form quorums follows the notion of an active configuration
//! of Schultz et al. (MongoDB's logless reconfiguration, "Formal Verification of a Distributed
//! Dynamic Reconfiguration Protocol", CPP 2022): the latest configuration in the committed log
//! is active, and so is a server's latest configuration beyond it, unless the server's log is
//! older than the newest committed term (a log that can no longer win an election nor commit,
//! since a majority of the committed configuration holds a newer entry). Configurations older
//! than the committed one are deactivated.

use super::RaftChecker;
use crate::invariants::{CheckCtx, InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::raft::{Config, Raft};

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Configuration Overlap",
    statement: "Any two configurations that can both form quorums have intersecting majorities.",
    source: "Raft dissertation §4.1 and its errata (raft-dev, July 2015)",
};

/// Whether a majority of `a` and a majority of `b` can be disjoint: each takes servers only
/// the other lacks first, then shared ones, and together they need no more shared ones than
/// there are.
pub fn can_disagree(a: Config, b: Config) -> bool {
    let shared = (a.voters & b.voters).count_ones() as usize;
    let only_a = (a.voters & !b.voters).count_ones() as usize;
    let only_b = (b.voters & !a.voters).count_ones() as usize;
    let need_a = (a.len() / 2 + 1).saturating_sub(only_a);
    let need_b = (b.len() / 2 + 1).saturating_sub(only_b);
    need_a + need_b <= shared
}

pub fn check(c: &mut RaftChecker, ctx: &CheckCtx<'_, Raft>, found: &mut Vec<Violation>) {
    let initial = ctx.proto.reconfig.initial;
    // The committed configuration: the latest one in the committed prefix ever seen.
    let (committed_index, committed) = (0..c.committed.len())
        .rev()
        .find_map(|k| c.committed[k].entry.config.map(|cf| (k as u64 + 1, cf)))
        .unwrap_or((0, initial));
    let committed_term = c.committed.last().map_or(0, |k| k.entry.term);
    let mut active: Vec<(Option<NodeId>, Config)> = vec![(None, committed)];
    for (id, s) in ctx.live() {
        if s.config_index > committed_index && s.last_term() >= committed_term {
            active.push((Some(id), s.config));
        }
    }
    for (i, &(x, a)) in active.iter().enumerate() {
        for &(y, b) in &active[i + 1..] {
            if !can_disagree(a, b) || c.overlap_reported.contains(&(a.voters, b.voters)) {
                continue;
            }
            c.overlap_reported.insert((a.voters, b.voters));
            let holder =
                |n: Option<NodeId>| n.map_or("the committed log".to_string(), |n| n.to_string());
            found.push(Violation {
                invariant: INFO.name.into(),
                nodes: [x, y].into_iter().flatten().collect(),
                explanation: format!(
                    "{} uses the configuration {a} and {} uses {b}: a majority of each can \
                     decide without the other",
                    holder(x),
                    holder(y)
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(ids: &[u8]) -> Config {
        Config::of(&ids.iter().map(|&i| NodeId(i)).collect::<Vec<_>>())
    }

    #[test]
    fn single_server_changes_overlap_and_two_concurrent_ones_do_not() {
        let old = c(&[1, 2, 3, 4]);
        assert!(!can_disagree(old, c(&[1, 2, 3, 4, 5])));
        assert!(!can_disagree(old, c(&[1, 2, 3])));
        assert!(!can_disagree(c(&[1, 2, 3]), c(&[1, 2, 3, 4])));
        // The 2015 bug: S5 and S6 each added to {S1..S4} by leaders of different terms.
        assert!(can_disagree(c(&[1, 2, 3, 4, 5]), c(&[1, 2, 3, 4, 6])));
        // Two removals from the same configuration: {S1, S2} and {S3} decide alone.
        assert!(can_disagree(c(&[1, 2, 3]), c(&[3, 4])));
        assert!(!can_disagree(old, old));
    }
}
