//! The state table under the cluster, row by row for small hand-made states of each protocol,
//! assembled by the simulator; and the node's label agreeing with its inspector.

use imbl::Vector;
use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::node::*;
use lab_engine::protocols::multi_paxos::{Cmd, MpDurable, MultiPaxos, Role as MpRole};
use lab_engine::protocols::paxos::{Ballot, Origin, Paxos, PaxosDurable, Phase, Value};
use lab_engine::protocols::raft::{Entry, Raft, RaftDurable, RaftState, Role};
use lab_engine::protocols::two_phase_commit::{
    Status, TpcDurable, TpcState, TwoPc, TxnRecord, COORDINATOR,
};
use lab_engine::sim::history::Action;
use lab_engine::sim::Simulation;
use lab_engine::SECOND;

fn raft() -> Raft {
    Raft::from_settings(&Settings {
        nodes: 3,
        ..Settings::for_protocol(ProtocolKind::Raft)
    })
}

fn entry(term: u64, id: u64, delta: i64) -> Entry {
    Entry::new(term, Request::counter(id, delta))
}

fn raft_node(r: &Raft, id: u8, term: u64, log: &[Entry]) -> RaftState {
    let durable = RaftDurable {
        current_term: term,
        voted_for: None,
        log: log.iter().cloned().collect::<Vector<_>>(),
        snapshot: None,
    };
    r.on_start(NodeId(id), &durable, &mut Out::new(false))
}

/// (key, term, text, sub, committed) of each cell.
fn cells(row: &TableRow) -> Vec<(u64, u64, &str, &str, bool)> {
    row.cells
        .iter()
        .map(|c| (c.key, c.term, c.text.as_str(), c.sub.as_str(), c.committed))
        .collect()
}

fn marks(row: &TableRow) -> Vec<(u64, &str, &str)> {
    row.marks
        .iter()
        .map(|m| (m.key, m.kind, m.label.as_str()))
        .collect()
}

#[test]
fn a_raft_row_is_the_log_by_index_with_commit_and_applied() {
    let r = raft();
    let mut s = raft_node(&r, 2, 3, &[entry(1, 1, 5), entry(1, 2, 2), entry(3, 3, 7)]);
    s.commit_index = 2;
    s.last_applied = 1;
    let row = r.table_row(&s);
    assert_eq!(
        cells(&row),
        vec![
            (1, 1, "1", "+5", true),
            (2, 1, "1", "+2", true),
            (3, 3, "3", "+7", false)
        ]
    );
    assert_eq!(marks(&row), vec![(1, "applied", "applied 1")]);
    assert_eq!(row.notes, vec!["follower · t3".to_string()]);
    assert_eq!(
        row.cells[2].detail,
        "index 3, term 3: counter += 7 (#3), not committed yet"
    );
    assert_eq!(r.table_marks(&s), None, "a follower marks nothing");
}

#[test]
fn a_raft_leader_marks_next_and_match_on_each_follower() {
    let r = raft();
    let mut s = raft_node(&r, 1, 2, &[entry(1, 1, 1), entry(2, 2, 1)]);
    s.role = Role::Leader;
    s.next_index = vec![3, 3, 2];
    s.match_index = vec![2, 2, 1];
    let (rank, m) = r.table_marks(&s).expect("a leader marks");
    assert_eq!(rank, 2, "ranked by its term");
    let m: Vec<_> = m
        .iter()
        .map(|(n, m)| (n.0, m.key, m.kind, m.glyph))
        .collect();
    assert_eq!(
        m,
        vec![
            (2, 2, "match", "▲"),
            (2, 3, "next", "▷"),
            (3, 1, "match", "▲"),
            (3, 2, "next", "▷")
        ]
    );
}

#[test]
fn a_crashed_raft_row_shows_its_stable_log_uncommitted() {
    let r = raft();
    let d = RaftDurable {
        current_term: 4,
        voted_for: None,
        log: [entry(4, 1, 1)].into_iter().collect(),
        snapshot: None,
    };
    let row = r.table_row_durable(&d);
    assert_eq!(cells(&row), vec![(1, 4, "4", "+1", false)]);
    assert_eq!(row.notes, vec!["crashed · t4".to_string()]);
    assert!(row.cells[0].detail.contains("lost in the crash"));
}

#[test]
fn the_simulator_aligns_rows_and_puts_the_leaders_marks_on_followers() {
    let mut sim: Simulation<Raft> = Simulation::new(Settings::for_protocol(ProtocolKind::Raft));
    sim.run_until(3 * SECOND);
    let leader = sim
        .nodes()
        .iter()
        .flatten()
        .find(|s| s.role == Role::Leader)
        .expect("a leader")
        .id;
    let victim = NodeId(if leader.0 == 5 { 4 } else { 5 });
    sim.apply(Action::Crash { node: victim }).unwrap();
    let t = sim.state_table();
    assert_eq!(t.unit, "index");
    assert!(t.log);
    assert_eq!(t.rows.len(), 5);
    let last = t.rows.iter().flat_map(|r| &r.cells).map(|c| c.key).max();
    assert!(last.unwrap_or(0) > 0, "entries were replicated");
    assert_eq!(t.columns.first().map(|c| c.1.as_str()), Some("1"));
    assert_eq!(t.columns.len() as u64, t.columns.last().unwrap().0);
    for row in &t.rows {
        let up = row.node != victim;
        assert_eq!(row.up, up, "{}", row.node);
        let kinds: Vec<_> = row.marks.iter().map(|m| m.kind).collect();
        if row.node == leader {
            assert!(!kinds.contains(&"next"), "the leader marks the others");
        } else {
            assert!(
                kinds.contains(&"next") && kinds.contains(&"match"),
                "{kinds:?}"
            );
        }
        if !up {
            assert!(row.notes[0].starts_with("crashed"));
            assert!(row.cells.iter().all(|c| !c.committed));
        }
    }
    // Every committed index holds the same term on every row that has it committed.
    for (k, _) in &t.columns {
        let terms: Vec<_> = t
            .rows
            .iter()
            .flat_map(|r| r.cells.iter().filter(|c| c.key == *k && c.committed))
            .map(|c| c.term)
            .collect();
        assert!(
            terms.windows(2).all(|w| w[0] == w[1]),
            "index {k}: {terms:?}"
        );
    }
}

fn ballot(round: u64, node: u8) -> Ballot {
    Ballot {
        round,
        node: NodeId(node),
    }
}

#[test]
fn a_multi_paxos_row_is_the_slots_chosen_or_accepted_with_no_ops() {
    let p = MultiPaxos::from_settings(&Settings::for_protocol(ProtocolKind::MultiPaxos));
    let w = |id: u64, delta: i64| Cmd::Write(Request::counter(id, delta));
    let d = MpDurable {
        promised: Some(ballot(2, 1)),
        accepted: [
            (1u64, (ballot(1, 1), w(1, 4))),
            (2, (ballot(2, 1), Cmd::Noop)),
            (4, (ballot(2, 1), w(3, 6))),
        ]
        .into_iter()
        .collect(),
        chosen: [(1u64, w(1, 4)), (2, Cmd::Noop), (3, w(2, 1))]
            .into_iter()
            .collect(),
    };
    let mut s = p.on_start(NodeId(2), &d, &mut Out::new(false));
    s.applied = 3;
    let row = p.table_row(&s);
    assert_eq!(
        cells(&row),
        vec![
            (1, 1, "1.1", "+4", true),
            (2, 2, "2.1", "no-op", true),
            (3, 0, "", "+1", true),
            (4, 2, "2.1", "+6", false)
        ]
    );
    assert_eq!(marks(&row), vec![(3, "applied", "applied 3")]);
    assert_eq!(
        row.cells[3].detail,
        "slot 4: accepted +6 (#3) in ballot 2.1, not known chosen"
    );
    assert_eq!(p.table_row_durable(&d).notes, vec!["crashed · 2.1"]);
    assert_eq!(p.table_layout().unit, "slot");
}

#[test]
fn a_paxos_row_is_the_acceptors_promise_acceptance_and_what_it_learned() {
    let p = Paxos::from_settings(&Settings::for_protocol(ProtocolKind::Paxos));
    let v = Value {
        value: 10,
        origin: Origin::Start(NodeId(1)),
    };
    let d = PaxosDurable {
        promised: Some(ballot(2, 3)),
        accepted: Some((ballot(1, 1), v)),
    };
    let mut s = p.on_start(NodeId(2), &d, &mut Out::new(false));
    let layout = p.table_layout();
    let names: Vec<_> = layout.named.iter().map(|c| c.1).collect();
    assert_eq!(
        names,
        vec!["promised", "accepted ballot", "accepted value", "learned"]
    );
    let row = p.table_row(&s);
    assert_eq!(
        cells(&row),
        vec![
            (1, 2, "2.3", "", true),
            (2, 1, "1.1", "", false),
            (3, 1, "10", "S1's", false),
            (4, 0, "—", "", false)
        ]
    );
    s.learned = Some((ballot(1, 1), v));
    let row = p.table_row(&s);
    assert_eq!(
        cells(&row)[1..],
        [
            (2, 1, "1.1", "", true),
            (3, 1, "10", "S1's", true),
            (4, 1, "10", "1.1", true)
        ]
    );
    assert_eq!(row.notes, vec!["learned 10".to_string()]);
    let crashed = p.table_row_durable(&d);
    assert_eq!(
        crashed.cells[3].detail,
        "what it learned is lost in the crash"
    );
}

fn rec(delta: i64, status: Status) -> TxnRecord {
    TxnRecord { delta, status }
}

fn tpc_node(p: &TwoPc, id: NodeId, log: &[(u64, TxnRecord)], lock: Option<u64>) -> TpcState {
    let d = TpcDurable {
        log: log.iter().copied().collect(),
        lock,
        ..TpcDurable::default()
    };
    p.on_start(id, &d, &mut Out::new(false))
}

#[test]
fn a_2pc_row_is_each_transactions_vote_decision_lock_and_blocking() {
    let p = TwoPc::from_settings(&Settings {
        nodes: 4,
        ..Settings::for_protocol(ProtocolKind::TwoPc)
    });
    let log = [
        (1, rec(2, Status::Committed)),
        (2, rec(3, Status::Prepared)),
        (3, rec(4, Status::Aborted)),
    ];
    let mut s = tpc_node(&p, NodeId(2), &log, Some(2));
    let tones = |row: &TableRow| row.cells.iter().map(|c| c.tone).collect::<Vec<_>>();
    let row = p.table_row(&s);
    assert_eq!(
        cells(&row),
        vec![
            (1, 1, "commit", "+2", true),
            (2, 2, "yes", "locked", false),
            (3, 3, "abort", "", true)
        ]
    );
    assert_eq!(tones(&row), vec!["commit", "pending", "abort"]);
    s.blocked = true;
    let row = p.table_row(&s);
    assert_eq!(cells(&row)[1], (2, 2, "yes", "blocked", false));
    assert_eq!(tones(&row)[1], "blocked");
    assert_eq!(row.notes, vec!["prepared #2 (blocked)".to_string()]);

    // A restarted coordinator aborts what was voting: set the log after the start.
    let mut c = tpc_node(&p, COORDINATOR, &[], None);
    c.durable.log.insert(4, rec(1, Status::Voting));
    c.votes.insert(4, vec![NodeId(2), NodeId(3)]);
    let row = p.table_row(&c);
    assert_eq!(cells(&row), vec![(4, 4, "voting", "2/3 yes", false)]);
    assert_eq!(p.table_layout().prefix, "#");
}

#[test]
fn a_2pc_table_has_a_column_per_transaction() {
    let mut sim: Simulation<TwoPc> = Simulation::new(Settings::for_protocol(ProtocolKind::TwoPc));
    sim.run_until(SECOND / 2);
    let t = sim.state_table();
    assert!(!t.log);
    assert!(t.columns.len() > 1, "{:?}", t.columns);
    assert_eq!(t.columns[0].1, format!("#{}", t.columns[0].0));
    let coordinator = &t.rows[0];
    assert_eq!(coordinator.notes, vec!["coordinator".to_string()]);
    assert_eq!(coordinator.cells.len(), t.columns.len());
}

/// The first inspector section's title ends with the node's label, and its role (or state)
/// field says the same.
fn agrees(summary: &NodeSummary, inspector: &[Section]) {
    let Section::Fields { title, fields } = &inspector[0] else {
        panic!("fields first")
    };
    assert!(
        title.ends_with(&format!(" · {}", summary.role)),
        "title {title:?} vs label {:?}",
        summary.role
    );
    let role = fields
        .iter()
        .find(|(k, _)| k == "role" || k == "state")
        .map(|(_, v)| v.as_str());
    assert_eq!(role, Some(summary.role.as_str()));
}

#[test]
fn inspector_and_node_label_agree_for_every_kind_of_state() {
    let r = raft();
    let mut s = raft_node(&r, 1, 2, &[]);
    s.next_index = vec![1; 3];
    s.match_index = vec![0; 3];
    for role in [
        Role::Follower,
        Role::PreCandidate,
        Role::Candidate,
        Role::Leader,
    ] {
        s.role = role;
        agrees(&r.summary(&s), &r.inspect(&s));
    }

    let p = Paxos::from_settings(&Settings::for_protocol(ProtocolKind::Paxos));
    let v = Value {
        value: 10,
        origin: Origin::Start(NodeId(1)),
    };
    let mut s = p.on_start(NodeId(3), &PaxosDurable::default(), &mut Out::new(false));
    agrees(&p.summary(&s), &p.inspect(&s));
    s.own = Some(v);
    agrees(&p.summary(&s), &p.inspect(&s));
    s.ballot = Some(ballot(1, 3));
    for phase in [Phase::Preparing, Phase::Accepting] {
        s.phase = phase;
        agrees(&p.summary(&s), &p.inspect(&s));
    }
    // The case that disagreed: idle, having learned the value.
    s.phase = Phase::Idle;
    s.learned = Some((ballot(1, 3), v));
    assert_eq!(p.summary(&s).role, "learned 10");
    agrees(&p.summary(&s), &p.inspect(&s));

    let mp = MultiPaxos::from_settings(&Settings::for_protocol(ProtocolKind::MultiPaxos));
    let mut s = mp.on_start(NodeId(2), &MpDurable::default(), &mut Out::new(false));
    for role in [MpRole::Follower, MpRole::Candidate, MpRole::Leader] {
        s.role = role;
        agrees(&mp.summary(&s), &mp.inspect(&s));
    }

    let t = TwoPc::from_settings(&Settings::for_protocol(ProtocolKind::TwoPc));
    let c = tpc_node(&t, COORDINATOR, &[], None);
    agrees(&t.summary(&c), &t.inspect(&c));
    let mut s = tpc_node(&t, NodeId(2), &[], None);
    agrees(&t.summary(&s), &t.inspect(&s));
    // The case that disagreed: prepared on #1, and no on #2 and #3 since it held the lock.
    let log = [
        (1, rec(1, Status::Prepared)),
        (2, rec(1, Status::Aborted)),
        (3, rec(1, Status::Aborted)),
    ];
    s = tpc_node(&t, NodeId(2), &log, Some(1));
    agrees(&t.summary(&s), &t.inspect(&s));
    s.blocked = true;
    let summary = t.summary(&s);
    assert_eq!(summary.role, "prepared #1 (blocked)");
    assert_eq!(summary.term_label, "latest txn #3");
    agrees(&summary, &t.inspect(&s));
}

#[test]
fn a_long_log_shows_its_newest_columns_and_counts_the_rest() {
    let r = raft();
    let log: Vec<_> = (1..=100).map(|i| entry(1, i, 1)).collect();
    let row = r.table_row(&raft_node(&r, 1, 1, &log));
    assert_eq!(row.cells.len() as u64, TABLE_COLUMNS);
    assert_eq!(row.cells[0].key, 100 - TABLE_COLUMNS + 1);

    let mut sim: Simulation<Raft> = Simulation::new(Settings::for_protocol(ProtocolKind::Raft));
    sim.run_until(20 * SECOND);
    let t = sim.state_table();
    let last = t.columns.last().unwrap().0;
    assert!(last > TABLE_COLUMNS, "a long run: {last} entries");
    assert_eq!(t.columns.len() as u64, TABLE_COLUMNS);
    assert_eq!(t.hidden, last - TABLE_COLUMNS);
    assert!(t
        .rows
        .iter()
        .flat_map(|r| &r.cells)
        .all(|c| c.key > t.hidden));
}
