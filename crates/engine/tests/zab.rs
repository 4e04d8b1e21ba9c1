//! Zab's tests, one binary: every test binary links the whole engine, so a protocol's
//! handler, rule, invariant and property tests share one (`docs/adding-a-protocol.md`, step 4,
//! says how a new file joins). Each file's own header says what it asserts.

mod common;
#[path = "zab/fixtures.rs"]
mod fixtures;
#[path = "zab/handlers.rs"]
mod handlers;
#[path = "zab/invariants.rs"]
mod invariants;
#[path = "zab/props.rs"]
mod props;
#[path = "zab/rules.rs"]
mod rules;
#[path = "zab/sessions.rs"]
mod sessions;
