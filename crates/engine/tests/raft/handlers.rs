//! Raft's handlers, one event at a time: each test feeds a node one event and asserts the exact
//! effects it emits (narration aside), as openraft's engine tests do.

use imbl::Vector;
use lab_engine::node::{Effect, KvOp, KvResult, NodeId, Out, Protocol, Reply, Request};
use lab_engine::protocols::machine::Reads;
use lab_engine::protocols::raft::{
    AppendEntries, AppendReply, Entry, Raft, RaftDurable, RaftMsg, RaftState, RaftTimer,
    ReadConfig, RequestVote, Role, VoteReply,
};
use lab_engine::MS;

fn raft(bugs: (bool, bool)) -> Raft {
    Raft {
        nodes: 3,
        election_timeout: (150 * MS, 300 * MS),
        heartbeat: 50 * MS,
        prevote: false,
        check_quorum: false,
        reads: Reads::Log,
        read: ReadConfig::default(),
        bug_commit_old_term: bugs.0,
        bug_vote_without_log_check: bugs.1,
        bug_forget_vote_on_restart: false,
        bug_unpersisted_log: false,
        reconfig: Default::default(),
        compaction: Default::default(),
    }
}

fn entry(term: u64, id: u64) -> Entry {
    Entry::new(term, Request::counter(id, 1))
}

fn node(r: &Raft, id: u8, term: u64, log: &[Entry]) -> RaftState {
    let durable = RaftDurable {
        current_term: term,
        voted_for: None,
        log: log.iter().cloned().collect::<Vector<_>>(),
        snapshot: None,
    };
    r.on_start(NodeId(id), &durable, &mut Out::new(false))
}

fn election_timer() -> Effect<Raft> {
    Effect::SetTimer {
        timer: RaftTimer::Election,
        min: 150 * MS,
        max: 300 * MS,
    }
}

#[test]
fn a_follower_that_times_out_becomes_a_candidate() {
    let r = raft((false, false));
    let mut s = node(&r, 1, 3, &[entry(1, 1), entry(3, 2)]);
    let mut out = Out::new(true);
    r.on_timer(&mut s, RaftTimer::Election, &mut out);
    let vote = |_| {
        RaftMsg::RequestVote(RequestVote {
            term: 4,
            last_log_index: 2,
            last_log_term: 3,
        })
    };
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(RaftDurable {
                current_term: 4,
                voted_for: Some(NodeId(1)),
                log: s.durable.log.clone(),
                snapshot: None,
            }),
            Effect::Send {
                to: NodeId(2),
                msg: vote(2),
            },
            Effect::Send {
                to: NodeId(3),
                msg: vote(3),
            },
            election_timer(),
        ]
    );
    assert_eq!(s.role, Role::Candidate);
    assert!(out.narration()[1].contains("becomes a candidate for term 4"));
}

#[test]
fn a_vote_is_refused_to_a_candidate_with_a_stale_log() {
    let r = raft((false, false));
    let mut s = node(&r, 2, 3, &[entry(1, 1), entry(3, 2)]);
    let mut out = Out::new(true);
    let stale = RequestVote {
        term: 4,
        last_log_index: 5,
        last_log_term: 2,
    };
    r.on_msg(
        &mut s,
        NodeId(1),
        RaftMsg::RequestVote(stale.clone()),
        &mut out,
    );
    // It adopts the newer term (persisting it) but keeps its vote.
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(RaftDurable {
                current_term: 4,
                voted_for: None,
                log: s.durable.log.clone(),
                snapshot: None,
            }),
            Effect::Send {
                to: NodeId(1),
                msg: RaftMsg::RequestVoteReply(VoteReply {
                    term: 4,
                    vote_granted: false,
                }),
            },
        ]
    );
    assert!(out.narration()[1].contains("S2's log ends at term 3, index 2"));
    // The buggy variant skips the check and votes.
    let buggy = raft((false, true));
    let mut s = node(&buggy, 2, 3, &[entry(1, 1), entry(3, 2)]);
    let mut out = Out::new(false);
    buggy.on_msg(&mut s, NodeId(1), RaftMsg::RequestVote(stale), &mut out);
    assert_eq!(s.durable.voted_for, Some(NodeId(1)));
    assert!(out.actions().contains(&Effect::Send {
        to: NodeId(1),
        msg: RaftMsg::RequestVoteReply(VoteReply {
            term: 4,
            vote_granted: true,
        }),
    }));
}

#[test]
fn append_entries_that_fail_the_consistency_check_are_refused_with_a_hint() {
    let r = raft((false, false));
    let mut s = node(&r, 2, 2, &[entry(1, 1)]);
    let mut out = Out::new(false);
    let ae = AppendEntries {
        term: 2,
        prev_log_index: 3,
        prev_log_term: 2,
        entries: vec![entry(2, 9)],
        leader_commit: 3,
    };
    r.on_msg(&mut s, NodeId(1), RaftMsg::AppendEntries(ae), &mut out);
    assert_eq!(
        out.actions(),
        vec![
            election_timer(),
            Effect::Send {
                to: NodeId(1),
                msg: RaftMsg::AppendEntriesReply(AppendReply {
                    term: 2,
                    success: false,
                    match_index: 0,
                    last_index: 1,
                }),
            },
        ]
    );
    assert_eq!(s.leader, Some(NodeId(1)));
}

#[test]
fn conflicting_entries_are_truncated_and_replaced() {
    let r = raft((false, false));
    let mut s = node(&r, 2, 3, &[entry(1, 1), entry(2, 2), entry(2, 3)]);
    let mut out = Out::new(true);
    let ae = AppendEntries {
        term: 3,
        prev_log_index: 1,
        prev_log_term: 1,
        entries: vec![entry(3, 7)],
        leader_commit: 2,
    };
    r.on_msg(&mut s, NodeId(1), RaftMsg::AppendEntries(ae), &mut out);
    let log: Vec<Entry> = s.durable.log.iter().cloned().collect();
    assert_eq!(log, vec![entry(1, 1), entry(3, 7)]);
    assert_eq!(
        out.actions(),
        vec![
            election_timer(),
            Effect::Persist(s.durable.clone()),
            Effect::Send {
                to: NodeId(1),
                msg: RaftMsg::AppendEntriesReply(AppendReply {
                    term: 3,
                    success: true,
                    match_index: 2,
                    last_index: 2,
                }),
            },
        ]
    );
    assert_eq!((s.commit_index, s.last_applied, s.value), (2, 2, 2));
    assert!(out.narration()[0].contains("deletes entries 2..3"));
}

/// Entries are shared, not copied: the follower's log holds the very entries the leader sent
/// (an hour's five logs and their checkpoints hold a pointer per entry), and an entry still
/// reads, compares, prints and serializes as the term and request it holds.
#[test]
fn a_follower_keeps_the_entries_it_is_sent_not_copies() {
    let r = raft((false, false));
    let mut s = node(&r, 2, 1, &[entry(1, 1)]);
    let sent = vec![entry(1, 2), entry(1, 3)];
    let ae = AppendEntries {
        term: 1,
        prev_log_index: 1,
        prev_log_term: 1,
        entries: sent.clone(),
        leader_commit: 0,
    };
    r.on_msg(
        &mut s,
        NodeId(1),
        RaftMsg::AppendEntries(ae),
        &mut Out::new(false),
    );
    for (kept, sent) in s.durable.log.iter().skip(1).zip(&sent) {
        assert!(std::ptr::eq(&**kept, &**sent));
    }
    let e = entry(2, 7);
    assert_eq!((e.term, e.request), (2, Request::counter(7, 1)));
    assert_eq!(e, entry(2, 7), "equal by what they hold");
    assert_ne!(e, entry(3, 7));
    assert_eq!(
        format!("{e:?}"),
        "Entry { term: 2, request: Request { id: 7, delta: 1, op: None }, config: None }"
    );
    let json = serde_json::to_string(&e).unwrap();
    assert_eq!(json, r#"{"term":2,"request":{"id":7,"delta":1}}"#);
    assert_eq!(serde_json::from_str::<Entry>(&json).unwrap(), e);
}

/// A leader of term 4 whose follower S2 just acknowledged everything up to `acked`.
fn leader_with_old_entries(r: &Raft) -> RaftState {
    let mut s = node(r, 1, 3, &[entry(1, 1), entry(2, 2)]);
    let mut out = Out::new(false);
    r.on_timer(&mut s, RaftTimer::Election, &mut out);
    for from in [2, 3] {
        let reply = RaftMsg::RequestVoteReply(VoteReply {
            term: 4,
            vote_granted: true,
        });
        r.on_msg(&mut s, NodeId(from), reply, &mut Out::new(false));
    }
    assert_eq!(s.role, Role::Leader);
    s
}

#[test]
fn a_leader_never_commits_an_old_term_entry_by_counting_replicas() {
    let r = raft((false, false));
    let mut s = leader_with_old_entries(&r);
    let mut out = Out::new(true);
    let ack = AppendReply {
        term: 4,
        success: true,
        match_index: 2,
        last_index: 2,
    };
    r.on_msg(
        &mut s,
        NodeId(2),
        RaftMsg::AppendEntriesReply(ack.clone()),
        &mut out,
    );
    assert_eq!(s.commit_index, 0);
    assert_eq!(out.actions(), vec![]);
    assert!(out.narration()[0].contains("only commits entries of its own term"));
    // The Figure 8 bug commits it.
    let buggy = raft((true, false));
    let mut s = leader_with_old_entries(&buggy);
    buggy.on_msg(
        &mut s,
        NodeId(2),
        RaftMsg::AppendEntriesReply(ack),
        &mut Out::new(false),
    );
    assert_eq!(s.commit_index, 2);
}

#[test]
fn a_new_leader_heartbeats_and_commits_its_own_entries_with_a_majority() {
    let r = raft((false, false));
    let mut s = leader_with_old_entries(&r);
    let mut out = Out::new(false);
    r.on_request(&mut s, Request::counter(9, 5), &mut out);
    assert_eq!(s.last_index(), 3);
    let ack = AppendReply {
        term: 4,
        success: true,
        match_index: 3,
        last_index: 3,
    };
    let mut out = Out::new(false);
    r.on_msg(
        &mut s,
        NodeId(3),
        RaftMsg::AppendEntriesReply(ack),
        &mut out,
    );
    // Committing entry 3 (term 4) commits the earlier ones with it; the client hears back.
    assert_eq!(s.commit_index, 3);
    assert_eq!(
        out.actions(),
        vec![Effect::Reply {
            request: 9,
            reply: Reply::Committed { index: 3, value: 7 },
        }]
    );
}

/// Thesis §6.4, reads=log: a read is an entry like a write; the leader answers it only once a
/// majority of its term stores it and it is applied, with the value the store then holds.
#[test]
fn with_reads_through_the_log_a_read_is_answered_when_its_entry_applies() {
    let r = raft((false, false));
    let mut s = leader_with_old_entries(&r);
    let write = Request::kv(8, KvOp::Write { key: 0, value: 4 });
    let read = Request::kv(9, KvOp::Read { key: 0 });
    r.on_request(&mut s, write, &mut Out::new(false));
    let mut out = Out::new(false);
    r.on_request(&mut s, read, &mut out);
    assert_eq!(s.last_index(), 4);
    assert_eq!(s.log()[3].request, read);
    assert!(
        !out.actions()
            .iter()
            .any(|e| matches!(e, Effect::Reply { .. })),
        "nothing is answered before the read's entry commits"
    );
    let ack = AppendReply {
        term: 4,
        success: true,
        match_index: 4,
        last_index: 4,
    };
    let mut out = Out::new(false);
    r.on_msg(
        &mut s,
        NodeId(3),
        RaftMsg::AppendEntriesReply(ack),
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![
            Effect::Reply {
                request: 8,
                reply: Reply::Applied {
                    index: 3,
                    result: KvResult::Written
                },
            },
            Effect::Reply {
                request: 9,
                reply: Reply::Applied {
                    index: 4,
                    result: KvResult::Read(Some(4))
                },
            }
        ]
    );
    assert_eq!(
        (s.value, s.kv.get(0)),
        (2, Some(4)),
        "the counter is untouched"
    );
}

#[test]
fn followers_redirect_clients_to_the_leader() {
    let r = raft((false, false));
    let mut s = node(&r, 2, 1, &[]);
    s.leader = Some(NodeId(3));
    let mut out = Out::new(false);
    r.on_request(&mut s, Request::counter(4, 1), &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Reply {
            request: 4,
            reply: Reply::Redirect(Some(NodeId(3))),
        }]
    );
}

#[test]
fn the_leader_sends_heartbeats_to_every_follower() {
    let r = raft((false, false));
    let mut s = leader_with_old_entries(&r);
    let mut out = Out::new(false);
    r.on_timer(&mut s, RaftTimer::Heartbeat, &mut out);
    let sends: Vec<NodeId> = out
        .actions()
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                to,
                msg: RaftMsg::AppendEntries(ae),
            } if ae.term == 4 => Some(*to),
            _ => None,
        })
        .collect();
    assert_eq!(sends, vec![NodeId(2), NodeId(3)]);
    assert!(out.actions().contains(&Effect::SetTimer {
        timer: RaftTimer::Heartbeat,
        min: 50 * MS,
        max: 50 * MS,
    }));
}

#[test]
fn the_forget_vote_bug_restarts_without_its_vote() {
    let stored = RaftDurable {
        current_term: 2,
        voted_for: Some(NodeId(3)),
        log: Vector::new(),
        snapshot: None,
    };
    let correct = raft((false, false)).on_start(NodeId(2), &stored, &mut Out::new(false));
    assert_eq!(correct.durable, stored);
    let buggy = Raft {
        bug_forget_vote_on_restart: true,
        ..raft((false, false))
    };
    let s = buggy.on_start(NodeId(2), &stored, &mut Out::new(false));
    assert_eq!((s.term(), s.durable.voted_for), (2, None));
}

#[test]
fn the_unpersisted_log_bug_acknowledges_entries_it_has_not_written() {
    let buggy = Raft {
        bug_unpersisted_log: true,
        reconfig: Default::default(),
        ..raft((false, false))
    };
    let mut s = node(&buggy, 2, 2, &[entry(1, 1)]);
    let mut out = Out::new(false);
    let ae = AppendEntries {
        term: 2,
        prev_log_index: 1,
        prev_log_term: 1,
        entries: vec![entry(2, 5), entry(2, 6)],
        leader_commit: 1,
    };
    buggy.on_msg(&mut s, NodeId(1), RaftMsg::AppendEntries(ae), &mut out);
    assert_eq!(s.last_index(), 3);
    // Storage gets the log as it was; the reply claims the new entries.
    let written = RaftDurable {
        log: [entry(1, 1)].into_iter().collect(),
        ..s.durable.clone()
    };
    assert_eq!(
        out.actions(),
        vec![
            election_timer(),
            Effect::Persist(written),
            Effect::Send {
                to: NodeId(1),
                msg: RaftMsg::AppendEntriesReply(AppendReply {
                    term: 2,
                    success: true,
                    match_index: 3,
                    last_index: 3,
                }),
            },
        ]
    );
}

/// A heartbeat that brings nothing new (same log, same commit index) changes nothing and says
/// nothing: only the election timer restarts and the follower acknowledges.
#[test]
fn a_heartbeat_with_nothing_new_only_restarts_the_timer() {
    let r = raft((false, false));
    let mut s = node(&r, 2, 2, &[entry(1, 1), entry(2, 2)]);
    s.commit_index = 1;
    s.last_applied = 1;
    s.value = 1;
    let mut out = Out::new(true);
    let heartbeat = AppendEntries {
        term: 2,
        prev_log_index: 1,
        prev_log_term: 1,
        entries: vec![],
        leader_commit: 1,
    };
    r.on_msg(
        &mut s,
        NodeId(1),
        RaftMsg::AppendEntries(heartbeat),
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![
            election_timer(),
            Effect::Send {
                to: NodeId(1),
                msg: RaftMsg::AppendEntriesReply(AppendReply {
                    term: 2,
                    success: true,
                    match_index: 1,
                    last_index: 2,
                }),
            },
        ]
    );
    assert_eq!(out.narration(), Vec::<&str>::new());
    assert_eq!((s.commit_index, s.last_applied, s.value), (1, 1, 1));
}
