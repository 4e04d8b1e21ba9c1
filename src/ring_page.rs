//! The consistent-hashing page (`?p=ring`): owns the ring's parameters, keeps them in the
//! address bar (every membership change is a browser history entry, so Back undoes it) and
//! hands the engine's [`Scene`] to the components. Like `app.rs` for the protocols, it only
//! forwards: the engine computes the ring, the components draw it.

use crate::components::ring::{RingDrawing, RingSettings, RingSide};
use gloo::events::EventListener;
use lab_engine::ring::page::{Change, Params, Scene};
use lab_engine::ring::RingNode;
use lab_engine::share::{decode_ring_link, encode_ring_link, is_ring_link};
use std::rc::Rc;
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
}

pub struct RingPage {
    params: Params,
    scene: Rc<Scene>,
    selected: Option<u64>,
    embed: bool,
    notices: Vec<String>,
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
    fn load(&mut self, q: &str) {
        let d = decode_ring_link(q);
        self.notices.extend(d.warnings);
        let view = |k: &str| {
            d.view
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        self.embed = view("embed").is_some_and(|v| v != "0");
        self.selected = match view("sel") {
            None => None,
            Some(v) => match v.strip_prefix('k').and_then(|k| k.parse::<u64>().ok()) {
                Some(k) if k < u64::from(d.params.keys) => Some(k),
                _ => {
                    self.notices.push(format!(
                        "ignored sel={v}: a key is written k0 to k{}",
                        d.params.keys - 1
                    ));
                    None
                }
            },
        };
        self.show(d.params);
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

    fn link(&self, embed: bool) -> String {
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
            _history: history,
        };
        page.load(&query());
        page
    }

    fn update(&mut self, _ctx: &Context<Self>, msg: Msg) -> bool {
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
                    self.load(&q);
                } else if let Some(w) = web_sys::window() {
                    // Back to a protocol: that is the other app, so load it afresh.
                    let _ = w.location().reload();
                }
            }
            Msg::Dismiss => self.notices.clear(),
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
                <div class="app embed ring-page">
                    { notices }
                    <div class="ring-stage">{ drawing }{ side }</div>
                    <a class="open-full" data-testid="open-full" href={format!("./?{}", self.link(false))}
                        target="_blank" rel="noopener">{ "open in Consensus Lab ↗" }</a>
                </div>
            };
        }
        html! {
            <div class="app ring-page">
                <header class="top">
                    <h1><span class="logo" aria-hidden="true">{ "◉" }</span>{ "Consensus Lab" }</h1>
                    <RingSettings nodes={p.nodes} vnodes={p.vnodes} keys={p.keys} replicas={p.replicas} seed={p.seed}
                        on_set={link.callback(|(w, v)| Msg::Set(w, v))} on_page={link.callback(Msg::Page)} />
                </header>
                { notices }
                <main class="ring-stage">{ drawing }{ side }</main>
            </div>
        }
    }
}
