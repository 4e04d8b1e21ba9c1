//! Single-decree Paxos in the lab. Its buggy variants apply to Multi-Paxos too.

use super::{Bug, BugInfo, Entry, ExploreBudgets, Model, Progress, Settings, Words};
use crate::invariants::paxos::PaxosChecker;
use crate::protocols::paxos::{Paxos, PaxosState, Phase};

pub const IGNORE_PROMISED_VALUE: Bug = Bug(&BugInfo {
    slug: "paxos-ignore-promised-value",
    describe: "A proposer ignores the accepted values reported in promises.",
    why: "A proposer must propose the value of the highest-numbered proposal reported by a \
          majority of promises (Paxos Made Simple §2.2, P2c): otherwise a second value can be \
          chosen, breaking Agreement.",
});

pub const ACCEPT_BELOW_PROMISE: Bug = Bug(&BugInfo {
    slug: "paxos-accept-below-promise",
    describe: "An acceptor accepts a ballot lower than the one it promised.",
    why: "An acceptor that promised ballot n must not accept a lower one (Paxos Made Simple \
          §2.2, P1a): the promise is what lets a proposer learn every value that may be \
          chosen, so breaking it breaks Agreement.",
});

pub const FORGET_PROMISE_ON_RESTART: Bug = Bug(&BugInfo {
    slug: "paxos-forget-promise-on-restart",
    describe: "A restarted acceptor forgets the ballot it promised and the proposal it accepted.",
    why: "\"An acceptor must remember this information even if it fails and then restarts\" \
          (Paxos Made Simple §2.3): an acceptor that forgets its promise can accept a lower \
          ballot, and one that forgets what it accepted hides a chosen value from the next \
          proposer, so a second value can be chosen, breaking Agreement.",
});

pub const PAXOS: Entry = Entry {
    slug: "paxos",
    title: "Paxos",
    caption: "",
    has_leader: false,
    bugs: &[
        IGNORE_PROMISED_VALUE,
        ACCEPT_BELOW_PROMISE,
        FORGET_PROMISE_ON_RESTART,
    ],
    options: &[],
    // Single-decree: a few competing proposals, not a stream.
    defaults: |s| s.request_every = None,
    min_nodes: (1, "Paxos needs at least one node"),
    // Two dueling proposers, and a crash for the acceptor that forgets its promise.
    explore: ExploreBudgets {
        proposers: 2,
        crashes: 1,
        ..ExploreBudgets::NONE
    },
    legend: &[
        ("role-leader", "proposer in phase 2 (accept)"),
        ("stale", "stale proposer: a higher ballot exists elsewhere"),
        ("role-candidate", "proposer in phase 1 (prepare)"),
        ("role-follower", "acceptor, or a proposer backing off"),
        ("role-learner", "learned the chosen value"),
    ],
    words: Words {
        solid: "solid: the value learned (colour = ballot round)",
        pale: "pale, dashed: accepted, not known chosen",
        outcomes: &[],
        older: "values",
        leader: (
            "a proposer asks for accepts",
            "{node} asks for accepts in round {term}",
        ),
        commit: ("the value learned", "the value learned"),
    },
};

impl Model for Paxos {
    type Checker = PaxosChecker;
    const ENTRY: Entry = PAXOS;

    fn from_settings(st: &Settings) -> Self {
        Paxos {
            nodes: st.nodes,
            retry_timeout: st.election_timeout,
            start_delay: (st.heartbeat, 2 * st.heartbeat),
            bug_ignore_promised_value: st.has_bug(IGNORE_PROMISED_VALUE),
            bug_accept_below_promise: st.has_bug(ACCEPT_BELOW_PROMISE),
            bug_forget_promise_on_restart: st.has_bug(FORGET_PROMISE_ON_RESTART),
        }
    }

    fn progress(&self, s: &PaxosState) -> Progress {
        Progress {
            leader: s.phase == Phase::Accepting && s.learned.is_none(),
            term: s.ballot.map_or(0, |b| b.round),
            committed: u64::from(s.learned.is_some()),
        }
    }
}
