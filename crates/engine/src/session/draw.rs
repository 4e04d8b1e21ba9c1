//! What the page draws that needs a decision: which leaders are stale, and the space-time
//! diagram's arrows and crashes.

use crate::any::AnySim;
use crate::node::{NodeId, Time};
use crate::sim::history::{Action, MessageSpan, MsgId};
use crate::sim::view::Snapshot;
use std::collections::BTreeSet;

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

/// At most about this many arrows are drawn; beyond, the diagram thins them out.
pub const MAX_ARROWS: usize = 3000;

/// The space-time diagram's arrows for a window. A busy window keeps only the messages whose
/// id is a multiple of `every`, a power of two: the same messages stay drawn from frame to
/// frame, and a run grown to twice as many keeps every other one of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Arrows {
    pub list: Vec<Arrow>,
    pub every: u64,
}

/// The smallest power of two that thins `count` messages to at most [`MAX_ARROWS`].
fn stride_for(count: usize) -> u64 {
    let mut every = 1;
    while count as u64 / every > MAX_ARROWS as u64 {
        every *= 2;
    }
    every
}

/// The messages still in flight in `snap` sent by `t1`, among those `keep` accepts.
fn flying(sim: &AnySim, snap: &Snapshot, t1: Time, keep: impl Fn(MsgId) -> bool) -> Vec<Arrow> {
    let now = snap.now;
    let kinds = sim.message_kinds();
    snap.messages
        .iter()
        .filter(|m| m.sent <= t1 && m.lost.is_none_or(|(_, t)| t > now) && keep(m.id))
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
        .collect()
}

fn ended(sim: &AnySim, span: MessageSpan) -> Arrow {
    let kinds = sim.message_kinds();
    Arrow {
        kind: kinds.get(usize::from(span.kind)).copied().unwrap_or("?"),
        span,
        flying: false,
    }
}

/// Every message in the air at some point of `t0..=t1` (`t1` no later than the moment shown),
/// thinned to about [`MAX_ARROWS`] (message `keep`, the selected one, always stays): those that
/// ended, from the history, plus those still in flight in `snap`. A message that ends after
/// the moment shown (the run was stepped back) is listed once, as flying.
pub fn arrows(sim: &AnySim, snap: &Snapshot, t0: Time, t1: Time, keep: Option<MsgId>) -> Arrows {
    let t1 = t1.min(snap.now);
    let h = sim.history();
    let events = h.ending_between(t0, t1);
    let in_window = |m: &MessageSpan| m.end > t0 && m.sent <= t1;
    // Counted before anything is built: a whole minute of a busy run is a million messages.
    let count = h
        .events
        .range(events.clone())
        .filter_map(|e| h.ended(&e))
        .filter(in_window)
        .count();
    let every = stride_for(count + snap.messages.len());
    let kept = |id: MsgId| id % every == 0 || Some(id) == keep;
    let flying = flying(sim, snap, t1, kept);
    let in_air: BTreeSet<MsgId> = flying.iter().map(|a| a.span.id).collect();
    let mut list: Vec<Arrow> = h
        .events
        .range(events)
        .filter_map(|e| h.ended(&e))
        .filter(|m| in_window(m) && kept(m.id) && !in_air.contains(&m.id))
        .map(|m| ended(sim, m))
        .collect();
    list.extend(flying);
    Arrows { list, every }
}

/// The arrows of the whole run up to the moment shown, kept from frame to frame: playing on
/// scans only the events added since the last frame, and a seek back only cuts the list (or,
/// when that leaves it sparse, rebuilds it once with a finer stride). Without it, the view of
/// an hour-long run rescanned a million events on every frame.
#[derive(Debug, Default)]
pub struct WholeRun {
    /// The run the list belongs to (the session's generation).
    run: Option<u64>,
    /// Events scanned: the list holds the kept messages that ended among them.
    upto: u64,
    every: u64,
    ended: Vec<(u64, MessageSpan)>,
}

impl WholeRun {
    /// Arrows for `0..=now` of run `run` (which must change whenever the run's past changes),
    /// like [`arrows`] over the whole run.
    pub fn arrows(
        &mut self,
        run: u64,
        sim: &AnySim,
        snap: &Snapshot,
        keep: Option<MsgId>,
    ) -> Arrows {
        let h = sim.history();
        let k = sim.events().min(h.events.len() as u64);
        if self.run != Some(run) || self.upto > h.events.len() as u64 {
            self.rebuild(run, sim, k);
        } else if k < self.upto {
            self.ended
                .truncate(self.ended.partition_point(|(i, _)| *i < k));
            self.upto = k;
            // Hysteresis: a step back at the threshold must not rebuild on every frame.
            if self.every > 1 && self.ended.len() < MAX_ARROWS / 4 {
                self.rebuild(run, sim, k);
            }
        } else {
            self.scan(sim, k);
        }
        let every = self.every;
        let kept = |id: MsgId| id % every == 0 || Some(id) == keep;
        let mut list: Vec<Arrow> = self.ended.iter().map(|&(_, m)| ended(sim, m)).collect();
        let shown = |id: MsgId| list.iter().any(|a| a.span.id == id);
        let lost_keep = keep
            .filter(|&id| id % every != 0 && !shown(id))
            .and_then(|id| h.message(id, k));
        list.extend(lost_keep.map(|m| ended(sim, m)));
        list.extend(flying(sim, snap, snap.now, kept));
        Arrows { list, every }
    }

    /// Starts over at event `k` with the stride its messages need.
    fn rebuild(&mut self, run: u64, sim: &AnySim, k: u64) {
        let h = sim.history();
        let count = h
            .events
            .range(0..k as usize)
            .filter(|e| h.ended(e).is_some())
            .count();
        *self = WholeRun {
            run: Some(run),
            upto: 0,
            every: stride_for(count),
            ended: Vec::new(),
        };
        self.scan(sim, k);
    }

    /// Adds the kept messages that ended in events `upto..k`, thinning further when the list
    /// outgrows [`MAX_ARROWS`].
    fn scan(&mut self, sim: &AnySim, k: u64) {
        let h = sim.history();
        for (i, e) in h.events.range(self.upto as usize..k as usize).enumerate() {
            match h.ended(&e) {
                Some(m) if m.id % self.every == 0 => self.ended.push((self.upto + i as u64, m)),
                _ => {}
            }
        }
        self.upto = k;
        while self.ended.len() > MAX_ARROWS {
            self.every *= 2;
            let every = self.every;
            self.ended.retain(|(_, m)| m.id % every == 0);
        }
    }
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
    use std::collections::BTreeMap;

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
        let all = arrows(&sim, &snap, 0, snap.now, None);
        assert_eq!(all.every, 1, "a short run is drawn whole");
        let all = all.list;
        assert!(all.iter().any(|a| !a.flying), "messages that arrived");
        assert!(all.iter().all(|a| a.span.sent <= snap.now));
        let flying = all.iter().filter(|a| a.flying).count();
        let live = snap.messages.iter().filter(|m| m.lost.is_none()).count();
        assert_eq!(flying, live);
        assert!(all.iter().all(|a| sim.message_kinds().contains(&a.kind)));
        let early = arrows(&sim, &snap, 0, 500 * MS, None).list;
        assert!(early.len() < all.len() && early.iter().all(|a| a.span.sent <= 500 * MS));
        // Stepped back: messages in flight now are listed once, even though they ended later.
        sim.seek_time(1500 * MS);
        let back = sim.snapshot();
        let again = arrows(&sim, &back, 0, back.now, None).list;
        let mut ids: Vec<u64> = again.iter().map(|a| a.span.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), again.len());
    }

    /// Heartbeats every 5 ms: about 1,600 messages per virtual second.
    fn busy() -> AnySim {
        let s = Settings {
            heartbeat: 5 * MS,
            ..Settings::default()
        };
        AnySim::new(s).unwrap()
    }

    /// Every message of `0..=now` unthinned, by id: those that ended, then those in flight.
    fn every_message(sim: &AnySim) -> BTreeMap<MsgId, Arrow> {
        let (h, snap) = (sim.history(), sim.snapshot());
        let ended = h
            .events
            .range(0..sim.events() as usize)
            .filter_map(|e| h.ended(&e))
            .map(|m| ended(sim, m));
        ended
            .chain(flying(sim, &snap, snap.now, |_| true))
            .map(|a| (a.span.id, a))
            .collect()
    }

    /// `got` holds exactly the messages of `0..=now` whose id is a multiple of its stride, plus
    /// `keep`, each once and as it really was.
    fn thinned_from_every_message(sim: &AnySim, got: &Arrows, keep: Option<MsgId>) {
        let all = every_message(sim);
        let want: Vec<&Arrow> = all
            .values()
            .filter(|a| a.span.id % got.every == 0 || Some(a.span.id) == keep)
            .collect();
        let mut have: Vec<&Arrow> = got.list.iter().collect();
        have.sort_by_key(|a| a.span.id);
        assert_eq!(
            have,
            want,
            "at {} events, every {}",
            sim.events(),
            got.every
        );
        let flying = sim.snapshot().messages.len();
        assert!(
            got.list.len() <= MAX_ARROWS + flying + 1,
            "{}",
            got.list.len()
        );
    }

    #[test]
    fn a_busy_window_keeps_every_nth_message_and_the_selected_one() {
        let mut sim = busy();
        sim.run_until(5000 * MS);
        let snap = sim.snapshot();
        let thin = arrows(&sim, &snap, 0, snap.now, None);
        assert!(thin.every > 1, "{} arrows", thin.list.len());
        thinned_from_every_message(&sim, &thin, None);
        // The selected message stays, though its id is not a multiple of the stride.
        let odd = thin.every * 100 + 1;
        let kept = arrows(&sim, &snap, 0, snap.now, Some(odd));
        thinned_from_every_message(&sim, &kept, Some(odd));
        // A narrow window needs no thinning.
        let narrow = arrows(&sim, &snap, 4900 * MS, snap.now, None);
        assert_eq!(narrow.every, 1);
        assert!(narrow
            .list
            .iter()
            .all(|a| a.span.end > 4900 * MS && a.span.sent <= snap.now));
    }

    #[test]
    fn the_whole_run_is_kept_from_frame_to_frame_and_across_seeks() {
        let mut sim = busy();
        let mut whole = WholeRun::default();
        // Playing: each frame scans only what is new, and thins further as the run grows.
        let mut strides = Vec::new();
        for s in 1..=8 {
            sim.run_until(s * 1000 * MS);
            let got = whole.arrows(1, &sim, &sim.snapshot(), None);
            thinned_from_every_message(&sim, &got, None);
            strides.push(got.every);
        }
        assert!(strides.windows(2).all(|w| w[0] <= w[1]) && strides[7] > 1);
        // Seeks back (a cut, then a rebuild with a finer stride) and forth, a selection.
        for (t, keep) in [(7000, None), (600, None), (8000, Some(5)), (3000, Some(7))] {
            sim.seek_time(t * MS);
            let got = whole.arrows(1, &sim, &sim.snapshot(), keep);
            thinned_from_every_message(&sim, &got, keep);
        }
        let early = whole.arrows(1, &sim, &sim.snapshot(), None).every;
        sim.seek_time(300 * MS);
        assert!(whole.arrows(1, &sim, &sim.snapshot(), None).every < early.max(2));
        // Another run (a new generation) starts over.
        let mut other = AnySim::new(Settings::default()).unwrap();
        other.run_until(1000 * MS);
        let got = whole.arrows(2, &other, &other.snapshot(), None);
        thinned_from_every_message(&other, &got, None);
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
