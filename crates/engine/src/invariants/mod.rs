//! Safety properties, one file per property, named as in the literature. Each protocol's
//! checker keeps the history its properties need and runs them after every event.
//!
//! A checker reads protocol state; protocols never know their checker. The catalog pairs them.

pub mod multi_paxos;
pub mod paxos;
pub mod raft;
pub mod three_phase_commit;
pub mod two_phase_commit;
pub mod zab;

use crate::node::{NodeId, Protocol, Reply, Request};
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::hash::Hash;

/// Static facts about one safety property.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct InvariantInfo {
    pub name: &'static str,
    /// One line: what must always hold.
    pub statement: &'static str,
    /// Where in the literature it is stated.
    pub source: &'static str,
}

/// A broken invariant: which, where and why, in a sentence the UI can show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub invariant: String,
    pub nodes: Vec<NodeId>,
    pub explanation: String,
}

/// What an invariant may look at after each event. `changed` are the nodes whose handlers just
/// ran or that crashed (checkers look only at them, to stay incremental); `replies` are the
/// answers to clients that event sent.
pub struct CheckCtx<'a, P: Protocol> {
    pub proto: &'a P,
    pub nodes: &'a [Option<P::State>],
    pub durable: &'a [P::Durable],
    pub changed: &'a [NodeId],
    pub replies: &'a [(NodeId, u64, Reply)],
    pub requests: &'a Requests,
}

/// The client requests issued so far, by id. Ids run from 1 without gaps, so a list holds
/// them: an hour's 36,000 requests take 40 bytes each instead of a search tree's node each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requests(Vec<Request>);

impl Requests {
    /// Request `id`, if it was issued.
    pub fn get(&self, id: u64) -> Option<&Request> {
        self.0.get(usize::try_from(id.checked_sub(1)?).ok()?)
    }

    /// The id the next request gets.
    pub fn next_id(&self) -> u64 {
        self.0.len() as u64 + 1
    }

    /// Records a request as it is issued: the next one, or (a replay issuing again what it
    /// issued before) one already recorded, which stays as it is.
    pub fn record(&mut self, r: Request) {
        assert!(
            r.id <= self.next_id(),
            "request ids run from 1 without gaps"
        );
        if r.id == self.next_id() {
            push_tight(&mut self.0, r);
        }
    }

    /// Keeps the first `n` requests: the past changed after them.
    pub fn truncate(&mut self, n: u64) {
        self.0.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    }
}

/// Pushes with at most 1/8 spare capacity: an hour's history and requests are tens of
/// megabytes, and doubling would hold up to twice that. (Here, below the simulator, so that the
/// checkers' requests and the simulator's history share it.)
pub(crate) fn push_tight<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        v.reserve_exact(v.len() / 8 + 1024);
    }
    v.push(x);
}

impl<P: Protocol> CheckCtx<'_, P> {
    pub fn live(&self) -> impl Iterator<Item = (NodeId, &P::State)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (NodeId::from_idx(i), s)))
    }
    pub fn node(&self, id: NodeId) -> Option<&P::State> {
        self.nodes.get(id.idx()).and_then(Option::as_ref)
    }
}

/// The invariants of a protocol, checked after every event. Implementations keep the history
/// they need (leaders per term, what was ever chosen); it is cloned into checkpoints, so time
/// travel restores it with the cluster. `Eq + Hash` because that memory is part of the state
/// the explorer (`lab explore`) searches: two paths to the same cluster with different
/// histories can still differ in what they will report.
pub trait Checker<P: Protocol>: Clone + Debug + Default + Eq + Hash {
    fn invariants(&self) -> &'static [InvariantInfo];
    fn check(&mut self, ctx: &CheckCtx<'_, P>) -> Vec<Violation>;
    /// The network stopped being crash-only: a partition, a lost or duplicated message, or loss
    /// or duplication switched on. Node state does not show this, and properties stated for
    /// crash faults only (3PC's Non-blocking) stop applying.
    fn network_fault(&mut self) {}
}
