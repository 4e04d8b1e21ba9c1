//! Raft, as in Ongaro and Ousterhout's extended paper, "In Search of an Understandable Consensus
//! Algorithm" (Figure 2), with PreVote and CheckQuorum (Ongaro's thesis, §9.6 and §6.2) as
//! options. The replicated state machine is a counter, each log entry `counter += delta`, or under
//! `workload=kv` a key-value store (`machine`), each entry a client's read, write or cas.
//!
//! The rules live by concern: `election` (§5.2 and §5.4.1, with PreVote), `replication`
//! (§5.3 and §5.4.2: AppendEntries, commit, apply) and `present` (message labels, the node
//! summary and the inspector: text for people, no rules). This file holds the messages, the state
//! (Figure 2's "State" box), the configuration, the helpers every concern shares (§5.1's step
//! down) and the `Protocol` dispatch: start, messages, timers (CheckQuorum's check among them) and
//! client requests.

mod election;
pub mod membership;
mod permute;
mod present;
mod reads;
mod replication;
pub mod snapshot;

pub use reads::{
    FollowerRead, HeldRead, LeaderCheck, LeaderCheckReply, ReadConfig, ReadIndexAnswer,
    ReadIndexAsk, ReadPath,
};

use super::machine::{Reads, Store};
pub use membership::{Config, Membership, Pending, Reconfig};
pub use snapshot::{Compaction, InstallSnapshot, Snapshot};

use crate::node::narrate;
use crate::node::{ConfChange, NodeId, Out, Protocol, Reply, Request, Time};
use imbl::Vector;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What a log entry holds: the term a leader created it in and the client's request, or a
/// configuration (dissertation §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntryData {
    pub term: u64,
    pub request: Request,
    /// A configuration entry carries the new configuration and no client request; client
    /// entries leave it out, so they serialize as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Config>,
}

/// A log entry (§5.3), read through to its [`EntryData`] (`entry.term`, `entry.request`). An
/// entry never changes once its leader made it and a follower keeps the very entry it was
/// sent, so an entry is shared, not copied: a log slot, a message and the checker's committed
/// prefix hold a pointer instead of the 64 bytes a request takes. An hour of five nodes holds
/// five logs of 36,000 entries, and every checkpoint of time travel copies the chunks of them
/// that change after it.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "EntryData", into = "EntryData")]
pub struct Entry(Arc<EntryData>);

impl Entry {
    /// The client's request, appended in `term` (§5.3).
    pub fn new(term: u64, request: Request) -> Self {
        EntryData {
            term,
            request,
            config: None,
        }
        .into()
    }

    /// A new configuration, appended in `term` (§4.1). It carries no request.
    pub fn config(term: u64, config: Config) -> Self {
        EntryData {
            term,
            request: Request::counter(0, 0),
            config: Some(config),
        }
        .into()
    }
}

impl std::ops::Deref for Entry {
    type Target = EntryData;
    fn deref(&self) -> &EntryData {
        &self.0
    }
}

impl From<EntryData> for Entry {
    fn from(d: EntryData) -> Self {
        Entry(Arc::new(d))
    }
}

impl From<Entry> for EntryData {
    fn from(e: Entry) -> Self {
        *e.0
    }
}

/// Written as the entry it points to, as before entries were shared.
impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("term", &self.term)
            .field("request", &self.request)
            .field("config", &self.config)
            .finish()
    }
}

/// RequestVote RPC arguments (§5.2); PreVote asks the same question hypothetically.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct RequestVote {
    pub term: u64,
    pub last_log_index: u64,
    pub last_log_term: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct VoteReply {
    pub term: u64,
    pub vote_granted: bool,
}

/// AppendEntries RPC arguments (§5.3); with no entries it is a heartbeat (§5.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AppendEntries {
    pub term: u64,
    pub prev_log_index: u64,
    pub prev_log_term: u64,
    pub entries: Vec<Entry>,
    pub leader_commit: u64,
}

/// On failure `last_index` is where the follower's log could match, so the leader backs off
/// nextIndex in one step instead of one entry per round trip.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AppendReply {
    pub term: u64,
    pub success: bool,
    pub match_index: u64,
    pub last_index: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum RaftMsg {
    RequestVote(RequestVote),
    RequestVoteReply(VoteReply),
    AppendEntries(AppendEntries),
    AppendEntriesReply(AppendReply),
    /// Could the sender win an election in `term` without disrupting anyone? (thesis §9.6)
    PreVote(RequestVote),
    PreVoteReply(VoteReply),
    /// Is the sender still the leader? Reads skipping the log ask a majority (thesis §6.4).
    LeaderCheck(LeaderCheck),
    LeaderCheckReply(LeaderCheckReply),
    /// A follower asks the leader for a read index (thesis §6.4, follower reads).
    ReadIndexAsk(ReadIndexAsk),
    ReadIndexAnswer(ReadIndexAnswer),
    /// The leader sends its snapshot to a follower that needs a discarded entry (dissertation
    /// §5.1, Figure 5.3); the follower answers with an AppendEntriesReply, as etcd does.
    InstallSnapshot(InstallSnapshot),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum RaftTimer {
    Election,
    Heartbeat,
    CheckQuorum,
    /// A catch-up round of a new server took an election timeout (dissertation §4.2.1).
    CatchUp,
    /// Leader, `reads=lease`: the lease timed from a round runs out (thesis §6.4.1); two
    /// slots, so the next round is timed while the current lease holds.
    Lease(u8),
    /// Follower, `reads=lease`: the minimum election timeout since it heard its leader ends,
    /// and with it the refusal to vote (thesis §4.2.3).
    VoteHold,
}

/// Persistent state on all servers, updated on stable storage before responding to RPCs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct RaftDurable {
    pub current_term: u64,
    pub voted_for: Option<NodeId>,
    /// 1-based as in the paper: entry i is `log[i - 1]`, counted after the snapshot if there
    /// is one (entry i is then `log[i - snapshot.last_index - 1]`).
    pub log: Vector<Entry>,
    /// The state machine up to a prefix of the log, which was discarded (dissertation §5.1);
    /// only with `snapshot-every`, so runs without it serialize as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Role {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct RaftState {
    pub id: NodeId,
    pub durable: RaftDurable,
    pub role: Role,
    /// The leader this node last heard from in its current term.
    pub leader: Option<NodeId>,
    pub commit_index: u64,
    pub last_applied: u64,
    /// The state machine: the counter after applying entries 1..=last_applied.
    pub value: i64,
    /// The key-value store after applying entries 1..=last_applied (`workload=kv`); written
    /// only when it holds something, so counter runs serialize as before.
    #[serde(skip_serializing_if = "Store::is_empty")]
    pub kv: Store,
    /// Votes (or pre-votes) received while campaigning, own included.
    pub votes: Vec<NodeId>,
    /// Leader only, indexed by node: next entry to send and highest entry known replicated.
    pub next_index: Vec<u64>,
    pub match_index: Vec<u64>,
    /// Leader only: log indices whose clients await an answer from this leader.
    pub waiting: Vec<u64>,
    /// Heard from a leader since the election timer was last armed (PreVote's check).
    pub heard_leader: bool,
    /// Leader with CheckQuorum: followers heard from in this round.
    pub heard_from: Vec<NodeId>,
    /// The latest configuration in the log, and its index (0: the initial one), §4.1.
    pub config: Config,
    pub config_index: u64,
    /// Leader only: the membership change it is carrying out.
    pub pending: Option<Pending>,
    /// The read path's bookkeeping (`reads=` other than `log`); written only when in use.
    #[serde(skip_serializing_if = "ReadPath::is_idle")]
    pub read: ReadPath,
}

impl RaftState {
    pub fn term(&self) -> u64 {
        self.durable.current_term
    }
    /// The entries after the snapshot (the whole log without one).
    pub fn log(&self) -> &Vector<Entry> {
        &self.durable.log
    }
    /// The last index the snapshot covers; 0 without one.
    pub fn snapshot_index(&self) -> u64 {
        self.durable.snapshot_index()
    }
    pub fn last_index(&self) -> u64 {
        self.snapshot_index() + self.durable.log.len() as u64
    }
    /// Entry `index`, if the log still holds it (not 0, not compacted, not past the end).
    pub fn entry(&self, index: u64) -> Option<&Entry> {
        self.durable.entry(index)
    }
    pub fn term_at(&self, index: u64) -> u64 {
        match &self.durable.snapshot {
            Some(snap) if index <= snap.last_index => snap.term_at(index),
            _ => term_at(&self.durable.log, index - self.snapshot_index()),
        }
    }
    pub fn last_term(&self) -> u64 {
        self.term_at(self.last_index())
    }
}

impl RaftDurable {
    pub fn snapshot_index(&self) -> u64 {
        self.snapshot.as_ref().map_or(0, |s| s.last_index)
    }
    /// Entry `index`, if the log still holds it (not 0, not compacted, not past the end).
    pub fn entry(&self, index: u64) -> Option<&Entry> {
        let k = index.checked_sub(self.snapshot_index() + 1)?;
        self.log.get(k as usize)
    }
}

/// Term of entry `index`, 0 for index 0 (the empty prefix).
pub fn term_at(log: &Vector<Entry>, index: u64) -> u64 {
    if index == 0 {
        0
    } else {
        log.get(index as usize - 1).map_or(0, |e| e.term)
    }
}

/// The cluster configuration and the options every node runs with.
#[derive(Clone, Debug)]
pub struct Raft {
    pub nodes: usize,
    pub election_timeout: (Time, Time),
    pub heartbeat: Time,
    pub prevote: bool,
    pub check_quorum: bool,
    /// How a client's read is served (thesis §6.4); see [`Raft::serve_read`].
    pub reads: Reads,
    /// The lease's drift bound and the read path's buggy variants.
    pub read: ReadConfig,
    pub bug_commit_old_term: bool,
    pub bug_vote_without_log_check: bool,
    pub bug_forget_vote_on_restart: bool,
    pub bug_unpersisted_log: bool,
    /// Membership changes (dissertation ch. 4); fixed by default.
    pub reconfig: Reconfig,
    /// Log compaction (dissertation ch. 5); off by default.
    pub compaction: Compaction,
}

impl Raft {
    fn majority(&self) -> usize {
        self.nodes / 2 + 1
    }

    fn persist(&self, s: &RaftState, out: &mut Out<Self>) {
        out.persist(s.durable.clone());
    }

    fn reset_election_timer(&self, s: &mut RaftState, out: &mut Out<Self>) {
        s.heard_leader = false;
        let (lo, hi) = self.election_timeout;
        out.set_timer(RaftTimer::Election, lo, hi);
    }

    /// §5.1: a server that sees a higher term updates its term and reverts to follower.
    fn step_down(&self, s: &mut RaftState, term: u64, out: &mut Out<Self>) {
        let was = s.role;
        s.durable.current_term = term;
        s.durable.voted_for = None;
        s.role = Role::Follower;
        s.leader = None;
        s.votes.clear();
        s.waiting.clear();
        self.forget_reads(s, out);
        self.persist(s, out);
        if was == Role::Leader {
            out.cancel_timer(RaftTimer::Heartbeat);
            out.cancel_timer(RaftTimer::CheckQuorum);
            self.reset_election_timer(s, out);
        }
        narrate!(out, "{} sees term {term} and becomes a follower", s.id);
    }
}

impl Protocol for Raft {
    type Msg = RaftMsg;
    type Timer = RaftTimer;
    type Durable = RaftDurable;
    type State = RaftState;

    const NAME: &'static str = "Raft";

    fn cluster_size(&self) -> usize {
        self.nodes
    }

    fn on_start(&self, id: NodeId, durable: &RaftDurable, out: &mut Out<Self>) -> RaftState {
        let mut durable = durable.clone();
        if self.bug_forget_vote_on_restart {
            if let Some(v) = durable.voted_for.take() {
                narrate!(
                    out,
                    "{id} forgets that it voted for {v} in term {} (bug: \
                     raft-forget-vote-on-restart)",
                    durable.current_term
                );
            }
        }
        let mut s = RaftState {
            id,
            durable,
            role: Role::Follower,
            leader: None,
            commit_index: 0,
            last_applied: 0,
            value: 0,
            kv: Store::default(),
            votes: Vec::new(),
            next_index: Vec::new(),
            match_index: Vec::new(),
            waiting: Vec::new(),
            heard_leader: false,
            heard_from: Vec::new(),
            config: self.initial_config(),
            config_index: 0,
            pending: None,
            read: ReadPath::default(),
        };
        self.restore_snapshot(&mut s, out);
        self.refresh_config(&mut s, 1);
        narrate!(
            out,
            "{id} starts as a follower in term {} with {} log entries",
            s.term(),
            s.last_index()
        );
        self.reset_election_timer(&mut s, out);
        // It may have acknowledged a leader's lease just before it went down (a fresh
        // cluster, in term 0, has none to protect).
        if s.term() > 0 {
            self.hold_votes(&mut s, out);
        }
        s
    }

    fn on_msg(&self, s: &mut RaftState, from: NodeId, msg: RaftMsg, out: &mut Out<Self>) {
        // §5.1: any RPC with a newer term makes this node a follower in that term. Pre-votes
        // are hypothetical and must not disturb terms; a refused pre-vote carries a real one.
        let term = match &msg {
            RaftMsg::RequestVote(m) => Some(m.term),
            RaftMsg::AppendEntries(m) => Some(m.term),
            RaftMsg::AppendEntriesReply(m) => Some(m.term),
            RaftMsg::RequestVoteReply(m) => Some(m.term),
            RaftMsg::PreVoteReply(m) if !m.vote_granted => Some(m.term),
            RaftMsg::LeaderCheck(m) => Some(m.term),
            RaftMsg::LeaderCheckReply(m) => Some(m.term),
            RaftMsg::PreVote(_)
            | RaftMsg::PreVoteReply(_)
            | RaftMsg::ReadIndexAsk(_)
            | RaftMsg::ReadIndexAnswer(_) => None,
            RaftMsg::InstallSnapshot(m) => Some(m.term),
        };
        if let RaftMsg::RequestVote(m) = &msg {
            if self.ignores_vote_request(s, from, m.term, out) {
                return;
            }
        }
        if self.ignores_vote(s, &msg, out) {
            return;
        }
        if let Some(t) = term.filter(|&t| t > s.term()) {
            self.step_down(s, t, out);
        }
        match msg {
            RaftMsg::RequestVote(m) => self.on_request_vote(s, from, m, out),
            RaftMsg::RequestVoteReply(m) => self.on_vote_reply(s, from, m, out),
            RaftMsg::AppendEntries(m) => self.on_append_entries(s, from, m, out),
            RaftMsg::AppendEntriesReply(m) => self.on_append_reply(s, from, m, out),
            RaftMsg::PreVote(m) => self.on_pre_vote(s, from, m, out),
            RaftMsg::PreVoteReply(m) => self.on_pre_vote_reply(s, from, m, out),
            RaftMsg::LeaderCheck(m) => self.on_leader_check(s, from, m, out),
            RaftMsg::LeaderCheckReply(m) => self.on_leader_check_reply(s, from, m, out),
            RaftMsg::ReadIndexAsk(m) => self.on_read_index_ask(s, from, m, out),
            RaftMsg::ReadIndexAnswer(m) => self.on_read_index_answer(s, m, out),
            RaftMsg::InstallSnapshot(m) => self.on_install_snapshot(s, from, m, out),
        }
    }

    fn on_timer(&self, s: &mut RaftState, timer: RaftTimer, out: &mut Out<Self>) {
        match timer {
            RaftTimer::Election => {
                if s.role == Role::Leader {
                    return;
                }
                if !self.is_voter(s) {
                    // §4.2.3: a server outside its configuration never campaigns; a leader's
                    // AppendEntries re-arms the timer. It has not heard from a leader for an
                    // election timeout, so it no longer ignores RequestVote.
                    s.heard_leader = false;
                    narrate!(
                        out,
                        "{} is not a voter in {} and does not campaign",
                        s.id,
                        s.config
                    );
                    return;
                }
                narrate!(
                    out,
                    "{} heard from no leader before its election timeout",
                    s.id
                );
                if self.prevote {
                    self.start_pre_vote(s, out);
                } else {
                    self.start_election(s, out);
                }
            }
            RaftTimer::Heartbeat => {
                if s.role == Role::Leader {
                    self.broadcast_append(s, out);
                    out.set_timer(RaftTimer::Heartbeat, self.heartbeat, self.heartbeat);
                    // A lease is renewed only by rounds it can count acknowledgements of.
                    if self.reads == Reads::Lease {
                        self.start_round(s, out);
                    }
                }
            }
            RaftTimer::CheckQuorum => {
                if s.role != Role::Leader {
                    return;
                }
                let mut heard = s.heard_from.clone();
                heard.push(s.id);
                if !self.is_quorum(s, &heard) {
                    narrate!(
                        out,
                        "{} heard from only {} followers in an election timeout and steps down \
                         (CheckQuorum)",
                        s.id,
                        s.heard_from.len()
                    );
                    s.role = Role::Follower;
                    s.leader = None;
                    s.waiting.clear();
                    self.forget_reads(s, out);
                    out.cancel_timer(RaftTimer::Heartbeat);
                    self.reset_election_timer(s, out);
                } else {
                    s.heard_from.clear();
                    let lo = self.election_timeout.0;
                    out.set_timer(RaftTimer::CheckQuorum, lo, lo);
                }
            }
            RaftTimer::CatchUp => self.catch_up_timeout(s, out),
            RaftTimer::Lease(slot) => self.on_lease_timer(s, slot, out),
            RaftTimer::VoteHold => s.read.vote_hold = false,
        }
    }

    fn reconfigure_refusal(&self, s: &RaftState, change: &ConfChange) -> Option<String> {
        Raft::reconfigure_refusal(self, s, change)
    }

    fn on_reconfigure(&self, s: &mut RaftState, change: &ConfChange, out: &mut Out<Self>) {
        self.start_reconfigure(s, change, out);
    }

    fn on_request(&self, s: &mut RaftState, req: Request, out: &mut Out<Self>) {
        if s.role != Role::Leader && !self.fixed() && !self.is_voter(s) {
            self.redirect_from_outside(s, req, out);
            return;
        }
        let is_read = req.op.is_some_and(|op| op.is_read());
        if s.role != Role::Leader && is_read && self.reads == Reads::Follower {
            self.follower_read(s, req, out);
            return;
        }
        if s.role != Role::Leader {
            narrate!(
                out,
                "{} is not the leader and points the client to {}",
                s.id,
                s.leader.map_or("no one yet".into(), |l| l.to_string())
            );
            out.reply(req.id, Reply::Redirect(s.leader.filter(|&l| l != s.id)));
            return;
        }
        if is_read {
            self.serve_read(s, req, out);
        } else {
            self.append_request(s, req, out);
        }
    }
}

impl Raft {
    /// §5.3: the leader appends the command to its log and replicates it; the client is
    /// answered once the entry is committed and applied.
    pub(super) fn append_request(&self, s: &mut RaftState, req: Request, out: &mut Out<Self>) {
        s.durable.log.push_back(Entry::new(s.term(), req));
        let index = s.last_index();
        s.match_index[s.id.idx()] = index;
        s.waiting.push(index);
        self.persist(s, out);
        narrate!(
            out,
            "{} appends {} as entry {index} in term {}",
            s.id,
            req.describe(),
            s.term()
        );
        for to in self.peers(s) {
            // Followers already caught up get the new entry at once; others are mid-repair.
            if s.next_index[to.idx()] == index {
                self.send_append(s, to, out);
            }
        }
        self.advance_commit(s, out);
    }
}
