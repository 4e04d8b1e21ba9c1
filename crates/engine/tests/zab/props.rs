//! Zab under random faults: thousands of seeds, every invariant after every event, an
//! established leader and answered requests after healing; and each buggy variant must be
//! caught within a bounded number of seeds, with a shortened reproducer.

use crate::common::{assert_clean, first_catch, opts};
use lab_engine::catalog;
use lab_engine::check::{check_seed, CheckOptions, FailureKind};
use lab_engine::{ProtocolKind, Settings, SECOND};

fn base() -> Settings {
    Settings::for_protocol(ProtocolKind::Zab)
}

/// Three nodes and shorter fault schedules keep 2,000 seeds quick in a debug build; the
/// five-node test below runs the default schedule (`lab check --protocol zab --nodes 5
/// --seeds 1..2000` is clean too).
#[test]
fn zab_is_safe_and_live_over_2000_faulty_seeds() {
    let short = CheckOptions {
        fault_until: 4 * SECOND,
        settle: 2 * SECOND,
        bound: 2 * SECOND,
        ..opts()
    };
    assert_clean(&Settings { nodes: 3, ..base() }, 2000, &short);
}

#[test]
fn five_node_zab_is_safe_and_live() {
    assert_clean(&base(), 400, &opts());
}

#[test]
fn reuse_epoch_is_caught() {
    let (seed, invariant) =
        first_catch(&base(), catalog::REUSE_EPOCH, 200, &opts()).expect("caught within 200 seeds");
    assert_eq!((seed, invariant.as_str()), (122, "Agreement"));
}

#[test]
fn skip_sync_is_caught() {
    let (seed, invariant) =
        first_catch(&base(), catalog::SKIP_SYNC, 300, &opts()).expect("caught within 300 seeds");
    assert_eq!((seed, invariant.as_str()), (217, "Total Order"));
}

/// What `lab check` prints for a caught bug: the seed and a shortened list of actions that
/// still breaks the same property.
#[test]
fn a_caught_bug_comes_with_a_shortened_reproducer() {
    for (bug, seed) in [(catalog::REUSE_EPOCH, 122), (catalog::SKIP_SYNC, 217)] {
        let s = Settings {
            seed,
            bugs: vec![bug],
            ..base()
        };
        let full = check_seed(&s, &opts()).failure.expect("fails");
        let short = check_seed(&s, &CheckOptions::default())
            .failure
            .expect("still fails");
        let (FailureKind::Safety(a), FailureKind::Safety(b)) = (&full.kind, &short.kind) else {
            panic!("a safety failure: {full} / {short}");
        };
        assert_eq!(a.invariant, b.invariant);
        assert!(
            short.actions.len() < full.actions.len(),
            "{} of {} actions",
            short.actions.len(),
            full.actions.len()
        );
    }
}
