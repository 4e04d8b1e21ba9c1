//! Single-decree Paxos rules from Lamport's "Paxos Made Simple" (2001), one test per rule: feed
//! a node one event, assert what the rule demands of its effects and state.

use lab_engine::catalog::Model;
use lab_engine::node::{Effect, NodeId, Out, Protocol};
use lab_engine::protocols::paxos::{
    start_value, Ballot, Origin, Paxos, PaxosDurable, PaxosMsg, PaxosState, PaxosTimer, Phase,
    Value,
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

/// Five nodes: a majority is three.
fn paxos5() -> Paxos {
    Paxos {
        nodes: 5,
        ..paxos()
    }
}

fn promise(b: Ballot, accepted: Option<(Ballot, Value)>) -> PaxosMsg {
    PaxosMsg::Promise {
        ballot: b,
        accepted,
    }
}

/// The values S1 sends in phase 2a among `effects` (one per other acceptor).
fn accepts(effects: &[Effect<Paxos>]) -> Vec<Value> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                msg: PaxosMsg::Accept { value, .. },
                ..
            } => Some(*value),
            _ => None,
        })
        .collect()
}

/// "Paxos Made Simple" §2.2, phase 2a: the proposer proposes "the value of the highest-numbered
/// proposal among the responses", whatever order the responses come in. S1's own acceptor
/// reports 20 from ballot 1.2, S4 reports 30 from ballot 3.3 and S3 reports 40 from 2.4: the
/// majority (S1, S4, S3) is complete and 30 must be proposed.
#[test]
fn paxos_made_simple_2_2_phase_2a_proposes_the_highest_numbered_reported_value() {
    let p = paxos5();
    let value = |v| Value {
        value: v,
        origin: Origin::Request(v as u64),
    };
    let durable = PaxosDurable {
        promised: Some(ballot(5, NodeId(5))),
        accepted: Some((ballot(1, S2), value(20))),
    };
    let mut s = p.on_start(S1, &durable, &mut Out::new(false));
    p.on_timer(&mut s, PaxosTimer::Propose, &mut Out::new(false));
    let b = ballot(6, S1);
    assert_eq!(s.ballot, Some(b));
    let from_s4 = Some((ballot(3, NodeId(3)), value(30)));
    let out = {
        let mut out = Out::new(false);
        p.on_msg(&mut s, NodeId(4), promise(b, from_s4), &mut out);
        assert_eq!(
            out.actions(),
            vec![],
            "two promises of five are no majority"
        );
        let mut out = Out::new(false);
        let from_s3 = Some((ballot(2, NodeId(4)), value(40)));
        p.on_msg(&mut s, NodeId(3), promise(b, from_s3), &mut out);
        out
    };
    assert_eq!(accepts(&out.actions()), vec![value(30); 4]);
}

/// "Paxos Made Simple" §2.2: phase 2 needs promises for this ballot from a majority of distinct
/// acceptors. A repeated promise (the network duplicates) and a promise for an older ballot of
/// this proposer count for nothing: with them, S1 still has only itself and S2 of five.
#[test]
fn paxos_made_simple_2_2_only_distinct_promises_for_this_ballot_count() {
    let p = paxos5();
    let mut s = p.on_start(S1, &PaxosDurable::default(), &mut Out::new(false));
    s.max_round = 1;
    p.on_timer(&mut s, PaxosTimer::Propose, &mut Out::new(false));
    let b = ballot(2, S1);
    for (from, msg) in [
        (S2, promise(b, None)),
        (S2, promise(b, None)),
        (NodeId(3), promise(ballot(1, S1), None)),
    ] {
        let mut out = Out::new(false);
        p.on_msg(&mut s, from, msg, &mut out);
        assert_eq!(out.actions(), vec![]);
    }
    assert_eq!(s.promises, vec![S1, S2]);
}

/// "Paxos Made Simple" §2.3: a learner learns a value once a majority of acceptors accepted it
/// in the same ballot, not before; and what it learned stays learned: a later ballot reaching a
/// majority (with the same value, as Paxos guarantees) changes nothing.
#[test]
fn paxos_made_simple_2_3_a_learner_learns_from_a_majority_once() {
    let p = paxos();
    let mut s = p.on_start(NodeId(3), &PaxosDurable::default(), &mut Out::new(false));
    let v = start_value(S1);
    let accepted = |round, node| PaxosMsg::Accepted {
        ballot: ballot(round, node),
        value: v,
    };
    let mut out = Out::new(false);
    p.on_msg(&mut s, S1, accepted(1, S1), &mut out);
    assert_eq!((out.actions(), s.learned), (vec![], None));
    p.on_msg(&mut s, S2, accepted(1, S1), &mut Out::new(false));
    assert_eq!(s.learned, Some((ballot(1, S1), v)));
    for from in [S1, S2] {
        let mut out = Out::new(false);
        p.on_msg(&mut s, from, accepted(2, S2), &mut out);
        assert_eq!(out.actions(), vec![]);
    }
    assert_eq!(s.learned, Some((ballot(1, S1), v)));
}

/// "Paxos Made Simple" §2.4: a Nack makes the proposer abandon the ballot it refuses, and only
/// that one. A second Nack for a ballot already abandoned, or a late Nack for an older ballot
/// while a newer one is under way, must not restart the back-off (the newer ballot may be about
/// to succeed); both still teach the proposer the round to beat.
#[test]
fn paxos_made_simple_2_4_only_a_nack_for_the_current_ballot_abandons_it() {
    let p = paxos();
    let mut s = p.on_start(S1, &PaxosDurable::default(), &mut Out::new(false));
    p.on_timer(&mut s, PaxosTimer::Propose, &mut Out::new(false));
    let nack = |round, promised| PaxosMsg::Nack {
        ballot: ballot(round, S1),
        promised: ballot(promised, S2),
    };
    p.on_msg(&mut s, S2, nack(1, 3), &mut Out::new(false));
    let mut out = Out::new(false);
    p.on_msg(&mut s, NodeId(3), nack(1, 4), &mut out);
    assert_eq!(out.actions(), vec![], "ballot 1.1 was already abandoned");
    p.on_timer(&mut s, PaxosTimer::Propose, &mut Out::new(false));
    assert_eq!(s.ballot, Some(ballot(5, S1)));
    let mut out = Out::new(false);
    p.on_msg(&mut s, S2, nack(1, 3), &mut out);
    assert_eq!(out.actions(), vec![], "a late Nack for ballot 1.1");
    assert_eq!((s.ballot, s.phase), (Some(ballot(5, S1)), Phase::Preparing));
}

/// "Paxos Made Simple" §2.4 and §2.3: proposing is only a means to get a value chosen; a
/// proposer that learns the chosen value stops, here while it waits out a back-off after a
/// Nack, so its retry timer is cancelled (retrying could only disturb the acceptors).
#[test]
fn paxos_made_simple_2_3_a_proposer_that_learns_the_value_stops_retrying() {
    let p = paxos();
    let mut s = p.on_start(S1, &PaxosDurable::default(), &mut Out::new(false));
    p.on_timer(&mut s, PaxosTimer::Propose, &mut Out::new(false));
    let nack = PaxosMsg::Nack {
        ballot: ballot(1, S1),
        promised: ballot(3, S2),
    };
    p.on_msg(&mut s, S2, nack, &mut Out::new(false));
    assert_eq!(s.phase, Phase::Idle);
    let chosen = PaxosMsg::Accepted {
        ballot: ballot(3, S2),
        value: start_value(S2),
    };
    p.on_msg(&mut s, S2, chosen.clone(), &mut Out::new(false));
    let mut out = Out::new(false);
    p.on_msg(&mut s, NodeId(3), chosen, &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::CancelTimer(PaxosTimer::Propose)]
    );
    assert_eq!(s.learned, Some((ballot(3, S2), start_value(S2))));
}
