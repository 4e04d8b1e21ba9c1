//! Recovery: Phase 1, discovery, and Phase 2, synchronization (DSN 2011, the Zab protocol's
//! phases; Medeiros 2012 for ZooKeeper's FOLLOWERINFO, ACKEPOCH fields and DIFF/TRUNC/SNAP).
//!
//! Discovery establishes a new epoch that no earlier primary used: the leader collects
//! FOLLOWERINFO (each follower's accepted epoch) from a quorum, proposes one more than the
//! highest, and followers that accept it promise to ignore older leaders (ACKEPOCH, with their
//! current epoch and last zxid). Synchronization makes a quorum hold the leader's history
//! before anything new is proposed: NEWLEADER carries what each follower lacks, the follower
//! takes the new epoch as its current one, and once a quorum acknowledged the leader delivers
//! its whole history and says so with UPTODATE. Followers that connect later, or reconnect,
//! go through the same steps with an established leader.

use super::{position_of, Learner, Phase, Role, Sync, Txn, Zab, ZabMsg, ZabState, ZabTimer, Zxid};
use crate::node::narrate;
use crate::node::{NodeId, Out};
use crate::protocols::machine::{self, Store};

impl Zab {
    /// FOLLOWING: (re)connect to the leader, as ZooKeeper's Learner does, with FOLLOWERINFO.
    pub(super) fn connect(&self, s: &mut ZabState, out: &mut Out<Self>) {
        let Some(leader) = s.leader else { return };
        s.phase = Phase::Discovery;
        s.got_new_leader = false;
        out.send(
            leader,
            ZabMsg::FollowerInfo {
                accepted_epoch: s.accepted_epoch(),
            },
        );
        // Until NEWEPOCH comes, say it again now and then: the leader may not have settled yet.
        out.set_timer(ZabTimer::Heartbeat, self.heartbeat, self.heartbeat);
    }

    /// LEADING: Phase 1 begins with this node's own accepted epoch in the count.
    pub(super) fn start_leading(&self, s: &mut ZabState, out: &mut Out<Self>) {
        s.new_epoch = None;
        s.learners.clear();
        s.heard.clear();
        s.waiting.clear();
        s.ticks = 0;
        let lo = self.election_timeout.0;
        out.set_timer(ZabTimer::SyncLimit, lo, lo);
        out.set_timer(ZabTimer::Heartbeat, self.heartbeat, self.heartbeat);
        self.maybe_new_epoch(s, out);
    }

    pub(super) fn leader_msg(
        &self,
        s: &mut ZabState,
        from: NodeId,
        msg: ZabMsg,
        out: &mut Out<Self>,
    ) {
        s.heard.insert(from);
        match msg {
            ZabMsg::FollowerInfo { accepted_epoch } => {
                self.on_follower_info(s, from, accepted_epoch, out)
            }
            ZabMsg::AckEpoch {
                current_epoch,
                last_zxid,
            } => self.on_ack_epoch(s, from, current_epoch, last_zxid, out),
            ZabMsg::AckNewLeader { epoch, last_zxid } => {
                self.on_ack_new_leader(s, from, epoch, last_zxid, out)
            }
            ZabMsg::Ack { epoch, zxid } => self.on_ack(s, from, epoch, zxid, out),
            ZabMsg::Forward { req } => self.on_forward(s, req, out),
            _ => {}
        }
    }

    pub(super) fn follower_msg(
        &self,
        s: &mut ZabState,
        from: NodeId,
        msg: ZabMsg,
        out: &mut Out<Self>,
    ) {
        match msg {
            ZabMsg::NewEpoch { epoch } => self.on_new_epoch(s, from, epoch, out),
            ZabMsg::NewLeader { epoch, sync } => self.on_new_leader(s, from, epoch, sync, out),
            ZabMsg::UpToDate { epoch, commit } => self.on_up_to_date(s, epoch, commit, out),
            ZabMsg::Proposal { epoch, prev, txn } => {
                self.on_proposal(s, from, epoch, prev, txn, out)
            }
            ZabMsg::Commit { epoch, zxid } => self.on_commit(s, epoch, zxid, out),
            ZabMsg::Ping { epoch } => out.send(from, ZabMsg::PingAck { epoch }),
            _ => {}
        }
    }

    fn on_follower_info(
        &self,
        s: &mut ZabState,
        from: NodeId,
        accepted_epoch: u64,
        out: &mut Out<Self>,
    ) {
        // A follower that connects again starts over: its old connection is gone. Only its
        // acknowledgement of the epoch stays: it promised once, and cannot promise again.
        let counted = s.learners.get(&from).is_some_and(|l| l.counted);
        s.learners.insert(
            from,
            Learner {
                accepted_epoch,
                counted,
                ..Learner::default()
            },
        );
        match s.new_epoch {
            None => {
                narrate!(
                    out,
                    "{} hears FOLLOWERINFO from {from} (accepted epoch {accepted_epoch})",
                    s.id
                );
                self.maybe_new_epoch(s, out);
            }
            Some(epoch) => {
                narrate!(
                    out,
                    "{from} connects to {} in epoch {epoch} and is told NEWEPOCH",
                    s.id
                );
                out.send(from, ZabMsg::NewEpoch { epoch });
            }
        }
    }

    /// With a quorum of accepted epochs, propose a higher one (the bug reuses the highest).
    fn maybe_new_epoch(&self, s: &mut ZabState, out: &mut Out<Self>) {
        if s.learners.len() + 1 < self.quorum() {
            return;
        }
        let highest = s
            .learners
            .values()
            .map(|l| l.accepted_epoch)
            .chain([s.accepted_epoch()])
            .max()
            .unwrap_or(0);
        let epoch = if self.bug_reuse_epoch {
            narrate!(
                out,
                "{} keeps epoch {} instead of moving past it (bug: zab-reuse-epoch)",
                s.id,
                highest.max(1)
            );
            highest.max(1)
        } else {
            highest + 1
        };
        s.new_epoch = Some(epoch);
        s.durable.accepted_epoch = epoch;
        self.persist(s, out);
        let followers: Vec<NodeId> = s.learners.keys().copied().collect();
        narrate!(
            out,
            "{} has FOLLOWERINFO from a quorum ({}, itself) and proposes epoch {epoch} with NEWEPOCH",
            s.id,
            NodeId::list(&followers)
        );
        for f in followers {
            out.send(f, ZabMsg::NewEpoch { epoch });
        }
        self.maybe_sync(s, out);
    }

    /// A follower takes part in establishing an epoch at most once: it acknowledges NEWEPOCH(e)
    /// only if e is above its accepted epoch (DSN 2011, Phase 1). Asked again for the epoch it
    /// accepted, by this leader after a reconnection or by a rival that proposed the same
    /// epoch, it answers as ZooKeeper's Learner does ("we cannot ack again"): its last zxid,
    /// with the current epoch -1 so the answer does not count. Counting it would let two
    /// leaders each gather a quorum for one epoch and issue the same zxids.
    fn on_new_epoch(&self, s: &mut ZabState, from: NodeId, epoch: u64, out: &mut Out<Self>) {
        if s.phase != Phase::Discovery {
            return;
        }
        if epoch < s.accepted_epoch() {
            narrate!(
                out,
                "{} refuses NEWEPOCH {epoch} from {from}: it accepted epoch {} already, and goes \
                 back to LOOKING",
                s.id,
                s.accepted_epoch()
            );
            self.go_looking(s, out);
            return;
        }
        let first = epoch > s.accepted_epoch();
        if first {
            s.durable.accepted_epoch = epoch;
            self.persist(s, out);
        }
        s.phase = Phase::Sync;
        // NEWLEADER should follow within a round trip or two; if not, reconnect.
        out.set_timer(ZabTimer::Heartbeat, 2 * self.heartbeat, 2 * self.heartbeat);
        let current_epoch = if first {
            narrate!(
                out,
                "{} accepts epoch {epoch} and answers ACKEPOCH with its current epoch {} and last \
                 zxid {}",
                s.id,
                s.current_epoch(),
                s.last_zxid()
            );
            Some(s.current_epoch())
        } else if self.bug_ack_epoch_twice {
            narrate!(
                out,
                "{} acknowledges epoch {epoch} again, though it accepted it already (bug: \
                 zab-ack-epoch-twice)",
                s.id
            );
            Some(s.current_epoch())
        } else {
            narrate!(
                out,
                "{} accepted epoch {epoch} already and cannot acknowledge it again: it answers \
                 ACKEPOCH -1, which does not count, with its last zxid {}",
                s.id,
                s.last_zxid()
            );
            None
        };
        out.send(
            from,
            ZabMsg::AckEpoch {
                current_epoch,
                last_zxid: s.last_zxid(),
            },
        );
    }

    fn on_ack_epoch(
        &self,
        s: &mut ZabState,
        from: NodeId,
        current_epoch: Option<u64>,
        last_zxid: Zxid,
        out: &mut Out<Self>,
    ) {
        let Some(epoch) = s.new_epoch else { return };
        let Some(l) = s.learners.get_mut(&from) else {
            return;
        };
        if l.acked_epoch.is_some() {
            return;
        }
        l.acked_epoch = Some((current_epoch, last_zxid));
        l.counted |= current_epoch.is_some();
        if s.phase == Phase::Discovery {
            // The election should have picked the most up-to-date node; if not, start over
            // (ZooKeeper: "Follower is ahead of the leader"). As in ZooKeeper, only an answer
            // that counts is compared: the others are synchronized if the epoch is established.
            let Some(current_epoch) = current_epoch else {
                if l.counted {
                    narrate!(
                        out,
                        "{} has ACKEPOCH from {from} again, which acknowledged epoch {epoch} to it \
                         before",
                        s.id
                    );
                    self.maybe_sync(s, out);
                } else {
                    narrate!(
                        out,
                        "{} has ACKEPOCH -1 from {from}: it accepted epoch {epoch} already, so it \
                         does not count",
                        s.id
                    );
                }
                return;
            };
            if (current_epoch, last_zxid) > (s.current_epoch(), s.last_zxid()) {
                narrate!(
                    out,
                    "{from} is ahead of {} (epoch {current_epoch}, zxid {last_zxid} against \
                     epoch {}, zxid {}): {} cannot lead and goes back to LOOKING",
                    s.id,
                    s.current_epoch(),
                    s.last_zxid(),
                    s.id
                );
                self.go_looking(s, out);
                return;
            }
            narrate!(out, "{} has ACKEPOCH from {from}", s.id);
            self.maybe_sync(s, out);
        } else {
            // Connected late: synchronize it straight away.
            self.send_new_leader(s, from, epoch, last_zxid, out);
        }
    }

    /// With ACKEPOCH from a quorum, Phase 2 begins: this node takes the epoch as its current
    /// one and sends every follower NEWLEADER.
    fn maybe_sync(&self, s: &mut ZabState, out: &mut Out<Self>) {
        let Some(epoch) = s.new_epoch else { return };
        let acked: Vec<(NodeId, Zxid)> = s
            .learners
            .iter()
            .filter_map(|(&n, l)| l.acked_epoch.map(|(_, z)| (n, z)))
            .collect();
        let counted = s
            .learners
            .values()
            .filter(|l| l.counted && l.acked_epoch.is_some())
            .count();
        if s.phase != Phase::Discovery || counted + 1 < self.quorum() {
            return;
        }
        s.phase = Phase::Sync;
        s.durable.current_epoch = epoch;
        self.persist(s, out);
        narrate!(
            out,
            "{} has ACKEPOCH from a quorum and starts synchronization: its history (last zxid \
             {}) becomes epoch {epoch}'s",
            s.id,
            s.last_zxid()
        );
        for (f, last) in acked {
            self.send_new_leader(s, f, epoch, last, out);
        }
        if self.bug_skip_sync {
            narrate!(
                out,
                "{} starts broadcasting without waiting for a quorum to synchronize (bug: \
                 zab-skip-sync)",
                s.id
            );
            self.establish(s, out);
        } else {
            self.maybe_establish(s, out);
        }
    }

    /// What `follower`, whose history ends at `last`, needs of this leader's history.
    pub(super) fn sync_for(&self, s: &ZabState, last: Zxid) -> Sync {
        let h = s.history();
        let at = position_of(h, last);
        let tail = |from: u64| -> Vec<Txn> { (from as usize..h.len()).map(|i| h[i]).collect() };
        let known = last == Zxid::ZERO || (at > 0 && h[at as usize - 1].zxid == last);
        if h.len() as u64 - at > self.diff_window {
            Sync::Snap { txns: tail(0) }
        } else if known {
            Sync::Diff {
                after: last,
                txns: tail(at),
            }
        } else {
            // The follower's last zxid is not ours: it holds proposals no quorum kept.
            let to = if at == 0 {
                Zxid::ZERO
            } else {
                h[at as usize - 1].zxid
            };
            Sync::Trunc { to, txns: tail(at) }
        }
    }

    fn send_new_leader(
        &self,
        s: &mut ZabState,
        to: NodeId,
        epoch: u64,
        last: Zxid,
        out: &mut Out<Self>,
    ) {
        let sync = self.sync_for(s, last);
        narrate!(
            out,
            "{} sends {to} NEWLEADER for epoch {epoch} with {}",
            s.id,
            match &sync {
                Sync::Diff { txns, .. } => format!("a DIFF of {} transactions", txns.len()),
                Sync::Trunc { to, txns } =>
                    format!("TRUNC to {to} and {} transactions", txns.len()),
                Sync::Snap { txns } => format!("a SNAP of {} transactions", txns.len()),
            }
        );
        if let Some(l) = s.learners.get_mut(&to) {
            l.forwarding = true;
        }
        out.send(to, ZabMsg::NewLeader { epoch, sync });
    }

    fn on_new_leader(
        &self,
        s: &mut ZabState,
        from: NodeId,
        epoch: u64,
        sync: Sync,
        out: &mut Out<Self>,
    ) {
        if s.phase != Phase::Sync || s.got_new_leader || epoch != s.accepted_epoch() {
            return;
        }
        let h = &mut s.durable.history;
        let (kind, txns) = match sync {
            Sync::Diff { after, txns } => {
                h.truncate(position_of(h, after) as usize);
                ("DIFF", txns)
            }
            Sync::Trunc { to, txns } => {
                let keep = position_of(h, to) as usize;
                narrate!(
                    out,
                    "{} truncates its history after {to}, dropping {} transactions",
                    s.id,
                    h.len() - keep
                );
                h.truncate(keep);
                ("TRUNC", txns)
            }
            Sync::Snap { txns } => {
                h.clear();
                ("SNAP", txns)
            }
        };
        let kept = h.len() as u64;
        h.extend(txns);
        if s.committed > kept {
            // Only under a buggy variant: delivered transactions were replaced.
            s.committed = kept;
            (s.value, s.kv) = (0, Store::default());
            for (i, t) in h.iter().take(kept as usize).enumerate() {
                machine::apply(&mut s.value, &mut s.kv, &t.request(), i as u64 + 1);
            }
        }
        s.durable.current_epoch = epoch;
        s.got_new_leader = true;
        self.persist(s, out);
        out.cancel_timer(ZabTimer::Heartbeat);
        narrate!(
            out,
            "{} applies {kind} from {from}, takes epoch {epoch} as its current epoch and ACKs \
             NEWLEADER (last zxid {})",
            s.id,
            s.last_zxid()
        );
        out.send(
            from,
            ZabMsg::AckNewLeader {
                epoch,
                last_zxid: s.last_zxid(),
            },
        );
    }

    fn on_ack_new_leader(
        &self,
        s: &mut ZabState,
        from: NodeId,
        epoch: u64,
        last_zxid: Zxid,
        out: &mut Out<Self>,
    ) {
        if Some(epoch) != s.new_epoch || s.phase == Phase::Discovery {
            return;
        }
        let Some(l) = s.learners.get_mut(&from) else {
            return;
        };
        if !l.forwarding || l.synced {
            return;
        }
        l.acked = l.acked.max(last_zxid);
        self.synced(s, from, epoch, out);
    }

    /// `from` holds this leader's history: it counts towards a quorum from now on.
    pub(super) fn synced(&self, s: &mut ZabState, from: NodeId, epoch: u64, out: &mut Out<Self>) {
        if let Some(l) = s.learners.get_mut(&from) {
            l.synced = true;
        }
        if s.phase == Phase::Broadcast {
            narrate!(out, "{from} is in sync with {} and is told UPTODATE", s.id);
            out.send(
                from,
                ZabMsg::UpToDate {
                    epoch,
                    commit: s.commit_zxid(),
                },
            );
            self.advance_commit(s, out);
        } else {
            narrate!(out, "{} has {from}'s ACK of NEWLEADER", s.id);
            self.maybe_establish(s, out);
        }
    }

    fn maybe_establish(&self, s: &mut ZabState, out: &mut Out<Self>) {
        let synced = s.learners.values().filter(|l| l.synced).count();
        if s.phase == Phase::Sync && synced + 1 >= self.quorum() {
            self.establish(s, out);
        }
    }

    /// Phase 3 begins: the history is delivered, the synced followers are told UPTODATE and
    /// the requests that waited are proposed.
    fn establish(&self, s: &mut ZabState, out: &mut Out<Self>) {
        let epoch = s.current_epoch();
        s.phase = Phase::Broadcast;
        let len = s.history().len() as u64;
        self.deliver(s, len, out);
        let synced: Vec<NodeId> = s
            .learners
            .iter()
            .filter(|(_, l)| l.synced || (self.bug_skip_sync && l.forwarding))
            .map(|(&n, _)| n)
            .collect();
        narrate!(
            out,
            "{} is established in epoch {epoch}: it delivers its history up to {} and tells {} \
             UPTODATE",
            s.id,
            s.commit_zxid(),
            if synced.is_empty() {
                "no one".to_string()
            } else {
                NodeId::list(&synced)
            }
        );
        for f in synced {
            out.send(
                f,
                ZabMsg::UpToDate {
                    epoch,
                    commit: s.commit_zxid(),
                },
            );
        }
        for req in std::mem::take(&mut s.queued) {
            self.propose(s, req, out);
        }
    }

    fn on_up_to_date(&self, s: &mut ZabState, epoch: u64, commit: Zxid, out: &mut Out<Self>) {
        if !s.got_new_leader || epoch != s.current_epoch() {
            return;
        }
        s.phase = Phase::Broadcast;
        let upto = position_of(s.history(), commit);
        self.deliver(s, upto, out);
        narrate!(
            out,
            "{} is UPTODATE in epoch {epoch}: it delivers up to {} and serves",
            s.id,
            s.commit_zxid()
        );
    }

    /// LEADING, every syncLimit: without a quorum heard from, or not established in time,
    /// give up leadership. Once established, only synchronized followers count (ZooKeeper's
    /// leader checks its `syncedAckSet`): a follower that keeps connecting and refusing the
    /// epoch, because it accepted a later one, must not keep a leader in office that no
    /// quorum follows.
    pub(super) fn check_quorum(&self, s: &mut ZabState, out: &mut Out<Self>) {
        s.ticks += 1;
        let heard = s
            .heard
            .iter()
            .filter(|f| s.phase != Phase::Broadcast || s.learners.get(f).is_some_and(|l| l.synced))
            .count();
        if heard + 1 < self.quorum() {
            narrate!(
                out,
                "{} heard from only {heard} followers within syncLimit: it stops LEADING and \
                 goes back to LOOKING",
                s.id
            );
            self.go_looking(s, out);
        } else if s.phase != Phase::Broadcast && s.ticks >= 2 {
            narrate!(
                out,
                "{} could not establish epoch {} within its limit and goes back to LOOKING",
                s.id,
                s.new_epoch.unwrap_or(0)
            );
            self.go_looking(s, out);
        } else {
            s.heard.clear();
            let lo = self.election_timeout.0;
            out.set_timer(ZabTimer::SyncLimit, lo, lo);
        }
    }

    /// LEADING: PING every connected follower, whatever the phase, so they keep following.
    pub(super) fn heartbeat(&self, s: &mut ZabState, out: &mut Out<Self>) {
        debug_assert_eq!(s.role, Role::Leading);
        let epoch = s.new_epoch.unwrap_or(s.accepted_epoch());
        for &f in s.learners.keys() {
            out.send(f, ZabMsg::Ping { epoch });
        }
        out.set_timer(ZabTimer::Heartbeat, self.heartbeat, self.heartbeat);
    }
}
