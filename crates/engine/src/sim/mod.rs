//! The deterministic discrete-event simulator.
//!
//! It owns the clock, the one RNG, the network, the faults and the history; protocols only see
//! events. Every random draw happens here in a fixed order, so a trace is a pure function of
//! (settings, seed, user actions). Time travel restores a periodic checkpoint of the whole world
//! and replays from it.
//!
//! The parts, as turmoil splits its world, network and simulation: `world` (everything that
//! changes, the event queue and the effects a handler asks for), `network` (who reaches whom,
//! latency, loss and duplication), `actions` (what the user does), `timeline` (checkpoints,
//! seeking, markers, the event log), `history` (the compact record of a run) and `view` (plain
//! snapshots for the app). This file runs events: it pops the next one, hands it to the node's
//! handler, checks the invariants and records the outcome.

mod actions;
pub mod clients;
pub mod clock;
pub mod history;
mod network;
pub mod rng;
mod timeline;
pub mod view;
mod world;

use actions::normalize;
pub use timeline::{LogLine, CHECKPOINT_EVERY, LOG_LINES};
pub use world::{Dropped, InFlight, KvClient, Pending, PendingTimer, DROP_FADE, MAX_IN_FLIGHT};
use world::{Item, Scheduled, World};

use crate::catalog::{Model, NetworkSettings, Progress, Settings, Workload};
use crate::invariants::{push_tight, CheckCtx, Checker, InvariantInfo, Requests, Violation};
use crate::node::{Message, NodeId, Out, Reply, Request, Time, TimerKind};
use clients::ClientEvent;
use history::*;
use std::collections::VecDeque;

/// The outcome of one event.
#[derive(Clone, Debug)]
pub struct StepReport {
    /// 1-based number of this event.
    pub index: u64,
    pub record: EventRecord,
    /// A line saying what the event was; empty when not narrating.
    pub headline: String,
    /// The protocol's narration of what it did and why.
    pub lines: Vec<String>,
    pub violations: Vec<Violation>,
    /// What nodes answered clients during this event: (node, request id, reply).
    pub replies: Vec<(NodeId, u64, Reply)>,
    /// Nodes that wrote stable storage during this event, in order: a crash right after loses
    /// only what they did not write (the checker's durability faults strike here).
    pub persisted: Vec<NodeId>,
}

pub struct Simulation<P: Model> {
    settings: Settings,
    proto: P,
    world: World<P>,
    history: History,
    checkpoints: Vec<(u64, World<P>)>,
    /// The client requests issued up to the horizon. They never change once issued and a
    /// replay issues them again as they were, so they live beside the world, not in it: a
    /// checkpoint would copy the end of the list.
    requests: Requests,
    narrating: bool,
    log: VecDeque<LogLine>,
    skipped: Vec<String>,
    /// The key-value clients' operations to the horizon ([`client_history`](Self::client_history)).
    clients_history: crate::lin::History,
    /// For each of those operations, the events that invoked and completed it (to forget what
    /// follows a change of the past).
    op_events: Vec<(u64, Option<u64>)>,
    /// What the current event did to the client history.
    client_events: Vec<ClientEvent>,
}

fn mix(h: u64, x: u64) -> u64 {
    // FNV-1a style on whole words: cheap and stable across platforms.
    (h ^ x).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(23)
}

impl<P: Model> Simulation<P> {
    /// A new run; `settings` must have passed [`Settings::validate`].
    pub fn new(settings: Settings) -> Self {
        let proto = P::from_settings(&settings);
        let n = settings.nodes;
        let mut world = World::new(&settings, &proto);
        let mut sim_history = History::default();
        // Start-up is not an event: every node boots at time 0, in id order.
        for id in NodeId::all(n) {
            let mut out = Out::new(true);
            let state = proto.on_start(id, &world.durable[id.idx()], &mut out);
            world.nodes[id.idx()] = Some(state);
            world.apply_effects(&mut sim_history, id, out, &mut Vec::new(), &mut Vec::new());
        }
        if let (Some(every), Workload::Counter) = (settings.request_every, settings.workload) {
            world.push(every, Item::ClientTick);
        }
        let mut sim = Simulation {
            settings,
            proto,
            world,
            history: sim_history,
            checkpoints: Vec::new(),
            requests: Requests::default(),
            narrating: true,
            log: VecDeque::new(),
            skipped: Vec::new(),
            clients_history: crate::lin::History::new(crate::lin::Clock::Virtual),
            op_events: Vec::new(),
            client_events: Vec::new(),
        };
        if sim.settings.workload == Workload::Kv {
            sim.start_clients();
        }
        for i in 0..n {
            sim.world.progress[i] = sim.progress_of(i);
        }
        sim.world.prune(&sim.requests);
        // Writes at boot belong to no event.
        sim.world.persisted.clear();
        sim.checkpoints.push((0, sim.world.clone()));
        sim
    }

    /// A run that will replay `actions` (recorded by [`apply`](Self::apply), or read from a
    /// link or a trace file) as it reaches them. Actions that turn out invalid are skipped
    /// and listed in [`skipped`](Self::skipped); nothing a list holds can make it panic.
    pub fn replay(settings: Settings, mut actions: Vec<ActionRecord>) -> Self {
        let mut sim = Self::new(settings);
        actions.sort_by_key(|a| (a.event, a.time));
        normalize(&mut actions);
        sim.history.actions = actions;
        sim
    }

    /// What could not be replayed, in words for the user.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// Narration off makes a run several times faster (benchmarks, property tests).
    pub fn set_narrating(&mut self, on: bool) {
        self.narrating = on;
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    pub fn protocol(&self) -> &P {
        &self.proto
    }
    pub fn now(&self) -> Time {
        self.world.now
    }
    /// Events run so far (the current position in the history).
    pub fn events(&self) -> u64 {
        self.world.events
    }
    pub fn history(&self) -> &History {
        &self.history
    }
    /// A hash of every event so far: equal runs have equal hashes.
    pub fn trace_hash(&self) -> u64 {
        self.world.hash
    }
    pub fn node(&self, id: NodeId) -> Option<&P::State> {
        self.world.nodes.get(id.idx()).and_then(Option::as_ref)
    }
    pub fn durable(&self, id: NodeId) -> Option<&P::Durable> {
        self.world.durable.get(id.idx())
    }
    pub fn nodes(&self) -> &[Option<P::State>] {
        &self.world.nodes
    }
    pub fn progress(&self, id: NodeId) -> Progress {
        self.world.progress[id.idx()]
    }
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight<P::Msg>> {
        self.world.inflight.values()
    }
    pub fn timers(&self) -> impl Iterator<Item = &PendingTimer<P::Timer>> {
        self.world.timers.values()
    }
    pub fn recent_drops(&self) -> impl Iterator<Item = &Dropped<P::Msg>> {
        self.world.drops.iter()
    }
    pub fn acked(&self) -> u64 {
        self.world.acked
    }
    /// Messages lost to the network's capacity ([`MAX_IN_FLIGHT`]).
    pub fn overflowed(&self) -> u64 {
        self.world.overflowed
    }
    pub fn requests_issued(&self) -> u64 {
        self.world.next_request - 1
    }
    pub fn network(&self) -> &NetworkSettings {
        &self.world.net.settings
    }
    pub fn can_reach(&self, a: NodeId, b: NodeId) -> bool {
        self.world.net.reachable(a, b)
    }
    pub fn groups(&self) -> &[u8] {
        self.world.net.groups()
    }
    pub fn cut_links(&self) -> impl Iterator<Item = &(NodeId, NodeId)> {
        self.world.net.cut_links()
    }
    pub fn invariants(&self) -> &'static [InvariantInfo] {
        self.world.checker.invariants()
    }
    /// Violations found at or before the current position.
    pub fn violations(&self) -> impl Iterator<Item = &ViolationRecord> {
        let k = self.world.events;
        self.history.violations.iter().filter(move |v| v.event <= k)
    }
    pub fn log(&self) -> impl DoubleEndedIterator<Item = &LogLine> {
        self.log.iter()
    }
    /// The time of the next event, if any is due.
    pub fn next_event_time(&self) -> Option<Time> {
        if let Some(a) = self.next_recorded_action() {
            return Some(a.time);
        }
        self.scheduled().map(|s| s.time)
    }

    /// The earliest delivery, timer or request the clock would bring; never one under the
    /// manual schedule, where only recorded actions happen.
    fn scheduled(&self) -> Option<&Scheduled> {
        self.world.peek_live().filter(|_| !self.settings.manual)
    }

    fn progress_of(&self, i: usize) -> Progress {
        self.world.nodes[i]
            .as_ref()
            .map_or(Progress::default(), |s| self.proto.progress(s))
    }

    fn next_recorded_action(&self) -> Option<&ActionRecord> {
        let k = self.world.events;
        // Actions are sorted by event; the one at position k is the next thing to happen.
        let i = self.history.actions.partition_point(|a| a.event < k);
        self.history.actions.get(i).filter(|a| a.event == k)
    }

    /// Runs exactly one event: the next recorded user action (when replaying), else the
    /// earliest scheduled delivery, timer or client request. `None` when nothing is scheduled.
    pub fn step(&mut self) -> Option<StepReport> {
        while let Some(a) = self.next_recorded_action().cloned() {
            let pos = self.history.actions.partition_point(|x| x.event < a.event);
            if self.scheduled().is_some_and(|s| s.time < a.time) {
                // Only a hand-made list (a link, a file) can put an action after an event
                // that is due earlier; it moves one event later so time never runs backwards.
                self.history.actions[pos].event += 1;
                normalize(&mut self.history.actions);
                break;
            }
            if let Err(e) = self.validate_action(&a.action) {
                self.history.actions.remove(pos);
                self.skipped.push(format!(
                    "skipped '{}' at {}: {e}",
                    a.action,
                    crate::time::fmt_time(a.time)
                ));
                continue;
            }
            self.world.now = self.world.now.max(a.time);
            return Some(
                self.execute_action(a.action, true)
                    .expect("validated just before"),
            );
        }
        self.scheduled()?;
        let s = self.world.pop_live(&self.requests)?;
        self.world.now = s.time;
        Some(self.execute(s.item))
    }

    /// Runs every event due at or before `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: Time) -> Vec<Violation> {
        let mut found = Vec::new();
        while self.next_event_time().is_some_and(|nt| nt <= t) {
            if let Some(r) = self.step() {
                found.extend(r.violations);
            }
        }
        self.world.now = self.world.now.max(t);
        found
    }

    /// Like [`run_until`](Self::run_until) but stops right after the first violation.
    pub fn run_until_violation(&mut self, t: Time) -> Option<Violation> {
        while self.next_event_time().is_some_and(|nt| nt <= t) {
            if let Some(v) = self.step().and_then(|r| r.violations.into_iter().next()) {
                return Some(v);
            }
        }
        self.world.now = self.world.now.max(t);
        None
    }

    fn execute(&mut self, item: Item) -> StepReport {
        let now = self.world.now;
        let mut lines = Vec::new();
        let mut replies = Vec::new();
        let mut headline = String::new();
        let (record, changed) = match item {
            Item::Deliver(id) => {
                let m = self.world.inflight.remove(&id).expect("live");
                let lost = m.doomed.or_else(|| {
                    if self.world.nodes[m.to.idx()].is_none() {
                        Some(LossReason::ReceiverDown)
                    } else if !self.world.net.reachable(m.from, m.to) {
                        Some(LossReason::Partitioned)
                    } else {
                        None
                    }
                });
                if let Some(reason) = lost {
                    if self.narrating {
                        headline = format!(
                            "{} from {} to {} is lost: {}",
                            P::MESSAGE_KINDS[m.msg.kind()],
                            m.from,
                            m.to,
                            reason.describe()
                        );
                    }
                    let rec = EventKind::Loss {
                        msg: m.id,
                        from: m.from,
                        to: m.to,
                        kind: m.msg.kind() as u8,
                        reason,
                    };
                    self.kill(m, reason);
                    (rec, vec![])
                } else {
                    if self.narrating {
                        headline = format!("{} receives {} from {}", m.to, m.msg.label(), m.from);
                    }
                    let rec = EventKind::Deliver {
                        msg: m.id,
                        from: m.from,
                        to: m.to,
                        kind: m.msg.kind() as u8,
                    };
                    let to = m.to;
                    self.end_message(m.id);
                    self.deliver(m, &mut lines, &mut replies);
                    (rec, vec![to])
                }
            }
            Item::Timer(id) => {
                let t = self.world.timers.remove(&id).expect("live");
                self.world.timer_ids.remove(&(t.node, t.timer.clone()));
                if self.narrating {
                    headline = format!("{}'s {} timer fires", t.node, t.timer.label());
                }
                let node = t.node;
                self.fire(t, &mut lines, &mut replies);
                (EventKind::Timer { timer: id, node }, vec![node])
            }
            Item::ClientTick => {
                let every = self.settings.request_every.expect("ticks only when set");
                self.world.push(now + every, Item::ClientTick);
                let delta = self.world.rng.range(1, 9) as i64;
                let req = self.new_request(delta);
                let node = self.world.client;
                if self.narrating {
                    headline = format!(
                        "A client sends request #{} (counter += {delta}) to {node}",
                        req.id
                    );
                }
                self.request(node, req, 0, &mut lines, &mut replies);
                (
                    EventKind::Request {
                        request: req.id,
                        node,
                    },
                    vec![node],
                )
            }
            Item::KvInvoke { client } => {
                let (request, node) = self.invoke(client, &mut headline, &mut lines, &mut replies);
                (EventKind::Request { request, node }, vec![node])
            }
            Item::KvTimeout { client, .. } => {
                let (request, node) =
                    self.time_out(client, &mut headline, &mut lines, &mut replies);
                (EventKind::Request { request, node }, vec![node])
            }
            Item::ClientRetry {
                request,
                node,
                hops,
            } => {
                let req = *self
                    .requests
                    .get(request)
                    .expect("a retry follows its request");
                if req.op.is_some() {
                    self.kv_resent(request, node);
                }
                if self.narrating {
                    headline = format!("The client resends request #{request} to {node}");
                }
                self.request(node, req, hops, &mut lines, &mut replies);
                (EventKind::Request { request, node }, vec![node])
            }
        };
        let record = EventRecord::new(now, record);
        self.finish(record, changed, headline, lines, replies)
    }

    fn new_request(&mut self, delta: i64) -> Request {
        let req = Request::counter(self.world.next_request, delta);
        self.world.next_request += 1;
        self.requests.record(req);
        req
    }

    /// Hands a request to `node`; a down node makes the client try the next one.
    fn request(
        &mut self,
        node: NodeId,
        req: Request,
        hops: u8,
        lines: &mut Vec<String>,
        replies: &mut Vec<(NodeId, u64, Reply)>,
    ) {
        if self.world.nodes[node.idx()].is_none() && req.op.is_some() {
            self.kv_refused(node, req.id, hops, lines);
            return;
        }
        if self.world.nodes[node.idx()].is_none() {
            let next = NodeId::from_idx(node.0 as usize % self.settings.nodes);
            self.world.client = next;
            if self.narrating {
                lines.push(format!(
                    "{node} is down; the client will try {next} for its next request"
                ));
            }
            return;
        }
        let mut out = Out::new(self.narrating);
        let s = self.world.nodes[node.idx()].as_mut().expect("up");
        self.proto.on_request(s, req, &mut out);
        self.handle(node, out, lines, replies, hops);
    }

    fn fire(
        &mut self,
        t: PendingTimer<P::Timer>,
        lines: &mut Vec<String>,
        replies: &mut Vec<(NodeId, u64, Reply)>,
    ) {
        let mut out = Out::new(self.narrating);
        let s = self.world.nodes[t.node.idx()]
            .as_mut()
            .expect("timers die with their node");
        self.proto.on_timer(s, t.timer, &mut out);
        self.handle(t.node, out, lines, replies, 0);
    }

    fn deliver(
        &mut self,
        m: InFlight<P::Msg>,
        lines: &mut Vec<String>,
        replies: &mut Vec<(NodeId, u64, Reply)>,
    ) {
        let mut out = Out::new(self.narrating);
        let Some(s) = self.world.nodes[m.to.idx()].as_mut() else {
            return;
        };
        self.proto.on_msg(s, m.from, m.msg, &mut out);
        self.handle(m.to, out, lines, replies, 0);
    }

    fn start(
        &mut self,
        id: NodeId,
        lines: &mut Vec<String>,
        replies: &mut Vec<(NodeId, u64, Reply)>,
    ) {
        let mut out = Out::new(self.narrating);
        let state = self
            .proto
            .on_start(id, &self.world.durable[id.idx()], &mut out);
        self.world.nodes[id.idx()] = Some(state);
        self.world.last_seen[id.idx()] = None;
        self.handle(id, out, lines, replies, 0);
    }

    fn handle(
        &mut self,
        node: NodeId,
        out: Out<P>,
        lines: &mut Vec<String>,
        replies: &mut Vec<(NodeId, u64, Reply)>,
        hops: u8,
    ) {
        let mut new_replies = Vec::new();
        self.world
            .apply_effects(&mut self.history, node, out, lines, &mut new_replies);
        for (from, request, reply) in new_replies {
            let kv = self.requests.get(request).is_some_and(|r| r.op.is_some());
            if kv {
                self.kv_reply(from, request, &reply, hops, lines);
                replies.push((from, request, reply));
                continue;
            }
            match &reply {
                Reply::Committed { .. } => self.world.acked += 1,
                Reply::Redirect(to) => {
                    let target = to.unwrap_or_else(|| {
                        NodeId::from_idx(usize::from(from.0) % self.settings.nodes)
                    });
                    self.world.client = target;
                    // Bounded so two nodes with stale hints cannot bounce a request forever.
                    if usize::from(hops) < 2 * self.settings.nodes {
                        // A redirect costs the client a round trip.
                        let at = self.world.now + self.world.net.settings.latency_min;
                        self.world.push(
                            at,
                            Item::ClientRetry {
                                request,
                                node: target,
                                hops: hops + 1,
                            },
                        );
                    }
                }
                Reply::Rejected(_) | Reply::Applied { .. } => {}
            }
            replies.push((from, request, reply));
        }
    }

    /// A message dies: it is remembered for a moment so the view can show where.
    fn kill(&mut self, m: InFlight<P::Msg>, reason: LossReason) {
        self.end_message(m.id);
        self.world.remember_drop(m, reason);
    }

    fn end_message(&mut self, id: MsgId) {
        if let Some(sent) = self.history.sent.get(id as usize - 1) {
            let travel = self.world.now - sent;
            self.history.max_travel = self.history.max_travel.max(travel);
        }
    }

    /// Ends an event: checks the invariants, records it, hashes it, narrates it.
    fn finish(
        &mut self,
        record: EventRecord,
        changed: Vec<NodeId>,
        headline: String,
        lines: Vec<String>,
        replies: Vec<(NodeId, u64, Reply)>,
    ) -> StepReport {
        self.world.prune(&self.requests);
        // Taken before any checkpoint, so a restored world starts with none.
        let persisted = std::mem::take(&mut self.world.persisted);
        for &id in &changed {
            self.after_handler(id);
        }
        let w = &mut self.world;
        let ctx = CheckCtx {
            proto: &self.proto,
            nodes: &w.nodes,
            durable: &w.durable,
            changed: &changed,
            replies: &replies,
            requests: &self.requests,
        };
        let mut violations = w.checker.check(&ctx);
        violations.retain(|v| w.violated.insert(v.invariant.clone()));
        w.events += 1;
        w.hash = mix(w.hash, record.time);
        w.hash = mix(w.hash, hash_kind(&record.kind()));
        let index = w.events;
        let new_event = index > self.history.events.len() as u64;
        let is_action = self
            .history
            .actions
            .binary_search_by_key(&(index - 1), |a| a.event)
            .is_ok();
        self.record_client_events(index, new_event);
        if new_event {
            self.history.events.push(record);
            for v in &violations {
                self.history.violations.push(ViolationRecord {
                    event: index,
                    time: record.time,
                    violation: v.clone(),
                });
                self.history.markers.push(Marker {
                    event: index,
                    time: record.time,
                    kind: MarkerKind::Violation {
                        invariant: v.invariant.clone(),
                    },
                });
            }
        }
        self.maybe_checkpoint(index);
        let report = StepReport {
            index,
            record,
            headline,
            lines,
            violations,
            replies,
            persisted,
        };
        if self.narrating {
            self.log_event(&report, &changed, is_action);
        }
        report
    }
}

fn hash_kind(k: &EventKind) -> u64 {
    match *k {
        EventKind::Deliver {
            msg,
            from,
            to,
            kind,
        } => msg << 24 | u64::from(from.0) << 16 | u64::from(to.0) << 8 | u64::from(kind),
        EventKind::Loss {
            msg,
            from,
            to,
            kind,
            reason,
        } => {
            (msg << 24 | u64::from(from.0) << 16 | u64::from(to.0) << 8 | u64::from(kind))
                ^ (reason as u64 + 101)
        }
        EventKind::Timer { timer, node } => (timer << 8 | u64::from(node.0)) ^ 0x5555,
        EventKind::Request { request, node } => (request << 8 | u64::from(node.0)) ^ 0xaaaa,
        EventKind::Action { index } => u64::from(index) ^ 0xffff_0000,
    }
}
