//! Consensus Lab's engine: a deterministic simulator and sans-IO protocols with their
//! invariants. No web dependencies: the app and the `lab` command-line tool both drive it.

pub mod any;
pub mod bench;
pub mod catalog;
pub mod check;
pub mod invariants;
pub mod node;
pub mod protocols;
pub mod ring;
pub mod script;
pub mod session;
pub mod share;
pub mod sim;
pub mod time;

pub use catalog::{Bug, NetworkSettings, ProtocolKind, Settings};
pub use node::{NodeId, Time, MS, SECOND};
pub use sim::history::Action;
pub use sim::Simulation;
