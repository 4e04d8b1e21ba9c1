//! The consistent-hashing page (`?protocol=ring`, see `consensus_lab::ring_page`): its own
//! WebAssembly, which `static/loader.js` loads instead of the protocol page's when the link asks
//! for the ring, so neither page carries the other's code.

fn main() {
    consensus_lab::frame::install();
    yew::Renderer::<consensus_lab::ring_page::RingPage>::new().render();
}
