//! Guided tours: the menu that lists them by protocol, and the panel that tells one chapter at a
//! time (a side panel, a bottom sheet on phones, a strip in the embed). The engine's tour reader
//! decides where the run is and whether the reader is on the script; these only draw it and
//! report clicks.

use crate::ui_state::Shared;
use lab_engine::session::TourStage;
use lab_engine::tour::Chapter;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// One tour in the menu.
#[derive(Clone, Debug, PartialEq)]
pub struct TourEntry {
    pub id: String,
    pub title: String,
}

/// Tours by group (protocol), in the order the tour list gives them.
pub type TourGroups = Vec<(String, Vec<TourEntry>)>;

/// The menu's tours, grouped by protocol (or "Consistent hashing") in the order the tour list
/// first names each group. The engine's index alone: a tour's text is fetched when it opens.
pub fn tour_groups() -> TourGroups {
    let mut groups: TourGroups = Vec::new();
    for t in lab_engine::tour::INDEX {
        let entry = TourEntry {
            id: t.id.to_string(),
            title: t.title.to_string(),
        };
        match groups.iter_mut().find(|(g, _)| g == t.group) {
            Some((_, list)) => list.push(entry),
            None => groups.push((t.group.to_string(), vec![entry])),
        }
    }
    groups
}

#[derive(Properties, PartialEq)]
pub struct ToursMenuProps {
    pub groups: Shared<TourGroups>,
    pub on_open: Callback<String>,
}

#[function_component]
pub fn ToursMenu(p: &ToursMenuProps) -> Html {
    let item = |t: &TourEntry| {
        let id = t.id.clone();
        let on_open = p.on_open.clone();
        let onclick = Callback::from(move |e: MouseEvent| {
            // A chosen tour closes the menu, so it does not cover the story it opened.
            let menu = e
                .target_dyn_into::<web_sys::Element>()
                .and_then(|el| el.closest("details").ok().flatten());
            if let Some(menu) = menu {
                let _ = menu.remove_attribute("open");
            }
            on_open.emit(id.clone());
        });
        html! { <li><button data-tour={t.id.clone()} {onclick}>{ &t.title }</button></li> }
    };
    // Escape closes the menu, as it closes any menu, and gives focus back to its button.
    let onkeydown = Callback::from(|e: KeyboardEvent| {
        if e.key() != "Escape" {
            return;
        }
        // Yew delegates events to its root: find the menu from the key's target.
        let menu = e
            .target_dyn_into::<web_sys::Element>()
            .and_then(|el| el.closest("details.tours").ok().flatten());
        let Some(menu) = menu else {
            return;
        };
        if menu.has_attribute("open") {
            let _ = menu.remove_attribute("open");
            if let Some(s) = menu.query_selector("summary").ok().flatten() {
                let _ = s.dyn_into::<web_sys::HtmlElement>().map(|s| s.focus());
            }
        }
    });
    html! {
        <details class="tours" data-testid="tours" {onkeydown}>
            <summary>{ "Tours" }</summary>
            <div class="tours-body">
                { for p.groups.iter().map(|(group, tours)| html! {
                    <section>
                        <h3>{ group }</h3>
                        <ul>{ for tours.iter().map(item) }</ul>
                    </section>
                }) }
            </div>
        </details>
    }
}

#[derive(Properties, PartialEq)]
pub struct TourPanelProps {
    pub tour_title: AttrValue,
    pub chapter: Chapter,
    pub index: usize,
    pub count: usize,
    pub stage: TourStage,
    /// Every check of the chapter held when the story was played.
    pub checks_pass: bool,
    /// The embed's strip: chapter text and the buttons, nothing else.
    pub compact: bool,
    pub on_prev: Callback<()>,
    pub on_next: Callback<()>,
    pub on_show: Callback<()>,
    /// Back to the start of this chapter, after leaving the script.
    pub on_back: Callback<()>,
    pub on_copy_link: Callback<()>,
    pub on_close: Callback<()>,
}

fn said(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "1",
        Some(false) => "0",
        None => "",
    }
}

#[function_component]
pub fn TourPanel(p: &TourPanelProps) -> Html {
    // How much of the panel shows is the reader's view, not the story's: kept here. A phone's
    // sheet folds to one line so the run the prose talks about shows; the embed's strip opens
    // to the whole chapter when three lines cannot hold it.
    let collapsed = use_state(|| false);
    let more = use_state(|| false);
    let overflows = use_state(|| false);
    let text_ref = use_node_ref();
    {
        let (text_ref, overflows) = (text_ref.clone(), overflows.clone());
        use_effect_with((p.index, p.chapter.title.clone(), *more), move |_| {
            if let Some(e) = text_ref.cast::<web_sys::Element>() {
                overflows.set(e.scroll_height() > e.client_height() + 1);
            }
        });
    }
    let ch = &p.chapter;
    let task = ch.task_text();
    let waiting = p.stage == TourStage::Task;
    let last = p.index + 1 >= p.count;
    let (stage, note) = match &p.stage {
        TourStage::Story => ("story", None),
        TourStage::Task => (
            "task",
            task.as_ref().map(|t| {
                html! {
                    <div class="tour-task" data-testid="tour-task">
                        <strong>{ "Try it yourself: " }</strong>{ t.clone() }{ "." }
                        <p class="hint">{ "Use the cluster: click a node for its actions, or the fault buttons. \"Show me\" does it for you." }</p>
                    </div>
                }
            }),
        ),
        TourStage::Done(text) => (
            "done",
            Some(html! { <p class="tour-result good" data-testid="tour-result">{ text.clone() }</p> }),
        ),
        TourStage::Off(why) => (
            "off",
            Some(html! {
                <div class="tour-off" data-testid="tour-off">
                    <strong>{ "Off script: exploring freely." }</strong>{ " " }<span class="why">{ why.clone() }</span>
                    <div class="tour-buttons">
                        <button data-testid="tour-back" onclick={p.on_back.reform(|_| ())}>
                            { format!("Back to chapter {}", p.index + 1) }</button>
                        if task.is_some() {
                            <button data-testid="tour-show" onclick={p.on_show.reform(|_| ())}>{ "Show me" }</button>
                        }
                    </div>
                </div>
            }),
        ),
    };
    let chapter_el = html! {
        <div class="tour-chapter" data-testid="tour-chapter" data-index={p.index.to_string()}
            data-count={p.count.to_string()} data-stage={stage}
            data-expect-violation={said(ch.expects_violation())}
            data-expect-right-violation={said(ch.right_expects_violation())}
            data-checks={if p.checks_pass { "pass" } else { "fail" }}>
            <h3>{ &ch.title }</h3>
            <div class="tour-text" ref={text_ref}>{ for ch.text.iter().map(|t| html! { <p>{ t }</p> }) }</div>
        </div>
    };
    let toggle = |s: &UseStateHandle<bool>| {
        let s = s.clone();
        Callback::from(move |_: MouseEvent| s.set(!*s))
    };
    let buttons = html! {
        <div class="tour-nav">
            <button data-testid="tour-prev" disabled={p.index == 0} onclick={p.on_prev.reform(|_| ())}
                aria-label="previous chapter">{ "‹ Prev" }</button>
            <span class="tour-progress" data-testid="tour-progress">{ format!("{} / {}", p.index + 1, p.count) }</span>
            if waiting {
                <button class="next" data-testid="tour-next" title="do the task for me"
                    onclick={p.on_show.reform(|_| ())}>{ "Show me ›" }</button>
            } else {
                <button class="next" data-testid="tour-next" disabled={last}
                    onclick={p.on_next.reform(|_| ())} aria-label="next chapter">{ "Next ›" }</button>
            }
        </div>
    };
    if p.compact {
        return html! {
            <section class={classes!("tour-panel", "compact", more.then_some("more"))} data-testid="tour-panel" aria-label="guided tour">
                { chapter_el }
                if *overflows || *more {
                    <button class="tour-more" data-testid="tour-more" aria-expanded={more.to_string()}
                        onclick={toggle(&more)}>{ if *more { "less ▴" } else { "more ▾" } }</button>
                }
                { note }
                { buttons }
            </section>
        };
    }
    html! {
        <section class={classes!("tour-panel", "panel", collapsed.then_some("collapsed"))} data-testid="tour-panel"
            aria-label="guided tour">
            <header class="tour-head">
                <button class="collapse" data-testid="tour-collapse" aria-expanded={(!*collapsed).to_string()}
                    aria-label={if *collapsed { "open the tour" } else { "fold the tour to one line" }}
                    onclick={toggle(&collapsed)}>{ if *collapsed { "▴" } else { "▾" } }</button>
                <span class="tour-name">{ "Tour: " }<strong>{ p.tour_title.clone() }</strong></span>
                <button data-testid="tour-link" title="a link to this chapter of the tour"
                    onclick={p.on_copy_link.reform(|_| ())}>{ "Copy link" }</button>
                <button class="close" data-testid="tour-close" aria-label="close the tour"
                    onclick={p.on_close.reform(|_| ())}>{ "×" }</button>
            </header>
            { chapter_el }
            if !p.checks_pass {
                <p class="tour-failed" role="alert">{ "This chapter's checks failed: the story no longer holds here." }</p>
            }
            { note }
            { buttons }
        </section>
    }
}
