//! The callbacks components report through, made once: a component's props compare equal only
//! if its callbacks are the same ones, so new closures every frame would redraw every panel.

use super::{worker, App, Msg};
use crate::components::spacetime::Window;
use lab_engine::explore::ExploreOptions;
use lab_engine::lin::OpId;
use lab_engine::session::{Command, LogFilter, MemberOp, Selection, Speed};
use lab_engine::sim::history::Action;
use lab_engine::{NodeId, Settings, Time};
use yew::html::Scope;
use yew::prelude::*;

pub(super) struct Callbacks {
    pub select: Callback<Selection>,
    pub act: Callback<Action>,
    pub timeout: Callback<NodeId>,
    pub member: Callback<MemberOp>,
    pub play: Callback<()>,
    pub step: Callback<()>,
    pub step_back: Callback<()>,
    pub speed: Callback<Speed>,
    pub seek: Callback<Time>,
    pub seek_event: Callback<u64>,
    pub filter: Callback<LogFilter>,
    pub configure: Callback<Settings>,
    pub reset: Callback<()>,
    pub copy_link: Callback<()>,
    pub embed: Callback<bool>,
    pub draft: Callback<(NodeId, u8)>,
    pub partition: Callback<()>,
    pub request_leader: Callback<()>,
    pub manual: Callback<()>,
    pub close_help: Callback<()>,
    pub deselect: Callback<()>,
    pub st_window: Callback<Window>,
    pub open_tour: Callback<String>,
    pub tour_prev: Callback<()>,
    pub tour_next: Callback<()>,
    pub tour_show: Callback<()>,
    pub tour_back: Callback<()>,
    pub tour_close: Callback<()>,
    pub ring: Callback<()>,
    pub explore: Callback<ExploreOptions>,
    pub hunt: Callback<(u64, u64)>,
    pub cancel_search: Callback<()>,
    pub show_found: Callback<()>,
    pub seek_op: Callback<OpId>,
    pub cancel_check: Callback<()>,
    pub close_history: Callback<()>,
}

impl Callbacks {
    pub fn new(link: &Scope<App>) -> Self {
        // A command that takes nothing from the component.
        let command = |c: fn() -> Command| link.callback(move |_| Msg::Do(c()));
        let search = |m: fn() -> worker::Msg| link.callback(move |_| Msg::Search(m()));
        Callbacks {
            select: link.callback(|s| Msg::Do(Command::Select(s))),
            act: link.callback(|a| Msg::Do(Command::Act(a))),
            timeout: link.callback(|n| Msg::Do(Command::FireTimeout(n))),
            member: link.callback(|op| Msg::Do(Command::Member(op))),
            play: command(|| Command::TogglePlay),
            step: command(|| Command::Step),
            step_back: command(|| Command::StepBack),
            speed: link.callback(|s| Msg::Do(Command::Speed(s))),
            seek: link.callback(|t| Msg::Do(Command::Seek(t))),
            seek_event: link.callback(|k| Msg::Do(Command::SeekEvent(k))),
            filter: link.callback(|f| Msg::Do(Command::Filter(f))),
            configure: link.callback(|s| Msg::Do(Command::Configure(Box::new(s)))),
            reset: command(|| Command::Reset),
            copy_link: command(|| Command::CopyLink),
            embed: link.callback(Msg::EmbedCode),
            draft: link.callback(|(n, g)| Msg::Do(Command::Draft(n, g))),
            partition: command(|| Command::ApplyPartition),
            request_leader: command(|| Command::RequestToLeader),
            manual: command(|| Command::ToggleManual),
            close_help: link.callback(|_| Msg::Help(false)),
            deselect: command(|| Command::Select(Selection::None)),
            st_window: link.callback(Msg::StWindow),
            open_tour: link.callback(|id| Msg::Do(Command::OpenTour(id))),
            tour_prev: command(|| Command::TourPrev),
            tour_next: command(|| Command::TourNext),
            tour_show: command(|| Command::TourShow),
            tour_back: command(|| Command::TourBack),
            tour_close: command(|| Command::TourClose),
            ring: command(|| Command::OpenRing),
            explore: link.callback(|o| Msg::Search(worker::Msg::Explore(o))),
            hunt: link.callback(|(a, b)| Msg::Search(worker::Msg::Hunt(a, b))),
            cancel_search: search(|| worker::Msg::Cancel),
            show_found: search(|| worker::Msg::Show),
            seek_op: link.callback(|id| Msg::Do(Command::SeekOp(id))),
            cancel_check: command(|| Command::CancelCheck),
            close_history: command(|| Command::CloseHistory),
        }
    }
}
