//! The key-value workload's clients (`workload=kv`), and the history of what they saw.
//!
//! Each client C1, C2... has one operation outstanding at a time: it invokes a read, write or
//! compare-and-set of one of a few keys at the server it talks to, follows redirects, and turns to
//! the next server when its own is down. If it hears nothing for [`client_timeout`] it gives up:
//! the operation is indeterminate (`info`: it may still take effect, or never), and the client
//! goes on with a new operation at the next server, as Jepsen's clients do. It never takes an
//! answer from a state older than one it has seen (ZooKeeper's "Single System Image"): a
//! server that far behind is skipped. Every invocation and
//! completion is recorded at its virtual moment in a [`lin::History`](crate::lin::History), the
//! input of the linearizability check. All draws come from the simulator's one RNG and only when
//! the workload is kv, so counter runs draw exactly as before.

use super::world::{Item, KvClient, Pending};
use super::Simulation;
use crate::catalog::{Model, Settings};
use crate::lin::{self, Call, OpId, Outcome, Value};
use crate::node::{KvOp, KvResult, NodeId, Reply, Request, Time, KEY_NAMES};

/// What one event did to the client history; written into it when the event is new (a replay
/// below the horizon finds it there already).
#[derive(Clone, Debug)]
pub(super) enum ClientEvent {
    Invoke {
        op: OpId,
        client: u8,
        kv: KvOp,
        at: Time,
    },
    Complete {
        op: OpId,
        at: Time,
        outcome: Outcome,
    },
}

/// How long a client waits for an answer before it gives the operation up as indeterminate:
/// long enough for an election and a commit, so a healthy cluster answers first.
pub fn client_timeout(settings: &Settings) -> Time {
    4 * settings.election_timeout.1
}

/// The operation as the history names it.
pub fn call_of(op: KvOp) -> Call {
    match op {
        KvOp::Read { .. } => Call::Read,
        KvOp::Write { value, .. } => Call::Write(Value::Int(value)),
        KvOp::Cas { old, new, .. } => Call::Cas(Value::Int(old), Value::Int(new)),
    }
}

/// How the history records the store's answer: a refused cas definitely did not happen.
pub fn outcome_of(result: KvResult) -> Outcome {
    match result {
        KvResult::Read(v) => Outcome::Ok(v.map_or(Value::Nil, Value::Int)),
        KvResult::Written | KvResult::Cas(true) => Outcome::Ok(Value::Nil),
        KvResult::Cas(false) => Outcome::Fail,
    }
}

/// Values written and compared are small, so cas operations often find what they expect.
const MAX_VALUE: u64 = 5;

impl<P: Model> Simulation<P> {
    /// The history of the key-value clients' operations, in virtual microseconds, up to the
    /// furthest point the run reached (operations after [`now`](Self::now) included; one still
    /// waiting there has no completion, which the checker treats as indeterminate). Client `C1`
    /// is process 1. Empty unless `workload=kv`. It is a function of the settings, the seed and
    /// the actions, so a trace file or a link that replays the run rebuilds it.
    pub fn client_history(&self) -> &lin::History {
        &self.clients_history
    }

    /// The key-value clients as they are now: whom each talks to and what it waits for.
    pub fn clients(&self) -> &[KvClient] {
        &self.world.clients
    }

    /// Sets up the clients, each on its own server first (as ZooKeeper's clients spread over
    /// the ensemble), with a first operation after a random pause.
    pub(super) fn start_clients(&mut self) {
        let n = self.settings.nodes;
        self.world.clients = (0..usize::from(self.settings.clients))
            .map(|c| KvClient {
                target: NodeId::from_idx(c % n),
                pending: None,
                seen: 0,
            })
            .collect();
        for client in 0..self.settings.clients {
            if let Some(pause) = self.pause() {
                self.world.push(pause, Item::KvInvoke { client });
            }
        }
    }

    /// A client's pause before its next operation, around `request_every`; `None` when
    /// requests are off.
    fn pause(&mut self) -> Option<Time> {
        let every = self.settings.request_every?;
        Some(self.world.rng.range(every / 2, every + every / 2))
    }

    fn draw_op(&mut self) -> KvOp {
        let rng = &mut self.world.rng;
        let key = rng.range(0, KEY_NAMES.len() as u64 - 1) as u8;
        let value = |rng: &mut super::rng::SimRng| rng.range(1, MAX_VALUE) as i64;
        match rng.range(0, 9) {
            0..=3 => KvOp::Read { key },
            4..=6 => KvOp::Write {
                key,
                value: value(rng),
            },
            _ => KvOp::Cas {
                key,
                old: value(rng),
                new: value(rng),
            },
        }
    }

    /// Client `client` invokes a new operation at its server; returns the request and the
    /// server it went to.
    pub(super) fn invoke(
        &mut self,
        client: u8,
        headline: &mut String,
        lines: &mut Vec<String>,
        replies: &mut Vec<(NodeId, u64, Reply)>,
    ) -> (u64, NodeId) {
        let kv = self.draw_op();
        let req = Request::kv(self.world.next_request, kv);
        self.world.next_request += 1;
        self.requests.record(req);
        let op = self.world.next_op;
        self.world.next_op += 1;
        let now = self.world.now;
        self.client_events.push(ClientEvent::Invoke {
            op,
            client,
            kv,
            at: now,
        });
        let c = usize::from(client);
        let node = self.world.clients[c].target;
        self.world.clients[c].pending = Some(Pending {
            request: req.id,
            op,
            server: node,
        });
        let timeout = client_timeout(&self.settings);
        self.world.push(
            now + timeout,
            Item::KvTimeout {
                client,
                request: req.id,
            },
        );
        if self.narrating {
            if !headline.is_empty() {
                headline.push_str("; ");
            }
            headline.push_str(&format!(
                "C{} sends {kv} to {node} (request #{})",
                c + 1,
                req.id
            ));
        }
        self.request(node, req, 0, lines, replies);
        (req.id, node)
    }

    /// Client `client` heard nothing about `request` in time: the operation is indeterminate,
    /// and the client starts anew at the next server.
    pub(super) fn time_out(
        &mut self,
        client: u8,
        headline: &mut String,
        lines: &mut Vec<String>,
        replies: &mut Vec<(NodeId, u64, Reply)>,
    ) -> (u64, NodeId) {
        let c = usize::from(client);
        let p = self.world.clients[c]
            .pending
            .take()
            .expect("a time-out is live only while its client waits");
        self.complete(p.op, Outcome::Info);
        let next = self.next_server(p.server);
        self.world.clients[c].target = next;
        if self.narrating {
            let kv = self
                .requests
                .get(p.request)
                .and_then(|r| r.op)
                .map_or(String::new(), |o| o.to_string());
            *headline = format!(
                "C{} hears nothing about {kv} for {} and gives up: it may or may not take \
                 effect (indeterminate)",
                c + 1,
                crate::time::fmt_time(client_timeout(&self.settings)),
            );
        }
        self.invoke(client, headline, lines, replies)
    }

    fn next_server(&self, after: NodeId) -> NodeId {
        NodeId::from_idx(usize::from(after.0) % self.settings.nodes)
    }

    fn complete(&mut self, op: OpId, outcome: Outcome) {
        self.client_events.push(ClientEvent::Complete {
            op,
            at: self.world.now,
            outcome,
        });
    }

    fn waiting_client(&self, request: u64) -> Option<usize> {
        self.world.clients.iter().position(|c| c.waits_for(request))
    }

    /// A key-value request reached a server that is down: the client is refused at once
    /// (nothing happened) and tries the next server after a round trip.
    pub(super) fn kv_refused(
        &mut self,
        node: NodeId,
        request: u64,
        hops: u8,
        lines: &mut Vec<String>,
    ) {
        let Some(c) = self.waiting_client(request) else {
            return;
        };
        let next = self.next_server(node);
        self.world.clients[c].target = next;
        if self.narrating {
            lines.push(format!("{node} is down; C{} tries {next}", c + 1));
        }
        self.retry(request, next, hops);
    }

    /// The client resends `request` to `node` after a round trip, a bounded number of times
    /// so that two servers with stale hints cannot bounce it forever (then it times out).
    fn retry(&mut self, request: u64, node: NodeId, hops: u8) {
        if usize::from(hops) < 2 * self.settings.nodes {
            let at = self.world.now + self.world.net.settings.latency_min;
            self.world.push(
                at,
                Item::ClientRetry {
                    request,
                    node,
                    hops: hops + 1,
                },
            );
        }
    }

    /// The client resends to `node`: it remembers where its request now is.
    pub(super) fn kv_resent(&mut self, request: u64, node: NodeId) {
        if let Some(c) = self.waiting_client(request) {
            if let Some(p) = self.world.clients[c].pending.as_mut() {
                p.server = node;
            }
        }
    }

    /// A server answered a key-value request.
    pub(super) fn kv_reply(
        &mut self,
        from: NodeId,
        request: u64,
        reply: &Reply,
        hops: u8,
        lines: &mut Vec<String>,
    ) {
        let Some(c) = self.waiting_client(request) else {
            return;
        };
        let pending = self.world.clients[c].pending.expect("waits");
        let outcome = match reply {
            Reply::Redirect(to) => {
                let target = to.unwrap_or_else(|| self.next_server(from));
                self.world.clients[c].target = target;
                self.retry(request, target, hops);
                return;
            }
            Reply::Applied { index, result } if *index < self.world.clients[c].seen => {
                // ZooKeeper's "Single System Image": a client never sees an older view than
                // one it has seen, even on another server. A server behind it is turned down
                // (ZooKeeper refuses the session) and the client tries the next.
                let next = self.next_server(from);
                if self.narrating {
                    lines.push(format!(
                        "{from} has applied only {index} of the {} C{} has seen: C{} tries {next} \
                         ({result} is not taken)",
                        self.world.clients[c].seen,
                        c + 1,
                        c + 1
                    ));
                }
                self.world.clients[c].target = next;
                self.retry(request, next, hops);
                return;
            }
            Reply::Applied { index, result } => {
                self.world.acked += 1;
                self.world.clients[c].seen = *index;
                outcome_of(*result)
            }
            // Neither happens to a key-value request; both mean it did not take effect.
            Reply::Committed { .. } | Reply::Rejected(_) => Outcome::Fail,
        };
        if self.narrating {
            let kv = self
                .requests
                .get(request)
                .and_then(|r| r.op)
                .map_or(String::new(), |o| o.to_string());
            let said = match &outcome {
                Outcome::Ok(Value::Nil) if kv.starts_with("read") => "returns nil".to_string(),
                Outcome::Ok(Value::Nil) => "is done".to_string(),
                Outcome::Ok(v) => format!("returns {v}"),
                Outcome::Fail => "fails: the key held another value".to_string(),
                Outcome::Info => "is indeterminate".to_string(),
            };
            lines.push(format!("{from} answers C{}: {kv} {said}", c + 1));
        }
        self.complete(pending.op, outcome);
        self.world.clients[c].pending = None;
        if let Some(pause) = self.pause() {
            let at = self.world.now + pause;
            self.world.push(at, Item::KvInvoke { client: c as u8 });
        }
    }

    /// Writes the event's client operations into the history if the event is new; forgets
    /// them otherwise.
    pub(super) fn record_client_events(&mut self, index: u64, new_event: bool) {
        for e in std::mem::take(&mut self.client_events) {
            if !new_event {
                continue;
            }
            match e {
                ClientEvent::Invoke { op, client, kv, at } => {
                    let id = self.clients_history.invoke(
                        u64::from(client) + 1,
                        Some(&kv.key_name()),
                        call_of(kv),
                        at,
                    );
                    debug_assert_eq!(id, op, "operation ids follow the run");
                    self.op_events.push((index, None));
                }
                ClientEvent::Complete { op, at, outcome } => {
                    self.clients_history.complete(op, at, outcome);
                    if let Some(e) = self.op_events.get_mut(op) {
                        e.1 = Some(index);
                    }
                }
            }
        }
    }

    /// Forgets the client history after event `k`: the user changed the past.
    pub(super) fn truncate_clients(&mut self, k: u64) {
        let keep = self.op_events.partition_point(|&(invoked, _)| invoked <= k);
        self.op_events.truncate(keep);
        self.clients_history.ops.truncate(keep);
        for (e, op) in self.op_events.iter_mut().zip(&mut self.clients_history.ops) {
            if e.1.is_some_and(|done| done > k) {
                e.1 = None;
                op.completed = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_become_outcomes_a_refused_cas_a_failure() {
        assert_eq!(outcome_of(KvResult::Read(None)), Outcome::Ok(Value::Nil));
        assert_eq!(
            outcome_of(KvResult::Read(Some(3))),
            Outcome::Ok(Value::Int(3))
        );
        assert_eq!(outcome_of(KvResult::Written), Outcome::Ok(Value::Nil));
        assert_eq!(outcome_of(KvResult::Cas(true)), Outcome::Ok(Value::Nil));
        assert_eq!(outcome_of(KvResult::Cas(false)), Outcome::Fail);
        assert_eq!(
            call_of(KvOp::Cas {
                key: 0,
                old: 1,
                new: 2
            }),
            Call::Cas(Value::Int(1), Value::Int(2))
        );
    }
}
