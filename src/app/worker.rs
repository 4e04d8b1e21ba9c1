//! The bridge to the bug search's Web Workers (`src/search.rs`): it starts a search (Explore in
//! one fresh worker, Hunt over one per core), cancels it, and follows its progress for the
//! Find a bug panel.

use super::{App, Msg as AppMsg};
use crate::components::explore::SearchView;
use consensus_lab::search::{Hunt, Input, Job, Json, Output, Searcher};
use gloo::worker::{Spawnable, WorkerBridge};
use lab_engine::explore::ExploreOptions;
use lab_engine::share::encode_link;
use lab_engine::Settings;
use yew::prelude::*;

/// Hunt workers at most: each loads its own WebAssembly and memory, and past a handful the
/// page's own thread (which draws the cluster) gets too little of the machine.
const MAX_WORKERS: usize = 8;

pub enum Msg {
    Explore(ExploreOptions),
    /// Hunt seeds `first..=last`.
    Hunt(u64, u64),
    Cancel,
    /// Worker `.1` of search `.0` said something.
    Heard(u64, usize, Output),
    /// Open the counterexample found again.
    Show,
}

#[derive(Default)]
pub struct Search {
    /// The workers of the search under way, by index; `None` once let go.
    bridges: Vec<Option<WorkerBridge<Searcher>>>,
    /// A hunt's count of its workers' runs.
    hunt: Option<Hunt>,
    /// Which search the workers belong to: what an earlier search's worker still says is not
    /// heard.
    generation: u64,
    pub view: SearchView,
    /// The counterexample the last search found, as a link's query string.
    found: Option<String>,
}

/// One worker per core the browser reports, within 1..=[`MAX_WORKERS`].
fn cores() -> usize {
    let n = web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency());
    (n as usize).clamp(1, MAX_WORKERS)
}

impl Search {
    /// Follows a message about the search of `settings`; returns the counterexample to open
    /// when there is one to show.
    pub fn update(&mut self, ctx: &Context<App>, msg: Msg, settings: &Settings) -> Option<String> {
        let settings = || encode_link(settings, &[], &[]);
        match msg {
            Msg::Explore(opts) => {
                let options = (opts.flags().into_iter())
                    .map(|(k, v)| (k.to_string(), v))
                    .collect();
                let job = Job::Explore {
                    settings: settings(),
                    options,
                };
                self.start(ctx, None, vec![job]);
            }
            Msg::Hunt(first, last) => match Hunt::new(&settings(), first, last, cores()) {
                Ok((hunt, jobs)) => self.start(ctx, Some(hunt), jobs),
                Err(e) => self.view = SearchView::Failed(e),
            },
            Msg::Cancel => {
                if let SearchView::Running { cancelling, .. } = &mut self.view {
                    let running = match &mut self.hunt {
                        Some(h) => {
                            h.cancel();
                            h.running()
                        }
                        None => (0..self.bridges.len()).collect(),
                    };
                    for i in running {
                        if let Some(Some(b)) = self.bridges.get(i) {
                            b.send(Input::Cancel);
                        }
                    }
                    *cancelling = true;
                }
            }
            Msg::Heard(generation, i, out) if generation == self.generation => {
                return self.heard(i, out)
            }
            Msg::Heard(..) => {}
            Msg::Show => return self.found.clone(),
        }
        None
    }

    /// Hands each job to a new worker (their WebAssembly loads only now).
    fn start(&mut self, ctx: &Context<App>, hunt: Option<Hunt>, jobs: Vec<Job>) {
        self.generation += 1;
        let generation = self.generation;
        self.view = SearchView::Running {
            hunt: hunt.is_some(),
            progress: None,
            cancelling: false,
        };
        self.hunt = hunt;
        self.found = None;
        self.bridges = (jobs.into_iter().enumerate())
            .map(|(i, job)| {
                let link = ctx.link().clone();
                let bridge = Searcher::spawner()
                    .encoding::<Json>()
                    .callback(move |out| {
                        link.send_message(AppMsg::Search(Msg::Heard(generation, i, out)))
                    })
                    // Trunk's loader shim (`data-loader-shim`), next to index.html: a file of
                    // the site's own, as a strict Content-Security-Policy requires.
                    .with_loader(true)
                    .as_module(false)
                    .spawn("./explore-worker_loader.js");
                bridge.send(Input::Start(job));
                Some(bridge)
            })
            .collect();
    }

    fn heard(&mut self, i: usize, out: Output) -> Option<String> {
        let hunt = match &self.view {
            SearchView::Running { hunt, .. } => *hunt,
            // A message after the search ended (a cancel crossing the answer).
            _ => return None,
        };
        let out = match &mut self.hunt {
            Some(h) => {
                let heard = h.heard(i, out);
                for s in heard.stop {
                    // Letting go of its bridge ends the worker.
                    if let Some(b) = self.bridges.get_mut(s) {
                        *b = None;
                    }
                }
                heard.show?
            }
            None => out,
        };
        let mut found = None;
        match out {
            Output::Progress(p) => {
                if let SearchView::Running { progress, .. } = &mut self.view {
                    *progress = Some(p);
                }
            }
            Output::Found {
                progress,
                summary,
                link,
            } => {
                self.view = SearchView::Found {
                    hunt,
                    progress,
                    summary,
                };
                // A counterexample opens as soon as it is found.
                found = Some(link.clone());
                self.found = Some(link);
            }
            Output::Done { progress, why } => {
                self.view = SearchView::Done {
                    hunt,
                    progress,
                    why,
                }
            }
            Output::Failed(e) => self.view = SearchView::Failed(e),
            // Only a hunt's workers send runs, and [`Hunt`] counts them.
            Output::Ran { .. } => {}
        }
        if !matches!(self.view, SearchView::Running { .. }) {
            // Each search gets fresh workers: WebAssembly memory never shrinks, so the next
            // search's memory bound measures from a clean start.
            self.bridges.clear();
            self.hunt = None;
        }
        found
    }
}
