//! Raft's membership changes, one rule at a time, as in Ongaro's dissertation, chapter 4, and
//! its errata (raft-dev, July 2015). Each handler test feeds a node one event and asserts the
//! effects the rule demands; the cases follow etcd-io/raft's `confchange_v1_add_single` and
//! `confchange_v1_remove_leader` data-driven tests. The last tests run whole clusters.

use imbl::Vector;
use lab_engine::catalog::Model;
use lab_engine::node::{
    ConfChange, Effect, Members, NodeId, Out, Present, Protocol, Request, MS, SECOND,
};
use lab_engine::protocols::raft::{
    AppendEntries, AppendReply, Config, Entry, Membership, Pending, Raft, RaftDurable, RaftMsg,
    RaftState, RaftTimer, RequestVote, Role, VoteReply,
};
use lab_engine::sim::history::Action;
use lab_engine::sim::Simulation;
use lab_engine::{ProtocolKind, Settings};

const S1: NodeId = NodeId(1);
const S2: NodeId = NodeId(2);
const S3: NodeId = NodeId(3);
const S4: NodeId = NodeId(4);

/// A pool of four nodes; S1..S3 form the first configuration, S4 waits outside it.
fn settings(bug: bool) -> Settings {
    let mut st = Settings {
        nodes: 4,
        voters: Some(3),
        membership: Membership::Single,
        ..Settings::for_protocol(ProtocolKind::Raft)
    };
    if bug {
        st.bugs
            .push(lab_engine::catalog::RECONFIG_BEFORE_TERM_COMMIT);
    }
    st
}

fn raft() -> Raft {
    Raft::from_settings(&settings(false))
}

fn entry(term: u64, id: u64) -> Entry {
    Entry::new(term, Request::counter(id, 1))
}

fn config_entry(term: u64, ids: &[NodeId]) -> Entry {
    Entry::config(term, Config::of(ids))
}

fn start(r: &Raft, id: NodeId, term: u64, log: &[Entry]) -> RaftState {
    let d = RaftDurable {
        current_term: term,
        voted_for: None,
        log: log.iter().cloned().collect::<Vector<_>>(),
        snapshot: None,
    };
    r.on_start(id, &d, &mut Out::new(false))
}

fn deliver(r: &Raft, s: &mut RaftState, from: NodeId, msg: RaftMsg) -> Out<Raft> {
    let mut out = Out::new(false);
    r.on_msg(s, from, msg, &mut out);
    out
}

fn ok_reply(term: u64, match_index: u64) -> RaftMsg {
    RaftMsg::AppendEntriesReply(AppendReply {
        term,
        success: true,
        match_index,
        last_index: match_index,
    })
}

fn add(id: NodeId) -> ConfChange {
    ConfChange {
        add: vec![id],
        remove: Vec::new(),
    }
}

fn remove(id: NodeId) -> ConfChange {
    ConfChange {
        add: Vec::new(),
        remove: vec![id],
    }
}

/// S1 leads term 5 of {S1, S2, S3} with the log [t1, t2], elected by S2; nothing of term 5 is
/// committed yet.
fn new_leader(r: &Raft) -> RaftState {
    let mut s = start(r, S1, 4, &[entry(1, 1), entry(2, 2)]);
    r.on_timer(&mut s, RaftTimer::Election, &mut Out::new(false));
    deliver(
        r,
        &mut s,
        S2,
        RaftMsg::RequestVoteReply(VoteReply {
            term: 5,
            vote_granted: true,
        }),
    );
    assert_eq!((s.role, s.term()), (Role::Leader, 5));
    s
}

/// The new leader once a request of its term (entry 3) is stored by S2 and committed.
fn settled_leader(r: &Raft) -> RaftState {
    let mut s = new_leader(r);
    r.on_request(&mut s, Request::counter(3, 1), &mut Out::new(false));
    deliver(r, &mut s, S2, ok_reply(5, 3));
    assert_eq!(s.commit_index, 3);
    s
}

/// Errata (Ongaro, raft-dev, July 2015): "a leader may not append a new configuration entry
/// until it has committed an entry from its current term". A fresh leader refuses; once entry 3
/// of its term commits, it accepts. The buggy variant skips the rule.
#[test]
fn errata_no_configuration_entry_before_an_entry_of_the_leaders_term_commits() {
    let r = raft();
    let s = new_leader(&r);
    let why = r.reconfigure_refusal(&s, &add(S4)).expect("refused");
    assert!(why.contains("errata"), "{why}");
    let s = settled_leader(&r);
    assert_eq!(r.reconfigure_refusal(&s, &add(S4)), None);
    let buggy = Raft::from_settings(&settings(true));
    assert_eq!(
        buggy.reconfigure_refusal(&new_leader(&buggy), &add(S4)),
        None
    );
}

/// §4.1: single-server changes only, and one at a time: none while the latest configuration
/// is uncommitted or a learner is catching up.
#[test]
fn section_4_1_one_server_and_one_change_at_a_time() {
    let r = raft();
    let mut s = settled_leader(&r);
    let two = ConfChange {
        add: vec![S4, NodeId(5)],
        remove: Vec::new(),
    };
    assert!(r
        .reconfigure_refusal(&s, &two)
        .unwrap()
        .contains("one server at a time"));
    assert!(r
        .reconfigure_refusal(&s, &add(S2))
        .unwrap()
        .contains("already in the configuration"));
    assert!(r
        .reconfigure_refusal(&s, &remove(S4))
        .unwrap()
        .contains("not in the configuration"));
    r.on_reconfigure(&mut s, &remove(S3), &mut Out::new(false));
    assert_eq!((s.config, s.config_index), (Config::of(&[S1, S2]), 4));
    let why = r.reconfigure_refusal(&s, &add(S4)).unwrap();
    assert!(why.contains("one change at a time"), "{why}");
    let follower = start(&r, S2, 5, &[]);
    assert!(r
        .reconfigure_refusal(&follower, &add(S4))
        .unwrap()
        .contains("not the leader"));
}

/// §4.2.1 (etcd `confchange_v1_add_single`): a new server first joins as a learner. The leader
/// sends it AppendEntries and arms the catch-up timer for one election timeout; the learner does
/// not count towards a majority.
#[test]
fn section_4_2_1_a_new_server_catches_up_as_a_learner_first() {
    let r = raft();
    let mut s = settled_leader(&r);
    let mut out = Out::new(false);
    r.on_reconfigure(&mut s, &add(S4), &mut out);
    assert_eq!(
        out.actions(),
        vec![
            Effect::Send {
                to: S4,
                msg: RaftMsg::AppendEntries(AppendEntries {
                    term: 5,
                    prev_log_index: 3,
                    prev_log_term: 5,
                    entries: vec![],
                    leader_commit: 3,
                }),
            },
            Effect::SetTimer {
                timer: RaftTimer::CatchUp,
                min: 150 * MS,
                max: 150 * MS,
            },
        ]
    );
    assert_eq!(
        s.pending,
        Some(Pending {
            add: Some(S4),
            remove: None,
            round: 1,
            round_end: 3,
        })
    );
    assert_eq!(s.config, Config::of(&[S1, S2, S3]), "not a voter yet");
    // A new entry stored by the learner alone (and the leader) is not committed: 2 of the 3
    // voters would be needed, and S4 is not one.
    r.on_request(&mut s, Request::counter(4, 1), &mut Out::new(false));
    deliver(&r, &mut s, S4, ok_reply(5, 2));
    assert_eq!(s.commit_index, 3);
    assert!(s.pending.is_some(), "S4 is not at entry 3 yet");
}

/// §4.2.1: when the learner reaches the end of its round within the election timeout, the
/// leader appends the configuration with it, which takes effect at once (§4.1).
#[test]
fn section_4_2_1_a_caught_up_learner_is_added_by_a_configuration_entry() {
    let r = raft();
    let mut s = settled_leader(&r);
    r.on_reconfigure(&mut s, &add(S4), &mut Out::new(false));
    let out = deliver(&r, &mut s, S4, ok_reply(5, 3));
    let actions = out.actions();
    assert_eq!(actions[0], Effect::CancelTimer(RaftTimer::CatchUp));
    let mut log: Vec<Entry> = s.durable.log.iter().cloned().collect();
    assert_eq!(log.pop(), Some(config_entry(5, &[S1, S2, S3, S4])));
    assert_eq!(
        actions[1],
        Effect::Persist(RaftDurable {
            current_term: 5,
            voted_for: Some(S1),
            log: s.durable.log.clone(),
            snapshot: None,
        })
    );
    // Every voter of the new configuration, S4 included, was waiting for entry 4.
    let sent = |to| Effect::Send {
        to,
        msg: RaftMsg::AppendEntries(AppendEntries {
            term: 5,
            prev_log_index: 3,
            prev_log_term: 5,
            entries: vec![config_entry(5, &[S1, S2, S3, S4])],
            leader_commit: 3,
        }),
    };
    assert_eq!(actions[2..], [sent(S2), sent(S3), sent(S4)]);
    assert_eq!((s.config.len(), s.config_index, s.pending), (4, 4, None));
    // Commitment now counts the four voters: S1 and S2 are not a majority of them.
    deliver(&r, &mut s, S2, ok_reply(5, 4));
    assert_eq!(s.commit_index, 3);
    deliver(&r, &mut s, S4, ok_reply(5, 4));
    assert_eq!(s.commit_index, 4);
}

/// §4.2.1: a round that lasts longer than an election timeout starts another, up to the log's
/// end at that moment; after ten rounds the leader gives up on the new server.
#[test]
fn section_4_2_1_slow_rounds_repeat_then_the_leader_gives_up() {
    let r = raft();
    let mut s = settled_leader(&r);
    r.on_reconfigure(&mut s, &add(S4), &mut Out::new(false));
    r.on_request(&mut s, Request::counter(4, 1), &mut Out::new(false));
    let mut out = Out::new(false);
    r.on_timer(&mut s, RaftTimer::CatchUp, &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::SetTimer {
            timer: RaftTimer::CatchUp,
            min: 150 * MS,
            max: 150 * MS,
        }]
    );
    assert_eq!(s.pending.map(|p| (p.round, p.round_end)), Some((2, 4)));
    for _ in 2..10 {
        r.on_timer(&mut s, RaftTimer::CatchUp, &mut Out::new(false));
    }
    assert_eq!(s.pending.map(|p| p.round), Some(10));
    let mut out = Out::new(false);
    r.on_timer(&mut s, RaftTimer::CatchUp, &mut out);
    assert_eq!(out.actions(), vec![]);
    assert_eq!((s.pending, s.config.len()), (None, 3));
}

/// §4.1: "a server always uses the latest configuration in its log, regardless of whether the
/// entry is committed", and falls back to the previous one when that entry is truncated.
#[test]
fn section_4_1_a_configuration_takes_effect_in_the_log_and_falls_back_on_truncation() {
    let r = raft();
    let mut s = start(&r, S2, 1, &[entry(1, 1)]);
    let append = |term, entries: Vec<Entry>| {
        RaftMsg::AppendEntries(AppendEntries {
            term,
            prev_log_index: 1,
            prev_log_term: 1,
            entries,
            leader_commit: 1,
        })
    };
    deliver(
        &r,
        &mut s,
        S1,
        append(1, vec![config_entry(1, &[S1, S2, S3, S4])]),
    );
    assert_eq!((s.config.len(), s.config_index, s.commit_index), (4, 2, 1));
    deliver(&r, &mut s, S3, append(2, vec![entry(2, 7)]));
    assert_eq!((s.config, s.config_index), (Config::of(&[S1, S2, S3]), 0));
    // Restarted from stable storage, a server reads its configuration from its log.
    let again = start(&r, S2, 1, &[entry(1, 1), config_entry(1, &[S1, S2])]);
    assert_eq!(
        (again.config, again.config_index),
        (Config::of(&[S1, S2]), 2)
    );
}

/// §4.2.2 (etcd `confchange_v1_remove_leader`): a leader removing itself keeps leading without
/// counting its own log, then steps down once the new configuration commits.
#[test]
fn section_4_2_2_a_removed_leader_steps_down_once_c_new_commits() {
    let r = raft();
    let mut s = settled_leader(&r);
    r.on_reconfigure(&mut s, &remove(S1), &mut Out::new(false));
    assert_eq!((s.config, s.role), (Config::of(&[S2, S3]), Role::Leader));
    deliver(&r, &mut s, S2, ok_reply(5, 4));
    assert_eq!(
        s.commit_index, 3,
        "C_new needs S2 and S3; S1 no longer counts"
    );
    let out = deliver(&r, &mut s, S3, ok_reply(5, 4));
    assert_eq!(
        (s.commit_index, s.role, s.leader),
        (4, Role::Follower, None)
    );
    assert_eq!(
        out.actions(),
        vec![
            Effect::CancelTimer(RaftTimer::Heartbeat),
            Effect::CancelTimer(RaftTimer::CheckQuorum),
            Effect::CancelTimer(RaftTimer::CatchUp),
            Effect::SetTimer {
                timer: RaftTimer::Election,
                min: 150 * MS,
                max: 300 * MS,
            },
        ]
    );
    // Outside its configuration it never campaigns (§4.2.3).
    let mut out = Out::new(false);
    r.on_timer(&mut s, RaftTimer::Election, &mut out);
    assert_eq!(
        (out.actions(), s.role, s.term()),
        (vec![], Role::Follower, 5)
    );
}

/// §4.2.1 and §4.2.3: a server outside its configuration does not start elections; the
/// configuration's voters alone are asked for votes.
#[test]
fn section_4_2_3_only_voters_campaign_and_only_voters_are_asked() {
    let r = raft();
    let mut outside = start(&r, S4, 0, &[]);
    let mut out = Out::new(false);
    r.on_timer(&mut outside, RaftTimer::Election, &mut out);
    assert_eq!((out.actions(), outside.term()), (vec![], 0));
    let mut s = start(&r, S3, 0, &[]);
    let mut out = Out::new(false);
    r.on_timer(&mut s, RaftTimer::Election, &mut out);
    let asked: Vec<NodeId> = out
        .actions()
        .iter()
        .filter_map(|e| match e {
            Effect::Send { to, .. } => Some(*to),
            _ => None,
        })
        .collect();
    assert_eq!(asked, [S1, S2]);
}

/// §4.2.3: "if a server receives a RequestVote request within the minimum election timeout of
/// hearing from a current leader, it does not update its term or grant its vote". Without a
/// recent leader the same request is handled as in Figure 2.
#[test]
fn section_4_2_3_a_server_hearing_from_a_leader_ignores_request_vote() {
    let r = raft();
    let mut s = start(&r, S2, 5, &[]);
    let heartbeat = RaftMsg::AppendEntries(AppendEntries {
        term: 5,
        prev_log_index: 0,
        prev_log_term: 0,
        entries: vec![],
        leader_commit: 0,
    });
    deliver(&r, &mut s, S1, heartbeat);
    let ask = RaftMsg::RequestVote(RequestVote {
        term: 9,
        last_log_index: 0,
        last_log_term: 0,
    });
    let out = deliver(&r, &mut s, S3, ask.clone());
    assert_eq!((out.actions(), s.term()), (vec![], 5));
    let mut fresh = start(&r, S2, 5, &[]);
    deliver(&r, &mut fresh, S3, ask);
    assert_eq!((fresh.term(), fresh.durable.voted_for), (9, Some(S3)));
}

/// With membership fixed (the default) there is nothing to change.
#[test]
fn a_fixed_membership_refuses_changes() {
    let r = Raft::from_settings(&Settings::for_protocol(ProtocolKind::Raft));
    let s = start(&r, S1, 0, &[]);
    assert!(r
        .reconfigure_refusal(&s, &add(S4))
        .unwrap()
        .contains("membership=single"));
}

fn cluster(seed: u64) -> Simulation<Raft> {
    Simulation::new(Settings {
        nodes: 6,
        voters: Some(5),
        seed,
        ..settings(false)
    })
}

fn leader_of(sim: &Simulation<Raft>) -> Option<NodeId> {
    (1..=6)
        .map(NodeId)
        .filter(|&n| sim.node(n).is_some_and(|s| s.role == Role::Leader))
        .max_by_key(|&n| sim.node(n).map(|s| s.term()))
}

/// `replace S1 with S6` for whichever server leads (etcd `confchange_v2_replace_leader`, done
/// as two single-server changes): S6 is added, then the old leader removed; it steps down, the
/// others elect a leader among {S2..S6}, and every invariant holds throughout.
#[test]
fn replacing_the_leader_in_a_cluster() {
    for seed in 1..=20 {
        let mut sim = cluster(seed);
        sim.set_narrating(false);
        assert!(sim.run_until(SECOND).is_empty());
        let old = leader_of(&sim).expect("a leader after 1s");
        let spare = NodeId(6);
        sim.apply(Action::Reconfigure {
            add: vec![spare],
            remove: vec![old],
        })
        .unwrap();
        let v = sim.run_until(4 * SECOND);
        assert!(v.is_empty(), "seed {seed}: {v:?}");
        let new = leader_of(&sim).expect("a leader again");
        assert_ne!(new, old, "seed {seed}");
        let want = Config::first(6).without(old);
        for n in (1..=6).map(NodeId) {
            let s = sim.node(n).unwrap();
            assert_eq!(s.config, want, "seed {seed}: {n}");
        }
        let s = sim.node(new).unwrap();
        assert!(s.config_index <= s.commit_index, "seed {seed}");
    }
}

/// The action names nodes of the pool and goes to the leader; refusals say why and record
/// nothing.
#[test]
fn membership_actions_are_checked_before_they_are_recorded() {
    let mut sim = cluster(1);
    let e = sim
        .apply(Action::Reconfigure {
            add: vec![NodeId(6)],
            remove: vec![],
        })
        .unwrap_err();
    assert!(e.contains("no leader"), "{e}");
    sim.run_until(SECOND);
    let e = sim
        .apply(Action::Reconfigure {
            add: vec![NodeId(9)],
            remove: vec![],
        })
        .unwrap_err();
    assert!(e.contains("no node S9"), "{e}");
    assert!(sim.history().actions.is_empty());
    let action: Action = "replace S1 S2 with S6 S7".parse().unwrap();
    assert_eq!(action.to_string(), "replace S1 S2 with S6 S7");
    assert_eq!("add S6".parse::<Action>().unwrap().to_string(), "add S6");
    assert_eq!(
        "remove 2".parse::<Action>().unwrap().to_string(),
        "remove S2"
    );
    assert!("replace S1".parse::<Action>().is_err());
    let mut fixed = Simulation::<Raft>::new(Settings::for_protocol(ProtocolKind::Raft));
    fixed.run_until(SECOND);
    let e = fixed.apply("add S3".parse().unwrap()).unwrap_err();
    assert!(e.contains("membership"), "{e}");
}

fn joint_raft(bug: bool) -> Raft {
    let mut st = Settings {
        membership: Membership::Joint,
        ..settings(false)
    };
    if bug {
        st.bugs.push(lab_engine::catalog::JOINT_NEW_MAJORITY_ONLY);
    }
    Raft::from_settings(&st)
}

fn replace(old: &[NodeId], new: &[NodeId]) -> ConfChange {
    ConfChange {
        add: new.to_vec(),
        remove: old.to_vec(),
    }
}

/// §4.3: "the cluster first switches to a transitional configuration we call joint
/// consensus": C_old,new is appended at once and takes effect; "agreement (for elections and
/// entry commitment) requires separate majorities from both the old and new configurations";
/// once C_old,new commits, the leader appends C_new.
#[test]
fn section_4_3_joint_consensus_needs_both_majorities_then_moves_to_c_new() {
    let r = joint_raft(false);
    let mut s = settled_leader(&r);
    r.on_reconfigure(&mut s, &replace(&[S3], &[S4]), &mut Out::new(false));
    let joint = Config::of(&[S1, S2, S3]).joint(Config::of(&[S1, S2, S4]));
    assert_eq!((s.config, s.config_index), (joint, 4));
    assert_eq!(s.durable.log.last().and_then(|e| e.config), Some(joint));
    // S1 and S4 are a majority of C_new but not of C_old.
    deliver(&r, &mut s, S4, ok_reply(5, 4));
    assert_eq!(s.commit_index, 3);
    assert!(s.config.quorum(&[S1, S2, S4]) && !s.config.quorum(&[S1, S4]));
    deliver(&r, &mut s, S2, ok_reply(5, 4));
    assert_eq!(s.commit_index, 4);
    assert_eq!((s.config, s.config_index), (Config::of(&[S1, S2, S4]), 5));
    assert!(r
        .reconfigure_refusal(&s, &add(S3))
        .unwrap()
        .contains("one change at a time"));
}

/// §4.3 with several servers at once, the leader among those leaving: it manages the cluster
/// through C_old,new and steps down once C_new commits (§4.2.2).
#[test]
fn section_4_3_a_leader_outside_c_new_steps_down_once_it_commits() {
    let r = joint_raft(false);
    let mut s = settled_leader(&r);
    r.on_reconfigure(&mut s, &replace(&[S1, S3], &[S4]), &mut Out::new(false));
    deliver(&r, &mut s, S2, ok_reply(5, 4));
    deliver(&r, &mut s, S4, ok_reply(5, 4));
    assert_eq!((s.config, s.role), (Config::of(&[S2, S4]), Role::Leader));
    deliver(&r, &mut s, S2, ok_reply(5, 5));
    assert_eq!(s.role, Role::Leader, "C_new needs S2 and S4");
    deliver(&r, &mut s, S4, ok_reply(5, 5));
    assert_eq!((s.commit_index, s.role), (5, Role::Follower));
}

/// The buggy variant raft-joint-new-majority-only commits C_old,new with C_new's majority
/// alone: S1 and S4 suffice, though S2 and S3 of C_old never heard of it.
#[test]
fn joint_new_majority_only_commits_without_the_old_majority() {
    let r = joint_raft(true);
    let mut s = settled_leader(&r);
    r.on_reconfigure(&mut s, &replace(&[S3], &[S4]), &mut Out::new(false));
    deliver(&r, &mut s, S4, ok_reply(5, 4));
    assert_eq!(s.commit_index, 4);
}

/// membership=single refuses several servers at once; membership=joint takes them.
#[test]
fn only_joint_consensus_changes_several_servers_at_once() {
    let two = replace(&[S2, S3], &[S4, NodeId(5)]);
    let single = raft();
    let why = single
        .reconfigure_refusal(&settled_leader(&single), &two)
        .unwrap();
    assert!(why.contains("one server at a time"), "{why}");
    let r = Raft::from_settings(&Settings {
        nodes: 5,
        membership: Membership::Joint,
        ..settings(false)
    });
    assert_eq!(r.reconfigure_refusal(&settled_leader(&r), &two), None);
    assert!(r
        .reconfigure_refusal(&settled_leader(&r), &replace(&[S1, S2, S3], &[]))
        .unwrap()
        .contains("no voters"));
}

#[test]
fn the_membership_setting_reads_back_what_it_writes() {
    for m in [Membership::Fixed, Membership::Single, Membership::Joint] {
        assert_eq!(Membership::parse(m.slug()), Ok(m));
    }
    assert_eq!(Membership::Joint.slug(), "joint");
    // `off` is how a link or script turns membership changes off.
    assert_eq!(Membership::parse("off"), Ok(Membership::Fixed));
    assert_eq!(
        Membership::parse("dynamic"),
        Err("'dynamic' is not fixed, single or joint".to_string())
    );
}

#[test]
fn a_configuration_is_written_with_c_old_only_during_joint_consensus() {
    let plain = Config::of(&[S1, S2, S3]);
    let joint = plain.joint(Config::of(&[S2, S3, S4]));
    let text = serde_json::to_string(&plain).unwrap();
    assert_eq!(text, r#"{"voters":7}"#);
    assert_eq!(
        serde_json::to_string(&joint).unwrap(),
        r#"{"voters":14,"old":7}"#
    );
    for c in [plain, joint] {
        let back: Config = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }
}

/// §4.3: C_old,new is "the union of the old and new configurations": a server in both is one
/// server, counted once, and a server named twice is still one server.
#[test]
fn section_4_3_a_joint_configuration_holds_each_server_once() {
    let old = Config::of(&[S1, S2, S3]);
    let joint = old.joint(Config::of(&[S2, S3, S4]));
    assert!([S1, S2, S3, S4].iter().all(|&n| joint.contains(n)));
    assert_eq!((joint.len(), joint.ids()), (4, vec![S1, S2, S3, S4]));
    let unchanged = old.joint(old);
    assert_eq!((unchanged.is_empty(), unchanged.len()), (false, 3));
    assert_eq!(Config::of(&[S1, S2, S2]), Config::of(&[S1, S2]));
    assert!(old.quorum(&[S1, S2, S2]), "S1 and S2 are two of three");
    assert_eq!(Config::of(&[S1]).with(S1), Config::of(&[S1]));
}

/// §4.3: the leader replicates C_old,new to every server of either configuration, those in
/// both included (etcd-io/raft's `ProgressTracker.Visit` walks the union of both majorities).
#[test]
fn section_4_3_the_joint_entry_goes_to_the_servers_of_both_configurations() {
    let r = joint_raft(false);
    let mut s = settled_leader(&r);
    let mut out = Out::new(false);
    r.on_reconfigure(&mut s, &replace(&[S3], &[S4]), &mut out);
    let joint = Config::of(&[S1, S2, S3]).joint(Config::of(&[S1, S2, S4]));
    let sent = |to| Effect::Send {
        to,
        msg: RaftMsg::AppendEntries(AppendEntries {
            term: 5,
            prev_log_index: 3,
            prev_log_term: 5,
            entries: vec![Entry::config(5, joint)],
            leader_commit: 3,
        }),
    };
    let sends: Vec<Effect<Raft>> = out
        .actions()
        .into_iter()
        .filter(|e| matches!(e, Effect::Send { .. }))
        .collect();
    assert_eq!(sends, [sent(S2), sent(S3), sent(S4)]);
}

/// A change naming a server twice (`add S4 S4`, which the action parser takes) adds it once:
/// C_new is C_old with S4.
#[test]
fn section_4_3_a_server_named_twice_joins_once() {
    let r = joint_raft(false);
    let mut s = settled_leader(&r);
    let twice = ConfChange {
        add: vec![S4, S4],
        remove: Vec::new(),
    };
    assert_eq!(r.reconfigure_refusal(&s, &twice), None);
    r.on_reconfigure(&mut s, &twice, &mut Out::new(false));
    let old = Config::of(&[S1, S2, S3]);
    assert_eq!(s.config, old.joint(old.with(S4)));
    assert_eq!(s.config.new_part(), Config::of(&[S1, S2, S3, S4]));
}

/// Figure 2 (RequestVoteReply): a candidate wins with votes from a majority of its
/// configuration, and the narration counts against that majority: 3 of a 4-voter one.
#[test]
fn a_candidate_counts_votes_against_its_configurations_majority() {
    let r = raft();
    let mut s = start(&r, S1, 1, &[config_entry(1, &[S1, S2, S3, S4])]);
    r.on_timer(&mut s, RaftTimer::Election, &mut Out::new(false));
    let mut out = Out::new(true);
    let granted = RaftMsg::RequestVoteReply(VoteReply {
        term: 2,
        vote_granted: true,
    });
    r.on_msg(&mut s, S2, granted.clone(), &mut out);
    assert!(
        out.narration()
            .contains(&"S1 has 2 of the 3 votes it needs"),
        "{:?}",
        out.narration()
    );
    assert_eq!(s.role, Role::Candidate);
    r.on_msg(&mut s, S3, granted, &mut Out::new(false));
    assert_eq!(s.role, Role::Leader);
}

/// The buggy variant raft-reconfig-before-term-commit says so when, and only when, the rule it
/// breaks (the errata's) would have refused the change.
#[test]
fn the_2015_bug_is_narrated_when_it_changes_the_configuration_early() {
    let r = Raft::from_settings(&settings(true));
    let early = "S1 changes the configuration before committing an entry of its term 5 (bug: \
                 raft-reconfig-before-term-commit)";
    let mut s = new_leader(&r);
    let mut out = Out::new(true);
    r.on_reconfigure(&mut s, &remove(S3), &mut out);
    assert!(out.narration().contains(&early), "{:?}", out.narration());
    let mut s = settled_leader(&r);
    let mut out = Out::new(true);
    r.on_reconfigure(&mut s, &remove(S3), &mut out);
    assert!(
        out.narration().iter().all(|l| !l.contains("bug")),
        "{:?}",
        out.narration()
    );
}

/// §4.2.2: the removed leader steps down "once the C_new entry is committed", not when an
/// entry before it commits.
#[test]
fn section_4_2_2_a_removed_leader_keeps_leading_until_c_new_itself_commits() {
    let r = raft();
    let mut s = settled_leader(&r);
    r.on_request(&mut s, Request::counter(4, 1), &mut Out::new(false));
    r.on_reconfigure(&mut s, &remove(S1), &mut Out::new(false));
    assert_eq!(s.config_index, 5);
    deliver(&r, &mut s, S2, ok_reply(5, 4));
    deliver(&r, &mut s, S3, ok_reply(5, 4));
    assert_eq!((s.commit_index, s.role), (4, Role::Leader));
    deliver(&r, &mut s, S2, ok_reply(5, 5));
    deliver(&r, &mut s, S3, ok_reply(5, 5));
    assert_eq!((s.commit_index, s.role), (5, Role::Follower));
}

/// §4.2.2 and §4.3: the configuration entry may commit together with entries after it; it is
/// committed all the same, so a removed leader steps down and a joint configuration moves on
/// to C_new.
#[test]
fn a_configuration_committed_with_later_entries_completes_its_change() {
    let r = raft();
    let mut s = settled_leader(&r);
    r.on_reconfigure(&mut s, &remove(S1), &mut Out::new(false));
    r.on_request(&mut s, Request::counter(5, 1), &mut Out::new(false));
    deliver(&r, &mut s, S2, ok_reply(5, 5));
    deliver(&r, &mut s, S3, ok_reply(5, 5));
    assert_eq!(
        (s.config_index, s.commit_index, s.role),
        (4, 5, Role::Follower)
    );

    let r = joint_raft(false);
    let mut s = settled_leader(&r);
    r.on_reconfigure(&mut s, &replace(&[S3], &[S4]), &mut Out::new(false));
    r.on_request(&mut s, Request::counter(5, 1), &mut Out::new(false));
    deliver(&r, &mut s, S2, ok_reply(5, 5));
    deliver(&r, &mut s, S4, ok_reply(5, 5));
    assert_eq!(s.commit_index, 5);
    assert_eq!((s.config, s.config_index), (Config::of(&[S1, S2, S4]), 6));
}

fn members(voters: &[NodeId], old: &[NodeId], joint: bool, learners: &[NodeId]) -> Members {
    Members {
        voters: voters.to_vec(),
        old: old.to_vec(),
        joint,
        learners: learners.to_vec(),
    }
}

/// What the page draws of a change (§4.1, §4.2.1, §4.3): the latest configuration; the one it
/// replaces while that is uncommitted (or, joint, C_old); the learner on the leader.
#[test]
fn the_page_sees_the_configuration_the_change_leaves_until_it_commits() {
    let r = raft();
    let mut s = settled_leader(&r);
    let all = [S1, S2, S3, S4];
    assert_eq!(r.members(&s), Some(members(&[S1, S2, S3], &[], false, &[])));
    r.on_reconfigure(&mut s, &add(S4), &mut Out::new(false));
    assert_eq!(
        r.members(&s),
        Some(members(&[S1, S2, S3], &[], false, &[S4]))
    );
    deliver(&r, &mut s, S4, ok_reply(5, 3));
    assert_eq!((s.config_index, s.commit_index), (4, 3));
    assert_eq!(
        r.members(&s),
        Some(members(&all, &[S1, S2, S3], false, &[]))
    );
    deliver(&r, &mut s, S2, ok_reply(5, 4));
    deliver(&r, &mut s, S4, ok_reply(5, 4));
    assert_eq!((s.config_index, s.commit_index), (4, 4));
    assert_eq!(r.members(&s), Some(members(&all, &[], false, &[])));
    // Removing S4 again leaves the committed configuration entry, not the bootstrap.
    r.on_reconfigure(&mut s, &remove(S4), &mut Out::new(false));
    assert_eq!(
        r.members(&s),
        Some(members(&[S1, S2, S3], &all, false, &[]))
    );
    // A follower that was told of the addition knows of no learner.
    let mut f = start(&r, S2, 5, &[entry(1, 1), entry(2, 2)]);
    deliver(
        &r,
        &mut f,
        S1,
        RaftMsg::AppendEntries(AppendEntries {
            term: 5,
            prev_log_index: 2,
            prev_log_term: 2,
            entries: vec![config_entry(5, &all)],
            leader_commit: 2,
        }),
    );
    assert_eq!(
        r.members(&f),
        Some(members(&all, &[S1, S2, S3], false, &[]))
    );

    let r = joint_raft(false);
    let mut s = settled_leader(&r);
    r.on_reconfigure(&mut s, &replace(&[S3], &[S4]), &mut Out::new(false));
    assert_eq!(
        r.members(&s),
        Some(members(&[S1, S2, S4], &[S1, S2, S3], true, &[]))
    );
    let fixed = Raft::from_settings(&Settings::for_protocol(ProtocolKind::Raft));
    assert_eq!(fixed.members(&start(&fixed, S1, 0, &[])), None);
}

/// §4.2.3 holds votes only "within the minimum election timeout of hearing from a current
/// leader": a server left outside the configuration whose election timeout passed without a
/// leader's word (it still remembers that leader) handles a RequestVote as usual again.
#[test]
fn section_4_2_3_a_server_whose_leader_went_quiet_hears_request_vote_again() {
    let r = raft();
    let mut s = start(&r, S4, 5, &[]);
    deliver(
        &r,
        &mut s,
        S1,
        RaftMsg::AppendEntries(AppendEntries {
            term: 5,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: vec![],
            leader_commit: 0,
        }),
    );
    r.on_timer(&mut s, RaftTimer::Election, &mut Out::new(false));
    assert_eq!((s.leader, s.heard_leader), (Some(S1), false));
    deliver(
        &r,
        &mut s,
        S2,
        RaftMsg::RequestVote(RequestVote {
            term: 9,
            last_log_index: 0,
            last_log_term: 0,
        }),
    );
    assert_eq!(s.term(), 9);
}
