//! The cluster as an SVG ring: nodes with role, term, timer arc and log strip; messages moving
//! along the links by virtual time; cut links and lost messages marked.

use crate::ui_state::{Selection, Shared};
use lab_engine::sim::view::{MessageView, NodeView, Snapshot};
use lab_engine::{NodeId, ProtocolKind, Time};
use yew::prelude::*;

const SIZE: f64 = 640.0;
const CENTER: f64 = SIZE / 2.0;

/// Node radius: large for small clusters, small enough that 25 still fit the ring.
fn radius(n: usize) -> f64 {
    (230.0 / n as f64).clamp(15.0, 40.0)
}

fn position(i: usize, n: usize) -> (f64, f64) {
    let ring = if n <= 9 { 220.0 } else { 255.0 };
    let a = -std::f64::consts::FRAC_PI_2 + i as f64 * std::f64::consts::TAU / n as f64;
    (CENTER + ring * a.cos(), CENTER + ring * a.sin())
}

/// A stable, readable colour per term or ballot, so log cells of one term match.
fn term_hue(term: u64) -> u64 {
    (term * 67 + 200) % 360
}

/// Message kinds get fixed colours (from their name, so every view agrees).
fn kind_index(kind: &str) -> usize {
    (kind
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b.into()))
        % 8) as usize
}

pub fn kind_class(kind: &str) -> String {
    format!("msg k{}", kind_index(kind))
}

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub snap: Shared<Snapshot>,
    pub selected: Selection,
    pub protocol: ProtocolKind,
    pub on_select: Callback<Selection>,
}

/// The ring with its messages; hundreds of messages go to [`MessagesCanvas`] instead.
#[function_component]
pub fn Cluster(props: &ClusterProps) -> Html {
    html! {
        <div class="cluster-box" data-testid="cluster" data-messages={props.snap.messages.len().to_string()}>
            { ring(&props.snap, props.selected, props.protocol, &props.on_select) }
            <MessagesCanvas snap={props.snap.clone()} />
        </div>
    }
}

fn ring(
    snap: &Snapshot,
    selected: Selection,
    protocol: ProtocolKind,
    on_select: &Callback<Selection>,
) -> Html {
    let n = snap.nodes.len();
    let r = radius(n);
    let pos: Vec<(f64, f64)> = (0..n).map(|i| position(i, n)).collect();
    let pos = &pos;
    let cut = |a: &NodeView, b: &NodeView| {
        a.group != b.group || snap.cut_links.contains(&(a.id.min(b.id), a.id.max(b.id)))
    };
    let cut = &cut;
    let links = snap.nodes.iter().enumerate().flat_map(move |(i, a)| {
        snap.nodes[i + 1..]
            .iter()
            .enumerate()
            .filter_map(move |(j, b)| {
                let j = i + 1 + j;
                let broken = cut(a, b);
                if n > 9 && !broken {
                    return None;
                }
                let ((x1, y1), (x2, y2)) = (pos[i], pos[j]);
                let mark = broken.then(|| {
                    let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
                    html! { <text class="cut-mark" x={mx.to_string()} y={(my + 5.0).to_string()}>{ "✂" }</text> }
                });
                Some(html! {
                    <g>
                        <line class={classes!("link", broken.then_some("cut"))}
                            x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
                        { mark }
                    </g>
                })
            })
    });
    let labels = n <= 9 && snap.messages.len() <= 40;
    let busy = snap.messages.len() > BUSY;
    let messages = snap
        .messages
        .iter()
        .filter(|_| !busy)
        .map(|m| message(m, pos, r, snap.now, labels, selected, on_select));
    let timers = |id: NodeId| {
        snap.timers
            .iter()
            .filter(|t| t.node == id)
            .min_by_key(|t| t.fires_at)
    };
    let nodes = snap.nodes.iter().enumerate().map(|(i, v)| {
        let (x, y) = pos[i];
        let s = &v.summary;
        let sel = selected == Selection::Node(v.id);
        let id = v.id;
        let onclick = on_select.reform(move |_| Selection::Node(id));
        let arc = timers(v.id).filter(|_| v.up).map(|t| {
            let total = t.fires_at.saturating_sub(t.set_at).max(1) as f64;
            let left = t.fires_at.saturating_sub(snap.now) as f64 / total;
            let ar = r + 6.0;
            let c = std::f64::consts::TAU * ar;
            html! {
                <circle class="timer-arc" cx={x.to_string()} cy={y.to_string()} r={ar.to_string()}
                    stroke-dasharray={format!("{:.1} {:.1}", c * left, c)}
                    transform={format!("rotate(-90 {x} {y})")}>
                    <title>{ format!("{} timer: fires in {}", t.label, lab_engine::sim::settings::fmt_time(t.fires_at.saturating_sub(snap.now))) }</title>
                </circle>
            }
        });
        let cells = (n <= 9).then(|| log_strip(v, x, y + r + 14.0));
        let log_attr = format!(
            "{}|{}|{}|{}",
            s.log.iter().map(|c| format!("{}/{}/{}", c.index, c.term, c.text)).collect::<Vec<_>>().join(","),
            s.log_len,
            s.committed,
            s.value.map_or(String::new(), |v| v.to_string())
        );
        let big = n <= 9;
        html! {
            <g class={classes!("node", format!("role-{}", s.class), (!v.up).then_some("down"), sel.then_some("selected"))}
                data-testid={format!("node-{}", v.id.0)}
                data-role={s.role.clone()} data-state={s.role.clone()} data-term={s.term.to_string()}
                data-up={v.up.to_string()} data-log={log_attr}
                role="button" tabindex="0" aria-label={format!("{} {} {}", v.id, s.role, s.term_label)}
                {onclick}>
                { arc }
                <circle class="body" cx={x.to_string()} cy={y.to_string()} r={r.to_string()} />
                <text class="id" x={x.to_string()} y={(y - if big { 8.0 } else { -4.0 }).to_string()}>{ v.id.to_string() }</text>
                if big {
                    { role_text(&s.role, x, y) }
                    <text class="term" x={x.to_string()} y={(y + 21.0).to_string()}>{ s.term_label.clone() }</text>
                }
                if !big {
                    // Small circles have no room inside: the role goes underneath, never
                    // colour alone.
                    <text class="role-below" x={x.to_string()} y={(y + r + 10.0).to_string()}>{ s.role.clone() }</text>
                }
                { cells }
            </g>
        }
    });
    let drops = snap.messages.iter().filter_map(|m| {
        let (reason, _) = m.lost?;
        (snap.now >= m.lost?.1).then(|| {
            let (x, y) = along(m, pos, r, snap.now);
            html! {
                <g class="dead">
                    <text x={x.to_string()} y={(y + 5.0).to_string()}>{ "✕" }</text>
                    <title>{ format!("{} from {} to {}: {}", m.kind, m.from, m.to, reason.describe()) }</title>
                </g>
            }
        })
    });
    let title = match protocol {
        ProtocolKind::TwoPc => "S1 coordinates; the others are participants",
        _ => "",
    };
    html! {
        <svg class={classes!("cluster", (n > 9).then_some("small"))} viewBox={format!("0 0 {SIZE} {SIZE}")} role="img"
            aria-label={format!("cluster of {n} nodes at {}", lab_engine::sim::settings::fmt_time(snap.now))}>
            <g class="links">{ for links }</g>
            <g class="messages">{ for messages }</g>
            <g class="nodes">{ for nodes }</g>
            <g class="drops">{ for drops }</g>
            <text class="caption" x={CENTER.to_string()} y={(SIZE - 6.0).to_string()}>{ title }</text>
        </svg>
    }
}

/// The role inside the circle; a long one ("prepared #3 (blocked)") takes two smaller lines.
fn role_text(role: &str, x: f64, y: f64) -> Html {
    if role.chars().count() <= 11 {
        return html! { <text class="role" x={x.to_string()} y={(y + 8.0).to_string()}>{ role }</text> };
    }
    // A char boundary: slicing mid-character would panic, and a panic kills the page.
    let mid = role
        .char_indices()
        .nth(role.chars().count() / 2)
        .map_or(role.len(), |(i, _)| i);
    let cut = role[..mid]
        .rfind(' ')
        .or_else(|| role[mid..].find(' ').map(|i| i + mid))
        .unwrap_or(mid);
    let (a, b) = role.split_at(cut);
    html! {
        <text class="role long" x={x.to_string()} y={(y + 3.0).to_string()}>
            <tspan x={x.to_string()}>{ a.trim() }</tspan>
            <tspan x={x.to_string()} dy="9">{ b.trim() }</tspan>
        </text>
    }
}

/// Above this many messages in flight they are painted on a canvas: hundreds of SVG elements
/// restyled every frame cost more than a frame has.
pub const BUSY: usize = 150;

/// The message colours of the stylesheet's `.msg.kN` classes, for the canvas.
const KIND_COLOURS: [&str; 8] = [
    "#2563eb", "#16a34a", "#ea580c", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#ca8a04",
];

#[derive(Properties, PartialEq)]
pub struct MessagesCanvasProps {
    pub snap: Shared<Snapshot>,
}

/// A canvas laid over the ring that paints the messages when there are too many for SVG.
/// It paints after each render, from the same snapshot the ring drew.
#[function_component]
pub fn MessagesCanvas(props: &MessagesCanvasProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        use_effect_with(props.snap.clone(), move |snap| {
            if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                paint_messages(&c, snap);
            }
        });
    }
    html! { <canvas class="messages-canvas" ref={canvas} aria-hidden="true" /> }
}

/// Paints the messages in flight on `canvas`, laid over the SVG (same box, same viewBox
/// mapping), when there are too many for SVG elements; clears it otherwise.
fn paint_messages(canvas: &web_sys::HtmlCanvasElement, snap: &Snapshot) {
    use wasm_bindgen::JsCast;
    let (w, h) = (canvas.client_width() as f64, canvas.client_height() as f64);
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    let (pw, ph) = ((w * ratio) as u32, (h * ratio) as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    ctx.clear_rect(0.0, 0.0, f64::from(pw), f64::from(ph));
    if snap.messages.len() <= BUSY {
        return;
    }
    // The SVG's viewBox is centred and scaled to fit (preserveAspectRatio meet).
    let scale = (w.min(h) / SIZE) * ratio;
    let ox = (f64::from(pw) - SIZE * scale) / 2.0;
    let oy = (f64::from(ph) - SIZE * scale) / 2.0;
    let n = snap.nodes.len();
    let pos: Vec<(f64, f64)> = (0..n).map(|i| position(i, n)).collect();
    let r = radius(n);
    for m in &snap.messages {
        if m.lost.is_some_and(|(_, t)| snap.now >= t) {
            continue;
        }
        let (x, y) = along(m, &pos, r, snap.now);
        ctx.set_fill_style_str(KIND_COLOURS[kind_index(m.kind)]);
        ctx.begin_path();
        let _ = ctx.arc(
            ox + x * scale,
            oy + y * scale,
            6.0 * scale,
            0.0,
            std::f64::consts::TAU,
        );
        ctx.fill();
    }
}

/// Where a message is at `now`: on the line between the two nodes' rims.
fn along(m: &MessageView, pos: &[(f64, f64)], r: f64, now: Time) -> (f64, f64) {
    let (x1, y1) = pos[m.from.idx()];
    let (x2, y2) = pos[m.to.idx()];
    let (dx, dy) = (x2 - x1, y2 - y1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let rim = (r / len).min(0.45);
    let p = rim + (1.0 - 2.0 * rim) * m.progress(now).clamp(0.0, 1.0);
    (x1 + dx * p, y1 + dy * p)
}

fn message(
    m: &MessageView,
    pos: &[(f64, f64)],
    r: f64,
    now: Time,
    labels: bool,
    selected: Selection,
    on_select: &Callback<Selection>,
) -> Html {
    if m.lost.is_some_and(|(_, t)| now >= t) {
        return html! { <g key={m.id} /> };
    }
    let (x, y) = along(m, pos, r, now);
    let id = m.id;
    let sel = selected == Selection::Message(id);
    let label = (labels || sel).then(|| {
        html! { <text class="msg-label" x={x.to_string()} y={(y - 10.0).to_string()}>{ m.label.clone() }</text> }
    });
    html! {
        <g key={m.id} class={classes!(kind_class(m.kind), sel.then_some("selected"), m.lost.is_some().then_some("doomed"))}
            data-testid={format!("message-{id}")} data-kind={m.kind}
            onclick={on_select.reform(move |_| Selection::Message(id))}>
            <circle cx={x.to_string()} cy={y.to_string()} r={if sel { "9" } else { "7" }} />
            { label }
            // Tooltips only for a readable number of messages: hundreds of hidden nodes cost
            // every frame.
            if labels || sel {
                <title>{ format!("#{} {} from {} to {}", m.id, m.label, m.from, m.to) }</title>
            }
        </g>
    }
}

/// The last few log cells under a node, coloured by term; committed ones solid.
fn log_strip(v: &NodeView, x: f64, y: f64) -> Html {
    let s = &v.summary;
    let w = 13.0;
    let start = x - w * s.log.len() as f64 / 2.0;
    let more = (s.log_len > s.log.len() as u64).then(|| {
        html! { <text class="log-more" x={(start - 4.0).to_string()} y={(y + 9.0).to_string()}>{ format!("{}…", s.log_len - s.log.len() as u64) }</text> }
    });
    html! {
        <g class="log">
            { more }
            { for s.log.iter().enumerate().map(|(i, c)| html! {
                <g class={classes!("cell", (!c.committed).then_some("pending"))}>
                    <rect x={(start + i as f64 * w).to_string()} y={y.to_string()} width={(w - 2.0).to_string()} height="12"
                        fill={format!("hsl({} 65% 55%)", term_hue(c.term))} />
                    <title>{ format!("#{} term {} {}{}", c.index, c.term, c.text, if c.committed { " (committed)" } else { "" }) }</title>
                </g>
            }) }
        </g>
    }
}
