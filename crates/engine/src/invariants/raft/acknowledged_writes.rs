//! No acknowledged write is lost: when a leader tells a client its request committed, the
//! request is in the committed log at the index and with the value the client was told, and
//! (by State Machine Safety and Leader Completeness) stays there.

use super::RaftChecker;
use crate::invariants::{CheckCtx, InvariantInfo, Violation};
use crate::node::Reply;
use crate::protocols::raft::Raft;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Acknowledged Writes Durable",
    statement: "A write acknowledged to a client is committed where the client was told, and \
                never lost.",
    source: "Raft, §8 (client interaction)",
};

pub fn check(c: &RaftChecker, ctx: &CheckCtx<'_, Raft>, found: &mut Vec<Violation>) {
    for (node, request, reply) in ctx.replies {
        let Reply::Committed { index, value } = reply else {
            continue;
        };
        let ok = c
            .committed
            .get(*index as usize - 1)
            .is_some_and(|k| k.entry.request.id == *request && k.value == *value);
        if !ok {
            found.push(Violation {
                invariant: INFO.name.into(),
                nodes: vec![*node],
                explanation: format!(
                    "{node} acknowledged request #{request} at entry {index} (counter = {value}), \
                     but the committed log does not hold it there"
                ),
            });
        }
    }
}
