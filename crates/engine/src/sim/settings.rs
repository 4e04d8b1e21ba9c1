//! Everything that shapes a run besides the seed's randomness and the user's actions.

use crate::node::{Time, MS};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The protocols the lab can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ProtocolKind {
    #[serde(rename = "raft")]
    Raft,
    #[serde(rename = "paxos")]
    Paxos,
    #[serde(rename = "multi-paxos")]
    MultiPaxos,
    #[serde(rename = "2pc")]
    TwoPc,
}

impl ProtocolKind {
    pub const ALL: [ProtocolKind; 4] = [
        ProtocolKind::Raft,
        ProtocolKind::Paxos,
        ProtocolKind::MultiPaxos,
        ProtocolKind::TwoPc,
    ];
    /// The name used on the command line and in links.
    pub fn slug(self) -> &'static str {
        match self {
            ProtocolKind::Raft => "raft",
            ProtocolKind::Paxos => "paxos",
            ProtocolKind::MultiPaxos => "multi-paxos",
            ProtocolKind::TwoPc => "2pc",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            ProtocolKind::Raft => "Raft",
            ProtocolKind::Paxos => "Paxos",
            ProtocolKind::MultiPaxos => "Multi-Paxos",
            ProtocolKind::TwoPc => "Two-Phase Commit",
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|p| p.slug() == s)
            .ok_or_else(|| {
                format!(
                    "unknown protocol '{s}'; valid: {}",
                    Self::ALL.map(|p| p.slug()).join(", ")
                )
            })
    }
}

impl fmt::Display for ProtocolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// Deliberately broken variants, each caught by the invariant checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Bug {
    #[serde(rename = "raft-commit-old-term")]
    RaftCommitOldTerm,
    #[serde(rename = "raft-vote-without-log-check")]
    RaftVoteWithoutLogCheck,
    #[serde(rename = "paxos-ignore-promised-value")]
    PaxosIgnorePromisedValue,
    #[serde(rename = "paxos-accept-below-promise")]
    PaxosAcceptBelowPromise,
    #[serde(rename = "2pc-unilateral-abort")]
    TwoPcUnilateralAbort,
    #[serde(rename = "2pc-commit-missing-vote")]
    TwoPcCommitMissingVote,
}

impl Bug {
    pub const ALL: [Bug; 6] = [
        Bug::RaftCommitOldTerm,
        Bug::RaftVoteWithoutLogCheck,
        Bug::PaxosIgnorePromisedValue,
        Bug::PaxosAcceptBelowPromise,
        Bug::TwoPcUnilateralAbort,
        Bug::TwoPcCommitMissingVote,
    ];
    pub fn slug(self) -> &'static str {
        match self {
            Bug::RaftCommitOldTerm => "raft-commit-old-term",
            Bug::RaftVoteWithoutLogCheck => "raft-vote-without-log-check",
            Bug::PaxosIgnorePromisedValue => "paxos-ignore-promised-value",
            Bug::PaxosAcceptBelowPromise => "paxos-accept-below-promise",
            Bug::TwoPcUnilateralAbort => "2pc-unilateral-abort",
            Bug::TwoPcCommitMissingVote => "2pc-commit-missing-vote",
        }
    }
    /// The protocols the bug applies to (Paxos bugs live in both Paxos variants).
    pub fn applies_to(self, p: ProtocolKind) -> bool {
        match self {
            Bug::RaftCommitOldTerm | Bug::RaftVoteWithoutLogCheck => p == ProtocolKind::Raft,
            Bug::PaxosIgnorePromisedValue | Bug::PaxosAcceptBelowPromise => {
                matches!(p, ProtocolKind::Paxos | ProtocolKind::MultiPaxos)
            }
            Bug::TwoPcUnilateralAbort | Bug::TwoPcCommitMissingVote => p == ProtocolKind::TwoPc,
        }
    }
    pub fn describe(self) -> &'static str {
        match self {
            Bug::RaftCommitOldTerm => {
                "A leader commits an entry from an earlier term by counting replicas (Figure 8)."
            }
            Bug::RaftVoteWithoutLogCheck => {
                "A node grants its vote without checking that the candidate's log is up to date."
            }
            Bug::PaxosIgnorePromisedValue => {
                "A proposer ignores the accepted values reported in promises."
            }
            Bug::PaxosAcceptBelowPromise => {
                "An acceptor accepts a ballot lower than the one it promised."
            }
            Bug::TwoPcUnilateralAbort => {
                "A participant that voted yes aborts on its own after a timeout."
            }
            Bug::TwoPcCommitMissingVote => {
                "The coordinator decides commit although a vote is missing."
            }
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|b| b.slug() == s)
            .ok_or_else(|| {
                format!(
                    "unknown bug '{s}'; valid: {}",
                    Self::ALL.map(|b| b.slug()).join(", ")
                )
            })
    }
}

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
        if self.latency_max > 10 * crate::node::SECOND {
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
}

pub const MAX_NODES: usize = 25;

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
        }
    }
}

impl Settings {
    pub fn for_protocol(protocol: ProtocolKind) -> Self {
        let mut s = Settings {
            protocol,
            ..Settings::default()
        };
        if protocol == ProtocolKind::Paxos {
            // Single-decree: a few competing proposals, not a stream.
            s.request_every = None;
        }
        s
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
        if self.protocol == ProtocolKind::TwoPc && self.nodes < 2 {
            return Err("two-phase commit needs a coordinator and at least one participant".into());
        }
        self.network.validate()?;
        let (lo, hi) = self.election_timeout;
        if lo < MS || lo > hi || hi > 60 * crate::node::SECOND {
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
        if let Some(b) = self.bugs.iter().find(|b| !b.applies_to(self.protocol)) {
            return Err(format!(
                "bug '{}' does not apply to {}",
                b.slug(),
                self.protocol.title()
            ));
        }
        Ok(())
    }
}

/// `1500` -> `1.5ms`, `2_000_000` -> `2s`.
pub fn fmt_time(t: Time) -> String {
    if t == 0 {
        "0".into()
    } else if t % crate::node::SECOND == 0 {
        format!("{}s", t / crate::node::SECOND)
    } else if t % MS == 0 {
        format!("{}ms", t / MS)
    } else if t >= MS {
        let frac = format!("{:03}", t % MS);
        format!("{}.{}ms", t / MS, frac.trim_end_matches('0'))
    } else {
        format!("{t}us")
    }
}

/// Parses `150ms`, `2s`, `1.5s`, `300us`, `1m`, `1h`.
pub fn parse_time(s: &str) -> Result<Time, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("'{s}' needs a unit (us, ms, s, m, h)"))?;
    let (num, unit) = s.split_at(split);
    let scale: u64 = match unit {
        "us" => 1,
        "ms" => MS,
        "s" => crate::node::SECOND,
        "m" | "min" => 60 * crate::node::SECOND,
        "h" => 3600 * crate::node::SECOND,
        _ => return Err(format!("'{s}': unknown unit '{unit}' (us, ms, s, m, h)")),
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(format!("'{s}' has no number"));
    }
    let int: u64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| format!("'{s}' is not a time"))?
    };
    let mut value = int
        .checked_mul(scale)
        .ok_or_else(|| format!("'{s}' is too large"))?;
    let mut place = scale;
    for d in frac.chars() {
        place /= 10;
        let d = d
            .to_digit(10)
            .ok_or_else(|| format!("'{s}' is not a time"))?;
        value += u64::from(d) * place;
    }
    Ok(value)
}

/// Parses `10ms..15ms` (or a single value, meaning a fixed time).
pub fn parse_time_range(s: &str) -> Result<(Time, Time), String> {
    match s.split_once("..") {
        Some((a, b)) => Ok((parse_time(a)?, parse_time(b)?)),
        None => {
            let t = parse_time(s)?;
            Ok((t, t))
        }
    }
}

/// Parses a probability `0.1` into parts per million.
pub fn parse_probability(s: &str) -> Result<u32, String> {
    let p: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a probability"))?;
    if !(0.0..=1.0).contains(&p) {
        return Err(format!("'{s}' must be between 0 and 1"));
    }
    Ok((p * 1_000_000.0).round() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_print() {
        assert_eq!(parse_time("150ms"), Ok(150_000));
        assert_eq!(parse_time("1.5s"), Ok(1_500_000));
        assert_eq!(parse_time("30s"), Ok(30_000_000));
        assert_eq!(parse_time("1h"), Ok(3_600_000_000));
        assert_eq!(parse_time("250us"), Ok(250));
        assert!(parse_time("12").is_err());
        assert!(parse_time("ms").is_err());
        assert!(parse_time("1x").is_err());
        assert!(parse_time("99999999999999999999s").is_err());
        assert_eq!(parse_time_range("10ms..15ms"), Ok((10_000, 15_000)));
        assert_eq!(fmt_time(1_500), "1.5ms");
        assert_eq!(fmt_time(2_000_000), "2s");
        assert_eq!(fmt_time(150_000), "150ms");
        assert_eq!(parse_probability("0.1"), Ok(100_000));
        assert!(parse_probability("1.5").is_err());
    }

    #[test]
    fn validation_explains() {
        let mut s = Settings::default();
        assert!(s.validate().is_ok());
        s.nodes = 0;
        assert!(s.validate().unwrap_err().contains("cluster size"));
        s.nodes = 5;
        s.bugs.push(Bug::TwoPcUnilateralAbort);
        assert!(s.validate().unwrap_err().contains("does not apply"));
        assert!(Bug::parse("nope")
            .unwrap_err()
            .contains("raft-commit-old-term"));
    }
}
