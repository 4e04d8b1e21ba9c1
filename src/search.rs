//! The page's bug search, in a Web Worker so that the cluster keeps animating: **Explore**
//! runs the engine's exhaustive search (`lab explore`), **Hunt** runs random-fault seeds one by
//! one (`lab check --faults random`, with shrinking). Both work in slices of about a tenth of a
//! second; between slices the worker reads its messages, so Cancel is heard, and reports its
//! progress. A violation comes back as a link's query string: the page opens it like any
//! link, so every step is an ordinary recorded action on the timeline.

use gloo::timers::callback::Timeout;
use gloo::worker::{HandlerId, Worker, WorkerScope};
use lab_engine::check::{check_seed, CheckOptions, FailureKind};
use lab_engine::explore::{ExploreOptions, Host, Outcome, Search, Stats};
use lab_engine::share;
use lab_engine::Settings;
use serde::{Deserialize, Serialize};

/// How long the worker searches before it looks at its messages again, in seconds.
const SLICE: f64 = 0.1;

/// What to search, with the run's settings as a link's query string (the form every part of
/// the lab already reads and checks).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Job {
    /// Every interleaving, within `lab explore`'s options given as (flag name, value).
    Explore {
        settings: String,
        options: Vec<(String, String)>,
    },
    /// Seeds `first..=last`, each with a random fault schedule, as `lab check` runs them.
    Hunt {
        settings: String,
        first: u64,
        last: u64,
    },
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
        next: u64,
        last: u64,
        progress: Progress,
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
            Job::Hunt {
                settings: q,
                first,
                last,
            } => {
                if first > last {
                    return Err(format!("no seeds from {first} to {last}"));
                }
                Ok(Running::Hunt {
                    settings: settings(&q)?,
                    next: first,
                    last,
                    progress: Progress {
                        seeds: last - first + 1,
                        ..Progress::default()
                    },
                    started: now(),
                })
            }
        }
    }

    /// Searches for about [`SLICE`]: `Output::Progress` while the search goes on, else how it
    /// ended.
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
                next,
                last,
                progress,
                started,
            } => {
                let until = now() + SLICE;
                let opts = CheckOptions::default();
                while *next <= *last {
                    let s = Settings {
                        seed: *next,
                        ..settings.clone()
                    };
                    let run = check_seed(&s, &opts);
                    *next += 1;
                    progress.seeds_done += 1;
                    progress.states += run.events;
                    progress.seconds = now() - *started;
                    if let Some(f) = run.failure {
                        let summary = match &f.kind {
                            FailureKind::Safety(v) => format!(
                                "seed {}: {} violated at {} (shortened to {} actions): {}",
                                f.seed,
                                v.invariant,
                                lab_engine::time::fmt_time(f.time),
                                f.actions.len(),
                                v.explanation
                            ),
                            FailureKind::Liveness(why) => format!(
                                "seed {}: no progress after the faults healed: {why}",
                                f.seed
                            ),
                        };
                        return Output::Found {
                            link: f.link(settings),
                            summary,
                            progress: progress.clone(),
                        };
                    }
                    if now() >= until {
                        return Output::Progress(progress.clone());
                    }
                }
                Output::Done {
                    progress: progress.clone(),
                    why: format!("{} seeds, no failure", progress.seeds_done),
                }
            }
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
        let going = matches!(out, Output::Progress(_));
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
                    let progress = match &r {
                        Running::Explore(_, m) => explore_progress(&m.stats),
                        Running::Hunt { progress, .. } => progress.clone(),
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
