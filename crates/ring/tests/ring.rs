//! Consistent hashing against its claims (Karger et al. 1997; Dynamo, DeCandia et al. 2007):
//! adding a node moves about 1/(n+1) of the keys and only to the newcomer, `hash mod N` moves
//! almost all of them, removing a node moves only its keys, virtual nodes even out the load, and
//! every placement is a pure function of the seed. `--nocapture` prints the measured figures.

use lab_ring::{by_destination, cli, ModN, Ring, RingNode};
use proptest::prelude::*;
use std::collections::BTreeSet;

const KEYS: u64 = 100_000;
const VNODES: u64 = 100;
/// Relative tolerance on the ring's moved fraction. With 100 virtual nodes the newcomer's share
/// has a relative standard deviation near 1/sqrt(100) = 10%, so ±30% is three of them.
const TOLERANCE: f64 = 0.30;

fn ring(seed: u64, vnodes: u64, n: RingNode) -> Ring {
    Ring::new(seed, vnodes, 1..=n).unwrap()
}

#[test]
fn adding_a_node_moves_about_one_over_n_plus_one_and_only_to_it() {
    for seed in [1, 2, 3] {
        for n in [3, 5, 10, 20, 50] {
            let before = ring(seed, VNODES, n);
            let mut after = before.clone();
            after.add(n + 1).unwrap();
            let moves = before.assign(KEYS).moves_to(&after.assign(KEYS));
            let ring_frac = moves.len() as f64 / KEYS as f64;
            let ideal = 1.0 / f64::from(n + 1);

            let mod_before = ModN::new(seed, 1..=n).unwrap().assign(KEYS);
            let mod_after = ModN::new(seed, 1..=n + 1).unwrap().assign(KEYS);
            let mod_frac = mod_before.moves_to(&mod_after).len() as f64 / KEYS as f64;
            println!(
                "seed {seed} n {n:>2} -> {:>2}: ring moves {:.4} (ideal {ideal:.4}, ratio {:.3}), \
                 mod N moves {mod_frac:.4} (ideal {:.4})",
                n + 1,
                ring_frac,
                ring_frac / ideal,
                f64::from(n) / f64::from(n + 1)
            );
            assert!(
                (ring_frac / ideal - 1.0).abs() <= TOLERANCE,
                "seed {seed}, n {n}: ring moved {ring_frac}, ideal {ideal}"
            );
            // Random hashes mod n and mod n+1 agree for 1/(n+1) of keys; 2 points of slack
            // cover sampling noise over 100,000 keys.
            assert!(
                mod_frac > f64::from(n) / f64::from(n + 1) - 0.02,
                "seed {seed}, n {n}: mod N moved only {mod_frac}"
            );
            // Monotonicity: the new node only splits arcs, so every moved key goes to it.
            assert!(moves.iter().all(|m| m.to == n + 1));
            assert_eq!(
                by_destination(&moves).keys().collect::<Vec<_>>(),
                [&(n + 1)]
            );
        }
    }
}

#[test]
fn only_the_new_nodes_arcs_change_owner() {
    let before = ring(4, 20, 8);
    let mut after = before.clone();
    after.add(9).unwrap();
    // Every position that a surviving arc ends at keeps its owner, and the new arcs are 9's.
    let old: BTreeSet<(u64, RingNode)> =
        before.arcs().iter().map(|a| (a.position, a.node)).collect();
    for a in after.arcs() {
        assert!(a.node == 9 || old.contains(&(a.position, a.node)));
    }
    assert_eq!(after.arcs().len(), before.arcs().len() + 20);
}

#[test]
fn removing_a_node_moves_only_its_keys() {
    for n in [3, 5, 10, 20] {
        for gone in [1, n / 2 + 1, n] {
            let before = ring(5, VNODES, n);
            let mut after = before.clone();
            after.remove(gone).unwrap();
            let placed = before.assign(KEYS);
            let moves = placed.moves_to(&after.assign(KEYS));
            let owned: Vec<u64> = (0..KEYS)
                .filter(|&k| placed.owners()[k as usize] == gone)
                .collect();
            assert_eq!(moves.iter().map(|m| m.key).collect::<Vec<_>>(), owned);
            assert!(moves.iter().all(|m| m.from == gone && m.to != gone));
            let frac = moves.len() as f64 / KEYS as f64;
            println!(
                "n {n:>2}, remove {gone:>2}: ring moves {frac:.4} (1/n = {:.4})",
                1.0 / f64::from(n)
            );
            assert!(
                (frac * f64::from(n) - 1.0).abs() <= TOLERANCE,
                "n {n}: {frac}"
            );
        }
    }
}

#[test]
fn load_spread_narrows_as_virtual_nodes_grow() {
    let seeds = [1, 2, 3, 4, 5];
    let vnodes = [1, 10, 100, 1000];
    let mut means = Vec::new();
    for v in vnodes {
        let spreads: Vec<f64> = seeds
            .iter()
            .map(|&s| ring(s, v, 10).assign(KEYS).load().spread)
            .collect();
        let mean = spreads.iter().sum::<f64>() / spreads.len() as f64;
        println!(
            "10 nodes x {v:>4} vnodes: spread (max/mean) {} -> mean {mean:.3}",
            spreads
                .iter()
                .map(|s| format!("{s:.3}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        means.push((v, mean, spreads));
    }
    for w in means.windows(2) {
        // Non-increasing within 2%: at 1000 vnodes the sampling noise of 100,000 keys (about
        // 1% per node) is as large as what is left of the arc imbalance.
        assert!(
            w[1].1 <= w[0].1 * 1.02,
            "{} -> {} vnodes: {} -> {}",
            w[0].0,
            w[1].0,
            w[0].1,
            w[1].1
        );
    }
    // And on every seed, many virtual nodes beat one point per node outright.
    for (s, (one, many)) in means[0].2.iter().zip(&means[3].2).enumerate() {
        assert!(many < one, "seed {}: {one} -> {many}", seeds[s]);
    }
    assert!(means[3].1 < 1.1, "1000 vnodes: spread {}", means[3].1);
}

#[test]
fn replicas_are_distinct_physical_nodes_led_by_the_owner() {
    let r = ring(6, VNODES, 10);
    for key in 0..20_000 {
        let list = r.preference_list(key, 3);
        assert_eq!(list.len(), 3);
        assert_eq!(list[0], r.owner(key));
        assert_eq!(
            list.iter().collect::<BTreeSet<_>>().len(),
            3,
            "key {key}: {list:?}"
        );
    }
    // Asking for more replicas than nodes gives every node once.
    let small = ring(6, 50, 4);
    let all = small.preference_list(7, 10);
    assert_eq!(
        all.iter().copied().collect::<BTreeSet<_>>(),
        (1..=4).collect()
    );
}

#[test]
fn same_seed_same_placement() {
    let a = ring(9, 64, 12);
    let b = ring(9, 64, 12);
    assert_eq!(a, b);
    assert_eq!(a.arcs(), b.arcs());
    assert_eq!(a.assign(KEYS), b.assign(KEYS));
    assert_eq!(a.preference_list(42, 3), b.preference_list(42, 3));
    // Membership order does not matter, and another seed gives another ring.
    assert_eq!(a, Ring::new(9, 64, (1..=12).rev()).unwrap());
    assert_ne!(a.assign(1000), ring(10, 64, 12).assign(1000));
    let args: Vec<String> = ["--seed", "9", "--add", "2", "--keys", "20000"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(cli(&args), cli(&args));
}

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

#[test]
fn the_cli_reports_moves_loads_and_destinations() {
    let out = cli(&words(
        "--nodes 10 --vnodes 100 --keys 100000 --replicas 3 --seed 1 --add 1",
    ))
    .unwrap();
    for want in [
        "keys moved      ring",
        "mod N",
        "replica copies",
        "spread",
        "ring   after",
        "per destination",
    ] {
        assert!(out.contains(want), "missing '{want}' in\n{out}");
    }
    let out = cli(&words("--remove 4")).unwrap();
    assert!(out.contains("remove node 4 -> 9 nodes"), "{out}");
    let out = cli(&words("--add 2 --add 1 --remove 3 --keys 1000")).unwrap();
    assert!(
        out.contains("add node 11, 12, 13, remove node 3 -> 12 nodes"),
        "{out}"
    );
}

#[test]
fn bad_cli_input_is_an_error_never_a_panic() {
    for (args, says) in [
        ("--nodes 0 --add 1", "--nodes must be at least 1"),
        ("--remove 11", "no such node"),
        ("--remove 0", "no such node"),
        ("--remove 99999999999", "no such node"),
        ("--vnodes 0 --add 1", "--vnodes must be at least 1"),
        ("--vnodes 1000000 --add 1", "above the limit"),
        ("--keys 99999999999999999999999 --add 1", "above the limit"),
        ("--nodes 5000 --vnodes 1000 --add 1", "above the limit"),
        ("--nodes 10000 --add 1", "above the limit"),
        ("--add 10000 --add 10000", "above the limit"),
        ("--add 1 --replicas 11", "above the limit"),
        ("--nodes 3 --add 1 --replicas 4", "distinct nodes"),
        ("--nodes 1 --remove 1", "nowhere to put the keys"),
        ("--remove 2 --remove 2", "given twice"),
        ("--add", "needs a value"),
        ("--add x", "whole number"),
        ("--frobnicate 1", "unknown option"),
        ("", "nothing changes"),
    ] {
        let err = cli(&words(args)).expect_err(args);
        assert!(err.contains(says), "{args}: {err}");
    }
}

fn membership() -> impl Strategy<Value = BTreeSet<RingNode>> {
    prop::collection::btree_set(1..40u32, 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn every_key_has_one_owner_and_distinct_replicas(
        members in membership(),
        vnodes in 1..16u64,
        seed in any::<u64>(),
        n in 1..6usize,
    ) {
        let r = Ring::new(seed, vnodes, members.iter().copied()).unwrap();
        let placed = r.assign(300);
        prop_assert_eq!(placed.load().per_node.values().sum::<u64>(), 300);
        let length: f64 = r.arcs().iter().map(|a| a.length).sum();
        prop_assert!((length - 1.0).abs() < 1e-9);
        for key in 0..300 {
            let owner = placed.owners()[key as usize];
            prop_assert!(members.contains(&owner));
            let list = r.preference_list(key, n);
            prop_assert_eq!(list.len(), n.min(members.len()));
            prop_assert_eq!(list[0], owner);
            prop_assert_eq!(list.iter().collect::<BTreeSet<_>>().len(), list.len());
        }
    }

    #[test]
    fn add_then_remove_restores_the_placement(
        members in membership(),
        vnodes in 1..16u64,
        seed in any::<u64>(),
        extra in 40..60u32,
    ) {
        let r = Ring::new(seed, vnodes, members.iter().copied()).unwrap();
        let mut grown = r.clone();
        grown.add(extra).unwrap();
        let moves = r.assign(300).moves_to(&grown.assign(300));
        prop_assert!(moves.iter().all(|m| m.to == extra));
        grown.remove(extra).unwrap();
        prop_assert_eq!(&grown, &r);
        prop_assert_eq!(grown.assign(300), r.assign(300));
        prop_assert_eq!(grown.arcs(), r.arcs());
    }
}
