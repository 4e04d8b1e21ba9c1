//! Raft with log compaction under random faults (dissertation ch. 5): servers snapshot every few
//! applied entries while the nemesis crashes, partitions, loses and duplicates messages (and
//! changes the membership); every invariant holds after every event, the cluster recovers after
//! healing, and the buggy receiver is caught with a short reproducer.

use crate::common::{assert_clean, first_catch, opts};
use lab_engine::any::AnySim;
use lab_engine::catalog::{self, Workload};
use lab_engine::check::{check_seed, CheckOptions, FailureKind, FaultModel};
use lab_engine::protocols::raft::Membership;
use lab_engine::{Settings, MS};

fn every(n: u64) -> Settings {
    Settings {
        snapshot_every: Some(n),
        ..Settings::default()
    }
}

#[test]
fn snapshots_every_3_entries_are_safe_and_live_over_2000_faulty_seeds() {
    assert_clean(&every(3), 2000, &opts());
}

#[test]
fn snapshots_every_5_entries_are_safe_and_live_over_2000_faulty_seeds() {
    assert_clean(&every(5), 2000, &opts());
}

/// The snapshot carries the key-value store: histories stay linearizable.
#[test]
fn a_key_value_store_survives_compaction_over_2000_faulty_seeds() {
    let kv = Settings {
        workload: Workload::Kv,
        ..every(5)
    };
    assert_clean(&kv, 2000, &opts());
}

/// The snapshot carries the configuration as of its last entry (§5.1).
#[test]
fn snapshots_and_membership_changes_are_safe_over_2000_faulty_seeds() {
    let pool = Settings {
        nodes: 7,
        voters: Some(5),
        membership: Membership::Single,
        ..every(3)
    };
    let faults = CheckOptions {
        model: FaultModel::Membership,
        ..opts()
    };
    assert_clean(&pool, 2000, &faults);
}

/// A slow, reordering network: a follower gets an InstallSnapshot late, after the entries that
/// follow it (etcd's slow_follower_after_compaction, with the messages crossing).
fn slow_follower() -> Settings {
    Settings {
        nodes: 3,
        network: lab_engine::NetworkSettings {
            latency_min: MS,
            latency_max: 100 * MS,
            ..Default::default()
        },
        ..every(2)
    }
}

#[test]
fn a_slow_reordering_network_with_compaction_is_safe_over_2000_faulty_seeds() {
    assert_clean(&slow_follower(), 2000, &opts());
}

/// Figure 5.3's rule 6 forgotten: a late InstallSnapshot takes entries the follower
/// acknowledged, a committed entry is left on a minority, and a leader is elected without it.
#[test]
fn snapshot_drops_newer_entries_is_caught_with_a_short_reproducer() {
    let bug = catalog::SNAPSHOT_DROPS_NEWER_ENTRIES;
    let (seed, invariant) =
        first_catch(&slow_follower(), bug, 200, &opts()).expect("caught within 200 seeds");
    assert_eq!(invariant, "Leader Completeness");
    let settings = Settings {
        seed,
        bugs: vec![bug],
        ..slow_follower()
    };
    let failure = check_seed(&settings, &CheckOptions::default())
        .failure
        .expect("fails again");
    assert!(matches!(&failure.kind, FailureKind::Safety(v) if v.invariant == invariant));
    let long = check_seed(&settings, &opts())
        .failure
        .expect("fails unshortened too");
    assert!(
        failure.actions.len() < long.actions.len(),
        "{:?}",
        failure.actions
    );
    // The reproducer replays in the simulator, as a link would.
    let mut sim = AnySim::replay(settings, failure.actions.clone()).unwrap();
    sim.set_narrating(false);
    sim.seek_time(failure.time);
    assert!(sim
        .violations()
        .iter()
        .any(|v| v.violation.invariant == invariant));
}
