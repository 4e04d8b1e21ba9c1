//! The core 2PC and 3PC share (`protocols::atomic_commit`), asserted once here with both
//! protocols' statuses: the write-ahead log of Gray's "Notes on Data Base Operating Systems"
//! (1978) and of Bernstein, Hadzilacos and Goodman ch. 7, where logging a decision records it,
//! applies a commit's update and releases the lock the transaction held.

use lab_engine::node::{NodeId, Reply};
use lab_engine::protocols::atomic_commit::{self, outcome, participants, word, TxnRecord};
use lab_engine::protocols::three_phase_commit::{self as three, ThreePcDurable};
use lab_engine::protocols::two_phase_commit::{Status, TpcDurable};

#[test]
fn s1_coordinates_and_every_other_node_is_a_participant() {
    assert_eq!(atomic_commit::COORDINATOR, NodeId(1));
    assert_eq!(
        participants(4).collect::<Vec<_>>(),
        vec![NodeId(2), NodeId(3), NodeId(4)]
    );
}

#[test]
fn the_newest_transaction_is_the_highest_id_logged_and_0_before_the_first() {
    let mut d = TpcDurable::default();
    assert_eq!(d.newest(), 0);
    for txn in [3, 7, 5] {
        d.log.insert(
            txn,
            TxnRecord {
                delta: 1,
                status: Status::Prepared,
            },
        );
    }
    assert_eq!(d.newest(), 7);
}

#[test]
fn logging_a_commit_applies_its_delta_counts_it_and_releases_its_lock() {
    let mut d = TpcDurable {
        lock: Some(5),
        value: 10,
        ..TpcDurable::default()
    };
    assert!(d.log_decision(5, 4, true), "txn 5 held the lock");
    assert_eq!((d.value, d.decided, d.lock), (14, 1, None));
    assert_eq!(
        d.log.get(&5),
        Some(&TxnRecord {
            delta: 4,
            status: Status::Committed
        })
    );
    // A second commit adds to the counter again: the counter sums committed deltas.
    assert!(!d.log_decision(6, 3, true));
    assert_eq!((d.value, d.decided), (17, 2));
}

#[test]
fn logging_an_abort_applies_nothing_and_leaves_another_transactions_lock() {
    let mut d = ThreePcDurable {
        lock: Some(6),
        value: 10,
        ..ThreePcDurable::default()
    };
    assert!(!d.log_decision(5, 4, false), "txn 6 holds the lock, not 5");
    assert_eq!((d.value, d.decided, d.lock), (10, 1, Some(6)));
    assert_eq!(
        d.log.get(&5).map(|r| r.status),
        Some(three::Status::Aborted)
    );
    // The holder's own abort releases it.
    assert!(d.log_decision(6, 2, false));
    assert_eq!((d.value, d.decided, d.lock), (10, 2, None));
}

#[test]
fn the_decision_words_and_the_clients_answer() {
    assert_eq!((word(true), word(false)), ("COMMIT", "ABORT"));
    assert_eq!(
        outcome(3, true, 12, "unused"),
        Reply::Committed {
            index: 3,
            value: 12
        }
    );
    assert_eq!(
        outcome(3, false, 12, "S2 voted no"),
        Reply::Rejected("transaction aborted: S2 voted no".into())
    );
}
