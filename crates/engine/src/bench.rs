//! The reference benchmarks behind `lab bench` / `make bench`. The engine never reads the host's
//! clock, so the caller passes a [`Meter`] that measures wall time and heap use (the `lab`
//! binary's is in `src/bin/lab/meter.rs`: `mod meter;` in lab.rs, then
//! `bench::run(&meter::HostMeter::new(), hours)`).

use crate::any::AnySim;
use crate::catalog::{ProtocolKind, Settings};
use crate::check::{check_seeds, CheckOptions};
use crate::explore::{explore, ExploreOptions, Host, Outcome, Stats};
use crate::lin::{self, jepsen, Verdict};
use crate::node::{Time, MS, SECOND};
use crate::sim::rng::SimRng;
use lab_ring::Ring;
use std::fmt::Write;

/// Measures the host, which the engine itself never looks at.
pub trait Meter {
    /// Seconds since some fixed point.
    fn seconds(&self) -> f64;
    /// Bytes currently allocated on the heap.
    fn allocated(&self) -> usize;
    /// Most bytes allocated at once since the last reset.
    fn peak(&self) -> usize;
    fn reset_peak(&self);
}

/// The reference workload: 5 Raft nodes, 10–15 ms latency, 150–300 ms election
/// timeout, 50 ms heartbeat, a client request every 100 ms.
pub fn reference() -> Settings {
    Settings {
        protocol: ProtocolKind::Raft,
        nodes: 5,
        seed: 7,
        election_timeout: (150 * MS, 300 * MS),
        heartbeat: 50 * MS,
        request_every: Some(100 * MS),
        ..Settings::default()
    }
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Runs `settings` for `span` of virtual time; returns (events, wall seconds).
fn timed_run(m: &dyn Meter, sim: &mut AnySim, span: Time) -> (u64, f64) {
    let e0 = sim.events();
    let t0 = m.seconds();
    sim.run_until(sim.now() + span);
    (sim.events() - e0, m.seconds() - t0)
}

/// Runs every benchmark and returns the printed report. `hours` scales the long run; `cores`
/// (the host's, which the engine never asks for) is how many threads the parallel figures use.
#[cfg_attr(target_arch = "wasm32", allow(unused_variables))]
pub fn run(m: &dyn Meter, hours: u64, cores: usize) -> Result<String, String> {
    let mut out = String::new();
    let span = hours * 3600 * SECOND;
    let _ = writeln!(
        out,
        "reference workload: 5 Raft nodes, latency 10-15ms, election timeout 150-300ms, \
         heartbeat 50ms, a request every 100ms, {hours} virtual hour(s), narration off"
    );

    // One virtual hour with its full time-travel history, in two halves to show cost stays
    // linear in virtual time.
    let base = m.allocated();
    m.reset_peak();
    let mut sim = AnySim::new(reference())?;
    sim.set_narrating(false);
    let (e1, w1) = timed_run(m, &mut sim, span / 2);
    let (e2, w2) = timed_run(m, &mut sim, span / 2);
    let held = m.allocated().saturating_sub(base);
    let peak = m.peak().saturating_sub(base);
    let events = e1 + e2;
    let wall = w1 + w2;
    let _ = writeln!(
        out,
        "simulate:    {events} events in {wall:.3}s = {:.2} M events/s (target >= 1 M/s)",
        events as f64 / wall / 1e6
    );
    let _ = writeln!(
        out,
        "hour:        {wall:.3}s of wall time per {hours} virtual hour(s) (target < 1s per hour)"
    );
    let _ = writeln!(
        out,
        "linearity:   first half {:.0} ns/event, second half {:.0} ns/event",
        w1 / e1.max(1) as f64 * 1e9,
        w2 / e2.max(1) as f64 * 1e9
    );
    let _ = writeln!(
        out,
        "memory:      {:.1} MB held with full history, {:.1} MB peak (target <= 32 MB)",
        mb(held),
        mb(peak)
    );
    let _ = writeln!(
        out,
        "history:     {} events, {} messages, {} markers recorded; {} acked of {} requests",
        sim.history().events.len(),
        sim.history().sent.len(),
        sim.history().markers.len(),
        sim.acked(),
        sim.requests_issued()
    );

    // Seeks to points spread over the hour, in a fixed pseudo-random order.
    let end = sim.now();
    let mut rng = SimRng::new(99);
    let mut times: Vec<f64> = (0..200)
        .map(|_| {
            let target = rng.range(0, end);
            let t0 = m.seconds();
            sim.seek_time(target);
            m.seconds() - t0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let _ = writeln!(
        out,
        "seek:        200 random seeks: median {:.2} ms, p95 {:.2} ms, max {:.2} ms (target < 20 ms)",
        times[100] * 1e3,
        times[190] * 1e3,
        times[199] * 1e3
    );
    sim.set_narrating(true);
    let t0 = m.seconds();
    sim.seek_time(end / 2);
    let _ = writeln!(
        out,
        "seek+log:    seek with the narrated event log rebuilt: {:.2} ms",
        (m.seconds() - t0) * 1e3
    );
    // Where the hour's memory goes: the history weighed by copying it (a copy has none of the
    // slack its vectors grew), the checkpoints by freeing them, the live world (logs, checker,
    // requests, in flight) as what is left.
    let a = m.allocated();
    let copy = sim.history().events.clone();
    let events_bytes = m.allocated().saturating_sub(a);
    drop(copy);
    let a = m.allocated();
    let copy = sim.history().clone();
    let history_bytes = m.allocated().saturating_sub(a);
    drop(copy);
    let a = m.allocated();
    let checkpoints = sim.drop_checkpoints();
    let checkpoint_bytes = a.saturating_sub(m.allocated());
    let _ = writeln!(
        out,
        "held:        events {:.1} MB, rest of the history {:.1} MB, {checkpoints} checkpoints \
         {:.1} MB, the live world and the rest {:.1} MB",
        mb(events_bytes),
        mb(history_bytes.saturating_sub(events_bytes)),
        mb(checkpoint_bytes),
        mb(held.saturating_sub(history_bytes + checkpoint_bytes))
    );
    drop(sim);

    // Opening a link to the end of the run, as the page does (narration on): the run goes on
    // silently and only the log's last events are narrated; beside it, every event narrated.
    let t0 = m.seconds();
    let mut opened = AnySim::new(reference())?;
    opened.seek_time(span);
    let open = m.seconds() - t0;
    let t0 = m.seconds();
    let mut narrated = AnySim::new(reference())?;
    narrated.run_until(span);
    let every = m.seconds() - t0;
    let _ = writeln!(
        out,
        "open link:   t={}s from a fresh run: {open:.3}s (every event narrated: {every:.3}s)",
        span / SECOND
    );
    drop((opened, narrated));

    // Every protocol the engine offers, one virtual minute each, narration on and off.
    for &p in ProtocolKind::ALL {
        let Ok(mut sim) = AnySim::new(Settings::for_protocol(p)) else {
            continue;
        };
        for narrating in [false, true] {
            sim.set_narrating(narrating);
            let (e, w) = timed_run(m, &mut sim, 60 * SECOND);
            if e == 0 {
                // Single-decree Paxos is over once a value is chosen.
                let _ = writeln!(
                    out,
                    "{:<12} the run has finished: nothing more happens",
                    p.slug()
                );
                continue;
            }
            let _ = writeln!(
                out,
                "{:<12} {:>8} events/virtual minute, {:>6.2} M events/s{}",
                p.slug(),
                e,
                e as f64 / w.max(1e-9) / 1e6,
                if narrating { " (narrated)" } else { "" }
            );
        }
    }

    // The random-fault checker, as `lab check` runs it.
    let t0 = m.seconds();
    let report = check_seeds(&reference(), 1..=200, &CheckOptions::default(), |_| {});
    let w = m.seconds() - t0;
    let _ = writeln!(
        out,
        "check:       {report} in {w:.2}s = {:.0} seeds/s",
        200.0 / w
    );
    #[cfg(not(target_arch = "wasm32"))]
    out.push_str(&parallel_check(m, cores));
    out.push_str(&exploration(m)?);
    #[cfg(not(target_arch = "wasm32"))]
    out.push_str(&parallel_exploration(m, cores)?);
    out.push_str(&ring(m));
    Ok(out)
}

/// The explorer's host in a benchmark: the caller's meter, no progress line.
struct Metered<'a>(&'a dyn Meter);

impl Host for Metered<'_> {
    fn seconds(&self) -> f64 {
        self.0.seconds()
    }
    fn allocated(&self) -> usize {
        self.0.allocated()
    }
    fn progress(&mut self, _: &Stats) -> bool {
        true
    }
}

/// The benchmark's search: `lab explore --protocol paxos --nodes 3 --proposers 2 --max-depth 13`.
fn paxos_search() -> (Settings, ExploreOptions) {
    let settings = Settings {
        nodes: 3,
        ..Settings::for_protocol(ProtocolKind::Paxos)
    };
    let opts = ExploreOptions {
        proposers: 2,
        max_depth: 13,
        ..ExploreOptions::default()
    };
    (settings, opts)
}

/// `lab explore` on single-decree Paxos (3 nodes, S1 and S2 proposing once each, every path up
/// to 13 steps: about 1.3 M distinct states), beside Stateright's `examples/paxos.rs check 3`
/// (3 servers, 3 clients), the reference the issue gives.
fn exploration(m: &dyn Meter) -> Result<String, String> {
    let (settings, opts) = paxos_search();
    let base = m.allocated();
    m.reset_peak();
    let report = explore(&settings, &opts, &mut Metered(m))?;
    let peak = m.peak().saturating_sub(base);
    let s = &report.stats;
    let done = match report.outcome {
        Outcome::DepthBound | Outcome::Exhausted => "clean",
        _ => "did not finish",
    };
    Ok(format!(
        "explore:     paxos, 3 nodes, 2 proposers, depth 13: {} unique states ({} transitions) in \
         {:.2}s = {:.0} k unique states/s, peak {:.1} MB = {:.0} bytes/state, {done}\n\
         \x20            Stateright paxos check 3 (issue's reference): 1.85 M unique in ~8s = \
         ~230 k states/s, 886 MB = ~479 bytes/state (target: >= 2x the rate, < half the bytes)\n",
        s.unique,
        s.states,
        s.seconds,
        s.states_per_second() / 1e3,
        mb(peak),
        peak as f64 / s.unique.max(1) as f64,
    ))
}

/// `lab check --jobs`: the same seeds on one thread, then on every core.
#[cfg(not(target_arch = "wasm32"))]
fn parallel_check(m: &dyn Meter, cores: usize) -> String {
    use crate::check::{check_seeds_parallel, SeedRange};
    let rate = |jobs| {
        let t0 = m.seconds();
        check_seeds_parallel(
            &reference(),
            SeedRange::new(1, 200),
            &CheckOptions::default(),
            jobs,
            |_| {},
        );
        200.0 / (m.seconds() - t0).max(1e-9)
    };
    let one = rate(1);
    let all = rate(cores);
    format!(
        "check:       --jobs 1: {one:.0} seeds/s; --jobs {cores} (every core): {all:.0} seeds/s = \
         {:.2}x (target on 2 cores: >= 1.8x)\n",
        all / one
    )
}

/// The search of [`exploration`] with a thread per core, as `lab explore` runs it.
#[cfg(not(target_arch = "wasm32"))]
fn parallel_exploration(m: &dyn Meter, cores: usize) -> Result<String, String> {
    let (settings, opts) = paxos_search();
    let base = m.allocated();
    m.reset_peak();
    let report = crate::explore::explore_parallel(&settings, &opts, cores, &mut Metered(m))?;
    let peak = m.peak().saturating_sub(base);
    let s = &report.stats;
    Ok(format!(
        "explore:     the same on {cores} threads (every core): {} unique states in {:.2}s = {:.0} \
         k unique states/s, peak {:.1} MB = {:.0} bytes/state (scripts/stateright-paxos.sh \
         runs Stateright beside it)\n",
        s.unique,
        s.seconds,
        s.states_per_second() / 1e3,
        mb(peak),
        peak as f64 / s.unique.max(1) as f64,
    ))
}

/// `lab ring`'s placement benchmark, timed with the caller's meter: 100,000 keys on 10 nodes of
/// 100 virtual nodes, then one node added and the moves found.
fn ring(m: &dyn Meter) -> String {
    const KEYS: u64 = 100_000;
    let t0 = m.seconds();
    let Ok(mut ring) = Ring::new(1, 100, 1..=10) else {
        return "ring:        could not build the reference ring".into();
    };
    let t1 = m.seconds();
    let before = ring.assign(KEYS);
    let t2 = m.seconds();
    let added = ring.add(11).map(|()| before.moves_to(&ring.assign(KEYS)));
    let t3 = m.seconds();
    let moved = added.map_or(0, |moves| moves.len());
    format!(
        "ring:        {KEYS} keys on 10 nodes x 100 vnodes: build {:.2} ms, place {:.1} ms \
         ({:.2} M keys/s); add a node, re-place and diff {:.1} ms ({moved} keys moved)\n",
        (t1 - t0) * 1e3,
        (t2 - t1) * 1e3,
        KEYS as f64 / (t2 - t1).max(1e-9) / 1e6,
        (t3 - t2) * 1e3,
    )
}

/// Porcupine's checker on its own `test_data` (Go 1.19, `go test -run X -bench
/// 'EtcdJepsen|Kv[0-9]' -benchtime 5x` at commit 55508eb, on this project's 2-core machine):
/// milliseconds per check, parsing apart, as its benchmarks time it. Porcupine searches the keys
/// of a key-value history on parallel goroutines (both cores); the etcd logs have one key.
const PORCUPINE_MS: &[(&str, f64)] = &[
    ("etcd", 1101.1),
    ("etcd_002", 473.0),
    ("etcd_007", 301.5),
    ("c10-ok", 1.29),
    ("c10-bad", 0.58),
    ("c50-ok", 463.9),
    ("c50-bad", 54.0),
];

/// `lab lin`'s checker on Porcupine's `test_data` (`histories`: file name and text, read by the
/// caller), beside [`PORCUPINE_MS`]: the mean of 5 checks each, parsing apart.
pub fn lin(m: &dyn Meter, histories: &[(String, String)]) -> String {
    const RUNS: u32 = 5;
    let mut out = String::new();
    if histories.is_empty() {
        let _ = writeln!(
            out,
            "lin:         Porcupine's test_data not found (LAB_LIN_DATA, or \
             shared/porcupine-test-data beside the repository): no comparison"
        );
        return out;
    }
    let mut verdicts = [0usize; 3];
    let mut checked = 0;
    // (name, files, operations, our ms) per row of the table.
    let mut rows: Vec<(&str, usize, usize, f64)> = PORCUPINE_MS
        .iter()
        .map(|&(name, _)| (name, 0, 0, 0.0))
        .collect();
    for (file, text) in histories {
        let Ok(h) = jepsen::parse(text) else {
            continue;
        };
        let t0 = m.seconds();
        let mut verdict = Verdict::Unknown;
        for _ in 0..RUNS {
            verdict = lin::check(&h, lin::DEFAULT_BUDGET).verdict;
        }
        let ms = (m.seconds() - t0) * 1e3 / f64::from(RUNS);
        verdicts[verdict as usize] += 1;
        checked += 1;
        let stem = file.trim_end_matches(".log").trim_end_matches(".txt");
        for row in rows.iter_mut() {
            if row.0 == stem || (row.0 == "etcd" && stem.starts_with("etcd_")) {
                row.1 += 1;
                row.2 += h.ops.len();
                row.3 += ms;
            }
        }
    }
    let _ = writeln!(
        out,
        "lin:         Porcupine's test_data, {checked} histories: {} linearizable, {} not, {} \
         unknown; ms per check (mean of {RUNS}) beside Porcupine's on this machine (Go, its \
         benchmarks)",
        verdicts[Verdict::Linearizable as usize],
        verdicts[Verdict::NotLinearizable as usize],
        verdicts[Verdict::Unknown as usize],
    );
    for ((name, files, ops, ms), (_, theirs)) in rows.iter().zip(PORCUPINE_MS) {
        if *files == 0 {
            continue;
        }
        let what = if *files > 1 {
            format!("{name} ({files} logs)")
        } else {
            name.to_string()
        };
        let _ = writeln!(
            out,
            "             {what:<18} {ops:>6} ops  lab lin {ms:>8.2} ms   Porcupine {theirs:>8.2} ms"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct StillClock;
    impl Meter for StillClock {
        fn seconds(&self) -> f64 {
            0.0
        }
        fn allocated(&self) -> usize {
            0
        }
        fn peak(&self) -> usize {
            0
        }
        fn reset_peak(&self) {}
    }

    #[test]
    fn bench_times_the_checker_on_the_histories_it_is_given() {
        assert!(lin(&StillClock, &[]).contains("test_data not found"));
        let log = "INFO  jepsen.util - 0 :invoke :write 1\nINFO  jepsen.util - 0 :ok :write 1\n";
        let files = [
            ("etcd_001.log".to_string(), log.to_string()),
            ("etcd_002.log".to_string(), log.to_string()),
            (
                "c50-bad.txt".to_string(),
                "{:process 0, :type :invoke".to_string(),
            ),
        ];
        let out = lin(&StillClock, &files);
        assert!(
            out.contains("2 histories: 2 linearizable, 0 not, 0 unknown"),
            "{out}"
        );
        assert!(out.contains("etcd (2 logs)           2 ops"), "{out}");
        assert!(out.contains("etcd_002                1 ops"), "{out}");
        assert!(!out.contains("c50-bad"), "{out}");
    }

    #[test]
    fn bench_reports_the_reference_placement() {
        let line = ring(&StillClock);
        assert!(
            line.starts_with("ring:        100000 keys on 10 nodes x 100 vnodes"),
            "{line}"
        );
        assert!(line.contains("keys moved"), "{line}");
    }
}
