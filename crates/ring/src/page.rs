//! What the ring page (`?p=ring`) shows, computed here so that the app only draws it.
//!
//! The page starts from members `1..=nodes` and applies a list of membership changes (add a
//! node, remove one), all written in its link, so a link reopens the same ring. It shows the
//! ring after the last change next to the ring before it: which arcs changed owner, which keys
//! moved with consistent hashing and which with `hash mod N`, each key's preference list
//! (Dynamo §4.3), and the load per node. Everything is a function of [`Params`]; sizes are
//! smaller than `lab ring`'s because every key and virtual node is drawn.

use super::{fraction, key_position, Assignment, Load, ModN, Ring, RingNode, VnodeArc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

/// Most members on the page's ring at once: each gets a colour of its own.
pub const MAX_NODES: u32 = 12;
/// Most virtual nodes per member the page draws.
pub const MAX_VNODES: u32 = 64;
/// Most keys the page draws as dots.
pub const MAX_KEYS: u32 = 400;
/// Most replicas per key the page places.
pub const MAX_REPLICAS: u32 = 5;
/// Most membership changes a link may carry.
pub const MAX_CHANGES: usize = 64;
/// Highest node id: labels stay short (`S999`).
pub const MAX_ID: RingNode = 999;

/// One membership change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Change {
    Add(RingNode),
    Remove(RingNode),
}

impl Change {
    pub fn node(self) -> RingNode {
        match self {
            Change::Add(n) | Change::Remove(n) => n,
        }
    }
}

/// As links write it: `add6`, `remove3`.
impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Add(n) => write!(f, "add{n}"),
            Change::Remove(n) => write!(f, "remove{n}"),
        }
    }
}

impl FromStr for Change {
    type Err = String;
    fn from_str(s: &str) -> Result<Change, String> {
        let (make, id): (fn(RingNode) -> Change, &str) = if let Some(id) = s.strip_prefix("add") {
            (Change::Add, id)
        } else if let Some(id) = s.strip_prefix("remove") {
            (Change::Remove, id)
        } else {
            return Err(format!("'{s}' is not addN or removeN"));
        };
        match id.parse::<RingNode>() {
            Ok(n) if (1..=MAX_ID).contains(&n) => Ok(make(n)),
            _ => Err(format!("'{s}': a node id is a number from 1 to {MAX_ID}")),
        }
    }
}

/// Everything the page's link holds about the ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// The starting members are `1..=nodes`.
    pub nodes: u32,
    pub vnodes: u32,
    /// Keys `0..keys` are placed.
    pub keys: u32,
    /// Length of every key's preference list.
    pub replicas: u32,
    pub seed: u64,
    /// Applied in order to the starting members; the page compares the last one's before and
    /// after.
    pub changes: Vec<Change>,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            nodes: 5,
            vnodes: 8,
            keys: 60,
            replicas: 3,
            seed: 1,
            changes: Vec::new(),
        }
    }
}

/// The page's link words with the short forms also read, in the order links write them. The
/// long ones are `lab ring`'s flags.
const WORDS: &[(&str, &[&str])] = &[
    ("nodes", &["n"]),
    ("vnodes", &["vn"]),
    ("keys", &["k"]),
    ("replicas", &["r"]),
    ("seed", &[]),
    ("changes", &["ch"]),
];

/// Who is on the ring before and after the last change, and each node's colour slot.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Replay {
    before: BTreeSet<RingNode>,
    after: BTreeSet<RingNode>,
    /// A node keeps its slot while it is on the ring, so its colour never changes under the
    /// reader's eyes; a newcomer takes the lowest free one. Removed nodes keep theirs too,
    /// for drawing what they owned.
    slots: BTreeMap<RingNode, u8>,
}

fn whole(value: &str, word: &str, lo: u64, hi: u64) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(v) if (lo..=hi).contains(&v) => Ok(v),
        Ok(v) => Err(format!("{word} is {lo} to {hi}, not {v}")),
        Err(_) => Err(format!("{word} takes a whole number, not '{value}'")),
    }
}

impl Params {
    /// The canonical name of a link word, if the page reads it.
    pub fn canonical(word: &str) -> Option<&'static str> {
        WORDS
            .iter()
            .find(|(name, aliases)| *name == word || aliases.contains(&word))
            .map(|(name, _)| *name)
    }

    /// Sets one link word; an unknown word or a value out of range is an error, and leaves the
    /// parameters as they were.
    pub fn set(&mut self, word: &str, value: &str) -> Result<(), String> {
        let name = Params::canonical(word).ok_or_else(|| format!("unknown parameter '{word}'"))?;
        let small = |hi: u32| whole(value, name, 1, u64::from(hi)).map(|v| v as u32);
        match name {
            "nodes" => self.nodes = small(MAX_NODES)?,
            "vnodes" => self.vnodes = small(MAX_VNODES)?,
            "keys" => self.keys = small(MAX_KEYS)?,
            "replicas" => self.replicas = small(MAX_REPLICAS)?,
            "seed" => self.seed = whole(value, name, 0, u64::MAX)?,
            _ => {
                let changes = value
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::parse)
                    .collect::<Result<Vec<Change>, String>>()?;
                if changes.len() > MAX_CHANGES {
                    return Err(format!("at most {MAX_CHANGES} changes"));
                }
                self.changes = changes;
            }
        }
        Ok(())
    }

    /// The link words, `protocol=ring` first; `changes` only when there are some.
    pub fn words(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("protocol", "ring".to_string()),
            ("nodes", self.nodes.to_string()),
            ("vnodes", self.vnodes.to_string()),
            ("keys", self.keys.to_string()),
            ("replicas", self.replicas.to_string()),
            ("seed", self.seed.to_string()),
        ];
        if !self.changes.is_empty() {
            let list: Vec<String> = self.changes.iter().map(Change::to_string).collect();
            out.push(("changes", list.join(",")));
        }
        out
    }

    /// Replays the changes. On the first one that cannot apply, returns how many applied
    /// before it and why it cannot.
    fn replay(&self) -> Result<Replay, (usize, String)> {
        if self.nodes == 0 || self.nodes > MAX_NODES {
            return Err((0, format!("nodes is 1 to {MAX_NODES}, not {}", self.nodes)));
        }
        if self.replicas > self.nodes {
            return Err((
                0,
                format!(
                    "{} replicas need at least {} nodes, not {}",
                    self.replicas, self.replicas, self.nodes
                ),
            ));
        }
        let mut after: BTreeSet<RingNode> = (1..=self.nodes).collect();
        let mut before = after.clone();
        let mut slots: BTreeMap<RingNode, u8> = after.iter().map(|&n| (n, (n - 1) as u8)).collect();
        for (i, &change) in self.changes.iter().enumerate() {
            let fail = |why: String| (i, format!("change '{change}' cannot apply: {why}"));
            match change {
                Change::Add(n) => {
                    if after.contains(&n) {
                        return Err(fail(format!("S{n} is already on the ring")));
                    }
                    if after.len() as u32 >= MAX_NODES {
                        return Err(fail(format!("the page draws at most {MAX_NODES} nodes")));
                    }
                    let used: BTreeSet<u8> = after.iter().map(|m| slots[m]).collect();
                    let free = (0..)
                        .find(|s| !used.contains(s))
                        .expect("fewer members than slots");
                    before = after.clone();
                    after.insert(n);
                    slots.insert(n, free);
                }
                Change::Remove(n) => {
                    if !after.contains(&n) {
                        return Err(fail(format!("S{n} is not on the ring")));
                    }
                    if after.len() as u32 <= self.replicas.max(1) {
                        return Err(fail(format!(
                            "{} replicas need {} distinct nodes",
                            self.replicas, self.replicas
                        )));
                    }
                    before = after.clone();
                    after.remove(&n);
                }
            }
        }
        Ok(Replay {
            before,
            after,
            slots,
        })
    }

    /// Why these parameters cannot be drawn, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        self.replay().map(|_| ()).map_err(|(_, why)| why)
    }

    /// Keeps the changes that apply and drops the rest, with the reason; a replica count above
    /// the node count is lowered to it. Afterwards [`check`](Params::check) passes.
    pub fn repair(&mut self) -> Option<String> {
        self.nodes = self.nodes.clamp(1, MAX_NODES);
        let mut why = None;
        if self.replicas > self.nodes {
            why = Some(format!(
                "{} replicas need {} nodes; placing {} instead",
                self.replicas, self.replicas, self.nodes
            ));
            self.replicas = self.nodes;
        }
        if let Err((kept, reason)) = self.replay() {
            let dropped = self.changes.len() - kept;
            self.changes.truncate(kept);
            why = Some(format!(
                "{reason}; dropped it{}",
                if dropped > 1 {
                    format!(" and the {} after it", dropped - 1)
                } else {
                    String::new()
                }
            ));
        }
        why
    }

    /// The id the next added node gets: one above every id used so far, so that a node
    /// removed and a node added are never confused.
    pub fn next_id(&self) -> RingNode {
        self.changes
            .iter()
            .map(|c| c.node())
            .fold(self.nodes, RingNode::max)
            + 1
    }

    /// These parameters with one more change, if it applies.
    pub fn then(&self, change: Change) -> Result<Params, String> {
        if self.changes.len() >= MAX_CHANGES {
            return Err(format!(
                "at most {MAX_CHANGES} changes; undo or reset first"
            ));
        }
        let mut next = self.clone();
        next.changes.push(change);
        next.check()?;
        Ok(next)
    }

    /// These parameters with one setting changed (`nodes`, `vnodes`, `keys`, `replicas`,
    /// `seed`). Changing `nodes` clears the changes, whose ids were relative to the old
    /// starting members; otherwise the changes stay if they still apply.
    pub fn with(&self, word: &str, value: &str) -> Result<Params, String> {
        let mut next = self.clone();
        next.set(word, value)?;
        if Params::canonical(word) == Some("nodes") {
            next.changes.clear();
        }
        if next.check().is_err() {
            next.changes.clear();
        }
        next.check()?;
        Ok(next)
    }
}

/// An arc whose keys change owner with the last change: the arc of one virtual node of the
/// node that joined (taken from `from`) or left (handed to `to`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChangedArc {
    /// The joining or leaving node's virtual-node index.
    pub vnode: u32,
    pub start: f64,
    pub end: f64,
    pub length: f64,
    pub from: RingNode,
    pub to: RingNode,
}

/// A member of a key's preference list and the virtual node where the walk met it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Replica {
    pub node: RingNode,
    pub vnode: u32,
    /// The virtual node's place on the circle, as a fraction.
    pub at: f64,
}

/// One key: where it sits, its owners now and before the last change, with both placements.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyPlace {
    pub key: u64,
    /// Its place on the circle, as a fraction.
    pub at: f64,
    /// Ring owner after and before the last change.
    pub owner: RingNode,
    pub was: RingNode,
    /// The preference list after the change, owner first.
    pub replicas: Vec<Replica>,
    /// `hash mod N` owner after and before.
    pub mod_owner: RingNode,
    pub mod_was: RingNode,
}

impl KeyPlace {
    pub fn moved(&self) -> bool {
        self.owner != self.was
    }

    pub fn mod_moved(&self) -> bool {
        self.mod_owner != self.mod_was
    }
}

/// A member after the last change and what it holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeRow {
    pub node: RingNode,
    /// Its colour, `0..MAX_NODES`.
    pub slot: u8,
    /// Keys it owns on the ring, with `hash mod N`, and replica copies it holds on the ring.
    pub owns: u64,
    pub mod_owns: u64,
    pub copies: u64,
}

/// Everything the page draws for one [`Params`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scene {
    pub vnodes: u32,
    pub replicas: u32,
    /// The members after the last change, by id.
    pub members: Vec<NodeRow>,
    /// The colour slot of every node drawn, including one just removed.
    pub slots: BTreeMap<RingNode, u8>,
    pub change: Option<Change>,
    /// Every virtual node's arc after the change, clockwise from 0.
    pub arcs: Vec<VnodeArc>,
    /// The arcs that changed owner: one per virtual node of the node that joined or left.
    pub changed: Vec<ChangedArc>,
    /// Their total share of the circle: the fraction of keys expected to move.
    pub changed_share: f64,
    /// What a perfectly balanced placement moves: `1/(n+1)` joining `n` nodes, `1/n` leaving.
    pub fair_share: f64,
    pub keys: Vec<KeyPlace>,
    pub moved: u64,
    pub mod_moved: u64,
    pub load: Load,
    pub mod_load: Load,
}

impl Scene {
    pub fn new(p: &Params) -> Result<Scene, String> {
        let replay = p.replay().map_err(|(_, why)| why)?;
        let vnodes = u64::from(p.vnodes);
        let ring = Ring::new(p.seed, vnodes, replay.after.iter().copied())?;
        let old = Ring::new(p.seed, vnodes, replay.before.iter().copied())?;
        let modn = ModN::new(p.seed, replay.after.iter().copied())?;
        let old_modn = ModN::new(p.seed, replay.before.iter().copied())?;
        let change = p.changes.last().copied();

        // The arcs of the node that changed, on the ring that has it; the other ring says who
        // held (or now holds) each one.
        let changed: Vec<ChangedArc> = match change {
            None => Vec::new(),
            Some(c) => {
                let (with, without) = match c {
                    Change::Add(_) => (&ring, &old),
                    Change::Remove(_) => (&old, &ring),
                };
                with.arcs()
                    .into_iter()
                    .filter(|a| a.node == c.node())
                    .map(|a| {
                        let other = without.owner_at(a.position);
                        let (from, to) = match c {
                            Change::Add(n) => (other, n),
                            Change::Remove(n) => (n, other),
                        };
                        ChangedArc {
                            vnode: a.vnode,
                            start: a.start,
                            end: a.end,
                            length: a.length,
                            from,
                            to,
                        }
                    })
                    .collect()
            }
        };
        let fair_share = match change {
            None => 0.0,
            Some(Change::Add(_)) => 1.0 / replay.after.len() as f64,
            Some(Change::Remove(_)) => 1.0 / replay.before.len() as f64,
        };

        let n = p.replicas as usize;
        let keys: Vec<KeyPlace> = (0..u64::from(p.keys))
            .map(|key| KeyPlace {
                key,
                at: fraction(key_position(p.seed, key)),
                owner: ring.owner(key),
                was: old.owner(key),
                replicas: ring
                    .preference_points(key, n)
                    .into_iter()
                    .map(|(position, node, vnode)| Replica {
                        node,
                        vnode,
                        at: fraction(position),
                    })
                    .collect(),
                mod_owner: modn.owner(key),
                mod_was: old_modn.owner(key),
            })
            .collect();
        let owners = |f: fn(&KeyPlace) -> RingNode| Assignment {
            members: replay.after.clone(),
            owners: keys.iter().map(f).collect(),
        };
        let (load, mod_load) = (owners(|k| k.owner).load(), owners(|k| k.mod_owner).load());
        let mut copies: BTreeMap<RingNode, u64> = BTreeMap::new();
        for r in keys.iter().flat_map(|k| &k.replicas) {
            *copies.entry(r.node).or_default() += 1;
        }
        let members = replay
            .after
            .iter()
            .map(|&node| NodeRow {
                node,
                slot: replay.slots[&node],
                owns: load.per_node[&node],
                mod_owns: mod_load.per_node[&node],
                copies: copies.get(&node).copied().unwrap_or(0),
            })
            .collect();
        let drawn: BTreeSet<RingNode> = replay.before.union(&replay.after).copied().collect();
        Ok(Scene {
            vnodes: p.vnodes,
            replicas: p.replicas,
            members,
            slots: drawn.iter().map(|n| (*n, replay.slots[n])).collect(),
            change,
            arcs: ring.arcs(),
            changed_share: changed.iter().map(|a| a.length).sum(),
            changed,
            fair_share,
            moved: keys.iter().filter(|k| k.moved()).count() as u64,
            mod_moved: keys.iter().filter(|k| k.mod_moved()).count() as u64,
            keys,
            load,
            mod_load,
        })
    }

    /// The colour slot of `node` (0 for a node the scene does not draw).
    pub fn slot(&self, node: RingNode) -> u8 {
        self.slots.get(&node).copied().unwrap_or(0)
    }

    /// Whether `at` (a fraction of the circle) lies on a changed arc: after its start, up to
    /// and including its end, wrapping past 0.
    pub fn on_changed_arc(&self, at: f64) -> Option<&ChangedArc> {
        self.changed.iter().find(|a| {
            if a.length >= 1.0 {
                true
            } else if a.start < a.end {
                a.start < at && at <= a.end
            } else {
                at > a.start || at <= a.end
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(changes: &[Change]) -> Params {
        Params {
            changes: changes.to_vec(),
            ..Params::default()
        }
    }

    #[test]
    fn changes_read_and_write_the_same() {
        for c in [Change::Add(6), Change::Remove(3)] {
            assert_eq!(c.to_string().parse::<Change>(), Ok(c));
        }
        assert_eq!("add6".parse(), Ok(Change::Add(6)));
        assert!("add0".parse::<Change>().is_err());
        assert!("add1000".parse::<Change>().is_err());
        assert!("grow6".parse::<Change>().is_err());
        assert!("remove".parse::<Change>().is_err());
    }

    #[test]
    fn words_round_trip_and_refuse_bad_values() {
        let p = Params {
            nodes: 4,
            vnodes: 16,
            keys: 100,
            replicas: 2,
            seed: 9,
            changes: vec![Change::Add(5), Change::Remove(2)],
        };
        let mut back = Params::default();
        for (k, v) in p.words().iter().skip(1) {
            back.set(k, v).unwrap();
        }
        assert_eq!(back, p);
        let mut q = Params::default();
        q.set("vn", "3").unwrap();
        q.set("ch", "add6").unwrap();
        assert_eq!((q.vnodes, q.changes.clone()), (3, vec![Change::Add(6)]));
        let before = q.clone();
        for (k, v) in [
            ("nodes", "0"),
            ("nodes", "13"),
            ("keys", "many"),
            ("replicas", "6"),
            ("changes", "add6,drop2"),
            ("zoom", "2"),
        ] {
            assert!(q.set(k, v).is_err(), "{k}={v}");
        }
        assert_eq!(q, before, "a refused value changes nothing");
    }

    #[test]
    fn replay_refuses_what_cannot_apply_and_repair_keeps_the_good_prefix() {
        assert!(params(&[Change::Add(6), Change::Remove(6)]).check().is_ok());
        let bad = [
            params(&[Change::Add(3)]),
            params(&[Change::Remove(9)]),
            params(&[Change::Remove(1), Change::Remove(2), Change::Remove(3)]),
        ];
        for p in &bad {
            assert!(p.check().is_err(), "{:?}", p.changes);
        }
        let mut p = params(&[Change::Add(6), Change::Remove(9), Change::Add(7)]);
        let why = p.repair().unwrap();
        assert!(
            why.contains("remove9") && why.contains("1 after it"),
            "{why}"
        );
        assert_eq!(p.changes, vec![Change::Add(6)]);
        let mut few = Params {
            nodes: 2,
            ..Params::default()
        };
        assert!(few.check().is_err());
        assert!(few.repair().is_some());
        assert_eq!(few.replicas, 2);
        assert!(few.check().is_ok());
    }

    #[test]
    fn next_id_never_reuses_an_id() {
        let p = params(&[Change::Add(6), Change::Remove(6)]);
        assert_eq!(p.next_id(), 7);
        assert_eq!(Params::default().next_id(), 6);
        let p = p.then(Change::Add(p.next_id())).unwrap();
        assert_eq!(p.changes.last(), Some(&Change::Add(7)));
        assert!(p.then(Change::Add(7)).is_err());
    }

    #[test]
    fn changing_nodes_clears_the_changes_other_settings_keep_them() {
        let p = params(&[Change::Add(6)]);
        assert!(p.with("nodes", "4").unwrap().changes.is_empty());
        assert_eq!(p.with("seed", "3").unwrap().changes, vec![Change::Add(6)]);
        assert!(p.with("replicas", "9").is_err());
    }

    #[test]
    fn a_newcomer_takes_the_lowest_free_colour() {
        let p = params(&[Change::Remove(2), Change::Add(6)]);
        let scene = Scene::new(&p).unwrap();
        assert_eq!(scene.slot(6), 1, "S2's slot was free");
        assert_eq!(scene.slot(3), 2, "the others keep theirs");
        let removed = Scene::new(&params(&[Change::Remove(2)])).unwrap();
        assert_eq!(
            removed.slot(2),
            1,
            "a node just removed is still drawn in its colour"
        );
        assert_eq!(removed.members.len(), 4);
    }

    #[test]
    fn adding_moves_exactly_the_keys_of_the_new_nodes_arcs_to_it() {
        for seed in 1..20 {
            let p = Params {
                seed,
                keys: 400,
                changes: vec![Change::Add(6)],
                ..Params::default()
            };
            let s = Scene::new(&p).unwrap();
            assert_eq!(s.changed.len(), 8, "one arc per virtual node");
            assert!(s.changed.iter().all(|a| a.to == 6 && a.from != 6));
            for k in &s.keys {
                let arc = s.on_changed_arc(k.at);
                assert_eq!(k.moved(), arc.is_some(), "seed {seed} key {}", k.key);
                if let Some(a) = arc {
                    assert_eq!((k.was, k.owner), (a.from, a.to));
                }
            }
            assert_eq!(s.moved, s.keys.iter().filter(|k| k.moved()).count() as u64);
            assert!(s.mod_moved > s.moved, "seed {seed}: mod N moved fewer");
            assert!((s.fair_share - 1.0 / 6.0).abs() < 1e-12);
        }
    }

    #[test]
    fn removing_moves_exactly_the_leavers_keys_to_the_next_node_clockwise() {
        let p = Params {
            keys: 400,
            changes: vec![Change::Remove(3)],
            ..Params::default()
        };
        let s = Scene::new(&p).unwrap();
        assert_eq!(s.changed.len(), 8);
        assert!(s.changed.iter().all(|a| a.from == 3 && a.to != 3));
        let moved: Vec<&KeyPlace> = s.keys.iter().filter(|k| k.moved()).collect();
        assert!(!moved.is_empty());
        assert!(moved.iter().all(|k| k.was == 3));
        assert!(s.keys.iter().all(|k| k.owner != 3));
        for k in moved {
            assert_eq!(s.on_changed_arc(k.at).map(|a| a.to), Some(k.owner));
        }
        assert!((s.fair_share - 0.2).abs() < 1e-12);
        assert!(s.members.iter().all(|m| m.node != 3));
    }

    #[test]
    fn the_changed_share_predicts_the_moved_fraction() {
        // Over many keys the fraction moved converges to the changed arcs' share of the circle.
        let p = Params {
            keys: MAX_KEYS,
            vnodes: 64,
            changes: vec![Change::Add(6)],
            ..Params::default()
        };
        let s = Scene::new(&p).unwrap();
        let frac = s.moved as f64 / f64::from(p.keys);
        // Binomial standard deviation at 400 keys is under 0.02: allow three.
        assert!(
            (frac - s.changed_share).abs() < 0.06,
            "{frac} vs {}",
            s.changed_share
        );
        assert!(s.changed_share > 0.0 && s.changed_share < 0.5);
    }

    #[test]
    fn no_change_moves_nothing_and_replicas_are_distinct_clockwise_members() {
        let s = Scene::new(&Params::default()).unwrap();
        assert_eq!((s.moved, s.mod_moved, s.changed.len()), (0, 0, 0));
        assert_eq!(s.change, None);
        let ring = Ring::new(1, 8, 1..=5).unwrap();
        for k in &s.keys {
            let nodes: Vec<RingNode> = k.replicas.iter().map(|r| r.node).collect();
            assert_eq!(nodes, ring.preference_list(k.key, 3));
            assert_eq!(nodes[0], k.owner);
            // The walk meets them in clockwise order from the key.
            let ahead = |at: f64| (at - k.at).rem_euclid(1.0);
            assert!(k
                .replicas
                .windows(2)
                .all(|w| ahead(w[0].at) <= ahead(w[1].at)));
        }
        let copies: u64 = s.members.iter().map(|m| m.copies).sum();
        assert_eq!(copies, 3 * 60);
        let owned: u64 = s.members.iter().map(|m| m.owns).sum();
        assert_eq!((owned, s.load.min <= s.load.max), (60, true));
    }

    #[test]
    fn every_scene_the_limits_allow_builds() {
        let p = Params {
            nodes: MAX_NODES,
            vnodes: MAX_VNODES,
            keys: MAX_KEYS,
            replicas: MAX_REPLICAS,
            seed: u64::MAX,
            changes: vec![Change::Remove(MAX_NODES), Change::Add(MAX_ID)],
        };
        let s = Scene::new(&p).unwrap();
        assert_eq!(s.members.len(), MAX_NODES as usize);
        assert!(p.then(Change::Add(14)).is_err(), "no thirteenth node");
        let one = Params {
            nodes: 1,
            replicas: 1,
            vnodes: 1,
            ..Params::default()
        };
        let s = Scene::new(&one).unwrap();
        assert!(s.keys.iter().all(|k| k.owner == 1 && k.replicas.len() == 1));
        assert!(one.then(Change::Remove(1)).is_err(), "the last node stays");
    }
}
