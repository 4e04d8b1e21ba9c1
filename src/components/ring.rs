//! The consistent-hashing page's drawing: the ring with every virtual node's arc in its owner's
//! colour, keys as dots inside it, the arcs that changed hands outlined outside it, the selected
//! key's preference list; beside it the keys in two grids (ring and `hash mod N`) where the
//! keys that moved stand out, the nodes with their load, and the controls. Everything comes
//! computed in a [`Scene`]; this module only places it.
//!
//! One SVG unit is one CSS pixel (the viewBox follows the measured box), so the stylesheet's
//! font sizes are what the reader sees.

use crate::components::box_size::use_box_size;
use lab_engine::ProtocolKind;
use lab_ring::page::{Change, Scene, MAX_KEYS, MAX_NODES, MAX_REPLICAS, MAX_VNODES};
use lab_ring::{Load, RingNode};
use std::f64::consts::{FRAC_PI_2, TAU};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

fn label(n: RingNode) -> String {
    format!("S{n}")
}

fn pct(part: u64, whole: u64) -> String {
    format!("{:.0}%", 100.0 * part as f64 / whole.max(1) as f64)
}

/// Estimated width of a text in the UI font, generous so that labels never touch.
fn text_width(text: &str, px: f64) -> f64 {
    text.chars().count() as f64 * px * 0.62 + 4.0
}

#[derive(Clone, Copy)]
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

/// The circle's geometry in the measured box: 0 at the top, clockwise.
#[derive(Clone, Copy)]
struct Geo {
    cx: f64,
    cy: f64,
    r: f64,
}

impl Geo {
    fn new(w: f64, h: f64) -> Geo {
        let s = w.min(h);
        // Room outside the ring for the changed-arc band and the node labels.
        Geo {
            cx: w / 2.0,
            cy: h / 2.0,
            r: (s / 2.0 - 46.0).max(40.0),
        }
    }

    fn at(&self, frac: f64, radius: f64) -> (f64, f64) {
        let a = frac * TAU - FRAC_PI_2;
        (self.cx + radius * a.cos(), self.cy + radius * a.sin())
    }

    /// An SVG path along the circle of `radius`, clockwise from `start` to `end` (fractions).
    fn arc(&self, start: f64, end: f64, radius: f64) -> String {
        let sweep = (end - start).rem_euclid(1.0);
        if sweep == 0.0 || sweep > 0.9999 {
            // The whole circle: two half arcs, since one arc cannot end where it starts.
            let (x0, y0) = self.at(start, radius);
            let (x1, y1) = self.at(start + 0.5, radius);
            return format!(
                "M {x0:.2} {y0:.2} A {radius:.2} {radius:.2} 0 1 1 {x1:.2} {y1:.2} A {radius:.2} {radius:.2} 0 1 1 {x0:.2} {y0:.2}"
            );
        }
        let (x0, y0) = self.at(start, radius);
        let (x1, y1) = self.at(end, radius);
        let large = u8::from(sweep > 0.5);
        format!("M {x0:.2} {y0:.2} A {radius:.2} {radius:.2} 0 {large} 1 {x1:.2} {y1:.2}")
    }
}

/// Spacing of key dots along a lane, and between lanes.
const DOT_GAP: f64 = 9.0;
const LANE: f64 = 10.0;
const MAX_LANES: usize = 6;
/// Font size of the node labels around the ring.
const LABEL_PX: f64 = 12.0;

/// Each key's lane (0 nearest the ring): a key goes to the first lane whose previous dot is far
/// enough along the circle, so dots do not pile up where keys crowd.
fn lanes(scene: &Scene, geo: &Geo) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scene.keys.len()).collect();
    order.sort_by(|&a, &b| scene.keys[a].at.total_cmp(&scene.keys[b].at));
    let mut last: Vec<Option<f64>> = vec![None; MAX_LANES];
    let mut out = vec![0; scene.keys.len()];
    for i in order {
        let at = scene.keys[i].at;
        let free = |lane: usize| {
            let radius = geo.r - 18.0 - lane as f64 * LANE;
            last[lane].is_none_or(|prev| (at - prev) * TAU * radius >= DOT_GAP)
        };
        // A crowded spot with every lane taken goes to the lane whose last dot is furthest.
        let lane = (0..MAX_LANES).find(|&l| free(l)).unwrap_or_else(|| {
            (0..MAX_LANES)
                .min_by(|&a, &b| last[a].unwrap_or(0.0).total_cmp(&last[b].unwrap_or(0.0)))
                .unwrap_or(0)
        });
        last[lane] = Some(at);
        out[i] = lane;
    }
    out
}

#[derive(Properties, PartialEq)]
pub struct RingDrawingProps {
    pub scene: Rc<Scene>,
    pub selected: Option<u64>,
    /// A key clicked (the page toggles the selection).
    pub on_select: Callback<u64>,
}

/// The ring itself.
#[function_component]
pub fn RingDrawing(p: &RingDrawingProps) -> Html {
    let svg = use_node_ref();
    let (w, h) = use_box_size(svg.clone(), (560.0, 560.0));
    let geo = Geo::new(w, h);
    let scene = &*p.scene;
    let slot = |n: RingNode| scene.slot(n);

    let arcs = scene.arcs.iter().map(|a| {
        html! { <path class={classes!("arc", "stroke", format!("c{}", slot(a.node)))} d={geo.arc(a.start, a.end, geo.r)}>
            <title>{ format!("{} (virtual node {}): {:.1}% of the circle", label(a.node), a.vnode, a.length * 100.0) }</title>
        </path> }
    });
    // Boundaries between arcs, so two arcs of one node side by side still read as two.
    let ticks = scene.arcs.iter().map(|a| {
        let (x0, y0) = geo.at(a.end, geo.r - 8.0);
        let (x1, y1) = geo.at(a.end, geo.r + 8.0);
        html! { <line class="vnode-tick" x1={format!("{x0:.1}")} y1={format!("{y0:.1}")} x2={format!("{x1:.1}")} y2={format!("{y1:.1}")} /> }
    });
    let changed = scene.changed.iter().map(|c| {
        html! { <path class="changed-arc" data-testid="changed-arc" data-from={c.from.to_string()} data-to={c.to.to_string()}
            d={geo.arc(c.start, c.end, geo.r + 12.0)}>
            <title>{ format!("this arc passed from {} to {}", label(c.from), label(c.to)) }</title>
        </path> }
    });

    // The selected key's preference list: the clockwise walk, and a numbered mark on each
    // replica's virtual node, pushed outwards when two marks would touch.
    let mut taken: Vec<Rect> = Vec::new();
    let walk = p
        .selected
        .and_then(|k| scene.keys.get(k as usize))
        .map(|key| {
            let last = key.replicas.last().map_or(key.at, |r| r.at);
            let mut marks = Vec::new();
            let mut prev: Option<(f64, f64, f64)> = None;
            for (i, r) in key.replicas.iter().enumerate() {
                let mut radius = geo.r;
                let (mut x, mut y) = geo.at(r.at, radius);
                if let Some((px, py, pr)) = prev {
                    if (x - px).hypot(y - py) < 19.0 {
                        radius = pr + 19.0;
                        (x, y) = geo.at(r.at, radius);
                    }
                }
                prev = Some((x, y, radius));
                taken.push(Rect { x: x - 10.0, y: y - 10.0, w: 20.0, h: 20.0 });
                marks.push(html! {
                    <g class="replica" data-testid="replica" data-node={r.node.to_string()}>
                        <circle class={classes!("stroke", format!("c{}", slot(r.node)))} cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="9" />
                        <text x={format!("{x:.1}")} y={format!("{y:.1}")}>{ i + 1 }</text>
                    </g>
                });
            }
            html! {
                <g class="walk">
                    <path class="walk-path" d={geo.arc(key.at, last, geo.r - 9.0)} />
                    { for marks }
                </g>
            }
        });

    // Node labels at the middle of arcs, longest arcs first, wherever they touch nothing.
    let mut by_length: Vec<usize> = (0..scene.arcs.len()).collect();
    by_length.sort_by(|&a, &b| scene.arcs[b].length.total_cmp(&scene.arcs[a].length));
    let mut labels = Vec::new();
    for i in by_length {
        let a = &scene.arcs[i];
        let mid = a.end - a.length / 2.0;
        let text = label(a.node);
        let tw = text_width(&text, LABEL_PX);
        let (x, y) = geo.at(mid.rem_euclid(1.0), geo.r + 26.0);
        let dx = x - geo.cx;
        let (anchor, left) = if dx > geo.r * 0.3 {
            ("start", x - 2.0)
        } else if dx < -geo.r * 0.3 {
            ("end", x - tw + 2.0)
        } else {
            ("middle", x - tw / 2.0)
        };
        let rect = Rect {
            x: left,
            y: y - 8.0,
            w: tw,
            h: 16.0,
        };
        let inside = rect.x >= 0.0 && rect.y >= 0.0 && rect.x + rect.w <= w && rect.y + rect.h <= h;
        if inside && !taken.iter().any(|t| t.hits(&rect)) {
            taken.push(rect);
            labels.push(html! {
                <text class={classes!("node-label", "fill", format!("c{}", slot(a.node)))} x={format!("{x:.1}")} y={format!("{y:.1}")}
                    text-anchor={anchor}>{ text }</text>
            });
        }
    }

    let lane = lanes(scene, &geo);
    let dots = scene.keys.iter().zip(&lane).map(|(k, &l)| {
        let (x, y) = geo.at(k.at, geo.r - 18.0 - l as f64 * LANE);
        let on_arc = scene.on_changed_arc(k.at).is_some();
        let key = k.key;
        let onclick = p.on_select.reform(move |_| key);
        let title = if k.moved() {
            format!("key {key}: moved from {} to {}", label(k.was), label(k.owner))
        } else {
            format!("key {key}: on {}", label(k.owner))
        };
        let selected = p.selected == Some(key);
        html! {
            <g class={classes!("key", k.moved().then_some("moved"), selected.then_some("selected"))} data-testid={format!("key-{key}")}
                data-owner={k.owner.to_string()} data-was={k.was.to_string()} data-moved={u8::from(k.moved()).to_string()}
                data-mod-moved={u8::from(k.mod_moved()).to_string()} data-on-changed-arc={u8::from(on_arc).to_string()}
                {onclick}>
                <title>{ title }</title>
                if k.moved() || selected {
                    <circle class="halo" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="6.5" />
                }
                <circle class={classes!("dot", "fill", format!("c{}", slot(k.owner)), format!("was-c{}", slot(k.was)))}
                    cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="4" />
                <circle class="hit" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="7" />
            </g>
        }
    });

    // The middle says what happened.
    let keys = scene.keys.len() as u64;
    let headline = match scene.change {
        None => "no change yet".to_string(),
        Some(c) => match c {
            Change::Add(n) => format!("{} joined", label(n)),
            Change::Remove(n) => format!("{} left", label(n)),
        },
    };
    let inner = geo.r - 18.0 - (lane.iter().max().copied().unwrap_or(0) as f64 + 1.0) * LANE;
    let center = (inner > 56.0).then(|| {
        html! {
            <g class="center">
                <text class="head" x={format!("{:.1}", geo.cx)} y={format!("{:.1}", geo.cy - 14.0)}>{ headline }</text>
                <text x={format!("{:.1}", geo.cx)} y={format!("{:.1}", geo.cy + 6.0)}>{ format!("ring: {} of {keys} moved", scene.moved) }</text>
                <text x={format!("{:.1}", geo.cx)} y={format!("{:.1}", geo.cy + 24.0)}>{ format!("mod N: {} of {keys}", scene.mod_moved) }</text>
            </g>
        }
    });

    html! {
        <svg ref={svg} class="ring" data-testid="ring" viewBox={format!("0 0 {w} {h}")} role="img"
            data-keys={keys.to_string()} data-moved={scene.moved.to_string()} data-mod-moved={scene.mod_moved.to_string()}
            data-changed-share={format!("{:.6}", scene.changed_share)} data-fair-share={format!("{:.6}", scene.fair_share)}
            aria-label={format!("a consistent-hashing ring of {} nodes with {} virtual nodes each and {keys} keys", scene.members.len(), scene.vnodes)}>
            <circle class="base" cx={format!("{:.1}", geo.cx)} cy={format!("{:.1}", geo.cy)} r={format!("{:.1}", geo.r)} />
            <g class="arcs">{ for arcs }</g>
            <g class="ticks">{ for ticks }</g>
            <g class="changed">{ for changed }</g>
            { for labels }
            <g class="keys">{ for dots }</g>
            { walk.unwrap_or_default() }
            { center.unwrap_or_default() }
        </svg>
    }
}

#[derive(Properties, PartialEq)]
pub struct MoveGridProps {
    pub scene: Rc<Scene>,
    /// The `hash mod N` placement rather than the ring's.
    pub modulo: bool,
}

/// Every key as a cell in key order, in its owner's colour; the keys that moved are solid and
/// outlined, the others faint.
#[function_component]
pub fn MoveGrid(p: &MoveGridProps) -> Html {
    let scene = &*p.scene;
    let keys = scene.keys.len() as u64;
    let (moved, name, id) = if p.modulo {
        (scene.mod_moved, "hash mod N", "grid-mod")
    } else {
        (scene.moved, "consistent hashing", "grid-ring")
    };
    let cells = scene.keys.iter().map(|k| {
        let (now, was, did) = if p.modulo {
            (k.mod_owner, k.mod_was, k.mod_moved())
        } else {
            (k.owner, k.was, k.moved())
        };
        let title = if did {
            format!("key {}: {} → {}", k.key, label(was), label(now))
        } else {
            format!("key {}: stays on {}", k.key, label(now))
        };
        html! { <span class={classes!("cell", "bg", format!("c{}", scene.slot(now)), did.then_some("moved"))} {title}></span> }
    });
    let wide = if keys > 100 { "wide" } else { "narrow" };
    html! {
        <figure class="move-grid" data-testid={id} data-moved={moved.to_string()} data-keys={keys.to_string()}>
            <figcaption><strong>{ name }</strong>{ format!(": {moved} of {keys} moved ({})", pct(moved, keys)) }</figcaption>
            <div class={classes!("cells", wide)}>{ for cells }</div>
        </figure>
    }
}

fn load_line(name: &str, l: &Load) -> Html {
    html! {
        <li>{ format!("{name}: min {} · mean {:.1} · max {} (max/mean {:.2})", l.min, l.mean, l.max, l.spread) }</li>
    }
}

#[derive(Properties, PartialEq)]
pub struct RingSideProps {
    pub scene: Rc<Scene>,
    pub selected: Option<u64>,
    /// The id the add button gives the next node, if one more fits.
    pub next: Option<RingNode>,
    /// Whether a node may leave (the keys need `replicas` distinct nodes).
    pub removable: bool,
    pub can_undo: bool,
    /// The compact embed: shorter texts, no node table.
    pub compact: bool,
    pub on_add: Callback<()>,
    pub on_remove: Callback<RingNode>,
    pub on_undo: Callback<()>,
    pub on_reset: Callback<()>,
}

/// What to look at, the buttons, the counts and grids, the nodes and their load.
#[function_component]
pub fn RingSide(p: &RingSideProps) -> Html {
    let scene = &*p.scene;
    let keys = scene.keys.len() as u64;
    let add = match p.next {
        Some(n) => html! {
            <button data-testid="ring-add" onclick={p.on_add.reform(|_| ())}
                title="add a node: its virtual nodes split some arcs">{ format!("+ add {}", label(n)) }</button>
        },
        None => html! {
            <button data-testid="ring-add" disabled=true title={format!("the page draws at most {MAX_NODES} nodes")}>{ "+ add" }</button>
        },
    };
    let undo = html! {
        <button data-testid="ring-undo" disabled={!p.can_undo} onclick={p.on_undo.reform(|_| ())}>{ "undo" }</button>
    };
    let grids = html! {
        <div class="grids">
            <MoveGrid scene={p.scene.clone()} modulo={false} />
            <MoveGrid scene={p.scene.clone()} modulo={true} />
        </div>
    };
    let load = html! {
        <ul class="load" data-testid="ring-load">
            { load_line("load on the ring", &scene.load) }
            { load_line("with hash mod N", &scene.mod_load) }
        </ul>
    };
    let summary = match scene.change {
        None => {
            html! { <p data-testid="ring-summary">{ "Add or remove a node to see which keys move." }</p> }
        }
        Some(c) => {
            let (what, whom) = match c {
                Change::Add(n) => (
                    format!("{} joined", label(n)),
                    format!("all to {}", label(n)),
                ),
                Change::Remove(n) => (
                    format!("{} left", label(n)),
                    "each to the next node clockwise".to_string(),
                ),
            };
            let ring = format!(
                "the ring moved {} of {keys} keys ({})",
                scene.moved,
                pct(scene.moved, keys)
            );
            let modn = format!(
                "hash mod N moved {} ({})",
                scene.mod_moved,
                pct(scene.mod_moved, keys)
            );
            if p.compact {
                html! { <p data-testid="ring-summary"><strong>{ what }</strong>{ format!(": {ring}; {modn}.") }</p> }
            } else {
                html! {
                    <p data-testid="ring-summary">
                        <strong>{ what }</strong>
                        { format!(": {ring}, {whom}; the outlined arcs are {:.0}% of the circle, and a perfectly even split would move {:.0}%. ",
                            scene.changed_share * 100.0, scene.fair_share * 100.0) }
                        <strong>{ format!("{modn}.") }</strong>
                    </p>
                }
            }
        }
    };
    if p.compact {
        return html! {
            <div class="ring-side">
                <p class="caption">{ "Keys (dots) belong to the first node clockwise. Only keys on the outlined arcs move." }</p>
                <div class="actions">{ add }{ undo }</div>
                { summary }
                { grids }
                { load }
            </div>
        };
    }
    let selected = p.selected.and_then(|k| scene.keys.get(k as usize)).map_or_else(
        || html! { <p class="hint">{ "Click a key on the ring to see its replicas." }</p> },
        |k| {
            let list: Vec<String> = k.replicas.iter().map(|r| label(r.node)).collect();
            html! {
                <p data-testid="ring-selected">
                    <strong>{ format!("key {}", k.key) }</strong>
                    { format!(": owner {}; replicas on {} (the first {} distinct nodes clockwise).", list[0], list.join(", "), list.len()) }
                </p>
            }
        },
    );
    let rows = scene.members.iter().map(|m| {
        let node = m.node;
        html! {
            <tr data-testid={format!("ring-node-{node}")}>
                <th><span class={classes!("swatch", "bg", format!("c{}", m.slot))}></span>{ label(node) }</th>
                <td>{ m.owns }</td>
                <td>{ m.mod_owns }</td>
                <td>{ m.copies }</td>
                <td><button data-testid={format!("ring-remove-{node}")} disabled={!p.removable}
                    title={if p.removable { format!("take {} off the ring", label(node)) } else { format!("{} replicas need {} nodes", scene.replicas, scene.replicas) }}
                    onclick={p.on_remove.reform(move |_| node)}>{ "remove" }</button></td>
            </tr>
        }
    });
    html! {
        <div class="ring-side">
            <p class="caption">
                { "Each key (a dot) belongs to the first node clockwise from it, and its replicas to the next distinct nodes. \
                   Add or remove a node: only keys on the outlined arcs move. With hash mod N almost every key moves." }
            </p>
            <div class="actions">
                { add }{ undo }
                <button data-testid="ring-reset" disabled={!p.can_undo} onclick={p.on_reset.reform(|_| ())}>{ "reset" }</button>
            </div>
            { summary }
            { grids }
            { selected }
            <table class="ring-nodes">
                <thead><tr><th>{ "node" }</th><th>{ "keys" }</th><th>{ "mod N" }</th><th>{ "copies" }</th><th></th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            { load }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct RingSettingsProps {
    pub nodes: u32,
    pub vnodes: u32,
    pub keys: u32,
    pub replicas: u32,
    pub seed: u64,
    /// A setting changed: its link word and new value.
    pub on_set: Callback<(&'static str, String)>,
    /// Another page chosen in the menu: a protocol's slug.
    pub on_page: Callback<String>,
}

fn choices(word: &'static str, current: u32, preset: &[u32], p: &RingSettingsProps) -> Html {
    let mut values: Vec<u32> = preset.to_vec();
    if !values.contains(&current) {
        values.push(current);
        values.sort_unstable();
    }
    let onchange = p
        .on_set
        .reform(move |e: Event| (word, e.target_unchecked_into::<HtmlSelectElement>().value()));
    html! {
        <label>{ format!("{word} ") }
            <select data-testid={format!("ring-{word}")} {onchange}>
                { for values.iter().map(|v| html! { <option value={v.to_string()} selected={*v == current}>{ v }</option> }) }
            </select>
        </label>
    }
}

/// The page menu and the ring's settings.
#[function_component]
pub fn RingSettings(p: &RingSettingsProps) -> Html {
    let nodes: Vec<u32> = (1..=MAX_NODES).collect();
    let replicas: Vec<u32> = (1..=MAX_REPLICAS).collect();
    let vnodes: Vec<u32> = [1, 2, 4, 8, 16, 32, MAX_VNODES].to_vec();
    let keys: Vec<u32> = [20, 60, 120, 200, MAX_KEYS].to_vec();
    let on_page = p
        .on_page
        .reform(|e: Event| e.target_unchecked_into::<HtmlSelectElement>().value());
    let on_seed = p.on_set.reform(|e: Event| {
        (
            "seed",
            e.target_unchecked_into::<HtmlInputElement>().value(),
        )
    });
    html! {
        <div class="settings">
            <label>{ "protocol " }
                <select data-testid="protocol" onchange={on_page}>
                    { for ProtocolKind::ALL.iter().map(|k| html! { <option value={k.slug()}>{ k.title() }</option> }) }
                    <option value="ring" selected=true>{ "Consistent hashing (ring)" }</option>
                </select>
            </label>
            { choices("nodes", p.nodes, &nodes, p) }
            { choices("vnodes", p.vnodes, &vnodes, p) }
            { choices("keys", p.keys, &keys, p) }
            { choices("replicas", p.replicas, &replicas, p) }
            <label>{ "seed " }
                <input data-testid="ring-seed" type="number" min="0" value={p.seed.to_string()} onchange={on_seed} />
            </label>
        </div>
    }
}
