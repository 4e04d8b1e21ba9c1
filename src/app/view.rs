//! What the protocol page shows: the engine's data for the moment shown, handed to the
//! components as props (rebuilt only when what it depends on changed), and the page around them.

use super::{App, Msg};
use crate::components::cluster::Cluster;
use crate::components::controls::{FaultBar, Faults, Help, Transport};
use crate::components::embed_code::EmbedCodeDialog;
use crate::components::event_log::EventLog;
use crate::components::explore::ExplorePanel;
use crate::components::history::ClientHistory;
use crate::components::inspector::{Inspected, Inspector};
use crate::components::invariants::Invariants;
use crate::components::legend::Legend;
use crate::components::log_grid::LogGrid;
use crate::components::settings::SettingsBar;
use crate::components::spacetime::{SpaceTime, Window};
use crate::components::tour::{TourPanel, ToursMenu};
use crate::components::welcome::WelcomeCard;
use crate::ui_state::Memo;
use lab_engine::any::AnySim;
use lab_engine::explore::ExploreOptions;
use lab_engine::lin::view::HistoryView;
use lab_engine::node::StateTable;
use lab_engine::session::{self, Arrows, Command, Lifecycle, Progress, Selection, Source};
use lab_engine::sim::history::{Marker, ViolationRecord};
use lab_engine::sim::view::Snapshot;
use lab_engine::sim::LogLine;
use lab_engine::time::fmt_time;
use lab_engine::tour;
use lab_engine::{Settings, Time};
use yew::prelude::*;

/// The engine data handed to components, rebuilt only when what it depends on changed.
/// `gen` changes whenever the run itself changes (new settings, an action, an import); within
/// one generation the data at a moment depends only on the event count and the time.
#[derive(Default)]
pub(super) struct Memos {
    snap: Memo<(u64, u64, Time), Snapshot>,
    /// The state table moves only with events, not with the clock.
    table: Memo<(u64, u64), StateTable>,
    log: Memo<(u64, u64), Vec<LogLine>>,
    violations: Memo<(u64, u64), Vec<ViolationRecord>>,
    markers: Memo<(u64, usize), Vec<Marker>>,
    inspected: Memo<(u64, u64, Selection), Inspected>,
    arrows: Memo<(u64, u64, Time, Window, Selection), Arrows>,
    /// The whole run's arrows, grown as it plays rather than rebuilt per frame.
    whole_run: session::WholeRun,
    crashes: Memo<(u64, Time, Window), Vec<Lifecycle>>,
    right_snap: Memo<(u64, u64, Time), Snapshot>,
    right_violations: Memo<(u64, u64), Vec<ViolationRecord>>,
    /// The History view: its panel, and the check's steps so far.
    history: Memo<(u64, u64, Progress, Option<Time>), HistoryView>,
    /// Where the two runs of a comparison first differ (see [`Divergence`]).
    divergence: Divergence,
}

/// The first moment two compared runs differ. Finding it replays both runs from the start, so
/// it is kept: once found it holds until an action changes the runs; not yet found, it is
/// looked for again only when the runs have gone well beyond where it was last looked for.
#[derive(Default)]
struct Divergence {
    gen: Option<u64>,
    checked: u64,
    found: Option<(u64, Time)>,
}

/// Events the runs must grow by before a divergence not found is looked for again.
const DIVERGENCE_RECHECK: u64 = 2048;

impl Divergence {
    fn get(&mut self, gen: u64, left: &AnySim, right: &AnySim) -> Option<(u64, Time)> {
        let reached = left.horizon().0.min(right.horizon().0);
        let stale = self.gen != Some(gen)
            || (self.found.is_none() && reached >= self.checked + DIVERGENCE_RECHECK);
        if stale {
            *self = Divergence {
                gen: Some(gen),
                checked: reached,
                found: lab_engine::script::divergence(left, right),
            };
        }
        self.found
    }
}

/// What the cluster view's badges say: the active buggy variants and options.
fn badges(s: &Settings) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = s
        .bugs
        .iter()
        .map(|b| (format!("bug: {}", b.slug()), b.why().to_string()))
        .collect();
    out.extend(
        s.protocol
            .entry()
            .options
            .iter()
            .filter(|o| o.get(s))
            .map(|o| (o.slug().replace('-', " "), o.describe().to_string())),
    );
    out
}

impl App {
    pub(super) fn render(&self, ctx: &Context<Self>) -> Html {
        let memos = &mut *self.memos.borrow_mut();
        let p = &self.player;
        let (gen, sim, settings) = (p.gen(), p.sim(), p.sim().settings());
        let (selected, big, embed) = (p.selected(), p.big(), p.embed());
        let (events, now) = (sim.events(), sim.now());
        let snap = memos.snap.get((gen, events, now), || sim.snapshot());
        let cb = &self.cb;
        let link = ctx.link();
        // The nodes the chapter points at, on each run (`leader` may differ between them).
        let lit = |s: &AnySim| p.reader().map_or_else(Vec::new, |r| r.highlight(s));
        let touring = p.reader().is_some().then_some("touring");
        let cluster = if p.spacetime() {
            let window = self.st_window;
            let (t0, t1) = window.range(now);
            let keep = match selected {
                Selection::Message(id) => Some(id),
                _ => None,
            };
            let whole_run = &mut memos.whole_run;
            let arrows = memos.arrows.get((gen, events, now, window, selected), || {
                if t0 == 0 && t1 >= now {
                    whole_run.arrows(gen, sim, &snap, keep)
                } else {
                    session::arrows(sim, &snap, t0, t1, keep)
                }
            });
            let crashes = memos
                .crashes
                .get((gen, now, window), || session::crashes(sim, t0, t1));
            html! { <SpaceTime snap={snap.clone()} protocol={settings.protocol} {arrows} {crashes} {window} {selected}
            on_select={cb.select.clone()} on_window={cb.st_window.clone()} /> }
        } else {
            html! { <Cluster snap={snap.clone()} {selected} protocol={settings.protocol}
            on_select={cb.select.clone()} badges={badges(settings)} {big} highlight={lit(sim)}
            config={session::config_view(sim, selected)} /> }
        };
        let markers = memos.markers.get((gen, sim.history().markers.len()), || {
            sim.history().markers.clone()
        });
        let diverged = p.right().and_then(|r| memos.divergence.get(gen, sim, r));
        let transport = html! {
            <Transport playing={p.playing()} manual={p.manual()} speed={p.speed()} now={snap.now}
                events={snap.events} horizon={sim.horizon()} {markers} protocol={settings.protocol} replay={p.replay_step()} hash={sim.trace_hash()}
                on_play={cb.play.clone()} on_step={cb.step.clone()} on_step_back={cb.step_back.clone()}
                on_speed={cb.speed.clone()} on_seek={cb.seek.clone()} divergence={diverged.map(|d| d.1)} />
        };
        let violations = memos.violations.get((gen, events), || sim.violations());
        let notices = (!self.notices.is_empty()).then(|| {
            html! {
                <div class="notice" data-testid="notice" role="status">
                    <ul>{ for self.notices.iter().rev().take(8).map(|n| html! { <li>{ n }</li> }) }</ul>
                    <button onclick={link.callback(|_| Msg::Dismiss)} aria-label="dismiss">{ "×" }</button>
                </div>
            }
        });
        // A run's first violation. "Go to the event" goes to its event on the left run; on the
        // compare run, whose events are numbered differently, to its time.
        // The embed folds it to one line, opened by its summary: whole, it took the cluster's
        // height.
        let alert = |v: Option<&ViolationRecord>, by_time: bool, fold: bool| {
            v.map(|v| {
                let (k, t) = (v.event, v.time);
                let go = move |_| Msg::Do(if by_time { Command::Seek(t) } else { Command::SeekEvent(k) });
                let name = format!("{} violated", v.violation.invariant);
                let what = format!(" at {} (event #{}): {}", fmt_time(v.time), v.event, v.violation.explanation);
                let button = html! { <button onclick={link.callback(go)}>{ "Go to the event" }</button> };
                if fold {
                    html! {
                        <details class="alert fold" data-testid="violation" role="alert">
                            <summary data-testid="violation-open" title="show the whole violation">
                                <strong>{ name }</strong><span title={what.clone()}>{ what }</span>{ button }
                            </summary>
                        </details>
                    }
                } else {
                    html! {
                        <div class="alert" data-testid="violation" role="alert">
                            <strong>{ name }</strong><span>{ what }</span>{ button }
                        </div>
                    }
                }
            })
        };
        let first = violations.first();
        let mut banner = alert(first, false, embed && p.right().is_none());
        // A comparison: both runs side by side, each with its own label and violation.
        let mut right_invariants = None;
        let left_side = p.right().map(|r| {
            let (l, _) = tour::compare_labels(sim.settings(), r.settings());
            AttrValue::from(format!("on the left: {l}"))
        });
        let cluster = match p.right() {
            None => cluster,
            Some(right) => {
                let rsnap = memos
                    .right_snap
                    .get((gen, right.events(), right.now()), || right.snapshot());
                let rviol = memos
                    .right_violations
                    .get((gen, right.events()), || right.violations());
                let (lname, rname) = tour::compare_labels(sim.settings(), right.settings());
                let rbanner = alert(rviol.first(), true, false);
                let divergence = match diverged {
                    Some((k, t)) => html! {
                        <p class="divergence" data-testid="divergence" data-event={k.to_string()} data-us={t.to_string()}>
                            <span class="diverge-swatch" aria-hidden="true"></span>
                            { format!("The runs first differ at {} (event #{k}).", fmt_time(t)) }
                            <button onclick={link.callback(move |_| Msg::Do(Command::SeekEvent(k)))}>{ "Go there" }</button>
                        </p>
                    },
                    None => html! {
                        <p class="divergence none" data-testid="no-divergence">{ "The runs have not differed so far." }</p>
                    },
                };
                right_invariants = Some(html! {
                    <Invariants all={right.invariants()} violations={rviol.clone()} side={AttrValue::from(format!("on the right: {rname}"))} />
                });
                let rcluster = html! {
                    <Cluster snap={rsnap.clone()} {selected} protocol={right.settings().protocol}
                        on_select={cb.select.clone()} badges={badges(right.settings())} {big} highlight={lit(right)}
                        config={session::config_view(right, selected)} />
                };
                let left_banner = banner.take();
                html! {
                    <div class="compare" data-testid="compare">
                        { divergence }
                        <div class="compare-sides">
                            <section class="compare-side" data-testid="compare-left" aria-label="left run">
                                <h3 class={classes!("compare-label", (!violations.is_empty()).then_some("bad"))} data-testid="compare-label-left"
                                    title={lname.clone()}><span class="which">{ "left: " }</span>{ lname }</h3>
                                <div class="compare-banner">{ left_banner }</div>
                                { cluster }
                            </section>
                            <section class="compare-side" data-testid="compare-right" aria-label="right run">
                                <h3 class={classes!("compare-label", (!rviol.is_empty()).then_some("bad"))} data-testid="compare-label-right"
                                    title={rname.clone()}><span class="which">{ "right: " }</span>{ rname }</h3>
                                <div class="compare-banner">{ rbanner }</div>
                                { rcluster }
                            </section>
                        </div>
                    </div>
                }
            }
        };
        let tour_panel = p.reader().and_then(|r| {
            Some(html! {
                <TourPanel tour_title={r.tour().title.clone()} chapter={r.chapter()?.clone()} index={r.index()}
                    count={r.tour().chapters.len()} stage={r.stage().clone()} checks_pass={r.checks_pass()} compact={embed}
                    on_prev={cb.tour_prev.clone()} on_next={cb.tour_next.clone()} on_show={cb.tour_show.clone()}
                    on_back={cb.tour_back.clone()} on_copy_link={cb.copy_link.clone()} on_close={cb.tour_close.clone()} />
            })
        });
        // Presenting (big=1) hides the side column: the story then reads above the cluster.
        let (stage_tour, side_tour) = if big && !embed {
            (tour_panel, None)
        } else {
            (None, tour_panel)
        };
        let history = p.history().map(|h| {
            let view = memos.history.get(h.key(), || h.view());
            let file = matches!(h.source(), Source::File(_));
            html! {
                <ClientHistory {view} title={h.title()} status={h.status()} running={h.checking()}
                    seekable={!file} closable={file} on_seek={cb.seek_op.clone()}
                    on_cancel={cb.cancel_check.clone()} on_close={cb.close_history.clone()} />
            }
        });
        let legend = html! { <Legend protocol={sim.settings().protocol} compact={embed} /> };
        let table = memos.table.get_same((gen, events), || sim.state_table());
        let grid =
            html! { <LogGrid {table} stale={session::stale_leaders(&snap)} compact={embed} /> };
        if embed {
            // The way out keeps the moment, the view and the selection (or the tour's chapter).
            let full = format!("./?{}", p.link(false));
            return html! {
                <div class={classes!("app", "embed", touring)}>
                    { side_tour }
                    { banner }
                    <div class="stage">{ cluster }{ legend }{ grid }</div>
                    { history }
                    if p.controls() {
                        { transport }
                    }
                    <a class="open-full" data-testid="open-full" href={full} target="_blank" rel="noopener">{ "open in Consensus Lab ↗" }</a>
                </div>
            };
        }
        let inspected = memos
            .inspected
            .get((gen, events, selected), || match selected {
                Selection::Node(node) => Inspected::Node {
                    node,
                    up: snap.nodes.get(node.idx()).is_some_and(|v| v.up),
                    sections: sim.inspect_node(node),
                    offers: session::member_offers(sim, node),
                },
                Selection::Message(id) => Inspected::Message {
                    id,
                    found: sim.inspect_message(id),
                },
                Selection::None => Inspected::Nothing,
            });
        let lines = memos.log.get((gen, events), || sim.log());
        // Only the manual scheduler lists the queue: otherwise the panel stays still.
        let queue = p.manual().then(|| snap.clone());
        let shared = self.shared.as_ref().map(|url| {
            html! {
                <label class="share">{ "link " }
                    <input type="text" readonly=true data-testid="share-link" value={url.clone()}
                        aria-label="link to this moment of the run" />
                </label>
            }
        });
        html! {
            <div class={classes!("app", big.then_some("big"), touring)}>
                <header class="top">
                    <h1><span class="logo" aria-hidden="true">{ "◉" }</span>{ "Consensus Lab" }</h1>
                    <ToursMenu groups={self.tour_groups.clone()} on_open={cb.open_tour.clone()} />
                    <a class="guide" data-testid="guide" href="./book/" target="_blank" rel="noopener"
                        title="the user guide, with live runs">{ "Guide" }</a>
                    <SettingsBar settings={settings.clone()} network={sim.network().clone()}
                        on_configure={cb.configure.clone()} on_action={cb.act.clone()}
                        on_reset={cb.reset.clone()} on_copy_link={cb.copy_link.clone()}
                        on_embed={cb.embed.reform(|_| true)} on_ring={cb.ring.clone()} />
                    { shared }
                </header>
                { notices }
                { banner }
                <main class="stage">
                    { stage_tour }
                    if p.welcome() {
                        <WelcomeCard on_choice={link.callback(|w| Msg::Do(Command::Welcome(w)))} />
                    }
                    <div class="tabs" role="tablist">
                        <button role="tab" data-testid="view-cluster" aria-selected={(!p.spacetime()).to_string()}
                            onclick={link.callback(|_| Msg::Do(Command::SpaceTime(false)))}>{ "Cluster" }</button>
                        <button role="tab" data-testid="view-spacetime" aria-selected={p.spacetime().to_string()}
                            onclick={link.callback(|_| Msg::Do(Command::SpaceTime(true)))}>{ "Space-time" }</button>
                        if p.spacetime() {
                            <button data-testid="export-svg" onclick={link.callback(|_| Msg::ExportSvg)}>{ "Export SVG" }</button>
                        }
                        <span class="grow"></span>
                        <button data-testid="export-trace" title="the whole run as a JSON file"
                            onclick={link.callback(|_| Msg::ExportTrace)}>{ "Export trace" }</button>
                        <label class="import" title="replay a trace file">{ "Import trace " }
                            <input type="file" accept=".json,application/json" data-testid="import-trace"
                                onchange={link.batch_callback(|e: Event| {
                                    let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
                                    let file = input.files().and_then(|f| f.get(0));
                                    input.set_value("");
                                    file.map(Msg::ImportTrace)
                                })} />
                        </label>
                        <label class="import" title="check a Jepsen history file (history maps or log lines) for linearizability">{ "Import history " }
                            <input type="file" accept=".edn,.log,.txt,.clj,text/plain" data-testid="history-import"
                                onchange={link.batch_callback(|e: Event| {
                                    let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
                                    let file = input.files().and_then(|f| f.get(0));
                                    input.set_value("");
                                    file.map(Msg::ImportHistory)
                                })} />
                        </label>
                    </div>
                    <FaultBar on_fault={link.callback(|f| Msg::Do(Command::Fault(f)))} />
                    { cluster }
                    { transport }
                    { history }
                    { grid }
                    { legend }
                    <Faults draft={p.draft().to_vec()} manual={p.manual()} {queue}
                        on_action={cb.act.clone()} on_draft={cb.draft.clone()} on_partition={cb.partition.clone()}
                        on_request_leader={cb.request_leader.clone()} on_manual={cb.manual.clone()} />
                </main>
                <aside class="side">
                    { side_tour }
                    <Inspector data={inspected} on_action={cb.act.clone()} on_timeout={cb.timeout.clone()} on_member={cb.member.clone()} on_close={cb.deselect.clone()} />
                    <Invariants all={sim.invariants()} {violations} side={left_side} />
                    { right_invariants }
                    <ExplorePanel about={settings.searched()} nodes={settings.nodes}
                        suggested={ExploreOptions::for_protocol(settings.protocol)} state={self.search.view.clone()}
                        on_explore={cb.explore.clone()} on_hunt={cb.hunt.clone()}
                        on_cancel={cb.cancel_search.clone()} on_show={cb.show_found.clone()} />
                    <EventLog {lines} filter={p.filter().clone()} nodes={settings.nodes} playing={p.playing()}
                        on_filter={cb.filter.clone()} on_seek_event={cb.seek_event.clone()} />
                </aside>
                if self.help {
                    <Help on_close={cb.close_help.clone()} />
                }
                if let Some((base, run)) = &self.embedding {
                    <EmbedCodeDialog base={base.clone()} run={run.clone()}
                        title={p.reader().map_or(settings.protocol.entry().title, |r| r.tour().title.as_str()).to_string()}
                        on_close={cb.embed.reform(|_| false)} />
                }
            </div>
        }
    }
}
