//! Two-Phase Commit's checker: each invariant fed hand-made states, caught where it is broken and silent
//! where it holds.

use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::invariants::two_phase_commit::*;
use lab_engine::invariants::{CheckCtx, Checker, Requests, Violation};
use lab_engine::node::*;
use lab_engine::protocols::two_phase_commit::*;

fn log(entries: &[(u64, Status)]) -> TpcDurable {
    let mut d = TpcDurable::default();
    for &(txn, status) in entries {
        d.log.insert(txn, TxnRecord { delta: 1, status });
    }
    d
}

/// Feeds the checker one event in which `changed` nodes have these logs.
fn event(c: &mut TwoPcChecker, durable: &[TpcDurable], changed: &[u8]) -> Vec<Violation> {
    let p = TwoPc::from_settings(&Settings {
        nodes: durable.len(),
        ..Settings::for_protocol(ProtocolKind::TwoPc)
    });
    let nodes = vec![None; durable.len()];
    let changed: Vec<NodeId> = changed.iter().map(|&i| NodeId(i)).collect();
    let requests = Requests::default();
    c.check(&CheckCtx {
        proto: &p,
        nodes: &nodes,
        durable,
        changed: &changed,
        replies: &[],
        requests: &requests,
    })
}

#[test]
fn a_reversed_decision_breaks_decision_stability() {
    let mut c = TwoPcChecker::default();
    let mut d = vec![log(&[]), log(&[(1, Status::Prepared)]), log(&[])];
    assert!(event(&mut c, &d, &[2]).is_empty());
    d[1] = log(&[(1, Status::Aborted)]);
    assert!(event(&mut c, &d, &[2]).is_empty());
    d[1] = log(&[(1, Status::Committed)]);
    let v = event(&mut c, &d, &[2]);
    assert_eq!(v[0].invariant, "Decision Stability");
    assert_eq!(
        v[0].explanation,
        "S2 had aborted txn #1 and now says it committed"
    );
}

#[test]
fn opposite_decisions_break_atomicity_and_a_missing_yes_breaks_commit_validity() {
    let mut c = TwoPcChecker::default();
    let d = vec![
        log(&[(1, Status::Committed)]),
        log(&[(1, Status::Prepared)]),
        log(&[(1, Status::Aborted)]),
    ];
    let v = event(&mut c, &d, &[2, 3]);
    assert!(v.is_empty(), "{v:?}");
    let v = event(&mut c, &d, &[1]);
    let names: Vec<&str> = v.iter().map(|v| v.invariant.as_str()).collect();
    assert_eq!(names, ["Commit Validity", "Atomicity"]);
    assert_eq!(
        v[0].explanation,
        "txn #1 committed at S1, but S3 never voted yes"
    );
    assert_eq!(v[1].explanation, "txn #1 committed at S1 but aborted at S3");
}

#[test]
fn the_checker_lists_its_properties() {
    let names: Vec<&str> = TwoPcChecker::default()
        .invariants()
        .iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(
        names,
        ["Atomicity", "Commit Validity", "Decision Stability"]
    );
}
