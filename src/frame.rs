//! Living in someone else's page. The colours follow `theme=` (or the reader's system); when
//! the host page runs `embed.js`, the two talk with `postMessage`: the embed says it is ready,
//! the host answers with its theme and origin, and from then on the embed lays itself out from
//! its width (`data-fit`) and posts its height, naming itself, each time it changes, so the
//! frame fits its content. Both pages (the lab and the ring) go through here before mounting.

use gloo::events::EventListener;
use js_sys::{Object, Reflect};
use lab_engine::session::Theme;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Every message of the protocol carries this `type`; `event` says which one it is.
const TYPE: &str = "consensus-lab";

fn set_theme(theme: Theme) {
    let Some(root) = gloo::utils::document().document_element() else {
        return;
    };
    let _ = match theme {
        Theme::Auto => root.remove_attribute("data-theme"),
        t => root.set_attribute("data-theme", t.word()),
    };
}

fn field(data: &JsValue, key: &str) -> Option<String> {
    Reflect::get(data, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
}

/// A message of the protocol: `event` and its fields.
fn message(event: &str, fields: &[(&str, JsValue)]) -> JsValue {
    let m = Object::new();
    let _ = Reflect::set(&m, &"type".into(), &TYPE.into());
    let _ = Reflect::set(&m, &"event".into(), &event.into());
    for (k, v) in fields {
        let _ = Reflect::set(&m, &(*k).into(), v);
    }
    m.into()
}

/// Sets the page's colours, and, in a frame, answers a host that runs `embed.js`.
pub fn install() {
    let Some(w) = web_sys::window() else { return };
    let query = w.location().search().unwrap_or_default();
    set_theme(Theme::of_query(&query));
    let Ok(Some(parent)) = w.parent() else { return };
    if Object::is(&parent, &w) {
        return; // Not framed: nobody to talk to.
    }
    let href = w.location().href().unwrap_or_default();
    let sizing = std::cell::Cell::new(false);
    let host = parent.clone();
    let name = href.clone();
    EventListener::new(&w, "message", move |e| {
        let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else {
            return;
        };
        // Only the page that embeds this one speaks to it.
        if !e.source().is_some_and(|s| Object::is(&s, &host)) {
            return;
        }
        let data = e.data();
        if field(&data, "type").as_deref() != Some(TYPE) {
            return;
        }
        if let Some(t) = field(&data, "theme").and_then(|t| Theme::parse(&t)) {
            set_theme(t);
        }
        if field(&data, "event").as_deref() == Some("host") && !sizing.replace(true) {
            post_sizes(host.clone(), e.origin(), name.clone());
        }
    })
    .forget();
    // The host may have loaded before this page's script ran: say so once, to anyone (the
    // message holds only this page's own address).
    let _ = parent.post_message(&message("ready", &[("href", href.into())]), "*");
}

/// From now on: the layout follows the width, and every height is posted to the host, only to
/// its origin.
fn post_sizes(host: web_sys::Window, origin: String, href: String) {
    let doc = gloo::utils::document();
    if let Some(root) = doc.document_element() {
        let _ = root.set_attribute("data-fit", "");
    }
    let Some(body) = doc.body() else { return };
    let last = std::cell::Cell::new(0.0_f64);
    let measured = body.clone();
    let on_resize = Closure::<dyn FnMut()>::new(move || {
        let h = measured.get_bounding_client_rect().height().ceil();
        if h > 0.0 && h != last.replace(h) {
            let msg = message(
                "size",
                &[("height", h.into()), ("href", href.as_str().into())],
            );
            let _ = host.post_message(&msg, &origin);
        }
    });
    let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) else {
        return;
    };
    observer.observe(&body);
    // Both live as long as the page.
    on_resize.forget();
    std::mem::forget(observer);
    // The drawings measure their boxes on resize: the fit layout changed them.
    if let Ok(ev) = web_sys::Event::new("resize") {
        let _ = gloo::utils::window().dispatch_event(&ev);
    }
}
