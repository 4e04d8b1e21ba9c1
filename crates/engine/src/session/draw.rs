//! What the page draws that needs a decision: which leaders are stale, and the space-time
//! diagram's arrows and crashes.

use crate::any::AnySim;
use crate::node::{NodeId, Time};
use crate::sim::history::{Action, MessageSpan};
use crate::sim::view::Snapshot;

/// Nodes that still think they lead although some node has a higher term (or ballot): a
/// partitioned old leader, say. Drawn apart so nobody mistakes two leaders for a broken
/// Election Safety.
pub fn stale_leaders(snap: &Snapshot) -> Vec<NodeId> {
    let top = snap.nodes.iter().map(|v| v.summary.term).max().unwrap_or(0);
    snap.nodes
        .iter()
        .filter(|v| v.up && v.summary.class == "leader" && v.summary.term < top)
        .map(|v| v.id)
        .collect()
}

/// One message's life for the space-time diagram, ended or still in flight at `now`.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    pub span: MessageSpan,
    /// The message kind's name.
    pub kind: &'static str,
    /// Still travelling at the moment shown: `span.end` is when it is due.
    pub flying: bool,
}

/// Every message in the air at some point of `t0..=t1` (`t1` no later than the moment shown):
/// those that ended, from the history, plus those still in flight in `snap`. A message that
/// ends after the moment shown (the run was stepped back) is listed once, as flying.
pub fn arrows(sim: &AnySim, snap: &Snapshot, t0: Time, t1: Time) -> Vec<Arrow> {
    let now = snap.now;
    let t1 = t1.min(now);
    let kinds = sim.message_kinds();
    let name = |k: u8| kinds.get(usize::from(k)).copied().unwrap_or("?");
    let flying: Vec<Arrow> = snap
        .messages
        .iter()
        .filter(|m| m.sent <= t1 && m.lost.is_none_or(|(_, t)| t > now))
        .map(|m| Arrow {
            span: MessageSpan {
                id: m.id,
                from: m.from,
                to: m.to,
                kind: kinds.iter().position(|k| *k == m.kind).unwrap_or(0) as u8,
                sent: m.sent,
                end: m.arrives,
                lost: m.lost.map(|(r, _)| r),
            },
            kind: m.kind,
            flying: true,
        })
        .collect();
    let in_air: std::collections::BTreeSet<u64> = flying.iter().map(|a| a.span.id).collect();
    let mut out: Vec<Arrow> = sim
        .history()
        .messages_between(t0, t1)
        .into_iter()
        .filter(|m| m.end > t0 && m.sent <= t1 && !in_air.contains(&m.id))
        .map(|span| Arrow {
            kind: name(span.kind),
            span,
            flying: false,
        })
        .collect();
    out.extend(flying);
    out
}

/// A crash or restart the user caused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    pub time: Time,
    pub node: NodeId,
    /// A restart; a crash otherwise.
    pub restart: bool,
}

/// Crashes and restarts in `t0..=t1`, for the diagram.
pub fn crashes(sim: &AnySim, t0: Time, t1: Time) -> Vec<Lifecycle> {
    sim.history()
        .actions
        .iter()
        .filter(|a| a.time >= t0 && a.time <= t1)
        .filter_map(|a| {
            let (node, restart) = match a.action {
                Action::Crash { node } => (node, false),
                Action::Restart { node } => (node, true),
                _ => return None,
            };
            Some(Lifecycle {
                time: a.time,
                node,
                restart,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Settings;
    use crate::node::MS;
    use crate::session::open_link;

    #[test]
    fn a_partitioned_old_leader_is_stale() {
        let mut sim = AnySim::new(Settings::default()).unwrap();
        sim.run_until(2000 * MS);
        let old = sim.leader().expect("a leader");
        assert!(stale_leaders(&sim.snapshot()).is_empty());
        sim.apply(Action::Isolate { node: old }).unwrap();
        sim.run_until(5000 * MS);
        let snap = sim.snapshot();
        let new = sim.leader().expect("a new leader");
        assert_ne!(new, old);
        assert_eq!(stale_leaders(&snap), vec![old]);
    }

    #[test]
    fn arrows_cover_ended_and_flying_messages() {
        let mut sim = AnySim::new(Settings::default()).unwrap();
        sim.run_until(2000 * MS);
        let snap = sim.snapshot();
        let all = arrows(&sim, &snap, 0, snap.now);
        assert!(all.iter().any(|a| !a.flying), "messages that arrived");
        assert!(all.iter().all(|a| a.span.sent <= snap.now));
        let flying = all.iter().filter(|a| a.flying).count();
        let live = snap.messages.iter().filter(|m| m.lost.is_none()).count();
        assert_eq!(flying, live);
        assert!(all.iter().all(|a| sim.message_kinds().contains(&a.kind)));
        let early = arrows(&sim, &snap, 0, 500 * MS);
        assert!(early.len() < all.len() && early.iter().all(|a| a.span.sent <= 500 * MS));
        // Stepped back: messages in flight now are listed once, even though they ended later.
        sim.seek_time(1500 * MS);
        let back = sim.snapshot();
        let again = arrows(&sim, &back, 0, back.now);
        let mut ids: Vec<u64> = again.iter().map(|a| a.span.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), again.len());
    }

    #[test]
    fn crashes_and_restarts_in_a_window() {
        let o = open_link("p=raft&seed=3&a=1.400000.c2~9.900000.r2&t=1s");
        assert_eq!(
            crashes(&o.sim, 0, 1000 * MS),
            vec![
                Lifecycle {
                    time: 400 * MS,
                    node: NodeId(2),
                    restart: false
                },
                Lifecycle {
                    time: 900 * MS,
                    node: NodeId(2),
                    restart: true
                }
            ]
        );
        assert_eq!(crashes(&o.sim, 500 * MS, 1000 * MS).len(), 1);
    }
}
