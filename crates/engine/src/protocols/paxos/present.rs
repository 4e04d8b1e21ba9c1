//! Paxos in words for people: ballots and values as text, message labels and fields, the timer's
//! name, the node summary drawn on the cluster view and the inspector's sections (the acceptor's
//! promise and acceptance, the proposer's attempt, the learner's tally). No rule lives here.

use super::{Ballot, Origin, PaxosDurable, PaxosMsg, PaxosState, PaxosTimer, Phase, Value};
use crate::node::{LogCell, Message, NodeId, NodeSummary, Section, TimerKind};
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
    fn label(&self) -> String {
        "propose".into()
    }
}

pub(super) fn names(ids: &[NodeId]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
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

pub(super) fn summary(s: &PaxosState) -> NodeSummary {
    let (role, class) = match (s.learned, s.phase, s.ballot) {
        (Some((_, v)), _, _) => (format!("learned {}", v.value), "learner"),
        (None, Phase::Preparing, Some(b)) => (format!("proposer: prepare {b}"), "candidate"),
        (None, Phase::Accepting, Some(b)) => (format!("proposer: accept {b}"), "leader"),
        (None, _, _) if s.own.is_some() => ("proposer (backing off)".into(), "follower"),
        _ => ("acceptor".into(), "follower"),
    };
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
            })
            .into_iter()
            .collect(),
        log_len: u64::from(s.durable.accepted.is_some()),
        committed: u64::from(s.learned.is_some()),
        value: s.learned.map(|(_, v)| v.value),
    }
}

pub(super) fn inspect(s: &PaxosState) -> Vec<Section> {
    let mut v = vec![Section::Fields {
        title: format!("{} · {:?}", s.id, s.phase),
        fields: vec![
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
            ("promises".into(), names(&s.promises)),
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
            .map(|(b, (v, who))| vec![b.to_string(), v.to_string(), names(who)])
            .collect(),
    });
    v
}

pub(super) fn inspect_durable(d: &PaxosDurable) -> Vec<Section> {
    vec![Section::Fields {
        title: "Stable storage".into(),
        fields: vec![
            ("promised".into(), ballot_or_none(d.promised)),
            ("accepted".into(), proposal_or_none(d.accepted)),
        ],
    }]
}
