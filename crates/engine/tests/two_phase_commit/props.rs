//! Two-Phase Commit under random faults: thousands of seeds, every invariant after every event,
//! every transaction answered after healing; and each 2PC bug must be caught within a bounded
//! number of seeds, so the checker can never go blind.

use crate::common::{assert_clean, first_catch, opts};
use lab_engine::catalog;
use lab_engine::check::CheckOptions;
use lab_engine::{ProtocolKind, Settings, SECOND};

fn base() -> Settings {
    Settings::for_protocol(ProtocolKind::TwoPc)
}

/// Shorter fault schedules keep 2,000 seeds near 20 s in a debug build.
#[test]
fn two_phase_commit_is_safe_and_live_over_2000_faulty_seeds() {
    let short = CheckOptions {
        fault_until: 5 * SECOND,
        settle: 2 * SECOND,
        bound: 2 * SECOND,
        ..opts()
    };
    assert_clean(&Settings { nodes: 4, ..base() }, 2000, &short);
}

#[test]
fn cooperative_termination_is_safe_and_live() {
    assert_clean(
        &Settings {
            cooperative_termination: true,
            ..base()
        },
        300,
        &opts(),
    );
}

#[test]
fn unilateral_abort_is_caught() {
    let (_, invariant) = first_catch(&base(), catalog::UNILATERAL_ABORT, 50, &opts())
        .expect("caught within 50 seeds");
    assert_eq!(invariant, "Atomicity");
}

#[test]
fn commit_missing_vote_is_caught() {
    let (_, invariant) = first_catch(&base(), catalog::COMMIT_MISSING_VOTE, 50, &opts())
        .expect("caught within 50 seeds");
    assert_eq!(invariant, "Commit Validity");
}
