//! A node learns (and applies) only a chosen value: never a command that no majority accepted
//! in its slot.

use crate::invariants::{InvariantInfo, Violation};
use crate::node::NodeId;
use crate::protocols::multi_paxos::Cmd;
use crate::protocols::paxos::Ballot;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Learned Only Chosen",
    statement: "A node never learns a value for a slot unless it was chosen there.",
    source: "Paxos Made Simple, §2.1 and §3",
};

/// `id` applies `cmd` in `slot`; `chosen` is what a majority accepted there, if seen.
pub fn check(
    id: NodeId,
    slot: u64,
    cmd: Cmd,
    chosen: Option<(Ballot, Cmd)>,
    found: &mut Vec<Violation>,
) {
    let ok = chosen.is_some_and(|(_, c)| c == cmd);
    if !ok {
        found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![id],
            explanation: match chosen {
                Some((b, c)) => format!(
                    "{id} learned {cmd} in slot {slot}, but {c} was chosen there (ballot {b})"
                ),
                None => format!(
                    "{id} learned {cmd} in slot {slot}, but no majority accepted anything there"
                ),
            },
        });
    }
}
