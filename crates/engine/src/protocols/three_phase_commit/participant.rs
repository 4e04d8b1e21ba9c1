//! The participant (Skeen 1981, the central-site protocol; BHG §7.5): on CanCommit it takes its shard's lock, logs
//! UNCERTAIN and votes yes, or votes no and aborts on its own if another transaction holds the
//! lock; on PreCommit it logs PRE-COMMITTED and acknowledges; on a decision, from the coordinator
//! or a new coordinator, it logs it, applies a commit, releases the lock. A participant that
//! restarts undecided is recovering: it asks before deciding.

use super::atomic_commit::{outcome, word, TxnStatus};
use super::{Status, ThreePc, ThreePcMsg, ThreePcState, ThreePcTimer, TxnRecord};
use crate::node::narrate;
use crate::node::{NodeId, Out};

impl ThreePc {
    pub(super) fn on_can_commit(
        &self,
        s: &mut ThreePcState,
        from: NodeId,
        txn: u64,
        delta: i64,
        out: &mut Out<Self>,
    ) {
        if let Some(status) = s.status(txn) {
            // A duplicate: repeat the vote already on record.
            let yes = status != Status::Aborted;
            out.send(from, ThreePcMsg::Vote { txn, yes });
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
            out.send(from, ThreePcMsg::Vote { txn, yes: false });
            return;
        }
        s.durable.log.insert(
            txn,
            TxnRecord {
                delta,
                status: Status::Uncertain,
            },
        );
        s.durable.lock = Some(txn);
        out.persist(s.durable.clone());
        narrate!(
            out,
            "{} locks its shard for txn #{txn}, logs UNCERTAIN and votes yes: from now on it may \
             not decide alone",
            s.id
        );
        out.send(from, ThreePcMsg::Vote { txn, yes: true });
        self.arm_wait(out, txn);
    }

    pub(super) fn on_pre_commit(
        &self,
        s: &mut ThreePcState,
        from: NodeId,
        txn: u64,
        out: &mut Out<Self>,
    ) {
        let Some(mut rec) = s.durable.log.get(&txn).copied() else {
            return;
        };
        if rec.status.decision().is_some() {
            return;
        }
        if rec.status != Status::PreCommitted {
            rec.status = Status::PreCommitted;
            s.durable.log.insert(txn, rec);
            out.persist(s.durable.clone());
            narrate!(
                out,
                "{} logs PRE-COMMITTED for txn #{txn}: everyone voted yes, so commit is the only \
                 outcome left, and it tells {from}",
                s.id
            );
        }
        // PRE-COMMITTED comes from everyone's yes, whoever says it: this node's own UNCERTAIN
        // no longer matters, so it is no longer recovering for this transaction.
        s.recovering.remove(&txn);
        out.send(from, ThreePcMsg::Ack { txn });
        self.arm_wait(out, txn);
    }

    pub(super) fn on_decision(
        &self,
        s: &mut ThreePcState,
        from: NodeId,
        txn: u64,
        commit: bool,
        out: &mut Out<Self>,
    ) {
        let rec = s.durable.log.get(&txn).copied();
        match rec.and_then(|r| r.status.decision()) {
            Some(d) if d == commit => {}
            Some(_) => narrate!(
                out,
                "{} hears {} for txn #{txn} from {from}, but it already decided the opposite",
                s.id,
                word(commit)
            ),
            None => self.learn(s, from, txn, commit, out),
        }
    }

    /// Logs a decision heard from another node.
    pub(super) fn learn(
        &self,
        s: &mut ThreePcState,
        from: NodeId,
        txn: u64,
        commit: bool,
        out: &mut Out<Self>,
    ) {
        let rec = s.durable.log.get(&txn).copied();
        self.log_decision(s, txn, rec.map_or(0, |r| r.delta), commit);
        out.persist(s.durable.clone());
        out.cancel_timer(ThreePcTimer::Wait(txn));
        out.cancel_timer(ThreePcTimer::Gather(txn));
        match rec {
            None => narrate!(
                out,
                "{} learns {} for txn #{txn} from {from} before its CanCommit arrived and logs it",
                s.id,
                word(commit)
            ),
            Some(_) => narrate!(
                out,
                "{} learns {} for txn #{txn} from {from}, logs it and releases its lock \
                 (counter = {})",
                s.id,
                word(commit),
                s.durable.value
            ),
        }
        if s.is_coordinator() {
            let why = "decided by the termination protocol";
            out.reply(txn, outcome(txn, commit, s.durable.value, why));
        }
    }

    pub(super) fn recover_participant(&self, s: &mut ThreePcState, txn: u64, out: &mut Out<Self>) {
        let status = s.status(txn).unwrap_or(Status::Uncertain);
        narrate!(
            out,
            "{} restarts with txn #{txn} {} in its log: it holds the lock, and since the others \
             may have moved on while it was down, it asks before deciding",
            s.id,
            if status == Status::PreCommitted {
                "PRE-COMMITTED"
            } else {
                "UNCERTAIN"
            }
        );
        s.recovering.insert(txn);
        self.ask(s, txn, out);
    }
}
