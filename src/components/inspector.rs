//! The selected node (its sections come from the protocol) or message (every field), with the
//! actions that apply to it.

use crate::ui_state::Shared;
use lab_engine::node::Section;
use lab_engine::session::{MemberOp, Offer};
use lab_engine::sim::history::{Action, MsgId};
use lab_engine::sim::view::MessageView;
use lab_engine::time::fmt_time;
use lab_engine::NodeId;
use yew::prelude::*;

/// What the inspector shows, as the engine describes it.
#[derive(Debug, PartialEq)]
pub enum Inspected {
    Nothing,
    Node {
        node: NodeId,
        up: bool,
        sections: Vec<Section>,
        /// Membership changes on this node (none with a fixed membership).
        offers: Vec<Offer>,
    },
    /// `None` once the message has arrived or died.
    Message {
        id: MsgId,
        found: Option<(MessageView, Vec<(String, String)>)>,
    },
}

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub data: Shared<Inspected>,
    pub on_action: Callback<Action>,
    pub on_timeout: Callback<NodeId>,
    pub on_member: Callback<MemberOp>,
    pub on_close: Callback<()>,
}

fn section(s: &Section) -> Html {
    match s {
        Section::Fields { title, fields } => html! {
            <div class="section">
                <h3>{ title }</h3>
                <dl>{ for fields.iter().map(|(k, v)| html! { <><dt>{ k }</dt><dd>{ v }</dd></> }) }</dl>
            </div>
        },
        Section::Table {
            title,
            columns,
            rows,
        } => html! {
            <div class="section">
                <h3>{ title }</h3>
                <div class="scroll">
                    <table>
                        <thead><tr>{ for columns.iter().map(|c| html! { <th>{ c }</th> }) }</tr></thead>
                        <tbody>{ for rows.iter().map(|r| html! { <tr>{ for r.iter().map(|c| html! { <td>{ c }</td> }) }</tr> }) }</tbody>
                    </table>
                </div>
            </div>
        },
    }
}

#[function_component]
pub fn Inspector(p: &InspectorProps) -> Html {
    let act = |a: Action| p.on_action.reform(move |_| a.clone());
    let body = match &*p.data {
        &Inspected::Node {
            node,
            up,
            ref sections,
            ref offers,
        } => {
            // A change the leader would refuse now stays pressable: it answers why.
            let member = offers.iter().map(|o| {
                let op = o.op;
                html! {
                    <button data-testid={op.test_id()} class={classes!(o.refusal.is_some().then_some("refused"))}
                        title={o.refusal.clone()} onclick={p.on_member.reform(move |_| op)}>{ o.label.clone() }</button>
                }
            });
            html! { <>
                <div class="actions">
                    if up {
                        <button data-testid="crash" onclick={act(Action::Crash { node })}>{ "Crash" }</button>
                    } else {
                        <button data-testid="restart" onclick={act(Action::Restart { node })}>{ "Restart" }</button>
                    }
                    <button data-testid="timeout" disabled={!up} onclick={p.on_timeout.reform(move |_| node)}>{ "Fire timeout" }</button>
                    <button data-testid="request" onclick={act(Action::Request { node, delta: 1 })}>{ "Client request" }</button>
                    <button data-testid="isolate" onclick={act(Action::Isolate { node })}>{ "Isolate" }</button>
                </div>
                if !offers.is_empty() {
                    <div class="actions membership" aria-label="membership">{ for member }</div>
                }
                { for sections.iter().map(section) }
            </> }
        }
        &Inspected::Message { id: msg, ref found } => match found {
            Some((m, fields)) => html! { <>
                <div class="actions">
                    <button data-testid="drop" onclick={act(Action::Drop { msg })}>{ "Drop" }</button>
                    <button data-testid="deliver" onclick={act(Action::Deliver { msg })}>{ "Deliver now" }</button>
                    <button data-testid="duplicate" onclick={act(Action::Duplicate { msg })}>{ "Duplicate" }</button>
                </div>
                <div class="section">
                    <h3>{ format!("#{} {}: {} → {}", m.id, m.kind, m.from, m.to) }</h3>
                    <dl>
                        <dt>{ "sent" }</dt><dd>{ fmt_time(m.sent) }</dd>
                        <dt>{ "arrives" }</dt><dd>{ fmt_time(m.arrives) }{ m.lost.map(|(r, _)| format!(" — will be lost: {}", r.describe())) }</dd>
                        { for fields.iter().map(|(k, v)| html! { <><dt>{ k }</dt><dd>{ v }</dd></> }) }
                    </dl>
                </div>
            </> },
            None => html! { <p class="hint">{ "That message has arrived or died." }</p> },
        },
        Inspected::Nothing => html! {
            <p class="hint">{ "Click a node or a message in flight to inspect it. Press ? for shortcuts." }</p>
        },
    };
    html! {
        <section class={classes!("panel", "inspector", (*p.data != Inspected::Nothing).then_some("open"))}
            data-testid="inspector" aria-label="inspector">
            <h2>{ "Inspector" }
                if *p.data != Inspected::Nothing {
                    <button class="close" data-testid="inspector-close" aria-label="close the inspector"
                        onclick={p.on_close.reform(|_| ())}>{ "×" }</button>
                }
            </h2>
            { body }
        </section>
    }
}
