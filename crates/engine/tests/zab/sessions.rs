//! ZooKeeper's client sessions under the key-value workload, one event at a time: a client's
//! server answers its reads and forwards its writes (`reads=local`, ZooKeeper's default), or
//! orders each read after a sync through the leader (`reads=sync`). ZooKeeper Programmer's
//! Guide, "Consistency Guarantees"; Hunt et al., "ZooKeeper: Wait-free coordination for
//! Internet-scale systems" (USENIX ATC 2010), §4.4; the reference implementation's
//! FollowerRequestProcessor (forwarding), FinalRequestProcessor (local reads) and
//! Leader.processSync.

use crate::fixtures::*;
use lab_engine::node::*;
use lab_engine::protocols::machine::Reads;
use lab_engine::protocols::zab::*;

fn zab(reads: Reads) -> Zab {
    Zab { reads, ..proto() }
}

const X: u8 = 0;

fn kv_txn(counter: u64, id: u64, op: KvOp) -> Txn {
    Txn {
        zxid: Zxid::new(1, counter),
        id,
        delta: 0,
        op: Some(op),
    }
}

/// The follower S2 logs and delivers a transaction from its leader S3.
fn deliver(p: &Zab, s: &mut ZabState, t: Txn, prev: Zxid) -> Vec<Effect<Zab>> {
    let proposal = ZabMsg::Proposal {
        epoch: 1,
        prev,
        txn: t,
    };
    p.on_msg(s, NodeId(3), proposal, &mut quiet());
    let mut out = quiet();
    let commit = ZabMsg::Commit {
        epoch: 1,
        zxid: t.zxid,
    };
    p.on_msg(s, NodeId(3), commit, &mut out);
    out.actions()
        .into_iter()
        .filter(|e| !matches!(e, Effect::SetTimer { .. }))
        .collect()
}

fn reply(request: u64, index: u64, result: KvResult) -> Effect<Zab> {
    Effect::Reply {
        request,
        reply: Reply::Applied { index, result },
    }
}

/// Programmer's Guide: reads are served from the server's local replica; FinalRequestProcessor
/// answers a read at once from the server's data tree, whatever the leader has committed since.
#[test]
fn with_local_reads_a_follower_answers_from_what_it_has_delivered() {
    let p = zab(Reads::Local);
    let mut s = up_to_date_follower(&p);
    let w = KvOp::Write { key: X, value: 3 };
    deliver(&p, &mut s, kv_txn(1, 1, w), Zxid::ZERO);
    // A second write is proposed but not yet committed here: the read does not see it.
    let w2 = ZabMsg::Proposal {
        epoch: 1,
        prev: Zxid::new(1, 1),
        txn: kv_txn(2, 2, KvOp::Write { key: X, value: 4 }),
    };
    p.on_msg(&mut s, NodeId(3), w2, &mut quiet());
    let mut out = quiet();
    p.on_request(&mut s, Request::kv(9, KvOp::Read { key: X }), &mut out);
    assert_eq!(out.actions(), vec![reply(9, 1, KvResult::Read(Some(3)))]);
}

/// FollowerRequestProcessor forwards a write to the leader; the follower answers its client
/// only when it commits the write itself (FIFO client order: the client's next read here sees
/// it).
#[test]
fn a_follower_forwards_its_clients_write_and_answers_it_on_delivery() {
    let p = zab(Reads::Local);
    let mut s = up_to_date_follower(&p);
    let w = Request::kv(5, KvOp::Write { key: X, value: 2 });
    let mut out = quiet();
    p.on_request(&mut s, w, &mut out);
    assert_eq!(out.actions(), vec![send(3, ZabMsg::Forward { req: w })]);
    let delivered = deliver(&p, &mut s, kv_txn(1, 5, w.op.unwrap()), Zxid::ZERO);
    assert_eq!(delivered, vec![reply(5, 1, KvResult::Written)]);
    assert!(s.forwarded.is_empty());
}

/// Hunt et al. §4.4: sync is placed in the leader's order, and the read is answered once the
/// server has delivered it, so it sees every write committed before. Here the sync is the
/// paper's null transaction, which only a leader with a quorum can commit.
#[test]
fn with_sync_a_follower_reads_after_its_sync_commits_through_the_leader() {
    let p = zab(Reads::Sync);
    let mut s = up_to_date_follower(&p);
    let read = Request::kv(6, KvOp::Read { key: X });
    let mut out = quiet();
    p.on_request(&mut s, read, &mut out);
    assert_eq!(
        out.actions(),
        vec![send(3, ZabMsg::Forward { req: read })],
        "nothing is answered from the local state"
    );
    let w = kv_txn(1, 5, KvOp::Write { key: X, value: 2 });
    assert_eq!(
        deliver(&p, &mut s, w, Zxid::ZERO),
        vec![],
        "another's write"
    );
    let sync = kv_txn(2, 6, read.op.unwrap());
    assert_eq!(
        deliver(&p, &mut s, sync, Zxid::new(1, 1)),
        vec![reply(6, 2, KvResult::Read(Some(2)))]
    );
}

/// The leader proposes a forwarded request but does not answer it: the follower that
/// forwarded it answers its own client.
#[test]
fn the_leader_proposes_a_forwarded_request_and_leaves_the_answer_to_the_follower() {
    let p = zab(Reads::Sync);
    let mut s = established(&p);
    let read = Request::kv(6, KvOp::Read { key: X });
    let mut out = quiet();
    p.on_msg(&mut s, NodeId(2), ZabMsg::Forward { req: read }, &mut out);
    let t = kv_txn(1, 6, read.op.unwrap());
    assert!(out.actions().contains(&send(
        2,
        ZabMsg::Proposal {
            epoch: 1,
            prev: Zxid::ZERO,
            txn: t
        }
    )));
    let mut out = quiet();
    let ack = ZabMsg::Ack {
        epoch: 1,
        zxid: t.zxid,
    };
    p.on_msg(&mut s, NodeId(2), ack, &mut out);
    assert_eq!(s.committed, 1);
    assert!(
        !out.actions()
            .iter()
            .any(|e| matches!(e, Effect::Reply { .. })),
        "{:?}",
        out.actions()
    );
}

/// A server that is not serving (LOOKING) refuses the client, which tries the next server.
#[test]
fn a_server_that_is_not_serving_turns_the_client_away() {
    let p = zab(Reads::Local);
    let mut s = start(&p, 1, &ZabDurable::default());
    let mut out = quiet();
    p.on_request(&mut s, Request::kv(4, KvOp::Read { key: X }), &mut out);
    assert_eq!(
        out.actions(),
        vec![Effect::Reply {
            request: 4,
            reply: Reply::Redirect(None)
        }]
    );
}
