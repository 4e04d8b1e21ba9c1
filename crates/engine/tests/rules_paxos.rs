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

fn retry_timer(p: &Paxos) -> Effect<Paxos> {
    Effect::SetTimer {
        timer: PaxosTimer::Propose,
        min: p.retry_timeout.0,
        max: p.retry_timeout.1,
    }
}

/// "Paxos Made Simple" §2.2, phase 1a, with §2.4's progress: a proposer picks a ballot above any
/// round it has seen, sends Prepare to every acceptor (its own acceptor promises at once, on
/// stable storage), and arms a timer so that a ballot nobody answers is retried.
#[test]
fn paxos_made_simple_2_2_phase_1a_prepares_a_fresh_ballot_and_arms_a_retry() {
    let p = paxos();
    let mut s = p.on_start(S1, &PaxosDurable::default(), &mut Out::new(false));
    let mut out = Out::new(false);
    p.on_timer(&mut s, PaxosTimer::Propose, &mut out);
    let prepare = |to| Effect::Send {
        to,
        msg: PaxosMsg::Prepare {
            ballot: ballot(1, S1),
        },
    };
    assert_eq!(
        out.actions(),
        vec![
            prepare(S2),
            prepare(NodeId(3)),
            retry_timer(&p),
            Effect::Persist(PaxosDurable {
                promised: Some(ballot(1, S1)),
                accepted: None,
            }),
        ]
    );
}

/// "Paxos Made Simple" §2.4: a proposer that learns of a higher-numbered ballot abandons its own
/// ("a proposer can abandon a proposal ... at any time") and, so that one proposer eventually
/// gets through, tries again after a random back-off with a ballot above the one it heard of.
#[test]
fn paxos_made_simple_2_4_a_refused_proposer_backs_off_and_retries_above_the_refusal() {
    let p = paxos();
    let mut s = p.on_start(S1, &PaxosDurable::default(), &mut Out::new(false));
    p.on_timer(&mut s, PaxosTimer::Propose, &mut Out::new(false));
    let mut out = Out::new(false);
    let nack = PaxosMsg::Nack {
        ballot: ballot(1, S1),
        promised: ballot(5, S2),
    };
    p.on_msg(&mut s, S2, nack, &mut out);
    assert_eq!(out.actions(), vec![retry_timer(&p)]);
    let mut out = Out::new(false);
    p.on_timer(&mut s, PaxosTimer::Propose, &mut out);
    assert_eq!(prepares(&out.actions()), vec![ballot(6, S1); 2]);
}

/// "Paxos Made Simple" §2.2, phase 1b: an acceptor promises a ballot unless it promised a higher
/// one, so a Prepare it already promised (a duplicate, or a retransmission after a lost Promise)
/// is answered with the same promise again; nothing changed, so nothing is written.
#[test]
fn paxos_made_simple_2_2_phase_1b_a_repeated_prepare_gets_the_same_promise() {
    let p = paxos();
    let b = ballot(4, S1);
    let accepted = Some((ballot(2, S2), start_value(S2)));
    let durable = PaxosDurable {
        promised: Some(b),
        accepted,
    };
    let mut s = p.on_start(NodeId(3), &durable, &mut Out::new(false));
    let mut out = Out::new(false);
    p.on_msg(&mut s, S1, PaxosMsg::Prepare { ballot: b }, &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Send {
            to: S1,
            msg: PaxosMsg::Promise {
                ballot: b,
                accepted
            },
        }]
    );
    assert_eq!(s.durable, durable);
}
