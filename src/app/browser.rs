//! What the page asks of the browser, apart from drawing: the address bar, the clipboard, local
//! storage, scrolling and leaving the page. The session decides (its [`Effects`]); this only
//! carries the decisions out with web-sys, so the component's module stays the component.

use lab_engine::session::{Address, Effects, Leave};
use lab_engine::NodeId;
use wasm_bindgen::JsValue;

/// The localStorage key that remembers the welcome card was dismissed.
const WELCOMED: &str = "consensus-lab.welcomed";

/// The page's query string, with its `?`.
pub(super) fn query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// The lab's own directory, as an embed loads it: the page's address less its query and file.
pub(super) fn lab_address() -> String {
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

/// The welcome card was dismissed on an earlier visit.
pub(super) fn welcomed() -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .is_some_and(|s| s.get_item(WELCOMED).ok().flatten().is_some())
}

/// Carries out the effects that touch the browser (not the notices nor the animation frame,
/// which are the component's); returns the link put on the clipboard, if one was.
pub(super) fn carry_out(fx: Effects) -> Option<String> {
    let w = web_sys::window()?;
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
    let shared = fx.copy.map(|q| {
        // The address bar holds the link now: copy it whole, origin and path included.
        let full = w.location().href().unwrap_or(format!("{path}?{q}"));
        let _ = w.navigator().clipboard().write_text(&full);
        full
    });
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
    shared
}

/// On a phone the inspector opens as a sheet over the lower screen: scrolls the page so the
/// node just tapped sits above the sheet instead of under it. A side panel (wider screens)
/// covers nothing, and nothing moves.
pub(super) fn reveal_above_sheet(id: NodeId) {
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
