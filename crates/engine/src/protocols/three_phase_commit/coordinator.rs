//! The coordinator (Skeen 1981, the central-site protocol; BHG §7.5): phase 1 counts the votes
//! and aborts on a no or a missing vote; phase 2 logs PRE-COMMITTED before sending PreCommit;
//! phase 3 logs COMMIT once every participant acknowledged, or when the acknowledgements time
//! out (a participant that did not ack has crashed and will ask on recovery). A recovered
//! coordinator finishes what its log decided, aborts what it had not pre-committed (nobody can
//! have committed), and asks like any recovering node about what it had pre-committed.

use super::atomic_commit::{outcome, word, TxnStatus};
use super::{Status, ThreePc, ThreePcMsg, ThreePcState, ThreePcTimer, TxnRecord};
use crate::node::narrate;
use crate::node::{NodeId, Out, Request};

impl ThreePc {
    pub(super) fn begin(&self, s: &mut ThreePcState, req: Request, out: &mut Out<Self>) {
        let txn = req.id;
        s.durable.log.insert(
            txn,
            TxnRecord {
                delta: req.delta,
                status: Status::Voting,
            },
        );
        out.persist(s.durable.clone());
        s.votes.insert(txn, Vec::new());
        narrate!(
            out,
            "{} begins txn #{txn} (counter += {} on every shard) and asks the participants \
             whether they can commit",
            s.id,
            req.delta
        );
        for p in self.participants() {
            out.send(
                p,
                ThreePcMsg::CanCommit {
                    txn,
                    delta: req.delta,
                },
            );
        }
        self.arm(out, ThreePcTimer::Votes(txn));
    }

    /// Logs a decision at the coordinator, tells everyone, answers the client.
    pub(super) fn coordinator_decides(
        &self,
        s: &mut ThreePcState,
        txn: u64,
        commit: bool,
        why: &str,
        out: &mut Out<Self>,
    ) {
        let delta = s.durable.log.get(&txn).map_or(0, |r| r.delta);
        self.log_decision(s, txn, delta, commit);
        out.persist(s.durable.clone());
        out.cancel_timer(ThreePcTimer::Votes(txn));
        out.cancel_timer(ThreePcTimer::Acks(txn));
        out.cancel_timer(ThreePcTimer::Wait(txn));
        narrate!(
            out,
            "{} logs {} for txn #{txn} ({why}) and tells the participants",
            s.id,
            word(commit)
        );
        for p in self.participants() {
            out.send(p, ThreePcMsg::Decision { txn, commit });
        }
        out.reply(txn, outcome(txn, commit, s.durable.value, why));
    }

    pub(super) fn on_vote(
        &self,
        s: &mut ThreePcState,
        from: NodeId,
        txn: u64,
        yes: bool,
        out: &mut Out<Self>,
    ) {
        if s.status(txn) != Some(Status::Voting) {
            return;
        }
        if !yes {
            self.coordinator_decides(s, txn, false, &format!("{from} voted no"), out);
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
        if !all {
            return;
        }
        // Phase 2: PRE-COMMITTED is logged before anyone hears it, so a recovered coordinator
        // knows it may have let someone commit.
        s.votes.remove(&txn);
        let mut rec = s.durable.log[&txn];
        rec.status = Status::PreCommitted;
        s.durable.log.insert(txn, rec);
        out.persist(s.durable.clone());
        s.acks.insert(txn, Vec::new());
        out.cancel_timer(ThreePcTimer::Votes(txn));
        narrate!(
            out,
            "{} has every yes vote for txn #{txn}: it logs PRE-COMMITTED and sends PreCommit, so \
             that no one commits while someone is still uncertain",
            s.id
        );
        for p in self.participants() {
            out.send(p, ThreePcMsg::PreCommit { txn });
        }
        self.arm(out, ThreePcTimer::Acks(txn));
    }

    pub(super) fn on_ack(&self, s: &mut ThreePcState, from: NodeId, txn: u64, out: &mut Out<Self>) {
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
        self.coordinator_decides(s, txn, true, "every participant is pre-committed", out);
    }

    pub(super) fn on_votes_timeout(&self, s: &mut ThreePcState, txn: u64, out: &mut Out<Self>) {
        if s.status(txn) != Some(Status::Voting) {
            return;
        }
        let have = s.votes.get(&txn).cloned().unwrap_or_default();
        let missing: Vec<NodeId> = self.participants().filter(|p| !have.contains(p)).collect();
        let why = format!("no vote from {} in time", NodeId::list(&missing));
        self.coordinator_decides(s, txn, false, &why, out);
    }

    /// A participant that did not acknowledge has crashed: everyone voted yes, so commit is
    /// safe, and it will learn the outcome when it recovers and asks (BHG §7.5).
    pub(super) fn on_acks_timeout(&self, s: &mut ThreePcState, txn: u64, out: &mut Out<Self>) {
        let Some(have) = s.acks.get(&txn).cloned() else {
            return;
        };
        let missing: Vec<NodeId> = self.participants().filter(|p| !have.contains(p)).collect();
        let why = format!(
            "no acknowledgement from {}, which must have crashed; everyone voted yes",
            NodeId::list(&missing)
        );
        self.coordinator_decides(s, txn, true, &why, out);
    }

    pub(super) fn recover_coordinator(&self, s: &mut ThreePcState, out: &mut Out<Self>) {
        let open: Vec<(u64, Status)> = s
            .durable
            .log
            .iter()
            .filter(|(_, r)| r.status.decision().is_none())
            .map(|(t, r)| (*t, r.status))
            .collect();
        for (txn, status) in open {
            if status == Status::Voting {
                self.coordinator_decides(
                    s,
                    txn,
                    false,
                    "the coordinator crashed before pre-committing, so no one can have \
                     committed",
                    out,
                );
            } else {
                narrate!(
                    out,
                    "{} finds txn #{txn} PRE-COMMITTED in its log: the participants may have \
                     decided while it was down, so it asks before deciding",
                    s.id
                );
                s.recovering.insert(txn);
                self.ask(s, txn, out);
            }
        }
    }
}
