//! The page's decisions as one state with one entry point, in the shape of yew's `Reducible`
//! and openraft's Engine: [`Player::apply`] takes a [`Command`] (the engine half of what the
//! user did, or an animation frame) and returns the [`Effects`] the browser must carry out.
//! Whatever a command did, the same chores follow once, at the end: the compare run catches
//! up, a new violation pauses play, the partition editor shows the groups in effect, and a run
//! that went past the story's pause leaves the script.

use super::history::{signature, HistoryPanel};
use super::intent::{current_groups, fault, fire_timeout, partition, request_to_leader, Fault};
use super::link::{link_here, open_link};
use super::membership::{member_action, MemberOp};
use super::pace::Speed;
use super::params::{Selection, ViewParams};
use super::reader::Reader;
use crate::any::AnySim;
use crate::catalog::Settings;
use crate::lin::OpId;
use crate::node::{NodeId, Time};
use crate::share::is_ring_link;
use crate::sim::history::Action;
use crate::tour::{self, compare_link, Runs};

/// What the user did, or the time that passed, as the session sees it.
#[derive(Clone, Debug)]
pub enum Command {
    /// The page's own link, as the page loads (`autoplay=1` starts playing).
    Open(String),
    /// The browser went Back or Forward to this link.
    Back(String),
    /// An animation frame, at this real time in milliseconds.
    Frame(f64),
    TogglePlay,
    Step,
    StepBack,
    Speed(Speed),
    Seek(Time),
    SeekEvent(u64),
    Act(Action),
    /// An action on the selected node (the keyboard's crash and restart).
    ActOnSelected(fn(NodeId) -> Action),
    FireTimeout(NodeId),
    /// A membership change on the selected node (the node menu's buttons and their keys).
    Member(MemberOp),
    RequestToLeader,
    Select(Selection),
    /// The space-time diagram (true) or the cluster.
    SpaceTime(bool),
    Filter(LogFilter),
    Configure(Box<Settings>),
    /// The same settings from the start.
    Reset,
    ToggleManual,
    /// The partition editor puts a node in a group (0 = A, 1 = B, 2 = C).
    Draft(NodeId, u8),
    ApplyPartition,
    CopyLink,
    /// A trace file's text, or why it could not be read.
    Import(Result<String, String>),
    /// The counterexample a search found, as a link's query string.
    ShowFound(String),
    /// A Jepsen history file for the History view: its name, and its text or why it could not
    /// be read.
    ImportHistory {
        name: String,
        file: Result<String, String>,
    },
    /// Close the History view's imported history.
    CloseHistory,
    /// Stop the History view's check where it is.
    CancelCheck,
    /// Move the timeline to the moment of the History view's operation: its completion, or its
    /// invocation if it has none.
    SeekOp(OpId),
    /// Leave for the consistent-hashing page.
    OpenRing,
    OpenTour(String),
    /// The text of the tour [`Effects::fetch_tour`] asked for (`tours/ID.txt` beside the page),
    /// or why it could not be fetched.
    TourText {
        id: String,
        text: Result<String, String>,
    },
    TourNext,
    TourPrev,
    /// Do a "try it yourself" chapter's task for the reader.
    TourShow,
    /// Back to the start of the chapter after leaving the script.
    TourBack,
    TourClose,
    /// A fault-bar button.
    Fault(Fault),
    /// A choice on the first visit's welcome card.
    Welcome(Welcome),
}

/// The welcome card's choices: each also dismisses it for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Welcome {
    /// Take the two-minute tour ([`WELCOME_TOUR`]).
    Tour,
    /// Watch the run on screen play.
    Play,
    /// A buggy variant meets a fault and the checker catches it.
    Break,
    Close,
}

/// The tour the welcome card offers first.
pub const WELCOME_TOUR: &str = "raft-election";

/// A change to the address bar: a query string, without the `?`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// The current history entry now says this.
    Replace(String),
    /// A new history entry.
    Push(String),
}

/// Another page to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leave {
    /// The page of this query string (the ring page, or a tour told there).
    To(String),
    /// This page again, from the address bar (Back to the ring page, which is another app).
    Reload,
}

/// What the browser must do after a command.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Effects {
    /// Messages for the user, oldest first.
    pub notices: Vec<String>,
    /// Changes to the address bar, in order.
    pub address: Vec<Address>,
    /// A link to put on the clipboard (and show), once the address bar holds it.
    pub copy: Option<String>,
    pub leave: Option<Leave>,
    /// Playing: the next animation frame is wanted.
    pub frame: bool,
    /// Scroll to the top, where the cluster and a violation's banner are.
    pub scroll_top: bool,
    /// The welcome card was dismissed: remember it, so it never shows again.
    pub welcomed: bool,
    /// A tour to open whose text is not compiled in: fetch [`tour::Entry::path`] and answer
    /// with [`Command::TourText`].
    pub fetch_tour: Option<&'static tour::Entry>,
}

/// The event log's filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogFilter {
    pub node: Option<NodeId>,
    pub category: Option<String>,
}

/// How a command moved the run, for the chores that follow it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Moved {
    /// Nothing changed in the run.
    Not,
    /// It went forward by playing or stepping: a new violation pauses play.
    Forward,
    /// An action changed it: a new violation pauses play, and the groups may have changed.
    Acted,
    /// It jumped (a seek, a chapter, a new run): what is there now is simply taken in.
    Jumped,
}

/// The state of the protocol page: the run on screen (and the compare run), how it plays, the
/// tour being read and what the user has seen.
pub struct Player {
    runs: Runs,
    /// The setting words the compare run changes (`bug=raft-commit-old-term`).
    compare: Option<String>,
    reader: Option<Reader>,
    /// The tour being fetched and the chapter to open it at, as links write it.
    fetching: Option<(String, Option<String>)>,
    /// Tours come as text from the page's server ([`Command::TourText`]) rather than compiled
    /// in: always in the page's WebAssembly, which compiles none in.
    fetch_tours: bool,
    /// Bumped whenever the run changes other than by moving in time: with the event count and
    /// the time, it keys whatever a front end derives from the run.
    gen: u64,
    playing: bool,
    speed: Speed,
    last_frame: Option<f64>,
    loop_at: Option<Time>,
    manual: bool,
    selected: Selection,
    spacetime: bool,
    embed: bool,
    big: bool,
    controls: bool,
    filter: LogFilter,
    /// The partition editor's groups.
    draft: Vec<u8>,
    violations_seen: usize,
    /// The welcome card is up: a bare first visit, until a choice dismisses it.
    welcome: bool,
    /// The History view's imported history and its check.
    history: Option<HistoryPanel>,
    /// The run's own clients' history (`workload=kv`) and its check, with what it was built
    /// from.
    run_history: Option<(HistoryPanel, (u64, usize, usize))>,
    /// Numbers each history the History view is given.
    histories: u64,
    fx: Effects,
}

impl Default for Player {
    fn default() -> Self {
        Player::new()
    }
}

impl Player {
    /// Raft's defaults, paused; a page then opens its link with [`Command::Open`].
    pub fn new() -> Player {
        let left = AnySim::new(Settings::default()).expect("default settings are valid");
        Player {
            draft: vec![0; left.settings().nodes],
            runs: Runs { left, right: None },
            compare: None,
            reader: None,
            fetching: None,
            fetch_tours: cfg!(target_arch = "wasm32"),
            gen: 0,
            playing: false,
            speed: Speed::default(),
            last_frame: None,
            loop_at: None,
            manual: false,
            selected: Selection::None,
            spacetime: false,
            embed: false,
            big: false,
            controls: true,
            filter: LogFilter::default(),
            violations_seen: 0,
            welcome: false,
            history: None,
            run_history: None,
            histories: 0,
            fx: Effects::default(),
        }
    }

    /// Tours are fetched as the page does it, even where their texts are compiled in (the
    /// tests drive the page's way natively).
    pub fn fetching_tours(mut self) -> Player {
        self.fetch_tours = true;
        self
    }

    pub fn sim(&self) -> &AnySim {
        &self.runs.left
    }
    pub fn right(&self) -> Option<&AnySim> {
        self.runs.right.as_ref()
    }
    pub fn reader(&self) -> Option<&Reader> {
        self.reader.as_ref()
    }
    pub fn gen(&self) -> u64 {
        self.gen
    }
    pub fn playing(&self) -> bool {
        self.playing
    }
    pub fn speed(&self) -> Speed {
        self.speed
    }
    pub fn manual(&self) -> bool {
        self.manual
    }
    pub fn selected(&self) -> Selection {
        self.selected
    }
    /// Where a counterexample's replay stands (the manual schedule, where every event is one
    /// of its steps): the steps taken so far and in all, for "step 3 of 8". `None` for a run
    /// that moves by itself.
    pub fn replay_step(&self) -> Option<(usize, usize)> {
        let sim = &self.runs.left;
        if !sim.settings().manual {
            return None;
        }
        let actions = &sim.history().actions;
        let done = actions.partition_point(|a| a.event < sim.events());
        Some((done, actions.len()))
    }
    pub fn spacetime(&self) -> bool {
        self.spacetime
    }
    /// The compact view (`embed=1`).
    pub fn embed(&self) -> bool {
        self.embed
    }
    /// The presenter view (`big=1`).
    pub fn big(&self) -> bool {
        self.big
    }
    /// The embed's controls shown (not `controls=0`).
    pub fn controls(&self) -> bool {
        self.controls
    }
    pub fn filter(&self) -> &LogFilter {
        &self.filter
    }
    pub fn draft(&self) -> &[u8] {
        &self.draft
    }
    /// The welcome card shows.
    pub fn welcome(&self) -> bool {
        self.welcome
    }
    /// The History view's history and its check, if there is one: an imported file's, else
    /// the run's own (`workload=kv`).
    pub fn history(&self) -> Option<&HistoryPanel> {
        (self.history.as_ref()).or(self.run_history.as_ref().map(|(p, _)| p))
    }

    /// The link to what is shown: the tour's chapter, or this run at this moment with the
    /// view and the selection. `embed` keeps the compact view in a tour's link.
    pub fn link(&self, embed: bool) -> String {
        self.reader
            .as_ref()
            .and_then(|r| r.link(embed))
            .unwrap_or_else(|| link_here(&self.runs.left, &self.view_keys()))
    }

    pub fn apply(&mut self, cmd: Command) -> Effects {
        let moved = match cmd {
            Command::Open(q) => self.load(&q, true),
            Command::Back(q) => {
                self.playing = false;
                if is_ring_link(&q) {
                    self.fx.leave = Some(Leave::Reload);
                    Moved::Not
                } else {
                    self.load(&q, false)
                }
            }
            Command::Frame(ts) => self.frame(ts),
            Command::TogglePlay => self.toggle_play(),
            Command::Step => {
                self.playing = false;
                self.runs.left.step();
                Moved::Forward
            }
            Command::StepBack => {
                self.playing = false;
                self.runs.left.step_back();
                Moved::Jumped
            }
            Command::Speed(s) => {
                self.speed = s;
                Moved::Not
            }
            Command::Seek(t) => {
                self.runs.left.seek_time(t);
                Moved::Jumped
            }
            Command::SeekEvent(k) => {
                self.playing = false;
                self.runs.left.seek_event(k);
                Moved::Jumped
            }
            Command::Act(a) => self.act(a),
            Command::ActOnSelected(f) => match self.selected {
                Selection::Node(n) => self.act(f(n)),
                _ => self.notice("Select a node first (click it)."),
            },
            Command::FireTimeout(node) => match fire_timeout(&self.runs.left.snapshot(), node) {
                Ok(a) => self.act(a),
                Err(e) => self.notice(e),
            },
            Command::Member(op) => {
                let node = match self.selected {
                    Selection::Node(n) => Some(n),
                    _ => None,
                };
                match member_action(&self.runs.left, op, node) {
                    Ok(a) => self.act(a),
                    Err(e) => self.notice(e),
                }
            }
            Command::RequestToLeader => self.act(request_to_leader(&self.runs.left)),
            Command::Select(s) => {
                // A message is picked to be read or acted on: stop it moving away.
                if matches!(s, Selection::Message(_)) {
                    self.playing = false;
                }
                self.selected = if self.selected == s {
                    Selection::None
                } else {
                    s
                };
                Moved::Not
            }
            Command::SpaceTime(on) => {
                self.spacetime = on;
                Moved::Not
            }
            Command::Filter(f) => {
                self.filter = f;
                Moved::Not
            }
            Command::Configure(s) => {
                self.playing = false;
                // A new seed (or any setting) is a new run from 0 s: say so, or the reader
                // thinks the run they were watching vanished.
                let (was, seed) = (self.runs.left.now(), self.runs.left.settings().seed);
                let moved = self.rebuild(*s);
                if was > 0 && moved == Moved::Jumped {
                    let what = if self.runs.left.settings().seed == seed {
                        "New settings"
                    } else {
                        "New seed"
                    };
                    self.fx.notices.push(format!(
                        "{what}: a new run starts at 0 s. Back returns to the run you left, at {}.",
                        crate::time::fmt_time(was)
                    ));
                }
                moved
            }
            Command::Reset => {
                self.playing = false;
                self.rebuild(self.runs.left.settings().clone())
            }
            Command::ToggleManual => {
                self.manual = !self.manual;
                self.playing = false;
                Moved::Not
            }
            Command::Draft(node, g) => {
                let slot = usize::from(node.0).checked_sub(1);
                if let Some(slot) = slot.and_then(|i| self.draft.get_mut(i)) {
                    *slot = g;
                }
                Moved::Not
            }
            Command::ApplyPartition => match partition(&self.draft) {
                Ok(a) => self.act(a),
                Err(e) => self.notice(e),
            },
            Command::CopyLink => self.copy_link(),
            Command::Import(file) => self.import(file),
            Command::ImportHistory { name, file } => self.import_history(&name, file),
            Command::CloseHistory => {
                self.history = None;
                Moved::Not
            }
            Command::CancelCheck => {
                if let Some(h) = &mut self.history {
                    h.cancel();
                }
                Moved::Not
            }
            Command::SeekOp(id) => self.seek_op(id),
            Command::ShowFound(q) => {
                self.push(&q);
                let moved = self.load(&q, false);
                self.fx.scroll_top = true;
                moved
            }
            Command::OpenRing => {
                let seed = self.runs.left.settings().seed;
                self.fx.leave = Some(Leave::To(format!("protocol=ring&seed={seed}")));
                Moved::Not
            }
            Command::OpenTour(id) => {
                self.playing = false;
                self.push(&format!("tour={id}"));
                self.open_tour(&id, None)
            }
            Command::TourText { id, text } => match self.fetching.take() {
                Some((wanted, ch)) if wanted == id => match text {
                    Ok(text) => self.read_tour(&id, &text, ch.as_deref()),
                    Err(e) => self.notice(format!("The tour '{id}' could not be loaded: {e}")),
                },
                // A late answer for a tour no longer wanted (another opened, or a new run).
                other => {
                    self.fetching = other;
                    Moved::Not
                }
            },
            Command::TourNext => self.go_to(|k| k + 1),
            Command::TourPrev => self.go_to(|k| k.saturating_sub(1)),
            Command::TourBack => self.go_to(|k| k),
            Command::TourShow => {
                self.playing = false;
                match self.reader.as_mut() {
                    Some(r) => {
                        let swapped = r.show_task(&mut self.runs);
                        self.swapped(swapped)
                    }
                    None => Moved::Not,
                }
            }
            Command::Fault(f) => match fault(&self.runs.left, f) {
                Ok(a) => self.act(a),
                Err(e) => self.notice(e),
            },
            Command::Welcome(w) => self.welcomed(w),
            Command::TourClose => {
                // The run stays on screen to explore; the story and its comparison go.
                self.reader = None;
                self.fetching = None;
                self.runs.right = None;
                self.compare = None;
                self.gen += 1;
                Moved::Jumped
            }
        };
        self.settle(moved);
        std::mem::take(&mut self.fx)
    }

    fn notice(&mut self, text: impl Into<String>) -> Moved {
        self.fx.notices.push(text.into());
        Moved::Not
    }

    /// The chores every command ends with.
    fn settle(&mut self, moved: Moved) {
        let now = self.runs.left.now();
        if let Some(r) = &mut self.runs.right {
            r.seek_time(now);
        }
        let seen = self.violation_count();
        if seen > self.violations_seen && moved != Moved::Jumped {
            self.playing = false;
        }
        self.violations_seen = seen;
        if matches!(moved, Moved::Acted | Moved::Jumped) {
            // Not while playing: the user may be drafting the next partition meanwhile.
            self.draft = current_groups(&self.runs.left.snapshot());
        }
        let events = self.runs.left.events();
        if let Some(r) = &mut self.reader {
            r.went_to(events);
        }
        self.follow_run_history();
        let checking = self.history().is_some_and(HistoryPanel::checking);
        self.fx.frame = self.playing || checking;
    }

    fn violation_count(&self) -> usize {
        let right = self.runs.right.as_ref().map_or(0, |r| r.violations().len());
        self.runs.left.violations().len() + right
    }

    fn frame(&mut self, ts: f64) -> Moved {
        if let Some(h) = &mut self.history {
            h.slice();
        } else if let Some((h, _)) = &mut self.run_history {
            h.slice();
        }
        if !self.playing {
            self.last_frame = None;
            return Moved::Not;
        }
        let dt = self.last_frame.map_or(0.0, |l| (ts - l).clamp(0.0, 100.0));
        self.last_frame = Some(ts);
        let advance = self.speed.advance(&self.runs.left, dt);
        let left = &mut self.runs.left;
        if let Some(end) = self.loop_at {
            // Presenter loop: start again at the end time, or when nothing is left.
            if left.now() >= end || left.next_event_time().is_none() {
                left.seek_time(0);
                if let Some(r) = &mut self.runs.right {
                    r.seek_time(0);
                }
                self.violations_seen = self.violation_count();
            }
        }
        let left = &mut self.runs.left;
        let target = left.now() + advance;
        // On a tour's script, playing stops at the story's pause.
        match self.reader.as_ref().and_then(Reader::stop) {
            Some(m) if left.events() <= m.event && target >= m.time => {
                tour::seek(left, m);
                self.playing = false;
            }
            _ => {
                if left.run_until_violation(target).is_some() {
                    self.playing = false;
                }
            }
        }
        Moved::Forward
    }

    fn toggle_play(&mut self) -> Moved {
        if self.manual {
            return self.notice("Manual mode: pick the next message or timer yourself.");
        }
        self.playing = !self.playing;
        self.last_frame = None;
        if self.playing {
            // Play at the story's pause leaves the script: the reader explores on.
            let events = self.runs.left.events();
            if let Some(r) = &mut self.reader {
                r.play_on(events);
            }
        }
        Moved::Not
    }

    fn act(&mut self, action: Action) -> Moved {
        let left = &mut self.runs.left;
        // A "try it yourself" chapter waiting at its moment: is this what it asks for?
        let task = self.reader.as_ref().and_then(|r| r.task(left.events()));
        // The reader did what the story does next: the story's own recorded action is exactly
        // theirs (at the story's very time, which a pause between events cannot reach), so the
        // run steps into it and keeps the story's moments.
        let recorded = task.as_ref().is_some_and(|(m, want)| {
            *want == action
                && (left.history().actions.iter()).any(|a| a.event == m.event && a.action == action)
        });
        if recorded {
            left.step();
            if let Some(r) = &mut self.reader {
                r.task_done(&action);
            }
            self.playing = true;
            return Moved::Acted;
        }
        if let Err(e) = left.apply(action.clone()) {
            return self.notice(e);
        }
        self.gen += 1;
        if let Some(right) = &mut self.runs.right {
            if let Err(e) = right.apply(action.clone()) {
                (self.fx.notices).push(format!("the compare run could not take it: {e}"));
            }
        }
        if let Some(r) = &mut self.reader {
            let why = match task {
                Some((_, want)) => format!(
                    "You did '{action}'; this chapter asks you to {} ('{want}'). \
                     \"Show me\" does it for you.",
                    r.task_text().unwrap_or_default()
                ),
                None => "You changed the run; the story waits where you left it.".into(),
            };
            r.leave(why);
        }
        Moved::Acted
    }

    /// A new run with `settings`, as a new history entry.
    fn rebuild(&mut self, settings: Settings) -> Moved {
        let sim = match AnySim::new(settings) {
            Ok(sim) => sim,
            Err(e) => return self.notice(e),
        };
        self.push(&sim.link(&[]));
        self.gen += 1;
        self.runs = Runs {
            left: sim,
            right: None,
        };
        self.selected = Selection::None;
        self.filter = LogFilter::default();
        // New settings end a tour and its comparison; a comparison from a link goes on if it
        // still makes sense.
        let touring = self.reader.take().is_some() || self.fetching.take().is_some();
        if let Some(words) = self.compare.take().filter(|_| !touring) {
            self.start_compare(&words);
        }
        Moved::Jumped
    }

    /// Takes over the run a link opens (as the page loads, Back, a search's find).
    fn load(&mut self, query: &str, autoplay: bool) -> Moved {
        let opened = open_link(query);
        self.fx.notices.extend(opened.notices);
        let nodes = opened.sim.settings().nodes;
        let p = ViewParams::parse(&opened.view, nodes, &mut self.fx.notices);
        self.gen += 1;
        self.runs = Runs {
            left: opened.sim,
            right: None,
        };
        self.selected = p.selected;
        self.speed = p.speed.unwrap_or(self.speed);
        self.spacetime = p.spacetime;
        self.embed = p.embed;
        self.big = p.big;
        self.controls = p.controls;
        self.loop_at = p.loop_at;
        self.playing = autoplay && p.autoplay;
        self.filter = LogFilter::default();
        self.reader = None;
        self.fetching = None;
        self.compare = None;
        // A bare first visit (no run named, not embedded) gets the welcome card.
        self.welcome = autoplay && query.trim_start_matches('?').is_empty() && !self.embed;
        match (p.tour, p.compare) {
            (Some(id), _) => {
                self.open_tour(&id, p.chapter.as_deref());
            }
            (None, Some(words)) => self.start_compare(&words),
            (None, None) => {}
        }
        Moved::Jumped
    }

    /// A choice on the welcome card; every one dismisses it for good.
    fn welcomed(&mut self, choice: Welcome) -> Moved {
        self.welcome = false;
        self.fx.welcomed = true;
        match choice {
            Welcome::Close => Moved::Not,
            Welcome::Tour => {
                self.push(&format!("tour={WELCOME_TOUR}"));
                self.open_tour(WELCOME_TOUR, None)
            }
            Welcome::Play => {
                if !self.playing {
                    self.toggle_play();
                }
                Moved::Not
            }
            Welcome::Break => self.break_it(),
        }
    }

    /// "Break it": 2PC whose participants may abort on their own, and a participant that voted
    /// yes cut off just before the coordinator's Commit reaches it. It times out, aborts, and
    /// Atomicity breaks while the reader watches from the start.
    fn break_it(&mut self) -> Moved {
        let opened = open_link("protocol=2pc&nodes=3&bug=2pc-unilateral-abort");
        let mut sim = opened.sim;
        // The moment to strike: the coordinator has committed, a participant still waits.
        let mut victim = None;
        for _ in 0..2000 {
            let snap = sim.snapshot();
            let committed = (snap.nodes.first())
                .is_some_and(|c| c.summary.decision == Some(crate::node::Decision::Commit));
            victim = snap.nodes[1..]
                .iter()
                .find(|v| v.up && v.summary.decision.is_none() && committed)
                .map(|v| v.id);
            if victim.is_some() || sim.step().is_none() {
                break;
            }
        }
        let Some(node) = victim else {
            return self.notice("Could not set up the broken run.");
        };
        if let Err(e) = sim.apply(Action::Isolate { node }) {
            return self.notice(e);
        }
        sim.seek_time(0);
        self.push(&sim.link(&[]));
        self.gen += 1;
        self.runs = Runs {
            left: sim,
            right: None,
        };
        self.reader = None;
        self.compare = None;
        self.selected = Selection::None;
        self.manual = false;
        self.playing = true;
        self.last_frame = None;
        self.fx.notices.push(format!(
            "Broken on purpose: 2PC with 2pc-unilateral-abort, and {node} cut off just before the \
             coordinator's Commit reaches it. Watch it time out and abort alone."
        ));
        Moved::Jumped
    }

    /// Starts comparing the run on screen with one that differs in `words`.
    fn start_compare(&mut self, words: &str) {
        match tour::follow(&self.runs.left, words) {
            Ok((right, skipped)) => {
                self.runs.right = Some(right);
                self.compare = Some(words.to_string());
                self.fx.notices.extend(skipped);
            }
            Err(e) => (self.fx.notices).push(format!("ignored cmp={}: {e}", compare_link(words))),
        }
    }

    /// The view keys a link to this run carries: which view, what is selected, the comparison.
    fn view_keys(&self) -> Vec<(&'static str, String)> {
        let mut keys = Vec::new();
        if self.spacetime {
            keys.push(("view", "spacetime".to_string()));
        }
        if let Some(w) = self.selected.word() {
            keys.push(("sel", w));
        }
        if let Some(words) = &self.compare {
            keys.push(("cmp", compare_link(words)));
        }
        keys
    }

    /// Makes what is shown a history entry (at the moment shown), then a new one for `next`:
    /// Back returns to what was replaced.
    fn push(&mut self, next: &str) {
        let here = self.link(self.embed);
        self.fx.address.push(Address::Replace(here));
        self.fx.address.push(Address::Push(next.to_string()));
    }

    fn copy_link(&mut self) -> Moved {
        let touring = self
            .reader
            .as_ref()
            .is_some_and(|r| r.link(false).is_some());
        let q = self.link(self.embed);
        self.fx.address.push(Address::Replace(q.clone()));
        self.fx.copy = Some(q);
        self.notice(if touring {
            "Link copied: it opens this tour at this chapter (also in the address bar and the \
             field below the settings)."
        } else {
            "Link copied: it replays this run and opens at this moment (also in the address bar \
             and the field below the settings)."
        })
    }

    fn import(&mut self, file: Result<String, String>) -> Moved {
        let sim = match file.and_then(|text| AnySim::import_trace(text.as_bytes())) {
            Ok(sim) => sim,
            Err(e) => return self.notice(format!("Import failed, nothing changed: {e}")),
        };
        self.gen += 1;
        self.playing = false;
        // A trace is one run: it ends a tour or a comparison.
        self.reader = None;
        self.compare = None;
        self.runs = Runs {
            left: sim,
            right: None,
        };
        self.selected = Selection::None;
        self.fx
            .notices
            .push("Trace imported: it replayed event for event.".into());
        Moved::Jumped
    }

    /// A Jepsen history file onto the History view, checked there; the run stays as it was.
    fn import_history(&mut self, name: &str, file: Result<String, String>) -> Moved {
        let panel = file.and_then(|text| {
            self.histories += 1;
            HistoryPanel::import(name, &text, self.histories)
        });
        match panel {
            Ok(p) => {
                self.history = Some(p);
                Moved::Not
            }
            Err(e) => self.notice(format!("History import failed, nothing changed: {e}")),
        }
    }

    /// Keeps the run's history on the History view as the run goes: a key-value run's
    /// history is checked anew whenever an operation starts or ends, and follows the moment.
    fn follow_run_history(&mut self) {
        let sim = &self.runs.left;
        if sim.settings().workload.is_counter() {
            self.run_history = None;
            return;
        }
        let h = sim.client_history();
        let sig = signature(self.gen, h);
        match &mut self.run_history {
            Some((panel, was)) if *was == sig => panel.set_now(sim.now()),
            _ => {
                self.histories += 1;
                let panel = HistoryPanel::run(sim, self.histories);
                self.run_history = Some((panel, sig));
            }
        }
    }

    /// Moves the timeline to operation `id`'s moment, if the history is the run's.
    fn seek_op(&mut self, id: OpId) -> Moved {
        let Some(h) = self.history() else {
            return Moved::Not;
        };
        let Some(op) = h.history().ops.get(id) else {
            return self.notice(format!("There is no operation {id} in the history."));
        };
        let at = op.completed.as_ref().map_or(op.invoked, |(t, _)| *t);
        match h.source() {
            super::Source::Run => {
                self.playing = false;
                self.runs.left.seek_time(at);
                Moved::Jumped
            }
            super::Source::File(name) => {
                let name = name.clone();
                self.notice(format!(
                    "{name} is not this run's history: its moments are line numbers (this \
                     operation ends at line {at}), so the timeline stays where it is."
                ))
            }
        }
    }

    /// Opens a tour at chapter `ch` (as links write it, from 1), once its text is here.
    fn open_tour(&mut self, id: &str, ch: Option<&str>) -> Moved {
        let entry = match tour::entry(id) {
            Ok(e) => e,
            Err(e) => return self.notice(e),
        };
        if entry.on_ring_page() {
            // Told on the consistent-hashing page: that is the other app, so load it.
            let ch = ch.map(|c| format!("&ch={c}")).unwrap_or_default();
            let embed = if self.embed { "&embed=1" } else { "" };
            let q = format!("protocol=ring&tour={id}{ch}{embed}");
            self.fx.leave = Some(Leave::To(q));
            return Moved::Not;
        }
        match tour::compiled(id).filter(|_| !self.fetch_tours) {
            Some(text) => self.read_tour(id, text, ch),
            None => {
                self.fetching = Some((id.to_string(), ch.map(str::to_string)));
                self.fx.fetch_tour = Some(entry);
                Moved::Not
            }
        }
    }

    /// Opens tour `id` from its text at chapter `ch`.
    fn read_tour(&mut self, id: &str, text: &str, ch: Option<&str>) -> Moved {
        let t = match tour::from_text(id, text) {
            Ok(t) => t,
            Err(e) => return self.notice(e),
        };
        let Some(mut r) = Reader::open(t, ch, &mut self.fx.notices) else {
            return Moved::Not;
        };
        r.go_to(r.index(), &mut self.runs);
        self.compare = r.tour().compare.clone();
        self.reader = Some(r);
        self.playing = false;
        self.gen += 1;
        self.selected = Selection::None;
        self.spacetime = false;
        Moved::Jumped
    }

    /// Goes to the chapter `to` gives for the chapter shown.
    fn go_to(&mut self, to: fn(usize) -> usize) -> Moved {
        self.playing = false;
        let Some(r) = self.reader.as_mut() else {
            return Moved::Not;
        };
        let swapped = r.go_to(to(r.index()), &mut self.runs);
        self.swapped(swapped)
    }

    /// After the reader moved: other runs on screen are a new generation, with nothing
    /// selected.
    fn swapped(&mut self, swapped: bool) -> Moved {
        if swapped {
            self.gen += 1;
            self.selected = Selection::None;
        }
        Moved::Jumped
    }
}
