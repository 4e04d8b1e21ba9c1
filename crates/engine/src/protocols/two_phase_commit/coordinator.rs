//! The coordinator (Gray's notes and Bernstein, Hadzilacos and Goodman ch. 7): phase 1 counts the
//! votes, with a timeout that turns a missing vote into ABORT; phase 2 logs COMMIT or ABORT on
//! stable storage before any participant hears it; once every participant acknowledged, an END
//! record lets it forget the transaction. A recovered coordinator re-sends the decisions in its log
//! and aborts the transactions it had not decided.

use super::atomic_commit::{outcome, word, TxnStatus};
use super::{Status, TpcMsg, TpcState, TpcTimer, TwoPc};
use crate::node::narrate;
use crate::node::{NodeId, Out};

impl TwoPc {
    /// Coordinator, phase 2: the decision goes to stable storage before anyone hears it.
    fn decide(&self, s: &mut TpcState, txn: u64, commit: bool, why: &str, out: &mut Out<Self>) {
        let delta = s.durable.log[&txn].delta;
        s.durable.log_decision(txn, delta, commit);
        out.persist(s.durable.clone());
        s.votes.remove(&txn);
        s.acks.insert(txn, Vec::new());
        out.cancel_timer(TpcTimer::Votes(txn));
        narrate!(
            out,
            "{} logs {} for txn #{txn} ({why}) and only then tells the participants",
            s.id,
            word(commit)
        );
        for p in self.participants() {
            out.send(p, TpcMsg::Decision { txn, commit });
        }
        out.reply(txn, outcome(txn, commit, s.durable.value, why));
    }

    pub(super) fn on_vote(
        &self,
        s: &mut TpcState,
        from: NodeId,
        txn: u64,
        yes: bool,
        out: &mut Out<Self>,
    ) {
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

    pub(super) fn on_ack(&self, s: &mut TpcState, from: NodeId, txn: u64, out: &mut Out<Self>) {
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
            // Acknowledgements are gathered for decided transactions only.
            rec.status = Status::Ended {
                commit: rec.status.decision() == Some(true),
            };
            s.durable.log.insert(txn, rec);
            out.persist(s.durable.clone());
            narrate!(
                out,
                "{} logs END for txn #{txn}: every participant has the decision",
                s.id
            );
        }
    }

    pub(super) fn on_votes_timeout(&self, s: &mut TpcState, txn: u64, out: &mut Out<Self>) {
        if s.durable.log.get(&txn).map(|r| r.status) != Some(Status::Voting) {
            return;
        }
        let have = s.votes.get(&txn).cloned().unwrap_or_default();
        let missing: Vec<NodeId> = self.participants().filter(|p| !have.contains(p)).collect();
        let why = format!("no vote from {} in time", NodeId::list(&missing));
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

    /// Coordinator recovery: finish what the log says was decided, abort what was not.
    pub(super) fn recover(&self, s: &mut TpcState, out: &mut Out<Self>) {
        let open: Vec<(u64, Status)> = s
            .durable
            .log
            .iter()
            .filter(|(_, r)| !matches!(r.status, Status::Ended { .. }))
            .map(|(t, r)| (*t, r.status))
            .collect();
        for (txn, status) in open {
            match status.decision() {
                Some(commit) => {
                    narrate!(
                        out,
                        "{} finds {} for txn #{txn} in its log and sends it again",
                        s.id,
                        word(commit)
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
