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
    p.on_request(&mut s, Request { id: 5, delta: 2 }, &mut Out::new(false));
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
