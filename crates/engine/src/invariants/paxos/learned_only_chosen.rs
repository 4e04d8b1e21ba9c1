//! A learner learns only a chosen value: a process never learns that a value has been chosen
//! unless it actually has been.

use super::PaxosChecker;
use crate::invariants::{InvariantInfo, Violation};
use crate::protocols::paxos::PaxosState;

pub const INFO: InvariantInfo = InvariantInfo {
    name: "Learned Only Chosen",
    statement: "A process never learns that a value has been chosen unless it actually has been.",
    source: "Paxos Made Simple, §2.1 and §2.3",
};

pub fn check(c: &PaxosChecker, s: &PaxosState, found: &mut Vec<Violation>) {
    let Some((b, v)) = s.learned else { return };
    if c.chosen.get(&b) != Some(&v) {
        found.push(Violation {
            invariant: INFO.name.into(),
            nodes: vec![s.id],
            explanation: format!(
                "{} learned {v} from ballot {b}, but no majority of acceptors accepted it",
                s.id
            ),
        });
    }
}
