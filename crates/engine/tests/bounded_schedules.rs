//! Bounded schedules of `lab explore`: `--timer-budget KIND=N,...`, a budget per kind of timer,
//! per node, within `--timeouts`; and `--lossy KIND,...`, the kinds of message that drops and
//! duplicates may strike. Like `--proposers`, each leaves schedules out and never adds one, so
//! a violation found is real, and a clean search is clean for the schedules it allowed. Off by
//! default, and then the search is the one it always was.

use lab_engine::catalog::{self, Bug};
use lab_engine::explore::{
    explore, explore_parallel, ExploreOptions, Host, Outcome, Report, Stats,
};
use lab_engine::node::TimerKind;
use lab_engine::protocols::raft::RaftTimer;
use lab_engine::protocols::two_phase_commit::TpcTimer;
use lab_engine::protocols::zab::ZabTimer;
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

fn settings(protocol: ProtocolKind, bugs: Vec<Bug>) -> Settings {
    Settings {
        nodes: 3,
        bugs,
        ..Settings::for_protocol(protocol)
    }
}

fn budget(o: &ExploreOptions, b: &str) -> ExploreOptions {
    let mut o = o.clone();
    assert_eq!(o.set("timer-budget", b), Ok(true));
    o
}

#[test]
fn the_budget_is_a_flag_off_by_default_that_round_trips() {
    let mut o = ExploreOptions::default();
    assert!(o.timer_budget.is_empty());
    assert!(o.flags().is_empty());
    assert_eq!(o.set("timer-budget", "finalize=2, syncLimit=1"), Ok(true));
    assert_eq!(
        o.timer_budget,
        vec![("finalize".to_string(), 2), ("syncLimit".to_string(), 1)]
    );
    assert_eq!(
        o.flags(),
        vec![("timer-budget", "finalize=2,syncLimit=1".to_string())]
    );
    for bad in ["finalize", "finalize=x", "=2", "finalize=256", "", ","] {
        let err = ExploreOptions::default()
            .set("timer-budget", bad)
            .expect_err(bad);
        assert!(err.starts_with("--timer-budget: "), "{bad}: {err}");
    }
    let twice = ExploreOptions::default()
        .set("timer-budget", "finalize=1,finalize=2")
        .unwrap_err();
    assert!(twice.contains("'finalize' is given twice"), "{twice}");
}

#[test]
fn a_kind_the_protocol_does_not_have_is_refused_with_the_kinds_it_has() {
    let o = budget(&ExploreOptions::default(), "finalise=1");
    let err = explore(&settings(ProtocolKind::Zab, vec![]), &o, &mut Quiet).unwrap_err();
    assert!(err.contains("no timer is called 'finalise'"), "{err}");
    assert!(
        err.contains("election, finalize, heartbeat, syncLimit"),
        "{err}"
    );
    // Names are matched whatever their case.
    let o = budget(&ExploreOptions::default(), "SYNCLIMIT=0");
    let mut o = o;
    o.max_depth = 2;
    assert!(explore(&settings(ProtocolKind::Zab, vec![]), &o, &mut Quiet).is_ok());
}

#[test]
fn each_timer_is_of_the_kind_its_label_names() {
    for t in [
        ZabTimer::Election,
        ZabTimer::Finalize,
        ZabTimer::Heartbeat,
        ZabTimer::SyncLimit,
    ] {
        assert_eq!(t.label(), ZabTimer::KINDS[t.kind()]);
    }
    for t in [
        RaftTimer::Election,
        RaftTimer::Heartbeat,
        RaftTimer::CheckQuorum,
        RaftTimer::CatchUp,
        RaftTimer::Lease(2),
        RaftTimer::VoteHold,
    ] {
        assert_eq!(t.label(), RaftTimer::KINDS[t.kind()]);
    }
    for t in [TpcTimer::Votes(3), TpcTimer::Decision(4)] {
        assert!(t.label().starts_with(TpcTimer::KINDS[t.kind()]), "{t:?}");
    }
}

#[test]
fn a_zero_budget_leaves_out_exactly_the_schedules_with_that_timer() {
    // Raft's servers only time out to campaign; every other timer belongs to a leader or a
    // lease. With no election timer, no timer ever fires: the search is the one with no
    // timeouts at all, state for state.
    let o = ExploreOptions {
        requests: 1,
        crashes: 1,
        asynchronous: true,
        ..ExploreOptions::default()
    };
    let s = settings(ProtocolKind::Raft, vec![]);
    let none = explore(
        &s,
        &ExploreOptions {
            timeouts: 0,
            ..o.clone()
        },
        &mut Quiet,
    )
    .unwrap();
    let budgeted = explore(&s, &budget(&o, "election=0"), &mut Quiet).unwrap();
    assert_eq!(none.outcome, Outcome::Exhausted);
    assert_eq!(budgeted, none);
    // Without the budget, elections happen: a few steps already reach more states.
    let all = explore(
        &s,
        &ExploreOptions {
            max_depth: 4,
            ..o.clone()
        },
        &mut Quiet,
    )
    .unwrap();
    assert!(all.stats.unique > none.stats.unique);
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
fn a_bug_is_found_as_deep_in_fewer_states_on_any_number_of_threads() {
    // Raft's vote without the log check needs two elections and a request: no heartbeat and
    // one election timeout per server are enough, and the budget finds the same shortest
    // counterexample length as the full search.
    let s = settings(ProtocolKind::Raft, vec![catalog::VOTE_WITHOUT_LOG_CHECK]);
    let o = ExploreOptions {
        requests: 1,
        timeouts: 2,
        asynchronous: true,
        ..ExploreOptions::default()
    };
    let full = explore(&s, &o, &mut Quiet).unwrap();
    let b = budget(&o, "election=1,heartbeat=0");
    let budgeted = same_with_every_thread_count(&s, &b);
    let (Outcome::Violation(a), Outcome::Violation(v)) = (&full.outcome, &budgeted.outcome) else {
        panic!("{full:?} / {budgeted:?}");
    };
    assert_eq!(v.violation.invariant, a.violation.invariant);
    assert_eq!(v.actions.len(), a.actions.len());
    assert_eq!(budgeted.stats.depth, full.stats.depth);
    assert!(
        budgeted.stats.unique < full.stats.unique,
        "{} / {}",
        budgeted.stats.unique,
        full.stats.unique
    );
}

#[test]
fn lossy_is_a_list_of_message_kinds_off_by_default() {
    let mut o = ExploreOptions::default();
    assert!(o.lossy.is_empty());
    assert_eq!(o.set("lossy", "Notification, Ping"), Ok(true));
    assert_eq!(
        o.lossy,
        vec!["Notification".to_string(), "Ping".to_string()]
    );
    assert_eq!(o.flags(), vec![("lossy", "Notification,Ping".to_string())]);
    let err = ExploreOptions::default().set("lossy", " , ").unwrap_err();
    assert!(err.starts_with("--lossy: "), "{err}");
    let mut o = ExploreOptions::default();
    o.set("lossy", "Notificaton").unwrap();
    let err = explore(&settings(ProtocolKind::Zab, vec![]), &o, &mut Quiet).unwrap_err();
    assert!(err.contains("no message is called 'Notificaton'"), "{err}");
    assert!(err.contains("Notification, FollowerInfo"), "{err}");
}

#[test]
fn only_the_lossy_kinds_are_dropped() {
    // 2PC with one transaction and no timeouts: no participant ever asks for the decision, so
    // a loss allowed only to DecisionRequest never happens and the search is the lossless one,
    // state for state; a loss allowed to votes reaches more, and any loss more still.
    let s = settings(ProtocolKind::TwoPc, vec![]);
    let o = ExploreOptions {
        requests: 1,
        timeouts: 0,
        ..ExploreOptions::default()
    };
    let lossless = explore(&s, &o, &mut Quiet).unwrap();
    let one = ExploreOptions { drops: 1, ..o };
    let never = explore(&s, &lossy(&one, "DecisionRequest"), &mut Quiet).unwrap();
    assert_eq!(lossless.outcome, Outcome::Exhausted);
    assert_eq!(never, lossless);
    let votes = explore(&s, &lossy(&one, "vote"), &mut Quiet).unwrap();
    let any = explore(&s, &one, &mut Quiet).unwrap();
    assert!(lossless.stats.unique < votes.stats.unique);
    assert!(votes.stats.unique < any.stats.unique);
}

fn lossy(o: &ExploreOptions, kinds: &str) -> ExploreOptions {
    let mut o = o.clone();
    assert_eq!(o.set("lossy", kinds), Ok(true));
    o
}
