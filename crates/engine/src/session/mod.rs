//! A session as a front end runs it: opening a link at the moment it names, and the user's
//! commands that need a decision before they become an [`Action`](crate::sim::history::Action)
//! (which timer "fire the timeout" means, where a client request goes, what a partition
//! editor's groups say). The app only draws and forwards; this logic lives here so the
//! command-line tool and native tests can use it too.

mod draw;
mod intent;
mod link;
mod pace;

pub use draw::{arrows, crashes, stale_leaders, Arrow, Lifecycle};
pub use intent::{current_groups, fire_timeout, partition, request_to_leader};
pub use link::{link_here, open_link, Opened};
pub use pace::{smart_advance, FLIGHT_ON_SCREEN_MS, IDLE_RATE};
