//! What a commit protocol's node says about its transactions: the outcome drawn on the node is
//! the newest transaction it decided, and the number beside it names that transaction (a
//! coordinator that committed #1 and aborted #3 while #2 still collects votes says "aborted",
//! "txn #3", never an outcome beside another transaction's number).

use lab_engine::any::AnySim;
use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::node::{Decision, NodeId, Out, Present, Protocol};
use lab_engine::protocols::two_phase_commit::{Status, TpcState, TwoPc, TxnRecord, COORDINATOR};
use lab_engine::{Action, MS};

fn two_pc() -> TwoPc {
    TwoPc::from_settings(&Settings::for_protocol(ProtocolKind::TwoPc))
}

/// A node of `p` whose log holds `log` (as a running node's would), holding `lock`.
fn node(p: &TwoPc, id: NodeId, log: &[(u64, Status)], lock: Option<u64>) -> TpcState {
    let mut s = p.on_start(id, &Default::default(), &mut Out::new(false));
    for &(t, status) in log {
        s.durable.log.insert(t, TxnRecord { delta: 1, status });
    }
    s.durable.lock = lock;
    s
}

#[test]
fn a_coordinator_shows_its_newest_decided_transaction_and_names_it() {
    let p = two_pc();
    // The "Break it" run after a few transactions: #1 committed, #2 still collecting votes (S2
    // is cut off), #3 aborted because S3, locked on #2, voted no.
    let c = node(
        &p,
        COORDINATOR,
        &[
            (1, Status::Committed),
            (2, Status::Voting),
            (3, Status::Aborted),
        ],
        None,
    );
    let s = p.summary(&c);
    assert_eq!(s.decision, Some(Decision::Abort));
    assert_eq!(s.term_label, "txn #3");
    assert_eq!(s.role, "coordinator");

    // Collecting votes on #4 after committing #1..#3: the last outcome stays, and names #3.
    let c = node(
        &p,
        COORDINATOR,
        &[
            (1, Status::Committed),
            (2, Status::Committed),
            (3, Status::Committed),
            (4, Status::Voting),
        ],
        None,
    );
    let s = p.summary(&c);
    assert_eq!(s.decision, Some(Decision::Commit));
    assert_eq!(s.term_label, "txn #3");

    // Every transaction decided: the newest one.
    let c = node(
        &p,
        COORDINATOR,
        &[(1, Status::Committed), (2, Status::Aborted)],
        None,
    );
    let s = p.summary(&c);
    assert_eq!(s.decision, Some(Decision::Abort));
    assert_eq!(s.term_label, "txn #2");

    // Nothing decided yet: no outcome, the transaction under way.
    let c = node(&p, COORDINATOR, &[(1, Status::Voting)], None);
    let s = p.summary(&c);
    assert_eq!(s.decision, None);
    assert_eq!(s.term_label, "txn #1");
}

#[test]
fn a_participant_holding_a_lock_shows_no_outcome() {
    let p = two_pc();
    // Prepared on #2 (it committed #1 and voted no on #3 while locked): it waits, and says so.
    let n = node(
        &p,
        NodeId(2),
        &[
            (1, Status::Committed),
            (2, Status::Prepared),
            (3, Status::Aborted),
        ],
        Some(2),
    );
    let s = p.summary(&n);
    assert_eq!(s.decision, None);
    assert_eq!(s.role, "prepared #2");
    assert_eq!(s.term_label, "latest txn #3");
    // The Commit of #2 arrives: the newest decided is now #3, which it aborted, and it says which.
    let n = node(
        &p,
        NodeId(2),
        &[
            (1, Status::Committed),
            (2, Status::Committed),
            (3, Status::Aborted),
        ],
        None,
    );
    let s = p.summary(&n);
    assert_eq!(s.decision, Some(Decision::Abort));
    assert_eq!(s.term_label, "txn #3");
}

/// Over runs with crashes and a partition, every node drawn with an outcome names the newest
/// transaction it decided, and the outcome is that transaction's.
#[test]
fn the_outcome_on_a_node_is_its_newest_decided_transaction_in_runs_with_faults() {
    for p in [ProtocolKind::TwoPc, ProtocolKind::ThreePc] {
        let mut shown = 0;
        for seed in 1..=8 {
            let mut st = Settings::for_protocol(p);
            st.seed = seed;
            let mut sim = AnySim::new(st).expect("default settings are valid");
            let n = sim.settings().nodes;
            let far = NodeId::from_idx(n - 1);
            let script = [
                (250 * MS, Action::Isolate { node: far }),
                (900 * MS, Action::Heal),
                (1200 * MS, Action::Crash { node: NodeId(1) }),
                (1500 * MS, Action::Restart { node: NodeId(1) }),
                (2500 * MS, Action::Crash { node: far }),
                (4000 * MS, Action::Restart { node: far }),
            ];
            for (t, action) in script {
                while sim.now() < t {
                    if sim.step().is_none() {
                        break;
                    }
                    for v in sim.snapshot().nodes.into_iter().filter(|v| v.up) {
                        let s = &v.summary;
                        let Some(d) = s.decision else { continue };
                        // The newest decided cell among those drawn under the node.
                        let Some(cell) = s.log.iter().rev().find(|c| c.committed) else {
                            continue;
                        };
                        let which = format!("txn #{}", cell.index);
                        assert_eq!(
                            s.term_label,
                            which,
                            "{} seed {seed} at {}: {} shows {d:?} beside another transaction",
                            p.slug(),
                            sim.now(),
                            v.id,
                        );
                        assert_eq!(
                            d == Decision::Abort,
                            cell.text == "abort",
                            "{} seed {seed}: {} shows {d:?} but #{} reads {:?}",
                            p.slug(),
                            v.id,
                            cell.index,
                            cell.text
                        );
                        shown += 1;
                    }
                }
                sim.apply(action).expect("the script's actions apply");
            }
        }
        assert!(shown > 100, "{}: outcomes drawn ({shown})", p.slug());
    }
}
