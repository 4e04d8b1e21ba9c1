//! Exhaustive exploration (`lab explore`): every interleaving of a small cluster, breadth-first,
//! in the manner of TLC and Stateright, so the first violation found has a shortest path.
//!
//! A state is every node's state, stable storage and pending timers, the multiset of messages
//! in flight, which nodes are down, the budgets spent, and the checker's memory. Virtual time is
//! abstracted away: any message may arrive next and any pending timer may fire. Within budgets
//! a message may also be dropped or duplicated, a node crash (and restart whenever), a
//! client send a request, and the leader start a membership change (Raft with
//! `membership=single` or `joint`: each add, remove or, under joint consensus, replacement of
//! a server of the pool that it would not refuse).
//!
//! **Why the checker's memory is part of the state.** Some properties are about history, not
//! the present: Paxos Agreement remembers every value ever chosen, though the acceptors that
//! chose it may since have accepted another; Raft's checker remembers every leader per term and
//! every committed entry. Two paths to the same cluster with different histories may go on to
//! report different violations, so the checker's memory (each checker is `Eq + Hash`) is
//! stored and fingerprinted with the cluster. This is exact for every property the timed
//! simulator checks, at the price of states that differ only in history: the search never
//! misses what the simulator would catch on the same path, and a counterexample replays there
//! to the same violation. Every transition is checked, not only the ones that reach new states.
//!
//! **Time.** Virtual time is gone, but one fact about it is kept by default: a message
//! arrives before any timer armed after it was sent fires (every preset's latency is far below
//! its timeouts), and so do the few hops of the exchange it starts. So a timer waits for the
//! messages that were in flight when its node armed a timer, and for the messages their
//! receivers send in answer; messages sent otherwise may race it. Without this, a timeout could always beat a reply,
//! and protocols that use timeouts as failure detectors (3PC's termination) break by design,
//! as FLP says they must in an asynchronous system. `--async` lifts the rule to show exactly
//! that. (The rule is kept per node, not per timer: a node re-arming one timer makes its other
//! pending timers wait too, which only leaves out some schedules.)
//!
//! **How states are stored.** Each distinct node slot, message and checker memory is interned
//! once ([`state`]); a state is a short row of their numbers, its fingerprint is the row's
//! 64-bit hash, and the visited set maps a fingerprint to its parent's, from which the shortest
//! path is rebuilt at the end. Successors differ from their parent in one node, so a frontier
//! state costs a few dozen bytes. Handlers are deterministic, so what a message does to a
//! node's slot (or a timer's firing) is computed once and cached by their numbers: most
//! transitions repeat one taken before and skip the handler and the interning.
//!
//! **Symmetry** (`--symmetry`, off by default): where a protocol treats nodes alike (Raft's
//! servers, 2PC's participants), the search keeps one state of each class of renamings
//! ([`symmetry`] says which protocols allow it and why it is sound); elsewhere ids are not
//! interchangeable (ties broken by id in Paxos's ballots and Zab's votes, 3PC's termination).
//!
//! **The counterexample** is replayed in the timed simulator as manual-scheduling actions at
//! time 0 (`deliver #17`, `fire timer #9`, `crash S3`...), finding each message's and timer's
//! number there; the replay must end in the same violation, or exploration reports an error.

mod state;
mod symmetry;

use crate::catalog::{Model, ProtocolKind, Settings};
use crate::invariants::{CheckCtx, Checker, Requests, Violation};
use crate::node::{
    ConfChange, Effect, Message, NodeId, Out, Protocol, Reply, Request, TimerKind, MS,
};
use crate::protocols::raft::Membership;
use crate::share;
use crate::sim::history::{Action, ActionRecord};
use crate::sim::Simulation;
use state::{fingerprint, Envelope, Fx, FxBuild, IdentityBuild, Interner, Layout, Slot, Spent};
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use symmetry::{Sym, Symmetry};

/// How far to search, and which faults and client requests may happen on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExploreOptions {
    /// Paths of at most this many steps.
    pub max_depth: u32,
    /// Stop after this many distinct states.
    pub max_states: u64,
    /// Stop when the heap holds more than this many bytes (as the host measures it).
    pub max_memory: usize,
    /// Timers fire at most this many times on each node: a bound on retries and elections.
    pub timeouts: u8,
    /// Only S1..S`proposers` fire timers and take client requests; the others only answer.
    pub proposers: u8,
    /// Client requests in all, each to any of those nodes.
    pub requests: u8,
    /// Messages the network may lose, in all.
    pub drops: u8,
    /// Messages the network may deliver twice, in all.
    pub dups: u8,
    /// Crashes in all; a crashed node may restart at any step.
    pub crashes: u8,
    /// Membership changes in all, each offered to the leader (Raft with `membership=single`
    /// or `joint`): adding or removing any server of the node pool, and under joint consensus
    /// replacing one with another, where the leader does not refuse the change.
    pub reconfigs: u8,
    /// Timers may fire while older messages are still in flight (no bound on delay).
    pub asynchronous: bool,
    /// Keep one state of each class of node renamings the protocol allows.
    pub symmetry: bool,
    /// Timers of a kind (by its name in the protocol's `TimerKind::KINDS`) fire at most this
    /// many times on each node, within `timeouts`; kinds not named are bounded by `timeouts`
    /// alone. In the order given.
    pub timer_budget: Vec<(String, u8)>,
    /// Only messages of these kinds (by the protocol's `Present::MESSAGE_KINDS` names) may be
    /// lost or duplicated; empty: any.
    pub lossy: Vec<String>,
}

impl Default for ExploreOptions {
    fn default() -> Self {
        ExploreOptions {
            max_depth: u32::MAX,
            max_states: 10_000_000,
            max_memory: 4 << 30,
            timeouts: 1,
            proposers: u8::MAX,
            requests: 0,
            drops: 0,
            dups: 0,
            crashes: 0,
            reconfigs: 0,
            asynchronous: false,
            symmetry: false,
            timer_budget: Vec::new(),
            lossy: Vec::new(),
        }
    }
}

/// The explorer's names for the options: `lab explore` flags and links.
pub const OPTIONS_HELP: &[(&str, &str, &str)] = &[
    (
        "max-depth",
        "N",
        "paths of at most N steps (default: no bound)",
    ),
    (
        "max-states",
        "N",
        "stop after N distinct states (default 10000000)",
    ),
    (
        "max-memory",
        "SIZE",
        "stop above this heap size, e.g. 512MB (default 4GB)",
    ),
    (
        "timeouts",
        "N",
        "timers fire at most N times per node (default 1)",
    ),
    (
        "timer-budget",
        "KIND=N,...",
        "timers of a kind fire at most N times per node, e.g. finalize=2,heartbeat=0 \
         (default: only --timeouts)",
    ),
    (
        "proposers",
        "K",
        "only S1..SK fire timers and take requests (default: all)",
    ),
    ("client-requests", "N", "client requests in all (default 0)"),
    ("drops", "N", "messages the network may lose (default 0)"),
    (
        "dups",
        "N",
        "messages the network may duplicate (default 0)",
    ),
    (
        "lossy",
        "KIND,...",
        "only messages of these kinds may be lost or duplicated, e.g. Notification \
         (default: any)",
    ),
    (
        "crashes",
        "N",
        "node crashes; a crashed node may restart (default 0)",
    ),
    (
        "reconfigs",
        "N",
        "membership changes the leader may start, in all (Raft, membership=single or joint; default 0)",
    ),
    (
        "async",
        "",
        "timers may fire before older messages arrive (default: messages arrive first)",
    ),
    (
        "symmetry",
        "",
        "one state per renaming of interchangeable nodes (Raft's servers, 2PC's participants; \
         default: off)",
    ),
];

impl ExploreOptions {
    /// Options to start from for a protocol (the page's Explore panel begins with these): the
    /// budgets of its catalog entry, within bounds on states and memory that a search in the
    /// page reaches in seconds.
    pub fn for_protocol(kind: ProtocolKind) -> ExploreOptions {
        let b = kind.entry().explore;
        ExploreOptions {
            max_states: 2_000_000,
            max_memory: 512 << 20,
            proposers: b.proposers,
            requests: b.requests,
            crashes: b.crashes,
            asynchronous: b.asynchronous,
            ..ExploreOptions::default()
        }
    }

    /// The options as `lab explore` flags (name, value), those that differ from the defaults.
    pub fn flags(&self) -> Vec<(&'static str, String)> {
        let d = ExploreOptions::default();
        let mut out = Vec::new();
        let mut put = |name: &'static str, v: u64, dv: u64| {
            if v != dv {
                out.push((name, v.to_string()));
            }
        };
        put("max-depth", self.max_depth.into(), d.max_depth.into());
        put("max-states", self.max_states, d.max_states);
        put("max-memory", self.max_memory as u64, d.max_memory as u64);
        put("timeouts", self.timeouts.into(), d.timeouts.into());
        put("proposers", self.proposers.into(), d.proposers.into());
        put("client-requests", self.requests.into(), d.requests.into());
        put("drops", self.drops.into(), d.drops.into());
        put("dups", self.dups.into(), d.dups.into());
        put("crashes", self.crashes.into(), d.crashes.into());
        put("reconfigs", self.reconfigs.into(), d.reconfigs.into());
        if self.asynchronous {
            out.push(("async", String::new()));
        }
        if self.symmetry {
            out.push(("symmetry", String::new()));
        }
        if !self.timer_budget.is_empty() {
            out.push(("timer-budget", format_budget(&self.timer_budget)));
        }
        if !self.lossy.is_empty() {
            out.push(("lossy", self.lossy.join(",")));
        }
        out
    }

    /// Sets one option from its flag name and text; `Ok(false)` if the name is not ours.
    pub fn set(&mut self, name: &str, v: &str) -> Result<bool, String> {
        let small = |v: &str| -> Result<u8, String> {
            v.parse::<u8>()
                .map_err(|_| format!("--{name}: '{v}' is not a number from 0 to 255"))
        };
        let big = |v: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("--{name}: '{v}' is not a number"))
        };
        match name {
            "max-depth" => self.max_depth = u32::try_from(big(v)?).unwrap_or(u32::MAX),
            "max-states" => self.max_states = big(v)?,
            "max-memory" => {
                self.max_memory = parse_size(v).map_err(|e| format!("--{name}: {e}"))?
            }
            "timeouts" => self.timeouts = small(v)?,
            "proposers" => self.proposers = small(v)?,
            "client-requests" => self.requests = small(v)?,
            "drops" => self.drops = small(v)?,
            "dups" => self.dups = small(v)?,
            "crashes" => self.crashes = small(v)?,
            "reconfigs" => self.reconfigs = small(v)?,
            "async" => self.asynchronous = true,
            "symmetry" => self.symmetry = true,
            "timer-budget" => self.timer_budget = parse_budget(v)?,
            "lossy" => {
                self.lossy = v
                    .split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(String::from)
                    .collect();
                if self.lossy.is_empty() {
                    return Err(format!(
                        "--lossy: '{v}' names no kind of message (say e.g. Notification)"
                    ));
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// `finalize=2,syncLimit=1`: a budget per kind of timer, each kind once. Whether the kinds are
/// the protocol's is checked when the search starts.
pub fn parse_budget(v: &str) -> Result<Vec<(String, u8)>, String> {
    let mut out: Vec<(String, u8)> = Vec::new();
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || format!("--timer-budget: '{part}' is not KIND=N (N from 0 to 255)");
        let (kind, n) = part.split_once('=').ok_or_else(bad)?;
        let n = n.trim().parse::<u8>().map_err(|_| bad())?;
        let kind = kind.trim();
        if kind.is_empty() {
            return Err(bad());
        }
        if out.iter().any(|(k, _)| k == kind) {
            return Err(format!("--timer-budget: '{kind}' is given twice"));
        }
        out.push((kind.to_string(), n));
    }
    if out.is_empty() {
        return Err(format!(
            "--timer-budget: '{v}' names no kind (say e.g. finalize=2,heartbeat=0)"
        ));
    }
    Ok(out)
}

/// The budget as `--timer-budget` reads it.
fn format_budget(b: &[(String, u8)]) -> String {
    b.iter()
        .map(|(k, n)| format!("{k}={n}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `512MB`, `2GB`, `100KB` or a number of bytes.
pub fn parse_size(v: &str) -> Result<usize, String> {
    let upper = v.to_ascii_uppercase();
    let (digits, unit) = match upper.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => upper.split_at(i),
        None => (upper.as_str(), ""),
    };
    let shift = match unit {
        "" | "B" => 0,
        "KB" | "K" => 10,
        "MB" | "M" => 20,
        "GB" | "G" => 30,
        _ => return Err(format!("'{v}' is not a size like 512MB")),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|d| d.checked_mul(1 << shift))
        .ok_or_else(|| format!("'{v}' is not a size like 512MB"))
}

/// What the explorer needs from its host: a clock, the heap size, and someone to tell how it
/// goes (the engine itself never reads the host).
pub trait Host {
    fn seconds(&self) -> f64;
    /// Bytes on the heap now (0 if the host cannot tell: `--max-memory` then never stops).
    fn allocated(&self) -> usize;
    /// Called every few thousand states; returning false cancels the search.
    fn progress(&mut self, stats: &Stats) -> bool;
}

/// How far a search went.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Transitions taken (states generated, duplicates included), each checked.
    pub states: u64,
    /// Distinct states.
    pub unique: u64,
    /// The depth being explored (every shallower state was expanded).
    pub depth: u32,
    pub seconds: f64,
    /// The most heap seen in use, in bytes (as the host measures it).
    pub peak_memory: usize,
}

impl Stats {
    pub fn states_per_second(&self) -> f64 {
        self.unique as f64 / self.seconds.max(1e-9)
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} states, {} unique, depth {}, {:.2}s, {:.0} k unique states/s, peak {:.1} MB",
            self.states,
            self.unique,
            self.depth,
            self.seconds,
            self.states_per_second() / 1e3,
            self.peak_memory as f64 / (1024.0 * 1024.0)
        )
    }
}

/// Why a search ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Every reachable state within the budgets was explored: no violation exists there.
    Exhausted,
    /// Every path up to `max_depth` steps was explored and none violates an invariant.
    DepthBound,
    StateBound,
    MemoryBound,
    Cancelled,
    Violation(Box<Counterexample>),
}

/// A shortest path to a violation, as actions the timed simulator replays.
#[derive(Clone, Debug, PartialEq)]
pub struct Counterexample {
    pub violation: Violation,
    pub settings: Settings,
    /// The path's steps as actions, each at its own moment under the manual schedule (the
    /// settings say `schedule=manual`), the last one causing the violation.
    pub actions: Vec<ActionRecord>,
}

impl Counterexample {
    /// The action script `lab run --actions` replays.
    pub fn script(&self) -> String {
        crate::script::format_actions(&self.actions)
    }
    /// The query string that opens the run in the app, at the violation.
    pub fn link(&self) -> String {
        let ev = self.actions.len().to_string();
        share::encode_link(&self.settings, &self.actions, &[("ev", &ev)])
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub stats: Stats,
    pub outcome: Outcome,
}

/// Explores the protocol the settings name, to the end.
pub fn explore(
    settings: &Settings,
    opts: &ExploreOptions,
    host: &mut dyn Host,
) -> Result<Report, String> {
    let mut search = Search::new(settings, opts)?;
    loop {
        if let Some(report) = search.resume(host, f64::INFINITY)? {
            return Ok(report);
        }
    }
}

/// Explores to the end with `threads` threads expanding each level (native only: the page's
/// worker has one). The report is the one [`explore`] gives, whatever the number of threads,
/// but for the time and memory it took.
#[cfg(not(target_arch = "wasm32"))]
pub fn explore_parallel(
    settings: &Settings,
    opts: &ExploreOptions,
    threads: usize,
    host: &mut dyn Host,
) -> Result<Report, String> {
    if threads <= 1 {
        return explore(settings, opts, host);
    }
    Search::new(settings, opts)?.inner.parallel(host, threads)
}

/// A search that can stop and go on: the page's worker runs it in slices, reading its
/// messages (a cancel, say) between them; [`explore`] runs it in one go.
pub struct Search {
    inner: Box<dyn Resume>,
}

/// [`Explorer`] with its protocol type hidden.
trait Resume {
    fn resume(&mut self, host: &mut dyn Host, until: f64) -> Result<Option<Report>, String>;
    #[cfg(not(target_arch = "wasm32"))]
    fn parallel(&mut self, host: &mut dyn Host, threads: usize) -> Result<Report, String>;
}

impl Search {
    pub fn new(settings: &Settings, opts: &ExploreOptions) -> Result<Search, String> {
        settings.validate()?;
        macro_rules! dispatch {
            ($($kind:ident($ty:ty)),* $(,)?) => {
                match settings.protocol {
                    $(ProtocolKind::$kind => Box::new(Explorer::<$ty>::new(settings, opts)?) as Box<dyn Resume>,)*
                }
            };
        }
        Ok(Search {
            inner: crate::catalog::for_each_protocol!(dispatch!()),
        })
    }

    /// Searches on until the outcome is known (`Some`) or the host's clock reads `until` or
    /// later at one of its progress calls (`None`: call again to go on). Once it has
    /// answered `Some`, the search is over and answers the same again.
    pub fn resume(&mut self, host: &mut dyn Host, until: f64) -> Result<Option<Report>, String> {
        self.inner.resume(host, until)
    }
}

/// One step of a path, by content (the simulator numbers messages and timers; the explorer
/// does not).
#[derive(Clone, Debug)]
enum Step<P: Protocol> {
    /// Deliver a message (to a down node it is lost, as in the simulator).
    Deliver(Envelope<P::Msg>),
    Fire(NodeId, P::Timer),
    Drop(Envelope<P::Msg>),
    Duplicate(Envelope<P::Msg>),
    Crash(NodeId),
    Restart(NodeId),
    Request(NodeId),
    /// A membership change offered to the leader (the simulator finds the same one).
    Reconfigure(ConfChange),
}

/// What a step changes, by number: enough to enumerate successors without cloning content.
#[derive(Clone, Copy, Debug)]
enum Move {
    Deliver(u32),
    Fire(NodeId, usize),
    Drop(u32),
    Duplicate(u32),
    Crash(NodeId),
    Restart(NodeId),
    Request(NodeId),
    /// The leader starts the `k`-th of [`Tables::changes`].
    Reconfigure(NodeId, usize),
}

/// A transition at one node, by number: a message delivered to it (which names the node), or
/// the node's `t`-th pending timer.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Handle {
    Deliver(u32),
    Fire(NodeId, usize),
}

/// What a [`Handle`] did, as [`Explorer::handle`] caches it.
struct Handled {
    /// The node's new slot.
    slot: u32,
    /// Messages sent, and client replies.
    sent: Box<[u32]>,
    replies: Box<[(NodeId, u64, Reply)]>,
    /// Whether a handler ran (not for a message to a crashed node), and if so whether it
    /// armed a timer.
    armed: Option<bool>,
    timers_empty: bool,
}

/// The parent of the initial state in the visited map.
const ROOT: u64 = 0;

// Which nodes a message holds back is a bit per node in a `u32`.
const _: () = assert!(crate::catalog::MAX_NODES <= 32);

struct Explorer<P: Model> {
    /// What the threads of a parallel search share.
    t: Tables<P>,
    /// The parent of every state reached (the initial state's is [`ROOT`]).
    visited: HashMap<u64, u64, IdentityBuild>,
    /// The scratch of the search on this thread.
    sc: Scratch<P>,
    /// Where the search stands between slices.
    at: Progress,
}

/// The protocol, the budgets and every value interned: all a thread reads to expand a state.
struct Tables<P: Model> {
    settings: Settings,
    proto: P,
    opts: ExploreOptions,
    n: usize,
    lay: Layout,
    slots: Interner<Slot<P>>,
    msgs: Interner<Envelope<P::Msg>>,
    checkers: Interner<P::Checker>,
    /// The client requests issued after k requests, as the checker sees them.
    requests: Vec<Requests>,
    /// The renamings states are reduced by (`--symmetry`).
    sym: Option<Sym<P>>,
    /// The membership changes a leader may be offered (`--reconfigs`), in the order tried.
    changes: Vec<ConfChange>,
    /// `--timer-budget` by kind index (`None`: no budget of its own); empty without it.
    kind_budget: Vec<Option<u8>>,
    /// `--lossy`: whether a message of each kind may be dropped or duplicated; empty: any.
    lossy: Vec<bool>,
}

/// What one thread expanding states keeps to itself.
struct Scratch<P: Model> {
    /// Every node's state and storage in the state being expanded, for the checker.
    nodes: Vec<Option<P::State>>,
    durable: Vec<P::Durable>,
    /// The slot each scratch entry holds.
    loaded: Vec<u32>,
    /// The messages of the successor being built.
    scratch: Vec<u32>,
    /// Transitions taken before, by the node's slot and what happened to it. Each thread
    /// keeps its own: no lock on the hottest path, at the price of computing a transition
    /// once per thread.
    handled: HashMap<(u32, Handle), Arc<Handled>, FxBuild>,
    /// `--symmetry`: a value renamed by the k-th renaming, by its kind ([`Part`]), number
    /// and k: the renamed value's number and content hash.
    renamed: HashMap<(Part, u32, u16), (u32, u64), FxBuild>,
    /// Bounded delay: message number `m` with node `i`'s hold bit set (or cleared), keyed
    /// `m << 6 | i << 1 | set`, as [`Tables::hold`] found it. A value keeps its number, so this
    /// is the number interning would give, without cloning, hashing and looking the message
    /// up again for every message in flight of every successor.
    held: HashMap<u64, u32, FxBuild>,
}

/// The kinds of values a state row numbers, for [`Scratch::renamed`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Part {
    Slot,
    Msg,
    Checker,
}

impl<P: Model> Default for Scratch<P> {
    fn default() -> Self {
        Scratch {
            nodes: Vec::new(),
            durable: Vec::new(),
            loaded: Vec::new(),
            scratch: Vec::new(),
            handled: HashMap::default(),
            renamed: HashMap::default(),
            held: HashMap::default(),
        }
    }
}

/// The breadth-first search's own state: the level being expanded and the next one.
#[derive(Default)]
struct Progress {
    started: bool,
    /// The host's clock and heap when the search started.
    t0: f64,
    base: usize,
    stats: Stats,
    /// States of the current depth; those before `pos` are expanded (and emptied).
    level: Vec<(u64, Box<[u32]>)>,
    pos: usize,
    next: Vec<(u64, Box<[u32]>)>,
    /// States expanded, for progress calls every 1024.
    tick: u32,
    /// The answer, once known.
    done: Option<Report>,
}

/// One state of a level as a thread of the parallel search expanded it.
#[cfg(not(target_arch = "wasm32"))]
struct Expanded {
    /// Transitions taken, the violating one included.
    taken: u64,
    /// Successors new to the thread that took them, by fingerprint, in move order.
    children: Vec<(u64, Box<[u32]>)>,
    violation: Option<(Move, Violation)>,
}

impl<P: Symmetry> Explorer<P> {
    fn new(settings: &Settings, opts: &ExploreOptions) -> Result<Self, String> {
        let sym = if opts.symmetry {
            Some(Sym::new(settings, opts.proposers)?)
        } else {
            None
        };
        let kind_budget = kind_budget::<P::Timer>(&opts.timer_budget)
            .map_err(|e| format!("--timer-budget: {e} ({})", P::NAME))?;
        let lossy = lossy_kinds(P::MESSAGE_KINDS, &opts.lossy)
            .map_err(|e| format!("--lossy: {e} ({})", P::NAME))?;
        let proto = P::from_settings(settings);
        let n = settings.nodes;
        let changes = if opts.reconfigs > 0 {
            changes(settings)?
        } else {
            Vec::new()
        };
        let mut requests = vec![Requests::default()];
        for k in 1..=u64::from(opts.requests) {
            let mut m = requests.last().cloned().unwrap_or_default();
            m.record(request(k));
            requests.push(m);
        }
        Ok(Explorer {
            t: Tables {
                settings: settings.clone(),
                proto,
                opts: opts.clone(),
                n,
                lay: Layout {
                    n,
                    reconfigs: opts.reconfigs > 0,
                },
                slots: Interner::new(),
                msgs: Interner::new(),
                checkers: Interner::new(),
                requests,
                sym,
                changes,
                kind_budget,
                lossy,
            },
            visited: HashMap::default(),
            sc: Scratch::default(),
            at: Progress::default(),
        })
    }
}

/// `--lossy` as a flag per kind of the protocol's messages, or the name it does not know.
fn lossy_kinds(kinds: &[&str], given: &[String]) -> Result<Vec<bool>, String> {
    if given.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = vec![false; kinds.len()];
    for name in given {
        let k = kinds
            .iter()
            .position(|k| k.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!(
                    "no message is called '{name}' here; its messages are {}",
                    kinds.join(", ")
                )
            })?;
        out[k] = true;
    }
    Ok(out)
}

/// `--timer-budget` by kind index of the protocol's timers, or the name it does not know.
fn kind_budget<T: TimerKind>(given: &[(String, u8)]) -> Result<Vec<Option<u8>>, String> {
    if given.is_empty() {
        return Ok(Vec::new());
    }
    // Counts are kept a byte per kind in one word.
    assert!(T::KINDS.len() <= 8, "at most 8 kinds of timer");
    let mut out = vec![None; T::KINDS.len()];
    for (name, n) in given {
        let k = T::KINDS
            .iter()
            .position(|k| k.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!(
                    "no timer is called '{name}' here; its timers are {}",
                    T::KINDS.join(", ")
                )
            })?;
        out[k] = Some(*n);
    }
    Ok(out)
}

impl<P: Model> Tables<P> {
    /// Every node boots, in id order, as in the simulator; the checker starts empty (told of
    /// a lossy network, as the simulator tells it).
    fn initial(&self) -> Box<[u32]> {
        let mut row = vec![0; self.lay.msgs()];
        let mut msgs = Vec::new();
        for id in NodeId::all(self.n) {
            let mut slot = Slot::<P> {
                state: None,
                durable: P::Durable::default(),
                timers: Vec::new(),
                fired: 0,
                fired_kinds: 0,
            };
            let mut out = Out::new(false);
            slot.state = Some(self.proto.on_start(id, &slot.durable, &mut out));
            let armed = self.effects(id, &mut slot, out, &mut msgs, &mut Vec::new(), 0);
            let memo = &mut HashMap::default();
            self.hold(memo, id, slot.timers.is_empty(), armed, &mut msgs);
            row[id.idx()] = self.slots.intern(slot);
        }
        let mut checker = P::Checker::default();
        let net = &self.settings.network;
        if net.loss_ppm > 0 || net.dup_ppm > 0 {
            checker.network_fault();
        }
        row[self.lay.checker()] = self.checkers.intern(checker);
        row[self.lay.spent()] = Spent::default().pack();
        msgs.sort_unstable();
        row.extend(msgs);
        row.into_boxed_slice()
    }

    /// Carries out a handler's effects on the node's slot and the network, as the simulator's
    /// world does (a re-armed timer replaces the pending one of its kind). Returns whether it
    /// armed a timer, for [`Explorer::hold`], which the caller applies once the messages in
    /// flight are all there.
    fn effects(
        &self,
        node: NodeId,
        slot: &mut Slot<P>,
        out: Out<P>,
        msgs: &mut Vec<u32>,
        replies: &mut Vec<(NodeId, u64, Reply)>,
        holds: u32,
    ) -> bool {
        let mut armed = false;
        for e in out.effects {
            match e {
                Effect::Send { to, msg } => msgs.push(self.msgs.intern(Envelope {
                    from: node,
                    to,
                    msg,
                    holds,
                })),
                Effect::SetTimer { timer, .. } => {
                    slot.arm(timer);
                    armed = true;
                }
                Effect::CancelTimer(timer) => slot.disarm(&timer),
                Effect::Persist(d) => slot.durable = d,
                Effect::Reply { request, reply } => replies.push((node, request, reply)),
                Effect::Narrate(_) => {}
            }
        }
        armed
    }

    /// A message delivered to a node, or one of its timers fired: the node's new slot, what it
    /// sent and answered. Handlers are deterministic, so the same slot and message (or timer)
    /// always give the same result; most transitions repeat one taken before, and the cache
    /// spares them the handler and the interning.
    fn handle(&self, sc: &mut Scratch<P>, slot_id: u32, what: Handle) -> Arc<Handled> {
        if let Some(done) = sc.handled.get(&(slot_id, what)) {
            return done.clone();
        }
        let mut slot = self.slots.get(slot_id).clone();
        let mut sent = Vec::new();
        let mut replies = Vec::new();
        let mut armed = None;
        match what {
            Handle::Deliver(m) => {
                let Envelope {
                    from,
                    to,
                    msg,
                    holds,
                } = self.msgs.get(m).clone();
                if let Some(s) = slot.state.as_mut() {
                    let mut out = Out::new(false);
                    self.proto.on_msg(s, from, msg, &mut out);
                    // Replies continue the exchange the delivered message belongs to: they
                    // too arrive before the timers it holds back.
                    armed = Some(self.effects(to, &mut slot, out, &mut sent, &mut replies, holds));
                }
            }
            Handle::Fire(id, t) => {
                let timer = slot.timers.remove(t);
                slot.fired += 1;
                if !self.kind_budget.is_empty() {
                    slot.count_fired(timer.kind());
                }
                let mut out = Out::new(false);
                let s = slot.state.as_mut().expect("timers die with their node");
                self.proto.on_timer(s, timer, &mut out);
                armed = Some(self.effects(id, &mut slot, out, &mut sent, &mut replies, 0));
            }
        }
        let timers_empty = slot.timers.is_empty();
        let done = Arc::new(Handled {
            slot: self.slots.intern(slot),
            sent: sent.into_boxed_slice(),
            replies: replies.into_boxed_slice(),
            armed,
            timers_empty,
        });
        sc.handled.insert((slot_id, what), done.clone());
        done
    }

    /// Takes a delivery or a timer at `node` from `row` into the successor being built: its
    /// messages and replies, the bounded-delay holds, and the node's new slot.
    fn apply(
        &self,
        sc: &mut Scratch<P>,
        row: &[u32],
        node: NodeId,
        what: Handle,
        msgs: &mut Vec<u32>,
        replies: &mut Vec<(NodeId, u64, Reply)>,
    ) -> (NodeId, u32) {
        let done = self.handle(sc, row[node.idx()], what);
        msgs.extend_from_slice(&done.sent);
        replies.extend_from_slice(&done.replies);
        if let Some(armed) = done.armed {
            self.hold(&mut sc.held, node, done.timers_empty, armed, msgs);
        }
        (node, done.slot)
    }

    /// Bounded delay: a node that armed a timer makes every message now in flight (those it
    /// just sent included) hold its timers back until they arrive. A node with no timer left
    /// is held by nothing, so its bit is cleared and equal states stay equal. `memo` keeps
    /// what each message became ([`Scratch::held`]).
    fn hold(
        &self,
        memo: &mut HashMap<u64, u32, FxBuild>,
        node: NodeId,
        timers_empty: bool,
        armed: bool,
        msgs: &mut [u32],
    ) {
        let bit = 1u32 << node.idx();
        let set = armed && !timers_empty;
        if self.opts.asynchronous || !(set || timers_empty) {
            return;
        }
        for m in msgs.iter_mut() {
            let key = (u64::from(*m) << 6) | ((node.idx() as u64) << 1) | u64::from(set);
            *m = *memo.entry(key).or_insert_with(|| {
                let e = self.msgs.get(*m);
                if (e.holds & bit != 0) == set {
                    return *m;
                }
                let mut e = e.clone();
                e.holds ^= bit;
                self.msgs.intern(e)
            });
        }
    }

    /// Fills the scratch with the nodes of `row`, for the checker. States expanded one after
    /// another share most slots, so only the slots that differ are cloned.
    fn load(&self, sc: &mut Scratch<P>, row: &[u32]) {
        if sc.loaded.len() != self.n {
            sc.loaded = vec![u32::MAX; self.n];
            sc.nodes = vec![None; self.n];
            sc.durable = vec![P::Durable::default(); self.n];
        }
        for (i, &id) in row[..self.n].iter().enumerate() {
            if sc.loaded[i] != id {
                let slot = self.slots.get(id);
                sc.nodes[i] = slot.state.clone();
                sc.durable[i] = slot.durable.clone();
                sc.loaded[i] = id;
            }
        }
    }

    /// The moves possible from `row`, in a fixed order: deliveries, timers, then faults and
    /// requests within their budgets.
    fn moves(&self, row: &[u32], into: &mut Vec<Move>) {
        into.clear();
        let spent = self.spent(row);
        let msgs = &row[self.lay.msgs()..];
        let distinct = || {
            msgs.iter()
                .enumerate()
                .filter(|&(i, m)| i == 0 || msgs[i - 1] != *m)
                .map(|(_, &m)| m)
        };
        into.extend(distinct().map(Move::Deliver));
        let acts = |id: NodeId| usize::from(id.0) <= usize::from(self.opts.proposers);
        let held = msgs.iter().fold(0, |h, &m| h | self.msgs.get(m).holds);
        for id in NodeId::all(self.n).filter(|&id| acts(id)) {
            let slot = self.slots.get(row[id.idx()]);
            if slot.fired < self.opts.timeouts && held & (1 << id.idx()) == 0 {
                let within = |t: &P::Timer| {
                    let k = t.kind();
                    self.kind_budget
                        .get(k)
                        .copied()
                        .flatten()
                        .is_none_or(|b| slot.fired_of(k) < b)
                };
                into.extend(
                    (0..slot.timers.len())
                        .filter(|&t| within(&slot.timers[t]))
                        .map(|t| Move::Fire(id, t)),
                );
            }
        }
        let lossy = |&m: &u32| self.lossy.is_empty() || self.lossy[self.msgs.get(m).msg.kind()];
        if spent.drops < self.opts.drops {
            into.extend(distinct().filter(lossy).map(Move::Drop));
        }
        if spent.dups < self.opts.dups {
            into.extend(distinct().filter(lossy).map(Move::Duplicate));
        }
        for id in NodeId::all(self.n) {
            let up = self.slots.get(row[id.idx()]).state.is_some();
            if up && spent.crashes < self.opts.crashes {
                into.push(Move::Crash(id));
            } else if !up {
                into.push(Move::Restart(id));
            }
        }
        if spent.requests < self.opts.requests {
            for id in NodeId::all(self.n).filter(|&id| acts(id)) {
                if self.slots.get(row[id.idx()]).state.is_some() {
                    into.push(Move::Request(id));
                }
            }
        }
        if spent.reconfigs < self.opts.reconfigs {
            if let Some((leader, s)) = self.leader(row) {
                // A refused change is no step: the simulator would not record it.
                into.extend(
                    (self.changes.iter().enumerate())
                        .filter(|(_, c)| self.proto.reconfigure_refusal(s, c).is_none())
                        .map(|(k, _)| Move::Reconfigure(leader, k)),
                );
            }
        }
    }

    /// The budgets spent on the way to `row`.
    fn spent(&self, row: &[u32]) -> Spent {
        let mut spent = Spent::unpack(row[self.lay.spent()]);
        if self.lay.reconfigs {
            spent.reconfigs = row[self.lay.reconfigs()] as u8;
        }
        spent
    }

    /// The node membership changes go to, as the simulator picks it: the live node that leads
    /// the highest term, the lowest id on a tie (a deposed leader may not know it yet).
    fn leader<'a>(&'a self, row: &[u32]) -> Option<(NodeId, &'a P::State)> {
        NodeId::all(self.n)
            .filter_map(|id| {
                let s = self.slots.get(row[id.idx()]).state.as_ref()?;
                let p = self.proto.progress(s);
                p.leader.then_some((id, p.term, s))
            })
            .max_by_key(|&(id, term, _)| (term, std::cmp::Reverse(id)))
            .map(|(id, _, s)| (id, s))
    }

    /// The move as content, for the path and the simulator.
    fn step_of(&self, row: &[u32], mv: Move) -> Step<P> {
        match mv {
            Move::Deliver(m) => Step::Deliver(self.msgs.get(m).clone()),
            Move::Drop(m) => Step::Drop(self.msgs.get(m).clone()),
            Move::Duplicate(m) => Step::Duplicate(self.msgs.get(m).clone()),
            Move::Fire(id, t) => Step::Fire(id, self.slots.get(row[id.idx()]).timers[t].clone()),
            Move::Crash(id) => Step::Crash(id),
            Move::Restart(id) => Step::Restart(id),
            Move::Request(id) => Step::Request(id),
            Move::Reconfigure(_, k) => Step::Reconfigure(self.changes[k].clone()),
        }
    }

    /// Takes one move from `row` (whose nodes are in the scratch): the successor's row and
    /// what the checker found on the way.
    /// Scratch buffers are reused: most successors were seen before and are dropped at once.
    fn successor(
        &self,
        sc: &mut Scratch<P>,
        row: &[u32],
        mv: Move,
        child: &mut Vec<u32>,
    ) -> Vec<Violation> {
        let mut msgs = std::mem::take(&mut sc.scratch);
        msgs.clear();
        msgs.extend_from_slice(&row[self.lay.msgs()..]);
        let mut spent = self.spent(row);
        let mut checker = self.checkers.get(row[self.lay.checker()]).clone();
        let mut replies = Vec::new();
        let take = |msgs: &mut Vec<u32>, m: u32| {
            let at = msgs.binary_search(&m).expect("in flight");
            msgs.remove(at);
        };
        // The node the move happens at, with its new slot's number.
        let mut changed: Option<(NodeId, u32)> = None;
        match mv {
            Move::Deliver(m) => {
                take(&mut msgs, m);
                let to = self.msgs.get(m).to;
                changed =
                    Some(self.apply(sc, row, to, Handle::Deliver(m), &mut msgs, &mut replies));
            }
            Move::Fire(id, t) => {
                changed =
                    Some(self.apply(sc, row, id, Handle::Fire(id, t), &mut msgs, &mut replies));
            }
            Move::Drop(m) => {
                take(&mut msgs, m);
                spent.drops += 1;
                checker.network_fault();
            }
            Move::Duplicate(m) => {
                msgs.push(m);
                spent.dups += 1;
                checker.network_fault();
            }
            Move::Crash(id) => {
                let mut slot = self.slots.get(row[id.idx()]).clone();
                slot.state = None;
                slot.timers.clear();
                self.hold(&mut sc.held, id, true, false, &mut msgs);
                spent.crashes += 1;
                changed = Some((id, self.slots.intern(slot)));
            }
            Move::Restart(id) => {
                let mut slot = self.slots.get(row[id.idx()]).clone();
                let mut out = Out::new(false);
                slot.state = Some(self.proto.on_start(id, &slot.durable, &mut out));
                let armed = self.effects(id, &mut slot, out, &mut msgs, &mut replies, 0);
                self.hold(&mut sc.held, id, slot.timers.is_empty(), armed, &mut msgs);
                changed = Some((id, self.slots.intern(slot)));
            }
            Move::Request(id) => {
                spent.requests += 1;
                let mut slot = self.slots.get(row[id.idx()]).clone();
                let mut out = Out::new(false);
                let s = slot.state.as_mut().expect("requests go to live nodes");
                self.proto
                    .on_request(s, request(u64::from(spent.requests)), &mut out);
                let armed = self.effects(id, &mut slot, out, &mut msgs, &mut replies, 0);
                self.hold(&mut sc.held, id, slot.timers.is_empty(), armed, &mut msgs);
                changed = Some((id, self.slots.intern(slot)));
            }
            Move::Reconfigure(leader, k) => {
                spent.reconfigs += 1;
                let mut slot = self.slots.get(row[leader.idx()]).clone();
                let mut out = Out::new(false);
                let s = slot.state.as_mut().expect("changes go to a live leader");
                self.proto.on_reconfigure(s, &self.changes[k], &mut out);
                let armed = self.effects(leader, &mut slot, out, &mut msgs, &mut replies, 0);
                self.hold(
                    &mut sc.held,
                    leader,
                    slot.timers.is_empty(),
                    armed,
                    &mut msgs,
                );
                changed = Some((leader, self.slots.intern(slot)));
            }
        }
        // The checker sees the cluster after the move, as in the simulator: the new slot's
        // state and storage go into the scratch for the check, then the parent's come back.
        let one;
        let ids: &[NodeId] = match &changed {
            Some((id, _)) => {
                one = [*id];
                &one
            }
            None => &[],
        };
        let mut parked = None;
        if let Some((id, sid)) = changed {
            let i = id.idx();
            if sid != row[i] {
                let slot = self.slots.get(sid);
                let state = std::mem::replace(&mut sc.nodes[i], slot.state.clone());
                let durable = std::mem::replace(&mut sc.durable[i], slot.durable.clone());
                parked = Some((i, state, durable));
            }
        }
        let violations = checker.check(&CheckCtx {
            proto: &self.proto,
            nodes: &sc.nodes,
            durable: &sc.durable,
            changed: ids,
            replies: &replies,
            requests: &self.requests[usize::from(spent.requests)],
        });
        if let Some((i, state, durable)) = parked {
            sc.nodes[i] = state;
            sc.durable[i] = durable;
        }
        child.clear();
        child.extend_from_slice(&row[..self.lay.msgs()]);
        if let Some((id, sid)) = changed {
            child[id.idx()] = sid;
        }
        // Most moves leave the checker as it was: comparing with the parent's (imbl maps
        // compare by pointer first) is cheaper than hashing to intern.
        if checker != *self.checkers.get(row[self.lay.checker()]) {
            child[self.lay.checker()] = self.checkers.intern(checker);
        }
        child[self.lay.spent()] = spent.pack();
        if self.lay.reconfigs {
            child[self.lay.reconfigs()] = spent.reconfigs.into();
        }
        msgs.sort_unstable();
        child.extend_from_slice(&msgs);
        sc.scratch = msgs;
        violations
    }

    /// Turns `row` into the representative of its class under the search's renamings (see
    /// [`symmetry`]); without `--symmetry` it stays as it is. The renaming whose content
    /// comes first wins, judged part by part (the slots in their new places, then the
    /// checker, then the messages) among the renamings still tied.
    fn canonical(&self, sc: &mut Scratch<P>, row: &mut [u32]) {
        let Some(sym) = &self.sym else { return };
        let (n, lay) = (self.n, &self.lay);
        let mut tied: Vec<usize> = (0..sym.perms.len()).collect();
        let mut best: Vec<u64> = Vec::new();
        let mut key = Vec::new();
        let mut keep = |tied: &mut Vec<usize>, key_of: &mut dyn FnMut(usize, &mut Vec<u64>)| {
            let mut still = Vec::with_capacity(tied.len());
            for &k in tied.iter() {
                key.clear();
                key_of(k, &mut key);
                if still.is_empty() || key < best {
                    still.clear();
                    std::mem::swap(&mut best, &mut key);
                    still.push(k);
                } else if key == best {
                    still.push(k);
                }
            }
            *tied = still;
        };
        keep(&mut tied, &mut |k, key| {
            key.resize(n, 0);
            for (i, &slot) in row[..n].iter().enumerate() {
                let to = sym.perms[k].id(NodeId::from_idx(i)).idx();
                key[to] = self.renamed(sc, sym, Part::Slot, slot, k).1;
            }
        });
        if tied.len() > 1 {
            let checker = row[lay.checker()];
            keep(&mut tied, &mut |k, key| {
                key.push(self.renamed(sc, sym, Part::Checker, checker, k).1);
            });
        }
        if tied.len() > 1 {
            keep(&mut tied, &mut |k, key| {
                for &m in &row[lay.msgs()..] {
                    key.push(self.renamed(sc, sym, Part::Msg, m, k).1);
                }
                key.sort_unstable();
            });
        }
        // Several left means the renamings give the same state (or a hash collision, which
        // only keeps two representatives of one class): the first will do.
        let k = tied[0];
        if k == 0 {
            return;
        }
        let old: Vec<u32> = row[..n].to_vec();
        for (i, &slot) in old.iter().enumerate() {
            let to = sym.perms[k].id(NodeId::from_idx(i)).idx();
            row[to] = self.renamed(sc, sym, Part::Slot, slot, k).0;
        }
        row[lay.checker()] = self
            .renamed(sc, sym, Part::Checker, row[lay.checker()], k)
            .0;
        let msgs = &mut row[lay.msgs()..];
        for m in msgs.iter_mut() {
            *m = self.renamed(sc, sym, Part::Msg, *m, k).0;
        }
        msgs.sort_unstable();
    }

    /// Value `id` of a kind renamed by the k-th renaming: its number and content hash,
    /// computed once per thread.
    fn renamed(
        &self,
        sc: &mut Scratch<P>,
        sym: &Sym<P>,
        part: Part,
        id: u32,
        k: usize,
    ) -> (u32, u64) {
        let at = (part, id, k as u16);
        if let Some(&done) = sc.renamed.get(&at) {
            return done;
        }
        fn hash(v: &impl Hash) -> u64 {
            let mut h = Fx::default();
            v.hash(&mut h);
            h.finish()
        }
        let p = &sym.perms[k];
        let done = match (part, k) {
            (Part::Slot, 0) => (id, hash(self.slots.get(id))),
            (Part::Msg, 0) => (id, hash(self.msgs.get(id))),
            (Part::Checker, 0) => (id, hash(self.checkers.get(id))),
            (Part::Slot, _) => {
                let v = sym.slot(self.slots.get(id), p);
                let h = hash(&v);
                (self.slots.intern(v), h)
            }
            (Part::Msg, _) => {
                let v = sym.envelope(self.msgs.get(id), p);
                let h = hash(&v);
                (self.msgs.intern(v), h)
            }
            (Part::Checker, _) => {
                let v = (sym.renaming.checker)(self.checkers.get(id), p);
                let h = hash(&v);
                (self.checkers.intern(v), h)
            }
        };
        sc.renamed.insert(at, done);
        done
    }
}

impl<P: Model> Explorer<P> {
    fn search(&mut self, host: &mut dyn Host, until: f64) -> Result<Option<Report>, String> {
        if let Some(report) = &self.at.done {
            return Ok(Some(report.clone()));
        }
        if !self.at.started {
            self.at.started = true;
            self.at.t0 = host.seconds();
            self.at.base = host.allocated();
            let mut init = self.t.initial();
            self.t.canonical(&mut self.sc, &mut init);
            let init_fp = fingerprint(&init);
            self.visited.insert(init_fp, ROOT);
            self.at.stats.unique = 1;
            self.at.level = vec![(init_fp, init)];
        }
        let (t0, base) = (self.at.t0, self.at.base);
        let mut moves = Vec::new();
        let mut child = Vec::new();
        let outcome = 'search: loop {
            // A level is judged before its first state is expanded, not again on resuming.
            if self.at.pos == 0 {
                if self.at.level.is_empty() {
                    break Outcome::Exhausted;
                }
                if self.at.stats.depth >= self.t.opts.max_depth {
                    break Outcome::DepthBound;
                }
            }
            while self.at.pos < self.at.level.len() {
                let (fp, row) = std::mem::take(&mut self.at.level[self.at.pos]);
                self.at.pos += 1;
                self.t.load(&mut self.sc, &row);
                self.t.moves(&row, &mut moves);
                for &mv in &moves {
                    let violations = self.t.successor(&mut self.sc, &row, mv, &mut child);
                    self.at.stats.states += 1;
                    if let Some(v) = violations.into_iter().next() {
                        let (path, v) = self.path_to(fp, &row, mv, v)?;
                        self.at.stats.depth += 1;
                        self.at.stats.seconds = host.seconds() - t0;
                        break 'search Outcome::Violation(Box::new(
                            self.t.counterexample(path, v)?,
                        ));
                    }
                    self.t.canonical(&mut self.sc, &mut child);
                    let child_fp = fingerprint(&child);
                    if let std::collections::hash_map::Entry::Vacant(e) =
                        self.visited.entry(child_fp)
                    {
                        e.insert(fp);
                        self.at.stats.unique += 1;
                        self.at.next.push((child_fp, child.as_slice().into()));
                    }
                }
                self.at.tick += 1;
                if self.at.tick % 1024 == 0 {
                    let stats = &mut self.at.stats;
                    let mem = host.allocated().saturating_sub(base);
                    stats.peak_memory = stats.peak_memory.max(mem);
                    let now = host.seconds();
                    stats.seconds = now - t0;
                    if !host.progress(stats) {
                        break 'search Outcome::Cancelled;
                    }
                    if stats.unique >= self.t.opts.max_states {
                        break 'search Outcome::StateBound;
                    }
                    if mem > self.t.opts.max_memory {
                        break 'search Outcome::MemoryBound;
                    }
                    if now >= until {
                        return Ok(None);
                    }
                }
            }
            let at = &mut self.at;
            at.level.clear();
            at.pos = 0;
            std::mem::swap(&mut at.level, &mut at.next);
            if !at.level.is_empty() {
                at.stats.depth += 1;
            }
        };
        Ok(Some(self.finish(host, outcome)))
    }

    /// The search is over: its levels are let go at once, not when the search is dropped,
    /// and the host hears the last figures.
    fn finish(&mut self, host: &mut dyn Host, outcome: Outcome) -> Report {
        self.at.level = Vec::new();
        self.at.next = Vec::new();
        let stats = &mut self.at.stats;
        let mem = host.allocated().saturating_sub(self.at.base);
        stats.peak_memory = stats.peak_memory.max(mem);
        stats.seconds = host.seconds() - self.at.t0;
        host.progress(stats);
        let report = Report {
            stats: stats.clone(),
            outcome,
        };
        self.at.done = Some(report.clone());
        report
    }

    /// The same search as [`search`](Self::search), each level expanded by `threads` threads,
    /// with the same answer: the same counts, depth and counterexample. Threads expand runs of
    /// the level's states into lists of new successors; one thread then takes those lists in
    /// the level's order and does what the sequential search does with each successor (the
    /// first path to reach a state is its parent, the first violation in level order is the
    /// one reported, the bounds are checked every 1,024 states). Only the numbers the
    /// interners hand out, and so the fingerprints, depend on the threads' timing; states
    /// are told apart by content, so nothing that is reported does.
    #[cfg(not(target_arch = "wasm32"))]
    fn search_parallel(&mut self, host: &mut dyn Host, threads: usize) -> Result<Report, String>
    where
        Tables<P>: Sync,
        Scratch<P>: Send,
    {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        if let Some(report) = &self.at.done {
            return Ok(report.clone());
        }
        self.at.started = true;
        self.at.t0 = host.seconds();
        self.at.base = host.allocated();
        let mut init = self.t.initial();
        self.t.canonical(&mut self.sc, &mut init);
        let init_fp = fingerprint(&init);
        self.visited.insert(init_fp, ROOT);
        self.at.stats.unique = 1;
        let mut level = vec![(init_fp, init)];
        let mut scratches: Vec<Scratch<P>> = (0..threads).map(|_| Scratch::default()).collect();
        let outcome = 'search: loop {
            if level.is_empty() {
                break Outcome::Exhausted;
            }
            if self.at.stats.depth >= self.t.opts.max_depth {
                break Outcome::DepthBound;
            }
            // Small runs keep every thread busy to the end of the level; not so small that
            // taking the next one costs more than expanding it.
            let run = (level.len() / (threads * 16)).clamp(16, 1024);
            let runs = level.len().div_ceil(run);
            let taken = AtomicUsize::new(0);
            // Runs after one with a violation are not needed: the merge stops there.
            let violated = AtomicUsize::new(usize::MAX);
            let mut expanded: Vec<Option<Vec<Expanded>>> = (0..runs).map(|_| None).collect();
            // The host hears from the search while a level is expanded too (a deep level takes
            // minutes), and may stop it there: workers then take no more runs.
            let stop = AtomicBool::new(false);
            let finished = AtomicUsize::new(0);
            let main = std::thread::current();
            let (tables, visited, states) = (&self.t, &self.visited, &level);
            let (stats, t0) = (&mut self.at.stats, self.at.t0);
            std::thread::scope(|scope| {
                let workers: Vec<_> = scratches
                    .iter_mut()
                    .map(|sc| {
                        let (taken, violated) = (&taken, &violated);
                        let (stop, finished, main) = (&stop, &finished, &main);
                        scope.spawn(move || {
                            let mut done = Vec::new();
                            loop {
                                let r = taken.fetch_add(1, Ordering::Relaxed);
                                if r >= runs
                                    || r > violated.load(Ordering::Relaxed)
                                    || stop.load(Ordering::Relaxed)
                                {
                                    break;
                                }
                                let part = &states[r * run..((r + 1) * run).min(states.len())];
                                let out = tables.expand(sc, visited, part);
                                if out.iter().any(|e| e.violation.is_some()) {
                                    violated.fetch_min(r, Ordering::Relaxed);
                                }
                                done.push((r, out));
                            }
                            if finished.fetch_add(1, Ordering::AcqRel) + 1 == threads {
                                main.unpark();
                            }
                            done
                        })
                    })
                    .collect();
                while finished.load(Ordering::Acquire) < threads {
                    std::thread::park_timeout(std::time::Duration::from_millis(200));
                    if finished.load(Ordering::Acquire) < threads {
                        stats.seconds = host.seconds() - t0;
                        if !host.progress(stats) {
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                }
                for w in workers {
                    // A panic in a handler is a bug to see, as in the sequential search.
                    for (r, out) in w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)) {
                        expanded[r] = Some(out);
                    }
                }
            });
            if stop.into_inner() {
                break 'search Outcome::Cancelled;
            }
            let mut next = Vec::new();
            // Every run up to the first with a violation was expanded.
            for (r, out) in expanded.into_iter().map_while(|o| o).enumerate() {
                for (k, e) in out.into_iter().enumerate() {
                    let (fp, row) = &level[r * run + k];
                    self.at.stats.states += e.taken;
                    for (child_fp, child) in e.children {
                        if let std::collections::hash_map::Entry::Vacant(v) =
                            self.visited.entry(child_fp)
                        {
                            v.insert(*fp);
                            self.at.stats.unique += 1;
                            next.push((child_fp, child));
                        }
                    }
                    if let Some((mv, v)) = e.violation {
                        let (path, v) = self.path_to(*fp, row, mv, v)?;
                        self.at.stats.depth += 1;
                        self.at.stats.seconds = host.seconds() - self.at.t0;
                        break 'search Outcome::Violation(Box::new(
                            self.t.counterexample(path, v)?,
                        ));
                    }
                    self.at.tick += 1;
                    if self.at.tick % 1024 == 0 {
                        let stats = &mut self.at.stats;
                        let mem = host.allocated().saturating_sub(self.at.base);
                        stats.peak_memory = stats.peak_memory.max(mem);
                        stats.seconds = host.seconds() - self.at.t0;
                        if !host.progress(stats) {
                            break 'search Outcome::Cancelled;
                        }
                        if stats.unique >= self.t.opts.max_states {
                            break 'search Outcome::StateBound;
                        }
                        if mem > self.t.opts.max_memory {
                            break 'search Outcome::MemoryBound;
                        }
                    }
                }
            }
            level = next;
            if !level.is_empty() {
                self.at.stats.depth += 1;
            }
        };
        Ok(self.finish(host, outcome))
    }

    /// The steps from the initial state to `row` (fingerprint `fp`), then `last`, which
    /// violates `v`: the chain of parents gives the fingerprints, and re-expanding each state
    /// finds the move to the next. With `--symmetry` the chain holds representatives: the path
    /// goes through the states themselves, each step chosen by the representative it leads
    /// to, and the last move is found again on the renamed `row` the path reaches, with its
    /// violation in the path's names.
    fn path_to(
        &mut self,
        fp: u64,
        row: &[u32],
        last: Move,
        v: Violation,
    ) -> Result<(Vec<Step<P>>, Violation), String> {
        let mut chain = vec![fp];
        let mut at = fp;
        while let Some(&parent) = self.visited.get(&at).filter(|&&p| p != ROOT) {
            chain.push(parent);
            at = parent;
        }
        chain.reverse();
        let mut steps = Vec::new();
        let mut cur = self.t.initial();
        let mut moves = Vec::new();
        let mut child = Vec::new();
        for &want in &chain[1..] {
            self.t.load(&mut self.sc, &cur);
            self.t.moves(&cur, &mut moves);
            let found = moves.iter().find_map(|&mv| {
                self.t.successor(&mut self.sc, &cur, mv, &mut child);
                let actual: Box<[u32]> = child.as_slice().into();
                self.t.canonical(&mut self.sc, &mut child);
                (fingerprint(&child) == want).then_some((mv, actual))
            });
            // Only a fingerprint collision could lose the way back.
            let (mv, child) =
                found.ok_or("the path to the violation was lost (a fingerprint collision)")?;
            steps.push(self.t.step_of(&cur, mv));
            cur = child;
        }
        if self.t.sym.is_none() {
            debug_assert_eq!(&*cur, row);
            steps.push(self.t.step_of(row, last));
            return Ok((steps, v));
        }
        self.t.load(&mut self.sc, &cur);
        self.t.moves(&cur, &mut moves);
        for &mv in &moves {
            let found = self.t.successor(&mut self.sc, &cur, mv, &mut child);
            if let Some(w) = found.into_iter().find(|w| w.invariant == v.invariant) {
                steps.push(self.t.step_of(&cur, mv));
                return Ok((steps, w));
            }
        }
        Err(format!(
            "the violation of {} was lost renaming the path back",
            v.invariant
        ))
    }
}

impl<P: Model> Tables<P> {
    /// Expands a run of a level's states, in order, as the sequential search would: for each,
    /// the moves taken (up to a violation), the successors not visited before the level and
    /// not reached earlier in the run, and the first violation with its move.
    #[cfg(not(target_arch = "wasm32"))]
    fn expand(
        &self,
        sc: &mut Scratch<P>,
        visited: &HashMap<u64, u64, IdentityBuild>,
        states: &[(u64, Box<[u32]>)],
    ) -> Vec<Expanded> {
        let mut seen = std::collections::HashSet::<u64, IdentityBuild>::default();
        let mut moves = Vec::new();
        let mut child = Vec::new();
        states
            .iter()
            .map(|(_, row)| {
                self.load(sc, row);
                self.moves(row, &mut moves);
                let mut e = Expanded {
                    taken: 0,
                    children: Vec::new(),
                    violation: None,
                };
                for &mv in &moves {
                    let violations = self.successor(sc, row, mv, &mut child);
                    e.taken += 1;
                    if let Some(v) = violations.into_iter().next() {
                        e.violation = Some((mv, v));
                        break;
                    }
                    self.canonical(sc, &mut child);
                    let fp = fingerprint(&child);
                    if !visited.contains_key(&fp) && seen.insert(fp) {
                        e.children.push((fp, child.as_slice().into()));
                    }
                }
                e
            })
            .collect()
    }

    /// Replays the path in the simulator under the manual schedule, finding each message's
    /// and timer's number there; the replay must reach the same violation. Each step gets its
    /// own moment, so the timeline, the clock and the space-time view work on a counterexample
    /// as on any run: a delivery at its message's arrival, a timer at its deadline, and never
    /// less than a millisecond after the step before.
    fn counterexample(&self, path: Vec<Step<P>>, v: Violation) -> Result<Counterexample, String> {
        let settings = Settings {
            manual: true,
            ..self.settings.clone()
        };
        let mut sim = Simulation::<P>::new(settings.clone());
        sim.set_narrating(false);
        let mut last = Vec::new();
        let mut requests = 0;
        for step in &path {
            let (natural, action) = match step {
                Step::Deliver(e) | Step::Drop(e) | Step::Duplicate(e) => {
                    let m = sim
                        .in_flight()
                        .find(|m| m.from == e.from && m.to == e.to && m.msg == e.msg)
                        .ok_or("the counterexample's message is not in flight in the simulator")?;
                    let msg = m.id;
                    let action = match step {
                        Step::Deliver(_) => Action::Deliver { msg },
                        Step::Drop(_) => Action::Drop { msg },
                        _ => Action::Duplicate { msg },
                    };
                    (m.deliver_at, action)
                }
                Step::Fire(node, timer) => {
                    let t = sim
                        .timers()
                        .find(|t| t.node == *node && t.timer == *timer)
                        .ok_or("the counterexample's timer is not pending in the simulator")?;
                    (t.fires_at, Action::FireTimer { timer: t.id })
                }
                Step::Crash(node) => (0, Action::Crash { node: *node }),
                Step::Restart(node) => (0, Action::Restart { node: *node }),
                Step::Request(node) => {
                    requests += 1;
                    let action = Action::Request {
                        node: *node,
                        delta: request(requests).delta,
                    };
                    (0, action)
                }
                Step::Reconfigure(c) => {
                    let action = Action::Reconfigure {
                        add: c.add.clone(),
                        remove: c.remove.clone(),
                    };
                    (0, action)
                }
            };
            sim.run_until(natural.max(sim.now() + MS));
            last = sim.apply(action)?.violations;
        }
        if !last.iter().any(|l| l.invariant == v.invariant) {
            return Err(format!(
                "the counterexample for {} does not replay in the simulator (it reports {:?})",
                v.invariant, last
            ));
        }
        Ok(Counterexample {
            violation: v,
            settings,
            actions: sim.history().actions.clone(),
        })
    }
}

// Every protocol's values can be shared between threads (the parallel search needs it).
impl<P: Model> Resume for Explorer<P>
where
    Tables<P>: Sync,
    Scratch<P>: Send,
{
    fn resume(&mut self, host: &mut dyn Host, until: f64) -> Result<Option<Report>, String> {
        self.search(host, until)
    }
    #[cfg(not(target_arch = "wasm32"))]
    fn parallel(&mut self, host: &mut dyn Host, threads: usize) -> Result<Report, String> {
        self.search_parallel(host, threads)
    }
}

/// The membership changes `--reconfigs` offers, in the order tried: adding each server of the
/// pool, removing each, and under joint consensus replacing one with another (the changes
/// `lab check --faults membership` makes, one server at a time). Which of them a leader takes
/// is its protocol's to say ([`Protocol::reconfigure_refusal`]), state by state.
fn changes(settings: &Settings) -> Result<Vec<ConfChange>, String> {
    if settings.membership.is_fixed() {
        return Err(
            "--reconfigs: the membership is fixed; set membership=single or joint (Raft) \
             to explore membership changes"
                .into(),
        );
    }
    let pool = || NodeId::all(settings.nodes);
    let mut out: Vec<ConfChange> = pool()
        .map(|a| ConfChange {
            add: vec![a],
            remove: vec![],
        })
        .chain(pool().map(|r| ConfChange {
            add: vec![],
            remove: vec![r],
        }))
        .collect();
    if settings.membership == Membership::Joint {
        for a in pool() {
            out.extend(pool().filter(|&r| r != a).map(|r| ConfChange {
                add: vec![a],
                remove: vec![r],
            }));
        }
    }
    Ok(out)
}

/// The explorer's k-th client request: `counter += k`, so values proposed tell apart.
fn request(k: u64) -> Request {
    Request::counter(k, k as i64)
}

#[cfg(test)]
mod flag_tests {
    use super::*;

    /// Explore's flags share the command line with the settings: a name both use would shadow
    /// a setting (`--requests off` once stopped working that way).
    #[test]
    fn no_flag_shadows_a_setting() {
        for (name, _, _) in OPTIONS_HELP {
            assert!(
                crate::catalog::vocabulary::canonical(name).is_none(),
                "--{name} is a setting too"
            );
        }
    }
}
