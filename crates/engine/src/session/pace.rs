//! How fast virtual time runs on screen: fixed speeds, and the smart speed that slows down while
//! messages fly.

use crate::any::AnySim;
use crate::node::{Time, MS};
use crate::sim::view::Snapshot;

/// Fixed playback speeds: virtual time per real time. Links name one by its index here
/// (`speed=6`).
pub const SPEEDS: [(f64, &str); 9] = [
    (0.01, "1/100×"),
    (0.02, "1/50×"),
    (0.05, "1/20×"),
    (0.1, "1/10×"),
    (0.25, "1/4×"),
    (0.5, "1/2×"),
    (1.0, "1×"),
    (4.0, "4×"),
    (20.0, "20×"),
];

/// How fast virtual time runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Speed {
    /// Slow while messages fly (each flight lasts about a second), fast through idle time
    /// ([`smart_advance`]).
    #[default]
    Smart,
    /// One of [`SPEEDS`].
    Fixed(usize),
}

impl Speed {
    /// From a link's or a menu's value: `smart` or an index into [`SPEEDS`].
    pub fn parse(v: &str) -> Option<Speed> {
        match v {
            "smart" => Some(Speed::Smart),
            _ => v
                .parse::<usize>()
                .ok()
                .filter(|&i| i < SPEEDS.len())
                .map(Speed::Fixed),
        }
    }

    /// The inverse of [`Speed::parse`].
    pub fn value(self) -> String {
        match self {
            Speed::Smart => "smart".into(),
            Speed::Fixed(i) => i.to_string(),
        }
    }

    /// How far virtual time moves on `sim` in `real_ms` of real time.
    pub fn advance(self, sim: &AnySim, real_ms: f64) -> Time {
        match self {
            Speed::Smart => smart_advance(&sim.snapshot(), sim.next_event_time(), real_ms),
            Speed::Fixed(i) => (real_ms * 1000.0 * SPEEDS[i.min(SPEEDS.len() - 1)].0) as Time,
        }
    }
}

/// How long one message flight lasts on screen at the smart speed, in real milliseconds.
pub const FLIGHT_ON_SCREEN_MS: f64 = 1000.0;
/// The smart speed's pace while nothing is in flight: virtual time per real time.
pub const IDLE_RATE: f64 = 2.0;

/// The smart speed: how far virtual time moves in `real_ms` of real time. While messages fly,
/// the shortest flight takes [`FLIGHT_ON_SCREEN_MS`] on screen, so every label can be read
/// and clicked; while nothing flies, time runs at [`IDLE_RATE`] up to the next event, so
/// election timeouts do not take seconds of shrinking rings.
pub fn smart_advance(snap: &Snapshot, next_event: Option<Time>, real_ms: f64) -> Time {
    let now = snap.now;
    let shortest = snap
        .messages
        .iter()
        .filter(|m| m.lost.is_none_or(|(_, t)| t > now) && m.arrives > now)
        .map(|m| m.arrives.saturating_sub(m.sent).max(1))
        .min();
    match shortest {
        Some(flight) => ((real_ms / FLIGHT_ON_SCREEN_MS) * flight as f64).max(1.0) as Time,
        None => {
            let idle = (real_ms * IDLE_RATE * MS as f64) as Time;
            // Stop at the next event: it may send messages that must be seen slowly.
            next_event.map_or(idle, |t| idle.min(t.saturating_sub(now).max(1)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Settings;

    #[test]
    fn speeds_read_back_what_they_write() {
        for s in [Speed::Smart, Speed::Fixed(0), Speed::Fixed(8)] {
            assert_eq!(Speed::parse(&s.value()), Some(s));
        }
        assert_eq!(Speed::parse("9"), None);
        assert_eq!(Speed::parse("fast"), None);
    }

    #[test]
    fn smart_speed_slows_for_flights_and_skips_idle_time() {
        let mut sim = AnySim::new(Settings::default()).unwrap();
        // Before the first election nothing flies: idle time runs fast, up to the next event.
        let snap = sim.snapshot();
        let next = sim.next_event_time();
        let idle = smart_advance(&snap, next, 16.0);
        assert_eq!(idle, (32 * MS).min(next.unwrap()));
        // During an election a flight of 10-15 ms lasts about a second.
        while sim.snapshot().messages.is_empty() {
            sim.step();
        }
        let snap = sim.snapshot();
        let flight = snap
            .messages
            .iter()
            .map(|m| m.arrives - m.sent)
            .min()
            .unwrap();
        let per_second = smart_advance(&snap, sim.next_event_time(), 1000.0);
        assert_eq!(per_second, flight);
        assert!(smart_advance(&snap, None, 0.0) >= 1, "time always moves");
    }
}
