//! Multi-Paxos under random faults: thousands of seeds, every invariant after every event, a
//! leader and answered requests after healing; and each Paxos bug must be caught within a
//! bounded number of seeds, so the checker can never go blind.

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
    let report = check_seeds(&s, 1..=2000, &short, |_| {});
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
    assert_eq!(report.seeds, 2000);
}

#[test]
fn five_node_multi_paxos_is_safe_and_live() {
    let report = check_seeds(&base(), 1..=300, &opts(), |_| {});
    assert!(report.failures.is_empty(), "{}", report.failures[0]);
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
fn ignore_promised_value_is_caught() {
    let (_, invariant) =
        first_catch(catalog::IGNORE_PROMISED_VALUE, 50).expect("caught within 50 seeds");
    assert_eq!(invariant, "Agreement");
}

#[test]
fn accept_below_promise_is_caught() {
    let (_, invariant) =
        first_catch(catalog::ACCEPT_BELOW_PROMISE, 100).expect("caught within 100 seeds");
    assert_eq!(invariant, "Agreement");
}

#[test]
fn forget_promise_on_restart_is_caught() {
    let (_, invariant) =
        first_catch(catalog::FORGET_PROMISE_ON_RESTART, 50).expect("caught within 50 seeds");
    assert_eq!(invariant, "Agreement");
}
