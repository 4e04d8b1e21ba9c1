//! Everything that shapes a run besides the seed's randomness and the user's actions.

use super::{Bug, ProtocolKind};
use crate::node::{Time, MS, SECOND};
use crate::protocols::machine::Reads;
use crate::protocols::raft::Membership;
use crate::time::fmt_time;
use serde::{Deserialize, Serialize};

/// The network's behaviour; the user can change it while a run goes on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSettings {
    pub latency_min: Time,
    pub latency_max: Time,
    /// Probability a message is lost, in parts per million.
    pub loss_ppm: u32,
    /// Probability a message is delivered twice, in parts per million.
    pub dup_ppm: u32,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        NetworkSettings {
            latency_min: 10 * MS,
            latency_max: 15 * MS,
            loss_ppm: 0,
            dup_ppm: 0,
        }
    }
}

impl NetworkSettings {
    pub fn validate(&self) -> Result<(), String> {
        if self.latency_min == 0 || self.latency_min > self.latency_max {
            return Err(format!(
                "latency must be a range with 0 < min <= max (got {}..{})",
                fmt_time(self.latency_min),
                fmt_time(self.latency_max)
            ));
        }
        if self.latency_max > 10 * SECOND {
            return Err("latency above 10s is not supported".into());
        }
        if self.loss_ppm > 1_000_000 || self.dup_ppm > 1_000_000 {
            return Err("loss and duplication are probabilities between 0 and 1".into());
        }
        Ok(())
    }
}

/// All settings of a run. With the seed and the user's actions they determine the whole trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub protocol: ProtocolKind,
    pub nodes: usize,
    pub seed: u64,
    pub network: NetworkSettings,
    /// Raft's election timeout; the retry / decision timeout of the other protocols.
    pub election_timeout: (Time, Time),
    pub heartbeat: Time,
    /// A client request every so often; `None` for none.
    pub request_every: Option<Time>,
    pub bugs: Vec<Bug>,
    pub prevote: bool,
    pub check_quorum: bool,
    /// 2PC: a blocked participant may ask its peers for the decision.
    pub cooperative_termination: bool,
    /// Nothing happens by itself: messages wait and timers stay pending until a recorded
    /// action delivers or fires them (how an explorer counterexample replays, with each step
    /// at its own moment). Written only when on, so traces of timed runs read as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manual: bool,
    /// The bound on clock drift, in parts per million: each node's clock runs at its own rate
    /// within `1 ± drift` (see `sim::clock`). Written only when set, like `manual`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub drift_ppm: u32,
    /// What the clients do: the counter (the default) or the key-value store. The fields below
    /// are written only when they differ from their defaults, so counter runs serialize as
    /// before.
    #[serde(default, skip_serializing_if = "Workload::is_counter")]
    pub workload: Workload,
    /// Key-value clients, each with one operation outstanding at a time.
    #[serde(
        default = "default_clients",
        skip_serializing_if = "is_default_clients"
    )]
    pub clients: u8,
    /// How a key-value read is served.
    #[serde(default, skip_serializing_if = "is_default_reads")]
    pub reads: Reads,
    /// Raft: how servers join and leave (dissertation ch. 4). Written only when not fixed.
    #[serde(default, skip_serializing_if = "Membership::is_fixed")]
    pub membership: Membership,
    /// With membership changes: S1..S`voters` form the first configuration and the other nodes
    /// of the pool wait outside it; all of them when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voters: Option<usize>,
    /// Raft: each server snapshots its state machine after this many applied entries and
    /// discards the log before (dissertation ch. 5); never when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_every: Option<u64>,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

/// What the clients of a run do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// One client sends `counter += delta` every `request_every`.
    #[default]
    Counter,
    /// `clients` clients read, write and compare-and-set a few keys, each operation recorded
    /// for the linearizability check. Links between servers are then FIFO (TCP), as the
    /// systems it models assume: overlapping proposals must not arrive out of order.
    Kv,
}

impl Workload {
    pub fn is_counter(&self) -> bool {
        *self == Workload::Counter
    }
    pub fn slug(self) -> &'static str {
        match self {
            Workload::Counter => "counter",
            Workload::Kv => "kv",
        }
    }
    pub fn parse(s: &str) -> Result<Workload, String> {
        match s {
            "counter" => Ok(Workload::Counter),
            "kv" => Ok(Workload::Kv),
            _ => Err(format!("unknown workload '{s}'; valid: counter, kv")),
        }
    }
}

pub const DEFAULT_CLIENTS: u8 = 3;
/// More clients than this crowd the history view without finding more.
pub const MAX_CLIENTS: u8 = 9;

fn default_clients() -> u8 {
    DEFAULT_CLIENTS
}
fn is_default_clients(c: &u8) -> bool {
    *c == DEFAULT_CLIENTS
}
fn is_default_reads(r: &Reads) -> bool {
    *r == Reads::default()
}

pub const MAX_NODES: usize = 25;
/// The longest compaction interval accepted: beyond it no run of the lab ever snapshots.
pub const MAX_SNAPSHOT_EVERY: u64 = 100_000;
/// The largest clock-drift bound accepted: beyond it a "timeout" stops meaning anything.
pub const MAX_DRIFT_PPM: u32 = 500_000;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            protocol: ProtocolKind::Raft,
            nodes: 5,
            seed: 1,
            network: NetworkSettings::default(),
            election_timeout: (150 * MS, 300 * MS),
            heartbeat: 50 * MS,
            request_every: Some(100 * MS),
            bugs: Vec::new(),
            prevote: false,
            check_quorum: false,
            cooperative_termination: false,
            manual: false,
            drift_ppm: 0,
            workload: Workload::Counter,
            clients: DEFAULT_CLIENTS,
            reads: Reads::default(),
            membership: Membership::Fixed,
            voters: None,
            snapshot_every: None,
        }
    }
}

impl Settings {
    pub fn for_protocol(protocol: ProtocolKind) -> Self {
        let mut s = Settings {
            protocol,
            ..Settings::default()
        };
        (protocol.entry().defaults)(&mut s);
        s
    }

    /// What a search looks at, for people: "Paxos with 3 nodes (paxos-ignore-promised-value)".
    pub fn searched(&self) -> String {
        let bugs: Vec<_> = self.bugs.iter().map(|b| b.slug()).collect();
        let bugs = if bugs.is_empty() {
            String::new()
        } else {
            format!(" ({})", bugs.join(", "))
        };
        format!("{} with {} nodes{bugs}", self.protocol.title(), self.nodes)
    }

    pub fn has_bug(&self, b: Bug) -> bool {
        self.bugs.contains(&b)
    }

    /// Checks every setting and says what is wrong in words a user can act on.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_NODES).contains(&self.nodes) {
            return Err(format!(
                "cluster size must be between 1 and {MAX_NODES} (got {})",
                self.nodes
            ));
        }
        let entry = self.protocol.entry();
        if self.nodes < entry.min_nodes.0 {
            return Err(entry.min_nodes.1.into());
        }
        self.network.validate()?;
        let (lo, hi) = self.election_timeout;
        if lo < MS || lo > hi || hi > 60 * SECOND {
            return Err(format!(
                "election timeout must be a range with 1ms <= min <= max <= 60s (got {}..{})",
                fmt_time(lo),
                fmt_time(hi)
            ));
        }
        // Below a millisecond a run drowns in timers and messages in flight.
        if self.heartbeat < MS / 10 || self.heartbeat >= lo {
            return Err(format!(
                "heartbeat must be at least 100us and shorter than the election timeout (got {})",
                fmt_time(self.heartbeat)
            ));
        }
        if let Some(every) = self.request_every {
            if every < MS {
                return Err("requests can come at most every 1ms".into());
            }
        }
        if self.drift_ppm > MAX_DRIFT_PPM {
            return Err(format!(
                "clock drift must be at most 0.5, a clock running at half or one and a half \
                 times true speed (got {})",
                f64::from(self.drift_ppm) / 1e6
            ));
        }
        self.validate_workload()?;
        if !self.membership.is_fixed() && self.protocol != ProtocolKind::Raft {
            return Err(format!(
                "membership={} is for Raft; {} has a fixed membership",
                self.membership.slug(),
                entry.title
            ));
        }
        if let Some(v) = self.voters {
            if self.membership.is_fixed() {
                return Err(
                    "voters needs membership=single or joint: with a fixed membership \
                     every node votes"
                        .into(),
                );
            }
            if !(1..=self.nodes).contains(&v) {
                return Err(format!(
                    "voters must be between 1 and the {} nodes (got {v})",
                    self.nodes
                ));
            }
        }
        if let Some(n) = self.snapshot_every {
            if self.protocol != ProtocolKind::Raft {
                return Err(format!(
                    "snapshot-every is for Raft; {} keeps its whole log",
                    entry.title
                ));
            }
            if !(1..=MAX_SNAPSHOT_EVERY).contains(&n) {
                return Err(format!(
                    "snapshot-every must be between 1 and {MAX_SNAPSHOT_EVERY} entries (got {n})"
                ));
            }
        }
        if let Some(b) = self.bugs.iter().find(|b| !b.applies_to(self.protocol)) {
            return Err(format!(
                "bug '{}' does not apply to {}",
                b.slug(),
                entry.title
            ));
        }
        Ok(())
    }
}

impl Settings {
    /// The read paths a protocol offers a key-value client.
    pub fn read_paths(protocol: ProtocolKind) -> &'static [Reads] {
        match protocol {
            ProtocolKind::Raft => &[Reads::Log, Reads::ReadIndex, Reads::Lease, Reads::Follower],
            ProtocolKind::MultiPaxos => &[Reads::Log],
            ProtocolKind::Zab => &[Reads::Log, Reads::Local, Reads::Sync],
            _ => &[],
        }
    }

    fn validate_workload(&self) -> Result<(), String> {
        let title = self.protocol.title();
        if self.workload == Workload::Counter {
            if self.clients != DEFAULT_CLIENTS {
                return Err("clients applies to workload=kv".into());
            }
            if self.reads != Reads::default() {
                return Err("reads applies to workload=kv".into());
            }
            return Ok(());
        }
        let paths = Self::read_paths(self.protocol);
        if paths.is_empty() {
            return Err(format!(
                "workload=kv needs a replicated state machine: it runs on Raft, Multi-Paxos and \
                 Zab, not {title}"
            ));
        }
        if !(1..=MAX_CLIENTS).contains(&self.clients) {
            return Err(format!(
                "clients must be between 1 and {MAX_CLIENTS} (got {})",
                self.clients
            ));
        }
        if !paths.contains(&self.reads) {
            let valid: Vec<_> = paths.iter().map(|r| r.slug()).collect();
            return Err(format!(
                "{title} has no reads={}; valid: {}",
                self.reads.slug(),
                valid.join(", ")
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_explains() {
        let mut s = Settings::default();
        assert!(s.validate().is_ok());
        s.nodes = 0;
        assert!(s.validate().unwrap_err().contains("cluster size"));
        s.nodes = 5;
        s.bugs.push(super::super::UNILATERAL_ABORT);
        assert!(s.validate().unwrap_err().contains("does not apply"));
        s.bugs.clear();
        s.drift_ppm = 600_000;
        assert!(s
            .validate()
            .unwrap_err()
            .contains("drift must be at most 0.5"));
        s.drift_ppm = 500_000;
        assert!(s.validate().is_ok());
        s.workload = Workload::Kv;
        s.protocol = ProtocolKind::TwoPc;
        assert!(s
            .validate()
            .unwrap_err()
            .contains("Raft, Multi-Paxos and Zab"));
        s.protocol = ProtocolKind::Raft;
        assert!(s.validate().is_ok());
        s.clients = 0;
        assert!(s.validate().unwrap_err().contains("clients must be"));
        s.workload = Workload::Counter;
        assert!(s.validate().unwrap_err().contains("workload=kv"));
        assert!(Bug::parse("nope")
            .unwrap_err()
            .contains("raft-commit-old-term"));
    }
}
