//! Symmetry reduction over node ids (`--symmetry`), as Stateright's `Representative` and
//! TLC's `SYMMETRY` do it: where a protocol treats some nodes alike, a state and the state with
//! those nodes renamed have the same futures, renamed, and violate the same invariants (each
//! property is about all nodes alike: no invariant names a node). So the search keeps one
//! state of each class, its *representative*, and a class counts once.
//!
//! **Which ids may be swapped.** Only nodes the protocol and the search treat alike:
//! - Raft, with membership fixed: every server alike (no roles, no tie broken by id; see
//!   `protocols/raft/permute.rs`). Election timeouts differ per node only in the simulator's
//!   clock, which the explorer abstracts away (any pending timer may fire next).
//! - Paxos and Multi-Paxos: none. A ballot is (round, proposer id), ordered by id on a tie,
//!   so renaming two proposers changes which of their ballots wins.
//! - Zab: none. Fast Leader Election orders votes by (epoch, zxid, server id), the highest id
//!   winning a tie, so renaming servers changes who is elected.
//! - 2PC: S1 is the coordinator and keeps its name; the participants S2..Sn are alike (see
//!   `protocols/two_phase_commit/permute.rs`).
//! - 3PC: none. S1 coordinates, and the termination protocol picks its new coordinator by id.
//!
//! `--proposers K` splits the nodes further: S1..SK act, the rest only answer, so a renaming
//! must keep each group to itself.
//!
//! **The representative** of a state is the renaming of it whose content comes first, judged
//! by content hashes (each node's slot in order, then the checker's memory, then the messages
//! in flight as a sorted multiset), never by the interners' numbers, which depend on which
//! thread got to a value first: so the same representative is chosen on any number of
//! threads, and every report stays the same. A tie between different contents (a 64-bit hash
//! collision) only costs reduction: both representatives are kept, and the search stays
//! exhaustive.
//!
//! **Why it is sound.** The search visits one state per class; every state of a class has
//! the same successors up to renaming and the same violations (each checker is renamed with
//! the state, since it is part of it), so a violation reachable in k steps is found in k
//! steps from the representative, and breadth-first order still gives a shortest
//! counterexample. That counterexample is rebuilt on the unrenamed states (each step picked
//! by the representative it leads to) and replayed in the simulator like any other.

use super::state::{Envelope, Slot};
use crate::catalog::{Model, Settings};
use crate::invariants::raft::RaftChecker;
use crate::invariants::two_phase_commit::TwoPcChecker;
use crate::node::{NodeId, Perm};
use crate::protocols::atomic_commit;
use crate::protocols::multi_paxos::MultiPaxos;
use crate::protocols::paxos::Paxos;
use crate::protocols::raft::Raft;
use crate::protocols::three_phase_commit::ThreePc;
use crate::protocols::two_phase_commit::TwoPc;
use crate::protocols::zab::Zab;

/// How a protocol renames each of its values.
pub(super) struct Renaming<P: Model> {
    pub(super) state: fn(&P::State, &Perm) -> P::State,
    pub(super) durable: fn(&P::Durable, &Perm) -> P::Durable,
    pub(super) timer: fn(&P::Timer, &Perm) -> P::Timer,
    pub(super) msg: fn(&P::Msg, &Perm) -> P::Msg,
    pub(super) checker: fn(&P::Checker, &Perm) -> P::Checker,
}

/// A protocol's symmetry under some settings.
pub(super) trait Symmetry: Model {
    /// The groups of nodes it treats alike (as bits, bit i for S(i+1)) and how to rename its
    /// values; or why no node may be swapped.
    fn symmetry(settings: &Settings) -> Result<(Vec<u32>, Renaming<Self>), &'static str>;
}

impl Symmetry for Raft {
    fn symmetry(settings: &Settings) -> Result<(Vec<u32>, Renaming<Self>), &'static str> {
        if !Raft::from_settings(settings).reconfig.mode.is_fixed() {
            return Err(
                "with membership changes, servers outside the configuration have a \
                        role of their own",
            );
        }
        let all = NodeId::all(settings.nodes).fold(0, |m, id| m | 1 << id.idx());
        Ok((
            vec![all],
            Renaming {
                state: |s, p| s.permute_ids(p),
                durable: |d, p| d.permute_ids(p),
                // Election, heartbeat and the read path's timers name no node.
                timer: |t, _| *t,
                msg: |m, p| m.permute_ids(p),
                checker: |c: &RaftChecker, p| c.permute_ids(p),
            },
        ))
    }
}

impl Symmetry for Paxos {
    fn symmetry(_: &Settings) -> Result<(Vec<u32>, Renaming<Self>), &'static str> {
        Err(
            "ballots are (round, proposer id), ordered by id on a tie, so renaming proposers \
             changes which ballot wins",
        )
    }
}

impl Symmetry for MultiPaxos {
    fn symmetry(_: &Settings) -> Result<(Vec<u32>, Renaming<Self>), &'static str> {
        Err(
            "ballots are (round, proposer id), ordered by id on a tie, so renaming proposers \
             changes which ballot wins",
        )
    }
}

impl Symmetry for Zab {
    fn symmetry(_: &Settings) -> Result<(Vec<u32>, Renaming<Self>), &'static str> {
        Err(
            "Fast Leader Election orders votes by (epoch, zxid, server id), the highest id \
             winning a tie, so renaming servers changes who is elected",
        )
    }
}

impl Symmetry for TwoPc {
    fn symmetry(settings: &Settings) -> Result<(Vec<u32>, Renaming<Self>), &'static str> {
        let participants =
            atomic_commit::participants(settings.nodes).fold(0, |m, id| m | 1 << id.idx());
        Ok((
            vec![participants],
            Renaming {
                state: |s, p| s.permute_ids(p),
                // The log, the lock and the counter name transactions, never nodes.
                durable: |d, _| d.clone(),
                timer: |t, _| *t,
                // The sender and receiver are the envelope's; the messages name transactions.
                msg: |m, _| m.clone(),
                checker: |c: &TwoPcChecker, p| c.permute_ids(p),
            },
        ))
    }
}

impl Symmetry for ThreePc {
    fn symmetry(_: &Settings) -> Result<(Vec<u32>, Renaming<Self>), &'static str> {
        Err("S1 is the coordinator, and the termination protocol picks a new one by id")
    }
}

/// The renamings a search reduces by, and how to carry them out.
pub(super) struct Sym<P: Model> {
    /// Every renaming that keeps each group to itself, the identity first.
    pub(super) perms: Vec<Perm>,
    pub(super) renaming: Renaming<P>,
}

impl<P: Symmetry> Sym<P> {
    /// The reduction for these settings, with S1..S`proposers` kept apart from the rest.
    pub(super) fn new(settings: &Settings, proposers: u8) -> Result<Sym<P>, String> {
        let (groups, renaming) = P::symmetry(settings).map_err(|why| {
            format!(
                "--symmetry: {}'s nodes are not interchangeable: {why}",
                P::NAME
            )
        })?;
        let n = settings.nodes;
        let acting = NodeId::all(n)
            .filter(|id| id.0 <= proposers)
            .fold(0u32, |m, id| m | 1 << id.idx());
        let groups: Vec<u32> = groups
            .iter()
            .flat_map(|&g| [g & acting, g & !acting])
            .filter(|&g| g.count_ones() > 1)
            .collect();
        Ok(Sym {
            perms: permutations(n, &groups),
            renaming,
        })
    }
}

impl<P: Model> Sym<P> {
    pub(super) fn slot(&self, s: &Slot<P>, p: &Perm) -> Slot<P> {
        let r = &self.renaming;
        let mut timers: Vec<P::Timer> = s.timers.iter().map(|t| (r.timer)(t, p)).collect();
        timers.sort_unstable();
        Slot {
            state: s.state.as_ref().map(|st| (r.state)(st, p)),
            durable: (r.durable)(&s.durable, p),
            timers,
            fired: s.fired,
            fired_kinds: s.fired_kinds,
        }
    }

    pub(super) fn envelope(&self, e: &Envelope<P::Msg>, p: &Perm) -> Envelope<P::Msg> {
        Envelope {
            from: p.id(e.from),
            to: p.id(e.to),
            msg: (self.renaming.msg)(&e.msg, p),
            holds: p.mask(e.holds),
        }
    }
}

/// Every permutation of S1..Sn that maps each group (bits) onto itself and fixes the nodes in
/// none, the identity first, in a fixed order.
pub(super) fn permutations(n: usize, groups: &[u32]) -> Vec<Perm> {
    let mut out = vec![NodeId::all(n).collect::<Vec<_>>()];
    for &g in groups {
        let members: Vec<NodeId> = NodeId::all(n).filter(|id| g & 1 << id.idx() != 0).collect();
        let mut next = Vec::new();
        for base in &out {
            for order in orderings(&members) {
                let mut to = base.clone();
                for (from, &dest) in members.iter().zip(&order) {
                    to[from.idx()] = dest;
                }
                next.push(to);
            }
        }
        out = next;
    }
    out.into_iter()
        .map(|to| Perm::new(to).expect("groups are disjoint sets of S1..Sn"))
        .collect()
}

/// Every ordering of `items`, the given one first (Heap's order would do as well: only a
/// fixed order matters).
fn orderings(items: &[NodeId]) -> Vec<Vec<NodeId>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in orderings(&rest) {
            tail.insert(0, first);
            out.push(tail);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renamings_keep_each_group_to_itself() {
        let all = permutations(3, &[0b111]);
        assert_eq!(all.len(), 6);
        assert!(all[0].is_identity());
        let mut distinct = all.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 6);
        // S1 alone (a proposer), S2 and S3 alike.
        let split = permutations(3, &[0b110]);
        assert_eq!(split.len(), 2);
        assert!(split.iter().all(|p| p.id(NodeId(1)) == NodeId(1)));
        assert_eq!(split[1].id(NodeId(2)), NodeId(3));
        assert_eq!(permutations(5, &[0b00011, 0b11100]).len(), 12);
        assert_eq!(permutations(4, &[]).len(), 1);
    }

    #[test]
    fn proposers_split_the_groups() {
        let s = Settings {
            nodes: 3,
            ..Settings::for_protocol(crate::ProtocolKind::Raft)
        };
        assert_eq!(Sym::<Raft>::new(&s, u8::MAX).unwrap().perms.len(), 6);
        assert_eq!(Sym::<Raft>::new(&s, 2).unwrap().perms.len(), 2);
        assert_eq!(Sym::<Raft>::new(&s, 1).unwrap().perms.len(), 2);
        let paxos = Settings {
            nodes: 3,
            ..Settings::for_protocol(crate::ProtocolKind::Paxos)
        };
        let err = Sym::<Paxos>::new(&paxos, 2).err().unwrap();
        assert!(err.contains("not interchangeable"), "{err}");
    }

    #[test]
    fn two_pc_renames_its_participants_and_never_the_coordinator() {
        let s = Settings {
            nodes: 4,
            ..Settings::for_protocol(crate::ProtocolKind::TwoPc)
        };
        let all = Sym::<TwoPc>::new(&s, u8::MAX).unwrap().perms;
        assert_eq!(all.len(), 6);
        assert!(all.iter().all(|p| p.id(NodeId(1)) == NodeId(1)));
        // With --proposers 2, S2 acts (it may take requests, which it redirects) and the
        // others only answer: S3 and S4 may swap.
        assert_eq!(Sym::<TwoPc>::new(&s, 2).unwrap().perms.len(), 2);
    }
}
