//! Multi-Paxos's tests, one binary: every test binary links the whole engine, so a protocol's
//! handler, rule, invariant and property tests share one (`docs/adding-a-protocol.md`, step 4,
//! says how a new file joins). Each file's own header says what it asserts.

mod common;
#[path = "multi_paxos/handlers.rs"]
mod handlers;
#[path = "multi_paxos/invariants.rs"]
mod invariants;
#[path = "multi_paxos/props.rs"]
mod props;
#[path = "multi_paxos/rules.rs"]
mod rules;
