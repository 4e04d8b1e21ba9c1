//! Multi-Paxos's handlers, one event at a time: each test feeds a node one event and asserts the exact
//! effects it emits, plus short runs of the whole simulation where a rule spans several nodes.

use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::node::*;
use lab_engine::protocols::multi_paxos::*;
use lab_engine::protocols::paxos::Ballot;
use lab_engine::sim::history::Action;
use lab_engine::sim::Simulation;

fn proto() -> MultiPaxos {
    MultiPaxos::from_settings(&Settings::for_protocol(ProtocolKind::MultiPaxos))
}

fn node(p: &MultiPaxos, id: u8, durable: MpDurable) -> MpState {
    p.on_start(NodeId(id), &durable, &mut Out::new(false))
}

fn b(round: u64, node: u8) -> Ballot {
    Ballot {
        round,
        node: NodeId(node),
    }
}

fn w(id: u64, delta: i64) -> Cmd {
    Cmd::Write(Request { id, delta })
}

fn accepts(effects: &[Effect<MultiPaxos>], to: NodeId) -> Vec<(u64, Cmd)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                to: t,
                msg: MpMsg::Accept(m),
            } if *t == to => Some((m.slot, m.cmd)),
            _ => None,
        })
        .collect()
}

#[test]
fn an_acceptor_rejects_an_accept_below_its_promise() {
    let p = proto();
    let d = MpDurable {
        promised: Some(b(3, 2)),
        ..MpDurable::default()
    };
    let mut s = node(&p, 4, d);
    let mut out = Out::new(true);
    let m = Accept {
        ballot: b(2, 1),
        slot: 1,
        cmd: w(1, 5),
        commit: 0,
    };
    p.on_msg(&mut s, NodeId(1), MpMsg::Accept(m), &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Send {
            to: NodeId(1),
            msg: MpMsg::Nack {
                ballot: b(2, 1),
                promised: b(3, 2)
            }
        }]
    );
    assert_eq!(
        out.narration(),
        vec!["S4 rejects Accept 2.1 from S1: it promised ballot 3.2"]
    );
    // The bug accepts it anyway.
    let p = MultiPaxos {
        bug_accept_below_promise: true,
        ..p
    };
    p.on_msg(&mut s, NodeId(1), MpMsg::Accept(m), &mut Out::new(false));
    assert_eq!(s.durable.accepted.get(&1), Some(&(b(2, 1), w(1, 5))));
}

/// S1 campaigns with ballot 2.1; S2 and S3 promise, reporting slots 1 and 3.
fn recovery(p: &MultiPaxos) -> (MpState, Vec<Effect<MultiPaxos>>) {
    let mut s = node(p, 1, MpDurable::default());
    s.max_round = 1;
    p.on_timer(&mut s, MpTimer::Election, &mut Out::new(false));
    assert_eq!(s.role, Role::Candidate);
    assert_eq!(s.ballot, Some(b(2, 1)));
    p.on_msg(
        &mut s,
        NodeId(2),
        MpMsg::Promise {
            ballot: b(2, 1),
            accepted: vec![(1, b(1, 2), w(1, 5)), (3, b(1, 2), w(3, 7))],
        },
        &mut Out::new(false),
    );
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        NodeId(3),
        MpMsg::Promise {
            ballot: b(2, 1),
            accepted: vec![(1, b(1, 3), w(2, 6))],
        },
        &mut out,
    );
    (s, out.actions())
}

#[test]
fn a_new_leader_re_proposes_the_highest_values_and_fills_gaps_with_no_ops() {
    let (s, effects) = recovery(&proto());
    assert_eq!(s.role, Role::Leader);
    assert_eq!(
        accepts(&effects, NodeId(4)),
        vec![(1, w(2, 6)), (2, Cmd::Noop), (3, w(3, 7))]
    );
    assert_eq!(s.next_slot, 4);
    assert_eq!(s.durable.accepted.get(&2), Some(&(b(2, 1), Cmd::Noop)));
}

#[test]
fn the_ignore_promised_value_bug_fills_every_slot_with_no_ops() {
    let p = MultiPaxos {
        bug_ignore_promised_value: true,
        ..proto()
    };
    let (_, effects) = recovery(&p);
    assert_eq!(
        accepts(&effects, NodeId(4)),
        vec![(1, Cmd::Noop), (2, Cmd::Noop), (3, Cmd::Noop)]
    );
}

#[test]
fn a_follower_learns_slots_it_accepted_in_the_leaders_ballot_and_asks_for_the_rest() {
    let p = proto();
    let mut d = MpDurable {
        promised: Some(b(2, 1)),
        ..MpDurable::default()
    };
    d.accepted.insert(1, (b(2, 1), w(1, 5)));
    d.accepted.insert(2, (b(1, 3), w(2, 9)));
    let mut s = node(&p, 2, d);
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        NodeId(1),
        MpMsg::Heartbeat {
            ballot: b(2, 1),
            commit: 2,
        },
        &mut out,
    );
    assert_eq!((s.applied, s.value), (1, 5));
    assert_eq!(s.leader, Some(NodeId(1)));
    // Slot 2 holds a value of another ballot: it may not be the chosen one.
    assert_eq!(
        out.actions().last(),
        Some(&Effect::Send {
            to: NodeId(1),
            msg: MpMsg::Catchup { have: 1 }
        })
    );
    let mut out = Out::new(false);
    p.on_msg(
        &mut s,
        NodeId(1),
        MpMsg::Decide {
            entries: vec![(2, w(4, 1))],
            commit: 2,
        },
        &mut out,
    );
    assert_eq!((s.applied, s.value), (2, 6));
}

#[test]
fn a_follower_redirects_clients_to_the_leader() {
    let p = proto();
    let mut s = node(&p, 3, MpDurable::default());
    s.leader = Some(NodeId(2));
    let mut out = Out::new(false);
    p.on_request(&mut s, Request { id: 1, delta: 1 }, &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Reply {
            request: 1,
            reply: Reply::Redirect(Some(NodeId(2)))
        }]
    );
}

#[test]
fn a_leader_crash_elects_another_that_keeps_every_chosen_slot() {
    let mut sim: Simulation<MultiPaxos> =
        Simulation::new(Settings::for_protocol(ProtocolKind::MultiPaxos));
    assert!(sim.run_until(2 * SECOND).is_empty());
    let leader = NodeId::all(5)
        .find(|&id| sim.progress(id).leader)
        .expect("a leader after 2s");
    let before = sim.node(leader).unwrap().applied;
    assert!(before > 5, "requests are being chosen");
    sim.apply(Action::Crash { node: leader }).unwrap();
    assert!(sim.run_until(4 * SECOND).is_empty());
    let next = NodeId::all(5)
        .find(|&id| sim.progress(id).leader)
        .expect("a new leader");
    assert_ne!(next, leader);
    assert!(sim.node(next).unwrap().applied > before);
    sim.apply(Action::Restart { node: leader }).unwrap();
    assert!(sim.run_until(6 * SECOND).is_empty());
    // Everyone caught up applies the same counter.
    let values: Vec<(u64, i64)> = NodeId::all(5)
        .map(|id| {
            let s = sim.node(id).unwrap();
            (s.applied, s.value)
        })
        .collect();
    let min = values.iter().map(|v| v.0).min().unwrap();
    assert!(
        min + 2 >= values.iter().map(|v| v.0).max().unwrap(),
        "{values:?}"
    );
}

#[test]
fn the_summary_and_inspector_show_slots() {
    let mut sim: Simulation<MultiPaxos> =
        Simulation::new(Settings::for_protocol(ProtocolKind::MultiPaxos));
    sim.run_until(SECOND);
    let p = sim.protocol().clone();
    let leader = NodeId::all(5).find(|&id| sim.progress(id).leader).unwrap();
    let s = sim.node(leader).unwrap();
    let sum = p.summary(s);
    assert_eq!(sum.role, "leader");
    assert!(sum.term_label.starts_with("ballot "));
    assert!(sum.committed >= 5 && !sum.log.is_empty());
    assert_eq!(sum.value, Some(s.value));
    let sections = p.inspect(s);
    assert!(matches!(&sections[1], Section::Table { title, .. } if title == "Open slots"));
    let Section::Table { rows, .. } = &sections[2] else {
        panic!("slots")
    };
    assert_eq!(rows[0][0], sum.log_len.to_string());
}

#[test]
fn the_forget_promise_bug_restarts_an_acceptor_with_nothing_promised_or_accepted() {
    let mut stored = MpDurable {
        promised: Some(b(3, 2)),
        ..MpDurable::default()
    };
    stored.accepted.insert(1, (b(2, 1), w(1, 5)));
    stored.accepted.insert(2, (b(3, 2), w(2, 6)));
    stored.chosen.insert(1, w(1, 5));
    assert_eq!(node(&proto(), 3, stored.clone()).durable, stored);
    let buggy = MultiPaxos {
        bug_forget_promise_on_restart: true,
        ..proto()
    };
    let s = node(&buggy, 3, stored);
    assert_eq!(s.durable.promised, None);
    assert!(s.durable.accepted.is_empty());
    // What it learned stays, and its proposer still knows the rounds it saw.
    assert_eq!(s.durable.chosen.get(&1), Some(&w(1, 5)));
    assert_eq!((s.applied, s.value, s.max_round), (1, 5, 3));
}
