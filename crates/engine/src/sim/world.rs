//! The world: everything that changes as a run goes on (clock, nodes, stable storage, the
//! event queue, messages in flight, timers, the network, the client, the checker's memory), and
//! the mutations the simulator makes to it. A checkpoint is a clone of it.

use super::clock::{self, Rate};
use super::history::{History, LossReason, MsgId, TimerId};
use super::network::Network;
use super::rng::SimRng;
use crate::catalog::{Model, Progress, Settings, Workload};
use crate::invariants::{Checker, Requests};
use crate::lin::OpId;
use crate::node::{Effect, NodeId, NodeSummary, Out, Reply, Time, MS};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};

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
    pub(super) seq: u64,
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
    pub(super) seq: u64,
}
/// A message that died recently, kept so the view can show where.
#[derive(Clone, Debug)]
pub struct Dropped<M> {
    pub flight: InFlight<M>,
    pub died_at: Time,
    pub reason: LossReason,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Item {
    Deliver(MsgId),
    Timer(TimerId),
    ClientTick,
    /// A key-value client invokes its next operation.
    KvInvoke {
        client: u8,
    },
    /// A key-value client gives up waiting for `request` (live while it still waits).
    KvTimeout {
        client: u8,
        request: u64,
    },
    /// The client resends a redirected request.
    ClientRetry {
        request: u64,
        node: NodeId,
        hops: u8,
    },
}
/// A key-value client: the server it talks to and the operation it waits for, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KvClient {
    pub target: NodeId,
    pub pending: Option<Pending>,
    /// The newest position of the replicated state its answers came from: a server answering
    /// from an older one is turned down, as ZooKeeper's clients carry their last zxid seen.
    pub seen: u64,
}

/// An operation a client invoked and waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    pub request: u64,
    pub op: OpId,
    /// Where it was last sent.
    pub server: NodeId,
}

impl KvClient {
    pub fn waits_for(&self, request: u64) -> bool {
        self.pending.is_some_and(|p| p.request == request)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Scheduled {
    pub(super) time: Time,
    pub(super) seq: u64,
    pub(super) item: Item,
}
/// Everything that changes as the run goes on; a checkpoint is a clone of it.
#[derive(Clone, Debug)]
pub(super) struct World<P: Model> {
    pub(super) now: Time,
    pub(super) events: u64,
    pub(super) seq: u64,
    pub(super) next_msg: MsgId,
    pub(super) next_timer: TimerId,
    pub(super) next_request: u64,
    pub(super) rng: SimRng,
    pub(super) nodes: Vec<Option<P::State>>,
    pub(super) durable: Vec<P::Durable>,
    /// How each node looked when it crashed.
    pub(super) last_seen: Vec<Option<NodeSummary>>,
    pub(super) progress: Vec<Progress>,
    pub(super) queue: BinaryHeap<Reverse<Scheduled>>,
    pub(super) inflight: BTreeMap<MsgId, InFlight<P::Msg>>,
    pub(super) timers: BTreeMap<TimerId, PendingTimer<P::Timer>>,
    pub(super) timer_ids: BTreeMap<(NodeId, P::Timer), TimerId>,
    pub(super) net: Network,
    /// Whom the client sends to next.
    pub(super) client: NodeId,
    /// Each link delivers in the order it sent (TCP), with the latest arrival per link: on
    /// under `workload=kv` (see [`World::launch`]).
    pub(super) fifo: bool,
    pub(super) link_last: BTreeMap<(NodeId, NodeId), Time>,
    /// The key-value clients (`workload=kv`); none otherwise.
    pub(super) clients: Vec<KvClient>,
    /// The id the next client operation gets in the client history.
    pub(super) next_op: OpId,
    pub(super) acked: u64,
    /// Invariants already reported: each is reported once, at its first violation.
    pub(super) violated: BTreeSet<String>,
    pub(super) committed_max: u64,
    pub(super) checker: P::Checker,
    pub(super) drops: VecDeque<Dropped<P::Msg>>,
    /// Messages lost because the network was at capacity.
    pub(super) overflowed: u64,
    pub(super) hash: u64,
    /// Nodes that wrote stable storage during the current event, each once, for its report.
    pub(super) persisted: Vec<NodeId>,
    /// Each node's clock rate under the `drift` setting; empty when every clock keeps time.
    pub(super) rates: Vec<Rate>,
}
impl<P: Model> World<P> {
    /// Every node down with empty storage, nothing scheduled: the simulator then boots them.
    pub(super) fn new(settings: &Settings, proto: &P) -> Self {
        // The protocol, built from these settings, is the one that knows its cluster's size.
        let n = proto.cluster_size();
        World {
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
            net: Network::new(settings.network.clone(), n),
            client: proto.client_target(),
            fifo: settings.workload == Workload::Kv,
            link_last: BTreeMap::new(),
            clients: Vec::new(),
            next_op: 0,
            acked: 0,
            violated: BTreeSet::new(),
            committed_max: 0,
            checker: {
                let mut c = P::Checker::default();
                if settings.network.loss_ppm > 0 || settings.network.dup_ppm > 0 {
                    c.network_fault();
                }
                c
            },
            drops: VecDeque::new(),
            overflowed: 0,
            hash: 0xcbf2_9ce4_8422_2325,
            persisted: Vec::new(),
            rates: clock::draw_rates(settings.seed, n, settings.drift_ppm),
        }
    }

    /// `node`'s clock rate.
    pub(super) fn rate(&self, node: NodeId) -> Rate {
        self.rates
            .get(node.idx())
            .copied()
            .unwrap_or(clock::TRUE_RATE)
    }

    /// When a timer `node` sets now for `local` of its own time fires, in global time.
    pub(super) fn timer_deadline(&self, node: NodeId, local: Time) -> Time {
        self.now + clock::global_delay(local, self.rate(node))
    }

    fn waits_for(&self, client: u8, request: u64) -> bool {
        self.clients
            .get(usize::from(client))
            .is_some_and(|c| c.waits_for(request))
    }

    pub(super) fn push(&mut self, time: Time, item: Item) {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled {
            time,
            seq: self.seq,
            item,
        }));
    }

    /// A queue entry is stale once its timer was cancelled or re-armed, or its message ended.
    /// `requests` are those issued so far, which the simulator keeps beside the world.
    fn is_live(&self, s: &Scheduled, requests: &Requests) -> bool {
        match s.item {
            Item::Deliver(id) => self.inflight.get(&id).is_some_and(|m| m.seq == s.seq),
            Item::Timer(id) => self.timers.get(&id).is_some_and(|t| t.seq == s.seq),
            Item::ClientTick | Item::KvInvoke { .. } => true,
            Item::KvTimeout { client, request } => self.waits_for(client, request),
            // A key-value client resends only what it still waits for.
            Item::ClientRetry { request, .. } => requests.get(request).is_none_or(|r| {
                r.op.is_none() || self.clients.iter().any(|c| c.waits_for(request))
            }),
        }
    }

    /// The next live queue entry. Stale entries (cancelled timers, delivered or dropped
    /// messages) are pruned off the top after every event, so this is the heap's top.
    pub(super) fn peek_live(&self) -> Option<&Scheduled> {
        self.queue.peek().map(|Reverse(s)| s)
    }

    pub(super) fn pop_live(&mut self, requests: &Requests) -> Option<Scheduled> {
        let top = self.queue.pop().map(|Reverse(s)| s);
        self.prune(requests);
        top
    }

    pub(super) fn prune(&mut self, requests: &Requests) {
        while let Some(Reverse(s)) = self.queue.peek() {
            if self.is_live(s, requests) {
                break;
            }
            self.queue.pop();
        }
    }

    /// Moves a pending timer to fire at `at`; its old queue entry goes stale.
    pub(super) fn reschedule(&mut self, id: TimerId, at: Time) {
        self.seq += 1;
        let seq = self.seq;
        let t = self.timers.get_mut(&id).expect("pending");
        t.fires_at = at;
        t.seq = seq;
        self.queue.push(Reverse(Scheduled {
            time: at,
            seq,
            item: Item::Timer(id),
        }));
    }

    /// A node goes down: its volatile state and timers are gone, its storage stays.
    pub(super) fn crash(&mut self, id: NodeId, proto: &P) {
        let state = self.nodes[id.idx()].take().expect("validated: up");
        self.last_seen[id.idx()] = Some(proto.summary(&state));
        let gone: Vec<TimerId> = self
            .timers
            .values()
            .filter(|t| t.node == id)
            .map(|t| t.id)
            .collect();
        for tid in gone {
            let t = self.timers.remove(&tid).expect("listed");
            self.timer_ids.remove(&(t.node, t.timer));
        }
    }

    /// Carries out a handler's effects in order: sends, timers, stable storage, replies and
    /// narration.
    pub(super) fn apply_effects(
        &mut self,
        history: &mut History,
        node: NodeId,
        out: Out<P>,
        lines: &mut Vec<String>,
        replies: &mut Vec<(NodeId, u64, Reply)>,
    ) {
        for e in out.effects {
            match e {
                Effect::Send { to, msg } => {
                    let latency = self.net.draw_latency(&mut self.rng);
                    self.launch(history, node, to, msg, latency);
                }
                Effect::SetTimer { timer, min, max } => {
                    if let Some(old) = self.timer_ids.remove(&(node, timer.clone())) {
                        self.timers.remove(&old);
                    }
                    let local = self.rng.range(min, max);
                    let fires_at = self.timer_deadline(node, local);
                    let id = self.next_timer;
                    self.next_timer += 1;
                    self.seq += 1;
                    self.timers.insert(
                        id,
                        PendingTimer {
                            id,
                            node,
                            timer: timer.clone(),
                            set_at: self.now,
                            fires_at,
                            min,
                            max,
                            seq: self.seq,
                        },
                    );
                    self.timer_ids.insert((node, timer), id);
                    self.queue.push(Reverse(Scheduled {
                        time: fires_at,
                        seq: self.seq,
                        item: Item::Timer(id),
                    }));
                }
                Effect::CancelTimer(timer) => {
                    if let Some(old) = self.timer_ids.remove(&(node, timer)) {
                        self.timers.remove(&old);
                    }
                }
                Effect::Persist(d) => {
                    self.durable[node.idx()] = d;
                    if !self.persisted.contains(&node) {
                        self.persisted.push(node);
                    }
                }
                Effect::Reply { request, reply } => replies.push((node, request, reply)),
                Effect::Narrate(line) => lines.push(line),
            }
        }
    }

    /// Puts a message on the wire with the fate the network gives it; a duplicate follows
    /// with its own latency and fate, and may be duplicated in turn. A loop, not recursion: a
    /// duplication probability near 1 makes copies until the network is full.
    pub(super) fn launch(
        &mut self,
        history: &mut History,
        from: NodeId,
        to: NodeId,
        msg: P::Msg,
        latency: Time,
    ) {
        let mut latency = latency;
        loop {
            if self.inflight.len() >= MAX_IN_FLIGHT {
                self.overflowed += 1;
                return;
            }
            let mut fate = self.net.fate(&mut self.rng, from, to, latency);
            if self.fifo && fate.doomed.is_none() {
                // Under the key-value workload, links are FIFO, as the TCP connections of
                // ZooKeeper and etcd are and as the Zab paper assumes: several clients make
                // proposals overlap, and a reordered one would make a Zab follower reconnect
                // where a real one never sees a gap. A message waits for the one before it on
                // its link; the draws are the same, so only the arrival moves.
                let last = self.link_last.entry((from, to)).or_insert(0);
                let arrival = (self.now + fate.travel).max(*last);
                *last = arrival;
                fate.travel = arrival - self.now;
            }
            let id = self.next_msg;
            self.next_msg += 1;
            self.seq += 1;
            if history.sent.len() as u64 == id - 1 {
                history.sent.push(self.now);
            }
            self.inflight.insert(
                id,
                InFlight {
                    id,
                    from,
                    to,
                    msg: msg.clone(),
                    sent: self.now,
                    deliver_at: self.now + fate.travel,
                    doomed: fate.doomed,
                    seq: self.seq,
                },
            );
            self.queue.push(Reverse(Scheduled {
                time: self.now + fate.travel,
                seq: self.seq,
                item: Item::Deliver(id),
            }));
            if !fate.duplicate {
                return;
            }
            latency = self.net.draw_latency(&mut self.rng);
        }
    }

    /// A message dies: it is remembered for a moment so the view can show where.
    pub(super) fn remember_drop(&mut self, m: InFlight<P::Msg>, reason: LossReason) {
        let now = self.now;
        while self
            .drops
            .front()
            .is_some_and(|d| d.died_at + DROP_FADE < now)
        {
            self.drops.pop_front();
        }
        self.drops.push_back(Dropped {
            flight: m,
            died_at: now,
            reason,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ProtocolKind;
    use crate::node::Protocol;
    use crate::protocols::raft::{AppendEntries, Raft, RaftDurable, RaftMsg, RaftTimer};

    fn world() -> (World<Raft>, Raft) {
        let settings = Settings::for_protocol(ProtocolKind::Raft);
        let proto = Raft::from_settings(&settings);
        (World::new(&settings, &proto), proto)
    }

    fn heartbeat() -> RaftMsg {
        RaftMsg::AppendEntries(AppendEntries {
            term: 1,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: Vec::new(),
            leader_commit: 0,
        })
    }

    fn effects(w: &mut World<Raft>, h: &mut History, list: Vec<Effect<Raft>>) -> Vec<String> {
        let mut out = Out::new(true);
        out.effects = list;
        let mut lines = Vec::new();
        w.apply_effects(h, NodeId(1), out, &mut lines, &mut Vec::new());
        lines
    }

    #[test]
    fn a_re_armed_timer_replaces_the_old_one_whose_queue_entry_goes_stale() {
        let (mut w, _) = world();
        let mut h = History::default();
        let arm = |min| Effect::SetTimer {
            timer: RaftTimer::Election,
            min,
            max: min,
        };
        effects(&mut w, &mut h, vec![arm(100 * MS), arm(300 * MS)]);
        assert_eq!(w.timers.len(), 1, "one election timer per node");
        let t = w.timers.values().next().unwrap();
        assert_eq!((t.id, t.fires_at), (2, 300 * MS));
        assert_eq!(w.queue.len(), 2, "the first entry is still queued");
        w.prune(&Requests::default());
        assert_eq!(w.peek_live().map(|s| s.time), Some(300 * MS));
        effects(
            &mut w,
            &mut h,
            vec![Effect::CancelTimer(RaftTimer::Election)],
        );
        assert!(w.timers.is_empty() && w.timer_ids.is_empty());
        w.prune(&Requests::default());
        assert_eq!(w.peek_live(), None);
    }

    #[test]
    fn a_drifting_clock_moves_its_timers_in_global_time_and_draws_the_same_numbers() {
        let (mut plain, _) = world();
        let mut settings = Settings::for_protocol(ProtocolKind::Raft);
        settings.drift_ppm = 200_000;
        let proto = Raft::from_settings(&settings);
        let mut drifting = World::new(&settings, &proto);
        let rate = drifting.rate(NodeId(1));
        assert_ne!(rate, clock::TRUE_RATE);
        let arm = vec![Effect::SetTimer {
            timer: RaftTimer::Election,
            min: 150 * MS,
            max: 300 * MS,
        }];
        let mut h = History::default();
        effects(&mut plain, &mut h, arm.clone());
        effects(&mut drifting, &mut h, arm);
        let local = plain.timers[&1].fires_at;
        assert_eq!(
            drifting.timers[&1].fires_at,
            clock::global_delay(local, rate),
            "the same local delay, seen through S1's clock"
        );
        // The shared RNG is where it would be without drift.
        assert_eq!(plain.rng.range(0, 1 << 40), drifting.rng.range(0, 1 << 40));
    }

    #[test]
    fn the_inspector_shows_a_drifting_clock_and_timers_keep_local_time() {
        use crate::node::Section;
        use crate::sim::Simulation;
        let mut settings = Settings::for_protocol(ProtocolKind::Raft);
        let plain = Simulation::<Raft>::new(settings.clone());
        assert!(plain
            .inspect_node(NodeId(1))
            .iter()
            .all(|s| !matches!(s, Section::Fields { title, .. } if title == "Clock")));
        settings.drift_ppm = 300_000;
        let mut sim = Simulation::<Raft>::new(settings);
        sim.run_until(2 * crate::node::SECOND);
        let rate = sim.world.rate(NodeId(2));
        let clock = sim
            .inspect_node(NodeId(2))
            .into_iter()
            .find_map(|s| match s {
                Section::Fields { title, fields } if title == "Clock" => Some(fields),
                _ => None,
            })
            .expect("a Clock section");
        assert_eq!(clock[0], ("rate".into(), clock::describe(rate)));
        assert_eq!(clock[2], ("drift bound".into(), "± 0.3".into()));
        for t in sim.world.timers.values() {
            // Each pending timer's global span is its node's local draw seen through its clock.
            let r = sim.world.rate(t.node);
            let span = t.fires_at - t.set_at;
            assert!(
                (clock::global_delay(t.min, r)..=clock::global_delay(t.max, r)).contains(&span),
                "{t:?}"
            );
        }
    }

    #[test]
    fn sends_persists_replies_and_narration_are_carried_out_in_order() {
        let (mut w, _) = world();
        let mut h = History::default();
        let durable = RaftDurable {
            current_term: 4,
            ..RaftDurable::default()
        };
        let lines = effects(
            &mut w,
            &mut h,
            vec![
                Effect::Persist(durable.clone()),
                Effect::Send {
                    to: NodeId(2),
                    msg: heartbeat(),
                },
                Effect::Narrate("said".into()),
            ],
        );
        assert_eq!(w.durable[0], durable);
        assert_eq!(w.persisted, [NodeId(1)]);
        assert_eq!(lines, ["said"]);
        let m = &w.inflight[&1];
        assert_eq!(
            (m.from, m.to, m.sent, m.doomed),
            (NodeId(1), NodeId(2), 0, None)
        );
        assert!((10 * MS..=15 * MS).contains(&m.deliver_at));
        assert_eq!(h.sent.iter().collect::<Vec<_>>(), [0]);
        assert_eq!(w.next_msg, 2);
    }

    #[test]
    fn the_queue_runs_in_time_order_then_in_scheduling_order() {
        let (mut w, _) = world();
        w.push(5, Item::ClientTick);
        w.push(3, Item::ClientTick);
        w.push(5, Item::Timer(9));
        w.push(3, Item::Deliver(7));
        let order: Vec<_> =
            std::iter::from_fn(|| w.queue.pop().map(|Reverse(s)| (s.time, s.item))).collect();
        assert_eq!(
            order,
            [
                (3, Item::ClientTick),
                (3, Item::Deliver(7)),
                (5, Item::ClientTick),
                (5, Item::Timer(9))
            ]
        );
    }

    #[test]
    fn a_crash_keeps_storage_and_forgets_state_and_timers() {
        let (mut w, proto) = world();
        let mut h = History::default();
        let mut out = Out::new(false);
        w.nodes[0] = Some(proto.on_start(NodeId(1), &RaftDurable::default(), &mut out));
        w.apply_effects(&mut h, NodeId(1), out, &mut Vec::new(), &mut Vec::new());
        w.durable[0].current_term = 3;
        assert_eq!(w.timers.len(), 1);
        w.crash(NodeId(1), &proto);
        assert!(w.nodes[0].is_none() && w.timers.is_empty() && w.timer_ids.is_empty());
        assert_eq!(w.durable[0].current_term, 3);
        assert_eq!(
            w.last_seen[0].as_ref().map(|s| s.role.as_str()),
            Some("follower")
        );
    }

    #[test]
    fn certain_duplication_fills_the_network_without_deep_recursion() {
        let (mut w, _) = world();
        w.net.settings.dup_ppm = 1_000_000;
        let mut h = History::default();
        // On a small test-thread stack, recursion this deep used to overflow.
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                w.launch(&mut h, NodeId(1), NodeId(2), heartbeat(), 10 * MS);
                assert_eq!((w.inflight.len(), w.overflowed), (MAX_IN_FLIGHT, 1));
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn fifo_links_deliver_in_the_order_sent_and_draw_as_before() {
        let (mut w, _) = world();
        let (mut any, _) = world();
        w.fifo = true;
        // Sends a millisecond apart with 10..15 ms of jitter: without FIFO some overtake.
        let send = |w: &mut World<Raft>| {
            let mut h = History::default();
            for _ in 0..40 {
                let latency = w.net.draw_latency(&mut w.rng);
                w.launch(&mut h, NodeId(1), NodeId(2), heartbeat(), latency);
                w.launch(&mut h, NodeId(1), NodeId(3), heartbeat(), 10 * MS);
                w.now += MS;
            }
        };
        send(&mut w);
        send(&mut any);
        let arrivals = |w: &World<Raft>, to: u8| -> Vec<Time> {
            w.inflight
                .values()
                .filter(|m| m.to == NodeId(to))
                .map(|m| m.deliver_at)
                .collect()
        };
        let fifo = arrivals(&w, 2);
        assert!(fifo.windows(2).all(|p| p[0] <= p[1]), "in order: {fifo:?}");
        let free = arrivals(&any, 2);
        assert!(free.windows(2).any(|p| p[0] > p[1]), "jitter reorders");
        assert!(fifo.iter().zip(&free).all(|(f, a)| f >= a), "only delayed");
        assert_eq!(
            arrivals(&w, 3),
            arrivals(&any, 3),
            "another link is not held up"
        );
        assert_eq!(
            w.rng.range(0, u64::MAX - 1),
            any.rng.range(0, u64::MAX - 1),
            "the same draws"
        );
    }

    #[test]
    fn a_full_network_loses_what_is_sent() {
        let (mut w, _) = world();
        let mut h = History::default();
        for _ in 0..MAX_IN_FLIGHT + 3 {
            w.launch(&mut h, NodeId(1), NodeId(2), heartbeat(), 10 * MS);
        }
        assert_eq!((w.inflight.len(), w.overflowed), (MAX_IN_FLIGHT, 3));
    }
}
