//! Zab's rules, one test each, as the papers and ZooKeeper state them: Junqueira, Reed and
//! Serafini, "Zab: High-performance broadcast for primary-backup systems" (DSN 2011), its
//! phases 0 to 3; Medeiros, "ZooKeeper's atomic broadcast protocol: Theory and practice"
//! (2012), for Fast Leader Election; and ZooKeeper's `Learner.registerWithLeader`,
//! `LearnerHandler` and `Leader.lead` where the engine follows ZooKeeper's handshake.
//!
//! A mutant changes code that exists; a rule broken by hand (an order of comparison, a
//! comparison left out) is caught only by a test that states the rule. Each test here was seen
//! failing with its rule broken: the comment under its name says how.

use crate::fixtures::*;
use lab_engine::catalog::{Model, ProtocolKind, Settings, ACK_EPOCH_TWICE, REUSE_EPOCH, SKIP_SYNC};
use lab_engine::node::*;
use lab_engine::protocols::zab::*;

fn ack_epoch(current_epoch: Option<u64>, last: Zxid) -> ZabMsg {
    ZabMsg::AckEpoch {
        current_epoch,
        last_zxid: last,
    }
}

fn info(accepted_epoch: u64) -> ZabMsg {
    ZabMsg::FollowerInfo { accepted_epoch }
}

fn sends(out: &Out<Zab>) -> Vec<(NodeId, ZabMsg)> {
    out.actions()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Send { to, msg } => Some((to, msg)),
            _ => None,
        })
        .collect()
}

fn persists(out: &Out<Zab>) -> Vec<ZabDurable> {
    out.actions()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Persist(d) => Some(d),
            _ => None,
        })
        .collect()
}

// ---- Phase 0: Fast Leader Election ----

#[test]
fn fle_orders_votes_by_epoch_before_last_zxid() {
    // Medeiros 2012, §3.1 (ZooKeeper's `FastLeaderElection.totalOrderPredicate`): a vote is
    // better if its epoch is higher, or the epochs are equal and its last zxid is higher, or
    // both are equal and its server id is higher. A node can have a higher current epoch and
    // a lower last zxid: it was synchronized in epoch 3 by a leader that had never seen the
    // proposals (2, 6) and (2, 7), which no quorum kept. Broken by comparing zxids first.
    let p = proto();
    let h: Vec<Txn> = (1..=7).map(|c| txn(2, c, c)).collect();
    let mut s = start(&p, 3, &durable(2, 2, &h));
    let newer = vote(1, 3, Zxid::new(2, 5));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(1), note(newer, 1, Role::Looking), &mut out);
    assert_eq!(s.vote, newer, "epoch 3 beats epoch 2 whatever the zxids");
    // And the other way round: a lower epoch with a higher zxid does not displace it.
    let older = vote(2, 2, Zxid::new(2, 9));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(2), note(older, 1, Role::Looking), &mut out);
    assert_eq!(s.vote, newer);
    assert_eq!(
        sends(&out),
        vec![(NodeId(2), note(newer, 1, Role::Looking))]
    );
}

#[test]
fn a_better_vote_by_epoch_then_zxid_then_id_is_adopted_and_sent_on() {
    let p = proto();
    let mut s = start(&p, 3, &durable(1, 1, &[txn(1, 5, 1)]));
    // A lower epoch with a higher zxid counter loses; a higher epoch wins despite a lower id.
    let weaker = vote(2, 0, Zxid::new(0, 9));
    let mut out = Out::new(false);
    p.on_msg(&mut s, NodeId(2), note(weaker, 1, Role::Looking), &mut out);
    let own = vote(3, 1, Zxid::new(1, 5));
    assert_eq!(out.actions(), vec![send(2, note(own, 1, Role::Looking))]);
    let better = vote(1, 2, Zxid::new(2, 1));
    let mut out = Out::new(false);
    p.on_msg(&mut s, NodeId(1), note(better, 1, Role::Looking), &mut out);
    assert_eq!(s.vote, better);
    assert_eq!(
        out.actions(),
        vec![
            send(1, note(better, 1, Role::Looking)),
            send(2, note(better, 1, Role::Looking)),
            // S1's vote and its own now agree: a quorum, so it waits to settle.
            timer(ZabTimer::Finalize, MS_50, MS_50),
        ]
    );
}

// ---- Phase 1: discovery ----

#[test]
fn the_new_epoch_is_above_every_accepted_epoch_of_the_quorum_the_leaders_included() {
    // DSN 2011, Phase 1, step l.1.1: the prospective leader proposes e' greater than the
    // accepted epoch of every follower in its quorum, and of itself (ZooKeeper's
    // `Leader.getEpochToPropose` starts from the leader's own accepted epoch). Broken by
    // leaving the leader's own accepted epoch out of the maximum.
    let p = proto();
    let mut s = elected_leader(&p, &durable(7, 3, &[]));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(1), info(5), &mut out);
    assert_eq!(s.new_epoch, Some(8));
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(durable(8, 3, &[])),
            send(1, ZabMsg::NewEpoch { epoch: 8 }),
        ]
    );
}

#[test]
fn with_followerinfo_from_a_quorum_the_leader_persists_and_proposes_a_higher_epoch() {
    let p = proto();
    let mut s = elected_leader(&p, &durable(3, 3, &[]));
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::FollowerInfo { accepted_epoch: 5 },
        &mut out,
    );
    assert_eq!(s.new_epoch, Some(6));
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(durable(6, 3, &[])),
            send(1, ZabMsg::NewEpoch { epoch: 6 }),
        ]
    );
}

#[test]
fn zab_reuse_epoch_keeps_the_highest_accepted_epoch() {
    let p = with_bug(REUSE_EPOCH);
    let mut s = elected_leader(&p, &durable(3, 3, &[]));
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::FollowerInfo { accepted_epoch: 5 },
        &mut out,
    );
    assert_eq!(s.new_epoch, Some(5));
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(durable(5, 3, &[])),
            send(1, ZabMsg::NewEpoch { epoch: 5 }),
        ]
    );
}

#[test]
fn a_follower_accepts_a_new_epoch_durably_and_answers_ackepoch() {
    let p = proto();
    let h = [txn(1, 1, 1), txn(1, 2, 2)];
    let mut s = follower(&p, &durable(1, 1, &h));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(3), ZabMsg::NewEpoch { epoch: 2 }, &mut out);
    assert_eq!(s.phase, Phase::Sync);
    assert_eq!(
        out.actions(),
        vec![
            timer(ZabTimer::SyncLimit, LO, HI),
            Effect::Persist(durable(2, 1, &h)),
            timer(ZabTimer::Heartbeat, 2 * MS_50, 2 * MS_50),
            send(
                3,
                ZabMsg::AckEpoch {
                    current_epoch: Some(1),
                    last_zxid: Zxid::new(1, 2)
                }
            ),
        ]
    );
}

#[test]
fn a_follower_that_accepted_a_later_epoch_refuses_newepoch_and_looks_again() {
    let p = proto();
    let mut s = follower(&p, &durable(7, 6, &[]));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(3), ZabMsg::NewEpoch { epoch: 5 }, &mut out);
    assert_eq!(
        (s.role, s.phase, s.round),
        (Role::Looking, Phase::Election, 2)
    );
    assert!(!out
        .actions()
        .iter()
        .any(|e| matches!(e, Effect::Persist(_))));
}

#[test]
fn newepoch_is_judged_against_the_accepted_epoch_not_the_current_one() {
    // DSN 2011, Phase 1, step f.1.2: the follower compares e' with its acceptedEpoch (the
    // last epoch it promised), not its currentEpoch (the last one it was synchronized in);
    // ZooKeeper's `Learner.registerWithLeader` does the same. A follower that promised epoch 7
    // but was last synchronized in epoch 5 must refuse epoch 6, and must not acknowledge epoch
    // 7 a second time. Broken by comparing with the current epoch.
    let p = proto();
    let mut s = follower(&p, &durable(7, 5, &[]));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(3), ZabMsg::NewEpoch { epoch: 6 }, &mut out);
    assert_eq!((s.role, s.phase), (Role::Looking, Phase::Election));
    assert!(persists(&out).is_empty());
    assert!(!sends(&out)
        .iter()
        .any(|(_, m)| matches!(m, ZabMsg::AckEpoch { .. })));

    let mut s = follower(&p, &durable(7, 5, &[]));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(3), ZabMsg::NewEpoch { epoch: 7 }, &mut out);
    assert_eq!(s.phase, Phase::Sync);
    assert!(persists(&out).is_empty());
    assert_eq!(sends(&out), vec![(NodeId(3), ack_epoch(None, Zxid::ZERO))]);
}

#[test]
fn a_newepoch_equal_to_the_accepted_epoch_is_answered_with_ackepoch_minus_one() {
    // A follower that reconnects to the leader of the epoch it accepted: nothing to persist,
    // and an answer that cannot count a second time (ZooKeeper's Learner: "we cannot ack again").
    let p = proto();
    let h = [txn(1, 1, 1)];
    let mut s = follower(&p, &durable(2, 1, &h));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(3), ZabMsg::NewEpoch { epoch: 2 }, &mut out);
    assert_eq!((s.role, s.phase), (Role::Following, Phase::Sync));
    assert_eq!(
        out.actions(),
        vec![
            timer(ZabTimer::SyncLimit, LO, HI),
            timer(ZabTimer::Heartbeat, 2 * MS_50, 2 * MS_50),
            send(
                3,
                ZabMsg::AckEpoch {
                    current_epoch: None,
                    last_zxid: Zxid::new(1, 1)
                }
            ),
        ]
    );
}

#[test]
fn a_follower_acknowledges_an_epoch_once_even_across_a_restart() {
    // DSN 2011, Phase 1: a follower takes part in establishing an epoch at most once; its
    // accepted epoch is on stable storage, so a restart does not undo the promise (ZooKeeper's
    // learner: "we cannot ack again"). Issue 26: S1 accepted epoch 1 from S3, restarted, and
    // was asked for epoch 1 by S2; acknowledging again gave both leaders a quorum. Broken by
    // answering an equal epoch with the current epoch (the zab-ack-epoch-twice variant).
    let accepted = durable(1, 0, &[]);
    for (p, counts) in [(proto(), None), (with_bug(ACK_EPOCH_TWICE), Some(0))] {
        let mut s = follower(&p, &accepted);
        let mut out = quiet();
        p.on_msg(&mut s, NodeId(3), ZabMsg::NewEpoch { epoch: 1 }, &mut out);
        assert_eq!(
            sends(&out),
            vec![(NodeId(3), ack_epoch(counts, Zxid::ZERO))]
        );
        assert!(persists(&out).is_empty());
    }
}

#[test]
fn an_ackepoch_minus_one_does_not_count_toward_the_epoch_quorum() {
    // ZooKeeper's `Leader.waitForEpochAck` adds a follower to the quorum only when its
    // ACKEPOCH carries a current epoch, not -1. S2 already promised epoch 1 to another leader:
    // S3 cannot establish epoch 1 with it. Broken by counting every ACKEPOCH.
    let p = proto();
    let mut s = elected_leader(&p, &ZabDurable::default());
    p.on_msg(&mut s, NodeId(2), info(0), &mut quiet());
    assert_eq!(s.new_epoch, Some(1));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(2), ack_epoch(None, Zxid::ZERO), &mut out);
    assert_eq!(s.phase, Phase::Discovery);
    assert_eq!(out.actions(), vec![]);
    // S1's acknowledgement counts: the quorum is S3 and S1, and S2 is synchronized too, as
    // ZooKeeper synchronizes every learner once the epoch is established.
    p.on_msg(&mut s, NodeId(1), info(0), &mut quiet());
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(1), ack_epoch(Some(0), Zxid::ZERO), &mut out);
    assert_eq!(s.phase, Phase::Sync);
    let to: Vec<NodeId> = sends(&out)
        .into_iter()
        .filter(|(_, m)| matches!(m, ZabMsg::NewLeader { .. }))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(to, vec![NodeId(1), NodeId(2)]);
}

#[test]
fn a_follower_counted_once_stays_counted_when_it_reconnects() {
    // ZooKeeper's `electingFollowers` is a set of server ids, not of connections: a follower
    // whose acknowledgement counted and that connects again answers -1 (it accepted the epoch)
    // and still counts once, never twice. Five nodes: S5 needs two followers.
    let p = five();
    let mut s = leading_five(&p);
    p.on_msg(&mut s, NodeId(1), info(0), &mut quiet());
    p.on_msg(&mut s, NodeId(2), info(0), &mut quiet());
    p.on_msg(
        &mut s,
        NodeId(1),
        ack_epoch(Some(0), Zxid::ZERO),
        &mut quiet(),
    );
    // S1 reconnects and, having accepted epoch 1, answers -1: still one of the two needed.
    p.on_msg(&mut s, NodeId(1), info(1), &mut quiet());
    p.on_msg(&mut s, NodeId(1), ack_epoch(None, Zxid::ZERO), &mut quiet());
    assert_eq!(s.phase, Phase::Discovery);
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(2), ack_epoch(Some(0), Zxid::ZERO), &mut out);
    assert_eq!(s.phase, Phase::Sync);
    assert_eq!(persists(&out), vec![durable(1, 1, &[])]);
}

#[test]
fn an_uncounted_follower_does_not_make_up_a_quorum_with_a_counted_one() {
    // As above, with five nodes: S1's -1 and S2's acknowledgement are one, not two, of the
    // two followers S5 needs (`Leader.waitForEpochAck` never adds a -1 to the quorum). Broken
    // by counting every follower that answered.
    let p = five();
    let mut s = leading_five(&p);
    p.on_msg(&mut s, NodeId(1), info(1), &mut quiet());
    p.on_msg(&mut s, NodeId(2), info(0), &mut quiet());
    p.on_msg(&mut s, NodeId(1), ack_epoch(None, Zxid::ZERO), &mut quiet());
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(2), ack_epoch(Some(0), Zxid::ZERO), &mut out);
    assert_eq!(s.phase, Phase::Discovery);
    assert!(persists(&out).is_empty());
    p.on_msg(&mut s, NodeId(3), info(0), &mut quiet());
    p.on_msg(
        &mut s,
        NodeId(3),
        ack_epoch(Some(0), Zxid::ZERO),
        &mut quiet(),
    );
    assert_eq!(s.phase, Phase::Sync);
}

fn five() -> Zab {
    Zab::from_settings(&Settings {
        nodes: 5,
        ..Settings::for_protocol(ProtocolKind::Zab)
    })
}

/// S5 elected by S1, S2 and itself, in discovery.
fn leading_five(p: &Zab) -> ZabState {
    let mut s = start(p, 5, &ZabDurable::default());
    let v = s.own_vote();
    for f in [1, 2] {
        p.on_msg(&mut s, NodeId(f), note(v, 1, Role::Looking), &mut quiet());
    }
    p.on_timer(&mut s, ZabTimer::Finalize, &mut quiet());
    assert_eq!(s.role, Role::Leading);
    s
}

#[test]
fn a_leader_that_a_follower_is_ahead_of_gives_up() {
    let p = proto();
    let mut s = elected_leader(&p, &durable(1, 1, &[txn(1, 1, 1)]));
    let o = &mut quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::FollowerInfo { accepted_epoch: 1 },
        o,
    );
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ZabMsg::AckEpoch {
            current_epoch: Some(1),
            last_zxid: Zxid::new(1, 2),
        },
        &mut out,
    );
    assert_eq!(s.role, Role::Looking);
}

// ---- Phase 2: synchronization ----

#[test]
fn the_leader_takes_the_new_epoch_as_current_only_with_a_quorum_of_ackepoch() {
    // DSN 2011, Phase 2, step l.2.1, and ZooKeeper's `Leader.lead`, which calls
    // `setCurrentEpoch` only after `waitForEpochAck`: the epoch becomes the leader's current
    // one, durably, before it sends NEWLEADER, and not before a quorum acknowledged it.
    let p = proto();
    let h = leader_history();
    let mut s = elected_leader(&p, &durable(2, 2, &h));
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(1), info(2), &mut out);
    assert_eq!(persists(&out), vec![durable(3, 2, &h)]);
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(1),
        ack_epoch(Some(2), Zxid::new(2, 1)),
        &mut out,
    );
    let a = out.actions();
    assert_eq!(a[0], Effect::Persist(durable(3, 3, &h)));
    assert!(matches!(
        &a[1],
        Effect::Send {
            msg: ZabMsg::NewLeader { epoch: 3, .. },
            ..
        }
    ));
}

#[test]
fn a_follower_applies_trunc_takes_the_epoch_durably_and_acks_newleader() {
    let p = proto();
    let mine = [txn(1, 1, 1), txn(1, 2, 2), txn(1, 3, 3), txn(1, 4, 9)];
    let mut s = follower(&p, &durable(2, 1, &mine));
    p.on_msg(
        &mut s,
        NodeId(3),
        ZabMsg::NewEpoch { epoch: 3 },
        &mut quiet(),
    );
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(3),
        ZabMsg::NewLeader {
            epoch: 3,
            sync: Sync::Trunc {
                to: Zxid::new(1, 3),
                txns: vec![txn(2, 1, 4)],
            },
        },
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![
            timer(ZabTimer::SyncLimit, LO, HI),
            Effect::Persist(durable(3, 3, &leader_history())),
            Effect::CancelTimer(ZabTimer::Heartbeat),
            send(
                3,
                ZabMsg::AckNewLeader {
                    epoch: 3,
                    last_zxid: Zxid::new(2, 1)
                }
            ),
        ]
    );
    // Nothing is delivered before UPTODATE.
    assert_eq!(s.committed, 0);
}

#[test]
fn the_leader_is_established_only_by_a_quorum_of_newleader_acknowledgements() {
    // DSN 2011, Phase 2, step l.2.2: the leader commits its history and starts Phase 3 only
    // once a quorum has acknowledged NEWLEADER; before that its history is not on a quorum of
    // the new epoch. The zab-skip-sync variant below breaks exactly this.
    let p = proto();
    let h = [txn(1, 1, 1)];
    let mut s = elected_leader(&p, &durable(1, 1, &h));
    p.on_msg(&mut s, NodeId(2), info(1), &mut quiet());
    p.on_msg(
        &mut s,
        NodeId(2),
        ack_epoch(Some(1), Zxid::ZERO),
        &mut quiet(),
    );
    assert!(!s.is_established());
    assert_eq!(s.committed, 0);
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
    assert!(s.is_established());
    assert_eq!(s.committed, 1);
}

#[test]
fn zab_skip_sync_broadcasts_before_any_follower_acknowledged_newleader() {
    let p = with_bug(SKIP_SYNC);
    let h = [txn(1, 1, 1)];
    let mut s = elected_leader(&p, &durable(1, 1, &h));
    let o = &mut quiet();
    p.on_msg(
        &mut s,
        NodeId(2),
        ZabMsg::FollowerInfo { accepted_epoch: 1 },
        o,
    );
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(2),
        ZabMsg::AckEpoch {
            current_epoch: Some(0),
            last_zxid: Zxid::ZERO,
        },
        &mut out,
    );
    assert!(s.is_established());
    assert_eq!(s.committed, 1);
    assert_eq!(
        out.actions()[2],
        send(
            2,
            ZabMsg::UpToDate {
                epoch: 2,
                commit: Zxid::new(1, 1)
            }
        )
    );
}

// ---- Phase 3: broadcast ----

#[test]
fn a_follower_logs_a_proposal_durably_before_it_acks() {
    let p = proto();
    let mut s = up_to_date_follower(&p);
    let t = txn(1, 1, 6);
    let mut out = quiet();
    p.on_msg(
        &mut s,
        NodeId(3),
        ZabMsg::Proposal {
            epoch: 1,
            prev: Zxid::ZERO,
            txn: t,
        },
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![
            timer(ZabTimer::SyncLimit, LO, HI),
            Effect::Persist(durable(1, 1, &[t])),
            send(
                3,
                ZabMsg::Ack {
                    epoch: 1,
                    zxid: Zxid::new(1, 1)
                }
            ),
        ]
    );
}

#[test]
fn an_established_leader_counts_only_synchronized_followers_at_its_synclimit() {
    // ZooKeeper's `Leader.lead` checks, every half tick, that the followers it is synced
    // with (`syncedAckSet`) form a quorum, and shuts down otherwise. A follower that keeps
    // connecting and refusing this epoch (it promised a later one) is heard from but never
    // synchronized: counting it would keep a leader in office that no quorum follows, and the
    // cluster would never elect again (found by the swing nemesis, issue 26).
    let p = proto();
    let mut s = established(&p);
    p.on_msg(
        &mut s,
        NodeId(2),
        ZabMsg::PingAck { epoch: 1 },
        &mut quiet(),
    );
    p.on_timer(&mut s, ZabTimer::SyncLimit, &mut quiet());
    assert_eq!(
        s.role,
        Role::Leading,
        "a synchronized follower keeps it leading"
    );
    p.on_msg(&mut s, NodeId(2), info(2), &mut quiet());
    p.on_timer(&mut s, ZabTimer::SyncLimit, &mut quiet());
    assert_eq!(s.role, Role::Looking);
}
