//! What the user does: crash, restart, partition, heal, drop, deliver, duplicate, fire a timer,
//! send a request, change the network. Each action is checked first (a refused action changes
//! nothing and says why), recorded with the event number it became, and replayed at that same
//! point by links and trace files.

use super::history::{
    Action, ActionRecord, EventKind, EventRecord, LossReason, Marker, MarkerKind, TimerId,
};
use super::{Simulation, StepReport};
use crate::catalog::Model;
use crate::invariants::Checker;
use crate::node::{ConfChange, Message, NodeId, Out};
use std::collections::BTreeSet;

impl<P: Model> Simulation<P> {
    /// The user acts now. The action is recorded (dropping any recorded future: the past
    /// changed) and runs as one event. Invalid actions are refused with a reason.
    pub fn apply(&mut self, action: Action) -> Result<StepReport, String> {
        self.validate_action(&action)?;
        let k = self.world.events;
        let future_actions = self.history.actions.last().is_some_and(|a| a.event >= k);
        if k < self.history.events.len() as u64 || future_actions {
            self.history
                .truncate(self.world.events, self.world.next_msg);
            let k = self.world.events;
            self.checkpoints.retain(|(e, _)| *e <= k);
            self.requests.truncate(self.world.next_request - 1);
            self.truncate_clients(k);
        }
        self.execute_action(action, false)
    }

    /// Whether [`apply`](Self::apply) would take `action` now, and why not: a page asks
    /// before it offers one.
    pub fn check_action(&self, action: &Action) -> Result<(), String> {
        self.validate_action(action)
    }

    /// The live node that leads the highest term, whom membership changes go to.
    fn leader(&self) -> Option<NodeId> {
        NodeId::all(self.settings.nodes)
            .filter(|id| self.world.nodes[id.idx()].is_some())
            .map(|id| (id, self.world.progress[id.idx()]))
            .filter(|(_, p)| p.leader)
            .max_by_key(|(id, p)| (p.term, std::cmp::Reverse(*id)))
            .map(|(id, _)| id)
    }

    pub(super) fn validate_action(&self, action: &Action) -> Result<(), String> {
        let n = self.settings.nodes;
        let node_ok = |id: &NodeId| -> Result<(), String> {
            if (1..=n).contains(&usize::from(id.0)) {
                Ok(())
            } else {
                Err(format!("there is no node {id} in a cluster of {n}"))
            }
        };
        let w = &self.world;
        match action {
            Action::Crash { node } => {
                node_ok(node)?;
                if w.nodes[node.idx()].is_none() {
                    return Err(format!("{node} is already down"));
                }
            }
            Action::Restart { node } => {
                node_ok(node)?;
                if w.nodes[node.idx()].is_some() {
                    return Err(format!("{node} is running"));
                }
            }
            Action::Isolate { node } | Action::Request { node, .. } => node_ok(node)?,
            Action::CutLink { a, b } => {
                node_ok(a)?;
                node_ok(b)?;
                if a == b {
                    return Err("a link joins two different nodes".into());
                }
            }
            Action::Partition { groups } => {
                let mut seen = BTreeSet::new();
                for id in groups.iter().flatten() {
                    node_ok(id)?;
                    if !seen.insert(*id) {
                        return Err(format!("{id} is in two groups"));
                    }
                }
            }
            Action::Drop { msg } | Action::Duplicate { msg } => {
                if !w.inflight.contains_key(msg) {
                    return Err(format!("message #{msg} is not in flight"));
                }
            }
            Action::Deliver { msg } => {
                let m = w
                    .inflight
                    .get(msg)
                    .ok_or_else(|| format!("message #{msg} is not in flight"))?;
                if !w.net.reachable(m.from, m.to) {
                    return Err(format!(
                        "{} cannot reach {}: the network is partitioned",
                        m.from, m.to
                    ));
                }
            }
            Action::FireTimer { timer } => {
                if !w.timers.contains_key(timer) {
                    return Err(format!("timer #{timer} is not pending"));
                }
            }
            Action::SetNetwork { network } => network.validate()?,
            Action::Reconfigure { add, remove } => {
                for id in add.iter().chain(remove) {
                    node_ok(id)?;
                }
                let change = ConfChange {
                    add: add.clone(),
                    remove: remove.clone(),
                };
                let leader = self
                    .leader()
                    .ok_or("no leader to ask for a membership change: wait until one is elected")?;
                let s = w.nodes[leader.idx()].as_ref().expect("a live leader");
                if let Some(why) = self.proto.reconfigure_refusal(s, &change) {
                    return Err(why);
                }
            }
            Action::RestartAll | Action::Heal | Action::AlignTimers | Action::SpreadTimers => {}
        }
        Ok(())
    }

    pub(super) fn execute_action(
        &mut self,
        action: Action,
        replaying: bool,
    ) -> Result<StepReport, String> {
        let index = if replaying {
            self.history
                .actions
                .iter()
                .position(|a| a.event == self.world.events)
                .expect("replayed action is recorded") as u32
        } else {
            self.history.actions.push(ActionRecord {
                time: self.world.now,
                event: self.world.events,
                action: action.clone(),
            });
            (self.history.actions.len() - 1) as u32
        };
        // Dropping or delivering a message by hand ends it, and its event says so, so that
        // message histories come from events alone.
        let record = EventRecord::new(
            self.world.now,
            match &action {
                Action::Drop { msg } | Action::Deliver { msg } => {
                    let m = &self.world.inflight[msg];
                    let (msg, from, to, kind) = (m.id, m.from, m.to, m.msg.kind() as u8);
                    if matches!(action, Action::Drop { .. }) {
                        EventKind::Loss {
                            msg,
                            from,
                            to,
                            kind,
                            reason: LossReason::Dropped,
                        }
                    } else {
                        EventKind::Deliver {
                            msg,
                            from,
                            to,
                            kind,
                        }
                    }
                }
                _ => EventKind::Action { index },
            },
        );
        let mut headline = String::new();
        if self.narrating {
            headline = format!("You: {action}");
        }
        let mut lines = Vec::new();
        let mut changed = Vec::new();
        let mut replies = Vec::new();
        let now = self.world.now;
        let network_fault = match &action {
            Action::Partition { .. }
            | Action::Isolate { .. }
            | Action::CutLink { .. }
            | Action::Drop { .. }
            | Action::Duplicate { .. } => true,
            Action::SetNetwork { network } => network.loss_ppm > 0 || network.dup_ppm > 0,
            _ => false,
        };
        if network_fault {
            self.world.checker.network_fault();
        }
        match action.clone() {
            Action::Crash { node } => {
                self.world.crash(node, &self.proto);
                changed.push(node);
            }
            Action::Restart { node } => {
                self.start(node, &mut lines, &mut replies);
                changed.push(node);
            }
            Action::RestartAll => {
                for id in NodeId::all(self.settings.nodes) {
                    if self.world.nodes[id.idx()].is_none() {
                        self.start(id, &mut lines, &mut replies);
                        changed.push(id);
                    }
                }
            }
            Action::Partition { groups } => self.world.net.partition(&groups),
            Action::Isolate { node } => self.world.net.isolate(node),
            Action::CutLink { a, b } => self.world.net.cut(a, b),
            Action::Heal => self.world.net.heal(),
            Action::Drop { msg } => {
                let m = self.world.inflight.remove(&msg).expect("validated");
                self.kill(m, LossReason::Dropped);
            }
            Action::Deliver { msg } => {
                let m = self.world.inflight.remove(&msg).expect("validated");
                self.end_message(m.id);
                changed.push(m.to);
                self.deliver(m, &mut lines, &mut replies);
            }
            Action::Duplicate { msg } => {
                let m = self.world.inflight[&msg].clone();
                let latency = self.world.net.draw_latency(&mut self.world.rng);
                self.world
                    .launch(&mut self.history, m.from, m.to, m.msg, latency);
            }
            Action::FireTimer { timer } => {
                let t = self.world.timers.remove(&timer).expect("validated");
                self.world.timer_ids.remove(&(t.node, t.timer.clone()));
                changed.push(t.node);
                self.fire(t, &mut lines, &mut replies);
            }
            Action::Request { node, delta } => {
                let req = self.new_request(delta);
                changed.push(node);
                self.request(node, req, 0, &mut lines, &mut replies);
            }
            Action::Reconfigure { add, remove } => {
                let leader = self.leader().expect("validated");
                changed.push(leader);
                let mut out = Out::new(self.narrating);
                let s = self.world.nodes[leader.idx()].as_mut().expect("validated");
                self.proto
                    .on_reconfigure(s, &ConfChange { add, remove }, &mut out);
                self.handle(leader, out, &mut lines, &mut replies, 0);
            }
            Action::SetNetwork { network } => self.world.net.settings = network,
            Action::AlignTimers => {
                let at = now + self.settings.election_timeout.0;
                let ids: Vec<TimerId> = self.world.timers.keys().copied().collect();
                for id in ids {
                    self.world.reschedule(id, at);
                }
            }
            Action::SpreadTimers => {
                let ids: Vec<TimerId> = self.world.timers.keys().copied().collect();
                for id in ids {
                    let t = &self.world.timers[&id];
                    let (node, min, max) = (t.node, t.min, t.max);
                    let local = self.world.rng.range(min, max);
                    let at = self.world.timer_deadline(node, local);
                    self.world.reschedule(id, at);
                }
            }
        }
        // Markers are recorded once, when the event is first reached (a preloaded action
        // from a link is replayed, yet new to this history).
        if action.is_fault() && self.world.events >= self.history.events.len() as u64 {
            self.history.markers.push(Marker {
                event: self.world.events + 1,
                time: now,
                kind: MarkerKind::Fault {
                    text: action.to_string(),
                },
            });
        }
        Ok(self.finish(record, changed, headline, lines, replies))
    }
}

/// Every action is its own event, so their event numbers must strictly increase.
pub(super) fn normalize(actions: &mut [ActionRecord]) {
    for i in 1..actions.len() {
        let before = actions[i - 1].event;
        if actions[i].event <= before {
            actions[i].event = before + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ProtocolKind, Settings};
    use crate::node::{MS, SECOND};
    use crate::protocols::raft::Raft;

    fn sim() -> Simulation<Raft> {
        Simulation::new(Settings::for_protocol(ProtocolKind::Raft))
    }

    #[test]
    fn refused_actions_say_why_and_change_nothing() {
        let mut s = sim();
        s.run_until(SECOND);
        let (events, hash) = (s.events(), s.trace_hash());
        let refuse = |s: &mut Simulation<Raft>, a: Action, why: &str| {
            let e = s.apply(a).unwrap_err();
            assert!(e.contains(why), "{e:?} should say {why:?}");
        };
        refuse(&mut s, Action::Restart { node: NodeId(2) }, "S2 is running");
        refuse(
            &mut s,
            Action::Crash { node: NodeId(6) },
            "no node S6 in a cluster of 5",
        );
        refuse(
            &mut s,
            Action::CutLink {
                a: NodeId(3),
                b: NodeId(3),
            },
            "two different nodes",
        );
        refuse(
            &mut s,
            Action::Partition {
                groups: vec![vec![NodeId(1), NodeId(2)], vec![NodeId(2)]],
            },
            "S2 is in two groups",
        );
        refuse(&mut s, Action::Drop { msg: 999_999 }, "not in flight");
        refuse(&mut s, Action::FireTimer { timer: 999_999 }, "not pending");
        s.apply(Action::Crash { node: NodeId(2) }).unwrap();
        refuse(
            &mut s,
            Action::Crash { node: NodeId(2) },
            "S2 is already down",
        );
        assert_eq!(s.events(), events + 1);
        assert_ne!(s.trace_hash(), hash);
        assert_eq!(s.history().actions.len(), 1);
    }

    #[test]
    fn an_action_is_one_recorded_event() {
        let mut s = sim();
        s.run_until(500 * MS);
        let k = s.events();
        let r = s.apply(Action::Isolate { node: NodeId(4) }).unwrap();
        assert_eq!(r.index, k + 1);
        assert_eq!(r.record.kind(), EventKind::Action { index: 0 });
        assert_eq!(
            s.history().actions,
            [ActionRecord {
                time: 500 * MS,
                event: k,
                action: Action::Isolate { node: NodeId(4) }
            }]
        );
        assert!(!s.can_reach(NodeId(4), NodeId(1)));
        let fault = s.history().markers.last().unwrap();
        assert_eq!(fault.event, k + 1);
        assert!(matches!(fault.kind, MarkerKind::Fault { .. }));
    }

    #[test]
    fn acting_in_the_past_forgets_the_future() {
        let mut s = sim();
        s.run_until(SECOND);
        s.apply(Action::Crash { node: NodeId(1) }).unwrap();
        s.run_until(2 * SECOND);
        let far = s.horizon().0;
        s.seek_time(SECOND / 2);
        s.apply(Action::Heal).unwrap();
        assert_eq!(
            s.history().actions.len(),
            1,
            "the crash was in the forgotten future"
        );
        assert_eq!(s.history().actions[0].action, Action::Heal);
        assert!(s.horizon().0 < far);
        assert_eq!(s.horizon().0, s.events());
    }

    #[test]
    fn dropping_or_delivering_by_hand_ends_the_message_in_its_event() {
        let mut s = sim();
        s.run_until(400 * MS);
        let ids: Vec<_> = s.in_flight().map(|m| m.id).collect();
        let (a, b) = (ids[0], ids[1]);
        let r = s.apply(Action::Drop { msg: a }).unwrap();
        assert!(matches!(
            r.record.kind(),
            EventKind::Loss { msg, reason: LossReason::Dropped, .. } if msg == a
        ));
        let r = s.apply(Action::Deliver { msg: b }).unwrap();
        assert!(matches!(r.record.kind(), EventKind::Deliver { msg, .. } if msg == b));
        assert!(s.in_flight().all(|m| m.id != a && m.id != b));
    }

    #[test]
    fn recorded_action_numbers_are_made_strictly_increasing() {
        let rec = |event| ActionRecord {
            time: 0,
            event,
            action: Action::Heal,
        };
        let mut v = vec![rec(3), rec(3), rec(1), rec(9)];
        normalize(&mut v);
        assert_eq!(v.iter().map(|a| a.event).collect::<Vec<_>>(), [3, 4, 5, 9]);
    }
}
