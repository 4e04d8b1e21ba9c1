//! Two-Phase Commit rules from Gray and Lamport, "Consensus on Transaction Commit" (2006), one
//! test per rule: feed a node one event, assert what the rule demands of its effects and state.

use imbl::OrdMap;
use lab_engine::catalog::Model;
use lab_engine::node::{Effect, NodeId, Out, Protocol, Reply, Request};
use lab_engine::protocols::two_phase_commit::{
    Status, TpcDurable, TpcMsg, TpcTimer, TwoPc, TxnRecord, COORDINATOR,
};
use lab_engine::{ProtocolKind, Settings};

const S2: NodeId = NodeId(2);
const S3: NodeId = NodeId(3);

fn two_pc() -> TwoPc {
    TwoPc::from_settings(&Settings {
        nodes: 3,
        cooperative_termination: true,
        ..Settings::for_protocol(ProtocolKind::TwoPc)
    })
}

/// A participant's stable storage after it decided txn #7 (+5) one way.
fn decided(status: Status) -> TpcDurable {
    TpcDurable {
        log: OrdMap::unit(7, TxnRecord { delta: 5, status }),
        lock: None,
        value: if status == Status::Committed { 5 } else { 0 },
        decided: 1,
    }
}

/// Gray and Lamport §2, Stability: "once an RM has entered the committed or aborted state, it
/// remains in that state forever." A participant that committed (or aborted) txn #7 and then
/// hears the opposite outcome, from the coordinator or a peer, changes nothing: no write to its
/// log, no change to its shard, no acknowledgement of an outcome it did not apply.
#[test]
fn gray_lamport_2_stability_a_participant_never_reverses_its_decision() {
    let p = two_pc();
    for (status, commit) in [(Status::Committed, false), (Status::Aborted, true)] {
        for from in [COORDINATOR, S3] {
            let before = decided(status);
            let mut s = p.on_start(S2, &before, &mut Out::new(false));
            let mut out = Out::new(false);
            p.on_msg(&mut s, from, TpcMsg::Decision { txn: 7, commit }, &mut out);
            assert_eq!(
                out.actions(),
                vec![],
                "{status:?}, then {commit} from {from}"
            );
            assert_eq!(s.durable, before, "{status:?}, then {commit} from {from}");
        }
    }
}

/// Gray and Lamport §2 (Two-Phase Commit: "the TM ... can forget the transaction only after all
/// RMs have acknowledged"): the coordinator writes the END record, which lets it forget txn #7,
/// once every participant acknowledged the decision, not before: a participant that has not
/// may still ask for the outcome, and must get it from the log.
#[test]
fn gray_lamport_2_the_coordinator_ends_a_transaction_after_every_acknowledgement() {
    let p = two_pc();
    let mut s = p.on_start(COORDINATOR, &TpcDurable::default(), &mut Out::new(false));
    p.on_request(&mut s, Request::counter(7, 5), &mut Out::new(false));
    for from in [S2, S3] {
        let vote = TpcMsg::Vote { txn: 7, yes: true };
        p.on_msg(&mut s, from, vote, &mut Out::new(false));
    }
    assert_eq!(s.durable.log[&7].status, Status::Committed);
    let mut out = Out::new(false);
    p.on_msg(&mut s, S2, TpcMsg::Ack { txn: 7 }, &mut out);
    assert_eq!(out.actions(), vec![]);
    assert_eq!(
        s.durable.log[&7].status,
        Status::Committed,
        "S3 has not acknowledged"
    );
    let mut out = Out::new(false);
    p.on_msg(&mut s, S3, TpcMsg::Ack { txn: 7 }, &mut out);
    let ended = TxnRecord {
        delta: 5,
        status: Status::Ended { commit: true },
    };
    assert_eq!(
        out.actions(),
        vec![Effect::Persist(TpcDurable {
            log: OrdMap::unit(7, ended),
            lock: None,
            value: 5,
            decided: 1,
        })]
    );
}

/// Gray and Lamport §2: "the TM can ... decide to abort", here because a participant's vote did
/// not come in time (Bernstein, Hadzilacos and Goodman §7.4, the coordinator's timeout action).
/// The abort is logged before anyone hears it, and the client is told whose vote was missing.
#[test]
fn gray_lamport_2_a_missing_vote_aborts_and_the_client_hears_whose() {
    let p = two_pc();
    let mut s = p.on_start(COORDINATOR, &TpcDurable::default(), &mut Out::new(false));
    p.on_request(&mut s, Request::counter(7, 5), &mut Out::new(false));
    let vote = TpcMsg::Vote { txn: 7, yes: true };
    p.on_msg(&mut s, S2, vote, &mut Out::new(false));
    let mut out = Out::new(false);
    p.on_timer(&mut s, TpcTimer::Votes(7), &mut out);
    let abort = |to| Effect::Send {
        to,
        msg: TpcMsg::Decision {
            txn: 7,
            commit: false,
        },
    };
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(TpcDurable {
                log: OrdMap::unit(
                    7,
                    TxnRecord {
                        delta: 5,
                        status: Status::Aborted,
                    }
                ),
                lock: None,
                value: 0,
                decided: 1,
            }),
            Effect::CancelTimer(TpcTimer::Votes(7)),
            abort(S2),
            abort(S3),
            Effect::Reply {
                request: 7,
                reply: Reply::Rejected("transaction aborted: no vote from S3 in time".into()),
            },
        ]
    );
}

/// Gray and Lamport §2: an RM "can spontaneously abort" while it has not voted yes; a
/// participant whose shard is locked by txn #4 aborts txn #7 on its own, logs the abort (a
/// decision, counted as one) on stable storage, then votes no. Its lock stays with #4.
#[test]
fn gray_lamport_2_a_participant_that_votes_no_has_logged_its_abort() {
    let p = two_pc();
    let mut s = p.on_start(S2, &TpcDurable::default(), &mut Out::new(false));
    let prepare = |txn, delta| TpcMsg::Prepare { txn, delta };
    p.on_msg(&mut s, COORDINATOR, prepare(4, 1), &mut Out::new(false));
    let mut out = Out::new(false);
    p.on_msg(&mut s, COORDINATOR, prepare(7, 5), &mut out);
    let record = |delta, status| TxnRecord { delta, status };
    let mut log = OrdMap::unit(4, record(1, Status::Prepared));
    log.insert(7, record(5, Status::Aborted));
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(TpcDurable {
                log,
                lock: Some(4),
                value: 0,
                decided: 1,
            }),
            Effect::Send {
                to: COORDINATOR,
                msg: TpcMsg::Vote { txn: 7, yes: false },
            },
        ]
    );
}

/// Bernstein, Hadzilacos and Goodman §7.4: a recovered coordinator re-sends the decisions it has
/// not seen acknowledged, and may send one twice; a participant that already applied it
/// acknowledges again (so the coordinator can end the transaction) and writes nothing.
#[test]
fn bhg_7_4_a_repeated_decision_is_acknowledged_again_and_changes_nothing() {
    let p = two_pc();
    for status in [Status::Committed, Status::Aborted] {
        let before = decided(status);
        let mut s = p.on_start(S2, &before, &mut Out::new(false));
        let mut out = Out::new(false);
        let commit = status == Status::Committed;
        p.on_msg(
            &mut s,
            COORDINATOR,
            TpcMsg::Decision { txn: 7, commit },
            &mut out,
        );
        assert_eq!(
            out.actions(),
            vec![Effect::Send {
                to: COORDINATOR,
                msg: TpcMsg::Ack { txn: 7 },
            }],
            "{status:?}"
        );
        assert_eq!(s.durable, before, "{status:?}");
    }
}
