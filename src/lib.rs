//! What the page's binaries share. The protocol page (`src/main.rs`), the consistent-hashing
//! page (`src/bin/ring-page.rs`) and the bug search's worker (`src/bin/explore-worker.rs`) are
//! each their own WebAssembly, so a page loads only its own code: the components and the
//! embedding glue ([`frame`]) live here, with the worker's messages ([`search`]) that the page
//! and the worker both speak, and the ring page ([`ring_page`]), which only its binary links.

pub mod components;
pub mod fetch;
pub mod frame;
pub mod ring_page;
pub mod search;
pub mod ui_state;
