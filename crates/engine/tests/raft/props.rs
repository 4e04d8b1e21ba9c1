//! Raft under random faults: thousands of seeds, every invariant after every event, liveness
//! after healing; and each Raft bug must be caught within a bounded number of seeds, so the
//! checker can never go blind. A failure prints the seed: `lab check --seeds S..S` replays it.

use crate::common::{assert_clean, first_catch, opts};
use lab_engine::any::AnySim;
use lab_engine::catalog;
use lab_engine::check::{check_seed, check_seeds, CheckOptions, FailureKind};
use lab_engine::lin::{self, Verdict};
use lab_engine::node::NodeId;
use lab_engine::{Action, Settings, MS, SECOND};

#[test]
fn raft_is_safe_and_live_over_2000_faulty_seeds() {
    assert_clean(&Settings::default(), 2000, &opts());
}

#[test]
fn raft_options_are_safe_and_live() {
    for (prevote, check_quorum) in [(true, false), (false, true), (true, true)] {
        let base = Settings {
            prevote,
            check_quorum,
            nodes: 3,
            ..Settings::default()
        };
        let report = check_seeds(&base, 1..=300, &opts(), |_| {});
        assert!(
            report.failures.is_empty(),
            "prevote={prevote} check_quorum={check_quorum}: {}",
            report.failures[0]
        );
    }
}

#[test]
fn vote_without_log_check_is_caught() {
    let (seed, invariant) = first_catch(
        &Settings::default(),
        catalog::VOTE_WITHOUT_LOG_CHECK,
        50,
        &opts(),
    )
    .expect("caught");
    assert!(seed <= 50);
    assert!(
        ["Leader Completeness", "State Machine Safety"].contains(&invariant.as_str()),
        "{invariant}"
    );
}

#[test]
fn commit_old_term_is_caught() {
    let (_, invariant) = first_catch(&Settings::default(), catalog::COMMIT_OLD_TERM, 500, &opts())
        .expect("caught within 500 seeds");
    assert!(
        ["Leader Completeness", "State Machine Safety"].contains(&invariant.as_str()),
        "{invariant}"
    );
}

/// Timed crashes never expose it (0 of 5,000 seeds): it takes a crash right after a vote and a
/// restart before the rival candidate's request arrives, where the nemesis pounces.
#[test]
fn forget_vote_on_restart_is_caught() {
    let (seed, invariant) = first_catch(
        &Settings::default(),
        catalog::FORGET_VOTE_ON_RESTART,
        500,
        &opts(),
    )
    .expect("caught within 500 seeds");
    assert_eq!(invariant, "Election Safety");
    let settings = Settings {
        seed,
        bugs: vec![catalog::FORGET_VOTE_ON_RESTART],
        ..Settings::default()
    };
    let failure = check_seed(&settings, &CheckOptions::default())
        .failure
        .expect("fails again");
    let quick_restart = failure
        .actions
        .windows(2)
        .any(|w| match (&w[0].action, &w[1].action) {
            (Action::Crash { node: a }, Action::Restart { node: b }) => {
                a == b && w[1].time - w[0].time <= MS
            }
            _ => false,
        });
    assert!(quick_restart, "{:?}", failure.actions);
}

#[test]
fn unpersisted_log_is_caught() {
    let (_, invariant) = first_catch(&Settings::default(), catalog::UNPERSISTED_LOG, 100, &opts())
        .expect("caught within 100 seeds");
    assert!(
        ["Leader Completeness", "State Machine Safety"].contains(&invariant.as_str()),
        "{invariant}"
    );
}

#[test]
fn shrinking_keeps_the_failure_and_shortens_the_actions() {
    let base = Settings {
        bugs: vec![catalog::VOTE_WITHOUT_LOG_CHECK],
        ..Settings::default()
    };
    let (seed, _) = first_catch(
        &Settings::default(),
        catalog::VOTE_WITHOUT_LOG_CHECK,
        50,
        &opts(),
    )
    .expect("caught");
    let long = check_seeds(
        &Settings {
            seed,
            ..base.clone()
        },
        seed..=seed,
        &opts(),
        |_| {},
    );
    let short = check_seeds(
        &Settings { seed, ..base },
        seed..=seed,
        &CheckOptions::default(),
        |_| {},
    );
    let (long, short) = (&long.failures[0], &short.failures[0]);
    assert!(short.actions.len() <= long.actions.len());
    match (&long.kind, &short.kind) {
        (FailureKind::Safety(a), FailureKind::Safety(b)) => assert_eq!(a.invariant, b.invariant),
        other => panic!("{other:?}"),
    }
}

/// Raft with the key-value workload and a read path.
fn kv(reads: &str, extra: &[(&str, &str)]) -> Settings {
    let mut words = vec![("workload", Some("kv")), ("reads", Some(reads))];
    words.extend(extra.iter().map(|(k, v)| (*k, Some(*v))));
    let s = Settings::from_words(words).expect("valid words");
    s.validate().expect("valid settings");
    s
}

#[test]
fn raft_read_paths_are_safe_and_live_over_2000_faulty_seeds() {
    // ReadIndex and follower reads need no clock; the lease is checked with drifting clocks.
    assert_clean(&kv("read-index", &[]), 2000, &opts());
    assert_clean(&kv("follower", &[]), 2000, &opts());
    assert_clean(&kv("lease", &[("drift", "0.1")]), 2000, &opts());
}

/// Leases on three nodes with clocks up to 50% off: a leader's clock is slow often enough there
/// for a lease that ignores drift to outlive its exclusivity.
fn strong_drift() -> Settings {
    kv("lease", &[("drift", "0.5"), ("nodes", "3")])
}

#[test]
fn leases_stay_exclusive_under_strong_drift_with_the_other_options() {
    assert_clean(&strong_drift(), 1000, &opts());
    let s = Settings {
        prevote: true,
        check_quorum: true,
        ..strong_drift()
    };
    assert_clean(&s, 300, &opts());
}

#[test]
fn a_lease_that_ignores_drift_is_caught() {
    // Thesis §6.4.1: the lease must allow for clock drift. Seeds 25, 44 and 126 are the first.
    let (seed, invariant) =
        first_catch(&strong_drift(), catalog::LEASE_IGNORES_DRIFT, 200, &opts())
            .expect("caught within 200 seeds");
    assert_eq!((seed, invariant.as_str()), (25, "Lease Exclusivity"));
}

#[test]
fn a_read_without_a_quorum_check_is_caught_as_a_stale_read() {
    let (seed, invariant) = first_catch(
        &kv("read-index", &[]),
        catalog::READ_WITHOUT_QUORUM_CHECK,
        100,
        &opts(),
    )
    .expect("caught within 100 seeds");
    assert_eq!(invariant, "Linearizability", "seed {seed}");
}

/// Runs `s` for 8 s with its leader at 1 s cut off alone from 1 s on, and checks the clients'
/// history: is it linearizable?
fn linearizable_with_the_leader_cut_off(s: &Settings) -> bool {
    let mut sim = AnySim::new(s.clone()).unwrap();
    sim.set_narrating(false);
    sim.run_until(SECOND);
    let leader = sim.leader().expect("a leader by 1 s");
    let rest = NodeId::all(s.nodes).filter(|&n| n != leader).collect();
    sim.apply(Action::Partition {
        groups: vec![vec![leader], rest],
    })
    .unwrap();
    sim.run_until(8 * SECOND);
    let report = lin::check(sim.client_history(), 10_000_000);
    assert_ne!(report.verdict, Verdict::Unknown, "seed {}", s.seed);
    report.verdict == Verdict::Linearizable
}

#[test]
fn a_leader_that_skips_the_quorum_check_serves_stale_reads_from_a_minority() {
    // Thesis §6.4: without confirming it still leads, a leader cut off in a minority answers
    // from a state the majority has moved past.
    let caught: Vec<u64> = (1..=20)
        .filter(|&seed| {
            let s = Settings {
                seed,
                bugs: vec![catalog::READ_WITHOUT_QUORUM_CHECK],
                ..kv("read-index", &[])
            };
            !linearizable_with_the_leader_cut_off(&s)
        })
        .collect();
    assert!(caught.contains(&2), "caught at seeds {caught:?}");
    // The same cut, with every correct read path: never a stale read.
    for reads in ["log", "read-index", "lease", "follower"] {
        for seed in caught.iter().copied().chain(1..=5) {
            let s = Settings {
                seed,
                ..kv(reads, &[("drift", "0.1")])
            };
            assert!(
                linearizable_with_the_leader_cut_off(&s),
                "reads={reads} seed {seed}"
            );
        }
    }
}
