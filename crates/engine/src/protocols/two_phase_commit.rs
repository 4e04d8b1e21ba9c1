//! Two-Phase Commit, as in Gray's "Notes on Data Base Operating Systems" (1978) and Bernstein,
//! Hadzilacos and Goodman, "Concurrency Control and Recovery in Database Systems", ch. 7.
//!
//! S1 is the coordinator; S2..Sn are participants, each owning one shard with a counter. A
//! client request is a transaction that adds its delta to the counter on every shard, so after
//! any run every shard that took part agrees on the counter, and a lock conflict (a shard still
//! held by an undecided transaction) makes a later transaction abort.
//!
//! Phase 1: the coordinator logs the transaction and sends Prepare; a participant takes its
//! shard's lock, logs PREPARED durably and votes yes, or votes no (aborting on its own) if
//! another transaction holds the lock. Phase 2: the coordinator logs COMMIT (all voted yes) or
//! ABORT (a no, or a vote missing at the timeout) before it sends the decision. A participant
//! that voted yes cannot decide alone: until the decision reaches it, it keeps the lock and is
//! blocked. It asks the coordinator again on a timer and, with cooperative termination, its
//! peers; a peer that has not voted yet may then abort the transaction and say so.
//!
//! There is no separate execution phase: a participant learns of a transaction from its Prepare
//! and votes at once. So "a participant that has not voted may abort" shows in two places: a
//! no vote is a unilateral abort, and a participant asked about a transaction whose Prepare has
//! not reached it (cooperative termination) aborts it, and later votes no. A recovered
//! coordinator re-sends the decisions it logged and aborts the transactions it had not decided;
//! an END record, written once every participant acknowledged, keeps it from re-sending forever.

use crate::narrate;
use crate::node::{
    LogCell, Message, NodeId, NodeSummary, Out, Protocol, Reply, Request, Section, Time, TimerKind,
};
use imbl::OrdMap;
use serde::Serialize;

pub const COORDINATOR: NodeId = NodeId(1);

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TpcMsg {
    /// Phase 1: can you commit transaction `txn` (add `delta` to your shard)?
    Prepare {
        txn: u64,
        delta: i64,
    },
    Vote {
        txn: u64,
        yes: bool,
    },
    /// Phase 2: the outcome (COMMIT or ABORT), from the coordinator or, cooperatively, a peer.
    Decision {
        txn: u64,
        commit: bool,
    },
    /// The participant applied the decision; the coordinator may forget the transaction.
    Ack {
        txn: u64,
    },
    /// A participant waiting for an outcome asks for it.
    DecisionRequest {
        txn: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum TpcTimer {
    /// Coordinator: the votes of `txn` are due.
    Votes(u64),
    /// Participant: the decision of `txn`, which it voted yes on, is due.
    Decision(u64),
}

impl TimerKind for TpcTimer {
    fn label(&self) -> String {
        match self {
            TpcTimer::Votes(t) => format!("votes #{t}"),
            TpcTimer::Decision(t) => format!("decision #{t}"),
        }
    }
}

/// Where a transaction stands in a node's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    /// Coordinator: begun, collecting votes.
    Voting,
    /// Participant: voted yes; holds the lock and may not decide alone.
    Prepared,
    Committed,
    Aborted,
}

impl Status {
    pub fn decision(self) -> Option<bool> {
        match self {
            Status::Committed => Some(true),
            Status::Aborted => Some(false),
            Status::Voting | Status::Prepared => None,
        }
    }
    fn word(self) -> &'static str {
        match self {
            Status::Voting => "voting",
            Status::Prepared => "prepared",
            Status::Committed => "committed",
            Status::Aborted => "aborted",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TxnRecord {
    pub delta: i64,
    pub status: Status,
    /// Coordinator: every participant acknowledged the decision (the END record).
    pub ended: bool,
}

/// The write-ahead log on stable storage, for both roles.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TpcDurable {
    pub log: OrdMap<u64, TxnRecord>,
    /// Participant: the transaction holding the shard's lock (it is prepared).
    pub lock: Option<u64>,
    /// The counter: the shard's, or at the coordinator the sum of committed deltas.
    pub value: i64,
    /// Transactions decided here.
    pub decided: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TpcState {
    pub id: NodeId,
    pub durable: TpcDurable,
    /// Coordinator: yes votes per transaction being voted on.
    pub votes: OrdMap<u64, Vec<NodeId>>,
    /// Coordinator: acknowledgements per decided transaction not yet ended.
    pub acks: OrdMap<u64, Vec<NodeId>>,
    /// Participant: the prepared transaction's decision is overdue.
    pub blocked: bool,
}

impl TpcState {
    pub fn is_coordinator(&self) -> bool {
        self.id == COORDINATOR
    }
}

#[derive(Clone, Debug)]
pub struct TwoPc {
    pub nodes: usize,
    pub timeout: (Time, Time),
    pub cooperative_termination: bool,
    pub bug_unilateral_abort: bool,
    pub bug_commit_missing_vote: bool,
}

impl TwoPc {
    fn participants(&self) -> impl Iterator<Item = NodeId> {
        NodeId::all(self.nodes).filter(|&n| n != COORDINATOR)
    }

    fn arm(&self, out: &mut Out<Self>, timer: TpcTimer) {
        out.set_timer(timer, self.timeout.0, self.timeout.1);
    }

    /// Coordinator, phase 2: the decision goes to stable storage before anyone hears it.
    fn decide(&self, s: &mut TpcState, txn: u64, commit: bool, why: &str, out: &mut Out<Self>) {
        let mut rec = s.durable.log[&txn];
        rec.status = if commit {
            Status::Committed
        } else {
            Status::Aborted
        };
        s.durable.log.insert(txn, rec);
        if commit {
            s.durable.value += rec.delta;
        }
        s.durable.decided += 1;
        out.persist(s.durable.clone());
        s.votes.remove(&txn);
        s.acks.insert(txn, Vec::new());
        out.cancel_timer(TpcTimer::Votes(txn));
        let word = if commit { "COMMIT" } else { "ABORT" };
        narrate!(
            out,
            "{} logs {word} for txn #{txn} ({why}) and only then tells the participants",
            s.id
        );
        for p in self.participants() {
            out.send(p, TpcMsg::Decision { txn, commit });
        }
        let reply = if commit {
            Reply::Committed {
                index: txn,
                value: s.durable.value,
            }
        } else {
            Reply::Rejected(format!("transaction aborted: {why}"))
        };
        out.reply(txn, reply);
    }

    fn on_prepare(
        &self,
        s: &mut TpcState,
        from: NodeId,
        txn: u64,
        delta: i64,
        out: &mut Out<Self>,
    ) {
        if let Some(rec) = s.durable.log.get(&txn) {
            // A duplicate: repeat the vote already on record.
            let yes = rec.status != Status::Aborted;
            out.send(from, TpcMsg::Vote { txn, yes });
            return;
        }
        if let Some(holder) = s.durable.lock {
            s.durable.log.insert(
                txn,
                TxnRecord {
                    delta,
                    status: Status::Aborted,
                    ended: false,
                },
            );
            s.durable.decided += 1;
            out.persist(s.durable.clone());
            narrate!(
                out,
                "{} votes no on txn #{txn}: its shard is locked by txn #{holder}, so it aborts \
                 #{txn}",
                s.id
            );
            out.send(from, TpcMsg::Vote { txn, yes: false });
            return;
        }
        s.durable.log.insert(
            txn,
            TxnRecord {
                delta,
                status: Status::Prepared,
                ended: false,
            },
        );
        s.durable.lock = Some(txn);
        out.persist(s.durable.clone());
        s.blocked = false;
        narrate!(
            out,
            "{} locks its shard for txn #{txn}, logs PREPARED and votes yes: from now on it may \
             not decide alone",
            s.id
        );
        out.send(from, TpcMsg::Vote { txn, yes: true });
        self.arm(out, TpcTimer::Decision(txn));
    }

    fn on_vote(&self, s: &mut TpcState, from: NodeId, txn: u64, yes: bool, out: &mut Out<Self>) {
        if s.durable.log.get(&txn).map(|r| r.status) != Some(Status::Voting) {
            return;
        }
        if !yes {
            self.decide(s, txn, false, &format!("{from} voted no"), out);
            return;
        }
        let mut votes = s.votes.get(&txn).cloned().unwrap_or_default();
        if !votes.contains(&from) {
            votes.push(from);
        }
        let all = votes.len() == self.nodes - 1;
        narrate!(
            out,
            "{} has {} of {} yes votes for txn #{txn}",
            s.id,
            votes.len(),
            self.nodes - 1
        );
        s.votes.insert(txn, votes);
        if all {
            self.decide(s, txn, true, "every participant voted yes", out);
        }
    }

    fn on_decision(
        &self,
        s: &mut TpcState,
        from: NodeId,
        txn: u64,
        commit: bool,
        out: &mut Out<Self>,
    ) {
        let word = if commit { "COMMIT" } else { "ABORT" };
        let rec = s.durable.log.get(&txn).copied();
        match rec.and_then(|r| r.status.decision()) {
            Some(d) if d == commit => {}
            Some(_) => {
                narrate!(
                    out,
                    "{} hears {word} for txn #{txn} from {from}, but it already decided the \
                     opposite",
                    s.id
                );
                return;
            }
            None => {
                let status = if commit {
                    Status::Committed
                } else {
                    Status::Aborted
                };
                let delta = rec.map_or(0, |r| r.delta);
                s.durable.log.insert(
                    txn,
                    TxnRecord {
                        delta,
                        status,
                        ended: false,
                    },
                );
                if commit {
                    s.durable.value += delta;
                }
                s.durable.decided += 1;
                if s.durable.lock == Some(txn) {
                    s.durable.lock = None;
                    s.blocked = false;
                    out.cancel_timer(TpcTimer::Decision(txn));
                }
                out.persist(s.durable.clone());
                if rec.is_none() && commit {
                    narrate!(
                        out,
                        "{} learns COMMIT for txn #{txn} from {from}, which it never prepared: \
                         it has no changes to apply",
                        s.id
                    );
                } else if rec.is_none() {
                    narrate!(
                        out,
                        "{} learns ABORT for txn #{txn} from {from} before its Prepare arrived \
                         and logs it",
                        s.id
                    );
                } else {
                    narrate!(
                        out,
                        "{} learns {word} for txn #{txn} from {from}, logs it and releases its \
                         lock (counter = {})",
                        s.id,
                        s.durable.value
                    );
                }
            }
        }
        if from == COORDINATOR {
            out.send(from, TpcMsg::Ack { txn });
        }
    }

    fn on_ack(&self, s: &mut TpcState, from: NodeId, txn: u64, out: &mut Out<Self>) {
        let Some(mut acks) = s.acks.get(&txn).cloned() else {
            return;
        };
        if !acks.contains(&from) {
            acks.push(from);
        }
        if acks.len() < self.nodes - 1 {
            s.acks.insert(txn, acks);
            return;
        }
        s.acks.remove(&txn);
        if let Some(mut rec) = s.durable.log.get(&txn).copied() {
            rec.ended = true;
            s.durable.log.insert(txn, rec);
            out.persist(s.durable.clone());
            narrate!(
                out,
                "{} logs END for txn #{txn}: every participant has the decision",
                s.id
            );
        }
    }

    fn on_decision_request(&self, s: &mut TpcState, from: NodeId, txn: u64, out: &mut Out<Self>) {
        let rec = s.durable.log.get(&txn).copied();
        if let Some(commit) = rec.and_then(|r| r.status.decision()) {
            narrate!(
                out,
                "{} tells {from} that txn #{txn} {}",
                s.id,
                if commit { "committed" } else { "aborted" }
            );
            out.send(from, TpcMsg::Decision { txn, commit });
            return;
        }
        match (s.is_coordinator(), rec) {
            (true, Some(_)) => {
                narrate!(
                    out,
                    "{} has not decided txn #{txn} yet: it is still collecting votes",
                    s.id
                );
            }
            (true, None) => {
                // Presumed abort: a transaction the coordinator has no record of never committed.
                narrate!(
                    out,
                    "{} has no record of txn #{txn}, so it was never committed: abort",
                    s.id
                );
                out.send(from, TpcMsg::Decision { txn, commit: false });
            }
            (false, Some(_)) => {
                narrate!(
                    out,
                    "{} cannot help {from}: it voted yes on txn #{txn} too and is just as \
                     uncertain",
                    s.id
                );
            }
            (false, None) => {
                // Not voted yet: this participant may still abort on its own, and then the
                // coordinator can never commit.
                s.durable.log.insert(
                    txn,
                    TxnRecord {
                        delta: 0,
                        status: Status::Aborted,
                        ended: false,
                    },
                );
                s.durable.decided += 1;
                out.persist(s.durable.clone());
                narrate!(
                    out,
                    "{} has not voted on txn #{txn}, so it aborts it on its own and tells {from}",
                    s.id
                );
                out.send(from, TpcMsg::Decision { txn, commit: false });
            }
        }
    }

    fn on_votes_timeout(&self, s: &mut TpcState, txn: u64, out: &mut Out<Self>) {
        if s.durable.log.get(&txn).map(|r| r.status) != Some(Status::Voting) {
            return;
        }
        let have = s.votes.get(&txn).cloned().unwrap_or_default();
        let missing: Vec<NodeId> = self.participants().filter(|p| !have.contains(p)).collect();
        let why = format!("no vote from {} in time", names(&missing));
        if self.bug_commit_missing_vote {
            self.decide(
                s,
                txn,
                true,
                &format!("{why}, yet it commits (bug: 2pc-commit-missing-vote)"),
                out,
            );
        } else {
            self.decide(s, txn, false, &why, out);
        }
    }

    fn on_decision_timeout(&self, s: &mut TpcState, txn: u64, out: &mut Out<Self>) {
        if s.durable.lock != Some(txn) {
            return;
        }
        if self.bug_unilateral_abort {
            let mut rec = s.durable.log[&txn];
            rec.status = Status::Aborted;
            s.durable.log.insert(txn, rec);
            s.durable.lock = None;
            s.durable.decided += 1;
            s.blocked = false;
            out.persist(s.durable.clone());
            narrate!(
                out,
                "{} tires of waiting and aborts txn #{txn} on its own although it voted yes \
                 (bug: 2pc-unilateral-abort)",
                s.id
            );
            return;
        }
        s.blocked = true;
        if self.cooperative_termination {
            narrate!(
                out,
                "{} is blocked: it voted yes on txn #{txn} and cannot decide alone; it keeps its \
                 lock and asks {COORDINATOR} and its peers for the outcome",
                s.id
            );
            out.broadcast(s.id, self.nodes, |_| TpcMsg::DecisionRequest { txn });
        } else {
            narrate!(
                out,
                "{} is blocked: it voted yes on txn #{txn} and cannot decide alone; it keeps its \
                 lock and asks {COORDINATOR} again",
                s.id
            );
            out.send(COORDINATOR, TpcMsg::DecisionRequest { txn });
        }
        self.arm(out, TpcTimer::Decision(txn));
    }

    /// Coordinator recovery: finish what the log says was decided, abort what was not.
    fn recover(&self, s: &mut TpcState, out: &mut Out<Self>) {
        let open: Vec<(u64, TxnRecord)> = s
            .durable
            .log
            .iter()
            .filter(|(_, r)| !r.ended)
            .map(|(t, r)| (*t, *r))
            .collect();
        for (txn, rec) in open {
            match rec.status.decision() {
                Some(commit) => {
                    narrate!(
                        out,
                        "{} finds {} for txn #{txn} in its log and sends it again",
                        s.id,
                        if commit { "COMMIT" } else { "ABORT" }
                    );
                    s.acks.insert(txn, Vec::new());
                    for p in self.participants() {
                        out.send(p, TpcMsg::Decision { txn, commit });
                    }
                }
                None => self.decide(
                    s,
                    txn,
                    false,
                    "the coordinator crashed before deciding",
                    out,
                ),
            }
        }
    }
}

fn names(ids: &[NodeId]) -> String {
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

impl Protocol for TwoPc {
    type Msg = TpcMsg;
    type Timer = TpcTimer;
    type Durable = TpcDurable;
    type State = TpcState;

    const NAME: &'static str = "Two-Phase Commit";
    const MESSAGE_KINDS: &'static [&'static str] =
        &["Prepare", "Vote", "Decision", "Ack", "DecisionRequest"];

    fn cluster_size(&self) -> usize {
        self.nodes
    }

    fn on_start(&self, id: NodeId, durable: &TpcDurable, out: &mut Out<Self>) -> TpcState {
        let mut s = TpcState {
            id,
            durable: durable.clone(),
            votes: OrdMap::new(),
            acks: OrdMap::new(),
            blocked: false,
        };
        if s.is_coordinator() {
            narrate!(
                out,
                "{id} starts as the coordinator with {} in its log",
                match durable.log.len() {
                    1 => "1 transaction".to_string(),
                    n => format!("{n} transactions"),
                }
            );
            self.recover(&mut s, out);
        } else if let Some(txn) = durable.lock {
            narrate!(
                out,
                "{id} restarts with txn #{txn} PREPARED in its log: it holds the lock and must \
                 learn the outcome before it can release it"
            );
            self.arm(out, TpcTimer::Decision(txn));
        } else {
            narrate!(
                out,
                "{id} starts as a participant owning shard {} (counter = {})",
                id.0 - 1,
                durable.value
            );
        }
        s
    }

    fn on_msg(&self, s: &mut TpcState, from: NodeId, msg: TpcMsg, out: &mut Out<Self>) {
        match msg {
            TpcMsg::Prepare { txn, delta } => self.on_prepare(s, from, txn, delta, out),
            TpcMsg::Vote { txn, yes } => self.on_vote(s, from, txn, yes, out),
            TpcMsg::Decision { txn, commit } => self.on_decision(s, from, txn, commit, out),
            TpcMsg::Ack { txn } => self.on_ack(s, from, txn, out),
            TpcMsg::DecisionRequest { txn } => self.on_decision_request(s, from, txn, out),
        }
    }

    fn on_timer(&self, s: &mut TpcState, timer: TpcTimer, out: &mut Out<Self>) {
        match timer {
            TpcTimer::Votes(txn) => self.on_votes_timeout(s, txn, out),
            TpcTimer::Decision(txn) => self.on_decision_timeout(s, txn, out),
        }
    }

    fn on_request(&self, s: &mut TpcState, req: Request, out: &mut Out<Self>) {
        if !s.is_coordinator() {
            narrate!(
                out,
                "{} is a participant and points the client to the coordinator {COORDINATOR}",
                s.id
            );
            out.reply(req.id, Reply::Redirect(Some(COORDINATOR)));
            return;
        }
        let txn = req.id;
        s.durable.log.insert(
            txn,
            TxnRecord {
                delta: req.delta,
                status: Status::Voting,
                ended: false,
            },
        );
        out.persist(s.durable.clone());
        s.votes.insert(txn, Vec::new());
        narrate!(
            out,
            "{} begins txn #{txn} (counter += {} on every shard) and asks the participants to \
             prepare",
            s.id,
            req.delta
        );
        for p in self.participants() {
            out.send(
                p,
                TpcMsg::Prepare {
                    txn,
                    delta: req.delta,
                },
            );
        }
        self.arm(out, TpcTimer::Votes(txn));
    }

    fn summary(&self, s: &TpcState) -> NodeSummary {
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

    fn inspect(&self, s: &TpcState) -> Vec<Section> {
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

    fn inspect_durable(&self, d: &TpcDurable) -> Vec<Section> {
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
