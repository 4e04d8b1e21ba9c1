//! Multi-Paxos in the lab: a distinguished leader, one Paxos instance per slot.

use super::{
    Entry, ExploreBudgets, Model, Progress, Settings, Words, ACCEPT_BELOW_PROMISE,
    FORGET_PROMISE_ON_RESTART, IGNORE_PROMISED_VALUE,
};
use crate::invariants::multi_paxos::MultiPaxosChecker;
use crate::protocols::multi_paxos::{MpState, MultiPaxos, Role};

pub const MULTI_PAXOS: Entry = Entry {
    slug: "multi-paxos",
    title: "Multi-Paxos",
    caption: "",
    has_leader: true,
    bugs: &[
        IGNORE_PROMISED_VALUE,
        ACCEPT_BELOW_PROMISE,
        FORGET_PROMISE_ON_RESTART,
    ],
    options: &[],
    defaults: |_| {},
    min_nodes: (1, "Multi-Paxos needs at least one node"),
    // A command to choose, and a timer that beats a message.
    explore: ExploreBudgets {
        requests: 1,
        asynchronous: true,
        ..ExploreBudgets::NONE
    },
    legend: &[
        ("role-leader", "leader"),
        ("stale", "stale leader: a higher ballot exists elsewhere"),
        ("role-follower", "follower (acceptor)"),
        ("role-candidate", "candidate (phase 1)"),
    ],
    words: Words {
        solid: "solid: chosen (colour = ballot)",
        pale: "pale, dashed: accepted, not chosen yet",
        outcomes: &[],
        older: "slots",
        leader: ("a new leader", "{node} leads ballot round {term}"),
        commit: ("a command applied", "{n} applied"),
    },
};

impl Model for MultiPaxos {
    type Checker = MultiPaxosChecker;
    const ENTRY: Entry = MULTI_PAXOS;

    fn from_settings(st: &Settings) -> Self {
        MultiPaxos {
            nodes: st.nodes,
            election_timeout: st.election_timeout,
            heartbeat: st.heartbeat,
            bug_ignore_promised_value: st.has_bug(IGNORE_PROMISED_VALUE),
            bug_accept_below_promise: st.has_bug(ACCEPT_BELOW_PROMISE),
            bug_forget_promise_on_restart: st.has_bug(FORGET_PROMISE_ON_RESTART),
        }
    }

    fn progress(&self, s: &MpState) -> Progress {
        Progress {
            leader: s.role == Role::Leader,
            term: s.term(),
            committed: s.applied,
        }
    }
}
