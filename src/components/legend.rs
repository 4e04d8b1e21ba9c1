//! What the colours, rings, cells and marks mean, for the protocol shown: its node colours
//! from its catalog entry and its message kinds, so the legend says what this protocol draws
//! and nothing another one does. Collapsible; in the embed a small "?".

use crate::components::cluster::kind_class;
use lab_engine::ProtocolKind;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LegendProps {
    /// Whose node colours and message kinds to explain.
    pub protocol: ProtocolKind,
    /// The embed's compact form: a "?" that opens the legend over the cluster.
    pub compact: bool,
}

#[function_component]
pub fn Legend(p: &LegendProps) -> Html {
    let role = |class: &'static str, text: &'static str| {
        html! { <li data-legend={class}><span class={classes!("swatch", "node-swatch", class)} aria-hidden="true"></span>{ text }</li> }
    };
    let protocol = p.protocol;
    let words = protocol.entry().words;
    let roles = protocol
        .entry()
        .legend
        .iter()
        .map(|&(class, text)| role(class, text));
    let summary = if p.compact {
        html! { <summary title="legend" aria-label="legend">{ "?" }</summary> }
    } else {
        html! { <summary>{ "Legend: colours, rings and marks" }</summary> }
    };
    html! {
        <details class={classes!("legend", if p.compact { "compact" } else { "panel" })} data-testid="legend">
            { summary }
            <div class="legend-body">
                <section>
                    <h3>{ "Nodes" }</h3>
                    <ul>
                        { for roles }
                        { role("role-crashed", "crashed") }
                        <li><span class="swatch ring" aria-hidden="true"></span>{ "ring: time left on the node's next timer" }</li>
                    </ul>
                </section>
                <section>
                    <h3>{ "Log cells" }</h3>
                    <ul>
                        <li data-words="cell-solid"><span class="swatch cell" aria-hidden="true"></span>{ words.solid }</li>
                        { for words.outcomes.iter().map(|(d, text)| html! {
                            <li data-words={format!("cell-{}", d.slug())}><span class={classes!("swatch", "cell", format!("tone-{}", d.slug()))} aria-hidden="true"></span>{ *text }</li>
                        }) }
                        <li data-words="cell-pale"><span class="swatch cell pending" aria-hidden="true"></span>{ words.pale }</li>
                        <li data-words="older"><span class="sample">{ "12…" }</span>{ format!("12 older {} not drawn", words.older) }</li>
                    </ul>
                </section>
                <section>
                    <h3>{ "Messages" }</h3>
                    <ul>
                        { for protocol.message_kinds().iter().map(|k| html! {
                            <li data-legend={*k}><span class={classes!("swatch", "dot", kind_class(protocol, k))} aria-hidden="true"></span>{ *k }</li>
                        }) }
                        <li><span class="swatch dot doomed" aria-hidden="true"></span>{ "red dashed rim: will be lost" }</li>
                        <li><span class="sample bad">{ "✕" }</span>{ "lost here" }</li>
                        <li><span class="sample bad">{ "✂" }</span>{ "cut link (partition)" }</li>
                    </ul>
                </section>
                if !p.compact {
                    <section>
                        <h3>{ "Timeline marks" }</h3>
                        <ul>
                            <li data-words="mark-leader"><span class="swatch bar leader" aria-hidden="true"></span>{ words.leader.0 }</li>
                            <li data-words="mark-commit"><span class="swatch bar commit" aria-hidden="true"></span>{ words.commit.0 }</li>
                            <li><span class="swatch bar fault" aria-hidden="true"></span>{ "a fault or repair you caused" }</li>
                            <li><span class="swatch bar violation" aria-hidden="true"></span>{ "an invariant violated" }</li>
                        </ul>
                    </section>
                }
            </div>
        </details>
    }
}
