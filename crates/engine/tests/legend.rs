//! The legend tells the truth: every colour a protocol's nodes are drawn in (their summary's
//! class, and a commit protocol's decision) is one its catalog entry's legend explains, so the
//! page's one-legend-per-protocol cannot drift from what the cluster shows.

use lab_engine::any::AnySim;
use lab_engine::node::{Decision, LogCell};
use lab_engine::sim::view::NodeView;
use lab_engine::{Action, NodeId, ProtocolKind, Settings, MS};

/// Runs `protocol` through crashes, a partition and healing on a few seeds, and collects every
/// legend class its nodes were drawn with.
fn classes_drawn(protocol: ProtocolKind) -> Vec<String> {
    let mut seen = Vec::new();
    through_faults(protocol, |v| {
        seen.push(format!("role-{}", v.summary.class));
        if let Some(d) = v.summary.decision {
            seen.push(format!("decision-{}", d.slug()));
        }
    });
    seen.sort();
    seen.dedup();
    seen
}

/// Every log cell drawn under a live node of `protocol` through the same faults.
fn cells_drawn(protocol: ProtocolKind) -> Vec<LogCell> {
    let mut cells = Vec::new();
    through_faults(protocol, |v| cells.extend(v.summary.log.iter().cloned()));
    cells
}

/// Steps `protocol` through crashes, a partition and healing on a few seeds, showing every
/// live node after every step to `look`.
fn through_faults(protocol: ProtocolKind, mut look: impl FnMut(&NodeView)) {
    for seed in 1..=6 {
        let mut st = Settings::for_protocol(protocol);
        st.seed = seed;
        let mut sim = AnySim::new(st).expect("default settings are valid");
        let n = sim.settings().nodes;
        let far = NodeId::from_idx(n - 1);
        let script = [
            (
                300 * MS,
                Action::Crash {
                    node: NodeId::from_idx(0),
                },
            ),
            (
                600 * MS,
                Action::Restart {
                    node: NodeId::from_idx(0),
                },
            ),
            (900 * MS, Action::Isolate { node: far }),
            (3000 * MS, Action::Heal),
            (3200 * MS, Action::Crash { node: far }),
        ];
        for (t, action) in script {
            while sim.now() < t {
                if sim.step().is_none() {
                    break;
                }
                for v in sim.snapshot().nodes.iter().filter(|v| v.up) {
                    look(v);
                }
            }
            sim.apply(action).expect("the script's actions apply");
        }
    }
}

#[test]
fn every_colour_a_node_is_drawn_in_is_in_its_protocols_legend() {
    for &p in ProtocolKind::ALL {
        let legend: Vec<&str> = p.entry().legend.iter().map(|(c, _)| *c).collect();
        for class in classes_drawn(p) {
            assert!(
                legend.contains(&class.as_str()),
                "{}: nodes are drawn as {class}, which its legend does not explain ({legend:?})",
                p.slug()
            );
        }
    }
}

#[test]
fn commit_protocols_show_both_outcomes_in_the_legend_and_on_the_nodes() {
    for p in [ProtocolKind::TwoPc, ProtocolKind::ThreePc] {
        let legend: Vec<&str> = p.entry().legend.iter().map(|(c, _)| *c).collect();
        assert!(legend.contains(&"decision-commit") && legend.contains(&"decision-abort"));
        assert!(
            classes_drawn(p).contains(&"decision-commit".to_string()),
            "{}: some node shows a commit",
            p.slug()
        );
    }
}

#[test]
fn commit_protocols_colour_a_decided_cell_by_its_outcome_and_say_so() {
    for p in [ProtocolKind::TwoPc, ProtocolKind::ThreePc] {
        let cells = cells_drawn(p);
        for c in &cells {
            // A cell's outcome is its decision: the "+n" of a commit, the "abort" of an abort.
            let expected = match c.text.as_str() {
                "abort" => Some(Decision::Abort),
                t if t.starts_with('+') => Some(Decision::Commit),
                _ => None,
            };
            assert_eq!(c.outcome, expected, "{}: {c:?}", p.slug());
            assert_eq!(c.committed, c.outcome.is_some(), "{}: {c:?}", p.slug());
        }
        for d in [Decision::Commit, Decision::Abort] {
            assert!(
                cells.iter().any(|c| c.outcome == Some(d)),
                "{}: some cell is drawn {d:?}",
                p.slug()
            );
            assert!(
                p.entry().words.outcomes.iter().any(|(o, _)| *o == d),
                "{}: the legend explains {d:?} cells",
                p.slug()
            );
        }
    }
}

#[test]
fn protocols_without_outcomes_colour_cells_by_term_only() {
    for &p in ProtocolKind::ALL {
        if matches!(p, ProtocolKind::TwoPc | ProtocolKind::ThreePc) {
            continue;
        }
        assert!(p.entry().words.outcomes.is_empty(), "{}", p.slug());
        let cells = cells_drawn(p);
        assert!(!cells.is_empty(), "{}: draws a log", p.slug());
        assert!(cells.iter().all(|c| c.outcome.is_none()), "{}", p.slug());
    }
}

#[test]
fn message_kinds_come_from_the_protocol() {
    for &p in ProtocolKind::ALL {
        let sim = AnySim::new(Settings::for_protocol(p)).expect("valid");
        assert_eq!(p.message_kinds(), sim.message_kinds());
    }
}

#[test]
fn commit_protocols_speak_of_transactions_not_terms_and_leaders() {
    for p in [ProtocolKind::TwoPc, ProtocolKind::ThreePc] {
        let w = p.entry().words;
        // What a reader sees: the legend's lines and the tooltips as filled in.
        let said = [
            w.solid,
            w.pale,
            w.leader.0,
            &w.leader_title(NodeId(1), 3),
            w.commit.0,
            &w.commit_title(4),
        ]
        .join(" | ");
        for raft in ["term", "leader", "committed yet"] {
            assert!(!said.contains(raft), "{}: {raft:?} in {said}", p.slug());
        }
        assert!(
            said.contains("transaction") && said.contains("decided"),
            "{said}"
        );
        assert_eq!(w.older, "transactions");
        // The coordinator's mark is a new transaction: Progress::term is its newest txn.
        assert_eq!(w.leader_title(NodeId(1), 3), "S1 starts txn #3");
        assert_eq!(w.commit_title(4), "4 transactions decided");
    }
}

#[test]
fn every_protocols_mark_tooltips_are_filled_in() {
    for &p in ProtocolKind::ALL {
        let w = p.entry().words;
        for t in [w.leader_title(NodeId(2), 5), w.commit_title(7)] {
            assert!(!t.contains('{'), "{}: {t}", p.slug());
        }
        assert!(
            w.solid.starts_with("solid") && w.pale.starts_with("pale"),
            "{}",
            p.slug()
        );
    }
    let raft = ProtocolKind::Raft.entry().words;
    assert_eq!(raft.leader_title(NodeId(2), 5), "S2 leads term 5");
    assert_eq!(raft.commit_title(7), "7 committed");
}
