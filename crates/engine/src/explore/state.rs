//! How an explored state is stored: every distinct node (state, storage, timers), message and
//! checker memory is kept once in an interner, and a cluster state is a short row of their
//! numbers. Two paths to the same cluster give the same row, so the row's hash is the state's
//! fingerprint, and a frontier state costs a few dozen bytes however big the nodes are.

use crate::node::{NodeId, Protocol};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

/// A fast, deterministic word hasher (the Fx multiply-rotate), for interning; fingerprints
/// get a stronger finish in [`fingerprint`].
#[derive(Clone, Copy, Default)]
pub(super) struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, x: u8) {
        self.add(u64::from(x));
    }
    fn write_u16(&mut self, x: u16) {
        self.add(u64::from(x));
    }
    fn write_u32(&mut self, x: u32) {
        self.add(u64::from(x));
    }
    fn write_u64(&mut self, x: u64) {
        self.add(x);
    }
    fn write_usize(&mut self, x: usize) {
        // The same on 32- and 64-bit targets, so the page and the command line agree.
        self.add(x as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(super) type FxBuild = BuildHasherDefault<Fx>;

/// Hashes a map key that already is a well-mixed fingerprint: no work to do.
#[derive(Clone, Copy, Default)]
pub(super) struct Identity(u64);

impl Hasher for Identity {
    fn write(&mut self, _: &[u8]) {
        unreachable!("only fingerprints (u64) are keyed by identity");
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(super) type IdentityBuild = BuildHasherDefault<Identity>;

/// The 64-bit fingerprint of a state row: word by word, then splitmix64's finish so that
/// every bit depends on every word (the visited set keys on it directly).
pub(super) fn fingerprint(row: &[u32]) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15u64 ^ row.len() as u64;
    for &w in row {
        h = (h ^ u64::from(w)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 29;
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Each distinct value once, numbered in the order first seen (so a search on one thread is
/// deterministic down to the numbers; on several, the numbers depend on which thread got
/// there first, but a value always keeps the number it got). Threads intern at once: the map
/// from value to number is split into shards, each behind its own lock, and the values are
/// kept in [`Store`], which hands out references without a lock.
pub(super) struct Interner<T> {
    shards: Box<[Shard<T>]>,
    items: Store<Arc<T>>,
    len: AtomicU32,
}

/// One shard of the interner's map from value to number.
type Shard<T> = RwLock<HashMap<Arc<T>, u32, FxBuild>>;

/// Shards of the interner's map: enough that threads rarely wait on each other.
const SHARDS: usize = 64;

impl<T: Hash + Eq> Interner<T> {
    pub(super) fn new() -> Self {
        Interner {
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
            items: Store::new(),
            len: AtomicU32::new(0),
        }
    }
    pub(super) fn intern(&self, value: T) -> u32 {
        let mut h = Fx::default();
        value.hash(&mut h);
        // Fx's multiply leaves the top bits the best mixed.
        let shard = &self.shards[(h.finish() >> 58) as usize % SHARDS];
        if let Some(&id) = shard
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&value)
        {
            return id;
        }
        let mut map = shard.write().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have interned it between the two locks.
        if let Some(&id) = map.get(&value) {
            return id;
        }
        let id = self.len.fetch_add(1, Ordering::Relaxed);
        assert!(id < u32::MAX, "fewer than 4 G distinct values");
        let rc = Arc::new(value);
        self.items.set(id, rc.clone());
        map.insert(rc, id);
        id
    }
    pub(super) fn get(&self, id: u32) -> &T {
        self.items.get(id)
    }
}

/// An append-only array that threads fill and read at once, every slot written once: buckets
/// of doubling size (32, 64, 128...), each allocated by the first thread to need it, so that a
/// reference handed out stays valid as the array grows.
struct Store<T> {
    buckets: [OnceLock<Box<[OnceLock<T>]>>; BUCKETS],
}

/// 32 + 64 + ... + 2^32: room for every `u32` index.
const BUCKETS: usize = 28;
const FIRST: u32 = 5;

impl<T> Store<T> {
    fn new() -> Self {
        Store {
            buckets: std::array::from_fn(|_| OnceLock::new()),
        }
    }
    /// Bucket `b` holds indices from `2^(b+5) - 32` on, `2^(b+5)` of them.
    fn place(i: u32) -> (usize, usize) {
        let j = u64::from(i) + (1 << FIRST);
        let b = 63 - j.leading_zeros() - FIRST;
        (b as usize, (j - (1 << (b + FIRST))) as usize)
    }
    fn set(&self, i: u32, value: T) {
        let (b, at) = Self::place(i);
        let bucket = self.buckets[b].get_or_init(|| {
            (0..1usize << (b as u32 + FIRST))
                .map(|_| OnceLock::new())
                .collect()
        });
        if bucket[at].set(value).is_err() {
            unreachable!("each index is handed out once");
        }
    }
    fn get(&self, i: u32) -> &T {
        let (b, at) = Self::place(i);
        self.buckets[b]
            .get()
            .and_then(|bucket| bucket[at].get())
            .expect("only numbers handed out are looked up")
    }
}

/// One node as the explorer sees it: its state (none while crashed), its stable storage, the
/// timers it has pending (sorted, each kind once, as the simulator keeps them) and how many of
/// its timers have fired (the budget `--timeouts` bounds), in all and, under
/// `--timer-budget`, of each kind (byte k for kind k; 0 without it, so a search without it
/// keeps its states and hashes).
pub(super) struct Slot<P: Protocol> {
    pub(super) state: Option<P::State>,
    pub(super) durable: P::Durable,
    pub(super) timers: Vec<P::Timer>,
    pub(super) fired: u8,
    pub(super) fired_kinds: u64,
}

// By hand: derives would ask `P` itself (the configuration) to be comparable.
impl<P: Protocol> Clone for Slot<P> {
    fn clone(&self) -> Self {
        Slot {
            state: self.state.clone(),
            durable: self.durable.clone(),
            timers: self.timers.clone(),
            fired: self.fired,
            fired_kinds: self.fired_kinds,
        }
    }
}
impl<P: Protocol> PartialEq for Slot<P> {
    fn eq(&self, o: &Self) -> bool {
        self.fired == o.fired
            && self.fired_kinds == o.fired_kinds
            && self.timers == o.timers
            && self.durable == o.durable
            && self.state == o.state
    }
}
impl<P: Protocol> Eq for Slot<P> {}
impl<P: Protocol> Hash for Slot<P> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.state.hash(h);
        self.durable.hash(h);
        self.timers.hash(h);
        self.fired.hash(h);
        if self.fired_kinds != 0 {
            self.fired_kinds.hash(h);
        }
    }
}

impl<P: Protocol> Slot<P> {
    /// How many timers of kind `k` fired here (counted under `--timer-budget` only).
    pub(super) fn fired_of(&self, k: usize) -> u8 {
        (self.fired_kinds >> (8 * k)) as u8
    }
    pub(super) fn count_fired(&mut self, k: usize) {
        debug_assert!(self.fired_of(k) < u8::MAX, "budgets are u8");
        self.fired_kinds += 1 << (8 * k);
    }
    pub(super) fn arm(&mut self, timer: P::Timer) {
        if let Err(at) = self.timers.binary_search(&timer) {
            self.timers.insert(at, timer);
        }
    }
    pub(super) fn disarm(&mut self, timer: &P::Timer) {
        if let Ok(at) = self.timers.binary_search(timer) {
            self.timers.remove(at);
        }
    }
}

/// A message in flight: who sent it to whom, and what; and the nodes whose pending timers
/// were armed after it was sent, which may not fire before it arrives (bounded delay).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Envelope<M> {
    pub(super) from: NodeId,
    pub(super) to: NodeId,
    pub(super) msg: M,
    /// Bit `i` for node `S(i+1)`.
    pub(super) holds: u32,
}

/// The fault and client budgets spent on the way to a state: the first four packed into one
/// word of its row; membership changes in a word of their own, which only searches that make
/// them have (so the rows of every other search stay as they were).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Spent {
    pub(super) drops: u8,
    pub(super) dups: u8,
    pub(super) crashes: u8,
    pub(super) requests: u8,
    pub(super) reconfigs: u8,
}

impl Spent {
    /// The first word: all but `reconfigs`.
    pub(super) fn pack(self) -> u32 {
        u32::from_le_bytes([self.drops, self.dups, self.crashes, self.requests])
    }
    pub(super) fn unpack(w: u32) -> Self {
        let [drops, dups, crashes, requests] = w.to_le_bytes();
        Spent {
            drops,
            dups,
            crashes,
            requests,
            reconfigs: 0,
        }
    }
}

/// Where the parts sit in a state row: `n` slot numbers, the checker's number, the spent
/// budgets (one word, and one more for membership changes when the search makes them), then
/// the messages in flight as a sorted multiset of their numbers.
pub(super) struct Layout {
    pub(super) n: usize,
    /// The row has the word of membership changes made (`--reconfigs`).
    pub(super) reconfigs: bool,
}

impl Layout {
    pub(super) fn checker(&self) -> usize {
        self.n
    }
    pub(super) fn spent(&self) -> usize {
        self.n + 1
    }
    pub(super) fn reconfigs(&self) -> usize {
        self.n + 2
    }
    pub(super) fn msgs(&self) -> usize {
        self.n + 2 + usize::from(self.reconfigs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_places_every_index_once() {
        assert_eq!(Store::<()>::place(0), (0, 0));
        assert_eq!(Store::<()>::place(31), (0, 31));
        assert_eq!(Store::<()>::place(32), (1, 0));
        assert_eq!(Store::<()>::place(95), (1, 63));
        assert_eq!(Store::<()>::place(96), (2, 0));
        assert_eq!(Store::<()>::place(u32::MAX).0, BUCKETS - 1);
        let s = Store::new();
        for i in 0..1000 {
            s.set(i, i * 3);
        }
        assert!((0..1000).all(|i| *s.get(i) == i * 3));
    }

    #[test]
    fn threads_interning_at_once_agree_on_every_number() {
        let i = Interner::new();
        let ids: Vec<Vec<u32>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|t| {
                    let i = &i;
                    s.spawn(move || (0..2000u32).map(|v| i.intern((v * 7 + t) % 1500)).collect())
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        for (t, ids) in ids.iter().enumerate() {
            for (v, &id) in ids.iter().enumerate() {
                assert_eq!(*i.get(id), (v as u32 * 7 + t as u32) % 1500);
            }
        }
        assert_eq!(i.len.load(Ordering::Relaxed), 1500);
    }

    #[test]
    fn interning_numbers_each_distinct_value_once_in_order() {
        let i = Interner::new();
        assert_eq!(i.intern("b"), 0);
        assert_eq!(i.intern("a"), 1);
        assert_eq!(i.intern("b"), 0);
        assert_eq!((*i.get(0), *i.get(1)), ("b", "a"));
        assert_eq!(i.intern("c"), 2);
    }

    #[test]
    fn fingerprints_tell_rows_apart_by_order_and_length() {
        assert_ne!(fingerprint(&[1, 2]), fingerprint(&[2, 1]));
        assert_ne!(fingerprint(&[0]), fingerprint(&[0, 0]));
        assert_eq!(fingerprint(&[7, 9]), fingerprint(&[7, 9]));
    }

    #[test]
    fn spent_budgets_round_trip_through_one_word() {
        let s = Spent {
            drops: 1,
            dups: 2,
            crashes: 3,
            requests: 255,
            reconfigs: 0,
        };
        assert_eq!(Spent::unpack(s.pack()), s);
    }
}
