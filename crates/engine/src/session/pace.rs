//! How fast virtual time runs on screen: the smart speed slows down while messages fly.

use crate::node::{Time, MS};
use crate::sim::view::Snapshot;

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
    use crate::any::AnySim;
    use crate::catalog::Settings;

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
