//! Zab's handlers, one event at a time, phase by phase: each test brings a node to a moment by
//! feeding it the messages that lead there, then feeds one event and asserts the exact effects
//! it emits (`Out::actions()` compares without narration).

use crate::fixtures::*;
use lab_engine::node::*;
use lab_engine::protocols::zab::*;

// ---- Phase 0: Fast Leader Election ----

#[test]
fn a_node_starts_looking_in_round_one_and_votes_for_itself() {
    let p = proto();
    let d = durable(2, 2, &[txn(2, 1, 7)]);
    let mut out = Out::new(true);
    let s = p.on_start(NodeId(1), &d, &mut out);
    let v = vote(1, 2, Zxid::new(2, 1));
    assert_eq!(
        (s.role, s.phase, s.round, s.vote),
        (Role::Looking, Phase::Election, 1, v)
    );
    assert_eq!(
        out.actions(),
        vec![
            send(2, note(v, 1, Role::Looking)),
            send(3, note(v, 1, Role::Looking)),
            Effect::CancelTimer(ZabTimer::Finalize),
            timer(ZabTimer::Election, LO, HI),
        ]
    );
}

#[test]
fn a_worse_vote_in_the_same_round_is_answered_with_the_better_one() {
    let p = proto();
    let mut s = start(&p, 3, &durable(1, 1, &[txn(1, 2, 1)]));
    let own = s.vote;
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        note(vote(1, 1, Zxid::new(1, 1)), 1, Role::Looking),
        &mut out,
    );
    assert_eq!(s.vote, own);
    assert_eq!(out.actions(), vec![send(1, note(own, 1, Role::Looking))]);
}

#[test]
fn a_notification_from_an_earlier_round_is_answered_with_the_current_one() {
    let p = proto();
    let mut s = start(&p, 3, &ZabDurable::default());
    p.on_msg(
        &mut s,
        NodeId(1),
        note(vote(1, 0, Zxid::ZERO), 4, Role::Looking),
        &mut quiet(),
    );
    assert_eq!(s.round, 4);
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(2),
        note(vote(2, 0, Zxid::ZERO), 2, Role::Looking),
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![send(2, note(vote(3, 0, Zxid::ZERO), 4, Role::Looking))]
    );
}

#[test]
fn a_vote_from_an_earlier_round_is_answered_never_adopted() {
    // FLE: notifications of an earlier round are stale; the sender is told the current one.
    let p = proto();
    let mut s = start(&p, 3, &ZabDurable::default());
    let own = s.vote;
    let weaker = vote(1, 0, Zxid::ZERO);
    p.on_msg(
        &mut s,
        NodeId(1),
        note(weaker, 4, Role::Looking),
        &mut quiet(),
    );
    let better = vote(2, 5, Zxid::new(5, 1));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(2), note(better, 2, Role::Looking), &mut out);
    assert_eq!((s.round, s.vote), (4, own));
    assert_eq!(out.actions(), vec![send(2, note(own, 4, Role::Looking))]);
}

#[test]
fn after_the_finalize_wait_a_quorum_for_itself_makes_a_node_leading() {
    let p = proto();
    let mut s = start(&p, 3, &ZabDurable::default());
    let v = s.own_vote();
    p.on_msg(&mut s, NodeId(1), note(v, 1, Role::Looking), &mut quiet());
    let mut out = quiet();
    p.on_timer(&mut s, ZabTimer::Finalize, &mut out);
    assert_eq!(
        (s.role, s.phase, s.leader),
        (Role::Leading, Phase::Discovery, Some(NodeId(3)))
    );
    assert_eq!(
        out.actions(),
        vec![
            Effect::CancelTimer(ZabTimer::Election),
            Effect::CancelTimer(ZabTimer::Finalize),
            timer(ZabTimer::SyncLimit, LO, LO),
            timer(ZabTimer::Heartbeat, MS_50, MS_50),
        ]
    );
}

#[test]
fn a_node_that_settles_on_another_follows_it_and_sends_followerinfo() {
    let p = proto();
    let mut s = start(&p, 2, &durable(4, 3, &[]));
    let v = vote(3, 5, Zxid::new(5, 2));
    p.on_msg(&mut s, NodeId(3), note(v, 1, Role::Looking), &mut quiet());
    let mut out = quiet();
    p.on_timer(&mut s, ZabTimer::Finalize, &mut out);
    assert_eq!((s.role, s.phase), (Role::Following, Phase::Discovery));
    assert_eq!(
        out.actions(),
        vec![
            Effect::CancelTimer(ZabTimer::Election),
            Effect::CancelTimer(ZabTimer::Finalize),
            send(3, ZabMsg::FollowerInfo { accepted_epoch: 4 }),
            timer(ZabTimer::Heartbeat, MS_50, MS_50),
            timer(ZabTimer::SyncLimit, LO, HI),
        ]
    );
}

#[test]
fn a_looking_node_joins_a_leader_that_a_quorum_reports_leading() {
    let p = proto();
    let mut s = start(&p, 1, &ZabDurable::default());
    let v = vote(3, 0, Zxid::ZERO);
    // A follower alone is not enough: the leader itself must say it leads.
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(2), note(v, 6, Role::Following), &mut out);
    assert_eq!((s.role, out.actions()), (Role::Looking, vec![]));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(3), note(v, 6, Role::Leading), &mut out);
    assert_eq!(
        (s.role, s.leader, s.round),
        (Role::Following, Some(NodeId(3)), 6)
    );
    assert_eq!(
        out.actions()[2],
        send(3, ZabMsg::FollowerInfo { accepted_epoch: 0 })
    );
}

#[test]
fn a_settled_node_tells_a_looking_one_whom_it_follows() {
    let p = proto();
    let mut s = up_to_date_follower(&p);
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        note(vote(1, 0, Zxid::ZERO), 9, Role::Looking),
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![send(1, note(vote(3, 0, Zxid::ZERO), 1, Role::Following))]
    );
}

#[test]
fn a_quorum_is_a_majority_of_the_cluster() {
    // Zab's quorums are majorities (DSN 2011, the system model): any two intersect.
    for (nodes, quorum) in [(1, 1), (3, 2), (4, 3), (5, 3)] {
        let p = Zab { nodes, ..proto() };
        assert_eq!((p.cluster_size(), p.quorum()), (nodes, quorum));
    }
}

#[test]
fn only_a_leader_in_broadcast_is_established() {
    // Phase 3 is where a primary serves: a leader still in discovery is not one yet, and
    // neither is a follower in broadcast.
    let p = proto();
    assert!(!elected_leader(&p, &ZabDurable::default()).is_established());
    assert!(!up_to_date_follower(&p).is_established());
    assert!(established(&p).is_established());
}

#[test]
fn a_later_rounds_better_vote_is_adopted_with_the_round() {
    let p = proto();
    let mut s = start(&p, 3, &ZabDurable::default());
    let better = vote(1, 1, Zxid::new(1, 1));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(1), note(better, 3, Role::Looking), &mut out);
    assert_eq!((s.round, s.vote), (3, better));
    assert_eq!(
        out.actions(),
        vec![
            send(1, note(better, 3, Role::Looking)),
            send(2, note(better, 3, Role::Looking)),
            timer(ZabTimer::Finalize, MS_50, MS_50),
        ]
    );
}

#[test]
fn a_vote_equal_to_its_own_is_counted_not_sent_on() {
    // FLE sends its vote on only when it changes; an agreeing vote only adds to the count.
    let p = proto();
    let mut s = start(&p, 3, &ZabDurable::default());
    let own = s.vote;
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(1), note(own, 1, Role::Looking), &mut out);
    assert_eq!(out.actions(), vec![timer(ZabTimer::Finalize, MS_50, MS_50)]);
}

#[test]
fn the_finalize_wait_settles_nothing_once_the_quorum_is_gone() {
    let p = proto();
    let mut s = start(&p, 3, &ZabDurable::default());
    let own = s.vote;
    p.on_msg(&mut s, NodeId(1), note(own, 1, Role::Looking), &mut quiet());
    // During the wait a notification of round 2 starts a new count, which S1's vote is not in.
    let weaker = vote(2, 0, Zxid::ZERO);
    p.on_msg(
        &mut s,
        NodeId(2),
        note(weaker, 2, Role::Looking),
        &mut quiet(),
    );
    let mut out = quiet();
    p.on_timer(&mut s, ZabTimer::Finalize, &mut out);
    assert_eq!(
        (s.role, s.leader, out.actions()),
        (Role::Looking, None, vec![])
    );
}

#[test]
fn the_election_timer_resends_the_vote_while_looking_only() {
    let p = proto();
    let mut s = start(&p, 3, &ZabDurable::default());
    let own = s.vote;
    let mut out = quiet();
    p.on_timer(&mut s, ZabTimer::Election, &mut out);
    assert_eq!(
        out.actions(),
        vec![
            send(1, note(own, 1, Role::Looking)),
            send(2, note(own, 1, Role::Looking)),
            timer(ZabTimer::Election, LO, HI),
        ]
    );
    let mut s = up_to_date_follower(&p);
    let mut out = quiet();
    p.on_timer(&mut s, ZabTimer::Election, &mut out);
    assert_eq!(out.actions(), vec![]);
}

#[test]
fn a_leader_that_reports_leading_and_this_node_make_a_quorum() {
    // Of three, the leader and the node that would join it are a majority.
    let p = proto();
    let mut s = start(&p, 1, &ZabDurable::default());
    let v = vote(3, 0, Zxid::ZERO);
    p.on_msg(&mut s, NodeId(3), note(v, 2, Role::Leading), &mut quiet());
    assert_eq!((s.role, s.leader), (Role::Following, Some(NodeId(3))));
}

// ---- Phase 1: discovery ----

#[test]
fn a_follower_not_yet_synchronized_connects_again_on_its_heartbeat_timer() {
    let p = proto();
    let mut s = follower(&p, &durable(1, 1, &[]));
    let mut out = quiet();
    p.on_timer(&mut s, ZabTimer::Heartbeat, &mut out);
    assert_eq!(
        out.actions(),
        vec![
            send(3, ZabMsg::FollowerInfo { accepted_epoch: 1 }),
            timer(ZabTimer::Heartbeat, MS_50, MS_50),
        ]
    );
    // Once NEWLEADER came the connection stands: the timer does nothing.
    let mut s = up_to_date_follower(&p);
    let mut out = quiet();
    p.on_timer(&mut s, ZabTimer::Heartbeat, &mut out);
    assert_eq!(out.actions(), vec![]);
}

#[test]
fn a_leader_not_established_within_two_synclimit_checks_gives_up() {
    let p = proto();
    let mut s = elected_leader(&p, &ZabDurable::default());
    let info = ZabMsg::FollowerInfo { accepted_epoch: 0 };
    // S2 keeps connecting, so a quorum is heard from, but discovery never completes.
    p.on_msg(&mut s, NodeId(2), info.clone(), &mut quiet());
    p.on_timer(&mut s, ZabTimer::SyncLimit, &mut quiet());
    assert_eq!((s.role, s.phase), (Role::Leading, Phase::Discovery));
    p.on_msg(&mut s, NodeId(2), info, &mut quiet());
    p.on_timer(&mut s, ZabTimer::SyncLimit, &mut quiet());
    assert_eq!((s.role, s.phase), (Role::Looking, Phase::Election));
}

// ---- Phase 2: synchronization ----

/// What S3 sends S1 when S1's ACKEPOCH reports `last`, as the quorum's second ACKEPOCH.
fn new_leader_for(last: Zxid) -> Vec<Effect<Zab>> {
    new_leader_with(&proto(), last)
}

/// As `new_leader_for`, under `p`'s configuration.
fn new_leader_with(p: &Zab, last: Zxid) -> Vec<Effect<Zab>> {
    let h = leader_history();
    let mut s = elected_leader(p, &durable(2, 2, &h));
    let o = &mut quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::FollowerInfo { accepted_epoch: 2 },
        o,
    );
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::AckEpoch {
            current_epoch: Some(1),
            last_zxid: last,
        },
        &mut out,
    );
    assert_eq!(out.actions()[0], Effect::Persist(durable(3, 3, &h)));
    out.actions()
}

#[test]
fn a_follower_whose_last_zxid_the_leader_has_gets_a_diff() {
    assert_eq!(
        new_leader_for(Zxid::new(1, 2))[1],
        send(
            1,
            ZabMsg::NewLeader {
                epoch: 3,
                sync: Sync::Diff {
                    after: Zxid::new(1, 2),
                    txns: vec![txn(1, 3, 3), txn(2, 1, 4)]
                }
            }
        )
    );
}

#[test]
fn a_follower_with_proposals_no_quorum_kept_gets_a_trunc() {
    // S1 logged 0x100000004, which the leader never had.
    assert_eq!(
        new_leader_for(Zxid::new(1, 4))[1],
        send(
            1,
            ZabMsg::NewLeader {
                epoch: 3,
                sync: Sync::Trunc {
                    to: Zxid::new(1, 3),
                    txns: vec![txn(2, 1, 4)]
                }
            }
        )
    );
}

#[test]
fn a_follower_too_far_behind_for_a_diff_gets_a_snap() {
    let p = Zab {
        diff_window: 2,
        ..proto()
    };
    let h = leader_history();
    let mut s = elected_leader(&p, &durable(2, 2, &h));
    let o = &mut quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::FollowerInfo { accepted_epoch: 2 },
        o,
    );
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::AckEpoch {
            current_epoch: Some(1),
            last_zxid: Zxid::new(1, 1),
        },
        &mut out,
    );
    assert_eq!(
        out.actions()[1],
        send(
            1,
            ZabMsg::NewLeader {
                epoch: 3,
                sync: Sync::Snap { txns: h.clone() }
            }
        )
    );
}

#[test]
fn with_a_quorum_synchronized_the_leader_delivers_its_history_and_sends_uptodate() {
    let p = proto();
    let h = [txn(1, 1, 1)];
    let mut s = elected_leader(&p, &durable(1, 1, &h));
    let o = &mut quiet();
    p.on_msg(
        &mut s,
        NodeId(2),
        ZabMsg::FollowerInfo { accepted_epoch: 1 },
        o,
    );
    p.on_msg(
        &mut s,
        NodeId(2),
        ZabMsg::AckEpoch {
            current_epoch: Some(1),
            last_zxid: Zxid::new(1, 1),
        },
        o,
    );
    // A request that arrives now waits for the leader to be established.
    p.on_request(&mut s, Request::counter(8, 4), o);
    assert_eq!(s.phase, Phase::Sync);
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(2),
        ZabMsg::AckNewLeader {
            epoch: 2,
            last_zxid: Zxid::new(1, 1),
        },
        &mut out,
    );
    // Its history is delivered; the queued request is proposed, not yet committed.
    assert_eq!((s.phase, s.committed, s.value), (Phase::Broadcast, 1, 1));
    let proposed = txn(2, 1, 8);
    let proposed = Txn {
        delta: 4,
        ..proposed
    };
    assert_eq!(
        out.actions(),
        vec![
            send(
                2,
                ZabMsg::UpToDate {
                    epoch: 2,
                    commit: Zxid::new(1, 1)
                }
            ),
            Effect::Persist(durable(2, 2, &[txn(1, 1, 1), proposed])),
            send(
                2,
                ZabMsg::Proposal {
                    epoch: 2,
                    prev: Zxid::new(1, 1),
                    txn: proposed
                }
            ),
        ]
    );
}

#[test]
fn uptodate_delivers_the_synchronized_history() {
    let p = proto();
    let mut s = follower(&p, &ZabDurable::default());
    let o = &mut quiet();
    p.on_msg(&mut s, NodeId(3), ZabMsg::NewEpoch { epoch: 1 }, o);
    p.on_msg(
        &mut s,
        NodeId(3),
        ZabMsg::NewLeader {
            epoch: 1,
            sync: Sync::Diff {
                after: Zxid::ZERO,
                txns: vec![txn(0, 1, 3), txn(0, 2, 4)],
            },
        },
        o,
    );
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(3),
        ZabMsg::UpToDate {
            epoch: 1,
            commit: Zxid::new(0, 2),
        },
        &mut out,
    );
    assert_eq!((s.phase, s.committed, s.value), (Phase::Broadcast, 2, 7));
    assert_eq!(out.actions(), vec![timer(ZabTimer::SyncLimit, LO, HI)]);
}

#[test]
fn a_follower_with_an_empty_history_gets_a_diff_of_the_whole_history() {
    assert_eq!(
        new_leader_for(Zxid::ZERO)[1],
        send(
            1,
            ZabMsg::NewLeader {
                epoch: 3,
                sync: Sync::Diff {
                    after: Zxid::ZERO,
                    txns: leader_history()
                }
            }
        )
    );
}

#[test]
fn a_follower_whose_whole_history_the_leader_lacks_is_truncated_to_nothing() {
    // S1's only transaction, of epoch 0, is before anything the leader holds.
    assert_eq!(
        new_leader_for(Zxid::new(0, 5))[1],
        send(
            1,
            ZabMsg::NewLeader {
                epoch: 3,
                sync: Sync::Trunc {
                    to: Zxid::ZERO,
                    txns: leader_history()
                }
            }
        )
    );
}

#[test]
fn a_follower_exactly_the_diff_window_behind_still_gets_a_diff() {
    let p = Zab {
        diff_window: 2,
        ..proto()
    };
    assert_eq!(
        new_leader_with(&p, Zxid::new(1, 2))[1],
        send(
            1,
            ZabMsg::NewLeader {
                epoch: 3,
                sync: Sync::Diff {
                    after: Zxid::new(1, 2),
                    txns: vec![txn(1, 3, 3), txn(2, 1, 4)]
                }
            }
        )
    );
}

#[test]
fn newleader_is_taken_once_per_connection_in_sync_for_the_accepted_epoch() {
    let p = proto();
    let sync = || Sync::Diff {
        after: Zxid::ZERO,
        txns: vec![txn(1, 1, 1)],
    };
    let new_leader = |epoch| ZabMsg::NewLeader {
        epoch,
        sync: sync(),
    };
    // Before NEWEPOCH (still in discovery), even for the epoch it accepted.
    let mut s = follower(&p, &durable(1, 0, &[]));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(3), new_leader(1), &mut out);
    assert_eq!(out.actions(), vec![timer(ZabTimer::SyncLimit, LO, HI)]);
    // For an epoch other than the one it accepted.
    p.on_msg(
        &mut s,
        NodeId(3),
        ZabMsg::NewEpoch { epoch: 1 },
        &mut quiet(),
    );
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(3), new_leader(2), &mut out);
    assert_eq!(out.actions(), vec![timer(ZabTimer::SyncLimit, LO, HI)]);
    // A second NEWLEADER in the same connection.
    p.on_msg(&mut s, NodeId(3), new_leader(1), &mut quiet());
    assert_eq!((s.got_new_leader, s.history().len()), (true, 1));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(3), new_leader(1), &mut out);
    assert_eq!(out.actions(), vec![timer(ZabTimer::SyncLimit, LO, HI)]);
}

#[test]
fn a_follower_truncated_below_what_it_delivered_delivers_only_what_it_kept() {
    // Only a leader that broke Phase 2 (zab-skip-sync) sends this: the follower's counter
    // must still be what its delivered prefix adds up to.
    let p = proto();
    let mine = [txn(1, 1, 1), txn(1, 2, 2)];
    let mut s = follower(&p, &durable(1, 1, &mine));
    (s.committed, s.value) = (2, 3);
    p.on_msg(
        &mut s,
        NodeId(3),
        ZabMsg::NewEpoch { epoch: 2 },
        &mut quiet(),
    );
    p.on_msg(
        &mut s,
        NodeId(3),
        ZabMsg::NewLeader {
            epoch: 2,
            sync: Sync::Trunc {
                to: Zxid::new(1, 1),
                txns: vec![txn(2, 1, 5)],
            },
        },
        &mut quiet(),
    );
    assert_eq!((s.committed, s.value), (1, 1));
}

/// S3 in synchronization for epoch 2: S1 sent ACKEPOCH and was sent NEWLEADER.
fn synchronizing_leader(p: &Zab) -> ZabState {
    let mut s = elected_leader(p, &durable(1, 1, &[]));
    let o = &mut quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::FollowerInfo { accepted_epoch: 1 },
        o,
    );
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::AckEpoch {
            current_epoch: Some(1),
            last_zxid: Zxid::ZERO,
        },
        o,
    );
    assert_eq!((s.phase, s.new_epoch), (Phase::Sync, Some(2)));
    s
}

#[test]
fn the_leader_counts_one_ack_of_newleader_per_follower_it_sent_newleader_for_its_epoch() {
    let p = proto();
    let ack = |epoch| ZabMsg::AckNewLeader {
        epoch,
        last_zxid: Zxid::ZERO,
    };
    let mut s = synchronizing_leader(&p);
    // An ACK for another epoch (an earlier connection's).
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(1), ack(1), &mut out);
    assert_eq!((s.phase, out.actions()), (Phase::Sync, vec![]));
    // An ACK from a follower that was not sent NEWLEADER in this connection.
    p.on_msg(
        &mut s,
        NodeId(2),
        ZabMsg::FollowerInfo { accepted_epoch: 1 },
        &mut quiet(),
    );
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(2), ack(2), &mut out);
    assert_eq!((s.phase, out.actions()), (Phase::Sync, vec![]));
    // S1's ACK establishes the leader; a second one changes nothing.
    p.on_msg(&mut s, NodeId(1), ack(2), &mut quiet());
    assert!(s.is_established());
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(1), ack(2), &mut out);
    assert_eq!(out.actions(), vec![]);
}

#[test]
fn uptodate_goes_only_to_followers_that_acknowledged_newleader() {
    let p = proto();
    let mut s = synchronizing_leader(&p);
    let o = &mut quiet();
    // S2 connects during synchronization and is sent NEWLEADER too, but does not ACK it yet.
    p.on_msg(
        &mut s,
        NodeId(2),
        ZabMsg::FollowerInfo { accepted_epoch: 1 },
        o,
    );
    p.on_msg(
        &mut s,
        NodeId(2),
        ZabMsg::AckEpoch {
            current_epoch: Some(1),
            last_zxid: Zxid::ZERO,
        },
        o,
    );
    assert!(s.learners[&NodeId(2)].forwarding);
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::AckNewLeader {
            epoch: 2,
            last_zxid: Zxid::ZERO,
        },
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![send(
            1,
            ZabMsg::UpToDate {
                epoch: 2,
                commit: Zxid::ZERO
            }
        )]
    );
}

/// S2 after NEWEPOCH 1 and NEWLEADER with `t`: synchronized, not yet UPTODATE.
fn synchronized_follower(p: &Zab, t: Txn) -> ZabState {
    let mut s = follower(p, &ZabDurable::default());
    let o = &mut quiet();
    p.on_msg(&mut s, NodeId(3), ZabMsg::NewEpoch { epoch: 1 }, o);
    p.on_msg(
        &mut s,
        NodeId(3),
        ZabMsg::NewLeader {
            epoch: 1,
            sync: Sync::Diff {
                after: Zxid::ZERO,
                txns: vec![t],
            },
        },
        o,
    );
    assert_eq!((s.phase, s.got_new_leader), (Phase::Sync, true));
    s
}

#[test]
fn uptodate_commit_and_proposals_count_only_after_newleader_and_in_its_epoch() {
    let p = proto();
    let reset = vec![timer(ZabTimer::SyncLimit, LO, HI)];
    // Before NEWLEADER: accepted epoch 1, current epoch still 0.
    for msg in [
        ZabMsg::UpToDate {
            epoch: 0,
            commit: Zxid::ZERO,
        },
        ZabMsg::Commit {
            epoch: 0,
            zxid: Zxid::ZERO,
        },
        ZabMsg::Proposal {
            epoch: 0,
            prev: Zxid::ZERO,
            txn: txn(0, 1, 1),
        },
    ] {
        let mut s = follower(&p, &ZabDurable::default());
        p.on_msg(
            &mut s,
            NodeId(3),
            ZabMsg::NewEpoch { epoch: 1 },
            &mut quiet(),
        );
        let mut out = quiet();
        p.on_msg(&mut s, NodeId(3), msg, &mut out);
        assert_eq!((s.phase, out.actions()), (Phase::Sync, reset.clone()));
    }
    // After NEWLEADER of epoch 1, messages of epoch 2.
    let t = txn(1, 1, 1);
    for msg in [
        ZabMsg::UpToDate {
            epoch: 2,
            commit: t.zxid,
        },
        ZabMsg::Commit {
            epoch: 2,
            zxid: t.zxid,
        },
        ZabMsg::Proposal {
            epoch: 2,
            prev: t.zxid,
            txn: txn(2, 1, 2),
        },
    ] {
        let mut s = synchronized_follower(&p, t);
        let mut out = quiet();
        p.on_msg(&mut s, NodeId(3), msg, &mut out);
        assert_eq!(
            (s.phase, s.committed, s.history().len(), out.actions()),
            (Phase::Sync, 0, 1, reset.clone())
        );
    }
}

// ---- Phase 3: broadcast ----

#[test]
fn the_leader_proposes_a_request_with_the_next_zxid_of_its_epoch() {
    let p = proto();
    let mut s = established(&p);
    let mut out = quiet();
    p.on_request(&mut s, Request::counter(1, 5), &mut out);
    let t = Txn {
        zxid: Zxid::new(1, 1),
        id: 1,
        delta: 5,
        op: None,
    };
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(durable(1, 1, &[t])),
            send(
                2,
                ZabMsg::Proposal {
                    epoch: 1,
                    prev: Zxid::ZERO,
                    txn: t
                }
            ),
        ]
    );
}

#[test]
fn a_quorum_of_acks_commits_in_zxid_order_and_answers_the_client() {
    let p = proto();
    let mut s = established(&p);
    p.on_request(&mut s, Request::counter(1, 5), &mut quiet());
    p.on_request(&mut s, Request::counter(2, 3), &mut quiet());
    let mut out = quiet();
    // One ACK for the second proposal covers the first: followers log in order.
    p.on_msg(
        &mut s,
        NodeId(2),
        ZabMsg::Ack {
            epoch: 1,
            zxid: Zxid::new(1, 2),
        },
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![
            Effect::Reply {
                request: 1,
                reply: Reply::Committed { index: 1, value: 5 }
            },
            Effect::Reply {
                request: 2,
                reply: Reply::Committed { index: 2, value: 8 }
            },
            send(
                2,
                ZabMsg::Commit {
                    epoch: 1,
                    zxid: Zxid::new(1, 2)
                }
            ),
        ]
    );
}

#[test]
fn a_follower_that_missed_a_proposal_reconnects() {
    let p = proto();
    let mut s = up_to_date_follower(&p);
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(3),
        ZabMsg::Proposal {
            epoch: 1,
            prev: Zxid::new(1, 1),
            txn: txn(1, 2, 6),
        },
        &mut out,
    );
    assert_eq!((s.phase, s.history().len()), (Phase::Discovery, 0));
    assert_eq!(
        out.actions(),
        vec![
            timer(ZabTimer::SyncLimit, LO, HI),
            send(3, ZabMsg::FollowerInfo { accepted_epoch: 1 }),
            timer(ZabTimer::Heartbeat, MS_50, MS_50),
        ]
    );
}

#[test]
fn a_commit_for_a_proposal_never_received_makes_a_follower_reconnect() {
    let p = proto();
    let mut s = up_to_date_follower(&p);
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(3),
        ZabMsg::Commit {
            epoch: 1,
            zxid: Zxid::new(1, 1),
        },
        &mut out,
    );
    assert_eq!(s.phase, Phase::Discovery);
    assert_eq!(
        out.actions()[1],
        send(3, ZabMsg::FollowerInfo { accepted_epoch: 1 })
    );
}

#[test]
fn a_follower_answers_ping_and_a_silent_leader_sends_it_back_to_looking() {
    let p = proto();
    let mut s = up_to_date_follower(&p);
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(3), ZabMsg::Ping { epoch: 1 }, &mut out);
    assert_eq!(
        out.actions(),
        vec![
            timer(ZabTimer::SyncLimit, LO, HI),
            send(3, ZabMsg::PingAck { epoch: 1 })
        ]
    );
    p.on_timer(&mut s, ZabTimer::SyncLimit, &mut quiet());
    assert_eq!(
        (s.role, s.phase, s.leader),
        (Role::Looking, Phase::Election, None)
    );
}

#[test]
fn a_leader_that_hears_from_no_quorum_within_synclimit_stops_leading() {
    let p = proto();
    let mut s = established(&p);
    // S2 was heard from during synchronization: the first check passes.
    p.on_timer(&mut s, ZabTimer::SyncLimit, &mut quiet());
    assert!(s.is_established());
    let mut out = quiet();
    p.on_timer(&mut s, ZabTimer::SyncLimit, &mut out);
    assert_eq!(s.role, Role::Looking);
    assert!(out
        .actions()
        .contains(&Effect::CancelTimer(ZabTimer::Heartbeat)));
}

#[test]
fn clients_are_redirected_to_the_leader_or_onwards_while_looking() {
    let p = proto();
    let mut s = up_to_date_follower(&p);
    let mut out = quiet();
    p.on_request(&mut s, Request::counter(4, 1), &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Reply {
            request: 4,
            reply: Reply::Redirect(Some(NodeId(3)))
        }]
    );
    let mut looking = start(&p, 1, &ZabDurable::default());
    let mut out = quiet();
    p.on_request(&mut looking, Request::counter(5, 1), &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Reply {
            request: 5,
            reply: Reply::Redirect(None)
        }]
    );
}

#[test]
fn a_follower_ignores_a_proposal_it_already_logged() {
    // A resent proposal is neither logged twice nor taken for a gap.
    let p = proto();
    let mut s = up_to_date_follower(&p);
    let proposal = ZabMsg::Proposal {
        epoch: 1,
        prev: Zxid::ZERO,
        txn: txn(1, 1, 6),
    };
    p.on_msg(&mut s, NodeId(3), proposal.clone(), &mut quiet());
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(3), proposal, &mut out);
    assert_eq!((s.phase, s.history().len()), (Phase::Broadcast, 1));
    assert_eq!(out.actions(), vec![timer(ZabTimer::SyncLimit, LO, HI)]);
}

#[test]
fn a_follower_delivers_up_to_each_commit_once() {
    let p = proto();
    let mut s = up_to_date_follower(&p);
    let (a, b) = (txn(1, 1, 6), txn(1, 2, 7));
    for (prev, t) in [(Zxid::ZERO, a), (a.zxid, b)] {
        let m = ZabMsg::Proposal {
            epoch: 1,
            prev,
            txn: t,
        };
        p.on_msg(&mut s, NodeId(3), m, &mut quiet());
    }
    let commit = |t: Txn| ZabMsg::Commit {
        epoch: 1,
        zxid: t.zxid,
    };
    // Below its last zxid, then at it.
    p.on_msg(&mut s, NodeId(3), commit(a), &mut quiet());
    assert_eq!((s.phase, s.committed, s.value), (Phase::Broadcast, 1, 6));
    p.on_msg(&mut s, NodeId(3), commit(b), &mut quiet());
    assert_eq!((s.phase, s.committed, s.value), (Phase::Broadcast, 2, 13));
    // A repeated COMMIT delivers nothing, and says nothing was.
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(3), commit(b), &mut out);
    assert_eq!((s.committed, s.value), (2, 13));
    assert_eq!(out.narration(), Vec::<&str>::new());
}

#[test]
fn a_follower_ignores_messages_from_nodes_other_than_its_leader() {
    let p = proto();
    let mut s = up_to_date_follower(&p);
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(1), ZabMsg::Ping { epoch: 1 }, &mut out);
    assert_eq!(out.actions(), vec![]);
}

#[test]
fn a_leader_pings_every_connected_follower_on_its_heartbeat() {
    let p = proto();
    let mut s = established(&p);
    let mut out = quiet();
    p.on_timer(&mut s, ZabTimer::Heartbeat, &mut out);
    assert_eq!(
        out.actions(),
        vec![
            send(2, ZabMsg::Ping { epoch: 1 }),
            timer(ZabTimer::Heartbeat, MS_50, MS_50),
        ]
    );
}

#[test]
fn a_proposal_commits_once_a_quorum_of_three_holds_it() {
    // S1 and S2 synchronized: the leader and either one are a quorum.
    let p = proto();
    let mut s = established(&p);
    let o = &mut quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::FollowerInfo { accepted_epoch: 0 },
        o,
    );
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::AckEpoch {
            current_epoch: Some(0),
            last_zxid: Zxid::ZERO,
        },
        o,
    );
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::AckNewLeader {
            epoch: 1,
            last_zxid: Zxid::ZERO,
        },
        o,
    );
    p.on_request(&mut s, Request::counter(1, 5), o);
    let mut out = quiet();
    let ack = ZabMsg::Ack {
        epoch: 1,
        zxid: Zxid::new(1, 1),
    };
    p.on_msg(&mut s, NodeId(1), ack, &mut out);
    assert_eq!(s.committed, 1);
    assert_eq!(
        out.actions()[0],
        Effect::Reply {
            request: 1,
            reply: Reply::Committed { index: 1, value: 5 }
        }
    );
}

#[test]
fn without_a_synchronized_follower_the_leader_proposes_but_commits_nothing() {
    // S2 reconnects: until it is synchronized again the leader alone is no quorum.
    let p = proto();
    let mut s = established(&p);
    p.on_msg(
        &mut s,
        NodeId(2),
        ZabMsg::FollowerInfo { accepted_epoch: 1 },
        &mut quiet(),
    );
    let mut out = quiet();
    p.on_request(&mut s, Request::counter(1, 5), &mut out);
    assert_eq!(s.committed, 0);
    let t = Txn {
        zxid: Zxid::new(1, 1),
        id: 1,
        delta: 5,
        op: None,
    };
    assert_eq!(out.actions(), vec![Effect::Persist(durable(1, 1, &[t]))]);
}

#[test]
fn an_established_leader_hearing_from_a_quorum_keeps_leading() {
    let p = proto();
    let mut s = established(&p);
    for _ in 0..3 {
        p.on_timer(&mut s, ZabTimer::SyncLimit, &mut quiet());
        assert!(s.is_established());
        p.on_msg(
            &mut s,
            NodeId(2),
            ZabMsg::PingAck { epoch: 1 },
            &mut quiet(),
        );
    }
}

#[test]
fn zxids_print_as_zookeeper_does() {
    assert_eq!(Zxid::new(2, 3).to_string(), "0x200000003");
    assert_eq!(Zxid::new(0, 0).to_string(), "0x0");
    assert_eq!(Zxid::new(0x1a, 0x10).to_string(), "0x1a00000010");
}
