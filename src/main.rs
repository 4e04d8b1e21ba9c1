//! Consensus Lab's web app: renders engine snapshots and sends the user's commands to the
//! engine. No protocol logic lives here.

mod app;
mod components;
mod ui_state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
