//! Zab's properties, as Junqueira, Reed and Serafini state them (DSN 2011): the atomic
//! broadcast properties Integrity, Total Order and Agreement, and the primary-order properties
//! that primary-backup needs, Local Primary Order, Global Primary Order and Primary Integrity;
//! plus the client's view: an acknowledged write is never lost.
//!
//! "Delivered" is the prefix of a node's history up to its delivered mark. The checker keeps
//! which primary broadcast each transaction (seen when an established leader's history grows
//! in its own epoch), the sequence delivered as first seen, and what each node had delivered
//! when last checked; after each event only the nodes that changed are examined, and only the
//! positions they delivered since.

mod acknowledged_writes;
mod agreement;
mod global_primary_order;
mod integrity;
mod local_primary_order;
mod primary_integrity;
mod total_order;

use crate::invariants::{CheckCtx, Checker, InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::zab::{Txn, Zab, ZabState};
use imbl::{OrdMap, Vector};

/// Who broadcast a transaction: the primary and its epoch, and what that primary broadcast
/// just before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub primary: NodeId,
    pub epoch: u64,
    pub prev: Option<Txn>,
}

/// A delivered transaction and the counter after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Delivered {
    pub txn: Txn,
    pub value: i64,
}

/// What the checker last saw of a node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Shadow {
    history: Vector<Txn>,
    /// Positions of the history looked at for new broadcasts; `u64::MAX` after a crash.
    seen: u64,
    /// Positions of its delivered prefix checked.
    checked: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ZabChecker {
    /// Integrity, Local Primary Order: every transaction a primary broadcast.
    broadcast: OrdMap<Txn, Origin>,
    /// Each primary's (epoch, node) last broadcast transaction.
    last_broadcast: OrdMap<(u64, NodeId), Txn>,
    /// Total Order: the transaction delivered just before each one, as first seen.
    before: OrdMap<Txn, Option<Txn>>,
    /// Agreement: the delivered sequence as first seen.
    delivered: Vector<Delivered>,
    shadows: Vec<Shadow>,
    /// Primary Integrity: per primary, how much of `delivered` it was checked against.
    primary_checked: OrdMap<(u64, NodeId), u64>,
}

pub const INVARIANTS: &[InvariantInfo] = &[
    integrity::INFO,
    total_order::INFO,
    agreement::INFO,
    local_primary_order::INFO,
    global_primary_order::INFO,
    primary_integrity::INFO,
    acknowledged_writes::INFO,
];

impl Checker<Zab> for ZabChecker {
    fn invariants(&self) -> &'static [InvariantInfo] {
        INVARIANTS
    }

    fn check(&mut self, ctx: &CheckCtx<'_, Zab>) -> Vec<Violation> {
        let n = ctx.nodes.len();
        if self.shadows.len() != n {
            self.shadows = vec![Shadow::default(); n];
        }
        let mut found = Vec::new();
        for &id in ctx.changed {
            match ctx.node(id) {
                Some(s) => self.record_broadcasts(s),
                // Crashed: it forgets what it delivered and re-delivers after it restarts.
                None => {
                    self.shadows[id.idx()] = Shadow {
                        seen: u64::MAX,
                        ..Shadow::default()
                    }
                }
            }
        }
        let before = self.delivered.len();
        for &id in ctx.changed {
            if let Some(s) = ctx.node(id) {
                self.check_deliveries(s, &mut found);
            }
        }
        let grew = self.delivered.len() > before;
        for (id, s) in ctx.live() {
            if s.is_established() && (grew || ctx.changed.contains(&id)) {
                primary_integrity::check(self, s, &mut found);
            }
        }
        acknowledged_writes::check(self, ctx, &mut found);
        found
    }
}

impl ZabChecker {
    /// An established leader's new transactions of its own epoch are its broadcasts.
    fn record_broadcasts(&mut self, s: &ZabState) {
        let h = s.history();
        let sh = &mut self.shadows[s.id.idx()];
        let from = sh.seen.min(h.len() as u64);
        sh.seen = h.len() as u64;
        if !s.is_established() {
            return;
        }
        let epoch = s.current_epoch();
        for i in from..h.len() as u64 {
            let t = h[i as usize];
            if t.zxid.epoch != epoch || self.broadcast.contains_key(&t) {
                continue;
            }
            let key = (epoch, s.id);
            let prev = self.last_broadcast.get(&key).copied();
            self.broadcast.insert(
                t,
                Origin {
                    primary: s.id,
                    epoch,
                    prev,
                },
            );
            self.last_broadcast.insert(key, t);
        }
    }

    /// Checks the positions `s` delivered since it was last checked, or from where its
    /// delivered prefix changed.
    fn check_deliveries(&mut self, s: &ZabState, found: &mut Vec<Violation>) {
        let i = s.id.idx();
        let h = s.history();
        let c = s.committed.min(h.len() as u64);
        let sh = &self.shadows[i];
        let mut start = sh.checked.min(c);
        if !sh.history.ptr_eq(h) {
            if let Some(d) = sh
                .history
                .iter()
                .zip(h.iter())
                .take(start as usize)
                .position(|(a, b)| a != b)
            {
                start = d as u64;
            }
        }
        for k in start..c {
            let t = h[k as usize];
            let prev = (k > 0).then(|| h[k as usize - 1]);
            integrity::check(self, s.id, t, found);
            total_order::check(self, s.id, t, prev, found);
            local_primary_order::check(self, s, k, t, found);
            global_primary_order::check(self, s.id, t, prev, found);
            // Past a divergence every position would differ: one report is enough.
            if !agreement::check(self, s, k, t, found) {
                break;
            }
        }
        let sh = &mut self.shadows[i];
        sh.history = h.clone();
        sh.checked = c;
    }
}
