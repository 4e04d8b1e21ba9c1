//! A session as a front end runs it: opening a link at the moment it names, and the user's
//! commands that need a decision before they become an [`Action`] (which timer "fire the
//! timeout" means, where a client request goes, what a partition editor's groups say). The app
//! only draws and forwards; this logic lives here so the command-line tool and native tests
//! can use it too.

use crate::any::AnySim;
use crate::node::{NodeId, Time};
use crate::share::decode_link;
use crate::sim::history::{Action, MessageSpan};
use crate::sim::settings::{parse_time, Settings};
use crate::sim::view::Snapshot;

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
    let at = d.view.iter().find(|(k, _)| k == "t").map(|(_, v)| v);
    let last = sim.history().actions.last().map(|a| a.time);
    match at.map(|t| parse_time(t)) {
        Some(Ok(t)) => sim.seek_time(t),
        Some(Err(e)) => notices.push(format!("ignored t: {e}")),
        None => {}
    }
    // Replay at least every recorded action, so none is silently left out of the run.
    if let Some(last) = last.filter(|&l| l > sim.now()) {
        sim.run_until(last);
    }
    notices.extend(sim.skipped());
    Opened {
        sim,
        view: d.view,
        notices,
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

/// Every message in the air at some point of `t0..=now`: those that ended from the history,
/// plus those still in flight in `snap` (taken at `now`).
pub fn arrows(sim: &AnySim, snap: &Snapshot, t0: Time) -> Vec<Arrow> {
    let now = snap.now;
    let kinds = sim.message_kinds();
    let name = |k: u8| kinds.get(usize::from(k)).copied().unwrap_or("?");
    let mut out: Vec<Arrow> = sim
        .history()
        .messages_between(t0, now)
        .into_iter()
        .filter(|m| m.end > t0 && m.sent <= now)
        .map(|span| Arrow {
            kind: name(span.kind),
            span,
            flying: false,
        })
        .collect();
    out.extend(
        snap.messages
            .iter()
            .filter(|m| m.lost.is_none_or(|(_, t)| t > now))
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
            }),
    );
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
    fn a_link_with_actions_opens_at_the_last_one_unless_t_is_later() {
        let o = open_link("p=raft&seed=3&a=1.400000.c2");
        assert_eq!(o.sim.now(), 400 * MS);
        assert_eq!(o.sim.history().actions.len(), 1);
        let later = open_link("p=raft&seed=3&a=1.400000.c2&t=2s");
        assert_eq!(later.sim.now(), 2000 * MS);
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
        let all = arrows(&sim, &snap, 0);
        assert!(all.iter().any(|a| !a.flying), "messages that arrived");
        assert!(all.iter().all(|a| a.span.sent <= snap.now));
        let flying = all.iter().filter(|a| a.flying).count();
        let live = snap.messages.iter().filter(|m| m.lost.is_none()).count();
        assert_eq!(flying, live);
        assert!(all.iter().all(|a| sim.message_kinds().contains(&a.kind)));
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
