//! The bridge to the bug search's Web Worker (`src/search.rs`): it starts a search in a fresh
//! worker, cancels it, and follows its progress for the Find a bug panel.

use super::{App, Msg as AppMsg};
use crate::components::explore::SearchView;
use consensus_lab::search::{Input, Job, Output, Searcher};
use gloo::worker::{Spawnable, WorkerBridge};
use lab_engine::explore::ExploreOptions;
use lab_engine::share::encode_link;
use lab_engine::Settings;
use yew::prelude::*;

pub enum Msg {
    Explore(ExploreOptions),
    /// Hunt seeds `first..=last`.
    Hunt(u64, u64),
    Cancel,
    /// The worker said something.
    Heard(Output),
    /// Open the counterexample found again.
    Show,
}

#[derive(Default)]
pub struct Search {
    /// The worker, while a search runs.
    bridge: Option<WorkerBridge<Searcher>>,
    pub view: SearchView,
    /// The counterexample the last search found, as a link's query string.
    found: Option<String>,
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
                self.start(ctx, job);
            }
            Msg::Hunt(first, last) => {
                let job = Job::Hunt {
                    settings: settings(),
                    first,
                    last,
                };
                self.start(ctx, job);
            }
            Msg::Cancel => {
                if let (Some(b), SearchView::Running { cancelling, .. }) =
                    (&self.bridge, &mut self.view)
                {
                    b.send(Input::Cancel);
                    *cancelling = true;
                }
            }
            Msg::Heard(out) => return self.heard(out),
            Msg::Show => return self.found.clone(),
        }
        None
    }

    /// Hands a job to a new worker (its WebAssembly loads only now).
    fn start(&mut self, ctx: &Context<App>, job: Job) {
        let hunt = matches!(job, Job::Hunt { .. });
        let bridge = self.bridge.get_or_insert_with(|| {
            let link = ctx.link().clone();
            Searcher::spawner()
                .callback(move |out| link.send_message(AppMsg::Search(Msg::Heard(out))))
                // Trunk's loader shim (`data-loader-shim`), next to index.html: a file of the
                // site's own, as a strict Content-Security-Policy requires.
                .with_loader(true)
                .as_module(false)
                .spawn("./explore-worker_loader.js")
        });
        bridge.send(Input::Start(job));
        self.found = None;
        self.view = SearchView::Running {
            hunt,
            progress: None,
            cancelling: false,
        };
    }

    fn heard(&mut self, out: Output) -> Option<String> {
        let hunt = match &self.view {
            SearchView::Running { hunt, .. } => *hunt,
            // A message after the search ended (a cancel crossing the answer).
            _ => return None,
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
        }
        if !matches!(self.view, SearchView::Running { .. }) {
            // Each search gets a fresh worker: WebAssembly memory never shrinks, so the next
            // search's memory bound measures from a clean start.
            self.bridge = None;
        }
        found
    }
}
