//! Raft's tests, one binary: every test binary links the whole engine, so a protocol's
//! handler, rule, invariant and property tests share one (`docs/adding-a-protocol.md`, step 4,
//! says how a new file joins). Each file's own header says what it asserts.

mod common;
#[path = "raft/config_overlap.rs"]
mod config_overlap;
#[path = "raft/handlers.rs"]
mod handlers;
#[path = "raft/invariants.rs"]
mod invariants;
#[path = "raft/membership.rs"]
mod membership;
#[path = "raft/membership_props.rs"]
mod membership_props;
#[path = "raft/props.rs"]
mod props;
#[path = "raft/reads.rs"]
mod reads;
#[path = "raft/rules.rs"]
mod rules;
#[path = "raft/snapshot.rs"]
mod snapshot;
#[path = "raft/snapshot_props.rs"]
mod snapshot_props;
