//! Multi-Paxos's checker: each invariant fed hand-made states, caught where it is broken and silent
//! where it holds.

use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::invariants::multi_paxos::*;
use lab_engine::invariants::{CheckCtx, Checker, Requests};
use lab_engine::node::*;
use lab_engine::protocols::multi_paxos::*;
use lab_engine::protocols::paxos::Ballot;

#[test]
fn two_nodes_applying_different_commands_in_a_slot_are_caught() {
    let p = MultiPaxos::from_settings(&Settings {
        nodes: 3,
        ..Settings::for_protocol(ProtocolKind::MultiPaxos)
    });
    let b = Ballot {
        round: 1,
        node: NodeId(1),
    };
    let write = |id, delta| Cmd::Write(Request::counter(id, delta));
    let mut d = vec![MpDurable::default(); 3];
    for n in &mut d[..2] {
        n.accepted.insert(1, (b, write(1, 5)));
    }
    d[0].chosen.insert(1, write(1, 5));
    d[2].chosen.insert(1, write(2, 6));
    let nodes: Vec<Option<MpState>> = (0..3)
        .map(|i| Some(p.on_start(NodeId::from_idx(i), &d[i], &mut Out::new(false))))
        .collect();
    let requests = Requests::default();
    let mut c = MultiPaxosChecker::default();
    let changed = [NodeId(1), NodeId(2), NodeId(3)];
    let v = c.check(&CheckCtx {
        proto: &p,
        nodes: &nodes,
        durable: &d,
        changed: &changed,
        replies: &[],
        requests: &requests,
    });
    let names: Vec<&str> = v.iter().map(|v| v.invariant.as_str()).collect();
    assert_eq!(names, ["Learned Only Chosen", "State Machine Safety"]);
    assert_eq!(
        v[1].explanation,
        "S3 applies +6 (#2) in slot 1, but +5 (#1) was applied there before"
    );
}

#[test]
fn the_checker_lists_its_properties() {
    let names: Vec<&str> = MultiPaxosChecker::default()
        .invariants()
        .iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(
        names,
        ["Agreement", "Learned Only Chosen", "State Machine Safety"]
    );
}

/// Five acceptors: a value is chosen when three (a majority) accepted it in one ballot, never
/// when two did. The checker must count exactly a majority of the cluster's size.
#[test]
fn a_slot_value_is_chosen_by_a_majority_of_five_not_by_two() {
    let n = 5;
    let p = MultiPaxos::from_settings(&Settings {
        nodes: n,
        ..Settings::for_protocol(ProtocolKind::MultiPaxos)
    });
    let ballot = |round, node| Ballot {
        round,
        node: NodeId(node),
    };
    let (a, b) = (
        Cmd::Write(Request::counter(1, 5)),
        Cmd::Write(Request::counter(2, 6)),
    );
    let mut d = vec![MpDurable::default(); n];
    let mut c = MultiPaxosChecker::default();
    let requests = Requests::default();
    // Each step: these nodes accept `cmd` in slot 1 with ballot `bal`; the violations seen.
    let mut step = |who: &[u8], bal: Ballot, cmd: Cmd| -> Vec<String> {
        for &i in who {
            d[usize::from(i) - 1].accepted.insert(1, (bal, cmd));
        }
        let nodes: Vec<Option<MpState>> = (0..n)
            .map(|i| Some(p.on_start(NodeId::from_idx(i), &d[i], &mut Out::new(false))))
            .collect();
        let changed: Vec<NodeId> = who.iter().map(|&i| NodeId(i)).collect();
        c.check(&CheckCtx {
            proto: &p,
            nodes: &nodes,
            durable: &d,
            changed: &changed,
            replies: &[],
            requests: &requests,
        })
        .into_iter()
        .map(|v| v.invariant)
        .collect()
    };
    // Two of five accept +5 in ballot 1.1: not chosen.
    assert_eq!(step(&[1, 2], ballot(1, 1), a), Vec::<String>::new());
    // Three accept +6 in ballot 2.2: chosen, and nothing else was.
    assert_eq!(step(&[3, 4, 5], ballot(2, 2), b), Vec::<String>::new());
    // Three accept +5 in ballot 3.1: a second value chosen in slot 1.
    assert_eq!(step(&[1, 2, 3], ballot(3, 1), a), ["Agreement"]);
}

/// State Machine Safety covers the counter too: a node whose counter is not what the applied
/// commands add up to breaks it, even if every command it applied is the right one.
#[test]
fn a_counter_that_does_not_match_the_applied_commands_is_caught() {
    let p = MultiPaxos::from_settings(&Settings {
        nodes: 3,
        ..Settings::for_protocol(ProtocolKind::MultiPaxos)
    });
    let b = Ballot {
        round: 1,
        node: NodeId(1),
    };
    let five = Cmd::Write(Request::counter(1, 5));
    let mut d = vec![MpDurable::default(); 3];
    for n in &mut d[..2] {
        n.accepted.insert(1, (b, five));
        n.chosen.insert(1, five);
    }
    let requests = Requests::default();
    for (counter, broken) in [(5, false), (7, true)] {
        let mut nodes: Vec<Option<MpState>> = (0..3)
            .map(|i| Some(p.on_start(NodeId::from_idx(i), &d[i], &mut Out::new(false))))
            .collect();
        let s = nodes[0].as_mut().unwrap();
        s.applied = 1;
        s.value = counter;
        let mut c = MultiPaxosChecker::default();
        let v = c.check(&CheckCtx {
            proto: &p,
            nodes: &nodes,
            durable: &d,
            changed: &[NodeId(1), NodeId(2)],
            replies: &[],
            requests: &requests,
        });
        let names: Vec<&str> = v.iter().map(|v| v.invariant.as_str()).collect();
        let want: &[&str] = if broken {
            &["State Machine Safety"]
        } else {
            &[]
        };
        assert_eq!(names, want, "counter {counter}");
    }
}
