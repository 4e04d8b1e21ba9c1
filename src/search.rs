//! The page's bug search, in Web Workers so that the cluster keeps animating: **Explore**
//! runs the engine's exhaustive search (`lab explore`) in one worker, **Hunt** runs
//! random-fault seeds (`lab check --faults random`, with shrinking) over one worker per core,
//! each on an interleaved shard of the range as `lab check --shard I/N` runs it, and [`Hunt`]
//! counts their runs in seed order so that the panel reports what one worker would. Workers
//! work in slices of about a tenth of a second; between slices a worker reads its messages, so
//! Cancel is heard, and reports its progress. A violation comes back as a link's query
//! string: the page opens it like any link, so every step is an ordinary recorded action on
//! the timeline.

use gloo::timers::callback::Timeout;
use gloo::worker::{Codec, HandlerId, Worker, WorkerScope};
use lab_engine::check::{
    check_seed, CheckOptions, Failure, FailureKind, InSeedOrder, SeedRange, SeedRun,
};
use lab_engine::explore::{ExploreOptions, Host, Outcome, Search, Stats};
use lab_engine::share;
use lab_engine::Settings;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsValue, UnwrapThrowExt};

/// How long the worker searches before it looks at its messages again, in seconds.
const SLICE: f64 = 0.1;

/// The workers' messages, as JSON text: a failing seed's actions are an internally tagged enum
/// (`{"do": "crash", ...}`), which gloo's default encoding (bincode) cannot read back.
pub struct Json;

impl Codec for Json {
    fn encode<I: Serialize>(input: I) -> JsValue {
        // The messages are plain data (no maps with keys other than strings): this never fails.
        JsValue::from_str(&serde_json::to_string(&input).expect_throw("a search message as JSON"))
    }

    fn decode<O: for<'de> Deserialize<'de>>(input: JsValue) -> O {
        // The page and the worker are built from the same source, so they agree on the form.
        let text = input.as_string().expect_throw("a search message is text");
        serde_json::from_str(&text).expect_throw("a search message of this build")
    }
}

/// What to search, with the run's settings as a link's query string (the form every part of
/// the lab already reads and checks).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Job {
    /// Every interleaving, within `lab explore`'s options given as (flag name, value).
    Explore {
        settings: String,
        options: Vec<(String, String)>,
    },
    /// `seeds` (a shard of the hunt's range), each with a random fault schedule, as `lab
    /// check` runs them, in order up to the first failure.
    Hunt { settings: String, seeds: SeedRange },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Input {
    Start(Job),
    Cancel,
}

/// How far a search has gone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Explore: transitions taken and distinct states; Hunt: seeds run and simulated events.
    pub states: u64,
    pub unique: u64,
    /// Explore: the depth reached.
    pub depth: u32,
    /// Hunt: seeds run so far, of `seeds`.
    pub seeds_done: u64,
    pub seeds: u64,
    pub seconds: f64,
    /// Explore: memory the search holds, in bytes.
    pub memory: u64,
    /// Hunt: the workers that share the seeds.
    pub workers: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Output {
    Progress(Progress),
    /// A violation: `link` opens its run at the moment it breaks.
    Found {
        progress: Progress,
        summary: String,
        link: String,
    },
    /// The search ended without a violation; `why` says how far it got.
    Done {
        progress: Progress,
        why: String,
    },
    /// The job could not start (bad settings or options).
    Failed(String),
    /// A hunt's worker ran these seeds since its last report, in order, in `seconds` since it
    /// started; a failure ends its part.
    Ran {
        runs: Vec<(u64, SeedRun)>,
        seconds: f64,
    },
}

/// The worker: at most one search at a time.
pub struct Searcher {
    running: Option<(HandlerId, Running)>,
    /// The next slice, scheduled on the worker's event loop so messages are read in between.
    next: Option<Timeout>,
}

enum Running {
    Explore(Box<Search>, Meter),
    Hunt {
        settings: Settings,
        seeds: SeedRange,
        /// The position in `seeds` of the next seed to run.
        next: u64,
        started: f64,
    },
}

pub enum Tick {
    Slice,
}

/// The explorer's host in the worker: the wall clock and the WebAssembly memory's size (it
/// only grows, so it is the most the search ever held).
struct Meter {
    stats: Stats,
}

impl Host for Meter {
    fn seconds(&self) -> f64 {
        now()
    }
    fn allocated(&self) -> usize {
        #[cfg(target_arch = "wasm32")]
        {
            core::arch::wasm32::memory_size(0) * 65536
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            0
        }
    }
    fn progress(&mut self, stats: &Stats) -> bool {
        self.stats = stats.clone();
        true
    }
}

fn now() -> f64 {
    js_sys::Date::now() / 1000.0
}

fn explore_progress(s: &Stats) -> Progress {
    Progress {
        states: s.states,
        unique: s.unique,
        depth: s.depth,
        seconds: s.seconds,
        memory: s.peak_memory as u64,
        ..Progress::default()
    }
}

impl Searcher {
    fn start(job: Job) -> Result<Running, String> {
        let settings = |q: &str| -> Result<Settings, String> {
            let d = share::decode_link(q);
            match d.warnings.first() {
                Some(w) => Err(w.clone()),
                None => Ok(d.settings),
            }
        };
        match job {
            Job::Explore {
                settings: q,
                options,
            } => {
                let s = settings(&q)?;
                let mut opts = ExploreOptions::default();
                for (k, v) in &options {
                    if !opts.set(k, v)? {
                        return Err(format!("'{k}' is not an exploration option"));
                    }
                }
                let search = Search::new(&s, &opts)?;
                Ok(Running::Explore(
                    Box::new(search),
                    Meter {
                        stats: Stats::default(),
                    },
                ))
            }
            Job::Hunt { settings: q, seeds } => Ok(Running::Hunt {
                settings: settings(&q)?,
                seeds,
                next: 0,
                started: now(),
            }),
        }
    }

    /// Searches for about [`SLICE`]. Explore: `Output::Progress` while the search goes on,
    /// else how it ended; Hunt: the seeds it ran.
    fn slice(running: &mut Running) -> Output {
        match running {
            Running::Explore(search, meter) => {
                let report = match search.resume(meter, now() + SLICE) {
                    Ok(Some(r)) => r,
                    Ok(None) => return Output::Progress(explore_progress(&meter.stats)),
                    Err(e) => return Output::Failed(e),
                };
                let progress = explore_progress(&report.stats);
                let why = match report.outcome {
                    Outcome::Violation(cx) => {
                        return Output::Found {
                            summary: format!(
                                "{} violated after {} steps: {}",
                                cx.violation.invariant,
                                cx.actions.len(),
                                cx.violation.explanation
                            ),
                            link: cx.link(),
                            progress,
                        }
                    }
                    Outcome::Exhausted => {
                        "every reachable state within the budgets is safe".to_string()
                    }
                    Outcome::DepthBound => format!(
                        "every path of up to {} steps is safe (the depth bound)",
                        progress.depth
                    ),
                    Outcome::StateBound => "stopped at the state bound; no violation so far".into(),
                    Outcome::MemoryBound => {
                        "stopped at the memory bound; no violation so far".into()
                    }
                    Outcome::Cancelled => "cancelled".into(),
                };
                Output::Done { progress, why }
            }
            Running::Hunt {
                settings,
                seeds,
                next,
                started,
            } => {
                let until = now() + SLICE;
                let opts = CheckOptions::default();
                let mut runs = Vec::new();
                while *next < seeds.len() {
                    let seed = seeds.nth(*next);
                    let run = check_seed(
                        &Settings {
                            seed,
                            ..settings.clone()
                        },
                        &opts,
                    );
                    *next += 1;
                    let failed = run.failure.is_some();
                    runs.push((seed, run));
                    if failed {
                        // Later seeds of this shard come after this failure: [`Hunt`] would
                        // not count them.
                        *next = seeds.len();
                    }
                    if failed || now() >= until {
                        break;
                    }
                }
                Output::Ran {
                    runs,
                    seconds: now() - *started,
                }
            }
        }
    }

    /// Whether `running` has more to do after reporting `out`.
    fn going(running: &Running, out: &Output) -> bool {
        match (running, out) {
            (_, Output::Progress(_)) => true,
            (Running::Hunt { seeds, next, .. }, Output::Ran { .. }) => *next < seeds.len(),
            _ => false,
        }
    }

    fn schedule(&mut self, scope: &WorkerScope<Self>) {
        let scope = scope.clone();
        self.next = Some(Timeout::new(0, move || scope.send_message(Tick::Slice)));
    }
}

impl Worker for Searcher {
    type Message = Tick;
    type Input = Input;
    type Output = Output;

    fn create(_: &WorkerScope<Self>) -> Self {
        Searcher {
            running: None,
            next: None,
        }
    }

    fn update(&mut self, scope: &WorkerScope<Self>, Tick::Slice: Tick) {
        self.next = None;
        let Some((who, running)) = self.running.as_mut() else {
            return;
        };
        let who = *who;
        let out = Self::slice(running);
        let going = Self::going(running, &out);
        scope.respond(who, out);
        if going {
            self.schedule(scope);
        } else {
            self.running = None;
        }
    }

    fn received(&mut self, scope: &WorkerScope<Self>, msg: Input, who: HandlerId) {
        match msg {
            Input::Start(job) => match Self::start(job) {
                Ok(r) => {
                    self.running = Some((who, r));
                    self.schedule(scope);
                }
                Err(e) => scope.respond(who, Output::Failed(e)),
            },
            Input::Cancel => {
                self.next = None;
                if let Some((who, r)) = self.running.take() {
                    // A hunt's worker reported every seed it ran at the end of its last slice.
                    let progress = match &r {
                        Running::Explore(_, m) => explore_progress(&m.stats),
                        Running::Hunt { .. } => Progress::default(),
                    };
                    scope.respond(
                        who,
                        Output::Done {
                            progress,
                            why: "cancelled".into(),
                        },
                    );
                }
            }
        }
    }
}

/// A hunt over several workers, as the page sees it: worker `i` of `n` runs shard `i` of the
/// seed range (the engine's [`SeedRange::shard`], as `lab check --shard`), and their runs are
/// counted in seed order ([`InSeedOrder`]), so the outcome is what one worker running the range
/// in order reports: the lowest failing seed, whichever worker found it first, and the counts
/// of the seeds up to it. A worker is stopped as soon as nothing it could still run counts.
pub struct Hunt {
    settings: Settings,
    order: InSeedOrder,
    parts: Vec<Part>,
    /// Seeds in the range.
    total: u64,
    /// The longest any worker has run, in seconds.
    seconds: f64,
    cancelling: bool,
}

struct Part {
    seeds: SeedRange,
    /// How many of its seeds it has reported.
    ran: u64,
    /// It stopped, or was told to: what it still sends does not count.
    stopped: bool,
}

/// What the page does after hearing a hunt's worker.
#[derive(Debug, Default, PartialEq)]
pub struct Heard {
    /// What the panel shows now: progress, or the outcome.
    pub show: Option<Output>,
    /// The workers to let go: they stopped, or nothing they could still run counts.
    pub stop: Vec<usize>,
}

impl Hunt {
    /// Seeds `first..=last` of the run `settings` (a link's query string) over at most
    /// `workers` workers (never more than seeds): the hunt, and each worker's job.
    pub fn new(
        settings: &str,
        first: u64,
        last: u64,
        workers: usize,
    ) -> Result<(Hunt, Vec<Job>), String> {
        if first > last {
            return Err(format!("no seeds from {first} to {last}"));
        }
        let whole = SeedRange::new(first, last);
        let n = (workers.max(1) as u64).min(whole.len());
        let parts = (0..n)
            .map(|i| {
                Ok(Part {
                    seeds: whole.shard(i, n)?,
                    ran: 0,
                    stopped: false,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let jobs = (parts.iter())
            .map(|p| Job::Hunt {
                settings: settings.to_string(),
                seeds: p.seeds,
            })
            .collect();
        let hunt = Hunt {
            // The workers decode the same query string; a bad one fails there, with its reason.
            settings: share::decode_link(settings).settings,
            order: InSeedOrder::new(whole, true),
            parts,
            total: whole.len(),
            seconds: 0.0,
            cancelling: false,
        };
        Ok((hunt, jobs))
    }

    /// The workers still running.
    pub fn running(&self) -> Vec<usize> {
        (0..self.parts.len())
            .filter(|&i| !self.parts[i].stopped)
            .collect()
    }

    /// Cancel was sent to every worker still running: each answers `Done`, unless its last
    /// report, already on its way, ends its part.
    pub fn cancel(&mut self) {
        self.cancelling = true;
    }

    fn progress(&self, seeds: u64, events: u64) -> Progress {
        Progress {
            states: events,
            seeds_done: seeds,
            seeds: self.total,
            seconds: self.seconds,
            workers: self.parts.len() as u64,
            ..Progress::default()
        }
    }

    /// Stops every worker still running; returns them.
    fn stop_all(&mut self) -> Vec<usize> {
        let running = self.running();
        for &i in &running {
            self.parts[i].stopped = true;
        }
        running
    }

    /// Hears worker `i`.
    pub fn heard(&mut self, i: usize, out: Output) -> Heard {
        match self.parts.get(i) {
            Some(p) if !p.stopped => {}
            // A report sent before the worker was let go: nothing in it counts.
            _ => return Heard::default(),
        }
        let mut stop = Vec::new();
        match out {
            Output::Ran { runs, seconds } => {
                self.seconds = self.seconds.max(seconds);
                let part = &mut self.parts[i];
                part.ran += runs.len() as u64;
                if runs.iter().any(|(_, r)| r.failure.is_some()) || part.ran >= part.seeds.len() {
                    // Its worker stopped there.
                    part.stopped = true;
                    stop.push(i);
                }
                for (seed, run) in runs {
                    if let Err(e) = self.order.add(seed, run, |_| {}) {
                        stop.extend(self.stop_all());
                        return Heard {
                            show: Some(Output::Failed(e)),
                            stop,
                        };
                    }
                }
                if self.order.finished() {
                    stop.extend(self.stop_all());
                    return Heard {
                        show: Some(self.outcome()),
                        stop,
                    };
                }
                // A worker whose next seed lies above the lowest failure has nothing to add.
                if let Some(bound) = self.order.bound() {
                    for (j, p) in self.parts.iter_mut().enumerate() {
                        if !p.stopped && p.seeds.nth(p.ran) > bound {
                            p.stopped = true;
                            stop.push(j);
                        }
                    }
                }
            }
            Output::Done { .. } => {
                // Only a cancelled worker ends a hunt's part with `Done`.
                self.parts[i].stopped = true;
                stop.push(i);
            }
            Output::Failed(e) => {
                stop.extend(self.stop_all());
                return Heard {
                    show: Some(Output::Failed(e)),
                    stop,
                };
            }
            Output::Progress(_) | Output::Found { .. } => return Heard::default(),
        }
        let (seeds, events) = self.order.received();
        let progress = self.progress(seeds, events);
        let show = if !self.cancelling {
            Some(Output::Progress(progress))
        } else if self.running().is_empty() {
            Some(Output::Done {
                progress,
                why: "cancelled".into(),
            })
        } else {
            None
        };
        Heard { show, stop }
    }

    /// How the hunt ended, once its count is finished.
    fn outcome(&self) -> Output {
        let report = self.order.report();
        let progress = self.progress(report.seeds, report.events);
        match report.failures.first() {
            Some(f) => Output::Found {
                summary: found(f),
                link: f.link(&self.settings),
                progress,
            },
            None => Output::Done {
                why: format!("{} seeds, no failure", report.seeds),
                progress,
            },
        }
    }
}

/// A failing seed, in a sentence.
fn found(f: &Failure) -> String {
    match &f.kind {
        FailureKind::Safety(v) => format!(
            "seed {}: {} violated at {} (shortened to {} actions): {}",
            f.seed,
            v.invariant,
            lab_engine::time::fmt_time(f.time),
            f.actions.len(),
            v.explanation
        ),
        FailureKind::Liveness(why) => {
            format!(
                "seed {}: no progress after the faults healed: {why}",
                f.seed
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab_engine::catalog::{Bug, ProtocolKind};
    use lab_engine::check::{check_seeds, CheckReport};
    use std::collections::VecDeque;

    /// What a worker sends for `job`: its shard's runs in order, two per slice, up to its
    /// first failure (as [`Searcher`] runs them).
    fn worker(job: &Job, settings: &Settings) -> VecDeque<Output> {
        let Job::Hunt { seeds, .. } = job else {
            panic!("a hunt's job")
        };
        let mut runs = Vec::new();
        for seed in seeds.iter() {
            let run = check_seed(
                &Settings {
                    seed,
                    ..settings.clone()
                },
                &CheckOptions::default(),
            );
            let failed = run.failure.is_some();
            runs.push((seed, run));
            if failed {
                break;
            }
        }
        (runs.chunks(2))
            .map(|c| {
                let out = Output::Ran {
                    runs: c.to_vec(),
                    seconds: 0.0,
                };
                // What crosses to the page ([`Json`]) reads back the same.
                let text = serde_json::to_string(&out).unwrap();
                assert_eq!(serde_json::from_str::<Output>(&text).unwrap(), out);
                out
            })
            .collect()
    }

    /// Runs a hunt of `first..=last` over `n` workers whose reports arrive last worker first,
    /// then round robin; returns what the panel shows at the end, but for the worker count.
    fn hunt(settings: &Settings, first: u64, last: u64, n: usize) -> Output {
        let mut end = hunt_on(settings, first, last, n);
        if let Output::Found { progress, .. } | Output::Done { progress, .. } = &mut end {
            assert_eq!(progress.workers, n.min((last - first + 1) as usize) as u64);
            progress.workers = 0;
        }
        end
    }

    fn hunt_on(settings: &Settings, first: u64, last: u64, n: usize) -> Output {
        let q = lab_engine::share::encode_link(settings, &[], &[]);
        let (mut hunt, jobs) = Hunt::new(&q, first, last, n).unwrap();
        let mut sent: Vec<VecDeque<Output>> = jobs.iter().map(|j| worker(j, settings)).collect();
        let mut order: Vec<usize> = vec![jobs.len() - 1; sent[jobs.len() - 1].len()];
        for _ in 0..last {
            order.extend(0..jobs.len());
        }
        let mut stopped = vec![false; jobs.len()];
        for i in order {
            let Some(out) = sent[i].pop_front().filter(|_| !stopped[i]) else {
                continue;
            };
            let heard = hunt.heard(i, out);
            for s in heard.stop {
                stopped[s] = true;
            }
            match heard.show {
                Some(Output::Progress(_)) => {}
                Some(end) => {
                    assert!(hunt.running().is_empty(), "every worker is let go");
                    return end;
                }
                None => panic!("progress while the hunt runs"),
            }
        }
        panic!("the hunt did not end")
    }

    /// The counts one worker reports: every seed up to the first failing one.
    fn counts(progress: &Progress, report: &CheckReport) {
        assert_eq!(progress.seeds_done, report.seeds);
        assert_eq!(progress.states, report.events);
    }

    /// Raft that commits an entry of an older term by counting replicas (Figure 8) fails seed
    /// 10 first among 3..=12: the workers that run seeds 3 to 9 must finish before it counts,
    /// and those past it are let go.
    #[test]
    fn a_hunt_over_several_workers_finds_the_failing_seed_one_worker_finds() {
        let settings = Settings {
            bugs: vec![Bug::parse("raft-commit-old-term").unwrap()],
            ..Settings::for_protocol(ProtocolKind::Raft)
        };
        let one = hunt(&settings, 3, 12, 1);
        let Output::Found {
            summary, progress, ..
        } = &one
        else {
            panic!("a failure in seeds 3..=12: {one:?}")
        };
        assert!(summary.starts_with("seed 10: "), "{summary}");
        counts(
            progress,
            &check_seeds(&settings, 3..=10, &CheckOptions::default(), |_| {}),
        );
        for n in 2..=5 {
            assert_eq!(hunt(&settings, 3, 12, n), one, "{n} workers");
        }
    }

    #[test]
    fn a_clean_hunt_over_several_workers_counts_every_seed() {
        let settings = Settings::for_protocol(ProtocolKind::Raft);
        let one = hunt(&settings, 3, 8, 1);
        let Output::Done { why, progress } = &one else {
            panic!("no failure in seeds 3..=8: {one:?}")
        };
        assert_eq!(why, "6 seeds, no failure");
        counts(
            progress,
            &check_seeds(&settings, 3..=8, &CheckOptions::default(), |_| {}),
        );
        assert_eq!(hunt(&settings, 3, 8, 4), one);
        // Never more workers than seeds.
        let (_, jobs) = Hunt::new("", 3, 4, 8).unwrap();
        assert_eq!(jobs.len(), 2);
        assert!(Hunt::new("", 4, 3, 2).is_err());
    }

    fn ran(seed: u64, fails: bool) -> (u64, SeedRun) {
        let failure = fails.then(|| Failure {
            seed,
            time: 0,
            kind: FailureKind::Liveness("stuck".into()),
            actions: Vec::new(),
        });
        let run = SeedRun {
            failure,
            events: 100 + seed,
            end: 0,
            unknown: false,
        };
        (seed, run)
    }

    fn report(runs: Vec<(u64, SeedRun)>) -> Output {
        Output::Ran { runs, seconds: 1.0 }
    }

    /// A worker whose next seed lies above a failure found elsewhere is let go at once; one
    /// still below it runs on until it passes it.
    #[test]
    fn workers_past_the_lowest_failure_are_let_go() {
        // Worker 0: 1, 4, 7, 10; worker 1: 2, 5, 8; worker 2: 3, 6, 9.
        let (mut h, _) = Hunt::new("", 1, 10, 3).unwrap();
        let heard = h.heard(2, report(vec![ran(3, false), ran(6, false)]));
        assert_eq!(heard.stop, Vec::<usize>::new());
        let heard = h.heard(1, report(vec![ran(2, false), ran(5, true)]));
        // Worker 1 stopped at its failure; worker 2's next seed is 9, above 5.
        assert_eq!(heard.stop, [1, 2]);
        let Some(Output::Progress(p)) = heard.show else {
            panic!("{heard:?}")
        };
        assert_eq!(
            (p.seeds_done, p.seeds),
            (4, 10),
            "every seed received so far"
        );
        assert_eq!(h.running(), [0]);
        // Worker 2's report of seed 9, sent before it was let go, does not count.
        assert_eq!(h.heard(2, report(vec![ran(9, true)])), Heard::default());
        let heard = h.heard(0, report(vec![ran(1, false), ran(4, false)]));
        let Some(Output::Found {
            summary, progress, ..
        }) = heard.show
        else {
            panic!("{heard:?}")
        };
        assert!(summary.starts_with("seed 5: no progress"), "{summary}");
        // Seeds 1 to 5, not 6.
        assert_eq!((progress.seeds_done, progress.states), (5, 515));
        assert_eq!(heard.stop, [0]);
    }

    #[test]
    fn cancel_ends_the_hunt_when_every_worker_has_answered() {
        let (mut h, _) = Hunt::new("", 1, 10, 2).unwrap();
        h.heard(0, report(vec![ran(1, false)]));
        h.cancel();
        let heard = h.heard(1, report(vec![ran(2, false)]));
        assert_eq!(heard.show, None, "worker 0 has not answered yet");
        let cancelled = Output::Done {
            progress: Progress::default(),
            why: "cancelled".into(),
        };
        assert_eq!(h.heard(1, cancelled.clone()).show, None);
        let Some(Output::Done { why, progress }) = h.heard(0, cancelled).show else {
            panic!("cancelled")
        };
        assert_eq!((why.as_str(), progress.seeds_done), ("cancelled", 2));
        assert!(h.running().is_empty());
    }

    #[test]
    fn a_seed_reported_twice_fails_the_hunt() {
        let (mut h, _) = Hunt::new("", 1, 10, 2).unwrap();
        h.heard(0, report(vec![ran(1, false)]));
        let heard = h.heard(0, report(vec![ran(1, false)]));
        assert!(matches!(heard.show, Some(Output::Failed(_))), "{heard:?}");
        assert_eq!(heard.stop, [0, 1]);
    }
}
