//! Phase 0, leader election, as ZooKeeper runs it: Fast Leader Election (Medeiros 2012, the
//! implementation's election; the DSN 2011 paper leaves Phase 0 open and only asks that it
//! usually picks a leader with the latest history).
//!
//! A LOOKING node votes for itself and sends its vote to everyone, tagged with its round (the
//! logical clock). A notification from a later round moves it to that round; a better vote, by
//! (current epoch, last zxid, id), replaces its own and is sent on. When a quorum of the round's
//! votes equals its own it waits a moment for anything better (ZooKeeper's finalize wait), then
//! settles: LEADING if the vote is for itself, FOLLOWING otherwise. Nodes that already settled
//! answer a LOOKING node with the leader they follow, so a node that restarts joins an
//! established leader once a quorum, the leader among them, says who it is.

use super::{Phase, Role, Vote, Zab, ZabMsg, ZabState, ZabTimer};
use crate::node::narrate;
use crate::node::{NodeId, Out};

impl Zab {
    /// A new round: vote for itself and tell everyone.
    pub(super) fn start_election(&self, s: &mut ZabState, out: &mut Out<Self>) {
        s.round += 1;
        s.vote = s.own_vote();
        s.votes.clear();
        s.votes.insert(s.id, s.vote);
        s.out_of_election.clear();
        narrate!(
            out,
            "{} is LOOKING: round {}, it votes for itself (epoch {}, last zxid {})",
            s.id,
            s.round,
            s.vote.epoch,
            s.vote.zxid
        );
        self.send_notifications(s, out);
        out.cancel_timer(ZabTimer::Finalize);
        let (lo, hi) = self.election_timeout;
        out.set_timer(ZabTimer::Election, lo, hi);
        self.check_votes(s, out);
    }

    fn notification(&self, s: &ZabState) -> ZabMsg {
        ZabMsg::Notification {
            vote: s.vote,
            round: s.round,
            state: s.role,
        }
    }

    fn send_notifications(&self, s: &ZabState, out: &mut Out<Self>) {
        let n = self.notification(s);
        out.broadcast(s.id, self.nodes, |_| n.clone());
    }

    /// No decision yet: notifications may have been lost; send them again.
    pub(super) fn election_timeout(&self, s: &mut ZabState, out: &mut Out<Self>) {
        if s.role != Role::Looking {
            return;
        }
        narrate!(
            out,
            "{} has no leader yet in round {} and sends its vote for {} again",
            s.id,
            s.round,
            s.vote.leader
        );
        self.send_notifications(s, out);
        let (lo, hi) = self.election_timeout;
        out.set_timer(ZabTimer::Election, lo, hi);
    }

    pub(super) fn on_notification(
        &self,
        s: &mut ZabState,
        from: NodeId,
        vote: Vote,
        round: u64,
        state: Role,
        out: &mut Out<Self>,
    ) {
        if s.role != Role::Looking {
            // A settled node tells a LOOKING one whom it follows.
            if state == Role::Looking {
                out.send(from, self.notification(s));
            }
            return;
        }
        if state != Role::Looking {
            self.out_of_election(s, from, vote, round, state, out);
            return;
        }
        if round > s.round {
            s.round = round;
            s.votes.clear();
            // The better of its own vote and the one received (equal keys are one vote).
            s.vote = std::cmp::max_by_key(s.own_vote(), vote, Vote::key);
            s.votes.insert(s.id, s.vote);
            narrate!(
                out,
                "{} joins round {round} from {from} and votes for {}",
                s.id,
                s.vote.leader
            );
            self.send_notifications(s, out);
        } else if round < s.round {
            // Behind: tell it the current round.
            out.send(from, self.notification(s));
            return;
        } else if vote.key() > s.vote.key() {
            narrate!(
                out,
                "{} adopts {from}'s vote for {}: epoch {}, zxid {} beats its vote for {}",
                s.id,
                vote.leader,
                vote.epoch,
                vote.zxid,
                s.vote.leader
            );
            s.vote = vote;
            s.votes.insert(s.id, vote);
            self.send_notifications(s, out);
        } else if vote.key() < s.vote.key() {
            // It has not heard of the better vote yet (it may have been busy following when
            // this node sent it): tell it now rather than at the next resend.
            out.send(from, self.notification(s));
        }
        s.votes.insert(from, vote);
        self.check_votes(s, out);
    }

    /// A quorum agrees with this node's vote: wait a moment for a better one, then settle.
    fn check_votes(&self, s: &mut ZabState, out: &mut Out<Self>) {
        let agree = s.votes.values().filter(|v| **v == s.vote).count();
        if agree >= self.quorum() {
            out.set_timer(ZabTimer::Finalize, self.heartbeat, self.heartbeat);
        }
    }

    pub(super) fn finalize(&self, s: &mut ZabState, out: &mut Out<Self>) {
        if s.role != Role::Looking {
            return;
        }
        let agree: Vec<NodeId> = s
            .votes
            .iter()
            .filter(|(_, v)| **v == s.vote)
            .map(|(&n, _)| n)
            .collect();
        if agree.len() < self.quorum() {
            return;
        }
        narrate!(
            out,
            "{} settles round {}: {} vote for {}",
            s.id,
            s.round,
            NodeId::list(&agree),
            s.vote.leader
        );
        self.settle(s, s.vote.leader, out);
    }

    /// A notification from a node that already follows or leads (ZooKeeper's out-of-election
    /// votes): follow its leader once a quorum, the leader itself among them, reports it.
    fn out_of_election(
        &self,
        s: &mut ZabState,
        from: NodeId,
        vote: Vote,
        round: u64,
        state: Role,
        out: &mut Out<Self>,
    ) {
        s.out_of_election.insert(from, (vote.leader, state));
        let leader = vote.leader;
        let reporting: Vec<NodeId> = s
            .out_of_election
            .iter()
            .filter(|(_, (l, _))| *l == leader)
            .map(|(&n, _)| n)
            .collect();
        let leader_says = s.out_of_election.get(&leader) == Some(&(leader, Role::Leading));
        // This node counts for the leader it would join.
        if leader_says && leader != s.id && reporting.len() + 1 >= self.quorum() {
            narrate!(
                out,
                "{} learns from {} that {leader} leads and joins it",
                s.id,
                NodeId::list(&reporting)
            );
            s.round = s.round.max(round);
            s.vote = vote;
            self.settle(s, leader, out);
        }
    }

    /// Ends Phase 0: LEADING if the vote is for this node, else FOLLOWING its leader.
    fn settle(&self, s: &mut ZabState, leader: NodeId, out: &mut Out<Self>) {
        out.cancel_timer(ZabTimer::Election);
        out.cancel_timer(ZabTimer::Finalize);
        s.votes.clear();
        s.out_of_election.clear();
        s.leader = Some(leader);
        s.phase = Phase::Discovery;
        if leader == s.id {
            s.role = Role::Leading;
            narrate!(
                out,
                "{} is LEADING and starts discovery: it waits for FOLLOWERINFO from a quorum",
                s.id
            );
            self.start_leading(s, out);
        } else {
            s.role = Role::Following;
            narrate!(
                out,
                "{} is FOLLOWING {leader} and connects to it with FOLLOWERINFO",
                s.id
            );
            self.connect(s, out);
            self.reset_sync_limit(out);
        }
    }
}
