//! Multi-Paxos in words for people: commands, slot ranges and ballots as text, message labels
//! and fields, timer names, the node summary drawn on the cluster view and the inspector's
//! sections (promise, leader, the leader's open slots, the slot table). No rule lives here.

use super::{Cmd, MpDurable, MpMsg, MpState, MpTimer, MultiPaxos, Role};
use crate::node::{
    LogCell, Message, NodeId, NodeSummary, Present, Section, TableCell, TableLayout, TableMark,
    TableRow, TimerKind, TABLE_COLUMNS,
};
use crate::protocols::paxos::Ballot;
use std::fmt;

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cmd::Noop => f.write_str("no-op"),
            Cmd::Write(r) => write!(f, "{} (#{})", r.short(), r.id),
        }
    }
}

impl TimerKind for MpTimer {
    const KINDS: &'static [&'static str] = &["election", "heartbeat"];
    fn kind(&self) -> usize {
        match self {
            MpTimer::Election => 0,
            MpTimer::Heartbeat => 1,
        }
    }
    fn label(&self) -> String {
        match self {
            MpTimer::Election => "election".into(),
            MpTimer::Heartbeat => "heartbeat".into(),
        }
    }
}

/// "slot 3" or "slots 3..5".
pub(super) fn slots(from: u64, to: u64) -> String {
    if from == to {
        format!("slot {from}")
    } else {
        format!("slots {from}..{to}")
    }
}

pub(super) fn ballot_or_none(b: Option<Ballot>) -> String {
    b.map_or("none".into(), |b| b.to_string())
}

impl Message for MpMsg {
    fn kind(&self) -> usize {
        match self {
            MpMsg::Prepare { .. } => 0,
            MpMsg::Promise { .. } => 1,
            MpMsg::Accept(_) => 2,
            MpMsg::Accepted { .. } => 3,
            MpMsg::Nack { .. } => 4,
            MpMsg::Heartbeat { .. } => 5,
            MpMsg::Catchup { .. } => 6,
            MpMsg::Decide { .. } => 7,
        }
    }

    fn label(&self) -> String {
        match self {
            MpMsg::Prepare { ballot, from } => format!("Prepare {ballot} ≥{from}"),
            MpMsg::Promise { ballot, accepted } => {
                format!("Promise {ballot} ({} slots)", accepted.len())
            }
            MpMsg::Accept(m) => format!("Accept {} [{}] {}", m.ballot, m.slot, m.cmd),
            MpMsg::Accepted { ballot, slot } => format!("Accepted {ballot} [{slot}]"),
            MpMsg::Nack { ballot, promised } => format!("Nack {ballot} <{promised}"),
            MpMsg::Heartbeat { ballot, commit } => format!("Heartbeat {ballot} ≤{commit}"),
            MpMsg::Catchup { have } => format!("Catch-up >{have}"),
            MpMsg::Decide { entries, .. } => format!(
                "Decide [{}..{}]",
                entries.first().map_or(0, |e| e.0),
                entries.last().map_or(0, |e| e.0)
            ),
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: String| (k.to_string(), v);
        match self {
            MpMsg::Prepare { ballot, from } => {
                vec![
                    f("ballot", ballot.to_string()),
                    f("from slot", from.to_string()),
                ]
            }
            MpMsg::Promise { ballot, accepted } => vec![
                f("ballot", ballot.to_string()),
                f(
                    "accepted",
                    if accepted.is_empty() {
                        "none".into()
                    } else {
                        accepted
                            .iter()
                            .map(|(k, b, c)| format!("[{k}] {c} @{b}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                ),
            ],
            MpMsg::Accept(m) => vec![
                f("ballot", m.ballot.to_string()),
                f("slot", m.slot.to_string()),
                f("command", m.cmd.to_string()),
                f("chosen up to", m.commit.to_string()),
            ],
            MpMsg::Accepted { ballot, slot } => {
                vec![f("ballot", ballot.to_string()), f("slot", slot.to_string())]
            }
            MpMsg::Nack { ballot, promised } => vec![
                f("ballot", ballot.to_string()),
                f("promised", promised.to_string()),
            ],
            MpMsg::Heartbeat { ballot, commit } => vec![
                f("ballot", ballot.to_string()),
                f("chosen up to", commit.to_string()),
            ],
            MpMsg::Catchup { have } => vec![f("has up to", have.to_string())],
            MpMsg::Decide { entries, commit } => vec![
                f(
                    "entries",
                    entries
                        .iter()
                        .map(|(k, c)| format!("[{k}] {c}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                f("chosen up to", commit.to_string()),
            ],
        }
    }
}

/// The role in words and its colour class: the node's label and the inspector's title say
/// the same.
fn role(s: &MpState) -> (&'static str, &'static str) {
    match s.role {
        Role::Follower => ("follower", "follower"),
        Role::Candidate => ("candidate (phase 1)", "candidate"),
        Role::Leader => ("leader", "leader"),
    }
}

impl Present for MultiPaxos {
    const MESSAGE_KINDS: &'static [&'static str] = &[
        "Prepare",
        "Promise",
        "Accept",
        "Accepted",
        "Nack",
        "Heartbeat",
        "Catchup",
        "Decide",
    ];

    fn summary(&self, s: &MpState) -> NodeSummary {
        let (role, class) = role(s);
        let len = s
            .durable
            .accepted
            .get_max()
            .map_or(0, |(k, _)| *k)
            .max(s.durable.chosen.get_max().map_or(0, |(k, _)| *k));
        let from = len.saturating_sub(8);
        NodeSummary {
            role: role.into(),
            class,
            term: s.term(),
            term_label: format!("ballot {}", ballot_or_none(s.shown_ballot())),
            log: (from + 1..=len)
                .filter_map(|k| {
                    let chosen = s.durable.chosen.get(&k);
                    let acc = s.durable.accepted.get(&k);
                    let cmd = chosen.or(acc.map(|(_, c)| c))?;
                    Some(LogCell {
                        index: k,
                        term: acc.map_or(0, |(b, _)| b.round),
                        text: match cmd {
                            Cmd::Noop => "no-op".into(),
                            Cmd::Write(r) => r.short(),
                        },
                        committed: chosen.is_some(),
                        outcome: None,
                    })
                })
                .collect(),
            log_len: len,
            committed: s.applied,
            value: Some(s.value),
            decision: None,
        }
    }

    fn inspect(&self, s: &MpState) -> Vec<Section> {
        let mut v = vec![Section::Fields {
            title: format!("{} · {}", s.id, role(s).0),
            fields: vec![
                ("role".into(), role(s).0.into()),
                ("promised".into(), ballot_or_none(s.durable.promised)),
                ("own ballot".into(), ballot_or_none(s.ballot)),
                (
                    "leader".into(),
                    s.leader.map_or("none".into(), |l| l.to_string()),
                ),
                ("chosen and applied up to".into(), s.applied.to_string()),
                ("counter".into(), s.value.to_string()),
            ],
        }];
        if !s.kv.is_empty() {
            v.push(crate::protocols::machine::store_section(&s.kv));
        }
        if s.role == Role::Leader {
            v.push(Section::Table {
                title: "Open slots".into(),
                columns: vec!["slot".into(), "accepted by".into()],
                rows: s
                    .votes
                    .iter()
                    .map(|(k, who)| vec![k.to_string(), NodeId::list(who)])
                    .collect(),
            });
        }
        v.push(slot_table(&s.durable));
        v
    }

    fn inspect_durable(&self, d: &MpDurable) -> Vec<Section> {
        vec![
            Section::Fields {
                title: "Stable storage".into(),
                fields: vec![("promised".into(), ballot_or_none(d.promised))],
            },
            slot_table(d),
        ]
    }

    fn table_layout(&self) -> TableLayout {
        TableLayout {
            title: "Log grid: every node's slots",
            unit: "slot",
            prefix: "",
            named: Vec::new(),
            log: true,
            legend: vec![
                "solid: known chosen here · dashed: accepted, not known chosen".into(),
                "number and colour: the accepted ballot · small text: the command (no-op fills a gap)"
                    .into(),
                "✓ chosen and applied up to here".into(),
            ],
        }
    }

    fn table_row(&self, s: &MpState) -> TableRow {
        TableRow {
            notes: vec![format!(
                "{} · {}",
                role(s).0,
                ballot_or_none(s.shown_ballot())
            )],
            cells: slot_cells(&s.durable),
            marks: (s.applied > 0)
                .then(|| TableMark {
                    key: s.applied,
                    kind: "applied",
                    glyph: "✓",
                    label: format!("applied {}", s.applied),
                })
                .into_iter()
                .collect(),
            ..TableRow::default()
        }
    }

    fn table_row_durable(&self, d: &MpDurable) -> TableRow {
        TableRow {
            notes: vec![format!("crashed · {}", ballot_or_none(d.promised))],
            cells: slot_cells(d),
            ..TableRow::default()
        }
    }
}

/// The last 50 slots: what was accepted (and in which ballot) and what is known chosen.
fn slot_table(d: &MpDurable) -> Section {
    let last = d
        .accepted
        .get_max()
        .map_or(0, |(k, _)| *k)
        .max(d.chosen.get_max().map_or(0, |(k, _)| *k));
    Section::Table {
        title: "Slots".into(),
        columns: vec![
            "slot".into(),
            "accepted".into(),
            "ballot".into(),
            "chosen".into(),
        ],
        rows: (last.saturating_sub(50) + 1..=last)
            .rev()
            .map(|k| {
                let acc = d.accepted.get(&k);
                vec![
                    k.to_string(),
                    acc.map_or(String::new(), |(_, c)| c.to_string()),
                    acc.map_or(String::new(), |(b, _)| b.to_string()),
                    d.chosen.get(&k).map_or(String::new(), |c| c.to_string()),
                ]
            })
            .collect(),
    }
}

/// The newest slots, as many as the table draws.
fn slot_cells(d: &MpDurable) -> Vec<TableCell> {
    let last = d
        .accepted
        .get_max()
        .map_or(0, |(k, _)| *k)
        .max(d.chosen.get_max().map_or(0, |(k, _)| *k));
    (last.saturating_sub(TABLE_COLUMNS) + 1..=last)
        .filter_map(|k| {
            let chosen = d.chosen.get(&k);
            let acc = d.accepted.get(&k);
            let cmd = chosen.or(acc.map(|(_, c)| c))?;
            Some(TableCell {
                key: k,
                term: acc.map_or(0, |(b, _)| b.round),
                text: acc.map_or(String::new(), |(b, _)| b.to_string()),
                sub: match cmd {
                    Cmd::Noop => "no-op".into(),
                    Cmd::Write(r) => r.short(),
                },
                committed: chosen.is_some(),
                tone: "",
                detail: format!(
                    "slot {k}: {}{}",
                    match acc {
                        Some((b, c)) => format!("accepted {c} in ballot {b}"),
                        None => "nothing accepted here".into(),
                    },
                    match chosen {
                        Some(c) => format!(", chosen {c}"),
                        None => ", not known chosen".into(),
                    }
                ),
            })
        })
        .collect()
}
