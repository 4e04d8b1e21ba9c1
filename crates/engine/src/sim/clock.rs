//! Per-node clock drift. A real server's timers run on its own quartz crystal, so a timeout of
//! 150 ms on one machine is a little more or less than 150 ms of true time; the `drift` setting
//! bounds how far. Each node gets a fixed rate within the bound, drawn from the seed by an RNG of
//! its own, so turning drift on never moves a draw of the shared one and turning it off (the
//! default) draws nothing at all: traces without drift are what they always were.
//!
//! Protocols never see the rate. A timer set for `d` of a node's local time fires `d / rate` of
//! global (virtual) time later, which is exactly the error a lease must allow for (Ongaro's
//! thesis §6.4.1: "a bound on clock drift").

use super::rng::SimRng;
use crate::catalog::MAX_DRIFT_PPM;
use crate::node::Time;

/// A clock's rate in parts per million of true time: 1_000_000 keeps time.
pub type Rate = u64;
pub const TRUE_RATE: Rate = 1_000_000;
/// Keeps the drift RNG's stream apart from the simulator's for the same seed.
const SALT: u64 = 0xd81f_7c10_c0c4_0000;

/// One rate per node, each uniform in `1 ± drift`; empty (every clock true) when drift is 0.
pub fn draw_rates(seed: u64, nodes: usize, drift_ppm: u32) -> Vec<Rate> {
    if drift_ppm == 0 {
        return Vec::new();
    }
    let mut rng = SimRng::new(seed ^ SALT);
    let d = u64::from(drift_ppm.min(MAX_DRIFT_PPM));
    (0..nodes)
        .map(|_| rng.range(TRUE_RATE - d, TRUE_RATE + d))
        .collect()
}

/// How much global time passes while a clock of `rate` counts `local`: a fast clock (rate
/// above 1) reaches its deadline early. Rounded to the nearest microsecond.
pub fn global_delay(local: Time, rate: Rate) -> Time {
    if rate == TRUE_RATE {
        return local;
    }
    let r = u128::from(rate);
    ((u128::from(local) * u128::from(TRUE_RATE) + r / 2) / r) as Time
}

/// What a clock of `rate` reads at global time `now` (all clocks start at 0 at boot).
pub fn local_time(now: Time, rate: Rate) -> Time {
    ((u128::from(now) * u128::from(rate)) / u128::from(TRUE_RATE)) as Time
}

/// "3.1% fast", "0.8% slow", "keeps true time": how the inspector says a rate.
pub fn describe(rate: Rate) -> String {
    let off = rate.abs_diff(TRUE_RATE) as f64 / 10_000.0;
    match rate.cmp(&TRUE_RATE) {
        std::cmp::Ordering::Equal => "keeps true time".into(),
        std::cmp::Ordering::Greater => format!("{off:.2}% fast"),
        std::cmp::Ordering::Less => format!("{off:.2}% slow"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::MS;

    #[test]
    fn no_drift_draws_nothing_and_keeps_time() {
        assert!(draw_rates(7, 5, 0).is_empty());
        assert_eq!(global_delay(150 * MS, TRUE_RATE), 150 * MS);
        assert_eq!(local_time(123_456, TRUE_RATE), 123_456);
    }

    #[test]
    fn rates_stay_within_the_bound_and_follow_the_seed() {
        for seed in 0..50 {
            let r = draw_rates(seed, 9, 100_000);
            assert_eq!(r.len(), 9);
            assert!(r.iter().all(|&x| (900_000..=1_100_000).contains(&x)));
            assert_eq!(r, draw_rates(seed, 9, 100_000));
        }
        assert_ne!(draw_rates(1, 5, 100_000), draw_rates(2, 5, 100_000));
        // Pinned: a change here changes every recorded run with drift.
        assert_eq!(draw_rates(1, 3, 100_000), [1_085_459, 916_490, 1_014_109]);
    }

    #[test]
    fn a_fast_clock_fires_early_and_a_slow_one_late() {
        // 10% fast: 110 ms of local time pass in 100 ms.
        assert_eq!(global_delay(110 * MS, 1_100_000), 100 * MS);
        assert_eq!(global_delay(90 * MS, 900_000), 100 * MS);
        assert_eq!(local_time(100 * MS, 1_100_000), 110 * MS);
        assert_eq!(global_delay(1, 3_000_000 / 2), 1, "rounded, not truncated");
    }

    #[test]
    fn rates_are_described_for_people() {
        assert_eq!(describe(TRUE_RATE), "keeps true time");
        assert_eq!(describe(1_031_000), "3.10% fast");
        assert_eq!(describe(992_000), "0.80% slow");
    }
}
