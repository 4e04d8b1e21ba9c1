//! No acknowledged write is lost: when a leader tells a client its request committed, the
//! request was delivered at the position and with the counter value the client was told (and
//! by Agreement and Total Order stays there).

use super::ZabChecker;
use crate::invariants::{CheckCtx, InvariantInfo, Violation};
use crate::node::Reply;
use crate::protocols::zab::Zab;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Acknowledged Writes Durable",
    statement: "A write acknowledged to a client is delivered where the client was told, and \
                never lost.",
    source: "Primary-backup's promise to clients (Junqueira, Reed and Serafini, DSN 2011): a \
             committed state change survives the primary",
};

pub fn check(c: &ZabChecker, ctx: &CheckCtx<'_, Zab>, found: &mut Vec<Violation>) {
    for (node, request, reply) in ctx.replies {
        let Reply::Committed { index, value } = reply else {
            continue;
        };
        let ok = index
            .checked_sub(1)
            .and_then(|i| c.delivered.get(i as usize))
            .is_some_and(|d| d.txn.id == *request && d.value == *value);
        if !ok {
            found.push(Violation {
                invariant: INFO.name.into(),
                nodes: vec![*node],
                explanation: format!(
                    "{node} acknowledged request #{request} as transaction {index} (counter = \
                     {value}), but the delivered sequence does not hold it there"
                ),
            });
        }
    }
}
