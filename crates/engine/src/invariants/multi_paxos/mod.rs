//! Multi-Paxos runs one instance of consensus per slot, so Paxos's safety holds per slot
//! ("Paxos Made Simple" §3); replicas that apply the chosen commands in slot order then agree
//! on the state machine (Schneider's state machine approach).
//!
//! A value is chosen in a slot when a majority of acceptors accepted it in the same ballot. The
//! checker counts acceptances itself from stable storage; imbl's diff against the copy it saw
//! last skips the shared parts, so only the slots that changed in this event are examined.

mod learned_only_chosen;
mod slot_agreement;
mod state_machine_safety;

use crate::invariants::{CheckCtx, Checker, InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::multi_paxos::{Cmd, MultiPaxos};
use crate::protocols::paxos::Ballot;
use imbl::ordmap::DiffItem;
use imbl::{OrdMap, Vector};

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MultiPaxosChecker {
    /// Each node's accepted slots as last checked.
    shadows: Vec<OrdMap<u64, (Ballot, Cmd)>>,
    /// Per (slot, ballot), the command and the acceptors seen accepting it.
    accepts: OrdMap<(u64, Ballot), (Cmd, Vec<NodeId>)>,
    /// The first command seen chosen in each slot, and its ballot.
    chosen: OrdMap<u64, (Ballot, Cmd)>,
    /// The sequence applied so far by anyone: command and the counter after it, per slot.
    applied: Vector<(Cmd, i64)>,
    /// Per node, how many slots of its applied prefix were compared with `applied`.
    checked: Vec<u64>,
}

pub const INVARIANTS: &[InvariantInfo] = &[
    slot_agreement::INFO,
    learned_only_chosen::INFO,
    state_machine_safety::INFO,
];

impl Checker<MultiPaxos> for MultiPaxosChecker {
    fn invariants(&self) -> &'static [InvariantInfo] {
        INVARIANTS
    }

    fn check(&mut self, ctx: &CheckCtx<'_, MultiPaxos>) -> Vec<Violation> {
        let n = ctx.nodes.len();
        if self.shadows.len() != n {
            self.shadows = vec![OrdMap::new(); n];
            self.checked = vec![0; n];
        }
        let majority = n / 2 + 1;
        let mut found = Vec::new();
        for &id in ctx.changed {
            let accepted = &ctx.durable[id.idx()].accepted;
            let changes: Vec<(u64, Ballot, Cmd)> = self.shadows[id.idx()]
                .diff(accepted)
                .filter_map(|d| match d {
                    DiffItem::Add(k, (b, c)) => Some((*k, *b, *c)),
                    DiffItem::Update {
                        new: (k, (b, c)), ..
                    } => Some((*k, *b, *c)),
                    DiffItem::Remove(..) => None,
                })
                .collect();
            self.shadows[id.idx()] = accepted.clone();
            for (slot, b, cmd) in changes {
                let mut e = self
                    .accepts
                    .get(&(slot, b))
                    .cloned()
                    .unwrap_or((cmd, Vec::new()));
                if e.1.contains(&id) {
                    continue;
                }
                e.1.push(id);
                let now_chosen = e.1.len() == majority;
                self.accepts.insert((slot, b), e);
                if now_chosen {
                    slot_agreement::check(self, id, slot, b, cmd, &mut found);
                }
            }
        }
        for &id in ctx.changed {
            match ctx.node(id) {
                Some(s) => state_machine_safety::check(self, s, &mut found),
                // Crashed: it re-applies its chosen slots from the start when it restarts.
                None => self.checked[id.idx()] = 0,
            }
        }
        found
    }
}
