//! One vocabulary for settings. A link key, a command-line flag, a script word and a trace field
//! name a setting the same way (`nodes`, `election-timeout`, `prevote`...) and write its value the
//! same way (`5`, `150ms..300ms`, `on`); this module is the only place that parses or prints
//! them. Short link keys from earlier versions (`p`, `n`, `lat`, `et`, `hb`, `req`, `opt`) are
//! still read, so old links keep working.

use super::{Bug, Opt, ProtocolKind, Settings, Workload};
use crate::protocols::machine::Reads;
use crate::protocols::raft::Membership;
use crate::time::{fmt_time, parse_probability, parse_time, parse_time_range};

/// A setting's name, the older names still read, and what it means.
pub struct Key {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    /// The value it takes, for help texts.
    pub value: &'static str,
    pub help: &'static str,
}

/// Every setting, in the order links and help texts list them. Protocol options follow.
pub const KEYS: &[Key] = &[
    Key {
        name: "protocol",
        aliases: &["p"],
        value: "NAME",
        help: "the protocol to run",
    },
    Key {
        name: "nodes",
        aliases: &["n"],
        value: "N",
        help: "cluster size",
    },
    Key {
        name: "seed",
        aliases: &[],
        value: "S",
        help: "the seed of every random draw",
    },
    Key {
        name: "latency",
        aliases: &["lat"],
        value: "10ms..15ms",
        help: "one-way message delay range",
    },
    Key {
        name: "loss",
        aliases: &[],
        value: "0.1",
        help: "probability a message is lost",
    },
    Key {
        name: "dup",
        aliases: &[],
        value: "0.05",
        help: "probability a message is delivered twice",
    },
    Key {
        name: "drift",
        aliases: &[],
        value: "0.05",
        help: "bound on clock drift: each node's clock runs at its own rate within 1 ± drift",
    },
    Key {
        name: "election-timeout",
        aliases: &["et"],
        value: "150ms..300ms",
        help: "Raft's election timeout; the retry or decision timeout of the others",
    },
    Key {
        name: "heartbeat",
        aliases: &["hb"],
        value: "50ms",
        help: "leader heartbeat interval",
    },
    Key {
        name: "request-every",
        aliases: &["req", "requests"],
        value: "100ms|off",
        help: "a client request this often",
    },
    Key {
        name: "bug",
        aliases: &[],
        value: "NAME[,NAME]",
        help: "turn on buggy variants",
    },
    Key {
        name: "workload",
        aliases: &[],
        value: "counter|kv",
        help: "what clients do: add to a counter, or read, write and cas a few keys (kv: its \
               history is checked for linearizability)",
    },
    Key {
        name: "clients",
        aliases: &[],
        value: "3",
        help: "key-value clients, each with one operation at a time (workload=kv)",
    },
    Key {
        name: "reads",
        aliases: &[],
        value: "log|read-index|lease|follower|local|sync",
        help: "how a key-value read is served: log (through the log like a write); Raft also \
               read-index (the leader confirms it leads with a heartbeat round), lease (the \
               leader answers alone while a heartbeat majority's lease holds, less the drift \
               bound) and follower (a follower asks the leader for a read index); Zab also \
               local (ZooKeeper's default: the client's server answers from its own state; \
               sequentially consistent, not linearizable) and sync (after a sync through the \
               leader: linearizable)",
    },
    Key {
        name: "schedule",
        aliases: &[],
        value: "timed|manual",
        help: "manual: nothing happens by itself, only recorded actions deliver messages and \
               fire timers (how an explorer counterexample replays)",
    },
    Key {
        name: "membership",
        aliases: &[],
        value: "fixed|single|joint",
        help: "Raft: add, remove and replace servers one at a time (single) or several at once \
               through joint consensus (joint) (Raft dissertation ch. 4)",
    },
    Key {
        name: "voters",
        aliases: &[],
        value: "N|all",
        help: "with membership changes: S1..SN form the first configuration, the other nodes \
               wait outside it",
    },
    Key {
        name: "snapshot-every",
        aliases: &[],
        value: "N|off",
        help: "Raft: each server snapshots its state machine after N applied entries and \
               discards the log before it; a leader sends a follower that needs a discarded \
               entry its snapshot (InstallSnapshot) (Raft dissertation ch. 5)",
    },
];

/// The canonical name of a setting written `key`, if it is one.
pub fn canonical(key: &str) -> Option<&'static str> {
    KEYS.iter()
        .find(|k| k.name == key || k.aliases.contains(&key))
        .map(|k| k.name)
        .or_else(|| Opt::ALL.iter().map(|o| o.slug()).find(|&o| o == key))
        .or((key == "opt").then_some("opt"))
}

fn switch(value: Option<&str>) -> Result<bool, String> {
    match value.unwrap_or("on") {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        v => Err(format!("'{v}' is not on or off")),
    }
}

fn number<T: std::str::FromStr>(v: &str, what: &str) -> Result<T, String> {
    v.parse().map_err(|_| format!("'{v}' is not {what}"))
}

impl Settings {
    /// The defaults of the protocol a list of `(key, value)` names, then every other setting in
    /// it, in order. The result is not validated.
    pub fn from_words<'a>(
        words: impl IntoIterator<Item = (&'a str, Option<&'a str>)> + Clone,
    ) -> Result<Settings, String> {
        let protocol = words
            .clone()
            .into_iter()
            .find(|(k, _)| canonical(k) == Some("protocol"))
            .map_or(Ok(ProtocolKind::Raft), |(_, v)| {
                ProtocolKind::parse(v.unwrap_or_default())
            })?;
        let mut s = Settings::for_protocol(protocol);
        for (k, v) in words {
            if canonical(k) != Some("protocol") {
                s.set(k, v).map_err(|e| format!("{k}: {e}"))?;
            }
        }
        Ok(s)
    }

    /// Sets one setting from its written form. `value` is `None` for a bare word or flag
    /// (`prevote`, `--prevote`), which switches an option on. Setting `protocol` here keeps
    /// every other value; [`from_words`](Self::from_words) starts from the protocol's defaults.
    pub fn set(&mut self, key: &str, value: Option<&str>) -> Result<(), String> {
        let name = canonical(key).ok_or_else(|| format!("unknown setting '{key}'"))?;
        if let Ok(o) = Opt::parse(name) {
            o.set(self, switch(value)?);
            return Ok(());
        }
        let v = value.ok_or_else(|| format!("{name} needs a value"))?;
        match name {
            "protocol" => self.protocol = ProtocolKind::parse(v)?,
            "nodes" => self.nodes = number(v, "a node count")?,
            "seed" => self.seed = number(v, "a seed")?,
            "latency" => {
                let (a, b) = parse_time_range(v)?;
                self.network.latency_min = a;
                self.network.latency_max = b;
            }
            "loss" => self.network.loss_ppm = parse_probability(v)?,
            "dup" => self.network.dup_ppm = parse_probability(v)?,
            "drift" => self.drift_ppm = parse_probability(v)?,
            "election-timeout" => self.election_timeout = parse_time_range(v)?,
            "heartbeat" => self.heartbeat = parse_time(v)?,
            "request-every" if v == "off" => self.request_every = None,
            "request-every" => self.request_every = Some(parse_time(v)?),
            "workload" => self.workload = Workload::parse(v)?,
            "clients" => self.clients = number(v, "a number of clients")?,
            "reads" => self.reads = Reads::parse(v)?,
            "schedule" => {
                self.manual = match v {
                    "manual" => true,
                    "timed" => false,
                    _ => return Err(format!("'{v}' is not timed or manual")),
                }
            }
            "membership" => self.membership = Membership::parse(v)?,
            "voters" if v == "all" => self.voters = None,
            "voters" => self.voters = Some(number(v, "a node count")?),
            "snapshot-every" if v == "off" => self.snapshot_every = None,
            "snapshot-every" => self.snapshot_every = Some(number(v, "a number of entries")?),
            "bug" => {
                for b in v.split(',').filter(|b| !b.is_empty()) {
                    let b = Bug::parse(b)?;
                    if !self.bugs.contains(&b) {
                        self.bugs.push(b);
                    }
                }
            }
            // Links before the vocabulary listed options as `opt=prevote,check-quorum,coop`.
            "opt" => {
                for o in v.split(',').filter(|o| !o.is_empty()) {
                    let o = if o == "coop" {
                        "cooperative-termination"
                    } else {
                        o
                    };
                    Opt::parse(o)?.set(self, true);
                }
            }
            _ => return Err(format!("unknown setting '{key}'")),
        }
        Ok(())
    }

    /// Every setting as `(name, value)`, in the vocabulary's order, options last.
    pub fn words(&self) -> Vec<(&'static str, String)> {
        let time_range = |(a, b): (u64, u64)| format!("{}..{}", fmt_time(a), fmt_time(b));
        let n = &self.network;
        let mut w = vec![
            ("protocol", self.protocol.slug().to_string()),
            ("nodes", self.nodes.to_string()),
            ("seed", self.seed.to_string()),
            ("latency", time_range((n.latency_min, n.latency_max))),
            ("loss", (f64::from(n.loss_ppm) / 1e6).to_string()),
            ("dup", (f64::from(n.dup_ppm) / 1e6).to_string()),
            ("drift", (f64::from(self.drift_ppm) / 1e6).to_string()),
            ("election-timeout", time_range(self.election_timeout)),
            ("heartbeat", fmt_time(self.heartbeat)),
            (
                "request-every",
                self.request_every.map_or("off".into(), fmt_time),
            ),
            (
                "bug",
                self.bugs
                    .iter()
                    .map(|b| b.slug())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("workload", self.workload.slug().into()),
            ("clients", self.clients.to_string()),
            ("reads", self.reads.slug().into()),
            (
                "schedule",
                if self.manual { "manual" } else { "timed" }.into(),
            ),
            ("membership", self.membership.slug().into()),
            (
                "voters",
                self.voters.map_or("all".into(), |v| v.to_string()),
            ),
            (
                "snapshot-every",
                self.snapshot_every.map_or("off".into(), |n| n.to_string()),
            ),
        ];
        for o in Opt::ALL {
            w.push((o.slug(), if o.get(self) { "on" } else { "off" }.into()));
        }
        w
    }

    /// The settings that differ from the protocol's defaults, with the protocol and the seed
    /// always named: what a link or a command line needs to say.
    pub fn changed_words(&self) -> Vec<(&'static str, String)> {
        let defaults = Settings::for_protocol(self.protocol).words();
        self.words()
            .into_iter()
            .zip(defaults)
            .filter(|((k, v), (_, d))| matches!(*k, "protocol" | "seed") || v != d)
            .map(|(w, _)| w)
            .collect()
    }

    /// The command-line flags that recreate these settings: `--protocol raft --seed 7 --prevote`.
    pub fn to_flags(&self) -> String {
        self.changed_words()
            .into_iter()
            .map(|(k, v)| match v.as_str() {
                "on" if Opt::parse(k).is_ok() => format!("--{k}"),
                _ => format!("--{k} {v}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::COMMIT_OLD_TERM;
    use crate::node::MS;

    fn sample() -> Settings {
        let mut s = Settings::for_protocol(ProtocolKind::Raft);
        s.nodes = 7;
        s.seed = 42;
        s.network.loss_ppm = 100_000;
        s.network.latency_min = 5 * MS;
        s.election_timeout = (200 * MS, 400 * MS);
        s.request_every = None;
        s.bugs.push(COMMIT_OLD_TERM);
        s.prevote = true;
        s.drift_ppm = 50_000;
        s
    }

    #[test]
    fn every_setting_reads_back_what_it_writes() {
        let s = sample();
        let words = s.words();
        let back = Settings::from_words(words.iter().map(|(k, v)| (*k, Some(v.as_str())))).unwrap();
        assert_eq!(back, s);
        let changed = s.changed_words();
        let back =
            Settings::from_words(changed.iter().map(|(k, v)| (*k, Some(v.as_str())))).unwrap();
        assert_eq!(back, s);
        assert_eq!(
            s.to_flags(),
            "--protocol raft --nodes 7 --seed 42 --latency 5ms..15ms --loss 0.1 \
             --drift 0.05 --election-timeout 200ms..400ms --request-every off --bug raft-commit-old-term \
             --prevote"
        );
    }

    #[test]
    fn old_link_keys_and_bare_options_are_read() {
        let s = Settings::from_words([
            ("p", Some("2pc")),
            ("n", Some("3")),
            ("et", Some("1s..2s")),
            ("req", Some("off")),
            ("opt", Some("coop")),
        ])
        .unwrap();
        assert_eq!((s.protocol, s.nodes), (ProtocolKind::TwoPc, 3));
        assert!(s.cooperative_termination && s.request_every.is_none());
        let mut t = Settings::default();
        t.set("check-quorum", None).unwrap();
        assert!(t.check_quorum);
        t.set("check-quorum", Some("off")).unwrap();
        assert!(!t.check_quorum);
    }

    #[test]
    fn protocol_defaults_apply_before_the_other_words() {
        // Single-decree Paxos has no request stream by default; a link may still ask for one.
        let s = Settings::from_words([("request-every", Some("1s")), ("protocol", Some("paxos"))])
            .unwrap();
        assert_eq!(s.request_every, Some(1_000_000));
        assert_eq!(
            Settings::from_words([("protocol", Some("paxos"))])
                .unwrap()
                .request_every,
            None
        );
    }

    #[test]
    fn mistakes_are_named() {
        let mut s = Settings::default();
        assert_eq!(
            s.set("frob", Some("1")).unwrap_err(),
            "unknown setting 'frob'"
        );
        assert_eq!(s.set("nodes", None).unwrap_err(), "nodes needs a value");
        assert!(s
            .set("prevote", Some("maybe"))
            .unwrap_err()
            .contains("on or off"));
        assert!(s
            .set("bug", Some("nope"))
            .unwrap_err()
            .contains("unknown bug"));
        assert!(s.set("latency", Some("fast")).is_err());
    }
}
