//! The app's one stateful component: it owns the simulation, runs the frame loop and turns the
//! user's input into engine commands. Components get engine data as props and report back
//! through typed callbacks; none of them knows this module.

use crate::components::cluster::Cluster;
use crate::components::controls::{Faults, Help, Transport};
use crate::components::event_log::EventLog;
use crate::components::inspector::{Inspected, Inspector};
use crate::components::invariants::Invariants;
use crate::components::settings::SettingsBar;
use crate::components::spacetime::{self, SpaceTime};
use crate::ui_state::{LogFilter, Memo, Selection, DEFAULT_SPEED, SPEEDS};
use gloo::events::{EventListener, EventListenerOptions};
use gloo::render::{request_animation_frame, AnimationFrame};
use lab_engine::any::AnySim;
use lab_engine::session::{self, Arrow, Lifecycle};
use lab_engine::sim::history::{Action, Marker, ViolationRecord};
use lab_engine::sim::settings::fmt_time;
use lab_engine::sim::view::Snapshot;
use lab_engine::sim::LogLine;
use lab_engine::{NodeId, Settings, Time};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use yew::prelude::*;

pub enum Msg {
    Frame(f64),
    TogglePlay,
    Step,
    StepBack,
    Speed(usize),
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
    ExportTrace,
    ExportSvg,
    ImportTrace(web_sys::File),
    Imported(Result<Box<AnySim>, String>),
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
    speed: Callback<usize>,
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
        }
    }
}

/// The engine data handed to components, rebuilt only when what it depends on changed.
/// `gen` changes whenever the run itself changes (new settings, an action, an import); within
/// one generation the data at a moment depends only on the event count and the time.
#[derive(Default)]
struct Memos {
    snap: Memo<(u64, u64, Time), Snapshot>,
    log: Memo<(u64, u64), Vec<LogLine>>,
    violations: Memo<(u64, u64), Vec<ViolationRecord>>,
    markers: Memo<(u64, usize), Vec<Marker>>,
    inspected: Memo<(u64, u64, Selection), Inspected>,
    arrows: Memo<(u64, u64, Time), Vec<Arrow>>,
    crashes: Memo<(u64, Time), Vec<Lifecycle>>,
}

pub struct App {
    sim: AnySim,
    /// Bumped whenever the run changes other than by moving in time (see [`Memos`]).
    gen: u64,
    settings: Settings,
    playing: bool,
    speed: usize,
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
    cb: Callbacks,
    memos: RefCell<Memos>,
    _keys: EventListener,
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
                self.gen += 1;
                self.draft = vec![0; settings.nodes];
                self.sim = sim;
                self.settings = settings;
                self.selected = Selection::None;
                self.violations_seen = 0;
                self.filter = LogFilter::default();
            }
            Err(e) => self.notices.push(e),
        }
    }

    fn act(&mut self, action: Action) {
        self.gen += 1;
        match self.sim.apply(action) {
            Ok(r) => {
                if !r.violations.is_empty() {
                    self.playing = false;
                }
            }
            Err(e) => self.notices.push(e),
        }
    }

    /// Pauses when a violation appears that was not there before.
    fn watch_violations(&mut self) {
        let n = self.sim.violations().len();
        if n > self.violations_seen {
            self.playing = false;
        }
        self.violations_seen = n;
    }

    fn key(&mut self, ctx: &Context<Self>, e: KeyboardEvent) -> bool {
        let typing = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
            return false;
        }
        let msg = match e.key().as_str() {
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
        let speed = opened
            .param("speed")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&i| i < SPEEDS.len())
            .unwrap_or(DEFAULT_SPEED);
        let (embed, playing) = (opened.flag("embed"), opened.flag("autoplay"));
        let sim = opened.sim;
        let settings = sim.settings().clone();
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
        let mut app = App {
            draft: vec![0; settings.nodes],
            violations_seen: sim.violations().len(),
            sim,
            gen: 0,
            settings,
            playing,
            speed,
            last_frame: None,
            frame: None,
            selected: Selection::None,
            manual: false,
            help: false,
            embed,
            notices: opened.notices,
            filter: LogFilter::default(),
            spacetime: false,
            cb: Callbacks::new(ctx.link()),
            memos: RefCell::default(),
            _keys: keys,
        };
        if app.playing {
            app.schedule(ctx);
        }
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Frame(ts) => {
                self.frame = None;
                if !self.playing {
                    self.last_frame = None;
                    return false;
                }
                let dt = self.last_frame.map_or(0.0, |l| (ts - l).clamp(0.0, 100.0));
                self.last_frame = Some(ts);
                let advance = (dt * 1000.0 * SPEEDS[self.speed].0) as Time;
                if self
                    .sim
                    .run_until_violation(self.sim.now() + advance)
                    .is_some()
                {
                    self.playing = false;
                }
                self.watch_violations();
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
                    self.schedule(ctx);
                }
            }
            Msg::Step => {
                self.playing = false;
                self.sim.step();
                self.watch_violations();
            }
            Msg::StepBack => {
                self.playing = false;
                self.sim.step_back();
                self.violations_seen = self.sim.violations().len();
            }
            Msg::Speed(i) => self.speed = i.min(SPEEDS.len() - 1),
            Msg::Seek(t) => {
                self.sim.seek_time(t);
                self.violations_seen = self.sim.violations().len();
            }
            Msg::SeekEvent(k) => {
                self.playing = false;
                self.sim.seek_event(k);
                self.violations_seen = self.sim.violations().len();
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
                let q = self.sim.link(&[]);
                if let Some(w) = web_sys::window() {
                    let url = format!("{}?{q}", w.location().pathname().unwrap_or_default());
                    if let Ok(h) = w.history() {
                        let _ =
                            h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
                    }
                    let full = w.location().href().unwrap_or(url);
                    let _ = w.navigator().clipboard().write_text(&full);
                    self.notices.push(
                        "Link copied: it replays this run exactly (also in the address bar)."
                            .into(),
                    );
                }
            }
            Msg::Dismiss => self.notices.clear(),
            Msg::SpaceTime(on) => self.spacetime = on,
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
                        let style = "<style>line{stroke:#555}.lane line{stroke:#bbb}.tick,.lane text,.fault text{font:11px sans-serif}.cross{fill:#dc2626}</style>";
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
                self.settings = sim.settings().clone();
                self.draft = vec![0; self.settings.nodes];
                self.sim = *sim;
                self.selected = Selection::None;
                self.violations_seen = self.sim.violations().len();
                self.notices
                    .push("Trace imported: it replayed event for event.".into());
            }
            Msg::Imported(Err(e)) => {
                self.notices
                    .push(format!("Import failed, nothing changed: {e}"));
            }
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
        let cluster = if self.spacetime {
            let t0 = now.saturating_sub(spacetime::WINDOW);
            let arrows = memos
                .arrows
                .get((gen, events, now), || session::arrows(sim, &snap, t0));
            let crashes = memos
                .crashes
                .get((gen, now), || session::crashes(sim, t0, now));
            html! { <SpaceTime snap={snap.clone()} {arrows} {crashes} selected={self.selected} on_select={cb.select.clone()} /> }
        } else {
            html! { <Cluster snap={snap.clone()} selected={self.selected} protocol={self.settings.protocol} on_select={cb.select.clone()} /> }
        };
        let markers = memos.markers.get((gen, sim.history().markers.len()), || {
            sim.history().markers.clone()
        });
        let transport = html! {
            <Transport playing={self.playing} manual={self.manual} speed={self.speed} now={snap.now}
                events={snap.events} horizon={sim.horizon()} {markers} hash={sim.trace_hash()}
                on_play={cb.play.clone()} on_step={cb.step.clone()} on_step_back={cb.step_back.clone()}
                on_speed={cb.speed.clone()} on_seek={cb.seek.clone()} />
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
        let banner = violations.first().map(|v| {
            let at = v.event;
            html! {
                <div class="violation" data-testid="violation" role="alert">
                    <strong>{ format!("{} violated", v.violation.invariant) }</strong>
                    <span>{ format!(" at {} (event #{}): {}", fmt_time(v.time), v.event, v.violation.explanation) }</span>
                    <button onclick={link.callback(move |_| Msg::SeekEvent(at))}>{ "Go to the event" }</button>
                </div>
            }
        });
        if self.embed {
            let full = format!("./?{}", sim.link(&[]));
            return html! {
                <div class="app embed">
                    { banner }
                    <div class="stage">{ cluster }</div>
                    { transport }
                    <a class="open-full" href={full} target="_blank" rel="noopener">{ "open in Consensus Lab ↗" }</a>
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
        html! {
            <div class="app">
                <header class="top">
                    <h1><span class="logo" aria-hidden="true">{ "◉" }</span>{ "Consensus Lab" }</h1>
                    <SettingsBar settings={self.settings.clone()} network={sim.network().clone()}
                        on_configure={cb.configure.clone()} on_action={cb.act.clone()}
                        on_reset={cb.reset.clone()} on_copy_link={cb.copy_link.clone()} />
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
                    <Faults draft={self.draft.clone()} manual={self.manual} {queue}
                        on_action={cb.act.clone()} on_draft={cb.draft.clone()} on_partition={cb.partition.clone()}
                        on_request_leader={cb.request_leader.clone()} on_manual={cb.manual.clone()} />
                </main>
                <aside class="side">
                    <Inspector data={inspected} on_action={cb.act.clone()} on_timeout={cb.timeout.clone()} />
                    <Invariants all={sim.invariants()} {violations} />
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
