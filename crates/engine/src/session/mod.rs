//! What a front end decides, with no browser in sight. A page is a thin shell around a
//! [`Player`]: it turns the user's input into a [`Command`], calls [`Player::apply`] and carries
//! out the [`Effects`] (notices, the address bar, animation frames, scrolling). The tour
//! [`Reader`] serves the protocol page and the ring page alike, and a link's view parameters
//! are read here, typed and with warnings. Everything is deterministic and runs natively, so
//! the tests (`tests/session.rs`) drive a session exactly as the page does.

mod draw;
mod embed;
mod history;
mod intent;
mod link;
mod membership;
mod pace;
mod params;
mod player;
mod reader;

pub use draw::{arrows, crashes, stale_leaders, Arrow, Arrows, Lifecycle, WholeRun, MAX_ARROWS};
pub use embed::{embed_code, EmbedCode, Presenter, Theme, DEFAULT_HEIGHT, PRESENTER_KEYS};
pub use history::{HistoryPanel, Progress, Source, STEPS_PER_FRAME};
pub use intent::{current_groups, fault, fire_timeout, partition, request_to_leader, Fault};
pub use link::{link_here, open_link, Opened};
pub use membership::{config_view, member_action, member_offers, ConfigView, MemberOp, Offer};
pub use pace::{smart_advance, Speed, FLIGHT_ON_SCREEN_MS, IDLE_RATE, SPEEDS};
pub use params::{RingViewParams, Selection, ViewParams, LOOP_DEFAULT};
pub use player::{Address, Command, Effects, Leave, LogFilter, Player, Welcome};
pub use reader::{Reader, TourStage};
