//! Three-Phase Commit's checker: each property fed hand-made states, caught where it is broken
//! and silent where it holds; the crash-only properties stop applying after a network fault.

use imbl::{OrdMap, OrdSet};
use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::invariants::three_phase_commit::*;
use lab_engine::invariants::{CheckCtx, Checker, Requests, Violation};
use lab_engine::node::*;
use lab_engine::protocols::three_phase_commit::*;

fn log(entries: &[(u64, Status)]) -> ThreePcDurable {
    let mut d = ThreePcDurable::default();
    for &(txn, status) in entries {
        d.log.insert(txn, TxnRecord { delta: 1, status });
    }
    d
}

fn state(id: u8, durable: &ThreePcDurable, rounds: &[(u64, u32)]) -> ThreePcState {
    ThreePcState {
        id: NodeId(id),
        durable: durable.clone(),
        votes: OrdMap::new(),
        acks: OrdMap::new(),
        recovering: OrdSet::new(),
        gathered: OrdMap::new(),
        rounds: rounds.iter().copied().collect(),
    }
}

/// Feeds the checker one event in which `changed` nodes have these logs and live states.
fn event(
    c: &mut ThreePcChecker,
    durable: &[ThreePcDurable],
    nodes: &[Option<ThreePcState>],
    changed: &[u8],
) -> Vec<Violation> {
    let p = ThreePc::from_settings(&Settings {
        nodes: durable.len(),
        ..Settings::for_protocol(ProtocolKind::ThreePc)
    });
    let changed: Vec<NodeId> = changed.iter().map(|&i| NodeId(i)).collect();
    let requests = Requests::default();
    c.check(&CheckCtx {
        proto: &p,
        nodes,
        durable,
        changed: &changed,
        replies: &[],
        requests: &requests,
    })
}

fn names(v: &[Violation]) -> Vec<&str> {
    v.iter().map(|v| v.invariant.as_str()).collect()
}

#[test]
fn two_phase_commits_properties_apply_to_three_phase_logs() {
    let mut c = ThreePcChecker::default();
    let d = vec![
        log(&[(1, Status::Committed)]),
        log(&[(1, Status::Uncertain)]),
        log(&[(1, Status::Aborted)]),
    ];
    let none = vec![None, None, None];
    assert!(event(&mut c, &d, &none, &[2, 3]).is_empty());
    let v = event(&mut c, &d, &none, &[1]);
    assert_eq!(names(&v), ["Commit Validity", "Atomicity"]);
    assert_eq!(v[1].explanation, "txn #1 committed at S1 but aborted at S3");
}

#[test]
fn aborting_a_pre_committed_transaction_breaks_committable_state_unless_partitioned() {
    let d = vec![
        log(&[(1, Status::PreCommitted)]),
        log(&[(1, Status::Aborted)]),
    ];
    let none = vec![None, None];
    let mut c = ThreePcChecker::default();
    assert!(event(&mut c, &d, &none, &[1]).is_empty());
    let v = event(&mut c, &d, &none, &[2]);
    assert_eq!(names(&v), ["Committable State"]);
    assert_eq!(
        v[0].explanation,
        "txn #1 was pre-committed at S1, so everyone voted yes, yet it aborted at S2"
    );

    let mut c = ThreePcChecker::default();
    c.network_fault();
    assert!(event(&mut c, &d, &none, &[1]).is_empty());
    assert!(event(&mut c, &d, &none, &[2]).is_empty());
}

#[test]
fn a_participant_that_stays_up_undecided_too_long_breaks_non_blocking() {
    let d = vec![log(&[]), log(&[(1, Status::Uncertain)])];
    let live = |rounds| vec![Some(state(1, &d[0], &[])), Some(state(2, &d[1], rounds))];
    let mut c = ThreePcChecker::default();
    assert!(event(&mut c, &d, &live(&[]), &[1, 2]).is_empty());
    assert!(event(&mut c, &d, &live(&[(1, ROUND_BOUND)]), &[2]).is_empty());
    let v = event(&mut c, &d, &live(&[(1, ROUND_BOUND + 1)]), &[2]);
    assert_eq!(names(&v), ["Non-blocking"]);
    assert_eq!(
        v[0].explanation,
        format!(
            "S2 stayed up but is still undecided on txn #1 after {} termination rounds since \
             the last crash or restart",
            ROUND_BOUND + 1
        )
    );

    // A crash restarts the count; a network fault ends the property.
    let mut c = ThreePcChecker::default();
    assert!(event(&mut c, &d, &live(&[(1, 3)]), &[1, 2]).is_empty());
    let crashed = vec![None, Some(state(2, &d[1], &[(1, 3)]))];
    assert!(event(&mut c, &d, &crashed, &[1]).is_empty());
    let later = vec![None, Some(state(2, &d[1], &[(1, 3 + ROUND_BOUND)]))];
    assert!(event(&mut c, &d, &later, &[2]).is_empty());
    c.network_fault();
    let much_later = vec![None, Some(state(2, &d[1], &[(1, 100)]))];
    assert!(event(&mut c, &d, &much_later, &[2]).is_empty());
}

#[test]
fn a_recovering_participant_may_wait() {
    let d = vec![log(&[]), log(&[(1, Status::Uncertain)])];
    let mut s = state(2, &d[1], &[(1, 100)]);
    s.recovering.insert(1);
    let mut c = ThreePcChecker::default();
    assert!(event(&mut c, &d, &[None, Some(s)], &[2]).is_empty());
}

#[test]
fn the_checker_lists_its_properties() {
    let names: Vec<&str> = ThreePcChecker::default()
        .invariants()
        .iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(
        names,
        [
            "Atomicity",
            "Commit Validity",
            "Decision Stability",
            "Committable State",
            "Non-blocking"
        ]
    );
}
