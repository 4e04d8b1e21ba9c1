//! The network between the nodes: who can reach whom (partitions and cut links), how long a
//! message travels, and whether it is lost or duplicated. It decides a message's fate when it is
//! sent, with draws from the simulator's one RNG in a fixed order, so a seed gives the same
//! fates everywhere.

use super::history::LossReason;
use super::rng::SimRng;
use crate::catalog::NetworkSettings;
use crate::node::{NodeId, Time};
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub struct Network {
    /// Latency, loss and duplication; the user can change them while a run goes on.
    pub settings: NetworkSettings,
    /// Partition group of each node; nodes talk only within a group.
    groups: Vec<u8>,
    /// Single cut links, stored with the smaller id first.
    cut: BTreeSet<(NodeId, NodeId)>,
}

/// What happens to a message sent now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fate {
    /// Until it arrives, or until it dies on its way.
    pub travel: Time,
    /// Set when it never arrives.
    pub doomed: Option<LossReason>,
    /// The network delivers a second copy (with its own latency).
    pub duplicate: bool,
}

impl Network {
    /// A healed network of `n` nodes.
    pub fn new(settings: NetworkSettings, n: usize) -> Self {
        Network {
            settings,
            groups: vec![0; n],
            cut: BTreeSet::new(),
        }
    }

    pub fn reachable(&self, a: NodeId, b: NodeId) -> bool {
        self.groups[a.idx()] == self.groups[b.idx()] && !self.cut.contains(&(a.min(b), a.max(b)))
    }

    pub fn groups(&self) -> &[u8] {
        &self.groups
    }

    pub fn cut_links(&self) -> impl Iterator<Item = &(NodeId, NodeId)> {
        self.cut.iter()
    }

    /// These groups talk only among themselves; nodes in no group form one more group.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.groups.iter_mut().for_each(|g| *g = 0);
        for (gi, g) in groups.iter().enumerate() {
            for id in g {
                self.groups[id.idx()] = gi as u8 + 1;
            }
        }
    }

    /// Cuts one node off from every other, leaving the other groups as they are.
    pub fn isolate(&mut self, node: NodeId) {
        let fresh = self.groups.iter().copied().max().unwrap_or(0) + 1;
        self.groups[node.idx()] = fresh;
    }

    /// Cuts one link, both directions.
    pub fn cut(&mut self, a: NodeId, b: NodeId) {
        self.cut.insert((a.min(b), a.max(b)));
    }

    /// Every partition and cut link is gone.
    pub fn heal(&mut self) {
        self.groups.iter_mut().for_each(|g| *g = 0);
        self.cut.clear();
    }

    pub fn draw_latency(&self, rng: &mut SimRng) -> Time {
        rng.range(self.settings.latency_min, self.settings.latency_max)
    }

    /// Decides a message's fate given its drawn latency. Random loss kills it somewhere on
    /// its way; a partition kills it at the cut, half way. A lost message can still be duplicated:
    /// the copy has its own fate.
    pub fn fate(&self, rng: &mut SimRng, from: NodeId, to: NodeId, latency: Time) -> Fate {
        let (travel, doomed) = if rng.chance(self.settings.loss_ppm) {
            (
                rng.range(latency / 4, latency * 3 / 4),
                Some(LossReason::Lost),
            )
        } else if !self.reachable(from, to) {
            (latency / 2, Some(LossReason::Partitioned))
        } else {
            (latency, None)
        };
        Fate {
            travel,
            doomed,
            duplicate: rng.chance(self.settings.dup_ppm),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::MS;

    fn net(loss: f64, dup: f64) -> Network {
        Network::new(
            NetworkSettings {
                latency_min: 10 * MS,
                latency_max: 20 * MS,
                loss_ppm: (loss * 1e6) as u32,
                dup_ppm: (dup * 1e6) as u32,
            },
            5,
        )
    }

    fn ids(v: &[u8]) -> Vec<NodeId> {
        v.iter().map(|&i| NodeId(i)).collect()
    }

    #[test]
    fn partitions_isolation_and_cut_links_decide_reachability() {
        let mut n = net(0.0, 0.0);
        let (s1, s2, s3, s4, s5) = (NodeId(1), NodeId(2), NodeId(3), NodeId(4), NodeId(5));
        assert!(n.reachable(s1, s5));
        n.partition(&[ids(&[1, 2]), ids(&[3, 4])]);
        assert!(n.reachable(s1, s2) && n.reachable(s3, s4));
        assert!(!n.reachable(s2, s3));
        // S5 was named in no group: it forms one of its own.
        assert!(!n.reachable(s5, s1) && !n.reachable(s5, s3));
        n.isolate(s1);
        assert!(!n.reachable(s1, s2) && n.reachable(s3, s4));
        n.heal();
        assert!(n.reachable(s1, s5));
        n.cut(s4, s2);
        assert_eq!(n.cut_links().collect::<Vec<_>>(), [&(s2, s4)]);
        assert!(!n.reachable(s2, s4) && !n.reachable(s4, s2));
        assert!(n.reachable(s2, s3));
        n.heal();
        assert!(n.reachable(s2, s4));
        assert_eq!(n.groups(), [0; 5]);
    }

    #[test]
    fn a_reliable_network_delivers_after_the_drawn_latency() {
        let n = net(0.0, 0.0);
        let mut rng = SimRng::new(1);
        for _ in 0..100 {
            let latency = n.draw_latency(&mut rng);
            assert!((10 * MS..=20 * MS).contains(&latency));
            let f = n.fate(&mut rng, NodeId(1), NodeId(2), latency);
            assert_eq!(
                f,
                Fate {
                    travel: latency,
                    doomed: None,
                    duplicate: false
                }
            );
        }
    }

    #[test]
    fn lost_messages_die_on_their_way_and_partitioned_ones_at_the_cut() {
        let mut rng = SimRng::new(2);
        let f = net(1.0, 0.0).fate(&mut rng, NodeId(1), NodeId(2), 12 * MS);
        assert_eq!(f.doomed, Some(LossReason::Lost));
        assert!((3 * MS..=9 * MS).contains(&f.travel));
        let mut n = net(0.0, 1.0);
        n.isolate(NodeId(2));
        let f = n.fate(&mut rng, NodeId(1), NodeId(2), 12 * MS);
        assert_eq!(
            f,
            Fate {
                travel: 6 * MS,
                doomed: Some(LossReason::Partitioned),
                duplicate: true
            }
        );
    }
}
