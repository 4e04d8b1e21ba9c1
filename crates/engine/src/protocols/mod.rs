//! The protocols, each a sans-IO state machine: one message enum, one state struct, one
//! handler per message.
//!
//! Each protocol is a folder split by concern: `mod.rs` holds the module essay, the messages,
//! state and configuration types, the helpers its parts share and the `impl Protocol` dispatch;
//! one file per part of the paper holds the rules (Raft's `election` and `replication`, Paxos's
//! `proposer`, `acceptor` and `learner`, ...); `present.rs` holds the text for people: message
//! labels and fields, timer names, and `impl Present` (the node summary, the inspector and the
//! state table), which no handler reads. A protocol imports only `crate::node` (with its
//! `narrate!` macro) and other protocols' types, never the checkers, the catalog or the
//! simulator. `atomic_commit` is not a protocol: it holds what Two-Phase and Three-Phase Commit
//! share (the log record, the lock, logging a decision, the log table); `machine` is the
//! replicated state machine Raft, Multi-Paxos and Zab apply their committed commands to.

pub mod atomic_commit;
pub mod machine;
pub mod multi_paxos;
pub mod paxos;
pub mod raft;
pub mod three_phase_commit;
pub mod two_phase_commit;
pub mod zab;
