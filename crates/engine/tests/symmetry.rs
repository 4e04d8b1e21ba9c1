//! Symmetry reduction (`lab explore --symmetry`): keeping one state per renaming of Raft's
//! servers finds each violation at the same shortest depth as the full search, in fewer
//! states, with a counterexample that replays in the simulator; the reduced search reports the
//! same on any number of threads; and protocols whose ids are not interchangeable refuse it.

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

#[test]
fn the_reduced_search_finds_each_violation_as_deep_in_fewer_states() {
    for (bug, o) in raft_cases() {
        let s = raft(vec![bug]);
        let full = explore(&s, &o, &mut Quiet).unwrap();
        let reduced = explore(&s, &with_symmetry(&o), &mut Quiet).unwrap();
        let (Outcome::Violation(a), Outcome::Violation(b)) = (&full.outcome, &reduced.outcome)
        else {
            panic!("{}: {full:?} / {reduced:?}", bug.slug());
        };
        assert_eq!(
            b.violation.invariant,
            a.violation.invariant,
            "{}",
            bug.slug()
        );
        assert_eq!(reduced.stats.depth, full.stats.depth, "{}", bug.slug());
        // Counterexample::new replays it in the simulator to the same violation.
        assert_eq!(b.actions.len(), a.actions.len(), "{}", bug.slug());
        assert!(
            reduced.stats.unique < full.stats.unique,
            "{}: {} unique states reduced, {} in full",
            bug.slug(),
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
    for (bug, o) in raft_cases() {
        let r = same_with_every_thread_count(&raft(vec![bug]), &with_symmetry(&o));
        assert!(matches!(r.outcome, Outcome::Violation(_)), "{r:?}");
    }
    let bounded = with_symmetry(&opts(|o| {
        o.requests = 1;
        o.max_depth = 8;
    }));
    let r = same_with_every_thread_count(&raft(vec![]), &bounded);
    assert_eq!(r.outcome, Outcome::DepthBound);
}

#[test]
fn protocols_that_break_ties_by_id_refuse_symmetry() {
    use ProtocolKind::*;
    for protocol in [Paxos, MultiPaxos, Zab, TwoPc, ThreePc] {
        let s = Settings {
            nodes: 3,
            ..Settings::for_protocol(protocol)
        };
        let err = explore(&s, &with_symmetry(&ExploreOptions::default()), &mut Quiet)
            .expect_err("not interchangeable");
        assert!(err.starts_with("--symmetry: "), "{err}");
        assert!(err.contains("not interchangeable"), "{err}");
    }
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
