//! Consensus Lab's protocol page: renders engine snapshots and sends the user's commands to the
//! engine. No protocol logic lives here. The consistent-hashing page is another binary
//! (`src/bin/ring-page.rs`): `static/loader.js` loads one or the other from the link.

mod app;

// The shared pieces, under the names the page's modules use for them.
use consensus_lab::{components, ui_state};

fn main() {
    consensus_lab::frame::install();
    yew::Renderer::<app::App>::new().render();
}
