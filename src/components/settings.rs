//! The run's settings: protocol, size, seed, network, options and buggy variants. Changing
//! anything but the network starts a new run; network changes are recorded actions.

use lab_engine::sim::history::Action;
use lab_engine::{NetworkSettings, ProtocolKind, Settings, MS};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub settings: Settings,
    pub network: NetworkSettings,
    /// A new run with these settings.
    pub on_configure: Callback<Settings>,
    /// Network changes are recorded actions of the current run.
    pub on_action: Callback<Action>,
    pub on_reset: Callback<()>,
    pub on_copy_link: Callback<()>,
    /// Copy embed code: opens its dialog.
    pub on_embed: Callback<()>,
    /// The consistent-hashing page chosen in the protocol menu.
    pub on_ring: Callback<()>,
}

const SIZES: [usize; 9] = [3, 4, 5, 6, 7, 8, 9, 15, 25];

fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlSelectElement>().value()
}
fn input_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

#[function_component(SettingsBar)]
pub fn settings_bar(p: &SettingsProps) -> Html {
    let (s, net) = (&p.settings, &p.network);
    let with = |f: fn(&mut Settings, String)| {
        let s = s.clone();
        p.on_configure.reform(move |e: Event| {
            let mut next = s.clone();
            f(&mut next, select_or_input(&e));
            next
        })
    };
    let on_protocol = {
        let s = s.clone();
        let (configure, ring) = (p.on_configure.clone(), p.on_ring.clone());
        Callback::from(move |e: Event| {
            let value = select_value(&e);
            if value == "ring" {
                return ring.emit(());
            }
            let p = ProtocolKind::parse(&value).unwrap_or(ProtocolKind::Raft);
            configure.emit(Settings {
                nodes: s.nodes,
                seed: s.seed,
                ..Settings::for_protocol(p)
            })
        })
    };
    let network = |f: fn(&mut NetworkSettings, f64)| {
        let net = net.clone();
        p.on_action.reform(move |e: Event| {
            let mut n = net.clone();
            match input_value(&e).trim().parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => {
                    f(&mut n, v);
                    Action::SetNetwork { network: n }
                }
                _ => Action::SetNetwork {
                    network: NetworkSettings {
                        latency_min: 0,
                        ..n
                    },
                },
            }
        })
    };
    let bugs = s.protocol.entry().bugs.iter().copied().map(|b| {
        let on = s.bugs.contains(&b);
        let st = s.clone();
        let onchange = p.on_configure.reform(move |_| {
            let mut next = st.clone();
            if on {
                next.bugs.retain(|x| *x != b);
            } else {
                next.bugs.push(b);
            }
            next
        });
        html! {
            <label class="toggle bug" title={b.describe()}>
                <input type="checkbox" data-testid={format!("bug-{}", b.slug())} checked={on} {onchange} />
                { format!(" {}", b.slug()) }
                <span class="why">{ b.why() }</span>
            </label>
        }
    });
    let options = s.protocol.entry().options.iter().map(|&o| {
        let st = s.clone();
        let on = o.get(s);
        let onchange = p.on_configure.reform(move |_| {
            let mut next = st.clone();
            o.set(&mut next, !on);
            next
        });
        html! {
            <label class="toggle" title={o.describe()}>
                <input type="checkbox" data-testid={format!("opt-{}", o.slug())} checked={on} {onchange} />
                { format!(" {}", o.slug().replace('-', " ")) }
                <span class="why">{ o.describe() }</span>
            </label>
        }
    });
    let ms = |t: u64| format!("{}", t as f64 / MS as f64);
    html! {
        <div class="settings">
            <label>{ "protocol " }
                <select data-testid="protocol" onchange={on_protocol}>
                    { for ProtocolKind::ALL.iter().map(|p| html! {
                        <option value={p.slug()} selected={*p == s.protocol}>{ p.title() }</option>
                    }) }
                    <option value="ring">{ "Consistent hashing (ring)" }</option>
                </select>
            </label>
            <label>{ "nodes " }
                <select data-testid="cluster-size" onchange={with(|s, v| s.nodes = v.parse().unwrap_or(s.nodes))}>
                    { for SIZES.iter().map(|n| html! { <option value={n.to_string()} selected={*n == s.nodes}>{ n }</option> }) }
                </select>
            </label>
            <label>{ "seed " }
                <input data-testid="seed" type="number" min="0" value={s.seed.to_string()}
                    onchange={with(|s, v| s.seed = v.trim().parse().unwrap_or(s.seed))} />
            </label>
            <button data-testid="reset" title="start this run again from the beginning" onclick={p.on_reset.reform(|_| ())}>{ "↺ Reset" }</button>
            <button data-testid="copy-link" title="a link that replays this run exactly" onclick={p.on_copy_link.reform(|_| ())}>{ "Copy link" }</button>
            <button data-testid="embed-code" title="this run as an iframe, an element, an mdBook block or MDX" onclick={p.on_embed.reform(|_| ())}>{ "Embed…" }</button>
            <details class="more">
                <summary>{ "network & variants" }</summary>
                <div class="grid">
                    <label>{ "latency min (ms) " }<input data-testid="latency-min" type="number" min="0.001" step="1" value={ms(net.latency_min)}
                        onchange={network(|n, v| n.latency_min = (v * MS as f64) as u64)} /></label>
                    <label>{ "latency max (ms) " }<input data-testid="latency-max" type="number" min="0.001" step="1" value={ms(net.latency_max)}
                        onchange={network(|n, v| n.latency_max = (v * MS as f64) as u64)} /></label>
                    <label>{ "loss % " }<input data-testid="loss" type="number" min="0" max="100" step="1" value={format!("{}", net.loss_ppm as f64 / 10_000.0)}
                        onchange={network(|n, v| n.loss_ppm = (v * 10_000.0).round().min(2e6) as u32)} /></label>
                    <label>{ "duplication % " }<input data-testid="dup" type="number" min="0" max="100" step="1" value={format!("{}", net.dup_ppm as f64 / 10_000.0)}
                        onchange={network(|n, v| n.dup_ppm = (v * 10_000.0).round().min(2e6) as u32)} /></label>
                    <label title="each node's clock runs at its own rate within this bound, so its timers fire early or late (Raft thesis §6.4.1)">{ "clock drift % " }
                        <input data-testid="drift" type="number" min="0" max="50" step="1" value={format!("{}", s.drift_ppm as f64 / 10_000.0)}
                            onchange={with(|s, v| {
                                // Out of range stays out of range, so the run's check names it.
                                if let Ok(pct) = v.trim().parse::<f64>() {
                                    if pct.is_finite() && pct >= 0.0 {
                                        s.drift_ppm = (pct * 10_000.0).round().min(2e6) as u32;
                                    }
                                }
                            })} /></label>
                    { for options }
                </div>
                <div class="bugs" data-testid="bugs"><span class="label">{ "buggy variants: " }</span>{ for bugs }</div>
            </details>
        </div>
    }
}

fn select_or_input(e: &Event) -> String {
    let t = e.target_unchecked_into::<web_sys::Element>();
    if t.tag_name() == "SELECT" {
        select_value(e)
    } else {
        input_value(e)
    }
}
