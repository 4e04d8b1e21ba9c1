//! The protocols, each a sans-IO state machine: one message enum, one state struct, one
//! handler per message.

pub mod multi_paxos;
pub mod paxos;
pub mod raft;
pub mod two_phase_commit;
