//! Raft's rules, one test per rule of Figure 2 of the extended Raft paper (Ongaro and
//! Ousterhout, "In Search of an Understandable Consensus Algorithm"). Each test feeds a node one
//! event and asserts what the rule demands of the effects and the state, so that breaking the
//! rule fails a test named after it, not only a transcript whose printed output happens to move.

use imbl::Vector;
use lab_engine::catalog::Model;
use lab_engine::node::{Effect, NodeId, Out, Protocol, Request};
use lab_engine::protocols::raft::{
    AppendEntries, AppendReply, Entry, Raft, RaftDurable, RaftMsg, RaftState, RaftTimer,
    RequestVote, Role, VoteReply,
};
use lab_engine::{ProtocolKind, Settings};

const S1: NodeId = NodeId(1);
const S2: NodeId = NodeId(2);
const S3: NodeId = NodeId(3);

/// Three nodes, no options, no bugs. Built from settings so new options keep their defaults.
fn raft() -> Raft {
    Raft::from_settings(&Settings {
        nodes: 3,
        ..Settings::for_protocol(ProtocolKind::Raft)
    })
}

fn entry(term: u64, id: u64) -> Entry {
    Entry::new(term, Request::counter(id, 1))
}

fn durable(term: u64, voted_for: Option<NodeId>, log: &[Entry]) -> RaftDurable {
    RaftDurable {
        current_term: term,
        voted_for,
        log: log.iter().cloned().collect::<Vector<_>>(),
        snapshot: None,
    }
}

/// A node (re)started from what it had on stable storage.
fn start(r: &Raft, id: NodeId, d: &RaftDurable) -> RaftState {
    r.on_start(id, d, &mut Out::new(false))
}

fn election_timer(r: &Raft) -> Effect<Raft> {
    Effect::SetTimer {
        timer: RaftTimer::Election,
        min: r.election_timeout.0,
        max: r.election_timeout.1,
    }
}

fn deliver(r: &Raft, s: &mut RaftState, from: NodeId, msg: RaftMsg) -> Out<Raft> {
    let mut out = Out::new(false);
    r.on_msg(s, from, msg, &mut out);
    out
}

fn vote_request(term: u64, last_log_index: u64, last_log_term: u64) -> RaftMsg {
    RaftMsg::RequestVote(RequestVote {
        term,
        last_log_index,
        last_log_term,
    })
}

fn vote_reply(to: NodeId, term: u64, vote_granted: bool) -> Effect<Raft> {
    Effect::Send {
        to,
        msg: RaftMsg::RequestVoteReply(VoteReply { term, vote_granted }),
    }
}

fn append_reply(to: NodeId, term: u64, success: bool, match_index: u64, last: u64) -> Effect<Raft> {
    Effect::Send {
        to,
        msg: RaftMsg::AppendEntriesReply(AppendReply {
            term,
            success,
            match_index,
            last_index: last,
        }),
    }
}

/// S1 as a candidate of term 5 (it was in term 4 and timed out), holding only its own vote.
fn candidate(r: &Raft) -> RaftState {
    let mut s = start(r, S1, &durable(4, None, &[entry(1, 1), entry(2, 2)]));
    r.on_timer(&mut s, RaftTimer::Election, &mut Out::new(false));
    assert_eq!(
        (s.role, s.term(), s.votes.clone()),
        (Role::Candidate, 5, vec![S1])
    );
    s
}

/// S1 as the leader of term 5, elected with S2's vote.
fn leader(r: &Raft) -> RaftState {
    let mut s = candidate(r);
    deliver(r, &mut s, S2, RaftMsg::RequestVoteReply(granted(5)));
    assert_eq!(s.role, Role::Leader);
    s
}

fn granted(term: u64) -> VoteReply {
    VoteReply {
        term,
        vote_granted: true,
    }
}

// ---- RequestVote RPC, receiver implementation (Figure 2) ----

/// Figure 2, RequestVote receiver rule 1: "Reply false if term < currentTerm (§5.1)". The
/// candidate's log is up to date and the voter has not voted, so only the term check refuses;
/// the reply carries the voter's term so the candidate learns it is behind.
#[test]
fn figure2_request_vote_1_refuses_a_candidate_with_a_lower_term() {
    let r = raft();
    let mut s = start(&r, S2, &durable(5, None, &[entry(1, 1)]));
    let out = deliver(&r, &mut s, S1, vote_request(4, 9, 4));
    assert_eq!(out.actions(), vec![vote_reply(S1, 5, false)]);
    assert_eq!((s.term(), s.durable.voted_for), (5, None));
}

/// Figure 2, "Persistent state on all servers (updated on stable storage before responding to
/// RPCs)": the vote must be on disk before the granting reply leaves, or a crash in between
/// lets the node vote again in the same term after it restarts (§5.2: at most one vote per
/// term). Handlers' effects are carried out in order, so order in the list is the contract.
#[test]
fn figure2_persistent_state_a_granted_vote_is_persisted_before_the_reply() {
    let r = raft();
    let mut s = start(&r, S2, &durable(3, None, &[entry(1, 1)]));
    let out = deliver(&r, &mut s, S1, vote_request(3, 1, 1));
    let actions = out.actions();
    let reply = actions
        .iter()
        .position(|e| *e == vote_reply(S1, 3, true))
        .expect("S2 grants its vote");
    let persisted = actions
        .iter()
        .position(|e| *e == Effect::Persist(durable(3, Some(S1), &[entry(1, 1)])))
        .expect("S2 persists votedFor = S1");
    assert!(
        persisted < reply,
        "votedFor is persisted after the reply: {actions:?}"
    );
}

/// Figure 2, persistent state: votedFor survives a crash. S2 voted for S1 in term 3 and
/// restarted; S3, also a candidate of term 3, must be refused, or term 3 could have two leaders
/// (Election Safety, §5.2). S1 asking again still gets the vote it already has.
#[test]
fn figure2_persistent_state_voted_for_survives_a_restart() {
    let r = raft();
    let mut s = start(&r, S2, &durable(3, Some(S1), &[]));
    assert_eq!(s.durable.voted_for, Some(S1));
    let out = deliver(&r, &mut s, S3, vote_request(3, 0, 0));
    assert_eq!(out.actions(), vec![vote_reply(S3, 3, false)]);
    assert_eq!(s.durable.voted_for, Some(S1));
    let out = deliver(&r, &mut s, S1, vote_request(3, 0, 0));
    assert!(out.actions().contains(&vote_reply(S1, 3, true)));
}

/// Figure 2, "Rules for Servers, Followers (§5.2)": the election timer restarts when the
/// follower grants a vote (a candidate is about to win, so it should not run against it), and
/// only then: a refused vote leaves the timer alone (checked by the lower-term test above).
#[test]
fn figure2_followers_reset_the_election_timer_when_granting_a_vote() {
    let r = raft();
    let mut s = start(&r, S2, &durable(3, None, &[entry(1, 1)]));
    let out = deliver(&r, &mut s, S1, vote_request(3, 1, 1));
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(durable(3, Some(S1), &[entry(1, 1)])),
            election_timer(&r),
            vote_reply(S1, 3, true),
        ]
    );
}

// ---- Candidates and leaders (Figure 2, "Rules for Servers") ----

/// Figure 2, Candidates (§5.2): "If votes received from majority of servers: become leader" --
/// votes for the current term. A granted vote from term 4 (a delayed reply to the previous
/// campaign) must not count toward term 5: that voter may have voted for someone else in 5.
#[test]
fn figure2_candidates_ignore_vote_replies_from_an_older_term() {
    let r = raft();
    let mut s = candidate(&r);
    let out = deliver(&r, &mut s, S2, RaftMsg::RequestVoteReply(granted(4)));
    assert_eq!(out.actions(), vec![]);
    assert_eq!(
        (s.role, s.term(), s.votes.clone()),
        (Role::Candidate, 5, vec![S1])
    );
}

/// Figure 2, All Servers: "If RPC request or response contains term T > currentTerm: set
/// currentTerm = T, convert to follower (§5.1)" -- here a response, a refused vote of term 6.
#[test]
fn figure2_all_servers_step_down_on_a_vote_reply_with_a_higher_term() {
    let r = raft();
    let mut s = candidate(&r);
    let log = s.durable.log.clone();
    let reply = VoteReply {
        term: 6,
        vote_granted: false,
    };
    let out = deliver(&r, &mut s, S2, RaftMsg::RequestVoteReply(reply));
    assert_eq!(
        out.actions(),
        vec![Effect::Persist(RaftDurable {
            current_term: 6,
            voted_for: None,
            log,
            snapshot: None,
        })]
    );
    assert_eq!(
        (s.role, s.term(), s.durable.voted_for),
        (Role::Follower, 6, None)
    );
}

/// Figure 2, All Servers (§5.1), for an AppendEntries response: a leader that hears of term 6
/// from a follower is deposed: it persists the term, stops its heartbeats and becomes a
/// follower with an election timer.
#[test]
fn figure2_all_servers_step_down_on_an_append_reply_with_a_higher_term() {
    let r = raft();
    let mut s = leader(&r);
    let log = s.durable.log.clone();
    let reply = AppendReply {
        term: 6,
        success: false,
        match_index: 0,
        last_index: 0,
    };
    let out = deliver(&r, &mut s, S2, RaftMsg::AppendEntriesReply(reply));
    let actions = out.actions();
    assert_eq!(
        actions.first(),
        Some(&Effect::Persist(RaftDurable {
            current_term: 6,
            voted_for: None,
            log,
            snapshot: None,
        }))
    );
    assert!(actions.contains(&Effect::CancelTimer(RaftTimer::Heartbeat)));
    assert!(actions.contains(&election_timer(&r)));
    assert!(
        !actions.iter().any(|e| matches!(e, Effect::Send { .. })),
        "a deposed leader sends nothing: {actions:?}"
    );
    assert_eq!((s.role, s.term(), s.leader), (Role::Follower, 6, None));
}

/// Figure 2, Leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each
/// server" (§5.2), at once, so the other candidates of the term stand down before they time out.
/// The heartbeat also carries leaderCommit (Figure 2, AppendEntries arguments).
#[test]
fn figure2_leaders_send_a_heartbeat_to_every_peer_upon_election() {
    let r = raft();
    let mut s = candidate(&r);
    let out = deliver(&r, &mut s, S2, RaftMsg::RequestVoteReply(granted(5)));
    assert_eq!(s.role, Role::Leader);
    let heartbeat = |to| Effect::Send {
        to,
        msg: RaftMsg::AppendEntries(AppendEntries {
            term: 5,
            prev_log_index: 2,
            prev_log_term: 2,
            entries: vec![],
            leader_commit: 0,
        }),
    };
    assert_eq!(
        out.actions(),
        vec![
            Effect::CancelTimer(RaftTimer::Election),
            heartbeat(S2),
            heartbeat(S3),
            Effect::SetTimer {
                timer: RaftTimer::Heartbeat,
                min: r.heartbeat,
                max: r.heartbeat,
            },
        ]
    );
}

/// Figure 2, AppendEntries arguments: "leaderCommit: leader's commitIndex". Followers learn what
/// is committed only from this field (receiver rule 5), so every AppendEntries carries the
/// leader's current commitIndex.
#[test]
fn figure2_append_entries_carry_the_leaders_commit_index() {
    let r = raft();
    let mut s = leader(&r);
    r.on_request(&mut s, Request::counter(9, 5), &mut Out::new(false));
    let ack = AppendReply {
        term: 5,
        success: true,
        match_index: 3,
        last_index: 3,
    };
    deliver(&r, &mut s, S3, RaftMsg::AppendEntriesReply(ack));
    assert_eq!(s.commit_index, 3);
    let mut out = Out::new(false);
    r.on_timer(&mut s, RaftTimer::Heartbeat, &mut out);
    let commits: Vec<(NodeId, u64)> = out
        .actions()
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                to,
                msg: RaftMsg::AppendEntries(ae),
            } => Some((*to, ae.leader_commit)),
            _ => None,
        })
        .collect();
    assert_eq!(commits, vec![(S2, 3), (S3, 3)]);
}

// ---- AppendEntries RPC, receiver implementation (Figure 2) ----

/// Figure 2, AppendEntries receiver rule 1: "Reply false if term < currentTerm (§5.1)". A
/// deposed leader of term 4 must not change the log of a follower in term 5, nor be taken for
/// its leader, nor hold off its election timer.
#[test]
fn figure2_append_entries_1_refuses_a_stale_term_and_keeps_the_log() {
    let r = raft();
    let mut s = start(&r, S2, &durable(5, None, &[entry(1, 1)]));
    let ae = AppendEntries {
        term: 4,
        prev_log_index: 1,
        prev_log_term: 1,
        entries: vec![entry(4, 2)],
        leader_commit: 2,
    };
    let out = deliver(&r, &mut s, S1, RaftMsg::AppendEntries(ae));
    assert_eq!(out.actions(), vec![append_reply(S1, 5, false, 0, 1)]);
    assert_eq!(s.durable, durable(5, None, &[entry(1, 1)]));
    assert_eq!(
        (s.role, s.leader, s.commit_index),
        (Role::Follower, None, 0)
    );
}

/// Figure 2, AppendEntries receiver rule 3: "If an existing entry conflicts with a new one (same
/// index but different terms), delete the existing entry and all that follow it" -- only then.
/// A delayed AppendEntries whose entries are already in the log must not cut off the entries
/// after them: they may be committed (the leader sent them later, and they were acknowledged).
#[test]
fn figure2_append_entries_3_keeps_the_entries_after_ones_that_match() {
    let r = raft();
    let log = [entry(1, 1), entry(1, 2), entry(2, 3)];
    let mut s = start(&r, S2, &durable(2, None, &log));
    let ae = AppendEntries {
        term: 2,
        prev_log_index: 0,
        prev_log_term: 0,
        entries: vec![entry(1, 1)],
        leader_commit: 0,
    };
    let out = deliver(&r, &mut s, S1, RaftMsg::AppendEntries(ae));
    // Nothing changed, so nothing to persist; the ack covers entry 1, the log ends at 3.
    assert_eq!(
        out.actions(),
        vec![election_timer(&r), append_reply(S1, 2, true, 1, 3)]
    );
    assert_eq!(s.durable.log, durable(2, None, &log).log);
}

/// Figure 2, AppendEntries receiver rule 5: "If leaderCommit > commitIndex, set commitIndex =
/// min(leaderCommit, index of last new entry)". Entries 2 and 3 here came from a deposed leader
/// of term 2; the heartbeat vouches only for the log up to prevLogIndex 1, so only entry 1 may
/// be committed and applied, although the leader has committed 3 entries of its own.
#[test]
fn figure2_append_entries_5_commits_no_further_than_the_last_new_entry() {
    let r = raft();
    let log = [entry(1, 1), entry(2, 2), entry(2, 3)];
    let mut s = start(&r, S2, &durable(3, None, &log));
    let heartbeat = AppendEntries {
        term: 3,
        prev_log_index: 1,
        prev_log_term: 1,
        entries: vec![],
        leader_commit: 3,
    };
    let out = deliver(&r, &mut s, S1, RaftMsg::AppendEntries(heartbeat));
    assert_eq!(
        out.actions(),
        vec![election_timer(&r), append_reply(S1, 3, true, 1, 3)]
    );
    assert_eq!((s.commit_index, s.last_applied, s.value), (1, 1, 1));
}

// ---- PreVote and CheckQuorum (Ongaro's thesis, §9.6 and §6.2) ----

/// Thesis §9.6 with Figure 2's All Servers rule (§5.1): a pre-vote is hypothetical and raises no
/// term, but a refusal carries the voter's real term; a pre-candidate that learns of term 6 that
/// way is behind, and becomes a follower of term 6 like on any other reply with a higher term.
#[test]
fn thesis_9_6_a_refused_pre_vote_with_a_higher_term_makes_the_node_a_follower() {
    let r = Raft {
        prevote: true,
        ..raft()
    };
    let log = [entry(1, 1), entry(2, 2)];
    let mut s = start(&r, S1, &durable(4, None, &log));
    r.on_timer(&mut s, RaftTimer::Election, &mut Out::new(false));
    assert_eq!((s.role, s.term()), (Role::PreCandidate, 4));
    let refused = VoteReply {
        term: 6,
        vote_granted: false,
    };
    let out = deliver(&r, &mut s, S2, RaftMsg::PreVoteReply(refused));
    assert_eq!(out.actions(), vec![Effect::Persist(durable(6, None, &log))]);
    assert_eq!((s.role, s.term()), (Role::Follower, 6));
}

/// S1 leading term 5 with CheckQuorum on (3 nodes: itself and one follower make a majority).
fn quorum_checking_leader() -> (Raft, RaftState) {
    let r = Raft {
        check_quorum: true,
        ..raft()
    };
    let s = leader(&r);
    (r, s)
}

fn fire(r: &Raft, s: &mut RaftState, timer: RaftTimer) -> Out<Raft> {
    let mut out = Out::new(false);
    r.on_timer(s, timer, &mut out);
    out
}

/// Thesis §6.2, CheckQuorum: "if an election timeout elapses without a successful round of
/// heartbeats to a majority of its cluster, the leader steps down". One follower's reply plus the
/// leader itself is a majority of three: it keeps leading and starts a new round.
#[test]
fn thesis_6_2_a_leader_that_heard_from_a_majority_keeps_leading() {
    let (r, mut s) = quorum_checking_leader();
    let ack = AppendReply {
        term: 5,
        success: true,
        match_index: 2,
        last_index: 2,
    };
    deliver(&r, &mut s, S2, RaftMsg::AppendEntriesReply(ack));
    let out = fire(&r, &mut s, RaftTimer::CheckQuorum);
    let lo = r.election_timeout.0;
    assert_eq!(
        out.actions(),
        vec![Effect::SetTimer {
            timer: RaftTimer::CheckQuorum,
            min: lo,
            max: lo,
        }]
    );
    assert_eq!((s.role, s.heard_from.clone()), (Role::Leader, vec![]));
}

/// Thesis §6.2, the other half: a round in which no follower answered (the leader is cut off
/// from the majority) makes it step down, stop its heartbeats and wait for an election, in the
/// same term (nothing it heard raised it).
#[test]
fn thesis_6_2_a_leader_that_heard_from_no_majority_steps_down() {
    let (r, mut s) = quorum_checking_leader();
    let out = fire(&r, &mut s, RaftTimer::CheckQuorum);
    assert_eq!(
        out.actions(),
        vec![
            Effect::CancelTimer(RaftTimer::Heartbeat),
            election_timer(&r)
        ]
    );
    assert_eq!((s.role, s.leader, s.term()), (Role::Follower, None, 5));
}

fn pre_vote(term: u64, last_log_index: u64, last_log_term: u64) -> RaftMsg {
    RaftMsg::PreVote(RequestVote {
        term,
        last_log_index,
        last_log_term,
    })
}

fn pre_vote_reply(to: NodeId, term: u64, vote_granted: bool) -> Effect<Raft> {
    Effect::Send {
        to,
        msg: RaftMsg::PreVoteReply(VoteReply { term, vote_granted }),
    }
}

/// S2 in term 3 with PreVote on, log [1, 3], following S3: it has heard from S3 in this
/// election timeout.
fn pre_voter() -> (Raft, RaftState) {
    let r = Raft {
        prevote: true,
        ..raft()
    };
    let log = [entry(1, 1), entry(3, 2)];
    let mut s = start(&r, S2, &durable(3, None, &log));
    let heartbeat = AppendEntries {
        term: 3,
        prev_log_index: 2,
        prev_log_term: 3,
        entries: vec![],
        leader_commit: 0,
    };
    deliver(&r, &mut s, S3, RaftMsg::AppendEntries(heartbeat));
    assert_eq!((s.leader, s.heard_leader), (Some(S3), true));
    (r, s)
}

/// Thesis §9.6: a server grants a pre-vote for a term above its own to an up-to-date log once an
/// election timeout went by without a word from its leader. Granting is hypothetical: no term
/// change, no vote on disk, no timer reset; the reply carries the term asked about.
#[test]
fn thesis_9_6_a_pre_vote_is_granted_without_changing_anything_once_the_leader_is_silent() {
    let (r, mut s) = pre_voter();
    // The election timeout went by without a heartbeat from S3 (its timer was armed again since).
    s.heard_leader = false;
    let before = s.durable.clone();
    let out = deliver(&r, &mut s, S1, pre_vote(4, 2, 3));
    assert_eq!(out.actions(), vec![pre_vote_reply(S1, 4, true)]);
    assert_eq!((s.durable.clone(), s.role), (before, Role::Follower));
}

/// Thesis §9.6: "a server ... rejects pre-vote requests while it believes a leader exists":
/// heard from S3 within this election timeout, S2 refuses even an up-to-date log asking for a
/// higher term, and answers with its own term. This is what keeps a partitioned node from
/// disrupting a healthy cluster when it comes back.
#[test]
fn thesis_9_6_a_pre_vote_is_refused_while_the_leader_is_heard() {
    let (r, mut s) = pre_voter();
    let out = deliver(&r, &mut s, S1, pre_vote(4, 2, 3));
    assert_eq!(out.actions(), vec![pre_vote_reply(S1, 3, false)]);
}

/// Thesis §9.6: the pre-vote asks "could you win an election for the next term?", so a pre-vote
/// for a term no higher than the voter's own is refused, and so is one from a log less
/// up-to-date than the voter's (§5.4.1), leader or no leader.
#[test]
fn thesis_9_6_a_pre_vote_needs_a_higher_term_and_an_up_to_date_log() {
    let (r, mut s) = pre_voter();
    s.heard_leader = false;
    for (what, msg) in [
        ("its own term", pre_vote(3, 2, 3)),
        ("a shorter log", pre_vote(4, 1, 3)),
        ("an older last term", pre_vote(4, 5, 1)),
    ] {
        let out = deliver(&r, &mut s, S1, msg);
        assert_eq!(out.actions(), vec![pre_vote_reply(S1, 3, false)], "{what}");
    }
}

/// A node leading a term is the leader it hears from: it refuses pre-votes too (§9.6).
#[test]
fn thesis_9_6_a_leader_refuses_pre_votes() {
    // Elected without PreVote (a pre-vote round first would only add steps); the option matters
    // only to how it answers the pre-vote below.
    let mut s = leader(&raft());
    let r = Raft {
        prevote: true,
        ..raft()
    };
    assert!(!s.heard_leader, "a leader hears from no leader but itself");
    let out = deliver(&r, &mut s, S3, pre_vote(6, 2, 2));
    assert_eq!(out.actions(), vec![pre_vote_reply(S3, 5, false)]);
}

/// §5.2 with the narration as the contract: a refused vote tells why, naming the rule that
/// refused it (the event log is how a student follows an election).
#[test]
fn figure2_request_vote_a_refusal_says_which_rule_refused() {
    let r = raft();
    let mut s = start(&r, S2, &durable(5, Some(S3), &[entry(5, 1)]));
    let why = |s: &mut RaftState, msg| {
        let mut out = Out::new(true);
        r.on_msg(s, S1, msg, &mut out);
        out.narration().join(" | ")
    };
    assert_eq!(
        why(&mut s, vote_request(4, 9, 5)),
        "S2 rejects the vote for S1: its term 4 is behind 5"
    );
    assert_eq!(
        why(&mut s, vote_request(5, 9, 5)),
        "S2 rejects the vote for S1: it already voted for S3 in term 5"
    );
    s.durable.voted_for = None;
    assert_eq!(
        why(&mut s, vote_request(5, 9, 4)),
        "S2 rejects the vote for S1: S2's log ends at term 5, index 1; S1's at term 4, index 9"
    );
}

fn pre_vote_granted(term: u64) -> RaftMsg {
    RaftMsg::PreVoteReply(VoteReply {
        term,
        vote_granted: true,
    })
}

/// Thesis §9.6: only pre-votes for the term the node is asking about count. S1 in term 4 asks
/// about term 5; a grant for term 4 is a late answer to an earlier round, when the voter may have
/// known less, and must not start an election.
#[test]
fn thesis_9_6_a_pre_vote_granted_for_another_term_is_not_counted() {
    let r = Raft {
        prevote: true,
        ..raft()
    };
    let mut s = start(&r, S1, &durable(4, None, &[]));
    r.on_timer(&mut s, RaftTimer::Election, &mut Out::new(false));
    let out = deliver(&r, &mut s, S2, pre_vote_granted(4));
    assert_eq!(out.actions(), vec![]);
    assert_eq!(
        (s.role, s.term(), s.votes.clone()),
        (Role::PreCandidate, 4, vec![S1])
    );
    deliver(&r, &mut s, S2, pre_vote_granted(5));
    assert_eq!((s.role, s.term()), (Role::Candidate, 5));
}

/// Thesis §9.6: pre-votes count only while pre-campaigning. Grants that arrive at a follower
/// (say, one that stepped down meanwhile) are ignored, however many, and start no election.
#[test]
fn thesis_9_6_pre_votes_count_only_for_a_pre_candidate() {
    let r = Raft {
        prevote: true,
        ..raft()
    };
    let mut s = start(&r, S1, &durable(4, None, &[]));
    for from in [S2, S3] {
        let out = deliver(&r, &mut s, from, pre_vote_granted(5));
        assert_eq!(out.actions(), vec![]);
    }
    assert_eq!(
        (s.role, s.term(), s.votes.clone()),
        (Role::Follower, 4, vec![])
    );
}

// ---- Leaders: nextIndex and matchIndex (Figure 2, Rules for Servers, Leaders, §5.3) ----

/// S1 leading term 5 with entries 3..=5 of its own term after 1 and 2: a log of 5.
fn leader_with_five_entries(r: &Raft) -> RaftState {
    let mut s = leader(r);
    for id in 3..=5 {
        r.on_request(&mut s, Request::counter(id, 1), &mut Out::new(false));
    }
    assert_eq!(s.last_index(), 5);
    s
}

/// The prevLogIndex of the AppendEntries sent to `to` among `out`'s effects.
fn prev_sent_to(out: &Out<Raft>, to: NodeId) -> Vec<u64> {
    out.actions()
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                to: t,
                msg: RaftMsg::AppendEntries(ae),
            } if *t == to => Some(ae.prev_log_index),
            _ => None,
        })
        .collect()
}

fn refusal(last_index: u64) -> RaftMsg {
    RaftMsg::AppendEntriesReply(AppendReply {
        term: 5,
        success: false,
        match_index: 0,
        last_index,
    })
}

/// Figure 2, Leaders: "If AppendEntries fails because of log inconsistency: decrement nextIndex
/// and retry (§5.3)". With the follower's hint (§5.3's optimisation, the last index where its
/// log could match), the leader goes straight below the hint, and never above nextIndex - 1: a
/// hint beyond it (the follower's log is long, with conflicting entries) still backs off by one.
#[test]
fn figure2_leaders_back_next_index_off_on_a_refusal_and_retry() {
    let r = raft();
    for (next, hint, retry_from) in [(3, 10, 2), (5, 1, 2), (5, 3, 4), (2, 0, 1)] {
        let mut s = leader_with_five_entries(&r);
        s.next_index[S2.idx()] = next;
        let out = deliver(&r, &mut s, S2, refusal(hint));
        assert_eq!(
            prev_sent_to(&out, S2),
            vec![retry_from - 1],
            "nextIndex {next}, follower's hint {hint}"
        );
    }
}

/// Figure 2, Leaders: "If successful: update nextIndex and matchIndex for follower (§5.3)":
/// matchIndex is the acknowledged index and nextIndex the one after it. A success that arrives
/// after nextIndex was backed off (replies overtake one another) moves it past the acknowledged
/// entries, so nothing the follower stores is sent again; nor does an older success move either
/// index back.
#[test]
fn figure2_leaders_set_next_index_past_what_a_follower_acknowledged() {
    let r = raft();
    let mut s = leader_with_five_entries(&r);
    s.next_index[S2.idx()] = 2;
    let ack = |match_index| {
        RaftMsg::AppendEntriesReply(AppendReply {
            term: 5,
            success: true,
            match_index,
            last_index: match_index,
        })
    };
    let out = deliver(&r, &mut s, S2, ack(5));
    assert_eq!(prev_sent_to(&out, S2), Vec::<u64>::new());
    assert_eq!((s.match_index[S2.idx()], s.next_index[S2.idx()]), (5, 6));
    let out = deliver(&r, &mut s, S2, ack(3));
    assert_eq!(prev_sent_to(&out, S2), Vec::<u64>::new());
    assert_eq!((s.match_index[S2.idx()], s.next_index[S2.idx()]), (5, 6));
}
