//! Raft under random faults: thousands of seeds, every invariant after every event, liveness
//! after healing; and each Raft bug must be caught within a bounded number of seeds, so the
//! checker can never go blind. A failure prints the seed: `lab check --seeds S..S` replays it.

mod common;

use common::{assert_clean, first_catch, opts};
use lab_engine::catalog;
use lab_engine::check::{check_seed, check_seeds, CheckOptions, FailureKind};
use lab_engine::{Action, Settings, MS};

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
