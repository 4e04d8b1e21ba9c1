//! Multi-Paxos under random faults: thousands of seeds, every invariant after every event, a
//! leader and answered requests after healing; and each Paxos bug must be caught within a
//! bounded number of seeds, so the checker can never go blind.

use crate::common::{assert_clean, first_catch, opts};
use lab_engine::catalog;
use lab_engine::check::{check_seeds, CheckOptions};
use lab_engine::{ProtocolKind, Settings, SECOND};

fn base() -> Settings {
    Settings::for_protocol(ProtocolKind::MultiPaxos)
}

/// Three nodes and shorter fault schedules keep 2,000 seeds near 20 s in a debug build; the
/// five-node test below runs the default schedule.
#[test]
fn multi_paxos_is_safe_and_live_over_2000_faulty_seeds() {
    let short = CheckOptions {
        fault_until: 4 * SECOND,
        settle: 2 * SECOND,
        bound: 2 * SECOND,
        ..opts()
    };
    let s = Settings { nodes: 3, ..base() };
    assert_clean(&s, 2000, &short);
}

#[test]
fn five_node_multi_paxos_is_safe_and_live() {
    let report = check_seeds(&base(), 1..=300, &opts(), |_| {});
    assert!(report.failures.is_empty(), "{}", report.failures[0]);
}

#[test]
fn ignore_promised_value_is_caught() {
    let (_, invariant) = first_catch(&base(), catalog::IGNORE_PROMISED_VALUE, 50, &opts())
        .expect("caught within 50 seeds");
    assert_eq!(invariant, "Agreement");
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
