//! Two-Phase Commit's handlers, one event at a time: each test feeds a node one event and asserts the exact
//! effects it emits, plus short runs of the whole simulation where a rule spans several nodes.

use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::node::*;
use lab_engine::protocols::two_phase_commit::*;
use lab_engine::sim::history::Action;
use lab_engine::sim::Simulation;

fn proto() -> TwoPc {
    TwoPc::from_settings(&Settings::for_protocol(ProtocolKind::TwoPc))
}

fn node(p: &TwoPc, id: u8) -> TpcState {
    p.on_start(NodeId(id), &TpcDurable::default(), &mut Out::new(false))
}

fn rec(delta: i64, status: Status) -> TxnRecord {
    TxnRecord { delta, status }
}

#[test]
fn a_participant_locks_logs_prepared_then_votes_yes() {
    let p = proto();
    let mut s = node(&p, 3);
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        COORDINATOR,
        TpcMsg::Prepare { txn: 5, delta: 2 },
        &mut out,
    );
    let mut d = TpcDurable {
        lock: Some(5),
        ..TpcDurable::default()
    };
    d.log.insert(5, rec(2, Status::Prepared));
    let (lo, hi) = p.timeout;
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(d),
            Effect::Send {
                to: COORDINATOR,
                msg: TpcMsg::Vote { txn: 5, yes: true }
            },
            Effect::SetTimer {
                timer: TpcTimer::Decision(5),
                min: lo,
                max: hi
            },
        ]
    );
}

#[test]
fn a_locked_participant_votes_no_and_aborts() {
    let p = proto();
    let mut s = node(&p, 3);
    p.on_msg(
        &mut s,
        COORDINATOR,
        TpcMsg::Prepare { txn: 4, delta: 1 },
        &mut Out::new(false),
    );
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        COORDINATOR,
        TpcMsg::Prepare { txn: 5, delta: 2 },
        &mut out,
    );
    assert_eq!(
        out.actions()[1..],
        [Effect::Send {
            to: COORDINATOR,
            msg: TpcMsg::Vote { txn: 5, yes: false }
        }]
    );
    assert_eq!(s.durable.log[&5].status, Status::Aborted);
    assert_eq!(s.durable.lock, Some(4));
    assert_eq!(
        out.narration(),
        vec!["S3 votes no on txn #5: its shard is locked by txn #4, so it aborts #5"]
    );
}

/// The coordinator of a 3-node cluster begins txn 1 (+3) and gets a yes from S2.
fn coordinator_waiting_for_s3(p: &TwoPc) -> TpcState {
    let mut s = node(p, 1);
    p.on_request(&mut s, Request::counter(1, 3), &mut Out::new(false));
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        NodeId(2),
        TpcMsg::Vote { txn: 1, yes: true },
        &mut out,
    );
    assert!(out.actions().is_empty());
    s
}

#[test]
fn the_coordinator_logs_its_decision_before_sending_it() {
    let p = TwoPc {
        nodes: 3,
        ..proto()
    };
    let mut s = coordinator_waiting_for_s3(&p);
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        NodeId(3),
        TpcMsg::Vote { txn: 1, yes: true },
        &mut out,
    );
    let a = out.actions();
    let persist = a
        .iter()
        .position(|e| matches!(e, Effect::Persist(d) if d.log[&1].status == Status::Committed))
        .expect("the decision is logged");
    let first_send = a
        .iter()
        .position(|e| matches!(e, Effect::Send { .. }))
        .expect("and sent");
    assert!(persist < first_send);
    assert!(a.contains(&Effect::Send {
        to: NodeId(3),
        msg: TpcMsg::Decision {
            txn: 1,
            commit: true
        }
    }));
    assert!(a.contains(&Effect::Reply {
        request: 1,
        reply: Reply::Committed { index: 1, value: 3 }
    }));
}

#[test]
fn a_missing_vote_aborts_unless_the_bug_commits() {
    let p = TwoPc {
        nodes: 3,
        ..proto()
    };
    let mut s = coordinator_waiting_for_s3(&p);
    p.on_timer(&mut s, TpcTimer::Votes(1), &mut Out::new(false));
    assert_eq!(s.durable.log[&1].status, Status::Aborted);
    let p = TwoPc {
        bug_commit_missing_vote: true,
        ..p
    };
    let mut s = coordinator_waiting_for_s3(&p);
    p.on_timer(&mut s, TpcTimer::Votes(1), &mut Out::new(false));
    assert_eq!(s.durable.log[&1].status, Status::Committed);
}

#[test]
fn a_prepared_participant_blocks_unless_the_bug_aborts() {
    let p = proto();
    let mut s = node(&p, 2);
    p.on_msg(
        &mut s,
        COORDINATOR,
        TpcMsg::Prepare { txn: 7, delta: 1 },
        &mut Out::new(false),
    );
    let mut out = Out::new(false);
    p.on_timer(&mut s, TpcTimer::Decision(7), &mut out);
    assert!(s.blocked);
    assert_eq!(s.durable.lock, Some(7));
    assert_eq!(p.summary(&s).role, "prepared #7 (blocked)");
    assert_eq!(
        out.actions()[0],
        Effect::Send {
            to: COORDINATOR,
            msg: TpcMsg::DecisionRequest { txn: 7 }
        }
    );
    let p = TwoPc {
        bug_unilateral_abort: true,
        ..p
    };
    let mut s = node(&p, 2);
    p.on_msg(
        &mut s,
        COORDINATOR,
        TpcMsg::Prepare { txn: 7, delta: 1 },
        &mut Out::new(false),
    );
    p.on_timer(&mut s, TpcTimer::Decision(7), &mut Out::new(false));
    assert_eq!(s.durable.log[&7].status, Status::Aborted);
    assert_eq!(s.durable.lock, None);
    assert_eq!(s.durable.decided, 1, "the bug's abort counts as a decision");
}

#[test]
fn a_peer_that_has_not_voted_aborts_when_asked() {
    let p = TwoPc {
        cooperative_termination: true,
        ..proto()
    };
    let mut s = node(&p, 4);
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        NodeId(2),
        TpcMsg::DecisionRequest { txn: 3 },
        &mut out,
    );
    assert_eq!(s.durable.log[&3].status, Status::Aborted);
    assert_eq!(s.durable.decided, 1, "aborting #3 is a decision");
    assert_eq!(
        out.actions()[1],
        Effect::Send {
            to: NodeId(2),
            msg: TpcMsg::Decision {
                txn: 3,
                commit: false
            }
        }
    );
    // Its Prepare then gets a no.
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        COORDINATOR,
        TpcMsg::Prepare { txn: 3, delta: 1 },
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![Effect::Send {
            to: COORDINATOR,
            msg: TpcMsg::Vote { txn: 3, yes: false }
        }]
    );
}

fn sim(cooperative_termination: bool) -> Simulation<TwoPc> {
    Simulation::new(Settings {
        request_every: None,
        cooperative_termination,
        ..Settings::for_protocol(ProtocolKind::TwoPc)
    })
}

/// Runs until every participant has voted yes on txn 1; the votes are still on their way.
fn all_prepared(sim: &mut Simulation<TwoPc>) {
    sim.apply(Action::Request {
        node: COORDINATOR,
        delta: 4,
    })
    .unwrap();
    let prepared = |sim: &Simulation<TwoPc>| {
        (2..=5).all(|i| sim.node(NodeId(i)).unwrap().durable.lock == Some(1))
    };
    while !prepared(sim) {
        assert!(sim.step().unwrap().violations.is_empty());
    }
}

fn run(sim: &mut Simulation<TwoPc>, for_: Time) {
    let v = sim.run_until(sim.now() + for_);
    assert!(v.is_empty(), "{v:?}");
}

fn statuses(sim: &Simulation<TwoPc>) -> Vec<Status> {
    (2..=5)
        .map(|i| sim.durable(NodeId(i)).unwrap().log[&1].status)
        .collect()
}

#[test]
fn participants_block_while_the_coordinator_is_down_and_agree_after_it_recovers() {
    let mut sim = sim(false);
    all_prepared(&mut sim);
    sim.apply(Action::Crash { node: COORDINATOR }).unwrap();
    run(&mut sim, SECOND);
    for i in 2..=5 {
        let s = sim.node(NodeId(i)).unwrap();
        assert!(s.blocked, "S{i} waits for the decision");
        assert_eq!(s.durable.lock, Some(1), "S{i} keeps its lock");
        assert_eq!(sim.protocol().summary(s).class, "blocked");
    }
    sim.apply(Action::Restart { node: COORDINATOR }).unwrap();
    run(&mut sim, SECOND);
    // It never logged a decision, so recovery aborts; everyone agrees.
    assert_eq!(statuses(&sim), vec![Status::Aborted; 4]);
    for i in 2..=5 {
        let s = sim.node(NodeId(i)).unwrap();
        assert!(!s.blocked && s.durable.lock.is_none());
    }
}

#[test]
fn a_logged_commit_survives_the_coordinator_crash() {
    let mut sim = sim(false);
    all_prepared(&mut sim);
    while sim.durable(COORDINATOR).unwrap().log[&1].status != Status::Committed {
        sim.step().unwrap();
    }
    // The coordinator dies right after logging COMMIT; its messages are lost with it.
    sim.apply(Action::Crash { node: COORDINATOR }).unwrap();
    let decisions: Vec<u64> = sim
        .in_flight()
        .filter(|m| matches!(m.msg, TpcMsg::Decision { .. }))
        .map(|m| m.id)
        .collect();
    for id in decisions {
        sim.apply(Action::Drop { msg: id }).unwrap();
    }
    run(&mut sim, SECOND);
    assert!((2..=5).all(|i| sim.node(NodeId(i)).unwrap().blocked));
    sim.apply(Action::Restart { node: COORDINATOR }).unwrap();
    run(&mut sim, 500 * MS);
    assert_eq!(statuses(&sim), vec![Status::Committed; 4]);
    assert!((2..=5).all(|i| sim.durable(NodeId(i)).unwrap().value == 4));
    assert_eq!(
        sim.durable(COORDINATOR).unwrap().log[&1].status,
        Status::Ended { commit: true }
    );
}

/// The coordinator logs COMMIT and crashes; only S2 got the decision.
fn commit_reaches_only_s2(sim: &mut Simulation<TwoPc>) {
    all_prepared(sim);
    while sim.durable(COORDINATOR).unwrap().log[&1].status != Status::Committed {
        sim.step().unwrap();
    }
    sim.apply(Action::Crash { node: COORDINATOR }).unwrap();
    let lost: Vec<u64> = sim
        .in_flight()
        .filter(|m| matches!(m.msg, TpcMsg::Decision { .. }) && m.to != NodeId(2))
        .map(|m| m.id)
        .collect();
    for id in lost {
        sim.apply(Action::Drop { msg: id }).unwrap();
    }
    run(sim, SECOND);
}

#[test]
fn cooperative_termination_learns_the_outcome_from_a_peer() {
    let mut sim = sim(true);
    commit_reaches_only_s2(&mut sim);
    // S3..S5 asked their peers; S2 knew, so nobody waits for the coordinator.
    assert_eq!(statuses(&sim), vec![Status::Committed; 4]);
    assert!((2..=5).all(|i| !sim.node(NodeId(i)).unwrap().blocked));
    let mut sim = self::sim(false);
    commit_reaches_only_s2(&mut sim);
    assert_eq!(
        statuses(&sim),
        vec![
            Status::Committed,
            Status::Prepared,
            Status::Prepared,
            Status::Prepared
        ]
    );
}

#[test]
fn the_inspector_shows_lock_and_blocking() {
    let mut sim = sim(false);
    all_prepared(&mut sim);
    sim.apply(Action::Crash { node: COORDINATOR }).unwrap();
    run(&mut sim, SECOND);
    let p = sim.protocol().clone();
    let s = sim.node(NodeId(2)).unwrap();
    let Section::Fields { fields, .. } = &p.inspect(s)[0] else {
        panic!("fields first")
    };
    assert_eq!(fields[0], ("state".into(), "prepared #1 (blocked)".into()));
    assert_eq!(fields[2], ("lock".into(), "held by txn #1".into()));
    let d = sim.durable(COORDINATOR).unwrap();
    let Section::Table { rows, .. } = &p.inspect_durable(d)[1] else {
        panic!("the log")
    };
    assert_eq!(
        rows,
        &vec![vec!["#1".to_string(), "+4".into(), "voting".into()]]
    );
}

/// The narration tells a prepared participant's decision apart from one it never prepared.
#[test]
fn a_prepared_participant_that_learns_commit_applies_it_and_says_so() {
    let p = proto();
    let mut s = node(&p, 2);
    p.on_msg(
        &mut s,
        COORDINATOR,
        TpcMsg::Prepare { txn: 7, delta: 5 },
        &mut Out::new(false),
    );
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        COORDINATOR,
        TpcMsg::Decision {
            txn: 7,
            commit: true,
        },
        &mut out,
    );
    assert_eq!(
        out.narration(),
        vec!["S2 learns COMMIT for txn #7 from S1, logs it and releases its lock (counter = 5)"]
    );
    assert_eq!((s.durable.value, s.durable.lock), (5, None));
}
