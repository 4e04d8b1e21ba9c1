//! The same seed and the same actions give a byte-identical trace (madsim-style: run twice,
//! compare), and time travel lands on exactly the state a straight run reaches.

use lab_engine::any::AnySim;
use lab_engine::{Action, NodeId, ProtocolKind, Settings, MS, SECOND};

/// A run with faults and its full narrated trace, serialized.
fn traced(settings: &Settings) -> (u64, String) {
    let mut sim = AnySim::new(settings.clone()).unwrap();
    let mut trace = Vec::new();
    while sim.now() < 4 * SECOND {
        if sim.now() >= SECOND && sim.history().actions.is_empty() {
            sim.apply(Action::Crash { node: NodeId(1) }).unwrap();
            sim.apply(Action::Partition {
                groups: vec![vec![NodeId(2)], vec![NodeId(3), NodeId(4), NodeId(5)]],
            })
            .unwrap();
        }
        let Some(r) = sim.step() else { break };
        trace.push(serde_json::json!({
            "record": r.record, "headline": r.headline, "lines": r.lines, "violations": r.violations,
        }));
    }
    (sim.trace_hash(), serde_json::to_string(&trace).unwrap())
}

#[test]
fn same_seed_same_trace_for_every_protocol() {
    for &p in ProtocolKind::ALL {
        let s = Settings {
            seed: 9,
            network: lab_engine::NetworkSettings {
                loss_ppm: 50_000,
                dup_ppm: 50_000,
                ..Default::default()
            },
            ..Settings::for_protocol(p)
        };
        let (h1, t1) = traced(&s);
        let (h2, t2) = traced(&s);
        assert_eq!(h1, h2, "{p}");
        assert_eq!(t1, t2, "{p}: the serialized traces differ");
        let (h3, _) = traced(&Settings { seed: 10, ..s });
        assert_ne!(h1, h3, "{p}: another seed should give another run");
    }
}

#[test]
fn seeking_back_and_forth_lands_on_the_straight_run() {
    let mut straight = AnySim::new(Settings::default()).unwrap();
    straight.run_until(20 * SECOND);
    let mut sim = AnySim::new(Settings::default()).unwrap();
    sim.run_until(20 * SECOND);
    for t in [3 * SECOND, 17 * SECOND + 5 * MS, 0, 11 * SECOND] {
        sim.seek_time(t);
        assert!(sim.now() == t || t == 0, "{t}");
    }
    sim.seek_time(20 * SECOND);
    assert_eq!(sim.events(), straight.events());
    assert_eq!(sim.trace_hash(), straight.trace_hash());
    assert_eq!(sim.snapshot(), straight.snapshot());
    // One event back and forward again.
    let before = sim.snapshot();
    sim.step_back();
    assert_ne!(sim.events(), straight.events());
    sim.step();
    assert_eq!(sim.snapshot().nodes, before.nodes);
    assert_eq!(sim.trace_hash(), straight.trace_hash());
}

#[test]
fn acting_in_the_past_forks_the_run() {
    let mut sim = AnySim::new(Settings::default()).unwrap();
    sim.run_until(5 * SECOND);
    let (horizon, _) = sim.horizon();
    sim.seek_time(2 * SECOND);
    sim.apply(Action::Crash { node: NodeId(3) }).unwrap();
    // The old future is gone; the new one includes the crash.
    assert!(sim.horizon().0 < horizon);
    sim.run_until(5 * SECOND);
    assert!(!sim.snapshot().nodes[2].up);
    assert_eq!(sim.history().actions.len(), 1);
}
