//! Raft in words for people: message labels and fields, timer names, the node summary drawn on
//! the cluster view and the inspector's sections (Figure 2's state variables by their paper
//! names, the replication table and the log). No rule of the protocol lives here.

use super::{Entry, Raft, RaftDurable, RaftMsg, RaftState, RaftTimer, Role, Snapshot};
use crate::node::{
    LogCell, Members, Message, NodeId, NodeSummary, Present, Section, TableCell, TableLayout,
    TableMark, TableRow, TimerKind, TABLE_COLUMNS,
};
use crate::protocols::machine::{self, Reads};

impl TimerKind for RaftTimer {
    const KINDS: &'static [&'static str] = &[
        "election",
        "heartbeat",
        "check-quorum",
        "catch-up",
        "lease",
        "vote-hold",
    ];
    fn kind(&self) -> usize {
        match self {
            RaftTimer::Election => 0,
            RaftTimer::Heartbeat => 1,
            RaftTimer::CheckQuorum => 2,
            RaftTimer::CatchUp => 3,
            RaftTimer::Lease(_) => 4,
            RaftTimer::VoteHold => 5,
        }
    }
    fn label(&self) -> String {
        match self {
            RaftTimer::Election => "election".into(),
            RaftTimer::Heartbeat => "heartbeat".into(),
            RaftTimer::CheckQuorum => "check-quorum".into(),
            RaftTimer::CatchUp => "catch-up".into(),
            RaftTimer::Lease(_) => "lease".into(),
            RaftTimer::VoteHold => "vote-hold".into(),
        }
    }
}

/// An entry's command, short: `+5`, or `C{S1, S2, S6}` for a configuration (§4.1).
fn short(e: &Entry) -> String {
    match e.config {
        Some(c) => format!("C{c}"),
        None => e.request.short(),
    }
}

/// An entry's command in words.
fn command(e: &Entry) -> String {
    match e.config {
        Some(c) => format!("configuration {c}"),
        None => format!("{} (#{})", e.request.describe(), e.request.id),
    }
}

impl Message for RaftMsg {
    fn kind(&self) -> usize {
        match self {
            RaftMsg::RequestVote(_) => 0,
            RaftMsg::RequestVoteReply(_) => 1,
            RaftMsg::AppendEntries(_) => 2,
            RaftMsg::AppendEntriesReply(_) => 3,
            RaftMsg::PreVote(_) => 4,
            RaftMsg::PreVoteReply(_) => 5,
            RaftMsg::LeaderCheck(_) => 6,
            RaftMsg::LeaderCheckReply(_) => 7,
            RaftMsg::ReadIndexAsk(_) => 8,
            RaftMsg::ReadIndexAnswer(_) => 9,
            RaftMsg::InstallSnapshot(_) => 10,
        }
    }

    fn label(&self) -> String {
        let yes_no = |v: bool| if v { "yes" } else { "no" };
        match self {
            RaftMsg::RequestVote(m) => format!("RequestVote t{}", m.term),
            RaftMsg::RequestVoteReply(m) => format!("Vote t{} {}", m.term, yes_no(m.vote_granted)),
            RaftMsg::AppendEntries(m) if m.entries.is_empty() => format!("Heartbeat t{}", m.term),
            RaftMsg::AppendEntries(m) => format!(
                "Append t{} [{}..{}]",
                m.term,
                m.prev_log_index + 1,
                m.prev_log_index + m.entries.len() as u64
            ),
            RaftMsg::AppendEntriesReply(m) if m.success => {
                format!("Ack t{} ≤{}", m.term, m.match_index)
            }
            RaftMsg::AppendEntriesReply(m) => format!("Nack t{}", m.term),
            RaftMsg::PreVote(m) => format!("PreVote t{}", m.term),
            RaftMsg::PreVoteReply(m) => {
                format!("PreVote t{} {}", m.term, yes_no(m.vote_granted))
            }
            RaftMsg::LeaderCheck(m) => format!("Lead? t{} #{}", m.term, m.round),
            RaftMsg::LeaderCheckReply(m) => format!("Lead ok t{} #{}", m.term, m.round),
            RaftMsg::ReadIndexAsk(m) => format!("ReadIndex? r{}", m.request),
            RaftMsg::ReadIndexAnswer(m) => match m.index {
                Some(i) => format!("ReadIndex {i}"),
                None => "ReadIndex: not leader".into(),
            },
            RaftMsg::InstallSnapshot(m) => {
                format!("Snapshot t{} ≤{}", m.term, m.snapshot.last_index)
            }
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: String| (k.to_string(), v);
        match self {
            RaftMsg::RequestVote(m) | RaftMsg::PreVote(m) => vec![
                f("term", m.term.to_string()),
                f("lastLogIndex", m.last_log_index.to_string()),
                f("lastLogTerm", m.last_log_term.to_string()),
            ],
            RaftMsg::RequestVoteReply(m) | RaftMsg::PreVoteReply(m) => vec![
                f("term", m.term.to_string()),
                f("voteGranted", m.vote_granted.to_string()),
            ],
            RaftMsg::AppendEntries(m) => vec![
                f("term", m.term.to_string()),
                f("prevLogIndex", m.prev_log_index.to_string()),
                f("prevLogTerm", m.prev_log_term.to_string()),
                f(
                    "entries",
                    if m.entries.is_empty() {
                        "none (heartbeat)".into()
                    } else {
                        m.entries
                            .iter()
                            .map(|e| format!("t{}:{}", e.term, short(e)))
                            .collect::<Vec<_>>()
                            .join(" ")
                    },
                ),
                f("leaderCommit", m.leader_commit.to_string()),
            ],
            RaftMsg::AppendEntriesReply(m) => vec![
                f("term", m.term.to_string()),
                f("success", m.success.to_string()),
                f("matchIndex", m.match_index.to_string()),
                f("lastIndex", m.last_index.to_string()),
            ],
            RaftMsg::LeaderCheck(m) => vec![
                f("term", m.term.to_string()),
                f("round", m.round.to_string()),
            ],
            RaftMsg::LeaderCheckReply(m) => vec![
                f("term", m.term.to_string()),
                f("round", m.round.to_string()),
            ],
            RaftMsg::ReadIndexAsk(m) => vec![f("request", m.request.to_string())],
            RaftMsg::ReadIndexAnswer(m) => vec![
                f("request", m.request.to_string()),
                f(
                    "readIndex",
                    m.index
                        .map_or("none: not the leader".into(), |i| i.to_string()),
                ),
            ],
            RaftMsg::InstallSnapshot(m) => {
                let snap = &m.snapshot;
                let mut v = vec![
                    f("term", m.term.to_string()),
                    f("lastIncludedIndex", snap.last_index.to_string()),
                    f("lastIncludedTerm", snap.last_term.to_string()),
                    f("configuration", snap.config.to_string()),
                    f("counter", snap.value.to_string()),
                ];
                if !snap.kv.is_empty() {
                    v.push(f(
                        "store",
                        snap.kv
                            .entries()
                            .map(|(k, x)| format!("{}={x}", crate::node::key_name(k)))
                            .collect::<Vec<_>>()
                            .join(" "),
                    ));
                }
                v
            }
        }
    }
}

/// The read path (thesis §6.4): rounds, held reads, the lease, the refusal to vote.
fn read_section(r: &Raft, s: &RaftState) -> Section {
    let p = &s.read;
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let mut fields = vec![("reads".to_string(), r.reads.slug().to_string())];
    if s.role == Role::Leader {
        fields.push(("leader check round".into(), p.round.to_string()));
        fields.push((
            "reads held".into(),
            if p.held.is_empty() {
                "none".into()
            } else {
                p.held
                    .iter()
                    .map(|h| match h.asker {
                        None => format!("#{} (round {})", h.request.id, h.round),
                        Some(f) => format!("#{} for {f} (round {})", h.request.id, h.round),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ));
    }
    if r.reads == Reads::Lease {
        if s.role == Role::Leader {
            fields.push(("lease held".into(), yes_no(p.lease.is_some())));
            fields.push((
                "lease length".into(),
                crate::time::fmt_time(r.lease_duration()),
            ));
        }
        fields.push(("refuses votes".into(), yes_no(p.vote_hold)));
    }
    if !p.asked.is_empty() {
        fields.push((
            "reads asked of the leader".into(),
            p.asked
                .iter()
                .map(|a| match a.index {
                    None => format!("#{} (waiting for an index)", a.request.id),
                    Some(i) => format!("#{} (applying up to {i})", a.request.id),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    Section::Fields {
        title: "Reads (thesis §6.4)".into(),
        fields,
    }
}

/// The role in words and its colour class: the node's label and the inspector's title say
/// the same.
fn role(s: &RaftState) -> (&'static str, &'static str) {
    match s.role {
        Role::Follower => ("follower", "follower"),
        Role::PreCandidate => ("pre-candidate", "candidate"),
        Role::Candidate => ("candidate", "candidate"),
        Role::Leader => ("leader", "leader"),
    }
}

impl Present for Raft {
    const MESSAGE_KINDS: &'static [&'static str] = &[
        "RequestVote",
        "RequestVoteReply",
        "AppendEntries",
        "AppendEntriesReply",
        "PreVote",
        "PreVoteReply",
        "LeaderCheck",
        "LeaderCheckReply",
        "ReadIndex",
        "ReadIndexReply",
        "InstallSnapshot",
    ];

    fn summary(&self, s: &RaftState) -> NodeSummary {
        let (role, class) = role(s);
        let len = s.last_index();
        let from = len.saturating_sub(8).max(s.snapshot_index());
        NodeSummary {
            role: role.into(),
            class,
            term: s.term(),
            term_label: format!("term {}", s.term()),
            log: (from + 1..=len)
                .map(|i| {
                    let e = &s.durable.log[(i - s.snapshot_index()) as usize - 1];
                    LogCell {
                        index: i,
                        term: e.term,
                        text: short(e),
                        committed: i <= s.commit_index,
                        outcome: None,
                    }
                })
                .collect(),
            log_len: len,
            committed: s.commit_index,
            value: Some(s.value),
            decision: None,
        }
    }

    fn inspect(&self, s: &RaftState) -> Vec<Section> {
        let opt = |n: Option<NodeId>| n.map_or("none".to_string(), |n| n.to_string());
        let mut v = vec![Section::Fields {
            title: format!("{} · {}", s.id, role(s).0),
            fields: vec![
                ("role".into(), role(s).0.into()),
                ("currentTerm".into(), s.term().to_string()),
                ("votedFor".into(), opt(s.durable.voted_for)),
                ("leader".into(), opt(s.leader)),
                ("commitIndex".into(), s.commit_index.to_string()),
                ("lastApplied".into(), s.last_applied.to_string()),
                ("counter".into(), s.value.to_string()),
            ],
        }];
        if !s.kv.is_empty() {
            v.push(machine::store_section(&s.kv));
        }
        if !self.fixed() {
            let mut fields = vec![
                ("configuration".into(), s.config.to_string()),
                (
                    "from entry".into(),
                    match s.config_index {
                        0 => "initial".into(),
                        i if i <= s.commit_index => format!("{i} (committed)"),
                        i => format!("{i} (not committed yet)"),
                    },
                ),
            ];
            if let Some(p) = s.pending {
                if let Some(a) = p.add {
                    fields.push((
                        "learner".into(),
                        format!("{a}, round {} to entry {}", p.round, p.round_end),
                    ));
                }
                if let Some(r) = p.remove {
                    fields.push(("then remove".into(), r.to_string()));
                }
            }
            v.push(Section::Fields {
                title: "Membership (dissertation ch. 4)".into(),
                fields,
            });
        }
        if s.role == Role::Leader {
            v.push(Section::Table {
                title: "Replication".into(),
                columns: vec!["node".into(), "nextIndex".into(), "matchIndex".into()],
                rows: NodeId::all(self.nodes)
                    .filter(|&n| n != s.id)
                    .map(|n| {
                        vec![
                            n.to_string(),
                            s.next_index[n.idx()].to_string(),
                            s.match_index[n.idx()].to_string(),
                        ]
                    })
                    .collect(),
            });
        }
        if self.reads != Reads::Log {
            v.push(read_section(self, s));
        }
        if let Some(snap) = &s.durable.snapshot {
            v.push(snapshot_section(snap));
        }
        v.push(log_table(&s.durable, s.commit_index, s.last_applied));
        v
    }

    fn inspect_durable(&self, d: &RaftDurable) -> Vec<Section> {
        let mut v = vec![Section::Fields {
            title: "Stable storage".into(),
            fields: vec![
                ("currentTerm".into(), d.current_term.to_string()),
                (
                    "votedFor".into(),
                    d.voted_for.map_or("none".into(), |n| n.to_string()),
                ),
            ],
        }];
        if let Some(snap) = &d.snapshot {
            v.push(snapshot_section(snap));
        }
        v.push(log_table(d, 0, 0));
        v
    }

    fn table_layout(&self) -> TableLayout {
        let mut legend = vec![
            "solid: committed (index ≤ that node's commitIndex) · dashed: not committed yet".into(),
            "number and colour: the entry's term · small text: its command".into(),
            "✓ lastApplied · ▲ matchIndex and ▷ nextIndex: what the leader knows of each follower"
                .into(),
        ];
        if self.compaction.every.is_some() {
            legend.push(
                "wide box at the left: the snapshot that replaced the entries up to ≤N (§5.1)"
                    .into(),
            );
        }
        TableLayout {
            title: "Log grid: every node's log by index",
            unit: "index",
            prefix: "",
            named: Vec::new(),
            log: true,
            legend,
        }
    }

    fn table_row(&self, s: &RaftState) -> TableRow {
        TableRow {
            notes: vec![format!("{} · t{}", role(s).0, s.term())],
            cells: log_cells(&s.durable, Some(s.commit_index)),
            snapshot: s.durable.snapshot.as_ref().map(snapshot_cell),
            marks: (s.last_applied > 0)
                .then(|| TableMark {
                    key: s.last_applied,
                    kind: "applied",
                    glyph: "✓",
                    label: format!("applied {}", s.last_applied),
                })
                .into_iter()
                .collect(),
            ..TableRow::default()
        }
    }

    fn table_row_durable(&self, d: &RaftDurable) -> TableRow {
        TableRow {
            notes: vec![format!("crashed · t{}", d.current_term)],
            cells: log_cells(d, None),
            snapshot: d.snapshot.as_ref().map(snapshot_cell),
            ..TableRow::default()
        }
    }

    /// A leader marks each follower's row with its matchIndex and nextIndex.
    fn table_marks(&self, s: &RaftState) -> Option<(u64, Vec<(NodeId, TableMark)>)> {
        (s.role == Role::Leader).then(|| {
            let marks = NodeId::all(self.nodes)
                .filter(|&n| n != s.id)
                .flat_map(|n| {
                    let (m, next) = (s.match_index[n.idx()], s.next_index[n.idx()]);
                    [
                        (
                            n,
                            TableMark {
                                key: m,
                                kind: "match",
                                glyph: "▲",
                                label: format!("match {m}"),
                            },
                        ),
                        (
                            n,
                            TableMark {
                                key: next,
                                kind: "next",
                                glyph: "▷",
                                label: format!("next {next}"),
                            },
                        ),
                    ]
                })
                .collect();
            (s.term(), marks)
        })
    }

    fn members(&self, s: &RaftState) -> Option<Members> {
        self.members_view(s)
    }
}

/// The snapshot in the inspector (dissertation §5.1).
fn snapshot_section(snap: &Snapshot) -> Section {
    let mut fields = vec![
        ("lastIncludedIndex".into(), snap.last_index.to_string()),
        ("lastIncludedTerm".into(), snap.last_term.to_string()),
        ("compacted".into(), compacted(snap)),
        ("configuration".into(), snap.config.to_string()),
        ("counter".into(), snap.value.to_string()),
    ];
    if !snap.kv.is_empty() {
        fields.push((
            "store".into(),
            snap.kv
                .entries()
                .map(|(k, x)| format!("{}={x}", crate::node::key_name(k)))
                .collect::<Vec<_>>()
                .join(" "),
        ));
    }
    Section::Fields {
        title: "Snapshot (dissertation §5.1)".into(),
        fields,
    }
}

/// "+12 compacted": how many entries the snapshot stands for.
fn compacted(snap: &Snapshot) -> String {
    format!("+{} compacted", snap.last_index)
}

/// The snapshot as the log grid's first box.
fn snapshot_cell(snap: &Snapshot) -> TableCell {
    TableCell {
        key: snap.last_index,
        term: snap.last_term,
        text: format!("≤{}", snap.last_index),
        sub: compacted(snap),
        committed: true,
        tone: "",
        detail: format!(
            "snapshot of entries 1..{} (last term {}): the state machine with counter {} and \
             configuration {}; the log before it was discarded (§5.1)",
            snap.last_index, snap.last_term, snap.value, snap.config
        ),
    }
}

/// The last 50 entries; a long log would swamp the inspector.
fn log_table(d: &RaftDurable, commit: u64, applied: u64) -> Section {
    let len = d.snapshot_index() + d.log.len() as u64;
    let from = len.saturating_sub(50).max(d.snapshot_index());
    Section::Table {
        title: if from > d.snapshot_index() {
            format!("Log (last 50 of {len})")
        } else {
            "Log".into()
        },
        columns: vec![
            "index".into(),
            "term".into(),
            "command".into(),
            "status".into(),
        ],
        rows: (from + 1..=len)
            .rev()
            .map(|i| {
                let e = &d.log[(i - d.snapshot_index()) as usize - 1];
                let status = if i <= applied {
                    "applied"
                } else if i <= commit {
                    "committed"
                } else {
                    ""
                };
                vec![i.to_string(), e.term.to_string(), command(e), status.into()]
            })
            .collect(),
    }
}

/// The newest entries, as many as the table draws.
fn log_cells(d: &RaftDurable, commit: Option<u64>) -> Vec<TableCell> {
    let len = d.snapshot_index() + d.log.len() as u64;
    (len.saturating_sub(TABLE_COLUMNS).max(d.snapshot_index()) + 1..=len)
        .map(|i| {
            let e = &d.log[(i - d.snapshot_index()) as usize - 1];
            let committed = commit.is_some_and(|c| i <= c);
            TableCell {
                key: i,
                term: e.term,
                text: e.term.to_string(),
                sub: short(e),
                committed,
                tone: "",
                detail: format!(
                    "index {i}, term {}: {}, {}",
                    e.term,
                    command(e),
                    match commit {
                        None => "commitIndex lost in the crash",
                        Some(_) if committed => "committed",
                        Some(_) => "not committed yet",
                    }
                ),
            }
        })
        .collect()
}
