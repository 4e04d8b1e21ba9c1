//! State Machine Safety: every node applies the same sequence of commands, so every counter
//! passes through the same values.

use super::{learned_only_chosen, MultiPaxosChecker};
use crate::invariants::{InvariantInfo, Violation};
use crate::protocols::multi_paxos::{Cmd, MpState};

pub const INFO: InvariantInfo = InvariantInfo {
    name: "State Machine Safety",
    statement: "Every node applies the same command in each slot, in slot order.",
    source: "Paxos Made Simple, §3; Schneider, the state machine approach (1990)",
};

/// Compares the slots `s` applied since last checked with the sequence applied so far.
pub fn check(c: &mut MultiPaxosChecker, s: &MpState, found: &mut Vec<Violation>) {
    let i = s.id.idx();
    let from = c.checked[i].min(s.applied);
    let mut value = if from == 0 {
        0
    } else {
        c.applied[from as usize - 1].1
    };
    for slot in from + 1..=s.applied {
        let cmd = s.durable.chosen[&slot];
        if let Cmd::Write(r) = cmd {
            value += r.delta;
        }
        learned_only_chosen::check(s.id, slot, cmd, c.chosen.get(&slot).copied(), found);
        match c.applied.get(slot as usize - 1) {
            Some(&(known, _)) if known != cmd => {
                found.push(Violation {
                    invariant: INFO.name.into(),
                    nodes: vec![s.id],
                    explanation: format!(
                        "{} applies {cmd} in slot {slot}, but {known} was applied there before",
                        s.id
                    ),
                });
                // Its counter differs too, for the same reason: one report is enough.
                c.checked[i] = s.applied;
                return;
            }
            Some(_) => {}
            None => c.applied.push_back((cmd, value)),
        }
    }
    c.checked[i] = s.applied;
    if s.applied > 0 {
        let want = c.applied[s.applied as usize - 1].1;
        if want != s.value {
            found.push(Violation {
                invariant: INFO.name.into(),
                nodes: vec![s.id],
                explanation: format!(
                    "{}'s counter is {} after applying {} slots; the applied sequence gives {want}",
                    s.id, s.value, s.applied
                ),
            });
        }
    }
}
