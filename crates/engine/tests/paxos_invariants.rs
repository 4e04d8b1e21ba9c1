//! Paxos's checker: each invariant fed hand-made states, caught where it is broken and silent
//! where it holds.

use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::invariants::paxos::*;
use lab_engine::invariants::{CheckCtx, Checker, Violation};
use lab_engine::node::*;
use lab_engine::protocols::paxos::*;

fn proto() -> Paxos {
    Paxos::from_settings(&Settings {
        nodes: 3,
        ..Settings::for_protocol(ProtocolKind::Paxos)
    })
}

fn ballot(round: u64, node: u8) -> Ballot {
    Ballot {
        round,
        node: NodeId(node),
    }
}

fn event(
    c: &mut PaxosChecker,
    nodes: &[Option<PaxosState>],
    durable: &[PaxosDurable],
    changed: &[u8],
) -> Vec<Violation> {
    let p = proto();
    let changed: Vec<NodeId> = changed.iter().map(|&i| NodeId(i)).collect();
    let requests = imbl::OrdMap::new();
    c.check(&CheckCtx {
        proto: &p,
        nodes,
        durable,
        changed: &changed,
        replies: &[],
        requests: &requests,
    })
}

fn accepted(b: Ballot, v: Value) -> PaxosDurable {
    PaxosDurable {
        promised: Some(b),
        accepted: Some((b, v)),
    }
}

#[test]
fn a_value_nobody_proposed_breaks_validity() {
    let mut c = PaxosChecker::default();
    let ghost = Value {
        value: 7,
        origin: Origin::Request(99),
    };
    let d = vec![
        accepted(ballot(1, 1), ghost),
        accepted(ballot(1, 1), ghost),
        PaxosDurable::default(),
    ];
    let v = event(&mut c, &[None, None, None], &d, &[1, 2]);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].invariant, "Validity");
}

#[test]
fn learning_a_value_no_majority_accepted_is_caught() {
    let mut c = PaxosChecker::default();
    let p = proto();
    let ten = lab_engine::protocols::paxos::start_value(NodeId(1));
    let d = vec![
        accepted(ballot(1, 1), ten),
        PaxosDurable::default(),
        PaxosDurable::default(),
    ];
    let mut s3 = p.on_start(NodeId(3), &d[2], &mut Out::new(false));
    s3.learned = Some((ballot(1, 1), ten));
    let v = event(&mut c, &[None, None, Some(s3)], &d, &[1, 3]);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].invariant, "Learned Only Chosen");
    assert_eq!(
        v[0].explanation,
        "S3 learned 10 (S1's) from ballot 1.1, but no majority of acceptors accepted it"
    );
}
