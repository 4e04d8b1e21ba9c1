//! The participant (Gray's notes and Bernstein, Hadzilacos and Goodman ch. 7): on Prepare it takes
//! its shard's lock, logs PREPARED and votes yes, or votes no and aborts on its own if another
//! transaction holds the lock; on the decision, from the coordinator or a peer, it logs it,
//! applies a commit to its shard, releases the lock and acknowledges.

use super::atomic_commit::{word, TxnStatus};
use super::{Status, TpcMsg, TpcState, TpcTimer, TwoPc, TxnRecord, COORDINATOR};
use crate::node::narrate;
use crate::node::{NodeId, Out};

impl TwoPc {
    pub(super) fn on_prepare(
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
            s.durable.log_decision(txn, delta, false);
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

    pub(super) fn on_decision(
        &self,
        s: &mut TpcState,
        from: NodeId,
        txn: u64,
        commit: bool,
        out: &mut Out<Self>,
    ) {
        let word = word(commit);
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
                let delta = rec.map_or(0, |r| r.delta);
                let released = s.durable.log_decision(txn, delta, commit);
                if released {
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
}
