//! Single-decree Paxos rules from Lamport's "Paxos Made Simple" (2001), one test per rule: feed
//! a node one event, assert what the rule demands of its effects and state.

use lab_engine::catalog::Model;
use lab_engine::node::{Effect, NodeId, Out, Protocol};
use lab_engine::protocols::paxos::{
    start_value, Ballot, Paxos, PaxosDurable, PaxosMsg, PaxosState, PaxosTimer,
};
use lab_engine::{ProtocolKind, Settings};

const S1: NodeId = NodeId(1);
const S2: NodeId = NodeId(2);

fn paxos() -> Paxos {
    Paxos::from_settings(&Settings {
        nodes: 3,
        ..Settings::for_protocol(ProtocolKind::Paxos)
    })
}

fn ballot(round: u64, node: NodeId) -> Ballot {
    Ballot { round, node }
}

/// The ballots of the Prepare messages among `effects`.
fn prepares(effects: &[Effect<Paxos>]) -> Vec<Ballot> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                msg: PaxosMsg::Prepare { ballot },
                ..
            } => Some(*ballot),
            _ => None,
        })
        .collect()
}

/// S1 restarted from `durable`, then its propose timer fires: the Prepare ballots it sends.
fn ballots_after_restart(p: &Paxos, durable: &PaxosDurable) -> (PaxosState, Vec<Ballot>) {
    let mut s = p.on_start(S1, durable, &mut Out::new(false));
    let mut out = Out::new(false);
    p.on_timer(&mut s, PaxosTimer::Propose, &mut out);
    (s, prepares(&out.actions()))
}

/// "Paxos Made Simple" §2.5: "Each proposer remembers (in stable storage) the highest-numbered
/// proposal it has tried to issue, and begins phase 1 with a higher proposal number than any it
/// has already used." Here the stable storage is its own acceptor's promise of ballot 3.1 (the
/// proposer's own acceptor promises each ballot before phase 2). Reusing 3.1 after a restart
/// could put a second value into ballot 3.1 while acceptors still hold the first one.
#[test]
fn paxos_made_simple_2_5_a_restarted_proposer_never_reuses_a_ballot() {
    let p = paxos();
    let used = ballot(3, S1);
    let d = PaxosDurable {
        promised: Some(used),
        accepted: Some((used, start_value(S1))),
    };
    let (s, sent) = ballots_after_restart(&p, &d);
    assert_eq!(sent, vec![ballot(4, S1); 2]);
    assert_eq!(s.ballot, Some(ballot(4, S1)));
}

/// The same rule when the highest ballot on stable storage is another proposer's promise: the
/// restarted proposer still starts above it, never at a round it may have used before.
#[test]
fn paxos_made_simple_2_5_a_restarted_proposer_starts_above_its_promise() {
    let p = paxos();
    let d = PaxosDurable {
        promised: Some(ballot(6, S2)),
        accepted: None,
    };
    let (_, sent) = ballots_after_restart(&p, &d);
    assert_eq!(sent, vec![ballot(7, S1); 2]);
}
