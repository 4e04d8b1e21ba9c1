//! Parallelism outside a run never changes a result: `lab explore --threads N` reports what the
//! one-thread search reports (counts, depth, outcome and the shortest counterexample, action for
//! action), and `lab check --jobs N` / `--shard` what the sequential check does (see check.rs's
//! unit tests and tests/cli.rs for the command line).

use lab_engine::catalog::{self, Bug};
use lab_engine::explore::{
    explore, explore_parallel, ExploreOptions, Host, Outcome, Report, Stats,
};
use lab_engine::{ProtocolKind, Settings};

/// No clock and no heap: the reports compare whole, times and memory included (all zero).
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

fn settings(protocol: ProtocolKind, bugs: Vec<Bug>) -> Settings {
    Settings {
        nodes: 3,
        bugs,
        ..Settings::for_protocol(protocol)
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
fn counterexamples_do_not_depend_on_the_thread_count() {
    use ProtocolKind::*;
    let cases = [
        (Paxos, catalog::IGNORE_PROMISED_VALUE, 2, 0, 0, false),
        (Paxos, catalog::FORGET_PROMISE_ON_RESTART, 2, 0, 1, false),
        (TwoPc, catalog::UNILATERAL_ABORT, u8::MAX, 1, 0, true),
        (
            ThreePc,
            catalog::UNCERTAIN_COMMITS_ON_TIMEOUT,
            u8::MAX,
            1,
            1,
            false,
        ),
        (Raft, catalog::FORGET_VOTE_ON_RESTART, u8::MAX, 0, 1, true),
    ];
    for (protocol, bug, proposers, requests, crashes, asynchronous) in cases {
        let o = ExploreOptions {
            proposers,
            requests,
            crashes,
            asynchronous,
            ..ExploreOptions::default()
        };
        let report = same_with_every_thread_count(&settings(protocol, vec![bug]), &o);
        let Outcome::Violation(cx) = &report.outcome else {
            panic!("{}: not found: {report:?}", bug.slug());
        };
        assert_eq!(cx.actions.len() as u32, report.stats.depth);
    }
}

#[test]
fn clean_searches_and_their_bounds_do_not_depend_on_the_thread_count() {
    let paxos = settings(ProtocolKind::Paxos, vec![]);
    let deep = ExploreOptions {
        proposers: 2,
        max_depth: 9,
        ..ExploreOptions::default()
    };
    let r = same_with_every_thread_count(&paxos, &deep);
    assert_eq!(r.outcome, Outcome::DepthBound);
    // The state bound is checked every 1,024 states expanded, at the same states.
    let bounded = ExploreOptions {
        max_states: 5_000,
        ..deep
    };
    let r = same_with_every_thread_count(&paxos, &bounded);
    assert_eq!(r.outcome, Outcome::StateBound);
    let two_pc = ExploreOptions {
        requests: 1,
        crashes: 1,
        ..ExploreOptions::default()
    };
    let r = same_with_every_thread_count(&settings(ProtocolKind::TwoPc, vec![]), &two_pc);
    assert!(matches!(r.outcome, Outcome::Exhausted), "{r:?}");
}
