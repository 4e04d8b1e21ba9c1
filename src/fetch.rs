//! Text files served beside the page, fetched when they are needed rather than compiled into
//! the WebAssembly: a tour's text (`tours/ID.txt`) when the tour opens.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

/// The text at `path` (relative to the page), or why it could not be fetched, in words for a
/// notice.
pub async fn text(path: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no browser window")?;
    let response = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(|_| format!("{path} could not be fetched (offline?)"))?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| format!("{path}: not an HTTP response"))?;
    if !response.ok() {
        return Err(format!(
            "{path}: {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let body = response
        .text()
        .map_err(|_| format!("{path}: the body could not be read"))?;
    JsFuture::from(body)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| format!("{path}: the body is not text"))
}
