//! Three-Phase Commit's handlers, one event at a time: each test feeds a node one event and
//! asserts the exact effects it emits (`Out::actions()` compares without narration).

use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::node::*;
use lab_engine::protocols::three_phase_commit::*;

fn proto() -> ThreePc {
    ThreePc::from_settings(&Settings {
        nodes: 4,
        ..Settings::for_protocol(ProtocolKind::ThreePc)
    })
}

fn node(p: &ThreePc, id: u8) -> ThreePcState {
    p.on_start(NodeId(id), &ThreePcDurable::default(), &mut Out::new(false))
}

fn durable(txn: u64, status: Status, lock: bool) -> ThreePcDurable {
    let mut d = ThreePcDurable {
        lock: lock.then_some(txn),
        ..ThreePcDurable::default()
    };
    d.log.insert(txn, TxnRecord { delta: 2, status });
    d
}

/// A participant that voted yes on txn 5 (+2).
fn uncertain(p: &ThreePc, id: u8) -> ThreePcState {
    let mut s = node(p, id);
    p.on_msg(
        &mut s,
        COORDINATOR,
        ThreePcMsg::CanCommit { txn: 5, delta: 2 },
        &mut Out::new(false),
    );
    s
}

fn wait_timer(p: &ThreePc) -> Effect<ThreePc> {
    let (min, max) = p.wait_range();
    Effect::SetTimer {
        timer: ThreePcTimer::Wait(5),
        min,
        max,
    }
}

#[test]
fn a_participant_locks_logs_uncertain_votes_yes_and_waits_longer_than_the_coordinator() {
    let p = proto();
    let mut s = node(&p, 3);
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        COORDINATOR,
        ThreePcMsg::CanCommit { txn: 5, delta: 2 },
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(durable(5, Status::Uncertain, true)),
            Effect::Send {
                to: COORDINATOR,
                msg: ThreePcMsg::Vote { txn: 5, yes: true }
            },
            wait_timer(&p),
        ]
    );
    assert!(p.wait_range().0 > p.timeout.1);
}

#[test]
fn the_last_yes_vote_makes_the_coordinator_log_pre_committed_before_sending_pre_commit() {
    let p = proto();
    let mut s = node(&p, 1);
    p.on_request(&mut s, Request::counter(5, 2), &mut Out::new(false));
    for n in [2, 3] {
        p.on_msg(
            &mut s,
            NodeId(n),
            ThreePcMsg::Vote { txn: 5, yes: true },
            &mut Out::new(false),
        );
    }
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        NodeId(4),
        ThreePcMsg::Vote { txn: 5, yes: true },
        &mut out,
    );
    let (lo, hi) = p.timeout;
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(durable(5, Status::PreCommitted, false)),
            Effect::CancelTimer(ThreePcTimer::Votes(5)),
            Effect::Send {
                to: NodeId(2),
                msg: ThreePcMsg::PreCommit { txn: 5 }
            },
            Effect::Send {
                to: NodeId(3),
                msg: ThreePcMsg::PreCommit { txn: 5 }
            },
            Effect::Send {
                to: NodeId(4),
                msg: ThreePcMsg::PreCommit { txn: 5 }
            },
            Effect::SetTimer {
                timer: ThreePcTimer::Acks(5),
                min: lo,
                max: hi
            },
        ]
    );
}

#[test]
fn a_participant_logs_pre_commit_and_acknowledges() {
    let p = proto();
    let mut s = uncertain(&p, 2);
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        COORDINATOR,
        ThreePcMsg::PreCommit { txn: 5 },
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(durable(5, Status::PreCommitted, true)),
            Effect::Send {
                to: COORDINATOR,
                msg: ThreePcMsg::Ack { txn: 5 }
            },
            wait_timer(&p),
        ]
    );
}

#[test]
fn a_participant_that_has_not_voted_aborts_when_asked_for_its_state() {
    let p = proto();
    let mut s = node(&p, 4);
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        NodeId(2),
        ThreePcMsg::StateRequest { txn: 5 },
        &mut out,
    );
    let mut d = durable(5, Status::Aborted, false);
    d.log.insert(
        5,
        TxnRecord {
            delta: 0,
            status: Status::Aborted,
        },
    );
    d.decided = 1;
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(d),
            Effect::Send {
                to: NodeId(2),
                msg: ThreePcMsg::StateReply {
                    txn: 5,
                    status: Status::Aborted,
                    recovering: false
                }
            },
        ]
    );
}

#[test]
fn the_wait_timeout_starts_termination_by_asking_every_node() {
    let p = proto();
    let mut s = uncertain(&p, 3);
    let mut out = Out::new(true);
    p.on_timer(&mut s, ThreePcTimer::Wait(5), &mut out);
    let w = p.gather_window();
    assert_eq!(
        out.actions(),
        vec![
            Effect::Send {
                to: NodeId(1),
                msg: ThreePcMsg::StateRequest { txn: 5 }
            },
            Effect::Send {
                to: NodeId(2),
                msg: ThreePcMsg::StateRequest { txn: 5 }
            },
            Effect::Send {
                to: NodeId(4),
                msg: ThreePcMsg::StateRequest { txn: 5 }
            },
            Effect::SetTimer {
                timer: ThreePcTimer::Gather(5),
                min: w,
                max: w
            },
        ]
    );
    assert_eq!(s.rounds.get(&5), Some(&1));
}

/// S2 ran a round of termination and heard these states.
fn gathered(p: &ThreePc, replies: &[(u8, Status, bool)]) -> (ThreePcState, Out<ThreePc>) {
    let mut s = uncertain(p, 2);
    p.on_timer(&mut s, ThreePcTimer::Wait(5), &mut Out::new(false));
    for &(n, status, recovering) in replies {
        p.on_msg(
            &mut s,
            NodeId(n),
            ThreePcMsg::StateReply {
                txn: 5,
                status,
                recovering,
            },
            &mut Out::new(false),
        );
    }
    let mut out = Out::new(true);
    p.on_timer(&mut s, ThreePcTimer::Gather(5), &mut out);
    (s, out)
}

fn decision_to_all(commit: bool) -> Vec<Effect<ThreePc>> {
    [1, 3, 4]
        .map(|n| Effect::Send {
            to: NodeId(n),
            msg: ThreePcMsg::Decision { txn: 5, commit },
        })
        .to_vec()
}

#[test]
fn all_uncertain_with_one_that_stayed_up_aborts() {
    let p = proto();
    let (_, out) = gathered(
        &p,
        &[(3, Status::Uncertain, true), (4, Status::Uncertain, true)],
    );
    let mut d = durable(5, Status::Aborted, false);
    d.decided = 1;
    let mut want = vec![
        Effect::Persist(d),
        Effect::CancelTimer(ThreePcTimer::Wait(5)),
    ];
    want.extend(decision_to_all(false));
    assert_eq!(out.actions(), want);
}

#[test]
fn any_pre_committed_pre_commits_the_uncertain_then_asks_again() {
    let p = proto();
    let (s, out) = gathered(
        &p,
        &[
            (3, Status::PreCommitted, false),
            (4, Status::Uncertain, false),
        ],
    );
    let a = out.actions();
    assert_eq!(
        a[0],
        Effect::Persist(durable(5, Status::PreCommitted, true))
    );
    assert_eq!(
        a[1],
        Effect::Send {
            to: NodeId(4),
            msg: ThreePcMsg::PreCommit { txn: 5 }
        }
    );
    assert!(matches!(
        a.last(),
        Some(Effect::SetTimer {
            timer: ThreePcTimer::Gather(5),
            ..
        })
    ));
    assert_eq!(s.status(5), Some(Status::PreCommitted));
}

#[test]
fn all_pre_committed_commits() {
    let p = proto();
    let mut s = uncertain(&p, 2);
    p.on_msg(
        &mut s,
        COORDINATOR,
        ThreePcMsg::PreCommit { txn: 5 },
        &mut Out::new(false),
    );
    p.on_timer(&mut s, ThreePcTimer::Wait(5), &mut Out::new(false));
    for n in [3, 4] {
        p.on_msg(
            &mut s,
            NodeId(n),
            ThreePcMsg::StateReply {
                txn: 5,
                status: Status::PreCommitted,
                recovering: false,
            },
            &mut Out::new(false),
        );
    }
    let mut out = Out::new(true);
    p.on_timer(&mut s, ThreePcTimer::Gather(5), &mut out);
    let mut d = durable(5, Status::Committed, false);
    d.value = 2;
    d.decided = 1;
    let mut want = vec![
        Effect::Persist(d),
        Effect::CancelTimer(ThreePcTimer::Wait(5)),
    ];
    want.extend(decision_to_all(true));
    assert_eq!(out.actions(), want);
}

#[test]
fn only_recovering_uncertain_nodes_wait_and_a_lower_undecided_node_leads() {
    let p = proto();
    let mut s = node(&p, 2);
    s = p.on_start(
        s.id,
        &durable(5, Status::Uncertain, true),
        &mut Out::new(false),
    );
    assert!(s.recovering.contains(&5));
    p.on_msg(
        &mut s,
        NodeId(3),
        ThreePcMsg::StateReply {
            txn: 5,
            status: Status::Uncertain,
            recovering: true,
        },
        &mut Out::new(false),
    );
    let mut out = Out::new(true);
    p.on_timer(&mut s, ThreePcTimer::Gather(5), &mut out);
    assert_eq!(out.actions(), vec![wait_timer(&p)]);

    let mut s = uncertain(&p, 3);
    p.on_timer(&mut s, ThreePcTimer::Wait(5), &mut Out::new(false));
    p.on_msg(
        &mut s,
        NodeId(2),
        ThreePcMsg::StateReply {
            txn: 5,
            status: Status::Uncertain,
            recovering: false,
        },
        &mut Out::new(false),
    );
    let mut out = Out::new(true);
    p.on_timer(&mut s, ThreePcTimer::Gather(5), &mut out);
    assert_eq!(out.actions(), vec![wait_timer(&p)]);
}

#[test]
fn a_recovered_coordinator_aborts_what_it_had_not_pre_committed_and_asks_about_the_rest() {
    let p = proto();
    let mut out = Out::new(true);
    let s = p.on_start(COORDINATOR, &durable(5, Status::Voting, false), &mut out);
    let mut d = durable(5, Status::Aborted, false);
    d.decided = 1;
    assert_eq!(out.actions()[0], Effect::Persist(d.clone()));
    assert_eq!(s.durable, d);

    let mut out = Out::new(true);
    let s = p.on_start(
        COORDINATOR,
        &durable(5, Status::PreCommitted, false),
        &mut out,
    );
    assert!(s.recovering.contains(&5));
    assert_eq!(
        out.actions()[0],
        Effect::Send {
            to: NodeId(2),
            msg: ThreePcMsg::StateRequest { txn: 5 }
        }
    );
}

/// S1 with txn 5 (+2) pre-committed: every participant voted yes.
fn pre_committed_coordinator(p: &ThreePc) -> ThreePcState {
    let mut s = node(p, 1);
    p.on_request(&mut s, Request::counter(5, 2), &mut Out::new(false));
    for n in [2, 3, 4] {
        p.on_msg(
            &mut s,
            NodeId(n),
            ThreePcMsg::Vote { txn: 5, yes: true },
            &mut Out::new(false),
        );
    }
    s
}

/// The effects of the coordinator deciding txn 5 (+2) as its first transaction, up to the
/// decision sent to every participant.
fn coordinator_decision(commit: bool) -> Vec<Effect<ThreePc>> {
    let status = if commit {
        Status::Committed
    } else {
        Status::Aborted
    };
    let mut d = durable(5, status, false);
    d.value = if commit { 2 } else { 0 };
    d.decided = 1;
    let mut want = vec![
        Effect::Persist(d),
        Effect::CancelTimer(ThreePcTimer::Votes(5)),
        Effect::CancelTimer(ThreePcTimer::Acks(5)),
        Effect::CancelTimer(ThreePcTimer::Wait(5)),
    ];
    want.extend([2, 3, 4].map(|n| Effect::Send {
        to: NodeId(n),
        msg: ThreePcMsg::Decision { txn: 5, commit },
    }));
    want
}

#[test]
fn the_last_ack_makes_the_coordinator_log_commit_tell_everyone_and_answer_the_client() {
    let p = proto();
    let mut s = pre_committed_coordinator(&p);
    for n in [2, 3] {
        p.on_msg(
            &mut s,
            NodeId(n),
            ThreePcMsg::Ack { txn: 5 },
            &mut Out::new(false),
        );
    }
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(4), ThreePcMsg::Ack { txn: 5 }, &mut out);
    let mut want = coordinator_decision(true);
    want.push(Effect::Reply {
        request: 5,
        reply: Reply::Committed { index: 5, value: 2 },
    });
    assert_eq!(out.actions(), want);
    assert_eq!(
        out.narration(),
        vec![
            "S1 logs COMMIT for txn #5 (every participant is pre-committed) and tells the \
             participants"
        ]
    );
}

#[test]
fn the_acks_timeout_commits_and_names_the_participants_that_did_not_acknowledge() {
    let p = proto();
    let mut s = pre_committed_coordinator(&p);
    p.on_msg(
        &mut s,
        NodeId(3),
        ThreePcMsg::Ack { txn: 5 },
        &mut Out::new(false),
    );
    let mut out = Out::new(true);
    p.on_timer(&mut s, ThreePcTimer::Acks(5), &mut out);
    let mut want = coordinator_decision(true);
    want.push(Effect::Reply {
        request: 5,
        reply: Reply::Committed { index: 5, value: 2 },
    });
    assert_eq!(out.actions(), want);
    assert_eq!(
        out.narration(),
        vec![
            "S1 logs COMMIT for txn #5 (no acknowledgement from S2, S4, which must have crashed; \
             everyone voted yes) and tells the participants"
        ]
    );
}

#[test]
fn the_votes_timeout_aborts_and_tells_the_client_whose_vote_is_missing() {
    let p = proto();
    let mut s = node(&p, 1);
    p.on_request(&mut s, Request::counter(5, 2), &mut Out::new(false));
    p.on_msg(
        &mut s,
        NodeId(3),
        ThreePcMsg::Vote { txn: 5, yes: true },
        &mut Out::new(false),
    );
    let mut out = Out::new(true);
    p.on_timer(&mut s, ThreePcTimer::Votes(5), &mut out);
    let mut want = coordinator_decision(false);
    want.push(Effect::Reply {
        request: 5,
        reply: Reply::Rejected("transaction aborted: no vote from S2, S4 in time".into()),
    });
    assert_eq!(out.actions(), want);
    assert_eq!(
        out.narration(),
        vec!["S1 logs ABORT for txn #5 (no vote from S2, S4 in time) and tells the participants"]
    );
}

#[test]
fn a_locked_participant_votes_no_and_counts_the_abort_as_decided() {
    let p = proto();
    let mut s = uncertain(&p, 3);
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        COORDINATOR,
        ThreePcMsg::CanCommit { txn: 6, delta: 7 },
        &mut out,
    );
    let mut d = durable(5, Status::Uncertain, true);
    d.log.insert(
        6,
        TxnRecord {
            delta: 7,
            status: Status::Aborted,
        },
    );
    d.decided = 1;
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(d),
            Effect::Send {
                to: COORDINATOR,
                msg: ThreePcMsg::Vote { txn: 6, yes: false }
            },
        ]
    );
    assert_eq!(
        out.narration(),
        vec!["S3 votes no on txn #6: its shard is locked by txn #5, so it aborts #6"]
    );
}

#[test]
fn a_participant_applies_the_decision_releases_its_lock_and_stops_waiting() {
    let p = proto();
    for (commit, status, value, word) in [
        (true, Status::Committed, 2, "COMMIT"),
        (false, Status::Aborted, 0, "ABORT"),
    ] {
        let mut s = uncertain(&p, 3);
        let mut out = Out::new(true);
        p.on_msg(
            &mut s,
            COORDINATOR,
            ThreePcMsg::Decision { txn: 5, commit },
            &mut out,
        );
        let mut d = durable(5, status, false);
        d.value = value;
        d.decided = 1;
        assert_eq!(
            out.actions(),
            vec![
                Effect::Persist(d),
                Effect::CancelTimer(ThreePcTimer::Wait(5)),
                Effect::CancelTimer(ThreePcTimer::Gather(5)),
            ]
        );
        assert_eq!(
            out.narration(),
            vec![format!(
                "S3 learns {word} for txn #5 from S1, logs it and releases its lock \
                 (counter = {value})"
            )]
        );
    }
}

#[test]
fn a_repeated_decision_changes_nothing_and_an_opposite_one_is_only_noted() {
    let p = proto();
    let mut s = uncertain(&p, 3);
    p.on_msg(
        &mut s,
        COORDINATOR,
        ThreePcMsg::Decision {
            txn: 5,
            commit: true,
        },
        &mut Out::new(false),
    );
    let decided = s.durable.clone();
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        COORDINATOR,
        ThreePcMsg::Decision {
            txn: 5,
            commit: true,
        },
        &mut out,
    );
    assert!(out.effects.is_empty(), "{:?}", out.effects);
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        NodeId(2),
        ThreePcMsg::Decision {
            txn: 5,
            commit: false,
        },
        &mut out,
    );
    assert_eq!(out.actions(), vec![]);
    assert_eq!(
        out.narration(),
        vec!["S3 hears ABORT for txn #5 from S2, but it already decided the opposite"]
    );
    assert_eq!(s.durable, decided);
}

/// The coordinator logs every transaction before asking for votes, so one it has no record of
/// was never begun and cannot have committed: it answers ABORTED, and having no vote to give, it
/// logs nothing.
#[test]
fn the_coordinator_answers_aborted_about_a_transaction_it_never_began() {
    let p = proto();
    let mut s = node(&p, 1);
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        NodeId(3),
        ThreePcMsg::StateRequest { txn: 5 },
        &mut out,
    );
    assert_eq!(
        out.effects,
        vec![Effect::Send {
            to: NodeId(3),
            msg: ThreePcMsg::StateReply {
                txn: 5,
                status: Status::Aborted,
                recovering: false
            }
        }]
    );
    assert_eq!(s.durable, ThreePcDurable::default());
}
