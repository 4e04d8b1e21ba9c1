//! Two-Phase Commit in words for people: message labels and fields, timer names, log statuses,
//! the node summary drawn on the cluster view and the inspector's sections (lock, counter, the
//! coordinator's pending votes, the log). No rule lives here.

use super::{Status, TpcDurable, TpcMsg, TpcState, TpcTimer};
use crate::node::{LogCell, Message, NodeId, NodeSummary, Section, TimerKind};

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

pub(super) fn names(ids: &[NodeId]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
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

pub(super) fn summary(s: &TpcState) -> NodeSummary {
    let d = &s.durable;
    let (role, class) = if s.is_coordinator() {
        ("coordinator".to_string(), "leader")
    } else {
        match d.lock {
            Some(t) if s.blocked => (format!("prepared #{t} (blocked)"), "blocked"),
            Some(t) => (format!("prepared #{t}"), "candidate"),
            None => ("participant".into(), "follower"),
        }
    };
    let last = d.log.get_max().map_or(0, |(t, _)| *t);
    NodeSummary {
        role,
        class,
        term: last,
        term_label: if last == 0 {
            "no txn yet".into()
        } else {
            format!("txn #{last}")
        },
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
    }
}

pub(super) fn inspect(s: &TpcState) -> Vec<Section> {
    let d = &s.durable;
    let state = if s.is_coordinator() {
        "coordinator".to_string()
    } else {
        match d.lock {
            Some(t) if s.blocked => format!("prepared #{t}, blocked"),
            Some(t) => format!("prepared #{t}, waiting"),
            None => "free".into(),
        }
    };
    let mut fields = vec![
        ("state".into(), state),
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
                        names(v)
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
