//! The page's membership changes, natively (Raft dissertation ch. 4): what the cluster shows as
//! the configuration, what the node menu offers and when the leader refuses, driven by the
//! very commands the page sends.

use lab_engine::session::{
    config_view, member_offers, Command, ConfigView, Effects, MemberOp, Offer, Player, Selection,
};
use lab_engine::{Action, NodeId, MS};

const S1: NodeId = NodeId(1);
const S2: NodeId = NodeId(2);
const S3: NodeId = NodeId(3);
const S4: NodeId = NodeId(4);

/// raft-add-server's cluster: S1..S3 vote, S4 waits outside; S2 leads by 1 s.
const SINGLE: &str = "protocol=raft&nodes=4&voters=3&membership=single&seed=2&requests=off&t=1s";

fn open(q: &str) -> Player {
    let mut p = Player::new();
    let fx = p.apply(Command::Open(q.into()));
    assert_eq!(fx.notices, Vec::<String>::new());
    p
}

/// The configuration as the leader has it (nothing selected).
fn view(p: &Player) -> ConfigView {
    config_view(p.sim(), Selection::None).expect("membership changes are on")
}

fn select(p: &mut Player, n: NodeId) {
    if p.selected() != Selection::Node(n) {
        p.apply(Command::Select(Selection::Node(n)));
    }
}

/// The leader commits an entry of its term (the errata's condition) and time moves on.
fn commit_one(p: &mut Player) {
    p.apply(Command::RequestToLeader);
    let t = p.sim().now() + 200 * MS;
    p.apply(Command::Seek(t));
}

fn last_action(p: &Player) -> Action {
    p.sim()
        .history()
        .actions
        .last()
        .expect("an action")
        .action
        .clone()
}

fn ids(v: &[u8]) -> Vec<NodeId> {
    v.iter().map(|&i| NodeId(i)).collect()
}

#[test]
fn the_configuration_is_the_leaders_and_the_spare_is_drawn_apart() {
    let p = open(SINGLE);
    assert_eq!(p.sim().leader(), Some(S2));
    let v = view(&p);
    assert_eq!(v.from, S2);
    assert_eq!(v.voters, ids(&[1, 2, 3]));
    assert_eq!((v.old.clone(), v.learners.clone()), (vec![], vec![]));
    assert_eq!(v.outside, vec![S4]);
    assert!(!v.in_flight() && !v.joint);
    assert_eq!(v.text(), "Config: S1 S2 S3");
    // A selected node shows its own log's configuration, and says whose it is.
    let s3 = config_view(p.sim(), Selection::Node(S3)).unwrap();
    assert_eq!((s3.from, s3.leader), (S3, false));
    assert_eq!(s3.text(), "Config: S1 S2 S3 · in S3's log");
}

#[test]
fn a_fixed_membership_offers_nothing_and_says_why_a_key_does_nothing() {
    let mut p = open("protocol=raft&seed=2&t=1s");
    assert_eq!(config_view(p.sim(), p.selected()), None);
    assert_eq!(member_offers(p.sim(), S1), Vec::<Offer>::new());
    select(&mut p, S1);
    let fx = p.apply(Command::Member(MemberOp::Remove));
    assert_eq!(fx.notices.len(), 1);
    assert!(
        fx.notices[0].contains("fixed membership"),
        "{:?}",
        fx.notices
    );
    assert!(p.sim().history().actions.is_empty());
}

#[test]
fn adding_waits_for_an_entry_of_the_leaders_term_then_s4_learns_then_votes() {
    let mut p = open(SINGLE);
    select(&mut p, S4);
    // S4 is outside: the menu offers to add it, and only that.
    let offers = member_offers(p.sim(), S4);
    assert_eq!(offers.len(), 1);
    assert_eq!(
        (offers[0].op, offers[0].label.as_str()),
        (MemberOp::Add, "Add server S4")
    );
    let why = offers[0]
        .refusal
        .clone()
        .expect("refused before a commit of term 1");
    assert!(why.contains("errata"), "{why}");
    // The button still answers: with the refusal, and nothing recorded.
    let fx: Effects = p.apply(Command::Member(MemberOp::Add));
    assert_eq!(fx.notices, vec![why]);
    assert!(p.sim().history().actions.is_empty());

    commit_one(&mut p);
    assert_eq!(member_offers(p.sim(), S4)[0].refusal, None);
    let fx = p.apply(Command::Member(MemberOp::Add));
    assert_eq!(fx.notices, Vec::<String>::new());
    assert_eq!(
        last_action(&p),
        Action::Reconfigure {
            add: vec![S4],
            remove: vec![]
        }
    );
    // Recorded like every action: the link replays it.
    let link = p.link(false);
    let again = open(&link);
    assert_eq!(last_action(&again), last_action(&p));

    let v = view(&p);
    assert_eq!((v.learners.clone(), v.outside.clone()), (vec![S4], vec![]));
    assert!(v.in_flight());
    assert_eq!(v.text(), "Config: S1 S2 S3 · learner S4");
    // One change at a time (§4.1).
    select(&mut p, S1);
    let fx = p.apply(Command::Member(MemberOp::Remove));
    assert!(
        fx.notices[0].contains("one change at a time"),
        "{:?}",
        fx.notices
    );

    let t = p.sim().now() + 300 * MS;
    p.apply(Command::Seek(t));
    let v = view(&p);
    assert_eq!(v.voters, ids(&[1, 2, 3, 4]));
    assert!(!v.in_flight(), "{v:?}");
    assert_eq!(v.text(), "Config: S1 S2 S3 S4");
}

#[test]
fn a_full_pool_has_no_server_to_add_and_a_removal_shows_both_configurations() {
    let mut p = open(SINGLE);
    commit_one(&mut p);
    select(&mut p, S4);
    p.apply(Command::Member(MemberOp::Add));
    let t = p.sim().now() + 300 * MS;
    p.apply(Command::Seek(t));

    select(&mut p, S3);
    let offers = member_offers(p.sim(), S3);
    let labels: Vec<&str> = offers.iter().map(|o| o.label.as_str()).collect();
    assert_eq!(labels, ["Add server", "Remove S3", "Replace S3"]);
    for o in [&offers[0], &offers[2]] {
        let why = o.refusal.as_deref().unwrap_or_default();
        assert!(why.contains("Every one of the 4 nodes"), "{why}");
    }
    assert_eq!(offers[1].refusal, None);

    // The key for remove acts on the selection; until the entry commits, the old
    // configuration's majority matters too.
    let fx = p.apply(Command::Member(MemberOp::Remove));
    assert_eq!(fx.notices, Vec::<String>::new());
    let v = view(&p);
    assert_eq!(
        (v.voters.clone(), v.old.clone()),
        (ids(&[1, 2, 4]), ids(&[1, 2, 3, 4]))
    );
    assert!(v.in_flight() && !v.joint);
    assert_eq!(v.text(), "Config: S1 S2 S4 (uncommitted; was S1 S2 S3 S4)");
    let t = p.sim().now() + 300 * MS;
    p.apply(Command::Seek(t));
    let v = view(&p);
    assert_eq!(
        (v.voters.clone(), v.outside.clone()),
        (ids(&[1, 2, 4]), vec![S3])
    );
    assert_eq!(v.text(), "Config: S1 S2 S4");
}

#[test]
fn joint_consensus_replaces_a_server_through_c_old_new() {
    let mut p = open("protocol=raft&nodes=5&voters=3&membership=joint&seed=2&requests=off&t=1s");
    let leader = p.sim().leader().expect("a leader by 1 s");
    commit_one(&mut p);
    let gone = if leader == S1 { S3 } else { S1 };
    select(&mut p, gone);
    let offers = member_offers(p.sim(), gone);
    assert_eq!(offers[2].label, format!("Replace {gone} with S4"));
    let fx = p.apply(Command::Member(MemberOp::Replace));
    assert_eq!(fx.notices, Vec::<String>::new());
    assert_eq!(
        last_action(&p),
        Action::Reconfigure {
            add: vec![S4],
            remove: vec![gone]
        }
    );
    let v = view(&p);
    assert!(v.joint && v.in_flight());
    let new: Vec<NodeId> = [S1, S2, S3, S4]
        .into_iter()
        .filter(|&n| n != gone)
        .collect();
    assert_eq!(
        (v.old.clone(), v.voters.clone()),
        (ids(&[1, 2, 3]), new.clone())
    );
    let names = |ids: &[NodeId]| {
        ids.iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(v.text(), format!("C_old S1 S2 S3 → C_new {}", names(&new)));
    let t = p.sim().now() + 300 * MS;
    p.apply(Command::Seek(t));
    let v = view(&p);
    assert!(!v.joint && !v.in_flight(), "{v:?}");
    assert_eq!(v.voters, new);
    assert_eq!(v.outside, vec![gone, NodeId(5)]);
}

#[test]
fn with_no_leader_a_change_is_refused_in_words() {
    let mut p = open("protocol=raft&nodes=4&voters=3&membership=single&seed=2&requests=off");
    assert_eq!(p.sim().leader(), None);
    // No leader: the configuration is the first live node's.
    assert_eq!(view(&p).from, S1);
    assert_eq!(view(&p).text(), "Config: S1 S2 S3 · in S1's log");
    let fx = p.apply(Command::Member(MemberOp::Add));
    assert!(fx.notices[0].contains("no leader"), "{:?}", fx.notices);
    let fx = p.apply(Command::Member(MemberOp::Replace));
    assert_eq!(
        fx.notices,
        vec!["Select a node first (click it).".to_string()]
    );
}
