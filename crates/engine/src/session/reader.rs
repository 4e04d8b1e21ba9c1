//! The tour reader, one for the protocol page and the ring page alike: the story as played,
//! the chapter the reader is on, and whether they are still on the script. A tour told in
//! simulations plays in runs (one per `# settings:` section); the one on screen belongs to the
//! caller, the others wait here, parked.

use crate::any::AnySim;
use crate::node::NodeId;
use crate::sim::history::Action;
use crate::time::fmt_time;
use crate::tour::{self, Chapter, Moment, Played, Runs, Story, Tour};
use lab_ring::script::RingView;

/// Where the reader is with respect to the story.
#[derive(Clone, Debug, PartialEq)]
pub enum TourStage {
    /// At (or stepping within) the chapter's moment.
    Story,
    /// A "try it yourself" chapter waits for the reader's action.
    Task,
    /// The reader did it (or asked to be shown): what happened.
    Done(String),
    /// The reader left the script; why, in words.
    Off(String),
}

pub struct Reader {
    tour: Tour,
    /// Each chapter's moments and checks, as the story plays them.
    played: Vec<Played>,
    /// The tour's runs by index, but for the one on screen.
    parked: Vec<Option<Runs>>,
    /// Which run is on screen, once one is.
    shown: Option<usize>,
    chapter: usize,
    stage: TourStage,
    /// The run on screen no longer tells the story (the reader changed it): the story is
    /// played again before going to a chapter.
    dirty: bool,
}

impl Reader {
    /// Plays `tour` and opens it at chapter `ch` as links write it (from 1). What goes wrong
    /// is a notice; a chapter that does not exist opens the first.
    pub fn open(tour: Tour, ch: Option<&str>, notices: &mut Vec<String>) -> Option<Reader> {
        let story = match tour::play(&tour) {
            Ok(s) => s,
            Err(e) => {
                notices.push(format!("the tour '{}' could not start: {e}", tour.id));
                return None;
            }
        };
        Reader::at(tour, story, ch, notices)
    }

    /// [`Reader::open`] for a tour told on the ring page: it plays no simulation, so the ring
    /// page's own WebAssembly links none.
    pub fn open_ring(tour: Tour, ch: Option<&str>, notices: &mut Vec<String>) -> Option<Reader> {
        match tour::play_ring_tour(&tour) {
            Some(story) => Reader::at(tour, story, ch, notices),
            None => {
                notices.push(format!(
                    "the tour '{}' is told in the lab, not on the ring page",
                    tour.id
                ));
                None
            }
        }
    }

    /// The reader of a played story, at chapter `ch`.
    fn at(tour: Tour, story: Story, ch: Option<&str>, notices: &mut Vec<String>) -> Option<Reader> {
        let id = &tour.id;
        let count = tour.chapters.len();
        if count == 0 {
            notices.push(format!("the tour '{id}' has no chapters"));
            return None;
        }
        let chapter = match ch.map(str::parse::<usize>) {
            None => 0,
            Some(Ok(n)) if (1..=count).contains(&n) => n - 1,
            Some(_) => {
                notices.push(format!(
                    "ignored ch={}: the tour '{id}' has chapters 1 to {count}",
                    ch.unwrap_or_default()
                ));
                0
            }
        };
        notices.extend(
            story
                .prologue_failures
                .iter()
                .map(|f| format!("this tour's opening failed a check: {f}")),
        );
        Some(Reader {
            tour,
            played: story.chapters,
            parked: story.runs.into_iter().map(Some).collect(),
            shown: None,
            chapter,
            stage: TourStage::Story,
            dirty: false,
        })
    }

    pub fn tour(&self) -> &Tour {
        &self.tour
    }

    /// The chapter shown, from 0.
    pub fn index(&self) -> usize {
        self.chapter
    }

    pub fn chapter(&self) -> Option<&Chapter> {
        self.tour.chapters.get(self.chapter)
    }

    pub fn stage(&self) -> &TourStage {
        &self.stage
    }

    /// Each chapter as the story played it.
    pub fn played(&self) -> &[Played] {
        &self.played
    }

    /// Every check of the chapter shown held when the story was played.
    pub fn checks_pass(&self) -> bool {
        (self.played.get(self.chapter)).is_some_and(|p| p.failures.is_empty())
    }

    /// The nodes the chapter points at on `sim` (`leader` may differ between two runs).
    pub fn highlight(&self, sim: &AnySim) -> Vec<NodeId> {
        self.chapter().map_or_else(Vec::new, |c| {
            c.highlight.iter().filter_map(|t| t.resolve(sim)).collect()
        })
    }

    /// The link to the chapter shown (a query string), unless the reader left the script.
    pub fn link(&self, embed: bool) -> Option<String> {
        if matches!(self.stage, TourStage::Off(_)) {
            return None;
        }
        let page = if self.tour.ring.is_some() {
            "protocol=ring&"
        } else {
            ""
        };
        let embed = if embed { "&embed=1" } else { "" };
        Some(format!(
            "{page}tour={}&ch={}{embed}",
            self.tour.id,
            self.chapter + 1
        ))
    }

    /// The reader's task in words, on a "try it yourself" chapter.
    pub fn task_text(&self) -> Option<String> {
        self.chapter()?.task_text()
    }

    /// The moment the story pauses at now, while the reader is on the script.
    pub fn stop(&self) -> Option<Moment> {
        let p = self.played.get(self.chapter)?;
        match self.stage {
            TourStage::Task => p.task.as_ref().map(|(m, _)| *m),
            TourStage::Story | TourStage::Done(_) => Some(p.moment),
            TourStage::Off(_) => None,
        }
    }

    /// A "try it yourself" chapter waiting at its moment (the run on screen is at `events`):
    /// the moment and the action it asks for.
    pub fn task(&self, events: u64) -> Option<(Moment, Action)> {
        let (m, want) = self.played.get(self.chapter)?.task.clone()?;
        (self.stage == TourStage::Task && events == m.event).then_some((m, want))
    }

    /// The reader did the task: the run plays on to the chapter's pause.
    pub fn task_done(&mut self, action: &Action) {
        let text = self.task_text().unwrap_or_default();
        self.stage = TourStage::Done(format!(
            "It worked: {text} ({action}). The run plays on to the chapter's pause."
        ));
    }

    /// The reader changed the run: the story waits, and is played again before a chapter.
    pub fn leave(&mut self, why: String) {
        self.stage = TourStage::Off(why);
        self.dirty = true;
    }

    /// The reader pressed play with the run at `events`: at the story's pause, that leaves
    /// the script to explore on.
    pub fn play_on(&mut self, events: u64) {
        if self.stop().is_some_and(|m| events >= m.event) {
            let why = if self.stage == TourStage::Task {
                "You played on without doing the task."
            } else {
                "You played past the chapter's pause."
            };
            self.leave(why.into());
        }
    }

    /// Leaves the script when the run (at `events`) went past the moment the story pauses at.
    pub fn went_to(&mut self, events: u64) {
        if self.stop().is_some_and(|m| events > m.event) {
            let why = if self.stage == TourStage::Task {
                "The run went on without the task; the story waits at its moment."
            } else {
                "The run went past this chapter's pause."
            };
            self.stage = TourStage::Off(why.into());
        }
    }

    /// Goes to chapter `k` of a tour told in simulations, putting its run on `screen`: at its
    /// pause, or for a task at the moment the task waits at. Returns whether other runs came
    /// on screen.
    pub fn go_to(&mut self, k: usize, screen: &mut Runs) -> bool {
        let restored = self.restore();
        let (Some(ch), Some(p)) = (self.tour.chapters.get(k), self.played.get(k)) else {
            return restored;
        };
        let (at, stage) = match (&ch.task, &p.task) {
            (Some(_), Some((m, _))) => (*m, TourStage::Task),
            _ => (p.moment, TourStage::Story),
        };
        self.chapter = k;
        self.place(screen, at, stage) || restored
    }

    /// "Show me": the story's own run at the chapter's pause, its task done by the script.
    pub fn show_task(&mut self, screen: &mut Runs) -> bool {
        let restored = self.restore();
        let Some(p) = self.played.get(self.chapter) else {
            return restored;
        };
        let said = match &p.task {
            Some((m, a)) => format!(
                "Shown: the story did '{a}' at {}. Step back (←) or drag the timeline to watch it happen.",
                fmt_time(m.time)
            ),
            None => "This chapter has no task.".into(),
        };
        let at = p.moment;
        self.place(screen, at, TourStage::Done(said)) || restored
    }

    /// Puts the chapter's run on screen at `at`, with the reader at `stage`.
    fn place(&mut self, screen: &mut Runs, at: Moment, stage: TourStage) -> bool {
        let run = self.chapter().map_or(0, |c| c.run);
        let swapped = self.show_run(run, screen);
        self.stage = stage;
        tour::seek(&mut screen.left, at);
        swapped
    }

    /// Plays the story again when the reader changed the run, so every chapter's moment is
    /// the story's again.
    fn restore(&mut self) -> bool {
        if !self.dirty {
            return false;
        }
        let Ok(story) = tour::play(&self.tour) else {
            return false;
        };
        self.played = story.chapters;
        self.parked = story.runs.into_iter().map(Some).collect();
        // The run on screen was changed: it is dropped when the fresh one replaces it.
        self.shown = None;
        self.dirty = false;
        true
    }

    /// Puts run `run` on screen, parking the one shown.
    fn show_run(&mut self, run: usize, screen: &mut Runs) -> bool {
        if self.shown == Some(run) {
            return false;
        }
        let Some(next) = self.parked.get_mut(run).and_then(Option::take) else {
            return false;
        };
        let off = std::mem::replace(screen, next);
        if let Some(slot) = self.shown.and_then(|s| self.parked.get_mut(s)) {
            *slot = Some(off);
        }
        self.shown = Some(run);
        true
    }

    /// Goes to chapter `k` of a tour told on the ring page: the ring it pauses at.
    pub fn ring_at(&mut self, k: usize) -> Option<RingView> {
        let view = self.played.get(k)?.ring.clone()?;
        self.chapter = k;
        self.stage = TourStage::Story;
        Some(view)
    }
}
