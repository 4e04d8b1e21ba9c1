//! The History view's state: the history shown (the run's own key-value clients', growing as
//! the run goes, or one imported from a Jepsen file, checked and drawn without a cluster), and
//! its linearizability check, run a slice per animation frame so
//! the page stays responsive, shows progress and can cancel. The view itself is
//! [`lin::view::HistoryView`], built from the history and the check's report so far.

use crate::any::AnySim;
use crate::lin::view::{Annotation, HistoryView, NoteKind};
use crate::lin::{self, jepsen, Checker, History, Report, Verdict};
use crate::sim::history::MarkerKind;
use std::rc::Rc;

/// Steps of the check per animation frame: a few milliseconds in WebAssembly (a step costs
/// 0.1 to 0.6 µs natively), so the page keeps its frame rate while a hard history is checked.
pub const STEPS_PER_FRAME: u64 = 20_000;

/// Where the history shown comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A Jepsen history file, by its name: its moments are line numbers, not the run's.
    File(String),
    /// The run's own key-value clients (`workload=kv`), in virtual time.
    Run,
}

/// How far the check has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Running {
        steps: u64,
        budget: u64,
    },
    Done,
    /// The reader cancelled it after this many steps: undecided keys stay unknown.
    Cancelled {
        steps: u64,
    },
}

/// A history on the History view, and its check.
pub struct HistoryPanel {
    source: Source,
    history: Rc<History>,
    notes: Vec<Annotation>,
    /// The check while it runs.
    checker: Option<Checker<Rc<History>>>,
    report: Report,
    progress: Progress,
    /// Distinguishes this panel's histories from any other's, for whatever a page derives.
    serial: u64,
    /// The run's moment shown, for a run's history.
    now: Option<u64>,
    /// Said before a violation's sentence when the read path promises less than
    /// linearizability by design (Zab's local reads): the documented guarantee, not a bug.
    guarantee: &'static str,
}

impl HistoryPanel {
    /// A history to check within `budget` steps; the first slice runs at once, so a small
    /// history has its verdict before the first frame.
    fn new(source: Source, history: History, notes: Vec<Annotation>, serial: u64) -> Self {
        let history = Rc::new(history);
        let checker = Checker::new(Rc::clone(&history), lin::DEFAULT_BUDGET);
        let mut panel = HistoryPanel {
            source,
            history,
            notes,
            report: checker.report(),
            checker: Some(checker),
            progress: Progress::Done,
            serial,
            now: None,
            guarantee: "",
        };
        panel.slice();
        panel
    }

    /// Reads a Jepsen history file named `name`: a malformed one is refused with its line.
    pub fn import(name: &str, text: &str, serial: u64) -> Result<Self, String> {
        let history = jepsen::parse(text).map_err(|e| format!("{name}, {e}"))?;
        if history.ops.is_empty() {
            return Err(format!("{name} holds no client operation"));
        }
        Ok(HistoryPanel::new(
            Source::File(name.to_string()),
            history,
            Vec::new(),
            serial,
        ))
    }

    /// The run's clients' history as far as the run has gone, with what happened to the
    /// servers meanwhile, at the moment the run shows.
    pub fn run(sim: &AnySim, serial: u64) -> Self {
        let history = sim.client_history().clone();
        let mut panel = HistoryPanel::new(Source::Run, history, annotations(sim), serial);
        panel.now = Some(sim.now());
        panel.guarantee = crate::check::guarantee(sim.settings());
        panel
    }

    /// The run's moment shown moved (the history did not change).
    pub fn set_now(&mut self, now: u64) {
        if self.source == Source::Run {
            self.now = Some(now);
        }
    }

    /// Runs one slice of the check, if it still runs.
    pub fn slice(&mut self) {
        let Some(c) = &mut self.checker else { return };
        let done = c.run(STEPS_PER_FRAME);
        self.report = c.report();
        self.progress = if done {
            self.checker = None;
            Progress::Done
        } else {
            Progress::Running {
                steps: c.steps(),
                budget: self.report.budget,
            }
        };
    }

    /// Stops the check where it is.
    pub fn cancel(&mut self) {
        if let Some(c) = self.checker.take() {
            self.progress = Progress::Cancelled { steps: c.steps() };
        }
    }

    pub fn checking(&self) -> bool {
        self.checker.is_some()
    }
    pub fn source(&self) -> &Source {
        &self.source
    }
    pub fn history(&self) -> &History {
        &self.history
    }
    pub fn report(&self) -> &Report {
        &self.report
    }
    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// What identifies what the view shows: the panel, the check's steps so far, the moment.
    pub fn key(&self) -> (u64, u64, Progress, Option<u64>) {
        (self.serial, self.report.steps, self.progress, self.now)
    }

    /// What the History view draws now.
    pub fn view(&self) -> HistoryView {
        HistoryView::new(&self.history, &self.report, &self.notes, self.now)
    }

    /// The headline the page shows above the view: the verdict, or the check's progress.
    pub fn status(&self) -> String {
        match self.progress {
            Progress::Done => match self.report.verdict {
                Verdict::NotLinearizable => {
                    (self.report.headline()).replacen(": ", &format!(": {}", self.guarantee), 1)
                }
                _ => self.report.headline(),
            },
            Progress::Running { steps, budget } => format!(
                "checking: {steps} of at most {budget} steps so far ({:.1}%)",
                steps as f64 * 100.0 / budget.max(1) as f64
            ),
            Progress::Cancelled { steps } => {
                format!("unknown: the check was cancelled after {steps} steps, before an answer")
            }
        }
    }

    /// What the view's title says of the history's origin.
    pub fn title(&self) -> String {
        let h = &self.history;
        let what = format!(
            "{} operations by {} client{}",
            h.ops.len(),
            h.processes(),
            if h.processes() == 1 { "" } else { "s" }
        );
        match &self.source {
            Source::File(name) => format!("{name}: {what} (imported; moments are line numbers)"),
            Source::Run => format!("this run's key-value clients: {what} so far"),
        }
    }
}

/// What happened to the servers, for the History view's annotation lane: faults, repairs,
/// leader changes and violations (commits are the clients' own story, told by the bars).
pub fn annotations(sim: &AnySim) -> Vec<Annotation> {
    (sim.history().markers.iter())
        .filter_map(|m| {
            let (kind, text) = match &m.kind {
                MarkerKind::Leader { node, term } => {
                    (NoteKind::Leader, format!("{node} leads ({term})"))
                }
                MarkerKind::Fault { text } => (NoteKind::Fault, text.clone()),
                MarkerKind::Violation { invariant } => (NoteKind::Violation, invariant.clone()),
                MarkerKind::Commit { .. } => return None,
            };
            Some(Annotation {
                at: m.time,
                kind,
                text,
            })
        })
        .collect()
}

/// What the run's history is, for telling when it changed: the run's generation, the
/// operations invoked and those completed.
pub(super) fn signature(gen: u64, h: &History) -> (u64, usize, usize) {
    let done = h.ops.iter().filter(|o| o.completed.is_some()).count();
    (gen, h.ops.len(), done)
}
