//! Membership changes, as in Ongaro's dissertation, chapter 4 ("Cluster membership changes"),
//! one server at a time (§4.1), with the rule of the dissertation's errata (Ongaro, raft-dev,
//! July 2015: "a leader may not append a new configuration entry until it has committed an
//! entry from its current term").
//!
//! - A configuration is a log entry. It takes effect as soon as a server has it in its log,
//!   committed or not; a server uses the latest configuration in its log and falls back to the
//!   one before when that entry is truncated (§4.1). Elections and commitment count majorities
//!   of that configuration.
//! - The leader accepts one change at a time: none while its latest configuration is
//!   uncommitted (§4.1), none before an entry of its own term commits (the errata).
//! - A new server first joins as a non-voting learner: the leader replicates to it in rounds,
//!   each round sending what the log held when it began, and adds it once a round ends within
//!   an election timeout; after ten rounds it gives up (§4.2.1).
//! - A leader that removes itself keeps leading, without counting itself, until the new
//!   configuration commits, then steps down (§4.2.2).
//! - A server outside its latest configuration never campaigns, and a server that heard from a
//!   leader within the minimum election timeout ignores RequestVote, so removed servers cannot
//!   disrupt the cluster (§4.2.3).
//!
//! `replace S1 with S6` is two such changes: add S6, then remove S1 once the addition commits.
//! With membership fixed (the default) none of this runs and the whole pool is the
//! configuration, as in the original paper.

use super::{Entry, Raft, RaftState, RaftTimer, Role};
use crate::node::narrate;
use crate::node::{ConfChange, Members, NodeId, Out, Reply, Request};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Rounds of catching up before the leader gives up on a new server (§4.2.1 suggests ten).
pub const MAX_ROUNDS: u32 = 10;

/// How servers join and leave the cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Membership {
    /// Every node of the pool is a voter forever (the original paper).
    #[default]
    Fixed,
    /// One server added or removed per configuration entry (§4.1).
    Single,
    /// Any change through a joint configuration C_old,new, then C_new (§4.3).
    Joint,
}

impl Membership {
    pub fn slug(self) -> &'static str {
        match self {
            Membership::Fixed => "fixed",
            Membership::Single => "single",
            Membership::Joint => "joint",
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "fixed" | "off" => Ok(Membership::Fixed),
            "single" => Ok(Membership::Single),
            "joint" => Ok(Membership::Joint),
            _ => Err(format!("'{s}' is not fixed, single or joint")),
        }
    }
    pub fn is_fixed(&self) -> bool {
        *self == Membership::Fixed
    }
}

/// A configuration: the set of voting servers, as bits over node ids (bit i is S(i+1)), so an
/// entry holding one stays `Copy`. During joint consensus (§4.3) it also holds C_old, and a
/// decision needs a majority of each.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Config {
    /// The voters; C_new during joint consensus.
    pub voters: u32,
    /// C_old during joint consensus, 0 otherwise.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub old: u32,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

/// More than half of `set` is in `ids`.
fn majority(set: u32, ids: u32) -> bool {
    (set & ids).count_ones() > set.count_ones() / 2
}

impl Config {
    /// S1..Sn.
    pub fn first(n: usize) -> Self {
        Config {
            voters: if n >= 32 { u32::MAX } else { (1 << n) - 1 },
            old: 0,
        }
    }
    pub fn of(ids: &[NodeId]) -> Self {
        Config {
            voters: mask(ids),
            old: 0,
        }
    }
    /// C_old,new: the joint configuration from `self` to `new` (§4.3).
    pub fn joint(self, new: Config) -> Self {
        Config {
            voters: new.voters,
            old: self.voters,
        }
    }
    /// C_new of a joint configuration; the configuration itself otherwise.
    pub fn new_part(self) -> Self {
        Config {
            voters: self.voters,
            old: 0,
        }
    }
    pub fn is_joint(self) -> bool {
        self.old != 0
    }
    /// A voter in C_old or C_new.
    pub fn contains(self, id: NodeId) -> bool {
        (self.voters | self.old) & bit(id) != 0
    }
    pub fn with(self, id: NodeId) -> Self {
        Config {
            voters: self.voters | bit(id),
            old: self.old,
        }
    }
    pub fn without(self, id: NodeId) -> Self {
        Config {
            voters: self.voters & !bit(id),
            old: self.old,
        }
    }
    /// Voters of C_old and C_new together.
    pub fn len(self) -> usize {
        (self.voters | self.old).count_ones() as usize
    }
    pub fn is_empty(self) -> bool {
        self.voters | self.old == 0
    }
    /// Voters of C_old and C_new together, in id order.
    pub fn ids(self) -> Vec<NodeId> {
        ids_of(self.voters | self.old)
    }
    /// `ids` hold a majority of the voters, and during joint consensus of C_old too (§4.3).
    pub fn quorum(self, ids: &[NodeId]) -> bool {
        let ids = mask(ids);
        majority(self.voters, ids) && (self.old == 0 || majority(self.old, ids))
    }
    /// The sets of which a quorum needs a majority: C_new, and C_old during joint consensus.
    pub fn majorities(self) -> Vec<u32> {
        if self.is_joint() {
            vec![self.voters, self.old]
        } else {
            vec![self.voters]
        }
    }
}

fn mask(ids: &[NodeId]) -> u32 {
    ids.iter().fold(0, |b, id| b | bit(*id))
}

fn ids_of(set: u32) -> Vec<NodeId> {
    (0..32)
        .filter(|i| set & (1 << i) != 0)
        .map(NodeId::from_idx)
        .collect()
}

fn bit(id: NodeId) -> u32 {
    1u32.checked_shl(u32::from(id.0) - 1).unwrap_or(0)
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_joint() {
            write!(
                f,
                "{{{}}} → {{{}}}",
                NodeId::list(&ids_of(self.old)),
                NodeId::list(&ids_of(self.voters))
            )
        } else {
            write!(f, "{{{}}}", NodeId::list(&ids_of(self.voters)))
        }
    }
}

/// The configuration `change` leads to from `c`.
fn target(c: Config, change: &ConfChange) -> Config {
    let base = c.new_part();
    let added = change.add.iter().fold(base, |c, &a| c.with(a));
    change.remove.iter().fold(added, |c, &r| c.without(r))
}

/// What the cluster runs with: the kind of membership, the configuration every server starts
/// from (its bootstrap, before any configuration entry) and the buggy variants of chapter 4.
#[derive(Clone, Debug, Default)]
pub struct Reconfig {
    pub mode: Membership,
    pub initial: Config,
    /// The 2015 bug: a new leader appends a configuration entry before any entry of its term
    /// commits.
    pub bug_reconfig_before_term_commit: bool,
    /// A joint configuration decides with C_new's majority alone.
    pub bug_joint_new_majority_only: bool,
}

/// A change the leader is carrying out: a learner catching up, then a server to remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Pending {
    /// The server being caught up before it is added (§4.2.1).
    pub add: Option<NodeId>,
    /// The server to remove once the addition commits (the second half of a replace).
    pub remove: Option<NodeId>,
    /// The catch-up round, from 1, and the log index it must reach.
    pub round: u32,
    pub round_end: u64,
}

impl Raft {
    pub(super) fn fixed(&self) -> bool {
        self.reconfig.mode.is_fixed()
    }

    /// The configuration a server starts with: with membership fixed, the whole pool.
    pub(super) fn initial_config(&self) -> Config {
        if self.fixed() {
            Config::first(self.nodes)
        } else {
            self.reconfig.initial
        }
    }

    /// This server may campaign: it is a voter in its latest configuration.
    pub(super) fn is_voter(&self, s: &RaftState) -> bool {
        s.config.contains(s.id)
    }

    /// `ids` (votes, or followers heard from with the leader) form a majority of the latest
    /// configuration. With membership fixed, of the pool, as before.
    pub(super) fn is_quorum(&self, s: &RaftState, ids: &[NodeId]) -> bool {
        if self.fixed() {
            ids.len() >= self.majority()
        } else if self.reconfig.bug_joint_new_majority_only {
            s.config.new_part().quorum(ids)
        } else {
            s.config.quorum(ids)
        }
    }

    /// Votes needed to win, for narration.
    pub(super) fn votes_needed(&self, s: &RaftState) -> usize {
        if self.fixed() {
            self.majority()
        } else {
            s.config.len() / 2 + 1
        }
    }

    /// Whom this server sends RPCs to: the voters of its configuration and, from a leader, the
    /// learner catching up; with membership fixed, every other node, in id order as before.
    pub(super) fn peers(&self, s: &RaftState) -> Vec<NodeId> {
        let me = s.id;
        if self.fixed() {
            return NodeId::all(self.nodes).filter(|&n| n != me).collect();
        }
        let mut ids = s.config.ids();
        if let Some(l) = s.pending.and_then(|p| p.add) {
            ids.push(l);
            ids.sort_unstable();
        }
        ids.retain(|&n| n != me);
        ids
    }

    /// The highest index stored on a majority of the configuration's voters (of C_old and of
    /// C_new during joint consensus). A leader that is not a voter (it is removing itself) does
    /// not count its own log (§4.2.2).
    pub(super) fn quorum_index(&self, s: &RaftState) -> u64 {
        if self.fixed() {
            let mut matched = s.match_index.clone();
            matched.sort_unstable_by(|a, b| b.cmp(a));
            return matched[self.majority() - 1];
        }
        let config = if self.reconfig.bug_joint_new_majority_only {
            s.config.new_part()
        } else {
            s.config
        };
        config
            .majorities()
            .into_iter()
            .map(|set| {
                let mut matched: Vec<u64> =
                    ids_of(set).iter().map(|n| s.match_index[n.idx()]).collect();
                matched.sort_unstable_by(|a, b| b.cmp(a));
                matched[matched.len() / 2]
            })
            .min()
            .unwrap_or(0)
    }

    /// The latest configuration in the log from index `from` on, or, when the one in use was
    /// at or after `from` (it was truncated), from the whole log: §4.1's fall back.
    pub(super) fn refresh_config(&self, s: &mut RaftState, from: u64) {
        if self.fixed() {
            return;
        }
        // A snapshot holds the configuration as of its last entry (dissertation §5.1); the
        // entries it covers are committed, so they are never truncated.
        let base = s.snapshot_index();
        let start = if from <= s.config_index { 1 } else { from }.max(base + 1);
        if start == base + 1 {
            (s.config, s.config_index) = match &s.durable.snapshot {
                Some(snap) => (snap.config, snap.config_index),
                None => (self.initial_config(), 0),
            };
        }
        // Indexing, not iter().skip(): skipping through an imbl vector is linear.
        for i in start..=s.last_index() {
            if let Some(c) = s.durable.entry(i).and_then(|e| e.config) {
                s.config = c;
                s.config_index = i;
            }
        }
    }

    /// Why the leader `s` cannot start `change` now, if it cannot.
    pub fn reconfigure_refusal(&self, s: &RaftState, change: &ConfChange) -> Option<String> {
        let me = s.id;
        if self.fixed() {
            return Some(
                "membership is fixed: set membership=single or joint to add and remove servers"
                    .into(),
            );
        }
        if s.role != Role::Leader {
            return Some(format!("{me} is not the leader"));
        }
        if change.add.is_empty() && change.remove.is_empty() {
            return Some("a change adds or removes servers".into());
        }
        let single = self.reconfig.mode == Membership::Single;
        if single && (change.add.len() > 1 || change.remove.len() > 1) {
            return Some(
                "membership=single changes one server at a time (§4.1): add one, remove one, \
                 or replace one with one; membership=joint changes several (§4.3)"
                    .into(),
            );
        }
        for &a in &change.add {
            if s.config.contains(a) {
                return Some(format!("{a} is already in the configuration {}", s.config));
            }
            if change.remove.contains(&a) {
                return Some(format!("{a} cannot be added and removed at once"));
            }
        }
        for &r in &change.remove {
            if !s.config.contains(r) {
                return Some(format!("{r} is not in the configuration {}", s.config));
            }
        }
        if target(s.config, change).is_empty() {
            return Some("the new configuration would have no voters: a cluster needs one".into());
        }
        if s.pending.is_some() || s.config_index > s.commit_index || s.config.is_joint() {
            return Some(format!(
                "{me} is still changing the configuration: one change at a time, the next once \
                 {} commits (§4.1)",
                s.config
            ));
        }
        if !self.reconfig.bug_reconfig_before_term_commit && s.term_at(s.commit_index) != s.term() {
            return Some(format!(
                "{me} has not yet committed an entry of its term {}: a leader may not append a \
                 configuration entry before it does (dissertation errata, 2015); send a request \
                 first",
                s.term()
            ));
        }
        None
    }

    /// The leader starts `change` (checked by [`reconfigure_refusal`](Self::reconfigure_refusal)):
    /// a server to add joins as a learner and catches up first; a removal is appended at once.
    pub(super) fn start_reconfigure(
        &self,
        s: &mut RaftState,
        change: &ConfChange,
        out: &mut Out<Self>,
    ) {
        if self.reconfig.bug_reconfig_before_term_commit && s.term_at(s.commit_index) != s.term() {
            narrate!(
                out,
                "{} changes the configuration before committing an entry of its term {} (bug: \
                 raft-reconfig-before-term-commit)",
                s.id,
                s.term()
            );
        }
        if self.reconfig.mode == Membership::Joint {
            return self.start_joint(s, change, out);
        }
        let add = change.add.first().copied();
        let remove = change.remove.first().copied();
        match add {
            Some(a) => {
                let round_end = s.last_index();
                s.pending = Some(Pending {
                    add: Some(a),
                    remove,
                    round: 1,
                    round_end,
                });
                s.next_index[a.idx()] = round_end + 1;
                s.match_index[a.idx()] = 0;
                narrate!(
                    out,
                    "{} adds {a} as a learner: it must catch up to entry {round_end} within an \
                     election timeout before it votes (§4.2.1)",
                    s.id
                );
                self.send_append(s, a, out);
                let lo = self.election_timeout.0;
                out.set_timer(RaftTimer::CatchUp, lo, lo);
            }
            None => {
                let r = remove.expect("a change adds or removes");
                self.append_config(s, s.config.without(r), out);
            }
        }
    }

    /// The joint consensus: C_old,new at once; C_new follows once it commits (§4.3).
    fn start_joint(&self, s: &mut RaftState, change: &ConfChange, out: &mut Out<Self>) {
        let last = s.last_index();
        for &a in &change.add {
            s.next_index[a.idx()] = last + 1;
            s.match_index[a.idx()] = 0;
        }
        let joint = s.config.joint(target(s.config, change));
        narrate!(
            out,
            "{} begins joint consensus: until C_new commits, every decision needs a majority of \
             both configurations (§4.3)",
            s.id
        );
        self.append_config(s, joint, out);
    }

    /// Appends a configuration entry; it takes effect at once, in the leader's log (§4.1).
    pub(super) fn append_config(&self, s: &mut RaftState, config: Config, out: &mut Out<Self>) {
        let old = s.config;
        s.durable.log.push_back(Entry::config(s.term(), config));
        let index = s.last_index();
        s.config = config;
        s.config_index = index;
        s.match_index[s.id.idx()] = index;
        self.persist(s, out);
        narrate!(
            out,
            "{} appends the configuration {config} as entry {index} (was {old}); it takes effect \
             now",
            s.id
        );
        for to in self.peers(s) {
            if s.next_index[to.idx()] == index {
                self.send_append(s, to, out);
            }
        }
        self.advance_commit(s, out);
    }

    /// A learner acknowledged entries: once it reaches the end of the round in time, the
    /// leader adds it (§4.2.1).
    pub(super) fn catch_up_progress(&self, s: &mut RaftState, from: NodeId, out: &mut Out<Self>) {
        let Some(p) = s.pending else { return };
        if p.add != Some(from) || s.match_index[from.idx()] < p.round_end {
            return;
        }
        narrate!(
            out,
            "{from} caught up to entry {} in round {} within an election timeout",
            p.round_end,
            p.round
        );
        out.cancel_timer(RaftTimer::CatchUp);
        s.pending = p.remove.map(|r| Pending {
            add: None,
            remove: Some(r),
            round: p.round,
            round_end: p.round_end,
        });
        self.append_config(s, s.config.with(from), out);
    }

    /// The catch-up timer fired: the round took longer than an election timeout; start
    /// another, or give up after [`MAX_ROUNDS`] (§4.2.1).
    pub(super) fn catch_up_timeout(&self, s: &mut RaftState, out: &mut Out<Self>) {
        let Some(p) = s.pending.filter(|_| s.role == Role::Leader) else {
            return;
        };
        let Some(a) = p.add else { return };
        if p.round >= MAX_ROUNDS {
            narrate!(
                out,
                "{} gives up adding {a}: it did not catch up in {MAX_ROUNDS} rounds (§4.2.1)",
                s.id
            );
            s.pending = None;
            return;
        }
        let round_end = s.last_index();
        s.pending = Some(Pending {
            round: p.round + 1,
            round_end,
            ..p
        });
        narrate!(
            out,
            "{a} is still catching up; round {} asks for entry {round_end}",
            p.round + 1
        );
        let lo = self.election_timeout.0;
        out.set_timer(RaftTimer::CatchUp, lo, lo);
    }

    /// The leader's commit index moved (only a leader counts replicas to commit, so only a
    /// leader gets here): once its latest configuration is committed, a leader outside it steps
    /// down (§4.2.2), and the second half of a replace begins.
    pub(super) fn config_committed(&self, s: &mut RaftState, out: &mut Out<Self>) {
        if self.fixed() || s.config_index > s.commit_index {
            return;
        }
        if s.config.is_joint() {
            narrate!(
                out,
                "{} has committed the joint configuration and moves on to C_new (§4.3)",
                s.id
            );
            self.append_config(s, s.config.new_part(), out);
            return;
        }
        if !self.is_voter(s) {
            narrate!(
                out,
                "{} is not in the committed configuration {} and steps down (§4.2.2)",
                s.id,
                s.config
            );
            s.role = Role::Follower;
            s.leader = None;
            s.waiting.clear();
            s.pending = None;
            out.cancel_timer(RaftTimer::Heartbeat);
            out.cancel_timer(RaftTimer::CheckQuorum);
            out.cancel_timer(RaftTimer::CatchUp);
            self.reset_election_timer(s, out);
            return;
        }
        if let Some(Pending {
            add: None,
            remove: Some(r),
            ..
        }) = s.pending
        {
            s.pending = None;
            // The addition that just committed kept `r` (a voter when the change was accepted)
            // and added a server, so removing `r` leaves a voter.
            self.append_config(s, s.config.without(r), out);
        }
    }

    /// A server outside its configuration no longer hears from the leader, and the leader it
    /// remembers, like the voters it knows, may have left since: it names no one, and the
    /// client tries the next server.
    pub(super) fn redirect_from_outside(&self, s: &RaftState, req: Request, out: &mut Out<Self>) {
        narrate!(
            out,
            "{} is not in its configuration {} and cannot point the client to the leader",
            s.id,
            s.config
        );
        out.reply(req.id, Reply::Redirect(None));
    }

    /// The membership as `s` sees it, for the page: its latest configuration; while that is
    /// joint, C_old too; while a single-server change is uncommitted, the configuration it
    /// replaces (the latest one before it in the log, or the bootstrap); and, on a leader, the
    /// learner catching up (§4.2.1).
    pub(super) fn members_view(&self, s: &RaftState) -> Option<Members> {
        if self.fixed() {
            return None;
        }
        let c = s.config;
        let old = if c.is_joint() {
            c.old
        } else if s.config_index > s.commit_index {
            // The latest configuration is the uncommitted entry itself; the one before it is in
            // force just before it: further back in the log, in the snapshot, or the bootstrap.
            self.config_at(s, s.config_index - 1).0.voters
        } else {
            0
        };
        let learners = s
            .pending
            .and_then(|p| p.add)
            .filter(|_| s.role == Role::Leader);
        Some(Members {
            voters: ids_of(c.voters),
            old: ids_of(old),
            joint: c.is_joint(),
            learners: learners.into_iter().collect(),
        })
    }

    /// §4.2.3: a server that heard from a leader within the minimum election timeout (or is
    /// the leader) neither updates its term nor grants its vote for a RequestVote.
    pub(super) fn ignores_vote_request(
        &self,
        s: &RaftState,
        from: NodeId,
        term: u64,
        out: &mut Out<Self>,
    ) -> bool {
        if self.fixed() || term <= s.term() {
            return false;
        }
        let leader_alive = s.role == Role::Leader || s.heard_leader && s.leader.is_some();
        if leader_alive {
            narrate!(
                out,
                "{} ignores {from}'s RequestVote for term {term}: it heard from leader {} \
                 within the minimum election timeout (§4.2.3)",
                s.id,
                s.leader.map_or("?".into(), |l| l.to_string())
            );
        }
        leader_alive
    }
}
