//! The "Find a bug" panel: Explore (every interleaving, breadth-first, within budgets) and Hunt
//! (random-fault seeds), both run by the page's worker. The panel edits the budgets and shows
//! progress and the outcome; the app runs the search and opens what it finds.

use crate::search::Progress;
use lab_engine::explore::ExploreOptions;
use yew::prelude::*;

/// Where the page's search stands.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum SearchView {
    #[default]
    Idle,
    Running {
        hunt: bool,
        progress: Option<Progress>,
        cancelling: bool,
    },
    Found {
        hunt: bool,
        progress: Progress,
        summary: String,
    },
    Done {
        hunt: bool,
        progress: Progress,
        why: String,
    },
    Failed(String),
}

#[derive(Properties, PartialEq)]
pub struct ExploreProps {
    /// What is searched: the protocol, cluster size and active buggy variants.
    pub about: AttrValue,
    pub nodes: usize,
    /// The budgets to start from for this protocol.
    pub suggested: ExploreOptions,
    pub state: SearchView,
    pub on_explore: Callback<ExploreOptions>,
    pub on_hunt: Callback<(u64, u64)>,
    pub on_cancel: Callback<()>,
    /// Opens the counterexample found again.
    pub on_show: Callback<()>,
}

/// One budget the reader can change: its label, a hint, bounds, and where it lives.
struct Field {
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    min: u64,
    max: u64,
    get: fn(&ExploreOptions) -> u64,
    set: fn(&mut ExploreOptions, u64),
}

const FIELDS: &[Field] = &[
    Field {
        key: "max-states",
        label: "states at most",
        hint: "stop after this many distinct states",
        min: 1000,
        max: 20_000_000,
        get: |o| o.max_states,
        set: |o, v| o.max_states = v,
    },
    Field {
        key: "max-depth",
        label: "steps at most (0: any)",
        hint: "paths of at most this many steps (0: no bound)",
        min: 0,
        max: 200,
        get: |o| {
            if o.max_depth == u32::MAX {
                0
            } else {
                o.max_depth.into()
            }
        },
        set: |o, v| o.max_depth = if v == 0 { u32::MAX } else { v as u32 },
    },
    Field {
        key: "max-memory",
        label: "memory (MB)",
        hint: "stop when the search holds this much",
        min: 16,
        max: 1024,
        get: |o| (o.max_memory >> 20) as u64,
        set: |o, v| o.max_memory = (v as usize) << 20,
    },
    Field {
        key: "timeouts",
        label: "timeouts per node",
        hint: "how often each node's timers may fire: elections, retries",
        min: 0,
        max: 5,
        get: |o| o.timeouts.into(),
        set: |o, v| o.timeouts = v as u8,
    },
    Field {
        key: "client-requests",
        label: "client requests",
        hint: "requests in all, each to any proposer",
        min: 0,
        max: 4,
        get: |o| o.requests.into(),
        set: |o, v| o.requests = v as u8,
    },
    Field {
        key: "crashes",
        label: "crashes",
        hint: "node crashes; a crashed node may restart at any step",
        min: 0,
        max: 3,
        get: |o| o.crashes.into(),
        set: |o, v| o.crashes = v as u8,
    },
    Field {
        key: "drops",
        label: "lost messages",
        hint: "messages the network may lose",
        min: 0,
        max: 3,
        get: |o| o.drops.into(),
        set: |o, v| o.drops = v as u8,
    },
    Field {
        key: "dups",
        label: "duplicated messages",
        hint: "messages the network may deliver twice",
        min: 0,
        max: 3,
        get: |o| o.dups.into(),
        set: |o, v| o.dups = v as u8,
    },
];

const HUNT_MAX: u64 = 1_000_000;

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn progress_text(hunt: bool, p: &Progress) -> String {
    let rate = |n: u64| {
        let r = n as f64 / p.seconds.max(1e-3);
        if r >= 1e4 {
            format!("{:.0} k", r / 1e3)
        } else {
            format!("{r:.0}")
        }
    };
    if hunt {
        format!(
            "{} of {} seeds · {} events simulated · {} seeds/s on {} · {:.1} s",
            thousands(p.seeds_done),
            thousands(p.seeds),
            thousands(p.states),
            rate(p.seeds_done),
            if p.workers == 1 {
                "1 worker".to_string()
            } else {
                format!("{} workers", p.workers)
            },
            p.seconds
        )
    } else {
        format!(
            "{} distinct states ({} transitions) · depth {} · {} states/s · {:.0} MB · {:.1} s",
            thousands(p.unique),
            thousands(p.states),
            p.depth,
            rate(p.unique),
            p.memory as f64 / (1024.0 * 1024.0),
            p.seconds
        )
    }
}

#[function_component]
pub fn ExplorePanel(p: &ExploreProps) -> Html {
    let hunt_tab = use_state(|| false);
    let opts = use_state(|| p.suggested.clone());
    // Text as typed, per field, and what is wrong with it.
    let typed = use_state(Vec::<(&'static str, String)>::new);
    let seeds = use_state(|| ("1".to_string(), "1000".to_string()));
    {
        // Another protocol: start again from its budgets.
        let (opts, typed) = (opts.clone(), typed.clone());
        use_effect_with(p.suggested.clone(), move |s| {
            opts.set(s.clone());
            typed.set(Vec::new());
        });
    }
    let running = matches!(p.state, SearchView::Running { .. });
    let mut errors: Vec<String> = Vec::new();
    let field_view = |f: &'static Field| {
        let shown = typed
            .iter()
            .find(|(k, _)| *k == f.key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| (f.get)(&opts).to_string());
        let bad = match shown.trim().parse::<u64>() {
            Ok(v) if (f.min..=f.max).contains(&v) => None,
            _ => Some(format!("{}: a number from {} to {}", f.label, f.min, f.max)),
        };
        let oninput = {
            let (opts, typed) = (opts.clone(), typed.clone());
            Callback::from(move |e: InputEvent| {
                let v = e
                    .target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value();
                let mut t = (*typed).clone();
                t.retain(|(k, _)| *k != f.key);
                if let Ok(n) = v.trim().parse::<u64>() {
                    if (f.min..=f.max).contains(&n) {
                        let mut o = (*opts).clone();
                        (f.set)(&mut o, n);
                        opts.set(o);
                    }
                }
                t.push((f.key, v));
                typed.set(t);
            })
        };
        let class = classes!("field", bad.is_some().then_some("bad"));
        if let Some(b) = bad {
            errors.push(b);
        }
        html! {
            <label {class} title={f.hint}>
                <span>{ f.label }</span>
                <input type="number" min={f.min.to_string()} max={f.max.to_string()} value={shown}
                    data-testid={format!("explore-{}", f.key)} disabled={running} {oninput} />
            </label>
        }
    };
    let fields: Vec<Html> = FIELDS.iter().map(field_view).collect();
    let proposers = {
        let all = p.nodes as u64;
        let now = u64::from(opts.proposers).min(all);
        let onchange = {
            let opts = opts.clone();
            Callback::from(move |e: Event| {
                let v = e
                    .target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value();
                let mut o = (*opts).clone();
                o.proposers = v.parse::<u8>().unwrap_or(u8::MAX);
                opts.set(o);
            })
        };
        html! {
            <label class="field" title="only S1..SK fire timers and take requests; the others only answer">
                <span>{ "nodes that propose" }</span>
                <select data-testid="explore-proposers" disabled={running} {onchange}>
                    { for (1..=all).map(|k| html! {
                        <option value={if k == all { "255".to_string() } else { k.to_string() }} selected={k == now}>
                            { if k == all { format!("all {all}") } else { format!("S1..S{k}") } }
                        </option>
                    }) }
                </select>
            </label>
        }
    };
    let asynchronous = {
        let handle = opts.clone();
        let onchange = Callback::from(move |e: Event| {
            let on = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .checked();
            let mut o = (*handle).clone();
            o.asynchronous = on;
            handle.set(o);
        });
        html! {
            <label class="check" title="without it, a message arrives before any timer armed after it was sent fires">
                <input type="checkbox" data-testid="explore-async" checked={opts.asynchronous} disabled={running} {onchange} />
                { " timers may fire before messages arrive (asynchrony)" }
            </label>
        }
    };
    let (from, to) = (*seeds).clone();
    let hunt_range = match (from.trim().parse::<u64>(), to.trim().parse::<u64>()) {
        (Ok(a), Ok(b)) if a >= 1 && a <= b && b - a < HUNT_MAX => Ok((a, b)),
        _ => Err(format!(
            "seeds: from 1 up, at most {} seeds",
            thousands(HUNT_MAX)
        )),
    };
    let seed_input = |which: usize| {
        let seeds = seeds.clone();
        let value = if which == 0 { from.clone() } else { to.clone() };
        let oninput = Callback::from(move |e: InputEvent| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .value();
            let mut s = (*seeds).clone();
            if which == 0 {
                s.0 = v
            } else {
                s.1 = v
            }
            seeds.set(s);
        });
        html! {
            <input type="number" min="1" {value} disabled={running} {oninput}
                data-testid={if which == 0 { "hunt-from" } else { "hunt-to" }}
                aria-label={if which == 0 { "first seed" } else { "last seed" }} />
        }
    };
    let tab = |hunt: bool, label: &'static str, id: &'static str| {
        let hunt_tab = hunt_tab.clone();
        html! {
            <button role="tab" data-testid={id} aria-selected={(*hunt_tab == hunt).to_string()}
                onclick={Callback::from(move |_| hunt_tab.set(hunt))}>{ label }</button>
        }
    };
    let explore_start = {
        let (cb, opts) = (p.on_explore.clone(), opts.clone());
        Callback::from(move |_| cb.emit((*opts).clone()))
    };
    let hunt_start = {
        let cb = p.on_hunt.clone();
        let range = hunt_range.clone();
        Callback::from(move |_| {
            if let Ok(r) = range {
                cb.emit(r)
            }
        })
    };
    let cancel = p.on_cancel.reform(|_| ());
    let status = match &p.state {
        SearchView::Idle => html! {},
        SearchView::Running {
            hunt,
            progress,
            cancelling,
        } => {
            let text = progress.as_ref().map_or_else(
                || "starting the search…".to_string(),
                |pr| progress_text(*hunt, pr),
            );
            let (value, max) = match progress {
                Some(pr) if *hunt => (pr.seeds_done, pr.seeds.max(1)),
                Some(pr) => (pr.unique, opts.max_states.max(1)),
                None => (0, 1),
            };
            let states = progress.as_ref().map_or(0, |pr| pr.unique);
            html! {
                <div class="search-progress" data-testid="explore-progress" data-states={states.to_string()}
                    data-seeds={progress.as_ref().map_or(0, |pr| pr.seeds_done).to_string()} role="status">
                    <progress value={value.to_string()} max={max.to_string()}></progress>
                    <span>{ if *cancelling { "cancelling… ".to_string() } else { String::new() } }{ text }</span>
                </div>
            }
        }
        SearchView::Found {
            hunt,
            progress,
            summary,
        } => html! {
            <div class="search-result found" data-testid="explore-result" data-found="true" role="alert"
                data-seeds={progress.seeds_done.to_string()} data-events={progress.states.to_string()}>
                <p><strong>{ "✗ Found: " }</strong>{ summary }</p>
                <p class="hint">{ "It is open in the timeline: step through it with ← and →, or watch the space-time view. " }
                    <button data-testid="explore-show" onclick={p.on_show.reform(|_| ())}>{ "Show it again" }</button></p>
                <p class="figures">{ progress_text(*hunt, progress) }</p>
            </div>
        },
        SearchView::Done {
            hunt,
            progress,
            why,
        } => html! {
            <div class="search-result clean" data-testid="explore-result" data-found="false" role="status"
                data-seeds={progress.seeds_done.to_string()} data-events={progress.states.to_string()}>
                <p><strong>{ "No violation: " }</strong>{ why }</p>
                <p class="figures">{ progress_text(*hunt, progress) }</p>
            </div>
        },
        SearchView::Failed(e) => html! {
            <div class="search-result failed" data-testid="explore-result" data-found="false" role="alert">
                <p><strong>{ "Could not search: " }</strong>{ e }</p>
            </div>
        },
    };
    let body = if *hunt_tab {
        html! {
            <>
                <p class="about">{ "Runs seeds as " }<code>{ "lab check" }</code>{ " does: each draws its own crashes, partitions, lost and late messages, then heals and checks that the cluster recovers. A failing seed is shortened to the few actions that still break it." }</p>
                <div class="fields">
                    <label class="field"><span>{ "from seed" }</span>{ seed_input(0) }</label>
                    <label class="field"><span>{ "to seed" }</span>{ seed_input(1) }</label>
                </div>
                if let Err(e) = &hunt_range {
                    <p class="field-error" role="alert">{ e }</p>
                }
                <div class="search-buttons">
                    <button class="primary" data-testid="hunt-start" disabled={running || hunt_range.is_err()} onclick={hunt_start}>{ "Hunt" }</button>
                    <button data-testid="explore-cancel" disabled={!running} onclick={cancel}>{ "Cancel" }</button>
                </div>
            </>
        }
    } else {
        html! {
            <>
                <p class="about">{ "Tries every order in which messages can arrive and timers fire, with the faults below, breadth-first: the first violation found is a shortest one. Small clusters (3 nodes) finish fastest." }</p>
                <div class="fields">{ for fields }{ proposers }</div>
                { asynchronous }
                if !errors.is_empty() {
                    <p class="field-error" role="alert">{ errors.join("; ") }</p>
                }
                <div class="search-buttons">
                    <button class="primary" data-testid="explore-start" disabled={running || !errors.is_empty()} onclick={explore_start}>{ "Explore" }</button>
                    <button data-testid="explore-cancel" disabled={!running} onclick={cancel}>{ "Cancel" }</button>
                </div>
            </>
        }
    };
    html! {
        // Closed until asked for: the event log below stays in view. A search under way or its
        // result keeps it open.
        <details class="panel explore" data-testid="explore" aria-label="find a bug"
            open={!matches!(p.state, SearchView::Idle)}>
            <summary><h2>{ "Find a bug" }<small>{ format!(" in {}", p.about) }</small></h2>
                <span class="teaser">{ "Let the lab search every interleaving, or random faults, for a violation." }</span></summary>
            <div class="tabs small" role="tablist">
                { tab(false, "Explore", "explore-tab") }
                { tab(true, "Hunt", "hunt-tab") }
            </div>
            { body }
            { status }
        </details>
    }
}
