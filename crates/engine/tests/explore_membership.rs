//! Membership changes in exhaustive exploration (`lab explore --reconfigs N`): a change is a
//! step offered to the leader, the count made is part of the state, and Raft's two membership
//! bugs are found with their shortest counterexamples, which replay in the simulator as the
//! `remove S1` / `replace S1 with S4` actions a user would type.

use lab_engine::any::AnySim;
use lab_engine::catalog::{self, Bug};
use lab_engine::explore::{
    explore, explore_parallel, ExploreOptions, Host, Outcome, Report, Stats,
};
use lab_engine::protocols::raft::Membership;
use lab_engine::script;
use lab_engine::sim::history::Action;
use lab_engine::{ProtocolKind, Settings};

/// A host with no clock or heap to read: tests assert what was found, never how fast.
struct Quiet;

impl Host for Quiet {
    fn seconds(&self) -> f64 {
        0.0
    }
    fn allocated(&self) -> usize {
        0
    }
    fn progress(&mut self, _: &Stats) -> bool {
        true
    }
}

fn run(settings: &Settings, opts: &ExploreOptions) -> Report {
    explore(settings, opts, &mut Quiet).expect("valid settings")
}

fn raft(nodes: usize, membership: Membership, bugs: Vec<Bug>) -> Settings {
    Settings {
        nodes,
        membership,
        bugs,
        ..Settings::for_protocol(ProtocolKind::Raft)
    }
}

fn opts(f: impl FnOnce(&mut ExploreOptions)) -> ExploreOptions {
    let mut o = ExploreOptions::default();
    f(&mut o);
    o
}

/// The membership changes of a counterexample, as the simulator recorded them.
fn changes(report: &Report) -> Vec<String> {
    let Outcome::Violation(cx) = &report.outcome else {
        panic!("no violation: {report:?}")
    };
    cx.actions
        .iter()
        .filter(|a| matches!(a.action, Action::Reconfigure { .. }))
        .map(|a| script::format_actions(std::slice::from_ref(a)))
        .map(|line| {
            let action = line.trim().splitn(3, ' ').nth(2);
            action.expect("at TIME ACTION").to_string()
        })
        .collect()
}

/// The counterexample replays from its script, as `lab run --actions` reads it, to the same
/// violation at its last step; and its link replays the same run.
fn replays(report: &Report, invariant: &str) {
    let Outcome::Violation(cx) = &report.outcome else {
        panic!("no violation: {report:?}")
    };
    assert_eq!(cx.violation.invariant, invariant);
    assert_eq!(cx.actions.len() as u32, report.stats.depth);
    let lines = script::parse(&cx.script()).expect("the script reads back");
    let mut sim = AnySim::new(cx.settings.clone()).unwrap();
    for l in &lines {
        script::run_command(&mut sim, &l.command).expect("every step replays");
    }
    let v = sim.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].event as usize, cx.actions.len());
    assert_eq!(v[0].violation.invariant, invariant);
    let d = lab_engine::share::decode_link(&cx.link());
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let mut linked = AnySim::replay(d.settings, d.actions).unwrap();
    linked.run_until(cx.actions.last().unwrap().time);
    assert_eq!(linked.trace_hash(), sim.trace_hash());
}

/// Three servers under `membership=single`, S1 alone timing out, one client request, every
/// path up to 8 steps. Without `--reconfigs` the changes are not there; with one, the leader
/// S1 may remove a server once an entry of its term commits (the errata's rule refuses it
/// before), or before that with the 2015 bug: more states, and the same states on two threads.
#[test]
fn the_budget_adds_membership_changes_and_nothing_else() {
    let o = |reconfigs| {
        opts(|o| {
            o.proposers = 1;
            o.requests = 1;
            o.max_depth = 8;
            o.reconfigs = reconfigs;
        })
    };
    let fixed_rule = raft(3, Membership::Single, vec![]);
    let bug = raft(
        3,
        Membership::Single,
        vec![catalog::RECONFIG_BEFORE_TERM_COMMIT],
    );
    let counts = |s: &Settings, r| {
        let report = run(s, &o(r));
        assert_eq!(report.outcome, Outcome::DepthBound);
        let two = explore_parallel(s, &o(r), 2, &mut Quiet).unwrap();
        assert_eq!(
            (two.stats.states, two.stats.unique),
            (report.stats.states, report.stats.unique)
        );
        (report.stats.states, report.stats.unique)
    };
    // Without changes the bug's rule is never asked: the two protocols are one.
    assert_eq!(counts(&fixed_rule, 0), (1497, 738));
    assert_eq!(counts(&bug, 0), (1497, 738));
    // The errata's rule: S1 removes a server only once its request commits.
    assert_eq!(counts(&fixed_rule, 1), (1657, 892));
    // The bug lets S1 remove a server as soon as it leads, before its request commits.
    assert_eq!(counts(&bug, 1), (13629, 7536));
}

/// The 2015 bug (Ongaro, raft-dev, July 2015) on four voters, with S1 and S2 timing out once
/// each and two changes, under `--async`: S1 leads term 1 and removes itself before anything
/// of its term commits ({S2, S3, S4}, in its log only); S2 wins term 2 with S3's and S4's
/// votes and removes itself ({S1, S3, S4}): {S2, S3} and {S1, S4} are disjoint majorities of
/// two active configurations. 12 steps, the shortest: `lab explore --protocol raft --nodes 4
/// --membership single --bug raft-reconfig-before-term-commit --proposers 2 --reconfigs 2
/// --async`. With the errata's rule the same paths are safe.
#[test]
fn the_2015_single_server_change_bug_is_found_and_the_errata_rule_is_clean() {
    let o = opts(|o| {
        o.proposers = 2;
        o.reconfigs = 2;
        o.asynchronous = true;
    });
    let bug = raft(
        4,
        Membership::Single,
        vec![catalog::RECONFIG_BEFORE_TERM_COMMIT],
    );
    let report = run(&bug, &o);
    assert_eq!(report.stats.depth, 12);
    replays(&report, "Configuration Overlap");
    assert_eq!(changes(&report), ["remove S1", "remove S2"]);
    let clean = run(
        &raft(4, Membership::Single, vec![]),
        &ExploreOptions { max_depth: 12, ..o },
    );
    assert_eq!(clean.outcome, Outcome::DepthBound);
}

/// `raft-joint-new-majority-only` on three voters and a spare S4: S1 leads, commits a client
/// request (the errata's rule holds under joint consensus too), and replaces itself with S4:
/// C_old,new = {S1, S2, S3} → {S2, S3, S4}, decided by C_new's majority alone, lets {S3, S4}
/// decide while {S1, S2}, a majority of the committed {S1, S2, S3}, decides too: 7 steps. The
/// correct joint consensus is clean on every path as long.
#[test]
fn joint_consensus_decided_by_the_new_majority_alone_is_found() {
    let s = |bugs| Settings {
        voters: Some(3),
        ..raft(4, Membership::Joint, bugs)
    };
    let o = opts(|o| {
        o.proposers = 1;
        o.requests = 1;
        o.reconfigs = 1;
    });
    let report = run(&s(vec![catalog::JOINT_NEW_MAJORITY_ONLY]), &o);
    assert_eq!(report.stats.depth, 7);
    replays(&report, "Configuration Overlap");
    assert_eq!(changes(&report), ["replace S1 with S4"]);
    let clean = run(&s(vec![]), &ExploreOptions { max_depth: 7, ..o });
    assert_eq!(clean.outcome, Outcome::DepthBound);
}

/// A fixed membership has no change to make, and symmetry stays refused with changes: servers
/// outside the configuration have a role of their own.
#[test]
fn reconfigs_need_membership_changes_and_refuse_symmetry() {
    let o = opts(|o| o.reconfigs = 1);
    let err = explore(&raft(3, Membership::Fixed, vec![]), &o, &mut Quiet).unwrap_err();
    assert!(
        err.starts_with("--reconfigs: the membership is fixed"),
        "{err}"
    );
    let paxos = Settings {
        nodes: 3,
        ..Settings::for_protocol(ProtocolKind::Paxos)
    };
    assert!(explore(&paxos, &o, &mut Quiet).is_err());
    let sym = ExploreOptions {
        symmetry: true,
        ..o
    };
    let err = explore(&raft(3, Membership::Single, vec![]), &sym, &mut Quiet).unwrap_err();
    assert!(err.contains("role of their own"), "{err}");
}

#[test]
fn reconfigs_is_a_flag_off_by_default() {
    let mut o = ExploreOptions::default();
    assert_eq!(o.reconfigs, 0);
    assert!(o.flags().is_empty());
    assert_eq!(o.set("reconfigs", "2"), Ok(true));
    assert_eq!(o.flags(), vec![("reconfigs", "2".to_string())]);
    assert!(o
        .set("reconfigs", "-1")
        .unwrap_err()
        .contains("--reconfigs"));
}
