//! The space-time diagram: one lane per node, time flowing down, an arrow per message (a lost
//! one ends in a cross), crashes and restarts marked. It shows a window of the run that ends at
//! the current moment (following the timeline scrubber) or, once scrolled, where the user put
//! it; zoom goes from milliseconds to the whole run.

use crate::components::box_size::use_box_size;
use crate::components::cluster::{kind_class, KIND_COLOURS};
use crate::ui_state::Shared;
use lab_engine::session::{Arrow, Arrows, Lifecycle, Selection};
use lab_engine::sim::view::Snapshot;
use lab_engine::time::fmt_time;
use lab_engine::{NodeId, ProtocolKind, Time, MS};
use yew::prelude::*;

/// Zoom levels: how much virtual time the diagram spans.
pub const SPANS: [Time; 9] = [
    10 * MS,
    30 * MS,
    100 * MS,
    300 * MS,
    1000 * MS,
    3000 * MS,
    10_000 * MS,
    30_000 * MS,
    100_000 * MS,
];
pub const DEFAULT_SPAN: usize = 3;
/// At or below this span every arrow is labelled; above, only the one under the pointer.
const LABELLED_SPAN: Time = 100 * MS;
/// Beyond this many arrows, labels are left out (hover keeps the tooltip).
const MAX_LABELS: usize = 400;
const TOP: f64 = 34.0;
const LEFT: f64 = 70.0;

/// The part of the run the diagram shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// An index into [`SPANS`], or `None` for the whole run so far.
    pub zoom: Option<usize>,
    /// Where the window ends; `None` follows the current moment.
    pub end: Option<Time>,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            zoom: Some(DEFAULT_SPAN),
            end: None,
        }
    }
}

impl Window {
    /// The window's start and end at moment `now`.
    pub fn range(self, now: Time) -> (Time, Time) {
        let t1 = self.end.map_or(now, |e| e.min(now));
        let span = self
            .zoom
            .map_or(now.max(MS), |z| SPANS[z.min(SPANS.len() - 1)]);
        (t1.saturating_sub(span), t1.max(1))
    }
}

impl Window {
    /// The zoom level in effect at `now`: `None` when the window spans the whole run so far,
    /// as it does when the run is shorter than the chosen span (a 300 ms window on a 120 ms
    /// run shows all of it, and says "whole run").
    pub fn shown(self, now: Time) -> Option<usize> {
        self.zoom
            .map(|z| z.min(SPANS.len() - 1))
            .filter(|&z| SPANS[z] < now)
    }

    /// One step in: the widest span narrower than what is shown, so the first click after
    /// "whole run" on a 4 s run goes to 3 s, not to a 100 s span that still shows it all.
    pub fn zoom_in(self, now: Time) -> Window {
        let (t0, t1) = self.range(now);
        let z = SPANS.iter().rposition(|&s| s < t1 - t0).unwrap_or(0);
        Window {
            zoom: Some(z),
            ..self
        }
    }

    /// One step out: the next span wider than what is shown, or the whole run once that span
    /// would cover it.
    pub fn zoom_out(self, now: Time) -> Window {
        let (t0, t1) = self.range(now);
        let z = SPANS.iter().position(|&s| s > t1 - t0);
        Window {
            zoom: z.filter(|&z| SPANS[z] < now),
            ..self
        }
    }
}

/// Tick spacing of 1, 2 or 5 times a power of ten: ticks land on round values.
fn tick_step(span: Time) -> Time {
    let target = (span / 6).max(1);
    let mut p: Time = 1;
    loop {
        for m in [1, 2, 5] {
            if p * m >= target {
                return p * m;
            }
        }
        p *= 10;
    }
}

#[derive(Properties, PartialEq)]
pub struct SpaceTimeProps {
    pub snap: Shared<Snapshot>,
    /// Whose message kinds the arrows are: their colours.
    pub protocol: ProtocolKind,
    /// Messages in the air during the window, thinned in a busy one (see `session::arrows`).
    pub arrows: Shared<Arrows>,
    /// Crashes and restarts in the window.
    pub crashes: Shared<Vec<Lifecycle>>,
    pub window: Window,
    pub selected: Selection,
    pub on_select: Callback<Selection>,
    pub on_window: Callback<Window>,
}

/// Where the whole run's diagram ends: the current moment rounded up to a quarter of a tick,
/// so that while it plays the scale changes only every few percent of the run, and in between
/// the arrows already drawn keep their places (and skip their render).
fn drawn_end(now: Time) -> Time {
    let q = (tick_step(now) / 4).max(1);
    now.div_ceil(q) * q
}

#[derive(Properties, PartialEq)]
struct ArrowProps {
    arrow: Arrow,
    protocol: ProtocolKind,
    /// From the sending lane at the send time to where it is at the window's end (in px).
    from: (f64, f64),
    to: (f64, f64),
    /// Drawn to its end: arrived (an arrowhead) or lost (a cross).
    complete: bool,
    /// A label element, shown or only on hover; none when the window has too many arrows.
    label: Option<bool>,
    selected: bool,
    on_select: Callback<Selection>,
}

/// One message. A component of its own so that an arrow whose place did not change skips its
/// render: playing the whole run, only the new arrows and those still flying draw.
#[function_component]
fn ArrowLine(p: &ArrowProps) -> Html {
    let (m, kind, flying) = (&p.arrow.span, p.arrow.kind, p.arrow.flying);
    let ((x1, y1), (x2, y2), id, sel) = (p.from, p.to, m.id, p.selected);
    let cross = m.lost.filter(|_| p.complete).map(|_| {
        html! {
            <text class="cross" x={x2.to_string()} y={(y2 + 4.0).to_string()}>{ "✕" }</text>
        }
    });
    let label = p.label.map(|shown| {
        let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
        html! { <text class={classes!("arrow-label", shown.then_some("shown"))}
        x={(mx + 4.0).to_string()} y={(my - 3.0).to_string()}>{ kind }</text> }
    });
    html! {
        <g class={classes!(kind_class(p.protocol, kind), sel.then_some("selected"), m.lost.is_some().then_some("lost"))}
            data-testid={format!("arrow-{id}")} onclick={p.on_select.reform(move |_| Selection::Message(id))}>
            // A wide invisible stroke along the arrow: a 1.6 px line is too thin to click.
            <path class="hit" d={format!("M{x1} {y1}L{x2} {y2}")} />
            <line x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()}
                marker-end={(m.lost.is_none() && !flying && p.complete).then_some("url(#arrowhead)")} />
            { cross }
            { label }
            <title>{ format!("#{id} {kind} {} → {}: sent {}, {} {}", m.from, m.to, fmt_time(m.sent),
                if m.lost.is_some() { "lost" } else if flying { "due" } else { "arrived" }, fmt_time(m.end)) }</title>
        </g>
    }
}

#[function_component]
pub fn SpaceTime(p: &SpaceTimeProps) -> Html {
    let svg = use_node_ref();
    let (width, height) = use_box_size(svg.clone(), (640.0, 600.0));
    let (snap, selected, on_select) = (&p.snap, p.selected, &p.on_select);
    let n = snap.nodes.len().max(1);
    let now = snap.now;
    let (t0, t1) = p.window.range(now);
    let span = (t1 - t0).max(1);
    // The whole run, following the current moment: a scale that moves in steps.
    let scale = if t0 == 0 && t1 >= now {
        drawn_end(t1).max(1)
    } else {
        span
    };
    let lane = |id: NodeId| LEFT + (width - LEFT - 20.0) * (id.idx() as f64 + 0.5) / n as f64;
    let y = |t: Time| TOP + (height - TOP - 12.0) * (t.saturating_sub(t0)) as f64 / scale as f64;
    let list = &p.arrows.list;
    let labelled = span <= LABELLED_SPAN && list.len() <= MAX_LABELS;
    let hover_labels = list.len() <= MAX_LABELS;
    let every = p.arrows.every;
    let arrows = list.iter().map(|a| {
        let m = &a.span;
        // A message may end after the window: draw it part way.
        let end = m.end.min(t1);
        let frac = if m.end > m.sent {
            (end - m.sent) as f64 / (m.end - m.sent) as f64
        } else {
            1.0
        };
        let sel = selected == Selection::Message(m.id);
        let to = (lane(m.from) + (lane(m.to) - lane(m.from)) * frac, y(end));
        html! {
            <ArrowLine key={m.id} arrow={a.clone()} protocol={p.protocol} from={(lane(m.from), y(m.sent.max(t0)))} {to}
                complete={m.end <= t1} label={(hover_labels || sel).then_some(labelled || sel)} selected={sel}
                on_select={on_select.clone()} />
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
    let step = tick_step(span);
    let ticks = (t0.div_ceil(step)..=t1 / step).map(|k| {
        let t = k * step;
        html! {
            <g class="tick">
                <line x1={(LEFT - 8.0).to_string()} x2={(width - 10.0).to_string()} y1={y(t).to_string()} y2={y(t).to_string()} />
                <text x="4" y={(y(t) + 4.0).to_string()}>{ fmt_time(t) }</text>
            </g>
        }
    });
    let lanes = snap.nodes.iter().map(|v| {
        let x = lane(v.id);
        html! {
            <g class={classes!("lane", (!v.up).then_some("down"))}>
                <text x={x.to_string()} y="20">{ v.id.to_string() }</text>
                <line x1={x.to_string()} x2={x.to_string()} y1={TOP.to_string()} y2={(height - 10.0).to_string()} />
            </g>
        }
    });
    let window = p.window;
    let on_window = p.on_window.clone();
    // The wheel scrolls through time; the window then stays where it was put.
    let onwheel = Callback::from(move |e: WheelEvent| {
        e.prevent_default();
        let shift = (e.delta_y() / 600.0 * span as f64) as i64;
        let end = (window.end.unwrap_or(now) as i64 + shift).clamp(span.min(now) as i64, now as i64)
            as Time;
        on_window.emit(Window {
            end: (end < now).then_some(end),
            ..window
        });
    });
    let to = |w: Window| p.on_window.reform(move |_| w);
    let follow = p.on_window.reform(move |_| Window {
        end: None,
        ..window
    });
    let kinds: Vec<&'static str> = {
        let mut k: Vec<&'static str> = list.iter().map(|a| a.kind).collect();
        k.sort_unstable();
        k.dedup();
        k
    };
    html! {
        <div class="spacetime-box">
            <div class="spacetime-bar">
                <button data-testid="st-zoom-in" title="zoom in" aria-label="zoom in" onclick={to(window.zoom_in(now))}>{ "+" }</button>
                <button data-testid="st-zoom-out" title="zoom out" aria-label="zoom out" onclick={to(window.zoom_out(now))}>{ "−" }</button>
                <button data-testid="st-whole" aria-pressed={window.shown(now).is_none().to_string()} onclick={to(Window { zoom: None, ..window })}>{ "whole run" }</button>
                <button data-testid="st-follow" aria-pressed={window.end.is_none().to_string()} onclick={follow}
                    title="keep the end of the diagram at the current moment">{ "follow" }</button>
                <span class="span" data-testid="st-span">{ format!("{} – {}", fmt_time(t0), fmt_time(t1)) }</span>
                if every > 1 {
                    <span class="span">{ format!("(every {every}th message: zoom in for all)") }</span>
                }
            </div>
            <svg ref={svg} class={classes!("spacetime", labelled.then_some("zoomed"))} id="spacetime" data-testid="spacetime"
                xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {width} {height}")} role="img" {onwheel}
                aria-label={format!("space-time diagram from {} to {}", fmt_time(t0), fmt_time(t1))}>
                <defs>
                    <marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" />
                    </marker>
                </defs>
                <g class="ticks">{ for ticks }</g>
                { for lanes }
                <g class="arrows">{ for arrows }</g>
                { for faults }
                if now <= t1 {
                    <line class="now" x1={LEFT.to_string()} x2={(width - 10.0).to_string()} y1={y(now).to_string()} y2={y(now).to_string()} />
                }
            </svg>
            <ul class="st-legend" data-testid="st-legend" aria-label="space-time legend">
                { for kinds.iter().map(|k| html! { <li><span class={classes!("swatch", "dot", kind_class(p.protocol, k))} aria-hidden="true"></span>{ *k }</li> }) }
                <li><span class="sample bad">{ "✕" }</span>{ "lost (dashed line)" }</li>
                <li><span class="swatch bar fault" aria-hidden="true"></span>{ "crash (red) / restart (green)" }</li>
                <li>{ "time flows down; dotted line: now" }</li>
            </ul>
        </div>
    }
}

/// The diagram's look as plain CSS with literal colours, for an exported file: opened on its
/// own it has no stylesheet and no theme variables.
pub fn export_style() -> String {
    let mut css = String::from(
        "svg{background:#fff;font-family:sans-serif}\
         .lane line{stroke:#c8cbd0;stroke-width:2}.lane.down line{stroke-dasharray:4 4}\
         .lane text{fill:#1c1e21;font-weight:700;font-size:13px;text-anchor:middle}\
         .tick text{fill:#60646c;font-size:11px}.tick line{stroke:#eceef1}\
         .msg line{stroke-width:1.6;stroke:#60646c}.msg.lost line{stroke-dasharray:3 3}\
         .msg.selected line{stroke-width:4}\
         .cross{fill:#dc2626;font-size:12px;text-anchor:middle;font-weight:700}\
         marker path{fill:#60646c}.fault line{stroke:#dc2626;stroke-width:3}\
         .fault.restart line{stroke:#16a34a}.fault text{fill:#1c1e21;font-size:11px}\
         .now{stroke:#1c1e21;stroke-dasharray:2 3}\
         .arrow-label{display:none}.arrow-label.shown{display:inline;fill:#1c1e21;font-size:11px}",
    );
    for (i, c) in KIND_COLOURS.iter().enumerate() {
        css.push_str(&format!(".msg.k{i} line{{stroke:{c}}}"));
    }
    css
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(300 * MS), 50 * MS);
        assert_eq!(tick_step(10 * MS), 2 * MS);
        assert_eq!(tick_step(3_105), 1_000);
        assert_eq!(tick_step(1), 1);
    }

    #[test]
    fn the_whole_run_scale_moves_in_steps() {
        // Ticks every 500 ms from 1.5 s to 3 s, so the end moves in steps of 125 ms: from
        // 2001 ms to 2125 ms the diagram ends at 2125 ms and arrows keep their places.
        assert_eq!(drawn_end(2000 * MS), 2000 * MS);
        assert!((2001..=2125).all(|ms| drawn_end(ms * MS) == 2125 * MS));
        assert_eq!(drawn_end(2126 * MS), 2250 * MS);
        for t in [1, 7, 999, 12_345 * MS, 3_600_000 * MS] {
            let end = drawn_end(t);
            assert!(end >= t && end - t <= t / 9 + 1, "{t}: {end}");
        }
    }

    #[test]
    fn a_window_follows_now_or_stays_put() {
        let w = Window::default();
        assert_eq!(w.range(1000 * MS), (700 * MS, 1000 * MS));
        assert_eq!(w.range(100 * MS), (0, 100 * MS));
        let put = Window {
            end: Some(500 * MS),
            ..w
        };
        assert_eq!(put.range(1000 * MS), (200 * MS, 500 * MS));
        let whole = Window {
            zoom: None,
            end: None,
        };
        assert_eq!(whole.range(4000 * MS), (0, 4000 * MS));
    }

    #[test]
    fn a_run_shorter_than_the_window_shows_whole_and_zoom_always_moves() {
        let w = Window::default();
        // 120 ms into a run, the 300 ms window shows all of it, and says so.
        assert_eq!(w.shown(120 * MS), None);
        assert_eq!(w.range(120 * MS), (0, 120 * MS));
        assert_eq!(w.shown(2000 * MS), Some(DEFAULT_SPAN));
        // The first click in after "whole run" on a 4 s run: 3 s, not 100 s.
        let whole = Window {
            zoom: None,
            end: None,
        };
        let z = whole.zoom_in(4000 * MS);
        assert_eq!(z.range(4000 * MS), (1000 * MS, 4000 * MS));
        // On a 120 ms run: 100 ms, a real zoom from what is shown.
        assert_eq!(w.zoom_in(120 * MS).range(120 * MS), (20 * MS, 120 * MS));
        // Out again: past the run's length it is the whole run.
        assert_eq!(z.zoom_out(4000 * MS).zoom, None);
        assert_eq!(w.zoom_out(2000 * MS).zoom, Some(DEFAULT_SPAN + 1));
        // Every click in narrows until the narrowest span.
        let mut v = whole;
        let mut spans = Vec::new();
        for _ in 0..10 {
            v = v.zoom_in(4000 * MS);
            let (t0, t1) = v.range(4000 * MS);
            spans.push(t1 - t0);
        }
        assert!(
            spans.windows(2).all(|p| p[1] < p[0] || p[1] == SPANS[0]),
            "{spans:?}"
        );
        assert_eq!(*spans.last().unwrap(), SPANS[0]);
    }
}
