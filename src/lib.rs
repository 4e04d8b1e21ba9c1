//! What the page and its background worker share: the worker that searches for bugs
//! ([`search`]), in a library so that both binaries (the page, `src/main.rs`, and the worker,
//! `src/bin/explore-worker.rs`) speak the same messages.

pub mod search;
