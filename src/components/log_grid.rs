//! The state table under the cluster: every node's log lined up by index (RaftScope's view),
//! Multi-Paxos's slots, the single-decree acceptors' promises, or 2PC's transactions. Rows are
//! nodes, the names stay put on the left while the cells scroll sideways and follow the newest
//! entries. Collapsible; the embed starts it closed.

use crate::components::cluster::term_hue;
use crate::ui_state::Shared;
use lab_engine::node::{StateTable, TableCell, TableRow};
use lab_engine::NodeId;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LogGridProps {
    /// Rebuilt by the app only when the event count changes, so an idle frame skips this.
    pub table: Shared<StateTable>,
    /// The embed's form: closed at first behind a small button, opening over the cluster, so
    /// the cluster keeps its room.
    pub compact: bool,
    /// Leaders a higher term has replaced elsewhere: their rows say "stale", as their nodes do.
    pub stale: Vec<NodeId>,
}

/// Sizes in CSS px: the SVG is drawn one unit per pixel, so text never shrinks below 11 px.
const HEAD: f64 = 20.0;
const CELL_H: f64 = 32.0;
const MARKS_H: f64 = 14.0;
const GAP: f64 = 4.0;
/// A log column's width; named and transaction columns fit their longest text.
const LOG_W: f64 = 38.0;

fn text_width(s: &str, px: f64) -> f64 {
    s.chars().count() as f64 * px * 0.62
}

/// Each column's width, from its header and the texts under it.
fn widths(t: &StateTable) -> Vec<f64> {
    t.columns
        .iter()
        .map(|(k, name)| {
            if t.log {
                return LOG_W.max(text_width(name, 11.0) + 8.0);
            }
            let cells = t
                .rows
                .iter()
                .flat_map(|r| r.cells.iter().filter(|c| c.key == *k));
            cells
                .map(|c| (text_width(&c.text, 13.0) * 1.1).max(text_width(&c.sub, 11.0)))
                .fold(text_width(name, 11.0), f64::max)
                + 18.0
        })
        .map(|w: f64| w.max(LOG_W).ceil())
        .collect()
}

fn row_h(t: &StateTable) -> f64 {
    GAP + CELL_H + if t.log { MARKS_H } else { GAP }
}

fn cell(node: u8, c: &TableCell, log: bool, x: f64, y: f64, w: f64) -> Html {
    let solid = c.committed || c.tone == "field";
    let toned = matches!(c.tone, "commit" | "abort" | "pending" | "blocked" | "empty");
    let hue = term_hue(c.term);
    let (fill, stroke) = if toned || c.term == 0 {
        (None, None)
    } else if solid {
        (
            Some(format!("hsl({hue} 62% 62%)")),
            Some(format!("hsl({hue} 55% 32%)")),
        )
    } else {
        (
            Some(format!("hsl({hue} 62% 62% / 0.22)")),
            Some(format!("hsl({hue} 60% 45%)")),
        )
    };
    let id = if log {
        format!("log-cell-{node}-{}", c.key)
    } else {
        format!("state-cell-{node}-{}", c.key)
    };
    let class = classes!(
        "gcell",
        if solid { "solid" } else { "pending" },
        (!c.tone.is_empty()).then(|| format!("tone-{}", c.tone)),
        (fill.is_none() && !toned).then_some("plain")
    );
    let cx = x + w / 2.0 - GAP / 2.0;
    let two = !c.sub.is_empty();
    html! {
        <g {class} data-testid={id} data-term={c.term.to_string()} data-committed={c.committed.to_string()}>
            <title>{ c.detail.clone() }</title>
            <rect x={x.to_string()} y={y.to_string()} width={(w - GAP).to_string()} height={CELL_H.to_string()} rx="4"
                fill={fill} stroke={stroke} />
            <text class="main" x={cx.to_string()} y={(y + if two { 14.0 } else { 20.5 }).to_string()}>{ c.text.clone() }</text>
            if two {
                <text class="sub" x={cx.to_string()} y={(y + 27.0).to_string()}>{ c.sub.clone() }</text>
            }
        </g>
    }
}

/// Columns a snapshot box spans: enough for "+N compacted", and no more, so it stays in view
/// beside the log however long the compacted prefix.
const SNAPSHOT_COLUMNS: usize = 3;

/// A Raft snapshot (log compaction): one box just left of the row's first entry, over the
/// columns of the last entries it replaced; nothing when those scrolled out of the table.
fn snapshot(node: u8, c: &TableCell, t: &StateTable, xs: &[f64], ws: &[f64], y: f64) -> Html {
    let covered: Vec<usize> = (0..t.columns.len())
        .filter(|&i| t.columns[i].0 <= c.key)
        .collect();
    let covered = &covered[covered.len().saturating_sub(SNAPSHOT_COLUMNS)..];
    let (Some(&a), Some(&b)) = (covered.first(), covered.last()) else {
        return Html::default();
    };
    let (x, w) = (xs[a], xs[b] + ws[b] - xs[a]);
    let hue = term_hue(c.term);
    let cx = x + w / 2.0 - GAP / 2.0;
    // A one-column box has room for the index only; the count goes in the tooltip.
    let two = text_width(&c.sub, 11.0) + 6.0 <= w - GAP;
    html! {
        <g class="gcell solid snapshot" data-testid={format!("log-snapshot-{node}")}
            data-index={c.key.to_string()} data-term={c.term.to_string()}>
            <title>{ c.detail.clone() }</title>
            <rect x={x.to_string()} y={y.to_string()} width={(w - GAP).to_string()} height={CELL_H.to_string()} rx="4"
                fill={format!("hsl({hue} 30% 80%)")} stroke={format!("hsl({hue} 40% 30%)")} />
            <text class="main" x={cx.to_string()} y={(y + if two { 14.0 } else { 20.5 }).to_string()}>{ c.text.clone() }</text>
            if two {
                <text class="sub" x={cx.to_string()} y={(y + 27.0).to_string()}>{ c.sub.clone() }</text>
            }
        </g>
    }
}

fn row(t: &StateTable, r: &TableRow, xs: &[f64], ws: &[f64], y: f64) -> Html {
    let col = |key: u64| t.columns.iter().position(|(k, _)| *k == key);
    let cells = r.cells.iter().filter_map(|c| {
        let i = col(c.key)?;
        Some(cell(r.node.0, c, t.log, xs[i], y + GAP, ws[i]))
    });
    // Marks under their column; several on one column share it.
    let mut marks: Vec<(usize, String, Vec<&'static str>)> = Vec::new();
    for m in &r.marks {
        let Some(i) = col(m.key) else { continue };
        match marks.iter_mut().find(|(j, _, _)| *j == i) {
            Some((_, g, kinds)) => {
                g.push_str(m.glyph);
                kinds.push(m.kind);
            }
            None => marks.push((i, m.glyph.to_string(), vec![m.kind])),
        }
    }
    let my = y + GAP + CELL_H + 11.5;
    html! {
        <g class={classes!("grow", (!r.up).then_some("down"))} data-testid={format!("grid-row-{}", r.node.0)}>
            { for r.snapshot.iter().map(|c| snapshot(r.node.0, c, t, xs, ws, y + GAP)) }
            { for cells }
            { for marks.into_iter().map(|(i, glyphs, kinds)| html! {
                <text class={classes!("gmark", kinds.join(" "))} x={(xs[i] + ws[i] / 2.0 - GAP / 2.0).to_string()} y={my.to_string()}>
                    { glyphs }
                </text>
            }) }
        </g>
    }
}

#[function_component]
pub fn LogGrid(p: &LogGridProps) -> Html {
    let t = &*p.table;
    let scroller = use_node_ref();
    {
        // Follow the newest entries: whenever a column is added, scroll to the right end.
        let scroller = scroller.clone();
        let last = t.columns.last().map(|c| c.0);
        use_effect_with(last, move |_| {
            if let Some(el) = scroller.cast::<web_sys::Element>() {
                el.set_scroll_left(el.scroll_width());
            }
        });
    }
    let ws = widths(t);
    let xs: Vec<f64> = ws
        .iter()
        .scan(GAP, |x, w| {
            let at = *x;
            *x += w;
            Some(at)
        })
        .collect();
    let width = xs.last().zip(ws.last()).map_or(GAP, |(x, w)| x + w) + GAP;
    let rh = row_h(t);
    let height = HEAD + rh * t.rows.len() as f64;
    let heads = t.rows.iter().map(|r| {
        let marks: Vec<&str> = r
            .marks
            .iter()
            .map(|m| m.label.as_str())
            .collect();
        html! {
            <li class={classes!("rhead", (!r.up).then_some("down"))}>
                <span class="line"><b class="id">{ r.node.to_string() }</b>
                    if p.stale.contains(&r.node) {
                        <span class="stale-tag">{ "stale " }</span>
                    }
                    { for r.notes.first().map(|n| html! { <span class="note">{ n.clone() }</span> }) }</span>
                if !marks.is_empty() {
                    <span class="line marks">{ marks.join(" · ") }</span>
                }
            </li>
        }
    });
    let corner = if t.hidden > 0 {
        format!("← {} older", t.hidden)
    } else if t.unit.is_empty() {
        "node".to_string()
    } else {
        format!("{} →", t.unit)
    };
    let empty = t.columns.is_empty();
    html! {
        <details class={classes!("log-grid", if p.compact { "compact" } else { "panel" }, if t.log { "is-log" } else { "is-table" })}
            data-testid="log-grid" open={!p.compact}>
            if p.compact {
                <summary title={t.title.clone()}>{ if t.log { "log grid" } else { "state table" } }</summary>
            } else {
                <summary>{ t.title.clone() }</summary>
            }
            <div class="grid-panel">
            <div class="grid-body" data-testid="state-table">
                <ul class="rheads">
                    <li class="corner">{ corner }</li>
                    { for heads }
                </ul>
                <div class="grid-scroll" ref={scroller}>
                    if empty {
                        <p class="hint">{ "Nothing logged yet." }</p>
                    } else {
                        <svg class="grid" width={width.to_string()} height={height.to_string()}
                            viewBox={format!("0 0 {width} {height}")} role="img" aria-label={t.title.clone()}>
                            { for t.columns.iter().enumerate().map(|(i, (_, name))| html! {
                                <text class="col-head" x={(xs[i] + ws[i] / 2.0 - GAP / 2.0).to_string()} y="14">{ name.clone() }</text>
                            }) }
                            { for t.rows.iter().enumerate().map(|(j, r)| row(t, r, &xs, &ws, HEAD + rh * j as f64)) }
                        </svg>
                    }
                </div>
            </div>
            <ul class="grid-legend">
                { for t.legend.iter().enumerate().map(|(i, l)| html! {
                    <li>
                        if i == 0 {
                            <span class="swatch cell" aria-hidden="true"></span>
                            <span class="swatch cell pending" aria-hidden="true"></span>
                        }
                        { l.clone() }
                    </li>
                }) }
            </ul>
            </div>
        </details>
    }
}
