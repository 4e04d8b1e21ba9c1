//! The catalog: where each protocol meets its invariants, its settings and its presentation.
//!
//! A protocol (`protocols/`) is a sans-IO state machine that knows nothing else, and its checker
//! (`invariants/`) only reads its state. An entry here pairs the two, the way stateright's
//! `into_model()` attaches properties where a model is assembled, and says what the simulator,
//! the random-fault checker and the app need to know: how settings build the protocol, whether
//! it elects a leader, its caption, its buggy variants and options, and where the explorer
//! starts.
//!
//! Adding a protocol: one folder in `protocols/`, one in `invariants/`, one file here, and one
//! line in `for_each_protocol!`. [`ProtocolKind`] and the app's `AnySim` are generated from
//! that list.

mod multi_paxos;
mod paxos;
mod raft;
mod settings;
mod three_phase_commit;
mod two_phase_commit;
pub mod vocabulary;
mod zab;

pub use multi_paxos::MULTI_PAXOS;
pub use paxos::{ACCEPT_BELOW_PROMISE, FORGET_PROMISE_ON_RESTART, IGNORE_PROMISED_VALUE, PAXOS};
pub use raft::{
    COMMIT_OLD_TERM, FORGET_VOTE_ON_RESTART, JOINT_NEW_MAJORITY_ONLY, LEASE_IGNORES_DRIFT, RAFT,
    READ_WITHOUT_QUORUM_CHECK, RECONFIG_BEFORE_TERM_COMMIT, SNAPSHOT_DROPS_NEWER_ENTRIES,
    UNPERSISTED_LOG, VOTE_WITHOUT_LOG_CHECK,
};
pub use settings::{
    NetworkSettings, Settings, Workload, DEFAULT_CLIENTS, MAX_CLIENTS, MAX_DRIFT_PPM, MAX_NODES,
};
pub use three_phase_commit::{
    TERMINATION_IGNORES_PRECOMMIT, THREE_PC, UNCERTAIN_COMMITS_ON_TIMEOUT,
};
pub use two_phase_commit::{COMMIT_MISSING_VOTE, TWO_PC, UNILATERAL_ABORT};
pub use zab::{ACK_EPOCH_TWICE, REUSE_EPOCH, SKIP_SYNC, ZAB};

use crate::invariants::Checker;
use crate::node::{Decision, NodeId, Present, Protocol};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The one list of protocols, in menu order: `Variant(Type)` pairs handed to macro `$m`
/// (with any leading tokens given), which generates per-protocol code from it.
macro_rules! for_each_protocol {
    ($m:ident! ($($pre:tt)*)) => {
        $m! { $($pre)*
            Raft($crate::protocols::raft::Raft),
            Paxos($crate::protocols::paxos::Paxos),
            MultiPaxos($crate::protocols::multi_paxos::MultiPaxos),
            TwoPc($crate::protocols::two_phase_commit::TwoPc),
            ThreePc($crate::protocols::three_phase_commit::ThreePc),
            Zab($crate::protocols::zab::Zab),
        }
    };
}
pub(crate) use for_each_protocol;

/// Leadership and commit progress, cheap to read after every event (timeline markers,
/// liveness checks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub leader: bool,
    pub term: u64,
    pub committed: u64,
}

/// What a protocol is in the lab: its rules, how it shows itself, its checker, how settings
/// build it, and its catalog entry.
pub trait Model: Protocol + Present {
    /// The invariants of this protocol, with whatever history they keep.
    type Checker: Checker<Self>;
    const ENTRY: Entry;
    fn from_settings(settings: &Settings) -> Self;
    fn progress(&self, s: &Self::State) -> Progress;
}

/// Static facts about a protocol for menus, validation, liveness and captions.
#[derive(Debug)]
pub struct Entry {
    /// The name in links, on the command line and in scripts.
    pub slug: &'static str,
    pub title: &'static str,
    /// A line under the cluster saying who is who, where roles are fixed.
    pub caption: &'static str,
    /// Liveness includes having a leader once the faults heal.
    pub has_leader: bool,
    pub bugs: &'static [Bug],
    pub options: &'static [Opt],
    /// Adjusts the default settings for this protocol.
    pub defaults: fn(&mut Settings),
    /// The smallest cluster that makes sense, and why.
    pub min_nodes: (usize, &'static str),
    /// Where the explorer starts (the page's Explore panel suggests these).
    pub explore: ExploreBudgets,
    /// The legend of the cluster's nodes: each colour class the protocol draws a node in, with
    /// what it means here (tests hold every summary's class and decision to this list).
    pub legend: &'static [(&'static str, &'static str)],
    /// How the legend and the timeline speak of the log strip under a node and of the progress
    /// marks, in this protocol's own words.
    pub words: Words,
}

/// The legend's lines for a node's log strip and the timeline's two progress marks, and the
/// marks' tooltips. A commit protocol has transactions and decisions where Raft has terms and
/// leaders, so each protocol says it its way (tests/legend.rs keeps Raft's words out of 2PC's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Words {
    /// A solid log cell, and a pale dashed one.
    pub solid: &'static str,
    pub pale: &'static str,
    /// The colours a decided cell takes when the protocol gives cells an outcome
    /// (`LogCell::outcome`); empty where the term band is the colour.
    pub outcomes: &'static [(Decision, &'static str)],
    /// What the strip's count of older cells counts: "entries", "transactions".
    pub older: &'static str,
    /// The timeline's leader mark (`Progress::leader` turned on, or its term moved): the legend's
    /// line, and the tooltip with `{node}` and `{term}` filled in.
    pub leader: (&'static str, &'static str),
    /// The commit mark (`Progress::committed` grew): the legend's line, the tooltip with `{n}`.
    pub commit: (&'static str, &'static str),
}

impl Words {
    /// A leader mark's tooltip.
    pub fn leader_title(&self, node: NodeId, term: u64) -> String {
        (self.leader.1)
            .replace("{node}", &node.to_string())
            .replace("{term}", &term.to_string())
    }

    /// A commit mark's tooltip.
    pub fn commit_title(&self, n: u64) -> String {
        self.commit.1.replace("{n}", &n.to_string())
    }
}

/// The budgets the explorer starts from for a protocol: the requests and faults its buggy
/// variants need, small enough that a 3-node cluster's violations show within seconds.
/// `explore::ExploreOptions::for_protocol` adds the bounds on states and memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExploreBudgets {
    /// Only S1..S`proposers` fire timers and take client requests.
    pub proposers: u8,
    /// Client requests in all.
    pub requests: u8,
    /// Node crashes in all.
    pub crashes: u8,
    /// Timers may fire while older messages are still in flight.
    pub asynchronous: bool,
}

impl ExploreBudgets {
    /// Every node may propose; no requests, no crashes, messages arrive before later timers.
    pub const NONE: ExploreBudgets = ExploreBudgets {
        proposers: u8::MAX,
        requests: 0,
        crashes: 0,
        asynchronous: false,
    };
}

macro_rules! define_kinds {
    ($($kind:ident($ty:ty)),* $(,)?) => {
        /// The protocols the lab can run.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ProtocolKind {
            $($kind),*
        }

        impl ProtocolKind {
            pub const ALL: &'static [ProtocolKind] = &[$(ProtocolKind::$kind),*];

            pub fn entry(self) -> &'static Entry {
                match self {
                    $(ProtocolKind::$kind => &<$ty as Model>::ENTRY),*
                }
            }

            /// The names of the protocol's message kinds, in kind order.
            pub fn message_kinds(self) -> &'static [&'static str] {
                match self {
                    $(ProtocolKind::$kind => <$ty as Present>::MESSAGE_KINDS),*
                }
            }
        }
    };
}
for_each_protocol!(define_kinds!());

impl ProtocolKind {
    /// The name used in links, on the command line and in scripts.
    pub fn slug(self) -> &'static str {
        self.entry().slug
    }
    pub fn title(self) -> &'static str {
        self.entry().title
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.slug() == s)
            .ok_or_else(|| {
                let valid: Vec<_> = Self::ALL.iter().map(|p| p.slug()).collect();
                format!("unknown protocol '{s}'; valid: {}", valid.join(", "))
            })
    }
}

impl fmt::Display for ProtocolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl Serialize for ProtocolKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.slug())
    }
}

impl<'de> Deserialize<'de> for ProtocolKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ProtocolKind::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A deliberately broken rule, caught by the checker.
#[derive(Debug)]
pub struct BugInfo {
    pub slug: &'static str,
    /// What is broken, in one sentence.
    pub describe: &'static str,
    /// Why the rule matters: what goes wrong without it and where the paper states it.
    pub why: &'static str,
}

/// A buggy variant, named by its slug. Defined by the catalog entries that offer it.
#[derive(Clone, Copy)]
pub struct Bug(pub &'static BugInfo);

impl Bug {
    pub fn slug(self) -> &'static str {
        self.0.slug
    }
    pub fn describe(self) -> &'static str {
        self.0.describe
    }
    pub fn why(self) -> &'static str {
        self.0.why
    }
    /// Every buggy variant, in menu order, each once.
    pub fn all() -> Vec<Bug> {
        let mut all: Vec<Bug> = Vec::new();
        for b in ProtocolKind::ALL.iter().flat_map(|p| p.entry().bugs) {
            if !all.contains(b) {
                all.push(*b);
            }
        }
        all
    }
    pub fn applies_to(self, p: ProtocolKind) -> bool {
        p.entry().bugs.contains(&self)
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        let all = Self::all();
        all.iter().copied().find(|b| b.slug() == s).ok_or_else(|| {
            let valid: Vec<_> = all.iter().map(|b| b.slug()).collect();
            format!("unknown bug '{s}'; valid: {}", valid.join(", "))
        })
    }
}

impl PartialEq for Bug {
    fn eq(&self, other: &Self) -> bool {
        self.slug() == other.slug()
    }
}
impl Eq for Bug {}
impl PartialOrd for Bug {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Bug {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.slug().cmp(other.slug())
    }
}
impl std::hash::Hash for Bug {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.slug().hash(h)
    }
}
impl fmt::Debug for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bug({})", self.slug())
    }
}
impl Serialize for Bug {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.slug())
    }
}
impl<'de> Deserialize<'de> for Bug {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Bug::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A protocol option the user can switch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opt {
    PreVote,
    CheckQuorum,
    CooperativeTermination,
}

impl Opt {
    pub const ALL: [Opt; 3] = [Opt::PreVote, Opt::CheckQuorum, Opt::CooperativeTermination];

    /// The name in links, on the command line and in scripts.
    pub fn slug(self) -> &'static str {
        match self {
            Opt::PreVote => "prevote",
            Opt::CheckQuorum => "check-quorum",
            Opt::CooperativeTermination => "cooperative-termination",
        }
    }
    /// What it does and where it is described.
    pub fn describe(self) -> &'static str {
        match self {
            Opt::PreVote => {
                "A node asks whether it could win before starting an election, so a node that \
                 was cut off does not disrupt the cluster when it returns (Raft thesis §9.6)."
            }
            Opt::CheckQuorum => {
                "A leader steps down when it has not heard from a majority for an election \
                 timeout, so a partitioned leader stops serving (Raft thesis §6.2)."
            }
            Opt::CooperativeTermination => {
                "A blocked participant asks its peers for the decision (Bernstein, Hadzilacos \
                 and Goodman §7.4)."
            }
        }
    }
    pub fn get(self, s: &Settings) -> bool {
        match self {
            Opt::PreVote => s.prevote,
            Opt::CheckQuorum => s.check_quorum,
            Opt::CooperativeTermination => s.cooperative_termination,
        }
    }
    pub fn set(self, s: &mut Settings, on: bool) {
        match self {
            Opt::PreVote => s.prevote = on,
            Opt::CheckQuorum => s.check_quorum = on,
            Opt::CooperativeTermination => s.cooperative_termination = on,
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|o| o.slug() == s)
            .ok_or_else(|| format!("unknown option '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_reachable_by_its_slug() {
        for &p in ProtocolKind::ALL {
            assert_eq!(ProtocolKind::parse(p.slug()), Ok(p));
            for &b in p.entry().bugs {
                assert!(b.applies_to(p));
                assert_eq!(Bug::parse(b.slug()), Ok(b));
            }
        }
        assert_eq!(Bug::all().len(), 19, "paxos bugs are listed once");
        assert!(ProtocolKind::parse("nope")
            .unwrap_err()
            .contains("multi-paxos"));
    }
}
