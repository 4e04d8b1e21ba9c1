//! Consensus Lab's engine: a deterministic simulator and sans-IO protocols with their
//! invariants. No web dependencies: the app and the `lab` command-line tool both drive it.
//!
//! The modules form layers that only look down (`tests/layers.rs` checks it):
//! - [`node`] and [`time`]: the node interface (events in, effects out) and virtual time;
//! - [`protocols`]: the state machines, each reading like its paper, knowing nothing else;
//! - [`invariants`]: one file per safety property, reading protocol state;
//! - [`catalog`]: pairs each protocol with its checker, settings, buggy variants and captions,
//!   and holds the settings' one vocabulary;
//! - [`sim`]: the deterministic simulator (world, network, user actions, timeline);
//! - the users of a simulation: [`share`] (links, traces), [`any`] (any protocol behind one
//!   type), [`script`], [`check`] (random faults), [`explore`] (every interleaving of a small
//!   cluster, breadth-first), [`tour`], [`bench`](mod@bench);
//! - [`session`]: what a front end decides, tours included. [`lin`] (linearizability of client
//!   histories) stands apart; consistent hashing is the lab-ring crate.

pub mod any;
pub mod bench;
pub mod catalog;
pub mod check;
pub mod explore;
pub mod invariants;
pub mod lin;
pub mod node;
pub mod protocols;
pub mod script;
pub mod session;
pub mod share;
pub mod sim;
pub mod time;
pub mod tour;

pub use catalog::{Bug, NetworkSettings, ProtocolKind, Settings};
pub use node::{NodeId, Time, MS, SECOND};
pub use sim::history::Action;
pub use sim::Simulation;
