//! The read path without the log (Ongaro's thesis §6.4): ReadIndex, leases (§6.4.1) and
//! follower reads, as etcd-io/raft does them (read_only.go; ReadOnlySafe and ReadOnlyLeaseBased
//! in raft.go).
//!
//! - `reads=read-index`, §6.4's four steps: (1) the leader needs an entry of its own term
//!   committed (it commits a no-op when its term starts, §8), (2) it takes its commit index as
//!   the read index, (3) it confirms it is still the leader with a round of heartbeats a majority
//!   acknowledges (etcd's heartbeat with a context), (4) it waits until it has applied the read
//!   index, then answers from its state machine.
//! - `reads=lease`, §6.4.1: a majority acknowledging a round sent at `t` promises that no other
//!   leader is elected before `t` plus an election timeout, because those followers refuse votes
//!   for that long (§4.2.3). So the leader serves reads from its own state, without a round, until
//!   its own clock says the lease ran out. Clocks drift: the lease is shortened to
//!   `timeout × (1 − drift) / (1 + drift)`, the longest that holds when the leader's clock runs
//!   slow and a follower's fast. Outside a lease the leader falls back to ReadIndex.
//! - `reads=follower`: a follower asks the leader for a read index (the leader does steps 1 to 3
//!   for it), applies up to it, and answers from its own state (§6.4, last paragraph).
//!
//! Buggy variants: `raft-read-without-quorum-check` answers every read at once from the
//! leader's state, so a leader deposed in a minority partition serves stale data;
//! `raft-lease-ignores-drift` holds the lease for a whole election timeout of its own clock.

use super::{Raft, RaftMsg, RaftState, RaftTimer, Role};
use crate::node::narrate;
use crate::node::{KvResult, NodeId, Out, Reply, Request, Time};
use crate::protocols::machine::Reads;
use serde::Serialize;

/// The read path's configuration besides `reads`: the clock-drift bound a lease allows for and
/// the buggy variants.
#[derive(Clone, Debug, Default)]
pub struct ReadConfig {
    /// The `drift` setting, parts per million.
    pub drift_ppm: u32,
    pub bug_read_without_quorum_check: bool,
    pub bug_lease_ignores_drift: bool,
}

/// The leader's leadership check (etcd's MsgHeartbeat with a context): round numbers let the
/// leader tell which round an acknowledgement answers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct LeaderCheck {
    pub term: u64,
    pub round: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct LeaderCheckReply {
    pub term: u64,
    pub round: u64,
}

/// A follower asks the leader for a read index for a client's read (etcd's MsgReadIndex).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ReadIndexAsk {
    pub request: u64,
}

/// The leader's answer: the read index, or none when it is not (or no longer) the leader.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ReadIndexAnswer {
    pub request: u64,
    pub index: Option<u64>,
}

/// A read the leader holds until a round confirms it (for itself, or for a follower).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct HeldRead {
    /// The client's read; for a follower's ask, only its id (the leader answers an index).
    pub request: Request,
    /// The first round sent after the read arrived: its acknowledgement confirms leadership
    /// at a moment after the read began.
    pub round: u64,
    /// The follower that asked, or none for the leader's own client.
    pub asker: Option<NodeId>,
}

/// A follower's read: waiting for the leader's read index, then for applying it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct FollowerRead {
    pub request: Request,
    pub index: Option<u64>,
}

/// What a node keeps for reads; all empty under `reads=log`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ReadPath {
    /// Leader: the newest round sent, and per node the newest round it acknowledged.
    pub round: u64,
    pub acked: Vec<u64>,
    pub held: Vec<HeldRead>,
    /// Leader, lease: the round each of the two lease timers was started for. One bounds the
    /// lease a majority confirmed; the other times the newest round, which takes over once
    /// confirmed, so the lease runs on from round to round instead of lapsing.
    pub slots: [Option<u64>; 2],
    /// The slot whose timer bounds the confirmed lease, if one holds.
    pub lease: Option<u8>,
    /// Lease: this node heard from a leader less than a minimum election timeout ago (or
    /// restarted less than that ago) and so refuses to vote (§4.2.3).
    pub vote_hold: bool,
    /// Follower: reads waiting for a read index or for applying it.
    pub asked: Vec<FollowerRead>,
}

impl ReadPath {
    pub fn is_idle(&self) -> bool {
        *self == ReadPath::default()
    }
}

impl Raft {
    /// How long a confirmed round lets the leader serve reads alone, on its own clock.
    pub fn lease_duration(&self) -> Time {
        let lo = self.election_timeout.0;
        if self.read.bug_lease_ignores_drift {
            return lo;
        }
        let d = u128::from(self.read.drift_ppm);
        (u128::from(lo) * (1_000_000 - d) / (1_000_000 + d)) as Time
    }

    /// §6.4 step 1: only once an entry of its own term is committed does a leader know the
    /// commit index is the newest (etcd's committedEntryInCurrentTerm).
    fn own_term_committed(&self, s: &RaftState) -> bool {
        s.term_at(s.commit_index) == s.term()
    }

    /// The newest round a quorum of the configuration (the leader included) has acknowledged:
    /// a majority, or with membership changes the latest configuration's quorum (§4.1, §4.3).
    fn confirmed_round(&self, s: &RaftState) -> u64 {
        let mut acks = s.read.acked.clone();
        if acks.len() != self.nodes {
            return 0;
        }
        acks[s.id.idx()] = s.read.round;
        let mut rounds = acks.clone();
        rounds.sort_unstable_by(|a, b| b.cmp(a));
        rounds.dedup();
        rounds
            .into_iter()
            .find(|&r| {
                let ids: Vec<NodeId> = NodeId::all(self.nodes)
                    .filter(|n| acks[n.idx()] >= r)
                    .collect();
                self.is_quorum(s, &ids)
            })
            .unwrap_or(0)
    }

    /// A leader's read, by the configured path. Under `reads=log` it is appended like a write.
    pub(super) fn serve_read(&self, s: &mut RaftState, req: Request, out: &mut Out<Self>) {
        if self.read.bug_read_without_quorum_check {
            narrate!(
                out,
                "{} answers {} from its own state without checking it still leads (bug: \
                 raft-read-without-quorum-check)",
                s.id,
                req.describe()
            );
            self.answer_read(s, req, out);
            return;
        }
        match self.reads {
            // Validation offers Raft neither of ZooKeeper's paths (local, sync).
            Reads::Log | Reads::Local | Reads::Sync => self.append_request(s, req, out),
            Reads::Lease if s.read.lease.is_some() && self.own_term_committed(s) => {
                narrate!(
                    out,
                    "{} holds a lease and answers {} from its own state (§6.4.1)",
                    s.id,
                    req.describe()
                );
                self.answer_read(s, req, out);
            }
            Reads::ReadIndex | Reads::Lease | Reads::Follower => self.hold_read(s, req, None, out),
        }
    }

    /// A read waits for a round sent after it arrived (and for an entry of this term to commit).
    fn hold_read(
        &self,
        s: &mut RaftState,
        request: Request,
        asker: Option<NodeId>,
        out: &mut Out<Self>,
    ) {
        self.start_round(s, out);
        let what = match asker {
            None => request.describe(),
            Some(f) => format!("{f}'s read index request #{}", request.id),
        };
        narrate!(
            out,
            "{} holds {what} until a majority acknowledges leader check round {} (ReadIndex, \
             §6.4)",
            s.id,
            s.read.round
        );
        s.read.held.push(HeldRead {
            request,
            round: s.read.round,
            asker,
        });
        self.release_reads(s, out);
    }

    /// Sends a round of heartbeats; under `reads=lease` the first round after a lease ran out
    /// starts the next one, timed on this node's clock from this moment.
    pub(super) fn start_round(&self, s: &mut RaftState, out: &mut Out<Self>) {
        s.read.round += 1;
        let msg = RaftMsg::LeaderCheck(LeaderCheck {
            term: s.term(),
            round: s.read.round,
        });
        out.broadcast(s.id, self.nodes, |_| msg.clone());
        if self.reads == Reads::Lease {
            // The slot not bounding the lease (a new round replaces an older unconfirmed one).
            let j = match s.read.lease {
                Some(k) => 1 - usize::from(k),
                None => (0..2).min_by_key(|&j| s.read.slots[j]).unwrap_or(0),
            };
            s.read.slots[j] = Some(s.read.round);
            let d = self.lease_duration();
            out.set_timer(RaftTimer::Lease(j as u8), d, d);
        }
    }

    /// Answers the reads a confirmed round and an own-term commit allow: the leader's own from
    /// its state (it applies as it commits), a follower's with the read index.
    pub(super) fn release_reads(&self, s: &mut RaftState, out: &mut Out<Self>) {
        if s.role != Role::Leader || s.read.held.is_empty() || !self.own_term_committed(s) {
            return;
        }
        let confirmed = self.confirmed_round(s);
        let (ready, waiting): (Vec<HeldRead>, Vec<HeldRead>) =
            s.read.held.iter().partition(|r| r.round <= confirmed);
        s.read.held = waiting;
        for r in ready {
            match r.asker {
                None => {
                    narrate!(
                        out,
                        "{} still leads (round {} acknowledged) and answers {} at read index {}",
                        s.id,
                        r.round,
                        r.request.describe(),
                        s.commit_index
                    );
                    self.answer_read(s, r.request, out);
                }
                Some(f) => {
                    narrate!(
                        out,
                        "{} tells {f} the read index is {}",
                        s.id,
                        s.commit_index
                    );
                    out.send(
                        f,
                        RaftMsg::ReadIndexAnswer(ReadIndexAnswer {
                            request: r.request.id,
                            index: Some(s.commit_index),
                        }),
                    );
                }
            }
        }
    }

    /// Answers a read from this node's applied state.
    fn answer_read(&self, s: &RaftState, req: Request, out: &mut Out<Self>) {
        let Some(op) = req.op else { return };
        out.reply(
            req.id,
            Reply::Applied {
                index: s.last_applied,
                result: KvResult::Read(s.kv.get(op.key())),
            },
        );
    }

    /// A follower's read under `reads=follower`: ask the leader for a read index.
    pub(super) fn follower_read(&self, s: &mut RaftState, req: Request, out: &mut Out<Self>) {
        let Some(leader) = s.leader.filter(|&l| l != s.id) else {
            narrate!(out, "{} knows no leader to ask for a read index", s.id);
            out.reply(req.id, Reply::Redirect(None));
            return;
        };
        narrate!(
            out,
            "{} asks {leader} for a read index for {}",
            s.id,
            req.describe()
        );
        s.read.asked.push(FollowerRead {
            request: req,
            index: None,
        });
        out.send(
            leader,
            RaftMsg::ReadIndexAsk(ReadIndexAsk { request: req.id }),
        );
    }

    pub(super) fn on_read_index_ask(
        &self,
        s: &mut RaftState,
        from: NodeId,
        m: ReadIndexAsk,
        out: &mut Out<Self>,
    ) {
        if s.role != Role::Leader {
            out.send(
                from,
                RaftMsg::ReadIndexAnswer(ReadIndexAnswer {
                    request: m.request,
                    index: None,
                }),
            );
            return;
        }
        // Only the id travels; the leader answers with an index, never with data.
        let request = Request::counter(m.request, 0);
        self.hold_read(s, request, Some(from), out);
    }

    pub(super) fn on_read_index_answer(
        &self,
        s: &mut RaftState,
        m: ReadIndexAnswer,
        out: &mut Out<Self>,
    ) {
        let Some(pos) = s.read.asked.iter().position(|r| r.request.id == m.request) else {
            return;
        };
        match m.index {
            None => {
                let r = s.read.asked.remove(pos);
                narrate!(out, "{} learns its leader no longer leads", s.id);
                out.reply(r.request.id, Reply::Redirect(None));
            }
            Some(i) => {
                s.read.asked[pos].index = Some(i);
                self.release_follower_reads(s, out);
            }
        }
    }

    /// A follower answers the reads whose read index it has applied.
    pub(super) fn release_follower_reads(&self, s: &mut RaftState, out: &mut Out<Self>) {
        let applied = s.last_applied;
        let (ready, waiting): (Vec<FollowerRead>, Vec<FollowerRead>) = s
            .read
            .asked
            .iter()
            .partition(|r| r.index.is_some_and(|i| i <= applied));
        s.read.asked = waiting;
        for r in ready {
            narrate!(
                out,
                "{} has applied the read index {} and answers {} from its own state",
                s.id,
                r.index.unwrap_or_default(),
                r.request.describe()
            );
            self.answer_read(s, r.request, out);
        }
    }

    pub(super) fn on_leader_check(
        &self,
        s: &mut RaftState,
        from: NodeId,
        m: LeaderCheck,
        out: &mut Out<Self>,
    ) {
        if m.term == s.term() {
            if s.role != Role::Follower {
                s.role = Role::Follower;
                s.votes.clear();
            }
            s.leader = Some(from);
            self.reset_election_timer(s, out);
            s.heard_leader = true;
            self.hold_votes(s, out);
        }
        out.send(
            from,
            RaftMsg::LeaderCheckReply(LeaderCheckReply {
                term: s.term(),
                round: m.round,
            }),
        );
    }

    pub(super) fn on_leader_check_reply(
        &self,
        s: &mut RaftState,
        from: NodeId,
        m: LeaderCheckReply,
        out: &mut Out<Self>,
    ) {
        if s.role != Role::Leader || m.term != s.term() {
            return;
        }
        if !s.heard_from.contains(&from) {
            s.heard_from.push(from);
        }
        let acked = &mut s.read.acked[from.idx()];
        *acked = (*acked).max(m.round);
        let confirmed = self.confirmed_round(s);
        self.extend_lease(s, confirmed, out);
        self.release_reads(s, out);
    }

    /// §4.2.3, needed by leases: a follower that heard from the leader refuses votes for a
    /// minimum election timeout of its own clock.
    pub(super) fn hold_votes(&self, s: &mut RaftState, out: &mut Out<Self>) {
        if self.reads == Reads::Lease {
            s.read.vote_hold = true;
            let lo = self.election_timeout.0;
            out.set_timer(RaftTimer::VoteHold, lo, lo);
        }
    }

    /// Whether `msg` is a vote request this node must ignore without even taking its term.
    pub(super) fn ignores_vote(&self, s: &RaftState, msg: &RaftMsg, out: &mut Out<Self>) -> bool {
        let RaftMsg::RequestVote(m) = msg else {
            return false;
        };
        let ignore = s.read.vote_hold && m.term > s.term() && s.role != Role::Leader;
        if ignore {
            narrate!(
                out,
                "{} ignores a vote request for term {}: it heard from a leader less than an \
                 election timeout ago, and that leader may hold a lease (§4.2.3)",
                s.id,
                m.term
            );
        }
        ignore
    }

    /// A confirmed round newer than the lease's own moves the lease to its timer.
    fn extend_lease(&self, s: &mut RaftState, confirmed: u64, out: &mut Out<Self>) {
        let current = s.read.lease.and_then(|k| s.read.slots[usize::from(k)]);
        let newest = (0..2)
            .filter(|&j| s.read.slots[j].is_some_and(|r| r <= confirmed))
            .max_by_key(|&j| s.read.slots[j]);
        let Some(j) = newest.filter(|&j| s.read.slots[j] > current) else {
            return;
        };
        if let Some(k) = s.read.lease {
            let k = usize::from(k);
            s.read.slots[k] = None;
            out.cancel_timer(RaftTimer::Lease(k as u8));
        }
        s.read.lease = Some(j as u8);
        narrate!(
            out,
            "{} holds a lease: a majority acknowledged round {}, and none of them votes for \
             another leader before it runs out (§6.4.1)",
            s.id,
            s.read.slots[j].unwrap_or_default()
        );
    }

    pub(super) fn on_lease_timer(&self, s: &mut RaftState, slot: u8, out: &mut Out<Self>) {
        s.read.slots[usize::from(slot) % 2] = None;
        if s.read.lease == Some(slot) {
            s.read.lease = None;
            narrate!(out, "{}'s lease runs out on its own clock", s.id);
        }
    }

    /// A node that stops leading forgets its reads: their clients hear nothing and retry.
    pub(super) fn forget_reads(&self, s: &mut RaftState, out: &mut Out<Self>) {
        if self.reads == Reads::Log {
            return;
        }
        for j in 0..2 {
            if s.read.slots[j].take().is_some() {
                out.cancel_timer(RaftTimer::Lease(j as u8));
            }
        }
        s.read.held.clear();
        s.read.acked.clear();
        s.read.lease = None;
        s.read.asked.clear();
    }
}
