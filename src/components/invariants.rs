//! One line per invariant: green while it holds, red with the explanation once broken.

use crate::ui_state::Shared;
use lab_engine::invariants::InvariantInfo;
use lab_engine::sim::history::ViolationRecord;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct InvariantsProps {
    pub all: &'static [InvariantInfo],
    pub violations: Shared<Vec<ViolationRecord>>,
    /// Which run of a comparison this panel checks.
    #[prop_or_default]
    pub side: Option<AttrValue>,
}

#[function_component]
pub fn Invariants(p: &InvariantsProps) -> Html {
    let (all, violations) = (p.all, &p.violations);
    html! {
        <section class="panel invariants" data-testid="invariants" aria-label="invariants">
            <h2>{ "Invariants" }<small>{ p.side.as_ref().map_or_else(|| " checked after every event".to_string(), |s| format!(" {s}")) }</small></h2>
            <ul>
                { for all.iter().map(|i| {
                    let broken = violations.iter().find(|v| v.violation.invariant == i.name);
                    html! {
                        <li class={if broken.is_some() { "broken" } else { "holds" }}
                            data-invariant={i.name} data-holds={broken.is_none().to_string()}
                            title={format!("{} ({})", i.statement, i.source)}>
                            <span class="mark" aria-hidden="true">{ if broken.is_some() { "✗" } else { "✓" } }</span>
                            <span class="name">{ i.name }</span>
                            <span class="state">{ if broken.is_some() { " violated" } else { " holds" } }</span>
                            // Why it matters, always in view: not only in a tooltip.
                            <p class="about">{ i.statement }<cite>{ format!(" ({})", i.source) }</cite></p>
                            { broken.map(|v| html! { <p class="why">{ &v.violation.explanation }</p> }) }
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
