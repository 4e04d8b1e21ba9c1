//! Paxos's handlers, one event at a time: each test feeds a node one event and asserts the exact
//! effects it emits, plus short runs of the whole simulation where a rule spans several nodes.

use lab_engine::any::AnySim;
use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::node::*;
use lab_engine::protocols::paxos::*;
use lab_engine::sim::history::Action;
use lab_engine::sim::Simulation;

fn proto() -> Paxos {
    Paxos::from_settings(&Settings::for_protocol(ProtocolKind::Paxos))
}

fn node(p: &Paxos, id: u8, durable: PaxosDurable) -> PaxosState {
    p.on_start(NodeId(id), &durable, &mut Out::new(true))
}

fn b(round: u64, node: u8) -> Ballot {
    Ballot {
        round,
        node: NodeId(node),
    }
}

fn req(id: u64, value: i64) -> Value {
    Value {
        value,
        origin: Origin::Request(id),
    }
}

#[test]
fn an_acceptor_rejects_a_prepare_below_its_promise() {
    let p = proto();
    let promised = PaxosDurable {
        promised: Some(b(3, 2)),
        accepted: None,
    };
    let mut s = node(&p, 3, promised);
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        NodeId(1),
        PaxosMsg::Prepare { ballot: b(2, 1) },
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![Effect::Send {
            to: NodeId(1),
            msg: PaxosMsg::Nack {
                ballot: b(2, 1),
                promised: b(3, 2)
            }
        }]
    );
    assert_eq!(
        out.narration(),
        vec!["S3 rejects Prepare 2.1 from S1: it promised ballot 3.2"]
    );
}

#[test]
fn an_acceptor_promises_durably_and_reports_what_it_accepted() {
    let p = proto();
    let d = PaxosDurable {
        promised: Some(b(1, 1)),
        accepted: Some((b(1, 1), req(7, 4))),
    };
    let mut s = node(&p, 4, d);
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        NodeId(2),
        PaxosMsg::Prepare { ballot: b(2, 2) },
        &mut out,
    );
    let after = PaxosDurable {
        promised: Some(b(2, 2)),
        accepted: Some((b(1, 1), req(7, 4))),
    };
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(after.clone()),
            Effect::Send {
                to: NodeId(2),
                msg: PaxosMsg::Promise {
                    ballot: b(2, 2),
                    accepted: Some((b(1, 1), req(7, 4)))
                }
            }
        ]
    );
    assert_eq!(s.durable, after);
    // Accept of a lower ballot is now refused.
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        NodeId(1),
        PaxosMsg::Accept {
            ballot: b(1, 1),
            value: req(8, 9),
        },
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![Effect::Send {
            to: NodeId(1),
            msg: PaxosMsg::Nack {
                ballot: b(1, 1),
                promised: b(2, 2)
            }
        }]
    );
}

/// S1 runs ballot `round`.1 with its own value 10 and gets promises from S2 (which
/// accepted 20 in ballot 1.2) and S3 (nothing): what does it send in phase 2?
fn phase2_after_promises(p: &Paxos) -> Vec<Effect<Paxos>> {
    let mut s = node(p, 1, PaxosDurable::default());
    s.max_round = 1;
    let mut out = Out::new(false);
    p.on_timer(&mut s, PaxosTimer::Propose, &mut out);
    assert_eq!(s.ballot, Some(b(2, 1)));
    assert_eq!(s.phase, Phase::Preparing);
    let twenty = start_value(NodeId(2));
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        NodeId(2),
        PaxosMsg::Promise {
            ballot: b(2, 1),
            accepted: Some((b(1, 2), twenty)),
        },
        &mut out,
    );
    assert!(
        out.actions().is_empty(),
        "two of five promises are not enough"
    );
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        NodeId(3),
        PaxosMsg::Promise {
            ballot: b(2, 1),
            accepted: None,
        },
        &mut out,
    );
    assert_eq!(s.phase, Phase::Accepting);
    out.actions()
}

#[test]
fn a_proposer_adopts_the_highest_accepted_value_from_the_promises() {
    let effects = phase2_after_promises(&proto());
    let twenty = start_value(NodeId(2));
    let accept = PaxosMsg::Accept {
        ballot: b(2, 1),
        value: twenty,
    };
    let sends: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { to, msg } if matches!(msg, PaxosMsg::Accept { .. }) => {
                Some((*to, msg.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        sends,
        (2..=5)
            .map(|i| (NodeId(i), accept.clone()))
            .collect::<Vec<_>>()
    );
    // Its own acceptor accepts at once, durably, and announces it.
    assert!(effects.contains(&Effect::Persist(PaxosDurable {
        promised: Some(b(2, 1)),
        accepted: Some((b(2, 1), twenty)),
    })));
}

#[test]
fn the_ignore_promised_value_bug_proposes_its_own_value() {
    let p = Paxos {
        bug_ignore_promised_value: true,
        ..proto()
    };
    let effects = phase2_after_promises(&p);
    assert!(effects.contains(&Effect::Send {
        to: NodeId(2),
        msg: PaxosMsg::Accept {
            ballot: b(2, 1),
            value: start_value(NodeId(1)),
        }
    }));
}

#[test]
fn the_accept_below_promise_bug_accepts_a_stale_ballot() {
    let p = Paxos {
        bug_accept_below_promise: true,
        ..proto()
    };
    let d = PaxosDurable {
        promised: Some(b(3, 2)),
        accepted: None,
    };
    let mut s = node(&p, 3, d);
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        NodeId(1),
        PaxosMsg::Accept {
            ballot: b(2, 1),
            value: req(1, 5),
        },
        &mut out,
    );
    assert_eq!(s.durable.accepted, Some((b(2, 1), req(1, 5))));
    assert_eq!(s.durable.promised, Some(b(3, 2)));
}

#[test]
fn a_learner_learns_from_a_majority_of_the_same_ballot_and_answers_clients() {
    let p = proto();
    let mut s = node(&p, 5, PaxosDurable::default());
    s.waiting.push(9);
    let v = req(9, 6);
    for (i, from) in [1u8, 2].into_iter().enumerate() {
        let mut out = Out::new(false);
        let ballot = b(1 + i as u64, from);
        p.on_msg(
            &mut s,
            NodeId(from),
            PaxosMsg::Accepted { ballot, value: v },
            &mut out,
        );
        assert!(out.actions().is_empty());
    }
    // Two acceptances of 1.1 and one of 2.2: still no majority of one ballot.
    for from in [3u8, 4] {
        let mut out = Out::new(false);
        p.on_msg(
            &mut s,
            NodeId(from),
            PaxosMsg::Accepted {
                ballot: b(1, 1),
                value: v,
            },
            &mut out,
        );
        if from == 4 {
            assert_eq!(
                out.actions(),
                vec![Effect::Reply {
                    request: 9,
                    reply: Reply::Committed { index: 1, value: 6 }
                }]
            );
        }
    }
    assert_eq!(s.learned, Some((b(1, 1), v)));
    assert_eq!(p.summary(&s).committed, 1);
}

#[test]
fn dueling_proposers_are_visible_and_exactly_one_value_is_chosen() {
    let mut duels = 0;
    for seed in 1..=20 {
        let settings = Settings {
            seed,
            ..Settings::for_protocol(ProtocolKind::Paxos)
        };
        let mut sim: Simulation<Paxos> = Simulation::new(settings);
        let mut nacked = false;
        while sim.now() < 2 * SECOND {
            let Some(r) = sim.step() else { break };
            assert!(r.violations.is_empty(), "seed {seed}: {:?}", r.violations);
            nacked |= r.lines.iter().any(|l| l.contains("gives up ballot"));
        }
        duels += usize::from(nacked);
        let learned: Vec<i64> = NodeId::all(5)
            .map(|id| {
                sim.node(id)
                    .unwrap()
                    .learned
                    .expect("every node learns")
                    .1
                    .value
            })
            .collect();
        assert!(learned.iter().all(|&v| v == learned[0]), "seed {seed}");
        assert!([10, 20].contains(&learned[0]));
    }
    // The demo exists to show duels: most seeds have one.
    assert!(duels >= 10, "only {duels} of 20 seeds had a duel");
}

#[test]
fn a_late_client_learns_the_chosen_value_not_its_own() {
    let mut sim = AnySim::new(Settings::for_protocol(ProtocolKind::Paxos)).unwrap();
    sim.run_until(2 * SECOND);
    let chosen = sim.progress(NodeId(1));
    assert_eq!(chosen.committed, 1);
    let r = sim
        .apply(Action::Request {
            node: NodeId(4),
            delta: 99,
        })
        .unwrap();
    let Reply::Committed { index: 1, value } = r.replies[0].2 else {
        panic!("{:?}", r.replies)
    };
    assert!([10, 20].contains(&value));
}

#[test]
fn the_inspector_shows_promise_and_acceptance_live_and_on_disk() {
    let mut sim = AnySim::new(Settings::for_protocol(ProtocolKind::Paxos)).unwrap();
    sim.run_until(SECOND);
    let Section::Fields { fields, .. } = &sim.inspect_node(NodeId(3))[0] else {
        panic!("fields first")
    };
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert!(get("promised").contains('.'));
    assert!(get("accepted").contains("in ballot"));
    assert!(get("learned").contains("in ballot"));
    sim.apply(Action::Crash { node: NodeId(3) }).unwrap();
    let Section::Fields { title, fields } = &sim.inspect_node(NodeId(3))[1] else {
        panic!("stable storage after the crash notice")
    };
    assert_eq!(title, "Stable storage");
    assert_eq!(fields[0].0, "promised");
    assert_eq!(fields[1].0, "accepted");
}

#[test]
fn the_forget_promise_bug_restarts_an_acceptor_with_nothing_promised_or_accepted() {
    let stored = PaxosDurable {
        promised: Some(b(3, 2)),
        accepted: Some((b(2, 1), start_value(NodeId(1)))),
    };
    assert_eq!(node(&proto(), 3, stored.clone()).durable, stored);
    let buggy = Paxos {
        bug_forget_promise_on_restart: true,
        ..proto()
    };
    let s = node(&buggy, 3, stored);
    assert_eq!(s.durable, PaxosDurable::default());
    // Its proposer still knows the rounds it saw: no ballot is reused.
    assert_eq!(s.max_round, 3);
}
