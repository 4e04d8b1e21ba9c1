//! The space-time diagram: one lane per node, time flowing down, an arrow per message (a lost
//! one ends in a cross), crashes and restarts marked. It shows the 300 ms of virtual time up
//! to the current moment, so it follows the timeline scrubber.

use crate::components::cluster::kind_class;
use crate::ui_state::{Selection, Shared};
use lab_engine::session::{Arrow, Lifecycle};
use lab_engine::sim::settings::fmt_time;
use lab_engine::sim::view::Snapshot;
use lab_engine::{NodeId, Time, MS};
use yew::prelude::*;

/// How much virtual time the diagram spans.
pub const WINDOW: Time = 300 * MS;
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 600.0;
const TOP: f64 = 34.0;

#[derive(Properties, PartialEq)]
pub struct SpaceTimeProps {
    pub snap: Shared<Snapshot>,
    /// Messages in the air during the window ending at `snap.now` (see `session::arrows`).
    pub arrows: Shared<Vec<Arrow>>,
    /// Crashes (false) and restarts (true) in the window.
    pub crashes: Shared<Vec<Lifecycle>>,
    pub selected: Selection,
    pub on_select: Callback<Selection>,
}

#[function_component]
pub fn SpaceTime(p: &SpaceTimeProps) -> Html {
    let (snap, selected, on_select) = (&p.snap, p.selected, &p.on_select);
    let n = snap.nodes.len();
    let now = snap.now;
    let t0 = now.saturating_sub(WINDOW);
    let lane = |id: NodeId| 40.0 + (WIDTH - 80.0) * (id.idx() as f64 + 0.5) / n as f64;
    let y = |t: Time| TOP + (HEIGHT - TOP - 10.0) * (t.saturating_sub(t0)) as f64 / WINDOW as f64;
    let arrows = p.arrows.iter().map(|a| {
        let (m, flying, kind) = (&a.span, &a.flying, a.kind);
        let (x1, y1) = (lane(m.from), y(m.sent.max(t0)));
        // Behind the horizon a message may end after the moment shown: draw it part way.
        let end = m.end.min(now);
        let frac = if m.end > m.sent {
            (end - m.sent) as f64 / (m.end - m.sent) as f64
        } else {
            1.0
        };
        let x2 = lane(m.from) + (lane(m.to) - lane(m.from)) * frac;
        let y2 = y(end);
        let id = m.id;
        let sel = selected == Selection::Message(id);
        let cross = m.lost.filter(|_| m.end <= now).map(|_| html! {
            <text class="cross" x={x2.to_string()} y={(y2 + 4.0).to_string()}>{ "✕" }</text>
        });
        html! {
            <g class={classes!(kind_class(kind), sel.then_some("selected"), m.lost.is_some().then_some("lost"))}
                data-testid={format!("arrow-{id}")} onclick={on_select.reform(move |_| Selection::Message(id))}>
                <line x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()}
                    marker-end={(m.lost.is_none() && !*flying).then_some("url(#arrowhead)")} />
                { cross }
                <title>{ format!("#{id} {kind} {} → {}: sent {}, {} {}", m.from, m.to, fmt_time(m.sent),
                    if m.lost.is_some() { "lost" } else if *flying { "due" } else { "arrived" }, fmt_time(m.end)) }</title>
            </g>
        }
    });
    let faults = p.crashes.iter().map(|&Lifecycle { time, node, restart }| {
        let (text, class) = if restart { ("restart", "restart") } else { ("crash", "crash") };
        let (x, yy) = (lane(node), y(time));
        html! {
            <g class={classes!("fault", class)}>
                <line x1={(x - 12.0).to_string()} x2={(x + 12.0).to_string()} y1={yy.to_string()} y2={yy.to_string()} />
                <text x={(x + 14.0).to_string()} y={(yy + 4.0).to_string()}>{ text }</text>
            </g>
        }
    });
    let ticks = (0..=4).map(|i| {
        let t = t0 + WINDOW * i / 3;
        html! { <text class="tick" x="4" y={(y(t) + 4.0).to_string()}>{ fmt_time(t) }</text> }
    });
    let lanes = snap.nodes.iter().map(|v| {
        let x = lane(v.id);
        html! {
            <g class={classes!("lane", (!v.up).then_some("down"))}>
                <text x={x.to_string()} y="18">{ v.id.to_string() }</text>
                <line x1={x.to_string()} x2={x.to_string()} y1={TOP.to_string()} y2={(HEIGHT - 10.0).to_string()} />
            </g>
        }
    });
    html! {
        <svg class="spacetime" id="spacetime" data-testid="spacetime" xmlns="http://www.w3.org/2000/svg"
            viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img"
            aria-label={format!("space-time diagram from {} to {}", fmt_time(t0), fmt_time(now))}>
            <defs>
                <marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" />
                </marker>
            </defs>
            { for ticks }
            { for lanes }
            <g class="arrows">{ for arrows }</g>
            { for faults }
            <line class="now" x1="30" x2={(WIDTH - 10.0).to_string()} y1={y(now).to_string()} y2={y(now).to_string()} />
        </svg>
    }
}
