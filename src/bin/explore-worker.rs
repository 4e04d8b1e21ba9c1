//! The Web Worker that explores and hunts for the page (see `consensus_lab::search`). Trunk
//! builds it as its own WebAssembly file, loaded only when a search starts.

use gloo::worker::Registrable;

fn main() {
    use consensus_lab::search::{Json, Searcher};
    Searcher::registrar().encoding::<Json>().register();
}
