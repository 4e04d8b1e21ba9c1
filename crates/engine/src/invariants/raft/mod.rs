//! Raft's safety properties (Figure 3 of the extended Raft paper), plus the client's view:
//! an acknowledged write is never lost; and, under read leases, that a lease is exclusive.
//!
//! The checks are incremental: after each event only the nodes that changed are examined, and
//! logs are compared from the point where they changed, so checking stays linear in the run.
//!
//! The properties speak of whole logs. A server that compacted its log (dissertation ch. 5)
//! holds a snapshot instead of a prefix; the checker puts back the prefix it stands for: the
//! node's own entries as last seen when they end with the snapshot's last entry, otherwise the
//! committed prefix (a snapshot covers only applied, hence committed, entries).

mod acknowledged_writes;
mod config_overlap;
mod election_safety;
mod leader_append_only;
mod leader_completeness;
mod lease_exclusivity;
mod log_matching;
mod permute;
mod state_machine_safety;

pub use config_overlap::can_disagree;

use crate::invariants::{CheckCtx, Checker, InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::raft::{Config, Entry, Raft, RaftState, Role};
use imbl::{OrdMap, OrdSet, Vector};
use std::hash::{Hash, Hasher};

/// An entry known to be committed, with what the checker learned when it saw it committed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Committed {
    pub entry: Entry,
    /// The term of the first node seen to commit it: an upper bound on the term it was committed in.
    pub term: u64,
    /// The counter after applying entries up to here.
    pub value: i64,
}

/// What the Raft checker remembers between events; imbl collections make checkpoints cheap.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RaftChecker {
    /// Election Safety: the leader of each term.
    leaders: OrdMap<u64, NodeId>,
    /// Leader Append-Only: per node, (term, log length, last entry) when last seen leading.
    leading: Vec<Option<(u64, u64, Option<Entry>)>>,
    /// Log Matching: each node's log as last checked (shared with the node's own log).
    shadows: Vec<Vector<Entry>>,
    /// Log Matching: per node, the prefix hashes of its last checked log that differ from the
    /// one `seen` holds for the same (index, term); empty unless Log Matching was violated.
    /// With `seen` they give the hash of any checked prefix, so no log needs a hash per entry
    /// (which every checkpoint of time travel would partly copy).
    forks: Vec<OrdMap<u64, u64>>,
    /// Log Matching: (index, term) -> (prefix hash, first node seen with it).
    seen: OrdMap<(u64, u64), (u64, NodeId)>,
    /// State Machine Safety: the committed prefix of the log, as it was ever seen.
    committed: Vector<Committed>,
    /// Per node, the commit index up to which its log was compared with `committed`.
    checked_commit: Vec<u64>,
    /// Configuration Overlap: pairs of configurations already reported.
    overlap_reported: OrdSet<(Config, Config)>,
}

pub const INVARIANTS: &[InvariantInfo] = &[
    election_safety::INFO,
    leader_append_only::INFO,
    log_matching::INFO,
    leader_completeness::INFO,
    state_machine_safety::INFO,
    acknowledged_writes::INFO,
    config_overlap::INFO,
    lease_exclusivity::INFO,
];

impl Checker<Raft> for RaftChecker {
    fn invariants(&self) -> &'static [InvariantInfo] {
        INVARIANTS
    }

    fn check(&mut self, ctx: &CheckCtx<'_, Raft>) -> Vec<Violation> {
        let n = ctx.nodes.len();
        if self.leading.len() != n {
            self.leading = vec![None; n];
            self.shadows = vec![Vector::new(); n];
            self.forks = vec![OrdMap::new(); n];
            self.checked_commit = vec![0; n];
        }
        let mut found = Vec::new();
        let mut grew: Option<u64> = None;
        for &id in ctx.changed {
            let Some(s) = ctx.node(id) else {
                // Crashed: what it held in memory is gone; it re-learns commits on restart.
                self.leading[id.idx()] = None;
                self.checked_commit[id.idx()] = 0;
                continue;
            };
            let Some(log) = self.full_log(s) else {
                continue;
            };
            let unchanged = log_matching::check(self, s, &log, &mut found);
            if let Some(g) = state_machine_safety::check(self, s, &log, unchanged, &mut found) {
                grew = Some(grew.map_or(g, |x| x.min(g)));
            }
            if s.role == Role::Leader {
                let new_leader = election_safety::check(self, s, &mut found);
                if new_leader {
                    leader_completeness::check_new_leader(self, s, &mut found);
                }
                leader_append_only::check(self, s, &log, &mut found);
            } else {
                self.leading[id.idx()] = None;
            }
        }
        if let Some(from) = grew {
            leader_completeness::check_new_commits(self, ctx, from, &mut found);
        }
        acknowledged_writes::check(self, ctx, &mut found);
        if !ctx.proto.reconfig.mode.is_fixed() {
            config_overlap::check(self, ctx, &mut found);
        }
        lease_exclusivity::check(ctx, &mut found);
        found
    }
}

impl RaftChecker {
    /// `s`'s whole log: its entries after the snapshot, behind the prefix the snapshot stands
    /// for. `None` only if the checker never saw that prefix, which a run cannot reach.
    fn full_log(&self, s: &RaftState) -> Option<Vector<Entry>> {
        let Some(snap) = &s.durable.snapshot else {
            return Some(s.log().clone());
        };
        let n = snap.last_index as usize;
        let own = &self.shadows[s.id.idx()];
        let mut prefix = if own.len() >= n && own[n - 1].term == snap.last_term {
            own.take(n)
        } else if self.committed.len() >= n {
            self.committed
                .take(n)
                .iter()
                .map(|c| c.entry.clone())
                .collect()
        } else {
            return None;
        };
        prefix.append(s.log().clone());
        Some(prefix)
    }

    /// A node's whole log as last checked.
    fn shadow(&self, id: NodeId) -> &Vector<Entry> {
        &self.shadows[id.idx()]
    }

    /// The hash of the first `p` entries of node `i`'s log as last checked: its own where it
    /// forked from the first log seen with that entry, that log's otherwise.
    fn prefix_hash(&self, i: usize, p: usize) -> u64 {
        if p == 0 {
            return 0;
        }
        let index = p as u64;
        let shadow = &self.shadows[i];
        if let Some(&h) = self.forks[i].get(&index) {
            return h;
        }
        match self.seen.get(&(index, shadow[p - 1].term)) {
            Some(&(h, _)) => h,
            // Every checked entry is in `seen`; hashing the prefix anew is the exact answer
            // should a checker ever be built otherwise.
            None => (0..p).fold(0, |h, k| extend_hash(h, &shadow[k])),
        }
    }
}

/// The hash of a log prefix, extended by one entry: equal prefixes hash equal (std's hasher
/// has fixed keys), and it is only ever compared within one run.
fn extend_hash(prev: u64, e: &Entry) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    (prev, e).hash(&mut h);
    h.finish()
}

fn live_leaders<'a>(ctx: &'a CheckCtx<'_, Raft>) -> impl Iterator<Item = &'a RaftState> {
    ctx.live()
        .map(|(_, s)| s)
        .filter(|s| s.role == Role::Leader)
}
