//! Three-Phase Commit rules from Skeen, "Nonblocking Commit Protocols" (SIGMOD 1981), and
//! Bernstein, Hadzilacos and Goodman, "Concurrency Control and Recovery in Database Systems"
//! (1987), §7.5: one test per rule, named after it. Each feeds nodes events and asserts what the
//! rule demands of their effects and state, so each fails when its rule is broken (the buggy
//! variants break two of them, and the tests below check that they do).

use lab_engine::catalog::Model;
use lab_engine::node::{Effect, NodeId, Out, Protocol, Request};
use lab_engine::protocols::three_phase_commit::{
    Status, ThreePc, ThreePcDurable, ThreePcMsg, ThreePcState, ThreePcTimer, TxnRecord, COORDINATOR,
};
use lab_engine::{ProtocolKind, Settings};

const S2: NodeId = NodeId(2);
const S3: NodeId = NodeId(3);
const S4: NodeId = NodeId(4);
const TXN: u64 = 5;
const DELTA: i64 = 2;

/// S1 coordinates S2, S3 and S4.
fn three_pc() -> ThreePc {
    ThreePc::from_settings(&Settings {
        nodes: 4,
        ..Settings::for_protocol(ProtocolKind::ThreePc)
    })
}

fn start(p: &ThreePc, id: NodeId, durable: &ThreePcDurable) -> ThreePcState {
    p.on_start(id, durable, &mut Out::new(false))
}

fn fresh(p: &ThreePc, id: NodeId) -> ThreePcState {
    start(p, id, &ThreePcDurable::default())
}

/// The coordinator after a client's request for the transaction and a yes vote from each of
/// `yes`.
fn coordinating(p: &ThreePc, yes: &[NodeId]) -> ThreePcState {
    let mut s = fresh(p, COORDINATOR);
    p.on_request(&mut s, Request::counter(TXN, DELTA), &mut Out::new(false));
    for &voter in yes {
        msg(
            p,
            &mut s,
            voter,
            ThreePcMsg::Vote {
                txn: TXN,
                yes: true,
            },
        );
    }
    s
}

fn msg(p: &ThreePc, s: &mut ThreePcState, from: NodeId, m: ThreePcMsg) -> Vec<Effect<ThreePc>> {
    let mut out = Out::new(false);
    p.on_msg(s, from, m, &mut out);
    out.actions()
}

fn timer(p: &ThreePc, s: &mut ThreePcState, t: ThreePcTimer) -> Vec<Effect<ThreePc>> {
    let mut out = Out::new(false);
    p.on_timer(s, t, &mut out);
    out.actions()
}

/// A participant that voted yes on the transaction: locked, UNCERTAIN.
fn uncertain(p: &ThreePc, id: NodeId) -> ThreePcState {
    let mut s = fresh(p, id);
    msg(
        p,
        &mut s,
        COORDINATOR,
        ThreePcMsg::CanCommit {
            txn: TXN,
            delta: DELTA,
        },
    );
    assert_eq!(s.status(TXN), Some(Status::Uncertain));
    s
}

/// Stable storage holding the transaction in `status`, locked as a participant that voted yes.
fn logged(status: Status) -> ThreePcDurable {
    let mut d = ThreePcDurable {
        lock: Some(TXN),
        ..ThreePcDurable::default()
    };
    d.log.insert(
        TXN,
        TxnRecord {
            delta: DELTA,
            status,
        },
    );
    d
}

fn sends(effects: &[Effect<ThreePc>]) -> Vec<(NodeId, ThreePcMsg)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { to, msg } => Some((*to, msg.clone())),
            _ => None,
        })
        .collect()
}

/// Where in `effects` the first message matching `want` is sent, if one is.
fn first_send(effects: &[Effect<ThreePc>], want: impl Fn(&ThreePcMsg) -> bool) -> Option<usize> {
    effects
        .iter()
        .position(|e| matches!(e, Effect::Send { msg, .. } if want(msg)))
}

/// Where in `effects` stable storage is first written with the transaction in `status`.
fn first_persist(effects: &[Effect<ThreePc>], status: Status) -> Option<usize> {
    effects.iter().position(
        |e| matches!(e, Effect::Persist(d) if d.log.get(&TXN).map(|r| r.status) == Some(status)),
    )
}

fn decisions(effects: &[Effect<ThreePc>]) -> Vec<(NodeId, bool)> {
    sends(effects)
        .into_iter()
        .filter_map(|(to, m)| match m {
            ThreePcMsg::Decision { commit, .. } => Some((to, commit)),
            _ => None,
        })
        .collect()
}

fn is_pre_commit(m: &ThreePcMsg) -> bool {
    matches!(m, ThreePcMsg::PreCommit { .. })
}

/// S2 runs a round of the termination protocol and hears `replies` (node, status, recovering);
/// the effects of the round's end.
fn terminate(
    p: &ThreePc,
    s: &mut ThreePcState,
    replies: &[(NodeId, Status, bool)],
) -> Vec<Effect<ThreePc>> {
    timer(p, s, ThreePcTimer::Wait(TXN));
    for &(from, status, recovering) in replies {
        msg(
            p,
            s,
            from,
            ThreePcMsg::StateReply {
                txn: TXN,
                status,
                recovering,
            },
        );
    }
    timer(p, s, ThreePcTimer::Gather(TXN))
}

/// Skeen's central-site protocol and BHG §7.5: a participant that has not voted may abort on its
/// own, since no one can commit without its yes. Asked for its state before any CanCommit
/// arrived, it logs ABORT before answering, and the CanCommit that comes later gets a no, with
/// no lock taken.
#[test]
fn a_participant_that_has_not_voted_aborts_on_its_own() {
    let p = three_pc();
    let mut s = fresh(&p, S4);
    let out = msg(&p, &mut s, S2, ThreePcMsg::StateRequest { txn: TXN });
    let logged = first_persist(&out, Status::Aborted).expect("ABORT is logged");
    let told = first_send(&out, |m| {
        matches!(
            m,
            ThreePcMsg::StateReply {
                status: Status::Aborted,
                ..
            }
        )
    })
    .expect("the asker hears ABORTED");
    assert!(logged < told, "logged before it is told: {out:?}");
    let late = msg(
        &p,
        &mut s,
        COORDINATOR,
        ThreePcMsg::CanCommit {
            txn: TXN,
            delta: DELTA,
        },
    );
    assert_eq!(
        sends(&late),
        vec![(
            COORDINATOR,
            ThreePcMsg::Vote {
                txn: TXN,
                yes: false
            }
        )]
    );
    assert_eq!(s.durable.lock, None);
}

/// Skeen's central-site protocol: a participant votes yes only once its UNCERTAIN state (and the lock) is on stable
/// storage, so that after a crash it knows it may no longer abort alone.
#[test]
fn a_participant_logs_uncertain_before_voting_yes() {
    let p = three_pc();
    let mut s = fresh(&p, S3);
    let out = msg(
        &p,
        &mut s,
        COORDINATOR,
        ThreePcMsg::CanCommit {
            txn: TXN,
            delta: DELTA,
        },
    );
    let logged = first_persist(&out, Status::Uncertain).expect("UNCERTAIN is logged");
    let voted = first_send(&out, |m| matches!(m, ThreePcMsg::Vote { yes: true, .. }))
        .expect("it votes yes");
    assert!(logged < voted, "{out:?}");
    assert!(matches!(&out[logged], Effect::Persist(d) if d.lock == Some(TXN)));
}

/// Skeen's central-site protocol: the coordinator moves to its pre-commit state, and
/// sends PreCommit, only once every participant has voted yes; PRE-COMMITTED is logged first. A
/// no vote aborts at once, and no PreCommit is ever sent.
#[test]
fn the_coordinator_sends_pre_commit_only_after_every_yes_vote() {
    let p = three_pc();
    let mut s = coordinating(&p, &[]);
    for voter in [S2, S3] {
        let out = msg(
            &p,
            &mut s,
            voter,
            ThreePcMsg::Vote {
                txn: TXN,
                yes: true,
            },
        );
        assert_eq!(
            first_send(&out, is_pre_commit),
            None,
            "after {voter}'s vote"
        );
        assert_eq!(s.status(TXN), Some(Status::Voting));
    }
    // A second yes from the same participant is not a third vote.
    let out = msg(
        &p,
        &mut s,
        S3,
        ThreePcMsg::Vote {
            txn: TXN,
            yes: true,
        },
    );
    assert_eq!(first_send(&out, is_pre_commit), None, "a repeated vote");
    let out = msg(
        &p,
        &mut s,
        S4,
        ThreePcMsg::Vote {
            txn: TXN,
            yes: true,
        },
    );
    let logged = first_persist(&out, Status::PreCommitted).expect("PRE-COMMITTED is logged");
    let sent: Vec<NodeId> = sends(&out)
        .into_iter()
        .filter(|(_, m)| is_pre_commit(m))
        .map(|(to, _)| to)
        .collect();
    assert_eq!(sent, vec![S2, S3, S4]);
    assert!(logged < first_send(&out, is_pre_commit).unwrap());
    assert!(decisions(&out).is_empty(), "no one commits yet");

    let mut s = coordinating(&p, &[S2]);
    let out = msg(
        &p,
        &mut s,
        S3,
        ThreePcMsg::Vote {
            txn: TXN,
            yes: false,
        },
    );
    assert_eq!(first_send(&out, is_pre_commit), None);
    assert_eq!(decisions(&out), vec![(S2, false), (S3, false), (S4, false)]);
    let out = msg(
        &p,
        &mut s,
        S4,
        ThreePcMsg::Vote {
            txn: TXN,
            yes: true,
        },
    );
    assert!(out.is_empty(), "a late yes changes nothing: {out:?}");
}

/// BHG §7.5: a coordinator that times out waiting for votes aborts (a missing vote may be a no),
/// and never pre-commits.
#[test]
fn the_coordinator_aborts_on_a_missing_vote() {
    let p = three_pc();
    let mut s = coordinating(&p, &[S2]);
    let out = timer(&p, &mut s, ThreePcTimer::Votes(TXN));
    assert_eq!(first_send(&out, is_pre_commit), None);
    assert_eq!(decisions(&out), vec![(S2, false), (S3, false), (S4, false)]);
    assert_eq!(s.status(TXN), Some(Status::Aborted));
}

/// Skeen's central-site protocol: the coordinator commits (DoCommit) only once every participant acknowledged the
/// PreCommit, logging COMMIT before telling anyone. BHG §7.5: a missing acknowledgement means a
/// crashed participant, and since everyone voted yes the coordinator commits anyway.
#[test]
fn the_coordinator_sends_do_commit_only_after_every_ack() {
    let p = three_pc();
    let pre_committed = || {
        let s = coordinating(&p, &[S2, S3, S4]);
        assert_eq!(s.status(TXN), Some(Status::PreCommitted));
        s
    };
    let mut s = pre_committed();
    for from in [S2, S3, S3] {
        let out = msg(&p, &mut s, from, ThreePcMsg::Ack { txn: TXN });
        assert!(decisions(&out).is_empty(), "after {from}'s ack: {out:?}");
        assert_eq!(s.status(TXN), Some(Status::PreCommitted));
    }
    let out = msg(&p, &mut s, S4, ThreePcMsg::Ack { txn: TXN });
    let logged = first_persist(&out, Status::Committed).expect("COMMIT is logged");
    assert_eq!(decisions(&out), vec![(S2, true), (S3, true), (S4, true)]);
    assert!(logged < first_send(&out, |m| matches!(m, ThreePcMsg::Decision { .. })).unwrap());

    let mut s = pre_committed();
    msg(&p, &mut s, S2, ThreePcMsg::Ack { txn: TXN });
    let out = timer(&p, &mut s, ThreePcTimer::Acks(TXN));
    assert_eq!(decisions(&out), vec![(S2, true), (S3, true), (S4, true)]);
}

/// The coordinator's timeouts in every state it can be in (Skeen 1981, the central-site
/// protocol's timeout transitions; BHG §7.5): waiting for votes, a timeout aborts; once it has
/// pre-committed, a stale vote timeout decides nothing (a pre-committed transaction may only
/// commit: a participant may already have committed on the strength of the PreCommit, in the
/// termination protocol); waiting for acknowledgements, a timeout commits; once decided, no
/// timeout changes or repeats the decision. An acknowledgement timeout before the PreCommit
/// commits nothing.
#[test]
fn the_coordinators_timeouts_decide_only_what_its_state_allows() {
    let p = three_pc();
    let voting = |yes: &[NodeId]| coordinating(&p, yes);
    let quiet = |out: &[Effect<ThreePc>]| {
        out.iter()
            .all(|e| !matches!(e, Effect::Send { .. } | Effect::Persist(_)))
    };

    // Waiting for votes: the acknowledgement timer has nothing to commit.
    let mut s = voting(&[S2]);
    let out = timer(&p, &mut s, ThreePcTimer::Acks(TXN));
    assert!(quiet(&out), "{out:?}");
    assert_eq!(s.status(TXN), Some(Status::Voting));

    // Pre-committed: a vote timeout that fires late must not abort.
    let mut s = voting(&[S2, S3, S4]);
    assert_eq!(s.status(TXN), Some(Status::PreCommitted));
    let out = timer(&p, &mut s, ThreePcTimer::Votes(TXN));
    assert!(quiet(&out), "{out:?}");
    assert_eq!(s.status(TXN), Some(Status::PreCommitted));
    // ... and the acknowledgement timeout commits.
    let out = timer(&p, &mut s, ThreePcTimer::Acks(TXN));
    assert_eq!(decisions(&out), vec![(S2, true), (S3, true), (S4, true)]);
    assert_eq!(s.status(TXN), Some(Status::Committed));

    // Decided: neither timer says anything again.
    for t in [ThreePcTimer::Votes(TXN), ThreePcTimer::Acks(TXN)] {
        let out = timer(&p, &mut s, t);
        assert!(quiet(&out), "{out:?}");
        assert_eq!(s.status(TXN), Some(Status::Committed));
    }
    let mut s = voting(&[S2]);
    timer(&p, &mut s, ThreePcTimer::Votes(TXN));
    assert_eq!(s.status(TXN), Some(Status::Aborted));
    for t in [ThreePcTimer::Votes(TXN), ThreePcTimer::Acks(TXN)] {
        let out = timer(&p, &mut s, t);
        assert!(quiet(&out), "{out:?}");
        assert_eq!(s.status(TXN), Some(Status::Aborted));
    }
}

/// Skeen's nonblocking theorem, BHG §7.5: a participant that voted yes and hears nothing may not
/// decide alone, uncertain or pre-committed: it runs the termination protocol, asking every
/// other node for its state, and logs nothing. (`3pc-uncertain-commits-on-timeout` breaks this
/// rule for an uncertain participant only.)
#[test]
fn a_participant_that_voted_yes_and_times_out_runs_termination_rather_than_deciding() {
    for bug in [false, true] {
        let p = ThreePc {
            bug_uncertain_commits_on_timeout: bug,
            ..three_pc()
        };
        let broken = rule_broken_on_timeout(&p);
        assert_eq!(broken, [bug, false], "with the bug {bug}: {broken:?}");
    }
}

/// Whether a participant times out into a decision instead of terminating: uncertain, then
/// pre-committed.
fn rule_broken_on_timeout(p: &ThreePc) -> [bool; 2] {
    [false, true].map(|pre| {
        let mut s = uncertain(p, S3);
        if pre {
            msg(p, &mut s, COORDINATOR, ThreePcMsg::PreCommit { txn: TXN });
        }
        let before = s.status(TXN);
        let out = timer(p, &mut s, ThreePcTimer::Wait(TXN));
        let asked: Vec<NodeId> = sends(&out)
            .into_iter()
            .filter(|(_, m)| matches!(m, ThreePcMsg::StateRequest { .. }))
            .map(|(to, _)| to)
            .collect();
        s.status(TXN) != before
            || !decisions(&out).is_empty()
            || out.iter().any(|e| matches!(e, Effect::Persist(_)))
            || asked != vec![COORDINATOR, S2, S4]
    })
}

/// BHG §7.5, termination rule: if any process answered COMMITTED, the new coordinator commits.
#[test]
fn termination_any_committed_commits() {
    let p = three_pc();
    let mut s = uncertain(&p, S2);
    terminate(
        &p,
        &mut s,
        &[
            (S3, Status::Committed, false),
            (S4, Status::Uncertain, false),
        ],
    );
    assert_eq!(s.status(TXN), Some(Status::Committed));
    assert_eq!(s.durable.value, DELTA);
    assert_eq!(s.durable.lock, None);
}

/// BHG §7.5, termination rule: if any process answered ABORTED, the new coordinator aborts, at
/// once: S3 does not wait for S2 (lower, but decided) nor treat the abort as one more uncertain
/// answer.
#[test]
fn termination_any_aborted_aborts() {
    let p = three_pc();
    let mut s = uncertain(&p, S3);
    terminate(
        &p,
        &mut s,
        &[(S2, Status::Aborted, false), (S4, Status::Uncertain, false)],
    );
    assert_eq!(s.status(TXN), Some(Status::Aborted));
    assert_eq!(s.durable.value, 0);
    assert_eq!(s.durable.lock, None);
}

/// BHG §7.5, termination rule: if any process is pre-committed (and none decided), everyone
/// voted yes and someone may have committed; the new coordinator pre-commits itself and the
/// uncertain ones first, and commits only once all that answer are pre-committed. It never
/// aborts. (`3pc-termination-ignores-precommit` breaks this rule.)
#[test]
fn termination_any_pre_committed_pre_commits_then_commits() {
    for bug in [false, true] {
        let p = ThreePc {
            bug_termination_ignores_precommit: bug,
            ..three_pc()
        };
        let mut s = uncertain(&p, S2);
        let out = terminate(
            &p,
            &mut s,
            &[
                (S3, Status::PreCommitted, false),
                (S4, Status::Uncertain, false),
            ],
        );
        if bug {
            assert_eq!(s.status(TXN), Some(Status::Aborted), "the bug aborts");
            continue;
        }
        assert!(
            decisions(&out).is_empty(),
            "no decision in this round: {out:?}"
        );
        assert_eq!(s.status(TXN), Some(Status::PreCommitted));
        assert!(first_persist(&out, Status::PreCommitted).is_some());
        let pre: Vec<NodeId> = sends(&out)
            .into_iter()
            .filter(|(_, m)| is_pre_commit(m))
            .map(|(to, _)| to)
            .collect();
        assert_eq!(pre, vec![S4], "the uncertain one is pre-committed");
        // The next round hears everyone pre-committed and commits.
        for from in [S3, S4] {
            msg(
                &p,
                &mut s,
                from,
                ThreePcMsg::StateReply {
                    txn: TXN,
                    status: Status::PreCommitted,
                    recovering: false,
                },
            );
        }
        let out = timer(&p, &mut s, ThreePcTimer::Gather(TXN));
        assert_eq!(s.status(TXN), Some(Status::Committed));
        assert_eq!(
            decisions(&out),
            vec![(COORDINATOR, true), (S3, true), (S4, true)]
        );
    }
}

/// BHG §7.5, termination rule: if every process that answered is uncertain, no one can have
/// committed (no one commits while anyone is uncertain), so the new coordinator aborts.
#[test]
fn termination_all_uncertain_aborts() {
    let p = three_pc();
    let mut s = uncertain(&p, S2);
    let out = terminate(
        &p,
        &mut s,
        &[
            (S3, Status::Uncertain, false),
            (S4, Status::Uncertain, false),
        ],
    );
    assert_eq!(s.status(TXN), Some(Status::Aborted));
    assert_eq!(
        decisions(&out),
        vec![(COORDINATOR, false), (S3, false), (S4, false)]
    );
}

/// The termination protocol elects one new coordinator: a node that hears from a lower
/// undecided node leaves the decision to it rather than deciding from its own picture.
#[test]
fn termination_the_lowest_undecided_node_decides() {
    let p = three_pc();
    let mut s = uncertain(&p, S3);
    let out = terminate(
        &p,
        &mut s,
        &[
            (S2, Status::Uncertain, false),
            (S4, Status::Uncertain, false),
        ],
    );
    assert!(decisions(&out).is_empty(), "{out:?}");
    assert_eq!(s.status(TXN), Some(Status::Uncertain));
}

/// BHG §7.5, recovery: a participant that restarts undecided asks before deciding, uncertain
/// or pre-committed, since the others may have decided while it was down; if only nodes that
/// also restarted uncertain answer, one that is down may have committed, and it keeps waiting.
#[test]
fn a_recovering_participant_asks_before_deciding() {
    let p = three_pc();
    for status in [Status::Uncertain, Status::PreCommitted] {
        let mut out = Out::new(false);
        let mut s = p.on_start(S2, &logged(status), &mut out);
        let out = out.actions();
        let asked: Vec<NodeId> = sends(&out)
            .into_iter()
            .filter(|(_, m)| matches!(m, ThreePcMsg::StateRequest { .. }))
            .map(|(to, _)| to)
            .collect();
        assert_eq!(asked, vec![COORDINATOR, S3, S4], "{status:?}");
        assert!(decisions(&out).is_empty(), "{status:?}");
        assert_eq!(s.status(TXN), Some(status));
        if status == Status::Uncertain {
            msg(
                &p,
                &mut s,
                S3,
                ThreePcMsg::StateReply {
                    txn: TXN,
                    status: Status::Uncertain,
                    recovering: true,
                },
            );
            let out = timer(&p, &mut s, ThreePcTimer::Gather(TXN));
            assert!(decisions(&out).is_empty(), "{out:?}");
            assert_eq!(s.status(TXN), Some(Status::Uncertain));
        }
    }
}

/// BHG §7.5, recovery: a coordinator that restarts before it pre-committed aborts (no one can
/// have committed); one that had pre-committed asks, since the participants may have decided.
#[test]
fn a_recovering_coordinator_aborts_unless_it_had_pre_committed() {
    let p = three_pc();
    let mut voting = logged(Status::Voting);
    voting.lock = None;
    let mut out = Out::new(false);
    let s = p.on_start(COORDINATOR, &voting, &mut out);
    assert_eq!(s.status(TXN), Some(Status::Aborted));
    assert_eq!(
        decisions(&out.actions()),
        vec![(S2, false), (S3, false), (S4, false)]
    );

    let mut pre = logged(Status::PreCommitted);
    pre.lock = None;
    let mut out = Out::new(false);
    let s = p.on_start(COORDINATOR, &pre, &mut out);
    assert_eq!(s.status(TXN), Some(Status::PreCommitted));
    assert!(decisions(&out.actions()).is_empty());
    assert!(first_send(&out.actions(), |m| matches!(
        m,
        ThreePcMsg::StateRequest { .. }
    ))
    .is_some());
}

/// BHG §7.3 (AC2): a decision is never reversed. A participant that committed ignores an
/// abort from anyone, and one that aborted ignores a commit.
#[test]
fn a_decision_is_never_reversed() {
    let p = three_pc();
    for (status, commit) in [(Status::Committed, false), (Status::Aborted, true)] {
        for from in [COORDINATOR, S3] {
            let mut d = logged(status);
            d.lock = None;
            let mut s = start(&p, S2, &d);
            let out = msg(&p, &mut s, from, ThreePcMsg::Decision { txn: TXN, commit });
            assert_eq!(out, vec![], "{status:?}, then {commit} from {from}");
            assert_eq!(s.durable, d);
        }
    }
}

/// Skeen's central-site protocol, phase 3; BHG §7.5: a participant that hears the decision logs
/// it, applies a commit to its shard and releases the lock, whether it was uncertain or
/// pre-committed.
#[test]
fn a_participant_applies_the_decision_it_hears() {
    let p = three_pc();
    for pre in [false, true] {
        for commit in [true, false] {
            let mut s = uncertain(&p, S3);
            if pre {
                msg(&p, &mut s, COORDINATOR, ThreePcMsg::PreCommit { txn: TXN });
            }
            let out = msg(
                &p,
                &mut s,
                COORDINATOR,
                ThreePcMsg::Decision { txn: TXN, commit },
            );
            let (status, value) = if commit {
                (Status::Committed, DELTA)
            } else {
                (Status::Aborted, 0)
            };
            assert!(first_persist(&out, status).is_some(), "{out:?}");
            assert_eq!(s.status(TXN), Some(status));
            assert_eq!(s.durable.value, value);
            assert_eq!(s.durable.lock, None);
        }
    }
}

/// BHG §7.5, termination protocol (its bounded-delay assumption): the asker counts the state
/// replies only after a round trip at the network's longest delay, so no live node's state is
/// left out of the new coordinator's picture.
#[test]
fn termination_waits_a_round_trip_for_the_state_replies() {
    let p = three_pc();
    let mut s = uncertain(&p, S3);
    let out = timer(&p, &mut s, ThreePcTimer::Wait(TXN));
    let round_trip = 2 * Settings::for_protocol(ProtocolKind::ThreePc)
        .network
        .latency_max;
    let window = out
        .iter()
        .find_map(|e| match e {
            Effect::SetTimer {
                timer: ThreePcTimer::Gather(TXN),
                min,
                ..
            } => Some(*min),
            _ => None,
        })
        .expect("the Gather timer is set");
    assert!(window >= round_trip, "{window} < {round_trip}");
}
