//! Consistent hashing: where keys live, and what moves when the membership changes.
//!
//! Its own crate beside the engine (lab-engine depends on it for `lab ring`, links and the ring
//! tours; the app's ring page uses it directly): it needs no simulation, and Cargo keeps it so.
//! `page` is what the ring page shows, `script` its lines in the engine's script language.
//!
//! # Why not `hash(key) mod N`
//!
//! The obvious way to spread keys over `N` servers is `hash(key) mod N`. It balances well, but
//! it ties every key to the *number* of servers: going from `n` to `n + 1`, a key stays put only
//! if `h mod n == h mod (n + 1)`, which holds for a fraction `1/(n + 1)` of hashes. So adding one
//! server to ten moves about 91% of the data, when moving the new server's fair share, 1/11, would
//! have sufficed. Removing a server that is not the last one in the list shifts every index after
//! it and moves almost everything too.
//!
//! # The ring
//!
//! Karger, Lehman, Leighton, Panigrahy, Levine and Lewin, "Consistent Hashing and Random Trees:
//! Distributed Caching Protocols for Relieving Hot Spots on the World Wide Web" (STOC 1997), hash
//! servers and keys onto the same circle, the 64-bit integers here, and give each key to the first
//! server clockwise from it. Adding a server only splits arcs: the keys that move are exactly those
//! on the arcs the newcomer now covers and they all move *to* it (Karger et al.'s
//! *monotonicity*); with balanced arcs they are `1/(n + 1)` of the keys. Removing a server hands
//! each of its arcs to the next server clockwise and moves nothing else.
//!
//! With one point per server the arcs are uneven: their lengths are roughly exponentially
//! distributed, and the largest is about `ln n` times the mean. Each server therefore gets `v`
//! *virtual nodes* (Karger et al. use `O(log n)` copies per server; Stoica et al.'s Chord, 2001,
//! and Dynamo do the same): its load is then a sum of `v` arcs, whose relative spread shrinks like
//! `1/sqrt(v)`. [`load`](Assignment::load) reports min, mean, max and the spread `max / mean`
//! (a load figure here, not Karger et al.'s *spread*, which counts the servers one key is sent to
//! across different views).
//!
//! # Replicas: Dynamo's preference list
//!
//! DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store" (SOSP 2007), §4.2–4.3:
//! a key is stored on its coordinator, the owner of the first virtual node clockwise, and on the
//! next nodes clockwise until `N` *distinct physical* nodes hold it; virtual nodes of a server
//! already on the list are skipped, so that one machine failing never takes two copies with it.
//! [`Ring::preference_list`] returns that list, coordinator first. (Dynamo's §6.2 later moved to
//! equal-sized fixed partitions, decoupling partitioning from placement; the ring here is the
//! §4.2 scheme, the one the literature and Cassandra's token ring teach.)
//!
//! # Determinism
//!
//! Positions come from the SplitMix64 finalizer (Steele, Lea and Flood, "Fast Splittable
//! Pseudorandom Number Generators", OOPSLA 2014) over (seed, node, virtual-node index) and
//! (seed, key): integer-only, the same natively and in WebAssembly, and nothing is drawn from the
//! simulator's RNG or the operating system. It is not a cryptographic hash, and placement does not
//! need one. Every collection is ordered (`BTreeMap`, `BTreeSet`), so iteration, ties and printed
//! output follow the ids, never an allocation or hashing order.

pub mod page;
pub mod script;

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// A ring member. Ids are the caller's; the `lab ring` command numbers them from 1 like the
/// simulator's S1..S5. Not the engine's `NodeId`, which is a `u8`: rings are studied with
/// thousands of members.
pub type RingNode = u32;

/// Most members a ring or `lab ring` accepts.
pub const MAX_NODES: u64 = 10_000;
/// Most virtual nodes per member.
pub const MAX_VNODES: u64 = 10_000;
/// Most virtual nodes on one ring (members × virtual nodes), which bounds memory at a few tens of MB.
pub const MAX_POINTS: u64 = 1_000_000;
/// Most replicas `lab ring` places per key: Dynamo runs with 3, and each extra one lengthens
/// every preference-list walk.
pub const MAX_REPLICAS: u64 = 10;
/// Most keys `lab ring` places, which bounds its run time at seconds and its memory at ~50 MB.
pub const MAX_KEYS: u64 = 1_000_000;

const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
// Separate domains so that key `k` and virtual node `(k, i)` never share a hash by construction.
const VNODE_DOMAIN: u64 = 1;
const KEY_DOMAIN: u64 = 2;

/// SplitMix64's output function: a bijection on `u64` whose every output bit depends on every
/// input bit.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn hash(seed: u64, words: &[u64]) -> u64 {
    // Adding the golden gamma before each mix keeps zero inputs away from mix64's fixed point 0.
    words.iter().fold(mix64(seed.wrapping_add(GAMMA)), |h, &w| {
        mix64(h.wrapping_add(GAMMA) ^ w)
    })
}

/// Where virtual node `vnode` of `node` sits on the ring of `seed`.
pub fn vnode_position(seed: u64, node: RingNode, vnode: u32) -> u64 {
    hash(seed, &[VNODE_DOMAIN, u64::from(node), u64::from(vnode)])
}

/// Where key `key` sits on the ring of `seed`; `hash mod N` uses the same hash.
pub fn key_position(seed: u64, key: u64) -> u64 {
    hash(seed, &[KEY_DOMAIN, key])
}

/// A ring position as a fraction of the circle, in `[0, 1)`. Only the top 53 bits are kept, so
/// the value is exact in an `f64` and never rounds up to 1.
pub fn fraction(position: u64) -> f64 {
    (position >> 11) as f64 / (1u64 << 53) as f64
}

fn check_members(members: &BTreeSet<RingNode>, vnodes: u64) -> Result<(), String> {
    if members.is_empty() {
        return Err("a placement needs at least one node".into());
    }
    if members.len() as u64 > MAX_NODES {
        return Err(format!(
            "{} nodes is above the limit of {MAX_NODES}",
            members.len()
        ));
    }
    if members.len() as u64 * vnodes > MAX_POINTS {
        return Err(format!(
            "{} nodes x {vnodes} virtual nodes is above the limit of {MAX_POINTS} points on the ring",
            members.len()
        ));
    }
    Ok(())
}

/// The arc of the ring one virtual node owns: keys after `start` up to and including `end`,
/// clockwise, as fractions of the circle. `start > end` when the arc wraps past 0; with a single
/// virtual node on the ring `start == end` and the arc is the whole circle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VnodeArc {
    pub node: RingNode,
    pub vnode: u32,
    /// The virtual node's own position (the arc's end) on the 64-bit ring.
    pub position: u64,
    pub start: f64,
    pub end: f64,
    /// The arc's share of the circle, in `(0, 1]` (0 only for a vnode hashed onto another's spot).
    pub length: f64,
}

/// A consistent-hashing ring: every member placed at `vnodes` hashed positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ring {
    seed: u64,
    vnodes: u32,
    members: BTreeSet<RingNode>,
    /// Every virtual node as (position, node, index). Keying on all three keeps two virtual nodes
    /// that hash to the same spot (odds 2^-64 per pair) both present, in a fixed order.
    points: BTreeSet<(u64, RingNode, u32)>,
}

impl Ring {
    /// A ring of `members`, each with `vnodes` virtual nodes. Errors on no members, no virtual
    /// nodes, or sizes above [`MAX_NODES`], [`MAX_VNODES`], [`MAX_POINTS`].
    pub fn new(
        seed: u64,
        vnodes: u64,
        members: impl IntoIterator<Item = RingNode>,
    ) -> Result<Ring, String> {
        if vnodes == 0 {
            return Err("a node needs at least one virtual node".into());
        }
        if vnodes > MAX_VNODES {
            return Err(format!(
                "{vnodes} virtual nodes is above the limit of {MAX_VNODES}"
            ));
        }
        let members: BTreeSet<RingNode> = members.into_iter().collect();
        check_members(&members, vnodes)?;
        let mut ring = Ring {
            seed,
            vnodes: vnodes as u32,
            members: BTreeSet::new(),
            points: BTreeSet::new(),
        };
        for m in members {
            ring.place(m);
        }
        Ok(ring)
    }

    fn place(&mut self, node: RingNode) {
        self.members.insert(node);
        for i in 0..self.vnodes {
            self.points
                .insert((vnode_position(self.seed, node, i), node, i));
        }
    }

    /// Adds `node` with its virtual nodes; only the arcs they now end change owner.
    pub fn add(&mut self, node: RingNode) -> Result<(), String> {
        if self.members.contains(&node) {
            return Err(format!("node {node} is already on the ring"));
        }
        let mut grown = self.members.clone();
        grown.insert(node);
        check_members(&grown, u64::from(self.vnodes))?;
        self.place(node);
        Ok(())
    }

    /// Removes `node`; its arcs pass to the next virtual node clockwise. The last node cannot go.
    pub fn remove(&mut self, node: RingNode) -> Result<(), String> {
        if !self.members.contains(&node) {
            return Err(format!("node {node} is not on the ring"));
        }
        if self.members.len() == 1 {
            return Err(format!("node {node} is the last one: a ring needs a node"));
        }
        self.members.remove(&node);
        for i in 0..self.vnodes {
            self.points
                .remove(&(vnode_position(self.seed, node, i), node, i));
        }
        Ok(())
    }

    pub fn members(&self) -> &BTreeSet<RingNode> {
        &self.members
    }

    /// Virtual nodes clockwise from `position`, starting with the first at or after it, once
    /// round the circle.
    fn clockwise(&self, position: u64) -> impl Iterator<Item = &(u64, RingNode, u32)> {
        let from = (position, 0, 0);
        self.points.range(from..).chain(self.points.range(..from))
    }

    /// The node owning `key`: the first virtual node clockwise from the key's position.
    pub fn owner(&self, key: u64) -> RingNode {
        self.owner_at(key_position(self.seed, key))
    }

    /// The node owning a ring position: the first virtual node at or clockwise after it.
    pub fn owner_at(&self, position: u64) -> RingNode {
        let (_, node, _) = self
            .clockwise(position)
            .next()
            .expect("a ring always holds a node");
        *node
    }

    /// Dynamo's preference list for `key`: its owner, then the next distinct physical nodes
    /// clockwise, `n` in all (fewer if the ring has fewer members).
    pub fn preference_list(&self, key: u64, n: usize) -> Vec<RingNode> {
        self.preference_points(key, n)
            .into_iter()
            .map(|(_, node, _)| node)
            .collect()
    }

    /// The preference list with the virtual node where the clockwise walk found each member,
    /// as (position, node, virtual-node index): where the page draws each replica.
    pub fn preference_points(&self, key: u64, n: usize) -> Vec<(u64, RingNode, u32)> {
        let want = n.min(self.members.len());
        let mut list: Vec<(u64, RingNode, u32)> = Vec::with_capacity(want);
        if want == 0 {
            return list;
        }
        for &point in self.clockwise(key_position(self.seed, key)) {
            if !list.iter().any(|p| p.1 == point.1) {
                list.push(point);
                if list.len() == want {
                    break;
                }
            }
        }
        list
    }

    /// Where `key` is drawn on the ring, as a fraction of the circle.
    pub fn key_fraction(&self, key: u64) -> f64 {
        fraction(key_position(self.seed, key))
    }

    /// The arc every virtual node owns, in clockwise order from position 0.
    pub fn arcs(&self) -> Vec<VnodeArc> {
        let points: Vec<_> = self.points.iter().copied().collect();
        let whole = points.len() == 1;
        (0..points.len())
            .map(|i| {
                let (position, node, vnode) = points[i];
                let before = points[(i + points.len() - 1) % points.len()].0;
                VnodeArc {
                    node,
                    vnode,
                    position,
                    start: fraction(before),
                    end: fraction(position),
                    length: if whole {
                        1.0
                    } else {
                        fraction(position.wrapping_sub(before))
                    },
                }
            })
            .collect()
    }

    /// The owner of every key `0..keys`.
    pub fn assign(&self, keys: u64) -> Assignment {
        Assignment {
            members: self.members.clone(),
            owners: (0..keys).map(|k| self.owner(k)).collect(),
        }
    }
}

/// The `hash mod N` placement, for contrast: key `k` goes to the `(h(k) mod N)`-th member in id
/// order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModN {
    seed: u64,
    members: Vec<RingNode>,
}

impl ModN {
    pub fn new(seed: u64, members: impl IntoIterator<Item = RingNode>) -> Result<ModN, String> {
        let set: BTreeSet<RingNode> = members.into_iter().collect();
        check_members(&set, 1)?;
        Ok(ModN {
            seed,
            members: set.into_iter().collect(),
        })
    }

    pub fn owner(&self, key: u64) -> RingNode {
        self.members[(key_position(self.seed, key) % self.members.len() as u64) as usize]
    }

    /// The owner of every key `0..keys`.
    pub fn assign(&self, keys: u64) -> Assignment {
        Assignment {
            members: self.members.iter().copied().collect(),
            owners: (0..keys).map(|k| self.owner(k)).collect(),
        }
    }
}

/// Keys `0..K` with their owners under one placement and membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    members: BTreeSet<RingNode>,
    owners: Vec<RingNode>,
}

/// Keys owned per member: every member listed, those that own nothing with 0.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Load {
    pub per_node: BTreeMap<RingNode, u64>,
    pub min: u64,
    pub mean: f64,
    pub max: u64,
    /// `max / mean`: 1 is perfect balance (and the value when there are no keys).
    pub spread: f64,
}

/// A key whose owner changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Move {
    pub key: u64,
    pub from: RingNode,
    pub to: RingNode,
}

impl Assignment {
    pub fn members(&self) -> &BTreeSet<RingNode> {
        &self.members
    }

    /// `owners()[k]` owns key `k`.
    pub fn owners(&self) -> &[RingNode] {
        &self.owners
    }

    pub fn load(&self) -> Load {
        let mut per_node: BTreeMap<RingNode, u64> = self.members.iter().map(|&m| (m, 0)).collect();
        for o in &self.owners {
            *per_node.entry(*o).or_default() += 1;
        }
        let min = per_node.values().copied().min().unwrap_or(0);
        let max = per_node.values().copied().max().unwrap_or(0);
        let mean = self.owners.len() as f64 / self.members.len().max(1) as f64;
        Load {
            per_node,
            min,
            mean,
            max,
            spread: if mean > 0.0 { max as f64 / mean } else { 1.0 },
        }
    }

    /// The keys, among those both assignments place, whose owner differs in `after`, by key.
    pub fn moves_to(&self, after: &Assignment) -> Vec<Move> {
        self.owners
            .iter()
            .zip(&after.owners)
            .zip(0u64..)
            .filter(|((from, to), _)| from != to)
            .map(|((&from, &to), key)| Move { key, from, to })
            .collect()
    }
}

/// How many moved keys each node receives.
pub fn by_destination(moves: &[Move]) -> BTreeMap<RingNode, u64> {
    let mut out = BTreeMap::new();
    for m in moves {
        *out.entry(m.to).or_default() += 1;
    }
    out
}

/// Replica copies that must be shipped going from `before` to `after`: for each key `0..keys`,
/// the nodes on its `n`-long preference list after the change that were not on it before.
pub fn replica_transfers(before: &Ring, after: &Ring, keys: u64, n: usize) -> u64 {
    (0..keys)
        .map(|k| {
            let old = before.preference_list(k, n);
            after
                .preference_list(k, n)
                .iter()
                .filter(|node| !old.contains(node))
                .count() as u64
        })
        .sum()
}

const USAGE: &str = "\
lab ring: where consistent hashing and hash mod N put keys, and what moves

USAGE
  lab ring [--nodes 10] [--vnodes 100] [--keys 100000] [--replicas 3] [--seed 1]
           (--add COUNT | --remove ID)...

Nodes are numbered 1..=nodes; --add adds COUNT new nodes numbered after them, --remove takes
node ID away; both may be repeated and combined. Prints the fraction of keys that change owner with the ring and
with hash mod N, the replica copies to ship, the load per node before and after, and the moved
keys per destination node.";

/// The most destination rows printed, so that thousands of nodes stay readable.
const MAX_ROWS: usize = 40;

struct Options {
    nodes: u64,
    vnodes: u64,
    keys: u64,
    replicas: u64,
    seed: u64,
    add: u64,
    remove: Vec<u64>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        nodes: 10,
        vnodes: 100,
        keys: 100_000,
        replicas: 3,
        seed: 1,
        add: 0,
        remove: Vec::new(),
    };
    let mut words = args.iter().map(String::as_str);
    while let Some(flag) = words.next() {
        let value = words
            .next()
            .ok_or_else(|| format!("ring: {flag} needs a value (see lab ring --help)"))?;
        let num = |lo: u64, hi: u64| -> Result<u64, String> {
            let v: u64 = value.parse().map_err(|_| {
                if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                    format!("ring: {flag} {value} is above the limit of {hi}")
                } else {
                    format!("ring: {flag} takes a whole number, not '{value}'")
                }
            })?;
            if v < lo {
                return Err(format!("ring: {flag} must be at least {lo}, not {v}"));
            }
            if v > hi {
                return Err(format!("ring: {flag} {v} is above the limit of {hi}"));
            }
            Ok(v)
        };
        match flag {
            "--nodes" => o.nodes = num(1, MAX_NODES)?,
            "--vnodes" => o.vnodes = num(1, MAX_VNODES)?,
            "--keys" => o.keys = num(1, MAX_KEYS)?,
            "--replicas" => o.replicas = num(1, MAX_REPLICAS)?,
            "--seed" => o.seed = num(0, u64::MAX)?,
            "--add" => o.add = o.add.saturating_add(num(1, MAX_NODES)?),
            "--remove" => {
                let id = num(0, u64::MAX)?;
                if o.remove.contains(&id) {
                    return Err(format!("ring: --remove {id} is given twice"));
                }
                o.remove.push(id);
            }
            _ => {
                return Err(format!(
                    "ring: unknown option '{flag}' (see lab ring --help)"
                ))
            }
        }
    }
    if o.add == 0 && o.remove.is_empty() {
        return Err("ring: nothing changes: give --add COUNT or --remove ID".into());
    }
    if let Some(id) = o.remove.iter().find(|&&id| id == 0 || id > o.nodes) {
        return Err(format!(
            "ring: --remove {id}: no such node (the nodes are 1..={})",
            o.nodes
        ));
    }
    // Checked before any arithmetic: repeated --add could otherwise overflow.
    if o.nodes.saturating_add(o.add) > MAX_NODES {
        return Err(format!(
            "ring: {} nodes plus {} added is above the limit of {MAX_NODES}",
            o.nodes, o.add
        ));
    }
    // Every removed id is distinct and among the first nodes, so this cannot underflow.
    let after = o.nodes + o.add - o.remove.len() as u64;
    if after == 0 {
        return Err("ring: removing every node leaves nowhere to put the keys".into());
    }
    if o.replicas > o.nodes.min(after) {
        return Err(format!(
            "ring: --replicas {} needs that many distinct nodes, before and after the change \
             ({} before, {after} after)",
            o.replicas, o.nodes
        ));
    }
    Ok(o)
}

fn percent(part: u64, whole: u64) -> String {
    format!("{:.2}%", 100.0 * part as f64 / whole.max(1) as f64)
}

/// `lab ring ARGS`: the report as text, or what is wrong with the arguments.
pub fn cli(args: &[String]) -> Result<String, String> {
    if args.iter().any(|a| matches!(a.as_str(), "-h" | "--help")) {
        return Ok(format!("{USAGE}\n"));
    }
    let o = parse(args)?;
    let first = 1..=o.nodes as RingNode;
    let before = Ring::new(o.seed, o.vnodes, first.clone()).map_err(|e| format!("ring: {e}"))?;
    let mut after = before.clone();
    // parse() checked every id against --nodes, so they fit.
    let removed: Vec<RingNode> = o.remove.iter().map(|&id| id as RingNode).collect();
    let added: Vec<RingNode> = (1..=o.add as RingNode)
        .map(|i| o.nodes as RingNode + i)
        .collect();
    for &id in &added {
        after.add(id).map_err(|e| format!("ring: {e}"))?;
    }
    for &id in &removed {
        after.remove(id).map_err(|e| format!("ring: {e}"))?;
    }
    let mod_before = ModN::new(o.seed, first).map_err(|e| format!("ring: {e}"))?;
    let mod_after =
        ModN::new(o.seed, after.members().iter().copied()).map_err(|e| format!("ring: {e}"))?;

    let ring_a = (before.assign(o.keys), after.assign(o.keys));
    let mod_a = (mod_before.assign(o.keys), mod_after.assign(o.keys));
    let ring_moves = ring_a.0.moves_to(&ring_a.1);
    let mod_moves = mod_a.0.moves_to(&mod_a.1);
    let n = o.replicas as usize;
    let copies = replica_transfers(&before, &after, o.keys, n);

    let mut out = String::new();
    let _ = writeln!(
        out,
        "lab ring: {} nodes x {} vnodes, {} keys, {} replicas, seed {}",
        o.nodes, o.vnodes, o.keys, o.replicas, o.seed
    );
    let list = |ids: &[RingNode]| {
        ids.iter()
            .map(RingNode::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut change = Vec::new();
    if !added.is_empty() {
        change.push(format!("add node {}", list(&added)));
    }
    if !o.remove.is_empty() {
        change.push(format!("remove node {}", list(&removed)));
    }
    let _ = writeln!(
        out,
        "change:   {} -> {} nodes\n",
        change.join(", "),
        after.members().len()
    );
    // A perfectly balanced placement moves exactly the newcomers' or the leavers' share.
    let ideal = match (added.len() as u64, removed.len() as u64) {
        (a, 0) => format!("; perfect balance moves {}", percent(a, o.nodes + a)),
        (0, r) => format!("; perfect balance moves {}", percent(r, o.nodes)),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "keys moved      ring  {:>7}  ({} keys{ideal})",
        percent(ring_moves.len() as u64, o.keys),
        ring_moves.len()
    );
    let _ = writeln!(
        out,
        "                mod N {:>7}  ({} keys)",
        percent(mod_moves.len() as u64, o.keys),
        mod_moves.len()
    );
    let _ = writeln!(
        out,
        "replica copies  ring  {:>7}  ({copies} of {} copies to ship, N = {n})\n",
        percent(copies, o.keys * o.replicas),
        o.keys * o.replicas
    );
    let _ = writeln!(
        out,
        "load (keys owned per node)        min        mean         max   spread (max/mean)"
    );
    for (name, a) in [
        ("ring   before", &ring_a.0),
        ("ring   after ", &ring_a.1),
        ("mod N  before", &mod_a.0),
        ("mod N  after ", &mod_a.1),
    ] {
        let l = a.load();
        let _ = writeln!(
            out,
            "  {name}            {:>9} {:>11.1} {:>11}   {:.3}",
            l.min, l.mean, l.max, l.spread
        );
    }
    let ring_to = by_destination(&ring_moves);
    let mod_to = by_destination(&mod_moves);
    let rows: BTreeSet<RingNode> = ring_to.keys().chain(mod_to.keys()).copied().collect();
    let _ = writeln!(
        out,
        "\nkeys moved, per destination node\n  node        ring       mod N"
    );
    for node in rows.iter().take(MAX_ROWS) {
        let _ = writeln!(
            out,
            "  {node:<6} {:>9} {:>11}",
            ring_to.get(node).copied().unwrap_or(0),
            mod_to.get(node).copied().unwrap_or(0)
        );
    }
    if rows.len() > MAX_ROWS {
        let _ = writeln!(out, "  ... and {} more nodes", rows.len() - MAX_ROWS);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix64_is_splitmix64() {
        // SplitMix64's first output from state 0 is mix64(0 + gamma): the published test vector.
        assert_eq!(mix64(GAMMA), 0xe220_a839_7b1d_cdaf);
        assert_eq!(mix64(0), 0);
    }

    #[test]
    fn positions_are_pinned() {
        // A change here moves every key of every ring a user has seen: keep it deliberate.
        let got = [
            vnode_position(1, 1, 0),
            vnode_position(1, 1, 1),
            key_position(1, 0),
            key_position(2, 0),
        ];
        assert_eq!(got, PINNED);
    }
    const PINNED: [u64; 4] = [
        0x645a_5a3a_2c38_5f36,
        0xf389_7719_bb9b_1d3c,
        0x4ab8_cfe5_81c6_c85b,
        0xf88e_d945_105f_9739,
    ];

    #[test]
    fn arcs_tile_the_circle_and_agree_with_owner() {
        let ring = Ring::new(3, 7, [1, 2, 5]).unwrap();
        let arcs = ring.arcs();
        assert_eq!(arcs.len(), 21);
        let total: f64 = arcs.iter().map(|a| a.length).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        assert!(arcs.windows(2).all(|w| w[0].position < w[1].position));
        assert!(arcs[0].start > arcs[0].end, "the first arc wraps past 0");
        // (exclusive start, inclusive end) of every arc on the 64-bit ring.
        let bounds: Vec<(u64, u64, RingNode)> = (0..arcs.len())
            .map(|i| {
                let before = arcs[(i + arcs.len() - 1) % arcs.len()].position;
                (before, arcs[i].position, arcs[i].node)
            })
            .collect();
        for key in 0..2000 {
            let pos = key_position(3, key);
            let holders: Vec<RingNode> = bounds
                .iter()
                .filter(|&&(lo, hi, _)| {
                    if lo < hi {
                        lo < pos && pos <= hi
                    } else {
                        pos > lo || pos <= hi
                    }
                })
                .map(|b| b.2)
                .collect();
            assert_eq!(holders, vec![ring.owner(key)], "key {key}");
        }
    }

    #[test]
    fn one_vnode_owns_the_whole_circle() {
        let ring = Ring::new(1, 1, [4]).unwrap();
        let arcs = ring.arcs();
        assert_eq!(arcs.len(), 1);
        assert_eq!(arcs[0].length, 1.0);
        assert_eq!(arcs[0].start, arcs[0].end);
        assert_eq!(ring.preference_list(9, 3), vec![4]);
        assert_eq!(ring.owner(9), 4);
    }

    #[test]
    fn bad_memberships_are_refused() {
        assert!(Ring::new(1, 0, [1]).is_err());
        assert!(Ring::new(1, MAX_VNODES + 1, [1]).is_err());
        assert!(Ring::new(1, 10, []).is_err());
        assert!(Ring::new(1, 1000, 1..=1001).is_err());
        assert!(ModN::new(1, []).is_err());
        let mut ring = Ring::new(1, 10, [1, 2]).unwrap();
        assert!(ring.add(2).is_err());
        assert!(ring.remove(3).is_err());
        ring.remove(1).unwrap();
        assert!(ring.remove(2).is_err(), "the last node stays");
        let mut full = Ring::new(1, 1000, 1..=1000).unwrap();
        assert!(full.add(1001).is_err());
        assert_eq!(full.members().len(), 1000, "a refused add changes nothing");
    }

    #[test]
    fn fractions_stay_below_one() {
        assert_eq!(fraction(0), 0.0);
        assert!(fraction(u64::MAX) < 1.0);
        assert_eq!(fraction(1 << 63), 0.5);
    }

    #[test]
    fn load_counts_idle_members() {
        let a = Assignment {
            members: [1, 2, 3].into(),
            owners: vec![1, 1, 2, 1],
        };
        let l = a.load();
        assert_eq!(l.per_node, BTreeMap::from([(1, 3), (2, 1), (3, 0)]));
        assert_eq!((l.min, l.max), (0, 3));
        assert!((l.spread - 3.0 / (4.0 / 3.0)).abs() < 1e-12);
        let none = Assignment {
            members: [1].into(),
            owners: vec![],
        };
        assert_eq!(none.load().spread, 1.0);
    }
}
