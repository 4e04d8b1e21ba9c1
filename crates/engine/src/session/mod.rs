//! What a front end decides, with no browser in sight: opening a link at the moment it names,
//! its view parameters (typed, with warnings), how fast time runs, and the user's commands that
//! need a decision before they become an action. Everything is deterministic and runs natively.

mod draw;
mod intent;
mod link;
mod pace;
mod params;

pub use draw::{arrows, crashes, stale_leaders, Arrow, Lifecycle};
pub use intent::{current_groups, fire_timeout, partition, request_to_leader};
pub use link::{link_here, open_link, Opened};
pub use pace::{smart_advance, Speed, FLIGHT_ON_SCREEN_MS, IDLE_RATE, SPEEDS};
pub use params::{RingViewParams, Selection, ViewParams, LOOP_DEFAULT};
