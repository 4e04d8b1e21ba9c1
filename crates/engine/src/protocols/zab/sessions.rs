//! Serving clients as ZooKeeper does under the key-value workload with `reads=local` or
//! `reads=sync` (ZooKeeper Programmer's Guide, "Consistency Guarantees"; Hunt et al.,
//! "ZooKeeper: Wait-free coordination for Internet-scale systems", USENIX ATC 2010, §4).
//!
//! A client keeps a session with one server. That server answers its reads and forwards its
//! writes to the leader (ZooKeeper's FollowerRequestProcessor), then answers a write once it has
//! delivered it itself, so the client's next read there sees it. With `reads=local`, ZooKeeper's
//! default, a read is answered at once from the server's own delivered state
//! (FinalRequestProcessor): fast, and sequentially consistent, but not linearizable: a follower
//! that has not yet delivered a committed write serves the value before it. With `reads=sync`
//! the read is ordered after a sync that goes through the leader: the leader puts it in the
//! broadcast order as a null transaction (the paper's §4.4: "if the pending queue is empty, the
//! leader needs to issue a null transaction to commit and orders the sync after that
//! transaction"; here it always does, where ZooKeeper's Leader.processSync answers at once when
//! nothing is outstanding and relies on timeouts), and the server answers once it delivers it,
//! from the state every write committed before the sync has reached. A deposed leader cannot
//! commit it, so the read is linearizable.
//!
//! The client's side of a session (never seeing an older view than one it saw when it moves to
//! another server: "Single System Image") is the simulator's.

use super::{Phase, Role, Zab, ZabMsg, ZabState};
use crate::node::narrate;
use crate::node::{KvOp, KvResult, Out, Reply, Request};
use crate::protocols::machine::Reads;

impl Zab {
    /// Whether this request is served by the session's server rather than sent to the leader
    /// (reads=log, and the counter, redirect the client to the leader instead).
    pub(super) fn in_session(&self, req: &Request) -> bool {
        req.op.is_some() && matches!(self.reads, Reads::Local | Reads::Sync)
    }

    /// A client's operation reaches the server of its session. A server that is not serving
    /// (LOOKING, or not yet synchronized with an established leader) turns the client away, as
    /// a ZooKeeper server that is not running refuses connections: it tries the next.
    pub(super) fn serve_session(
        &self,
        s: &mut ZabState,
        req: Request,
        op: KvOp,
        out: &mut Out<Self>,
    ) {
        if s.phase != Phase::Broadcast {
            narrate!(
                out,
                "{} is not serving clients yet and turns the client away",
                s.id
            );
            out.reply(req.id, Reply::Redirect(None));
            return;
        }
        if op.is_read() && self.reads == Reads::Local {
            let KvOp::Read { key } = op else { return };
            let value = s.kv.get(key);
            narrate!(
                out,
                "{} answers {op} from its own state: {} (delivered up to {})",
                s.id,
                KvResult::Read(value),
                s.commit_zxid()
            );
            out.reply(
                req.id,
                Reply::Applied {
                    index: s.committed,
                    result: KvResult::Read(value),
                },
            );
            return;
        }
        match s.role {
            Role::Leading => self.propose(s, req, out),
            Role::Following => {
                let Some(leader) = s.leader else { return };
                if op.is_read() {
                    narrate!(
                        out,
                        "{} sends a sync for {op} through its leader {leader}",
                        s.id
                    );
                } else {
                    narrate!(out, "{} forwards {op} to its leader {leader}", s.id);
                }
                s.forwarded.push(req.id);
                out.send(leader, ZabMsg::Forward { req });
            }
            Role::Looking => {}
        }
    }

    /// The leader receives a follower's forwarded write, or its sync: both are proposed in the
    /// broadcast order, and the follower, not the leader, answers the client.
    pub(super) fn on_forward(&self, s: &mut ZabState, req: Request, out: &mut Out<Self>) {
        if s.phase != Phase::Broadcast {
            // Not established: the follower's client hears nothing and tries elsewhere.
            return;
        }
        self.propose_for(s, req, false, out);
    }

    /// A transaction forwarded by this server is delivered: answer its client, with what a
    /// read finds now (everything committed before the sync is delivered) or the write's
    /// result.
    pub(super) fn answer_forwarded(
        &self,
        s: &mut ZabState,
        id: u64,
        reply: Reply,
        out: &mut Out<Self>,
    ) {
        if let Some(pos) = s.forwarded.iter().position(|&r| r == id) {
            s.forwarded.swap_remove(pos);
            out.reply(id, reply);
        }
    }
}
