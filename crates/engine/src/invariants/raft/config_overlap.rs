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

/// Whether a quorum of `a` and a quorum of `b` can be disjoint. A quorum needs a majority of
/// each set in `majorities` (C_new, and C_old during joint consensus). Servers fall into the
/// regions of the sets' Venn diagram, and only how many of each region go to either side
/// matters; quorums only grow with more servers, so every server goes to one side.
pub fn can_disagree(a: &[u32], b: &[u32]) -> bool {
    let sets: Vec<u32> = a.iter().chain(b).copied().collect();
    let mut regions: Vec<(u32, u64)> = Vec::new();
    for i in 0..32 {
        // Bit k of `member`: whether server i is in set k.
        let member: u32 = sets
            .iter()
            .enumerate()
            .filter(|(_, s)| *s >> i & 1 == 1)
            .map(|(k, _)| 1 << k)
            .sum();
        // A server in no set counts for no majority; leaving it out keeps the search small.
        if member == 0 {
            continue;
        }
        match regions.iter_mut().find(|(m, _)| *m == member) {
            Some((_, n)) => *n += 1,
            None => regions.push((member, 1)),
        }
    }
    let sizes: Vec<u64> = sets.iter().map(|s| u64::from(s.count_ones())).collect();
    let mut side_a = vec![0; sets.len()];
    split(&regions, &sizes, a.len(), &mut side_a)
}

/// Tries every way to share the remaining regions between the two sides; `taken[k]` counts
/// servers of set k on A's side.
fn split(regions: &[(u32, u64)], sizes: &[u64], in_a: usize, taken: &mut Vec<u64>) -> bool {
    let Some((&(member, n), rest)) = regions.split_first() else {
        // A's sets need a majority on A's side, B's sets on the other side.
        return (0..sizes.len()).all(|k| {
            let mine = if k < in_a {
                taken[k]
            } else {
                sizes[k] - taken[k]
            };
            mine > sizes[k] / 2
        });
    };
    for x in 0..=n {
        for (k, t) in taken.iter_mut().enumerate() {
            if member & (1 << k) != 0 {
                *t += x;
            }
        }
        let found = split(rest, sizes, in_a, taken);
        for (k, t) in taken.iter_mut().enumerate() {
            if member & (1 << k) != 0 {
                *t -= x;
            }
        }
        if found {
            return true;
        }
    }
    false
}

/// The sets a quorum of `c` needs a majority of, as the servers count them: with the buggy
/// variant raft-joint-new-majority-only, C_new alone.
fn quorum_sets(ctx: &CheckCtx<'_, Raft>, c: Config) -> Vec<u32> {
    if ctx.proto.reconfig.bug_joint_new_majority_only {
        c.new_part().majorities()
    } else {
        c.majorities()
    }
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
            let key = (a, b);
            if c.overlap_reported.contains(&key)
                || !can_disagree(&quorum_sets(ctx, a), &quorum_sets(ctx, b))
            {
                continue;
            }
            c.overlap_reported.insert(key);
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
