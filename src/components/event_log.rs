//! The narrated event log, newest first, filterable by node and kind; a click seeks there.

use crate::ui_state::Shared;
use lab_engine::session::LogFilter;
use lab_engine::sim::LogLine;
use lab_engine::time::fmt_time;
use lab_engine::NodeId;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    pub lines: Shared<Vec<LogLine>>,
    pub filter: LogFilter,
    pub nodes: usize,
    /// The clock runs: fewer lines, see [`SHOWN_PLAYING`].
    pub playing: bool,
    pub on_filter: Callback<LogFilter>,
    /// Go to the moment right after this event.
    pub on_seek_event: Callback<u64>,
}

const CATEGORIES: [&str; 5] = ["message", "timer", "request", "loss", "action"];

/// The newest lines shown: about fifteen screens of the panel when the clock stands still.
const SHOWN: usize = 120;
/// While the clock runs, five screens: a fast run replaces dozens of lines every frame, each a
/// handful of elements, and nobody reads that far down a list that moves; pausing brings the
/// rest back.
const SHOWN_PLAYING: usize = 40;

#[function_component]
pub fn EventLog(p: &EventLogProps) -> Html {
    let (f, nodes) = (&p.filter, p.nodes);
    let shown = p
        .lines
        .iter()
        .rev()
        .filter(|l| f.node.is_none() || l.node == f.node)
        .filter(|l| f.category.as_deref().is_none_or(|c| c == l.category))
        .take(if p.playing { SHOWN_PLAYING } else { SHOWN });
    let on_node = {
        let f = f.clone();
        p.on_filter.reform(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            LogFilter {
                node: v.parse::<u8>().ok().map(NodeId),
                ..f.clone()
            }
        })
    };
    let on_kind = {
        let f = f.clone();
        p.on_filter.reform(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            LogFilter {
                category: (!v.is_empty()).then_some(v),
                ..f.clone()
            }
        })
    };
    // One listener for the list rather than one per line: a line says which event it is.
    let on_click = {
        let seek = p.on_seek_event.clone();
        Callback::from(move |e: MouseEvent| {
            let line = e
                .target_dyn_into::<web_sys::Element>()
                .and_then(|t| t.closest("li[data-event]").ok().flatten());
            if let Some(k) = line.and_then(|l| l.get_attribute("data-event")?.parse().ok()) {
                seek.emit(k);
            }
        })
    };
    html! {
        <section class="panel log" data-testid="event-log" aria-label="event log">
            <h2>{ "Events" }
                <select aria-label="filter by node" onchange={on_node}>
                    <option value="" selected={f.node.is_none()}>{ "all nodes" }</option>
                    { for NodeId::all(nodes).map(|n| html! { <option value={n.0.to_string()} selected={f.node == Some(n)}>{ n.to_string() }</option> }) }
                </select>
                <select aria-label="filter by kind" onchange={on_kind}>
                    <option value="" selected={f.category.is_none()}>{ "all kinds" }</option>
                    { for CATEGORIES.iter().map(|c| html! { <option value={*c} selected={f.category.as_deref() == Some(*c)}>{ *c }</option> }) }
                </select>
            </h2>
            <ol onclick={on_click}>
                { for shown.map(|l| {
                    let class = classes!(l.category, l.violation.then_some("violation"));
                    let event = l.index.to_string();
                    // Keyed: while playing, a few new lines arrive at the top each frame and
                    // the others stay. (A seek changes every line; patching each in place
                    // measured slower than building the list again.)
                    html! {
                        <li key={l.index} {class} data-event={event} title="go to this event">
                            <span class="t">{ fmt_time(l.time) }</span>
                            <span class="h">{ &l.headline }</span>
                            { for l.lines.iter().map(|x| html! { <span class="n">{ x }</span> }) }
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
