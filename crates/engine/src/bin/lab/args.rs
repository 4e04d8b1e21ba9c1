//! `lab`'s command line, parsed by clap. The fixed flags of each subcommand are declared with
//! clap's derive; the simulation settings and the explorer's options are generated from the
//! catalog's one vocabulary (`catalog::vocabulary::KEYS`, `Opt::ALL`, `explore::OPTIONS_HELP`),
//! so a setting added there is a flag here, in `--help` and in the shell completions at once.
//!
//! Adding a flag to a subcommand: a field with `#[arg(long)]` (and a doc comment, which is its
//! help line) in that subcommand's struct below; a flag that several subcommands share goes in
//! a struct they `#[command(flatten)]`, as `SettingsArgs` is.

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches, Parser, Subcommand};
use lab_engine::catalog::vocabulary::KEYS;
use lab_engine::catalog::{Bug, Opt, ProtocolKind, Settings};
use lab_engine::check::FaultModel;
use lab_engine::explore::{self, ExploreOptions};
use lab_engine::time::parse_time;
use lab_engine::Time;

#[derive(Parser, Debug)]
#[command(
    name = "lab",
    version,
    about = "Deterministic simulations of consensus protocols: run, check, explore",
    after_help = catalog_help(),
    after_long_help = catalog_help(),
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Run one simulation and print every event
    Run(RunArgs),
    /// Run many seeds with random faults; check every invariant and liveness (with --workload kv
    /// also the clients' history for linearizability; exit 3 if its budget left a seed
    /// undecided)
    Check(CheckArgs),
    /// Explore every interleaving of a small cluster, breadth-first, so a violation found has a
    /// shortest path
    Explore(ExploreArgs),
    /// Time the engine and the linearizability checker (figures, never asserted)
    Bench(BenchArgs),
    /// Consistent hashing: what moves when nodes join or leave
    #[command(disable_help_flag = true)]
    Ring {
        /// [--nodes 10] [--vnodes 100] [--keys 100000] [--replicas 3] --add N | --remove ID
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The guided tours: `list`, or `run ID [--verbose]`; run fails if a tour's check does
    Tour {
        /// list | run ID [--verbose]
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Is a Jepsen history linearizable? Exit status 0 yes, 1 no (with the evidence), 2
    /// unreadable (with the line), 3 unknown: the budget of steps ran out
    Lin(LinArgs),
    /// Print a shell completion script: `lab completions bash > /etc/bash_completion.d/lab`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Run until this virtual time
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = time)]
    pub until: Time,
    /// Apply the actions of this script at their moments
    #[arg(long, value_name = "FILE")]
    pub actions: Option<String>,
    /// One JSON object per event instead of text
    #[arg(long)]
    pub json: bool,
    /// With --workload kv: print only the clients' history, as Jepsen history maps that
    /// `lab lin` reads
    #[arg(long)]
    pub history: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// The seeds to check, both ends included
    #[arg(long, value_name = "LO..HI", default_value = "1..1000", value_parser = seed_range)]
    pub seeds: (u64, u64),
    /// What the nemesis strikes with
    #[arg(long, value_enum, default_value_t = Faults::Random)]
    pub faults: Faults,
    /// Report a failing seed's actions as they were, without shortening them
    #[arg(long)]
    pub no_shrink: bool,
    /// Seeds checked at once (default: every core); the output does not depend on it
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// Check only the I-th of N interleaved slices of the seeds (I from 0): seeds LO+I,
    /// LO+I+N, ... One machine per shard, then `lab check --merge` their --json summaries
    #[arg(long, value_name = "I/N", value_parser = shard)]
    pub shard: Option<(u64, u64)>,
    /// Print a JSON summary (for tools, and for --merge) instead of text
    #[arg(long)]
    pub json: bool,
    /// Combine the --json summaries of shards (one per line, in one file or many) into the
    /// whole run's report; no seed is run
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["shard", "seeds"])]
    pub merge: Vec<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Faults {
    /// Crashes, restarts, partitions, loss and duplication
    Random,
    /// Crashes and restarts only (the fail-stop model)
    Crash,
    /// Random faults and random configuration changes (needs --membership single)
    Membership,
    /// No faults at all
    None,
}

impl Faults {
    /// Whether faults are drawn at all, and from which model.
    pub fn model(self) -> (bool, FaultModel) {
        match self {
            Faults::Random => (true, FaultModel::Random),
            Faults::Crash => (true, FaultModel::Crash),
            Faults::Membership => (true, FaultModel::Membership),
            Faults::None => (false, FaultModel::Random),
        }
    }
}

#[derive(Args, Debug)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(flatten)]
    pub explore: ExploreFlags,
    /// Threads expanding each level (default: every core); the result does not depend on it
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
    /// Stop after this much wall-clock time, e.g. 10m, and print how far the search got
    /// (default: no bound)
    #[arg(long, value_name = "TIME", value_parser = lab_engine::time::parse_time)]
    pub max_time: Option<lab_engine::Time>,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Hours of virtual time for the long-run figures
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub hours: u64,
}

#[derive(Args, Debug)]
pub struct LinArgs {
    /// The history: Jepsen history maps or log lines
    pub file: String,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
    /// The budget of search steps, e.g. 5000000 or 5M
    #[arg(long, value_name = "STEPS", default_value_t = lab_engine::lin::DEFAULT_BUDGET, value_parser = steps)]
    pub timeout: u64,
}

/// The simulation settings, one flag per word of the vocabulary, in the order given (`--bug`
/// repeats and accumulates; `--protocol` picks the defaults the others change).
#[derive(Debug, Default)]
pub struct SettingsArgs {
    words: Vec<(&'static str, Option<String>)>,
}

impl SettingsArgs {
    pub fn settings(&self) -> Result<Settings, String> {
        let s = Settings::from_words(self.words.iter().map(|(k, v)| (*k, v.as_deref())))?;
        s.validate()?;
        Ok(s)
    }
}

/// Every settings flag's name: the vocabulary's keys, its protocol options, and `opt`, which
/// older links and scripts used for a list of options.
fn setting_names() -> impl Iterator<Item = &'static str> {
    KEYS.iter()
        .map(|k| k.name)
        .chain(Opt::ALL.iter().map(|o| o.slug()))
        .chain(["opt"])
}

impl Args for SettingsArgs {
    fn augment_args(mut cmd: Command) -> Command {
        for k in KEYS {
            let mut arg = Arg::new(k.name)
                .long(k.name)
                .value_name(k.value)
                .help(k.help)
                .help_heading("Settings (links and scripts use the same names)")
                .action(ArgAction::Append)
                .aliases(k.aliases.iter().copied());
            // Names the catalog knows in full are checked (and completed) by clap, which also
            // suggests the nearest one on a typo.
            match k.name {
                "protocol" => {
                    arg = arg.value_parser(PossibleValuesParser::new(
                        ProtocolKind::ALL.iter().map(|p| p.slug()),
                    ))
                }
                "bug" => {
                    arg = arg
                        .value_delimiter(',')
                        .value_parser(PossibleValuesParser::new(
                            Bug::all().into_iter().map(|b| b.slug()),
                        ))
                }
                "schedule" => arg = arg.value_parser(["timed", "manual"]),
                _ => {}
            }
            cmd = cmd.arg(arg);
        }
        for o in Opt::ALL {
            cmd = cmd.arg(
                Arg::new(o.slug())
                    .long(o.slug())
                    .help(o.describe())
                    .help_heading("Protocol options (a bare flag is on)")
                    .num_args(0..=1)
                    .default_missing_value("on")
                    .value_parser(["on", "off"])
                    .action(ArgAction::Append),
            );
        }
        cmd.arg(
            Arg::new("opt")
                .long("opt")
                .hide(true)
                .action(ArgAction::Append),
        )
    }
    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for SettingsArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut s = SettingsArgs::default();
        s.update_from_arg_matches(m)?;
        Ok(s)
    }
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        let mut words = Vec::new();
        for name in setting_names() {
            if let (Some(at), Some(values)) = (m.indices_of(name), m.get_many::<String>(name)) {
                words.extend(at.zip(values).map(|(i, v)| (i, name, Some(v.clone()))));
            }
        }
        // Command-line order, as the words of a link or a script are read.
        words.sort_by_key(|&(i, _, _)| i);
        self.words = words.into_iter().map(|(_, k, v)| (k, v)).collect();
        Ok(())
    }
}

/// The explorer's budgets, one flag per entry of `explore::OPTIONS_HELP`.
#[derive(Debug, Default)]
pub struct ExploreFlags {
    given: Vec<(&'static str, String)>,
}

impl ExploreFlags {
    pub fn options(&self) -> Result<ExploreOptions, String> {
        let mut o = ExploreOptions::default();
        for (name, v) in &self.given {
            o.set(name, v)?;
        }
        Ok(o)
    }
}

impl Args for ExploreFlags {
    fn augment_args(mut cmd: Command) -> Command {
        for &(name, value, text) in explore::OPTIONS_HELP {
            let arg = Arg::new(name)
                .long(name)
                .help(text)
                .help_heading("Explore options");
            cmd = cmd.arg(if value.is_empty() {
                arg.action(ArgAction::SetTrue)
            } else {
                arg.value_name(value)
            });
        }
        cmd
    }
    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for ExploreFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut s = ExploreFlags::default();
        s.update_from_arg_matches(m)?;
        Ok(s)
    }
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        for &(name, value, _) in explore::OPTIONS_HELP {
            if value.is_empty() {
                if m.get_flag(name) {
                    self.given.push((name, String::new()));
                }
            } else if let Some(v) = m.get_one::<String>(name) {
                self.given.push((name, v.clone()));
            }
        }
        Ok(())
    }
}

/// The protocols and buggy variants the catalog holds, after the usage.
fn catalog_help() -> String {
    let mut h = String::from("Protocols (--protocol NAME):\n");
    for p in ProtocolKind::ALL {
        h += &format!("  {:<26} {}\n", p.slug(), p.title());
    }
    h += "\nBuggy variants (--bug NAME, repeatable), each caught by the checker:\n";
    for b in Bug::all() {
        let protocols: Vec<_> = ProtocolKind::ALL
            .iter()
            .filter(|p| b.applies_to(**p))
            .map(|p| p.slug())
            .collect();
        h += &format!(
            "  {} [{}]\n      {}\n",
            b.slug(),
            protocols.join(", "),
            b.describe()
        );
    }
    h + "\nTimes take a unit: us, ms, s, m, h. Exit status: 0 ok, 1 a violation or failed check, \
         2 bad usage. `lab SUBCOMMAND --help` lists each subcommand's flags."
}

fn time(v: &str) -> Result<Time, String> {
    parse_time(v)
}

fn seed_range(v: &str) -> Result<(u64, u64), String> {
    let bad = || format!("'{v}' is not a range like 1..1000");
    let (lo, hi) = v.split_once("..").unwrap_or((v, v));
    let lo: u64 = lo.parse().map_err(|_| bad())?;
    let hi: u64 = hi.parse().map_err(|_| bad())?;
    if lo > hi {
        return Err(format!("{lo} is above {hi}"));
    }
    Ok((lo, hi))
}

fn shard(v: &str) -> Result<(u64, u64), String> {
    let bad = || format!("'{v}' is not a shard like 0/4 (the first of four)");
    let (i, n) = v.split_once('/').ok_or_else(bad)?;
    let i: u64 = i.parse().map_err(|_| bad())?;
    let n: u64 = n.parse().map_err(|_| bad())?;
    if n == 0 || i >= n {
        return Err(format!("shard {i} of {n}: I counts from 0 to N-1"));
    }
    Ok((i, n))
}

/// `5000000`, `5M`, `500k`, `1G`.
fn steps(v: &str) -> Result<u64, String> {
    let bad = || format!("'{v}' is not a number of steps like 5000000 or 5M");
    let (digits, scale) = match v.strip_suffix(['k', 'K']) {
        Some(d) => (d, 1_000),
        None => match v.strip_suffix('M') {
            Some(d) => (d, 1_000_000),
            None => match v.strip_suffix('G') {
                Some(d) => (d, 1_000_000_000),
                None => (v, 1),
            },
        },
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|d| d.checked_mul(scale))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    fn parse(line: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("lab").chain(line.split_whitespace()))
    }

    #[test]
    fn settings_are_read_in_order_from_the_vocabulary() {
        let line = "run --nodes 3 --protocol raft --prevote --bug raft-commit-old-term";
        let Cmd::Run(r) = parse(line).unwrap().command else {
            panic!("not run")
        };
        let words: Vec<_> = r.settings.words.iter().map(|(k, _)| *k).collect();
        assert_eq!(words, ["nodes", "protocol", "prevote", "bug"]);
        let s = r.settings.settings().unwrap();
        assert_eq!((s.nodes, s.prevote, s.bugs.len()), (3, true, 1));
    }

    #[test]
    fn mistakes_are_caught_with_a_suggestion() {
        let e = parse("check --protocl raft").unwrap_err();
        assert!(e.to_string().contains("--protocol"), "{e}");
        let e = parse("run --protocol raf").unwrap_err();
        assert!(e.to_string().contains("raft"), "{e}");
        assert!(parse("check --shard 4/4").is_err());
        assert!(parse("check --seeds 9..1").is_err());
        assert!(parse("run --until 5 parsecs").is_err());
    }

    #[test]
    fn options_take_on_or_off_and_old_aliases_still_work() {
        let Cmd::Run(r) = parse("run --n 5 --prevote off --check-quorum --p zab")
            .unwrap()
            .command
        else {
            panic!("not run")
        };
        let s = r.settings.settings().unwrap();
        assert_eq!((s.nodes, s.prevote, s.check_quorum), (5, false, true));
        assert_eq!(s.protocol, ProtocolKind::Zab);
    }

    #[test]
    fn explore_flags_come_from_the_explorer() {
        let Cmd::Explore(e) = parse("explore --max-depth 7 --async --crashes 1")
            .unwrap()
            .command
        else {
            panic!("not explore")
        };
        let o = e.explore.options().unwrap();
        assert_eq!((o.max_depth, o.asynchronous, o.crashes), (7, true, 1));
    }
}
