//! What the colours, rings, cells and marks mean. Collapsible; in the embed a small "?".

use crate::components::cluster::kind_class;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LegendProps {
    /// The protocol's message kinds, each shown in its colour.
    pub kinds: &'static [&'static str],
    /// The embed's compact form: a "?" that opens the legend over the cluster.
    pub compact: bool,
}

#[function_component]
pub fn Legend(p: &LegendProps) -> Html {
    let role = |class: &'static str, text: &'static str| {
        html! { <li><span class={classes!("swatch", "node-swatch", class)} aria-hidden="true"></span>{ text }</li> }
    };
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
                        { role("role-leader", "leader") }
                        { role("stale", "stale leader: a higher term exists elsewhere") }
                        { role("role-follower", "follower") }
                        { role("role-candidate", "candidate") }
                        { role("role-other", "other states (acceptor, participant...)") }
                        { role("role-crashed", "crashed") }
                        <li><span class="swatch ring" aria-hidden="true"></span>{ "ring: time left on the node's next timer" }</li>
                    </ul>
                </section>
                <section>
                    <h3>{ "Log cells" }</h3>
                    <ul>
                        <li><span class="swatch cell" aria-hidden="true"></span>{ "solid: committed (colour = term)" }</li>
                        <li><span class="swatch cell pending" aria-hidden="true"></span>{ "pale, dashed: not committed yet" }</li>
                        <li><span class="sample">{ "12…" }</span>{ "12 older entries not drawn" }</li>
                    </ul>
                </section>
                <section>
                    <h3>{ "Messages" }</h3>
                    <ul>
                        { for p.kinds.iter().map(|k| html! {
                            <li><span class={classes!("swatch", "dot", kind_class(k))} aria-hidden="true"></span>{ *k }</li>
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
                            <li><span class="swatch bar leader" aria-hidden="true"></span>{ "a new leader" }</li>
                            <li><span class="swatch bar commit" aria-hidden="true"></span>{ "a commit" }</li>
                            <li><span class="swatch bar fault" aria-hidden="true"></span>{ "a fault or repair you caused" }</li>
                            <li><span class="swatch bar violation" aria-hidden="true"></span>{ "an invariant violated" }</li>
                        </ul>
                    </section>
                }
            </div>
        </details>
    }
}
