//! The first step: a card on a bare first visit offering a tour, a run to watch and a bug to
//! see caught. The session decides when it shows and what each choice does.

use lab_engine::session::Welcome;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WelcomeProps {
    pub on_choice: Callback<Welcome>,
}

#[function_component]
pub fn WelcomeCard(p: &WelcomeProps) -> Html {
    let choose = |w: Welcome| p.on_choice.reform(move |_| w);
    html! {
        <section class="welcome" data-testid="welcome" aria-label="welcome">
            <div class="welcome-text">
                <h2>{ "New here? Watch consensus work, then break it." }</h2>
                <p>{ "A simulated cluster runs in your browser: messages fly, nodes elect a leader, \
                      and a checker watches the safety rules from the papers." }</p>
            </div>
            <div class="welcome-buttons">
                <button class="primary" data-testid="welcome-tour" onclick={choose(Welcome::Tour)}>{ "Take the 2-minute tour" }</button>
                <button data-testid="welcome-play" onclick={choose(Welcome::Play)}>{ "▶ Watch a run" }</button>
                <button data-testid="welcome-break" onclick={choose(Welcome::Break)}
                    title="two-phase commit with a bug, and a node cut off at the worst moment">{ "Break it" }</button>
            </div>
            <button class="close" data-testid="welcome-close" aria-label="close the welcome" title="close for good"
                onclick={choose(Welcome::Close)}>{ "×" }</button>
        </section>
    }
}
