//! Two-Phase Commit in words for people: message labels and fields, timer names, log statuses,
//! the node summary drawn on the cluster view and the inspector's sections (lock, counter, the
//! coordinator's pending votes, the log). No rule lives here.

use super::{Status, TpcDurable, TpcMsg, TpcState, TpcTimer, TwoPc, TxnRecord};
use crate::node::{
    Decision, LogCell, Message, NodeId, NodeSummary, Section, TableCell, TableLayout, TableRow,
    TimerKind, TABLE_COLUMNS,
};

impl TimerKind for TpcTimer {
    fn label(&self) -> String {
        match self {
            TpcTimer::Votes(t) => format!("votes #{t}"),
            TpcTimer::Decision(t) => format!("decision #{t}"),
        }
    }
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Voting => "voting",
            Status::Prepared => "prepared",
            Status::Committed => "committed",
            Status::Aborted => "aborted",
        }
    }
}

impl Message for TpcMsg {
    fn kind(&self) -> usize {
        match self {
            TpcMsg::Prepare { .. } => 0,
            TpcMsg::Vote { .. } => 1,
            TpcMsg::Decision { .. } => 2,
            TpcMsg::Ack { .. } => 3,
            TpcMsg::DecisionRequest { .. } => 4,
        }
    }

    fn label(&self) -> String {
        match self {
            TpcMsg::Prepare { txn, delta } => format!("Prepare #{txn} +{delta}"),
            TpcMsg::Vote { txn, yes: true } => format!("Yes #{txn}"),
            TpcMsg::Vote { txn, yes: false } => format!("No #{txn}"),
            TpcMsg::Decision { txn, commit: true } => format!("Commit #{txn}"),
            TpcMsg::Decision { txn, commit: false } => format!("Abort #{txn}"),
            TpcMsg::Ack { txn } => format!("Ack #{txn}"),
            TpcMsg::DecisionRequest { txn } => format!("Outcome? #{txn}"),
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: String| (k.to_string(), v);
        match self {
            TpcMsg::Prepare { txn, delta } => {
                vec![f("txn", txn.to_string()), f("delta", delta.to_string())]
            }
            TpcMsg::Vote { txn, yes } => vec![
                f("txn", txn.to_string()),
                f("vote", if *yes { "yes" } else { "no" }.into()),
            ],
            TpcMsg::Decision { txn, commit } => vec![
                f("txn", txn.to_string()),
                f("decision", if *commit { "commit" } else { "abort" }.into()),
            ],
            TpcMsg::Ack { txn } | TpcMsg::DecisionRequest { txn } => {
                vec![f("txn", txn.to_string())]
            }
        }
    }
}

/// The role in words and its colour class: the node's label and the inspector's state say
/// the same.
fn role(s: &TpcState) -> (String, &'static str) {
    if s.is_coordinator() {
        ("coordinator".to_string(), "leader")
    } else {
        match s.durable.lock {
            Some(t) if s.blocked => (format!("prepared #{t} (blocked)"), "blocked"),
            Some(t) => (format!("prepared #{t}"), "candidate"),
            None => ("participant".into(), "follower"),
        }
    }
}

/// The newest transaction in the log, in words. A participant that holds the lock of an older
/// one (and voted no on the newer) says "latest", so its label does not read as two
/// transactions at once.
fn latest(d: &TpcDurable) -> String {
    match d.log.get_max().map(|(t, _)| *t) {
        None => "no txn yet".into(),
        Some(t) if d.lock.is_some_and(|l| l != t) => format!("latest txn #{t}"),
        Some(t) => format!("txn #{t}"),
    }
}

/// What the node shows it decided: the newest transaction's outcome, unless it still holds a
/// lock (then it is waiting, whatever it decided before).
fn decision(d: &TpcDurable) -> Option<Decision> {
    if d.lock.is_some() {
        return None;
    }
    let (_, r) = d.log.get_max()?;
    r.status.decision().map(Decision::from_commit)
}

pub(super) fn summary(s: &TpcState) -> NodeSummary {
    let d = &s.durable;
    let (role, class) = role(s);
    let last = d.log.get_max().map_or(0, |(t, _)| *t);
    NodeSummary {
        role,
        class,
        term: last,
        term_label: latest(d),
        log: d
            .log
            .iter()
            .rev()
            .take(8)
            .rev()
            .map(|(t, r)| LogCell {
                index: *t,
                term: *t,
                text: match r.status {
                    Status::Committed => format!("+{}", r.delta),
                    Status::Aborted => "abort".into(),
                    Status::Voting | Status::Prepared => "?".into(),
                },
                committed: r.status.decision().is_some(),
            })
            .collect(),
        log_len: d.log.len() as u64,
        committed: d.decided,
        value: Some(d.value),
        decision: decision(d),
    }
}

pub(super) fn inspect(s: &TpcState) -> Vec<Section> {
    let d = &s.durable;
    let state = role(s).0;
    let mut fields = vec![
        ("state".into(), state.clone()),
        ("newest".into(), latest(d)),
        (
            "lock".into(),
            d.lock
                .map_or("free".into(), |t| format!("held by txn #{t}")),
        ),
        ("counter".into(), d.value.to_string()),
        ("decided".into(), d.decided.to_string()),
    ];
    if s.is_coordinator() {
        let votes = s
            .votes
            .iter()
            .map(|(t, v)| {
                format!(
                    "#{t}: yes from {}",
                    if v.is_empty() {
                        "none".into()
                    } else {
                        NodeId::list(v)
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        fields.push((
            "votes".into(),
            if votes.is_empty() {
                "none pending".into()
            } else {
                votes
            },
        ));
    }
    vec![
        Section::Fields {
            title: format!("{} · {state}", s.id),
            fields,
        },
        log_table(d),
    ]
}

pub(super) fn inspect_durable(d: &TpcDurable) -> Vec<Section> {
    vec![
        Section::Fields {
            title: "Stable storage".into(),
            fields: vec![
                (
                    "lock".into(),
                    d.lock
                        .map_or("free".into(), |t| format!("held by txn #{t}")),
                ),
                ("counter".into(), d.value.to_string()),
            ],
        },
        log_table(d),
    ]
}

/// The last 50 transactions of the log, newest first.
fn log_table(d: &TpcDurable) -> Section {
    Section::Table {
        title: "Log".into(),
        columns: vec!["txn".into(), "delta".into(), "status".into()],
        rows: d
            .log
            .iter()
            .rev()
            .take(50)
            .map(|(t, r)| {
                let mut status = r.status.word().to_string();
                if r.ended {
                    status.push_str(", ended");
                }
                vec![format!("#{t}"), format!("+{}", r.delta), status]
            })
            .collect(),
    }
}

pub(super) fn table_layout() -> TableLayout {
    TableLayout {
        title: "Transactions: each node's vote, decision and lock",
        unit: "txn",
        prefix: "#",
        named: Vec::new(),
        log: false,
        legend: vec![
            "solid: decided here (commit green, abort red) · dashed: not decided yet".into(),
            "yes: voted yes, holds the lock until the decision · blocked: the decision is \
             overdue and it may not decide alone · k/n yes: votes the coordinator has"
                .into(),
        ],
    }
}

/// One transaction of a node's log. `votes` is the coordinator's yes count while voting;
/// `blocked` whether this node waits past its timeout.
fn txn_cell(t: u64, r: &TxnRecord, lock: bool, blocked: bool, votes: Option<String>) -> TableCell {
    let (text, sub, tone, detail) = match r.status {
        Status::Voting => (
            "voting".to_string(),
            votes.clone().unwrap_or_default(),
            "pending",
            format!(
                "txn #{t} (+{}): collecting votes{}",
                r.delta,
                votes.map_or(String::new(), |v| format!(", {v}"))
            ),
        ),
        Status::Prepared if blocked => (
            "yes".into(),
            "blocked".into(),
            "blocked",
            format!(
                "txn #{t} (+{}): voted yes, holds the lock, the decision is overdue: blocked",
                r.delta
            ),
        ),
        Status::Prepared => (
            "yes".into(),
            if lock { "locked" } else { "" }.into(),
            "pending",
            format!(
                "txn #{t} (+{}): voted yes, holds the lock, waits for the decision",
                r.delta
            ),
        ),
        Status::Committed => (
            "commit".into(),
            if r.ended {
                "ended".into()
            } else {
                format!("+{}", r.delta)
            },
            "commit",
            format!(
                "txn #{t} (+{}): committed{}",
                r.delta,
                if r.ended { ", every ack in (END)" } else { "" }
            ),
        ),
        Status::Aborted => (
            "abort".into(),
            if r.ended { "ended" } else { "" }.into(),
            "abort",
            format!("txn #{t} (+{}): aborted", r.delta),
        ),
    };
    TableCell {
        key: t,
        term: t,
        text,
        sub,
        committed: r.status.decision().is_some(),
        tone,
        detail,
    }
}

/// The newest transactions, as many as the table draws.
fn newest(d: &TpcDurable) -> impl Iterator<Item = (&u64, &TxnRecord)> {
    let last = d.log.get_max().map_or(0, |(t, _)| *t);
    d.log.range(last.saturating_sub(TABLE_COLUMNS) + 1..)
}

pub(super) fn table_row(tpc: &TwoPc, s: &TpcState) -> TableRow {
    let d = &s.durable;
    TableRow {
        notes: vec![role(s).0],
        cells: newest(d)
            .map(|(t, r)| {
                let votes = s
                    .votes
                    .get(t)
                    .map(|v| format!("{}/{} yes", v.len(), tpc.nodes - 1));
                txn_cell(*t, r, d.lock == Some(*t), s.blocked, votes)
            })
            .collect(),
        ..TableRow::default()
    }
}

pub(super) fn table_row_durable(d: &TpcDurable) -> TableRow {
    TableRow {
        notes: vec!["crashed".into()],
        cells: newest(d)
            .map(|(t, r)| txn_cell(*t, r, d.lock == Some(*t), false, None))
            .collect(),
        ..TableRow::default()
    }
}
