//! The tours' stories hold: every tour parses, names its chapters, and plays to its end with
//! every expectation met; the ids the app and links use exist.

use lab_engine::tour;
use lab_ring::page::Change;
use std::fs;
use std::path::Path;

#[test]
fn every_tour_file_is_compiled_in_under_its_id() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts/tours");
    let mut files: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut ids: Vec<String> = tour::SOURCES.iter().map(|(id, _)| id.to_string()).collect();
    ids.sort();
    assert_eq!(files, ids, "transcripts/tours/ and tour::SOURCES disagree");
    for (id, text) in tour::SOURCES {
        let t = tour::parse(text).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(&t.id, id, "the '# tour:' line of {id}");
        assert!(!t.title.is_empty(), "{id} has no title");
    }
}

#[test]
fn the_index_the_page_lists_says_what_each_file_says() {
    for e in tour::INDEX {
        let t = tour::find(e.id).unwrap();
        assert_eq!(
            (e.title, e.group, e.on_ring_page()),
            (t.title.as_str(), t.group.as_str(), t.ring.is_some()),
            "tour::INDEX's entry for {}",
            e.id
        );
        // The page fetches it from there: Trunk copies tours/ beside it.
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("transcripts")
            .join(e.path());
        assert!(file.is_file(), "{}", file.display());
    }
}

#[test]
fn every_tour_plays_to_its_end_with_its_checks_met() {
    for t in tour::all() {
        assert!(t.chapters.len() >= 2, "{}: a tour has chapters", t.id);
        for ch in &t.chapters {
            assert!(
                !ch.title.is_empty() && !ch.text.is_empty(),
                "{}: {}",
                t.id,
                ch.title
            );
        }
        let story = tour::play(&t).unwrap();
        let failures: Vec<_> = story.failures().collect();
        assert!(failures.is_empty(), "{}: {failures:#?}", t.id);
        // Chapters move forward in time, or start a new run.
        for (i, w) in story.chapters.windows(2).enumerate() {
            let same_run = t.chapters[i].run == t.chapters[i + 1].run;
            assert!(
                !same_run || w[0].moment.event <= w[1].moment.event,
                "{}: chapter {} goes back in time",
                t.id,
                i + 1
            );
        }
        for (ch, played) in t.chapters.iter().zip(&story.chapters) {
            assert_eq!(
                ch.task.is_some(),
                played.task.is_some(),
                "{}: {}",
                t.id,
                ch.title
            );
        }
    }
}

#[test]
fn a_broken_story_fails() {
    let text = "# settings: protocol=raft nodes=3 seed=1\n# tour: x\n# title: X\n\
                == One\n> text\nrun until 2s\nexpect no leader\n";
    let t = tour::parse(text).unwrap();
    let story = tour::play(&t).unwrap();
    let failures: Vec<_> = story.failures().collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].starts_with("line 7: expect no leader"),
        "{failures:?}"
    );
}

#[test]
fn malformed_tours_say_what_is_wrong() {
    let bad = [
        ("run 1s", "the first line must be"),
        (
            "# settings: protocol=raft\n> text",
            "text before the first chapter",
        ),
        (
            "# settings: protocol=raft\n== A\n> t\ntry crash 1\ntry crash 2",
            "one action",
        ),
        (
            "# settings: protocol=raft\n== A\nright expect no violation",
            "needs a '# compare:'",
        ),
        (
            "# settings: protocol=raft\n# compare: prevote=off",
            "changes nothing",
        ),
        (
            "# settings: protocol=raft\n== A\nfrobnicate",
            "unknown command",
        ),
    ];
    for (text, want) in bad {
        let e = tour::parse(text).unwrap_err();
        assert!(e.contains(want), "{text:?} gave {e:?}");
    }
}

#[test]
fn a_task_waits_at_its_moment_and_names_the_leader() {
    let text = "# settings: protocol=raft nodes=5 seed=1 requests=off\n# tour: t\n# title: T\n\
                == Elect\n> t\nrun until 1s\n== Crash it\n> t\nat 1.5s try crash leader\nrun until 3s\n";
    let t = tour::parse(text).unwrap();
    assert_eq!(
        t.chapters[1].task_text().as_deref(),
        Some("crash the leader")
    );
    let story = tour::play(&t).unwrap();
    let (moment, action) = story.chapters[1].task.clone().unwrap();
    assert_eq!(moment.time, 1_500_000);
    assert_eq!(action.to_string(), "crash S2");
    assert!(story.chapters[1].moment.time >= 3_000_000);
}

#[test]
fn the_command_line_lists_and_tells_tours() {
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (list, ok) = tour::cli(&args(&["list"])).unwrap();
    assert!(ok);
    assert_eq!(list.lines().count(), tour::SOURCES.len());
    assert!(list.contains("raft-figure-8") && list.contains("Common questions"));
    let (told, ok) = tour::cli(&args(&["run", "raft-figure-8"])).unwrap();
    assert!(ok);
    assert!(told.contains("== 1. S2 leads term 1"), "{told}");
    assert!(
        told.contains("right") && told.contains("-- paused at 4100ms"),
        "{told}"
    );
    let (verbose, _) = tour::cli(&args(&["run", "raft-election", "--verbose"])).unwrap();
    assert!(
        verbose.contains("S2 wins the election for term 1"),
        "{verbose}"
    );
    assert!(tour::cli(&args(&["run", "nope"]))
        .unwrap_err()
        .contains("unknown tour"));
    assert!(tour::cli(&args(&["walk"]))
        .unwrap_err()
        .starts_with("usage"));
}

const RING: &str = "# ring: n=4 vn=1 keys=40 r=3 seed=1\n# tour: r\n# title: R\n\
                    == Start\n> t\nexpect moved = 0\n\
                    == Join\n> t\nring add\nexpect arcs = 1\nexpect moved to S5\n\
                    == Spread\n> t\nring set vn=64 keys=200\nring select k18\nexpect moved <= 25%\n";

#[test]
fn a_ring_tour_parses_and_plays_each_chapter_to_its_ring() {
    let t = tour::parse(RING).unwrap();
    assert!(t.runs.is_empty() && t.ring.is_some());
    assert_eq!(t.group, tour::RING_GROUP);
    assert_eq!(t.chapters.len(), 3);
    let story = tour::play(&t).unwrap();
    assert_eq!(
        story.failures().count(),
        0,
        "{:?}",
        story.failures().collect::<Vec<_>>()
    );
    let at = |i: usize| story.chapters[i].ring.clone().unwrap();
    assert!(at(0).params.changes.is_empty());
    assert_eq!(at(1).params.changes, vec![Change::Add(5)]);
    let last = at(2);
    assert_eq!((last.params.vnodes, last.params.keys), (64, 200));
    assert_eq!(
        last.params.changes,
        vec![Change::Add(5)],
        "set keeps the change"
    );
    assert_eq!(last.selected, Some(18));
    assert!(story.runs.is_empty());
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (told, ok) = tour::cli(&args(&["run", "ring-rebalance"])).unwrap();
    assert!(ok, "{told}");
    assert!(told.contains("S5 joined: 2 of 40 keys moved"), "{told}");
    assert!(
        told.contains(
            "-- ring: protocol=ring nodes=4 vnodes=1 keys=40 replicas=3 seed=1 changes=add5"
        ),
        "{told}"
    );
}

#[test]
fn a_false_ring_expectation_fails_with_its_line() {
    let text = RING.replace("expect arcs = 1", "expect arcs = 2");
    let story = tour::play(&tour::parse(&text).unwrap()).unwrap();
    let failures: Vec<_> = story.failures().collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].starts_with("line 10: expect arcs = 2: arcs is 1"),
        "{failures:?}"
    );
    // A change that cannot apply fails too, and the story goes on from the ring before it.
    let text = RING.replace("ring add", "ring remove 9");
    let story = tour::play(&tour::parse(&text).unwrap()).unwrap();
    let failures: Vec<_> = story.failures().collect();
    assert!(
        failures[0].starts_with("line 9: ring remove 9: change 'remove9' cannot apply"),
        "{failures:?}"
    );
}

#[test]
fn malformed_ring_tours_say_what_is_wrong() {
    let bad = [
        ("# ring: n=4 vn=x", "vnodes takes a whole number"),
        ("# ring: n=4 colour=red", "unknown parameter 'colour'"),
        ("# ring: n=4\n== A\n> t\nring grow", "ring what?"),
        (
            "# ring: n=4\n== A\n> t\nexpect load median <= 2",
            "load what?",
        ),
        (
            "# ring: n=4\n== A\n> t\nrun 1s",
            "'run 1s' is not a ring line",
        ),
        ("# ring: n=4\n# settings: protocol=raft", "no '# settings:'"),
        (
            "# settings: protocol=raft\n== A\n> t\nring add",
            "need a '# ring:' header",
        ),
        (
            "# settings: protocol=raft\n== A\n> t\nexpect moved <= 3",
            "need a '# ring:' header",
        ),
    ];
    for (text, want) in bad {
        let e = tour::parse(text).unwrap_err();
        assert!(e.contains(want), "{text:?} gave {e:?}");
    }
    let e = tour::parse("# ring: n=4\n== A\n> t\nring grow").unwrap_err();
    assert!(e.starts_with("line 4: "), "{e}");
}
