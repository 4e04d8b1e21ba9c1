//! Lease Exclusivity: while a leader's read lease holds, no other server leads a later term
//! (Ongaro's thesis §6.4.1). It is what makes answering reads alone safe: the followers that
//! confirmed the lease refuse to vote until it has run out, so no new leader can commit writes
//! the lease holder would not see. Clock drift beyond the bound the lease allows for breaks it.

use super::live_leaders;
use crate::invariants::{CheckCtx, InvariantInfo, Violation};
use crate::protocols::machine::Reads;
use crate::protocols::raft::Raft;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Lease Exclusivity",
    statement: "While a leader holds a read lease, no other server leads a later term.",
    source: "Raft thesis §6.4.1",
};

pub fn check(ctx: &CheckCtx<'_, Raft>, found: &mut Vec<Violation>) {
    if ctx.proto.reads != Reads::Lease {
        return;
    }
    for holder in live_leaders(ctx).filter(|s| s.read.lease.is_some()) {
        if let Some(newer) = live_leaders(ctx).find(|s| s.term() > holder.term()) {
            found.push(Violation {
                invariant: INFO.name.into(),
                nodes: vec![holder.id, newer.id],
                explanation: format!(
                    "{} still holds a read lease for term {} and answers reads alone, but {} \
                     already leads term {}: its reads can miss that leader's writes",
                    holder.id,
                    holder.term(),
                    newer.id,
                    newer.term()
                ),
            });
            return;
        }
    }
}
