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

fn proto_of(nodes: usize) -> MultiPaxos {
    MultiPaxos { nodes, ..proto() }
}

fn election_timer(p: &MultiPaxos) -> Effect<MultiPaxos> {
    let (min, max) = p.election_timeout;
    Effect::SetTimer {
        timer: MpTimer::Election,
        min,
        max,
    }
}

fn heartbeat_timer(p: &MultiPaxos) -> Effect<MultiPaxos> {
    Effect::SetTimer {
        timer: MpTimer::Heartbeat,
        min: p.heartbeat,
        max: p.heartbeat,
    }
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
    Cmd::Write(Request::counter(id, delta))
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

/// S1 campaigns with ballot 2.1; S2 and S3 promise, reporting slots 1 and 3. Returns the leader
/// and what the last promise made it do, narrated.
fn recovery(p: &MultiPaxos) -> (MpState, Out<MultiPaxos>) {
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
    let mut out = Out::new(true);
    p.on_msg(
        &mut s,
        NodeId(3),
        MpMsg::Promise {
            ballot: b(2, 1),
            accepted: vec![(1, b(1, 3), w(2, 6))],
        },
        &mut out,
    );
    (s, out)
}

#[test]
fn a_new_leader_re_proposes_the_highest_values_and_fills_gaps_with_no_ops() {
    let (s, out) = recovery(&proto());
    assert_eq!(s.role, Role::Leader);
    assert_eq!(
        accepts(&out.effects, NodeId(4)),
        vec![(1, w(2, 6)), (2, Cmd::Noop), (3, w(3, 7))]
    );
    assert_eq!(s.next_slot, 4);
    assert_eq!(s.durable.accepted.get(&2), Some(&(b(2, 1), Cmd::Noop)));
    assert_eq!(
        out.narration(),
        vec![
            "S1 leads with ballot 2.1 (promises from S1, S2, S3); it re-proposes slots 1..3: 2 \
             recovered values, 1 gaps filled with no-ops"
        ]
    );
}

#[test]
fn the_ignore_promised_value_bug_fills_every_slot_with_no_ops() {
    let p = MultiPaxos {
        bug_ignore_promised_value: true,
        ..proto()
    };
    let (_, out) = recovery(&p);
    assert_eq!(
        accepts(&out.effects, NodeId(4)),
        vec![(1, Cmd::Noop), (2, Cmd::Noop), (3, Cmd::Noop)]
    );
    assert_eq!(
        out.narration(),
        vec![
            "S1 ignores the values its promises reported and fills slots 1..3 with no-ops (bug: \
             paxos-ignore-promised-value)",
            "S1 leads with ballot 2.1 (promises from S1, S2, S3); it re-proposes slots 1..3: 0 \
             recovered values, 3 gaps filled with no-ops"
        ]
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
    p.on_request(&mut s, Request::counter(1, 1), &mut out);
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

#[test]
fn the_forget_promise_bug_forgets_a_bare_promise_and_says_nothing_when_nothing_is_stored() {
    let buggy = MultiPaxos {
        bug_forget_promise_on_restart: true,
        ..proto()
    };
    let promised = MpDurable {
        promised: Some(b(3, 2)),
        ..MpDurable::default()
    };
    let mut out = Out::new(true);
    let s = buggy.on_start(NodeId(3), &promised, &mut out);
    assert_eq!(s.durable.promised, None);
    assert_eq!(
        out.narration(),
        vec![
            "S3 forgets that it promised 3.2 and accepted 0 slots (bug: \
             paxos-forget-promise-on-restart)",
            "S3 starts as a follower (promised none, 0 slots chosen and applied, counter = 0)"
        ]
    );
    let mut out = Out::new(true);
    buggy.on_start(NodeId(3), &MpDurable::default(), &mut out);
    assert_eq!(
        out.narration(),
        vec!["S3 starts as a follower (promised none, 0 slots chosen and applied, counter = 0)"]
    );
}

#[test]
fn a_node_shows_the_round_of_its_highest_ballot_as_its_term() {
    let p = proto();
    let fresh = node(&p, 2, MpDurable::default());
    assert_eq!((fresh.term(), p.progress(&fresh).term), (0, 0));
    assert_eq!(p.summary(&fresh).term_label, "ballot none");
    let promised = MpDurable {
        promised: Some(b(3, 4)),
        ..MpDurable::default()
    };
    let s = node(&p, 2, promised);
    assert_eq!((s.term(), p.progress(&s).term), (3, 3));
    assert_eq!(p.summary(&s).term_label, "ballot 3.4");
}

#[test]
fn a_node_that_times_out_runs_phase_1_for_the_slots_it_has_not_seen_chosen() {
    let p = proto_of(3);
    let mut d = MpDurable {
        promised: Some(b(1, 1)),
        ..MpDurable::default()
    };
    d.accepted.insert(1, (b(1, 1), w(1, 5)));
    d.accepted.insert(2, (b(1, 1), w(2, 3)));
    d.chosen.insert(1, w(1, 5));
    let mut s = node(&p, 2, d);
    let mut out = Out::new(true);
    p.on_timer(&mut s, MpTimer::Election, &mut out);
    let prepare = MpMsg::Prepare {
        ballot: b(2, 2),
        from: 2,
    };
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(s.durable.clone()),
            Effect::Send {
                to: NodeId(1),
                msg: prepare.clone()
            },
            Effect::Send {
                to: NodeId(3),
                msg: prepare
            },
            election_timer(&p),
        ]
    );
    assert_eq!(s.durable.promised, Some(b(2, 2)));
    // Its own acceptor's report: what it accepted from slot 2 on.
    assert_eq!(s.recovered.get(&2), Some(&(b(1, 1), w(2, 3))));
    assert_eq!(s.recovered.get(&1), None);
    assert_eq!(
        out.narration(),
        vec![
            "S2 heard from no leader before its election timeout",
            "S2 starts phase 1 with ballot 2.2 for every slot from 2 on"
        ]
    );
}

/// S1 in a cluster of three campaigns with ballot 2.1 and S2 promises, reporting `accepted`.
fn elected_by_s2(p: &MultiPaxos, accepted: Vec<(u64, Ballot, Cmd)>) -> (MpState, Out<MultiPaxos>) {
    let mut s = node(p, 1, MpDurable::default());
    s.max_round = 1;
    p.on_timer(&mut s, MpTimer::Election, &mut Out::new(false));
    let mut out = Out::new(true);
    let promise = MpMsg::Promise {
        ballot: b(2, 1),
        accepted,
    };
    p.on_msg(&mut s, NodeId(2), promise, &mut out);
    assert_eq!(s.role, Role::Leader);
    (s, out)
}

#[test]
fn a_new_leader_says_how_many_slots_it_re_proposes() {
    let p = proto_of(3);
    let (_, out) = elected_by_s2(&p, vec![]);
    assert_eq!(
        out.narration(),
        vec!["S1 leads with ballot 2.1 (promises from S1, S2); no slot was left unfinished"]
    );
    let (_, out) = elected_by_s2(&p, vec![(1, b(1, 2), w(1, 5))]);
    assert_eq!(
        out.narration(),
        vec![
            "S1 leads with ballot 2.1 (promises from S1, S2); it re-proposes slot 1: 1 recovered \
             values, 0 gaps filled with no-ops"
        ]
    );
    // The bug has nothing to ignore when no value was reported.
    let buggy = MultiPaxos {
        bug_ignore_promised_value: true,
        ..p
    };
    let (_, out) = elected_by_s2(&buggy, vec![]);
    assert_eq!(
        out.narration(),
        vec!["S1 leads with ballot 2.1 (promises from S1, S2); no slot was left unfinished"]
    );
}

#[test]
fn a_leader_heartbeats_and_resends_open_slots_to_the_acceptors_not_heard_from() {
    let p = proto_of(3);
    let (mut s, _) = elected_by_s2(&p, vec![]);
    p.on_request(&mut s, Request::counter(1, 5), &mut Out::new(false));
    let mut out = Out::new(false);
    p.on_timer(&mut s, MpTimer::Heartbeat, &mut out);
    let heartbeat = MpMsg::Heartbeat {
        ballot: b(2, 1),
        commit: 0,
    };
    let accept = MpMsg::Accept(Accept {
        ballot: b(2, 1),
        slot: 1,
        cmd: w(1, 5),
        commit: 0,
    });
    assert_eq!(
        out.actions(),
        vec![
            Effect::Send {
                to: NodeId(2),
                msg: heartbeat.clone()
            },
            Effect::Send {
                to: NodeId(3),
                msg: heartbeat
            },
            Effect::Send {
                to: NodeId(2),
                msg: accept.clone()
            },
            Effect::Send {
                to: NodeId(3),
                msg: accept
            },
            heartbeat_timer(&p),
        ]
    );
    // A leader's election timer is stale, and only a leader heartbeats.
    let mut out = Out::new(false);
    p.on_timer(&mut s, MpTimer::Election, &mut out);
    assert_eq!((out.actions(), s.role), (vec![], Role::Leader));
    let mut follower = node(&p, 2, MpDurable::default());
    let mut out = Out::new(false);
    p.on_timer(&mut follower, MpTimer::Heartbeat, &mut out);
    assert_eq!(out.actions(), vec![]);
}

#[test]
fn a_leader_proposes_each_request_in_the_next_free_slot() {
    let p = proto();
    let (mut s, _) = recovery(&p);
    let mut out = Out::new(true);
    p.on_request(&mut s, Request::counter(9, 2), &mut out);
    let accept = MpMsg::Accept(Accept {
        ballot: b(2, 1),
        slot: 4,
        cmd: w(9, 2),
        commit: 0,
    });
    let mut expected = vec![Effect::Persist(s.durable.clone())];
    expected.extend((2..=5).map(|to| Effect::Send {
        to: NodeId(to),
        msg: accept.clone(),
    }));
    assert_eq!(out.actions(), expected);
    assert_eq!(
        out.narration(),
        vec!["S1 proposes counter += 2 in slot 4 (phase 2 only: phase 1 is done)"]
    );
    assert_eq!(s.waiting.get(&4), Some(&9));
    p.on_request(&mut s, Request::counter(10, 1), &mut Out::new(false));
    assert_eq!((s.next_slot, s.waiting.get(&5)), (6, Some(&10)));
}

#[test]
fn a_single_node_leads_and_chooses_alone() {
    let p = proto_of(1);
    let mut s = node(&p, 1, MpDurable::default());
    let mut out = Out::new(false);
    p.on_timer(&mut s, MpTimer::Election, &mut out);
    let promised = MpDurable {
        promised: Some(b(1, 1)),
        ..MpDurable::default()
    };
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(promised.clone()),
            election_timer(&p),
            Effect::CancelTimer(MpTimer::Election),
            heartbeat_timer(&p),
        ]
    );
    assert_eq!(s.role, Role::Leader);
    let mut out = Out::new(false);
    p.on_request(&mut s, Request::counter(7, 4), &mut out);
    let mut accepted = promised;
    accepted.accepted.insert(1, (b(1, 1), w(7, 4)));
    let mut chosen = accepted.clone();
    chosen.chosen.insert(1, w(7, 4));
    assert_eq!(
        out.actions(),
        vec![
            Effect::Persist(accepted),
            Effect::Persist(chosen),
            Effect::Reply {
                request: 7,
                reply: Reply::Committed { index: 1, value: 4 }
            },
        ]
    );
}

#[test]
fn a_leader_that_sees_a_higher_prepare_stops_leading_and_promises() {
    let p = proto();
    let (mut s, _) = recovery(&p);
    let mut out = Out::new(true);
    let prepare = MpMsg::Prepare {
        ballot: b(3, 2),
        from: 1,
    };
    p.on_msg(&mut s, NodeId(2), prepare, &mut out);
    assert_eq!(
        out.actions(),
        vec![
            Effect::CancelTimer(MpTimer::Heartbeat),
            election_timer(&p),
            Effect::Persist(s.durable.clone()),
            election_timer(&p),
            Effect::Send {
                to: NodeId(2),
                msg: MpMsg::Promise {
                    ballot: b(3, 2),
                    accepted: vec![
                        (1, b(2, 1), w(2, 6)),
                        (2, b(2, 1), Cmd::Noop),
                        (3, b(2, 1), w(3, 7))
                    ]
                }
            },
        ]
    );
    assert_eq!(
        out.narration(),
        vec![
            "S1 stops leading: S2 runs phase 1 with higher ballot 3.2",
            "S1 promises ballot 3.2 to S2, reporting 3 accepted slots from 1 on"
        ]
    );
    assert_eq!((s.role, s.leader), (Role::Follower, None));
    assert!(s.votes.is_empty() && s.waiting.is_empty());
    assert_eq!(s.durable.promised, Some(b(3, 2)));
}

#[test]
fn a_follower_follows_the_leader_of_a_heartbeat_and_rejects_an_older_one() {
    let p = proto();
    let d = MpDurable {
        promised: Some(b(2, 1)),
        ..MpDurable::default()
    };
    let mut s = node(&p, 2, d);
    let heartbeat = |round, node| MpMsg::Heartbeat {
        ballot: b(round, node),
        commit: 0,
    };
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(1), heartbeat(2, 1), &mut out);
    assert_eq!(out.actions(), vec![election_timer(&p)]);
    assert_eq!(out.narration(), vec!["S2 follows S1, leader of ballot 2.1"]);
    assert_eq!(s.leader, Some(NodeId(1)));
    // Its leader again: nothing new to say.
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(1), heartbeat(2, 1), &mut out);
    assert_eq!(out.actions(), vec![election_timer(&p)]);
    assert_eq!(out.narration(), Vec::<&str>::new());
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(3), heartbeat(1, 3), &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Send {
            to: NodeId(3),
            msg: MpMsg::Nack {
                ballot: b(1, 3),
                promised: b(2, 1)
            }
        }]
    );
    assert_eq!(
        out.narration(),
        vec!["S2 rejects the heartbeat of 1.3 from S3: it promised ballot 2.1"]
    );
    assert_eq!(s.leader, Some(NodeId(1)));
    // A leader of a higher ballot took over.
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(3), heartbeat(3, 3), &mut out);
    assert_eq!(out.actions(), vec![election_timer(&p)]);
    assert_eq!(out.narration(), vec!["S2 follows S3, leader of ballot 3.3"]);
    assert_eq!(s.leader, Some(NodeId(3)));
}

#[test]
fn a_candidate_that_hears_a_newer_leader_stops_campaigning_and_follows_it() {
    let p = proto();
    let mut s = node(&p, 1, MpDurable::default());
    p.on_timer(&mut s, MpTimer::Election, &mut Out::new(false));
    assert_eq!(s.role, Role::Candidate);
    let mut out = Out::new(true);
    let heartbeat = MpMsg::Heartbeat {
        ballot: b(3, 2),
        commit: 0,
    };
    p.on_msg(&mut s, NodeId(2), heartbeat, &mut out);
    // A candidate has no heartbeat timer to cancel.
    assert_eq!(out.actions(), vec![election_timer(&p), election_timer(&p)]);
    assert_eq!(
        out.narration(),
        vec![
            "S1 follows S2, leader of ballot 3.2",
            "S1 stops leading: S2 leads ballot 3.2"
        ]
    );
    assert_eq!((s.role, s.leader), (Role::Follower, Some(NodeId(2))));
    assert!(s.promises.is_empty());
}

#[test]
fn a_candidate_nacked_in_its_ballot_gives_it_up_and_outbids_the_promise_next_time() {
    let p = proto();
    let mut s = node(&p, 1, MpDurable::default());
    p.on_timer(&mut s, MpTimer::Election, &mut Out::new(false));
    p.on_timer(&mut s, MpTimer::Election, &mut Out::new(false));
    assert_eq!(s.ballot, Some(b(2, 1)));
    let nack = |ballot, promised| MpMsg::Nack { ballot, promised };
    // A Nack for a ballot it already gave up changes nothing.
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(3), nack(b(1, 1), b(2, 3)), &mut out);
    assert_eq!((out.effects.len(), s.role), (0, Role::Candidate));
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(3), nack(b(2, 1), b(5, 3)), &mut out);
    assert_eq!(out.actions(), vec![election_timer(&p)]);
    assert_eq!(
        out.narration(),
        vec!["S1 stops leading: S3 promised higher ballot 5.3"]
    );
    assert_eq!(s.role, Role::Follower);
    // A follower has nothing left to give up.
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(4), nack(b(2, 1), b(5, 3)), &mut out);
    assert_eq!(out.effects.len(), 0);
    p.on_timer(&mut s, MpTimer::Election, &mut Out::new(false));
    assert_eq!(s.ballot, Some(b(6, 1)));
}

#[test]
fn a_follower_accepts_and_learns_what_the_next_accept_says_is_chosen() {
    let p = proto_of(3);
    let mut s = node(&p, 2, MpDurable::default());
    let accept = |slot, cmd, commit| {
        MpMsg::Accept(Accept {
            ballot: b(1, 1),
            slot,
            cmd,
            commit,
        })
    };
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(1), accept(1, w(1, 5), 0), &mut out);
    assert_eq!(
        out.actions(),
        vec![
            election_timer(&p),
            Effect::Persist(s.durable.clone()),
            Effect::Send {
                to: NodeId(1),
                msg: MpMsg::Accepted {
                    ballot: b(1, 1),
                    slot: 1
                }
            },
        ]
    );
    assert_eq!(out.narration(), Vec::<&str>::new());
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(1), accept(2, w(2, 3), 1), &mut out);
    let mut accepted = s.durable.clone();
    accepted.chosen.clear();
    // Learned, persisted and applied; answering the client is the leader's job.
    assert_eq!(
        out.actions(),
        vec![
            election_timer(&p),
            Effect::Persist(accepted),
            Effect::Send {
                to: NodeId(1),
                msg: MpMsg::Accepted {
                    ballot: b(1, 1),
                    slot: 2
                }
            },
            Effect::Persist(s.durable.clone()),
        ]
    );
    assert_eq!(
        out.narration(),
        vec!["S2 learns slot 1 chosen (counter = 5)"]
    );
    assert_eq!((s.applied, s.value), (1, 5));
}

#[test]
fn a_node_sends_the_chosen_values_a_laggard_asks_for() {
    let p = proto_of(3);
    let mut d = MpDurable::default();
    for k in 1..=3 {
        d.chosen.insert(k, w(k, 1));
    }
    let mut s = node(&p, 1, d);
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(2), MpMsg::Catchup { have: 1 }, &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Send {
            to: NodeId(2),
            msg: MpMsg::Decide {
                entries: vec![(2, w(2, 1)), (3, w(3, 1))],
                commit: 3
            }
        }]
    );
    assert_eq!(
        out.narration(),
        vec!["S1 sends S2 the chosen values of slots 2..3"]
    );
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(2), MpMsg::Catchup { have: 3 }, &mut out);
    assert_eq!(out.effects.len(), 0);
}

#[test]
fn a_node_applies_decided_values_in_order_and_asks_for_the_rest() {
    let p = proto_of(3);
    let mut s = node(&p, 2, MpDurable::default());
    let decide = |entries, commit| MpMsg::Decide { entries, commit };
    let catchup = |have| Effect::Send {
        to: NodeId(1),
        msg: MpMsg::Catchup { have },
    };
    // Slot 2 cannot apply before slot 1.
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(1), decide(vec![(2, w(2, 3))], 3), &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Persist(s.durable.clone()), catchup(0)]
    );
    assert_eq!(out.narration(), Vec::<&str>::new());
    // A chosen value never changes: slot 2 keeps the first one.
    let mut out = Out::new(true);
    let entries = vec![(1, w(1, 5)), (2, w(9, 100))];
    p.on_msg(&mut s, NodeId(1), decide(entries, 3), &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Persist(s.durable.clone()), catchup(2)]
    );
    assert_eq!(
        out.narration(),
        vec!["S2 applies chosen slots 1..2 (counter = 8)"]
    );
    let mut out = Out::new(true);
    p.on_msg(&mut s, NodeId(1), decide(vec![(3, w(3, 1))], 3), &mut out);
    assert_eq!(out.actions(), vec![Effect::Persist(s.durable.clone())]);
    assert_eq!(
        out.narration(),
        vec!["S2 applies chosen slot 3 (counter = 9)"]
    );
}
