//! Zab fixtures the handler and rule tests share: a three-node configuration, durable states,
//! effects to compare against, and nodes brought to a moment by the messages that lead there.

use imbl::Vector;
use lab_engine::catalog::{Model, ProtocolKind, Settings};
use lab_engine::node::*;
use lab_engine::protocols::zab::*;

pub const MS_50: Time = 50 * MS;
pub const LO: Time = 150 * MS;
pub const HI: Time = 300 * MS;

/// Three nodes: a quorum is two.
pub fn proto() -> Zab {
    Zab::from_settings(&Settings {
        nodes: 3,
        ..Settings::for_protocol(ProtocolKind::Zab)
    })
}

pub fn with_bug(bug: lab_engine::Bug) -> Zab {
    Zab::from_settings(&Settings {
        nodes: 3,
        bugs: vec![bug],
        ..Settings::for_protocol(ProtocolKind::Zab)
    })
}

pub fn quiet() -> Out<Zab> {
    Out::new(false)
}

pub fn txn(epoch: u64, counter: u64, id: u64) -> Txn {
    Txn {
        zxid: Zxid::new(epoch, counter),
        id,
        delta: id as i64,
        op: None,
    }
}

pub fn durable(accepted: u64, current: u64, history: &[Txn]) -> ZabDurable {
    ZabDurable {
        accepted_epoch: accepted,
        current_epoch: current,
        history: history.iter().copied().collect::<Vector<_>>(),
    }
}

pub fn start(p: &Zab, id: u8, d: &ZabDurable) -> ZabState {
    p.on_start(NodeId(id), d, &mut quiet())
}

pub fn send(to: u8, msg: ZabMsg) -> Effect<Zab> {
    Effect::Send {
        to: NodeId(to),
        msg,
    }
}

pub fn timer(t: ZabTimer, min: Time, max: Time) -> Effect<Zab> {
    Effect::SetTimer { timer: t, min, max }
}

pub fn note(vote: Vote, round: u64, state: Role) -> ZabMsg {
    ZabMsg::Notification { vote, round, state }
}

pub fn vote(leader: u8, epoch: u64, zxid: Zxid) -> Vote {
    Vote {
        leader: NodeId(leader),
        epoch,
        zxid,
    }
}

/// S3 after an election it won in round 1 with S2's vote: LEADING, in discovery.
pub fn elected_leader(p: &Zab, d: &ZabDurable) -> ZabState {
    let mut s = start(p, 3, d);
    let v = s.own_vote();
    p.on_msg(&mut s, NodeId(2), note(v, 1, Role::Looking), &mut quiet());
    p.on_timer(&mut s, ZabTimer::Finalize, &mut quiet());
    assert_eq!((s.role, s.phase), (Role::Leading, Phase::Discovery));
    s
}

/// S2 following S3 after round 1, in discovery.
pub fn follower(p: &Zab, d: &ZabDurable) -> ZabState {
    let mut s = start(p, 2, d);
    let v = vote(3, d.current_epoch, d.last_zxid());
    p.on_msg(&mut s, NodeId(3), note(v, 1, Role::Looking), &mut quiet());
    p.on_msg(&mut s, NodeId(1), note(v, 1, Role::Looking), &mut quiet());
    p.on_timer(&mut s, ZabTimer::Finalize, &mut quiet());
    assert_eq!((s.role, s.leader), (Role::Following, Some(NodeId(3))));
    s
}

/// S3 established in epoch 1 with S2 synchronized.
pub fn established(p: &Zab) -> ZabState {
    let mut s = elected_leader(p, &ZabDurable::default());
    let l = NodeId(2);
    let o = &mut quiet();
    p.on_msg(&mut s, l, ZabMsg::FollowerInfo { accepted_epoch: 0 }, o);
    p.on_msg(
        &mut s,
        l,
        ZabMsg::AckEpoch {
            current_epoch: Some(0),
            last_zxid: Zxid::ZERO,
        },
        o,
    );
    p.on_msg(
        &mut s,
        l,
        ZabMsg::AckNewLeader {
            epoch: 1,
            last_zxid: Zxid::ZERO,
        },
        o,
    );
    assert!(s.is_established());
    s
}

/// S2 synchronized with S3 in epoch 1 (empty history), in broadcast.
pub fn up_to_date_follower(p: &Zab) -> ZabState {
    let mut s = follower(p, &ZabDurable::default());
    let o = &mut quiet();
    let from = NodeId(3);
    p.on_msg(&mut s, from, ZabMsg::NewEpoch { epoch: 1 }, o);
    p.on_msg(
        &mut s,
        from,
        ZabMsg::NewLeader {
            epoch: 1,
            sync: Sync::Diff {
                after: Zxid::ZERO,
                txns: vec![],
            },
        },
        o,
    );
    p.on_msg(
        &mut s,
        from,
        ZabMsg::UpToDate {
            epoch: 1,
            commit: Zxid::ZERO,
        },
        o,
    );
    assert_eq!(s.phase, Phase::Broadcast);
    s
}

/// S3's history: epoch 1 counters 1..=3, then epoch 2 counter 1; it leads epoch 3.
pub fn leader_history() -> Vec<Txn> {
    vec![txn(1, 1, 1), txn(1, 2, 2), txn(1, 3, 3), txn(2, 1, 4)]
}
