//! Three-Phase Commit in words for people: message labels and fields, timer names, log statuses,
//! the node summary drawn on the cluster view and the inspector's sections (lock, counter, the
//! coordinator's pending votes and acknowledgements, termination, the log), laid out as 2PC's so
//! the two compare directly. No rule lives here.

use super::atomic_commit::{present as shared, TxnStatus};
use super::{Status, ThreePc, ThreePcDurable, ThreePcMsg, ThreePcState, ThreePcTimer, TxnRecord};
use crate::node::{
    Decision, LogCell, Message, NodeSummary, Present, Section, TableCell, TableLayout, TableRow,
    TimerKind,
};

impl TimerKind for ThreePcTimer {
    const KINDS: &'static [&'static str] = &["votes", "acks", "wait", "gather"];
    fn kind(&self) -> usize {
        match self {
            ThreePcTimer::Votes(_) => 0,
            ThreePcTimer::Acks(_) => 1,
            ThreePcTimer::Wait(_) => 2,
            ThreePcTimer::Gather(_) => 3,
        }
    }
    fn label(&self) -> String {
        match self {
            ThreePcTimer::Votes(t) => format!("votes #{t}"),
            ThreePcTimer::Acks(t) => format!("acks #{t}"),
            ThreePcTimer::Wait(t) => format!("wait #{t}"),
            ThreePcTimer::Gather(t) => format!("gather #{t}"),
        }
    }
}

impl Message for ThreePcMsg {
    fn kind(&self) -> usize {
        match self {
            ThreePcMsg::CanCommit { .. } => 0,
            ThreePcMsg::Vote { .. } => 1,
            ThreePcMsg::PreCommit { .. } => 2,
            ThreePcMsg::Ack { .. } => 3,
            ThreePcMsg::Decision { .. } => 4,
            ThreePcMsg::StateRequest { .. } => 5,
            ThreePcMsg::StateReply { .. } => 6,
        }
    }

    fn label(&self) -> String {
        match self {
            ThreePcMsg::CanCommit { txn, delta } => format!("CanCommit #{txn} +{delta}"),
            ThreePcMsg::Vote { txn, yes: true } => format!("Yes #{txn}"),
            ThreePcMsg::Vote { txn, yes: false } => format!("No #{txn}"),
            ThreePcMsg::PreCommit { txn } => format!("PreCommit #{txn}"),
            ThreePcMsg::Ack { txn } => format!("Ack #{txn}"),
            ThreePcMsg::Decision { txn, commit: true } => format!("DoCommit #{txn}"),
            ThreePcMsg::Decision { txn, commit: false } => format!("Abort #{txn}"),
            ThreePcMsg::StateRequest { txn } => format!("State? #{txn}"),
            ThreePcMsg::StateReply { txn, status, .. } => format!("{} #{txn}", status.word()),
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: String| (k.to_string(), v);
        match self {
            ThreePcMsg::CanCommit { txn, delta } => {
                vec![f("txn", txn.to_string()), f("delta", delta.to_string())]
            }
            ThreePcMsg::Vote { txn, yes } => vec![
                f("txn", txn.to_string()),
                f("vote", if *yes { "yes" } else { "no" }.into()),
            ],
            ThreePcMsg::Decision { txn, commit } => vec![
                f("txn", txn.to_string()),
                f("decision", if *commit { "commit" } else { "abort" }.into()),
            ],
            ThreePcMsg::PreCommit { txn }
            | ThreePcMsg::Ack { txn }
            | ThreePcMsg::StateRequest { txn } => vec![f("txn", txn.to_string())],
            ThreePcMsg::StateReply {
                txn,
                status,
                recovering,
            } => vec![
                f("txn", txn.to_string()),
                f("state", status.word().into()),
                f("recovering", recovering.to_string()),
            ],
        }
    }
}

/// A participant's state in one phrase: what it holds and whether it is terminating.
fn phase(s: &ThreePcState) -> Option<(String, &'static str)> {
    // The transaction holding the lock is the one it voted yes on and has not decided.
    let t = s.durable.lock?;
    let st = s.status(t).map_or("uncertain", Status::word);
    Some(if s.recovering.contains(&t) {
        (format!("{st} #{t} (recovering)"), "blocked")
    } else if s.rounds.contains_key(&t) {
        (format!("{st} #{t} (terminating)"), "blocked")
    } else {
        (format!("{st} #{t}"), "candidate")
    })
}

impl Present for ThreePc {
    const MESSAGE_KINDS: &'static [&'static str] = &[
        "CanCommit",
        "Vote",
        "PreCommit",
        "Ack",
        "Decision",
        "StateRequest",
        "StateReply",
    ];

    fn summary(&self, s: &ThreePcState) -> NodeSummary {
        let d = &s.durable;
        let (role, class) = if s.is_coordinator() {
            ("coordinator".to_string(), "leader")
        } else {
            phase(s).unwrap_or(("participant".into(), "follower"))
        };
        let last = d.newest();
        NodeSummary {
            role,
            class,
            term: last,
            term_label: shared::txn_label(d).unwrap_or_else(|| {
                if last == 0 {
                    "no txn yet".into()
                } else {
                    format!("txn #{last}")
                }
            }),
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
                        Status::PreCommitted => "pc".into(),
                        Status::Voting | Status::Uncertain => "?".into(),
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

    fn inspect(&self, s: &ThreePcState) -> Vec<Section> {
        let d = &s.durable;
        let state = if s.is_coordinator() {
            "coordinator".to_string()
        } else {
            phase(s).map_or("free".into(), |(p, _)| p)
        };
        let mut fields = vec![
            ("state".into(), state),
            ("lock".into(), shared::lock(d)),
            ("counter".into(), d.value.to_string()),
            ("decided".into(), d.decided.to_string()),
        ];
        if s.is_coordinator() {
            fields.push(("votes".into(), shared::pending(&s.votes, "yes")));
            fields.push(("acks".into(), shared::pending(&s.acks, "ack")));
        }
        if !s.rounds.is_empty() || !s.recovering.is_empty() {
            let text = s
                .durable
                .log
                .keys()
                .filter(|&t| s.rounds.contains_key(t) || s.recovering.contains(t))
                .map(|t| {
                    format!(
                        "#{t}: {} round(s){}",
                        s.rounds.get(t).copied().unwrap_or(0),
                        if s.recovering.contains(t) {
                            ", recovering"
                        } else {
                            ""
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            fields.push(("termination".into(), text));
        }
        vec![
            Section::Fields {
                title: format!(
                    "{} · {}",
                    s.id,
                    if s.is_coordinator() {
                        "coordinator"
                    } else {
                        "participant"
                    }
                ),
                fields,
            },
            shared::log_table(d),
        ]
    }

    fn inspect_durable(&self, d: &ThreePcDurable) -> Vec<Section> {
        shared::inspect_durable(d)
    }

    fn table_layout(&self) -> TableLayout {
        TableLayout {
            title: "Transactions: each node's vote, pre-commit and decision",
            unit: "txn",
            prefix: "#",
            named: Vec::new(),
            log: false,
            legend: vec![
                "solid: decided here (commit green, abort red) · dashed: not decided yet".into(),
                "yes: voted yes, uncertain, holds the lock · pre-commit: everyone voted yes, only \
                 commit is left · terminating / recovering: deciding without the coordinator"
                    .into(),
            ],
        }
    }

    fn table_row(&self, s: &ThreePcState) -> TableRow {
        let d = &s.durable;
        TableRow {
            notes: vec![self.summary(s).role],
            cells: shared::newest(d)
                .map(|(t, r)| {
                    let phase = if s.recovering.contains(t) {
                        "recovering"
                    } else if s.rounds.contains_key(t) {
                        "terminating"
                    } else {
                        ""
                    };
                    let votes = s
                        .votes
                        .get(t)
                        .map(|v| format!("{}/{} yes", v.len(), self.nodes - 1));
                    txn_cell(*t, r, d.lock == Some(*t), phase, votes)
                })
                .collect(),
            ..TableRow::default()
        }
    }

    fn table_row_durable(&self, d: &ThreePcDurable) -> TableRow {
        TableRow {
            notes: vec!["crashed".into()],
            cells: shared::newest(d)
                .map(|(t, r)| txn_cell(*t, r, d.lock == Some(*t), "", None))
                .collect(),
            ..TableRow::default()
        }
    }
}

/// One transaction of a node's log; `phase` says whether this node is terminating or
/// recovering it, `votes` the coordinator's count while voting.
fn txn_cell(t: u64, r: &TxnRecord, lock: bool, phase: &str, votes: Option<String>) -> TableCell {
    let undecided = |word: &str, what: &str| {
        let sub = if phase.is_empty() && lock {
            "locked".to_string()
        } else {
            phase.to_string()
        };
        let tone = if phase.is_empty() {
            "pending"
        } else {
            "blocked"
        };
        (
            word.to_string(),
            sub,
            tone,
            format!("txn #{t} (+{}): {what}", r.delta),
        )
    };
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
        Status::Uncertain => undecided("yes", "voted yes, uncertain, holds the lock"),
        Status::PreCommitted => undecided(
            "pre-commit",
            "everyone voted yes; pre-committed, commit is the only outcome left",
        ),
        Status::Committed => (
            "commit".into(),
            format!("+{}", r.delta),
            "commit",
            format!("txn #{t} (+{}): committed", r.delta),
        ),
        Status::Aborted => (
            "abort".into(),
            String::new(),
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
