//! Log compaction by snapshots, as in Ongaro's dissertation, chapter 5 ("Log compaction"):
//! §5.1, "Snapshotting memory-based state machines", and Figure 5.3, the InstallSnapshot RPC
//! (Figure 13 of the extended paper). Where the dissertation leaves a choice open, etcd-io/raft's
//! (raft.go `handleSnapshot` and `restore`) is taken.
//!
//! - `snapshot-every=N`: once a server has applied N entries since its last snapshot, it writes
//!   the state machine (the counter, and the key-value store under `workload=kv`) with the last
//!   included index and term and "the latest configuration as of the last included index"
//!   (§5.1), and discards the log up to it. Each server does so independently.
//! - A leader whose follower's nextIndex is at or below its snapshot's last index cannot send
//!   the entries it needs: it sends the whole snapshot in one InstallSnapshot (offset 0, done).
//! - The receiver (Figure 5.3): (1) reply immediately if term < currentTerm; (6) if an existing
//!   log entry has the same index and term as the snapshot's last included entry, retain the log
//!   entries following it; (7) otherwise discard the entire log; (8) reset the state machine from
//!   the snapshot and load its configuration. A snapshot that covers no more than what the
//!   follower already committed is ignored (etcd's `restore`: "s.Metadata.Index <=
//!   r.raftLog.committed"). The follower answers with an AppendEntriesReply whose matchIndex is
//!   the snapshot's last index (etcd's MsgAppResp), so the leader's repair goes on as usual.
//! - A snapshot is durable: a restarted server loads it, then its log, and counts everything the
//!   snapshot covers as committed and applied.
//!
//! Buggy variant `raft-snapshot-drops-newer-entries`: rule 6 forgotten (and etcd's check with
//! it), the follower installs every snapshot it receives, discarding its whole log even when it
//! holds the snapshot's last entry and newer ones it acknowledged: a delayed or duplicated
//! InstallSnapshot then takes committed entries from a majority.

use super::{AppendReply, Config, Entry, Raft, RaftMsg, RaftState};
use crate::node::narrate;
use crate::node::{NodeId, Out};
use crate::protocols::machine::Store;
use imbl::Vector;
use serde::Serialize;

/// The compaction settings: how often a server snapshots, and the buggy variant.
#[derive(Clone, Debug, Default)]
pub struct Compaction {
    /// Snapshot after this many applied entries since the last snapshot; never when `None`.
    pub every: Option<u64>,
    pub bug_drops_newer_entries: bool,
}

/// A snapshot of the state machine up to and including entry `last_index` (§5.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Snapshot {
    pub last_index: u64,
    pub last_term: u64,
    /// The latest configuration as of `last_index`, and the index of its entry (0: initial).
    pub config: Config,
    pub config_index: u64,
    /// The counter after applying entries 1..=last_index.
    pub value: i64,
    /// The key-value store after applying them (`workload=kv`).
    #[serde(skip_serializing_if = "Store::is_empty")]
    pub kv: Store,
}

impl Snapshot {
    /// The term of entry `index` as far as the snapshot knows: only its last entry's is kept.
    pub fn term_at(&self, index: u64) -> u64 {
        if index == self.last_index {
            self.last_term
        } else {
            0
        }
    }
}

/// InstallSnapshot RPC arguments (Figure 5.3), the snapshot sent whole in one chunk.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct InstallSnapshot {
    pub term: u64,
    pub snapshot: Snapshot,
}

impl Raft {
    /// The configuration in force at `index` (at or after the snapshot): the latest
    /// configuration entry up to it, else the snapshot's, else the initial one.
    pub(super) fn config_at(&self, s: &RaftState, index: u64) -> (Config, u64) {
        // Back from `index` through the entries the log still holds: the walk ends where the
        // snapshot begins.
        let in_log = (1..=index)
            .rev()
            .map_while(|i| s.entry(i).map(|e| (i, e)))
            .find_map(|(i, e)| e.config.map(|c| (c, i)));
        in_log.unwrap_or_else(|| match &s.durable.snapshot {
            Some(snap) => (snap.config, snap.config_index),
            None => (self.initial_config(), 0),
        })
    }

    /// §5.1: after `every` applied entries since the last snapshot, snapshot the state machine
    /// at lastApplied and discard the log up to it.
    pub(super) fn maybe_compact(&self, s: &mut RaftState, out: &mut Out<Self>) {
        let Some(every) = self.compaction.every else {
            return;
        };
        let base = s.snapshot_index();
        if s.last_applied < base + every {
            return;
        }
        let index = s.last_applied;
        let (config, config_index) = self.config_at(s, index);
        let snap = Snapshot {
            last_index: index,
            last_term: s.term_at(index),
            config,
            config_index,
            value: s.value,
            kv: s.kv.clone(),
        };
        s.durable.log = s.durable.log.skip((index - base) as usize);
        s.durable.snapshot = Some(snap);
        self.persist(s, out);
        narrate!(
            out,
            "{} snapshots its state machine at entry {index} (term {}) and discards the {} \
             entries up to it (§5.1)",
            s.id,
            s.term_at(index),
            index - base
        );
    }

    /// The leader sends its snapshot to a follower whose next entry was discarded, and, as
    /// with entries, assumes it arrives: a rejection of the next AppendEntries sends it again.
    pub(super) fn send_snapshot(&self, s: &mut RaftState, to: NodeId, out: &mut Out<Self>) {
        let Some(snap) = s.durable.snapshot.clone() else {
            return;
        };
        narrate!(
            out,
            "{} sends {to} its snapshot up to entry {}: entry {} that {to} needs next was \
             discarded (§5.1)",
            s.id,
            snap.last_index,
            s.next_index[to.idx()]
        );
        s.next_index[to.idx()] = snap.last_index + 1;
        out.send(
            to,
            RaftMsg::InstallSnapshot(InstallSnapshot {
                term: s.term(),
                snapshot: snap,
            }),
        );
    }

    /// AppendEntries whose prefix reaches into the follower's snapshot: those entries are
    /// committed, so they match the leader's; only what follows the snapshot is checked
    /// (etcd-io/raft's log.go `maybeAppend` likewise skips what it already committed).
    pub(super) fn skip_snapshotted(
        &self,
        s: &RaftState,
        prev_log_index: u64,
        prev_log_term: u64,
        mut entries: Vec<Entry>,
    ) -> (u64, u64, Vec<Entry>) {
        let base = s.snapshot_index();
        if prev_log_index >= base {
            return (prev_log_index, prev_log_term, entries);
        }
        let skip = ((base - prev_log_index) as usize).min(entries.len());
        (base, s.term_at(base), entries.split_off(skip))
    }

    /// A restarted server loads its snapshot: everything it covers is committed and applied.
    pub(super) fn restore_snapshot(&self, s: &mut RaftState, out: &mut Out<Self>) {
        let Some(snap) = &s.durable.snapshot else {
            return;
        };
        s.commit_index = snap.last_index;
        s.last_applied = snap.last_index;
        s.value = snap.value;
        s.kv = snap.kv.clone();
        narrate!(
            out,
            "{} loads its snapshot up to entry {} (term {})",
            s.id,
            snap.last_index,
            snap.last_term
        );
    }

    /// The InstallSnapshot receiver (Figure 5.3).
    pub(super) fn on_install_snapshot(
        &self,
        s: &mut RaftState,
        from: NodeId,
        m: InstallSnapshot,
        out: &mut Out<Self>,
    ) {
        let InstallSnapshot {
            term,
            snapshot: snap,
        } = m;
        let reply = |s: &RaftState, success: bool, match_index: u64| {
            RaftMsg::AppendEntriesReply(AppendReply {
                term: s.term(),
                success,
                match_index,
                last_index: s.last_index(),
            })
        };
        // Rule 1.
        if term < s.term() {
            narrate!(
                out,
                "{} rejects InstallSnapshot from {from}: term {term} is stale (current {})",
                s.id,
                s.term()
            );
            out.send(from, reply(s, false, 0));
            return;
        }
        self.follow_leader(s, from, term, out);
        let (index, last_term) = (snap.last_index, snap.last_term);
        let bug = self.compaction.bug_drops_newer_entries;
        if index <= s.commit_index && !bug {
            narrate!(
                out,
                "{} ignores the snapshot up to entry {index}: it has committed up to {} already",
                s.id,
                s.commit_index
            );
            out.send(from, reply(s, true, s.commit_index));
            return;
        }
        // Entries inside its own snapshot are committed, so they are the leader's too (only the
        // buggy variant gets here with such a snapshot); past its log, `term_at` is 0.
        let holds = index < s.snapshot_index() || s.term_at(index) == last_term;
        if holds && !bug {
            // Rule 6; like etcd, commit up to it and apply from the log it already holds.
            narrate!(
                out,
                "{} holds entry {index} of term {last_term}: it keeps the entries after it and \
                 learns entries up to {index} are committed (Figure 5.3, rule 6)",
                s.id
            );
            s.commit_index = index;
            self.apply(s, out);
        } else {
            if holds {
                narrate!(
                    out,
                    "{} discards its whole log up to entry {}, although it holds entry {index} \
                     of term {last_term} and those after it (bug: \
                     raft-snapshot-drops-newer-entries)",
                    s.id,
                    s.last_index()
                );
            } else {
                narrate!(
                    out,
                    "{} discards its log and loads the snapshot up to entry {index} of term \
                     {last_term} (Figure 5.3, rules 7 and 8)",
                    s.id
                );
            }
            // Rules 7 and 8: the snapshot replaces the log and the state machine, and its
            // configuration is the one in force.
            s.durable.log = Vector::new();
            s.commit_index = index;
            s.last_applied = index;
            s.value = snap.value;
            s.kv = snap.kv.clone();
            s.durable.snapshot = Some(snap);
            self.refresh_config(s, 1);
            self.persist(s, out);
            self.release_follower_reads(s, out);
        }
        out.send(from, reply(s, true, index));
    }
}
