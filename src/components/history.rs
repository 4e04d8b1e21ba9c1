//! The History view, in Porcupine's manner: one row per client, each operation a bar from
//! invocation to completion (open-ended when indeterminate) with a tick where it takes effect,
//! each key's ticks joined in the order the check found; on a violation the operation that
//! cannot be placed and the illegal candidates marked, and the check's sentence above. An
//! annotation lane marks faults and leader changes. Hover or tap shows an operation's model
//! state before and after; on the run's own history a click also moves the timeline there.
//! Everything drawn comes from the engine's [`HistoryView`], laid out by its `layout`.

use crate::ui_state::Shared;
use lab_engine::lin::view::{Bar, HistoryView, Role};
use lab_engine::lin::{OpId, Verdict};
use yew::prelude::*;

/// Bar text is 12 px monospace: about this wide a character, with this much padding.
const CHAR_W: f64 = 7.4;
const PAD: f64 = 14.0;
const GAP: f64 = 10.0;
/// Room left of the first column inside the scrolling drawing; the client names stay put
/// beside it, so they remain in view however far the reader scrolls.
const LEFT: f64 = 8.0;
const ROW_H: f64 = 34.0;
const BAR_H: f64 = 24.0;
/// The annotation lane's height, when there are annotations.
const LANE_H: f64 = 24.0;
const RIGHT: f64 = 16.0;

#[derive(Properties, PartialEq)]
pub struct HistoryProps {
    pub view: Shared<HistoryView>,
    /// Where the history comes from.
    pub title: AttrValue,
    /// The verdict with its sentence, or the check's progress.
    pub status: AttrValue,
    pub running: bool,
    /// The run's own history: a click on a bar moves the timeline there.
    pub seekable: bool,
    /// An imported history, which the reader may close.
    pub closable: bool,
    pub on_seek: Callback<OpId>,
    pub on_cancel: Callback<()>,
    pub on_close: Callback<()>,
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Linearizable => "linearizable",
        Verdict::NotLinearizable => "not-linearizable",
        Verdict::Unknown => "unknown",
    }
}

fn role_class(r: Role) -> &'static str {
    match r {
        Role::Placed { .. } => "placed",
        Role::Stuck => "stuck",
        Role::Illegal => "illegal",
        Role::Beyond => "beyond",
        Role::Free => "free",
        Role::Undecided => "undecided",
    }
}

#[function_component(ClientHistory)]
pub fn client_history(p: &HistoryProps) -> Html {
    // The operation whose details show: the one under the pointer, else the one last tapped.
    let hovered = use_state(|| None::<OpId>);
    let picked = use_state(|| None::<OpId>);
    let scroller = use_node_ref();
    let v = &*p.view;
    let x = v.layout(CHAR_W, PAD, GAP);
    let last = x.last().copied().unwrap_or(0.0);
    let col = |c: f64| {
        let i = (c.floor() as usize).min(x.len().saturating_sub(1));
        let next = x.get(i + 1).copied().unwrap_or(x[i] + GAP);
        LEFT + x[i] + (c - i as f64) * (next - x[i])
    };
    let top = if v.notes.is_empty() {
        6.0
    } else {
        LANE_H + 6.0
    };
    let row_y = |r: usize| top + r as f64 * ROW_H;
    let width = LEFT + last + RIGHT;
    let height = row_y(v.rows.len()) + 4.0;
    let bottom = height - 4.0;

    let rows = v.rows.iter().enumerate().map(|(r, _)| {
        let y = row_y(r) + ROW_H / 2.0;
        html! {
            <line class="client-row" x1={LEFT.to_string()} x2={(width - RIGHT).to_string()} y1={y.to_string()} y2={y.to_string()} />
        }
    });
    let names = html! {
        // Heights in the style sheet (34 px rows; 6 px, or 30 px with the annotation lane, above
        // them): a strict Content-Security-Policy refuses inline styles.
        <div class={classes!("history-names", (!v.notes.is_empty()).then_some("lane"))} aria-hidden="true">
            { for v.rows.iter().map(|name| html! { <div class="client-name">{ name }</div> }) }
        </div>
    };
    let notes = v.notes.iter().map(|n| {
        let nx = col(n.column);
        html! {
            <g class={classes!("note", n.kind.word())}>
                <title>{ &n.detail }</title>
                <line x1={nx.to_string()} x2={nx.to_string()} y1="4" y2={bottom.to_string()} />
                <text x={(nx + 4.0).to_string()} y="16">{ &n.text }</text>
            </g>
        }
    });
    // Each key's order: its points joined, and from the last one to each illegal candidate.
    let point = |id: OpId| {
        let b = v.bars.get(id)?;
        Some((col(b.point?), row_y(b.row) + ROW_H / 2.0))
    };
    let active_key = (*hovered)
        .or(*picked)
        .and_then(|id| v.bars.get(id))
        .map(|b| b.key.clone());
    let orders = v.orders.iter().map(|o| {
        let pts: Vec<(f64, f64)> = o.ops.iter().filter_map(|&id| point(id)).collect();
        let line: Vec<String> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let from = pts.last().copied();
        let illegal = o.illegal.iter().filter_map(|&id| Some((from?, point(id)?)));
        let lit = active_key.as_ref() == Some(&o.key);
        html! {
            <g class={classes!("order", lit.then_some("lit"))}>
                <polyline points={line.join(" ")} />
                { for illegal.map(|((x1, y1), (x2, y2))| html! {
                    <line class="illegal-edge" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
                }) }
            </g>
        }
    });
    let bar = |b: &Bar| {
        let y = row_y(b.row) + (ROW_H - BAR_H) / 2.0;
        let x0 = col(b.start);
        let x1 = b.end.map_or(LEFT + last, col);
        let id = b.id;
        let onclick = {
            let (picked, seek, seekable) = (picked.clone(), p.on_seek.clone(), p.seekable);
            Callback::from(move |_: MouseEvent| {
                picked.set(Some(id));
                if seekable {
                    seek.emit(id);
                }
            })
        };
        let enter = {
            let hovered = hovered.clone();
            Callback::from(move |_: MouseEvent| hovered.set(Some(id)))
        };
        let leave = {
            let hovered = hovered.clone();
            Callback::from(move |_: MouseEvent| hovered.set(None))
        };
        // Notches above and below the bar, clear of its text; an indeterminate operation
        // taking effect after its client gave up reaches there along its row.
        let tick = b.point.map(|pt| {
            let px = col(pt);
            let (a, z) = (y - 4.0, y + BAR_H + 4.0);
            let reach = (px > x1).then(|| {
                let mid = y + BAR_H / 2.0;
                html! { <line class="late" x1={x1.to_string()} x2={px.to_string()} y1={mid.to_string()} y2={mid.to_string()} /> }
            });
            html! {
                <>
                    { reach }
                    <line class="lp" x1={px.to_string()} x2={px.to_string()} y1={a.to_string()} y2={(y + 5.0).to_string()} />
                    <line class="lp" x1={px.to_string()} x2={px.to_string()} y1={(y + BAR_H - 5.0).to_string()} y2={z.to_string()} />
                </>
            }
        });
        let chosen = *picked == Some(id) || *hovered == Some(id);
        html! {
            <g class={classes!("op", b.ending.word(), role_class(b.role), b.end.is_none().then_some("open"), chosen.then_some("chosen"))}
                data-testid={format!("history-op-{id}")} data-client={b.client.clone()} data-result={b.ending.word()}
                data-role={role_class(b.role)} data-at={b.completed.unwrap_or(b.invoked).to_string()} role="button" tabindex="0" aria-label={b.detail.join("; ")}
                onclick={onclick} onmouseenter={enter} onmouseleave={leave}>
                <rect x={x0.to_string()} y={y.to_string()} width={(x1 - x0).max(2.0).to_string()} height={BAR_H.to_string()} rx="4" />
                <text x={(x0 + 6.0).to_string()} y={(y + BAR_H / 2.0 + 4.0).to_string()}>{ b.text() }</text>
                { tick }
            </g>
        }
    };
    // The moment the run shows: the timeline's place in the history, kept in view as it
    // moves (the newest operations while the run plays).
    let now_x = v.now.map(|c| if c < 0.0 { LEFT } else { col(c) });
    {
        let scroller = scroller.clone();
        use_effect_with(now_x.map(|x| x as i64), move |x| {
            let el = scroller.cast::<web_sys::Element>();
            if let (Some(el), Some(x)) = (el, *x) {
                let (left, wide) = (el.scroll_left(), el.client_width());
                if (x as i32) < left + 20 || (x as i32) > left + wide - 20 {
                    el.set_scroll_left(x as i32 - wide * 3 / 4);
                }
            }
        });
    }
    let now = now_x.map(|nx| {
        html! {
            <g class="now-line" data-testid="history-now">
                <line x1={nx.to_string()} x2={nx.to_string()} y1={(top - 4.0).to_string()} y2={bottom.to_string()} />
            </g>
        }
    });
    let shown = (*hovered).or(*picked).and_then(|id| v.bars.get(id));
    let detail = match shown {
        Some(b) => html! {
            <ul class="history-detail" data-testid="history-detail" data-op={b.id.to_string()}>
                { for b.detail.iter().map(|l| html! { <li>{ l }</li> }) }
                if p.seekable {
                    <li class="hint">{ "Click the bar to move the timeline to its moment." }</li>
                }
            </ul>
        },
        None => html! {
            <p class="history-detail hint" data-testid="history-detail">
                { "Point at or tap an operation: where it takes effect, and the value before and after." }
            </p>
        },
    };
    let on_cancel = p.on_cancel.reform(|_: MouseEvent| ());
    let on_close = p.on_close.reform(|_: MouseEvent| ());
    let word = verdict_word(v.verdict);
    html! {
        <section class="history" data-testid="history-view" aria-label="client history">
            <header class="history-head">
                <h3>{ "History" }</h3>
                <span class={classes!("verdict", word)} data-testid="history-verdict" data-verdict={word}>
                    { word.replace('-', " ") }
                </span>
                <span class="history-title">{ p.title.clone() }</span>
                if p.running {
                    <button data-testid="history-cancel" onclick={on_cancel}>{ "Cancel check" }</button>
                }
                if p.closable {
                    <button data-testid="history-close" onclick={on_close}>{ "Close" }</button>
                }
            </header>
            <p class={classes!("history-status", word)} data-testid="history-status" role="status">{ p.status.clone() }</p>
            <div class="history-body">
            { names }
            <div class="history-scroll" ref={scroller}>
                <svg class="history-svg" width={width.to_string()} height={height.to_string()}
                    viewBox={format!("0 0 {width:.1} {height:.1}")} role="img" aria-label="client operations in time order">
                    { for rows }
                    { for notes }
                    { for orders }
                    { for v.bars.iter().map(bar) }
                    { now }
                </svg>
            </div>
            </div>
            { detail }
            <p class="history-legend">
                { "Bars run from invocation to completion, in order of events (not to scale); dashed: indeterminate, it may take effect even after \
                   its client gave up (info); open-ended: no reply yet. A tick is where the operation takes effect; a key's ticks are joined in the order found. \
                   Red: cannot be placed; dashed red: an illegal next step; faded: failed or unplaced." }
            </p>
        </section>
    }
}
