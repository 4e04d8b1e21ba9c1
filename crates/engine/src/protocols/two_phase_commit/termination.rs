//! Termination (Bernstein, Hadzilacos and Goodman ch. 7: timeout actions and the cooperative
//! termination protocol): a participant that voted yes and hears no decision in time is blocked;
//! it keeps its lock and asks the coordinator again, or with cooperative termination every node.
//! The coordinator answers from its log (no record means presumed abort); a peer that knows the
//! outcome tells it, and a peer that has not voted yet aborts the transaction and says so.

use super::atomic_commit::TxnStatus;
use super::{TpcMsg, TpcState, TpcTimer, TwoPc, COORDINATOR};
use crate::node::narrate;
use crate::node::{NodeId, Out};

impl TwoPc {
    pub(super) fn on_decision_request(
        &self,
        s: &mut TpcState,
        from: NodeId,
        txn: u64,
        out: &mut Out<Self>,
    ) {
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
                s.durable.log_decision(txn, 0, false);
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

    pub(super) fn on_decision_timeout(&self, s: &mut TpcState, txn: u64, out: &mut Out<Self>) {
        if s.durable.lock != Some(txn) {
            return;
        }
        if self.bug_unilateral_abort {
            let delta = s.durable.log[&txn].delta;
            s.durable.log_decision(txn, delta, false);
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
}
