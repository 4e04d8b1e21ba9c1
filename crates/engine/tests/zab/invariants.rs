//! Zab's checker: each property fed hand-made histories, caught where it is broken and silent
//! where it holds.

use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::invariants::zab::*;
use lab_engine::invariants::{CheckCtx, Checker, Requests, Violation};
use lab_engine::node::*;
use lab_engine::protocols::zab::*;

fn proto() -> Zab {
    Zab::from_settings(&Settings {
        nodes: 3,
        ..Settings::for_protocol(ProtocolKind::Zab)
    })
}

fn txn(epoch: u64, counter: u64, delta: i64) -> Txn {
    Txn {
        zxid: Zxid::new(epoch, counter),
        id: epoch * 100 + counter,
        delta,
        op: None,
    }
}

/// A node of `role` in `phase` at `epoch`, holding `history` of which `committed` delivered.
fn node(id: u8, role: Role, phase: Phase, epoch: u64, history: &[Txn], committed: u64) -> ZabState {
    let d = ZabDurable {
        accepted_epoch: epoch,
        current_epoch: epoch,
        history: history.iter().copied().collect(),
    };
    let mut s = proto().on_start(NodeId(id), &d, &mut Out::new(false));
    s.role = role;
    s.phase = phase;
    s.committed = committed;
    s.value = history
        .iter()
        .take(committed as usize)
        .map(|t| t.delta)
        .sum();
    s
}

fn leader(id: u8, epoch: u64, history: &[Txn], committed: u64) -> ZabState {
    node(
        id,
        Role::Leading,
        Phase::Broadcast,
        epoch,
        history,
        committed,
    )
}

fn follower(id: u8, epoch: u64, history: &[Txn], committed: u64) -> ZabState {
    node(
        id,
        Role::Following,
        Phase::Broadcast,
        epoch,
        history,
        committed,
    )
}

/// One event in which `changed` nodes have these states; `replies` were sent to clients.
fn event(
    c: &mut ZabChecker,
    nodes: &[Option<ZabState>],
    changed: &[u8],
    replies: &[(NodeId, u64, Reply)],
) -> Vec<Violation> {
    let p = proto();
    let durable: Vec<ZabDurable> = nodes
        .iter()
        .map(|s| s.as_ref().map(|s| s.durable.clone()).unwrap_or_default())
        .collect();
    let changed: Vec<NodeId> = changed.iter().map(|&i| NodeId(i)).collect();
    let requests = Requests::default();
    c.check(&CheckCtx {
        proto: &p,
        nodes,
        durable: &durable,
        changed: &changed,
        replies,
        requests: &requests,
    })
}

fn names(v: &[Violation]) -> Vec<&str> {
    v.iter().map(|v| v.invariant.as_str()).collect()
}

/// S1, primary of epoch 1, broadcasts `h` (nothing delivered yet).
fn broadcast(c: &mut ZabChecker, h: &[Txn]) -> ZabState {
    let s1 = leader(1, 1, h, 0);
    let v = event(c, &[Some(s1.clone()), None, None], &[1], &[]);
    assert!(v.is_empty(), "{v:?}");
    s1
}

#[test]
fn a_healthy_broadcast_breaks_nothing() {
    let mut c = ZabChecker::default();
    let (a, b) = (txn(1, 1, 5), txn(1, 2, 3));
    broadcast(&mut c, &[a, b]);
    let nodes = [
        Some(leader(1, 1, &[a, b], 2)),
        Some(follower(2, 1, &[a, b], 1)),
        Some(follower(3, 1, &[a, b], 2)),
    ];
    let replies = [(NodeId(1), b.id, Reply::Committed { index: 2, value: 8 })];
    assert_eq!(event(&mut c, &nodes, &[1, 2, 3], &replies), vec![]);
    // A later primary that delivered everything before it is fine too.
    let d = txn(2, 1, 1);
    let nodes = [
        Some(follower(1, 2, &[a, b, d], 3)),
        Some(leader(2, 2, &[a, b, d], 3)),
        Some(follower(3, 2, &[a, b, d], 3)),
    ];
    assert_eq!(event(&mut c, &nodes, &[1, 2, 3], &[]), vec![]);
}

#[test]
fn integrity_delivering_what_no_primary_broadcast() {
    let mut c = ZabChecker::default();
    let forged = txn(1, 1, 9);
    let nodes = [None, Some(follower(2, 1, &[forged], 1)), None];
    assert_eq!(names(&event(&mut c, &nodes, &[2], &[])), vec!["Integrity"]);
}

#[test]
fn agreement_two_nodes_deliver_different_transactions_at_one_position() {
    let mut c = ZabChecker::default();
    let (a, x) = (txn(1, 1, 5), txn(1, 1, 7));
    // Two primaries in one epoch (what zab-reuse-epoch lets happen) broadcast the same zxid.
    event(
        &mut c,
        &[Some(leader(1, 1, &[a], 0)), None, None],
        &[1],
        &[],
    );
    event(
        &mut c,
        &[None, None, Some(leader(3, 1, &[x], 0))],
        &[3],
        &[],
    );
    let nodes = [Some(follower(1, 1, &[a], 1)), None, None];
    assert_eq!(event(&mut c, &nodes, &[1], &[]), vec![]);
    let nodes = [None, Some(follower(2, 1, &[x], 1)), None];
    assert_eq!(names(&event(&mut c, &nodes, &[2], &[])), vec!["Agreement"]);
}

#[test]
fn total_order_a_node_delivers_two_transactions_the_other_way_round() {
    let mut c = ZabChecker::default();
    let (a, b) = (txn(1, 1, 5), txn(1, 2, 3));
    broadcast(&mut c, &[a, b]);
    let nodes = [None, Some(follower(2, 1, &[a, b], 2)), None];
    assert_eq!(event(&mut c, &nodes, &[2], &[]), vec![]);
    let nodes = [None, None, Some(follower(3, 1, &[b, a], 1))];
    let v = event(&mut c, &nodes, &[3], &[]);
    assert!(names(&v).contains(&"Total Order"), "{v:?}");
}

#[test]
fn local_primary_order_a_node_delivers_b_without_a() {
    let mut c = ZabChecker::default();
    let (a, b) = (txn(1, 1, 5), txn(1, 2, 3));
    broadcast(&mut c, &[a, b]);
    let nodes = [None, Some(follower(2, 1, &[b], 1)), None];
    assert_eq!(
        names(&event(&mut c, &nodes, &[2], &[])),
        vec!["Local Primary Order"]
    );
}

#[test]
fn global_primary_order_a_later_primarys_transaction_delivered_first() {
    let mut c = ZabChecker::default();
    let (a, b) = (txn(1, 1, 5), txn(2, 1, 3));
    broadcast(&mut c, &[a]);
    event(
        &mut c,
        &[None, Some(leader(2, 2, &[b], 0)), None],
        &[2],
        &[],
    );
    let nodes = [None, None, Some(follower(3, 2, &[b, a], 2))];
    assert_eq!(
        names(&event(&mut c, &nodes, &[3], &[])),
        vec!["Global Primary Order"]
    );
}

#[test]
fn primary_integrity_a_primary_that_missed_an_earlier_delivered_transaction() {
    let mut c = ZabChecker::default();
    let a = txn(1, 1, 5);
    broadcast(&mut c, &[a]);
    let nodes = [None, Some(follower(2, 1, &[a], 1)), None];
    assert_eq!(event(&mut c, &nodes, &[2], &[]), vec![]);
    // S3 leads epoch 2 with a history that lacks a: a skipped synchronization.
    let nodes = [
        None,
        Some(follower(2, 1, &[a], 1)),
        Some(leader(3, 2, &[], 0)),
    ];
    assert_eq!(
        names(&event(&mut c, &nodes, &[3], &[])),
        vec!["Primary Integrity"]
    );
}

#[test]
fn an_acknowledged_write_must_be_delivered_where_the_client_was_told() {
    let mut c = ZabChecker::default();
    let a = txn(1, 1, 5);
    broadcast(&mut c, &[a]);
    let nodes = [Some(leader(1, 1, &[a], 1)), None, None];
    // Told the wrong counter value.
    let replies = [(NodeId(1), a.id, Reply::Committed { index: 1, value: 6 })];
    assert_eq!(
        names(&event(&mut c, &nodes, &[1], &replies)),
        vec!["Acknowledged Writes Durable"]
    );
    // Told a position nothing was delivered at.
    let replies = [(NodeId(1), a.id, Reply::Committed { index: 2, value: 5 })];
    assert_eq!(
        names(&event(&mut c, &nodes, &[1], &replies)),
        vec!["Acknowledged Writes Durable"]
    );
}

#[test]
fn a_crashed_node_re_delivers_after_restart_without_a_false_alarm() {
    let mut c = ZabChecker::default();
    let (a, b) = (txn(1, 1, 5), txn(1, 2, 3));
    broadcast(&mut c, &[a, b]);
    let nodes = [None, Some(follower(2, 1, &[a, b], 2)), None];
    assert_eq!(event(&mut c, &nodes, &[2], &[]), vec![]);
    assert_eq!(event(&mut c, &[None, None, None], &[2], &[]), vec![]);
    let nodes = [None, Some(follower(2, 1, &[a, b], 1)), None];
    assert_eq!(event(&mut c, &nodes, &[2], &[]), vec![]);
    assert_eq!(INVARIANTS.len(), 7);
}

#[test]
fn the_checker_lists_its_properties() {
    let names: Vec<&str> = ZabChecker::default()
        .invariants()
        .iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(
        names,
        [
            "Integrity",
            "Total Order",
            "Agreement",
            "Local Primary Order",
            "Global Primary Order",
            "Primary Integrity",
            "Acknowledged Writes Durable",
        ]
    );
}

#[test]
fn integrity_a_new_primarys_history_from_earlier_epochs_is_not_its_broadcast() {
    // Only transactions of its own epoch are a primary's broadcasts (Zab's Phase 3); what it
    // inherited was broadcast, or not, by earlier primaries.
    let mut c = ZabChecker::default();
    let forged = txn(1, 1, 9);
    let nodes = [None, Some(leader(2, 2, &[forged], 1)), None];
    assert_eq!(names(&event(&mut c, &nodes, &[2], &[])), vec!["Integrity"]);
}

#[test]
fn integrity_a_restarted_nodes_history_from_disk_is_not_a_new_broadcast() {
    // What a node holds when it comes back from a crash was written before it: a primary
    // broadcast it then, or no one did.
    let mut c = ZabChecker::default();
    assert_eq!(event(&mut c, &[None, None, None], &[2], &[]), vec![]);
    let forged = txn(2, 1, 9);
    let nodes = [None, Some(leader(2, 2, &[forged], 1)), None];
    assert_eq!(names(&event(&mut c, &nodes, &[2], &[])), vec!["Integrity"]);
}

#[test]
fn primary_integrity_an_earlier_epoch_delivered_after_the_primary_was_established() {
    let mut c = ZabChecker::default();
    let a = txn(1, 1, 5);
    broadcast(&mut c, &[a]);
    // S3 leads epoch 2 without a; nothing is delivered yet, so it has missed nothing so far.
    let nodes = [None, None, Some(leader(3, 2, &[], 0))];
    assert_eq!(event(&mut c, &nodes, &[3], &[]), vec![]);
    // S2 then delivers a: the primary, unchanged itself, no longer holds all that was delivered.
    let nodes = [
        None,
        Some(follower(2, 1, &[a], 1)),
        Some(leader(3, 2, &[], 0)),
    ];
    assert_eq!(
        names(&event(&mut c, &nodes, &[2], &[])),
        vec!["Primary Integrity"]
    );
}

#[test]
fn agreement_a_node_whose_delivered_transactions_are_replaced() {
    // Two primaries of epoch 1 (zab-reuse-epoch) broadcast a, b and x, y at the same zxids.
    let mut c = ZabChecker::default();
    let (a, b) = (txn(1, 1, 5), txn(1, 2, 3));
    let (x, y) = (txn(1, 1, 7), txn(1, 2, 1));
    broadcast(&mut c, &[a, b]);
    event(
        &mut c,
        &[None, None, Some(leader(3, 1, &[x, y], 0))],
        &[3],
        &[],
    );
    let nodes = [None, Some(follower(2, 1, &[a, b], 2)), None];
    assert_eq!(event(&mut c, &nodes, &[2], &[]), vec![]);
    // A synchronization replaces what S2 delivered (only a buggy variant does): delivered
    // positions it has checked are checked again from where they differ.
    let nodes = [None, Some(follower(2, 1, &[x, y], 2)), None];
    assert_eq!(names(&event(&mut c, &nodes, &[2], &[])), vec!["Agreement"]);
}

#[test]
fn primary_integrity_concerns_only_transactions_of_earlier_epochs() {
    let mut c = ZabChecker::default();
    let a = txn(1, 1, 5);
    let s1 = broadcast(&mut c, &[a]);
    // S2 delivers a before its primary does: a is of the primary's own epoch, which the
    // property leaves to Agreement and Total Order.
    let nodes = [Some(s1), Some(follower(2, 1, &[a], 1)), None];
    assert_eq!(event(&mut c, &nodes, &[2], &[]), vec![]);
}

/// Two transactions can share a zxid and a delta and still differ (two primaries of one epoch
/// proposing for different clients): the report names each one's request.
#[test]
fn agreement_names_the_requests_that_differ() {
    let mut c = ZabChecker::default();
    let a = txn(1, 1, 5);
    let x = Txn { id: 999, ..a };
    event(
        &mut c,
        &[Some(leader(1, 1, &[a], 0)), None, None],
        &[1],
        &[],
    );
    event(
        &mut c,
        &[None, None, Some(leader(3, 1, &[x], 0))],
        &[3],
        &[],
    );
    event(
        &mut c,
        &[Some(follower(1, 1, &[a], 1)), None, None],
        &[1],
        &[],
    );
    let v = event(
        &mut c,
        &[None, Some(follower(2, 1, &[x], 1)), None],
        &[2],
        &[],
    );
    let agreement: Vec<&Violation> = v.iter().filter(|v| v.invariant == "Agreement").collect();
    assert_eq!(agreement.len(), 1, "{v:?}");
    assert!(
        agreement[0]
            .explanation
            .contains("(request #999, counter += 5)")
            && agreement[0]
                .explanation
                .contains("(request #101, counter += 5)"),
        "{}",
        agreement[0].explanation
    );
}
