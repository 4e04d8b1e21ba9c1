//! Multi-Paxos rules ("Paxos Made Simple" §2.5 and §3), one test per rule: feed a node one
//! event, assert what the rule demands of its effects and state.

use imbl::OrdMap;
use lab_engine::catalog::Model;
use lab_engine::node::{Effect, NodeId, Out, Protocol, Request};
use lab_engine::protocols::multi_paxos::{Cmd, MpDurable, MpMsg, MpTimer, MultiPaxos, Role};
use lab_engine::protocols::paxos::Ballot;
use lab_engine::{ProtocolKind, Settings};

const S1: NodeId = NodeId(1);

fn multi_paxos() -> MultiPaxos {
    MultiPaxos::from_settings(&Settings {
        nodes: 3,
        ..Settings::for_protocol(ProtocolKind::MultiPaxos)
    })
}

/// "Paxos Made Simple" §2.5: a proposer "begins phase 1 with a higher proposal number than any
/// it has already used", remembered in stable storage; §3 runs phase 1 for all instances at
/// once, so a reused ballot would cover every open slot. S1 led ballot 3.1 and had its own
/// acceptor accept slot 1 in it; restarted, its next phase 1 must use a higher ballot, and that
/// ballot must be on stable storage before the Prepare leaves.
#[test]
fn paxos_made_simple_2_5_a_restarted_leader_never_reuses_a_ballot() {
    let p = multi_paxos();
    let used = Ballot { round: 3, node: S1 };
    let cmd = Cmd::Write(Request { id: 1, delta: 5 });
    let d = MpDurable {
        promised: Some(used),
        accepted: OrdMap::unit(1, (used, cmd)),
        chosen: OrdMap::new(),
    };
    let mut s = p.on_start(S1, &d, &mut Out::new(false));
    let mut out = Out::new(false);
    p.on_timer(&mut s, MpTimer::Election, &mut out);
    let next = Ballot { round: 4, node: S1 };
    let actions = out.actions();
    let sent: Vec<Ballot> = actions
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                msg: MpMsg::Prepare { ballot, .. },
                ..
            } => Some(*ballot),
            _ => None,
        })
        .collect();
    assert_eq!(sent, vec![next; 2]);
    assert_eq!((s.role, s.ballot), (Role::Candidate, Some(next)));
    let persisted = actions
        .iter()
        .position(|e| matches!(e, Effect::Persist(d) if d.promised == Some(next)));
    let first_prepare = actions
        .iter()
        .position(|e| matches!(e, Effect::Send { .. }));
    assert!(
        persisted.is_some() && persisted < first_prepare,
        "{actions:?}"
    );
}

/// The same rule for a leader that crashed during phase 1, before any slot was accepted: its
/// Prepare 3.1 may have reached acceptors, and only its promise on stable storage records that
/// 3.1 was used.
#[test]
fn paxos_made_simple_2_5_a_leader_restarted_during_phase_1_never_reuses_its_ballot() {
    let p = multi_paxos();
    let d = MpDurable {
        promised: Some(Ballot { round: 3, node: S1 }),
        ..MpDurable::default()
    };
    let mut s = p.on_start(S1, &d, &mut Out::new(false));
    p.on_timer(&mut s, MpTimer::Election, &mut Out::new(false));
    assert_eq!(s.ballot, Some(Ballot { round: 4, node: S1 }));
}
