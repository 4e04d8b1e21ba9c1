//! Files in and out of the page: the trace and the space-time diagram offered as downloads, and
//! a trace or a Jepsen history file read for the session to import.

use super::{App, Msg};
use crate::components::spacetime;
use lab_engine::any::AnySim;
use lab_engine::session::Command;
use lab_engine::share::MAX_TRACE_BYTES;
use wasm_bindgen::JsCast;
use yew::prelude::*;

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

/// The whole run as a JSON file.
pub(super) fn export_trace(sim: &AnySim) -> Result<(), String> {
    let s = sim.settings();
    let name = format!("consensus-lab-{}-seed{}.json", s.protocol.slug(), s.seed);
    download(&name, &sim.export_trace(), "application/json")
}

/// The space-time diagram as drawn, with its styles inlined so it stands alone.
pub(super) fn export_svg() -> Result<(), String> {
    let svg = gloo::utils::document()
        .get_element_by_id("spacetime")
        .map(|e| e.outer_html())
        .ok_or("Open the space-time view first.")?;
    let style = format!("<style>{}</style>", spacetime::export_style());
    let body = svg.replacen("</defs>", &format!("</defs>{style}"), 1);
    download("space-time.svg", &body, "image/svg+xml")
}

/// Reads a file chosen by the user and hands its text to the session as `then` makes it a
/// command; a file above `MAX_TRACE_BYTES` is refused before it is read.
fn read_file(
    ctx: &Context<App>,
    file: web_sys::File,
    what: &str,
    then: impl FnOnce(String, Result<String, String>) -> Command + 'static,
) -> Result<(), String> {
    let limit = MAX_TRACE_BYTES as f64;
    if file.size() > limit {
        return Err(format!(
            "{} is {:.0} MB; {what} above {:.0} MB are refused",
            file.name(),
            file.size() / 1048576.0,
            limit / 1048576.0
        ));
    }
    let link = ctx.link().clone();
    wasm_bindgen_futures::spawn_local(async move {
        let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
        let text = text.ok().and_then(|t| t.as_string());
        let read = text.ok_or_else(|| "the file could not be read as text".to_string());
        link.send_message(Msg::Do(then(file.name(), read)));
    });
    Ok(())
}

/// A trace file, to replay.
pub(super) fn import_trace(ctx: &Context<App>, file: web_sys::File) -> Result<(), String> {
    read_file(ctx, file, "traces", |_, read| Command::Import(read))
}

/// A Jepsen history file, for the History view.
pub(super) fn import_history(ctx: &Context<App>, file: web_sys::File) -> Result<(), String> {
    read_file(ctx, file, "histories", |name, file| {
        Command::ImportHistory { name, file }
    })
}
