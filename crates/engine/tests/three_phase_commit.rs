//! Three-Phase Commit's tests, one binary: every test binary links the whole engine, so a protocol's
//! handler, rule, invariant and property tests share one (`docs/adding-a-protocol.md`, step 4,
//! says how a new file joins). Each file's own header says what it asserts.

mod common;
#[path = "three_phase_commit/handlers.rs"]
mod handlers;
#[path = "three_phase_commit/invariants.rs"]
mod invariants;
#[path = "three_phase_commit/props.rs"]
mod props;
#[path = "three_phase_commit/rules.rs"]
mod rules;
