//! The checker's memory with node ids renamed, for the explorer's symmetry reduction: the
//! explorer keeps the checker's memory in the state, so a renamed state renames it too.

use super::RaftChecker;
use crate::node::Perm;

impl RaftChecker {
    /// The memory the checker would hold had it watched the renamed run: every remembered id
    /// renamed and every per-node vector reordered.
    ///
    /// Log prefixes are remembered by hash, and a hash cannot be renamed; so this is exact
    /// only for logs whose entries hold no ids, that is without configuration entries, which
    /// is the case under fixed membership (the only one the explorer reduces by symmetry).
    pub fn permute_ids(&self, p: &Perm) -> RaftChecker {
        let RaftChecker {
            leaders,
            leading,
            shadows,
            forks,
            seen,
            committed,
            checked_commit,
            overlap_reported,
        } = self;
        RaftChecker {
            leaders: leaders.iter().map(|(&t, &l)| (t, p.id(l))).collect(),
            leading: p.by_node(
                &leading
                    .iter()
                    .map(|l| {
                        l.as_ref()
                            .map(|(t, len, e)| (*t, *len, e.as_ref().map(|e| e.permute_ids(p))))
                    })
                    .collect::<Vec<_>>(),
            ),
            shadows: p.by_node(
                &shadows
                    .iter()
                    .map(|log| log.iter().map(|e| e.permute_ids(p)).collect())
                    .collect::<Vec<_>>(),
            ),
            forks: p.by_node(forks),
            seen: seen
                .iter()
                .map(|(&k, &(h, id))| (k, (h, p.id(id))))
                .collect(),
            // Only a configuration entry holds ids, and there are none under fixed membership.
            committed: committed.clone(),
            checked_commit: p.by_node(checked_commit),
            overlap_reported: overlap_reported
                .iter()
                .map(|&(a, b)| (a.permute_ids(p), b.permute_ids(p)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invariants::raft::Committed;
    use crate::node::NodeId;
    use crate::node::Request;
    use crate::protocols::raft::{Config, Entry};

    #[test]
    fn remembered_leaders_and_per_node_memory_are_renamed() {
        let e = Entry::new(1, Request::counter(1, 1));
        let c = RaftChecker {
            leaders: [(1u64, NodeId(1)), (2, NodeId(3))].into_iter().collect(),
            leading: vec![Some((2, 1, Some(e.clone()))), None, None],
            shadows: vec![Default::default(); 3],
            forks: vec![Default::default(); 3],
            seen: [((1u64, 1u64), (7u64, NodeId(2)))].into_iter().collect(),
            committed: [Committed {
                entry: e.clone(),
                term: 1,
                value: 1,
            }]
            .into_iter()
            .collect(),
            checked_commit: vec![1, 0, 0],
            overlap_reported: [(Config::first(2), Config::first(3).joint(Config::first(1)))]
                .into_iter()
                .collect(),
        };
        // S1 <-> S3.
        let p = Perm::new(vec![NodeId(3), NodeId(2), NodeId(1)]).unwrap();
        let r = c.permute_ids(&p);
        assert_eq!(r.leaders.get(&1), Some(&NodeId(3)));
        assert_eq!(r.leaders.get(&2), Some(&NodeId(1)));
        assert_eq!(r.leading, vec![None, None, Some((2, 1, Some(e)))]);
        assert_eq!(r.seen.get(&(1, 1)), Some(&(7, NodeId(2))));
        assert_eq!(r.checked_commit, vec![0, 0, 1]);
        // S1 S2 -> S3 S2; S1 S2 S3 -> itself, joint with S1 -> S3.
        let s2_s3 = Config {
            voters: 0b110,
            old: 0,
        };
        let joint = Config {
            voters: 0b100,
            old: 0b111,
        };
        assert!(r.overlap_reported.contains(&(s2_s3, joint)));
        assert_eq!(r.committed, c.committed);
        assert_eq!(r.permute_ids(&p.inverse()), c);
    }
}
