//! Safety properties, one file per property, named as in the literature. Each protocol's
//! checker keeps the history its properties need and runs them after every event.

pub mod multi_paxos;
pub mod paxos;
pub mod raft;
pub mod two_phase_commit;
