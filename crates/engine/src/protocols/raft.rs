//! Raft, as in Ongaro and Ousterhout's extended paper, "In Search of an Understandable Consensus
//! Algorithm" (Figure 2), with PreVote and CheckQuorum (Ongaro's thesis, §9.6 and §6.2) as
//! options. The replicated state machine is a counter; each log entry is `counter += delta`.

use crate::narrate;
use crate::node::{
    LogCell, Message, NodeId, NodeSummary, Out, Protocol, Reply, Request, Section, Time, TimerKind,
};
use imbl::Vector;
use serde::{Deserialize, Serialize};

/// Largest number of entries one AppendEntries carries.
const MAX_BATCH: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub term: u64,
    pub request: Request,
}

/// RequestVote RPC arguments (§5.2); PreVote asks the same question hypothetically.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestVote {
    pub term: u64,
    pub last_log_index: u64,
    pub last_log_term: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VoteReply {
    pub term: u64,
    pub vote_granted: bool,
}

/// AppendEntries RPC arguments (§5.3); with no entries it is a heartbeat (§5.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppendEntries {
    pub term: u64,
    pub prev_log_index: u64,
    pub prev_log_term: u64,
    pub entries: Vec<Entry>,
    pub leader_commit: u64,
}

/// On failure `last_index` is where the follower's log could match, so the leader backs off
/// nextIndex in one step instead of one entry per round trip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppendReply {
    pub term: u64,
    pub success: bool,
    pub match_index: u64,
    pub last_index: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum RaftMsg {
    RequestVote(RequestVote),
    RequestVoteReply(VoteReply),
    AppendEntries(AppendEntries),
    AppendEntriesReply(AppendReply),
    /// Could the sender win an election in `term` without disrupting anyone? (thesis §9.6)
    PreVote(RequestVote),
    PreVoteReply(VoteReply),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum RaftTimer {
    Election,
    Heartbeat,
    CheckQuorum,
}

impl TimerKind for RaftTimer {
    fn label(&self) -> String {
        match self {
            RaftTimer::Election => "election".into(),
            RaftTimer::Heartbeat => "heartbeat".into(),
            RaftTimer::CheckQuorum => "check-quorum".into(),
        }
    }
}

/// Persistent state on all servers, updated on stable storage before responding to RPCs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RaftDurable {
    pub current_term: u64,
    pub voted_for: Option<NodeId>,
    /// 1-based as in the paper: entry i is `log[i - 1]`.
    pub log: Vector<Entry>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Role {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

#[derive(Clone, Debug, Serialize)]
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
}

impl RaftState {
    pub fn term(&self) -> u64 {
        self.durable.current_term
    }
    pub fn log(&self) -> &Vector<Entry> {
        &self.durable.log
    }
    pub fn last_index(&self) -> u64 {
        self.durable.log.len() as u64
    }
    pub fn term_at(&self, index: u64) -> u64 {
        term_at(&self.durable.log, index)
    }
    pub fn last_term(&self) -> u64 {
        self.term_at(self.last_index())
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
    pub bug_commit_old_term: bool,
    pub bug_vote_without_log_check: bool,
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
        self.persist(s, out);
        if was == Role::Leader {
            out.cancel_timer(RaftTimer::Heartbeat);
            out.cancel_timer(RaftTimer::CheckQuorum);
            self.reset_election_timer(s, out);
        }
        narrate!(out, "{} sees term {term} and becomes a follower", s.id);
    }

    /// §5.4.1: the candidate's log is at least as up-to-date as ours.
    fn log_ok(&self, s: &RaftState, last_log_index: u64, last_log_term: u64) -> bool {
        last_log_term > s.last_term()
            || (last_log_term == s.last_term() && last_log_index >= s.last_index())
    }

    fn start_pre_vote(&self, s: &mut RaftState, out: &mut Out<Self>) {
        s.role = Role::PreCandidate;
        s.leader = None;
        s.votes = vec![s.id];
        narrate!(
            out,
            "{} asks whether it could win an election for term {} (pre-vote)",
            s.id,
            s.term() + 1
        );
        let msg = RaftMsg::PreVote(RequestVote {
            term: s.term() + 1,
            last_log_index: s.last_index(),
            last_log_term: s.last_term(),
        });
        out.broadcast(s.id, self.nodes, |_| msg.clone());
        self.reset_election_timer(s, out);
        if s.votes.len() >= self.majority() {
            self.start_election(s, out);
        }
    }

    /// §5.2: increment currentTerm, vote for self, reset the election timer, send RequestVote.
    fn start_election(&self, s: &mut RaftState, out: &mut Out<Self>) {
        s.durable.current_term += 1;
        s.durable.voted_for = Some(s.id);
        s.role = Role::Candidate;
        s.leader = None;
        s.votes = vec![s.id];
        self.persist(s, out);
        narrate!(
            out,
            "{} becomes a candidate for term {} and votes for itself",
            s.id,
            s.term()
        );
        let msg = RaftMsg::RequestVote(RequestVote {
            term: s.term(),
            last_log_index: s.last_index(),
            last_log_term: s.last_term(),
        });
        out.broadcast(s.id, self.nodes, |_| msg.clone());
        self.reset_election_timer(s, out);
        if s.votes.len() >= self.majority() {
            self.become_leader(s, out);
        }
    }

    fn become_leader(&self, s: &mut RaftState, out: &mut Out<Self>) {
        s.role = Role::Leader;
        s.leader = Some(s.id);
        s.next_index = vec![s.last_index() + 1; self.nodes];
        s.match_index = vec![0; self.nodes];
        s.match_index[s.id.idx()] = s.last_index();
        s.heard_from.clear();
        s.waiting.clear();
        narrate!(
            out,
            "{} wins the election for term {} with votes from {}",
            s.id,
            s.term(),
            names(&s.votes)
        );
        out.cancel_timer(RaftTimer::Election);
        self.broadcast_append(s, out);
        out.set_timer(RaftTimer::Heartbeat, self.heartbeat, self.heartbeat);
        if self.check_quorum {
            let lo = self.election_timeout.0;
            out.set_timer(RaftTimer::CheckQuorum, lo, lo);
        }
    }

    /// Sends the entries from nextIndex on and assumes they arrive (etcd's "replicate" state):
    /// nextIndex moves past them, so a later send does not repeat them; a rejection backs it off.
    fn send_append(&self, s: &mut RaftState, to: NodeId, out: &mut Out<Self>) {
        let next = s.next_index[to.idx()];
        let prev_log_index = next - 1;
        let end = (s.last_index() as usize).min(prev_log_index as usize + MAX_BATCH);
        // Indexing, not iter().skip(): skipping through an imbl vector is linear.
        let entries: Vec<Entry> = (prev_log_index as usize..end)
            .map(|i| s.durable.log[i])
            .collect();
        s.next_index[to.idx()] = prev_log_index + entries.len() as u64 + 1;
        out.send(
            to,
            RaftMsg::AppendEntries(AppendEntries {
                term: s.term(),
                prev_log_index,
                prev_log_term: s.term_at(prev_log_index),
                entries,
                leader_commit: s.commit_index,
            }),
        );
    }

    fn broadcast_append(&self, s: &mut RaftState, out: &mut Out<Self>) {
        let me = s.id;
        for to in NodeId::all(self.nodes).filter(|&n| n != me) {
            self.send_append(s, to, out);
        }
    }

    /// §5.3, §5.4.2: commit the highest index stored on a majority, if it is of this term.
    fn advance_commit(&self, s: &mut RaftState, out: &mut Out<Self>) {
        let mut matched = s.match_index.clone();
        matched.sort_unstable_by(|a, b| b.cmp(a));
        let n = matched[self.majority() - 1];
        if n <= s.commit_index {
            return;
        }
        if s.term_at(n) != s.term() && !self.bug_commit_old_term {
            narrate!(
                out,
                "{} does not commit entry {n} yet: it is from term {}, and a leader only \
                 commits entries of its own term by counting replicas",
                s.id,
                s.term_at(n)
            );
            return;
        }
        narrate!(
            out,
            "{} commits up to entry {n}: a majority stores it",
            s.id
        );
        s.commit_index = n;
        self.apply(s, out);
    }

    /// Applies committed entries to the counter; the leader answers the clients waiting.
    fn apply(&self, s: &mut RaftState, out: &mut Out<Self>) {
        while s.last_applied < s.commit_index {
            s.last_applied += 1;
            let e = s.durable.log[s.last_applied as usize - 1];
            s.value += e.request.delta;
            if s.role == Role::Leader {
                if let Some(pos) = s.waiting.iter().position(|&i| i == s.last_applied) {
                    s.waiting.swap_remove(pos);
                    out.reply(
                        e.request.id,
                        Reply::Committed {
                            index: s.last_applied,
                            value: s.value,
                        },
                    );
                }
            }
        }
    }

    fn on_request_vote(
        &self,
        s: &mut RaftState,
        from: NodeId,
        m: RequestVote,
        out: &mut Out<Self>,
    ) {
        let RequestVote {
            term,
            last_log_index,
            last_log_term,
        } = m;
        let log_ok =
            self.bug_vote_without_log_check || self.log_ok(s, last_log_index, last_log_term);
        let free = s.durable.voted_for.is_none_or(|v| v == from);
        let grant = term == s.term() && free && log_ok;
        if grant {
            s.durable.voted_for = Some(from);
            self.persist(s, out);
            self.reset_election_timer(s, out);
            narrate!(out, "{} votes for {from} in term {term}", s.id);
        } else if term < s.term() {
            narrate!(
                out,
                "{} rejects the vote for {from}: its term {term} is behind {}",
                s.id,
                s.term()
            );
        } else if !free {
            narrate!(
                out,
                "{} rejects the vote for {from}: it already voted for {} in term {term}",
                s.id,
                s.durable.voted_for.expect("not free")
            );
        } else {
            narrate!(
                out,
                "{} rejects the vote for {from}: {}'s log ends at term {}, index {}; {from}'s \
                 at term {last_log_term}, index {last_log_index}",
                s.id,
                s.id,
                s.last_term(),
                s.last_index()
            );
        }
        out.send(
            from,
            RaftMsg::RequestVoteReply(VoteReply {
                term: s.term(),
                vote_granted: grant,
            }),
        );
    }

    fn on_vote_reply(&self, s: &mut RaftState, from: NodeId, m: VoteReply, out: &mut Out<Self>) {
        let VoteReply {
            term,
            vote_granted: granted,
        } = m;
        if s.role != Role::Candidate || term != s.term() {
            return;
        }
        if !granted {
            narrate!(out, "{} learns that {from} did not vote for it", s.id);
            return;
        }
        if !s.votes.contains(&from) {
            s.votes.push(from);
        }
        narrate!(
            out,
            "{} has {} of the {} votes it needs",
            s.id,
            s.votes.len(),
            self.majority()
        );
        if s.votes.len() >= self.majority() {
            self.become_leader(s, out);
        }
    }

    fn on_pre_vote(&self, s: &mut RaftState, from: NodeId, m: RequestVote, out: &mut Out<Self>) {
        let RequestVote {
            term,
            last_log_index,
            last_log_term,
        } = m;
        let log_ok =
            self.bug_vote_without_log_check || self.log_ok(s, last_log_index, last_log_term);
        let leader_alive = s.heard_leader && s.leader.is_some() || s.role == Role::Leader;
        let grant = term > s.term() && log_ok && !leader_alive;
        if grant {
            narrate!(out, "{} would vote for {from} in term {term}", s.id);
        } else if leader_alive {
            narrate!(
                out,
                "{} refuses {from}'s pre-vote: it still hears from leader {}",
                s.id,
                s.leader.map_or("?".into(), |l| l.to_string())
            );
        } else {
            narrate!(out, "{} refuses {from}'s pre-vote for term {term}", s.id);
        }
        out.send(
            from,
            RaftMsg::PreVoteReply(VoteReply {
                term: if grant { term } else { s.term() },
                vote_granted: grant,
            }),
        );
    }

    fn on_pre_vote_reply(
        &self,
        s: &mut RaftState,
        from: NodeId,
        m: VoteReply,
        out: &mut Out<Self>,
    ) {
        let VoteReply {
            term,
            vote_granted: granted,
        } = m;
        if s.role != Role::PreCandidate || !granted || term != s.term() + 1 {
            return;
        }
        if !s.votes.contains(&from) {
            s.votes.push(from);
        }
        if s.votes.len() >= self.majority() {
            narrate!(
                out,
                "{} has a majority of pre-votes and starts a real election",
                s.id
            );
            self.start_election(s, out);
        }
    }

    fn on_append_entries(
        &self,
        s: &mut RaftState,
        from: NodeId,
        m: AppendEntries,
        out: &mut Out<Self>,
    ) {
        let AppendEntries {
            term,
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit,
        } = m;
        if term < s.term() {
            narrate!(
                out,
                "{} rejects AppendEntries from {from}: term {term} is stale (current {})",
                s.id,
                s.term()
            );
            out.send(
                from,
                RaftMsg::AppendEntriesReply(AppendReply {
                    term: s.term(),
                    success: false,
                    match_index: 0,
                    last_index: s.last_index(),
                }),
            );
            return;
        }
        if s.role != Role::Follower {
            narrate!(
                out,
                "{} learns that {from} leads term {term} and returns to follower",
                s.id
            );
            s.role = Role::Follower;
            s.votes.clear();
        }
        s.leader = Some(from);
        self.reset_election_timer(s, out);
        s.heard_leader = true;
        // Consistency check (§5.3).
        if prev_log_index > s.last_index() || s.term_at(prev_log_index) != prev_log_term {
            narrate!(
                out,
                "{} rejects AppendEntries from {from}: its log has no entry {prev_log_index} of \
                 term {prev_log_term}",
                s.id
            );
            out.send(
                from,
                RaftMsg::AppendEntriesReply(AppendReply {
                    term: s.term(),
                    success: false,
                    match_index: 0,
                    last_index: s.last_index().min(prev_log_index.saturating_sub(1)),
                }),
            );
            return;
        }
        let mut changed = false;
        for (i, e) in entries.iter().enumerate() {
            let index = prev_log_index + 1 + i as u64;
            if index <= s.last_index() {
                if s.term_at(index) == e.term {
                    continue;
                }
                // A conflicting entry: delete it and all that follow (§5.3).
                narrate!(
                    out,
                    "{} deletes entries {index}..{} that conflict with the leader's log",
                    s.id,
                    s.last_index()
                );
                s.durable.log.truncate(index as usize - 1);
            }
            s.durable.log.push_back(*e);
            changed = true;
        }
        let last_new = prev_log_index + entries.len() as u64;
        if changed {
            self.persist(s, out);
            narrate!(out, "{} appends entries up to {last_new} from {from}", s.id);
        }
        if leader_commit > s.commit_index {
            let c = leader_commit.min(last_new);
            if c > s.commit_index {
                s.commit_index = c;
                narrate!(out, "{} learns entries up to {c} are committed", s.id);
                self.apply(s, out);
            }
        }
        out.send(
            from,
            RaftMsg::AppendEntriesReply(AppendReply {
                term: s.term(),
                success: true,
                match_index: last_new,
                last_index: s.last_index(),
            }),
        );
    }

    fn on_append_reply(
        &self,
        s: &mut RaftState,
        from: NodeId,
        m: AppendReply,
        out: &mut Out<Self>,
    ) {
        let AppendReply {
            term,
            success,
            match_index,
            last_index,
        } = m;
        if s.role != Role::Leader || term != s.term() {
            return;
        }
        if !s.heard_from.contains(&from) {
            s.heard_from.push(from);
        }
        let i = from.idx();
        if success {
            if match_index > s.match_index[i] {
                s.match_index[i] = match_index;
            }
            s.next_index[i] = s.next_index[i].max(match_index + 1);
            self.advance_commit(s, out);
            if s.next_index[i] <= s.last_index() {
                self.send_append(s, from, out);
            }
        } else {
            let next = (s.next_index[i] - 1).min(last_index + 1).max(1);
            narrate!(out, "{} backs nextIndex for {from} off to {next}", s.id);
            s.next_index[i] = next;
            self.send_append(s, from, out);
        }
    }
}

fn names(ids: &[NodeId]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Message for RaftMsg {
    fn kind(&self) -> usize {
        match self {
            RaftMsg::RequestVote(_) => 0,
            RaftMsg::RequestVoteReply(_) => 1,
            RaftMsg::AppendEntries(_) => 2,
            RaftMsg::AppendEntriesReply(_) => 3,
            RaftMsg::PreVote(_) => 4,
            RaftMsg::PreVoteReply(_) => 5,
        }
    }

    fn label(&self) -> String {
        let yes_no = |v: bool| if v { "yes" } else { "no" };
        match self {
            RaftMsg::RequestVote(m) => format!("RequestVote t{}", m.term),
            RaftMsg::RequestVoteReply(m) => format!("Vote t{} {}", m.term, yes_no(m.vote_granted)),
            RaftMsg::AppendEntries(m) if m.entries.is_empty() => format!("Heartbeat t{}", m.term),
            RaftMsg::AppendEntries(m) => format!(
                "Append t{} [{}..{}]",
                m.term,
                m.prev_log_index + 1,
                m.prev_log_index + m.entries.len() as u64
            ),
            RaftMsg::AppendEntriesReply(m) if m.success => {
                format!("Ack t{} ≤{}", m.term, m.match_index)
            }
            RaftMsg::AppendEntriesReply(m) => format!("Nack t{}", m.term),
            RaftMsg::PreVote(m) => format!("PreVote t{}", m.term),
            RaftMsg::PreVoteReply(m) => {
                format!("PreVote t{} {}", m.term, yes_no(m.vote_granted))
            }
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: String| (k.to_string(), v);
        match self {
            RaftMsg::RequestVote(m) | RaftMsg::PreVote(m) => vec![
                f("term", m.term.to_string()),
                f("lastLogIndex", m.last_log_index.to_string()),
                f("lastLogTerm", m.last_log_term.to_string()),
            ],
            RaftMsg::RequestVoteReply(m) | RaftMsg::PreVoteReply(m) => vec![
                f("term", m.term.to_string()),
                f("voteGranted", m.vote_granted.to_string()),
            ],
            RaftMsg::AppendEntries(m) => vec![
                f("term", m.term.to_string()),
                f("prevLogIndex", m.prev_log_index.to_string()),
                f("prevLogTerm", m.prev_log_term.to_string()),
                f(
                    "entries",
                    if m.entries.is_empty() {
                        "none (heartbeat)".into()
                    } else {
                        m.entries
                            .iter()
                            .map(|e| format!("t{}:+{}", e.term, e.request.delta))
                            .collect::<Vec<_>>()
                            .join(" ")
                    },
                ),
                f("leaderCommit", m.leader_commit.to_string()),
            ],
            RaftMsg::AppendEntriesReply(m) => vec![
                f("term", m.term.to_string()),
                f("success", m.success.to_string()),
                f("matchIndex", m.match_index.to_string()),
                f("lastIndex", m.last_index.to_string()),
            ],
        }
    }
}

impl Protocol for Raft {
    type Msg = RaftMsg;
    type Timer = RaftTimer;
    type Durable = RaftDurable;
    type State = RaftState;

    const NAME: &'static str = "Raft";
    const MESSAGE_KINDS: &'static [&'static str] = &[
        "RequestVote",
        "RequestVoteReply",
        "AppendEntries",
        "AppendEntriesReply",
        "PreVote",
        "PreVoteReply",
    ];

    fn cluster_size(&self) -> usize {
        self.nodes
    }

    fn on_start(&self, id: NodeId, durable: &RaftDurable, out: &mut Out<Self>) -> RaftState {
        let mut s = RaftState {
            id,
            durable: durable.clone(),
            role: Role::Follower,
            leader: None,
            commit_index: 0,
            last_applied: 0,
            value: 0,
            votes: Vec::new(),
            next_index: Vec::new(),
            match_index: Vec::new(),
            waiting: Vec::new(),
            heard_leader: false,
            heard_from: Vec::new(),
        };
        narrate!(
            out,
            "{id} starts as a follower in term {} with {} log entries",
            s.term(),
            s.last_index()
        );
        self.reset_election_timer(&mut s, out);
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
            RaftMsg::PreVote(_) | RaftMsg::PreVoteReply(_) => None,
        };
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
        }
    }

    fn on_timer(&self, s: &mut RaftState, timer: RaftTimer, out: &mut Out<Self>) {
        match timer {
            RaftTimer::Election => {
                if s.role == Role::Leader {
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
                }
            }
            RaftTimer::CheckQuorum => {
                if s.role != Role::Leader {
                    return;
                }
                if s.heard_from.len() + 1 < self.majority() {
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
                    out.cancel_timer(RaftTimer::Heartbeat);
                    self.reset_election_timer(s, out);
                } else {
                    s.heard_from.clear();
                    let lo = self.election_timeout.0;
                    out.set_timer(RaftTimer::CheckQuorum, lo, lo);
                }
            }
        }
    }

    fn on_request(&self, s: &mut RaftState, req: Request, out: &mut Out<Self>) {
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
        s.durable.log.push_back(Entry {
            term: s.term(),
            request: req,
        });
        let index = s.last_index();
        s.match_index[s.id.idx()] = index;
        s.waiting.push(index);
        self.persist(s, out);
        narrate!(
            out,
            "{} appends counter += {} as entry {index} in term {}",
            s.id,
            req.delta,
            s.term()
        );
        let me = s.id;
        for to in NodeId::all(self.nodes).filter(|&n| n != me) {
            // Followers already caught up get the new entry at once; others are mid-repair.
            if s.next_index[to.idx()] == index {
                self.send_append(s, to, out);
            }
        }
        self.advance_commit(s, out);
    }

    fn summary(&self, s: &RaftState) -> NodeSummary {
        let (role, class) = match s.role {
            Role::Follower => ("follower", "follower"),
            Role::PreCandidate => ("pre-candidate", "candidate"),
            Role::Candidate => ("candidate", "candidate"),
            Role::Leader => ("leader", "leader"),
        };
        let len = s.last_index();
        let from = len.saturating_sub(8);
        NodeSummary {
            role: role.into(),
            class,
            term: s.term(),
            term_label: format!("term {}", s.term()),
            log: (from + 1..=len)
                .map(|i| {
                    let e = s.durable.log[i as usize - 1];
                    LogCell {
                        index: i,
                        term: e.term,
                        text: format!("+{}", e.request.delta),
                        committed: i <= s.commit_index,
                    }
                })
                .collect(),
            log_len: len,
            committed: s.commit_index,
            value: Some(s.value),
        }
    }

    fn inspect(&self, s: &RaftState) -> Vec<Section> {
        let opt = |n: Option<NodeId>| n.map_or("none".to_string(), |n| n.to_string());
        let mut v = vec![Section::Fields {
            title: format!("{} · {:?}", s.id, s.role),
            fields: vec![
                ("currentTerm".into(), s.term().to_string()),
                ("votedFor".into(), opt(s.durable.voted_for)),
                ("leader".into(), opt(s.leader)),
                ("commitIndex".into(), s.commit_index.to_string()),
                ("lastApplied".into(), s.last_applied.to_string()),
                ("counter".into(), s.value.to_string()),
            ],
        }];
        if s.role == Role::Leader {
            v.push(Section::Table {
                title: "Replication".into(),
                columns: vec!["node".into(), "nextIndex".into(), "matchIndex".into()],
                rows: NodeId::all(self.nodes)
                    .filter(|&n| n != s.id)
                    .map(|n| {
                        vec![
                            n.to_string(),
                            s.next_index[n.idx()].to_string(),
                            s.match_index[n.idx()].to_string(),
                        ]
                    })
                    .collect(),
            });
        }
        v.push(log_table(&s.durable.log, s.commit_index, s.last_applied));
        v
    }

    fn inspect_durable(&self, d: &RaftDurable) -> Vec<Section> {
        vec![
            Section::Fields {
                title: "Stable storage".into(),
                fields: vec![
                    ("currentTerm".into(), d.current_term.to_string()),
                    (
                        "votedFor".into(),
                        d.voted_for.map_or("none".into(), |n| n.to_string()),
                    ),
                ],
            },
            log_table(&d.log, 0, 0),
        ]
    }
}

/// The last 50 entries; a long log would swamp the inspector.
fn log_table(log: &Vector<Entry>, commit: u64, applied: u64) -> Section {
    let len = log.len() as u64;
    let from = len.saturating_sub(50);
    Section::Table {
        title: if from > 0 {
            format!("Log (last 50 of {len})")
        } else {
            "Log".into()
        },
        columns: vec![
            "index".into(),
            "term".into(),
            "command".into(),
            "status".into(),
        ],
        rows: (from + 1..=len)
            .rev()
            .map(|i| {
                let e = log[i as usize - 1];
                let status = if i <= applied {
                    "applied"
                } else if i <= commit {
                    "committed"
                } else {
                    ""
                };
                vec![
                    i.to_string(),
                    e.term.to_string(),
                    format!("counter += {} (#{})", e.request.delta, e.request.id),
                    status.into(),
                ]
            })
            .collect(),
    }
}
