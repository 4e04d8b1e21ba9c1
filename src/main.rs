//! Consensus Lab's web app: renders engine snapshots and sends the user's commands to the
//! engine. No protocol logic lives here.

mod app;
mod components;
mod frame;
mod ring_page;
mod ui_state;

fn main() {
    frame::install();
    // The consistent-hashing page is not a protocol: it has its own state and view.
    if ring_page::wanted() {
        yew::Renderer::<ring_page::RingPage>::new().render();
    } else {
        yew::Renderer::<app::App>::new().render();
    }
}
