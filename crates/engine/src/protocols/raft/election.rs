//! Leader election (§5.2) with the election restriction (§5.4.1): candidates ask for votes,
//! followers grant at most one per term and only to a log at least as up-to-date as theirs, and a
//! majority makes a leader. PreVote (Ongaro's thesis §9.6) asks the same question first without
//! raising any term.

use super::{Entry, Raft, RaftMsg, RaftState, RaftTimer, RequestVote, Role, VoteReply};
use crate::node::narrate;
use crate::node::{NodeId, Out, Request};
use crate::protocols::machine::Reads;

impl Raft {
    /// §5.4.1: the candidate's log is at least as up-to-date as ours.
    fn log_ok(&self, s: &RaftState, last_log_index: u64, last_log_term: u64) -> bool {
        last_log_term > s.last_term()
            || (last_log_term == s.last_term() && last_log_index >= s.last_index())
    }

    pub(super) fn start_pre_vote(&self, s: &mut RaftState, out: &mut Out<Self>) {
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
        for to in self.peers(s) {
            out.send(to, msg.clone());
        }
        self.reset_election_timer(s, out);
        if self.is_quorum(s, &s.votes) {
            self.start_election(s, out);
        }
    }

    /// §5.2: increment currentTerm, vote for self, reset the election timer, send RequestVote.
    pub(super) fn start_election(&self, s: &mut RaftState, out: &mut Out<Self>) {
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
        for to in self.peers(s) {
            out.send(to, msg.clone());
        }
        self.reset_election_timer(s, out);
        if self.is_quorum(s, &s.votes) {
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
        s.pending = None;
        narrate!(
            out,
            "{} wins the election for term {} with votes from {}",
            s.id,
            s.term(),
            NodeId::list(&s.votes)
        );
        out.cancel_timer(RaftTimer::Election);
        if self.reads != Reads::Log {
            self.append_no_op(s, out);
        }
        self.broadcast_append(s, out);
        out.set_timer(RaftTimer::Heartbeat, self.heartbeat, self.heartbeat);
        if self.check_quorum {
            let lo = self.election_timeout.0;
            out.set_timer(RaftTimer::CheckQuorum, lo, lo);
        }
    }

    /// Raft paper §8: "each leader commit[s] a blank no-op entry into the log at the start of
    /// its term", which reads that skip the log need (thesis §6.4 step 1). It also starts the
    /// leader's confirmation rounds afresh.
    fn append_no_op(&self, s: &mut RaftState, out: &mut Out<Self>) {
        s.read.acked = vec![0; self.nodes];
        s.durable
            .log
            .push_back(Entry::new(s.term(), Request::counter(0, 0)));
        s.match_index[s.id.idx()] = s.last_index();
        self.persist(s, out);
        narrate!(
            out,
            "{} appends a no-op as entry {} so an entry of term {} can commit (§8)",
            s.id,
            s.last_index(),
            s.term()
        );
        // A cluster of one commits it at once.
        self.advance_commit(s, out);
    }

    pub(super) fn on_request_vote(
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

    pub(super) fn on_vote_reply(
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
            self.votes_needed(s)
        );
        if self.is_quorum(s, &s.votes) {
            self.become_leader(s, out);
        }
    }

    pub(super) fn on_pre_vote(
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

    pub(super) fn on_pre_vote_reply(
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
        if self.is_quorum(s, &s.votes) {
            narrate!(
                out,
                "{} has a majority of pre-votes and starts a real election",
                s.id
            );
            self.start_election(s, out);
        }
    }
}
