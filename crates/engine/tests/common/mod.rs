//! Helpers the property tests share: checker options without shrinking, "every seed is clean",
//! and "the first seed at which a buggy variant is caught".

// Each test binary compiles this module on its own and uses only some of it.
#![allow(dead_code)]

use lab_engine::check::{check_seeds, first_violation, CheckOptions};
use lab_engine::{Bug, Settings};

/// The checker's defaults without shrinking: a failing test prints the seed, and
/// `lab check --seeds S..S` shrinks it.
pub fn opts() -> CheckOptions {
    CheckOptions {
        shrink: false,
        ..CheckOptions::default()
    }
}

/// Every seed in `1..=seeds` is safe and live; a failure lists up to ten failing seeds.
pub fn assert_clean(s: &Settings, seeds: u64, opts: &CheckOptions) {
    let report = check_seeds(s, 1..=seeds, opts, |_| {});
    assert!(
        report.failures.is_empty(),
        "{report}\n{}",
        report
            .failures
            .iter()
            .take(10)
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(report.seeds, seeds);
}

/// The first seed in `1..=limit` at which `bug`, on top of `base`, breaks a safety property,
/// with the property's name.
pub fn first_catch(
    base: &Settings,
    bug: Bug,
    limit: u64,
    opts: &CheckOptions,
) -> Option<(u64, String)> {
    let s = Settings {
        bugs: vec![bug],
        ..base.clone()
    };
    first_violation(&s, 1..=limit, opts).map(|(seed, v)| (seed, v.invariant))
}
