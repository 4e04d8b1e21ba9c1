//! Paxos in words for people: ballots and values as text, message labels and fields, the timer's
//! name, the node summary drawn on the cluster view and the inspector's sections (the acceptor's
//! promise and acceptance, the proposer's attempt, the learner's tally). No rule lives here.

use super::{Ballot, Origin, Paxos, PaxosDurable, PaxosMsg, PaxosState, PaxosTimer, Phase, Value};
use crate::node::{
    LogCell, Message, NodeId, NodeSummary, Present, Section, TableCell, TableLayout, TableRow,
    TimerKind,
};
use std::fmt;

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.round, self.node.0)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin {
            Origin::Start(n) => write!(f, "{} ({n}'s)", self.value),
            Origin::Request(id) => write!(f, "{} (#{id})", self.value),
        }
    }
}

impl TimerKind for PaxosTimer {
    const KINDS: &'static [&'static str] = &["propose"];
    fn kind(&self) -> usize {
        0
    }
    fn label(&self) -> String {
        "propose".into()
    }
}

pub(super) fn ballot_or_none(b: Option<Ballot>) -> String {
    b.map_or("none".into(), |b| b.to_string())
}

pub(super) fn proposal_or_none(p: Option<(Ballot, Value)>) -> String {
    p.map_or("none".into(), |(b, v)| format!("{v} in ballot {b}"))
}

impl Message for PaxosMsg {
    fn kind(&self) -> usize {
        match self {
            PaxosMsg::Prepare { .. } => 0,
            PaxosMsg::Promise { .. } => 1,
            PaxosMsg::Accept { .. } => 2,
            PaxosMsg::Accepted { .. } => 3,
            PaxosMsg::Nack { .. } => 4,
        }
    }

    fn label(&self) -> String {
        match self {
            PaxosMsg::Prepare { ballot } => format!("Prepare {ballot}"),
            PaxosMsg::Promise {
                ballot,
                accepted: None,
            } => format!("Promise {ballot}"),
            PaxosMsg::Promise {
                ballot,
                accepted: Some((b, v)),
            } => format!("Promise {ballot} ({}@{b})", v.value),
            PaxosMsg::Accept { ballot, value } => format!("Accept {ballot} {}", value.value),
            PaxosMsg::Accepted { ballot, value } => format!("Accepted {ballot} {}", value.value),
            PaxosMsg::Nack { ballot, promised } => format!("Nack {ballot} <{promised}"),
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: String| (k.to_string(), v);
        match self {
            PaxosMsg::Prepare { ballot } => vec![f("ballot", ballot.to_string())],
            PaxosMsg::Promise { ballot, accepted } => vec![
                f("ballot", ballot.to_string()),
                f("accepted", proposal_or_none(*accepted)),
            ],
            PaxosMsg::Accept { ballot, value } | PaxosMsg::Accepted { ballot, value } => vec![
                f("ballot", ballot.to_string()),
                f("value", value.to_string()),
            ],
            PaxosMsg::Nack { ballot, promised } => vec![
                f("ballot", ballot.to_string()),
                f("promised", promised.to_string()),
            ],
        }
    }
}

/// The role in words and its colour class: the node's label and the inspector's title say
/// the same.
fn role(s: &PaxosState) -> (String, &'static str) {
    match (s.learned, s.phase, s.ballot) {
        (Some((_, v)), _, _) => (format!("learned {}", v.value), "learner"),
        (None, Phase::Preparing, Some(b)) => (format!("proposer: prepare {b}"), "candidate"),
        (None, Phase::Accepting, Some(b)) => (format!("proposer: accept {b}"), "leader"),
        (None, _, _) if s.own.is_some() => ("proposer (backing off)".into(), "follower"),
        _ => ("acceptor".into(), "follower"),
    }
}

impl Present for Paxos {
    const MESSAGE_KINDS: &'static [&'static str] =
        &["Prepare", "Promise", "Accept", "Accepted", "Nack"];

    fn summary(&self, s: &PaxosState) -> NodeSummary {
        let (role, class) = role(s);
        let shown = s.ballot.max(s.durable.promised);
        NodeSummary {
            role,
            class,
            term: shown.map_or(0, |b| b.round),
            term_label: format!("ballot {}", ballot_or_none(shown)),
            log: s
                .durable
                .accepted
                .map(|(b, v)| LogCell {
                    index: 1,
                    term: b.round,
                    text: v.value.to_string(),
                    committed: s.learned.is_some_and(|(lb, _)| lb == b),
                    outcome: None,
                })
                .into_iter()
                .collect(),
            log_len: u64::from(s.durable.accepted.is_some()),
            committed: u64::from(s.learned.is_some()),
            value: s.learned.map(|(_, v)| v.value),
            decision: None,
        }
    }

    fn inspect(&self, s: &PaxosState) -> Vec<Section> {
        let role = role(s).0;
        let mut v = vec![Section::Fields {
            title: format!("{} · {role}", s.id),
            fields: vec![
                ("role".into(), role),
                ("promised".into(), ballot_or_none(s.durable.promised)),
                ("accepted".into(), proposal_or_none(s.durable.accepted)),
                ("ballot".into(), ballot_or_none(s.ballot)),
                (
                    "own value".into(),
                    s.own.map_or("none".into(), |v| v.to_string()),
                ),
                (
                    "proposing".into(),
                    s.proposing.map_or("none".into(), |v| v.to_string()),
                ),
                ("promises".into(), NodeId::list(&s.promises)),
                ("highest reported".into(), proposal_or_none(s.highest)),
                ("learned".into(), proposal_or_none(s.learned)),
            ],
        }];
        v.push(Section::Table {
            title: "Accepted announcements heard".into(),
            columns: vec!["ballot".into(), "value".into(), "acceptors".into()],
            rows: s
                .accepts
                .iter()
                .rev()
                .map(|(b, (v, who))| vec![b.to_string(), v.to_string(), NodeId::list(who)])
                .collect(),
        });
        v
    }

    fn inspect_durable(&self, d: &PaxosDurable) -> Vec<Section> {
        vec![Section::Fields {
            title: "Stable storage".into(),
            fields: vec![
                ("promised".into(), ballot_or_none(d.promised)),
                ("accepted".into(), proposal_or_none(d.accepted)),
            ],
        }]
    }

    fn table_layout(&self) -> TableLayout {
        TableLayout {
            title: "Acceptor table: each node's promise, acceptance and what it learned",
            unit: "",
            prefix: "",
            named: vec![
                (PROMISED, "promised"),
                (ACCEPTED, "accepted ballot"),
                (VALUE, "accepted value"),
                (LEARNED, "learned"),
            ],
            log: false,
            legend: vec![
                "solid: the value is learned (chosen) here · dashed: accepted, not known chosen"
                    .into(),
                "colour: the ballot's round · ballot r.n is round r of proposer Sn".into(),
            ],
        }
    }

    fn table_row(&self, s: &PaxosState) -> TableRow {
        TableRow {
            notes: vec![role(s).0],
            cells: acceptor_cells(&s.durable, s.learned, true),
            ..TableRow::default()
        }
    }

    fn table_row_durable(&self, d: &PaxosDurable) -> TableRow {
        TableRow {
            notes: vec!["crashed".into()],
            cells: acceptor_cells(d, None, false),
            ..TableRow::default()
        }
    }
}

/// The acceptor table's columns.
const PROMISED: u64 = 1;
const ACCEPTED: u64 = 2;
const VALUE: u64 = 3;
const LEARNED: u64 = 4;

fn acceptor_cells(d: &PaxosDurable, learned: Option<(Ballot, Value)>, up: bool) -> Vec<TableCell> {
    let chosen = |b: Ballot| learned.is_some_and(|(lb, _)| lb == b);
    let none = |key: u64, detail: &str| TableCell {
        key,
        text: "—".into(),
        tone: "empty",
        detail: detail.into(),
        ..TableCell::default()
    };
    let mut v = vec![match d.promised {
        Some(b) => TableCell {
            key: PROMISED,
            term: b.round,
            text: b.to_string(),
            committed: true,
            tone: "field",
            detail: format!("promised ballot {b}: ignores lower ballots"),
            ..TableCell::default()
        },
        None => none(PROMISED, "no promise yet"),
    }];
    match d.accepted {
        Some((b, val)) => {
            let state = if chosen(b) {
                "learned"
            } else {
                "not known chosen"
            };
            v.push(TableCell {
                key: ACCEPTED,
                term: b.round,
                text: b.to_string(),
                committed: chosen(b),
                detail: format!("accepted in ballot {b}, {state}"),
                ..TableCell::default()
            });
            v.push(TableCell {
                key: VALUE,
                term: b.round,
                text: val.value.to_string(),
                sub: match val.origin {
                    Origin::Start(n) => format!("{n}'s"),
                    Origin::Request(id) => format!("#{id}"),
                },
                committed: chosen(b),
                detail: format!("accepted value {val}, {state}"),
                ..TableCell::default()
            });
        }
        None => {
            v.push(none(ACCEPTED, "nothing accepted yet"));
            v.push(none(VALUE, "nothing accepted yet"));
        }
    }
    v.push(match learned {
        Some((b, val)) => TableCell {
            key: LEARNED,
            term: b.round,
            text: val.value.to_string(),
            sub: b.to_string(),
            committed: true,
            detail: format!("learned {val}, chosen in ballot {b}"),
            ..TableCell::default()
        },
        None if up => none(LEARNED, "nothing learned yet"),
        None => none(LEARNED, "what it learned is lost in the crash"),
    });
    v
}
