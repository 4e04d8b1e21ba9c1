//! Exhaustive exploration (`lab explore`): every buggy variant is found within small stated
//! bounds, with the length of its shortest counterexample; the correct protocol explores clean
//! within the same bounds (paths as long as that counterexample); and the counterexample, as
//! manual actions, replays in the timed simulator to the same violation.

use lab_engine::any::AnySim;
use lab_engine::catalog::{self, Bug};
use lab_engine::explore::{explore, ExploreOptions, Host, Outcome, Report, Search, Stats};
use lab_engine::script;
use lab_engine::{ProtocolKind, Settings};

/// A host with no clock or heap to read: tests assert what was found, never how fast.
struct Quiet {
    calls: u32,
    cancel_after: Option<u32>,
}

impl Host for Quiet {
    fn seconds(&self) -> f64 {
        0.0
    }
    fn allocated(&self) -> usize {
        0
    }
    fn progress(&mut self, _: &Stats) -> bool {
        self.calls += 1;
        self.cancel_after.is_none_or(|n| self.calls <= n)
    }
}

fn run(settings: &Settings, opts: &ExploreOptions) -> Report {
    let mut host = Quiet {
        calls: 0,
        cancel_after: None,
    };
    explore(settings, opts, &mut host).expect("valid settings")
}

/// A buggy variant, the smallest cluster and budgets that reach it, and what must be found.
struct Case {
    bug: Bug,
    protocol: ProtocolKind,
    opts: ExploreOptions,
    steps: usize,
    invariant: &'static str,
}

fn opts(f: impl FnOnce(&mut ExploreOptions)) -> ExploreOptions {
    let mut o = ExploreOptions::default();
    f(&mut o);
    o
}

fn cases() -> Vec<Case> {
    use ProtocolKind::*;
    vec![
        Case {
            bug: catalog::IGNORE_PROMISED_VALUE,
            protocol: Paxos,
            opts: opts(|o| o.proposers = 2),
            steps: 8,
            invariant: "Agreement",
        },
        Case {
            bug: catalog::ACCEPT_BELOW_PROMISE,
            protocol: Paxos,
            opts: opts(|o| o.proposers = 2),
            steps: 8,
            invariant: "Agreement",
        },
        Case {
            bug: catalog::FORGET_PROMISE_ON_RESTART,
            protocol: Paxos,
            opts: opts(|o| {
                o.proposers = 2;
                o.crashes = 1;
            }),
            steps: 10,
            invariant: "Agreement",
        },
        Case {
            bug: catalog::IGNORE_PROMISED_VALUE,
            protocol: MultiPaxos,
            opts: opts(|o| {
                o.requests = 1;
                o.asynchronous = true;
            }),
            steps: 9,
            invariant: "Agreement",
        },
        Case {
            bug: catalog::ACCEPT_BELOW_PROMISE,
            protocol: MultiPaxos,
            opts: opts(|o| {
                o.requests = 2;
                o.asynchronous = true;
            }),
            steps: 10,
            invariant: "Agreement",
        },
        Case {
            bug: catalog::FORGET_PROMISE_ON_RESTART,
            protocol: MultiPaxos,
            opts: opts(|o| {
                o.proposers = 2;
                o.requests = 2;
                o.crashes = 1;
                o.asynchronous = true;
            }),
            steps: 12,
            invariant: "Agreement",
        },
        Case {
            bug: catalog::UNILATERAL_ABORT,
            protocol: TwoPc,
            opts: opts(|o| {
                o.requests = 1;
                o.asynchronous = true;
            }),
            steps: 6,
            invariant: "Atomicity",
        },
        Case {
            bug: catalog::COMMIT_MISSING_VOTE,
            protocol: TwoPc,
            opts: opts(|o| {
                o.requests = 1;
                o.asynchronous = true;
            }),
            steps: 2,
            invariant: "Commit Validity",
        },
        Case {
            bug: catalog::UNCERTAIN_COMMITS_ON_TIMEOUT,
            protocol: ThreePc,
            opts: opts(|o| {
                o.requests = 1;
                o.crashes = 1;
            }),
            steps: 6,
            invariant: "Commit Validity",
        },
        Case {
            bug: catalog::TERMINATION_IGNORES_PRECOMMIT,
            protocol: ThreePc,
            opts: opts(|o| {
                o.requests = 1;
                o.crashes = 1;
            }),
            steps: 16,
            invariant: "Committable State",
        },
        Case {
            bug: catalog::VOTE_WITHOUT_LOG_CHECK,
            protocol: Raft,
            opts: opts(|o| {
                o.requests = 1;
                o.asynchronous = true;
            }),
            steps: 9,
            invariant: "Leader Completeness",
        },
        Case {
            bug: catalog::FORGET_VOTE_ON_RESTART,
            protocol: Raft,
            opts: opts(|o| {
                o.crashes = 1;
                o.asynchronous = true;
            }),
            steps: 8,
            invariant: "Election Safety",
        },
        Case {
            bug: catalog::UNPERSISTED_LOG,
            protocol: Raft,
            opts: opts(|o| {
                o.requests = 1;
                o.crashes = 1;
                o.asynchronous = true;
            }),
            steps: 11,
            invariant: "Leader Completeness",
        },
    ]
}

fn settings(protocol: ProtocolKind, bugs: Vec<Bug>) -> Settings {
    Settings {
        nodes: 3,
        bugs,
        ..Settings::for_protocol(protocol)
    }
}

/// Finds the bug, checks the path's length and that it replays in the simulator (from its
/// script text, as `lab run --actions` reads it) to the same violation at its last step.
fn found(c: &Case) {
    let s = settings(c.protocol, vec![c.bug]);
    let report = run(&s, &c.opts);
    let Outcome::Violation(cx) = &report.outcome else {
        panic!("{}: not found: {:?}", c.bug.slug(), report);
    };
    assert_eq!(cx.violation.invariant, c.invariant, "{}", c.bug.slug());
    assert_eq!(cx.actions.len(), c.steps, "{}: shortest path", c.bug.slug());
    assert_eq!(report.stats.depth as usize, c.steps);

    // Each step has its own moment (issue 21: a counterexample once happened all at time 0,
    // and the clock, the timeline and the space-time view could not move through it).
    assert!(
        cx.settings.manual,
        "{}: replays under the manual schedule",
        c.bug.slug()
    );
    let times: Vec<_> = cx.actions.iter().map(|a| a.time).collect();
    assert!(
        times[0] > 0 && times.windows(2).all(|w| w[0] < w[1]),
        "{}: {times:?}",
        c.bug.slug()
    );
    let lines = script::parse(&cx.script()).expect("the script reads back");
    let mut sim = AnySim::new(cx.settings.clone()).unwrap();
    for l in &lines {
        script::run_command(&mut sim, &l.command).expect("every step replays");
    }
    let v = sim.violations();
    assert_eq!(v.len(), 1, "{}: {v:?}", c.bug.slug());
    assert_eq!(v[0].event as usize, c.steps);
    assert_eq!(v[0].violation.invariant, c.invariant);

    // The link replays the same run.
    let d = lab_engine::share::decode_link(&cx.link());
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let mut linked = AnySim::replay(d.settings, d.actions).unwrap();
    linked.run_until(*times.last().unwrap());
    assert_eq!(linked.trace_hash(), sim.trace_hash());
}

/// The protocol without the bug: every path as long as the bug's counterexample is safe.
fn clean(c: &Case) {
    let s = settings(c.protocol, vec![]);
    let o = ExploreOptions {
        max_depth: c.steps as u32,
        ..c.opts.clone()
    };
    let report = run(&s, &o);
    assert!(
        matches!(report.outcome, Outcome::DepthBound | Outcome::Exhausted),
        "{} without {}: {:?}",
        c.protocol,
        c.bug.slug(),
        report.outcome
    );
}

fn case(protocol: ProtocolKind, bug: Bug) -> Case {
    cases()
        .into_iter()
        .find(|c| c.bug == bug && c.protocol == protocol)
        .expect("a case")
}

#[test]
fn every_buggy_variant_of_every_protocol_has_an_exploration_case() {
    for &p in ProtocolKind::ALL {
        for &b in p.entry().bugs {
            if [
                catalog::COMMIT_OLD_TERM,
                catalog::REUSE_EPOCH,
                catalog::SKIP_SYNC,
                catalog::ACK_EPOCH_TWICE,
                catalog::RECONFIG_BEFORE_TERM_COMMIT,
                catalog::JOINT_NEW_MAJORITY_ONLY,
                catalog::READ_WITHOUT_QUORUM_CHECK,
                catalog::LEASE_IGNORES_DRIFT,
                catalog::SNAPSHOT_DROPS_NEWER_ENTRIES,
            ]
            .contains(&b)
            {
                // The read bugs break Linearizability, which is checked on a whole client
                // history at the end of a `lab check` seed, not on each explored state; and a
                // lease is a matter of clocks, while the explorer fires timers in any order.
                // The membership bugs need four servers and `--reconfigs`: their cases are
                // in tests/explore_membership.rs. The snapshot bug needs a
                // compaction, a late InstallSnapshot and a leader crash after it;
                // `lab check --snapshot-every 2` on a slow network catches it.
                // Figure 8 of the Raft paper needs three terms, two leaders' entries and a
                // crash; Zab's two bugs need two epochs, each with a leader's proposals, on top
                // of a full election and synchronization; zab-ack-epoch-twice needs two
                // leaders each establishing the same epoch and committing, with a follower
                // restarted three times between them: beyond a test's budget (the README
                // gives the numbers; `lab check` catches all four).
                continue;
            }
            assert!(
                cases().iter().any(|c| c.protocol == p && c.bug == b),
                "{p} {} has no exploration case",
                b.slug()
            );
        }
    }
}

macro_rules! bug_tests {
    ($($name:ident: $protocol:ident $bug:ident;)*) => {$(
        #[test]
        fn $name() {
            let c = case(ProtocolKind::$protocol, catalog::$bug);
            found(&c);
            clean(&c);
        }
    )*};
}

bug_tests! {
    paxos_ignore_promised_value: Paxos IGNORE_PROMISED_VALUE;
    paxos_accept_below_promise: Paxos ACCEPT_BELOW_PROMISE;
    paxos_forget_promise_on_restart: Paxos FORGET_PROMISE_ON_RESTART;
    multi_paxos_ignore_promised_value: MultiPaxos IGNORE_PROMISED_VALUE;
    multi_paxos_accept_below_promise: MultiPaxos ACCEPT_BELOW_PROMISE;
    multi_paxos_forget_promise_on_restart: MultiPaxos FORGET_PROMISE_ON_RESTART;
    two_pc_unilateral_abort: TwoPc UNILATERAL_ABORT;
    two_pc_commit_missing_vote: TwoPc COMMIT_MISSING_VOTE;
    three_pc_uncertain_commits_on_timeout: ThreePc UNCERTAIN_COMMITS_ON_TIMEOUT;
    three_pc_termination_ignores_precommit: ThreePc TERMINATION_IGNORES_PRECOMMIT;
    raft_vote_without_log_check: Raft VOTE_WITHOUT_LOG_CHECK;
    raft_forget_vote_on_restart: Raft FORGET_VOTE_ON_RESTART;
    raft_unpersisted_log: Raft UNPERSISTED_LOG;
}

#[test]
fn three_pc_survives_a_crash_only_while_messages_beat_timeouts() {
    let s = settings(ProtocolKind::ThreePc, vec![]);
    let bounded = opts(|o| {
        o.requests = 1;
        o.crashes = 1;
    });
    assert_eq!(run(&s, &bounded).outcome, Outcome::Exhausted);
    // Asynchrony: a restarted participant's timeout beats the coordinator's PreCommit, and it
    // aborts what the coordinator pre-committed (FLP: no timeout tells slow from crashed).
    let report = run(
        &s,
        &ExploreOptions {
            asynchronous: true,
            ..bounded
        },
    );
    let Outcome::Violation(cx) = report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(cx.violation.invariant, "Committable State");
    assert_eq!(cx.actions.len(), 10);
}

#[test]
fn budgets_bound_what_can_happen() {
    // Without a crash, forgetting on restart cannot matter: the whole space is safe.
    let s = settings(
        ProtocolKind::Paxos,
        vec![catalog::FORGET_PROMISE_ON_RESTART],
    );
    let report = run(&s, &opts(|o| o.proposers = 1));
    assert_eq!(report.outcome, Outcome::Exhausted);
    // One proposer alone, with nothing to fight: S1 proposes, everyone accepts, all learn.
    let s = settings(ProtocolKind::Paxos, vec![catalog::IGNORE_PROMISED_VALUE]);
    let report = run(&s, &opts(|o| o.proposers = 1));
    assert_eq!(report.outcome, Outcome::Exhausted);
    assert!(report.stats.unique > 10 && report.stats.states >= report.stats.unique);
}

#[test]
fn searches_are_deterministic_and_stop_at_their_bounds() {
    let s = settings(ProtocolKind::Paxos, vec![]);
    let deep = opts(|o| {
        o.proposers = 2;
        o.max_depth = 9;
    });
    let a = run(&s, &deep);
    assert_eq!(a.outcome, Outcome::DepthBound);
    assert_eq!(a.stats.depth, 9);
    assert_eq!(run(&s, &deep), a, "the same search twice");
    let capped = run(
        &s,
        &ExploreOptions {
            max_states: 1000,
            ..deep.clone()
        },
    );
    assert_eq!(capped.outcome, Outcome::StateBound);
    assert!(capped.stats.unique < a.stats.unique);
    let mut host = Quiet {
        calls: 0,
        cancel_after: Some(1),
    };
    let cancelled = explore(&s, &deep, &mut host).unwrap();
    assert_eq!(cancelled.outcome, Outcome::Cancelled);
}

/// A clock that ticks once per progress call: a slice ends at every call past its deadline.
struct Ticking {
    now: f64,
}

impl Host for Ticking {
    fn seconds(&self) -> f64 {
        self.now
    }
    fn allocated(&self) -> usize {
        0
    }
    fn progress(&mut self, _: &Stats) -> bool {
        self.now += 1.0;
        true
    }
}

/// The page's worker runs a search in slices between its messages: cut at every progress
/// call, it finds what one go finds, and after the answer it answers the same again.
#[test]
fn a_search_in_slices_finds_what_one_go_finds() {
    let s = settings(ProtocolKind::Paxos, vec![]);
    let o = opts(|o| {
        o.proposers = 2;
        o.max_depth = 9;
    });
    let whole = run(&s, &o);
    let mut search = Search::new(&s, &o).unwrap();
    let mut host = Ticking { now: 0.0 };
    let mut slices = 0;
    let report = loop {
        let until = host.now + 1.0;
        if let Some(r) = search.resume(&mut host, until).unwrap() {
            break r;
        }
        slices += 1;
    };
    assert!(slices > 3, "the search paused only {slices} times");
    assert_eq!(report.outcome, whole.outcome);
    assert_eq!(
        (report.stats.states, report.stats.unique, report.stats.depth),
        (whole.stats.states, whole.stats.unique, whole.stats.depth)
    );
    assert_eq!(search.resume(&mut host, 0.0).unwrap(), Some(report));

    // And a violation found in slices is the same shortest counterexample.
    let c = case(ProtocolKind::Paxos, catalog::IGNORE_PROMISED_VALUE);
    let buggy = settings(c.protocol, vec![c.bug]);
    let whole = run(&buggy, &c.opts);
    let mut search = Search::new(&buggy, &c.opts).unwrap();
    let sliced = loop {
        if let Some(r) = search.resume(&mut host, 0.0).unwrap() {
            break r;
        }
    };
    assert_eq!(sliced.outcome, whole.outcome);
}

/// The page starts from each protocol's suggested budgets: with them, a 3-node cluster shows
/// each of these buggy variants within the state bound, and the options survive a round trip
/// through their flags (as the page sends them to its worker).
#[test]
fn suggested_budgets_find_the_bugs_the_page_offers() {
    use ProtocolKind::*;
    for (protocol, bug) in [
        (Paxos, catalog::IGNORE_PROMISED_VALUE),
        (Paxos, catalog::ACCEPT_BELOW_PROMISE),
        (Paxos, catalog::FORGET_PROMISE_ON_RESTART),
        (MultiPaxos, catalog::IGNORE_PROMISED_VALUE),
        (TwoPc, catalog::UNILATERAL_ABORT),
        (TwoPc, catalog::COMMIT_MISSING_VOTE),
        (ThreePc, catalog::TERMINATION_IGNORES_PRECOMMIT),
        (Raft, catalog::VOTE_WITHOUT_LOG_CHECK),
        (Raft, catalog::FORGET_VOTE_ON_RESTART),
        (Raft, catalog::UNPERSISTED_LOG),
    ] {
        let o = ExploreOptions::for_protocol(protocol);
        let mut back = ExploreOptions::default();
        for (k, v) in o.flags() {
            assert_eq!(back.set(k, &v), Ok(true), "{k}={v}");
        }
        assert_eq!(back, o);
        let report = run(&settings(protocol, vec![bug]), &o);
        assert!(
            matches!(report.outcome, Outcome::Violation(_)),
            "{protocol} {}: {:?}",
            bug.slug(),
            report.stats
        );
    }
}

#[test]
fn bad_settings_and_options_say_why() {
    let s = Settings {
        nodes: 0,
        ..Settings::for_protocol(ProtocolKind::Raft)
    };
    assert!(explore(
        &s,
        &ExploreOptions::default(),
        &mut Quiet {
            calls: 0,
            cancel_after: None
        }
    )
    .is_err());
    let mut o = ExploreOptions::default();
    assert_eq!(o.set("crashes", "2"), Ok(true));
    assert_eq!(o.crashes, 2);
    assert_eq!(o.set("max-memory", "512MB"), Ok(true));
    assert_eq!(o.max_memory, 512 << 20);
    assert_eq!(o.set("nodes", "3"), Ok(false), "not an explore option");
    assert!(o.set("drops", "300").unwrap_err().contains("0 to 255"));
    assert!(o.set("max-memory", "lots").unwrap_err().contains("512MB"));
}

/// The schedule counterexamples replay under: the clock moves, yet nothing happens by itself
/// (no delivery, timer or client request) until an action says so; links carry it, and a
/// timed run's link does not mention it.
#[test]
fn under_the_manual_schedule_only_recorded_actions_happen() {
    let manual = Settings {
        manual: true,
        ..settings(ProtocolKind::Raft, vec![])
    };
    let mut sim = AnySim::new(manual.clone()).unwrap();
    sim.run_until(10 * lab_engine::SECOND);
    assert_eq!((sim.events(), sim.now()), (0, 10 * lab_engine::SECOND));
    let timed = settings(ProtocolKind::Raft, vec![]);
    let mut other = AnySim::new(timed.clone()).unwrap();
    other.run_until(lab_engine::SECOND);
    assert!(other.events() > 0);

    let link = lab_engine::share::encode_link(&manual, &[], &[]);
    assert!(link.contains("schedule=manual"), "{link}");
    assert!(lab_engine::share::decode_link(&link).settings.manual);
    let link = lab_engine::share::encode_link(&timed, &[], &[]);
    assert!(!link.contains("schedule"), "{link}");
    assert!(Settings::from_words([("schedule", Some("sometimes"))]).is_err());
}
