//! Termination and recovery (Skeen 1981; BHG §7.5, "termination protocol" and "recovery"): an
//! undecided node that hears nothing in time asks every node for its state. The lowest undecided
//! node that answers acts as the new coordinator, so two nodes never decide from two different
//! pictures; it applies the rules of BHG §7.5: any committed -> commit; any aborted -> abort;
//! any pre-committed -> pre-commit the uncertain ones, then commit; all uncertain -> abort. A
//! node that restarted undecided may hold a stale UNCERTAIN (a PreCommit may have come and gone
//! while it was down), so "all uncertain" counts only if one of them stayed up.

use super::atomic_commit::{outcome, word, TxnStatus};
use super::{Status, ThreePc, ThreePcMsg, ThreePcState, ThreePcTimer};
use crate::node::narrate;
use crate::node::{NodeId, Out};

impl ThreePc {
    pub(super) fn on_wait_timeout(&self, s: &mut ThreePcState, txn: u64, out: &mut Out<Self>) {
        let Some(status) = s.status(txn).filter(|st| st.decision().is_none()) else {
            return;
        };
        *s.rounds.entry(txn).or_insert(0) += 1;
        if self.bug_uncertain_commits_on_timeout && status == Status::Uncertain {
            narrate!(
                out,
                "{} hears nothing about txn #{txn} and commits it on its own although it never \
                 learned that everyone voted yes (bug: 3pc-uncertain-commits-on-timeout)",
                s.id
            );
            self.terminator_decides(s, txn, true, out);
            return;
        }
        self.ask(s, txn, out);
    }

    /// Starts a round of the termination protocol: every other node is asked for its state.
    pub(super) fn ask(&self, s: &mut ThreePcState, txn: u64, out: &mut Out<Self>) {
        s.gathered.insert(txn, Vec::new());
        narrate!(
            out,
            "{} has heard nothing decisive about txn #{txn}: it asks every node for its state",
            s.id
        );
        out.broadcast(s.id, self.nodes, |_| ThreePcMsg::StateRequest { txn });
        let w = self.gather_window();
        out.set_timer(ThreePcTimer::Gather(txn), w, w);
    }

    pub(super) fn on_state_request(
        &self,
        s: &mut ThreePcState,
        from: NodeId,
        txn: u64,
        out: &mut Out<Self>,
    ) {
        let status = match s.status(txn) {
            Some(Status::Voting) => {
                // A participant is terminating, so the votes are late: abort while no one is
                // pre-committed, as the votes timeout would.
                self.coordinator_decides(
                    s,
                    txn,
                    false,
                    &format!("{from} is terminating it before every vote arrived"),
                    out,
                );
                Status::Aborted
            }
            Some(st) => st,
            None if s.is_coordinator() => Status::Aborted,
            None => {
                // Not voted yet: a participant may abort on its own, and then its vote is no.
                s.durable.log_decision(txn, 0, false);
                out.persist(s.durable.clone());
                narrate!(
                    out,
                    "{} has not voted on txn #{txn}, so it aborts it on its own and tells {from}",
                    s.id
                );
                Status::Aborted
            }
        };
        out.send(
            from,
            ThreePcMsg::StateReply {
                txn,
                status,
                recovering: s.recovering.contains(&txn),
            },
        );
    }

    pub(super) fn on_state_reply(
        &self,
        s: &mut ThreePcState,
        from: NodeId,
        txn: u64,
        status: Status,
        recovering: bool,
        _out: &mut Out<Self>,
    ) {
        if let Some(mut got) = s.gathered.get(&txn).cloned() {
            got.retain(|(n, _, _)| *n != from);
            got.push((from, status, recovering));
            s.gathered.insert(txn, got);
        }
    }

    /// The replies are in: decide by the rules, defer to a lower undecided node, or wait.
    pub(super) fn on_gather(&self, s: &mut ThreePcState, txn: u64, out: &mut Out<Self>) {
        let Some(own) = s.status(txn).filter(|st| st.decision().is_none()) else {
            return;
        };
        let mut states = s.gathered.remove(&txn).unwrap_or_default();
        states.push((s.id, own, s.recovering.contains(&txn)));
        for commit in [true, false] {
            if let Some(&(n, _, _)) = states
                .iter()
                .find(|(_, st, _)| st.decision() == Some(commit))
            {
                self.learn(s, n, txn, commit, out);
                return;
            }
        }
        if let Some(lower) = states
            .iter()
            .map(|(n, _, _)| *n)
            .filter(|&n| n < s.id)
            .min()
        {
            narrate!(
                out,
                "{} leaves txn #{txn} to {lower}, the lowest undecided node that answered",
                s.id
            );
            self.arm_wait(out, txn);
            return;
        }
        let precommitted: Vec<NodeId> = states
            .iter()
            .filter(|(_, st, _)| *st == Status::PreCommitted)
            .map(|(n, _, _)| *n)
            .collect();
        if self.bug_termination_ignores_precommit && !precommitted.is_empty() {
            narrate!(
                out,
                "{} acts as the new coordinator for txn #{txn} and aborts although {} is \
                 pre-committed (bug: 3pc-termination-ignores-precommit)",
                s.id,
                precommitted[0]
            );
            self.terminator_decides(s, txn, false, out);
            return;
        }
        if !precommitted.is_empty() {
            let uncertain: Vec<NodeId> = states
                .iter()
                .filter(|(_, st, _)| *st != Status::PreCommitted)
                .map(|(n, _, _)| *n)
                .collect();
            if uncertain.is_empty() {
                narrate!(
                    out,
                    "{} acts as the new coordinator for txn #{txn}: every node that answered is \
                     pre-committed, so it commits",
                    s.id
                );
                self.terminator_decides(s, txn, true, out);
                return;
            }
            narrate!(
                out,
                "{} acts as the new coordinator for txn #{txn}: {} is pre-committed, so everyone \
                 voted yes; it pre-commits the uncertain ones before anyone commits",
                s.id,
                precommitted[0]
            );
            if own != Status::PreCommitted {
                let mut rec = s.durable.log[&txn];
                rec.status = Status::PreCommitted;
                s.durable.log.insert(txn, rec);
                s.recovering.remove(&txn);
                out.persist(s.durable.clone());
            }
            for n in uncertain.into_iter().filter(|&n| n != s.id) {
                out.send(n, ThreePcMsg::PreCommit { txn });
            }
            self.ask(s, txn, out);
            return;
        }
        if let Some(&(steady, _, _)) = states.iter().find(|(_, _, recovering)| !recovering) {
            narrate!(
                out,
                "{} acts as the new coordinator for txn #{txn}: every node that answered is \
                 uncertain and {steady} stayed up, so no one can have committed: abort",
                s.id
            );
            self.terminator_decides(s, txn, false, out);
            return;
        }
        narrate!(
            out,
            "{} cannot decide txn #{txn}: every node that answered restarted uncertain, and one \
             that is down may have committed; it waits",
            s.id
        );
        self.arm_wait(out, txn);
    }

    /// The new coordinator logs the decision and tells every node.
    fn terminator_decides(
        &self,
        s: &mut ThreePcState,
        txn: u64,
        commit: bool,
        out: &mut Out<Self>,
    ) {
        let delta = s.durable.log.get(&txn).map_or(0, |r| r.delta);
        self.log_decision(s, txn, delta, commit);
        out.persist(s.durable.clone());
        out.cancel_timer(ThreePcTimer::Wait(txn));
        narrate!(
            out,
            "{} logs {} for txn #{txn} and tells every node",
            s.id,
            word(commit)
        );
        out.broadcast(s.id, self.nodes, |_| ThreePcMsg::Decision { txn, commit });
        if s.is_coordinator() {
            let why = "decided by the termination protocol";
            out.reply(txn, outcome(txn, commit, s.durable.value, why));
        }
    }
}
