//! Three-Phase Commit in the lab: S1 coordinates, the others participate, as in Two-Phase Commit.

use super::{Bug, BugInfo, Entry, ExploreBudgets, Model, Progress, Settings};
use crate::invariants::three_phase_commit::ThreePcChecker;
use crate::protocols::three_phase_commit::{ThreePc, ThreePcState};

pub const UNCERTAIN_COMMITS_ON_TIMEOUT: Bug = Bug(&BugInfo {
    slug: "3pc-uncertain-commits-on-timeout",
    describe: "A participant that voted yes commits when it times out before PreCommit.",
    why: "An uncertain participant does not know that everyone voted yes, so it may not commit \
          (Skeen 1981, the nonblocking theorem: no state adjacent to both commit and abort; \
          Bernstein, Hadzilacos and Goodman §7.5): the coordinator may have aborted, breaking Atomicity or Commit \
          Validity.",
});

pub const TERMINATION_IGNORES_PRECOMMIT: Bug = Bug(&BugInfo {
    slug: "3pc-termination-ignores-precommit",
    describe: "The termination protocol aborts even though a participant is pre-committed.",
    why: "A pre-committed node means everyone voted yes and someone may already have committed, \
          so the new coordinator must pre-commit the others and commit (Bernstein, Hadzilacos \
          and Goodman §7.5, the termination protocol's rule for a committable process; Skeen 1981, \
          the central-site protocol): aborting can contradict a \
          commit, breaking Atomicity.",
});

pub const THREE_PC: Entry = Entry {
    slug: "3pc",
    title: "Three-Phase Commit",
    caption: "S1 coordinates; the others are participants",
    has_leader: false,
    bugs: &[UNCERTAIN_COMMITS_ON_TIMEOUT, TERMINATION_IGNORES_PRECOMMIT],
    options: &[],
    defaults: |_| {},
    min_nodes: (
        2,
        "three-phase commit needs a coordinator and at least one participant",
    ),
    // A transaction and a crash: the termination protocol runs without its coordinator.
    explore: ExploreBudgets {
        requests: 1,
        crashes: 1,
        ..ExploreBudgets::NONE
    },
    legend: &[
        ("role-leader", "coordinator"),
        ("role-follower", "participant, no transaction held"),
        (
            "role-candidate",
            "uncertain or pre-committed: waits for the next phase",
        ),
        ("role-blocked", "terminating or recovering: asks the others"),
        (
            "decision-commit",
            "committed: the newest transaction it decided, #n below",
        ),
        (
            "decision-abort",
            "aborted: the newest transaction it decided, #n below",
        ),
    ],
    words: super::two_phase_commit::COMMIT_WORDS,
};

impl Model for ThreePc {
    type Checker = ThreePcChecker;
    const ENTRY: Entry = THREE_PC;

    fn from_settings(st: &Settings) -> Self {
        ThreePc {
            nodes: st.nodes,
            timeout: st.election_timeout,
            bug_uncertain_commits_on_timeout: st.has_bug(UNCERTAIN_COMMITS_ON_TIMEOUT),
            bug_termination_ignores_precommit: st.has_bug(TERMINATION_IGNORES_PRECOMMIT),
        }
    }

    fn progress(&self, s: &ThreePcState) -> Progress {
        Progress {
            leader: s.is_coordinator(),
            term: s.durable.newest(),
            committed: s.durable.decided,
        }
    }
}
