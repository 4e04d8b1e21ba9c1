//! Views. Each is a function of engine snapshots and sends [`crate::app::Msg`]s; none holds
//! protocol logic.

pub mod cluster;
pub mod controls;
pub mod event_log;
pub mod inspector;
pub mod invariants;
pub mod settings;
pub mod spacetime;
