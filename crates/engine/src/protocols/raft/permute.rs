//! Raft's values with node ids renamed, for the explorer's symmetry reduction.
//!
//! Raft gives no node a role of its own: any server may campaign, votes are granted by term
//! and log alone (§5.2, §5.4.1), and nothing breaks a tie by id. So a renaming of the servers
//! maps every run to a run, and a state with S1 and S2 swapped (in every id, every per-node
//! vector and every set of voters) behaves as the state itself, renamed. That holds while every
//! server starts in the same configuration; the explorer asks for it (see `explore::symmetry`).
//! Each function takes its value apart field by field, so a field added later cannot be
//! forgotten here without the compiler saying so.

use super::{
    AppendEntries, Config, Entry, EntryData, FollowerRead, HeldRead, InstallSnapshot, Pending,
    RaftDurable, RaftMsg, RaftState, ReadPath, Snapshot,
};
use crate::node::Perm;

impl Config {
    pub fn permute_ids(self, p: &Perm) -> Config {
        let Config { voters, old } = self;
        Config {
            voters: p.mask(voters),
            old: p.mask(old),
        }
    }
}

impl Entry {
    pub fn permute_ids(&self, p: &Perm) -> Entry {
        match self.config {
            Some(c) => EntryData {
                config: Some(c.permute_ids(p)),
                ..**self
            }
            .into(),
            None => self.clone(),
        }
    }
}

/// Client entries hold no ids: the log is shared, not copied, unless a configuration entry
/// must change.
fn permute_log(log: &imbl::Vector<Entry>, p: &Perm) -> imbl::Vector<Entry> {
    if log.iter().all(|e| e.config.is_none()) {
        return log.clone();
    }
    log.iter().map(|e| e.permute_ids(p)).collect()
}

impl Snapshot {
    pub fn permute_ids(&self, p: &Perm) -> Snapshot {
        let Snapshot {
            last_index,
            last_term,
            config,
            config_index,
            value,
            kv,
        } = self;
        Snapshot {
            last_index: *last_index,
            last_term: *last_term,
            config: config.permute_ids(p),
            config_index: *config_index,
            value: *value,
            kv: kv.clone(),
        }
    }
}

impl RaftDurable {
    pub fn permute_ids(&self, p: &Perm) -> RaftDurable {
        let RaftDurable {
            current_term,
            voted_for,
            log,
            snapshot,
        } = self;
        RaftDurable {
            current_term: *current_term,
            voted_for: p.opt(*voted_for),
            log: permute_log(log, p),
            snapshot: snapshot.as_ref().map(|s| s.permute_ids(p)),
        }
    }
}

impl RaftMsg {
    pub fn permute_ids(&self, p: &Perm) -> RaftMsg {
        match self {
            RaftMsg::AppendEntries(a) => {
                let AppendEntries {
                    term,
                    prev_log_index,
                    prev_log_term,
                    entries,
                    leader_commit,
                } = a;
                RaftMsg::AppendEntries(AppendEntries {
                    term: *term,
                    prev_log_index: *prev_log_index,
                    prev_log_term: *prev_log_term,
                    entries: entries.iter().map(|e| e.permute_ids(p)).collect(),
                    leader_commit: *leader_commit,
                })
            }
            // The sender and receiver are the envelope's; these carry no other id.
            RaftMsg::RequestVote(_)
            | RaftMsg::RequestVoteReply(_)
            | RaftMsg::AppendEntriesReply(_)
            | RaftMsg::PreVote(_)
            | RaftMsg::PreVoteReply(_)
            | RaftMsg::LeaderCheck(_)
            | RaftMsg::LeaderCheckReply(_)
            | RaftMsg::ReadIndexAsk(_)
            | RaftMsg::ReadIndexAnswer(_) => self.clone(),
            RaftMsg::InstallSnapshot(InstallSnapshot { term, snapshot }) => {
                RaftMsg::InstallSnapshot(InstallSnapshot {
                    term: *term,
                    snapshot: snapshot.permute_ids(p),
                })
            }
        }
    }
}

impl ReadPath {
    fn permute_ids(&self, p: &Perm) -> ReadPath {
        let ReadPath {
            round,
            acked,
            held,
            slots,
            lease,
            vote_hold,
            asked,
        } = self;
        ReadPath {
            round: *round,
            acked: p.by_node(acked),
            held: held
                .iter()
                .map(|h| {
                    let HeldRead {
                        request,
                        round,
                        asker,
                    } = *h;
                    HeldRead {
                        request,
                        round,
                        asker: p.opt(asker),
                    }
                })
                .collect(),
            slots: *slots,
            lease: *lease,
            vote_hold: *vote_hold,
            asked: asked
                .iter()
                .map(|&FollowerRead { request, index }| FollowerRead { request, index })
                .collect(),
        }
    }
}

impl RaftState {
    /// The same server under the renaming `p`: its own id, the ids it holds, its per-node
    /// vectors and its voter sets.
    pub fn permute_ids(&self, p: &Perm) -> RaftState {
        let RaftState {
            id,
            durable,
            role,
            leader,
            commit_index,
            last_applied,
            value,
            kv,
            votes,
            next_index,
            match_index,
            waiting,
            heard_leader,
            heard_from,
            config,
            config_index,
            pending,
            read,
        } = self;
        RaftState {
            id: p.id(*id),
            durable: durable.permute_ids(p),
            role: *role,
            leader: p.opt(*leader),
            commit_index: *commit_index,
            last_applied: *last_applied,
            value: *value,
            kv: kv.clone(),
            votes: p.ids(votes),
            next_index: p.by_node(next_index),
            match_index: p.by_node(match_index),
            waiting: waiting.clone(),
            heard_leader: *heard_leader,
            heard_from: p.ids(heard_from),
            config: config.permute_ids(p),
            config_index: *config_index,
            pending: pending.map(|q| {
                let Pending {
                    add,
                    remove,
                    round,
                    round_end,
                } = q;
                Pending {
                    add: p.opt(add),
                    remove: p.opt(remove),
                    round,
                    round_end,
                }
            }),
            read: read.permute_ids(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{NodeId, Request};
    use crate::protocols::raft::{AppendReply, Role};

    fn entry(term: u64, config: Option<Config>) -> Entry {
        EntryData {
            term,
            request: Request::counter(term, 1),
            config,
        }
        .into()
    }

    /// S1 -> S2, S2 -> S3, S3 -> S1.
    fn rotate() -> Perm {
        Perm::new(vec![NodeId(2), NodeId(3), NodeId(1)]).unwrap()
    }

    /// A leader of S1..S3 with every id-bearing field in use.
    fn leader() -> RaftState {
        RaftState {
            id: NodeId(1),
            durable: RaftDurable {
                current_term: 3,
                voted_for: Some(NodeId(1)),
                log: [
                    entry(1, None),
                    entry(2, Some(Config::of(&[NodeId(1), NodeId(3)]))),
                ]
                .into_iter()
                .collect(),
                snapshot: None,
            },
            role: Role::Leader,
            leader: Some(NodeId(1)),
            commit_index: 1,
            last_applied: 1,
            value: 1,
            kv: Default::default(),
            votes: vec![NodeId(1), NodeId(3)],
            next_index: vec![3, 2, 1],
            match_index: vec![2, 1, 0],
            waiting: vec![2],
            heard_leader: false,
            heard_from: vec![NodeId(2)],
            config: Config {
                voters: 0b101,
                old: 0b011,
            },
            config_index: 2,
            pending: Some(Pending {
                add: Some(NodeId(2)),
                remove: Some(NodeId(3)),
                round: 1,
                round_end: 2,
            }),
            read: ReadPath {
                round: 4,
                acked: vec![4, 0, 3],
                held: vec![HeldRead {
                    request: Request::counter(9, 0),
                    round: 4,
                    asker: Some(NodeId(3)),
                }],
                ..ReadPath::default()
            },
        }
    }

    #[test]
    fn every_id_in_a_state_is_renamed() {
        let s = leader().permute_ids(&rotate());
        assert_eq!(s.id, NodeId(2));
        assert_eq!(s.durable.voted_for, Some(NodeId(2)));
        assert_eq!(s.durable.log[0], entry(1, None));
        assert_eq!(
            s.durable.log[1].config,
            Some(Config::of(&[NodeId(2), NodeId(1)]))
        );
        assert_eq!(s.leader, Some(NodeId(2)));
        assert_eq!(s.votes, vec![NodeId(2), NodeId(1)]);
        // S1's entry moves to S2's place, S3's to S1's.
        assert_eq!(s.next_index, vec![1, 3, 2]);
        assert_eq!(s.match_index, vec![0, 2, 1]);
        assert_eq!(s.heard_from, vec![NodeId(3)]);
        assert_eq!(
            s.config,
            Config {
                voters: 0b011,
                old: 0b110
            }
        );
        let q = s.pending.unwrap();
        assert_eq!((q.add, q.remove), (Some(NodeId(3)), Some(NodeId(1))));
        assert_eq!(s.read.acked, vec![3, 4, 0]);
        assert_eq!(s.read.held[0].asker, Some(NodeId(1)));
        // What holds no id is kept.
        assert_eq!(
            (s.commit_index, s.waiting.clone(), s.role),
            (1, vec![2], Role::Leader)
        );
    }

    #[test]
    fn renaming_back_gives_the_value_again() {
        let p = rotate();
        let s = leader();
        assert_eq!(s.permute_ids(&p).permute_ids(&p.inverse()), s);
        assert_eq!(s.permute_ids(&Perm::identity(3)), s);
        let d = s.durable.clone();
        assert_eq!(d.permute_ids(&p).permute_ids(&p.inverse()), d);
    }

    #[test]
    fn messages_rename_the_configurations_they_carry() {
        let p = rotate();
        let ae = RaftMsg::AppendEntries(AppendEntries {
            term: 2,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: vec![entry(2, Some(Config::of(&[NodeId(3)])))],
            leader_commit: 0,
        });
        let RaftMsg::AppendEntries(a) = ae.permute_ids(&p) else {
            panic!("still AppendEntries")
        };
        assert_eq!(a.entries[0].config, Some(Config::of(&[NodeId(1)])));
        let reply = RaftMsg::AppendEntriesReply(AppendReply {
            term: 2,
            success: true,
            match_index: 1,
            last_index: 1,
        });
        assert_eq!(reply.permute_ids(&p), reply);
    }
}
