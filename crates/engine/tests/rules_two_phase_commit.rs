//! Two-Phase Commit rules from Gray and Lamport, "Consensus on Transaction Commit" (2006), one
//! test per rule: feed a node one event, assert what the rule demands of its effects and state.

use imbl::OrdMap;
use lab_engine::catalog::Model;
use lab_engine::node::{Effect, NodeId, Out, Protocol, Request};
use lab_engine::protocols::two_phase_commit::{
    Status, TpcDurable, TpcMsg, TwoPc, TxnRecord, COORDINATOR,
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
        log: OrdMap::unit(
            7,
            TxnRecord {
                delta: 5,
                status,
                ended: false,
            },
        ),
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
    p.on_request(&mut s, Request { id: 7, delta: 5 }, &mut Out::new(false));
    for from in [S2, S3] {
        let vote = TpcMsg::Vote { txn: 7, yes: true };
        p.on_msg(&mut s, from, vote, &mut Out::new(false));
    }
    assert_eq!(s.durable.log[&7].status, Status::Committed);
    let mut out = Out::new(false);
    p.on_msg(&mut s, S2, TpcMsg::Ack { txn: 7 }, &mut out);
    assert_eq!(out.actions(), vec![]);
    assert!(!s.durable.log[&7].ended, "S3 has not acknowledged");
    let mut out = Out::new(false);
    p.on_msg(&mut s, S3, TpcMsg::Ack { txn: 7 }, &mut out);
    let ended = TxnRecord {
        delta: 5,
        status: Status::Committed,
        ended: true,
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
