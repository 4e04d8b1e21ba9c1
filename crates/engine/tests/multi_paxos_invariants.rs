//! Multi-Paxos's checker: each invariant fed hand-made states, caught where it is broken and silent
//! where it holds.

use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::invariants::multi_paxos::*;
use lab_engine::invariants::{CheckCtx, Checker};
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
    let write = |id, delta| Cmd::Write(Request { id, delta });
    let mut d = vec![MpDurable::default(); 3];
    for n in &mut d[..2] {
        n.accepted.insert(1, (b, write(1, 5)));
    }
    d[0].chosen.insert(1, write(1, 5));
    d[2].chosen.insert(1, write(2, 6));
    let nodes: Vec<Option<MpState>> = (0..3)
        .map(|i| Some(p.on_start(NodeId::from_idx(i), &d[i], &mut Out::new(false))))
        .collect();
    let requests = imbl::OrdMap::new();
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
