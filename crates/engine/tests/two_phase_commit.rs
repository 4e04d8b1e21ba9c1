//! Two-Phase Commit's tests, one binary: every test binary links the whole engine, so a protocol's
//! handler, rule, invariant and property tests share one (`docs/adding-a-protocol.md`, step 4,
//! says how a new file joins). Each file's own header says what it asserts; atomic_commit.rs
//! asserts the core 2PC shares with 3PC.

#[path = "two_phase_commit/atomic_commit.rs"]
mod atomic_commit;
mod common;
#[path = "two_phase_commit/handlers.rs"]
mod handlers;
#[path = "two_phase_commit/invariants.rs"]
mod invariants;
#[path = "two_phase_commit/props.rs"]
mod props;
#[path = "two_phase_commit/rules.rs"]
mod rules;
