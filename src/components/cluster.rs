//! The cluster: nodes on an ellipse that fills the box, with role, term, timer arc and log
//! strip; messages moving along the links by virtual time, each direction of a link in its own
//! lane, with labels placed where they cover nothing; cut links and lost messages marked.
//!
//! One SVG unit is one CSS pixel (the viewBox follows the measured box), so the stylesheet's
//! font sizes are what the reader sees: text never shrinks below 11 px. A small box gets
//! smaller circles, text under them and fewer labels instead.

use crate::components::box_size::use_box_size;
use crate::ui_state::Shared;
use lab_engine::node::Decision;
use lab_engine::session::{stale_leaders, ConfigView, Selection};
use lab_engine::sim::view::{MessageView, NodeView, Snapshot};
use lab_engine::{NodeId, ProtocolKind, Time};
use yew::prelude::*;

/// Estimated width of a text in the UI font: generous, so a label never overlaps because
/// its real width was underestimated.
fn text_width(text: &str, px: f64) -> f64 {
    text.chars().count() as f64 * px * 0.62 + 2.0
}

/// Height of one line of 11-12 px text under a node.
const LINE: f64 = 14.0;
/// Log cell width (with its gap) and height.
const CELL: f64 = 13.0;
const CELL_H: f64 = 12.0;

/// Where everything goes for one box size and cluster size. It depends on nothing else, so
/// nodes never move while the run plays.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub w: f64,
    pub h: f64,
    /// Node radius.
    pub r: f64,
    /// Width of the block under a node that its text and log strip may use.
    pub room: f64,
    /// Lines of text allowed under a node (role and term when they do not fit inside).
    pub lines: usize,
    /// Whether there is room for the log strip.
    pub strip: bool,
    /// Text size factor: 1, or larger for presenting (`big=1`).
    pub k: f64,
    /// Height kept free at the top for the configuration's lines (membership changes).
    pub top: f64,
    /// Room around each circle for the majority rings (membership changes), else 0.
    pub ring: f64,
    pub pos: Vec<(f64, f64)>,
}

impl Layout {
    /// Tries, from the most detailed to the barest, every radius from large to small, on an
    /// ellipse and (for wide boxes) in two rows, and keeps the first where no node's block
    /// (circle, text under it, log strip) runs into another's. Text keeps its size; circles
    /// shrink and details go instead.
    pub fn new(n: usize, w: f64, h: f64, k: f64, top: f64) -> Self {
        let (w, h) = (w.max(200.0), h.max(160.0));
        let levels = [(2, true), (2, false), (1, false)];
        let mut last = None;
        // Circles big enough for their name come first; tiny ones only when nothing else fits.
        for (floor, (lines, strip)) in [20.0, 12.0]
            .into_iter()
            .flat_map(|f| levels.into_iter().map(move |l| (f, l)))
        {
            let mut r: f64 = 40.0 * k;
            while r >= floor {
                for rows in [false, true] {
                    if rows && (w < 1.25 * h || n < 4) {
                        continue;
                    }
                    let l = Self::place(n, w, h, k, top, (r, lines, strip, rows));
                    if l.fits() {
                        return l;
                    }
                    last = Some(l);
                }
                r -= 2.0;
            }
        }
        last.unwrap_or_else(|| Self::place(n, w, h, k, top, (12.0, 1, false, false)))
    }

    /// Height under the circle: text lines, then the strip.
    fn below(&self) -> f64 {
        Self::under(self.lines, self.strip, self.k)
    }

    fn under(lines: usize, strip: bool, k: f64) -> f64 {
        lines as f64 * LINE * k + if strip { CELL_H + 8.0 } else { 0.0 } + 4.0
    }

    /// One candidate: radius, lines of text under a node, log strip, two rows (or ellipse).
    fn place(
        n: usize,
        w: f64,
        h: f64,
        k: f64,
        reserved: f64,
        (r, lines, strip, rows): (f64, usize, bool, bool),
    ) -> Layout {
        let room = (2.0 * r + 12.0).max(84.0 * k);
        // With membership changes, room around each node for the majority rings.
        let ring = if reserved > 0.0 { RING_ROOM } else { 0.0 };
        let (top, bottom) = (
            reserved + r + ring + 9.0,
            r + ring + Self::under(lines, strip, k),
        );
        let pos: Vec<(f64, f64)> = if rows {
            // Clockwise: the top row left to right, the bottom row right to left.
            let upper = n.div_ceil(2);
            let lower = n - upper;
            let (y1, y2) = (top, h - bottom);
            (0..n)
                .map(|i| {
                    if i < upper {
                        (w * (i as f64 + 0.5) / upper as f64, y1)
                    } else {
                        let j = lower - 1 - (i - upper);
                        (w * (j as f64 + 0.5) / lower as f64, y2)
                    }
                })
                .collect()
        } else {
            let rx = (w / 2.0 - room / 2.0 - 4.0).max(10.0);
            let ry = ((h - top - bottom) / 2.0).max(10.0);
            let (cx, cy) = (w / 2.0, top + ry);
            (0..n)
                .map(|i| {
                    let a =
                        -std::f64::consts::FRAC_PI_2 + i as f64 * std::f64::consts::TAU / n as f64;
                    (cx + rx * a.cos(), cy + ry * a.sin())
                })
                .collect()
        };
        Layout {
            w,
            h,
            r,
            room,
            lines,
            strip,
            k,
            top: reserved,
            ring,
            pos,
        }
    }

    /// The box a node and what is written under it take.
    fn block(&self, i: usize) -> Rect {
        let (x, y) = self.pos[i];
        Rect {
            x: x - self.room / 2.0,
            y: y - self.r - self.ring - 7.0,
            w: self.room,
            h: 2.0 * (self.r + self.ring) + 7.0 + self.below(),
        }
    }

    fn fits(&self) -> bool {
        let n = self.pos.len();
        let inside = (0..n).all(|i| {
            let b = self.block(i);
            b.y >= self.top && b.y + b.h <= self.h + 1.0
        });
        inside && (0..n).all(|i| (i + 1..n).all(|j| !self.block(i).hits(&self.block(j))))
    }
}

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub snap: Shared<Snapshot>,
    pub selected: Selection,
    pub protocol: ProtocolKind,
    pub on_select: Callback<Selection>,
    /// Active buggy variants and options, as (label, explanation).
    pub badges: Vec<(String, String)>,
    /// Presenter mode: larger text (the stylesheet's `.cluster.big` sizes, [`BIG`] times).
    pub big: bool,
    /// Nodes a guided tour points at: drawn with a halo.
    #[prop_or_default]
    pub highlight: Vec<NodeId>,
    /// The configuration to show, with membership changes on.
    #[prop_or_default]
    pub config: Option<ConfigView>,
}

/// Height of the badges' row when it sits under the configuration.
const BADGE_ROOM: f64 = 24.0;
/// Room the majority rings take around a circle: the outer ring at r + 13, its stroke.
const RING_ROOM: f64 = 15.0;
/// Below this width (times the text factor) the configuration may take two lines: room for
/// them is kept whether or not they are needed now.
const CONFIG_WRAP: f64 = 900.0;
/// One line of the configuration's text.
const CONFIG_LINE: f64 = 15.0;

/// Height kept at the top for the configuration and its key: fixed for a box size, so nodes
/// never move when a change starts or ends.
fn config_room(config: bool, w: f64, k: f64) -> f64 {
    if !config {
        return 0.0;
    }
    let lines = if w < CONFIG_WRAP * k { 3.0 } else { 2.0 };
    lines * CONFIG_LINE * k + 6.0
}

/// The configuration's text in one line, or two when it would not fit `w`: broken before
/// C_new, what it was, the learners or whose log it is.
fn config_lines(text: &str, w: f64, k: f64) -> Vec<String> {
    if text_width(text, 12.0 * k) <= w - 16.0 {
        return vec![text.to_string()];
    }
    [" → ", " (", " · "]
        .iter()
        .find_map(|sep| text.split_once(sep).map(|(a, b)| (*sep, a, b)))
        .map_or_else(
            || vec![text.to_string()],
            |(sep, a, b)| match sep {
                " → " => vec![format!("{a} →"), b.to_string()],
                _ => vec![a.to_string(), format!("{}{b}", sep.trim_start())],
            },
        )
}

/// The key under the configuration: what the outlines mean while a change is in flight, else
/// how learners and non-members look.
fn config_key(c: &ConfigView) -> Html {
    if c.joint {
        html! { <>
            <tspan class="key-old">{ "◯" }</tspan>{ " C_old " }<tspan class="key-new">{ "◯" }</tspan>
            { " C_new: a decision needs a majority of each" }
        </> }
    } else if !c.old.is_empty() {
        html! { <>
            <tspan class="key-old">{ "◯" }</tspan>{ " old " }<tspan class="key-new">{ "◯" }</tspan>
            { " new: the new one counts until it commits" }
        </> }
    } else {
        html! { "dashed: learner, no vote yet · faded: not a member" }
    }
}

/// The configuration drawn at the top of the cluster, with its data for tests and tools.
fn config_block(c: &ConfigView, layout: &Layout) -> Html {
    let names = |ids: &[NodeId]| {
        ids.iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let k = layout.k;
    let lines = config_lines(&c.text(), layout.w, k);
    let key_y = 8.0 + (lines.len() as f64 + 1.0) * CONFIG_LINE * k - 3.0;
    html! {
        <g class="config" data-testid="config" data-voters={names(&c.voters)} data-old={names(&c.old)}
            data-learners={names(&c.learners)} data-joint={c.joint.to_string()} data-from={c.from.to_string()}>
            <title>{ format!("The configuration in {}'s log", c.from) }</title>
            { for lines.iter().enumerate().map(|(i, l)| html! {
                <text class="config-text" x="8" y={(8.0 + (i as f64 + 1.0) * CONFIG_LINE * k - 3.0).to_string()}>{ l }</text>
            }) }
            <text class="config-key" x="8" y={key_y.to_string()}>{ config_key(c) }</text>
        </g>
    }
}

/// How much larger text is in presenter mode.
const BIG: f64 = 1.35;

/// The ring with its messages; hundreds of messages go to [`MessagesCanvas`] instead.
#[function_component]
pub fn Cluster(props: &ClusterProps) -> Html {
    let svg = use_node_ref();
    let size = use_box_size(svg.clone(), (640.0, 640.0));
    let hovered = use_state(|| None::<NodeId>);
    let n = props.snap.nodes.len();
    // Searched once per box and cluster size, not every frame.
    let k = if props.big { BIG } else { 1.0 };
    let text_room = config_room(props.config.is_some(), size.0, k);
    // The badges go under the configuration's lines, in room of their own.
    let badge_room = if text_room > 0.0 && !props.badges.is_empty() {
        BADGE_ROOM
    } else {
        0.0
    };
    let top = text_room + badge_room;
    let layout = use_memo((n, size.0, size.1, k, top.to_bits()), |&(n, w, h, k, _)| {
        Layout::new(n, w, h, k, top)
    });
    let layout = &*layout;
    let badges = (!props.badges.is_empty()).then(|| {
        html! {
            <ul class="badges" data-testid="badges" style={(text_room > 0.0).then(|| format!("top: {}px", text_room + 2.0))}>
                { for props.badges.iter().map(|(label, why)| html! { <li class="badge" title={why.clone()}>{ label }</li> }) }
            </ul>
        }
    });
    let on_hover = {
        let hovered = hovered.clone();
        Callback::from(move |h: Option<NodeId>| hovered.set(h))
    };
    html! {
        <div class="cluster-box" data-testid="cluster" data-messages={props.snap.messages.len().to_string()}>
            <svg ref={svg} class={classes!("cluster", (layout.r < 18.0).then_some("small"), props.big.then_some("big"))}
                viewBox={format!("0 0 {} {}", layout.w, layout.h)} role="img"
                aria-label={format!("cluster of {n} nodes at {}", lab_engine::time::fmt_time(props.snap.now))}>
                { ring(props, layout, *hovered, &on_hover) }
            </svg>
            <MessagesCanvas snap={props.snap.clone()} layout={layout.clone()} protocol={props.protocol} {size} />
            { badges }
        </div>
    }
}

/// A stable, readable colour per term or ballot, so log cells of one term match.
pub fn term_hue(term: u64) -> u64 {
    (term * 67 + 200) % 360
}

/// Message kinds get fixed colours: their place in the protocol's list of kinds. A request
/// and its reply sit side by side there, so they never share a colour (a hash of the name
/// gave RequestVote and its reply the same one), and every view agrees.
pub fn kind_index(protocol: ProtocolKind, kind: &str) -> usize {
    let kinds = protocol.message_kinds();
    kinds.iter().position(|k| *k == kind).unwrap_or(0) % KIND_COLOURS.len()
}

pub fn kind_class(protocol: ProtocolKind, kind: &str) -> String {
    format!("msg k{}", kind_index(protocol, kind))
}

/// The word drawn as a node's role: a decided transaction's outcome says so (a student reads
/// "committed" on the node, not only in the table below), a stale leader is named as such.
fn drawn_role(v: &NodeView, stale: &[NodeId], member: Member) -> String {
    match v.summary.decision {
        _ if stale.contains(&v.id) => "stale leader".into(),
        _ if v.up && member == Member::Learner => "learner".into(),
        _ if member == Member::Outside => "not a member".into(),
        Some(Decision::Commit) if v.up => "committed".into(),
        Some(Decision::Abort) if v.up => "aborted".into(),
        _ => v.summary.role.clone(),
    }
}

/// Where a node stands in the configuration shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Member {
    /// A voter, or no membership changes at all.
    Voter,
    Learner,
    Outside,
}

impl Member {
    fn of(config: Option<&ConfigView>, id: NodeId) -> Self {
        match config {
            Some(c) if c.learners.contains(&id) => Member::Learner,
            Some(c) if c.outside.contains(&id) => Member::Outside,
            _ => Member::Voter,
        }
    }
    fn slug(self) -> &'static str {
        match self {
            Member::Voter => "voter",
            Member::Learner => "learner",
            Member::Outside => "outside",
        }
    }
}

/// An axis-aligned box, for keeping labels off nodes and off each other.
#[derive(Clone, Copy, Debug)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn hits(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
}

/// The lines written under a node (role and term when they do not fit inside, wrapped to
/// the room there is), and whether the role and term fit inside the circle.
fn node_text(role: &str, term: &str, layout: &Layout) -> (bool, Vec<String>) {
    let (r, room, max_lines, k) = (layout.r, layout.room, layout.lines, layout.k);
    let chord = |dy: f64| 2.0 * (r * r - dy * dy).max(0.0).sqrt() - 6.0;
    if r >= 34.0 * k
        && text_width(role, 12.0 * k) <= chord(8.0 * k)
        && text_width(term, 11.0 * k) <= chord(21.0 * k)
    {
        return (true, Vec::new());
    }
    let width = room - 4.0;
    let mut lines: Vec<String> = Vec::new();
    // With one line only, the role: the term is in the inspector and the node's label.
    let term = (max_lines > 1).then_some(term);
    for word in role.split_whitespace().chain(term) {
        match lines.last_mut() {
            Some(l) if text_width(&format!("{l} {word}"), 11.0 * k) <= width => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    // Lines past the limit are left out; a word wider than the room is cut with an ellipsis.
    let max_chars = ((width - 2.0) / (11.0 * k * 0.62)).floor().max(1.0) as usize;
    let mut out: Vec<String> = lines
        .into_iter()
        .take(max_lines)
        .map(|l| {
            if l.chars().count() > max_chars {
                let cut: String = l.chars().take(max_chars.saturating_sub(1)).collect();
                format!("{cut}…")
            } else {
                l
            }
        })
        .collect();
    out.retain(|l| !l.is_empty());
    (false, out)
}

fn ring(
    p: &ClusterProps,
    layout: &Layout,
    hovered: Option<NodeId>,
    on_hover: &Callback<Option<NodeId>>,
) -> Html {
    let (snap, selected, on_select) = (&*p.snap, p.selected, &p.on_select);
    let n = snap.nodes.len();
    let (r, ring) = (layout.r, layout.ring);
    let pos = &layout.pos;
    let stale = stale_leaders(snap);
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
    // What each node writes, decided first: labels must keep clear of it.
    let texts: Vec<(bool, Vec<String>)> = snap
        .nodes
        .iter()
        .map(|v| {
            let role = drawn_role(v, &stale, Member::of(p.config.as_ref(), v.id));
            node_text(&role, &v.summary.term_label, layout)
        })
        .collect();
    let strip_cells = |v: &NodeView| {
        // Room for the "12…" before the cells too.
        let fit = ((layout.room - 40.0) / CELL).floor().max(0.0) as usize;
        if layout.strip {
            v.summary.log.len().min(fit).min(8)
        } else {
            0
        }
    };
    let mut taken: Vec<Rect> = Vec::new();
    for (i, v) in snap.nodes.iter().enumerate() {
        let (x, y) = pos[i];
        taken.push(Rect {
            x: x - r - ring - 8.0,
            y: y - r - ring - 8.0,
            w: 2.0 * (r + ring) + 16.0,
            h: 2.0 * (r + ring) + 16.0,
        });
        let lines = &texts[i].1;
        let wide = lines
            .iter()
            .map(|l| text_width(l, 11.0 * layout.k))
            .fold(strip_cells(v) as f64 * CELL + 26.0, f64::max);
        let tall = lines.len() as f64 * LINE * layout.k + CELL_H + 8.0;
        taken.push(Rect {
            x: x - wide / 2.0,
            y: y + r + ring,
            w: wide,
            h: tall,
        });
    }
    let focus = match selected {
        Selection::Node(id) => Some(id),
        _ => hovered,
    };
    let live: Vec<&MessageView> = snap
        .messages
        .iter()
        .filter(|m| m.lost.is_none_or(|(_, t)| snap.now < t))
        .collect();
    let busy = snap.messages.len() > BUSY;
    // Crowded: only the messages of the node in focus are labelled.
    let crowded = n > 9 || live.len() > 24;
    let mut order: Vec<&MessageView> = if busy { Vec::new() } else { live.clone() };
    // The selected message is placed first so it always gets its label.
    order.sort_by_key(|m| (selected != Selection::Message(m.id), m.id));
    let placed: Vec<(&MessageView, OnLane)> = order
        .into_iter()
        .map(|m| (m, lane(m, pos, r, snap.now)))
        .collect();
    // Labels keep off every dot too, not only off nodes and each other.
    taken.extend(placed.iter().map(|(_, (x, y, _, _))| Rect {
        x: x - 7.0,
        y: y - 7.0,
        w: 14.0,
        h: 14.0,
    }));
    let mut labels: Vec<Html> = Vec::new();
    let messages: Vec<Html> = placed
        .iter()
        .map(|&(m, (x, y, nx, ny))| {
            let sel = selected == Selection::Message(m.id);
            let wants = sel || !crowded || focus.is_some_and(|f| f == m.from || f == m.to);
            let spot = wants
                .then(|| {
                    place_label(
                        &m.label,
                        layout.k,
                        (x, y),
                        (nx, ny),
                        (layout.w, layout.h),
                        &mut taken,
                    )
                })
                .flatten();
            if let Some((lx, ly)) = spot {
                labels.push(html! {
                    <text key={m.id} class="msg-label" data-msg={m.id.to_string()}
                        x={lx.to_string()} y={ly.to_string()}>{ m.label.clone() }</text>
                });
            }
            message(m, x, y, sel, p.protocol, on_select)
        })
        .collect();
    let timers = |id: NodeId| {
        snap.timers
            .iter()
            .filter(|t| t.node == id)
            .min_by_key(|t| t.fires_at)
    };
    // Text and log strip under each node, apart from the node itself: the node's box (what
    // a click or a tap aims at) is then its circle.
    let unders = snap.nodes.iter().enumerate().map(|(i, v)| {
        let (x, y) = pos[i];
        let below = &texts[i].1;
        let under = below.iter().enumerate().map(|(k, l)| html! {
            <text class="below" x={x.to_string()} y={(y + r + layout.ring + 13.0 * layout.k + k as f64 * LINE * layout.k).to_string()}>{ l }</text>
        });
        let strip_y = y + r + layout.ring + 6.0 + below.len() as f64 * LINE * layout.k;
        html! {
            <g class={classes!("node-under", (!v.up).then_some("down"), (Member::of(p.config.as_ref(), v.id) == Member::Outside).then_some("outside"))} data-testid={format!("under-{}", v.id.0)}>
                { for under }
                if layout.strip {
                    { log_strip(v, x, strip_y, strip_cells(v)) }
                }
            </g>
        }
    });
    let nodes = snap.nodes.iter().enumerate().map(|(i, v)| {
        let (x, y) = pos[i];
        let s = &v.summary;
        let sel = selected == Selection::Node(v.id);
        let is_stale = stale.contains(&v.id);
        let lit = p.highlight.contains(&v.id);
        let id = v.id;
        let onclick = on_select.reform(move |_| Selection::Node(id));
        let onkeydown = {
            let on_select = on_select.clone();
            Callback::from(move |e: KeyboardEvent| {
                if matches!(e.key().as_str(), "Enter" | " ") {
                    e.prevent_default();
                    on_select.emit(Selection::Node(id));
                }
            })
        };
        let onmouseenter = on_hover.reform(move |_| Some(id));
        let onmouseleave = on_hover.reform(|_| None);
        let arc = timers(v.id).filter(|_| v.up).map(|t| {
            let total = t.fires_at.saturating_sub(t.set_at).max(1) as f64;
            let left = t.fires_at.saturating_sub(snap.now) as f64 / total;
            let ar = r + 5.0;
            let c = std::f64::consts::TAU * ar;
            html! {
                <circle class="timer-arc" cx={x.to_string()} cy={y.to_string()} r={ar.to_string()}
                    stroke-dasharray={format!("{:.1} {:.1}", c * left, c)}
                    transform={format!("rotate(-90 {x} {y})")}>
                    <title>{ format!("{} timer: fires in {}", t.label, lab_engine::time::fmt_time(t.fires_at.saturating_sub(snap.now))) }</title>
                </circle>
            }
        });
        let inside = texts[i].0;
        let member = Member::of(p.config.as_ref(), v.id);
        let role = drawn_role(v, &stale, member);
        // While a change is in flight, each configuration's voters are ringed: a decision
        // needs a majority of each ring.
        let rings = p.config.as_ref().filter(|c| !c.old.is_empty()).map(|c| {
            let ring = |class: &'static str, out: f64| html! {
                <circle class={classes!("maj", class)} cx={x.to_string()} cy={y.to_string()} r={(r + out).to_string()} />
            };
            html! { <>
                if c.old.contains(&v.id) { { ring("maj-old", 13.0) } }
                if c.voters.contains(&v.id) { { ring("maj-new", 9.0) } }
            </> }
        });
        let decision = s.decision.map(|d| d.slug());
        let log_attr = format!(
            "{}|{}|{}|{}",
            s.log.iter().map(|c| format!("{}/{}/{}", c.index, c.term, c.text)).collect::<Vec<_>>().join(","),
            s.log_len,
            s.committed,
            s.value.map_or(String::new(), |v| v.to_string())
        );
        let k = layout.k;
        let id_y = if inside { y - 6.0 * k } else { y + 5.0 * k };
        html! {
            <g class={classes!("node", format!("role-{}", s.class), decision.map(|d| format!("decision-{d}")), (!v.up).then_some("down"), sel.then_some("selected"), is_stale.then_some("stale"), (member != Member::Voter).then_some(member.slug()))}
                data-member={p.config.is_some().then_some(member.slug())}
                data-testid={format!("node-{}", v.id.0)}
                data-role={s.role.clone()} data-state={s.role.clone()} data-term={s.term.to_string()}
                data-up={v.up.to_string()} data-log={log_attr} data-stale={is_stale.then_some("true")}
                data-highlight={lit.then_some("true")} data-decision={decision}
                role="button" tabindex="0" aria-pressed={sel.to_string()}
                aria-label={format!("{} {} {}", v.id, role, s.term_label)}
                {onclick} {onkeydown} {onmouseenter} {onmouseleave}>
                if lit {
                    <circle class="halo" cx={x.to_string()} cy={y.to_string()} r={(r + 8.0).to_string()} />
                }
                { rings }
                { arc }
                <circle class="body" cx={x.to_string()} cy={y.to_string()} r={r.to_string()} />
                if is_stale {
                    <circle class="hatch" cx={x.to_string()} cy={y.to_string()} r={r.to_string()} />
                }
                <text class="id" x={x.to_string()} y={id_y.to_string()}>{ v.id.to_string() }</text>
                if inside {
                    <text class="role" x={x.to_string()} y={(y + 9.0 * k).to_string()}>{ role }</text>
                    <text class="term" x={x.to_string()} y={(y + 23.0 * k).to_string()}>{ s.term_label.clone() }</text>
                }
            </g>
        }
    });
    let lost = snap.messages.iter().filter_map(|m| {
        let (reason, at) = m.lost?;
        (snap.now >= at).then(|| {
            let (x, y, _, _) = lane(m, pos, r, snap.now);
            let what = format!(
                "{} from {} to {}: {}",
                m.kind,
                m.from,
                m.to,
                reason.describe()
            );
            (x, y, what)
        })
    });
    let groups = group_drops(lost);
    // Counts keep off the crosses too, not only off nodes, their text and the labels.
    taken.extend(groups.iter().map(|d| Rect {
        x: d.x - 7.0,
        y: d.y - 7.0,
        w: 14.0,
        h: 14.0,
    }));
    let drops: Vec<Html> = groups
        .into_iter()
        .map(|d| {
            let n = d.what.len();
            let title = if n == 1 {
                d.what[0].clone()
            } else {
                let shown = d
                    .what
                    .iter()
                    .take(DROP_TITLE_LINES)
                    .cloned()
                    .collect::<Vec<_>>();
                let more = n.saturating_sub(DROP_TITLE_LINES);
                format!(
                    "{n} messages lost here:\n{}{}",
                    shown.join("\n"),
                    if more > 0 {
                        format!("\n… and {more} more")
                    } else {
                        String::new()
                    }
                )
            };
            html! {
                <g class={classes!("dead", (n > 1).then_some("many"))} data-count={n.to_string()}>
                    <text x={d.x.to_string()} y={(d.y + 5.0).to_string()}>{ "✕" }</text>
                    if n > 1 {
                        { count_label(n, (d.x, d.y), layout, &mut taken) }
                    }
                    <title>{ title }</title>
                </g>
            }
        })
        .collect();
    let title = p.protocol.entry().caption;
    html! { <>
        <defs>
            <pattern id="stale-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                <rect width="3" height="8" class="hatch-line" />
            </pattern>
        </defs>
        { p.config.as_ref().map(|c| config_block(c, layout)) }
        <g class="links">{ for links }</g>
        <g class="unders">{ for unders }</g>
        <g class="messages">{ for messages }</g>
        // Above every dot: a label is never hidden under another message.
        <g class="labels">{ for labels }</g>
        <g class="nodes">{ for nodes }</g>
        <g class="drops">{ for drops }</g>
        // Bottom right: the embed's legend button takes the bottom left corner.
        <text class="caption" x={(layout.w - 8.0).to_string()} y={(layout.h - 8.0).to_string()}>{ title }</text>
    </> }
}

/// Loss marks closer than this (px) are drawn as one, with a count: hundreds of losses at one
/// spot (a partition cutting every retry) otherwise read as a single ✕.
const DROP_GRID: f64 = 14.0;
/// The tooltip of a grouped loss mark lists this many losses, then counts the rest.
const DROP_TITLE_LINES: usize = 8;

/// A grouped loss mark's count, set off the node it sits against (most losses happen at a
/// node's rim, where a count beside the cross would land on the node's own words) and placed
/// like a message label, clear of everything already drawn.
fn count_label(n: usize, (x, y): (f64, f64), layout: &Layout, taken: &mut Vec<Rect>) -> Html {
    let text = format!("×{n}");
    let near = layout.pos.iter().copied().min_by(|a, b| {
        let d = |p: (f64, f64)| (p.0 - x).powi(2) + (p.1 - y).powi(2);
        d(*a).total_cmp(&d(*b))
    });
    // Outward from the nearest node's centre; up when no node is close.
    let normal = match near {
        Some((cx, cy)) if (x - cx).hypot(y - cy) < layout.r + 24.0 => {
            let len = (x - cx).hypot(y - cy).max(1.0);
            ((x - cx) / len, (y - cy) / len)
        }
        _ => (0.0, -1.0),
    };
    // Then the other ways round, a quarter turn at a time, before giving up on a free spot.
    let turns = [(1.0, 0.0), (0.0, 1.0), (0.0, -1.0), (-1.0, 0.0)];
    let (lx, ly) = turns
        .iter()
        .find_map(|&(c, s)| {
            let n = (normal.0 * c - normal.1 * s, normal.0 * s + normal.1 * c);
            place_label(&text, layout.k, (x, y), n, (layout.w, layout.h), taken)
        })
        .unwrap_or((x + 14.0, y - 3.0));
    html! { <text class="count" x={lx.to_string()} y={ly.to_string()}>{ text }</text> }
}

/// Where losses happened, grouped by spot: one mark per spot, with every loss there.
#[derive(Debug, PartialEq)]
struct Drops {
    x: f64,
    y: f64,
    what: Vec<String>,
}

/// Groups loss marks that would overlap: each goes to the first group within `DROP_GRID` of it
/// (in the order the losses come, so a group stays where its first loss is drawn).
fn group_drops(lost: impl Iterator<Item = (f64, f64, String)>) -> Vec<Drops> {
    let mut groups: Vec<Drops> = Vec::new();
    for (x, y, what) in lost {
        match groups
            .iter_mut()
            .find(|g| (g.x - x).abs() < DROP_GRID && (g.y - y).abs() < DROP_GRID)
        {
            Some(g) => g.what.push(what),
            None => groups.push(Drops {
                x,
                y,
                what: vec![what],
            }),
        }
    }
    groups
}

/// Places a label near its message, first on the message's own side of the link, further
/// out if needed; `None` when every spot is taken (the message keeps its tooltip).
fn place_label(
    text: &str,
    k: f64,
    (x, y): (f64, f64),
    (nx, ny): (f64, f64),
    bounds: (f64, f64),
    taken: &mut Vec<Rect>,
) -> Option<(f64, f64)> {
    let w = text_width(text, 11.0 * k);
    let h = 13.0 * k;
    // Along the normal (the lane's side), then along the link both ways.
    let (tx, ty) = (-ny, nx);
    let spots = [
        (14.0, 0.0),
        (28.0, 0.0),
        (14.0, 22.0),
        (14.0, -22.0),
        (42.0, 0.0),
        (28.0, 30.0),
        (28.0, -30.0),
    ];
    // How far the box reaches along the normal from its centre.
    let reach = (nx.abs() * w + ny.abs() * h) / 2.0;
    for (out, along) in spots {
        let (cx, cy) = (
            x + nx * (out + reach - 6.0) + tx * along,
            y + ny * (out + reach - 6.0) + ty * along,
        );
        let rect = Rect {
            x: cx - w / 2.0,
            y: cy - h / 2.0,
            w,
            h,
        };
        let inside =
            rect.x >= 0.0 && rect.y >= 0.0 && rect.x + w <= bounds.0 && rect.y + h <= bounds.1;
        if inside && !taken.iter().any(|t| t.hits(&rect)) {
            taken.push(rect);
            return Some((cx, cy + 4.0 * k));
        }
    }
    None
}

#[derive(Properties, PartialEq)]
pub struct MessagesCanvasProps {
    pub snap: Shared<Snapshot>,
    pub layout: Layout,
    pub protocol: ProtocolKind,
    /// The SVG's measured box, which the canvas covers (the stylesheet lays it over the
    /// cluster's box, which is the SVG's): reading the canvas's own size
    /// would force a layout of the whole page in the middle of every frame.
    pub size: (f64, f64),
}

/// A canvas laid over the ring that paints the messages when there are too many for SVG.
/// It paints after each render, from the same snapshot the ring drew.
#[function_component]
pub fn MessagesCanvas(props: &MessagesCanvasProps) -> Html {
    let canvas = use_node_ref();
    // Whether the canvas holds dots: a quiet cluster (the usual case) then costs nothing.
    let painted = use_mut_ref(|| false);
    {
        let canvas = canvas.clone();
        use_effect_with(
            (
                props.snap.clone(),
                props.layout.clone(),
                props.protocol,
                props.size,
            ),
            move |(snap, layout, protocol, size)| {
                let busy = snap.messages.len() > BUSY;
                if !busy && !*painted.borrow() {
                    return;
                }
                if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                    paint_messages(&c, *size, snap, layout, *protocol);
                    *painted.borrow_mut() = busy;
                }
            },
        );
    }
    html! { <canvas class="messages-canvas" ref={canvas} aria-hidden="true" /> }
}

/// Above this many messages in flight they are painted on a canvas: hundreds of SVG elements
/// restyled every frame cost more than a frame has.
pub const BUSY: usize = 150;

/// The message colours of the stylesheet's `.msg.kN` classes, for the canvas and exports: as
/// many as the protocol with the most kinds has (Zab, thirteen), so no two kinds share one.
pub const KIND_COLOURS: [&str; 13] = [
    "#2563eb", "#16a34a", "#ea580c", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#ca8a04",
    "#4338ca", "#92400e", "#0f766e", "#64748b", "#be123c",
];

/// Paints the messages in flight on `canvas`, laid over the SVG (same box: one SVG unit is one
/// CSS pixel), when there are too many for SVG elements; clears it otherwise.
fn paint_messages(
    canvas: &web_sys::HtmlCanvasElement,
    (w, h): (f64, f64),
    snap: &Snapshot,
    layout: &Layout,
    protocol: ProtocolKind,
) {
    use wasm_bindgen::JsCast;
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
    // The SVG's viewBox is its measured size, centred (preserveAspectRatio meet).
    let scale = (w / layout.w).min(h / layout.h) * ratio;
    let ox = (f64::from(pw) - layout.w * scale) / 2.0;
    let oy = (f64::from(ph) - layout.h * scale) / 2.0;
    for m in &snap.messages {
        if m.lost.is_some_and(|(_, t)| snap.now >= t) {
            continue;
        }
        let (x, y, _, _) = lane(m, &layout.pos, layout.r, snap.now);
        ctx.set_fill_style_str(KIND_COLOURS[kind_index(protocol, m.kind)]);
        ctx.begin_path();
        let _ = ctx.arc(
            ox + x * scale,
            oy + y * scale,
            5.0 * scale,
            0.0,
            std::f64::consts::TAU,
        );
        ctx.fill();
    }
}

/// The radius a press on a message counts within, three times its dot's.
const HIT_R: f64 = 18.0;

/// A point on a message's lane (x, y) and the unit normal pointing to the lane's side.
type OnLane = (f64, f64, f64, f64);

/// Where a message is at `now`: on its lane (the right-hand side of the line from sender to
/// receiver, so the two directions of a link never share a track) between the two rims.
/// Returns the point and the unit normal pointing to the lane's side.
fn lane(m: &MessageView, pos: &[(f64, f64)], r: f64, now: Time) -> OnLane {
    let (x1, y1) = pos.get(m.from.idx()).copied().unwrap_or_default();
    let (x2, y2) = pos.get(m.to.idx()).copied().unwrap_or_default();
    let (dx, dy) = (x2 - x1, y2 - y1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (nx, ny) = (-dy / len, dx / len);
    let rim = (r / len).min(0.45);
    let p = rim + (1.0 - 2.0 * rim) * m.progress(now).clamp(0.0, 1.0);
    let off = 5.0;
    (x1 + dx * p + nx * off, y1 + dy * p + ny * off, nx, ny)
}

fn message(
    m: &MessageView,
    x: f64,
    y: f64,
    sel: bool,
    protocol: ProtocolKind,
    on_select: &Callback<Selection>,
) -> Html {
    let id = m.id;
    // Pressed, not clicked: a moving message leaves the pointer before a click completes.
    let onpointerdown = on_select.reform(move |e: PointerEvent| {
        e.prevent_default();
        Selection::Message(id)
    });
    let onkeydown = {
        let on_select = on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            if matches!(e.key().as_str(), "Enter" | " ") {
                e.prevent_default();
                on_select.emit(Selection::Message(id));
            }
        })
    };
    html! {
        <g key={m.id} class={classes!(kind_class(protocol, m.kind), sel.then_some("selected"), m.lost.is_some().then_some("doomed"))}
            data-testid={format!("message-{id}")} data-kind={m.kind} role="button" tabindex="0"
            aria-label={format!("message {} from {} to {}", m.label, m.from, m.to)}
            {onpointerdown} {onkeydown}>
            // A generous target: the dot moves while the hand aims at it.
            <circle class="hit" cx={x.to_string()} cy={y.to_string()} r={HIT_R.to_string()} />
            <circle cx={x.to_string()} cy={y.to_string()} r={if sel { "8" } else { "6" }} />
            <title>{ format!("#{} {} from {} to {}", m.id, m.label, m.from, m.to) }</title>
        </g>
    }
}

/// The last few log cells under a node, coloured by term; committed ones solid.
fn log_strip(v: &NodeView, x: f64, y: f64, shown: usize) -> Html {
    let s = &v.summary;
    let cells = &s.log[s.log.len() - shown..];
    let start = x - CELL * shown as f64 / 2.0;
    let hidden = s.log_len.saturating_sub(shown as u64);
    let more = (hidden > 0).then(|| {
        html! { <text class="log-more" x={(start - 3.0).to_string()} y={(y + 10.0).to_string()}>{ format!("{hidden}…") }</text> }
    });
    html! {
        <g class="log">
            { more }
            { for cells.iter().enumerate().map(|(i, c)| html! {
                // A decided transaction takes its outcome's colour (the stylesheet's tone-*),
                // as in the log grid; other cells keep their term's hue.
                <g class={classes!("cell", (!c.committed).then_some("pending"), c.outcome.map(|d| format!("tone-{}", d.slug())))}
                    data-outcome={c.outcome.map(|d| d.slug())}>
                    <rect x={(start + i as f64 * CELL).to_string()} y={y.to_string()} width={(CELL - 2.0).to_string()} height={CELL_H.to_string()}
                        fill={format!("hsl({} 65% 55%)", term_hue(c.term))} />
                    <title>{ match c.outcome {
                        Some(d) => format!("txn #{} {}", c.index, if d == Decision::Commit { format!("committed ({})", c.text) } else { "aborted".into() }),
                        None => format!("#{} term {} {}{}", c.index, c.term, c.text, if c.committed { " (committed)" } else { "" }),
                    } }</title>
                </g>
            }) }
        </g>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lost(spots: &[(f64, f64)]) -> Vec<Drops> {
        group_drops(
            spots
                .iter()
                .enumerate()
                .map(|(i, &(x, y))| (x, y, format!("m{i}"))),
        )
    }

    #[test]
    fn coincident_losses_make_one_mark_with_their_count() {
        // 552 losses at one spot (raft-figure-8's partition), two a little apart, one far away.
        let mut spots = vec![(100.0, 100.0); 552];
        spots.extend([(104.0, 97.0), (96.0, 110.0), (300.0, 40.0)]);
        let g = lost(&spots);
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].x, g[0].y, g[0].what.len()), (100.0, 100.0, 554));
        assert_eq!(g[1].what, vec!["m554".to_string()]);
    }

    #[test]
    fn every_message_kind_has_a_colour_of_its_own() {
        // kind_index wraps past the last colour: two kinds of one protocol would look alike.
        for &p in ProtocolKind::ALL {
            assert!(
                p.message_kinds().len() <= KIND_COLOURS.len(),
                "{p:?} has {} message kinds and KIND_COLOURS {}",
                p.message_kinds().len(),
                KIND_COLOURS.len()
            );
        }
        // The stylesheet draws the SVG's messages and the legend's swatches in the same colours.
        let css = include_str!("../../static/style.css");
        for (i, c) in KIND_COLOURS.iter().enumerate() {
            for rule in [
                format!(".msg.k{i} circle {{ fill: {c}; }}"),
                format!(".swatch.dot.k{i} {{ background: {c}; }}"),
            ] {
                assert!(css.contains(&rule), "static/style.css lacks `{rule}`");
            }
        }
    }

    #[test]
    fn losses_far_enough_apart_stay_apart() {
        let g = lost(&[(0.0, 0.0), (DROP_GRID, 0.0), (0.0, DROP_GRID)]);
        assert_eq!(g.len(), 3);
    }
}
