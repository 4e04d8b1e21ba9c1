//! Configuration Overlap's core question, whether quorums of two configurations can be disjoint
//! (dissertation §4.1, §4.3), on the dissertation's and the 2015 bug's cases, and against
//! trying every way to split four servers in two.

use lab_engine::invariants::raft::can_disagree;
use lab_engine::node::NodeId;
use lab_engine::protocols::raft::Config;

fn c(ids: &[u8]) -> Config {
    Config::of(&ids.iter().map(|&i| NodeId(i)).collect::<Vec<_>>())
}

fn disagree(a: Config, b: Config) -> bool {
    can_disagree(&a.majorities(), &b.majorities())
}

#[test]
fn a_joint_configuration_overlaps_both_halves_unless_counted_by_c_new_alone() {
    let old = c(&[1, 2, 3]);
    let new = c(&[4, 5, 6]);
    let joint = old.joint(new);
    assert!(!disagree(joint, old));
    assert!(!disagree(joint, new));
    assert!(disagree(old, new));
    // raft-joint-new-majority-only counts C_old,new by C_new's majority alone.
    assert!(can_disagree(
        &joint.new_part().majorities(),
        &old.majorities()
    ));
}

#[test]
fn single_server_changes_overlap_and_two_concurrent_ones_do_not() {
    let old = c(&[1, 2, 3, 4]);
    assert!(!disagree(old, c(&[1, 2, 3, 4, 5])));
    assert!(!disagree(old, c(&[1, 2, 3])));
    assert!(!disagree(c(&[1, 2, 3]), c(&[1, 2, 3, 4])));
    // The 2015 bug: S5 and S6 each added to {S1..S4} by leaders of different terms.
    assert!(disagree(c(&[1, 2, 3, 4, 5]), c(&[1, 2, 3, 4, 6])));
    // Two removals from the same configuration: {S1, S2} and {S3} decide alone.
    assert!(disagree(c(&[1, 2, 3]), c(&[3, 4])));
    assert!(!disagree(old, old));
}

/// Whether some split of servers S1..S4 into two sides gives side A a majority of every set
/// in `a` and side B a majority of every set in `b`.
fn oracle(a: &[u32], b: &[u32]) -> bool {
    let majority = |set: u32, side: u32| (set & side).count_ones() > set.count_ones() / 2;
    (0..16u32).any(|side_a| {
        let side_b = !side_a;
        a.iter().all(|&s| majority(s, side_a)) && b.iter().all(|&s| majority(s, side_b))
    })
}

#[test]
fn agrees_with_every_split_of_four_servers() {
    // Every configuration of S1..S4: plain ones and every joint pair.
    let plain: Vec<Config> = (1..16u8)
        .map(|m| {
            c(&(0..4)
                .filter(|i| m >> i & 1 == 1)
                .map(|i| i + 1)
                .collect::<Vec<_>>())
        })
        .collect();
    let mut all = plain.clone();
    for &o in &plain {
        for &n in &plain {
            all.push(o.joint(n));
        }
    }
    let mut disjoint = 0;
    for (i, &a) in all.iter().enumerate() {
        // Disjoint quorums are symmetric: each unordered pair once.
        for &b in &all[i..] {
            let (ma, mb) = (a.majorities(), b.majorities());
            let expected = oracle(&ma, &mb);
            assert_eq!(can_disagree(&ma, &mb), expected, "{a} and {b}");
            disjoint += usize::from(expected);
        }
    }
    // Both answers occur often, so the comparison is not trivially one-sided.
    assert!(
        disjoint > 1000 && disjoint < all.len() * all.len() / 2 - 1000,
        "{disjoint}"
    );
}
