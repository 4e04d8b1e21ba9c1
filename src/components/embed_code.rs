//! Copy embed code: the run at the moment the dialog opened, for a docs writer's tool (iframe,
//! the `<consensus-lab>` element, an mdBook block, a line of MDX), with the presenter options
//! chosen here and a live preview. The engine writes the code (`session::embed_code`).

use lab_engine::session::{embed_code, Presenter, Speed, Theme, SPEEDS};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EmbedCodeProps {
    /// The lab's own address (its directory, ending in `/`).
    pub base: AttrValue,
    /// The run at the moment shown, as a link's query string.
    pub run: AttrValue,
    /// A title to start from (the tour's, or the protocol's name).
    pub title: AttrValue,
    pub on_close: Callback<()>,
}

fn checked(e: &Event) -> bool {
    e.target_unchecked_into::<HtmlInputElement>().checked()
}

#[function_component(EmbedCodeDialog)]
pub fn embed_code_dialog(p: &EmbedCodeProps) -> Html {
    let opts = use_state(|| Presenter {
        title: p.title.to_string(),
        ..Presenter::default()
    });
    let code = embed_code(&p.base, &p.run, &opts);
    let set = |f: fn(&mut Presenter, &Event)| {
        let opts = opts.clone();
        Callback::from(move |e: Event| {
            let mut next = (*opts).clone();
            f(&mut next, &e);
            opts.set(next);
        })
    };
    let field = |id: &'static str, label: &'static str, text: &str| {
        // Selecting the whole field on focus: one keystroke copies it.
        let select = Callback::from(|e: FocusEvent| {
            e.target_unchecked_into::<HtmlTextAreaElement>().select()
        });
        html! {
            <label class="embed-form">{ label }
                <textarea readonly=true data-testid={id} rows="4" spellcheck="false" onfocus={select}
                    value={text.to_string()} />
            </label>
        }
    };
    let speed_value = opts.speed.map_or("default".into(), |s| s.value());
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-label="Copy embed code" data-testid="embed-dialog"
            onclick={p.on_close.reform(|_| ())}>
            <div class="card embed-card" onclick={|e: MouseEvent| e.stop_propagation()}>
                <button class="close" aria-label="close" data-testid="embed-close" onclick={p.on_close.reform(|_| ())}>{ "×" }</button>
                <h2>{ "Embed this run" }</h2>
                <p class="hint">{ "The run at the moment shown, in four forms: paste the one your tool takes. With embed.js (the element, MDX, mdBook) the frame fits its content, loads when scrolled to and follows the page's theme." }</p>
                <div class="embed-options">
                    <label>{ "title " }<input type="text" data-testid="embed-title" value={opts.title.clone()}
                        onchange={set(|o, e| o.title = e.target_unchecked_into::<HtmlInputElement>().value())} /></label>
                    <label><input type="checkbox" data-testid="embed-controls" checked={opts.controls}
                        onchange={set(|o, e| o.controls = checked(e))} />{ " controls" }</label>
                    <label><input type="checkbox" data-testid="embed-autoplay" checked={opts.autoplay}
                        onchange={set(|o, e| o.autoplay = checked(e))} />{ " autoplay" }</label>
                    <label><input type="checkbox" data-testid="embed-loop" checked={opts.looping}
                        onchange={set(|o, e| o.looping = checked(e))} />{ " loop" }</label>
                    <label><input type="checkbox" data-testid="embed-big" checked={opts.big}
                        onchange={set(|o, e| o.big = checked(e))} />{ " big (presenter view)" }</label>
                    <label>{ "speed " }
                        <select data-testid="embed-speed" onchange={set(|o, e| o.speed = Speed::parse(&e.target_unchecked_into::<HtmlSelectElement>().value()))}>
                            <option value="default" selected={speed_value == "default"}>{ "default" }</option>
                            <option value="smart" selected={speed_value == "smart"}>{ "smart" }</option>
                            { for SPEEDS.iter().enumerate().map(|(i, (_, name))| html! {
                                <option value={i.to_string()} selected={speed_value == i.to_string()}>{ *name }</option>
                            }) }
                        </select>
                    </label>
                    <label>{ "theme " }
                        <select data-testid="embed-theme" onchange={set(|o, e| o.theme = Theme::parse(&e.target_unchecked_into::<HtmlSelectElement>().value()).unwrap_or_default())}>
                            { for [Theme::Auto, Theme::Light, Theme::Dark].iter().map(|t| html! {
                                <option value={t.word()} selected={opts.theme == *t}>{ t.word() }</option>
                            }) }
                        </select>
                    </label>
                    <label>{ "height (px) " }<input type="number" min="200" max="2000" step="10" data-testid="embed-height"
                        value={opts.height.to_string()}
                        onchange={set(|o, e| {
                            let v = e.target_unchecked_into::<HtmlInputElement>().value();
                            o.height = v.trim().parse::<u32>().map_or(o.height, |h| h.clamp(200, 2000));
                        })} /></label>
                </div>
                <div class="embed-forms">
                    { field("embed-code-iframe", "iframe (any site)", &code.iframe) }
                    { field("embed-code-element", "<consensus-lab> (HTML with embed.js)", &code.element) }
                    { field("embed-code-mdbook", "mdBook (mdbook-lab preprocessor)", &code.mdbook) }
                    { field("embed-code-mdx", "MDX (Docusaurus, embed.js in the site's scripts)", &code.mdx) }
                </div>
                <iframe class="embed-preview" data-testid="embed-preview" title="preview" src={code.src.clone()}
                    style={format!("height:{}px", opts.height)} />
            </div>
        </div>
    }
}
