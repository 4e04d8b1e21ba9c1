//! Paxos's checker: each invariant fed hand-made states, caught where it is broken and silent
//! where it holds.

use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::invariants::paxos::*;
use lab_engine::invariants::{CheckCtx, Checker, Requests, Violation};
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
    let requests = Requests::default();
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

/// `event` with the clients' requests so far.
fn event_with_requests(
    c: &mut PaxosChecker,
    durable: &[PaxosDurable],
    changed: &[u8],
    requests: &[Request],
) -> Vec<Violation> {
    let p = proto();
    let changed: Vec<NodeId> = changed.iter().map(|&i| NodeId(i)).collect();
    let mut issued = Requests::default();
    for &r in requests {
        issued.record(r);
    }
    let nodes = vec![None; durable.len()];
    c.check(&CheckCtx {
        proto: &p,
        nodes: &nodes,
        durable,
        changed: &changed,
        replies: &[],
        requests: &issued,
    })
}

#[test]
fn the_checker_lists_its_properties() {
    let names: Vec<&str> = PaxosChecker::default()
        .invariants()
        .iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["Agreement", "Validity", "Learned Only Chosen"]);
}

#[test]
fn two_values_chosen_break_agreement_and_one_value_twice_does_not() {
    let ten = start_value(NodeId(1));
    let twenty = start_value(NodeId(2));
    for (second, broken) in [(twenty, true), (ten, false)] {
        let mut c = PaxosChecker::default();
        let first = vec![
            accepted(ballot(1, 1), ten),
            accepted(ballot(1, 1), ten),
            PaxosDurable::default(),
        ];
        assert_eq!(event(&mut c, &[None, None, None], &first, &[1, 2]), vec![]);
        let then = vec![
            first[0].clone(),
            accepted(ballot(2, 2), second),
            accepted(ballot(2, 2), second),
        ];
        let v = event(&mut c, &[None, None, None], &then, &[2, 3]);
        let names: Vec<&str> = v.iter().map(|v| v.invariant.as_str()).collect();
        assert_eq!(names, if broken { vec!["Agreement"] } else { vec![] });
    }
}

#[test]
fn validity_accepts_exactly_the_values_proposed() {
    let asked = Request::counter(1, 7);
    let from_client = |value| Value {
        value,
        origin: Origin::Request(1),
    };
    let s3_start = Value {
        value: 30,
        origin: Origin::Start(NodeId(3)),
    };
    for (v, proposed) in [
        (from_client(7), true),
        (from_client(8), false),
        (start_value(NodeId(2)), true),
        (s3_start, false),
    ] {
        let mut c = PaxosChecker::default();
        let d = vec![
            accepted(ballot(1, 2), v),
            accepted(ballot(1, 2), v),
            PaxosDurable::default(),
        ];
        let found = event_with_requests(&mut c, &d, &[1, 2], &[asked]);
        assert_eq!(found.is_empty(), proposed, "{v:?}: {found:?}");
    }
}

/// Chosen means accepted by a majority of all acceptors: two of five is not yet a choice.
#[test]
fn a_value_is_chosen_by_a_majority_of_all_acceptors() {
    let ghost = Value {
        value: 7,
        origin: Origin::Request(99),
    };
    let mut d = vec![PaxosDurable::default(); 5];
    d[0] = accepted(ballot(1, 1), ghost);
    d[1] = accepted(ballot(1, 1), ghost);
    let mut c = PaxosChecker::default();
    assert_eq!(event_with_requests(&mut c, &d, &[1, 2], &[]), vec![]);
    d[2] = accepted(ballot(1, 1), ghost);
    let v = event_with_requests(&mut c, &d, &[3], &[]);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].invariant, "Validity");
}
