//! Zab in the lab: its checker, its settings, its buggy variants.

use super::{Bug, BugInfo, Entry, ExploreBudgets, Model, Progress, Settings, Words};
use crate::invariants::zab::ZabChecker;
use crate::protocols::zab::{Zab, ZabState};

pub const REUSE_EPOCH: Bug = Bug(&BugInfo {
    slug: "zab-reuse-epoch",
    describe: "A new leader keeps the highest accepted epoch instead of moving to a higher one.",
    why: "Discovery must establish an epoch no earlier primary used (Junqueira, Reed and \
          Serafini, DSN 2011, Phase 1: the new epoch is above every accepted epoch of a \
          quorum): zxids are (epoch, counter), so two primaries in one epoch issue the same \
          zxids for different transactions, and synchronization, which trusts a zxid to name \
          one transaction, leaves histories that disagree. Followers that accepted the epoch \
          refuse to acknowledge it again, so most reuses only stall the cluster (no leader is \
          ever established again); the reuse that breaks safety is by a leader that was itself \
          in the earlier epoch's quorum.",
});

pub const SKIP_SYNC: Bug = Bug(&BugInfo {
    slug: "zab-skip-sync",
    describe: "A new leader delivers its history and broadcasts before a quorum has \
               acknowledged NEWLEADER.",
    why: "A leader may deliver and broadcast only once a quorum holds its initial history \
          (DSN 2011, Phase 2): until then a later leader can be elected without those \
          transactions, so what this one delivered is lost or replaced, breaking Agreement \
          and Primary Integrity.",
});

pub const ACK_EPOCH_TWICE: Bug = Bug(&BugInfo {
    slug: "zab-ack-epoch-twice",
    describe: "A follower acknowledges NEWEPOCH for the epoch it has already accepted, so its \
               acknowledgement counts for a second leader.",
    why: "A follower takes part in establishing an epoch at most once: it acknowledges \
          NEWEPOCH(e) only if e is above its accepted epoch (DSN 2011, Phase 1; ZooKeeper's \
          Learner answers -1, \"we cannot ack again\", and the leader does not count it). Two \
          prospective leaders can propose the same epoch; a follower that acknowledges both, \
          say across a partition after a restart, gives each a quorum, both are established \
          in one epoch, issue the same zxids for different transactions, and a committed \
          transaction is lost: Agreement breaks.",
});

pub const ZAB: Entry = Entry {
    slug: "zab",
    title: "Zab",
    caption: "",
    has_leader: true,
    bugs: &[REUSE_EPOCH, SKIP_SYNC, ACK_EPOCH_TWICE],
    options: &[],
    defaults: |_| {},
    min_nodes: (1, "Zab needs at least one node"),
    // A request to broadcast and a crash to recover from.
    explore: ExploreBudgets {
        requests: 1,
        crashes: 1,
        ..ExploreBudgets::NONE
    },
    legend: &[
        ("role-leader", "LEADING"),
        ("stale", "stale leader: a higher epoch exists elsewhere"),
        ("role-follower", "FOLLOWING"),
        ("role-candidate", "LOOKING (electing)"),
    ],
    words: Words {
        solid: "solid: committed (colour = epoch)",
        pale: "pale, dashed: proposed, not committed yet",
        outcomes: &[],
        older: "entries",
        leader: ("a leader established", "{node} leads epoch {term}"),
        commit: ("a commit", "{n} committed"),
    },
};

impl Model for Zab {
    type Checker = ZabChecker;
    const ENTRY: Entry = ZAB;

    fn from_settings(st: &Settings) -> Self {
        Zab {
            nodes: st.nodes,
            election_timeout: st.election_timeout,
            heartbeat: st.heartbeat,
            diff_window: 32,
            reads: st.reads,
            bug_reuse_epoch: st.has_bug(REUSE_EPOCH),
            bug_skip_sync: st.has_bug(SKIP_SYNC),
            bug_ack_epoch_twice: st.has_bug(ACK_EPOCH_TWICE),
        }
    }

    /// Only an established leader (in broadcast) counts: one still in discovery or
    /// synchronization serves no client yet.
    fn progress(&self, s: &ZabState) -> Progress {
        Progress {
            leader: s.is_established(),
            term: s.current_epoch(),
            committed: s.committed,
        }
    }
}
