//! The checker's memory with participant ids renamed, for the explorer's symmetry reduction:
//! the explorer keeps the checker's memory in the state, so a renamed state renames it too.

use super::TwoPcChecker;
use crate::node::Perm;

impl TwoPcChecker {
    /// The memory the checker would hold had it watched the renamed run: each node's log in
    /// its new place, and every remembered voter and decider renamed.
    pub fn permute_ids(&self, p: &Perm) -> TwoPcChecker {
        let TwoPcChecker { logs, yes, outcome } = self;
        TwoPcChecker {
            logs: p.by_node(logs),
            yes: yes.iter().map(|(&txn, ids)| (txn, p.ids(ids))).collect(),
            outcome: outcome
                .iter()
                .map(|(&txn, &(commit, at))| (txn, (commit, p.id(at))))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::NodeId;
    use crate::protocols::atomic_commit::TxnRecord;
    use crate::protocols::two_phase_commit::Status;
    use imbl::OrdMap;

    #[test]
    fn logs_move_to_their_nodes_and_remembered_ids_are_renamed() {
        let rec = |status| TxnRecord { delta: 1, status };
        let logs = vec![
            OrdMap::unit(1u64, rec(Status::Committed)),
            OrdMap::unit(1u64, rec(Status::Prepared)),
            OrdMap::new(),
        ];
        let c = TwoPcChecker {
            logs: logs.clone(),
            yes: OrdMap::unit(1, vec![NodeId(2)]),
            outcome: OrdMap::unit(1, (true, NodeId(3))),
        };
        // S1 fixed, S2 <-> S3.
        let p = Perm::new(vec![NodeId(1), NodeId(3), NodeId(2)]).unwrap();
        let r = c.permute_ids(&p);
        assert_eq!(
            r.logs,
            vec![logs[0].clone(), logs[2].clone(), logs[1].clone()]
        );
        assert_eq!(r.yes[&1], vec![NodeId(3)]);
        assert_eq!(r.outcome[&1], (true, NodeId(2)));
        assert_eq!(r.permute_ids(&p.inverse()), c);
        // Before its first check the checker holds no logs, and none appear.
        assert_eq!(
            TwoPcChecker::default().permute_ids(&p),
            TwoPcChecker::default()
        );
    }
}
