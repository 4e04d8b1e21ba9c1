//! Raft with membership changes under random faults (dissertation ch. 4): the nemesis adds,
//! removes and replaces servers of a seven-node pool (five voters at first) while it crashes,
//! partitions and loses messages; every invariant holds after every event, the cluster recovers
//! after healing, and the 2015 bug is caught with a short reproducer.

use crate::common::{assert_clean, first_catch, opts};
use lab_engine::any::AnySim;
use lab_engine::catalog;
use lab_engine::check::{check_seed, CheckOptions, FailureKind, FaultModel};
use lab_engine::protocols::raft::Membership;
use lab_engine::{Action, Settings};

fn pool() -> Settings {
    Settings {
        nodes: 7,
        voters: Some(5),
        membership: Membership::Single,
        ..Settings::default()
    }
}

fn membership_faults() -> CheckOptions {
    CheckOptions {
        model: FaultModel::Membership,
        ..opts()
    }
}

#[test]
fn single_server_changes_are_safe_and_live_over_2000_faulty_seeds() {
    assert_clean(&pool(), 2000, &membership_faults());
}

/// Spare servers outside the configuration change nothing about a cluster under the usual
/// faults.
#[test]
fn joint_consensus_is_safe_and_live_over_2000_faulty_seeds() {
    let joint = Settings {
        membership: Membership::Joint,
        ..pool()
    };
    assert_clean(&joint, 2000, &membership_faults());
}

/// Counting C_new's majority alone lets C_old and C_old,new decide independently.
#[test]
fn joint_new_majority_only_is_caught() {
    let joint = Settings {
        membership: Membership::Joint,
        ..pool()
    };
    let (_, invariant) = first_catch(
        &joint,
        catalog::JOINT_NEW_MAJORITY_ONLY,
        20,
        &membership_faults(),
    )
    .expect("caught within 20 seeds");
    assert_eq!(invariant, "Configuration Overlap");
}

#[test]
fn a_pool_with_spares_is_safe_and_live_under_random_faults() {
    assert_clean(&pool(), 300, &opts());
}

/// The 2015 bug: without the errata's rule, a new leader's configuration change and an
/// uncommitted one of an earlier term are active together with disjoint majorities.
#[test]
fn reconfig_before_term_commit_is_caught_with_a_short_reproducer() {
    let (seed, invariant) = first_catch(
        &pool(),
        catalog::RECONFIG_BEFORE_TERM_COMMIT,
        2000,
        &membership_faults(),
    )
    .expect("caught within 2000 seeds");
    assert_eq!(invariant, "Configuration Overlap");
    let settings = Settings {
        seed,
        bugs: vec![catalog::RECONFIG_BEFORE_TERM_COMMIT],
        ..pool()
    };
    let failure = check_seed(
        &settings,
        &CheckOptions {
            model: FaultModel::Membership,
            ..CheckOptions::default()
        },
    )
    .failure
    .expect("fails again");
    assert!(matches!(&failure.kind, FailureKind::Safety(v) if v.invariant == invariant));
    let long = check_seed(&settings, &membership_faults())
        .failure
        .expect("fails unshortened too");
    assert!(
        failure.actions.len() < long.actions.len() && failure.actions.len() <= 16,
        "{:?}",
        failure.actions
    );
    assert!(failure
        .actions
        .iter()
        .any(|a| matches!(a.action, Action::Reconfigure { .. })));
    // The reproducer replays in the simulator, as a link would.
    let mut sim = AnySim::replay(settings, failure.actions.clone()).unwrap();
    sim.set_narrating(false);
    sim.seek_time(failure.time);
    assert!(sim
        .violations()
        .iter()
        .any(|v| v.violation.invariant == invariant));
}
