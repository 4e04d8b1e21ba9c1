//! Playback (play, step, speed, the timeline) and fault injection (partitions, cluster-wide
//! actions, manual scheduling).

use crate::app::{App, Msg, SPEEDS};
use lab_engine::sim::history::{Action, Marker, MarkerKind};
use lab_engine::sim::view::Snapshot;
use lab_engine::time::fmt_time;
use lab_engine::{NodeId, Time};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::html::Scope;
use yew::prelude::*;

pub struct Transport<'a> {
    pub playing: bool,
    pub manual: bool,
    pub speed: usize,
    pub now: Time,
    pub events: u64,
    pub horizon: (u64, Time),
    pub markers: &'a [Marker],
    pub hash: u64,
    pub link: &'a Scope<App>,
}

fn clock_text(t: Time) -> String {
    let ms = t / 1000;
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// At most this many markers of each kind are drawn; a long run keeps every nth.
const MARKS: usize = 300;

fn timeline(t: &Transport) -> Html {
    let end = t.horizon.1.max(t.now).max(1);
    // Marks sit at their virtual time; only the viewBox follows the horizon, so a growing
    // run does not move every mark on every frame.
    let x = |time: Time| time.to_string();
    let commits = t
        .markers
        .iter()
        .filter(|m| matches!(m.kind, MarkerKind::Commit { .. }))
        .count();
    let step = commits / MARKS + 1;
    let mut seen = 0;
    let marks = t.markers.iter().filter_map(|m| {
        let (class, title) = match &m.kind {
            MarkerKind::Leader { node, term } => ("leader", format!("{node} leads term {term}")),
            MarkerKind::Commit { committed } => {
                seen += 1;
                if seen % step != 0 {
                    return None;
                }
                ("commit", format!("{committed} committed"))
            }
            MarkerKind::Fault { text } => ("fault", text.clone()),
            MarkerKind::Violation { invariant } => ("violation", format!("{invariant} violated")),
        };
        Some(html! {
            <line key={m.event * 8 + m.time % 8} class={classes!("mark", class)} x1={x(m.time)} x2={x(m.time)} y1="0" y2="14"
                vector-effect="non-scaling-stroke">
                <title>{ format!("{} at {}", title, fmt_time(m.time)) }</title>
            </line>
        })
    });
    let oninput = t.link.callback(|e: InputEvent| {
        let v: f64 = e
            .target_unchecked_into::<HtmlInputElement>()
            .value()
            .parse()
            .unwrap_or(0.0);
        Msg::Seek(v as Time)
    });
    html! {
        <div class="timeline">
            <svg class="marks" aria-hidden="true" preserveAspectRatio="none" viewBox={format!("0 0 {end} 14")}>{ for marks }
                <line class="cursor" x1={x(t.now)} x2={x(t.now)} y1="0" y2="14" vector-effect="non-scaling-stroke" />
            </svg>
            <input type="range" data-testid="timeline" aria-label="timeline" min="0" max={end.to_string()}
                step="1000" value={t.now.to_string()} {oninput} />
        </div>
    }
}

pub fn transport(t: &Transport) -> Html {
    let link = t.link;
    let on_speed = link.callback(|e: Event| {
        Msg::Speed(
            e.target_unchecked_into::<HtmlSelectElement>()
                .selected_index()
                .max(0) as usize,
        )
    });
    html! {
        <div class="transport">
            <div class="buttons">
                <button data-testid="step-back" title="Step back one event (←)" aria-label="step back"
                    onclick={link.callback(|_| Msg::StepBack)}>{ "‹ Back" }</button>
                <button data-testid="play" class="play" title="Play / pause (space)" disabled={t.manual}
                    aria-pressed={t.playing.to_string()} onclick={link.callback(|_| Msg::TogglePlay)}>
                    { if t.playing { "❚❚ Pause" } else { "▶ Play" } }</button>
                <button data-testid="step" title="Step one event (→)" aria-label="step"
                    onclick={link.callback(|_| Msg::Step)}>{ "Step ›" }</button>
                <label class="speed">{ "speed " }
                    <select data-testid="speed" onchange={on_speed}>
                        { for SPEEDS.iter().enumerate().map(|(i, (_, name))| html! {
                            <option selected={i == t.speed} value={i.to_string()}>{ *name }</option>
                        }) }
                    </select>
                </label>
                <span class="clock" data-testid="clock" data-us={t.now.to_string()} data-events={t.events.to_string()}
                    title="virtual time">{ clock_text(t.now) }</span>
                <span class="events" title="events so far / furthest reached">
                    { format!("event {} / {}", t.events, t.horizon.0.max(t.events)) }</span>
                <span class="hash" data-testid="trace-hash" title="trace fingerprint: equal runs have equal fingerprints">
                    { format!("{:016x}", t.hash) }</span>
            </div>
            { timeline(t) }
        </div>
    }
}

pub struct Faults<'a> {
    pub nodes: usize,
    pub draft: &'a [u8],
    pub manual: bool,
    pub snap: &'a Snapshot,
    pub link: &'a Scope<App>,
}

/// Partition editor, cluster-wide actions and the manual scheduler.
pub fn faults(f: &Faults) -> Html {
    let link = f.link;
    let groups = NodeId::all(f.nodes).map(|id| {
        let g = f.draft.get(id.idx()).copied().unwrap_or(0);
        let onclick = link.callback(move |_| Msg::PartitionDraft(id, (g + 1) % 3));
        html! {
            <button class={classes!("group", format!("g{g}"))} data-testid={format!("group-{}", id.0)}
                title="click to move between groups A, B and C" {onclick}>
                { format!("{id}: {}", ["A", "B", "C"][usize::from(g)]) }</button>
        }
    });
    let act = |a: Action| link.callback(move |_| Msg::Act(a.clone()));
    let manual = f.manual.then(|| {
        let mut next: Vec<(Time, Html)> = f
            .snap
            .messages
            .iter()
            .filter(|m| m.lost.is_none())
            .map(|m| {
                let msg = m.id;
                (m.arrives, html! {
                    <li><button data-testid={format!("deliver-{msg}")} onclick={act(Action::Deliver { msg })}>{ "deliver" }</button>
                    { format!(" {} → {}: {} (due {})", m.from, m.to, m.label, fmt_time(m.arrives)) }</li>
                })
            })
            .chain(f.snap.timers.iter().map(|t| {
                let timer = t.id;
                (t.fires_at, html! {
                    <li><button data-testid={format!("fire-{timer}")} onclick={act(Action::FireTimer { timer })}>{ "fire" }</button>
                    { format!(" {}'s {} timer (due {})", t.node, t.label, fmt_time(t.fires_at)) }</li>
                })
            }))
            .collect();
        next.sort_by_key(|(t, _)| *t);
        html! {
            <div class="manual" data-testid="manual-queue">
                <h3>{ "Manual scheduling: you pick what happens next" }</h3>
                <ol>{ for next.into_iter().take(14).map(|(_, h)| h) }</ol>
            </div>
        }
    });
    html! {
        <section class="faults" aria-label="faults">
            <div class="row">
                <span class="label">{ "Partition" }</span>
                { for groups }
                <button data-testid="partition" onclick={link.callback(|_| Msg::ApplyPartition)}>{ "Split" }</button>
                <button data-testid="heal" onclick={act(Action::Heal)} title="H">{ "Heal" }</button>
            </div>
            <div class="row">
                <span class="label">{ "Cluster" }</span>
                <button data-testid="restart-all" onclick={act(Action::RestartAll)} title="R">{ "Restart crashed" }</button>
                <button data-testid="align" onclick={act(Action::AlignTimers)} title="A: every timer fires at once (split votes)">{ "Align timers" }</button>
                <button data-testid="spread" onclick={act(Action::SpreadTimers)} title="S">{ "Spread timers" }</button>
                <button data-testid="request-leader" onclick={link.callback(|_| Msg::RequestToLeader)} title="L">{ "Request → leader" }</button>
                <label class="toggle"><input type="checkbox" data-testid="manual" checked={f.manual}
                    onchange={link.callback(|_| Msg::ToggleManual)} />{ " manual scheduling (M)" }</label>
            </div>
            { manual }
        </section>
    }
}

pub fn help(link: &Scope<App>) -> Html {
    let keys = [
        ("space", "play / pause"),
        ("→", "step one event"),
        ("←", "step back one event"),
        (
            "c / u / t",
            "crash / restart / fire the timeout of the selected node",
        ),
        ("R", "restart every crashed node"),
        ("A / S", "align every timer (split vote) / spread them"),
        ("L", "client request to the leader"),
        ("H", "heal the network"),
        ("M", "manual scheduling"),
        ("?", "this help"),
    ];
    html! {
        <div class="overlay" data-testid="help" role="dialog" aria-label="keyboard shortcuts"
            onclick={link.callback(|_| Msg::Help(false))}>
            <div class="card">
                <h2>{ "Keyboard" }</h2>
                <dl>{ for keys.iter().map(|(k, v)| html! { <><dt><kbd>{ *k }</kbd></dt><dd>{ *v }</dd></> }) }</dl>
                <p>{ "Click a node or a message to inspect it and act on it." }</p>
            </div>
        </div>
    }
}
