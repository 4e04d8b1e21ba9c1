//! Two-Phase Commit's values with participant ids renamed, for the explorer's symmetry
//! reduction.
//!
//! S1 coordinates and keeps its name; the participants S2..Sn are alike. Each owns one shard,
//! votes on what its own lock allows, and is addressed by the coordinator only as one of "every
//! participant" (Prepare and the decision go to all of them, a commit waits for all their yes
//! votes); no rule compares two participants' ids or picks one by id. So renaming participants
//! maps every run to a run, and a state with S2 and S3 swapped (in every id the coordinator
//! holds) behaves as the state itself, renamed. Messages, timers and the log on stable storage
//! name transactions, never nodes (the sender and receiver are the envelope's), so only the
//! state's own id and the coordinator's vote and acknowledgement lists change. Each function
//! takes its value apart field by field, so a field added later cannot be forgotten here
//! without the compiler saying so.

use super::TpcState;
use crate::node::{NodeId, Perm};
use imbl::OrdMap;

/// Per-transaction lists of participants, renamed (the order they came in is kept: it is part
/// of the state as much as the ids are).
fn permute_lists(m: &OrdMap<u64, Vec<NodeId>>, p: &Perm) -> OrdMap<u64, Vec<NodeId>> {
    m.iter().map(|(&txn, ids)| (txn, p.ids(ids))).collect()
}

impl TpcState {
    /// The same node under the renaming `p` (which fixes the coordinator): its own id and the
    /// participants whose votes and acknowledgements it counted.
    pub fn permute_ids(&self, p: &Perm) -> TpcState {
        let TpcState {
            id,
            durable,
            votes,
            acks,
            blocked,
        } = self;
        TpcState {
            id: p.id(*id),
            durable: durable.clone(),
            votes: permute_lists(votes, p),
            acks: permute_lists(acks, p),
            blocked: *blocked,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::two_phase_commit::{Status, TpcDurable, TxnRecord};

    /// S1 fixed, S2 -> S3, S3 -> S4, S4 -> S2.
    fn rotate() -> Perm {
        Perm::new(vec![NodeId(1), NodeId(3), NodeId(4), NodeId(2)]).unwrap()
    }

    fn coordinator() -> TpcState {
        let mut durable = TpcDurable::default();
        durable.log.insert(
            7,
            TxnRecord {
                delta: 5,
                status: Status::Voting,
            },
        );
        TpcState {
            id: NodeId(1),
            durable,
            votes: [(7u64, vec![NodeId(4), NodeId(2)])].into_iter().collect(),
            acks: [(3u64, vec![NodeId(3)])].into_iter().collect(),
            blocked: false,
        }
    }

    #[test]
    fn the_coordinator_keeps_its_name_and_renames_whom_it_heard() {
        let s = coordinator().permute_ids(&rotate());
        assert_eq!(s.id, NodeId(1));
        assert_eq!(s.votes[&7], vec![NodeId(2), NodeId(3)]);
        assert_eq!(s.acks[&3], vec![NodeId(4)]);
        // The log names transactions only.
        assert_eq!(s.durable, coordinator().durable);
    }

    #[test]
    fn a_participant_takes_its_new_name_and_renaming_back_undoes_it() {
        let p = rotate();
        let part = TpcState {
            id: NodeId(3),
            durable: TpcDurable {
                lock: Some(7),
                ..TpcDurable::default()
            },
            votes: OrdMap::new(),
            acks: OrdMap::new(),
            blocked: true,
        };
        let r = part.permute_ids(&p);
        assert_eq!(
            (r.id, r.durable.lock, r.blocked),
            (NodeId(4), Some(7), true)
        );
        assert_eq!(r.permute_ids(&p.inverse()), part);
        let c = coordinator();
        assert_eq!(c.permute_ids(&p).permute_ids(&p.inverse()), c);
        assert_eq!(c.permute_ids(&Perm::identity(4)), c);
    }
}
