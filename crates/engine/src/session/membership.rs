//! Membership changes on the page (Raft dissertation ch. 4): the configuration the cluster
//! draws, and the node menu's add, remove and replace, each with whether the leader would take
//! it now and, if not, why. The page draws what this decides.

use super::params::Selection;
use crate::any::AnySim;
use crate::node::{Members, NodeId};
use crate::sim::history::Action;

/// The configuration the cluster shows, as one node's log has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigView {
    /// Whose log it comes from: the selected node's, else the leader's, else the first live
    /// node's.
    pub from: NodeId,
    /// `from` is the leader.
    pub leader: bool,
    /// The voters: C_new during joint consensus.
    pub voters: Vec<NodeId>,
    /// The configuration being left while a change is in flight (C_old, or the one before an
    /// uncommitted single-server change); empty otherwise.
    pub old: Vec<NodeId>,
    pub joint: bool,
    /// Servers catching up before they vote (§4.2.1).
    pub learners: Vec<NodeId>,
    /// Nodes of the pool in no configuration and not catching up: drawn apart.
    pub outside: Vec<NodeId>,
}

fn names(ids: &[NodeId]) -> String {
    ids.iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

impl ConfigView {
    fn new(from: NodeId, leader: bool, m: Members, pool: usize) -> Self {
        let outside = NodeId::all(pool)
            .filter(|n| !m.voters.contains(n) && !m.old.contains(n) && !m.learners.contains(n))
            .collect();
        ConfigView {
            from,
            leader,
            voters: m.voters,
            old: m.old,
            joint: m.joint,
            learners: m.learners,
            outside,
        }
    }

    /// A change is under way: the old and new majorities both matter until it commits.
    pub fn in_flight(&self) -> bool {
        !self.old.is_empty() || !self.learners.is_empty()
    }

    /// A voter of the old or the new configuration.
    pub fn member(&self, id: NodeId) -> bool {
        self.voters.contains(&id) || self.old.contains(&id)
    }

    /// The line drawn on the cluster: `Config: S1 S2 S3 · learner S4`, while joint
    /// `C_old S1 S2 S3 → C_new S1 S4 S5`, while a single change is uncommitted
    /// `Config: S1 S2 S3 S4 (uncommitted; was S1 S2 S3)`; ending `· in S3's log` when that
    /// is not the leader's.
    pub fn text(&self) -> String {
        let mut t = if self.joint {
            format!("C_old {} → C_new {}", names(&self.old), names(&self.voters))
        } else if !self.old.is_empty() {
            format!(
                "Config: {} (uncommitted; was {})",
                names(&self.voters),
                names(&self.old)
            )
        } else {
            format!("Config: {}", names(&self.voters))
        };
        if !self.learners.is_empty() {
            let word = if self.learners.len() == 1 {
                "learner"
            } else {
                "learners"
            };
            t.push_str(&format!(" · {word} {}", names(&self.learners)));
        }
        if !self.leader {
            t.push_str(&format!(" · in {}'s log", self.from));
        }
        t
    }

    /// A node outside every configuration, or `None` when the pool has none left: `want`
    /// itself if it is one, else the first.
    fn spare(&self, want: Option<NodeId>) -> Option<NodeId> {
        want.filter(|n| self.outside.contains(n))
            .or_else(|| self.outside.first().copied())
    }
}

/// The configuration to draw, or `None` with a fixed membership: the selected node's (two
/// servers may disagree, as in the 2015 bug: selecting one shows its log's), else the
/// leader's latest, else the first live node's.
pub fn config_view(sim: &AnySim, selected: Selection) -> Option<ConfigView> {
    let picked = match selected {
        Selection::Node(n) => Some(n),
        _ => None,
    };
    first_view(sim, picked.into_iter().chain(sim.leader()))
}

/// The configuration as the leader has it, which a change goes to, else as the first live
/// node has it.
fn leaders_view(sim: &AnySim) -> Option<ConfigView> {
    first_view(sim, sim.leader())
}

fn first_view(sim: &AnySim, first: impl IntoIterator<Item = NodeId>) -> Option<ConfigView> {
    let pool = sim.settings().nodes;
    let leader = sim.leader();
    (first.into_iter().chain(NodeId::all(pool)))
        .find_map(|n| (sim.members(n)).map(|m| ConfigView::new(n, leader == Some(n), m, pool)))
}

/// A membership change the node menu and the keyboard offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemberOp {
    /// The selected node if it is outside every configuration, else the first such node.
    Add,
    /// The selected node.
    Remove,
    /// The selected node, by the first node outside every configuration.
    Replace,
}

impl MemberOp {
    /// The test id of its button: `node-add`.
    pub fn test_id(self) -> &'static str {
        match self {
            MemberOp::Add => "node-add",
            MemberOp::Remove => "node-remove",
            MemberOp::Replace => "node-replace",
        }
    }
}

/// The action a membership change stands for on `node` now, or why there is none. The leader
/// still has the last word: [`AnySim::check_action`] asks it.
pub fn member_action(sim: &AnySim, op: MemberOp, node: Option<NodeId>) -> Result<Action, String> {
    let Some(view) = leaders_view(sim) else {
        return Err(format!(
            "{} has a fixed membership: open a Raft run with membership=single or joint to add \
             and remove servers.",
            sim.settings().protocol.entry().title
        ));
    };
    let pool = sim.settings().nodes;
    let no_spare = || {
        format!(
            "Every one of the {pool} nodes is already a member: open a run with more nodes than \
             voters (nodes=5&voters=3, say; the page draws up to 9) to have a server to add."
        )
    };
    let action = match op {
        MemberOp::Add => {
            let add = view.spare(node).ok_or_else(no_spare)?;
            Action::Reconfigure {
                add: vec![add],
                remove: Vec::new(),
            }
        }
        MemberOp::Remove | MemberOp::Replace => {
            let n = node.ok_or("Select a node first (click it).")?;
            if !view.member(n) {
                return Err(format!(
                    "{n} is not in the configuration: there is nothing to remove."
                ));
            }
            let add = match op {
                MemberOp::Replace => vec![view.spare(None).ok_or_else(no_spare)?],
                _ => Vec::new(),
            };
            Action::Reconfigure {
                add,
                remove: vec![n],
            }
        }
    };
    sim.check_action(&action)?;
    Ok(action)
}

/// One button of the node menu.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub op: MemberOp,
    /// What the button says: "Add server S4", "Remove S2", "Replace S2 with S4".
    pub label: String,
    /// Why the leader would refuse it now; the button still answers with this notice.
    pub refusal: Option<String>,
}

/// The membership changes the node menu offers on `node`: none with a fixed membership; add
/// (that node, if it is outside every configuration, else the next spare one); remove and
/// replace for a member.
pub fn member_offers(sim: &AnySim, node: NodeId) -> Vec<Offer> {
    let Some(view) = leaders_view(sim) else {
        return Vec::new();
    };
    let spare = view.spare(Some(node));
    let mut ops = vec![MemberOp::Add];
    if view.member(node) {
        ops.extend([MemberOp::Remove, MemberOp::Replace]);
    }
    ops.into_iter()
        .map(|op| {
            let label = match (op, spare) {
                (MemberOp::Add, Some(s)) => format!("Add server {s}"),
                (MemberOp::Add, None) => "Add server".into(),
                (MemberOp::Remove, _) => format!("Remove {node}"),
                (MemberOp::Replace, Some(s)) => format!("Replace {node} with {s}"),
                (MemberOp::Replace, None) => format!("Replace {node}"),
            };
            Offer {
                op,
                label,
                refusal: member_action(sim, op, Some(node)).err(),
            }
        })
        .collect()
}
