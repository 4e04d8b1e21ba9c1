//! Two-Phase Commit in words for people: message labels and fields, timer names, log statuses,
//! the node summary drawn on the cluster view and the inspector's sections (lock, counter, the
//! coordinator's pending votes, the log). No rule lives here.

use super::atomic_commit::{present as shared, TxnStatus};
use super::{Status, TpcDurable, TpcMsg, TpcState, TpcTimer, TwoPc, TxnRecord};
use crate::node::{
    Decision, LogCell, Message, NodeSummary, Present, Section, TableCell, TableLayout, TableRow,
    TimerKind,
};

impl TimerKind for TpcTimer {
    const KINDS: &'static [&'static str] = &["votes", "decision"];
    fn kind(&self) -> usize {
        match self {
            TpcTimer::Votes(_) => 0,
            TpcTimer::Decision(_) => 1,
        }
    }
    fn label(&self) -> String {
        match self {
            TpcTimer::Votes(t) => format!("votes #{t}"),
            TpcTimer::Decision(t) => format!("decision #{t}"),
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

impl Present for TwoPc {
    const MESSAGE_KINDS: &'static [&'static str] =
        &["Prepare", "Vote", "Decision", "Ack", "DecisionRequest"];

    fn summary(&self, s: &TpcState) -> NodeSummary {
        let d = &s.durable;
        let (role, class) = role(s);
        NodeSummary {
            role,
            class,
            term: d.newest(),
            term_label: shared::txn_label(d).unwrap_or_else(|| latest(d)),
            log: d
                .log
                .iter()
                .rev()
                .take(8)
                .rev()
                .map(|(t, r)| LogCell {
                    index: *t,
                    term: *t,
                    text: match r.status.decision() {
                        Some(true) => format!("+{}", r.delta),
                        Some(false) => "abort".into(),
                        None => "?".into(),
                    },
                    committed: r.status.decision().is_some(),
                    outcome: r.status.decision().map(Decision::from_commit),
                })
                .collect(),
            log_len: d.log.len() as u64,
            committed: d.decided,
            value: Some(d.value),
            decision: shared::decided(d).map(|(_, o)| o),
        }
    }

    fn inspect(&self, s: &TpcState) -> Vec<Section> {
        let d = &s.durable;
        let state = role(s).0;
        let mut fields = vec![
            ("state".into(), state.clone()),
            ("newest".into(), latest(d)),
            ("lock".into(), shared::lock(d)),
            ("counter".into(), d.value.to_string()),
            ("decided".into(), d.decided.to_string()),
        ];
        if s.is_coordinator() {
            fields.push(("votes".into(), shared::pending(&s.votes, "yes")));
        }
        vec![
            Section::Fields {
                title: format!("{} · {state}", s.id),
                fields,
            },
            shared::log_table(d),
        ]
    }

    fn inspect_durable(&self, d: &TpcDurable) -> Vec<Section> {
        shared::inspect_durable(d)
    }

    fn table_layout(&self) -> TableLayout {
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

    fn table_row(&self, s: &TpcState) -> TableRow {
        let d = &s.durable;
        TableRow {
            notes: vec![role(s).0],
            cells: shared::newest(d)
                .map(|(t, r)| {
                    let votes = s
                        .votes
                        .get(t)
                        .map(|v| format!("{}/{} yes", v.len(), self.nodes - 1));
                    txn_cell(*t, r, d.lock == Some(*t), s.blocked, votes)
                })
                .collect(),
            ..TableRow::default()
        }
    }

    fn table_row_durable(&self, d: &TpcDurable) -> TableRow {
        TableRow {
            notes: vec!["crashed".into()],
            cells: shared::newest(d)
                .map(|(t, r)| txn_cell(*t, r, d.lock == Some(*t), false, None))
                .collect(),
            ..TableRow::default()
        }
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
            format!("+{}", r.delta),
            "commit",
            format!("txn #{t} (+{}): committed", r.delta),
        ),
        Status::Ended { commit: true } => (
            "commit".into(),
            "ended".into(),
            "commit",
            format!("txn #{t} (+{}): committed, every ack in (END)", r.delta),
        ),
        Status::Aborted | Status::Ended { commit: false } => (
            "abort".into(),
            if r.status == Status::Aborted {
                ""
            } else {
                "ended"
            }
            .into(),
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
