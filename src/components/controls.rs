//! Playback (play, step, speed, the timeline) and fault injection (partitions, cluster-wide
//! actions, manual scheduling).

use crate::ui_state::Shared;
use lab_engine::session::{Fault, Speed, SPEEDS};
use lab_engine::sim::history::{Action, Marker, MarkerKind};
use lab_engine::sim::view::Snapshot;
use lab_engine::time::fmt_time;
use lab_engine::{NodeId, ProtocolKind, Time};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TransportProps {
    pub playing: bool,
    pub manual: bool,
    pub speed: Speed,
    pub now: Time,
    pub events: u64,
    pub horizon: (u64, Time),
    pub markers: Shared<Vec<Marker>>,
    /// Whose words the marks' tooltips use.
    pub protocol: ProtocolKind,
    /// A counterexample's replay: steps taken and in all.
    #[prop_or_default]
    pub replay: Option<(usize, usize)>,
    pub hash: u64,
    pub on_play: Callback<()>,
    pub on_step: Callback<()>,
    pub on_step_back: Callback<()>,
    pub on_speed: Callback<Speed>,
    pub on_seek: Callback<Time>,
    /// Where two compared runs first differ, marked on the timeline.
    #[prop_or_default]
    pub divergence: Option<Time>,
}

fn clock_text(t: Time) -> String {
    let ms = t / 1000;
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// At most this many markers of each kind are drawn; a long run keeps every nth.
const MARKS: usize = 300;

#[derive(Properties, PartialEq)]
struct MarksProps {
    markers: Shared<Vec<Marker>>,
    protocol: ProtocolKind,
    end: Time,
}

/// The timeline's marks: leader changes, commits, faults, violations. Apart from the cursor,
/// so replaying the past (same marks, same end) does not redraw hundreds of them per frame.
#[function_component]
fn Marks(p: &MarksProps) -> Html {
    // Marks sit at their virtual time; only the viewBox follows the horizon, so a growing
    // run does not move every mark on every frame.
    let x = |time: Time| time.to_string();
    let commits = p
        .markers
        .iter()
        .filter(|m| matches!(m.kind, MarkerKind::Commit { .. }))
        .count();
    let step = commits / MARKS + 1;
    let mut seen = 0;
    let words = p.protocol.entry().words;
    let marks = p.markers.iter().filter_map(|m| {
        let (class, title) = match &m.kind {
            MarkerKind::Leader { node, term } => ("leader", words.leader_title(*node, *term)),
            MarkerKind::Commit { committed } => {
                seen += 1;
                if seen % step != 0 {
                    return None;
                }
                ("commit", words.commit_title(*committed))
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
    html! {
        <svg class="marks" aria-hidden="true" preserveAspectRatio="none" viewBox={format!("0 0 {} 14", p.end)}>
            { for marks }
        </svg>
    }
}

fn timeline(t: &TransportProps) -> Html {
    let end = t.horizon.1.max(t.now).max(1);
    let on_seek = t.on_seek.clone();
    let oninput = Callback::from(move |e: InputEvent| {
        let v: f64 = e
            .target_unchecked_into::<HtmlInputElement>()
            .value()
            .parse()
            .unwrap_or(0.0);
        on_seek.emit(v as Time)
    });
    let cursor = format!("{:.4}%", t.now as f64 * 100.0 / end as f64);
    let diverge = t.divergence.map(|d| {
        let x = format!("{:.4}%", d.min(end) as f64 * 100.0 / end as f64);
        html! { <line class="diverge-mark" x1={x.clone()} x2={x} y1="0" y2="14" /> }
    });
    html! {
        <div class="timeline">
            <div class="marks-box">
                <Marks markers={t.markers.clone()} protocol={t.protocol} {end} />
                <svg class="cursor-box" aria-hidden="true">
                    { diverge }
                    <line class="cursor" x1={cursor.clone()} x2={cursor} y1="0" y2="14" />
                </svg>
            </div>
            <input type="range" data-testid="timeline" aria-label="timeline" min="0" max={end.to_string()}
                step="1000" value={t.now.to_string()} {oninput} />
        </div>
    }
}

#[function_component]
pub fn Transport(t: &TransportProps) -> Html {
    let on_speed = t.on_speed.reform(|e: Event| {
        Speed::parse(&e.target_unchecked_into::<HtmlSelectElement>().value()).unwrap_or_default()
    });
    html! {
        <div class="transport">
            <div class="buttons">
                <button data-testid="step-back" title="Step back one event (←)" aria-label="step back"
                    onclick={t.on_step_back.reform(|_| ())}>{ "‹ Back" }</button>
                <button data-testid="play" class="play" title="Play / pause (space)" disabled={t.manual}
                    aria-pressed={t.playing.to_string()} onclick={t.on_play.reform(|_| ())}>
                    { if t.playing { "❚❚ Pause" } else { "▶ Play" } }</button>
                <button data-testid="step" title="Step one event (→)" aria-label="step"
                    onclick={t.on_step.reform(|_| ())}>{ "Step ›" }</button>
                <label class="speed">{ "speed " }
                    <select data-testid="speed" onchange={on_speed}
                        title="smart: slow while messages fly, fast through idle time">
                        <option selected={t.speed == Speed::Smart} value={Speed::Smart.value()}>{ "smart" }</option>
                        { for SPEEDS.iter().enumerate().map(|(i, (_, name))| html! {
                            <option selected={t.speed == Speed::Fixed(i)} value={Speed::Fixed(i).value()}>{ *name }</option>
                        }) }
                    </select>
                </label>
                if let Some((k, n)) = t.replay {
                    <span class="replay-step" data-testid="replay-step" data-step={k.to_string()} data-steps={n.to_string()}
                        title="the counterexample's steps: Step › and ‹ Back move one at a time">
                        { format!("step {k} of {n}") }</span>
                }
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

#[derive(Properties, PartialEq)]
pub struct FaultsProps {
    /// The partition editor's groups: 0 = A, 1 = B, 2 = C, one per node.
    pub draft: Vec<u8>,
    pub manual: bool,
    /// The snapshot, only in manual mode (its queue is listed); `None` otherwise, so the panel
    /// does not redraw every frame.
    pub queue: Option<Shared<Snapshot>>,
    pub on_action: Callback<Action>,
    pub on_draft: Callback<(NodeId, u8)>,
    pub on_partition: Callback<()>,
    pub on_request_leader: Callback<()>,
    pub on_manual: Callback<()>,
}

#[derive(Properties, PartialEq)]
pub struct FaultBarProps {
    pub on_fault: Callback<Fault>,
}

/// The faults the lab is about, one click each, beside the cluster (the full editor is below).
#[function_component]
pub fn FaultBar(p: &FaultBarProps) -> Html {
    let button = |f: Fault, id: &'static str, text: &'static str, title: &'static str| {
        html! { <button data-testid={id} {title} onclick={p.on_fault.reform(move |_| f)}>{ text }</button> }
    };
    html! {
        <div class="fault-bar" data-testid="fault-bar" role="toolbar" aria-label="inject a fault">
            <span class="label">{ "Inject a fault" }</span>
            { button(Fault::Partition, "fault-partition", "✂ Partition", "cut the leader off with a minority") }
            { button(Fault::Heal, "fault-heal", "Heal", "reconnect every node") }
            { button(Fault::CrashLeader, "fault-crash-leader", "✕ Crash the leader", "crash the node that leads (or coordinates)") }
            { button(Fault::DropNext, "fault-drop", "Drop the next message", "lose the message that would arrive first") }
        </div>
    }
}

/// Partition editor, cluster-wide actions and the manual scheduler.
#[function_component]
pub fn Faults(f: &FaultsProps) -> Html {
    let groups = f.draft.iter().enumerate().map(|(i, &g)| {
        let id = NodeId::from_idx(i);
        let onclick = f.on_draft.reform(move |_| (id, (g + 1) % 3));
        html! {
            <button class={classes!("group", format!("g{g}"))} data-testid={format!("group-{}", id.0)}
                title="click to move between groups A, B and C" {onclick}>
                { format!("{id}: {}", ["A", "B", "C"][usize::from(g.min(2))]) }</button>
        }
    });
    let act = |a: Action| f.on_action.reform(move |_| a.clone());
    let manual = f.queue.as_ref().filter(|_| f.manual).map(|snap| {
        let mut next: Vec<(Time, Html)> = snap
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
            .chain(snap.timers.iter().map(|t| {
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
                <button data-testid="partition" onclick={f.on_partition.reform(|_| ())}>{ "Split" }</button>
                <button data-testid="heal" onclick={act(Action::Heal)} title="H">{ "Heal" }</button>
            </div>
            <div class="row">
                <span class="label">{ "Cluster" }</span>
                <button data-testid="restart-all" onclick={act(Action::RestartAll)} title="R">{ "Restart crashed" }</button>
                <button data-testid="align" onclick={act(Action::AlignTimers)} title="A: every timer fires at once (split votes)">{ "Align timers" }</button>
                <button data-testid="spread" onclick={act(Action::SpreadTimers)} title="S">{ "Spread timers" }</button>
                <button data-testid="request-leader" onclick={f.on_request_leader.reform(|_| ())} title="L">{ "Request → leader" }</button>
                <label class="toggle"><input type="checkbox" data-testid="manual" checked={f.manual}
                    onchange={f.on_manual.reform(|_| ())} />{ " manual scheduling (M)" }</label>
            </div>
            { manual }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct HelpProps {
    pub on_close: Callback<()>,
}

#[function_component]
pub fn Help(p: &HelpProps) -> Html {
    let keys = [
        ("space", "play / pause"),
        ("→", "step one event"),
        ("←", "step back one event"),
        (
            "c / u / t",
            "crash / restart / fire the timeout of the selected node",
        ),
        ("R", "restart every crashed node"),
        (
            "+ / - / x",
            "add a server / remove / replace the selected node (membership=single or joint)",
        ),
        ("A / S", "align every timer (split vote) / spread them"),
        ("L", "client request to the leader"),
        ("H", "heal the network"),
        ("M", "manual scheduling"),
        ("?", "this help"),
    ];
    html! {
        <div class="overlay" data-testid="help" role="dialog" aria-label="keyboard shortcuts"
            onclick={p.on_close.reform(|_| ())}>
            <div class="card">
                <h2>{ "Keyboard" }</h2>
                <dl>{ for keys.iter().map(|(k, v)| html! { <><dt><kbd>{ *k }</kbd></dt><dd>{ *v }</dd></> }) }</dl>
                <p>{ "Click a node or a message to inspect it and act on it." }</p>
            </div>
        </div>
    }
}
