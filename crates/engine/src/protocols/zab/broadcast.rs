//! Phase 3, broadcast (DSN 2011): the established leader proposes each client request with the
//! next zxid of its epoch, followers append it to their history and ACK, and once a quorum
//! (the leader included) holds a proposal the leader COMMITs it; everyone delivers in zxid
//! order. Channels are FIFO in the paper; here a follower that sees a gap reconnects, which
//! re-synchronizes it as ZooKeeper does after a broken connection.

use super::{position_of, Phase, Txn, Zab, ZabMsg, ZabState, Zxid};
use crate::node::narrate;
use crate::node::{NodeId, Out, Request};

impl Zab {
    pub(super) fn propose(&self, s: &mut ZabState, req: Request, out: &mut Out<Self>) {
        self.propose_for(s, req, true, out);
    }

    /// Proposes `req`; the leader answers its client at delivery if `answer` (a forwarded
    /// request is answered by the follower that forwarded it).
    pub(super) fn propose_for(
        &self,
        s: &mut ZabState,
        req: Request,
        answer: bool,
        out: &mut Out<Self>,
    ) {
        let epoch = s.current_epoch();
        let prev = s.last_zxid();
        let counter = if prev.epoch == epoch {
            prev.counter + 1
        } else {
            1
        };
        let txn = Txn {
            zxid: Zxid::new(epoch, counter),
            id: req.id,
            delta: req.delta,
            op: req.op,
        };
        s.durable.history.push_back(txn);
        self.persist(s, out);
        if answer {
            s.waiting.push((s.history().len() as u64, req.id));
        }
        narrate!(
            out,
            "{} proposes {} as zxid {} ({epoch}, {counter})",
            s.id,
            req.describe(),
            txn.zxid
        );
        let to: Vec<NodeId> = s
            .learners
            .iter()
            .filter(|(_, l)| l.forwarding)
            .map(|(&n, _)| n)
            .collect();
        for f in to {
            out.send(f, ZabMsg::Proposal { epoch, prev, txn });
        }
        self.advance_commit(s, out);
    }

    pub(super) fn on_proposal(
        &self,
        s: &mut ZabState,
        from: NodeId,
        epoch: u64,
        prev: Zxid,
        txn: Txn,
        out: &mut Out<Self>,
    ) {
        if !s.got_new_leader || epoch != s.current_epoch() || txn.zxid <= s.last_zxid() {
            return;
        }
        if prev != s.last_zxid() {
            narrate!(
                out,
                "{} missed a proposal before {} (its last is {}) and reconnects to {from}",
                s.id,
                txn.zxid,
                s.last_zxid()
            );
            self.connect(s, out);
            return;
        }
        s.durable.history.push_back(txn);
        self.persist(s, out);
        narrate!(
            out,
            "{} logs proposal {} ({}) and ACKs it",
            s.id,
            txn.zxid,
            txn.request().describe()
        );
        out.send(
            from,
            ZabMsg::Ack {
                epoch,
                zxid: txn.zxid,
            },
        );
    }

    pub(super) fn on_ack(
        &self,
        s: &mut ZabState,
        from: NodeId,
        epoch: u64,
        zxid: Zxid,
        out: &mut Out<Self>,
    ) {
        if Some(epoch) != s.new_epoch {
            return;
        }
        let Some(l) = s.learners.get_mut(&from) else {
            return;
        };
        if !l.forwarding {
            return;
        }
        l.acked = l.acked.max(zxid);
        if !l.synced {
            // Its ACK of NEWLEADER was lost, but it acknowledges proposals only after it.
            self.synced(s, from, epoch, out);
        } else {
            self.advance_commit(s, out);
        }
    }

    /// Commits, in zxid order, everything a quorum holds: the quorum-th highest acknowledged
    /// zxid, the leader's own last counting as acknowledged.
    pub(super) fn advance_commit(&self, s: &mut ZabState, out: &mut Out<Self>) {
        if s.phase != Phase::Broadcast {
            return;
        }
        let mut acked: Vec<Zxid> = s
            .learners
            .values()
            .filter(|l| l.synced)
            .map(|l| l.acked)
            .chain([s.last_zxid()])
            .collect();
        if acked.len() < self.quorum() {
            return;
        }
        acked.sort_unstable_by(|a, b| b.cmp(a));
        let z = acked[self.quorum() - 1];
        let upto = position_of(s.history(), z);
        if upto <= s.committed {
            return;
        }
        self.deliver(s, upto, out);
        narrate!(
            out,
            "{} commits up to {}: a quorum acknowledged it",
            s.id,
            s.commit_zxid()
        );
        let epoch = s.current_epoch();
        let zxid = s.commit_zxid();
        let to: Vec<NodeId> = s
            .learners
            .iter()
            .filter(|(_, l)| l.forwarding)
            .map(|(&n, _)| n)
            .collect();
        for f in to {
            out.send(f, ZabMsg::Commit { epoch, zxid });
        }
    }

    pub(super) fn on_commit(&self, s: &mut ZabState, epoch: u64, zxid: Zxid, out: &mut Out<Self>) {
        if !s.got_new_leader || epoch != s.current_epoch() {
            return;
        }
        if zxid > s.last_zxid() {
            narrate!(
                out,
                "{} is told to commit {zxid} that it never received, and reconnects",
                s.id
            );
            self.connect(s, out);
            return;
        }
        // Only an established leader commits: a lost UPTODATE needs no resend.
        s.phase = Phase::Broadcast;
        let upto = position_of(s.history(), zxid);
        if upto > s.committed {
            self.deliver(s, upto, out);
            narrate!(out, "{} delivers up to {zxid}", s.id);
        }
    }
}
