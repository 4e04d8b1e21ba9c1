//! Log replication (§5.3) and commitment (§5.4.2): the leader sends AppendEntries, followers
//! check consistency and repair their logs, the leader backs nextIndex off on a rejection and
//! commits an entry of its own term once a majority stores it; committed entries are applied to
//! the state machine and the waiting clients answered.

use super::{AppendEntries, AppendReply, Entry, Raft, RaftDurable, RaftMsg, RaftState, Role};
use crate::node::narrate;
use crate::node::{NodeId, Out};
use crate::protocols::machine;

/// Largest number of entries one AppendEntries carries.
const MAX_BATCH: usize = 64;

impl Raft {
    /// A current leader's AppendEntries or InstallSnapshot: follow `from` in `term` (§5.2: a
    /// candidate or stale leader that hears from the current leader returns to follower).
    pub(super) fn follow_leader(
        &self,
        s: &mut RaftState,
        from: NodeId,
        term: u64,
        out: &mut Out<Self>,
    ) {
        if s.role != Role::Follower {
            narrate!(
                out,
                "{} learns that {from} leads term {term} and returns to follower",
                s.id
            );
            s.role = Role::Follower;
            s.votes.clear();
        }
        s.leader = Some(from);
        self.reset_election_timer(s, out);
        s.heard_leader = true;
        self.hold_votes(s, out);
    }

    /// Sends the entries from nextIndex on and assumes they arrive (etcd's "replicate" state):
    /// nextIndex moves past them, so a later send does not repeat them; a rejection backs it off.
    pub(super) fn send_append(&self, s: &mut RaftState, to: NodeId, out: &mut Out<Self>) {
        let next = s.next_index[to.idx()];
        // The entry it needs was compacted away: it gets the snapshot (dissertation §5.1).
        if next <= s.snapshot_index() {
            return self.send_snapshot(s, to, out);
        }
        let prev_log_index = next - 1;
        let end = s.last_index().min(prev_log_index + MAX_BATCH as u64);
        // Indexing, not iter().skip(): skipping through an imbl vector is linear.
        let entries: Vec<Entry> = (prev_log_index + 1..=end)
            .filter_map(|i| s.entry(i).cloned())
            .collect();
        s.next_index[to.idx()] = prev_log_index + entries.len() as u64 + 1;
        out.send(
            to,
            RaftMsg::AppendEntries(AppendEntries {
                term: s.term(),
                prev_log_index,
                prev_log_term: s.term_at(prev_log_index),
                entries,
                leader_commit: s.commit_index,
            }),
        );
    }

    pub(super) fn broadcast_append(&self, s: &mut RaftState, out: &mut Out<Self>) {
        for to in self.peers(s) {
            self.send_append(s, to, out);
        }
    }

    /// §5.3, §5.4.2: commit the highest index stored on a majority, if it is of this term.
    pub(super) fn advance_commit(&self, s: &mut RaftState, out: &mut Out<Self>) {
        let n = self.quorum_index(s);
        if n <= s.commit_index {
            return;
        }
        if s.term_at(n) != s.term() && !self.bug_commit_old_term {
            narrate!(
                out,
                "{} does not commit entry {n} yet: it is from term {}, and a leader only \
                 commits entries of its own term by counting replicas",
                s.id,
                s.term_at(n)
            );
            return;
        }
        narrate!(
            out,
            "{} commits up to entry {n}: a majority stores it",
            s.id
        );
        s.commit_index = n;
        self.apply(s, out);
        self.config_committed(s, out);
    }

    /// Applies committed entries to the state machine; the leader answers the clients waiting.
    pub(super) fn apply(&self, s: &mut RaftState, out: &mut Out<Self>) {
        while s.last_applied < s.commit_index {
            let Some(e) = s.entry(s.last_applied + 1).cloned() else {
                break;
            };
            s.last_applied += 1;
            let reply = machine::apply(&mut s.value, &mut s.kv, &e.request, s.last_applied);
            if s.role == Role::Leader {
                if let Some(pos) = s.waiting.iter().position(|&i| i == s.last_applied) {
                    s.waiting.swap_remove(pos);
                    out.reply(e.request.id, reply);
                }
            }
        }
        if s.role == Role::Leader {
            self.release_reads(s, out);
        } else {
            self.release_follower_reads(s, out);
        }
        self.maybe_compact(s, out);
    }

    pub(super) fn on_append_entries(
        &self,
        s: &mut RaftState,
        from: NodeId,
        m: AppendEntries,
        out: &mut Out<Self>,
    ) {
        let AppendEntries {
            term,
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit,
        } = m;
        if term < s.term() {
            narrate!(
                out,
                "{} rejects AppendEntries from {from}: term {term} is stale (current {})",
                s.id,
                s.term()
            );
            out.send(
                from,
                RaftMsg::AppendEntriesReply(AppendReply {
                    term: s.term(),
                    success: false,
                    match_index: 0,
                    last_index: s.last_index(),
                }),
            );
            return;
        }
        self.follow_leader(s, from, term, out);
        // Entries up to the snapshot are committed, so they match the leader's (§5.1): only
        // what follows the snapshot is checked and appended (etcd's maybeAppend does the same).
        let (prev_log_index, prev_log_term, entries) =
            self.skip_snapshotted(s, prev_log_index, prev_log_term, entries);
        // Consistency check (§5.3).
        if prev_log_index > s.last_index() || s.term_at(prev_log_index) != prev_log_term {
            narrate!(
                out,
                "{} rejects AppendEntries from {from}: its log has no entry {prev_log_index} of \
                 term {prev_log_term}",
                s.id
            );
            out.send(
                from,
                RaftMsg::AppendEntriesReply(AppendReply {
                    term: s.term(),
                    success: false,
                    match_index: 0,
                    last_index: s.last_index().min(prev_log_index.saturating_sub(1)),
                }),
            );
            return;
        }
        // The bug writes the log as it was before this request: the new entries reach storage
        // only with the next write, after they were acknowledged.
        let unwritten = self.bug_unpersisted_log.then(|| s.durable.log.clone());
        let mut changed = false;
        let mut first_changed = u64::MAX;
        for (i, e) in entries.iter().enumerate() {
            let index = prev_log_index + 1 + i as u64;
            if index <= s.last_index() {
                if s.term_at(index) == e.term {
                    continue;
                }
                // A conflicting entry: delete it and all that follow (§5.3).
                narrate!(
                    out,
                    "{} deletes entries {index}..{} that conflict with the leader's log",
                    s.id,
                    s.last_index()
                );
                s.durable
                    .log
                    .truncate((index - s.snapshot_index()) as usize - 1);
            }
            s.durable.log.push_back(e.clone());
            changed = true;
            first_changed = first_changed.min(index);
        }
        if changed {
            self.refresh_config(s, first_changed);
        }
        let last_new = prev_log_index + entries.len() as u64;
        if changed {
            let early = unwritten.is_some();
            match unwritten {
                Some(log) => out.persist(RaftDurable {
                    log,
                    ..s.durable.clone()
                }),
                None => self.persist(s, out),
            }
            narrate!(out, "{} appends entries up to {last_new} from {from}", s.id);
            if early {
                narrate!(
                    out,
                    "{} acknowledges them before they reach stable storage (bug: \
                     raft-unpersisted-log)",
                    s.id
                );
            }
        }
        // Receiver rule 5: commitIndex = min(leaderCommit, index of last new entry), only ever
        // forward (a delayed request may vouch for less than is already known committed).
        let c = leader_commit.min(last_new);
        if c > s.commit_index {
            s.commit_index = c;
            narrate!(out, "{} learns entries up to {c} are committed", s.id);
            self.apply(s, out);
        }
        out.send(
            from,
            RaftMsg::AppendEntriesReply(AppendReply {
                term: s.term(),
                success: true,
                match_index: last_new,
                last_index: s.last_index(),
            }),
        );
    }

    pub(super) fn on_append_reply(
        &self,
        s: &mut RaftState,
        from: NodeId,
        m: AppendReply,
        out: &mut Out<Self>,
    ) {
        let AppendReply {
            term,
            success,
            match_index,
            last_index,
        } = m;
        if s.role != Role::Leader || term != s.term() {
            return;
        }
        if !s.heard_from.contains(&from) {
            s.heard_from.push(from);
        }
        let i = from.idx();
        if success {
            // Replies can arrive out of order: an older one never moves either index back.
            s.match_index[i] = s.match_index[i].max(match_index);
            s.next_index[i] = s.next_index[i].max(match_index + 1);
            self.advance_commit(s, out);
            self.catch_up_progress(s, from, out);
            if s.next_index[i] <= s.last_index() {
                self.send_append(s, from, out);
            }
        } else {
            let next = (s.next_index[i] - 1).min(last_index + 1).max(1);
            narrate!(out, "{} backs nextIndex for {from} off to {next}", s.id);
            s.next_index[i] = next;
            self.send_append(s, from, out);
        }
    }
}
