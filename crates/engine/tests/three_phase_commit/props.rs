//! Three-Phase Commit under random faults. With crashes and restarts only (the model it was
//! designed for) thousands of seeds stay safe, non-blocking and live; with partitions and loss
//! too, the checker finds the known Atomicity violation; and each 3PC bug is caught under crash
//! faults within a bounded number of seeds, so the checker can never go blind.

use crate::common::{assert_clean, first_catch, opts};
use lab_engine::catalog;
use lab_engine::check::{first_violation, CheckOptions, FaultModel};
use lab_engine::{ProtocolKind, Settings, SECOND};

fn crash() -> CheckOptions {
    CheckOptions {
        model: FaultModel::Crash,
        ..opts()
    }
}

fn base() -> Settings {
    Settings {
        nodes: 5,
        ..Settings::for_protocol(ProtocolKind::ThreePc)
    }
}

/// Shorter fault schedules keep 2,000 seeds near the other props files' runtime.
#[test]
fn three_phase_commit_is_safe_non_blocking_and_live_over_2000_crash_seeds() {
    let short = CheckOptions {
        fault_until: 5 * SECOND,
        settle: 2 * SECOND,
        bound: 2 * SECOND,
        ..crash()
    };
    assert_clean(&base(), 2000, &short);
}

/// One side of a partition commits from PRE-COMMITTED while the other aborts from UNCERTAIN.
#[test]
fn partitions_break_atomicity() {
    let (seed, v) = first_violation(&base(), 1..=100, &opts()).expect("caught within 100 seeds");
    assert_eq!(v.invariant, "Atomicity", "seed {seed}: {}", v.explanation);
}

#[test]
fn uncertain_commits_on_timeout_is_caught() {
    let (_, invariant) = first_catch(&base(), catalog::UNCERTAIN_COMMITS_ON_TIMEOUT, 20, &crash())
        .expect("caught within 20 seeds");
    assert_eq!(invariant, "Atomicity");
}

#[test]
fn termination_ignores_precommit_is_caught() {
    let (_, invariant) = first_catch(
        &base(),
        catalog::TERMINATION_IGNORES_PRECOMMIT,
        20,
        &crash(),
    )
    .expect("caught within 20 seeds");
    assert_eq!(invariant, "Committable State");
}
