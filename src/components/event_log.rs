//! The narrated event log, newest first, filterable by node and kind; a click seeks there.

use crate::app::{App, Msg};
use lab_engine::sim::LogLine;
use lab_engine::time::fmt_time;
use lab_engine::NodeId;
use web_sys::HtmlSelectElement;
use yew::html::Scope;
use yew::prelude::*;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub node: Option<NodeId>,
    pub category: Option<String>,
}

const CATEGORIES: [&str; 5] = ["message", "timer", "request", "loss", "action"];

pub fn view(lines: &[LogLine], f: &Filter, nodes: usize, link: &Scope<App>) -> Html {
    let shown = lines
        .iter()
        .rev()
        .filter(|l| f.node.is_none() || l.node == f.node)
        .filter(|l| f.category.as_deref().is_none_or(|c| c == l.category))
        .take(120);
    let on_node = {
        let f = f.clone();
        link.callback(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            Msg::Filter(Filter {
                node: v.parse::<u8>().ok().map(NodeId),
                ..f.clone()
            })
        })
    };
    let on_kind = {
        let f = f.clone();
        link.callback(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            Msg::Filter(Filter {
                category: (!v.is_empty()).then_some(v),
                ..f.clone()
            })
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
            <ol>
                { for shown.map(|l| {
                    let k = l.index;
                    html! {
                        <li key={k} class={classes!(l.category, l.violation.then_some("violation"))} data-event={k.to_string()}
                            title="go to this event" onclick={link.callback(move |_| Msg::SeekEvent(k))}>
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
