//! Raft's read paths, one event at a time (exact effects, narration aside), with the rules they
//! follow: Ongaro's thesis §6.4 (ReadIndex), §6.4.1 (leases), §4.2.3 (refusing votes while a
//! leader is heard) and etcd-io/raft (read_only.go; raft.go's ReadOnlySafe, ReadOnlyLeaseBased
//! and committedEntryInCurrentTerm).

use imbl::Vector;
use lab_engine::node::{Effect, KvOp, KvResult, NodeId, Out, Protocol, Reply, Request};
use lab_engine::protocols::machine::Reads;
use lab_engine::protocols::raft::{
    Entry, LeaderCheck, LeaderCheckReply, Raft, RaftDurable, RaftMsg, RaftState, RaftTimer,
    ReadConfig, ReadIndexAnswer, ReadIndexAsk, RequestVote, Role, VoteReply,
};
use lab_engine::MS;

fn raft(reads: Reads) -> Raft {
    Raft {
        nodes: 3,
        election_timeout: (150 * MS, 300 * MS),
        heartbeat: 50 * MS,
        prevote: false,
        check_quorum: false,
        reads,
        read: ReadConfig::default(),
        bug_commit_old_term: false,
        bug_vote_without_log_check: false,
        bug_forget_vote_on_restart: false,
        bug_unpersisted_log: false,
        reconfig: Default::default(),
        compaction: Default::default(),
    }
}

fn write(term: u64, id: u64, value: i64) -> Entry {
    Entry::new(term, Request::kv(id, KvOp::Write { key: 0, value }))
}

fn read(id: u64) -> Request {
    Request::kv(id, KvOp::Read { key: 0 })
}

fn answer(index: u64, value: i64) -> Reply {
    Reply::Applied {
        index,
        result: KvResult::Read(Some(value)),
    }
}

/// S1 leads term 2; entry 1 (x = 7, term 1) and entry 2 (x = 8, term 2) are in every log.
/// `committed` says how far S1 knows they are committed and applied.
fn leader(r: &Raft, committed: u64) -> RaftState {
    let log = [write(1, 1, 7), write(2, 2, 8)];
    let durable = RaftDurable {
        current_term: 2,
        voted_for: Some(NodeId(1)),
        log: log.iter().cloned().collect::<Vector<_>>(),
        snapshot: None,
    };
    let mut s = r.on_start(NodeId(1), &durable, &mut Out::new(false));
    s.role = Role::Leader;
    s.leader = Some(NodeId(1));
    s.next_index = vec![3; 3];
    s.match_index = vec![2, 2, 2];
    s.read.acked = vec![0; 3];
    for e in log.iter().take(committed as usize) {
        s.kv.apply(e.request.op.unwrap());
    }
    s.commit_index = committed;
    s.last_applied = committed;
    s
}

fn follower(r: &Raft, id: u8) -> RaftState {
    let durable = RaftDurable {
        current_term: 2,
        voted_for: None,
        log: [write(1, 1, 7), write(2, 2, 8)].into_iter().collect(),
        snapshot: None,
    };
    let mut s = r.on_start(NodeId(id), &durable, &mut Out::new(false));
    s.leader = Some(NodeId(1));
    s
}

fn check(round: u64) -> impl Fn(NodeId) -> Effect<Raft> {
    move |to| Effect::Send {
        to,
        msg: RaftMsg::LeaderCheck(LeaderCheck { term: 2, round }),
    }
}

fn ack(round: u64) -> RaftMsg {
    RaftMsg::LeaderCheckReply(LeaderCheckReply { term: 2, round })
}

#[test]
fn read_index_waits_for_a_majority_to_confirm_a_round_sent_after_the_read() {
    // §6.4 steps 2-4: record the commit index, confirm leadership with a round of heartbeats,
    // answer once applied. etcd: ReadOnlySafe sends a heartbeat with the read's context.
    let r = raft(Reads::ReadIndex);
    let mut s = leader(&r, 2);
    let mut out = Out::new(false);
    r.on_request(&mut s, read(9), &mut out);
    assert_eq!(out.actions(), [check(1)(NodeId(2)), check(1)(NodeId(3))]);
    assert_eq!(s.read.held.len(), 1);

    // An acknowledgement of an earlier round proves nothing about now.
    let mut out = Out::new(false);
    r.on_msg(&mut s, NodeId(2), ack(0), &mut out);
    assert_eq!(out.actions(), []);

    // S1 and S2 are a majority of three.
    let mut out = Out::new(false);
    r.on_msg(&mut s, NodeId(2), ack(1), &mut out);
    assert_eq!(
        out.actions(),
        [Effect::Reply {
            request: 9,
            reply: answer(2, 8)
        }]
    );
    assert!(s.read.held.is_empty());
}

#[test]
fn read_index_waits_for_an_entry_of_the_leaders_own_term_to_commit() {
    // §6.4 step 1; etcd's committedEntryInCurrentTerm: until then the leader's commit index
    // may lag what an earlier leader committed.
    let r = raft(Reads::ReadIndex);
    let mut s = leader(&r, 1);
    let mut out = Out::new(false);
    r.on_request(&mut s, read(9), &mut out);
    r.on_msg(&mut s, NodeId(3), ack(1), &mut out);
    assert!(out
        .actions()
        .iter()
        .all(|e| !matches!(e, Effect::Reply { .. })));
    s.match_index = vec![2, 0, 1];
    // S3's acknowledgement of entry 2 commits it: then the read is answered at index 2.
    let mut out = Out::new(false);
    r.on_msg(
        &mut s,
        NodeId(3),
        RaftMsg::AppendEntriesReply(lab_engine::protocols::raft::AppendReply {
            term: 2,
            success: true,
            match_index: 2,
            last_index: 2,
        }),
        &mut out,
    );
    assert_eq!(
        out.actions(),
        [Effect::Reply {
            request: 9,
            reply: answer(2, 8)
        }]
    );
}

#[test]
fn a_new_leader_commits_a_no_op_of_its_term_when_reads_skip_the_log() {
    // Raft paper §8 and thesis §6.4: "a leader ... commit[s] a blank no-op entry into the log at
    // the start of its term" so step 1 can be met without a client write.
    for (reads, noop) in [
        (Reads::Log, false),
        (Reads::ReadIndex, true),
        (Reads::Lease, true),
    ] {
        let r = raft(reads);
        let mut s = follower(&r, 1);
        let mut out = Out::new(false);
        r.on_timer(&mut s, RaftTimer::Election, &mut out);
        r.on_msg(
            &mut s,
            NodeId(2),
            RaftMsg::RequestVoteReply(VoteReply {
                term: 3,
                vote_granted: true,
            }),
            &mut out,
        );
        assert_eq!(s.role, Role::Leader);
        assert_eq!(s.last_index(), if noop { 3 } else { 2 }, "{reads:?}");
        if noop {
            assert_eq!(s.log()[2].term, 3);
            assert_eq!(s.log()[2].request.op, None);
        }
    }
}

#[test]
fn a_lease_is_an_election_timeout_shortened_by_the_drift_bound() {
    // §6.4.1: "the leader would use ... an election timeout ... minus a bound on clock drift".
    // With a slow leader clock (1 - d) and a fast follower clock (1 + d) the lease may last
    // timeout × (1 - d) / (1 + d) on the leader's clock.
    let mut r = raft(Reads::Lease);
    assert_eq!(r.lease_duration(), 150 * MS);
    r.read.drift_ppm = 100_000;
    assert_eq!(r.lease_duration(), 122_727);
    r.read.bug_lease_ignores_drift = true;
    assert_eq!(r.lease_duration(), 150 * MS);
}

#[test]
fn a_confirmed_round_gives_a_lease_that_serves_reads_without_a_round_until_it_runs_out() {
    let mut r = raft(Reads::Lease);
    r.read.drift_ppm = 100_000;
    let mut s = leader(&r, 2);
    let mut out = Out::new(false);
    r.on_timer(&mut s, RaftTimer::Heartbeat, &mut out);
    let acts = out.actions();
    assert!(acts.contains(&check(1)(NodeId(2))) && acts.contains(&check(1)(NodeId(3))));
    assert!(acts.contains(&Effect::SetTimer {
        timer: RaftTimer::Lease(0),
        min: 122_727,
        max: 122_727
    }));
    assert!(s.read.lease.is_none());
    r.on_msg(&mut s, NodeId(3), ack(1), &mut Out::new(false));
    assert_eq!(s.read.lease, Some(0));

    let mut out = Out::new(false);
    r.on_request(&mut s, read(9), &mut out);
    assert_eq!(
        out.actions(),
        [Effect::Reply {
            request: 9,
            reply: answer(2, 8)
        }],
        "no round while the lease holds"
    );

    r.on_timer(&mut s, RaftTimer::Lease(0), &mut Out::new(false));
    assert!(s.read.lease.is_none());
    let mut out = Out::new(false);
    r.on_request(&mut s, read(10), &mut out);
    let acts = out.actions();
    assert!(
        acts.contains(&check(2)(NodeId(2)))
            && !acts.iter().any(|e| matches!(e, Effect::Reply { .. })),
        "out of lease, the read falls back to ReadIndex: {acts:?}"
    );
}

#[test]
fn under_leases_a_follower_that_hears_its_leader_refuses_votes_for_an_election_timeout() {
    // §4.2.3: "if a server receives a RequestVote request within the minimum election timeout
    // of hearing from a current leader, it does not update its term or grant its vote"; etcd
    // ignores such a MsgVote when inLease.
    let r = raft(Reads::Lease);
    let mut s = follower(&r, 2);
    let mut out = Out::new(false);
    r.on_msg(
        &mut s,
        NodeId(1),
        RaftMsg::LeaderCheck(LeaderCheck { term: 2, round: 4 }),
        &mut out,
    );
    assert!(out.actions().contains(&Effect::SetTimer {
        timer: RaftTimer::VoteHold,
        min: 150 * MS,
        max: 150 * MS
    }));
    assert!(out.actions().contains(&Effect::Send {
        to: NodeId(1),
        msg: RaftMsg::LeaderCheckReply(LeaderCheckReply { term: 2, round: 4 })
    }));
    let vote = RaftMsg::RequestVote(RequestVote {
        term: 3,
        last_log_index: 2,
        last_log_term: 2,
    });
    let mut out = Out::new(false);
    r.on_msg(&mut s, NodeId(3), vote.clone(), &mut out);
    assert_eq!(out.actions(), [], "not even a reply");
    assert_eq!(s.term(), 2);

    r.on_timer(&mut s, RaftTimer::VoteHold, &mut Out::new(false));
    let mut out = Out::new(false);
    r.on_msg(&mut s, NodeId(3), vote, &mut out);
    assert_eq!(s.term(), 3);
    assert_eq!(s.durable.voted_for, Some(NodeId(3)));
}

#[test]
fn under_leases_a_restarted_node_waits_out_an_election_timeout_before_voting() {
    // It may have acknowledged a lease just before it crashed; a fresh cluster (term 0) has
    // no lease to protect.
    let r = raft(Reads::Lease);
    let mut out = Out::new(false);
    let s = r.on_start(NodeId(2), &RaftDurable::default(), &mut out);
    assert!(!s.read.vote_hold);
    let mut out = Out::new(false);
    let s = r.on_start(
        NodeId(2),
        &RaftDurable {
            current_term: 2,
            ..RaftDurable::default()
        },
        &mut out,
    );
    assert!(s.read.vote_hold);
    assert!(out.actions().contains(&Effect::SetTimer {
        timer: RaftTimer::VoteHold,
        min: 150 * MS,
        max: 150 * MS
    }));
}

#[test]
fn a_follower_read_asks_the_leader_for_a_read_index_and_answers_once_applied() {
    // §6.4: "followers ... request the current read index from the leader"; etcd's
    // MsgReadIndex and MsgReadIndexResp.
    let r = raft(Reads::Follower);
    let mut f = follower(&r, 2);
    let mut l = leader(&r, 2);
    let mut out = Out::new(false);
    r.on_request(&mut f, read(9), &mut out);
    let ask = RaftMsg::ReadIndexAsk(ReadIndexAsk { request: 9 });
    assert_eq!(
        out.actions(),
        [Effect::Send {
            to: NodeId(1),
            msg: ask.clone()
        }]
    );
    let mut out = Out::new(false);
    r.on_msg(&mut l, NodeId(2), ask, &mut out);
    assert_eq!(out.actions(), [check(1)(NodeId(2)), check(1)(NodeId(3))]);
    let mut out = Out::new(false);
    r.on_msg(&mut l, NodeId(3), ack(1), &mut out);
    let answer_msg = RaftMsg::ReadIndexAnswer(ReadIndexAnswer {
        request: 9,
        index: Some(2),
    });
    assert_eq!(
        out.actions(),
        [Effect::Send {
            to: NodeId(2),
            msg: answer_msg.clone()
        }]
    );
    // The follower has applied nothing yet: it waits for entry 2.
    let mut out = Out::new(false);
    r.on_msg(&mut f, NodeId(1), answer_msg, &mut out);
    assert_eq!(out.actions(), []);
    let mut out = Out::new(false);
    r.on_msg(
        &mut f,
        NodeId(1),
        RaftMsg::AppendEntries(lab_engine::protocols::raft::AppendEntries {
            term: 2,
            prev_log_index: 2,
            prev_log_term: 2,
            entries: Vec::new(),
            leader_commit: 2,
        }),
        &mut out,
    );
    assert!(out.actions().contains(&Effect::Reply {
        request: 9,
        reply: answer(2, 8)
    }));
}

#[test]
fn a_node_that_no_longer_leads_tells_the_follower_so() {
    let r = raft(Reads::Follower);
    let mut s = follower(&r, 3);
    let mut out = Out::new(false);
    r.on_msg(
        &mut s,
        NodeId(2),
        RaftMsg::ReadIndexAsk(ReadIndexAsk { request: 4 }),
        &mut out,
    );
    assert_eq!(
        out.actions(),
        [Effect::Send {
            to: NodeId(2),
            msg: RaftMsg::ReadIndexAnswer(ReadIndexAnswer {
                request: 4,
                index: None
            })
        }]
    );
}

#[test]
fn a_leader_that_steps_down_forgets_the_reads_it_held() {
    let r = raft(Reads::ReadIndex);
    let mut s = leader(&r, 2);
    r.on_request(&mut s, read(9), &mut Out::new(false));
    let mut out = Out::new(false);
    r.on_msg(
        &mut s,
        NodeId(2),
        RaftMsg::LeaderCheckReply(LeaderCheckReply { term: 3, round: 1 }),
        &mut out,
    );
    assert_eq!(s.role, Role::Follower);
    assert!(s.read.held.is_empty());
    assert!(out
        .actions()
        .iter()
        .all(|e| !matches!(e, Effect::Reply { .. })));
}

#[test]
fn the_bug_answers_from_the_leaders_own_state_at_once() {
    let mut r = raft(Reads::ReadIndex);
    r.read.bug_read_without_quorum_check = true;
    let mut s = leader(&r, 1);
    let mut out = Out::new(false);
    r.on_request(&mut s, read(9), &mut out);
    assert_eq!(
        out.actions(),
        [Effect::Reply {
            request: 9,
            reply: answer(1, 7)
        }],
        "no round, no own-term commit: whatever it has applied"
    );
}

#[test]
fn each_confirmed_round_carries_the_lease_on_from_its_own_start() {
    // Two lease timers: the next round is timed while the lease holds, and takes over once a
    // majority confirms it, so the lease does not lapse between rounds.
    let r = raft(Reads::Lease);
    let mut s = leader(&r, 2);
    r.on_timer(&mut s, RaftTimer::Heartbeat, &mut Out::new(false));
    r.on_msg(&mut s, NodeId(2), ack(1), &mut Out::new(false));
    assert_eq!((s.read.lease, s.read.slots), (Some(0), [Some(1), None]));
    let mut out = Out::new(false);
    r.on_timer(&mut s, RaftTimer::Heartbeat, &mut out);
    assert!(out.actions().contains(&Effect::SetTimer {
        timer: RaftTimer::Lease(1),
        min: 150 * MS,
        max: 150 * MS
    }));
    assert_eq!(s.read.slots, [Some(1), Some(2)]);
    let mut out = Out::new(false);
    r.on_msg(&mut s, NodeId(3), ack(2), &mut out);
    assert_eq!(out.actions(), [Effect::CancelTimer(RaftTimer::Lease(0))]);
    assert_eq!((s.read.lease, s.read.slots), (Some(1), [None, Some(2)]));
    // The stale slot's timer is gone; the lease ends only with round 2's.
    r.on_timer(&mut s, RaftTimer::Lease(1), &mut Out::new(false));
    assert_eq!(s.read.lease, None);
}
