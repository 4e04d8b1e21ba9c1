//! The search for a linearization of one key's operations: Wing and Gong's depth-first search
//! over the operations that could take effect next ("Testing and Verifying Concurrent Objects",
//! JPDC 1993) with Lowe's cache of configurations already explored ("Testing for
//! linearizability", CCPE 2017), as Porcupine and Knossos's `wgl` checker implement it.
//!
//! The invocations and completions sit in one list in real-time order. An operation may be
//! linearized next if its invocation comes before every completion still in the list, that is
//! before the first one: so the search walks the list from its head, trying each invocation it
//! meets, and stops at the first completion, whose operation it can no longer postpone. Trying
//! an operation lifts it (invocation and completion) out of the list, and backtracking puts it
//! back; the pair (set of operations linearized, model state) is remembered, since two orders
//! reaching the same pair have the same futures.

use super::history::{OpId, Value};
use super::model::{apply, Next, Step};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// One operation of the key being checked.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub op: OpId,
    pub call: u64,
    /// `u64::MAX` for an operation that may take effect at any moment after its invocation.
    pub ret: u64,
    pub step: Step,
}

/// What the search found; indices are into the entries it was given.
#[derive(Debug)]
pub(crate) enum Found {
    /// Every operation placed, in this order.
    Linearizable(Vec<usize>),
    /// No order exists. The deepest dead end: the longest prefix placed, the value after it,
    /// the operation whose completion came before it could be placed, and the operations that
    /// could have come next but are illegal in that state (every one, at the deepest dead end).
    Stuck {
        prefix: Vec<usize>,
        state: Value,
        stuck: usize,
        illegal: Vec<usize>,
    },
}

const NONE: usize = usize::MAX;
const ILLEGAL: u32 = u32::MAX;
const HEAD: usize = 0;

/// SplitMix64's finish: spreads a counter over every bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The Fx word hasher with SplitMix64's finish, for the search's own tables: fast and the same
/// on every target.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        // Multiplication carries low bits up only: without a finish, keys differing in their
        // high half (the state in a transition's key) would all share their low bits, and so
        // their buckets.
        mix(self.0)
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Model states numbered once each (shared, since key-value states are long texts), and every
/// transition that sets a value computed once.
#[derive(Default)]
struct Model {
    states: Vec<Rc<Value>>,
    ids: FxMap<Rc<Value>, u32>,
    moves: FxMap<u64, u32>,
}

impl Model {
    fn intern(&mut self, v: Value) -> u32 {
        if let Some(&id) = self.ids.get(&v) {
            return id;
        }
        let id = self.states.len() as u32;
        let v = Rc::new(v);
        self.states.push(v.clone());
        self.ids.insert(v, id);
        id
    }

    /// The state after entry `e` from `state`, if it is legal there.
    fn step(&mut self, entries: &[Entry], state: u32, e: usize) -> Option<u32> {
        let step = &entries[e].step;
        if step.looks_only() {
            let same = apply(step, &self.states[state as usize]) == Next::Same;
            return same.then_some(state);
        }
        let key = (u64::from(state) << 32) | e as u64;
        if let Some(&to) = self.moves.get(&key) {
            return (to != ILLEGAL).then_some(to);
        }
        let to = match apply(step, &self.states[state as usize]) {
            Next::Illegal => ILLEGAL,
            Next::Same => state,
            Next::Set(v) => self.intern(v),
        };
        self.moves.insert(key, to);
        (to != ILLEGAL).then_some(to)
    }
}

/// The configurations explored: (set of entries linearized, state), open addressing over a
/// Zobrist hash kept up to date as entries are placed and removed.
struct Seen {
    words: usize,
    slots: Vec<u32>,
    hashes: Vec<u64>,
    states: Vec<u32>,
    sets: Vec<u64>,
}

impl Seen {
    fn new(words: usize) -> Seen {
        Seen {
            words,
            slots: vec![u32::MAX; 1024],
            hashes: Vec::new(),
            states: Vec::new(),
            sets: Vec::new(),
        }
    }

    fn find(&self, hash: u64, state: u32, set: &[u64]) -> Result<(), usize> {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let s = self.slots[i];
            if s == u32::MAX {
                return Err(i);
            }
            let s = s as usize;
            if self.hashes[s] == hash
                && self.states[s] == state
                && self.sets[s * self.words..(s + 1) * self.words] == *set
            {
                return Ok(());
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds the configuration; false if it was there already.
    fn insert(&mut self, hash: u64, state: u32, set: &[u64]) -> bool {
        if (self.hashes.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        match self.find(hash, state, set) {
            Ok(()) => false,
            Err(slot) => {
                self.slots[slot] = self.hashes.len() as u32;
                self.hashes.push(hash);
                self.states.push(state);
                self.sets.extend_from_slice(set);
                true
            }
        }
    }

    fn grow(&mut self) {
        self.slots = vec![u32::MAX; self.slots.len() * 2];
        let mask = self.slots.len() - 1;
        for (s, &hash) in self.hashes.iter().enumerate() {
            let mut i = hash as usize & mask;
            while self.slots[i] != u32::MAX {
                i = (i + 1) & mask;
            }
            self.slots[i] = s as u32;
        }
    }
}

/// The invocation and completion events in real-time order, as a doubly linked list whose
/// node 0 is the head. At equal moments invocations come first: operations that merely touch
/// are concurrent.
struct Events {
    next: Vec<usize>,
    prev: Vec<usize>,
    entry: Vec<usize>,
    is_call: Vec<bool>,
    /// For an invocation's node, its completion's node.
    partner: Vec<usize>,
}

impl Events {
    fn new(entries: &[Entry]) -> Events {
        let mut order: Vec<(u64, bool, usize)> = entries
            .iter()
            .enumerate()
            .flat_map(|(i, e)| [(e.call, false, i), (e.ret.max(e.call), true, i)])
            .collect();
        order.sort_unstable();
        let n = order.len() + 1;
        let mut ev = Events {
            next: (1..=n).map(|i| if i == n { NONE } else { i }).collect(),
            prev: (0..n).map(|i| i.wrapping_sub(1)).collect(),
            entry: vec![NONE; n],
            is_call: vec![false; n],
            partner: vec![NONE; n],
        };
        let mut call_node = vec![NONE; entries.len()];
        for (k, &(_, is_return, e)) in order.iter().enumerate() {
            let node = k + 1;
            ev.entry[node] = e;
            ev.is_call[node] = !is_return;
            if is_return {
                ev.partner[call_node[e]] = node;
            } else {
                call_node[e] = node;
            }
        }
        ev
    }

    fn unlink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = n;
        if n != NONE {
            self.prev[n] = p;
        }
    }

    fn relink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = node;
        if n != NONE {
            self.prev[n] = node;
        }
    }

    /// Takes an invocation and its completion out of the list.
    fn lift(&mut self, call: usize) {
        self.unlink(call);
        self.unlink(self.partner[call]);
    }

    /// Puts back the last pair lifted (lifts and unlifts nest, so the links are still valid).
    fn unlift(&mut self, call: usize) {
        self.relink(self.partner[call]);
        self.relink(call);
    }
}

/// The search over one key's entries, resumable: [`Search::run`] goes on where it stopped, so a
/// caller can share a budget among keys or show progress.
pub(crate) struct Search {
    entries: Vec<Entry>,
    ev: Events,
    model: Model,
    zobrist: Vec<u64>,
    seen: Seen,
    set: Vec<u64>,
    set_hash: u64,
    state: u32,
    /// The operations placed so far: their invocation's node and the state before them.
    stack: Vec<(usize, u32)>,
    /// The deepest dead end so far: its completion's entry, the state there, and the prefix.
    best: Option<(usize, u32)>,
    prefix: Vec<usize>,
    /// How many leading entries of `prefix` the stack still shares, so that recording a deeper
    /// dead end copies only what changed.
    agree: usize,
    node: usize,
    steps: u64,
    found: Option<Found>,
}

impl Search {
    pub(crate) fn new(entries: Vec<Entry>) -> Search {
        let ev = Events::new(&entries);
        let words = entries.len().div_ceil(64);
        let mut model = Model::default();
        let state = model.intern(Value::Nil);
        Search {
            zobrist: (0..entries.len() as u64).map(|i| mix(i + 1)).collect(),
            seen: Seen::new(words),
            set: vec![0; words],
            set_hash: 0,
            state,
            stack: Vec::new(),
            best: None,
            prefix: Vec::new(),
            agree: 0,
            node: ev.next[HEAD],
            steps: 0,
            found: None,
            entries,
            ev,
            model,
        }
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The answer, if the search has one.
    pub(crate) fn found(&self) -> Option<&Found> {
        self.found.as_ref()
    }

    /// Steps taken so far: one tries one operation or backtracks once.
    pub(crate) fn steps(&self) -> u64 {
        self.steps
    }

    /// Searches for at most `steps` more steps; the answer, once there is one.
    pub(crate) fn run(&mut self, steps: u64) -> Option<&Found> {
        let stop = self.steps.saturating_add(steps);
        while self.found.is_none() {
            if self.node == NONE {
                // Every operation placed.
                let order = self.stack.iter().map(|&(n, _)| self.ev.entry[n]).collect();
                self.found = Some(Found::Linearizable(order));
                break;
            }
            if self.steps == stop {
                return None;
            }
            self.steps += 1;
            self.advance();
        }
        self.found.as_ref()
    }

    /// One step from `node`: try its operation, or backtrack from its completion.
    fn advance(&mut self) {
        let node = self.node;
        let e = self.ev.entry[node];
        if self.ev.is_call[node] {
            if let Some(to) = self.model.step(&self.entries, self.state, e) {
                self.set[e / 64] |= 1 << (e % 64);
                let hash = self.set_hash ^ self.zobrist[e];
                if self
                    .seen
                    .insert(hash ^ mix(u64::from(to) ^ 0x5bd1_e995), to, &self.set)
                {
                    self.stack.push((node, self.state));
                    self.state = to;
                    self.set_hash = hash;
                    self.ev.lift(node);
                    self.node = self.ev.next[HEAD];
                    return;
                }
                self.set[e / 64] &= !(1 << (e % 64));
            }
            self.node = self.ev.next[node];
            return;
        }
        // A completion: its operation cannot wait any longer, and no order placed it in time.
        if self.best.is_none() || self.stack.len() > self.prefix.len() {
            self.prefix.truncate(self.agree);
            let ev = &self.ev;
            self.prefix
                .extend(self.stack[self.agree..].iter().map(|&(n, _)| ev.entry[n]));
            self.agree = self.stack.len();
            self.best = Some((e, self.state));
        }
        let Some((call, before)) = self.stack.pop() else {
            let (stuck, at) = self.best.unwrap_or((e, self.state));
            self.found = Some(self.stuck(stuck, at));
            return;
        };
        self.agree = self.agree.min(self.stack.len());
        let placed = self.ev.entry[call];
        self.state = before;
        self.set[placed / 64] &= !(1 << (placed % 64));
        self.set_hash ^= self.zobrist[placed];
        self.ev.unlift(call);
        self.node = self.ev.next[call];
    }

    /// The answer once the search has backtracked past its first choice: the deepest dead end,
    /// with the candidates it had, every operation not in the prefix invoked before the stuck
    /// one completed.
    fn stuck(&mut self, stuck: usize, at: u32) -> Found {
        let entries = &self.entries;
        let mut placed = vec![false; entries.len()];
        for &i in &self.prefix {
            placed[i] = true;
        }
        let deadline = entries[stuck].ret.max(entries[stuck].call);
        let mut candidates: Vec<usize> = (0..entries.len())
            .filter(|&i| !placed[i] && entries[i].call <= deadline)
            .collect();
        candidates.sort_by_key(|&i| (entries[i].call, i));
        candidates.retain(|&i| self.model.step(entries, at, i).is_none());
        Found::Stuck {
            prefix: self.prefix.clone(),
            state: (*self.model.states[at as usize]).clone(),
            stuck,
            illegal: candidates,
        }
    }
}
