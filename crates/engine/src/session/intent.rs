//! The user's commands that need a decision before they become an [`Action`]: which timer
//! "fire the timeout" means, where a client request goes, what a partition editor's groups say.

use crate::any::AnySim;
use crate::node::NodeId;
use crate::sim::history::Action;
use crate::sim::view::Snapshot;

/// The partition groups in effect, as a partition editor numbers them (0, 1, 2): the groups
/// of a partition made from a draft come back as drafted; after Heal every node is in group 0.
pub fn current_groups(snap: &Snapshot) -> Vec<u8> {
    // A partition numbers its groups from 1 and leaves unnamed nodes in 0.
    let base = snap.nodes.iter().map(|v| v.group).min().unwrap_or(0);
    snap.nodes.iter().map(|v| (v.group - base).min(2)).collect()
}

/// "Fire the timeout" of `node`: its pending timer that fires next.
pub fn fire_timeout(snap: &Snapshot, node: NodeId) -> Result<Action, String> {
    snap.timers
        .iter()
        .filter(|t| t.node == node)
        .min_by_key(|t| t.fires_at)
        .map(|t| Action::FireTimer { timer: t.id })
        .ok_or_else(|| format!("{node} has no pending timer"))
}

/// A client request to the current leader, or to the protocol's usual target when none leads.
pub fn request_to_leader(sim: &AnySim) -> Action {
    let node = sim.leader().unwrap_or_else(|| sim.protocol_target());
    Action::Request { node, delta: 1 }
}

/// A partition from an editor's draft: `draft[i]` is node i+1's group number. Empty groups are
/// left out; fewer than two groups is not a partition.
pub fn partition(draft: &[u8]) -> Result<Action, String> {
    let mut numbers: Vec<u8> = draft.to_vec();
    numbers.sort_unstable();
    numbers.dedup();
    let groups: Vec<Vec<NodeId>> = numbers
        .iter()
        .map(|&g| {
            draft
                .iter()
                .enumerate()
                .filter(|(_, &x)| x == g)
                .map(|(i, _)| NodeId::from_idx(i))
                .collect()
        })
        .collect();
    if groups.len() < 2 {
        return Err("Put the nodes in at least two groups to partition.".into());
    }
    Ok(Action::Partition { groups })
}

/// The fault bar beside the cluster: the faults the lab is about, one click each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Cut the leader off with a minority: the majority can go on without it.
    Partition,
    Heal,
    CrashLeader,
    /// Lose the message in flight that would arrive first.
    DropNext,
}

/// The node the faults aim at: the leader, else the protocol's usual target (2PC's
/// coordinator), if it is up.
fn target(sim: &AnySim, snap: &Snapshot) -> Option<NodeId> {
    let id = sim.leader().unwrap_or_else(|| sim.protocol_target());
    snap.nodes.iter().any(|v| v.id == id && v.up).then_some(id)
}

/// What a fault-bar button does to the run as it stands, or why it cannot.
pub fn fault(sim: &AnySim, f: Fault) -> Result<Action, String> {
    let snap = sim.snapshot();
    match f {
        Fault::Heal => Ok(Action::Heal),
        Fault::CrashLeader => target(sim, &snap)
            .map(|node| Action::Crash { node })
            .ok_or_else(|| "No leader is up to crash.".to_string()),
        Fault::DropNext => snap
            .messages
            .iter()
            .filter(|m| m.lost.is_none())
            .min_by_key(|m| (m.arrives, m.id))
            .map(|m| Action::Drop { msg: m.id })
            .ok_or_else(|| "No message is in flight to drop.".to_string()),
        Fault::Partition => {
            let n = snap.nodes.len();
            let lead = target(sim, &snap).unwrap_or(NodeId::from_idx(0));
            // The leader and as many others as leave the rest a majority (alone on 2 nodes).
            let size = ((n - 1) / 2).max(1);
            let mut minority = vec![lead];
            minority.extend(NodeId::all(n).filter(|&id| id != lead).take(size - 1));
            let majority: Vec<NodeId> =
                NodeId::all(n).filter(|id| !minority.contains(id)).collect();
            if majority.is_empty() {
                return Err("One node cannot be partitioned.".into());
            }
            minority.sort();
            Ok(Action::Partition {
                groups: vec![minority, majority],
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Settings;
    use crate::node::MS;
    use crate::session::open_link;

    #[test]
    fn current_groups_follow_partitions_and_heal() {
        let mut sim = AnySim::new(Settings::default()).unwrap();
        assert_eq!(current_groups(&sim.snapshot()), vec![0; 5]);
        sim.apply(partition(&[0, 0, 1, 1, 1]).unwrap()).unwrap();
        assert_eq!(current_groups(&sim.snapshot()), vec![0, 0, 1, 1, 1]);
        sim.apply(partition(&[1, 1, 0, 0, 2]).unwrap()).unwrap();
        assert_eq!(current_groups(&sim.snapshot()), vec![1, 1, 0, 0, 2]);
        sim.apply(Action::Heal).unwrap();
        assert_eq!(current_groups(&sim.snapshot()), vec![0; 5]);
    }

    #[test]
    fn the_timeout_fired_is_the_nodes_next_timer() {
        let o = open_link("p=raft&seed=1");
        let snap = o.sim.snapshot();
        let node = NodeId(2);
        let next = snap
            .timers
            .iter()
            .filter(|t| t.node == node)
            .min_by_key(|t| t.fires_at)
            .unwrap();
        assert_eq!(
            fire_timeout(&snap, node),
            Ok(Action::FireTimer { timer: next.id })
        );
        assert!(fire_timeout(&snap, NodeId(9)).is_err());
    }

    #[test]
    fn requests_go_to_the_leader_once_there_is_one() {
        let mut sim = AnySim::new(Settings::default()).unwrap();
        sim.run_until(3000 * MS);
        let leader = sim.leader().expect("a leader after 3 s");
        assert_eq!(
            request_to_leader(&sim),
            Action::Request {
                node: leader,
                delta: 1
            }
        );
    }

    #[test]
    fn a_draft_becomes_groups_in_group_order() {
        assert_eq!(
            partition(&[1, 0, 1, 2, 0]),
            Ok(Action::Partition {
                groups: vec![
                    vec![NodeId(2), NodeId(5)],
                    vec![NodeId(1), NodeId(3)],
                    vec![NodeId(4)]
                ]
            })
        );
        assert!(partition(&[0, 0, 0]).is_err());
        assert!(partition(&[]).is_err());
    }
}
