//! The text Two-Phase and Three-Phase Commit show alike: the lock, the log table, a crashed
//! node's storage and the coordinator's pending votes or acknowledgements, so the two read the
//! same side by side. No rule lives here.

use super::{Durable, TxnRecord, TxnStatus};
use crate::node::{Decision, NodeId, Section, TABLE_COLUMNS};
use imbl::OrdMap;

pub fn lock(d: &Durable<impl TxnStatus>) -> String {
    d.lock
        .map_or("free".into(), |t| format!("held by txn #{t}"))
}

/// The last 50 transactions of the log, newest first.
pub fn log_table(d: &Durable<impl TxnStatus>) -> Section {
    Section::Table {
        title: "Log".into(),
        columns: vec!["txn".into(), "delta".into(), "status".into()],
        rows: d
            .log
            .iter()
            .rev()
            .take(50)
            .map(|(t, r)| {
                vec![
                    format!("#{t}"),
                    format!("+{}", r.delta),
                    r.status.word().into(),
                ]
            })
            .collect(),
    }
}

/// How a crashed node looks: its lock, its counter and its log.
pub fn inspect_durable(d: &Durable<impl TxnStatus>) -> Vec<Section> {
    vec![
        Section::Fields {
            title: "Stable storage".into(),
            fields: vec![
                ("lock".into(), lock(d)),
                ("counter".into(), d.value.to_string()),
            ],
        },
        log_table(d),
    ]
}

/// The newest transactions, as many as the state table draws.
pub fn newest<S: TxnStatus>(d: &Durable<S>) -> impl Iterator<Item = (&u64, &TxnRecord<S>)> {
    d.log.range(d.newest().saturating_sub(TABLE_COLUMNS) + 1..)
}

/// The coordinator's votes or acknowledgements per open transaction: "#3: yes from S2, S4".
pub fn pending(m: &OrdMap<u64, Vec<NodeId>>, what: &str) -> String {
    let text = m
        .iter()
        .map(|(t, v)| {
            format!(
                "#{t}: {what} from {}",
                if v.is_empty() {
                    "none".into()
                } else {
                    NodeId::list(v)
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    if text.is_empty() {
        "none pending".into()
    } else {
        text
    }
}

/// What a node shows it decided, and which: the newest transaction it has decided, unless it
/// holds a lock (then it is waiting, whatever it decided before). A coordinator collecting votes
/// on the next transaction still shows the last outcome, and [`txn_label`] names it.
pub fn decided(d: &Durable<impl TxnStatus>) -> Option<(u64, Decision)> {
    if d.lock.is_some() {
        return None;
    }
    d.log
        .iter()
        .rev()
        .find_map(|(t, r)| Some((*t, Decision::from_commit(r.status.decision()?))))
}

/// The line under a node's decision: the transaction it decided ("txn #3"), so the outcome
/// drawn on the node and the number beside it speak of the same transaction (a newer one still
/// open shows in the log strip and the table; on the node it would not fit). `None` when no
/// decision is drawn.
pub fn txn_label<S: TxnStatus>(d: &Durable<S>) -> Option<String> {
    decided(d).map(|(t, _)| format!("txn #{t}"))
}
