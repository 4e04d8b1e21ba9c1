//! Validity (Nontriviality): only a value that has been proposed may be chosen.

use crate::invariants::{CheckCtx, InvariantInfo, Violation};
use crate::protocols::paxos::{start_value, Ballot, Origin, Paxos, Value};

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Validity",
    statement: "Only a value that has been proposed may be chosen.",
    source: "Paxos Made Simple, §2.1",
};

/// A value was proposed if a client asked for it or a demo proposer starts with it.
pub fn check(ctx: &CheckCtx<'_, Paxos>, b: Ballot, v: Value, found: &mut Vec<Violation>) {
    let proposed = match v.origin {
        Origin::Request(id) => ctx.requests.get(id).is_some_and(|r| r.delta == v.value),
        Origin::Start(n) => ctx.proto.proposes_at_start(n) && start_value(n) == v,
    };
    if !proposed {
        found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![b.node],
            explanation: format!("{v} is chosen in ballot {b}, but nobody proposed it"),
        });
    }
}
