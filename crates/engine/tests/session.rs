//! The page's decisions, natively: a session driven by the very commands the page sends (its
//! link, clicks, keys, animation frames), checked by what it shows and the effects it asks the
//! browser for. Until the session moved into the engine only the end-to-end tests saw these.

#[path = "session/membership.rs"]
mod membership;

use lab_engine::session::{Address, Command, Effects, Leave, Player, Reader, Selection, Speed};
use lab_engine::session::{TourStage, LOOP_DEFAULT};
use lab_engine::time::fmt_time;
use lab_engine::tour::{self, Moment};
use lab_engine::{Action, NodeId, MS};

fn open(q: &str) -> (Player, Effects) {
    let mut p = Player::new();
    let fx = p.apply(Command::Open(q.into()));
    (p, fx)
}

/// Animation frames 100 ms apart at 20x (2 s of virtual time each) until play stops; returns
/// how many it took.
fn frames_until_paused(p: &mut Player) -> u32 {
    p.apply(Command::Speed(Speed::Fixed(8)));
    for i in 0..1000u32 {
        if !p.playing() {
            return i;
        }
        let fx = p.apply(Command::Frame(f64::from(i) * 100.0));
        assert_eq!(fx.frame, p.playing(), "a frame is asked for while playing");
    }
    panic!("still playing after 1000 frames");
}

fn at(p: &Player) -> Moment {
    Moment {
        event: p.sim().events(),
        time: p.sim().now(),
    }
}

fn stage(p: &Player) -> TourStage {
    p.reader().expect("a tour is open").stage().clone()
}

/// raft-leader-crash's second chapter asks the reader to crash the leader, S2, at 1.2 s.
const TASK: &str = "tour=raft-leader-crash&ch=2";

#[test]
fn a_task_done_by_hand_steps_into_the_recorded_action_and_plays_to_the_pause() {
    let (mut p, fx) = open(TASK);
    assert_eq!(fx.notices, Vec::<String>::new());
    let r = p.reader().unwrap();
    assert_eq!((r.index(), r.stage()), (1, &TourStage::Task));
    let (waits, want) = r.played()[1].task.clone().unwrap();
    let pause = r.played()[1].moment;
    // Just before the crash, recorded at 1.2 s: the events at that time include it.
    assert_eq!(p.sim().events(), waits.event);
    assert!(p.sim().now() < waits.time && waits.time == 1200 * MS);
    assert_eq!(want, Action::Crash { node: NodeId(2) });
    let actions = p.sim().history().actions.len();

    let leader = p.sim().leader().expect("S2 leads");
    let fx = p.apply(Command::Act(Action::Crash { node: leader }));
    assert_eq!(fx.notices, Vec::<String>::new());
    assert_eq!(
        stage(&p),
        TourStage::Done(
            "It worked: crash the leader (crash S2). The run plays on to the chapter's pause."
                .into()
        )
    );
    assert!(p.playing() && fx.frame, "the story plays on by itself");
    assert_eq!(
        p.sim().events(),
        waits.event + 1,
        "one step: the story's own action"
    );
    assert_eq!(p.sim().history().actions.len(), actions, "no action added");

    assert!(frames_until_paused(&mut p) > 0);
    assert_eq!(at(&p), pause, "paused at the chapter's moment");
    assert!(
        matches!(stage(&p), TourStage::Done(_)),
        "still on the story"
    );
    assert!(p.link(false).ends_with("tour=raft-leader-crash&ch=2"));

    // "Show me" lands on the very same run at the very same moment.
    let (mut shown, _) = open(TASK);
    shown.apply(Command::TourShow);
    assert_eq!(at(&shown), pause);
    assert_eq!(shown.sim().trace_hash(), p.sim().trace_hash());
}

#[test]
fn show_me_does_the_task_and_says_when() {
    let (mut p, _) = open(TASK);
    let (waits, _) = p.reader().unwrap().played()[1].task.clone().unwrap();
    let pause = p.reader().unwrap().played()[1].moment;
    let fx = p.apply(Command::TourShow);
    assert_eq!(fx.notices, Vec::<String>::new());
    assert_eq!(
        stage(&p),
        TourStage::Done(format!(
            "Shown: the story did 'crash S2' at {}. Step back (←) or drag the timeline to watch \
             it happen.",
            fmt_time(waits.time)
        ))
    );
    assert_eq!(at(&p), pause);
    assert!(!p.playing() && !fx.frame);
    assert!(!p.sim().snapshot().nodes[1].up, "S2 is down");
    // A chapter without a task has nothing to show, and says so.
    p.apply(Command::TourNext);
    p.apply(Command::TourShow);
    assert_eq!(
        stage(&p),
        TourStage::Done("This chapter has no task.".into())
    );
}

#[test]
fn a_wrong_move_leaves_the_script_and_back_to_chapter_returns() {
    let (mut p, _) = open(TASK);
    let (waits, _) = p.reader().unwrap().played()[1].task.clone().unwrap();
    let hash = p.sim().trace_hash();
    p.apply(Command::Act(Action::Crash { node: NodeId(1) }));
    assert_eq!(
        stage(&p),
        TourStage::Off(
            "You did 'crash S1'; this chapter asks you to crash the leader ('crash S2'). \
             \"Show me\" does it for you."
                .into()
        )
    );
    assert!(!p.sim().snapshot().nodes[0].up);
    assert!(
        !p.link(false).contains("tour="),
        "off the script, a link is the run"
    );
    assert!(p.link(false).contains("crash%20S1"), "{}", p.link(false));

    p.apply(Command::TourBack);
    assert_eq!(stage(&p), TourStage::Task);
    assert_eq!(p.sim().events(), waits.event);
    assert_eq!(p.sim().trace_hash(), hash, "the story's run again");
    assert!(p.sim().snapshot().nodes[0].up);
}

#[test]
fn stepping_on_without_the_task_leaves_the_script() {
    let (mut p, _) = open(TASK);
    p.apply(Command::Step);
    assert_eq!(
        stage(&p),
        TourStage::Off("The run went on without the task; the story waits at its moment.".into())
    );
}

#[test]
fn play_past_a_pause_leaves_the_script_and_play_before_it_stops_there() {
    // The first chapter pauses at 1.2 s, a few hundred events in.
    let (mut p, _) = open("tour=raft-leader-crash");
    assert_eq!(stage(&p), TourStage::Story);
    let pause = at(&p);
    assert_eq!(pause.event, p.reader().unwrap().played()[0].moment.event);

    // Before the pause, play stops at it and the reader stays on the story.
    p.apply(Command::SeekEvent(pause.event / 2));
    assert_eq!(stage(&p), TourStage::Story);
    p.apply(Command::TogglePlay);
    assert_eq!(stage(&p), TourStage::Story);
    assert!(frames_until_paused(&mut p) > 0);
    assert_eq!(at(&p), pause);
    assert_eq!(stage(&p), TourStage::Story);

    // At the pause, play goes on past it: the reader explores off the script.
    let fx = p.apply(Command::TogglePlay);
    assert!(fx.frame);
    assert_eq!(
        stage(&p),
        TourStage::Off("You played past the chapter's pause.".into())
    );
    p.apply(Command::Frame(0.0));
    p.apply(Command::Frame(100.0));
    assert!(p.sim().events() > pause.event);
    assert!(p.playing(), "off the script nothing stops play");

    p.apply(Command::TourBack);
    assert!(!p.playing());
    assert_eq!((stage(&p), at(&p)), (TourStage::Story, pause));
}

#[test]
fn an_action_reaches_the_compare_run_and_the_link_keeps_both() {
    let (mut p, fx) = open("protocol=raft&seed=3&cmp=prevote:on&t=2s");
    assert_eq!(fx.notices, Vec::<String>::new());
    let right = p.right().expect("a compare run");
    assert!(right.settings().prevote && !p.sim().settings().prevote);
    assert_eq!(right.now(), 2000 * MS);

    let fx = p.apply(Command::Act(Action::Crash { node: NodeId(1) }));
    assert_eq!(fx.notices, Vec::<String>::new());
    for sim in [p.sim(), p.right().unwrap()] {
        let last = sim.history().actions.last().unwrap();
        assert_eq!(
            (last.time, &last.action),
            (2000 * MS, &Action::Crash { node: NodeId(1) })
        );
        assert!(!sim.snapshot().nodes[0].up);
    }
    let link = p.link(false);
    assert!(
        link.contains("cmp=prevote:on") && link.contains("crash%20S1"),
        "{link}"
    );

    // Playing, the compare run keeps to the time on screen.
    p.apply(Command::Speed(Speed::Fixed(6)));
    p.apply(Command::TogglePlay);
    for ts in [0.0, 50.0, 100.0] {
        p.apply(Command::Frame(ts));
    }
    assert_eq!(p.sim().now(), 2100 * MS);
    assert_eq!(p.right().unwrap().now(), p.sim().now());
}

#[test]
fn a_new_violation_pauses_play_once() {
    // Seed 5 is paxos-adopt-value's run: the buggy S2 proposes its own 20 after 10 was chosen.
    let (mut p, _) = open("protocol=paxos&seed=5&bug=paxos-ignore-promised-value");
    p.apply(Command::TogglePlay);
    assert!(frames_until_paused(&mut p) > 0);
    let v = p.sim().violations();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].violation.invariant, "Agreement");
    assert_eq!(
        p.sim().events(),
        v[0].event,
        "paused right after the violating event"
    );
    // Play again: the violation already seen does not stop it.
    p.apply(Command::TogglePlay);
    p.apply(Command::Frame(0.0));
    assert!(p.playing());

    // On the compare run too, although the left run has none.
    let (mut p, _) = open("protocol=paxos&seed=5&cmp=bug:paxos-ignore-promised-value");
    p.apply(Command::TogglePlay);
    frames_until_paused(&mut p);
    assert!(p.sim().violations().is_empty());
    let v = p.right().unwrap().violations();
    assert_eq!(v.len(), 1);
    assert!(p.sim().now() >= v[0].time && p.sim().now() < v[0].time + 2000 * MS);
}

#[test]
fn bad_view_parameters_give_notices_and_keep_the_defaults() {
    let (p, fx) = open("tour=raft-election&ch=99");
    let count = p.reader().unwrap().tour().chapters.len();
    assert_eq!(
        fx.notices,
        [format!(
            "ignored ch=99: the tour 'raft-election' has chapters 1 to {count}"
        )]
    );
    assert_eq!(p.reader().unwrap().index(), 0);

    let (p, fx) = open("speed=fast&loop=soon&ch=2&sel=n6");
    assert_eq!(
        fx.notices,
        [
            "ignored sel=n6: a node is written n1 to n5, a message m17",
            "ignored speed=fast: smart or 0..8",
            "ignored loop=soon: 1 or a time such as 20s",
            "ignored ch=2: it needs a tour (tour=ID)",
        ]
    );
    assert_eq!((p.speed(), p.selected()), (Speed::Smart, Selection::None));
    assert!(p.reader().is_none());

    let (p, fx) = open("tour=no-such-tour");
    assert!(fx.notices[0].starts_with("unknown tour 'no-such-tour'; tours: raft-election"));
    assert!(p.reader().is_none());

    let (p, fx) = open("cmp=bug:nonsense");
    assert_eq!(fx.notices.len(), 1);
    assert!(
        fx.notices[0].starts_with("ignored cmp=bug:nonsense: "),
        "{:?}",
        fx.notices
    );
    assert!(p.right().is_none());
}

#[test]
fn good_view_parameters_are_taken_in() {
    let (p, fx) = open("seed=2&sel=n3&speed=4&view=spacetime&embed=1&controls=0&autoplay=1");
    assert_eq!(fx.notices, Vec::<String>::new());
    assert_eq!(p.selected(), Selection::Node(NodeId(3)));
    assert_eq!(p.speed(), Speed::Fixed(4));
    assert!(p.spacetime() && p.embed() && !p.controls() && !p.big());
    assert!(p.playing() && fx.frame, "autoplay");
    let link = p.link(false);
    assert!(
        link.contains("view=spacetime") && link.contains("sel=n3"),
        "{link}"
    );
    // Back to a link never starts playing by itself.
    let mut p = p;
    let fx = p.apply(Command::Back("seed=2&autoplay=1".into()));
    assert!(!p.playing() && !fx.frame);
    assert_eq!(
        p.speed(),
        Speed::Fixed(4),
        "a link without speed= keeps the speed"
    );
}

#[test]
fn a_loop_starts_again_at_its_time() {
    let mut restarts = Vec::new();
    for (q, end, real, frame) in [
        // 50 ms of real time is 200 ms at 4x.
        ("autoplay=1&speed=7&loop=400ms", 400 * MS, 50.0, 200 * MS),
        // 100 ms is 2 s at 20x; `loop=1` is 30 s.
        ("autoplay=1&speed=8&loop=1", LOOP_DEFAULT, 100.0, 2000 * MS),
    ] {
        let (mut p, _) = open(q);
        let (mut last, mut at) = (0, None);
        for i in 0..40 {
            p.apply(Command::Frame(f64::from(i) * real));
            let now = p.sim().now();
            if now < last && at.is_none() {
                at = Some(last);
            }
            last = now;
        }
        let at = at.expect("the run started again");
        assert!(at >= end && at < end + frame, "{q}: restarted after {at}");
        assert!(p.playing());
        restarts.push(at);
    }
    assert_eq!(restarts.len(), 2);
}

#[test]
fn new_settings_and_tours_are_history_entries() {
    let (mut p, _) = open("seed=4&t=1s");
    let here = p.link(false);
    let mut s = p.sim().settings().clone();
    s.seed = 9;
    let fx = p.apply(Command::Configure(Box::new(s)));
    assert_eq!(
        fx.address,
        [Address::Replace(here.clone()), Address::Push(p.link(false))]
    );
    assert_eq!(p.sim().settings().seed, 9);
    p.apply(Command::Back(here.clone()));
    assert_eq!((p.sim().settings().seed, p.sim().now()), (4, 1000 * MS));

    let fx = p.apply(Command::OpenTour("raft-election".into()));
    assert_eq!(
        fx.address,
        [
            Address::Replace(here),
            Address::Push("tour=raft-election".into())
        ]
    );
    let fx = p.apply(Command::TourNext);
    assert_eq!(fx.address, []);
    let fx = p.apply(Command::CopyLink);
    assert_eq!(fx.copy.as_deref(), Some("tour=raft-election&ch=2"));
    assert_eq!(
        fx.address,
        [Address::Replace("tour=raft-election&ch=2".into())]
    );
    assert!(fx.notices[0].starts_with("Link copied: it opens this tour at this chapter"));

    // A tour told on the ring page is the other app's: the page leaves for it.
    let (_, fx) = open("tour=ring-rebalance&ch=2&embed=1");
    assert_eq!(
        fx.leave,
        Some(Leave::To(
            "protocol=ring&tour=ring-rebalance&ch=2&embed=1".into()
        ))
    );
    let (mut p, _) = open("seed=3");
    assert_eq!(
        p.apply(Command::Back("p=ring&n=5".into())).leave,
        Some(Leave::Reload)
    );
}

#[test]
fn keys_on_the_selected_node_and_the_partition_editor() {
    let (mut p, _) = open("seed=1");
    let crash: fn(NodeId) -> Action = |node| Action::Crash { node };
    let fx = p.apply(Command::ActOnSelected(crash));
    assert_eq!(fx.notices, ["Select a node first (click it)."]);
    p.apply(Command::Select(Selection::Node(NodeId(4))));
    p.apply(Command::ActOnSelected(crash));
    assert!(!p.sim().snapshot().nodes[3].up);
    // Selecting it again deselects it.
    p.apply(Command::Select(Selection::Node(NodeId(4))));
    assert_eq!(p.selected(), Selection::None);

    let fx = p.apply(Command::ApplyPartition);
    assert_eq!(
        fx.notices,
        ["Put the nodes in at least two groups to partition."]
    );
    p.apply(Command::Draft(NodeId(1), 1));
    p.apply(Command::Draft(NodeId(2), 1));
    p.apply(Command::Draft(NodeId(0), 2));
    assert_eq!(p.draft(), [1, 1, 0, 0, 0], "no node 0 to put anywhere");
    p.apply(Command::ApplyPartition);
    assert_eq!(
        p.draft(),
        [1, 1, 0, 0, 0],
        "the groups in effect, as drafted"
    );
    p.apply(Command::Act(Action::Heal));
    assert_eq!(p.draft(), [0; 5]);
}

#[test]
fn a_trace_imports_whole_or_not_at_all() {
    let (mut p, _) = open("seed=6&a=1.400000.c2&t=3s");
    let text = p.sim().export_trace();
    let hash = p.sim().trace_hash();
    let (mut q, _) = open("tour=raft-election");
    let fx = q.apply(Command::Import(Ok(text.clone())));
    assert_eq!(fx.notices, ["Trace imported: it replayed event for event."]);
    assert_eq!(q.sim().trace_hash(), hash);
    assert!(q.reader().is_none(), "a trace ends the tour");
    let fx = p.apply(Command::Import(Ok(text[..text.len() / 2].to_string())));
    assert!(
        fx.notices[0].starts_with("Import failed, nothing changed: "),
        "{:?}",
        fx.notices
    );
    assert_eq!(p.sim().trace_hash(), hash);
}

#[test]
fn the_ring_page_reads_its_tour_with_the_same_reader() {
    let mut notices = Vec::new();
    let t = tour::find("ring-rebalance").unwrap();
    let opened = Reader::open(t.clone(), Some("2"), &mut notices).unwrap();
    let mut r = Reader::open_ring(t, Some("2"), &mut notices).unwrap();
    assert_eq!(
        r.played(),
        opened.played(),
        "the ring page's way in plays it alike"
    );
    let lab_tour = tour::find("raft-election").unwrap();
    assert!(Reader::open_ring(lab_tour, None, &mut notices).is_none());
    assert_eq!(
        std::mem::take(&mut notices),
        ["the tour 'raft-election' is told in the lab, not on the ring page"]
    );
    assert_eq!(notices, Vec::<String>::new());
    assert_eq!(r.index(), 1);
    let view = r.ring_at(r.index()).unwrap();
    assert_eq!(Some(&view), r.played()[1].ring.as_ref());
    assert_eq!(
        r.link(true).as_deref(),
        Some("protocol=ring&tour=ring-rebalance&ch=2&embed=1")
    );
    r.leave("You changed the ring; the story waits.".into());
    assert_eq!(r.link(false), None);
    r.ring_at(1);
    assert_eq!(r.stage(), &TourStage::Story);
}

// The first step (issue 21): a welcome card on a bare first visit, and the fault bar.

use lab_engine::session::{Fault, Welcome};

#[test]
fn the_welcome_card_greets_a_bare_first_visit_only() {
    assert!(open("").0.welcome());
    for q in ["p=raft", "seed=3", "tour=raft-election", "embed=1", "t=2s"] {
        assert!(!open(q).0.welcome(), "{q} names a run or embeds: no card");
    }
    // Back to a bare link is not a first visit.
    let (mut p, _) = open("p=raft");
    p.apply(Command::Back(String::new()));
    assert!(!p.welcome());
}

#[test]
fn each_welcome_choice_dismisses_the_card_for_good() {
    for w in [Welcome::Close, Welcome::Play, Welcome::Tour, Welcome::Break] {
        let (mut p, _) = open("");
        let fx = p.apply(Command::Welcome(w));
        assert!(!p.welcome(), "{w:?} dismisses");
        assert!(fx.welcomed, "{w:?} asks the page to remember");
    }
}

#[test]
fn welcome_tour_opens_the_election_tour_and_play_plays() {
    let (mut p, _) = open("");
    p.apply(Command::Welcome(Welcome::Tour));
    assert!(p.link(false).contains("tour=raft-election"));
    let (mut p, _) = open("");
    let fx = p.apply(Command::Welcome(Welcome::Play));
    assert!(p.playing() && fx.frame);
}

#[test]
fn break_it_plays_a_buggy_variant_into_a_violation() {
    let (mut p, _) = open("");
    let fx = p.apply(Command::Welcome(Welcome::Break));
    assert!(p.playing(), "it plays from the start");
    assert_eq!(p.sim().now(), 0);
    assert!(p
        .sim()
        .settings()
        .bugs
        .iter()
        .any(|b| b.slug() == "2pc-unilateral-abort"));
    assert!(
        matches!(fx.address.last(), Some(Address::Push(q)) if q.contains("a=")),
        "a link names the broken run"
    );
    frames_until_paused(&mut p);
    let v = p.sim().violations();
    assert!(!v.is_empty(), "the checker catches it");
    assert_eq!(v[0].violation.invariant, "Atomicity");
}

#[test]
fn the_fault_bar_partitions_heals_crashes_the_leader_and_drops_the_next_message() {
    let (mut p, _) = open("p=raft&seed=1&t=3s");
    let leader = p.sim().leader().expect("a leader at 3 s");
    p.apply(Command::Fault(Fault::Partition));
    let snap = p.sim().snapshot();
    let group = |id: NodeId| snap.nodes[id.idx()].group;
    let with_leader = snap
        .nodes
        .iter()
        .filter(|v| v.group == group(leader))
        .count();
    assert_eq!(with_leader, 2, "the leader is cut off with a minority of 5");
    p.apply(Command::Fault(Fault::Heal));
    let snap = p.sim().snapshot();
    assert!(
        snap.nodes.iter().all(|v| v.group == snap.nodes[0].group),
        "healed"
    );
    p.apply(Command::Fault(Fault::CrashLeader));
    assert!(
        !p.sim().snapshot().nodes[leader.idx()].up,
        "the leader crashed"
    );
    let next = (p.sim().snapshot().messages.iter())
        .filter(|m| m.lost.is_none())
        .min_by_key(|m| (m.arrives, m.id))
        .map(|m| m.id);
    let fx = p.apply(Command::Fault(Fault::DropNext));
    match next {
        Some(id) => {
            let m = p.sim().snapshot().messages.into_iter().find(|m| m.id == id);
            assert!(
                m.is_none_or(|m| m.lost.is_some()),
                "the next message is lost"
            );
        }
        None => assert_eq!(fx.notices.len(), 1, "says there is nothing to drop"),
    }
}

#[test]
fn the_fault_bar_explains_what_it_cannot_do() {
    let (mut p, _) = open("p=raft&seed=1&t=3s");
    p.apply(Command::Fault(Fault::CrashLeader));
    // Nobody leads the moment after: crashing "the leader" again says so instead of panicking.
    let fx = p.apply(Command::Fault(Fault::CrashLeader));
    assert!(fx.notices.len() <= 1);
    let (mut p, _) = open("p=2pc&nodes=2");
    let fx = p.apply(Command::Fault(Fault::Partition));
    assert!(
        fx.notices.is_empty(),
        "2 nodes split one and one: {:?}",
        fx.notices
    );
}

#[test]
fn a_new_seed_says_the_run_restarts_and_how_to_get_back() {
    let (mut p, _) = open("p=raft&seed=1&t=2s");
    let mut s = p.sim().settings().clone();
    s.seed = 9;
    let fx = p.apply(Command::Configure(Box::new(s)));
    assert_eq!(p.sim().now(), 0);
    assert!(
        fx.notices
            .iter()
            .any(|n| n.contains("New seed") && n.contains("Back")),
        "{:?}",
        fx.notices
    );
    // Nothing to lose at 0 s: no notice.
    let (mut p, _) = open("p=raft&seed=1");
    let mut s = p.sim().settings().clone();
    s.seed = 9;
    assert!(p.apply(Command::Configure(Box::new(s))).notices.is_empty());
}

// The History view: a Jepsen history file imported, checked a slice per frame, drawn.

use lab_engine::lin::view::Role;
use lab_engine::lin::Verdict;
use lab_engine::session::{Progress, STEPS_PER_FRAME};

const STALE_READ: &str = include_str!("data/lin/stale-read.edn");
const REGISTER: &str = include_str!("data/lin/register.log");

fn import(p: &mut Player, name: &str, text: &str) -> Effects {
    p.apply(Command::ImportHistory {
        name: name.into(),
        file: Ok(text.into()),
    })
}

#[test]
fn an_imported_history_is_checked_and_drawn_without_touching_the_run() {
    let (mut p, _) = open("p=raft&seed=3&t=1500");
    let at = (p.sim().events(), p.sim().now(), p.gen());
    let fx = import(&mut p, "register.log", REGISTER);
    assert!(fx.notices.is_empty(), "{:?}", fx.notices);
    // A small history has its verdict at once: no frame is needed for it.
    assert!(!fx.frame);
    let h = p.history().expect("the History view shows the file");
    assert_eq!(h.progress(), Progress::Done);
    assert_eq!(h.report().verdict, Verdict::Linearizable);
    assert!(h.title().starts_with("register.log: "), "{}", h.title());
    let v = h.view();
    assert_eq!(v.bars.len(), h.history().ops.len());
    assert!(v.notes.is_empty());
    assert_eq!((p.sim().events(), p.sim().now(), p.gen()), at);

    // Another file replaces it; this one is not linearizable and says why.
    import(&mut p, "stale-read.edn", STALE_READ);
    let h = p.history().unwrap();
    assert_eq!(h.report().verdict, Verdict::NotLinearizable);
    assert!(h.status().contains("returned 1"), "{}", h.status());
    let v = h.view();
    let stuck = v.bars.iter().find(|b| b.role == Role::Stuck).unwrap();
    assert_eq!(
        (stuck.client.as_str(), stuck.label.as_str()),
        ("process 2", "read(x)")
    );
    p.apply(Command::CloseHistory);
    assert!(p.history().is_none());
}

#[test]
fn a_malformed_history_is_refused_with_its_line_and_nothing_changes() {
    let (mut p, _) = open("p=raft&seed=3");
    import(&mut p, "register.log", REGISTER);
    let bad = "{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :frobnicate}\n";
    let fx = import(&mut p, "bad.edn", bad);
    assert_eq!(fx.notices.len(), 1);
    assert!(
        fx.notices[0].starts_with("History import failed, nothing changed: bad.edn, line 2: "),
        "{}",
        fx.notices[0]
    );
    let h = p.history().expect("the history before stays");
    assert!(h.title().starts_with("register.log"));
    for text in [
        "",
        "hello",
        "{:process",
        "\u{0}\u{1}",
        "INFO  jepsen.util - x :ok",
    ] {
        let fx = import(&mut p, "junk", text);
        assert_eq!(fx.notices.len(), 1, "{text:?}");
    }
    let fx = p.apply(Command::ImportHistory {
        name: "gone.edn".into(),
        file: Err("the file could not be read as text".into()),
    });
    assert!(
        fx.notices[0].contains("could not be read"),
        "{:?}",
        fx.notices
    );
}

/// Fourteen clients each write their own value, all at once, then a read returns a value none
/// wrote: every order of the writes must be tried before the answer.
fn hard_history() -> String {
    let mut lines = String::new();
    for c in 0..14 {
        lines += &format!("{{:process {c}, :type :invoke, :f :write, :value {c}}}\n");
    }
    for c in 0..14 {
        lines += &format!("{{:process {c}, :type :ok, :f :write, :value {c}}}\n");
    }
    lines += "{:process 20, :type :invoke, :f :read, :value nil}\n";
    lines += "{:process 21, :type :invoke, :f :read, :value nil}\n";
    lines += "{:process 20, :type :ok, :f :read, :value 3}\n";
    lines += "{:process 21, :type :ok, :f :read, :value 99}\n";
    lines
}

#[test]
fn a_long_check_runs_a_slice_a_frame_shows_progress_and_cancels() {
    let (mut p, _) = open("p=raft&seed=3");
    let fx = import(&mut p, "hard.edn", &hard_history());
    assert!(fx.frame, "a running check asks for frames");
    let h = p.history().unwrap();
    assert!(h.checking());
    assert_eq!(
        h.progress(),
        Progress::Running {
            steps: STEPS_PER_FRAME,
            budget: lab_engine::lin::DEFAULT_BUDGET
        }
    );
    assert_eq!(h.report().verdict, Verdict::Unknown);
    assert!(
        h.status().starts_with("checking: 20000 of at most"),
        "{}",
        h.status()
    );
    // Frames go on checking though the run is paused.
    let fx = p.apply(Command::Frame(0.0));
    assert!(fx.frame);
    assert!(!p.playing());
    let h = p.history().unwrap();
    assert!(
        matches!(h.progress(), Progress::Running { steps, .. } if steps == 2 * STEPS_PER_FRAME)
    );
    let fx = p.apply(Command::CancelCheck);
    assert!(!fx.frame, "a cancelled check wants no more frames");
    let h = p.history().unwrap();
    assert_eq!(
        h.progress(),
        Progress::Cancelled {
            steps: 2 * STEPS_PER_FRAME
        }
    );
    assert_eq!(h.report().verdict, Verdict::Unknown);
    assert!(h.status().starts_with("unknown: the check was cancelled"));
}

#[test]
fn a_long_check_left_alone_reaches_its_verdict() {
    let (mut p, _) = open("p=raft&seed=3");
    import(&mut p, "hard.edn", &hard_history());
    let mut frames = 0;
    while p.history().unwrap().checking() {
        p.apply(Command::Frame(frames as f64 * 16.0));
        frames += 1;
        assert!(frames < 10_000, "the check ends");
    }
    let h = p.history().unwrap();
    assert_eq!(h.progress(), Progress::Done);
    assert_eq!(h.report().verdict, Verdict::NotLinearizable);
    assert!(frames > 1);
}

#[test]
fn an_imported_history_does_not_move_the_timeline() {
    let (mut p, _) = open("p=raft&seed=3&t=1500");
    import(&mut p, "stale-read.edn", STALE_READ);
    let now = p.sim().now();
    let fx = p.apply(Command::SeekOp(2));
    assert_eq!(p.sim().now(), now);
    assert!(fx.notices[0].contains("line numbers"), "{:?}", fx.notices);
    let fx = p.apply(Command::SeekOp(999));
    assert!(
        fx.notices[0].contains("no operation 999"),
        "{:?}",
        fx.notices
    );
}

#[test]
fn a_kv_run_shows_its_own_history_as_it_goes_with_its_verdict() {
    // A counter run has no client history to show.
    let (p, _) = open("p=raft&seed=2&t=3s");
    assert!(p.history().is_none());

    let (mut p, _) = open("p=raft&workload=kv&seed=2");
    p.apply(Command::TogglePlay);
    p.apply(Command::Speed(Speed::Fixed(8)));
    let mut seen = Vec::new();
    for i in 0..40 {
        p.apply(Command::Frame(f64::from(i) * 100.0));
        let h = p.history().expect("a kv run shows its history");
        assert_eq!(*h.source(), lab_engine::session::Source::Run);
        seen.push(h.history().ops.len());
    }
    // It grew as the run went, and stayed equal to the run's own.
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(*seen.last().unwrap() > 5, "{seen:?}");
    let h = p.history().unwrap();
    assert_eq!(h.history(), p.sim().client_history());
    assert_eq!(h.report().verdict, Verdict::Linearizable);
    let v = h.view();
    assert!(v.now.is_some());
    assert!(
        h.title().starts_with("this run's key-value clients: "),
        "{}",
        h.title()
    );
    // The servers' story runs along: the first leader at least.
    assert!(
        v.notes.iter().any(|n| n.text.contains("leads")),
        "{:?}",
        v.notes
    );
    // A file imported meanwhile takes the view; closing it brings the run's back.
    import(&mut p, "register.log", REGISTER);
    let source = p.history().unwrap().source().clone();
    assert!(matches!(source, lab_engine::session::Source::File(_)));
    p.apply(Command::CloseHistory);
    assert_eq!(
        *p.history().unwrap().source(),
        lab_engine::session::Source::Run
    );
}

#[test]
fn clicking_an_operation_of_the_run_moves_the_timeline_to_its_moment() {
    let (mut p, _) = open("p=raft&workload=kv&seed=2&t=5s");
    let h = p.history().expect("the run's history");
    let ops = h.history().ops.clone();
    let (id, op) = (ops.iter().enumerate())
        .find(|(_, o)| o.completed.is_some() && o.invoked > 1_000_000)
        .expect("an operation completed after 1 s");
    let done = op.completed.as_ref().unwrap().0;
    let fx = p.apply(Command::SeekOp(id));
    assert!(fx.notices.is_empty(), "{:?}", fx.notices);
    assert_eq!(p.sim().now(), done);
    assert!(!p.playing());
    // The history is still the whole run so far; the moment shown moved within it.
    let h = p.history().unwrap();
    assert_eq!(h.history().ops, ops);
    let v = h.view();
    let bar = &v.bars[id];
    let now = v.now.unwrap();
    assert!(bar.end.is_some_and(|e| e < now), "{bar:?} before {now}");
    // An open operation moves the timeline to its invocation.
    if let Some((id, op)) = ops.iter().enumerate().find(|(_, o)| o.completed.is_none()) {
        p.apply(Command::SeekOp(id));
        assert_eq!(p.sim().now(), op.invoked);
    }
}

/// A counterexample opened from the explorer says which of its steps is on screen, as the
/// reader moves through it; a timed run has no steps to count.
#[test]
fn a_counterexample_replay_counts_its_steps() {
    use lab_engine::explore::{explore, ExploreOptions, Host, Outcome, Stats};
    struct Quiet;
    impl Host for Quiet {
        fn seconds(&self) -> f64 {
            0.0
        }
        fn allocated(&self) -> usize {
            0
        }
        fn progress(&mut self, _: &Stats) -> bool {
            true
        }
    }
    let settings = lab_engine::Settings {
        nodes: 3,
        bugs: vec![lab_engine::catalog::IGNORE_PROMISED_VALUE],
        ..lab_engine::Settings::for_protocol(lab_engine::ProtocolKind::Paxos)
    };
    let opts = ExploreOptions {
        proposers: 2,
        ..ExploreOptions::default()
    };
    let report = explore(&settings, &opts, &mut Quiet).expect("valid settings");
    let Outcome::Violation(cx) = report.outcome else {
        panic!("the bug is found: {report:?}")
    };
    let (mut p, _) = open("p=raft&seed=1&t=1s");
    assert_eq!(p.replay_step(), None, "a timed run has no steps");
    p.apply(Command::ShowFound(cx.link()));
    let n = cx.actions.len();
    assert_eq!(n, 8);
    assert_eq!(
        p.replay_step(),
        Some((n, n)),
        "opened at the violation, its last step"
    );
    p.apply(Command::StepBack);
    assert_eq!(p.replay_step(), Some((n - 1, n)));
    p.apply(Command::SeekEvent(0));
    assert_eq!(p.replay_step(), Some((0, n)));
    p.apply(Command::Step);
    p.apply(Command::Step);
    assert_eq!(p.replay_step(), Some((2, n)));
}

#[test]
fn a_stale_read_in_a_run_shows_on_the_history_and_a_click_goes_to_it() {
    // zab-sync-read's second chapter: C3 reads y at a server cut off from its leader.
    let (mut p, _) = open("tour=zab-sync-read&ch=2");
    let h = p.history().expect("the run's history");
    assert_eq!(h.report().verdict, Verdict::NotLinearizable);
    assert!(
        h.status().contains("C3's read of y returned nil"),
        "{}",
        h.status()
    );
    let v = h.view();
    let stuck = v
        .bars
        .iter()
        .find(|b| b.role == Role::Stuck)
        .expect("the stale read");
    assert_eq!(
        (stuck.client.as_str(), stuck.label.as_str()),
        ("C3", "read(y)")
    );
    assert!(
        v.notes.iter().any(|n| n.text.contains("isolate")),
        "{:?}",
        v.notes
    );
    let (id, at) = (stuck.id, stuck.completed.unwrap());
    p.apply(Command::SeekOp(id));
    assert_eq!(p.sim().now(), at);
    assert_eq!(at, 1_176_139);
}

fn tour_file(id: &str) -> String {
    let path = format!("{}/transcripts/tours/{id}.txt", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn the_page_fetches_a_tours_text_and_opens_it_at_the_links_chapter() {
    let mut p = Player::new().fetching_tours();
    let fx = p.apply(Command::Open(TASK.into()));
    let entry = fx.fetch_tour.expect("the text is fetched");
    assert_eq!(entry.path(), "tours/raft-leader-crash.txt");
    assert!(p.reader().is_none(), "nothing to read yet");
    // An answer for a tour no longer wanted opens nothing.
    let fx = p.apply(Command::TourText {
        id: "raft-election".into(),
        text: Ok(tour_file("raft-election")),
    });
    assert!(p.reader().is_none() && fx.notices.is_empty());
    let fx = p.apply(Command::TourText {
        id: "raft-leader-crash".into(),
        text: Ok(tour_file("raft-leader-crash")),
    });
    assert_eq!(fx.notices, Vec::<String>::new());
    let r = p.reader().unwrap();
    assert_eq!((r.index(), r.stage()), (1, &TourStage::Task));
    // Exactly where the compiled-in text opens it.
    let (q, _) = open(TASK);
    assert_eq!(at(&p), at(&q));
    assert_eq!(p.link(false), q.link(false));
}

#[test]
fn a_tour_file_missing_or_wrong_gives_a_notice_and_opens_nothing() {
    let mut p = Player::new().fetching_tours();
    let answer = |p: &mut Player, text: Result<String, String>| {
        let fx = p.apply(Command::OpenTour("raft-election".into()));
        assert_eq!(fx.fetch_tour.map(|e| e.id), Some("raft-election"));
        let id = "raft-election".into();
        let fx = p.apply(Command::TourText { id, text });
        assert!(p.reader().is_none());
        fx.notices
    };
    assert_eq!(
        answer(&mut p, Err("404 Not Found".into())),
        ["The tour 'raft-election' could not be loaded: 404 Not Found"]
    );
    let n = answer(&mut p, Ok("<html>Not found</html>".into()));
    assert!(
        n[0].starts_with("the tour 'raft-election' does not read: line 1: the first line"),
        "{n:?}"
    );
    assert_eq!(
        answer(&mut p, Ok(tour_file("zab-election"))),
        ["the file of the tour 'raft-election' holds another tour ('zab-election')"]
    );

    // What the index knows needs no fetch: an unknown tour, a tour told on the ring page.
    let fx = p.apply(Command::OpenTour("no-such-tour".into()));
    assert!(fx.fetch_tour.is_none());
    assert!(fx.notices[0].starts_with("unknown tour 'no-such-tour'; tours: raft-election"));
    let fx = p.apply(Command::OpenTour("ring-rebalance".into()));
    assert!(fx.fetch_tour.is_none());
    assert_eq!(
        fx.leave,
        Some(Leave::To("protocol=ring&tour=ring-rebalance".into()))
    );

    // A new run while the text is on its way: the text comes too late to open anything.
    p.apply(Command::OpenTour("raft-election".into()));
    p.apply(Command::Open("seed=3".into()));
    p.apply(Command::TourText {
        id: "raft-election".into(),
        text: Ok(tour_file("raft-election")),
    });
    assert!(p.reader().is_none());
    assert_eq!(p.sim().settings().seed, 3);
}
