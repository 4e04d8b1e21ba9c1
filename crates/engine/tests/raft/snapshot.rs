//! Raft's log compaction (dissertation ch. 5), one event at a time: each test feeds a node one
//! event and asserts the exact effects it emits (narration aside). The receiver rules are
//! Figure 5.3's (InstallSnapshot, Figure 13 of the extended paper); where the dissertation is
//! silent, etcd-io/raft's raft.go (`handleSnapshot`, `restore`) and its data-driven
//! `slow_follower_after_compaction` test are the model.

use imbl::Vector;
use lab_engine::node::{Effect, NodeId, Out, Protocol, Request};
use lab_engine::protocols::machine::Reads;
use lab_engine::protocols::raft::{
    AppendEntries, AppendReply, Compaction, Config, Entry, InstallSnapshot, Membership, Raft,
    RaftDurable, RaftMsg, RaftState, RaftTimer, ReadConfig, Reconfig, Role, Snapshot,
};
use lab_engine::MS;

fn raft(every: Option<u64>, bug: bool) -> Raft {
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
        compaction: Compaction {
            every,
            bug_drops_newer_entries: bug,
        },
    }
}

/// Entry `id` of `term`: `counter += id`, so the counter tells which entries were applied.
fn entry(term: u64, id: u64) -> Entry {
    Entry::new(term, Request::counter(id, id as i64))
}

fn entries(terms: &[u64]) -> Vec<Entry> {
    terms
        .iter()
        .enumerate()
        .map(|(i, &t)| entry(t, i as u64 + 1))
        .collect()
}

/// The snapshot of entries 1..=`last` of `log` (whose entry i adds i to the counter).
fn snapshot_of(log: &[Entry], last: u64) -> Snapshot {
    Snapshot {
        last_index: last,
        last_term: log[last as usize - 1].term,
        config: Config::first(3),
        config_index: 0,
        value: (1..=last as i64).sum(),
        kv: Default::default(),
    }
}

fn node(r: &Raft, id: u8, term: u64, snapshot: Option<Snapshot>, log: &[Entry]) -> RaftState {
    let durable = RaftDurable {
        current_term: term,
        voted_for: None,
        log: log.iter().cloned().collect::<Vector<_>>(),
        snapshot,
    };
    r.on_start(NodeId(id), &durable, &mut Out::new(false))
}

fn election_timer() -> Effect<Raft> {
    Effect::SetTimer {
        timer: RaftTimer::Election,
        min: 150 * MS,
        max: 300 * MS,
    }
}

fn ack(term: u64, match_index: u64, last_index: u64) -> Effect<Raft> {
    Effect::Send {
        to: NodeId(1),
        msg: RaftMsg::AppendEntriesReply(AppendReply {
            term,
            success: true,
            match_index,
            last_index,
        }),
    }
}

#[test]
fn a_follower_snapshots_after_n_applied_entries_and_discards_the_prefix() {
    // §5.1: "each server takes snapshots independently, covering just the committed entries".
    let r = raft(Some(3), false);
    let log = entries(&[1, 1, 1, 1]);
    let mut s = node(&r, 2, 1, None, &log);
    let mut out = Out::new(true);
    r.on_msg(
        &mut s,
        NodeId(1),
        RaftMsg::AppendEntries(AppendEntries {
            term: 1,
            prev_log_index: 4,
            prev_log_term: 1,
            entries: vec![],
            leader_commit: 3,
        }),
        &mut out,
    );
    let snap = snapshot_of(&log, 3);
    assert_eq!(
        out.actions(),
        vec![
            election_timer(),
            Effect::Persist(RaftDurable {
                current_term: 1,
                voted_for: None,
                log: log[3..].iter().cloned().collect(),
                snapshot: Some(snap.clone()),
            }),
            ack(1, 4, 4),
        ]
    );
    assert_eq!((s.commit_index, s.last_applied, s.value), (3, 3, 6));
    assert_eq!(
        (s.snapshot_index(), s.last_index(), s.log().len()),
        (3, 4, 1)
    );
    assert_eq!((s.term_at(3), s.term_at(4)), (1, 1));
    assert_eq!(s.entry(3), None, "compacted");
    assert_eq!(s.entry(4), Some(&log[3]));
    assert!(out
        .narration()
        .iter()
        .any(|l| l.contains("S2 snapshots its state machine at entry 3 (term 1)")));
}

#[test]
fn without_snapshot_every_nothing_is_compacted() {
    let r = raft(None, false);
    let log = entries(&[1, 1, 1, 1]);
    let mut s = node(&r, 2, 1, None, &log);
    let mut out = Out::new(false);
    r.on_msg(
        &mut s,
        NodeId(1),
        RaftMsg::AppendEntries(AppendEntries {
            term: 1,
            prev_log_index: 4,
            prev_log_term: 1,
            entries: vec![],
            leader_commit: 4,
        }),
        &mut out,
    );
    assert_eq!(out.actions(), vec![election_timer(), ack(1, 4, 4)]);
    assert_eq!((s.durable.snapshot.clone(), s.log().len()), (None, 4));
}

/// S1 leads term 2 with a snapshot up to entry 4 and entries 5 and 6 after it.
fn leader(r: &Raft) -> (RaftState, Vec<Entry>) {
    let log = entries(&[1, 1, 2, 2, 2, 2]);
    let mut s = node(r, 1, 2, Some(snapshot_of(&log, 4)), &log[4..]);
    s.role = Role::Leader;
    s.leader = Some(NodeId(1));
    s.next_index = vec![7; 3];
    s.match_index = vec![6, 0, 0];
    (s, log)
}

#[test]
fn a_leader_sends_its_snapshot_to_a_follower_that_needs_a_discarded_entry() {
    // §5.1: "the leader must occasionally send snapshots to followers that lag behind".
    let r = raft(Some(4), false);
    let (mut s, log) = leader(&r);
    let mut out = Out::new(true);
    // S2 rejects: its log ends at entry 2 (etcd's slow_follower_after_compaction).
    r.on_msg(
        &mut s,
        NodeId(2),
        RaftMsg::AppendEntriesReply(AppendReply {
            term: 2,
            success: false,
            match_index: 0,
            last_index: 2,
        }),
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![Effect::Send {
            to: NodeId(2),
            msg: RaftMsg::InstallSnapshot(InstallSnapshot {
                term: 2,
                snapshot: snapshot_of(&log, 4),
            }),
        }]
    );
    assert_eq!(s.next_index[1], 5, "it assumes the snapshot arrives");
    assert!(out
        .narration()
        .iter()
        .any(|l| l.contains("S1 sends S2 its snapshot up to entry 4")));
    // The reply moves matchIndex to the snapshot's end, and the rest of the log follows.
    let mut out = Out::new(false);
    r.on_msg(
        &mut s,
        NodeId(2),
        RaftMsg::AppendEntriesReply(AppendReply {
            term: 2,
            success: true,
            match_index: 4,
            last_index: 4,
        }),
        &mut out,
    );
    assert_eq!(s.match_index[1], 4);
    assert_eq!(
        out.actions(),
        vec![Effect::Send {
            to: NodeId(2),
            msg: RaftMsg::AppendEntries(AppendEntries {
                term: 2,
                prev_log_index: 4,
                prev_log_term: 2,
                entries: log[4..].to_vec(),
                leader_commit: 4,
            }),
        }]
    );
}

fn install(term: u64, snapshot: Snapshot) -> RaftMsg {
    RaftMsg::InstallSnapshot(InstallSnapshot { term, snapshot })
}

#[test]
fn rule_1_a_snapshot_of_a_stale_term_is_refused() {
    let r = raft(Some(4), false);
    let log = entries(&[1, 1, 2, 2]);
    let mut s = node(&r, 2, 3, None, &log[..1]);
    let mut out = Out::new(true);
    r.on_msg(
        &mut s,
        NodeId(1),
        install(2, snapshot_of(&log, 4)),
        &mut out,
    );
    assert_eq!(
        out.actions(),
        vec![Effect::Send {
            to: NodeId(1),
            msg: RaftMsg::AppendEntriesReply(AppendReply {
                term: 3,
                success: false,
                match_index: 0,
                last_index: 1,
            }),
        }]
    );
    assert_eq!((s.snapshot_index(), s.last_index()), (0, 1));
}

#[test]
fn rule_6_a_follower_holding_the_last_included_entry_keeps_what_follows() {
    // "If existing log entry has same index and term as snapshot's last included entry,
    // retain log entries following it and reply" (Figure 5.3); etcd's restore() commits up to
    // it and applies from the log it holds.
    let r = raft(Some(10), false);
    let log = entries(&[1, 1, 2, 2, 2, 2]);
    let mut s = node(&r, 2, 2, None, &log);
    let mut out = Out::new(true);
    r.on_msg(
        &mut s,
        NodeId(1),
        install(2, snapshot_of(&log, 4)),
        &mut out,
    );
    assert_eq!(out.actions(), vec![election_timer(), ack(2, 4, 6)]);
    assert_eq!((s.commit_index, s.last_applied, s.value), (4, 4, 10));
    assert_eq!(s.log().len(), 6, "entries 5 and 6 are kept");
    assert_eq!(s.durable.snapshot, None, "it compacts on its own schedule");
    assert!(out
        .narration()
        .iter()
        .any(|l| l.contains("keeps the entries after it")));
}

#[test]
fn rules_7_and_8_a_follower_without_it_discards_its_log_and_loads_the_snapshot() {
    // "Discard the entire log; reset state machine using snapshot contents (and load
    // snapshot's cluster configuration)" (Figure 5.3).
    let r = raft(Some(10), false);
    let log = entries(&[1, 1, 2, 2]);
    // S2 holds entries 1 and 2 and a stale entry 3 of term 1.
    let mut stale = log[..2].to_vec();
    stale.push(entry(1, 9));
    let mut s = node(&r, 2, 2, None, &stale);
    let mut out = Out::new(true);
    let snap = snapshot_of(&log, 4);
    r.on_msg(&mut s, NodeId(1), install(2, snap.clone()), &mut out);
    assert_eq!(
        out.actions(),
        vec![
            election_timer(),
            Effect::Persist(RaftDurable {
                current_term: 2,
                voted_for: None,
                log: Vector::new(),
                snapshot: Some(snap),
            }),
            ack(2, 4, 4),
        ]
    );
    assert_eq!((s.commit_index, s.last_applied, s.value), (4, 4, 10));
    assert_eq!((s.last_index(), s.last_term()), (4, 2));
    assert!(out
        .narration()
        .iter()
        .any(|l| l.contains("discards its log and loads the snapshot")));
}

#[test]
fn a_snapshot_no_newer_than_the_commit_index_is_ignored() {
    // etcd raft.go restore(): "if s.Metadata.Index <= r.raftLog.committed { return false }";
    // the reply says how far it committed.
    let r = raft(Some(10), false);
    let log = entries(&[1, 1, 2, 2, 2, 2]);
    let mut s = node(&r, 2, 2, None, &log);
    s.commit_index = 5;
    s.last_applied = 5;
    let mut out = Out::new(false);
    r.on_msg(
        &mut s,
        NodeId(1),
        install(2, snapshot_of(&log, 4)),
        &mut out,
    );
    assert_eq!(out.actions(), vec![election_timer(), ack(2, 5, 6)]);
    assert_eq!((s.log().len(), s.last_applied), (6, 5));
}

#[test]
fn the_buggy_variant_discards_entries_it_holds_after_the_snapshot() {
    let r = raft(Some(10), true);
    let log = entries(&[1, 1, 2, 2, 2, 2]);
    let mut s = node(&r, 2, 2, None, &log);
    let mut out = Out::new(true);
    let snap = snapshot_of(&log, 4);
    r.on_msg(&mut s, NodeId(1), install(2, snap.clone()), &mut out);
    assert_eq!(
        out.actions(),
        vec![
            election_timer(),
            Effect::Persist(RaftDurable {
                current_term: 2,
                voted_for: None,
                log: Vector::new(),
                snapshot: Some(snap),
            }),
            ack(2, 4, 4),
        ]
    );
    assert_eq!(
        s.last_index(),
        4,
        "entries 5 and 6 it acknowledged are gone"
    );
    assert!(out
        .narration()
        .iter()
        .any(|l| l.contains("bug: raft-snapshot-drops-newer-entries")));
}

#[test]
fn append_entries_reaching_into_the_snapshot_checks_only_what_follows_it() {
    // Entries up to the snapshot are committed, so they match the leader's; etcd's maybeAppend
    // skips what is already committed the same way. From entry 2 or from entry 1 on (where
    // base - prev and base / prev differ), entries up to 4 are skipped and 5 is kept.
    let r = raft(Some(10), false);
    let log = entries(&[1, 1, 2, 2, 2]);
    for prev in [2u64, 1] {
        let mut s = node(&r, 2, 2, Some(snapshot_of(&log, 4)), &[]);
        let mut out = Out::new(false);
        r.on_msg(
            &mut s,
            NodeId(1),
            RaftMsg::AppendEntries(AppendEntries {
                term: 2,
                prev_log_index: prev,
                prev_log_term: 1,
                entries: log[prev as usize..].to_vec(),
                leader_commit: 4,
            }),
            &mut out,
        );
        assert_eq!(
            s.log().iter().cloned().collect::<Vec<_>>(),
            log[4..].to_vec(),
            "from entry {prev}"
        );
        assert_eq!(out.actions().last(), Some(&ack(2, 5, 5)));
    }
}

#[test]
fn a_restarted_server_loads_its_snapshot_then_its_log() {
    // §5.1: the snapshot is on stable storage; everything it covers is committed and applied.
    let r = raft(Some(4), false);
    let log = entries(&[1, 1, 2, 2, 2]);
    let s = node(&r, 2, 2, Some(snapshot_of(&log, 4)), &log[4..]);
    assert_eq!((s.commit_index, s.last_applied, s.value), (4, 4, 10));
    assert_eq!((s.last_index(), s.last_term()), (5, 2));
    assert_eq!(s.config, Config::first(3));
}

#[test]
fn the_inspector_and_the_log_grid_show_the_snapshot() {
    use lab_engine::node::{Present, Section};
    let r = raft(Some(4), false);
    let log = entries(&[1, 1, 2, 2, 2]);
    let s = node(&r, 2, 2, Some(snapshot_of(&log, 4)), &log[4..]);
    let sections = r.inspect(&s);
    let fields = sections
        .iter()
        .find_map(|x| match x {
            Section::Fields { title, fields } if title.starts_with("Snapshot") => Some(fields),
            _ => None,
        })
        .expect("a snapshot section");
    let field = |k: &str| {
        fields
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("lastIncludedIndex"), Some("4"));
    assert_eq!(field("lastIncludedTerm"), Some("2"));
    assert_eq!(field("compacted"), Some("+4 compacted"));
    assert_eq!(field("counter"), Some("10"));
    // The log table lists what is left after the snapshot.
    let rows = sections
        .iter()
        .find_map(|x| match x {
            Section::Table { title, rows, .. } if title == "Log" => Some(rows),
            _ => None,
        })
        .expect("a log table");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "5");
    // The grid: one snapshot box keyed by its last index, then the entries after it.
    let row = r.table_row(&s);
    let snap = row.snapshot.expect("the row has a snapshot box");
    assert_eq!(
        (snap.key, snap.term, snap.sub.as_str()),
        (4, 2, "+4 compacted")
    );
    assert!(snap.committed);
    assert_eq!(row.cells.iter().map(|c| c.key).collect::<Vec<_>>(), [5]);
    // A crashed node's row shows the snapshot it stored.
    let durable = r.table_row_durable(&s.durable);
    assert_eq!(durable.snapshot.map(|c| c.key), Some(4));
    // Without a snapshot the row has none.
    assert_eq!(r.table_row(&node(&r, 3, 2, None, &log)).snapshot, None);
}

/// `raft(every, false)` with membership changes on, S1..S3 the bootstrap configuration.
fn raft_reconfiguring(every: Option<u64>) -> Raft {
    Raft {
        reconfig: Reconfig {
            mode: Membership::Single,
            initial: Config::first(3),
            ..Default::default()
        },
        ..raft(every, false)
    }
}

fn config_entry(term: u64, ids: &[u8]) -> Entry {
    let ids: Vec<NodeId> = ids.iter().map(|&i| NodeId(i)).collect();
    Entry::config(term, Config::of(&ids))
}

fn heartbeat(prev_log_index: u64, leader_commit: u64) -> RaftMsg {
    RaftMsg::AppendEntries(AppendEntries {
        term: 1,
        prev_log_index,
        prev_log_term: 1,
        entries: vec![],
        leader_commit,
    })
}

/// §5.1: the snapshot holds "the latest configuration as of the last included index", found
/// back from that index through the log, else in the previous snapshot; a configuration entry
/// after it stays in the log (and in force) but not in the snapshot. A second snapshot
/// discards only what the first left.
#[test]
fn a_snapshot_holds_the_configuration_as_of_its_last_entry() {
    let r = raft_reconfiguring(Some(2));
    let log = vec![
        entry(1, 1),
        config_entry(1, &[1, 2]),
        entry(1, 3),
        entry(1, 4),
        config_entry(1, &[1, 2, 3]),
    ];
    let mut s = node(&r, 2, 1, None, &log);
    assert_eq!(s.config_index, 5);
    r.on_msg(&mut s, NodeId(1), heartbeat(5, 2), &mut Out::new(false));
    let first = Snapshot {
        last_index: 2,
        last_term: 1,
        config: Config::of(&[NodeId(1), NodeId(2)]),
        config_index: 2,
        value: 1,
        kv: Default::default(),
    };
    assert_eq!(s.durable.snapshot, Some(first.clone()));
    r.on_msg(&mut s, NodeId(1), heartbeat(5, 4), &mut Out::new(false));
    assert_eq!(
        s.durable.snapshot,
        Some(Snapshot {
            last_index: 4,
            value: 8,
            ..first
        })
    );
    assert_eq!(s.log().iter().cloned().collect::<Vec<_>>(), log[4..]);
    assert_eq!(
        (s.last_index(), s.config, s.config_index),
        (5, Config::first(3), 5)
    );
}

/// §5.1: a restarted server takes its configuration from its snapshot when no configuration
/// entry follows it in the log, not the bootstrap one.
#[test]
fn a_restarted_server_takes_its_configuration_from_its_snapshot() {
    let r = raft_reconfiguring(Some(4));
    let two = Config::of(&[NodeId(1), NodeId(2)]);
    let snap = Snapshot {
        last_index: 4,
        last_term: 1,
        config: two,
        config_index: 3,
        value: 7,
        kv: Default::default(),
    };
    let s = node(&r, 2, 2, Some(snap), &[entry(2, 5)]);
    assert_eq!((s.config, s.config_index, s.last_index()), (two, 3, 5));
}

/// What the page draws of an uncommitted change whose predecessor is in the snapshot: the
/// configuration it leaves is the snapshot's (§5.1 keeps it there), not the bootstrap.
#[test]
fn the_configuration_a_change_leaves_may_be_the_snapshots() {
    use lab_engine::node::{Members, Present};
    let r = raft_reconfiguring(Some(4));
    let (s1, s2, s3) = (NodeId(1), NodeId(2), NodeId(3));
    let snap = Snapshot {
        last_index: 4,
        last_term: 1,
        config: Config::of(&[s1, s2]),
        config_index: 3,
        value: 7,
        kv: Default::default(),
    };
    let s = node(&r, 2, 2, Some(snap), &[config_entry(2, &[1, 2, 3])]);
    assert_eq!((s.config_index, s.commit_index), (5, 4));
    assert_eq!(
        r.members(&s),
        Some(Members {
            voters: vec![s1, s2, s3],
            old: vec![s1, s2],
            joint: false,
            learners: vec![],
        })
    );
}

#[test]
fn rule_7_an_entry_at_the_last_included_index_of_another_term_is_discarded() {
    // Rule 6 needs an entry with the same index *and* term as the last included one: S2's
    // entry 4 of term 1 is not the snapshot's entry 4 of term 2, so its whole log goes (rule 7).
    let r = raft(Some(10), false);
    let log = entries(&[1, 1, 2, 2]);
    let mut s = node(&r, 2, 2, None, &entries(&[1, 1, 1, 1, 1]));
    let mut out = Out::new(false);
    r.on_msg(
        &mut s,
        NodeId(1),
        install(2, snapshot_of(&log, 4)),
        &mut out,
    );
    assert_eq!((s.snapshot_index(), s.last_index(), s.value), (4, 4, 10));
    assert_eq!(out.actions().last(), Some(&ack(2, 4, 4)));
}

#[test]
fn the_buggy_variant_says_so_when_an_older_snapshot_replaces_its_own() {
    // S2's own snapshot covers entries 1..4; the bug installs a delayed snapshot up to entry 2,
    // which S2 holds (inside its snapshot, so committed and the leader's), and narrates the bug.
    let r = raft(Some(10), true);
    let log = entries(&[1, 1, 2, 2, 2]);
    let mut s = node(&r, 2, 2, Some(snapshot_of(&log, 4)), &log[4..]);
    let mut out = Out::new(true);
    r.on_msg(
        &mut s,
        NodeId(1),
        install(2, snapshot_of(&log, 2)),
        &mut out,
    );
    assert_eq!((s.snapshot_index(), s.last_index()), (2, 2));
    assert!(
        out.narration().contains(
            &"S2 discards its whole log up to entry 5, although it holds entry 2 of term 1 and \
              those after it (bug: raft-snapshot-drops-newer-entries)"
        ),
        "{:?}",
        out.narration()
    );
    // A snapshot ending at the same index as its own but of another term (possible once the
    // bug has let two leaders commit different entries there) is not one it holds.
    let mut s = node(&r, 2, 2, Some(snapshot_of(&log, 4)), &log[4..]);
    let other = Snapshot {
        last_term: 3,
        ..snapshot_of(&log, 4)
    };
    let mut out = Out::new(true);
    r.on_msg(&mut s, NodeId(1), install(3, other), &mut out);
    assert!(
        out.narration()
            .iter()
            .any(|l| l.contains("discards its log and loads the snapshot up to entry 4 of term 3")),
        "{:?}",
        out.narration()
    );
}
