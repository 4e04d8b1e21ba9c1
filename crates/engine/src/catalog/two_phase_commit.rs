//! Two-Phase Commit in the lab: S1 coordinates, the others participate.

use super::{Bug, BugInfo, Entry, ExploreBudgets, Model, Opt, Progress, Settings, Words};
use crate::invariants::two_phase_commit::TwoPcChecker;
use crate::node::Decision;
use crate::protocols::two_phase_commit::{TpcState, TwoPc};

pub const UNILATERAL_ABORT: Bug = Bug(&BugInfo {
    slug: "2pc-unilateral-abort",
    describe: "A participant that voted yes aborts on its own after a timeout.",
    why: "A participant that voted yes is uncertain and must wait for the decision (Gray and \
          Lamport, Consensus on Transaction Commit §3): deciding alone can contradict a commit, \
          breaking Atomicity.",
});

pub const COMMIT_MISSING_VOTE: Bug = Bug(&BugInfo {
    slug: "2pc-commit-missing-vote",
    describe: "The coordinator decides commit although a vote is missing.",
    why: "Commit needs a yes vote from every participant (Gray and Lamport §3): committing \
          without one can commit what a participant aborted, breaking Commit Validity.",
});

/// How the commit protocols' legend and timeline speak of their cells and marks; 3PC shares it.
pub const COMMIT_WORDS: Words = Words {
    solid: "solid: a transaction decided here, in its outcome's colour",
    pale: "pale, dashed: not decided here yet",
    outcomes: &[
        (
            Decision::Commit,
            "green: committed here, its +n added to the counter",
        ),
        (Decision::Abort, "red: aborted here"),
    ],
    older: "transactions",
    leader: (
        "the coordinator starts a transaction",
        "{node} starts txn #{term}",
    ),
    commit: (
        "a transaction decided (commit or abort)",
        "{n} transactions decided",
    ),
};

pub const TWO_PC: Entry = Entry {
    slug: "2pc",
    title: "Two-Phase Commit",
    caption: "S1 coordinates; the others are participants",
    has_leader: false,
    bugs: &[UNILATERAL_ABORT, COMMIT_MISSING_VOTE],
    options: &[Opt::CooperativeTermination],
    defaults: |_| {},
    min_nodes: (
        2,
        "two-phase commit needs a coordinator and at least one participant",
    ),
    // A transaction, and a timeout that beats a vote or the decision.
    explore: ExploreBudgets {
        requests: 1,
        asynchronous: true,
        ..ExploreBudgets::NONE
    },
    legend: &[
        ("role-leader", "coordinator"),
        ("role-follower", "participant, no transaction held"),
        (
            "role-candidate",
            "prepared: voted yes, waits for the decision",
        ),
        (
            "role-blocked",
            "prepared and blocked: the decision cannot reach it",
        ),
        (
            "decision-commit",
            "committed: the newest transaction it decided, #n below",
        ),
        (
            "decision-abort",
            "aborted: the newest transaction it decided, #n below",
        ),
    ],
    words: COMMIT_WORDS,
};

impl Model for TwoPc {
    type Checker = TwoPcChecker;
    const ENTRY: Entry = TWO_PC;

    fn from_settings(st: &Settings) -> Self {
        TwoPc {
            nodes: st.nodes,
            timeout: st.election_timeout,
            cooperative_termination: st.cooperative_termination,
            bug_unilateral_abort: st.has_bug(UNILATERAL_ABORT),
            bug_commit_missing_vote: st.has_bug(COMMIT_MISSING_VOTE),
        }
    }

    fn progress(&self, s: &TpcState) -> Progress {
        Progress {
            leader: s.is_coordinator(),
            term: s.durable.newest(),
            committed: s.durable.decided,
        }
    }
}
