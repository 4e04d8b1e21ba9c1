//! A session as a front end runs it: opening a link at the moment it names, and the user's
//! commands that need a decision before they become an [`Action`] (which timer "fire the
//! timeout" means, where a client request goes, what a partition editor's groups say). The app
//! only draws and forwards; this logic lives here so the command-line tool and native tests
//! can use it too.

use crate::any::AnySim;
use crate::catalog::Settings;
use crate::node::{NodeId, Time, MS};
use crate::share::decode_link;
use crate::sim::history::{Action, MessageSpan};
use crate::sim::view::Snapshot;
use crate::time::{fmt_time, parse_time};

/// A simulation opened from a link, with the view parameters the front end interprets and
/// what could not be used.
#[derive(Debug)]
pub struct Opened {
    pub sim: AnySim,
    /// `embed`, `autoplay`, `speed`, `view`, ... as written in the link.
    pub view: Vec<(String, String)>,
    /// Warnings for the user: ignored parts of the link, actions that could not be replayed.
    pub notices: Vec<String>,
}

impl Opened {
    /// The value of a view parameter, if the link has it.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.view
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A yes/no view parameter: present and not `0`.
    pub fn flag(&self, key: &str) -> bool {
        self.param(key).is_some_and(|v| v != "0")
    }
}

/// Decodes a link's query string and builds its simulation, positioned where the sender was:
/// at `t=` when given, else at the last recorded action. Never fails: bad settings fall back
/// to Raft's defaults and every problem becomes a notice.
pub fn open_link(query: &str) -> Opened {
    let d = decode_link(query);
    let mut notices = d.warnings;
    let mut sim = match AnySim::replay(d.settings, d.actions) {
        Ok(sim) => sim,
        Err(e) => {
            notices.push(format!("{e}; showing Raft instead"));
            AnySim::new(Settings::default()).expect("default settings are valid")
        }
    };
    let param = |key: &str| d.view.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    // Replay every recorded action first, so none is left out of the run (or of the next
    // link copied from it); then go back to the moment the link names.
    if let Some(last) = sim.history().actions.last().map(|a| a.time) {
        sim.run_until(last);
    }
    match param("t").map(|t| parse_time(t)) {
        Some(Ok(t)) => sim.seek_time(t),
        Some(Err(e)) => notices.push(format!("ignored t: {e}")),
        None => {}
    }
    match param("ev").map(|e| e.parse::<u64>()) {
        Some(Ok(e)) => sim.seek_event(e),
        Some(Err(_)) => notices.push("ignored ev: not an event number".into()),
        None => {}
    }
    notices.extend(sim.skipped());
    Opened {
        sim,
        view: d.view,
        notices,
    }
}

/// The link that reopens this run at this very moment (`t=` and `ev=`), plus the front end's
/// own view keys (`view`, `sel`, `embed`, ...).
pub fn link_here(sim: &AnySim, view: &[(&str, String)]) -> String {
    let mut keys: Vec<(&str, String)> = Vec::new();
    if sim.now() > 0 {
        keys.push(("t", fmt_time(sim.now())));
    }
    if sim.events() > 0 {
        keys.push(("ev", sim.events().to_string()));
    }
    keys.extend(view.iter().cloned());
    let borrowed: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sim.link(&borrowed)
}

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

/// The partition groups in effect, as a partition editor numbers them (0, 1, 2): the groups
/// of a partition made from a draft come back as drafted; after Heal every node is in group 0.
pub fn current_groups(snap: &Snapshot) -> Vec<u8> {
    // A partition numbers its groups from 1 and leaves unnamed nodes in 0.
    let base = snap.nodes.iter().map(|v| v.group).min().unwrap_or(0);
    snap.nodes.iter().map(|v| (v.group - base).min(2)).collect()
}

/// How long one message flight lasts on screen at the smart speed, in real milliseconds.
pub const FLIGHT_ON_SCREEN_MS: f64 = 1000.0;
/// The smart speed's pace while nothing is in flight: virtual time per real time.
pub const IDLE_RATE: f64 = 2.0;

/// The smart speed: how far virtual time moves in `real_ms` of real time. While messages fly,
/// the shortest flight takes [`FLIGHT_ON_SCREEN_MS`] on screen, so every label can be read
/// and clicked; while nothing flies, time runs at [`IDLE_RATE`] up to the next event, so
/// election timeouts do not take seconds of shrinking rings.
pub fn smart_advance(snap: &Snapshot, next_event: Option<Time>, real_ms: f64) -> Time {
    let now = snap.now;
    let shortest = snap
        .messages
        .iter()
        .filter(|m| m.lost.is_none_or(|(_, t)| t > now) && m.arrives > now)
        .map(|m| m.arrives.saturating_sub(m.sent).max(1))
        .min();
    match shortest {
        Some(flight) => ((real_ms / FLIGHT_ON_SCREEN_MS) * flight as f64).max(1.0) as Time,
        None => {
            let idle = (real_ms * IDLE_RATE * MS as f64) as Time;
            // Stop at the next event: it may send messages that must be seen slowly.
            next_event.map_or(idle, |t| idle.min(t.saturating_sub(now).max(1)))
        }
    }
}

/// "Fire the timeout" of `node`: its pending timer that fires next.
pub fn fire_timeout(snap: &Snapshot, node: NodeId) -> Result<Action, String> {
    snap.timers
        .iter()
        .filter(|t| t.node == node)
        .min_by_key(|t| t.fires_at)
        .map(|t| Action::FireTimer { timer: t.id })
        .ok_or_else(|| format!("{node} has no pending timer"))
}

/// A client request to the current leader, or to the protocol's usual target when none leads.
pub fn request_to_leader(sim: &AnySim) -> Action {
    let node = sim.leader().unwrap_or_else(|| sim.protocol_target());
    Action::Request { node, delta: 1 }
}

/// A partition from an editor's draft: `draft[i]` is node i+1's group number. Empty groups are
/// left out; fewer than two groups is not a partition.
pub fn partition(draft: &[u8]) -> Result<Action, String> {
    let mut numbers: Vec<u8> = draft.to_vec();
    numbers.sort_unstable();
    numbers.dedup();
    let groups: Vec<Vec<NodeId>> = numbers
        .iter()
        .map(|&g| {
            draft
                .iter()
                .enumerate()
                .filter(|(_, &x)| x == g)
                .map(|(i, _)| NodeId::from_idx(i))
                .collect()
        })
        .collect();
    if groups.len() < 2 {
        return Err("Put the nodes in at least two groups to partition.".into());
    }
    Ok(Action::Partition { groups })
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
    use crate::node::MS;

    #[test]
    fn a_link_opens_at_its_moment_and_keeps_view_parameters() {
        let o = open_link("p=raft&seed=3&t=1.5s&embed=1&autoplay=0");
        assert_eq!(o.sim.now(), 1500 * MS);
        assert!(o.flag("embed"));
        assert!(!o.flag("autoplay"));
        assert!(!o.flag("speed"));
        assert_eq!(o.param("t"), Some("1.5s"));
        assert!(o.notices.is_empty(), "{:?}", o.notices);
    }

    #[test]
    fn a_link_with_actions_keeps_them_all_and_opens_at_t() {
        let o = open_link("p=raft&seed=3&a=1.400000.c2");
        assert_eq!(o.sim.now(), 400 * MS);
        assert_eq!(o.sim.history().actions.len(), 1);
        let later = open_link("p=raft&seed=3&a=1.400000.c2&t=2s");
        assert_eq!(later.sim.now(), 2000 * MS);
        let earlier = open_link("p=raft&seed=3&a=1.400000.c2&t=100ms");
        assert_eq!(earlier.sim.now(), 100 * MS);
        assert_eq!(earlier.sim.history().actions.len(), 1, "the crash is kept");
    }

    #[test]
    fn a_link_copied_here_reopens_at_the_same_event_with_view_keys() {
        let mut sim = open_link("p=raft&seed=5&a=1.300000.c2").sim;
        sim.run_until(700 * MS);
        // A few events in: a moment that `t=` alone might not pin down when events share it.
        for _ in 0..3 {
            sim.step();
        }
        let q = link_here(&sim, &[("view", "spacetime".into()), ("sel", "n3".into())]);
        let o = open_link(&q);
        assert!(o.notices.is_empty(), "{:?}", o.notices);
        assert_eq!((o.sim.now(), o.sim.events()), (sim.now(), sim.events()));
        assert_eq!(o.sim.trace_hash(), sim.trace_hash());
        assert_eq!(o.param("view"), Some("spacetime"));
        assert_eq!(o.param("sel"), Some("n3"));
        assert_eq!(o.sim.history().actions, sim.history().actions);
        let fresh = AnySim::new(Settings::default()).unwrap();
        assert!(!link_here(&fresh, &[]).contains("t="), "no moment at 0");
    }

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
    fn current_groups_follow_partitions_and_heal() {
        let mut sim = AnySim::new(Settings::default()).unwrap();
        assert_eq!(current_groups(&sim.snapshot()), vec![0; 5]);
        sim.apply(partition(&[0, 0, 1, 1, 1]).unwrap()).unwrap();
        assert_eq!(current_groups(&sim.snapshot()), vec![0, 0, 1, 1, 1]);
        sim.apply(partition(&[1, 1, 0, 0, 2]).unwrap()).unwrap();
        assert_eq!(current_groups(&sim.snapshot()), vec![1, 1, 0, 0, 2]);
        sim.apply(Action::Heal).unwrap();
        assert_eq!(current_groups(&sim.snapshot()), vec![0; 5]);
    }

    #[test]
    fn smart_speed_slows_for_flights_and_skips_idle_time() {
        let mut sim = AnySim::new(Settings::default()).unwrap();
        // Before the first election nothing flies: idle time runs fast, up to the next event.
        let snap = sim.snapshot();
        let next = sim.next_event_time();
        let idle = smart_advance(&snap, next, 16.0);
        assert_eq!(idle, (32 * MS).min(next.unwrap()));
        // During an election a flight of 10-15 ms lasts about a second.
        while sim.snapshot().messages.is_empty() {
            sim.step();
        }
        let snap = sim.snapshot();
        let flight = snap
            .messages
            .iter()
            .map(|m| m.arrives - m.sent)
            .min()
            .unwrap();
        let per_second = smart_advance(&snap, sim.next_event_time(), 1000.0);
        assert_eq!(per_second, flight);
        assert!(smart_advance(&snap, None, 0.0) >= 1, "time always moves");
    }

    #[test]
    fn a_bad_link_falls_back_with_notices() {
        let o = open_link("p=nonsense&n=99&t=soon");
        assert_eq!(o.sim.settings().protocol, crate::ProtocolKind::Raft);
        assert!(
            o.notices.iter().any(|n| n.contains("ignored t")),
            "{:?}",
            o.notices
        );
        assert!(o.notices.len() >= 2, "{:?}", o.notices);
    }

    #[test]
    fn the_timeout_fired_is_the_nodes_next_timer() {
        let o = open_link("p=raft&seed=1");
        let snap = o.sim.snapshot();
        let node = NodeId(2);
        let next = snap
            .timers
            .iter()
            .filter(|t| t.node == node)
            .min_by_key(|t| t.fires_at)
            .unwrap();
        assert_eq!(
            fire_timeout(&snap, node),
            Ok(Action::FireTimer { timer: next.id })
        );
        assert!(fire_timeout(&snap, NodeId(9)).is_err());
    }

    #[test]
    fn requests_go_to_the_leader_once_there_is_one() {
        let mut sim = AnySim::new(Settings::default()).unwrap();
        sim.run_until(3000 * MS);
        let leader = sim.leader().expect("a leader after 3 s");
        assert_eq!(
            request_to_leader(&sim),
            Action::Request {
                node: leader,
                delta: 1
            }
        );
    }

    #[test]
    fn a_draft_becomes_groups_in_group_order() {
        assert_eq!(
            partition(&[1, 0, 1, 2, 0]),
            Ok(Action::Partition {
                groups: vec![
                    vec![NodeId(2), NodeId(5)],
                    vec![NodeId(1), NodeId(3)],
                    vec![NodeId(4)]
                ]
            })
        );
        assert!(partition(&[0, 0, 0]).is_err());
        assert!(partition(&[]).is_err());
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
