//! The consistent-hashing page (`?p=ring`): owns the ring's parameters, keeps them in the
//! address bar (every membership change is a browser history entry, so Back undoes it) and
//! hands the engine's [`Scene`] to the components. Like the protocol page, it only forwards: the
//! engine computes the ring and reads the tour (the same [`Reader`] as the protocol page's), the
//! components draw it.

use crate::components::ring::{RingDrawing, RingSettings, RingSide};
use crate::components::tour::{tour_groups, TourGroups, TourPanel, ToursMenu};
use crate::ui_state::Shared;
use gloo::events::EventListener;
use lab_engine::session::{Reader, RingViewParams};
use lab_engine::share::{decode_ring_link, encode_ring_link, is_ring_link};
use lab_engine::tour;
use lab_ring::page::{Change, Params, Scene};
use lab_ring::script::RingView;
use lab_ring::RingNode;
use std::rc::Rc;
use yew::html::Scope;
use yew::prelude::*;

pub enum Msg {
    Set(&'static str, String),
    Add,
    Remove(RingNode),
    Undo,
    Reset,
    Select(u64),
    Page(String),
    PopState,
    Dismiss,
    OpenTour(String),
    /// A tour's text, fetched: its id, the chapter to open it at (as links write it, from 1),
    /// whether it opens as a new history entry, and the text or why it could not be fetched.
    TourText {
        id: String,
        ch: Option<String>,
        new_entry: bool,
        text: Result<String, String>,
    },
    /// Go to a chapter of the tour (0-based).
    Chapter(usize),
    CloseTour,
    CopyLink,
}

pub struct RingPage {
    params: Params,
    scene: Rc<Scene>,
    selected: Option<u64>,
    embed: bool,
    notices: Vec<String>,
    /// A tour told on this page: its chapters' rings, and where the reader is.
    reader: Option<Reader>,
    /// The tour whose text is on its way.
    fetching: Option<String>,
    tour_groups: Shared<TourGroups>,
    _history: EventListener,
}

fn query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Whether the page's link asks for this page rather than a protocol.
pub fn wanted() -> bool {
    is_ring_link(&query())
}

impl RingPage {
    /// Takes over the state a link describes (at start, or after Back).
    fn load(&mut self, link: &Scope<Self>, q: &str) {
        let d = decode_ring_link(q);
        self.notices.extend(d.warnings);
        let view = RingViewParams::parse(&d.view, d.params.keys, &mut self.notices);
        self.embed = view.embed;
        self.selected = view.selected;
        self.show(d.params);
        self.reader = None;
        self.fetching = None;
        if let Some(id) = view.tour {
            self.open_tour(link, &id, view.chapter.as_deref(), false);
        }
    }

    /// Opens a ring tour at chapter `ch` (as links write it, from 1) once its text is fetched
    /// ([`Msg::TourText`]).
    fn open_tour(&mut self, link: &Scope<Self>, id: &str, ch: Option<&str>, new_entry: bool) {
        let entry = match tour::entry(id) {
            Ok(e) if e.on_ring_page() => e,
            Ok(_) => {
                self.notices.push(format!(
                    "the tour '{id}' is told in the lab, not on the ring page"
                ));
                return;
            }
            Err(e) => {
                self.notices.push(e);
                return;
            }
        };
        self.fetching = Some(id.to_string());
        let (link, id, ch, path) = (
            link.clone(),
            id.to_string(),
            ch.map(str::to_string),
            entry.path(),
        );
        wasm_bindgen_futures::spawn_local(async move {
            let text = crate::fetch::text(&path).await;
            link.send_message(Msg::TourText {
                id,
                ch,
                new_entry,
                text,
            });
        });
    }

    /// Reads a fetched tour and shows the chapter the link asked for.
    fn read_tour(
        &mut self,
        id: &str,
        ch: Option<&str>,
        new_entry: bool,
        text: Result<String, String>,
    ) {
        let read = text
            .map_err(|e| format!("The tour '{id}' could not be loaded: {e}"))
            .and_then(|t| tour::from_text(id, &t));
        let t = match read {
            Ok(t) => t,
            Err(e) => {
                self.notices.push(e);
                return;
            }
        };
        if let Some(r) = Reader::open_ring(t, ch, &mut self.notices) {
            let k = r.index();
            self.reader = Some(r);
            self.go_to(k, new_entry);
        }
    }

    /// Shows chapter `k`'s ring and selection, in the same history entry or a new one.
    fn go_to(&mut self, k: usize, new_entry: bool) {
        let Some(RingView { params, selected }) = self.reader.as_mut().and_then(|r| r.ring_at(k))
        else {
            return;
        };
        self.selected = selected;
        self.show(params);
        self.record(new_entry);
    }

    fn show(&mut self, params: Params) {
        match Scene::new(&params) {
            Ok(scene) => {
                self.scene = Rc::new(scene);
                if self.selected.is_some_and(|k| k >= u64::from(params.keys)) {
                    self.selected = None;
                }
                self.params = params;
            }
            Err(e) => self.notices.push(e),
        }
    }

    /// The link to what is shown: the tour's chapter, or the ring with its selection.
    fn link(&self, embed: bool) -> String {
        if let Some(q) = self.reader.as_ref().and_then(|r| r.link(embed)) {
            return q;
        }
        let sel = self.selected.map(|k| format!("k{k}"));
        let mut view: Vec<(&str, &str)> = Vec::new();
        if embed {
            view.push(("embed", "1"));
        }
        if let Some(s) = &sel {
            view.push(("sel", s));
        }
        encode_ring_link(&self.params, &view)
    }

    /// Writes the state into the address bar: a new history entry for a new ring, the same
    /// entry for a new selection.
    fn record(&self, new_entry: bool) {
        let Some(w) = web_sys::window() else { return };
        let (Ok(h), Ok(path)) = (w.history(), w.location().pathname()) else {
            return;
        };
        let url = format!("{path}?{}", self.link(self.embed));
        let null = wasm_bindgen::JsValue::NULL;
        let _ = if new_entry {
            h.push_state_with_url(&null, "", Some(&url))
        } else {
            h.replace_state_with_url(&null, "", Some(&url))
        };
    }

    /// Moves to `next` if it is a valid ring, as a new history entry.
    fn go(&mut self, next: Result<Params, String>) {
        match next {
            Ok(p) => {
                if let Some(r) = self.reader.as_mut() {
                    r.leave("You changed the ring; the story waits.".into());
                }
                self.show(p);
                self.record(true);
            }
            Err(e) => self.notices.push(e),
        }
    }
}

impl Component for RingPage {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let link = ctx.link().clone();
        let history = EventListener::new(&gloo::utils::window(), "popstate", move |_| {
            link.send_message(Msg::PopState)
        });
        let params = Params::default();
        let mut page = RingPage {
            scene: Rc::new(Scene::new(&params).expect("the default ring is valid")),
            params,
            selected: None,
            embed: false,
            notices: Vec::new(),
            reader: None,
            fetching: None,
            tour_groups: Shared::new(tour_groups()),
            _history: history,
        };
        page.load(ctx.link(), &query());
        page
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Set(word, value) => self.go(self.params.with(word, value.trim())),
            Msg::Add => self.go(self.params.then(Change::Add(self.params.next_id()))),
            Msg::Remove(n) => self.go(self.params.then(Change::Remove(n))),
            Msg::Undo => {
                let mut p = self.params.clone();
                p.changes.pop();
                self.go(Ok(p));
            }
            Msg::Reset => {
                let mut p = self.params.clone();
                p.changes.clear();
                self.go(Ok(p));
            }
            Msg::Select(k) => {
                self.selected = (self.selected != Some(k)).then_some(k);
                self.record(false);
            }
            Msg::Page(slug) => {
                if let Some(w) = web_sys::window() {
                    let _ = w
                        .location()
                        .set_search(&format!("protocol={}&seed={}", slug, self.params.seed));
                }
            }
            Msg::PopState => {
                let q = query();
                if is_ring_link(&q) {
                    self.load(ctx.link(), &q);
                } else if let Some(w) = web_sys::window() {
                    // Back to a protocol: that is the other app, so load it afresh.
                    let _ = w.location().reload();
                }
            }
            Msg::Dismiss => self.notices.clear(),
            Msg::OpenTour(id) => {
                let here_ring = tour::entry(&id).is_ok_and(|e| e.on_ring_page());
                if here_ring {
                    self.record(false);
                    self.open_tour(ctx.link(), &id, None, true);
                } else if let Some(w) = web_sys::window() {
                    // A simulation's tour is the lab's: load it there.
                    let _ = w.location().set_search(&format!("tour={id}"));
                }
            }
            Msg::TourText {
                id,
                ch,
                new_entry,
                text,
            } => {
                // Only the tour last asked for: a new link or tour since drops the answer.
                if self.fetching.as_deref() != Some(id.as_str()) {
                    return false;
                }
                self.fetching = None;
                // From the menu, a new history entry (Back returns to the ring, as in the lab);
                // from a link, the link's own.
                self.read_tour(&id, ch.as_deref(), new_entry, text);
            }
            Msg::Chapter(k) => self.go_to(k, false),
            Msg::CloseTour => {
                // The ring stays on screen to explore; only the story goes.
                self.reader = None;
                self.fetching = None;
                self.record(false);
            }
            Msg::CopyLink => {
                let here = web_sys::window().and_then(|w| {
                    let l = w.location();
                    Some(format!(
                        "{}{}?{}",
                        l.origin().ok()?,
                        l.pathname().ok()?,
                        self.link(false)
                    ))
                });
                if let Some((url, w)) = here.zip(web_sys::window()) {
                    let _ = w.navigator().clipboard().write_text(&url);
                    self.notices.push(format!("Link copied: {url}"));
                }
            }
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let p = &self.params;
        let next = p.then(Change::Add(p.next_id())).ok().map(|_| p.next_id());
        let removable = self
            .scene
            .members
            .first()
            .is_some_and(|m| p.then(Change::Remove(m.node)).is_ok());
        let notices = (!self.notices.is_empty()).then(|| {
            html! {
                <div class="notice" data-testid="notice" role="status">
                    <ul>{ for self.notices.iter().rev().take(8).map(|n| html! { <li>{ n }</li> }) }</ul>
                    <button onclick={link.callback(|_| Msg::Dismiss)} aria-label="dismiss">{ "×" }</button>
                </div>
            }
        });
        let tour_panel = self.reader.as_ref().and_then(|r| {
            let k = r.index();
            Some(html! {
                <TourPanel tour_title={r.tour().title.clone()} chapter={r.chapter()?.clone()} index={k}
                    count={r.tour().chapters.len()} stage={r.stage().clone()} checks_pass={r.checks_pass()} compact={self.embed}
                    on_prev={link.callback(move |_| Msg::Chapter(k.saturating_sub(1)))}
                    on_next={link.callback(move |_| Msg::Chapter(k + 1))}
                    on_show={link.callback(move |_| Msg::Chapter(k))}
                    on_back={link.callback(move |_| Msg::Chapter(k))}
                    on_copy_link={link.callback(|_| Msg::CopyLink)} on_close={link.callback(|_| Msg::CloseTour)} />
            })
        });
        let touring = self.reader.is_some().then_some("touring");
        let drawing = html! {
            <RingDrawing scene={self.scene.clone()} selected={self.selected} on_select={link.callback(Msg::Select)} />
        };
        let side = html! {
            <RingSide scene={self.scene.clone()} selected={self.selected} {next} {removable}
                can_undo={!p.changes.is_empty()} compact={self.embed}
                on_add={link.callback(|_| Msg::Add)} on_remove={link.callback(Msg::Remove)}
                on_undo={link.callback(|_| Msg::Undo)} on_reset={link.callback(|_| Msg::Reset)} />
        };
        if self.embed {
            return html! {
                <div class={classes!("app", "embed", "ring-page", touring)}>
                    { tour_panel }
                    { notices }
                    <div class="ring-stage">{ drawing }{ side }</div>
                    <a class="open-full" data-testid="open-full" href={format!("./?{}", self.link(false))}
                        target="_blank" rel="noopener">{ "open in Consensus Lab ↗" }</a>
                </div>
            };
        }
        html! {
            <div class={classes!("app", "ring-page", touring)}>
                <header class="top">
                    <h1><span class="logo" aria-hidden="true">{ "◉" }</span>{ "Consensus Lab" }</h1>
                    <ToursMenu groups={self.tour_groups.clone()} on_open={link.callback(Msg::OpenTour)} />
                    <RingSettings nodes={p.nodes} vnodes={p.vnodes} keys={p.keys} replicas={p.replicas} seed={p.seed}
                        on_set={link.callback(|(w, v)| Msg::Set(w, v))} on_page={link.callback(Msg::Page)} />
                </header>
                { notices }
                <main class="ring-stage">{ drawing }<div class="ring-col">{ tour_panel }{ side }</div></main>
            </div>
        }
    }
}
