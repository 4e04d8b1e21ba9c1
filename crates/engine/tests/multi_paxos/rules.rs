//! Multi-Paxos rules ("Paxos Made Simple" §2.2, §2.5 and §3), one test per rule: feed a node one
//! event, assert what the rule demands of its effects and state.

use imbl::OrdMap;
use lab_engine::catalog::Model;
use lab_engine::node::{Effect, NodeId, Out, Protocol, Reply, Request};
use lab_engine::protocols::multi_paxos::{
    Accept, Cmd, MpDurable, MpMsg, MpTimer, MultiPaxos, Role,
};
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
    let cmd = Cmd::Write(Request::counter(1, 5));
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

fn election_timer(p: &MultiPaxos) -> Effect<MultiPaxos> {
    let (min, max) = p.election_timeout;
    Effect::SetTimer {
        timer: MpTimer::Election,
        min,
        max,
    }
}

/// "Paxos Made Simple" §2.2, P1a: "An acceptor can accept a proposal numbered n iff it has not
/// responded to a prepare request having a number greater than n"; and it promises a prepare
/// only if it promised no higher number. S2 promised ballot 3.3: it refuses Prepare 2.1, answers
/// 3.3 again (a repeated Prepare) and promises 4.1, which it records before answering.
#[test]
fn paxos_made_simple_2_2_an_acceptor_promises_no_prepare_below_its_promise() {
    let p = multi_paxos();
    let cmd = Cmd::Write(Request::counter(1, 5));
    let promised = Ballot {
        round: 3,
        node: NodeId(3),
    };
    let d = MpDurable {
        promised: Some(promised),
        accepted: OrdMap::unit(1, (promised, cmd)),
        chosen: OrdMap::new(),
    };
    let mut s = p.on_start(NodeId(2), &d, &mut Out::new(false));
    let prepare = |round, node| MpMsg::Prepare {
        ballot: Ballot { round, node },
        from: 1,
    };
    let promise = |ballot: Ballot| Effect::Send {
        to: ballot.node,
        msg: MpMsg::Promise {
            ballot,
            accepted: vec![(1, promised, cmd)],
        },
    };
    let lower = Ballot { round: 2, node: S1 };
    let mut out = Out::new(false);
    p.on_msg(&mut s, S1, prepare(2, S1), &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Send {
            to: S1,
            msg: MpMsg::Nack {
                ballot: lower,
                promised
            }
        }]
    );
    let mut out = Out::new(false);
    p.on_msg(&mut s, NodeId(3), prepare(3, NodeId(3)), &mut out);
    assert_eq!(out.actions(), vec![election_timer(&p), promise(promised)]);
    let higher = Ballot { round: 4, node: S1 };
    let mut out = Out::new(false);
    p.on_msg(&mut s, S1, prepare(4, S1), &mut out);
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(s.durable.clone()),
            election_timer(&p),
            promise(higher)
        ]
    );
    assert_eq!(s.durable.promised, Some(higher));
}

/// "Paxos Made Simple" §2.2, P1a, for Accept: S2 promised ballot 3.1 to S1, so it accepts S1's
/// Accept in 3.1 (and tells S1), and an Accept in a higher ballot raises its promise.
#[test]
fn paxos_made_simple_2_2_an_acceptor_accepts_in_the_ballot_it_promised_or_a_higher_one() {
    let p = multi_paxos();
    let cmd = Cmd::Write(Request::counter(1, 5));
    let d = MpDurable {
        promised: Some(Ballot { round: 3, node: S1 }),
        ..MpDurable::default()
    };
    let mut s = p.on_start(NodeId(2), &d, &mut Out::new(false));
    for (ballot, slot) in [
        (Ballot { round: 3, node: S1 }, 1),
        (Ballot { round: 4, node: S1 }, 2),
    ] {
        let mut out = Out::new(false);
        let accept = MpMsg::Accept(Accept {
            ballot,
            slot,
            cmd,
            commit: 0,
        });
        p.on_msg(&mut s, S1, accept, &mut out);
        assert_eq!(
            out.actions(),
            vec![
                election_timer(&p),
                Effect::Persist(s.durable.clone()),
                Effect::Send {
                    to: S1,
                    msg: MpMsg::Accepted { ballot, slot }
                },
            ]
        );
        assert_eq!(s.durable.accepted.get(&slot), Some(&(ballot, cmd)));
        assert_eq!(s.durable.promised, Some(ballot));
    }
}

/// "Paxos Made Simple" §2.2: a leader needs promises "from a majority of acceptors", and a
/// value "is chosen when a large enough set of acceptors", a majority, "have accepted it". Each
/// acceptor counts once, and only for the leader's current ballot. Five nodes, so three.
#[test]
fn paxos_made_simple_2_2_phases_1_and_2_need_a_majority_of_distinct_acceptors_in_the_ballot() {
    let p = MultiPaxos {
        nodes: 5,
        ..multi_paxos()
    };
    let (s2, s3, s4) = (NodeId(2), NodeId(3), NodeId(4));
    let mut s = p.on_start(S1, &MpDurable::default(), &mut Out::new(false));
    p.on_timer(&mut s, MpTimer::Election, &mut Out::new(false));
    p.on_timer(&mut s, MpTimer::Election, &mut Out::new(false));
    let ballot = Ballot { round: 2, node: S1 };
    let stale = Ballot { round: 1, node: S1 };
    assert_eq!(s.ballot, Some(ballot));
    let promise = |ballot| MpMsg::Promise {
        ballot,
        accepted: vec![],
    };
    // Phase 1: S2 twice and S3 for the given-up ballot make no majority.
    p.on_msg(&mut s, s2, promise(ballot), &mut Out::new(false));
    p.on_msg(&mut s, s2, promise(ballot), &mut Out::new(false));
    p.on_msg(&mut s, s3, promise(stale), &mut Out::new(false));
    assert_eq!(s.role, Role::Candidate);
    p.on_msg(&mut s, s3, promise(ballot), &mut Out::new(false));
    assert_eq!(s.role, Role::Leader);
    // A late promise does not make it lead a second time.
    let mut out = Out::new(false);
    p.on_msg(&mut s, s4, promise(ballot), &mut out);
    assert_eq!(out.effects.len(), 0);
    // Phase 2, likewise.
    p.on_request(&mut s, Request::counter(1, 5), &mut Out::new(false));
    let accepted = |ballot| MpMsg::Accepted { ballot, slot: 1 };
    for (from, ballot) in [(s2, ballot), (s2, ballot), (s3, stale), (s4, stale)] {
        let mut out = Out::new(false);
        p.on_msg(&mut s, from, accepted(ballot), &mut out);
        assert_eq!(out.effects.len(), 0, "{from} in {ballot}");
    }
    assert!(s.durable.chosen.is_empty());
    let mut out = Out::new(false);
    p.on_msg(&mut s, s3, accepted(ballot), &mut out);
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(s.durable.clone()),
            Effect::Reply {
                request: 1,
                reply: Reply::Committed { index: 1, value: 5 }
            },
        ]
    );
    assert_eq!(
        s.durable.chosen.get(&1),
        Some(&Cmd::Write(Request::counter(1, 5)))
    );
}
