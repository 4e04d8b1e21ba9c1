//! Random-fault checking: run many seeds, each with a fault schedule drawn from its seed
//! (crashes, some right after a write to stable storage, restarts, partitions, loss,
//! duplication, a node swinging between the sides of a partition during an election), check
//! every invariant after every event, then heal everything and check liveness. Under
//! `workload=kv` the clients' history is then checked for linearizability (the
//! "Linearizability" invariant), within a budget: a history the budget cannot decide is
//! reported apart, never as a pass. A failing seed comes with a shortened list of actions that
//! still reproduces it.

use crate::any::AnySim;
use crate::catalog::{NetworkSettings, Settings, Workload};
use crate::invariants::Violation;
use crate::lin::{self, Verdict};
use crate::node::{NodeId, Reply, Time, MS, SECOND};
use crate::protocols::machine::Reads;
use crate::protocols::raft::Membership;
use crate::sim::history::{Action, ActionRecord, EventKind};
use crate::sim::rng::SimRng;
use crate::sim::StepReport;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::ops::RangeInclusive;

/// What the nemesis may strike with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FaultModel {
    /// Crashes, restarts, partitions, isolation, loss and duplication.
    #[default]
    Random,
    /// Crashes and restarts only: the fail-stop model with a reliable network that Three-Phase
    /// Commit (Skeen 1981) is designed for.
    Crash,
    /// The random faults, and configuration changes asked of the leader: add, remove and
    /// replace servers of the pool (Raft with membership changes, dissertation ch. 4).
    Membership,
}

/// How each seed is run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// Draw a random fault schedule from each seed; without, the run is fault-free.
    pub faults: bool,
    /// Which faults the schedule draws from.
    pub model: FaultModel,
    /// Faults happen in `0..fault_until`; then the network heals and every node restarts.
    pub fault_until: Time,
    /// Time the cluster gets after healing before liveness is judged.
    pub settle: Time,
    /// Every request sent after settling must be answered within this.
    pub bound: Time,
    /// Try to shorten the action list of a failing seed.
    pub shrink: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            faults: true,
            model: FaultModel::Random,
            fault_until: 8 * SECOND,
            settle: 3 * SECOND,
            bound: 3 * SECOND,
            shrink: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    Safety(Violation),
    /// Nothing unsafe happened, but the cluster did not recover after the faults healed.
    Liveness(String),
}

impl FailureKind {
    fn same_as(&self, other: &FailureKind) -> bool {
        match (self, other) {
            (FailureKind::Safety(a), FailureKind::Safety(b)) => a.invariant == b.invariant,
            (FailureKind::Liveness(_), FailureKind::Liveness(_)) => true,
            _ => false,
        }
    }
}

/// A seed that broke something, with the user actions that reproduce it from that seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub seed: u64,
    pub time: Time,
    pub kind: FailureKind,
    pub actions: Vec<ActionRecord>,
}

impl Failure {
    /// The query string that opens the failing run in the app (the base settings with this
    /// seed, and the shortened actions), at the moment it failed.
    pub fn link(&self, base: &Settings) -> String {
        let s = Settings {
            seed: self.seed,
            ..base.clone()
        };
        let t = crate::time::fmt_time(self.time);
        crate::share::encode_link(&s, &self.actions, &[("t", &t)])
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = crate::time::fmt_time(self.time);
        match &self.kind {
            FailureKind::Safety(v) => write!(
                f,
                "seed {}: {} violated at {t}: {}",
                self.seed, v.invariant, v.explanation
            ),
            FailureKind::Liveness(why) => write!(f, "seed {}: liveness at {t}: {why}", self.seed),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    pub seeds: u64,
    pub events: u64,
    pub virtual_time: Time,
    /// In seed order.
    pub failures: Vec<Failure>,
    /// Seeds whose history the linearizability check could not decide within its budget:
    /// neither a pass nor a violation.
    pub unknown: Vec<u64>,
}

impl CheckReport {
    /// Counts one seed's run in.
    fn add(&mut self, seed: u64, run: SeedRun) {
        self.seeds += 1;
        self.events += run.events;
        self.virtual_time += run.end;
        if run.unknown {
            self.unknown.push(seed);
        }
        if let Some(f) = run.failure {
            self.failures.push(f);
        }
    }

    /// The report of the seeds of all `parts` together (shards of one run, say): the same
    /// counts, and the failures in seed order, as if one run had checked them all.
    pub fn merge(parts: impl IntoIterator<Item = CheckReport>) -> CheckReport {
        let mut all = CheckReport::default();
        for p in parts {
            all.seeds += p.seeds;
            all.events += p.events;
            all.virtual_time += p.virtual_time;
            all.failures.extend(p.failures);
            all.unknown.extend(p.unknown);
        }
        all.unknown.sort();
        // Stable: a seed checked twice keeps its failures in the order given.
        all.failures.sort_by_key(|f| f.seed);
        all
    }
}

/// The seeds a check runs: `lo..=hi`, or the interleaved slice of them that one shard of
/// `shards` runs (`lo + shard`, `lo + shard + shards`, ...), so that shards of equal size get
/// a like mix of early and late seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRange {
    pub lo: u64,
    pub hi: u64,
    pub shard: u64,
    pub shards: u64,
}

impl SeedRange {
    /// Every seed from `lo` to `hi`, both included.
    pub fn new(lo: u64, hi: u64) -> SeedRange {
        SeedRange {
            lo,
            hi,
            shard: 0,
            shards: 1,
        }
    }

    /// Shard `i` of `n` (counting from 0) of these seeds.
    pub fn shard(self, i: u64, n: u64) -> Result<SeedRange, String> {
        if self.shards != 1 {
            return Err("these seeds are a shard already".into());
        }
        if n == 0 || i >= n {
            return Err(format!("shard {i} of {n}: a shard counts from 0 to {n}-1"));
        }
        Ok(SeedRange {
            shard: i,
            shards: n,
            ..self
        })
    }

    /// How many seeds (at most `u64::MAX`).
    pub fn len(&self) -> u64 {
        match self.lo.checked_add(self.shard) {
            Some(first) if first <= self.hi => ((self.hi - first) / self.shards).saturating_add(1),
            _ => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k`-th seed, for `k < len()`.
    pub fn nth(&self, k: u64) -> u64 {
        self.lo + self.shard + k * self.shards
    }

    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len()).map(|k| self.nth(k))
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} seeds, {} events, {} of virtual time: {} failed",
            self.seeds,
            self.events,
            crate::time::fmt_time(self.virtual_time),
            self.failures.len()
        )?;
        if !self.unknown.is_empty() {
            write!(
                f,
                ", {} unknown (the linearizability check ran out of budget)",
                self.unknown.len()
            )?;
        }
        Ok(())
    }
}

/// Steps the linearizability check of one seed's history may take. The histories of a check
/// run (about 20 s of three clients) take a few thousand; a pathological one stops here.
pub const LIN_BUDGET: u64 = 5_000_000;

/// The invariant a non-linearizable client history violates.
pub const LINEARIZABILITY: &str = "Linearizability";

/// Checks a run's client history within `budget` steps: `Err` with the violation when it is
/// not linearizable, `Ok(false)` when the budget ran out before an answer, `Ok(true)` when it
/// is linearizable (or there is no history: the counter workload).
pub fn check_history(
    settings: &Settings,
    h: &lin::History,
    budget: u64,
) -> Result<bool, Violation> {
    if settings.workload != Workload::Kv || h.ops.is_empty() {
        return Ok(true);
    }
    let report = lin::check(h, budget);
    match report.verdict {
        Verdict::Linearizable => Ok(true),
        Verdict::Unknown => Ok(false),
        Verdict::NotLinearizable => {
            let sentence = report
                .keys
                .iter()
                .find_map(|k| k.evidence.as_ref())
                .map_or(String::new(), |e| e.sentence.clone());
            Err(Violation {
                invariant: LINEARIZABILITY.into(),
                nodes: Vec::new(),
                explanation: format!("{}{sentence}", guarantee(settings)),
            })
        }
    }
}

/// What to say before the evidence when the read path promises less than linearizability by
/// design: then the violation is the documented guarantee, not a bug.
pub fn guarantee(settings: &Settings) -> &'static str {
    match settings.reads {
        Reads::Local => {
            "this is the documented guarantee, not a bug: Zab reads=local is sequentially \
             consistent, not linearizable (ZooKeeper Programmer's Guide, Consistency \
             Guarantees); use reads=sync for linearizable reads. "
        }
        Reads::Log | Reads::Sync | Reads::ReadIndex | Reads::Lease | Reads::Follower => "",
    }
}

/// One seed's run: its outcome and how much it simulated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRun {
    pub failure: Option<Failure>,
    pub events: u64,
    pub end: Time,
    /// The linearizability check of its history ran out of budget.
    pub unknown: bool,
}

/// Draws the faults of one seed. It has its own generator, seeded from the run's seed, and
/// looks at the cluster when it strikes: like Jepsen's nemeses it prefers to hit the leader,
/// which is where consensus bugs hide. The simulation is deterministic, so this is too.
///
/// Besides its timed strikes it pounces: a couple of times a run it crashes a node right after
/// the node wrote stable storage and restarts it a moment later, while messages to it are
/// still on their way. Timed crashes almost never land there, yet that is where a node that
/// loses what it persisted (a vote, a promise), or acknowledged before persisting, breaks
/// safety.
struct Nemesis {
    rng: SimRng,
    next: Time,
    model: FaultModel,
    /// Pounces draw from their own generator so that the timed strikes draw as they did.
    pounce_rng: SimRng,
    /// The node crashed by a pounce, and when it comes back.
    comeback: Option<(Time, NodeId)>,
    pounces: u32,
    /// Events that wrote stable storage so far, by what the event was.
    writes: BTreeMap<u16, u64>,
    written: u64,
    /// Swings draw from their own generator too, and only some seeds swing at all, so the
    /// other seeds run exactly as before swings existed.
    swing_rng: SimRng,
    swing: Swing,
    /// A swing's actions still to come, in time order.
    swing_plan: VecDeque<(Time, Action)>,
}

/// Pounces per run. More of them churn the cluster so much that the timed strikes catch
/// other bugs less often (raft-commit-old-term, for one).
const POUNCES: u32 = 2;
/// The chance, in parts per million, of pouncing on a write of a kind that is as common as
/// the average kind.
const POUNCE_PPM: u64 = 300_000;
/// The share of seeds, in parts per million, whose nemesis swings a node once.
const SWING_SEEDS_PPM: u32 = 500_000;
/// How often the swinging node changes sides.
const SWING_MOVES: u64 = 3;
/// The time between its moves, in multiples of the longest network latency.
const SWING_GAP: (u64, u64) = (5, 20);
/// How long after the split the swing waits for the near side to elect before giving up.
const SWING_WAIT: Time = 2 * SECOND;

/// Where a seed's swing stands.
#[derive(Clone, Debug)]
enum Swing {
    /// This seed does not swing, or has swung.
    Done,
    /// The split is due at `at`.
    Waiting { at: Time },
    /// The cluster is split: `pivot` is with `near`, which elects, apart from `far`.
    Split {
        near: Vec<NodeId>,
        far: Vec<NodeId>,
        pivot: NodeId,
        until: Time,
    },
}

impl Nemesis {
    fn new(seed: u64, model: FaultModel, fault_until: Time) -> Self {
        let mut nemesis = Nemesis {
            rng: SimRng::new(seed ^ 0x6661_756c_7473), // "faults"
            next: 0,
            model,
            pounce_rng: SimRng::new(seed ^ 0x706f_756e_6365), // "pounce"
            comeback: None,
            pounces: 0,
            writes: BTreeMap::new(),
            written: 0,
            swing_rng: SimRng::new(seed ^ 0x0073_7769_6e67), // "swing"
            swing: Swing::Done,
            swing_plan: VecDeque::new(),
        };
        if model != FaultModel::Crash && nemesis.swing_rng.chance(SWING_SEEDS_PPM) {
            let at = nemesis
                .swing_rng
                .range(0, fault_until.saturating_sub(SWING_WAIT));
            nemesis.swing = Swing::Waiting { at };
        }
        nemesis.schedule();
        nemesis
    }

    /// Faults last a while so a run stays readable (as in TigerBeetle's simulator).
    fn schedule(&mut self) {
        self.next += self.rng.range(100 * MS, 600 * MS);
    }

    /// When the next strike, comeback or move of a swing is due.
    fn due(&self) -> Time {
        let due = self.comeback.map_or(self.next, |(at, _)| at.min(self.next));
        self.swing_plan.front().map_or(due, |&(at, _)| at.min(due))
    }

    /// The swing, a fault shape that needs its moments chosen: a node crashes and restarts on
    /// one side of a partition, then on the other, and back, while an election or Zab's
    /// discovery is under way. First the cluster is split, the leader (if any) on the far
    /// side, so the near side elects; when a node on the near side writes stable storage
    /// without being a leader in office (a vote, a promise, a new epoch), the swinging node,
    /// whose answer it is waiting for, restarts on the far side, and later comes back. Each
    /// side and the swinging node make a majority, so both sides' would-be leaders may count
    /// it. A rule that lets a node promise twice (zab-ack-epoch-twice) breaks only in this
    /// shape: timed strikes land in the one-message window between a proposal and its
    /// arrival almost never. Returns whether actions were planned.
    fn swing(&mut self, sim: &AnySim, step: &StepReport) -> bool {
        let n = sim.settings().nodes;
        let now = sim.now();
        match self.swing.clone() {
            Swing::Waiting { at } if now >= at && n >= 3 && self.comeback.is_none() => {
                let mut nodes: Vec<NodeId> = NodeId::all(n).collect();
                let leader = sim.leader();
                nodes.retain(|&id| Some(id) != leader);
                let mut far: Vec<NodeId> = leader.into_iter().collect();
                while far.len() < (n - 1) / 2 {
                    far.push(
                        nodes.remove(self.swing_rng.range(0, nodes.len() as u64 - 1) as usize),
                    );
                }
                let pivot = nodes.remove(self.swing_rng.range(0, nodes.len() as u64 - 1) as usize);
                let mut with = nodes.clone();
                with.push(pivot);
                self.swing_plan.push_back((
                    now,
                    Action::Partition {
                        groups: vec![with, far.clone()],
                    },
                ));
                self.swing = Swing::Split {
                    near: nodes,
                    far,
                    pivot,
                    until: now + SWING_WAIT,
                };
                true
            }
            Swing::Split { until, .. } if now > until => {
                self.swing = Swing::Done;
                false
            }
            Swing::Split {
                near, far, pivot, ..
            } if step
                .persisted
                .iter()
                .any(|&id| near.contains(&id) && !sim.progress(id).leader) =>
            {
                // A move every few round trips: long enough to elect a leader on the new side
                // and hear its proposal, short enough that the old side's leader still waits.
                let latency = sim.settings().network.latency_max.max(MS);
                let mut at = now;
                for m in 0..SWING_MOVES {
                    let (side, rest) = if m % 2 == 0 {
                        (&far, &near)
                    } else {
                        (&near, &far)
                    };
                    let mut with = side.clone();
                    with.push(pivot);
                    let groups = vec![with, rest.clone()];
                    self.swing_plan
                        .push_back((at, Action::Partition { groups }));
                    self.swing_plan
                        .push_back((at, Action::Crash { node: pivot }));
                    self.swing_plan
                        .push_back((at, Action::Restart { node: pivot }));
                    at += self
                        .swing_rng
                        .range(SWING_GAP.0 * latency, SWING_GAP.1 * latency);
                }
                self.swing = Swing::Done;
                true
            }
            _ => false,
        }
    }

    /// Perhaps crashes one of the nodes that just wrote stable storage. Each kind of write (a
    /// message kind, a timer, a client request) gets an equal share of the pounces however
    /// often it happens, so the hundredth appended entry rarely draws one and an election's
    /// votes often do. One pounce at a time, and never on the last node up.
    fn pounce(&mut self, sim: &AnySim, step: &StepReport) -> Option<NodeId> {
        if step.persisted.is_empty() || self.comeback.is_some() || self.pounces >= POUNCES {
            return None;
        }
        let what = match step.record.kind() {
            EventKind::Deliver { kind, .. } => u16::from(kind),
            EventKind::Loss { .. } => 256,
            EventKind::Timer { .. } => 257,
            EventKind::Request { .. } => 258,
            EventKind::Action { .. } => 259,
        };
        let seen = self.writes.entry(what).or_insert(0);
        *seen += 1;
        let seen = *seen;
        self.written += 1;
        let kinds = self.writes.len() as u64;
        let ppm = (POUNCE_PPM * self.written / (kinds * seen)).min(1_000_000);
        if !self.pounce_rng.chance(ppm as u32) {
            return None;
        }
        let node =
            step.persisted[self.pounce_rng.range(0, step.persisted.len() as u64 - 1) as usize];
        let snap = sim.snapshot();
        if snap.nodes.iter().filter(|v| v.up).count() < 2 {
            return None;
        }
        // Back before a message sent at the crash could arrive: the restarted node receives
        // the rest of the exchange it was part of.
        let latency = sim.settings().network.latency_min;
        let back = sim.now() + self.pounce_rng.range(latency / 100, latency / 10);
        self.comeback = Some((back, node));
        self.pounces += 1;
        Some(node)
    }

    /// The fault due now: a swing's move, a pounced node's comeback, or the next timed strike.
    fn strike(&mut self, sim: &AnySim) -> Action {
        let others = self.comeback.map_or(self.next, |(at, _)| at.min(self.next));
        if self.swing_plan.front().is_some_and(|&(at, _)| at <= others) {
            if let Some((_, action)) = self.swing_plan.pop_front() {
                return action;
            }
        }
        if let Some((_, node)) = self.comeback.filter(|&(at, _)| at <= self.next) {
            self.comeback = None;
            return Action::Restart { node };
        }
        let action = self.timed(sim);
        self.schedule();
        action
    }

    fn timed(&mut self, sim: &AnySim) -> Action {
        let settings = sim.settings();
        let n = settings.nodes;
        let snap = sim.snapshot();
        let down: Vec<NodeId> = snap.nodes.iter().filter(|v| !v.up).map(|v| v.id).collect();
        let random = NodeId::from_idx(self.rng.range(0, n as u64 - 1) as usize);
        let target = sim
            .leader()
            .filter(|_| self.rng.chance(600_000))
            .unwrap_or(random);
        // Kinds 0..=4 are crashes and restarts; one of the two is always possible.
        let kind = match self.model {
            FaultModel::Random => self.rng.range(0, 9),
            FaultModel::Crash => self.rng.range(0, 4),
            FaultModel::Membership => self.rng.range(0, 11),
        };
        match kind {
            0..=2 if !down.contains(&target) && down.len() + 1 < n => {
                Action::Crash { node: target }
            }
            0..=4 if !down.is_empty() => {
                let pick = self.rng.range(0, down.len() as u64 - 1) as usize;
                Action::Restart { node: down[pick] }
            }
            5 => {
                // The target ends up in a minority more often than not.
                let mut minority = vec![target];
                let mut majority = Vec::new();
                for id in NodeId::all(n).filter(|&id| id != target) {
                    if self.rng.chance(300_000) {
                        minority.push(id);
                    } else {
                        majority.push(id);
                    }
                }
                Action::Partition {
                    groups: vec![minority, majority],
                }
            }
            6 => Action::Isolate { node: target },
            7 => Action::Heal,
            10 | 11 => self.reconfigure(sim).unwrap_or_else(|| Action::SetNetwork {
                network: settings.network.clone(),
            }),
            8 => Action::SetNetwork {
                network: NetworkSettings {
                    loss_ppm: self.rng.range(0, 300_000) as u32,
                    dup_ppm: self.rng.range(0, 200_000) as u32,
                    ..settings.network.clone()
                },
            },
            _ => Action::SetNetwork {
                network: settings.network.clone(),
            },
        }
    }
}

impl Nemesis {
    /// A configuration change for the leader: add a server outside its configuration, remove
    /// one of its voters (the leader itself a third of the time), or replace one with the
    /// other; at least three voters stay. `None` without a leader or a configuration.
    fn reconfigure(&mut self, sim: &AnySim) -> Option<Action> {
        let AnySim::Raft(raft) = sim else { return None };
        let leader = sim.leader()?;
        let config = raft.node(leader)?.config;
        let n = sim.settings().nodes;
        let outside: Vec<NodeId> = NodeId::all(n).filter(|&id| !config.contains(id)).collect();
        let voters = config.ids();
        let pick = |rng: &mut SimRng, v: &[NodeId]| v[rng.range(0, v.len() as u64 - 1) as usize];
        let out = (!outside.is_empty()).then(|| pick(&mut self.rng, &outside));
        let victim = if self.rng.chance(333_333) {
            leader
        } else {
            pick(&mut self.rng, &voters)
        };
        let mut action = match (self.rng.range(0, 2), out) {
            (0, Some(a)) => Action::Reconfigure {
                add: vec![a],
                remove: vec![],
            },
            (1, _) if voters.len() > 3 => Action::Reconfigure {
                add: vec![],
                remove: vec![victim],
            },
            (_, Some(a)) => Action::Reconfigure {
                add: vec![a],
                remove: vec![victim],
            },
            (_, None) if voters.len() > 3 => Action::Reconfigure {
                add: vec![],
                remove: vec![victim],
            },
            (_, None) => return None,
        };
        // Joint consensus changes several servers at once (§4.3): half the time one more on
        // each side, keeping three voters.
        if sim.settings().membership == Membership::Joint && self.rng.chance(500_000) {
            if let Action::Reconfigure { add, remove } = &mut action {
                if let Some(&b) = outside
                    .iter()
                    .find(|&o| !add.is_empty() && !add.contains(o))
                {
                    add.push(b);
                }
                let left = voters.len() + add.len() - remove.len();
                if let Some(&v) = voters
                    .iter()
                    .find(|&v| !remove.is_empty() && left > 3 && !remove.contains(v))
                {
                    remove.push(v);
                }
            }
        }
        Some(action)
    }
}

/// What ends every fault schedule: the network heals and every node comes back.
fn repair(settings: &Settings) -> [Action; 3] {
    [
        Action::Heal,
        Action::RestartAll,
        Action::SetNetwork {
            network: settings.network.clone(),
        },
    ]
}

struct Runner {
    sim: AnySim,
    /// (request id, when it was sent) for requests sent after the cluster settled.
    watched: Vec<(u64, Time)>,
    answered: BTreeSet<u64>,
    watch_from: Time,
}

/// Where [`Runner::advance`] stopped.
enum Stop {
    /// Every event due by then ran.
    Reached,
    /// The nemesis pounced on a node that had just persisted, or started a swing; the time
    /// was not reached.
    Pounced,
    Broken(Violation),
}

impl Runner {
    /// Runs every event due at or before `t`; stops at the first violation, or right after a
    /// write to stable storage that `nemesis`, if given, pounces on.
    fn advance(&mut self, t: Time, mut nemesis: Option<&mut Nemesis>) -> Stop {
        while self.sim.next_event_time().is_some_and(|nt| nt <= t) {
            let before = self.sim.requests_issued();
            let Some(r) = self.sim.step() else {
                return Stop::Reached;
            };
            for id in before + 1..=self.sim.requests_issued() {
                if self.sim.now() >= self.watch_from {
                    self.watched.push((id, self.sim.now()));
                }
            }
            for (_, req, reply) in &r.replies {
                if !matches!(reply, Reply::Redirect(_)) {
                    self.answered.insert(*req);
                }
            }
            if let Some(v) = r.violations.first() {
                return Stop::Broken(v.clone());
            }
            if let Some(nemesis) = nemesis.as_deref_mut() {
                if let Some(node) = nemesis.pounce(&self.sim, &r) {
                    return match self.apply(Action::Crash { node }) {
                        Some(v) => Stop::Broken(v),
                        None => Stop::Pounced,
                    };
                }
                if nemesis.swing(&self.sim, &r) {
                    return Stop::Pounced;
                }
            }
        }
        self.sim.run_until(t);
        Stop::Reached
    }

    /// Carries out an action; one that became pointless (restarting a node that is up) is
    /// skipped.
    fn apply(&mut self, action: Action) -> Option<Violation> {
        let report = self.sim.apply(action).ok()?;
        report.violations.into_iter().next()
    }
}

/// Runs one seed and judges it. Faults come from the seed's nemesis, or, to replay or shrink
/// a failure, from a given list of timed actions.
fn run(settings: &Settings, plan: Option<&[(Time, Action)]>, opts: &CheckOptions) -> SeedRun {
    let mut sim = match AnySim::new(settings.clone()) {
        Ok(s) => s,
        Err(e) => panic!("check needs valid settings: {e}"),
    };
    sim.set_narrating(false);
    let settled = opts.fault_until + opts.settle;
    let end = settled + opts.bound * 2;
    let mut r = Runner {
        sim,
        watched: Vec::new(),
        answered: BTreeSet::new(),
        watch_from: settled,
    };
    let fail = |r: &Runner, kind: FailureKind| SeedRun {
        failure: Some(Failure {
            seed: settings.seed,
            time: r.sim.now(),
            kind,
            actions: r.sim.history().actions.clone(),
        }),
        events: r.sim.events(),
        end: r.sim.now(),
        unknown: false,
    };
    let mut nemesis = Nemesis::new(settings.seed, opts.model, opts.fault_until);
    let mut given = plan.map(|p| p.iter());
    loop {
        let (t, action) = match &mut given {
            Some(it) => match it.next() {
                Some((t, a)) => (*t, Some(a.clone())),
                None => break,
            },
            None if opts.faults && nemesis.due() < opts.fault_until => (nemesis.due(), None),
            None => break,
        };
        // A given plan already holds the pounces of the run it was recorded from.
        let pounce = given.is_none().then_some(&mut nemesis);
        match r.advance(t, pounce) {
            Stop::Reached => {}
            Stop::Pounced => continue,
            Stop::Broken(v) => return fail(&r, FailureKind::Safety(v)),
        }
        let action = action.unwrap_or_else(|| nemesis.strike(&r.sim));
        // A shortened plan can make a later action pointless (restarting a node that is
        // up); skipping it keeps the rest meaningful.
        if let Some(v) = r.apply(action) {
            return fail(&r, FailureKind::Safety(v));
        }
    }
    if r.sim.now() < opts.fault_until || plan.is_none() {
        if let Stop::Broken(v) = r.advance(opts.fault_until, None) {
            return fail(&r, FailureKind::Safety(v));
        }
    }
    if plan.is_none() {
        for action in repair(settings) {
            if let Some(v) = r.apply(action) {
                return fail(&r, FailureKind::Safety(v));
            }
        }
    }
    if let Stop::Broken(v) = r.advance(end, None) {
        return fail(&r, FailureKind::Safety(v));
    }
    let decided = match check_history(settings, r.sim.client_history(), LIN_BUDGET) {
        Ok(decided) => decided,
        Err(v) => return fail(&r, FailureKind::Safety(v)),
    };
    if let Some(why) = liveness(&r, settings, end, opts) {
        return fail(&r, FailureKind::Liveness(why));
    }
    SeedRun {
        failure: None,
        events: r.sim.events(),
        end,
        unknown: !decided,
    }
}

fn liveness(r: &Runner, settings: &Settings, end: Time, opts: &CheckOptions) -> Option<String> {
    let n = settings.nodes;
    if settings.protocol.entry().has_leader && r.sim.leader().is_none() {
        return Some("no leader after the faults healed".into());
    }
    let committed = NodeId::all(n)
        .map(|id| r.sim.progress(id).committed)
        .max()
        .unwrap_or(0);
    if committed == 0 && (settings.request_every.is_some() || !settings.protocol.entry().has_leader)
    {
        return Some("nothing was ever committed or chosen".into());
    }
    let late = r
        .watched
        .iter()
        .find(|(id, sent)| *sent + opts.bound <= end && !r.answered.contains(id));
    late.map(|(id, sent)| {
        format!(
            "request #{id} sent at {} was not answered within {}",
            crate::time::fmt_time(*sent),
            crate::time::fmt_time(opts.bound)
        )
    })
}

/// Runs one seed (the settings' own) and, if it fails, shortens the actions that led there.
pub fn check_seed(settings: &Settings, opts: &CheckOptions) -> SeedRun {
    let first = run(settings, None, opts);
    let Some(failure) = &first.failure else {
        return first;
    };
    if !opts.shrink {
        return first;
    }
    let kind = failure.kind.clone();
    let mut plan: Vec<(Time, Action)> = failure
        .actions
        .iter()
        .map(|a| (a.time, a.action.clone()))
        .collect();
    // The recorded actions must reproduce the failure on their own before shrinking them.
    let mut best = run(settings, Some(&plan), opts);
    if !best.failure.as_ref().is_some_and(|f| f.kind.same_as(&kind)) {
        return first;
    }
    // Greedy: drop one action at a time, last first, keeping every drop after which the same
    // kind of failure still happens.
    let mut i = plan.len();
    while i > 0 {
        i -= 1;
        let mut shorter = plan.clone();
        shorter.remove(i);
        let again = run(settings, Some(&shorter), opts);
        if again
            .failure
            .as_ref()
            .is_some_and(|f| f.kind.same_as(&kind))
        {
            plan = shorter;
            best = again;
        }
    }
    best
}

/// Checks every seed in `seeds` with the base settings.
pub fn check_seeds(
    base: &Settings,
    seeds: RangeInclusive<u64>,
    opts: &CheckOptions,
    mut progress: impl FnMut(&SeedRun),
) -> CheckReport {
    let mut report = CheckReport::default();
    for seed in seeds {
        let settings = Settings {
            seed,
            ..base.clone()
        };
        let run = check_seed(&settings, opts);
        progress(&run);
        report.add(seed, run);
    }
    report
}

/// Checks `seeds` on `jobs` threads at once, and returns what [`check_seeds`] returns for the
/// same seeds, calling `progress` in seed order as it does. Each seed's run is a pure function
/// of its settings (the engine inside a run stays single-threaded), so only the order in which
/// runs finish depends on the threads, and a reorder buffer hides it.
#[cfg(not(target_arch = "wasm32"))]
pub fn check_seeds_parallel(
    base: &Settings,
    seeds: SeedRange,
    opts: &CheckOptions,
    jobs: usize,
    mut progress: impl FnMut(&SeedRun),
) -> CheckReport {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::mpsc;

    let total = seeds.len();
    let mut order = InSeedOrder::new(seeds, false);
    let next = AtomicU64::new(0);
    let (tx, rx) = mpsc::channel::<(u64, SeedRun)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || loop {
                // Each thread takes the next seed not yet taken, so a slow seed (one being
                // shrunk) holds up no other.
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= total {
                    break;
                }
                let settings = Settings {
                    seed: seeds.nth(k),
                    ..base.clone()
                };
                if tx.send((k, check_seed(&settings, opts))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (k, run) in rx {
            // Each position is sent once, by the thread that took it: never refused.
            let _ = order.add(seeds.nth(k), run, &mut progress);
        }
    });
    order.into_report()
}

/// Seeds' runs that arrive in any order (from threads, or from the page's workers each on a
/// shard of the range) counted in seed order: the report is the one a single sequential run
/// makes. With `stop_at_failure` the count ends at the first failing seed, as a hunt that stops
/// there (the page's) reports it: every seed before it, that seed, and none after, whichever
/// run finished first.
#[derive(Clone, Debug)]
pub struct InSeedOrder {
    seeds: SeedRange,
    stop_at_failure: bool,
    /// Runs that came before some earlier seed's, by position in `seeds`.
    early: BTreeMap<u64, SeedRun>,
    /// The position of the next seed to count.
    due: u64,
    report: CheckReport,
    /// The lowest failing seed received so far.
    lowest_failure: Option<u64>,
}

impl InSeedOrder {
    pub fn new(seeds: SeedRange, stop_at_failure: bool) -> Self {
        InSeedOrder {
            seeds,
            stop_at_failure,
            early: BTreeMap::new(),
            due: 0,
            report: CheckReport::default(),
            lowest_failure: None,
        }
    }

    /// Takes the run of `seed`, and calls `each` on every run now due, in seed order. A seed
    /// outside the range, or one given twice, is refused: the report would not be the
    /// sequential run's. Runs after the end (the first failure) are ignored.
    pub fn add(
        &mut self,
        seed: u64,
        run: SeedRun,
        mut each: impl FnMut(&SeedRun),
    ) -> Result<(), String> {
        let k = self
            .position(seed)
            .ok_or_else(|| format!("seed {seed} is not one of this check's seeds"))?;
        if k < self.due || self.early.contains_key(&k) {
            return Err(format!("seed {seed} was run twice"));
        }
        if self.finished() {
            return Ok(());
        }
        if run.failure.is_some() && self.lowest_failure.is_none_or(|s| seed < s) {
            self.lowest_failure = Some(seed);
        }
        self.early.insert(k, run);
        while let Some(run) = self.early.remove(&self.due) {
            each(&run);
            let failed = run.failure.is_some();
            self.report.add(self.seeds.nth(self.due), run);
            self.due += 1;
            if failed && self.stop_at_failure {
                // What came after the first failure is not part of the run.
                self.early.clear();
                break;
            }
        }
        Ok(())
    }

    /// The position of `seed` in the range, if it is one of its seeds.
    fn position(&self, seed: u64) -> Option<u64> {
        let SeedRange {
            lo, shard, shards, ..
        } = self.seeds;
        let offset = seed.checked_sub(lo.checked_add(shard)?)?;
        let k = offset / shards;
        (offset % shards == 0 && k < self.seeds.len()).then_some(k)
    }

    /// Every seed is counted, or (when stopping at a failure) the first failure is.
    pub fn finished(&self) -> bool {
        self.due == self.seeds.len() || (self.stop_at_failure && !self.report.failures.is_empty())
    }

    /// The lowest failing seed received so far: when stopping at a failure, no seed above it
    /// can change the report, so whoever runs them may stop.
    pub fn bound(&self) -> Option<u64> {
        self.lowest_failure
    }

    /// Seeds and simulated events received so far, those still waiting for an earlier seed
    /// included: the progress to show while the runs go on.
    pub fn received(&self) -> (u64, u64) {
        let waiting = self.early.values().map(|r| r.events).sum::<u64>();
        (
            self.report.seeds + self.early.len() as u64,
            self.report.events + waiting,
        )
    }

    /// The report of the seeds counted so far.
    pub fn report(&self) -> &CheckReport {
        &self.report
    }

    pub fn into_report(self) -> CheckReport {
        self.report
    }
}

/// The first seed in `seeds` at which a safety property breaks, with the violation. The tests
/// use it to prove the checker catches every buggy variant within a bounded number of seeds.
pub fn first_violation(
    base: &Settings,
    seeds: RangeInclusive<u64>,
    opts: &CheckOptions,
) -> Option<(u64, Violation)> {
    seeds.into_iter().find_map(|seed| {
        let settings = Settings {
            seed,
            ..base.clone()
        };
        match check_seed(&settings, opts).failure?.kind {
            FailureKind::Safety(v) => Some((seed, v)),
            FailureKind::Liveness(_) => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_deterministic_and_differ() {
        let s = Settings::default();
        let o = CheckOptions::default();
        let a = run(&s, None, &o);
        let b = run(&s, None, &o);
        assert_eq!(a.events, b.events);
        let c = run(&Settings { seed: 2, ..s }, None, &o);
        assert_ne!(a.events, c.events);
    }

    /// A stale read: C2 reads 1 after C1's write of 2 completed, and nothing wrote 1 since.
    fn stale_read() -> lin::History {
        use crate::lin::{Call, Clock, Outcome, Value};
        let mut h = lin::History::new(Clock::Virtual);
        let w1 = h.invoke(1, Some("x"), Call::Write(Value::Int(1)), 0);
        h.complete(w1, 10, Outcome::Ok(Value::Nil));
        let w2 = h.invoke(1, Some("x"), Call::Write(Value::Int(2)), 20);
        h.complete(w2, 30, Outcome::Ok(Value::Nil));
        let r = h.invoke(2, Some("x"), Call::Read, 40);
        h.complete(r, 50, Outcome::Ok(Value::Int(1)));
        h
    }

    #[test]
    fn a_kv_history_that_is_not_linearizable_violates_linearizability() {
        let kv = Settings {
            workload: Workload::Kv,
            ..Settings::default()
        };
        let v = check_history(&kv, &stale_read(), LIN_BUDGET).unwrap_err();
        assert_eq!(v.invariant, LINEARIZABILITY);
        assert!(v.explanation.contains("C2's read of x returned 1"), "{v:?}");
        // Out of budget: neither a pass nor a violation.
        assert_eq!(check_history(&kv, &stale_read(), 1), Ok(false));
        // The counter keeps no history to check.
        assert_eq!(
            check_history(&Settings::default(), &stale_read(), LIN_BUDGET),
            Ok(true)
        );
    }

    #[test]
    fn shards_interleave_and_cover_the_range_once() {
        let whole = SeedRange::new(3, 12);
        assert_eq!(whole.len(), 10);
        let mut seen: Vec<u64> = (0..3)
            .flat_map(|i| whole.shard(i, 3).unwrap().iter().collect::<Vec<_>>())
            .collect();
        assert_eq!(
            whole.shard(1, 3).unwrap().iter().collect::<Vec<_>>(),
            [4, 7, 10]
        );
        seen.sort();
        assert_eq!(seen, whole.iter().collect::<Vec<_>>());
        assert_eq!(SeedRange::new(5, 5).shard(3, 4).unwrap().len(), 0);
        assert_eq!(SeedRange::new(0, u64::MAX).len(), u64::MAX);
        assert!(whole.shard(3, 3).is_err());
    }

    /// Threads change only when runs finish: the report and the order of progress calls are
    /// those of the sequential check, failures (shrunk) included.
    #[test]
    fn parallel_checks_report_what_the_sequential_one_does() {
        let base = Settings {
            bugs: vec![crate::catalog::Bug::parse("paxos-ignore-promised-value").unwrap()],
            ..Settings::for_protocol(crate::catalog::ProtocolKind::Paxos)
        };
        let opts = CheckOptions::default();
        let mut order = Vec::new();
        let seq = check_seeds(&base, 1..=16, &opts, |r| order.push(r.end));
        assert!(!seq.failures.is_empty());
        for jobs in [1, 4] {
            let mut got = Vec::new();
            let par = check_seeds_parallel(&base, SeedRange::new(1, 16), &opts, jobs, |r| {
                got.push(r.end)
            });
            assert_eq!(par, seq, "{jobs} jobs");
            assert_eq!(got, order, "{jobs} jobs");
        }
        let shards = (0..3).map(|i| {
            let seeds = SeedRange::new(1, 16).shard(i, 3).unwrap();
            check_seeds_parallel(&base, seeds, &opts, 2, |_| {})
        });
        assert_eq!(CheckReport::merge(shards), seq);
    }

    /// The page's hunt: workers each run a shard of the range in order and stop at their own
    /// first failure; whatever order their runs arrive in, the count is the one-worker hunt's,
    /// which stops at the range's first failing seed.
    #[test]
    fn shards_counted_in_seed_order_report_the_one_worker_hunt() {
        let base = Settings {
            bugs: vec![crate::catalog::Bug::parse("paxos-ignore-promised-value").unwrap()],
            ..Settings::for_protocol(crate::catalog::ProtocolKind::Paxos)
        };
        let opts = CheckOptions::default();
        let runs: BTreeMap<u64, SeedRun> = (1..=16)
            .map(|seed| {
                (
                    seed,
                    check_seed(
                        &Settings {
                            seed,
                            ..base.clone()
                        },
                        &opts,
                    ),
                )
            })
            .collect();
        let first = runs
            .iter()
            .find(|(_, r)| r.failure.is_some())
            .map(|(s, _)| *s);
        let first = first.expect("a failing seed in 1..=16");
        assert!(
            runs.range(first + 1..).any(|(_, r)| r.failure.is_some()),
            "a later failure too, which must not count"
        );
        let one = check_seeds(&base, 1..=first, &opts, |_| {});
        let whole = SeedRange::new(1, 16);
        for workers in 1..=4 {
            // What each worker runs: its shard in order, up to its first failure.
            let mut shards: Vec<Vec<u64>> = (0..workers)
                .map(|i| {
                    let shard = whole.shard(i, workers).unwrap();
                    let mut seeds: Vec<u64> = Vec::new();
                    for s in shard.iter() {
                        seeds.push(s);
                        if runs[&s].failure.is_some() {
                            break;
                        }
                    }
                    seeds
                })
                .collect();
            // Arrivals: the last worker's runs all come first, then the others in turn.
            let mut arrivals: Vec<u64> = shards.pop().unwrap();
            while shards.iter().any(|s| !s.is_empty()) {
                for s in shards.iter_mut().filter(|s| !s.is_empty()) {
                    arrivals.push(s.remove(0));
                }
            }
            let mut order = InSeedOrder::new(whole, true);
            let mut counted = Vec::new();
            for s in arrivals {
                assert!(
                    !order.finished() || s > first,
                    "{workers} workers: ended early"
                );
                order
                    .add(s, runs[&s].clone(), |r| counted.push(r.end))
                    .unwrap();
            }
            assert!(order.finished(), "{workers} workers");
            assert_eq!(order.bound(), Some(first), "{workers} workers");
            assert_eq!(order.report(), &one, "{workers} workers");
            let ends: Vec<u64> = runs.range(..=first).map(|(_, r)| r.end).collect();
            assert_eq!(counted, ends, "{workers} workers: in seed order");
        }
    }

    #[test]
    fn seeds_counted_in_order_are_refused_outside_the_range_or_twice() {
        let run = || SeedRun {
            failure: None,
            events: 10,
            end: SECOND,
            unknown: false,
        };
        let mut order = InSeedOrder::new(SeedRange::new(5, 14).shard(1, 3).unwrap(), true);
        // Seeds 6, 9, 12.
        assert!(order.add(5, run(), |_| {}).is_err());
        assert!(order.add(7, run(), |_| {}).is_err());
        assert!(order.add(15, run(), |_| {}).is_err());
        order.add(9, run(), |_| {}).unwrap();
        assert_eq!(order.received(), (1, 10));
        assert_eq!(order.report().seeds, 0, "9 waits for 6");
        assert!(order.add(9, run(), |_| {}).is_err());
        order.add(6, run(), |_| {}).unwrap();
        assert!(order.add(6, run(), |_| {}).is_err());
        assert!(!order.finished());
        order.add(12, run(), |_| {}).unwrap();
        assert!(order.finished());
        assert_eq!(order.report().seeds, 3);
        assert_eq!(order.report().events, 30);
        assert_eq!(order.bound(), None);
    }

    #[test]
    fn healthy_raft_passes_a_seed() {
        let run = check_seed(&Settings::default(), &CheckOptions::default());
        assert!(run.failure.is_none(), "{}", run.failure.unwrap());
        assert!(run.events > 1000);
    }
}
