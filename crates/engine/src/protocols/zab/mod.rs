//! Zab, ZooKeeper's atomic broadcast, as in Junqueira, Reed and Serafini, "Zab: High-performance
//! broadcast for primary-backup systems" (DSN 2011), and as ZooKeeper implements it, described by
//! Medeiros, "ZooKeeper's atomic broadcast protocol: Theory and practice" (2012). The replicated
//! state machine is the counter, each transaction `counter += delta`, or under `workload=kv` the
//! key-value store (`machine`), each transaction a client's write or cas.
//!
//! A node is LOOKING, FOLLOWING or LEADING, and goes through the paper's phases in order:
//!
//! - **Election** (Phase 0; Medeiros' Fast Leader Election): LOOKING nodes exchange
//!   notifications carrying a vote, ordered by (current epoch, last zxid, id); a node adopts a
//!   better vote, and settles once a quorum agrees with its own. A LOOKING node that hears from
//!   nodes already FOLLOWING or LEADING joins their leader.
//! - **Discovery** (Phase 1): followers send FOLLOWERINFO with their accepted epoch; with a
//!   quorum the leader picks a new epoch above all of them (NEWEPOCH), and followers answer
//!   ACKEPOCH with their current epoch and last zxid. As in ZooKeeper, the election already made
//!   the leader the most up-to-date: a follower ahead of it sends it back to LOOKING.
//! - **Synchronization** (Phase 2): the leader sends each follower NEWLEADER with what it needs
//!   of the leader's history (DIFF: the missing suffix; TRUNC: drop a tail the leader does not
//!   have, then the suffix; SNAP: the whole history), the follower adopts the epoch and ACKs,
//!   and once a quorum has, the leader delivers its history and sends UPTODATE.
//! - **Broadcast** (Phase 3): PROPOSAL with zxid = (epoch, counter), ACK, COMMIT once a quorum
//!   acknowledged, in zxid order. PINGs keep followers with their leader; a follower that stops
//!   hearing from it, or a leader that stops hearing from a quorum (ZooKeeper's syncLimit), goes
//!   back to LOOKING.
//!
//! Durable, written before any reply that depends on it: the accepted epoch, the current epoch
//! and the history. Zab assumes FIFO channels (TCP); the simulated network reorders and loses
//! messages, so a follower that sees a gap in the proposals (or a COMMIT for a zxid it never
//! received) does what a ZooKeeper follower does when its connection breaks: it reconnects with
//! a new FOLLOWERINFO and is synchronized again.
//!
//! Messages carry ZooKeeper's names, as Medeiros describes them; the DSN paper's are CEPOCH
//! (FOLLOWERINFO), ACK-E (ACKEPOCH), ACK-LD (the ACK of NEWLEADER) and COMMIT-LD (UPTODATE).
//!
//! The rules live by phase: `election`, `discovery` (with synchronization, the recovery half of
//! the protocol) and `broadcast`; `sessions` serves key-value clients the way ZooKeeper's
//! servers do (`reads=local` and `reads=sync`); `present` holds the text for people. This file holds the
//! messages, the state, the configuration, the helpers the phases share and the dispatch.

mod broadcast;
mod discovery;
mod election;
mod present;
mod sessions;

use super::machine::{self, Reads, Store};
use crate::node::narrate;
use crate::node::{KvOp, NodeId, Out, Protocol, Reply, Request, Time};
use imbl::Vector;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A transaction id: the epoch of the primary that proposed it and its counter within the
/// epoch. Ordered as ZooKeeper's 64-bit zxid, epoch in the high half.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
pub struct Zxid {
    pub epoch: u64,
    pub counter: u64,
}

impl Zxid {
    pub const ZERO: Zxid = Zxid {
        epoch: 0,
        counter: 0,
    };
    pub fn new(epoch: u64, counter: u64) -> Self {
        Zxid { epoch, counter }
    }
}

/// As ZooKeeper prints it: the epoch, then the counter in 8 hex digits (`0x200000003` is
/// epoch 2, counter 3).
impl fmt::Display for Zxid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch == 0 {
            write!(f, "0x{:x}", self.counter)
        } else {
            write!(f, "0x{:x}{:08x}", self.epoch, self.counter)
        }
    }
}

/// A transaction of the history: the client's `counter += delta` (or key-value operation
/// `op`), request `id`, at `zxid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Txn {
    pub zxid: Zxid,
    pub id: u64,
    pub delta: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<KvOp>,
}

impl Txn {
    /// The client's request this transaction carries.
    pub fn request(&self) -> Request {
        Request {
            id: self.id,
            delta: self.delta,
            op: self.op,
        }
    }
}

/// A vote of Fast Leader Election: whom the sender would have lead, with that node's current
/// epoch and last zxid, which is what votes are ordered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Vote {
    pub leader: NodeId,
    pub epoch: u64,
    pub zxid: Zxid,
}

impl Vote {
    /// FLE's total order on votes: higher epoch, then higher zxid, then higher id wins.
    pub fn key(&self) -> (u64, Zxid, NodeId) {
        (self.epoch, self.zxid, self.leader)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Role {
    Looking,
    Following,
    Leading,
}

/// Where a node is in the protocol: Phase 0 (election) to Phase 3 (broadcast).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Phase {
    Election,
    Discovery,
    Sync,
    Broadcast,
}

/// How NEWLEADER brings a follower's history to the leader's.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Sync {
    /// The follower's last zxid is in the leader's history: send what follows it.
    Diff { after: Zxid, txns: Vec<Txn> },
    /// The follower has a tail the leader does not: keep up to `to`, then append `txns`.
    Trunc { to: Zxid, txns: Vec<Txn> },
    /// The follower is too far behind for a diff: replace its history with the leader's.
    Snap { txns: Vec<Txn> },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ZabMsg {
    /// FLE: the sender's vote in its election round, and its state.
    Notification {
        vote: Vote,
        round: u64,
        state: Role,
    },
    /// Phase 1: a follower connects to its leader with its accepted epoch.
    FollowerInfo {
        accepted_epoch: u64,
    },
    NewEpoch {
        epoch: u64,
    },
    /// `current_epoch` is `None` where ZooKeeper's learner sends -1: it had accepted this epoch
    /// already and cannot acknowledge it again, so the answer only tells the leader its last
    /// zxid, to be synchronized should the epoch be established without it.
    AckEpoch {
        current_epoch: Option<u64>,
        last_zxid: Zxid,
    },
    /// Phase 2: the leader's history, as the follower needs it.
    NewLeader {
        epoch: u64,
        sync: Sync,
    },
    AckNewLeader {
        epoch: u64,
        last_zxid: Zxid,
    },
    /// A quorum is synchronized: everything up to `commit` is delivered.
    UpToDate {
        epoch: u64,
        commit: Zxid,
    },
    /// Phase 3; `prev` is the zxid the leader proposed before, so a follower sees a gap.
    Proposal {
        epoch: u64,
        prev: Zxid,
        txn: Txn,
    },
    Ack {
        epoch: u64,
        zxid: Zxid,
    },
    Commit {
        epoch: u64,
        zxid: Zxid,
    },
    Ping {
        epoch: u64,
    },
    PingAck {
        epoch: u64,
    },
    /// A follower forwards its client's write, or its sync before a read, to the leader
    /// (`reads=local` and `reads=sync`: ZooKeeper's sessions).
    Forward {
        req: Request,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ZabTimer {
    /// LOOKING: resend the notifications.
    Election,
    /// LOOKING: a quorum agrees; wait a moment for a better vote, then settle.
    Finalize,
    /// LEADING: ping the followers; FOLLOWING before NEWLEADER: connect again.
    Heartbeat,
    /// LEADING: give up without a quorum; FOLLOWING: give up on a silent leader.
    SyncLimit,
}

/// Stable storage (the paper's acceptedEpoch, currentEpoch and history).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ZabDurable {
    /// The last NEWEPOCH this node accepted.
    pub accepted_epoch: u64,
    /// The last NEWLEADER this node accepted.
    pub current_epoch: u64,
    /// Transactions in zxid order.
    pub history: Vector<Txn>,
}

impl ZabDurable {
    pub fn last_zxid(&self) -> Zxid {
        self.history.last().map_or(Zxid::ZERO, |t| t.zxid)
    }
}

/// What a leader keeps about each follower that connected.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Learner {
    pub accepted_epoch: u64,
    /// ACKEPOCH in this connection: its current epoch (`None`: an answer that does not count)
    /// and last zxid.
    pub acked_epoch: Option<(Option<u64>, Zxid)>,
    /// It acknowledged the new epoch, in this connection or an earlier one: it counts towards
    /// the quorum that establishes the epoch (ZooKeeper's `electingFollowers`, a set of ids
    /// that outlives a reconnection).
    pub counted: bool,
    /// NEWLEADER was sent: it receives proposals from now on.
    pub forwarding: bool,
    /// It acknowledged NEWLEADER.
    pub synced: bool,
    /// The highest zxid it acknowledged.
    pub acked: Zxid,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ZabState {
    pub id: NodeId,
    pub durable: ZabDurable,
    pub role: Role,
    pub phase: Phase,
    /// FLE's logical clock: the election round.
    pub round: u64,
    /// The current vote: while LOOKING whom this node backs; afterwards whom it settled on.
    pub vote: Vote,
    /// LOOKING: votes received in this round, own included.
    pub votes: BTreeMap<NodeId, Vote>,
    /// LOOKING: the leaders that nodes already FOLLOWING or LEADING report.
    pub out_of_election: BTreeMap<NodeId, (NodeId, Role)>,
    pub leader: Option<NodeId>,
    /// How many transactions of the history are delivered (committed and applied).
    pub committed: u64,
    /// The counter after the delivered transactions.
    pub value: i64,
    /// The key-value store after the delivered transactions (`workload=kv`); written only when
    /// it holds something, so counter runs serialize as before.
    #[serde(skip_serializing_if = "Store::is_empty")]
    pub kv: Store,
    /// FOLLOWING: NEWLEADER arrived in this connection.
    pub got_new_leader: bool,
    /// LEADING: the new epoch, once a quorum's FOLLOWERINFO chose it.
    pub new_epoch: Option<u64>,
    /// LEADING: followers that connected.
    pub learners: BTreeMap<NodeId, Learner>,
    /// LEADING: clients waiting for a commit: (history position, request id).
    pub waiting: Vec<(u64, u64)>,
    /// LEADING before broadcast: requests to propose once established.
    pub queued: Vec<Request>,
    /// Requests this server forwarded to the leader for its session's clients, to answer when
    /// it delivers them (`reads=local` and `reads=sync`); written only when there are some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forwarded: Vec<u64>,
    /// LEADING: followers heard from since the last syncLimit check.
    pub heard: BTreeSet<NodeId>,
    /// LEADING: syncLimit checks since becoming leader (establishing has a limit too).
    pub ticks: u32,
}

impl ZabState {
    pub fn current_epoch(&self) -> u64 {
        self.durable.current_epoch
    }
    pub fn accepted_epoch(&self) -> u64 {
        self.durable.accepted_epoch
    }
    pub fn history(&self) -> &Vector<Txn> {
        &self.durable.history
    }
    pub fn last_zxid(&self) -> Zxid {
        self.durable.last_zxid()
    }
    /// The zxid of the last delivered transaction.
    pub fn commit_zxid(&self) -> Zxid {
        if self.committed == 0 {
            Zxid::ZERO
        } else {
            self.durable.history[self.committed as usize - 1].zxid
        }
    }
    /// This node's own vote: itself, with its epoch and last zxid.
    pub fn own_vote(&self) -> Vote {
        Vote {
            leader: self.id,
            epoch: self.current_epoch(),
            zxid: self.last_zxid(),
        }
    }
    /// An established leader: the one clients are served by.
    pub fn is_established(&self) -> bool {
        self.role == Role::Leading && self.phase == Phase::Broadcast
    }
}

/// How many transactions of `history` have a zxid at or below `z` (it is in zxid order).
pub fn position_of(history: &Vector<Txn>, z: Zxid) -> u64 {
    let (mut lo, mut hi) = (0usize, history.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if history[mid].zxid <= z {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo as u64
}

/// The cluster configuration and the options every node runs with.
#[derive(Clone, Debug)]
pub struct Zab {
    pub nodes: usize,
    /// A follower's syncLimit (drawn from the range); a leader checks its quorum every `.0`.
    pub election_timeout: (Time, Time),
    pub heartbeat: Time,
    /// Followers further behind than this many transactions get SNAP instead of DIFF (as
    /// ZooKeeper keeps only its recent committed log in memory for diffs).
    pub diff_window: u64,
    /// How key-value reads are served: through the log, or ZooKeeper's local reads and sync.
    pub reads: Reads,
    pub bug_reuse_epoch: bool,
    pub bug_skip_sync: bool,
    pub bug_ack_epoch_twice: bool,
}

impl Zab {
    pub fn quorum(&self) -> usize {
        self.nodes / 2 + 1
    }

    fn persist(&self, s: &ZabState, out: &mut Out<Self>) {
        out.persist(s.durable.clone());
    }

    /// A follower's leader still talks to it.
    fn reset_sync_limit(&self, out: &mut Out<Self>) {
        let (lo, hi) = self.election_timeout;
        out.set_timer(ZabTimer::SyncLimit, lo, hi);
    }

    /// Delivers the history up to position `upto`: the counter moves on and an established
    /// leader answers the clients waiting.
    fn deliver(&self, s: &mut ZabState, upto: u64, out: &mut Out<Self>) {
        let upto = upto.min(s.durable.history.len() as u64);
        while s.committed < upto {
            let t = s.durable.history[s.committed as usize];
            s.committed += 1;
            let reply = machine::apply(&mut s.value, &mut s.kv, &t.request(), s.committed);
            if let Some(pos) = s.waiting.iter().position(|&(i, _)| i == s.committed) {
                let (_, request) = s.waiting.swap_remove(pos);
                out.reply(request, reply);
            } else if !s.forwarded.is_empty() {
                self.answer_forwarded(s, t.id, reply, out);
            }
        }
    }

    /// Back to Phase 0: whatever this node was doing, it looks for a leader in a new round.
    fn go_looking(&self, s: &mut ZabState, out: &mut Out<Self>) {
        s.role = Role::Looking;
        s.phase = Phase::Election;
        s.leader = None;
        s.got_new_leader = false;
        s.new_epoch = None;
        s.learners.clear();
        s.waiting.clear();
        s.queued.clear();
        s.forwarded.clear();
        s.heard.clear();
        s.ticks = 0;
        out.cancel_timer(ZabTimer::Heartbeat);
        out.cancel_timer(ZabTimer::SyncLimit);
        self.start_election(s, out);
    }
}

impl Protocol for Zab {
    type Msg = ZabMsg;
    type Timer = ZabTimer;
    type Durable = ZabDurable;
    type State = ZabState;

    const NAME: &'static str = "Zab";

    fn cluster_size(&self) -> usize {
        self.nodes
    }

    fn on_start(&self, id: NodeId, durable: &ZabDurable, out: &mut Out<Self>) -> ZabState {
        let mut s = ZabState {
            id,
            durable: durable.clone(),
            role: Role::Looking,
            phase: Phase::Election,
            round: 0,
            vote: Vote {
                leader: id,
                epoch: durable.current_epoch,
                zxid: durable.last_zxid(),
            },
            votes: BTreeMap::new(),
            out_of_election: BTreeMap::new(),
            leader: None,
            committed: 0,
            value: 0,
            kv: Store::default(),
            got_new_leader: false,
            new_epoch: None,
            learners: BTreeMap::new(),
            waiting: Vec::new(),
            queued: Vec::new(),
            forwarded: Vec::new(),
            heard: BTreeSet::new(),
            ticks: 0,
        };
        narrate!(
            out,
            "{id} starts LOOKING with current epoch {}, accepted epoch {} and {} transactions \
             (last zxid {})",
            s.current_epoch(),
            s.accepted_epoch(),
            s.history().len(),
            s.last_zxid()
        );
        self.start_election(&mut s, out);
        s
    }

    fn on_msg(&self, s: &mut ZabState, from: NodeId, msg: ZabMsg, out: &mut Out<Self>) {
        if let ZabMsg::Notification { vote, round, state } = msg {
            self.on_notification(s, from, vote, round, state, out);
            return;
        }
        match s.role {
            Role::Looking => {}
            Role::Leading => self.leader_msg(s, from, msg, out),
            Role::Following if s.leader == Some(from) => {
                // Only what a leader sends shows it alive: two nodes that each believe the
                // other leads must not keep each other waiting.
                if !matches!(
                    msg,
                    ZabMsg::FollowerInfo { .. }
                        | ZabMsg::AckEpoch { .. }
                        | ZabMsg::AckNewLeader { .. }
                        | ZabMsg::Ack { .. }
                        | ZabMsg::PingAck { .. }
                        | ZabMsg::Forward { .. }
                ) {
                    self.reset_sync_limit(out);
                }
                self.follower_msg(s, from, msg, out);
            }
            Role::Following => {}
        }
    }

    fn on_timer(&self, s: &mut ZabState, timer: ZabTimer, out: &mut Out<Self>) {
        match timer {
            ZabTimer::Election => self.election_timeout(s, out),
            ZabTimer::Finalize => self.finalize(s, out),
            ZabTimer::Heartbeat => match s.role {
                Role::Leading => self.heartbeat(s, out),
                Role::Following if !s.got_new_leader => {
                    narrate!(
                        out,
                        "{} is not synchronized yet and connects to its leader again",
                        s.id
                    );
                    self.connect(s, out);
                }
                _ => {}
            },
            ZabTimer::SyncLimit => match s.role {
                Role::Leading => self.check_quorum(s, out),
                Role::Following => {
                    narrate!(
                        out,
                        "{} has not heard from its leader {} within syncLimit and goes back to \
                         LOOKING",
                        s.id,
                        s.leader.map_or("?".into(), |l| l.to_string())
                    );
                    self.go_looking(s, out);
                }
                Role::Looking => {}
            },
        }
    }

    fn on_request(&self, s: &mut ZabState, req: Request, out: &mut Out<Self>) {
        if let Some(op) = req.op.filter(|_| self.in_session(&req)) {
            self.serve_session(s, req, op, out);
            return;
        }
        match s.role {
            Role::Leading if s.phase == Phase::Broadcast => self.propose(s, req, out),
            Role::Leading => {
                narrate!(
                    out,
                    "{} is not established yet and holds request #{} until it is",
                    s.id,
                    req.id
                );
                s.queued.push(req);
            }
            Role::Following => {
                narrate!(
                    out,
                    "{} is FOLLOWING and points the client to its leader {}",
                    s.id,
                    s.leader.map_or("?".into(), |l| l.to_string())
                );
                out.reply(req.id, Reply::Redirect(s.leader));
            }
            Role::Looking => {
                narrate!(
                    out,
                    "{} is LOOKING for a leader and cannot serve the client",
                    s.id
                );
                out.reply(req.id, Reply::Redirect(None));
            }
        }
    }
}
