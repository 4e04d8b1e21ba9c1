//! The timeline: the recorded history seen as a place to move in. Checkpoints of the whole
//! world every few thousand events make seeking cheap (restore the nearest earlier one, replay
//! from there); markers flag leader changes, commits, faults and violations; the event log keeps
//! the last narrated events.

use super::history::{EventKind, Marker, MarkerKind};
use super::{push_tight, Simulation, StepReport};
use crate::catalog::Model;
use crate::node::{NodeId, Time};

/// Events between checkpoints: a seek replays at most this many.
pub const CHECKPOINT_EVERY: u64 = 4096;
/// Narrated lines kept for the event log.
pub const LOG_LINES: usize = 400;
/// A narrated event, for the app's event log.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LogLine {
    pub index: u64,
    pub time: Time,
    pub node: Option<NodeId>,
    /// "message", "timer", "request", "loss", "action"
    pub category: &'static str,
    pub headline: String,
    pub lines: Vec<String>,
    pub violation: bool,
}
impl<P: Model> Simulation<P> {
    /// The furthest point this run has reached.
    pub fn horizon(&self) -> (u64, Time) {
        let k = self.history.events.len() as u64;
        (k, self.history.events.last().map_or(0, |e| e.time))
    }

    /// Bookkeeping after a node's handler ran: progress markers for the timeline.
    pub(super) fn after_handler(&mut self, id: NodeId) {
        let i = id.idx();
        let before = self.world.progress[i];
        let after = self.progress_of(i);
        self.world.progress[i] = after;
        let new_event = self.world.events + 1 > self.history.events.len() as u64;
        if !new_event {
            return;
        }
        let (event, time) = (self.world.events + 1, self.world.now);
        // A marker per commit: the list grows as long as the logs, so without doubling.
        let mut mark = |kind| push_tight(&mut self.history.markers, Marker { event, time, kind });
        if after.leader && (!before.leader || before.term != after.term) {
            mark(MarkerKind::Leader {
                node: id,
                term: after.term,
            });
        }
        if after.committed > self.world.committed_max {
            self.world.committed_max = after.committed;
            mark(MarkerKind::Commit {
                committed: after.committed,
            });
        }
    }

    /// Moves to the state right after event `k` (0 = the start), backwards or forwards.
    pub fn seek_event(&mut self, k: u64) {
        let far = k < self.world.events || k - self.world.events > CHECKPOINT_EVERY;
        if far {
            self.restore_before(k);
        }
        self.replay_to(k);
    }

    /// Restores the last checkpoint early enough that replaying to event `k` also refills the
    /// event log.
    fn restore_before(&mut self, k: u64) {
        let want = k.saturating_sub(LOG_LINES as u64);
        let i = self.checkpoints.partition_point(|(e, _)| *e <= want);
        self.world = self.checkpoints[i.saturating_sub(1)].1.clone();
        self.log.clear();
    }

    /// Replays recorded events up to event `k`.
    fn replay_to(&mut self, k: u64) {
        let narrating = self.narrating;
        while self.world.events < k {
            // Only the events the log will show need sentences.
            self.narrating = narrating && k - self.world.events <= LOG_LINES as u64;
            if self.step().is_none() {
                break;
            }
        }
        self.narrating = narrating;
    }

    /// Moves to virtual time `t`: every event at or before `t` has happened. Beyond the
    /// furthest point reached, the run goes on.
    pub fn seek_time(&mut self, t: Time) {
        let (horizon, horizon_t) = self.horizon();
        if t >= horizon_t {
            if self.world.events < horizon {
                self.seek_event(horizon);
            }
            self.run_on(t);
        } else {
            self.seek_event(self.history.events_until(t));
            self.world.now = self.world.now.max(t);
        }
    }

    /// Runs on from the horizon to `t`. Only the events the log will show need sentences, and
    /// writing them costs more than running the event: the first events are narrated as they
    /// run, as many as the log holds; past those, a long stretch (opening a link to the end of
    /// an hour) runs silently, then its last events are replayed, narrated, from the
    /// checkpoint before them.
    fn run_on(&mut self, t: Time) {
        let (start, narrating) = (self.world.events, self.narrating);
        let short = start + LOG_LINES as u64;
        while self.world.events < short && self.next_event_time().is_some_and(|nt| nt <= t) {
            self.step();
        }
        self.narrating = false;
        self.run_until(t);
        self.narrating = narrating;
        let k = self.world.events;
        if narrating && k > short {
            let now = self.world.now;
            self.restore_before(k);
            self.replay_to(k);
            self.world.now = now;
        }
    }

    /// Checkpoints the world if the last one is far enough behind.
    pub(super) fn maybe_checkpoint(&mut self, index: u64) {
        // A checkpoint costs about as much as what is in flight; spacing them by at least
        // eight events per message keeps memory linear even when a run floods the network.
        let last = self.checkpoints.last().map_or(0, |c| c.0);
        let every =
            CHECKPOINT_EVERY.max(8 * (self.world.inflight.len() + self.world.queue.len()) as u64);
        if index >= last + every {
            self.checkpoints.push((index, self.world.clone()));
        }
    }

    /// Forgets every checkpoint but the start's and says how many there were: `lab bench`
    /// weighs them so. Seeking still works, replaying from the start.
    pub fn drop_checkpoints(&mut self) -> usize {
        let n = self.checkpoints.len();
        self.checkpoints.truncate(1);
        self.checkpoints.shrink_to_fit();
        n
    }

    /// Adds a narrated event to the log, forgetting the oldest beyond [`LOG_LINES`].
    pub(super) fn log_event(&mut self, r: &StepReport, changed: &[NodeId], is_action: bool) {
        let (record, violations) = (&r.record, &r.violations);
        let node = record.node().or_else(|| changed.first().copied());
        let category = if is_action {
            "action"
        } else {
            match record.kind() {
                EventKind::Deliver { .. } => "message",
                EventKind::Loss { .. } => "loss",
                EventKind::Timer { .. } => "timer",
                EventKind::Request { .. } => "request",
                EventKind::Action { .. } => "action",
            }
        };
        let mut all = r.lines.clone();
        all.extend(
            violations
                .iter()
                .map(|v| format!("VIOLATION of {}: {}", v.invariant, v.explanation)),
        );
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(LogLine {
            index: r.index,
            time: record.time,
            node,
            category,
            headline: r.headline.clone(),
            lines: all,
            violation: !violations.is_empty(),
        });
    }

    /// One event back.
    pub fn step_back(&mut self) {
        if self.world.events > 0 {
            self.seek_event(self.world.events - 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ProtocolKind, Settings};
    use crate::node::{NodeId, SECOND};
    use crate::protocols::raft::Raft;

    fn sim() -> Simulation<Raft> {
        Simulation::new(Settings::for_protocol(ProtocolKind::Raft))
    }

    #[test]
    fn events_report_who_wrote_storage_and_replays_report_the_same() {
        let persisted = |s: &mut Simulation<Raft>| -> Vec<Vec<NodeId>> {
            (0..300)
                .map(|_| s.step().expect("runs").persisted)
                .collect()
        };
        let mut s = sim();
        let first = persisted(&mut s);
        // The first election: the candidate persists its term and own vote, each voter its vote.
        assert!(first.iter().filter(|p| !p.is_empty()).count() >= 3);
        s.seek_event(0);
        assert_eq!(persisted(&mut s), first);
    }

    #[test]
    fn seeking_back_and_forth_lands_on_the_same_state() {
        let mut s = sim();
        s.run_until(20 * SECOND);
        let (k, hash, log) = (
            s.events(),
            s.trace_hash(),
            s.log().cloned().collect::<Vec<_>>(),
        );
        assert!(k > CHECKPOINT_EVERY, "the run spans several checkpoints");
        s.seek_event(10);
        assert_eq!(s.events(), 10);
        s.seek_event(k);
        assert_eq!((s.events(), s.trace_hash()), (k, hash));
        assert_eq!(
            s.log().cloned().collect::<Vec<_>>(),
            log,
            "the log is refilled"
        );
        s.step_back();
        assert_eq!(s.events(), k - 1);
    }

    #[test]
    fn the_log_keeps_the_newest_events() {
        let mut s = sim();
        s.run_until(3 * SECOND);
        let log: Vec<_> = s.log().collect();
        assert_eq!(log.len(), LOG_LINES);
        assert_eq!(log.last().unwrap().index, s.events());
        assert!(log.windows(2).all(|w| w[1].index == w[0].index + 1));
    }

    #[test]
    fn seeking_by_time_replays_history_and_beyond_it_runs_on() {
        let mut s = sim();
        s.run_until(2 * SECOND);
        let (k, t) = s.horizon();
        s.seek_time(SECOND);
        assert!(s.events() < k && s.now() == SECOND);
        assert!(s
            .history()
            .events
            .range(0..s.events() as usize)
            .all(|e| e.time <= SECOND));
        s.seek_time(3 * SECOND);
        assert!(s.horizon().1 > t && s.now() == 3 * SECOND);
    }

    #[test]
    fn running_on_ends_with_the_log_a_narrated_run_writes() {
        // Opening a link: a stretch shorter than the log (whose every line must be written, a
        // link to t=1s once showed an empty log), one just longer, and one long enough to run
        // past a checkpoint silently before the log is refilled.
        for (t, at_least, at_most) in [
            (SECOND, 1, LOG_LINES as u64),
            (2 * SECOND, LOG_LINES as u64 + 1, CHECKPOINT_EVERY),
            (20 * SECOND, CHECKPOINT_EVERY + LOG_LINES as u64, u64::MAX),
        ] {
            // Every event narrated, as playing does.
            let mut narrated = sim();
            narrated.run_until(t);
            let mut opened = sim();
            opened.seek_time(t);
            let k = opened.events();
            assert!((at_least..=at_most).contains(&k), "{k} events by {t}");
            assert_eq!(
                (k, opened.now(), opened.trace_hash()),
                (narrated.events(), narrated.now(), narrated.trace_hash())
            );
            assert_eq!(
                opened.log().collect::<Vec<_>>(),
                narrated.log().collect::<Vec<_>>(),
                "the log at {t}"
            );
            assert_eq!(opened.log().count() as u64, k.min(LOG_LINES as u64));
            assert_eq!(opened.history().markers, narrated.history().markers);
            assert!(opened.violations().eq(narrated.violations()));
        }
    }

    /// Requests live beside the world: a request made in a changed past takes the id one of the
    /// forgotten future had, with its own contents, as in a run that never had that future.
    #[test]
    fn a_request_made_in_a_changed_past_is_the_one_remembered() {
        use crate::sim::history::Action;
        let settings = Settings {
            request_every: Some(100 * crate::node::MS),
            ..Settings::for_protocol(ProtocolKind::Raft)
        };
        let mut s = Simulation::<Raft>::new(settings.clone());
        s.run_until(5 * SECOND);
        s.seek_time(2 * SECOND);
        // A follower redirects it, and the client resends it as the list holds it.
        let follower = NodeId::all(5)
            .find(|&id| !s.progress(id).leader)
            .expect("followers");
        s.apply(Action::Request {
            node: follower,
            delta: 1000,
        })
        .unwrap();
        s.run_until(5 * SECOND);
        let mut fresh = Simulation::<Raft>::replay(settings, s.history().actions.clone());
        fresh.run_until(5 * SECOND);
        let values = |s: &Simulation<Raft>| -> Vec<Option<i64>> {
            NodeId::all(5)
                .map(|id| s.node(id).map(|n| n.value))
                .collect()
        };
        assert!(values(&s).iter().flatten().any(|&v| v >= 1000));
        assert_eq!(values(&s), values(&fresh));
        assert_eq!(s.trace_hash(), fresh.trace_hash());
    }

    #[test]
    fn markers_are_recorded_once_however_often_a_moment_is_revisited() {
        let mut s = sim();
        s.run_until(2 * SECOND);
        let markers = s.history().markers.clone();
        assert!(markers
            .iter()
            .any(|m| matches!(m.kind, MarkerKind::Leader { .. })));
        s.seek_event(0);
        s.seek_time(2 * SECOND);
        assert_eq!(s.history().markers, markers);
    }
}
