//! The keyboard: which message a key press stands for (`?` in the page lists them).

use super::Msg;
use lab_engine::session::{Command, MemberOp, Selection};
use lab_engine::Action;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The message for a key pressed anywhere on the page, or `None` when the key belongs to
/// whatever has focus (typing in a field, pressing a focused button) or means nothing here.
/// `help` says whether the list of keys is open, `selected` what a node key acts on.
pub(super) fn message(e: &KeyboardEvent, help: bool, selected: Selection) -> Option<Msg> {
    let target = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let typing = target
        .as_ref()
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
    // Space and Enter belong to a focused control (a button, a node): they press it.
    let control = target.as_ref().is_some_and(|el| {
        matches!(el.tag_name().as_str(), "BUTTON" | "A" | "SUMMARY")
            || el.has_attribute("tabindex")
            || el.get_attribute("role").as_deref() == Some("button")
    });
    if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
        return None;
    }
    let cmd = match e.key().as_str() {
        " " if control => return None,
        " " => Command::TogglePlay,
        "ArrowRight" => Command::Step,
        "ArrowLeft" => Command::StepBack,
        "?" => return Some(Msg::Help(!help)),
        "Escape" => return Some(Msg::Help(false)),
        "r" | "R" => Command::Act(Action::RestartAll),
        "a" | "A" => Command::Act(Action::AlignTimers),
        "s" | "S" => Command::Act(Action::SpreadTimers),
        "l" | "L" => Command::RequestToLeader,
        "h" | "H" => Command::Act(Action::Heal),
        "m" | "M" => Command::ToggleManual,
        "c" | "C" => Command::ActOnSelected(|node| Action::Crash { node }),
        "u" | "U" => Command::ActOnSelected(|node| Action::Restart { node }),
        // Membership changes (Raft with membership=single or joint); the session says why not.
        "+" | "=" => Command::Member(MemberOp::Add),
        "-" => Command::Member(MemberOp::Remove),
        "x" | "X" => Command::Member(MemberOp::Replace),
        "t" | "T" => match selected {
            Selection::Node(n) => Command::FireTimeout(n),
            _ => return None,
        },
        _ => return None,
    };
    Some(Msg::Do(cmd))
}
