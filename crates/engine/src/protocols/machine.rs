//! The replicated state machine: what Raft, Multi-Paxos and Zab apply their committed commands
//! to, in log order. It is the counter (`counter += delta`), or, under `workload=kv`, a small
//! key-value store whose keys are registers with read, write and compare-and-set (Knossos's
//! cas-register, one per key), so a history of client operations can be checked for
//! linearizability.

use crate::node::{key_name, KvOp, KvResult, Reply, Request, Section};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a client's read is served: a setting (`reads=`), each protocol offering its paths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reads {
    /// Through the log like a write, answered once applied (Raft thesis §6.4; Multi-Paxos; a
    /// Zab transaction).
    #[default]
    Log,
    /// ZooKeeper's default: the client's own server answers from its delivered state.
    /// Sequentially consistent, not linearizable (ZooKeeper Programmer's Guide, "Consistency
    /// Guarantees").
    Local,
    /// ZooKeeper's `sync()` before the read: the read waits for a sync that goes through the
    /// leader's broadcast order (Hunt et al., ATC 2010, §4.4). Linearizable.
    Sync,
}

impl Reads {
    pub const ALL: &'static [Reads] = &[Reads::Log, Reads::Local, Reads::Sync];

    /// The name in links and on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            Reads::Log => "log",
            Reads::Local => "local",
            Reads::Sync => "sync",
        }
    }
    pub fn parse(s: &str) -> Result<Reads, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|r| r.slug() == s)
            .ok_or_else(|| {
                let valid: Vec<_> = Self::ALL.iter().map(|r| r.slug()).collect();
                format!("unknown read path '{s}'; valid: {}", valid.join(", "))
            })
    }
}

/// The key-value store: key -> value; a key never written is absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Store(BTreeMap<u8, i64>);

impl Store {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, key: u8) -> Option<i64> {
        self.0.get(&key).copied()
    }
    /// Every key with its value, in key order.
    pub fn entries(&self) -> impl Iterator<Item = (u8, i64)> + '_ {
        self.0.iter().map(|(&k, &v)| (k, v))
    }

    /// Applies one operation in sequence: a read looks, a write sets, a cas sets only if the
    /// key holds the expected value.
    pub fn apply(&mut self, op: KvOp) -> KvResult {
        match op {
            KvOp::Read { key } => KvResult::Read(self.get(key)),
            KvOp::Write { key, value } => {
                self.0.insert(key, value);
                KvResult::Written
            }
            KvOp::Cas { key, old, new } => {
                let swapped = self.get(key) == Some(old);
                if swapped {
                    self.0.insert(key, new);
                }
                KvResult::Cas(swapped)
            }
        }
    }
}

/// The store in the inspector: one row per key.
pub fn store_section(store: &Store) -> Section {
    Section::Table {
        title: "key-value store".into(),
        columns: vec!["key".into(), "value".into()],
        rows: store
            .entries()
            .map(|(k, v)| vec![key_name(k), v.to_string()])
            .collect(),
    }
}

/// Applies the command at log position `index` to the counter or the store, and says what a
/// client waiting for it is told: the counter's value, or the operation's result.
pub fn apply(counter: &mut i64, store: &mut Store, req: &Request, index: u64) -> Reply {
    match req.op {
        None => {
            *counter += req.delta;
            Reply::Committed {
                index,
                value: *counter,
            }
        }
        Some(op) => Reply::Applied {
            index,
            result: store.apply(op),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_registers_with_compare_and_set() {
        let mut s = Store::default();
        assert_eq!(s.apply(KvOp::Read { key: 0 }), KvResult::Read(None));
        let cas = |old, new| KvOp::Cas { key: 0, old, new };
        assert_eq!(
            s.apply(cas(1, 2)),
            KvResult::Cas(false),
            "nothing to compare"
        );
        assert!(s.is_empty());
        assert_eq!(s.apply(KvOp::Write { key: 0, value: 1 }), KvResult::Written);
        assert_eq!(s.apply(cas(1, 2)), KvResult::Cas(true));
        assert_eq!(s.apply(cas(1, 3)), KvResult::Cas(false));
        assert_eq!(s.apply(KvOp::Read { key: 0 }), KvResult::Read(Some(2)));
        assert_eq!(s.apply(KvOp::Read { key: 1 }), KvResult::Read(None));
        assert_eq!(s.entries().collect::<Vec<_>>(), [(0, 2)]);
    }

    #[test]
    fn a_counter_command_leaves_the_store_alone_and_a_kv_one_the_counter() {
        let (mut counter, mut store) = (5, Store::default());
        assert_eq!(
            apply(&mut counter, &mut store, &Request::counter(1, 3), 4),
            Reply::Committed { index: 4, value: 8 }
        );
        assert!(store.is_empty());
        let w = Request::kv(2, KvOp::Write { key: 1, value: 7 });
        assert_eq!(
            apply(&mut counter, &mut store, &w, 5),
            Reply::Applied {
                index: 5,
                result: KvResult::Written
            }
        );
        assert_eq!((counter, store.get(1)), (8, Some(7)));
    }
}
