//! Single-decree Paxos under random faults: thousands of seeds, every invariant after every
//! event, a value chosen after healing; and each Paxos bug must be caught within a bounded
//! number of seeds, so the checker can never go blind.

use crate::common::{assert_clean, first_catch, opts};
use lab_engine::any::AnySim;
use lab_engine::catalog;
use lab_engine::check::check_seeds;
use lab_engine::invariants::Violation;
use lab_engine::sim::rng::SimRng;
use lab_engine::{Action, Bug, NetworkSettings, NodeId, ProtocolKind, Settings, MS, SECOND};

fn base() -> Settings {
    Settings::for_protocol(ProtocolKind::Paxos)
}

#[test]
fn paxos_is_safe_and_live_over_2000_faulty_seeds() {
    assert_clean(&base(), 2000, &opts());
}

#[test]
fn paxos_with_three_nodes_and_client_requests_is_safe() {
    let s = Settings {
        nodes: 3,
        request_every: Some(400 * lab_engine::MS),
        ..base()
    };
    let report = check_seeds(&s, 1..=300, &opts(), |_| {});
    assert!(report.failures.is_empty(), "{}", report.failures[0]);
}

#[test]
fn ignore_promised_value_is_caught() {
    let (_, invariant) = first_catch(&base(), catalog::IGNORE_PROMISED_VALUE, 100, &opts())
        .expect("caught within 100 seeds");
    assert_eq!(invariant, "Agreement");
}

/// The page's Hunt opens a failing seed from its link: the shortened run, at the moment it
/// broke, shows the violation.
#[test]
fn a_failure_link_opens_at_the_violation() {
    let buggy = Settings {
        bugs: vec![catalog::IGNORE_PROMISED_VALUE],
        ..base()
    };
    let (seed, _) = first_catch(&base(), catalog::IGNORE_PROMISED_VALUE, 100, &opts()).unwrap();
    let run = lab_engine::check::check_seed(
        &Settings {
            seed,
            ..buggy.clone()
        },
        &opts(),
    );
    let f = run.failure.expect("the seed fails");
    let opened = lab_engine::session::open_link(&f.link(&buggy));
    assert!(opened.notices.is_empty(), "{:?}", opened.notices);
    assert_eq!(opened.sim.settings().seed, seed);
    assert_eq!(opened.sim.now(), f.time);
    let v = opened.sim.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].violation.invariant, "Agreement");
    assert_eq!(v[0].time, f.time);
}

#[test]
fn accept_below_promise_is_caught() {
    let (_, invariant) = first_catch(&base(), catalog::ACCEPT_BELOW_PROMISE, 100, &opts())
        .expect("caught within 100 seeds");
    assert_eq!(invariant, "Agreement");
}

#[test]
fn forget_promise_on_restart_is_caught() {
    let (_, invariant) = first_catch(&base(), catalog::FORGET_PROMISE_ON_RESTART, 50, &opts())
        .expect("caught within 50 seeds");
    assert_eq!(invariant, "Agreement");
}

/// The checker's nemesis strikes mostly after the value is chosen. This loop keeps proposals
/// coming: client requests land on random nodes between crashes, restarts, partitions and
/// lossy spells, so many proposers duel under faults; then, healed, any node must answer.
fn proposals_under_faults(bugs: Vec<Bug>, seeds: u64) -> Option<(u64, Violation)> {
    for seed in 1..=seeds {
        let settings = Settings {
            seed,
            bugs: bugs.clone(),
            ..base()
        };
        let n = settings.nodes;
        let mut rng = SimRng::new(seed ^ 0x0070_6178_6f73); // "paxos"
        let mut sim = AnySim::new(settings.clone()).unwrap();
        sim.set_narrating(false);
        let mut t = 0;
        for _ in 0..30 {
            t += rng.range(5 * MS, 120 * MS);
            if let Some(v) = sim.run_until_violation(t) {
                return Some((seed, v));
            }
            let node = NodeId::from_idx(rng.range(0, n as u64 - 1) as usize);
            let action = match rng.range(0, 9) {
                0..=3 => Action::Request {
                    node,
                    delta: rng.range(1, 9) as i64,
                },
                4 => Action::Crash { node },
                5 => Action::Restart { node },
                6 => Action::Isolate { node },
                7 => Action::Heal,
                _ => Action::SetNetwork {
                    network: NetworkSettings {
                        loss_ppm: rng.range(0, 300_000) as u32,
                        dup_ppm: rng.range(0, 200_000) as u32,
                        ..settings.network.clone()
                    },
                },
            };
            // Crashing a crashed node or restarting a live one is refused: that is fine.
            if let Ok(r) = sim.apply(action) {
                if let Some(v) = r.violations.into_iter().next() {
                    return Some((seed, v));
                }
            }
        }
        for a in [
            Action::Heal,
            Action::RestartAll,
            Action::SetNetwork {
                network: settings.network.clone(),
            },
        ] {
            sim.apply(a).unwrap();
        }
        if let Some(v) = sim.run_until_violation(t + 2 * SECOND) {
            return Some((seed, v));
        }
        let asked = NodeId::from_idx(rng.range(0, n as u64 - 1) as usize);
        let r = sim.apply(Action::Request {
            node: asked,
            delta: 1,
        });
        let mut answered = !r.unwrap().replies.is_empty();
        let until = sim.now() + 2 * SECOND;
        while !answered && sim.next_event_time().is_some_and(|nt| nt <= until) {
            let r = sim.step().unwrap();
            assert!(r.violations.is_empty(), "seed {seed}: {:?}", r.violations);
            answered = !r.replies.is_empty();
        }
        assert!(
            answered,
            "seed {seed}: {asked} never answered after healing"
        );
    }
    None
}

#[test]
fn many_proposers_under_faults_choose_one_value() {
    if let Some((seed, v)) = proposals_under_faults(Vec::new(), 2000) {
        panic!("seed {seed}: {} violated: {}", v.invariant, v.explanation);
    }
}

#[test]
fn many_proposers_expose_both_bugs() {
    for bug in [
        catalog::IGNORE_PROMISED_VALUE,
        catalog::ACCEPT_BELOW_PROMISE,
    ] {
        let (_, v) = proposals_under_faults(vec![bug], 100).expect("caught within 100 seeds");
        assert_eq!(v.invariant, "Agreement", "{bug:?}");
    }
}
