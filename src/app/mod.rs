//! The protocol page's shell, its one stateful component. Messages become commands for the
//! engine's [`Player`], which decides; this carries out the effects it returns with web-sys (the
//! address bar, the clipboard, animation frames, scrolling). Components get engine data as props
//! and report through typed callbacks; none of them knows this module.

mod callbacks;
mod files;
mod keys;
mod view;
mod worker;

use crate::components::spacetime::Window;
use crate::components::tour::{tour_groups, TourGroups};
use crate::ui_state::Shared;
use callbacks::Callbacks;
use gloo::events::{EventListener, EventListenerOptions};
use gloo::render::{request_animation_frame, AnimationFrame};
use lab_engine::session::{Address, Command, Effects, Leave, Player, Selection, Welcome};
use lab_engine::NodeId;
use std::cell::RefCell;
use view::Memos;
use wasm_bindgen::{JsCast, JsValue};
use worker::Search;
use yew::prelude::*;

pub enum Msg {
    /// What the session decides.
    Do(Command),
    /// An animation frame, at this real time in milliseconds.
    Frame(f64),
    Key(KeyboardEvent),
    Help(bool),
    /// Clear the notices.
    Dismiss,
    /// Scroll or zoom the space-time diagram.
    StWindow(Window),
    ExportTrace,
    ExportSvg,
    ImportTrace(web_sys::File),
    /// A Jepsen history file for the History view.
    ImportHistory(web_sys::File),
    /// The browser went Back or Forward.
    PopState,
    /// Open (with the run at this moment) or close the Copy embed code dialog.
    EmbedCode(bool),
    /// Find a bug: the search in its worker.
    Search(worker::Msg),
}

pub struct App {
    player: Player,
    notices: Vec<String>,
    help: bool,
    st_window: Window,
    /// The last link copied, shown for browsers that block the clipboard.
    shared: Option<String>,
    /// The Copy embed code dialog: the lab's address and the run, as it was when it opened.
    embedding: Option<(String, String)>,
    search: Search,
    frame: Option<AnimationFrame>,
    /// The tours menu, built once.
    tour_groups: Shared<TourGroups>,
    cb: Callbacks,
    memos: RefCell<Memos>,
    /// The selection last brought into view above the phone's inspector sheet.
    revealed: Selection,
    _keys: EventListener,
    _history: EventListener,
}

/// The page's query string, with its `?`.
/// The localStorage key that remembers the welcome card was dismissed.
const WELCOMED: &str = "consensus-lab.welcomed";

/// The lab's own directory, as an embed loads it: the page's address less its query and file.
fn lab_address() -> String {
    let Some(w) = web_sys::window() else {
        return "./".into();
    };
    let l = w.location();
    let (origin, path) = (
        l.origin().unwrap_or_default(),
        l.pathname().unwrap_or_default(),
    );
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    format!("{origin}{dir}/")
}

fn query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

impl App {
    fn apply(&mut self, ctx: &Context<Self>, cmd: Command) {
        let fx = self.player.apply(cmd);
        self.carry_out(ctx, fx);
    }

    /// Does what the session asked for.
    fn carry_out(&mut self, ctx: &Context<Self>, fx: Effects) {
        self.notices.extend(fx.notices);
        if let Some(tour) = fx.fetch_tour {
            let (link, id, path) = (ctx.link().clone(), tour.id.to_string(), tour.path());
            wasm_bindgen_futures::spawn_local(async move {
                let text = consensus_lab::fetch::text(&path).await;
                link.send_message(Msg::Do(Command::TourText { id, text }));
            });
        }
        if fx.frame && self.frame.is_none() {
            let link = ctx.link().clone();
            self.frame = Some(request_animation_frame(move |ts| {
                link.send_message(Msg::Frame(ts))
            }));
        }
        let Some(w) = web_sys::window() else { return };
        let path = w.location().pathname().unwrap_or_default();
        if let Ok(h) = w.history() {
            for change in fx.address {
                let _ = match change {
                    Address::Replace(q) => {
                        h.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}?{q}")))
                    }
                    Address::Push(q) => {
                        h.push_state_with_url(&JsValue::NULL, "", Some(&format!("{path}?{q}")))
                    }
                };
            }
        }
        if let Some(q) = fx.copy {
            // The address bar holds the link now: copy it whole, origin and path included.
            let full = w.location().href().unwrap_or(format!("{path}?{q}"));
            let _ = w.navigator().clipboard().write_text(&full);
            self.shared = Some(full);
        }
        if fx.welcomed {
            if let Some(s) = w.local_storage().ok().flatten() {
                let _ = s.set_item(WELCOMED, "1");
            }
        }
        if fx.scroll_top {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
        let _ = match fx.leave {
            Some(Leave::To(q)) => w.location().set_search(&q),
            Some(Leave::Reload) => w.location().reload(),
            None => Ok(()),
        };
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
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
        let mut app = App {
            player: Player::new(),
            notices: Vec::new(),
            help: false,
            st_window: Window::default(),
            shared: None,
            embedding: None,
            search: Search::default(),
            frame: None,
            tour_groups: Shared::new(tour_groups()),
            cb: Callbacks::new(ctx.link()),
            memos: RefCell::default(),
            revealed: Selection::None,
            _keys: keys,
            _history: history,
        };
        app.apply(ctx, Command::Open(query()));
        // Dismissed on an earlier visit: the card stays away for good.
        let welcomed = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .is_some_and(|s| s.get_item(WELCOMED).ok().flatten().is_some());
        if app.player.welcome() && welcomed {
            app.apply(ctx, Command::Welcome(Welcome::Close));
        }
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let cmd = match msg {
            Msg::Do(cmd) => cmd,
            Msg::Frame(ts) => {
                self.frame = None;
                Command::Frame(ts)
            }
            Msg::PopState => Command::Back(query()),
            Msg::Key(e) => {
                if let Some(msg) = keys::message(&e, self.help, self.player.selected()) {
                    e.prevent_default();
                    ctx.link().send_message(msg);
                }
                return false;
            }
            Msg::Help(on) => {
                self.help = on;
                return true;
            }
            Msg::EmbedCode(open) => {
                self.embedding = open.then(|| (lab_address(), self.player.link(false)));
                return true;
            }
            Msg::Dismiss => {
                self.notices.clear();
                return true;
            }
            Msg::StWindow(w) => {
                self.st_window = w;
                return true;
            }
            Msg::ExportTrace => {
                self.notices
                    .extend(files::export_trace(self.player.sim()).err());
                return true;
            }
            Msg::ExportSvg => {
                self.notices.extend(files::export_svg().err());
                return true;
            }
            Msg::ImportTrace(file) => {
                self.notices.extend(files::import_trace(ctx, file).err());
                return true;
            }
            Msg::ImportHistory(file) => {
                self.notices.extend(files::import_history(ctx, file).err());
                return true;
            }
            Msg::Search(m) => {
                let settings = self.player.sim().settings();
                match self.search.update(ctx, m, settings) {
                    Some(found) => Command::ShowFound(found),
                    None => return true,
                }
            }
        };
        self.apply(ctx, cmd);
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        self.render(ctx)
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first: bool) {
        let sel = self.player.selected();
        if sel != self.revealed {
            self.revealed = sel;
            if let Selection::Node(id) = sel {
                reveal_above_sheet(id);
            }
        }
    }
}

/// On a phone the inspector opens as a sheet over the lower screen: scrolls the page so the
/// node just tapped sits above the sheet instead of under it. A side panel (wider screens)
/// covers nothing, and nothing moves.
fn reveal_above_sheet(id: NodeId) {
    let Some(w) = web_sys::window() else { return };
    let Some(doc) = w.document() else { return };
    let (Ok(Some(sheet)), Ok(Some(node))) = (
        doc.query_selector(".inspector.open"),
        doc.query_selector(&format!("[data-testid=\"node-{}\"]", id.0)),
    ) else {
        return;
    };
    let width = w.inner_width().ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let height = w
        .inner_height()
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    let (s, n) = (
        sheet.get_bounding_client_rect(),
        node.get_bounding_client_rect(),
    );
    // The sheet spans the screen's width and rests on its bottom edge.
    let is_sheet = s.width() >= width - 1.0 && s.bottom() >= height - 1.0 && s.top() > 0.0;
    let below = n.bottom() + 8.0 - s.top();
    if is_sheet && below > 0.0 {
        // Not past the node's top: a tall node on a short screen keeps its top in view.
        w.scroll_by_with_x_and_y(0.0, below.min(n.top().max(0.0)));
    }
}
