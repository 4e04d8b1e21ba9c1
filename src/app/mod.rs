//! The protocol page's shell, its one stateful component. Messages become commands for the
//! engine's [`Player`], which decides; this carries out the effects it returns with web-sys (the
//! address bar, the clipboard, animation frames, scrolling). Components get engine data as props
//! and report through typed callbacks; none of them knows this module.

mod browser;
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
use lab_engine::session::{Command, Effects, Player, Selection, Welcome};
use std::cell::RefCell;
use view::Memos;
use wasm_bindgen::JsCast;
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

impl App {
    fn apply(&mut self, ctx: &Context<Self>, cmd: Command) {
        let fx = self.player.apply(cmd);
        self.carry_out(ctx, fx);
    }

    /// Does what the session asked for.
    fn carry_out(&mut self, ctx: &Context<Self>, mut fx: Effects) {
        self.notices.append(&mut fx.notices);
        if let Some(tour) = fx.fetch_tour.take() {
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
        if let Some(link) = browser::carry_out(fx) {
            self.shared = Some(link);
        }
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
        app.apply(ctx, Command::Open(browser::query()));
        // Dismissed on an earlier visit: the card stays away for good.
        if app.player.welcome() && browser::welcomed() {
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
            Msg::PopState => Command::Back(browser::query()),
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
                self.embedding = open.then(|| (browser::lab_address(), self.player.link(false)));
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
                browser::reveal_above_sheet(id);
            }
        }
    }
}
