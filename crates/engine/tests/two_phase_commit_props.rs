//! Two-Phase Commit under random faults: thousands of seeds, every invariant after every event,
//! every transaction answered after healing; and each 2PC bug must be caught within a bounded
//! number of seeds, so the checker can never go blind.

use lab_engine::catalog;
use lab_engine::check::{check_seeds, first_violation, CheckOptions};
use lab_engine::{Bug, ProtocolKind, Settings, SECOND};

fn opts() -> CheckOptions {
    CheckOptions {
        shrink: false,
        ..CheckOptions::default()
    }
}

fn base() -> Settings {
    Settings::for_protocol(ProtocolKind::TwoPc)
}

fn assert_clean(s: &Settings, seeds: u64, opts: &CheckOptions) {
    let report = check_seeds(s, 1..=seeds, opts, |_| {});
    assert!(
        report.failures.is_empty(),
        "{report}\n{}",
        report
            .failures
            .iter()
            .take(10)
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(report.seeds, seeds);
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

/// The first seed in `1..=limit` at which `bug` breaks a safety property.
fn first_catch(bug: Bug, limit: u64) -> Option<(u64, String)> {
    let base = Settings {
        bugs: vec![bug],
        ..base()
    };
    first_violation(&base, 1..=limit, &opts()).map(|(seed, v)| (seed, v.invariant))
}

#[test]
fn unilateral_abort_is_caught() {
    let (_, invariant) =
        first_catch(catalog::UNILATERAL_ABORT, 50).expect("caught within 50 seeds");
    assert_eq!(invariant, "Atomicity");
}

#[test]
fn commit_missing_vote_is_caught() {
    let (_, invariant) =
        first_catch(catalog::COMMIT_MISSING_VOTE, 50).expect("caught within 50 seeds");
    assert_eq!(invariant, "Commit Validity");
}
