//! Symmetry reduction (`lab explore --symmetry`): keeping one state per renaming of Raft's
//! servers, or of Two-Phase Commit's participants, finds each violation at the same shortest
//! depth as the full search, in fewer states, with a counterexample that replays in the
//! simulator; the reduced search reports the same on any number of threads; and protocols
//! whose ids are not interchangeable refuse it.

use lab_engine::catalog::{self, Bug};
use lab_engine::explore::{
    explore, explore_parallel, ExploreOptions, Host, Outcome, Report, Stats,
};
use lab_engine::{ProtocolKind, Settings};

/// No clock and no heap: reports compare whole.
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

fn raft(bugs: Vec<Bug>) -> Settings {
    Settings {
        nodes: 3,
        bugs,
        ..Settings::for_protocol(ProtocolKind::Raft)
    }
}

fn opts(f: impl FnOnce(&mut ExploreOptions)) -> ExploreOptions {
    let mut o = ExploreOptions {
        asynchronous: true,
        ..ExploreOptions::default()
    };
    f(&mut o);
    o
}

fn with_symmetry(o: &ExploreOptions) -> ExploreOptions {
    ExploreOptions {
        symmetry: true,
        ..o.clone()
    }
}

/// Raft's variants the full search finds quickly, with their budgets.
fn raft_cases() -> Vec<(Bug, ExploreOptions)> {
    vec![
        (catalog::FORGET_VOTE_ON_RESTART, opts(|o| o.crashes = 1)),
        (catalog::VOTE_WITHOUT_LOG_CHECK, opts(|o| o.requests = 1)),
        (
            catalog::VOTE_WITHOUT_LOG_CHECK,
            opts(|o| {
                o.requests = 1;
                o.proposers = 2;
            }),
        ),
    ]
}

fn two_pc(nodes: usize, bugs: Vec<Bug>) -> Settings {
    Settings {
        nodes,
        bugs,
        ..Settings::for_protocol(ProtocolKind::TwoPc)
    }
}

/// Two-Phase Commit's variants, as `tests/explore.rs` finds them, on three and four nodes
/// (S1 coordinates: two or three participants to rename).
fn two_pc_cases() -> Vec<(Settings, ExploreOptions)> {
    let one_request = opts(|o| o.requests = 1);
    let mut cases = Vec::new();
    for nodes in [3, 4] {
        for bug in [catalog::UNILATERAL_ABORT, catalog::COMMIT_MISSING_VOTE] {
            cases.push((two_pc(nodes, vec![bug]), one_request.clone()));
        }
    }
    cases
}

fn all_cases() -> Vec<(Settings, ExploreOptions)> {
    raft_cases()
        .into_iter()
        .map(|(bug, o)| (raft(vec![bug]), o))
        .chain(two_pc_cases())
        .collect()
}

#[test]
fn the_reduced_search_finds_each_violation_as_deep_in_fewer_states() {
    for (s, o) in all_cases() {
        let what = s.searched();
        let full = explore(&s, &o, &mut Quiet).unwrap();
        let reduced = explore(&s, &with_symmetry(&o), &mut Quiet).unwrap();
        let (Outcome::Violation(a), Outcome::Violation(b)) = (&full.outcome, &reduced.outcome)
        else {
            panic!("{}: {full:?} / {reduced:?}", what);
        };
        assert_eq!(b.violation.invariant, a.violation.invariant, "{}", what);
        assert_eq!(reduced.stats.depth, full.stats.depth, "{what}");
        // Counterexample::new replays it in the simulator to the same violation.
        assert_eq!(b.actions.len(), a.actions.len(), "{what}");
        assert!(
            reduced.stats.unique < full.stats.unique,
            "{}: {} unique states reduced, {} in full",
            what,
            reduced.stats.unique,
            full.stats.unique
        );
    }
}

#[test]
fn a_clean_search_counts_each_class_once() {
    // Paths of up to 9 steps of the correct protocol: the same bound is reached, and each
    // class of renamings of three servers holds at most 3! = 6 states.
    let o = opts(|o| {
        o.requests = 1;
        o.max_depth = 9;
    });
    let full = explore(&raft(vec![]), &o, &mut Quiet).unwrap();
    let reduced = explore(&raft(vec![]), &with_symmetry(&o), &mut Quiet).unwrap();
    assert_eq!(full.outcome, Outcome::DepthBound);
    assert_eq!(reduced.outcome, Outcome::DepthBound);
    assert_eq!(reduced.stats.depth, full.stats.depth);
    assert!(reduced.stats.unique < full.stats.unique);
    assert!(
        reduced.stats.unique * 6 >= full.stats.unique,
        "{} classes cannot hold {} states",
        reduced.stats.unique,
        full.stats.unique
    );
}

#[test]
fn two_pc_classes_hold_at_most_every_ordering_of_the_participants() {
    // The correct protocol with a request and a crash, searched to the end: the same depth,
    // and with S1 fixed a class holds at most (n-1)! states, 2 on three nodes and 6 on four.
    let o = ExploreOptions {
        requests: 1,
        crashes: 1,
        ..ExploreOptions::default()
    };
    for (nodes, per_class) in [(3, 2), (4, 6)] {
        let s = two_pc(nodes, vec![]);
        let full = explore(&s, &o, &mut Quiet).unwrap();
        let reduced = explore(&s, &with_symmetry(&o), &mut Quiet).unwrap();
        assert_eq!(full.outcome, Outcome::Exhausted, "{nodes} nodes");
        assert_eq!(reduced.outcome, Outcome::Exhausted, "{nodes} nodes");
        assert_eq!(reduced.stats.depth, full.stats.depth, "{nodes} nodes");
        assert!(reduced.stats.unique < full.stats.unique, "{nodes} nodes");
        assert!(
            reduced.stats.unique * per_class >= full.stats.unique,
            "{} classes cannot hold {} states",
            reduced.stats.unique,
            full.stats.unique
        );
    }
}

fn same_with_every_thread_count(s: &Settings, o: &ExploreOptions) -> Report {
    let one = explore(s, o, &mut Quiet).unwrap();
    for threads in [2, 4] {
        let many = explore_parallel(s, o, threads, &mut Quiet).unwrap();
        assert_eq!(many, one, "{} with {threads} threads", s.searched());
    }
    one
}

#[test]
fn the_reduced_search_does_not_depend_on_the_thread_count() {
    for (s, o) in all_cases() {
        let r = same_with_every_thread_count(&s, &with_symmetry(&o));
        assert!(matches!(r.outcome, Outcome::Violation(_)), "{r:?}");
    }
    let bounded = with_symmetry(&opts(|o| {
        o.requests = 1;
        o.max_depth = 8;
    }));
    let r = same_with_every_thread_count(&raft(vec![]), &bounded);
    assert_eq!(r.outcome, Outcome::DepthBound);
    let crash = with_symmetry(&ExploreOptions {
        requests: 1,
        crashes: 1,
        ..ExploreOptions::default()
    });
    let r = same_with_every_thread_count(&two_pc(4, vec![]), &crash);
    assert_eq!(r.outcome, Outcome::Exhausted);
}

#[test]
fn protocols_that_break_ties_by_id_refuse_symmetry() {
    use ProtocolKind::*;
    for protocol in [Paxos, MultiPaxos, Zab, ThreePc] {
        let s = Settings {
            nodes: 3,
            ..Settings::for_protocol(protocol)
        };
        let err = explore(&s, &with_symmetry(&ExploreOptions::default()), &mut Quiet)
            .expect_err("not interchangeable");
        assert!(err.starts_with("--symmetry: "), "{err}");
        assert!(err.contains("not interchangeable"), "{err}");
    }
    // 3PC's participants are not alike either: a new coordinator is picked among them by id.
    let s = Settings {
        nodes: 3,
        ..Settings::for_protocol(ThreePc)
    };
    let err = explore(&s, &with_symmetry(&ExploreOptions::default()), &mut Quiet).unwrap_err();
    assert!(
        err.contains("termination protocol picks a new one by id"),
        "{err}"
    );
    // Raft with membership changes: servers outside the configuration are not alike.
    let mut s = raft(vec![]);
    s.membership = lab_engine::protocols::raft::Membership::Single;
    let err = explore(&s, &with_symmetry(&ExploreOptions::default()), &mut Quiet)
        .expect_err("not interchangeable");
    assert!(err.contains("membership"), "{err}");
}

#[test]
fn symmetry_is_a_flag_off_by_default() {
    let mut o = ExploreOptions::default();
    assert!(!o.symmetry);
    assert!(o.flags().is_empty());
    assert_eq!(o.set("symmetry", ""), Ok(true));
    assert!(o.symmetry);
    assert_eq!(o.flags(), vec![("symmetry", String::new())]);
}
