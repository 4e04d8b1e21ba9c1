//! Links and trace files replay runs exactly, and no input, however broken, makes the
//! decoders panic.

use lab_engine::any::AnySim;
use lab_engine::share::{decode_link, parse_trace};
use lab_engine::{Action, NodeId, Settings, MS, SECOND};
use proptest::prelude::*;

/// A run with every kind of user action, at odd moments (mid-stepping included).
fn eventful_run() -> AnySim {
    let mut sim = AnySim::new(Settings {
        seed: 11,
        ..Settings::default()
    })
    .unwrap();
    sim.run_until(SECOND);
    let leader = sim.leader().expect("a leader after 1s");
    sim.apply(Action::Crash { node: leader }).unwrap();
    for _ in 0..7 {
        sim.step();
    }
    let msg = sim.snapshot().messages[0].id;
    sim.apply(Action::Drop { msg }).unwrap();
    sim.run_until(2 * SECOND);
    sim.apply(Action::Partition {
        groups: vec![
            vec![NodeId(1), NodeId(2)],
            vec![NodeId(3), NodeId(4), NodeId(5)],
        ],
    })
    .unwrap();
    sim.apply(Action::Request {
        node: NodeId(3),
        delta: 5,
    })
    .unwrap();
    sim.run_until(3 * SECOND + 250 * MS);
    sim.apply(Action::AlignTimers).unwrap();
    let timer = sim.snapshot().timers[0].id;
    sim.apply(Action::FireTimer { timer }).unwrap();
    sim.apply(Action::Heal).unwrap();
    sim.apply(Action::Restart { node: leader }).unwrap();
    sim.run_until(5 * SECOND);
    sim
}

#[test]
fn a_link_replays_event_for_event() {
    let sim = eventful_run();
    let link = sim.link(&[]);
    let d = decode_link(&link);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let mut again = AnySim::replay(d.settings, d.actions).unwrap();
    again.run_until(sim.now());
    assert!(again.skipped().is_empty(), "{:?}", again.skipped());
    assert_eq!(again.events(), sim.events());
    assert_eq!(again.trace_hash(), sim.trace_hash());
    assert_eq!(again.snapshot(), sim.snapshot());
    assert_eq!(again.history().events, sim.history().events);
}

#[test]
fn a_trace_file_round_trips() {
    let sim = eventful_run();
    let file = sim.export_trace();
    let back = AnySim::import_trace(file.as_bytes()).unwrap();
    assert_eq!(back.trace_hash(), sim.trace_hash());
    assert_eq!(back.snapshot(), sim.snapshot());
}

#[test]
fn a_version_1_trace_still_imports() {
    // Version 1 wrote the settings struct itself instead of the vocabulary's words.
    let sim = eventful_run();
    let mut v: serde_json::Value = serde_json::from_str(&sim.export_trace()).unwrap();
    assert_eq!(v["settings"]["election-timeout"], "150ms..300ms");
    v["version"] = 1.into();
    v["settings"] = serde_json::to_value(sim.settings()).unwrap();
    assert_eq!(v["settings"]["election_timeout"][0], 150_000);
    let back = AnySim::import_trace(v.to_string().as_bytes()).unwrap();
    assert_eq!(back.settings(), sim.settings());
    assert_eq!(back.trace_hash(), sim.trace_hash());
}

#[test]
fn damaged_traces_are_refused_with_a_reason() {
    let file = eventful_run().export_trace();
    let cut = &file.as_bytes()[..file.len() / 2];
    assert!(AnySim::import_trace(cut)
        .unwrap_err()
        .contains("not a readable"));
    // A hand-edited event: the replay no longer matches.
    let edited = file.replacen("\"time\":", "\"time\":1", 1);
    let err = AnySim::import_trace(edited.as_bytes()).unwrap_err();
    assert!(
        err.contains("event") || err.contains("back in time"),
        "{err}"
    );
    let v9 = file.replacen("\"version\":2", "\"version\":9", 1);
    assert!(AnySim::import_trace(v9.as_bytes())
        .unwrap_err()
        .contains("version 9"));
    let bad_nodes = file.replacen("\"nodes\":\"5\"", "\"nodes\":\"500\"", 1);
    assert!(AnySim::import_trace(bad_nodes.as_bytes())
        .unwrap_err()
        .contains("cluster size"));
}

#[test]
fn impossible_actions_in_a_link_are_skipped_and_reported() {
    // Restart a node that is up, drop a message that never existed, crash node 9 of 5.
    let d = decode_link("p=raft&seed=3&a=5.100000.r2~9.200000.d99999~12.300000.c9~20.400000.c1");
    let mut sim = AnySim::replay(d.settings, d.actions).unwrap();
    sim.run_until(SECOND);
    let skipped = sim.skipped();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(skipped[0].contains("S2 is running"));
    assert_eq!(sim.history().actions.len(), 1);
    assert!(!sim.snapshot().nodes[0].up);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn link_decoding_never_panics(q in ".{0,300}") {
        let d = decode_link(&q);
        // Whatever came in, the settings that come out are usable.
        prop_assert!(d.settings.validate().is_ok());
        let mut sim = AnySim::replay(d.settings, d.actions).unwrap();
        sim.run_until(200 * MS);
    }

    #[test]
    fn structured_garbage_links_never_panic(
        parts in proptest::collection::vec(
            ("(p|n|seed|lat|loss|dup|et|hb|req|bug|opt|a|embed)", "[a-z0-9.~%-]{0,24}"), 0..8)
    ) {
        let q: Vec<String> = parts.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let d = decode_link(&q.join("&"));
        prop_assert!(d.settings.validate().is_ok());
        let mut sim = AnySim::replay(d.settings, d.actions).unwrap();
        sim.run_until(300 * MS);
    }

    #[test]
    fn trace_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_trace(&bytes);
        let _ = AnySim::import_trace(&bytes);
    }
}

#[test]
fn extreme_settings_stay_bounded() {
    let d = decode_link("p=raft&n=25&et=1ms..1ms&hb=100us&lat=10s..10s");
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let mut sim = AnySim::replay(d.settings, d.actions).unwrap();
    sim.set_narrating(false);
    sim.run_until(20 * SECOND);
    assert!(sim.snapshot().messages.len() <= lab_engine::sim::MAX_IN_FLIGHT);
    assert!(sim.overflowed() > 0);
}

#[test]
fn replayed_links_mark_their_faults_on_the_timeline() {
    let sim = eventful_run();
    let d = decode_link(&sim.link(&[]));
    let mut again = AnySim::replay(d.settings, d.actions).unwrap();
    again.run_until(sim.now());
    assert_eq!(again.history().markers, sim.history().markers);
    assert!(again
        .history()
        .markers
        .iter()
        .any(|m| matches!(m.kind, lab_engine::sim::history::MarkerKind::Fault { .. })));
}
