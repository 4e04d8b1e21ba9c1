//! The app's one stateful component: it owns the simulation, runs the frame loop and turns the
//! user's input into engine commands. Components get engine data as props and report back
//! through typed callbacks; none of them knows this module.

use crate::components::cluster::Cluster;
use crate::components::controls::{Faults, Help, Transport};
use crate::components::event_log::EventLog;
use crate::components::explore::{ExplorePanel, SearchView};
use crate::components::inspector::{Inspected, Inspector};
use crate::components::invariants::Invariants;
use crate::components::legend::Legend;
use crate::components::log_grid::LogGrid;
use crate::components::settings::SettingsBar;
use crate::components::spacetime::{self, SpaceTime, Window};
use crate::components::tour::{tour_groups, TourGroups, TourPanel, ToursMenu};
use crate::ui_state::{LogFilter, Memo, Selection, Shared, Speed, SPEEDS};
use consensus_lab::search::{Input, Job, Output, Searcher};
use gloo::events::{EventListener, EventListenerOptions};
use gloo::render::{request_animation_frame, AnimationFrame};
use gloo::worker::{Spawnable, WorkerBridge};
use lab_engine::any::AnySim;
use lab_engine::explore::ExploreOptions;
use lab_engine::node::StateTable;
use lab_engine::session::{self, Arrow, Lifecycle, TourStage};
use lab_engine::sim::history::{Action, Marker, ViolationRecord};
use lab_engine::sim::view::Snapshot;
use lab_engine::sim::LogLine;
use lab_engine::time::fmt_time;
use lab_engine::tour::{self, Moment, Played, Runs, Tour};
use lab_engine::{NodeId, Settings, Time};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use yew::prelude::*;

pub enum Msg {
    Frame(f64),
    TogglePlay,
    Step,
    StepBack,
    Speed(Speed),
    Seek(Time),
    SeekEvent(u64),
    Act(Action),
    /// Acts on the selected node, or reports that none is selected.
    NodeAct(fn(NodeId) -> Action),
    FireTimeout(NodeId),
    RequestToLeader,
    Select(Selection),
    Configure(Box<Settings>),
    Reset,
    ToggleManual,
    Help(bool),
    Key(KeyboardEvent),
    Filter(LogFilter),
    PartitionDraft(NodeId, u8),
    ApplyPartition,
    CopyLink,
    Dismiss,
    /// Show the cluster (false) or the space-time diagram (true).
    SpaceTime(bool),
    /// Scroll or zoom the space-time diagram.
    StWindow(Window),
    ExportTrace,
    ExportSvg,
    ImportTrace(web_sys::File),
    Imported(Result<Box<AnySim>, String>),
    /// The browser went Back or Forward to another configuration.
    PopState,
    OpenTour(String),
    TourNext,
    TourPrev,
    /// Do a "try it yourself" chapter's task for the reader.
    TourShow,
    /// Back to the start of the chapter after leaving the script.
    TourBack,
    TourClose,
    /// Leave for the consistent-hashing page.
    OpenRing,
    /// Find a bug: start exploring or hunting in the worker, cancel, hear from it.
    Explore(ExploreOptions),
    Hunt(u64, u64),
    CancelSearch,
    Searched(Output),
    ShowFound,
}

/// Callbacks made once: a component's props compare equal only if its callbacks are the
/// same ones, so new closures every frame would redraw every panel.
struct Callbacks {
    select: Callback<Selection>,
    act: Callback<Action>,
    timeout: Callback<NodeId>,
    play: Callback<()>,
    step: Callback<()>,
    step_back: Callback<()>,
    speed: Callback<Speed>,
    seek: Callback<Time>,
    seek_event: Callback<u64>,
    filter: Callback<LogFilter>,
    configure: Callback<Settings>,
    reset: Callback<()>,
    copy_link: Callback<()>,
    draft: Callback<(NodeId, u8)>,
    partition: Callback<()>,
    request_leader: Callback<()>,
    manual: Callback<()>,
    close_help: Callback<()>,
    deselect: Callback<()>,
    st_window: Callback<Window>,
    open_tour: Callback<String>,
    tour_prev: Callback<()>,
    tour_next: Callback<()>,
    tour_show: Callback<()>,
    tour_back: Callback<()>,
    tour_close: Callback<()>,
    ring: Callback<()>,
    explore: Callback<ExploreOptions>,
    hunt: Callback<(u64, u64)>,
    cancel_search: Callback<()>,
    show_found: Callback<()>,
}

impl Callbacks {
    fn new(link: &html::Scope<App>) -> Self {
        Callbacks {
            select: link.callback(Msg::Select),
            act: link.callback(Msg::Act),
            timeout: link.callback(Msg::FireTimeout),
            play: link.callback(|_| Msg::TogglePlay),
            step: link.callback(|_| Msg::Step),
            step_back: link.callback(|_| Msg::StepBack),
            speed: link.callback(Msg::Speed),
            seek: link.callback(Msg::Seek),
            seek_event: link.callback(Msg::SeekEvent),
            filter: link.callback(Msg::Filter),
            configure: link.callback(|s| Msg::Configure(Box::new(s))),
            reset: link.callback(|_| Msg::Reset),
            copy_link: link.callback(|_| Msg::CopyLink),
            draft: link.callback(|(n, g)| Msg::PartitionDraft(n, g)),
            partition: link.callback(|_| Msg::ApplyPartition),
            request_leader: link.callback(|_| Msg::RequestToLeader),
            manual: link.callback(|_| Msg::ToggleManual),
            close_help: link.callback(|_| Msg::Help(false)),
            deselect: link.callback(|_| Msg::Select(Selection::None)),
            st_window: link.callback(Msg::StWindow),
            open_tour: link.callback(Msg::OpenTour),
            tour_prev: link.callback(|_| Msg::TourPrev),
            tour_next: link.callback(|_| Msg::TourNext),
            tour_show: link.callback(|_| Msg::TourShow),
            tour_back: link.callback(|_| Msg::TourBack),
            tour_close: link.callback(|_| Msg::TourClose),
            ring: link.callback(|_| Msg::OpenRing),
            explore: link.callback(Msg::Explore),
            hunt: link.callback(|(a, b)| Msg::Hunt(a, b)),
            cancel_search: link.callback(|_| Msg::CancelSearch),
            show_found: link.callback(|_| Msg::ShowFound),
        }
    }
}

/// The engine data handed to components, rebuilt only when what it depends on changed.
/// `gen` changes whenever the run itself changes (new settings, an action, an import); within
/// one generation the data at a moment depends only on the event count and the time.
#[derive(Default)]
struct Memos {
    snap: Memo<(u64, u64, Time), Snapshot>,
    /// The state table moves only with events, not with the clock.
    table: Memo<(u64, u64), StateTable>,
    log: Memo<(u64, u64), Vec<LogLine>>,
    violations: Memo<(u64, u64), Vec<ViolationRecord>>,
    markers: Memo<(u64, usize), Vec<Marker>>,
    inspected: Memo<(u64, u64, Selection), Inspected>,
    arrows: Memo<(u64, u64, Time, Window), Vec<Arrow>>,
    crashes: Memo<(u64, Time, Window), Vec<Lifecycle>>,
    right_snap: Memo<(u64, u64, Time), Snapshot>,
    right_violations: Memo<(u64, u64), Vec<ViolationRecord>>,
    /// Where the two runs of a comparison first differ (see [`Divergence`]).
    divergence: Divergence,
}

/// The first moment two compared runs differ. Finding it replays both runs from the start, so
/// it is kept: once found it holds until an action changes the runs; not yet found, it is
/// looked for again only when the runs have gone well beyond where it was last looked for.
#[derive(Default)]
struct Divergence {
    gen: Option<u64>,
    checked: u64,
    found: Option<(u64, Time)>,
}

/// Events the runs must grow by before a divergence not found is looked for again.
const DIVERGENCE_RECHECK: u64 = 2048;

impl Divergence {
    fn get(&mut self, gen: u64, left: &AnySim, right: &AnySim) -> Option<(u64, Time)> {
        let reached = left.horizon().0.min(right.horizon().0);
        let stale = self.gen != Some(gen)
            || (self.found.is_none() && reached >= self.checked + DIVERGENCE_RECHECK);
        if stale {
            *self = Divergence {
                gen: Some(gen),
                checked: reached,
                found: lab_engine::script::divergence(left, right),
            };
        }
        self.found
    }
}

/// A tour being read: its story as played, where the reader is, and the runs not on screen.
struct Reading {
    tour: Tour,
    /// Each chapter's moments and checks; a task done by hand replaces the later ones.
    played: Vec<Played>,
    /// The tour's runs (one per `# settings:` section), by index; the one on screen is `None`
    /// here and lives in `App::sim` and `App::right`.
    parked: Vec<Option<Runs>>,
    run: usize,
    chapter: usize,
    stage: TourStage,
    /// The run on screen no longer tells the story (the reader changed it): it is played
    /// again before going to a chapter.
    dirty: bool,
}

impl Reading {
    /// The moment the story pauses at now, while the reader is on the script.
    fn stop(&self) -> Option<Moment> {
        let p = self.played.get(self.chapter)?;
        match self.stage {
            TourStage::Task => p.task.as_ref().map(|(m, _)| *m),
            TourStage::Story | TourStage::Done(_) => Some(p.moment),
            TourStage::Off(_) => None,
        }
    }
}

pub struct App {
    sim: AnySim,
    /// Bumped whenever the run changes other than by moving in time (see [`Memos`]).
    gen: u64,
    settings: Settings,
    playing: bool,
    speed: Speed,
    last_frame: Option<f64>,
    frame: Option<AnimationFrame>,
    selected: Selection,
    manual: bool,
    help: bool,
    embed: bool,
    notices: Vec<String>,
    filter: LogFilter,
    /// The partition editor's groups: 0 = A, 1 = B, 2 = C.
    draft: Vec<u8>,
    violations_seen: usize,
    spacetime: bool,
    st_window: Window,
    /// Presenter mode (`big=1`): large text, side panels hidden.
    big: bool,
    /// `controls=0`: the embed shows the cluster only.
    controls: bool,
    /// `loop=`: restart from 0 at this virtual time, or when nothing is left to happen.
    loop_at: Option<Time>,
    /// The last link copied, shown for browsers that block the clipboard.
    shared: Option<String>,
    /// The compare run (`cmp=` in a link, or a tour's `# compare:`): the same seed and
    /// actions with one setting changed. It follows `sim` by time; every action goes to both.
    right: Option<AnySim>,
    /// The setting words the compare run changes (`bug=raft-commit-old-term`).
    compare: Option<String>,
    reading: Option<Reading>,
    /// The bug search's worker, while a search runs.
    searcher: Option<WorkerBridge<Searcher>>,
    search: SearchView,
    /// The counterexample the last search found, as a link's query string.
    found: Option<String>,
    /// The tours menu, built once.
    tour_groups: Shared<TourGroups>,
    cb: Callbacks,
    memos: RefCell<Memos>,
    _keys: EventListener,
    _history: EventListener,
}

/// `loop=1` restarts after this much virtual time if the run has not ended before.
const LOOP_DEFAULT: Time = 30 * lab_engine::SECOND;

/// What the cluster view's badges say: the active buggy variants and options.
fn badges(s: &Settings) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = s
        .bugs
        .iter()
        .map(|b| (format!("bug: {}", b.slug()), b.why().to_string()))
        .collect();
    out.extend(
        s.protocol
            .entry()
            .options
            .iter()
            .filter(|o| o.get(s))
            .map(|o| (o.slug().replace('-', " "), o.describe().to_string())),
    );
    out
}

/// Offers `body` as a file download (a Blob behind a temporary link).
fn download(name: &str, body: &str, mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(body));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        .map_err(|_| "the browser refused to build the file".to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser refused to offer the file".to_string())?;
    let a: web_sys::HtmlAnchorElement = gloo::utils::document()
        .create_element("a")
        .map_err(|_| "no document".to_string())?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

fn query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

impl App {
    fn schedule(&mut self, ctx: &Context<Self>) {
        if self.frame.is_none() {
            let link = ctx.link().clone();
            self.frame = Some(request_animation_frame(move |ts| {
                link.send_message(Msg::Frame(ts))
            }));
        }
    }

    fn rebuild(&mut self, settings: Settings) {
        match AnySim::new(settings.clone()) {
            Ok(sim) => {
                self.push_history(&sim);
                self.gen += 1;
                self.draft = vec![0; settings.nodes];
                self.sim = sim;
                self.settings = settings;
                self.selected = Selection::None;
                self.violations_seen = 0;
                self.filter = LogFilter::default();
                // New settings end a tour and its comparison; a comparison from a link goes on
                // if it still makes sense.
                let touring = self.reading.take().is_some();
                self.right = None;
                if let Some(words) = self.compare.take().filter(|_| !touring) {
                    self.start_compare(&words);
                }
            }
            Err(e) => self.notices.push(e),
        }
    }

    /// Starts comparing the run on screen with one that differs in `words`.
    fn start_compare(&mut self, words: &str) {
        match tour::follow(&self.sim, words) {
            Ok((right, skipped)) => {
                self.right = Some(right);
                self.compare = Some(words.to_string());
                self.notices.extend(skipped);
            }
            Err(e) => self
                .notices
                .push(format!("ignored cmp={}: {e}", tour::compare_link(words))),
        }
    }

    /// The compare run catches up with (or goes back to) the time on screen.
    fn follow_right(&mut self) {
        if let Some(r) = &mut self.right {
            r.seek_time(self.sim.now());
        }
    }

    fn violation_count(&self) -> usize {
        self.sim.violations().len() + self.right.as_ref().map_or(0, |r| r.violations().len())
    }

    fn act(&mut self, action: Action) {
        // A "try it yourself" chapter waiting at its moment: is this what it asks for?
        let task = self.reading.as_ref().and_then(|r| {
            let (m, want) = r.played.get(r.chapter)?.task.clone()?;
            (r.stage == TourStage::Task && self.sim.events() == m.event).then_some((m, want))
        });
        // The reader did what the story does next: the story's own recorded action is exactly
        // theirs (at the story's very time, which a pause between events cannot reach), so the
        // run steps into it and keeps the story's moments.
        let recorded = task.as_ref().is_some_and(|(m, want)| {
            *want == action
                && (self.sim.history().actions.iter())
                    .any(|a| a.event == m.event && a.action == action)
        });
        if recorded {
            self.sim.step();
            self.follow_right();
            self.watch_violations();
            self.sync_draft();
            self.story_goes_on(&action);
            return;
        }
        self.gen += 1;
        match self.sim.apply(action.clone()) {
            Ok(r) => {
                if !r.violations.is_empty() {
                    self.playing = false;
                }
            }
            Err(e) => {
                self.notices.push(e);
                return;
            }
        }
        if let Some(right) = &mut self.right {
            if let Err(e) = right.apply(action.clone()) {
                self.notices
                    .push(format!("the compare run could not take it: {e}"));
            }
        }
        self.watch_violations();
        self.sync_draft();
        match task {
            Some((_, want)) => {
                let asked = self.task_text().unwrap_or_default();
                self.leave_script(format!(
                    "You did '{action}'; this chapter asks you to {asked} ('{want}'). \
                     \"Show me\" does it for you."
                ));
            }
            None => {
                self.leave_script("You changed the run; the story waits where you left it.".into())
            }
        }
    }

    fn task_text(&self) -> Option<String> {
        let r = self.reading.as_ref()?;
        r.tour.chapters.get(r.chapter)?.task_text()
    }

    /// Says that the task worked, and plays on to the chapter's pause.
    fn story_goes_on(&mut self, action: &Action) {
        let text = self.task_text().unwrap_or_default();
        if let Some(r) = self.reading.as_mut() {
            r.stage = TourStage::Done(format!(
                "It worked: {text} ({action}). The run plays on to the chapter's pause."
            ));
        }
        self.playing = true;
    }

    /// The reader left the story (acted, or played past its pause).
    fn leave_script(&mut self, why: String) {
        if let Some(r) = self.reading.as_mut() {
            r.stage = TourStage::Off(why);
            r.dirty = true;
        }
    }

    /// Leaves the script when the run went past the moment the story pauses at.
    fn check_script(&mut self) {
        let past = self
            .reading
            .as_ref()
            .and_then(Reading::stop)
            .is_some_and(|m| self.sim.events() > m.event);
        if past {
            if let Some(r) = self.reading.as_mut() {
                let why = if r.stage == TourStage::Task {
                    "The run went on without the task; the story waits at its moment."
                } else {
                    "The run went past this chapter's pause."
                };
                r.stage = TourStage::Off(why.into());
            }
        }
    }

    /// Opens a tour at chapter `ch` (1-based, as the panel numbers chapters).
    fn open_tour(&mut self, id: &str, ch: Option<&str>) {
        let t = match tour::find(id) {
            Ok(t) if t.ring.is_some() => {
                // Told on the consistent-hashing page: that is the other app, so load it.
                let embed = if self.embed { "&embed=1" } else { "" };
                let ch = ch.map(|c| format!("&ch={c}")).unwrap_or_default();
                if let Some(w) = web_sys::window() {
                    let _ = w
                        .location()
                        .set_search(&format!("protocol=ring&tour={id}{ch}{embed}"));
                }
                return;
            }
            Ok(t) => t,
            Err(e) => {
                self.notices.push(e);
                return;
            }
        };
        let story = match tour::play(&t) {
            Ok(s) => s,
            Err(e) => {
                self.notices
                    .push(format!("the tour '{id}' could not start: {e}"));
                return;
            }
        };
        if t.chapters.is_empty() {
            self.notices
                .push(format!("the tour '{id}' has no chapters"));
            return;
        }
        let count = t.chapters.len();
        let k = match ch.map(|c| c.parse::<usize>()) {
            None => 0,
            Some(Ok(n)) if (1..=count).contains(&n) => n - 1,
            Some(_) => {
                self.notices.push(format!(
                    "ignored ch={}: the tour '{id}' has chapters 1 to {count}",
                    ch.unwrap_or_default()
                ));
                0
            }
        };
        self.notices.extend(
            story
                .prologue_failures
                .iter()
                .map(|f| format!("this tour's opening failed a check: {f}")),
        );
        let mut parked: Vec<Option<Runs>> = story.runs.into_iter().map(Some).collect();
        let run = t.chapters[k].run;
        let Some(shown) = parked.get_mut(run).and_then(Option::take) else {
            return;
        };
        self.sim = shown.left;
        self.right = shown.right;
        self.compare = t.compare.clone();
        self.settings = self.sim.settings().clone();
        self.reading = Some(Reading {
            played: story.chapters,
            tour: t,
            parked,
            run,
            chapter: k,
            stage: TourStage::Story,
            dirty: false,
        });
        self.gen += 1;
        self.selected = Selection::None;
        self.spacetime = false;
        self.go_to(k);
    }

    /// Plays the tour again when the reader changed the run, so every chapter's moment is the
    /// story's again.
    fn restore(&mut self) {
        let Some(r) = self.reading.as_mut() else {
            return;
        };
        if !r.dirty {
            return;
        }
        let Ok(story) = tour::play(&r.tour) else {
            return;
        };
        r.played = story.chapters;
        r.parked = story.runs.into_iter().map(Some).collect();
        r.dirty = false;
        if let Some(shown) = r.parked.get_mut(r.run).and_then(Option::take) {
            self.sim = shown.left;
            self.right = shown.right;
        }
        self.gen += 1;
    }

    /// Puts run `run` of the tour on screen, parking the one shown.
    fn show_run(&mut self, run: usize) {
        let Some(r) = self.reading.as_mut() else {
            return;
        };
        if r.run == run {
            return;
        }
        let Some(next) = r.parked.get_mut(run).and_then(Option::take) else {
            return;
        };
        let left = std::mem::replace(&mut self.sim, next.left);
        let right = std::mem::replace(&mut self.right, next.right);
        if let Some(slot) = r.parked.get_mut(r.run) {
            *slot = Some(Runs { left, right });
        }
        r.run = run;
        self.settings = self.sim.settings().clone();
        self.gen += 1;
        self.selected = Selection::None;
    }

    /// Goes to chapter `k`: its pause, or for a task the moment the task waits at.
    fn go_to(&mut self, k: usize) {
        self.playing = false;
        self.restore();
        let Some(r) = self.reading.as_ref() else {
            return;
        };
        let Some(ch) = r.tour.chapters.get(k) else {
            return;
        };
        let run = ch.run;
        let (at, stage) = match (&ch.task, &r.played[k].task) {
            (Some(_), Some((m, _))) => (*m, TourStage::Task),
            _ => (r.played[k].moment, TourStage::Story),
        };
        self.show_run(run);
        if let Some(r) = self.reading.as_mut() {
            r.chapter = k;
            r.stage = stage;
        }
        tour::seek(&mut self.sim, at);
        self.follow_right();
        self.violations_seen = self.violation_count();
        self.sync_draft();
    }

    /// "Show me": the story's own run at the chapter's pause, its task done by the script.
    fn show_task(&mut self) {
        let Some(k) = self.reading.as_ref().map(|r| r.chapter) else {
            return;
        };
        self.playing = false;
        self.restore();
        let Some(r) = self.reading.as_mut() else {
            return;
        };
        let Some(p) = r.played.get(k) else { return };
        let moment = p.moment;
        let said = match &p.task {
            Some((m, a)) => format!(
                "Shown: the story did '{a}' at {}. Step back (←) or drag the timeline to watch it happen.",
                fmt_time(m.time)
            ),
            None => "This chapter has no task.".into(),
        };
        r.stage = TourStage::Done(said);
        tour::seek(&mut self.sim, moment);
        self.follow_right();
        self.violations_seen = self.violation_count();
        self.sync_draft();
    }

    /// The link to the tour at the chapter shown.
    fn tour_link(&self) -> Option<String> {
        let r = self.reading.as_ref()?;
        if matches!(r.stage, TourStage::Off(_)) {
            return None;
        }
        let mut q = format!("tour={}&ch={}", r.tour.id, r.chapter + 1);
        if self.embed {
            q.push_str("&embed=1");
        }
        Some(q)
    }

    /// The partition editor shows the groups in effect (after Heal: one group again).
    fn sync_draft(&mut self) {
        self.draft = session::current_groups(&self.sim.snapshot());
    }

    /// The view keys a copied link carries: which view, what is selected.
    fn view_keys(&self) -> Vec<(&'static str, String)> {
        let mut keys = Vec::new();
        if self.spacetime {
            keys.push(("view", "spacetime".to_string()));
        }
        match self.selected {
            Selection::Node(n) => keys.push(("sel", format!("n{}", n.0))),
            Selection::Message(m) => keys.push(("sel", format!("m{m}"))),
            Selection::None => {}
        }
        if let Some(words) = &self.compare {
            keys.push(("cmp", tour::compare_link(words)));
        }
        keys
    }

    /// Takes over a run opened from a link (at start, or Back to an earlier configuration).
    fn load(&mut self, opened: session::Opened) {
        self.gen += 1;
        let (view, flags) = (
            |k: &str| opened.param(k).map(str::to_string),
            |k: &str| opened.flag(k),
        );
        let (sel, speed, spacetime, embed, big, controls, looping) = (
            view("sel"),
            view("speed"),
            view("view").as_deref() == Some("spacetime"),
            flags("embed"),
            flags("big"),
            view("controls").as_deref() != Some("0"),
            view("loop"),
        );
        let (tour_id, chapter, cmp) = (view("tour"), view("ch"), view("cmp"));
        self.sim = opened.sim;
        self.settings = self.sim.settings().clone();
        self.notices.extend(opened.notices);
        self.selected = match sel.as_deref() {
            Some(v) if v.starts_with('n') => v[1..]
                .parse::<u8>()
                .ok()
                .filter(|&n| n >= 1 && usize::from(n) <= self.settings.nodes)
                .map_or(Selection::None, |n| Selection::Node(NodeId(n))),
            Some(v) if v.starts_with('m') => {
                v[1..].parse().map_or(Selection::None, Selection::Message)
            }
            _ => Selection::None,
        };
        if let Some(s) = speed {
            match Speed::parse(&s) {
                Some(s) => self.speed = s,
                None => self.notices.push(format!(
                    "ignored speed={s}: smart or 0..{}",
                    SPEEDS.len() - 1
                )),
            }
        }
        self.spacetime = spacetime;
        self.embed = embed;
        self.big = big;
        self.controls = controls;
        self.loop_at = match looping.as_deref() {
            None | Some("0") => None,
            Some("1") => Some(LOOP_DEFAULT),
            Some(v) => match lab_engine::time::parse_time(v) {
                Ok(t) if t > 0 => Some(t),
                _ => {
                    self.notices
                        .push(format!("ignored loop={v}: 1 or a time such as 20s"));
                    None
                }
            },
        };
        self.filter = LogFilter::default();
        self.reading = None;
        self.right = None;
        self.compare = None;
        match (tour_id, cmp) {
            (Some(id), _) => self.open_tour(&id, chapter.as_deref()),
            (None, Some(cmp)) => self.start_compare(&tour::compare_words(&cmp)),
            (None, None) => {}
        }
        if chapter.is_some() && self.reading.is_none() {
            self.notices
                .push("ignored ch: it needs a tour (tour=ID)".into());
        }
        self.violations_seen = self.violation_count();
        self.sync_draft();
    }

    /// Makes the current configuration a browser history entry (at the moment shown), then
    /// a new one for `next`: Back returns to the run that was replaced.
    fn push_history(&self, next: &AnySim) {
        self.push_query(&next.link(&[]));
    }

    /// Like [`App::push_history`], for a new page given by its query string.
    fn push_query(&self, next: &str) {
        let Some(w) = web_sys::window() else { return };
        let (Ok(h), Ok(path)) = (w.history(), w.location().pathname()) else {
            return;
        };
        let here = self
            .tour_link()
            .unwrap_or_else(|| session::link_here(&self.sim, &self.view_keys()));
        let here = format!("{path}?{here}");
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&here));
        let there = format!("{path}?{next}");
        let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&there));
    }

    /// Hands a job to a new worker (its WebAssembly loads only now).
    fn start_search(&mut self, ctx: &Context<Self>, job: Job) {
        let hunt = matches!(job, Job::Hunt { .. });
        let bridge = self.searcher.get_or_insert_with(|| {
            let link = ctx.link().clone();
            Searcher::spawner()
                .callback(move |out| link.send_message(Msg::Searched(out)))
                // Trunk's loader shim (`data-loader-shim`), next to index.html: a file of the
                // site's own, as a strict Content-Security-Policy requires.
                .with_loader(true)
                .as_module(false)
                .spawn("./explore-worker_loader.js")
        });
        bridge.send(Input::Start(job));
        self.found = None;
        self.search = SearchView::Running {
            hunt,
            progress: None,
            cancelling: false,
        };
    }

    /// Opens the counterexample found like a link: its steps are the run's recorded actions.
    fn show_found(&mut self) {
        let Some(q) = self.found.clone() else { return };
        self.push_query(&q);
        self.load(session::open_link(&q));
        self.playing = false;
        // The violation's banner and the cluster are at the top; the panel may be far below.
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    }

    /// Pauses when a violation appears that was not there before.
    fn watch_violations(&mut self) {
        let n = self.violation_count();
        if n > self.violations_seen {
            self.playing = false;
        }
        self.violations_seen = n;
    }

    fn key(&mut self, ctx: &Context<Self>, e: KeyboardEvent) -> bool {
        let target = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let typing = target
            .as_ref()
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        // Space and Enter belong to a focused control (a button, a node): they press it.
        let control = target.as_ref().is_some_and(|el| {
            matches!(el.tag_name().as_str(), "BUTTON" | "A" | "SUMMARY")
                || el.has_attribute("tabindex")
                || el.get_attribute("role").as_deref() == Some("button")
        });
        if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
            return false;
        }
        let msg = match e.key().as_str() {
            " " if control => return false,
            " " => Msg::TogglePlay,
            "ArrowRight" => Msg::Step,
            "ArrowLeft" => Msg::StepBack,
            "?" => Msg::Help(!self.help),
            "Escape" => Msg::Help(false),
            "r" | "R" => Msg::Act(Action::RestartAll),
            "a" | "A" => Msg::Act(Action::AlignTimers),
            "s" | "S" => Msg::Act(Action::SpreadTimers),
            "l" | "L" => Msg::RequestToLeader,
            "h" | "H" => Msg::Act(Action::Heal),
            "m" | "M" => Msg::ToggleManual,
            "c" | "C" => Msg::NodeAct(|node| Action::Crash { node }),
            "u" | "U" => Msg::NodeAct(|node| Action::Restart { node }),
            "t" | "T" => match self.selected {
                Selection::Node(n) => Msg::FireTimeout(n),
                _ => return false,
            },
            _ => return false,
        };
        e.prevent_default();
        ctx.link().send_message(msg);
        false
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let opened = session::open_link(&query());
        let playing = opened.flag("autoplay");
        let link = ctx.link().clone();
        // Not passive: space and the arrows must not also scroll the page.
        let keys = EventListener::new_with_options(
            &gloo::utils::document(),
            "keydown",
            EventListenerOptions::enable_prevent_default(),
            move |e| {
                if let Some(e) = e.dyn_ref::<KeyboardEvent>() {
                    link.send_message(Msg::Key(e.clone()));
                }
            },
        );
        let link = ctx.link().clone();
        let history = EventListener::new(&gloo::utils::window(), "popstate", move |_| {
            link.send_message(Msg::PopState)
        });
        let sim = AnySim::new(Settings::default()).expect("default settings are valid");
        let mut app = App {
            draft: Vec::new(),
            violations_seen: 0,
            settings: sim.settings().clone(),
            sim,
            gen: 0,
            playing,
            speed: Speed::default(),
            last_frame: None,
            frame: None,
            selected: Selection::None,
            manual: false,
            help: false,
            embed: false,
            notices: Vec::new(),
            filter: LogFilter::default(),
            spacetime: false,
            st_window: Window::default(),
            big: false,
            controls: true,
            loop_at: None,
            shared: None,
            right: None,
            compare: None,
            reading: None,
            searcher: None,
            search: SearchView::Idle,
            found: None,
            tour_groups: Shared::new(tour_groups()),
            cb: Callbacks::new(ctx.link()),
            memos: RefCell::default(),
            _keys: keys,
            _history: history,
        };
        app.load(opened);
        if app.playing {
            app.schedule(ctx);
        }
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Explore(opts) => {
                let job = Job::Explore {
                    settings: lab_engine::share::encode_link(self.sim.settings(), &[], &[]),
                    options: opts
                        .flags()
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                };
                self.start_search(ctx, job);
            }
            Msg::Hunt(first, last) => {
                let job = Job::Hunt {
                    settings: lab_engine::share::encode_link(self.sim.settings(), &[], &[]),
                    first,
                    last,
                };
                self.start_search(ctx, job);
            }
            Msg::CancelSearch => {
                if let (Some(b), SearchView::Running { cancelling, .. }) =
                    (&self.searcher, &mut self.search)
                {
                    b.send(Input::Cancel);
                    *cancelling = true;
                }
            }
            Msg::Searched(out) => {
                let hunt = match &self.search {
                    SearchView::Running { hunt, .. } => *hunt,
                    // A message after the search ended (a cancel crossing the answer).
                    _ => return false,
                };
                match out {
                    Output::Progress(p) => {
                        if let SearchView::Running { progress, .. } = &mut self.search {
                            *progress = Some(p);
                        }
                    }
                    Output::Found {
                        progress,
                        summary,
                        link,
                    } => {
                        self.search = SearchView::Found {
                            hunt,
                            progress,
                            summary,
                        };
                        self.found = Some(link);
                        self.show_found();
                    }
                    Output::Done { progress, why } => {
                        self.search = SearchView::Done {
                            hunt,
                            progress,
                            why,
                        }
                    }
                    Output::Failed(e) => self.search = SearchView::Failed(e),
                }
                if !matches!(self.search, SearchView::Running { .. }) {
                    // Each search gets a fresh worker: WebAssembly memory never shrinks, so
                    // the next search's memory bound measures from a clean start.
                    self.searcher = None;
                }
            }
            Msg::ShowFound => self.show_found(),
            Msg::Frame(ts) => {
                self.frame = None;
                if !self.playing {
                    self.last_frame = None;
                    return false;
                }
                let dt = self.last_frame.map_or(0.0, |l| (ts - l).clamp(0.0, 100.0));
                self.last_frame = Some(ts);
                let advance = match self.speed {
                    Speed::Smart => {
                        session::smart_advance(&self.sim.snapshot(), self.sim.next_event_time(), dt)
                    }
                    Speed::Fixed(i) => (dt * 1000.0 * SPEEDS[i.min(SPEEDS.len() - 1)].0) as Time,
                };
                if let Some(end) = self.loop_at {
                    // Presenter loop: start again at the end time, or when nothing is left.
                    if self.sim.now() >= end || self.sim.next_event_time().is_none() {
                        self.sim.seek_time(0);
                        self.follow_right();
                        self.violations_seen = self.violation_count();
                    }
                }
                let target = self.sim.now() + advance;
                // On a tour's script, playing stops at the story's pause.
                let stop = self.reading.as_ref().and_then(Reading::stop);
                match stop {
                    Some(m) if self.sim.events() <= m.event && target >= m.time => {
                        tour::seek(&mut self.sim, m);
                        self.playing = false;
                    }
                    _ => {
                        if self.sim.run_until_violation(target).is_some() {
                            self.playing = false;
                        }
                    }
                }
                self.follow_right();
                self.watch_violations();
                self.check_script();
                if self.playing {
                    self.schedule(ctx);
                }
            }
            Msg::TogglePlay => {
                if self.manual {
                    self.notices
                        .push("Manual mode: pick the next message or timer yourself.".into());
                    return true;
                }
                self.playing = !self.playing;
                self.last_frame = None;
                if self.playing {
                    // Play at the story's pause leaves the script: the reader explores on.
                    let at = self.reading.as_ref().and_then(Reading::stop);
                    if at.is_some_and(|m| self.sim.events() >= m.event) {
                        let waiting = self
                            .reading
                            .as_ref()
                            .is_some_and(|r| r.stage == TourStage::Task);
                        self.leave_script(
                            if waiting {
                                "You played on without doing the task."
                            } else {
                                "You played past the chapter's pause."
                            }
                            .into(),
                        );
                    }
                    self.schedule(ctx);
                }
            }
            Msg::Step => {
                self.playing = false;
                self.sim.step();
                self.follow_right();
                self.watch_violations();
                self.check_script();
            }
            Msg::StepBack => {
                self.playing = false;
                self.sim.step_back();
                self.follow_right();
                self.violations_seen = self.violation_count();
                self.sync_draft();
            }
            Msg::Speed(s) => self.speed = s,
            Msg::Seek(t) => {
                self.sim.seek_time(t);
                self.follow_right();
                self.violations_seen = self.violation_count();
                self.sync_draft();
                self.check_script();
            }
            Msg::SeekEvent(k) => {
                self.playing = false;
                self.sim.seek_event(k);
                self.follow_right();
                self.violations_seen = self.violation_count();
                self.sync_draft();
                self.check_script();
            }
            Msg::Act(a) => self.act(a),
            Msg::NodeAct(f) => match self.selected {
                Selection::Node(n) => self.act(f(n)),
                _ => self.notices.push("Select a node first (click it).".into()),
            },
            Msg::FireTimeout(node) => match session::fire_timeout(&self.sim.snapshot(), node) {
                Ok(a) => self.act(a),
                Err(e) => self.notices.push(e),
            },
            Msg::RequestToLeader => self.act(session::request_to_leader(&self.sim)),
            Msg::Select(s) => {
                // A message is picked to be read or acted on: stop it moving away.
                if matches!(s, Selection::Message(_)) {
                    self.playing = false;
                }
                self.selected = if self.selected == s {
                    Selection::None
                } else {
                    s
                }
            }
            Msg::Configure(s) => {
                self.playing = false;
                self.rebuild(*s);
            }
            Msg::Reset => {
                self.playing = false;
                self.rebuild(self.settings.clone());
            }
            Msg::ToggleManual => {
                self.manual = !self.manual;
                self.playing = false;
            }
            Msg::Help(on) => self.help = on,
            Msg::Key(e) => return self.key(ctx, e),
            Msg::Filter(f) => self.filter = f,
            Msg::PartitionDraft(node, g) => {
                if let Some(slot) = self.draft.get_mut(node.idx()) {
                    *slot = g;
                }
            }
            Msg::ApplyPartition => match session::partition(&self.draft) {
                Ok(a) => self.act(a),
                Err(e) => self.notices.push(e),
            },
            Msg::CopyLink => {
                let tour_link = self.tour_link();
                let q = tour_link
                    .clone()
                    .unwrap_or_else(|| session::link_here(&self.sim, &self.view_keys()));
                if let Some(w) = web_sys::window() {
                    let url = format!("{}?{q}", w.location().pathname().unwrap_or_default());
                    if let Ok(h) = w.history() {
                        let _ =
                            h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
                    }
                    let full = w.location().href().unwrap_or(url);
                    let _ = w.navigator().clipboard().write_text(&full);
                    self.shared = Some(full);
                    self.notices.push(if tour_link.is_some() {
                        "Link copied: it opens this tour at this chapter (also in the address \
                         bar and the field below the settings)."
                            .into()
                    } else {
                        "Link copied: it replays this run and opens at this moment (also in the \
                         address bar and the field below the settings)."
                            .into()
                    });
                }
            }
            Msg::Dismiss => self.notices.clear(),
            Msg::SpaceTime(on) => self.spacetime = on,
            Msg::StWindow(w) => self.st_window = w,
            Msg::ExportTrace => {
                let s = self.sim.settings();
                let name = format!("consensus-lab-{}-seed{}.json", s.protocol.slug(), s.seed);
                if let Err(e) = download(&name, &self.sim.export_trace(), "application/json") {
                    self.notices.push(e);
                }
            }
            Msg::ExportSvg => {
                let svg = gloo::utils::document()
                    .get_element_by_id("spacetime")
                    .map(|e| e.outer_html());
                match svg {
                    Some(svg) => {
                        let style = format!("<style>{}</style>", spacetime::export_style());
                        let body = svg.replacen("</defs>", &format!("</defs>{style}"), 1);
                        if let Err(e) = download("space-time.svg", &body, "image/svg+xml") {
                            self.notices.push(e);
                        }
                    }
                    None => self.notices.push("Open the space-time view first.".into()),
                }
            }
            Msg::ImportTrace(file) => {
                let limit = lab_engine::share::MAX_TRACE_BYTES as f64;
                if file.size() > limit {
                    self.notices.push(format!(
                        "{} is {:.0} MB; traces above {:.0} MB are refused",
                        file.name(),
                        file.size() / 1048576.0,
                        limit / 1048576.0
                    ));
                    return true;
                }
                let link = ctx.link().clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
                    let result = match text.ok().and_then(|t| t.as_string()) {
                        Some(t) => AnySim::import_trace(t.as_bytes()).map(Box::new),
                        None => Err("the file could not be read as text".into()),
                    };
                    link.send_message(Msg::Imported(result));
                });
            }
            Msg::Imported(Ok(sim)) => {
                self.gen += 1;
                self.playing = false;
                // A trace is one run: it ends a tour or a comparison.
                self.reading = None;
                self.right = None;
                self.compare = None;
                self.settings = sim.settings().clone();
                self.sim = *sim;
                self.sync_draft();
                self.selected = Selection::None;
                self.violations_seen = self.sim.violations().len();
                self.notices
                    .push("Trace imported: it replayed event for event.".into());
            }
            Msg::Imported(Err(e)) => {
                self.notices
                    .push(format!("Import failed, nothing changed: {e}"));
            }
            Msg::PopState => {
                self.playing = false;
                let q = query();
                if lab_engine::share::is_ring_link(&q) {
                    // The ring page is the other app: load it afresh.
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                    }
                    return false;
                }
                self.load(session::open_link(&q));
            }
            Msg::OpenRing => {
                if let Some(w) = web_sys::window() {
                    let _ = w
                        .location()
                        .set_search(&format!("protocol=ring&seed={}", self.settings.seed));
                }
            }
            Msg::OpenTour(id) => {
                self.playing = false;
                self.push_query(&format!("tour={id}"));
                self.open_tour(&id, None);
            }
            Msg::TourNext => {
                if let Some(k) = self.reading.as_ref().map(|r| r.chapter + 1) {
                    self.go_to(k);
                }
            }
            Msg::TourPrev => {
                if let Some(k) = self.reading.as_ref().map(|r| r.chapter) {
                    self.go_to(k.saturating_sub(1));
                }
            }
            Msg::TourShow => self.show_task(),
            Msg::TourBack => {
                if let Some(k) = self.reading.as_ref().map(|r| r.chapter) {
                    self.go_to(k);
                }
            }
            Msg::TourClose => {
                // The run stays on screen to explore; the story and its comparison go.
                self.reading = None;
                self.right = None;
                self.compare = None;
                self.gen += 1;
                self.violations_seen = self.violation_count();
            }
        }
        if self.playing {
            self.schedule(ctx);
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let memos = &mut *self.memos.borrow_mut();
        let (gen, sim) = (self.gen, &self.sim);
        let (events, now) = (sim.events(), sim.now());
        let snap = memos.snap.get((gen, events, now), || sim.snapshot());
        let cb = &self.cb;
        let link = ctx.link();
        // The nodes the chapter points at, on each run (`leader` may differ between them).
        let chapter = self
            .reading
            .as_ref()
            .and_then(|r| r.tour.chapters.get(r.chapter));
        let lit = |s: &AnySim| -> Vec<NodeId> {
            chapter.map_or_else(Vec::new, |c| {
                c.highlight.iter().filter_map(|t| t.resolve(s)).collect()
            })
        };
        let cluster = if self.spacetime {
            let window = self.st_window;
            let (t0, t1) = window.range(now);
            let arrows = memos.arrows.get((gen, events, now, window), || {
                session::arrows(sim, &snap, t0, t1)
            });
            let crashes = memos
                .crashes
                .get((gen, now, window), || session::crashes(sim, t0, t1));
            html! { <SpaceTime snap={snap.clone()} {arrows} {crashes} {window} selected={self.selected}
            on_select={cb.select.clone()} on_window={cb.st_window.clone()} /> }
        } else {
            html! { <Cluster snap={snap.clone()} selected={self.selected} protocol={self.settings.protocol}
            on_select={cb.select.clone()} badges={badges(&self.settings)} big={self.big} highlight={lit(sim)} /> }
        };
        let markers = memos.markers.get((gen, sim.history().markers.len()), || {
            sim.history().markers.clone()
        });
        let diverged = self
            .right
            .as_ref()
            .and_then(|r| memos.divergence.get(gen, sim, r));
        let transport = html! {
            <Transport playing={self.playing} manual={self.manual} speed={self.speed} now={snap.now}
                events={snap.events} horizon={sim.horizon()} {markers} hash={sim.trace_hash()}
                on_play={cb.play.clone()} on_step={cb.step.clone()} on_step_back={cb.step_back.clone()}
                on_speed={cb.speed.clone()} on_seek={cb.seek.clone()} divergence={diverged.map(|d| d.1)} />
        };
        let violations = memos.violations.get((gen, events), || sim.violations());
        let notices = (!self.notices.is_empty()).then(|| {
            html! {
                <div class="notice" data-testid="notice" role="status">
                    <ul>{ for self.notices.iter().rev().take(8).map(|n| html! { <li>{ n }</li> }) }</ul>
                    <button onclick={link.callback(|_| Msg::Dismiss)} aria-label="dismiss">{ "×" }</button>
                </div>
            }
        });
        // A run's first violation. "Go to the event" goes to its event on the left run; on the
        // compare run, whose events are numbered differently, to its time.
        let alert = |v: Option<&ViolationRecord>, by_time: bool| {
            v.map(|v| {
                let (k, t) = (v.event, v.time);
                let go = move |_| if by_time { Msg::Seek(t) } else { Msg::SeekEvent(k) };
                html! {
                    <div class="violation" data-testid="violation" role="alert">
                        <strong>{ format!("{} violated", v.violation.invariant) }</strong>
                        <span>{ format!(" at {} (event #{}): {}", fmt_time(v.time), v.event, v.violation.explanation) }</span>
                        <button onclick={link.callback(go)}>{ "Go to the event" }</button>
                    </div>
                }
            })
        };
        let first = violations.first();
        let mut banner = alert(first, false);
        // A comparison: both runs side by side, each with its own label and violation.
        let mut right_invariants = None;
        let left_side = self.right.as_ref().map(|r| {
            let (l, _) = tour::compare_labels(sim.settings(), r.settings());
            AttrValue::from(format!("on the left: {l}"))
        });
        let cluster = match &self.right {
            None => cluster,
            Some(right) => {
                let rsnap = memos
                    .right_snap
                    .get((gen, right.events(), right.now()), || right.snapshot());
                let rviol = memos
                    .right_violations
                    .get((gen, right.events()), || right.violations());
                let (lname, rname) = tour::compare_labels(sim.settings(), right.settings());
                let rbanner = alert(rviol.first(), true);
                let divergence = match diverged {
                    Some((k, t)) => html! {
                        <p class="divergence" data-testid="divergence" data-event={k.to_string()} data-us={t.to_string()}>
                            <span class="diverge-swatch" aria-hidden="true"></span>
                            { format!("The runs first differ at {} (event #{k}).", fmt_time(t)) }
                            <button onclick={link.callback(move |_| Msg::SeekEvent(k))}>{ "Go there" }</button>
                        </p>
                    },
                    None => html! {
                        <p class="divergence none" data-testid="no-divergence">{ "The runs have not differed so far." }</p>
                    },
                };
                right_invariants = Some(html! {
                    <Invariants all={right.invariants()} violations={rviol.clone()} side={AttrValue::from(format!("on the right: {rname}"))} />
                });
                let rcluster = html! {
                    <Cluster snap={rsnap.clone()} selected={self.selected} protocol={right.settings().protocol}
                        on_select={cb.select.clone()} badges={badges(right.settings())} big={self.big} highlight={lit(right)} />
                };
                let left_banner = banner.take();
                html! {
                    <div class="compare" data-testid="compare">
                        { divergence }
                        <div class="compare-sides">
                            <section class="compare-side" data-testid="compare-left" aria-label="left run">
                                <h3 class="compare-label" title={lname.clone()}><span class="which">{ "left: " }</span>{ lname }</h3>
                                { left_banner }
                                { cluster }
                            </section>
                            <section class="compare-side" data-testid="compare-right" aria-label="right run">
                                <h3 class="compare-label bad" title={rname.clone()}><span class="which">{ "right: " }</span>{ rname }</h3>
                                { rbanner }
                                { rcluster }
                            </section>
                        </div>
                    </div>
                }
            }
        };
        let tour_panel = self.reading.as_ref().and_then(|r| {
            let ch = r.tour.chapters.get(r.chapter)?;
            let checks_pass = r.played.get(r.chapter).is_some_and(|p| p.failures.is_empty());
            Some(html! {
                <TourPanel tour_title={r.tour.title.clone()} chapter={ch.clone()} index={r.chapter}
                    count={r.tour.chapters.len()} stage={r.stage.clone()} {checks_pass} compact={self.embed}
                    on_prev={cb.tour_prev.clone()} on_next={cb.tour_next.clone()} on_show={cb.tour_show.clone()}
                    on_back={cb.tour_back.clone()} on_copy_link={cb.copy_link.clone()} on_close={cb.tour_close.clone()} />
            })
        });
        let legend = html! { <Legend kinds={sim.message_kinds()} compact={self.embed} /> };
        let table = memos.table.get_same((gen, events), || sim.state_table());
        let grid = html! { <LogGrid {table} stale={session::stale_leaders(&snap)} compact={self.embed} /> };
        if self.embed {
            // The way out keeps the moment, the view and the selection (or the tour's chapter).
            let full = format!(
                "./?{}",
                self.tour_link()
                    .map(|q| q.replace("&embed=1", ""))
                    .unwrap_or_else(|| session::link_here(sim, &self.view_keys()))
            );
            return html! {
                <div class={classes!("app", "embed", self.reading.is_some().then_some("touring"))}>
                    { tour_panel }
                    { banner }
                    <div class="stage">{ cluster }{ legend }{ grid }</div>
                    if self.controls {
                        { transport }
                    }
                    <a class="open-full" data-testid="open-full" href={full} target="_blank" rel="noopener">{ "open in Consensus Lab ↗" }</a>
                </div>
            };
        }
        let selected = self.selected;
        let inspected = memos
            .inspected
            .get((gen, events, selected), || match selected {
                Selection::Node(node) => Inspected::Node {
                    node,
                    up: snap.nodes.get(node.idx()).is_some_and(|v| v.up),
                    sections: sim.inspect_node(node),
                },
                Selection::Message(id) => Inspected::Message {
                    id,
                    found: sim.inspect_message(id),
                },
                Selection::None => Inspected::Nothing,
            });
        let lines = memos.log.get((gen, events), || sim.log());
        // Only the manual scheduler lists the queue: otherwise the panel stays still.
        let queue = self.manual.then(|| snap.clone());
        let shared = self.shared.as_ref().map(|url| {
            html! {
                <label class="share">{ "link " }
                    <input type="text" readonly=true data-testid="share-link" value={url.clone()}
                        aria-label="link to this moment of the run" />
                </label>
            }
        });
        html! {
            <div class={classes!("app", self.big.then_some("big"), self.reading.is_some().then_some("touring"))}>
                <header class="top">
                    <h1><span class="logo" aria-hidden="true">{ "◉" }</span>{ "Consensus Lab" }</h1>
                    <ToursMenu groups={self.tour_groups.clone()} on_open={cb.open_tour.clone()} />
                    <SettingsBar settings={self.settings.clone()} network={sim.network().clone()}
                        on_configure={cb.configure.clone()} on_action={cb.act.clone()}
                        on_reset={cb.reset.clone()} on_copy_link={cb.copy_link.clone()} on_ring={cb.ring.clone()} />
                    { shared }
                </header>
                { notices }
                { banner }
                <main class="stage">
                    <div class="tabs" role="tablist">
                        <button role="tab" data-testid="view-cluster" aria-selected={(!self.spacetime).to_string()}
                            onclick={link.callback(|_| Msg::SpaceTime(false))}>{ "Cluster" }</button>
                        <button role="tab" data-testid="view-spacetime" aria-selected={self.spacetime.to_string()}
                            onclick={link.callback(|_| Msg::SpaceTime(true))}>{ "Space-time" }</button>
                        if self.spacetime {
                            <button data-testid="export-svg" onclick={link.callback(|_| Msg::ExportSvg)}>{ "Export SVG" }</button>
                        }
                        <span class="grow"></span>
                        <button data-testid="export-trace" title="the whole run as a JSON file"
                            onclick={link.callback(|_| Msg::ExportTrace)}>{ "Export trace" }</button>
                        <label class="import" title="replay a trace file">{ "Import trace " }
                            <input type="file" accept=".json,application/json" data-testid="import-trace"
                                onchange={link.batch_callback(|e: Event| {
                                    let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
                                    let file = input.files().and_then(|f| f.get(0));
                                    input.set_value("");
                                    file.map(Msg::ImportTrace)
                                })} />
                        </label>
                    </div>
                    { cluster }
                    { transport }
                    { grid }
                    { legend }
                    <Faults draft={self.draft.clone()} manual={self.manual} {queue}
                        on_action={cb.act.clone()} on_draft={cb.draft.clone()} on_partition={cb.partition.clone()}
                        on_request_leader={cb.request_leader.clone()} on_manual={cb.manual.clone()} />
                </main>
                <aside class="side">
                    { tour_panel }
                    <Inspector data={inspected} on_action={cb.act.clone()} on_timeout={cb.timeout.clone()} on_close={cb.deselect.clone()} />
                    <Invariants all={sim.invariants()} {violations} side={left_side} />
                    { right_invariants }
                    <ExplorePanel about={self.settings.searched()} nodes={self.settings.nodes}
                        suggested={ExploreOptions::for_protocol(self.settings.protocol)} state={self.search.clone()}
                        on_explore={cb.explore.clone()} on_hunt={cb.hunt.clone()}
                        on_cancel={cb.cancel_search.clone()} on_show={cb.show_found.clone()} />
                    <EventLog {lines} filter={self.filter.clone()} nodes={self.settings.nodes}
                        on_filter={cb.filter.clone()} on_seek_event={cb.seek_event.clone()} />
                </aside>
                if self.help {
                    <Help on_close={cb.close_help.clone()} />
                }
            </div>
        }
    }
}
