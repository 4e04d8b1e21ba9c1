//! The deterministic discrete-event simulator.
//!
//! It owns the clock, the one RNG, the network, the faults and the history; protocols only see
//! events. Every random draw happens here in a fixed order, so a trace is a pure function of
//! (settings, seed, user actions). Time travel restores a periodic checkpoint of the whole world
//! and replays from it.

pub mod history;
pub mod rng;
pub mod view;

use crate::catalog::{Model, NetworkSettings, Progress, Settings};
use crate::invariants::{CheckCtx, Checker, InvariantInfo, Violation};
use crate::node::{Effect, Message, NodeId, NodeSummary, Out, Reply, Request, Time, TimerKind, MS};
use history::*;
use rng::SimRng;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};

/// Events between checkpoints: a seek replays at most this many.
pub const CHECKPOINT_EVERY: u64 = 4096;
/// Narrated lines kept for the event log.
pub const LOG_LINES: usize = 400;
/// The network's capacity: messages sent while this many are in flight are lost. Only
/// extreme settings (many nodes, tiny timeouts, huge latency) get near it; it keeps memory
/// bounded whatever the settings.
pub const MAX_IN_FLIGHT: usize = 20_000;
/// How long a dropped message stays visible where it died.
pub const DROP_FADE: Time = 400 * MS;

#[derive(Clone, Debug)]
pub struct InFlight<M> {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    pub msg: M,
    pub sent: Time,
    pub deliver_at: Time,
    /// Set when the network will lose it: it dies at `deliver_at`, on its way.
    pub doomed: Option<LossReason>,
    seq: u64,
}

#[derive(Clone, Debug)]
pub struct PendingTimer<T> {
    pub id: TimerId,
    pub node: NodeId,
    pub timer: T,
    pub set_at: Time,
    pub fires_at: Time,
    pub min: Time,
    pub max: Time,
    seq: u64,
}

/// A message that died recently, kept so the view can show where.
#[derive(Clone, Debug)]
pub struct Dropped<M> {
    pub flight: InFlight<M>,
    pub died_at: Time,
    pub reason: LossReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Deliver(MsgId),
    Timer(TimerId),
    ClientTick,
    /// The client resends a redirected request.
    ClientRetry {
        request: u64,
        node: NodeId,
        hops: u8,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Scheduled {
    time: Time,
    seq: u64,
    item: Item,
}

/// Everything that changes as the run goes on; a checkpoint is a clone of it.
#[derive(Clone, Debug)]
struct World<P: Model> {
    now: Time,
    events: u64,
    seq: u64,
    next_msg: MsgId,
    next_timer: TimerId,
    next_request: u64,
    rng: SimRng,
    nodes: Vec<Option<P::State>>,
    durable: Vec<P::Durable>,
    /// How each node looked when it crashed.
    last_seen: Vec<Option<NodeSummary>>,
    progress: Vec<Progress>,
    queue: BinaryHeap<Reverse<Scheduled>>,
    inflight: BTreeMap<MsgId, InFlight<P::Msg>>,
    timers: BTreeMap<TimerId, PendingTimer<P::Timer>>,
    timer_ids: BTreeMap<(NodeId, P::Timer), TimerId>,
    network: NetworkSettings,
    /// Partition group of each node; nodes talk only within a group.
    groups: Vec<u8>,
    /// Single cut links, stored with the smaller id first.
    cut: BTreeSet<(NodeId, NodeId)>,
    /// Whom the client sends to next.
    client: NodeId,
    requests: imbl::OrdMap<u64, Request>,
    acked: u64,
    /// Invariants already reported: each is reported once, at its first violation.
    violated: BTreeSet<String>,
    committed_max: u64,
    checker: P::Checker,
    drops: VecDeque<Dropped<P::Msg>>,
    /// Messages lost because the network was at capacity.
    overflowed: u64,
    hash: u64,
}

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
}

/// A narrated event, for the app's event log.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LogLine {
    pub index: u64,
    pub time: Time,
    pub node: Option<NodeId>,
    /// "message", "timer", "request", "loss", "action"
    pub category: &'static str,
    pub headline: String,
    pub lines: Vec<String>,
    pub violation: bool,
}

pub struct Simulation<P: Model> {
    settings: Settings,
    proto: P,
    world: World<P>,
    history: History,
    checkpoints: Vec<(u64, World<P>)>,
    narrating: bool,
    log: VecDeque<LogLine>,
    skipped: Vec<String>,
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
        let mut world = World {
            now: 0,
            events: 0,
            seq: 0,
            next_msg: 1,
            next_timer: 1,
            next_request: 1,
            rng: SimRng::new(settings.seed),
            nodes: vec![None; n],
            durable: vec![P::Durable::default(); n],
            last_seen: vec![None; n],
            progress: vec![Progress::default(); n],
            queue: BinaryHeap::new(),
            inflight: BTreeMap::new(),
            timers: BTreeMap::new(),
            timer_ids: BTreeMap::new(),
            network: settings.network.clone(),
            groups: vec![0; n],
            cut: BTreeSet::new(),
            client: proto.client_target(),
            requests: imbl::OrdMap::new(),
            acked: 0,
            violated: BTreeSet::new(),
            committed_max: 0,
            checker: P::Checker::default(),
            drops: VecDeque::new(),
            overflowed: 0,
            hash: 0xcbf2_9ce4_8422_2325,
        };
        let mut sim_history = History::default();
        // Start-up is not an event: every node boots at time 0, in id order.
        for id in NodeId::all(n) {
            let mut out = Out::new(true);
            let state = proto.on_start(id, &world.durable[id.idx()], &mut out);
            world.nodes[id.idx()] = Some(state);
            Self::effects(
                &mut world,
                &mut sim_history,
                id,
                out,
                &mut Vec::new(),
                &mut Vec::new(),
            );
        }
        if let Some(every) = settings.request_every {
            world.seq += 1;
            world.queue.push(Reverse(Scheduled {
                time: every,
                seq: world.seq,
                item: Item::ClientTick,
            }));
        }
        let mut sim = Simulation {
            settings,
            proto,
            world,
            history: sim_history,
            checkpoints: Vec::new(),
            narrating: true,
            log: VecDeque::new(),
            skipped: Vec::new(),
        };
        for i in 0..n {
            sim.world.progress[i] = sim.progress_of(i);
        }
        sim.prune();
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
        &self.world.network
    }
    pub fn can_reach(&self, a: NodeId, b: NodeId) -> bool {
        reachable(&self.world, a, b)
    }
    pub fn groups(&self) -> &[u8] {
        &self.world.groups
    }
    pub fn cut_links(&self) -> impl Iterator<Item = &(NodeId, NodeId)> {
        self.world.cut.iter()
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
        self.peek_live().map(|s| s.time)
    }
    /// The furthest point this run has reached.
    pub fn horizon(&self) -> (u64, Time) {
        let k = self.history.events.len() as u64;
        (k, self.history.events.last().map_or(0, |e| e.time))
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

    /// The next live queue entry. Stale entries (cancelled timers, delivered or dropped
    /// messages) are pruned off the top after every event, so this is the heap's top.
    fn peek_live(&self) -> Option<&Scheduled> {
        self.world.queue.peek().map(|Reverse(s)| s)
    }

    fn pop_live(&mut self) -> Option<Scheduled> {
        let top = self.world.queue.pop().map(|Reverse(s)| s);
        self.prune();
        top
    }

    fn prune(&mut self) {
        while let Some(Reverse(s)) = self.world.queue.peek() {
            if is_live(&self.world, s) {
                break;
            }
            self.world.queue.pop();
        }
    }

    /// Runs exactly one event: the next recorded user action (when replaying), else the
    /// earliest scheduled delivery, timer or client request. `None` when nothing is scheduled.
    pub fn step(&mut self) -> Option<StepReport> {
        while let Some(a) = self.next_recorded_action().cloned() {
            let pos = self.history.actions.partition_point(|x| x.event < a.event);
            if self.peek_live().is_some_and(|s| s.time < a.time) {
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
                    a.action.describe(),
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
        let s = self.pop_live()?;
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
        }
        self.execute_action(action, false)
    }

    fn validate_action(&self, action: &Action) -> Result<(), String> {
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
                if !reachable(w, m.from, m.to) {
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
            Action::RestartAll | Action::Heal | Action::AlignTimers | Action::SpreadTimers => {}
        }
        Ok(())
    }

    fn execute_action(&mut self, action: Action, replaying: bool) -> Result<StepReport, String> {
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
            headline = format!("You: {}", action.describe());
        }
        let mut lines = Vec::new();
        let mut changed = Vec::new();
        let mut replies = Vec::new();
        let now = self.world.now;
        match action.clone() {
            Action::Crash { node } => {
                self.crash(node);
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
            Action::Partition { groups } => {
                let w = &mut self.world;
                w.groups = vec![0; self.settings.nodes];
                for (gi, g) in groups.iter().enumerate() {
                    for id in g {
                        w.groups[id.idx()] = gi as u8 + 1;
                    }
                }
            }
            Action::Isolate { node } => {
                let w = &mut self.world;
                let fresh = w.groups.iter().copied().max().unwrap_or(0) + 1;
                w.groups[node.idx()] = fresh;
            }
            Action::CutLink { a, b } => {
                self.world.cut.insert((a.min(b), a.max(b)));
            }
            Action::Heal => {
                self.world.groups.iter_mut().for_each(|g| *g = 0);
                self.world.cut.clear();
            }
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
                let latency = self.draw_latency();
                self.launch(m.from, m.to, m.msg, latency, None);
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
            Action::SetNetwork { network } => self.world.network = network,
            Action::AlignTimers => {
                let at = now + self.settings.election_timeout.0;
                let ids: Vec<TimerId> = self.world.timers.keys().copied().collect();
                for id in ids {
                    self.reschedule(id, at);
                }
            }
            Action::SpreadTimers => {
                let ids: Vec<TimerId> = self.world.timers.keys().copied().collect();
                for id in ids {
                    let t = &self.world.timers[&id];
                    let (min, max) = (t.min, t.max);
                    let at = now + self.world.rng.range(min, max);
                    self.reschedule(id, at);
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
                    text: action.describe(),
                },
            });
        }
        Ok(self.finish(record, changed, headline, lines, replies))
    }

    fn reschedule(&mut self, id: TimerId, at: Time) {
        self.world.seq += 1;
        let seq = self.world.seq;
        let t = self.world.timers.get_mut(&id).expect("pending");
        t.fires_at = at;
        t.seq = seq;
        self.world.queue.push(Reverse(Scheduled {
            time: at,
            seq,
            item: Item::Timer(id),
        }));
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
                    } else if !reachable(&self.world, m.from, m.to) {
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
                self.push(now + every, Item::ClientTick);
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
            Item::ClientRetry {
                request,
                node,
                hops,
            } => {
                let req = self.world.requests[&request];
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
        let req = Request {
            id: self.world.next_request,
            delta,
        };
        self.world.next_request += 1;
        self.world.requests.insert(req.id, req);
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

    fn crash(&mut self, id: NodeId) {
        let w = &mut self.world;
        let state = w.nodes[id.idx()].take().expect("validated: up");
        w.last_seen[id.idx()] = Some(self.proto.summary(&state));
        let gone: Vec<TimerId> = w
            .timers
            .values()
            .filter(|t| t.node == id)
            .map(|t| t.id)
            .collect();
        for tid in gone {
            let t = w.timers.remove(&tid).expect("listed");
            w.timer_ids.remove(&(t.node, t.timer));
        }
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
        Self::effects(
            &mut self.world,
            &mut self.history,
            node,
            out,
            lines,
            &mut new_replies,
        );
        for (from, request, reply) in new_replies {
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
                        let at = self.world.now + self.world.network.latency_min;
                        self.push(
                            at,
                            Item::ClientRetry {
                                request,
                                node: target,
                                hops: hops + 1,
                            },
                        );
                    }
                }
                Reply::Rejected(_) => {}
            }
            replies.push((from, request, reply));
        }
    }

    /// Carries out a handler's effects in order. An associated function so start-up can use
    /// it before the simulation exists.
    fn effects(
        w: &mut World<P>,
        history: &mut History,
        node: NodeId,
        out: Out<P>,
        lines: &mut Vec<String>,
        replies: &mut Vec<(NodeId, u64, Reply)>,
    ) {
        for e in out.effects {
            match e {
                Effect::Send { to, msg } => {
                    let latency = draw_latency(w);
                    launch(w, history, node, to, msg, latency, None);
                }
                Effect::SetTimer { timer, min, max } => {
                    if let Some(old) = w.timer_ids.remove(&(node, timer.clone())) {
                        w.timers.remove(&old);
                    }
                    let fires_at = w.now + w.rng.range(min, max);
                    let id = w.next_timer;
                    w.next_timer += 1;
                    w.seq += 1;
                    w.timers.insert(
                        id,
                        PendingTimer {
                            id,
                            node,
                            timer: timer.clone(),
                            set_at: w.now,
                            fires_at,
                            min,
                            max,
                            seq: w.seq,
                        },
                    );
                    w.timer_ids.insert((node, timer), id);
                    w.queue.push(Reverse(Scheduled {
                        time: fires_at,
                        seq: w.seq,
                        item: Item::Timer(id),
                    }));
                }
                Effect::CancelTimer(timer) => {
                    if let Some(old) = w.timer_ids.remove(&(node, timer)) {
                        w.timers.remove(&old);
                    }
                }
                Effect::Persist(d) => w.durable[node.idx()] = d,
                Effect::Reply { request, reply } => replies.push((node, request, reply)),
                Effect::Narrate(line) => lines.push(line),
            }
        }
    }

    fn push(&mut self, time: Time, item: Item) {
        self.world.seq += 1;
        self.world.queue.push(Reverse(Scheduled {
            time,
            seq: self.world.seq,
            item,
        }));
    }

    fn draw_latency(&mut self) -> Time {
        draw_latency(&mut self.world)
    }

    fn launch(
        &mut self,
        from: NodeId,
        to: NodeId,
        msg: P::Msg,
        latency: Time,
        doomed: Option<LossReason>,
    ) {
        launch(
            &mut self.world,
            &mut self.history,
            from,
            to,
            msg,
            latency,
            doomed,
        );
    }

    /// A message dies: it is remembered for a moment so the view can show where.
    fn kill(&mut self, m: InFlight<P::Msg>, reason: LossReason) {
        let now = self.world.now;
        self.end_message(m.id);
        let drops = &mut self.world.drops;
        while drops.front().is_some_and(|d| d.died_at + DROP_FADE < now) {
            drops.pop_front();
        }
        drops.push_back(Dropped {
            flight: m,
            died_at: now,
            reason,
        });
    }

    fn end_message(&mut self, id: MsgId) {
        if let Some(&sent) = self.history.sent.get(id as usize - 1) {
            let travel = self.world.now - sent;
            self.history.max_travel = self.history.max_travel.max(travel);
        }
    }

    /// Bookkeeping after a node's handler ran: progress markers for the timeline.
    fn after_handler(&mut self, id: NodeId) {
        let i = id.idx();
        let before = self.world.progress[i];
        let after = self.progress_of(i);
        self.world.progress[i] = after;
        let new_event = self.world.events + 1 > self.history.events.len() as u64;
        if !new_event {
            return;
        }
        if after.leader && (!before.leader || before.term != after.term) {
            self.history.markers.push(Marker {
                event: self.world.events + 1,
                time: self.world.now,
                kind: MarkerKind::Leader {
                    node: id,
                    term: after.term,
                },
            });
        }
        if after.committed > self.world.committed_max {
            self.world.committed_max = after.committed;
            self.history.markers.push(Marker {
                event: self.world.events + 1,
                time: self.world.now,
                kind: MarkerKind::Commit {
                    committed: after.committed,
                },
            });
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
        self.prune();
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
            requests: &w.requests,
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
        if new_event {
            push_tight(&mut self.history.events, record);
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
        // A checkpoint costs about as much as what is in flight; spacing them by at least
        // eight events per message keeps memory linear even when a run floods the network.
        let last = self.checkpoints.last().map_or(0, |c| c.0);
        let every =
            CHECKPOINT_EVERY.max(8 * (self.world.inflight.len() + self.world.queue.len()) as u64);
        if index >= last + every {
            self.checkpoints.push((index, self.world.clone()));
        }
        if self.narrating {
            let node = record.node().or_else(|| changed.first().copied());
            let category = if is_action {
                "action"
            } else {
                match record.kind() {
                    EventKind::Deliver { .. } => "message",
                    EventKind::Loss { .. } => "loss",
                    EventKind::Timer { .. } => "timer",
                    EventKind::Request { .. } => "request",
                    EventKind::Action { .. } => "action",
                }
            };
            let mut all = lines.clone();
            all.extend(
                violations
                    .iter()
                    .map(|v| format!("VIOLATION of {}: {}", v.invariant, v.explanation)),
            );
            if self.log.len() == LOG_LINES {
                self.log.pop_front();
            }
            self.log.push_back(LogLine {
                index,
                time: record.time,
                node,
                category,
                headline: headline.clone(),
                lines: all,
                violation: !violations.is_empty(),
            });
        }
        StepReport {
            index,
            record,
            headline,
            lines,
            violations,
            replies,
        }
    }

    /// Moves to the state right after event `k` (0 = the start), backwards or forwards.
    pub fn seek_event(&mut self, k: u64) {
        let far = k < self.world.events || k - self.world.events > CHECKPOINT_EVERY;
        if far {
            // Start early enough that replaying also refills the event log.
            let want = k.saturating_sub(LOG_LINES as u64);
            let i = self.checkpoints.partition_point(|(e, _)| *e <= want);
            self.world = self.checkpoints[i.saturating_sub(1)].1.clone();
            self.log.clear();
        }
        let narrating = self.narrating;
        while self.world.events < k {
            // Only the events the log will show need sentences.
            self.narrating = narrating && k - self.world.events <= LOG_LINES as u64;
            if self.step().is_none() {
                break;
            }
        }
        self.narrating = narrating;
    }

    /// Moves to virtual time `t`: every event at or before `t` has happened. Beyond the
    /// furthest point reached, the run goes on.
    pub fn seek_time(&mut self, t: Time) {
        let (horizon, horizon_t) = self.horizon();
        if t >= horizon_t {
            if self.world.events < horizon {
                self.seek_event(horizon);
            }
            self.run_until(t);
        } else {
            self.seek_event(self.history.events_until(t));
            self.world.now = self.world.now.max(t);
        }
    }

    /// One event back.
    pub fn step_back(&mut self) {
        if self.world.events > 0 {
            self.seek_event(self.world.events - 1);
        }
    }
}

/// Every action is its own event, so their event numbers must strictly increase.
fn normalize(actions: &mut [ActionRecord]) {
    for i in 1..actions.len() {
        let before = actions[i - 1].event;
        if actions[i].event <= before {
            actions[i].event = before + 1;
        }
    }
}

/// Pushes with at most 1/8 spare capacity: an hour's history is tens of megabytes, and
/// doubling would hold up to twice that.
fn push_tight<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        v.reserve_exact(v.len() / 8 + 1024);
    }
    v.push(x);
}

fn is_live<P: Model>(w: &World<P>, s: &Scheduled) -> bool {
    match s.item {
        Item::Deliver(id) => w.inflight.get(&id).is_some_and(|m| m.seq == s.seq),
        Item::Timer(id) => w.timers.get(&id).is_some_and(|t| t.seq == s.seq),
        Item::ClientTick | Item::ClientRetry { .. } => true,
    }
}

fn reachable<P: Model>(w: &World<P>, a: NodeId, b: NodeId) -> bool {
    w.groups[a.idx()] == w.groups[b.idx()] && !w.cut.contains(&(a.min(b), a.max(b)))
}

fn draw_latency<P: Model>(w: &mut World<P>) -> Time {
    let (lo, hi) = (w.network.latency_min, w.network.latency_max);
    w.rng.range(lo, hi)
}

/// Puts a message on the wire. The network decides now, with fixed draws in a fixed order,
/// whether it is lost (and where it dies) and whether it is duplicated.
fn launch<P: Model>(
    w: &mut World<P>,
    history: &mut History,
    from: NodeId,
    to: NodeId,
    msg: P::Msg,
    latency: Time,
    doomed: Option<LossReason>,
) {
    if w.inflight.len() >= MAX_IN_FLIGHT {
        w.overflowed += 1;
        return;
    }
    let mut doomed = doomed;
    let mut travel = latency;
    if doomed.is_none() && w.rng.chance(w.network.loss_ppm) {
        doomed = Some(LossReason::Lost);
        travel = w.rng.range(latency / 4, latency * 3 / 4);
    } else if doomed.is_none() && !reachable(w, from, to) {
        // It dies at the cut, half way.
        doomed = Some(LossReason::Partitioned);
        travel = latency / 2;
    }
    let duplicate = w.rng.chance(w.network.dup_ppm);
    let id = w.next_msg;
    w.next_msg += 1;
    w.seq += 1;
    if history.sent.len() as u64 == id - 1 {
        push_tight(&mut history.sent, w.now);
    }
    w.inflight.insert(
        id,
        InFlight {
            id,
            from,
            to,
            msg: msg.clone(),
            sent: w.now,
            deliver_at: w.now + travel,
            doomed,
            seq: w.seq,
        },
    );
    w.queue.push(Reverse(Scheduled {
        time: w.now + travel,
        seq: w.seq,
        item: Item::Deliver(id),
    }));
    if duplicate {
        let latency = draw_latency(w);
        launch(w, history, from, to, msg, latency, None);
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
