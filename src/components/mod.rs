//! Components. Each draws engine data it gets as props and reports the user's intent through
//! typed callbacks; none knows the app module or holds protocol logic.

pub mod box_size;
pub mod cluster;
pub mod controls;
pub mod embed_code;
pub mod event_log;
pub mod explore;
pub mod history;
pub mod inspector;
pub mod invariants;
pub mod legend;
pub mod log_grid;
pub mod ring;
pub mod settings;
pub mod spacetime;
pub mod tour;
pub mod welcome;
