//! Zab in words for people: message labels and fields in the papers' names (FOLLOWERINFO,
//! NEWEPOCH, ...), timer names, the node summary (role and phase), the inspector (epochs, the
//! last zxid in ZooKeeper's hex and as (epoch, counter), the history with its delivered mark)
//! and the history grid. No rule of the protocol lives here.

use super::{Learner, Phase, Role, Sync, Txn, Zab, ZabDurable, ZabMsg, ZabState, ZabTimer, Zxid};
use crate::node::{
    LogCell, Message, NodeId, NodeSummary, Present, Section, TableCell, TableLayout, TableMark,
    TableRow, TimerKind, TABLE_COLUMNS,
};
use imbl::Vector;

impl TimerKind for ZabTimer {
    const KINDS: &'static [&'static str] = &["election", "finalize", "heartbeat", "syncLimit"];
    fn kind(&self) -> usize {
        match self {
            ZabTimer::Election => 0,
            ZabTimer::Finalize => 1,
            ZabTimer::Heartbeat => 2,
            ZabTimer::SyncLimit => 3,
        }
    }
    fn label(&self) -> String {
        match self {
            ZabTimer::Election => "election".into(),
            ZabTimer::Finalize => "finalize".into(),
            ZabTimer::Heartbeat => "heartbeat".into(),
            ZabTimer::SyncLimit => "syncLimit".into(),
        }
    }
}

/// `(e, c)`: a zxid's epoch and counter.
pub fn pair(z: Zxid) -> String {
    format!("({}, {})", z.epoch, z.counter)
}

fn role_word(r: Role) -> &'static str {
    match r {
        Role::Looking => "LOOKING",
        Role::Following => "FOLLOWING",
        Role::Leading => "LEADING",
    }
}

fn txns(t: &[Txn]) -> String {
    match (t.first(), t.last()) {
        (Some(a), Some(b)) if t.len() > 1 => format!("{} txns, {}..{}", t.len(), a.zxid, b.zxid),
        (Some(a), _) => format!("1 txn, {}", a.zxid),
        _ => "none".into(),
    }
}

impl Message for ZabMsg {
    fn kind(&self) -> usize {
        match self {
            ZabMsg::Notification { .. } => 0,
            ZabMsg::FollowerInfo { .. } => 1,
            ZabMsg::NewEpoch { .. } => 2,
            ZabMsg::AckEpoch { .. } => 3,
            ZabMsg::NewLeader { .. } => 4,
            ZabMsg::AckNewLeader { .. } => 5,
            ZabMsg::UpToDate { .. } => 6,
            ZabMsg::Proposal { .. } => 7,
            ZabMsg::Ack { .. } => 8,
            ZabMsg::Commit { .. } => 9,
            ZabMsg::Ping { .. } => 10,
            ZabMsg::PingAck { .. } => 11,
            ZabMsg::Forward { .. } => 12,
        }
    }

    fn label(&self) -> String {
        match self {
            ZabMsg::Notification { vote, round, .. } => format!("Vote {} r{round}", vote.leader),
            ZabMsg::FollowerInfo { accepted_epoch } => format!("FOLLOWERINFO e{accepted_epoch}"),
            ZabMsg::NewEpoch { epoch } => format!("NEWEPOCH e{epoch}"),
            ZabMsg::AckEpoch {
                current_epoch: Some(_),
                last_zxid,
            } => format!("ACKEPOCH {last_zxid}"),
            ZabMsg::AckEpoch {
                current_epoch: None,
                last_zxid,
            } => format!("ACKEPOCH -1 {last_zxid}"),
            ZabMsg::NewLeader { epoch, sync } => format!(
                "NEWLEADER e{epoch} {}",
                match sync {
                    Sync::Diff { .. } => "DIFF",
                    Sync::Trunc { .. } => "TRUNC",
                    Sync::Snap { .. } => "SNAP",
                }
            ),
            ZabMsg::AckNewLeader { epoch, .. } => format!("ACK NEWLEADER e{epoch}"),
            ZabMsg::UpToDate { epoch, .. } => format!("UPTODATE e{epoch}"),
            ZabMsg::Proposal { txn, .. } => format!("PROPOSAL {}", txn.zxid),
            ZabMsg::Ack { zxid, .. } => format!("ACK {zxid}"),
            ZabMsg::Commit { zxid, .. } => format!("COMMIT {zxid}"),
            ZabMsg::Ping { epoch } => format!("PING e{epoch}"),
            ZabMsg::PingAck { epoch } => format!("PING reply e{epoch}"),
            ZabMsg::Forward { req } => match req.op {
                Some(op) if op.is_read() => format!("SYNC {op}"),
                _ => format!("FORWARD {}", req.describe()),
            },
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let f = |k: &str, v: String| (k.to_string(), v);
        let z = |k: &str, v: Zxid| (k.to_string(), format!("{v} {}", pair(v)));
        match self {
            ZabMsg::Notification { vote, round, state } => vec![
                f("vote for", vote.leader.to_string()),
                f("its epoch", vote.epoch.to_string()),
                z("its last zxid", vote.zxid),
                f("round", round.to_string()),
                f("sender is", role_word(*state).into()),
            ],
            ZabMsg::FollowerInfo { accepted_epoch } => {
                vec![f("acceptedEpoch", accepted_epoch.to_string())]
            }
            ZabMsg::NewEpoch { epoch } => vec![f("epoch", epoch.to_string())],
            ZabMsg::AckEpoch {
                current_epoch,
                last_zxid,
            } => vec![
                f(
                    "currentEpoch",
                    current_epoch.map_or(
                        "-1: accepted this epoch already, does not count".into(),
                        |e| e.to_string(),
                    ),
                ),
                z("lastZxid", *last_zxid),
            ],
            ZabMsg::NewLeader { epoch, sync } => {
                let mut v = vec![f("epoch", epoch.to_string())];
                match sync {
                    Sync::Diff { after, txns: t } => {
                        v.push(f("sync", "DIFF".into()));
                        v.push(z("after", *after));
                        v.push(f("transactions", txns(t)));
                    }
                    Sync::Trunc { to, txns: t } => {
                        v.push(f("sync", "TRUNC".into()));
                        v.push(z("truncate after", *to));
                        v.push(f("transactions", txns(t)));
                    }
                    Sync::Snap { txns: t } => {
                        v.push(f("sync", "SNAP".into()));
                        v.push(f("transactions", txns(t)));
                    }
                }
                v
            }
            ZabMsg::AckNewLeader { epoch, last_zxid } => {
                vec![f("epoch", epoch.to_string()), z("lastZxid", *last_zxid)]
            }
            ZabMsg::UpToDate { epoch, commit } => {
                vec![f("epoch", epoch.to_string()), z("delivered up to", *commit)]
            }
            ZabMsg::Proposal { epoch, prev, txn } => vec![
                f("epoch", epoch.to_string()),
                z("zxid", txn.zxid),
                z("previous zxid", *prev),
                f(
                    "transaction",
                    format!("{} (#{})", txn.request().describe(), txn.id),
                ),
            ],
            ZabMsg::Ack { epoch, zxid } | ZabMsg::Commit { epoch, zxid } => {
                vec![f("epoch", epoch.to_string()), z("zxid", *zxid)]
            }
            ZabMsg::Ping { epoch } | ZabMsg::PingAck { epoch } => {
                vec![f("epoch", epoch.to_string())]
            }
            ZabMsg::Forward { req } => vec![
                f("request", format!("#{}", req.id)),
                f(
                    "for",
                    match req.op {
                        Some(op) if op.is_read() => format!("a sync before {op}"),
                        _ => req.describe(),
                    },
                ),
            ],
        }
    }
}

fn phase_word(p: Phase) -> &'static str {
    match p {
        Phase::Election => "election",
        Phase::Discovery => "discovery",
        Phase::Sync => "sync",
        Phase::Broadcast => "broadcast",
    }
}

/// The role and phase in words, and the colour class: the node's label and the inspector's
/// title say the same.
fn role(s: &ZabState) -> (String, &'static str) {
    let class = match s.role {
        Role::Looking => "candidate",
        Role::Following => "follower",
        Role::Leading => "leader",
    };
    let word = match s.role {
        Role::Looking => "looking",
        Role::Following => "following",
        Role::Leading => "leading",
    };
    (format!("{word} · {}", phase_word(s.phase)), class)
}

impl Present for Zab {
    const MESSAGE_KINDS: &'static [&'static str] = &[
        "Notification",
        "FollowerInfo",
        "NewEpoch",
        "AckEpoch",
        "NewLeader",
        "AckNewLeader",
        "UpToDate",
        "Proposal",
        "Ack",
        "Commit",
        "Ping",
        "PingAck",
        "Forward",
    ];

    fn summary(&self, s: &ZabState) -> NodeSummary {
        let (role, class) = role(s);
        let h = s.history();
        let len = h.len() as u64;
        let from = len.saturating_sub(8);
        NodeSummary {
            role,
            class,
            term: s.current_epoch(),
            term_label: format!("epoch {}", s.current_epoch()),
            log: (from..len)
                .map(|i| {
                    let t = h[i as usize];
                    LogCell {
                        index: i + 1,
                        term: t.zxid.epoch,
                        text: t.request().short(),
                        committed: i < s.committed,
                        outcome: None,
                    }
                })
                .collect(),
            log_len: len,
            committed: s.committed,
            value: Some(s.value),
            decision: None,
        }
    }

    fn inspect(&self, s: &ZabState) -> Vec<Section> {
        let opt = |n: Option<NodeId>| n.map_or("none".to_string(), |n| n.to_string());
        let (role, _) = role(s);
        let last = s.last_zxid();
        let mut fields = vec![
            ("state".into(), role_word(s.role).into()),
            ("phase".into(), phase_word(s.phase).into()),
            ("acceptedEpoch".into(), s.accepted_epoch().to_string()),
            ("currentEpoch".into(), s.current_epoch().to_string()),
            ("last zxid".into(), format!("{last} {}", pair(last))),
            (
                "delivered up to".into(),
                format!("{} {}", s.commit_zxid(), pair(s.commit_zxid())),
            ),
            ("counter".into(), s.value.to_string()),
            ("leader".into(), opt(s.leader)),
        ];
        if s.role == Role::Looking {
            fields.push(("round".into(), s.round.to_string()));
            fields.push((
                "vote".into(),
                format!(
                    "{} (epoch {}, zxid {})",
                    s.vote.leader, s.vote.epoch, s.vote.zxid
                ),
            ));
        }
        if let (Role::Leading, Some(e)) = (s.role, s.new_epoch) {
            fields.push(("new epoch".into(), e.to_string()));
        }
        let mut v = vec![Section::Fields {
            title: format!("{} · {role}", s.id),
            fields,
        }];
        if !s.kv.is_empty() {
            v.push(crate::protocols::machine::store_section(&s.kv));
        }
        if s.role == Role::Looking && !s.votes.is_empty() {
            v.push(Section::Table {
                title: format!("Votes in round {}", s.round),
                columns: vec![
                    "from".into(),
                    "votes for".into(),
                    "epoch".into(),
                    "zxid".into(),
                ],
                rows: s
                    .votes
                    .iter()
                    .map(|(n, vote)| {
                        vec![
                            n.to_string(),
                            vote.leader.to_string(),
                            vote.epoch.to_string(),
                            vote.zxid.to_string(),
                        ]
                    })
                    .collect(),
            });
        }
        if s.role == Role::Leading {
            v.push(Section::Table {
                title: "Followers".into(),
                columns: vec![
                    "node".into(),
                    "acceptedEpoch".into(),
                    "ACKEPOCH".into(),
                    "synced".into(),
                    "acked".into(),
                ],
                rows: s.learners.iter().map(|(n, l)| learner_row(*n, l)).collect(),
            });
        }
        v.push(history_table(s.history(), Some(s.committed)));
        v
    }

    fn inspect_durable(&self, d: &ZabDurable) -> Vec<Section> {
        let last = d.last_zxid();
        vec![
            Section::Fields {
                title: "Stable storage".into(),
                fields: vec![
                    ("acceptedEpoch".into(), d.accepted_epoch.to_string()),
                    ("currentEpoch".into(), d.current_epoch.to_string()),
                    ("last zxid".into(), format!("{last} {}", pair(last))),
                ],
            },
            history_table(&d.history, None),
        ]
    }

    fn table_layout(&self) -> TableLayout {
        TableLayout {
            title: "History grid: every node's history in zxid order",
            unit: "position",
            prefix: "",
            named: Vec::new(),
            log: true,
            legend: vec![
                "solid: delivered (committed) · dashed: logged, not delivered yet".into(),
                "colour and e.c: the zxid's epoch and counter · small text: the command".into(),
                "▲ the last zxid the leader knows each follower acknowledged".into(),
            ],
        }
    }

    fn table_row(&self, s: &ZabState) -> TableRow {
        TableRow {
            notes: vec![format!("{} · e{}", role(s).0, s.current_epoch())],
            cells: cells(s.history(), Some(s.committed)),
            ..TableRow::default()
        }
    }

    fn table_row_durable(&self, d: &ZabDurable) -> TableRow {
        TableRow {
            notes: vec![format!("crashed · e{}", d.current_epoch)],
            cells: cells(&d.history, None),
            ..TableRow::default()
        }
    }

    /// An established leader marks where each synced follower's acknowledgements reach.
    fn table_marks(&self, s: &ZabState) -> Option<(u64, Vec<(NodeId, TableMark)>)> {
        s.is_established().then(|| {
            let marks = s
                .learners
                .iter()
                .filter(|(_, l)| l.synced)
                .map(|(&n, l)| {
                    (
                        n,
                        TableMark {
                            key: super::position_of(s.history(), l.acked),
                            kind: "match",
                            glyph: "▲",
                            label: format!("acked {}", l.acked),
                        },
                    )
                })
                .filter(|(_, m)| m.key > 0)
                .collect();
            (s.current_epoch(), marks)
        })
    }
}

fn learner_row(n: NodeId, l: &Learner) -> Vec<String> {
    vec![
        n.to_string(),
        l.accepted_epoch.to_string(),
        match l.acked_epoch {
            None => "-".into(),
            Some((Some(e), z)) => format!("epoch {e}, {z}"),
            Some((None, z)) if l.counted => format!("again, {z} (counted before)"),
            Some((None, z)) => format!("-1 (not counted), {z}"),
        },
        if l.synced {
            "yes".into()
        } else if l.forwarding {
            "NEWLEADER sent".into()
        } else {
            "no".into()
        },
        if l.synced {
            l.acked.to_string()
        } else {
            "-".into()
        },
    ]
}

/// The last 50 transactions; a long history would swamp the inspector. Titled "Log" so
/// scripts' `print log` finds it.
fn history_table(h: &Vector<Txn>, committed: Option<u64>) -> Section {
    let len = h.len() as u64;
    let from = len.saturating_sub(50);
    Section::Table {
        title: if from > 0 {
            format!("Log: history (last 50 of {len})")
        } else {
            "Log: history".into()
        },
        columns: vec![
            "zxid".into(),
            "(e, c)".into(),
            "transaction".into(),
            "status".into(),
        ],
        rows: (from..len)
            .rev()
            .map(|i| {
                let t = h[i as usize];
                vec![
                    t.zxid.to_string(),
                    pair(t.zxid),
                    format!("{} (#{})", t.request().describe(), t.id),
                    if committed.is_some_and(|c| i < c) {
                        "delivered".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect(),
    }
}

/// The newest transactions, as many as the table draws.
fn cells(h: &Vector<Txn>, committed: Option<u64>) -> Vec<TableCell> {
    let len = h.len() as u64;
    (len.saturating_sub(TABLE_COLUMNS)..len)
        .map(|i| {
            let t = h[i as usize];
            let done = committed.is_some_and(|c| i < c);
            TableCell {
                key: i + 1,
                term: t.zxid.epoch,
                text: format!("{}.{}", t.zxid.epoch, t.zxid.counter),
                sub: t.request().short(),
                committed: done,
                tone: "",
                detail: format!(
                    "zxid {} {}: {} (#{}), {}",
                    t.zxid,
                    pair(t.zxid),
                    t.request().describe(),
                    t.id,
                    match committed {
                        None => "what is delivered was lost in the crash",
                        Some(_) if done => "delivered",
                        Some(_) => "not delivered yet",
                    }
                ),
            }
        })
        .collect()
}
