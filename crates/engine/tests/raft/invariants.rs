//! Raft's checker fed hand-made states: each property caught where it is broken and silent
//! where it holds, for the parts that no handler test or transcript reaches on its own.

use imbl::Vector;
use lab_engine::invariants::raft::RaftChecker;
use lab_engine::invariants::{CheckCtx, Checker, Requests, Violation};
use lab_engine::node::{NodeId, Out, Protocol, Reply, Request};
use lab_engine::protocols::machine::Reads;
use lab_engine::protocols::raft::{
    Config, Entry, EntryData, Membership, Raft, RaftDurable, RaftState, ReadConfig, Role, Snapshot,
};
use lab_engine::MS;

fn raft() -> Raft {
    Raft {
        nodes: 3,
        election_timeout: (150 * MS, 300 * MS),
        heartbeat: 50 * MS,
        prevote: false,
        check_quorum: false,
        reads: Reads::Log,
        read: ReadConfig::default(),
        bug_commit_old_term: false,
        bug_vote_without_log_check: false,
        bug_forget_vote_on_restart: false,
        bug_unpersisted_log: false,
        reconfig: Default::default(),
        compaction: Default::default(),
    }
}

fn entry(term: u64, id: u64) -> Entry {
    Entry::new(term, Request::counter(id, 1))
}

/// Node `id` in `term` with `log`, of which `commit` entries are committed (and applied).
fn node(id: u8, role: Role, term: u64, log: &[Entry], commit: u64) -> RaftState {
    let durable = RaftDurable {
        current_term: term,
        voted_for: None,
        log: log.iter().cloned().collect::<Vector<_>>(),
        snapshot: None,
    };
    let mut s = raft().on_start(NodeId(id), &durable, &mut Out::new(false));
    s.role = role;
    s.commit_index = commit;
    s.last_applied = commit;
    s.value = commit as i64;
    s
}

/// One event after which the nodes in `changed` look like `nodes`; the properties it broke.
fn event(c: &mut RaftChecker, nodes: &[RaftState], changed: &[u8]) -> Vec<String> {
    event_with(c, nodes, changed, &[])
}

/// Like [`event`], with the replies to clients the event sent.
fn event_with(
    c: &mut RaftChecker,
    nodes: &[RaftState],
    changed: &[u8],
    replies: &[(NodeId, u64, Reply)],
) -> Vec<String> {
    violations(c, nodes, changed, replies)
        .into_iter()
        .map(|v| v.invariant)
        .collect()
}

/// The violations themselves, explanations included.
fn violations(
    c: &mut RaftChecker,
    nodes: &[RaftState],
    changed: &[u8],
    replies: &[(NodeId, u64, Reply)],
) -> Vec<Violation> {
    let r = raft();
    let durable: Vec<RaftDurable> = nodes.iter().map(|s| s.durable.clone()).collect();
    let nodes: Vec<Option<RaftState>> = nodes.iter().cloned().map(Some).collect();
    let changed: Vec<NodeId> = changed.iter().map(|&i| NodeId(i)).collect();
    c.check(&CheckCtx {
        proto: &r,
        nodes: &nodes,
        durable: &durable,
        changed: &changed,
        replies,
        requests: &Requests::default(),
    })
}

#[test]
fn the_checker_lists_its_properties() {
    let names: Vec<&str> = RaftChecker::default()
        .invariants()
        .iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(
        names,
        [
            "Election Safety",
            "Leader Append-Only",
            "Log Matching",
            "Leader Completeness",
            "State Machine Safety",
            "Acknowledged Writes Durable",
            "Configuration Overlap",
            "Lease Exclusivity"
        ]
    );
}

/// Log Matching (§5.3): two logs that hold the same (index, term) must agree on every entry
/// before it. The checker compares prefixes by hash, so the hash must tell entries apart.
#[test]
fn log_matching_compares_whole_prefixes() {
    // Entry 2 of term 2 on both, after different first entries: the only clash is at 2.
    for (first, broken) in [(entry(2, 7), true), (entry(1, 1), false)] {
        let mut c = RaftChecker::default();
        let a = node(1, Role::Follower, 2, &[entry(1, 1), entry(2, 2)], 0);
        let b = node(2, Role::Follower, 2, &[first.clone(), entry(2, 2)], 0);
        let c3 = node(3, Role::Follower, 2, &[], 0);
        let none = Vec::<String>::new();
        assert_eq!(
            event(&mut c, &[a.clone(), b.clone(), c3.clone()], &[1]),
            none
        );
        let v = violations(&mut c, &[a, b, c3], &[2], &[]);
        if broken {
            assert_eq!(v.len(), 1, "{v:?}");
            assert_eq!(v[0].invariant, "Log Matching");
            assert_eq!(
                v[0].explanation,
                "S1 and S2 both hold entry 2 of term 2, but their logs differ before it"
            );
        } else {
            assert_eq!(v, vec![], "{first:?}");
        }
    }
    // Same-term first entries that differ only in their request's id or delta clash at 1 and
    // at 2.
    for other in [Entry::new(1, Request::counter(1, 2)), entry(1, 2)] {
        let mut c = RaftChecker::default();
        let a = node(1, Role::Follower, 3, &[entry(1, 1), entry(3, 9)], 0);
        let b = node(2, Role::Follower, 3, &[other.clone(), entry(3, 9)], 0);
        let c3 = node(3, Role::Follower, 3, &[], 0);
        event(&mut c, &[a.clone(), b.clone(), c3.clone()], &[1]);
        let v = event(&mut c, &[a, b, c3], &[2]);
        assert_eq!(v, ["Log Matching", "Log Matching"], "{other:?}");
    }
}

/// Log Matching keeps no hash per entry: a checked prefix's hash is the one remembered for its
/// last (index, term), except where the log forked from the first one seen with it. A log that
/// forked grows from its own hash, and one that leaves the fork forgets it.
#[test]
fn log_matching_follows_a_forked_log_by_its_own_hashes() {
    let none = Vec::<String>::new();
    let s1 = node(1, Role::Follower, 2, &[entry(1, 1), entry(2, 2)], 0);
    let s3 = node(3, Role::Follower, 2, &[], 0);
    let mut c = RaftChecker::default();
    assert_eq!(
        event(&mut c, &[s1.clone(), s3.clone(), s3.clone()], &[1]),
        none
    );
    // S2 holds entry 2 of term 2 behind another first entry: it forks there.
    let forked = [entry(2, 7), entry(2, 2)];
    let s2 = node(2, Role::Follower, 2, &forked, 0);
    assert_eq!(
        event(&mut c, &[s1.clone(), s2, s3.clone()], &[2]),
        ["Log Matching"]
    );
    // It grows from its own prefix: S3 holding the same log clashes with S1 only.
    let grown = [entry(2, 7), entry(2, 2), entry(2, 3)];
    let s2 = node(2, Role::Follower, 2, &grown, 0);
    assert_eq!(
        event(&mut c, &[s1.clone(), s2.clone(), s3.clone()], &[2]),
        none
    );
    let s3 = node(3, Role::Follower, 2, &grown, 0);
    let v = violations(&mut c, &[s1.clone(), s2, s3], &[3], &[]);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        v[0].explanation,
        "S1 and S3 both hold entry 2 of term 2, but their logs differ before it"
    );
    // S2 takes a new leader's log, which shares only S1's first entry, and extends it: its
    // fork is gone, and S3 following it is silent.
    let s3 = node(3, Role::Follower, 2, &[], 0);
    let s2 = node(2, Role::Follower, 4, &[entry(1, 1), entry(4, 5)], 0);
    assert_eq!(event(&mut c, &[s1.clone(), s2, s3.clone()], &[2]), none);
    let healed = [entry(1, 1), entry(4, 5), entry(4, 6)];
    let s2 = node(2, Role::Follower, 4, &healed, 0);
    assert_eq!(event(&mut c, &[s1.clone(), s2.clone(), s3], &[2]), none);
    let s3 = node(3, Role::Follower, 4, &healed, 0);
    assert_eq!(event(&mut c, &[s1, s2, s3], &[3]), none);
}

/// Leader Completeness (§5.4) is checked when a commit becomes known, too: a leader already in
/// office for a later term that lacks the entry breaks it then.
#[test]
fn a_commit_seen_after_a_later_leader_took_office_is_checked_against_it() {
    let mut c = RaftChecker::default();
    let leader = node(1, Role::Leader, 3, &[], 0);
    let f2 = node(2, Role::Follower, 2, &[], 0);
    let f3 = node(3, Role::Follower, 2, &[], 0);
    assert_eq!(
        event(&mut c, &[leader.clone(), f2, f3.clone()], &[1]),
        Vec::<String>::new()
    );
    // S2, still in term 2, learns that entry 1 of term 2 is committed: the leader of term 3
    // does not hold it.
    let f2 = node(2, Role::Follower, 2, &[entry(2, 1)], 1);
    assert_eq!(
        event(&mut c, &[leader, f2, f3], &[2]),
        ["Leader Completeness"]
    );
}

/// Leader Completeness is judged once when a leader takes office: the same leader seen again
/// is not reported again (Election Safety's record tells a new leader from a known one).
#[test]
fn a_leader_missing_a_committed_entry_is_reported_when_it_takes_office_only() {
    let mut c = RaftChecker::default();
    let s1 = node(1, Role::Follower, 2, &[], 0);
    let s2 = node(2, Role::Follower, 2, &[entry(2, 1)], 1);
    let s3 = node(3, Role::Follower, 2, &[], 0);
    let none = Vec::<String>::new();
    assert_eq!(event(&mut c, &[s1, s2.clone(), s3.clone()], &[2]), none);
    let leader = node(1, Role::Leader, 3, &[], 0);
    let nodes = [leader, s2, s3];
    assert_eq!(event(&mut c, &nodes, &[1]), ["Leader Completeness"]);
    assert_eq!(event(&mut c, &nodes, &[1]), none);
}

/// Acknowledged Writes Durable (§8): a leader's "committed" answer must name the request the
/// committed log holds at that index, with the counter the log gives there.
#[test]
fn an_acknowledgement_must_match_the_committed_log() {
    let log = [entry(1, 1), entry(1, 2)];
    let nodes = [
        node(1, Role::Leader, 1, &log, 2),
        node(2, Role::Follower, 1, &log, 2),
        node(3, Role::Follower, 1, &log, 0),
    ];
    let ack = |request, index, value| (NodeId(1), request, Reply::Committed { index, value });
    for (reply, broken) in [
        (ack(2, 2, 2), false),
        (ack(1, 2, 2), true),
        (ack(2, 2, 5), true),
        (ack(2, 1, 1), true),
    ] {
        let mut c = RaftChecker::default();
        event(&mut c, &nodes, &[1, 2, 3]);
        let v = event_with(&mut c, &nodes, &[1], std::slice::from_ref(&reply));
        let want: Vec<String> = if broken {
            vec!["Acknowledged Writes Durable".into()]
        } else {
            vec![]
        };
        assert_eq!(v, want, "{reply:?}");
    }
}

/// Election Safety (§5.2): two leaders of one term break it; leaders of different terms, or
/// one leader seen twice, do not.
#[test]
fn two_leaders_of_one_term_break_election_safety() {
    let none = Vec::<String>::new();
    for (other_term, broken) in [(2, true), (3, false)] {
        let mut c = RaftChecker::default();
        let s1 = node(1, Role::Leader, 2, &[], 0);
        let s2 = node(2, Role::Leader, other_term, &[], 0);
        let s3 = node(3, Role::Follower, 2, &[], 0);
        let nodes = [s1, s2, s3];
        assert_eq!(event(&mut c, &nodes, &[1]), none);
        assert_eq!(event(&mut c, &nodes, &[1]), none);
        let want: Vec<String> = if broken {
            vec!["Election Safety".into()]
        } else {
            vec![]
        };
        assert_eq!(event(&mut c, &nodes, &[2]), want, "term {other_term}");
    }
}

/// State Machine Safety (§5.4.3): two nodes that commit different entries at one index break
/// it, and so does a counter that is not what the committed entries add up to.
#[test]
fn different_entries_committed_at_one_index_break_state_machine_safety() {
    let none = Vec::<String>::new();
    let other = Entry::new(1, Request::counter(2, 1));
    for (second, broken) in [(other, true), (entry(1, 1), false)] {
        let mut c = RaftChecker::default();
        let s1 = node(1, Role::Follower, 1, &[entry(1, 1)], 1);
        let s2 = node(2, Role::Follower, 1, std::slice::from_ref(&second), 1);
        let s3 = node(3, Role::Follower, 1, &[], 0);
        let nodes = [s1, s2, s3];
        assert_eq!(event(&mut c, &nodes, &[1]), none);
        let v = event(&mut c, &nodes, &[2]);
        let has = v.iter().any(|v| v == "State Machine Safety");
        assert_eq!(has, broken, "{second:?}: {v:?}");
    }
    for (counter, broken) in [(1, false), (4, true)] {
        let mut c = RaftChecker::default();
        let mut s1 = node(1, Role::Follower, 1, &[entry(1, 1)], 1);
        s1.value = counter;
        let nodes = [
            s1,
            node(2, Role::Follower, 1, &[], 0),
            node(3, Role::Follower, 1, &[], 0),
        ];
        let want: Vec<String> = if broken {
            vec!["State Machine Safety".into()]
        } else {
            vec![]
        };
        assert_eq!(event(&mut c, &nodes, &[1]), want, "counter {counter}");
    }
}

/// Leader Append-Only (§5.3): a leader never overwrites or deletes entries in its log within
/// its term; appending is fine, and so is a new term (it may have been a follower between).
#[test]
fn a_leader_that_drops_or_replaces_its_own_entries_breaks_append_only() {
    let (e1, e2, other) = (entry(2, 1), entry(2, 2), entry(2, 9));
    let cases: [(&[Entry], u64, bool); 5] = [
        (&[e1.clone(), e2.clone()], 2, false),
        (&[e1.clone(), e2.clone(), entry(2, 3)], 2, false),
        (std::slice::from_ref(&e1), 2, true),
        (&[e1.clone(), other], 2, true),
        (std::slice::from_ref(&e1), 3, false),
    ];
    for (now, term, broken) in cases {
        let mut c = RaftChecker::default();
        let others = [
            node(2, Role::Follower, 2, &[], 0),
            node(3, Role::Follower, 2, &[], 0),
        ];
        let before = node(1, Role::Leader, 2, &[e1.clone(), e2.clone()], 0);
        let v = event(
            &mut c,
            &[before, others[0].clone(), others[1].clone()],
            &[1],
        );
        assert_eq!(v, Vec::<String>::new());
        let after = node(1, Role::Leader, term, now, 0);
        let v = event(&mut c, &[after, others[0].clone(), others[1].clone()], &[1]);
        let has = v.iter().any(|v| v == "Leader Append-Only");
        assert_eq!(has, broken, "{now:?} in term {term}: {v:?}");
    }
    // A leader that starts with an empty log may append anything.
    let mut c = RaftChecker::default();
    let f = || node(2, Role::Follower, 2, &[], 0);
    let g = || node(3, Role::Follower, 2, &[], 0);
    event(&mut c, &[node(1, Role::Leader, 2, &[], 0), f(), g()], &[1]);
    let v = event(
        &mut c,
        &[node(1, Role::Leader, 2, &[e1], 0), f(), g()],
        &[1],
    );
    assert_eq!(v, Vec::<String>::new());
}

/// Leader Completeness looks at the entry at the committed index: a new leader of a later term
/// that holds it keeps the property; one holding a different entry there, or whose term is not
/// later than the commit's, is judged accordingly.
#[test]
fn leader_completeness_compares_the_entry_at_its_index() {
    let committed = [entry(1, 1), entry(2, 2)];
    let cases: [(&[Entry], u64, bool); 5] = [
        (&[entry(1, 1), entry(2, 2)], 3, false),
        (&[entry(1, 1), entry(2, 2), entry(3, 3)], 3, false),
        (&[entry(1, 1)], 3, true),
        (&[entry(1, 1), entry(3, 7)], 3, true),
        // Not a later term than the one the entries were seen committed in.
        (&[entry(1, 1)], 2, false),
    ];
    for (log, term, broken) in cases {
        let mut c = RaftChecker::default();
        let s2 = node(2, Role::Follower, 2, &committed, 2);
        let s3 = node(3, Role::Follower, 2, &[], 0);
        event(
            &mut c,
            &[node(1, Role::Follower, 2, &[], 0), s2.clone(), s3.clone()],
            &[2],
        );
        let v = violations(
            &mut c,
            &[node(1, Role::Leader, term, log, 0), s2, s3],
            &[1],
            &[],
        );
        let lc: Vec<&Violation> = v
            .iter()
            .filter(|v| v.invariant == "Leader Completeness")
            .collect();
        assert_eq!(!lc.is_empty(), broken, "{log:?} in term {term}: {v:?}");
        if broken {
            assert_eq!(
                lc[0].explanation,
                "S1 leads term 3 without committed entry 2 (counter += 1, term 2)"
            );
        }
    }
}

/// Lease Exclusivity (thesis §6.4.1): a leader holding a read lease while a later term has a
/// leader is caught under `reads=lease`; without a lease, two leaders of different terms are
/// only a stale leader, and under other read paths the property does not apply.
#[test]
fn a_lease_held_while_a_later_term_has_a_leader_is_caught() {
    let log = [entry(1, 1)];
    let mut old = node(1, Role::Leader, 1, &log, 1);
    let new = node(2, Role::Leader, 2, &log, 1);
    let follower = node(3, Role::Follower, 2, &log, 1);
    let run = |reads: Reads, old: &RaftState| {
        let r = Raft { reads, ..raft() };
        let all = [old.clone(), new.clone(), follower.clone()];
        let durable: Vec<RaftDurable> = all.iter().map(|s| s.durable.clone()).collect();
        let nodes: Vec<Option<RaftState>> = all.into_iter().map(Some).collect();
        RaftChecker::default()
            .check(&CheckCtx {
                proto: &r,
                nodes: &nodes,
                durable: &durable,
                changed: &[NodeId(1), NodeId(2), NodeId(3)],
                replies: &[],
                requests: &Requests::default(),
            })
            .into_iter()
            .map(|v| (v.invariant, v.nodes))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(Reads::Lease, &old), []);
    old.read.lease = Some(0);
    assert_eq!(
        run(Reads::Lease, &old),
        [("Lease Exclusivity".to_string(), vec![NodeId(1), NodeId(2)])]
    );
    assert_eq!(run(Reads::ReadIndex, &old), []);
}

/// Four voters S1..S4 that change membership one server at a time (§4.1).
fn raft_reconfiguring() -> Raft {
    let mut r = raft();
    r.nodes = 4;
    r.reconfig.mode = Membership::Single;
    r.reconfig.initial = Config::first(4);
    r
}

fn config_entry(term: u64, id: u64, voters: &[u8]) -> Entry {
    EntryData {
        config: Some(Config::of(
            &voters.iter().map(|&i| NodeId(i)).collect::<Vec<_>>(),
        )),
        ..*entry(term, id)
    }
    .into()
}

/// Node `id` of [`raft_reconfiguring`]'s cluster, as [`node`] makes them.
fn member(id: u8, term: u64, log: &[Entry], commit: u64) -> RaftState {
    let durable = RaftDurable {
        current_term: term,
        voted_for: None,
        log: log.iter().cloned().collect::<Vector<_>>(),
        snapshot: None,
    };
    let mut s = raft_reconfiguring().on_start(NodeId(id), &durable, &mut Out::new(false));
    s.commit_index = commit;
    s.last_applied = commit;
    s.value = commit as i64;
    s
}

/// Configuration Overlap's checks on hand-made clusters, one event each.
fn overlap(c: &mut RaftChecker, nodes: &[RaftState]) -> Vec<Violation> {
    let r = raft_reconfiguring();
    let durable: Vec<RaftDurable> = nodes.iter().map(|s| s.durable.clone()).collect();
    let all: Vec<NodeId> = nodes.iter().map(|s| s.id).collect();
    let nodes: Vec<Option<RaftState>> = nodes.iter().cloned().map(Some).collect();
    c.check(&CheckCtx {
        proto: &r,
        nodes: &nodes,
        durable: &durable,
        changed: &all,
        replies: &[],
        requests: &Requests::default(),
    })
    .into_iter()
    .filter(|v| v.invariant == "Configuration Overlap")
    .collect()
}

/// The 2015 bug's shape with removals: S1 (term 1) removes S4 and S2 (term 2) removes S1, each
/// only in its own log; {S1, S2} and {S3, S4} are majorities of the two. Each pair of
/// configurations is reported once, and a second pair on its own.
#[test]
fn two_uncommitted_configurations_without_a_common_majority_are_reported_once_each() {
    let mut c = RaftChecker::default();
    let s1 = member(1, 1, &[config_entry(1, 1, &[1, 2, 3])], 0);
    let s2 = member(2, 2, &[config_entry(2, 2, &[2, 3, 4])], 0);
    let s3 = member(3, 2, &[], 0);
    let s4 = member(4, 2, &[], 0);
    let found = overlap(&mut c, &[s1.clone(), s2.clone(), s3.clone(), s4.clone()]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].nodes, vec![NodeId(1), NodeId(2)]);
    assert!(
        found[0]
            .explanation
            .starts_with("S1 uses the configuration"),
        "{}",
        found[0].explanation
    );
    // The same two configurations again: already reported.
    assert!(overlap(&mut c, &[s1.clone(), s2.clone(), s3.clone(), s4.clone()]).is_empty());
    // S3 (term 3) removes S3 instead: {S1, S2, S4} has disjoint majorities with both others'
    // ({S1, S3} and {S2, S4}; {S1, S2} and {S3, S4}): two new pairs.
    let s3 = member(3, 3, &[config_entry(3, 3, &[1, 2, 4])], 0);
    let found = overlap(&mut c, &[s1, s2, s3, s4]);
    assert_eq!(
        found.iter().map(|v| v.nodes.clone()).collect::<Vec<_>>(),
        vec![vec![NodeId(1), NodeId(3)], vec![NodeId(2), NodeId(3)]]
    );
}

/// Configurations at or before the committed one are no longer active (Schultz et al.'s
/// active configurations, CPP 2022): a follower that has not yet received the newest
/// committed configuration does not count with its older one.
#[test]
fn a_lagging_server_older_configuration_is_not_active() {
    let mut c = RaftChecker::default();
    let log = [
        entry(1, 1),
        config_entry(1, 2, &[1, 2, 3]),
        config_entry(1, 3, &[3, 4]),
    ];
    let s1 = member(1, 1, &log, 3);
    let s2 = member(2, 1, &log[..2], 2);
    let s3 = member(3, 1, &log, 3);
    let s4 = member(4, 1, &log, 3);
    assert!(overlap(&mut c, &[s1, s2, s3, s4]).is_empty());
}

/// A configuration beyond the committed one counts only while its log is as new as the
/// newest committed term: an older log can no longer win an election nor commit.
#[test]
fn a_stale_log_configuration_is_not_active() {
    let mut c = RaftChecker::default();
    let committed = [entry(1, 1), entry(2, 2)];
    let s1 = member(1, 2, &committed, 2);
    let s2 = member(2, 2, &committed, 2);
    let s3 = member(3, 2, &committed, 2);
    // S4 holds a configuration entry of term 1 at index 2: beyond the committed configuration
    // (the initial one, index 0) but older than term 2.
    let s4 = member(4, 2, &[entry(1, 1), config_entry(1, 9, &[4])], 0);
    assert!(overlap(&mut c, &[s1, s2, s3, s4.clone()]).is_empty());
    // The same configuration in a log of the committed term counts.
    let s4 = member(
        4,
        2,
        &[entry(1, 1), entry(2, 2), config_entry(2, 9, &[4])],
        2,
    );
    let s1 = member(1, 2, &committed, 2);
    let s2 = member(2, 2, &committed, 2);
    let s3 = member(3, 2, &committed, 2);
    assert_eq!(overlap(&mut c, &[s1, s2, s3, s4]).len(), 1);
}

/// A server that compacted its log is checked on its whole log: the snapshot stands for the
/// committed prefix when the checker never saw the server's own entries (here it got the
/// snapshot by InstallSnapshot), so a differing entry after it is still caught.
#[test]
fn a_log_behind_a_snapshot_is_checked_against_the_committed_prefix() {
    let mut c = RaftChecker::default();
    let log: Vec<Entry> = (1..=5).map(|i| entry(1, i)).collect();
    let s1 = node(1, Role::Leader, 1, &log, 5);
    let s3 = node(3, Role::Follower, 1, &[], 0);
    let fresh = node(2, Role::Follower, 1, &[], 0);
    assert!(event(&mut c, &[s1.clone(), fresh, s3.clone()], &[1]).is_empty());
    let durable = RaftDurable {
        current_term: 2,
        voted_for: None,
        log: Vector::from(vec![entry(2, 99)]),
        snapshot: Some(Snapshot {
            last_index: 4,
            last_term: 1,
            config: Config::first(3),
            config_index: 0,
            value: 4,
            kv: Default::default(),
        }),
    };
    let mut s2 = raft().on_start(NodeId(2), &durable, &mut Out::new(false));
    s2.commit_index = 5;
    s2.last_applied = 5;
    // Entry 5 differs, and so does the counter it leaves.
    let found = event(&mut c, &[s1, s2, s3], &[2]);
    assert!(
        !found.is_empty() && found.iter().all(|v| v == "State Machine Safety"),
        "{found:?}"
    );
}

/// Symmetry reduction renames a server's read-path memory with the rest of its state: the
/// per-node acknowledgements of a read round and the follower a held read answers.
#[test]
fn a_renamed_leader_renames_its_pending_reads() {
    use lab_engine::node::Perm;
    use lab_engine::protocols::raft::HeldRead;
    let mut s = node(1, Role::Leader, 2, &[entry(2, 1)], 1);
    s.read.round = 3;
    s.read.acked = vec![3, 2, 0];
    s.read.held = vec![HeldRead {
        request: Request::counter(7, 0),
        round: 3,
        asker: Some(NodeId(2)),
    }];
    // S1 and S2 swap; S3 stays.
    let p = Perm::new(vec![NodeId(2), NodeId(1), NodeId(3)]).unwrap();
    let r = s.permute_ids(&p);
    assert_eq!(r.id, NodeId(2));
    assert_eq!(r.read.round, 3);
    assert_eq!(r.read.acked, vec![2, 3, 0]);
    assert_eq!(r.read.held[0].asker, Some(NodeId(1)));
    assert_eq!(r.permute_ids(&p.inverse()), s);
}

/// Symmetry reduction renames the servers a configuration entry names (§4.1), with the term it
/// was made in kept, and leaves a client's entry, which names none, as it was.
#[test]
fn a_renamed_log_renames_its_configuration_entries() {
    use lab_engine::node::Perm;
    // S1 becomes S2, S2 becomes S3, S3 becomes S1.
    let p = Perm::new(vec![NodeId(2), NodeId(3), NodeId(1)]).unwrap();
    let joint = Entry::config(
        2,
        Config {
            voters: 0b011,
            old: 0b110,
        },
    );
    let r = joint.permute_ids(&p);
    assert_eq!(r.term, 2);
    assert_eq!(
        r.config,
        Some(Config {
            voters: 0b110,
            old: 0b101
        })
    );
    assert_eq!(r.permute_ids(&p.inverse()), joint);
    let client = Entry::new(2, Request::counter(7, 0));
    assert_eq!(client.permute_ids(&p), client);
}

/// The requests the checkers look up (Acknowledged Writes Durable reads what a client asked):
/// ids from 1 without gaps; a replay issuing one again leaves it as first made; when the past
/// changes, the later ones are forgotten and their ids issued anew.
#[test]
fn requests_are_found_by_id_from_1_and_forgotten_when_the_past_changes() {
    let mut r = Requests::default();
    assert_eq!((r.next_id(), r.get(0), r.get(1)), (1, None, None));
    for id in 1..=100 {
        r.record(Request::counter(id, -(id as i64)));
    }
    assert_eq!(r.next_id(), 101);
    assert_eq!(r.get(0), None);
    assert_eq!(r.get(1), Some(&Request::counter(1, -1)));
    r.record(Request::counter(65, 7));
    assert_eq!(r.get(65), Some(&Request::counter(65, -65)));
    assert_eq!(r.next_id(), 101);
    assert_eq!(r.get(100), Some(&Request::counter(100, -100)));
    assert_eq!(r.get(101), None);
    assert_eq!(r.get(u64::MAX), None);
    r.truncate(64);
    assert_eq!(
        (r.next_id(), r.get(64).map(|r| r.id), r.get(65)),
        (65, Some(64), None)
    );
    r.record(Request::counter(65, 5));
    assert_eq!(r.get(65), Some(&Request::counter(65, 5)));
}

#[test]
#[should_panic(expected = "without gaps")]
fn a_request_out_of_turn_is_a_bug() {
    Requests::default().record(Request::counter(2, 0));
}
