//! The app's one stateful component: it owns the simulation, runs the frame loop and turns the
//! user's input into engine commands. Everything it draws comes from engine snapshots.

use crate::components::{cluster, controls, event_log, inspector, invariants, settings, spacetime};
use gloo::events::{EventListener, EventListenerOptions};
use gloo::render::{request_animation_frame, AnimationFrame};
use lab_engine::any::AnySim;
use lab_engine::share::decode_link;
use lab_engine::sim::history::{Action, MsgId};
use lab_engine::sim::view::Snapshot;
use lab_engine::time::fmt_time;
use lab_engine::{NodeId, Settings, Time};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// What the inspector shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    None,
    Node(NodeId),
    Message(MsgId),
}

/// Playback speeds: virtual time per real time. Messages take 10-15 ms, so the default slow
/// motion makes them visible.
pub const SPEEDS: [(f64, &str); 9] = [
    (0.01, "1/100×"),
    (0.02, "1/50×"),
    (0.05, "1/20×"),
    (0.1, "1/10×"),
    (0.25, "1/4×"),
    (0.5, "1/2×"),
    (1.0, "1×"),
    (4.0, "4×"),
    (20.0, "20×"),
];
const DEFAULT_SPEED: usize = 2;

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
    Filter(event_log::Filter),
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

pub struct App {
    sim: AnySim,
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
    filter: event_log::Filter,
    /// The partition editor's groups: 0 = A, 1 = B, 2 = C.
    draft: Vec<u8>,
    violations_seen: usize,
    spacetime: bool,
    /// Messages are painted here when there are too many for SVG (see cluster::BUSY).
    canvas: NodeRef,
    /// The snapshot the last render drew, so the canvas paints the same moment.
    drawn: RefCell<Option<Snapshot>>,
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
                self.draft = vec![0; settings.nodes];
                self.sim = sim;
                self.settings = settings;
                self.selected = Selection::None;
                self.violations_seen = 0;
                self.filter = event_log::Filter::default();
            }
            Err(e) => self.notices.push(e),
        }
    }

    fn act(&mut self, action: Action) {
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
        let d = decode_link(&query());
        let mut notices = d.warnings;
        let flag = |k: &str| d.view.iter().any(|(key, v)| key == k && v != "0");
        let embed = flag("embed");
        let autoplay = flag("autoplay");
        let speed = d
            .view
            .iter()
            .find(|(k, _)| k == "speed")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .filter(|&i| i < SPEEDS.len())
            .unwrap_or(DEFAULT_SPEED);
        let settings = d.settings.clone();
        let sim = match AnySim::replay(d.settings, d.actions) {
            Ok(sim) => sim,
            Err(e) => {
                notices.push(format!("{e}; showing Raft instead"));
                AnySim::new(Settings::default()).expect("default settings are valid")
            }
        };
        let settings = if sim.settings() == &settings {
            settings
        } else {
            sim.settings().clone()
        };
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
            sim,
            settings,
            playing: autoplay,
            speed,
            last_frame: None,
            frame: None,
            selected: Selection::None,
            manual: false,
            help: false,
            embed,
            notices,
            filter: event_log::Filter::default(),
            violations_seen: 0,
            spacetime: false,
            canvas: NodeRef::default(),
            drawn: RefCell::new(None),
            _keys: keys,
        };
        // A link's actions replay up to the time they reach, so the page opens where the
        // sender was.
        let at = d
            .view
            .iter()
            .find(|(k, _)| k == "t")
            .map(|(_, v)| v.clone());
        let last = app.sim.history().actions.last().map(|a| a.time);
        match at.map(|t| lab_engine::time::parse_time(&t)) {
            Some(Ok(t)) => app.sim.seek_time(t),
            Some(Err(e)) => app.notices.push(format!("ignored t: {e}")),
            None => {}
        }
        if let Some(last) = last.filter(|&l| l > app.sim.now()) {
            app.sim.run_until(last);
        }
        app.notices.extend(app.sim.skipped());
        app.violations_seen = app.sim.violations().len();
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
            Msg::FireTimeout(node) => {
                let timer = self
                    .sim
                    .snapshot()
                    .timers
                    .iter()
                    .filter(|t| t.node == node)
                    .min_by_key(|t| t.fires_at)
                    .map(|t| t.id);
                match timer {
                    Some(timer) => self.act(Action::FireTimer { timer }),
                    None => self.notices.push(format!("{node} has no pending timer")),
                }
            }
            Msg::RequestToLeader => {
                let node = self
                    .sim
                    .leader()
                    .unwrap_or_else(|| self.sim.protocol_target());
                self.act(Action::Request { node, delta: 1 });
            }
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
            Msg::ApplyPartition => {
                let groups: Vec<Vec<NodeId>> = (0..3u8)
                    .map(|g| {
                        NodeId::all(self.settings.nodes)
                            .filter(|n| self.draft.get(n.idx()) == Some(&g))
                            .collect()
                    })
                    .filter(|g: &Vec<NodeId>| !g.is_empty())
                    .collect();
                if groups.len() < 2 {
                    self.notices
                        .push("Put the nodes in at least two groups to partition.".into());
                } else {
                    self.act(Action::Partition { groups });
                }
            }
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

    fn rendered(&mut self, _ctx: &Context<Self>, _first: bool) {
        let canvas = self.canvas.cast::<web_sys::HtmlCanvasElement>();
        if let (Some(canvas), Some(snap)) = (canvas, self.drawn.borrow().as_ref()) {
            cluster::paint_messages(&canvas, snap);
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let snap = self.sim.snapshot();
        let html = self.draw(ctx, &snap);
        *self.drawn.borrow_mut() = Some(snap);
        html
    }
}

impl App {
    fn draw(&self, ctx: &Context<Self>, snap: &Snapshot) -> Html {
        let link = ctx.link();
        let violations = self.sim.violations();
        let on_select = link.callback(Msg::Select);
        let cluster = if self.spacetime {
            spacetime::view(&self.sim, snap, self.selected, &on_select)
        } else {
            html! {
                <div class="cluster-box" data-testid="cluster" data-messages={snap.messages.len().to_string()}>
                    { cluster::view(snap, self.selected, self.sim.settings().protocol, &on_select) }
                    <canvas class="messages-canvas" ref={self.canvas.clone()} aria-hidden="true" />
                </div>
            }
        };
        let transport = controls::transport(&controls::Transport {
            playing: self.playing,
            manual: self.manual,
            speed: self.speed,
            now: snap.now,
            events: snap.events,
            horizon: self.sim.horizon(),
            markers: &self.sim.history().markers,
            hash: self.sim.trace_hash(),
            link,
        });
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
            let full = format!("./?{}", self.sim.link(&[]));
            return html! {
                <div class="app embed">
                    { banner }
                    <div class="stage">{ cluster }</div>
                    { transport }
                    <a class="open-full" href={full} target="_blank" rel="noopener">{ "open in Consensus Lab ↗" }</a>
                </div>
            };
        }
        html! {
            <div class="app">
                <header class="top">
                    <h1><span class="logo" aria-hidden="true">{ "◉" }</span>{ "Consensus Lab" }</h1>
                    { settings::view(&self.settings, self.sim.network(), link) }
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
                    { controls::faults(&controls::Faults {
                        nodes: self.settings.nodes,
                        draft: &self.draft,
                        manual: self.manual,
                        snap,
                        link,
                    }) }
                </main>
                <aside class="side">
                    { inspector::view(&self.sim, snap, self.selected, link) }
                    { invariants::view(self.sim.invariants(), &violations) }
                    { event_log::view(&self.sim.log(), &self.filter, self.settings.nodes, link) }
                </aside>
                { self.help.then(|| controls::help(link)) }
            </div>
        }
    }
}
