//! Raft in the lab: its checker, its settings, its buggy variants.

use super::{Bug, BugInfo, Entry, ExploreBudgets, Model, Opt, Progress, Settings, Words};
use crate::invariants::raft::RaftChecker;
use crate::protocols::raft::{Compaction, Config, Raft, RaftState, ReadConfig, Reconfig, Role};

pub const COMMIT_OLD_TERM: Bug = Bug(&BugInfo {
    slug: "raft-commit-old-term",
    describe: "A leader commits an entry from an earlier term by counting replicas (Figure 8).",
    why: "A leader may only count replicas of entries from its own term (Raft §5.4.2, Figure 8): \
          an old-term entry on a majority can still be overwritten, so committing it breaks \
          State Machine Safety.",
});

pub const VOTE_WITHOUT_LOG_CHECK: Bug = Bug(&BugInfo {
    slug: "raft-vote-without-log-check",
    describe: "A node grants its vote without checking that the candidate's log is up to date.",
    why: "A voter must refuse a candidate whose log is behind its own (Raft §5.4.1): otherwise \
          a leader can be elected without a committed entry, breaking Leader Completeness.",
});

pub const FORGET_VOTE_ON_RESTART: Bug = Bug(&BugInfo {
    slug: "raft-forget-vote-on-restart",
    describe: "A restarted node forgets whom it voted for in its current term.",
    why: "votedFor is persistent state, kept on stable storage across restarts (Raft Figure 2, \
          \"Persistent state on all servers\"): a node that forgets it can vote twice in one \
          term and elect two leaders, breaking Election Safety.",
});

pub const UNPERSISTED_LOG: Bug = Bug(&BugInfo {
    slug: "raft-unpersisted-log",
    describe: "A follower acknowledges AppendEntries before the new entries reach stable storage.",
    why: "Persistent state is \"updated on stable storage before responding to RPCs\" (Raft \
          Figure 2): a leader counts the acknowledgement towards a majority, so a follower that \
          crashes before writing loses a committed entry, breaking Leader Completeness.",
});

pub const RECONFIG_BEFORE_TERM_COMMIT: Bug = Bug(&BugInfo {
    slug: "raft-reconfig-before-term-commit",
    describe: "A new leader appends a configuration entry before an entry of its own term \
               commits (the 2015 single-server change bug).",
    why: "A leader may not append a new configuration entry until it has committed an entry \
          from its current term (Ongaro, raft-dev, July 2015; the dissertation's errata to \
          §4.1): otherwise two single-server changes begun by leaders of different terms can \
          each take effect with majorities that do not intersect, electing two leaders in one \
          term or committing diverging entries. Needs membership=single.",
});

pub const READ_WITHOUT_QUORUM_CHECK: Bug = Bug(&BugInfo {
    slug: "raft-read-without-quorum-check",
    describe: "The leader answers reads from its own state without checking that it still leads.",
    why: "A leader cut off in a minority does not know a new leader was elected and commits \
          writes: it must confirm it still leads with a majority before answering a read \
          (Raft thesis §6.4, step 3), or it serves stale data and the history is not \
          linearizable. Needs workload=kv.",
});

pub const LEASE_IGNORES_DRIFT: Bug = Bug(&BugInfo {
    slug: "raft-lease-ignores-drift",
    describe: "A lease lasts a whole election timeout of the leader's clock, with no margin for \
               clock drift.",
    why: "Followers count their election timeout on their own clocks: if the leader's runs slow \
          and theirs fast, they elect a new leader while the old one still believes its lease \
          holds, and it serves stale reads. The lease must be shortened by the drift bound \
          (Raft thesis §6.4.1). Needs workload=kv, reads=lease and drift.",
});

pub const JOINT_NEW_MAJORITY_ONLY: Bug = Bug(&BugInfo {
    slug: "raft-joint-new-majority-only",
    describe: "A joint configuration C_old,new decides (elections and commitment) with a \
               majority of C_new alone.",
    why: "During joint consensus \"agreement (for elections and entry commitment) requires \
          separate majorities from both the old and new configurations\" (Raft dissertation \
          §4.3): with C_new's majority alone, servers still on C_old and those on C_old,new \
          can decide independently, electing two leaders in one term. Needs membership=joint.",
});

pub const SNAPSHOT_DROPS_NEWER_ENTRIES: Bug = Bug(&BugInfo {
    slug: "raft-snapshot-drops-newer-entries",
    describe: "A follower receiving InstallSnapshot discards its whole log, even the entries \
               after the snapshot that it holds and acknowledged.",
    why: "\"If existing log entry has same index and term as snapshot's last included entry, \
          retain log entries following it\" (Raft dissertation Figure 5.3, InstallSnapshot rule \
          6): the follower's acknowledgement counted towards committing those entries, so \
          dropping them leaves a committed entry on less than a majority, and a leader elected \
          without it breaks Leader Completeness. Needs snapshot-every.",
});

pub const RAFT: Entry = Entry {
    slug: "raft",
    title: "Raft",
    caption: "",
    has_leader: true,
    bugs: &[
        COMMIT_OLD_TERM,
        VOTE_WITHOUT_LOG_CHECK,
        FORGET_VOTE_ON_RESTART,
        UNPERSISTED_LOG,
        RECONFIG_BEFORE_TERM_COMMIT,
        READ_WITHOUT_QUORUM_CHECK,
        LEASE_IGNORES_DRIFT,
        JOINT_NEW_MAJORITY_ONLY,
        SNAPSHOT_DROPS_NEWER_ENTRIES,
    ],
    options: &[Opt::PreVote, Opt::CheckQuorum],
    defaults: |_| {},
    min_nodes: (1, "Raft needs at least one node"),
    // A request for the log bugs and a crash for the restart bugs; each shows when a timer
    // beats a message.
    explore: ExploreBudgets {
        requests: 1,
        crashes: 1,
        asynchronous: true,
        ..ExploreBudgets::NONE
    },
    legend: &[
        ("role-leader", "leader"),
        ("stale", "stale leader: a higher term exists elsewhere"),
        ("role-follower", "follower"),
        ("role-candidate", "candidate or pre-candidate"),
    ],
    words: Words {
        solid: "solid: committed (colour = term)",
        pale: "pale, dashed: not committed yet",
        outcomes: &[],
        older: "entries",
        leader: ("a new leader", "{node} leads term {term}"),
        commit: ("a commit", "{n} committed"),
    },
};

impl Model for Raft {
    type Checker = RaftChecker;
    const ENTRY: Entry = RAFT;

    fn from_settings(st: &Settings) -> Self {
        Raft {
            nodes: st.nodes,
            election_timeout: st.election_timeout,
            heartbeat: st.heartbeat,
            prevote: st.prevote,
            check_quorum: st.check_quorum,
            reads: st.reads,
            read: ReadConfig {
                drift_ppm: st.drift_ppm,
                bug_read_without_quorum_check: st.has_bug(READ_WITHOUT_QUORUM_CHECK),
                bug_lease_ignores_drift: st.has_bug(LEASE_IGNORES_DRIFT),
            },
            bug_commit_old_term: st.has_bug(COMMIT_OLD_TERM),
            bug_vote_without_log_check: st.has_bug(VOTE_WITHOUT_LOG_CHECK),
            bug_forget_vote_on_restart: st.has_bug(FORGET_VOTE_ON_RESTART),
            bug_unpersisted_log: st.has_bug(UNPERSISTED_LOG),
            reconfig: Reconfig {
                mode: st.membership,
                initial: Config::first(st.voters.unwrap_or(st.nodes)),
                bug_reconfig_before_term_commit: st.has_bug(RECONFIG_BEFORE_TERM_COMMIT),
                bug_joint_new_majority_only: st.has_bug(JOINT_NEW_MAJORITY_ONLY),
            },
            compaction: Compaction {
                every: st.snapshot_every,
                bug_drops_newer_entries: st.has_bug(SNAPSHOT_DROPS_NEWER_ENTRIES),
            },
        }
    }

    fn progress(&self, s: &RaftState) -> Progress {
        Progress {
            leader: s.role == Role::Leader,
            term: s.term(),
            committed: s.commit_index,
        }
    }
}
