//! Scripts: the action files of `lab run --actions` and the scenario transcripts of the tests,
//! in the spirit of etcd raft's datadriven testdata.
//!
//! One command a line, `#` starts a comment:
//! - time: `run 2s` (advance by), `run until 5s`, `step 3` (prints the narrated events),
//!   `at 1.5s <command>` (advance to an absolute time, then do it).
//! - actions, in the form the event log and links use too (see `Action`'s `Display`):
//!   `crash S1`, `restart S1`, `restart all`, `partition S1 S2 | S3 S4 S5`, `isolate S3`,
//!   `cut S1 S2`, `heal`, `drop #17`, `deliver #17`, `duplicate #17`, `fire timer #9`,
//!   `request S2 +5`, `network latency 10ms..15ms loss 0.1 dup 0.05`, `align timers`,
//!   `spread timers`; node and message numbers may be written bare (`crash 1`).
//! - script-only: `fire 3` (node S3's next timer), `request leader +5`, and `network` with
//!   only the values to change (`network loss 0.1`).
//! - looking: `print nodes`, `print log 3`, `print linearizability` (under `workload=kv`: the
//!   check of the clients' history so far, with its evidence).
//! - expectations, which fail the script with the line number: `expect leader 3`,
//!   `expect leader any`, `expect no leader`, `expect term 3 >= 2`, `expect role 2 follower`,
//!   `expect committed 5 >= 10`, `expect logs equal`, `expect values equal`,
//!   `expect no violation`, `expect violation "Election Safety"`, `expect linearizable`,
//!   `expect not linearizable` (the clients' history so far, under `workload=kv`).
//! - for tours (see [`crate::tour`]): an action may name `leader` for whoever leads when it
//!   runs (`crash leader`, `isolate leader`); `try <action>` is an action the app asks the
//!   reader to do (a script does it itself); `highlight S1 leader` marks nodes for the reader;
//!   `right <command>` runs an expectation or print on the compare run only, and
//!   `print divergence` prints where the two runs first differ.
//! - for tours told on the ring page (`# ring:` instead of `# settings:`): `ring add`,
//!   `ring remove 3`, `ring set vn=16`, `ring select k7`, `print ring` and expectations about
//!   what moved and the load, `expect moved <= 30%` (see [`lab_ring::script`]).

use crate::any::AnySim;
use crate::catalog::{Settings, Workload};
use crate::check::{check_history, LIN_BUDGET};
use crate::invariants::Violation;
use crate::lin;
use crate::node::{NodeId, Time};
use crate::sim::history::{parse_node, Action, ActionRecord, NetworkChange};
use crate::sim::StepReport;
use crate::time::{fmt_time, parse_time};
use lab_ring::script::{self as ring_script, RingCommand};
use std::fmt::Write;

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Run(Time),
    RunUntil(Time),
    Step(u64),
    At(Time, Box<Command>),
    Do(Action),
    /// Fire the node's earliest pending timer.
    Fire(NodeId),
    RequestLeader(i64),
    /// Changes only the network values it names.
    Network(NetworkChange),
    PrintNodes,
    PrintLog(NodeId),
    Expect(Expectation),
    /// An action written with `leader` in place of a node, resolved when it runs.
    OnLeader(String),
    /// An action the reader of a tour is asked to take.
    Try(Box<Command>),
    Highlight(Vec<Target>),
    /// A command for the compare run only.
    Right(Box<Command>),
    PrintDivergence,
    /// The linearizability check of the key-value clients' history so far, in one line.
    PrintLinearizability,
    /// A line of a tour told on the ring page (`ring add`, `expect moved <= 30%`).
    Ring(RingCommand),
}

/// A node named in a tour: a fixed one, or whoever leads at that moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Node(NodeId),
    Leader,
}

impl Target {
    pub fn resolve(self, sim: &AnySim) -> Option<NodeId> {
        match self {
            Target::Node(n) => Some(n),
            Target::Leader => sim.leader(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cmp {
    Ge,
    Le,
    Eq,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    Leader(Option<NodeId>),
    AnyLeader,
    Term(NodeId, Cmp, u64),
    Committed(NodeId, Cmp, u64),
    Role(NodeId, String),
    LogsEqual,
    ValuesEqual,
    NoViolation,
    Violation(String),
    /// `expect linearizable` / `expect not linearizable`: the key-value clients' history so far.
    Linearizable(bool),
}

/// A parsed line with its number, for messages.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub number: usize,
    pub text: String,
    pub command: Command,
}

fn node(s: Option<&str>) -> Result<NodeId, String> {
    parse_node(s.ok_or("needs a node like S3")?)
}

fn number<T: std::str::FromStr>(s: Option<&str>, what: &str) -> Result<T, String> {
    let s = s.ok_or_else(|| format!("{what} is missing"))?;
    s.parse().map_err(|_| format!("'{s}' is not {what}"))
}

fn cmp(s: Option<&str>) -> Result<Cmp, String> {
    match s {
        Some(">=") => Ok(Cmp::Ge),
        Some("<=") => Ok(Cmp::Le),
        Some("=" | "==") => Ok(Cmp::Eq),
        other => Err(format!("expected >=, <= or =, got {other:?}")),
    }
}

fn delta(s: Option<&str>) -> Result<i64, String> {
    let s = s.unwrap_or("+1");
    s.trim_start_matches('+')
        .parse()
        .map_err(|_| format!("'{s}' is not an amount like +5"))
}

/// Parses one command (without its line number).
pub fn parse_command(text: &str) -> Result<Command, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut w = words.iter().copied();
    let first = w.next().ok_or("empty command")?;
    let rest = || words[1..].join(" ");
    Ok(match first {
        "run" => match w.next() {
            Some("until") => Command::RunUntil(parse_time(&rest()[6..])?),
            Some(t) => Command::Run(parse_time(t)?),
            None => return Err("run needs a duration, e.g. run 2s".into()),
        },
        "step" => Command::Step(w.next().map_or(Ok(1), |n| number(Some(n), "a count"))?),
        "at" => {
            let t = parse_time(w.next().ok_or("at needs a time")?)?;
            let inner = words[2..].join(" ");
            Command::At(t, Box::new(parse_command(&inner)?))
        }
        "fire" if words.get(1) != Some(&"timer") => Command::Fire(node(w.next())?),
        "request" if words.get(1) == Some(&"leader") => {
            w.next();
            Command::RequestLeader(delta(w.next())?)
        }
        "network" => Command::Network(NetworkChange::parse(w)?),
        "ring" => Command::Ring(ring_script::parse(&rest())?),
        "expect" if words.get(1).is_some_and(|w| ring_script::is_expectation(w)) => {
            Command::Ring(RingCommand::Expect(ring_script::parse_expect(&rest())?))
        }
        "print" => match w.next() {
            Some("ring") => Command::Ring(RingCommand::Print),
            Some("nodes") => Command::PrintNodes,
            Some("log") => Command::PrintLog(node(w.next())?),
            Some("divergence") => Command::PrintDivergence,
            Some("linearizability") => Command::PrintLinearizability,
            other => {
                return Err(format!(
                    "print what? {other:?} (nodes, log N, divergence, linearizability, ring)"
                ))
            }
        },
        "try" => Command::Try(Box::new(parse_command(&rest())?)),
        "right" => Command::Right(Box::new(parse_command(&rest())?)),
        "highlight" => Command::Highlight(
            w.map(|t| match t {
                "leader" => Ok(Target::Leader),
                n => parse_node(n).map(Target::Node),
            })
            .collect::<Result<_, _>>()?,
        ),
        "expect" => Command::Expect(match w.next() {
            Some("leader") => match w.next() {
                Some("any") => Expectation::AnyLeader,
                n => Expectation::Leader(Some(node(n)?)),
            },
            Some("no") => match w.next() {
                Some("leader") => Expectation::Leader(None),
                Some("violation") => Expectation::NoViolation,
                other => return Err(format!("expect no what? {other:?}")),
            },
            Some("linearizable") => Expectation::Linearizable(true),
            Some("not") if w.next() == Some("linearizable") => Expectation::Linearizable(false),
            Some("term") => {
                Expectation::Term(node(w.next())?, cmp(w.next())?, number(w.next(), "a term")?)
            }
            Some("committed") => Expectation::Committed(
                node(w.next())?,
                cmp(w.next())?,
                number(w.next(), "a count")?,
            ),
            Some("role") => Expectation::Role(node(w.next())?, w.collect::<Vec<_>>().join(" ")),
            Some("logs") => Expectation::LogsEqual,
            Some("values") => Expectation::ValuesEqual,
            Some("violation") => {
                Expectation::Violation(rest()[10..].trim().trim_matches('"').to_string())
            }
            other => return Err(format!("unknown expectation {other:?}")),
        }),
        _ if words[1..].contains(&"leader") => {
            // Check the form now with a stand-in node, so a typo fails at parse time.
            let probe = text.replace("leader", "S1");
            probe.parse::<Action>()?;
            Command::OnLeader(text.to_string())
        }
        _ => Command::Do(text.parse::<Action>().map_err(|e| {
            if e.starts_with("unknown action") {
                format!("unknown command '{first}'")
            } else {
                e
            }
        })?),
    })
}

/// Parses a script; errors name the line.
pub fn parse(text: &str) -> Result<Vec<Line>, String> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            // `#` starts a comment, except before a digit: `deliver #17` names a message.
            let comment = l
                .char_indices()
                .find(|&(i, c)| c == '#' && !l[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
                .map_or(l.len(), |(i, _)| i);
            let code = l[..comment].trim();
            (!code.is_empty()).then(|| {
                parse_command(code)
                    .map(|command| Line {
                        number: i + 1,
                        text: code.to_string(),
                        command,
                    })
                    .map_err(|e| format!("line {}: {e}", i + 1))
            })
        })
        .collect()
}

/// One narrated event as a transcript shows it.
pub fn format_event(r: &StepReport) -> String {
    let mut s = format!("{:>10}  {}", fmt_time(r.record.time), r.headline);
    for l in &r.lines {
        let _ = write!(s, "\n{:>10}    {l}", "");
    }
    for v in &r.violations {
        let _ = write!(
            s,
            "\n{:>10}    VIOLATION {}: {}",
            "", v.invariant, v.explanation
        );
    }
    s
}

/// How nodes look, one line each.
pub fn format_nodes(sim: &AnySim) -> String {
    sim.snapshot()
        .nodes
        .iter()
        .map(|n| {
            let s = &n.summary;
            format!(
                "{} {} {} log {} committed {}{}",
                n.id,
                if n.up { s.role.as_str() } else { "crashed" },
                s.term_label,
                s.log_len,
                s.committed,
                s.value.map_or(String::new(), |v| format!(" value {v}"))
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn compare(have: u64, c: &Cmp, want: u64) -> bool {
    match c {
        Cmp::Ge => have >= want,
        Cmp::Le => have <= want,
        Cmp::Eq => have == want,
    }
}

fn check(sim: &AnySim, e: &Expectation) -> Result<(), String> {
    let snap = sim.snapshot();
    let get = |n: NodeId| {
        snap.nodes
            .get(n.idx())
            .ok_or_else(|| format!("there is no node {n}"))
    };
    match e {
        Expectation::Leader(want) => {
            let have = sim.leader();
            if have != *want {
                return Err(format!("leader is {have:?}, expected {want:?}"));
            }
        }
        Expectation::AnyLeader => {
            sim.leader().ok_or("there is no leader")?;
        }
        Expectation::Term(n, c, want) => {
            let have = get(*n)?.summary.term;
            if !compare(have, c, *want) {
                return Err(format!("{n}'s term is {have}"));
            }
        }
        Expectation::Committed(n, c, want) => {
            let have = get(*n)?.summary.committed;
            if !compare(have, c, *want) {
                return Err(format!("{n} has committed {have}"));
            }
        }
        Expectation::Role(n, want) => {
            let v = get(*n)?;
            let have = if v.up {
                v.summary.role.as_str()
            } else {
                "crashed"
            };
            if have != want {
                return Err(format!("{n} is {have}"));
            }
        }
        Expectation::LogsEqual => {
            let live: Vec<_> = snap.nodes.iter().filter(|n| n.up).collect();
            let first = live.first().ok_or("no node is up")?;
            for n in &live {
                let (a, b) = (&first.summary, &n.summary);
                if (a.log_len, a.committed, &a.log) != (b.log_len, b.committed, &b.log) {
                    return Err(format!("{} and {} hold different logs", first.id, n.id));
                }
            }
        }
        Expectation::ValuesEqual => {
            let values: Vec<_> = snap
                .nodes
                .iter()
                .filter(|n| n.up)
                .map(|n| n.summary.value)
                .collect();
            if values.windows(2).any(|w| w[0] != w[1]) {
                return Err(format!("values differ: {values:?}"));
            }
        }
        Expectation::NoViolation => {
            if let Some(v) = sim.violations().first() {
                return Err(format!("{} was violated", v.violation.invariant));
            }
        }
        Expectation::Violation(name) => {
            if !sim
                .violations()
                .iter()
                .any(|v| &v.violation.invariant == name)
            {
                return Err(format!("{name} was not violated"));
            }
        }
        Expectation::Linearizable(want) => {
            let have = linearizability(sim)?;
            if have.is_ok() != *want {
                return Err(verdict(&have));
            }
        }
    }
    Ok(())
}

/// The key-value clients' history as it stood at the run's present moment (a run sought
/// back still holds what came later): operations invoked by now, completions by now.
pub fn history_now(sim: &AnySim) -> lin::History {
    let now = sim.now();
    let mut h = sim.client_history().clone();
    h.ops.retain(|o| o.invoked <= now);
    for o in &mut h.ops {
        if o.completed.as_ref().is_some_and(|c| c.0 > now) {
            o.completed = None;
        }
    }
    h
}

/// The history so far checked as `lab check` checks it: `Ok(())` if linearizable, the
/// violation if not; an error if there is no history to check or the budget ran out.
fn linearizability(sim: &AnySim) -> Result<Result<(), Violation>, String> {
    if sim.settings().workload != Workload::Kv {
        return Err("linearizability is checked on the clients' history: set workload=kv".into());
    }
    match check_history(sim.settings(), &history_now(sim), LIN_BUDGET) {
        Ok(true) => Ok(Ok(())),
        Ok(false) => Err(format!(
            "unknown: the check's budget of {LIN_BUDGET} steps ran out"
        )),
        Err(v) => Ok(Err(v)),
    }
}

fn verdict(r: &Result<(), Violation>) -> String {
    match r {
        Ok(()) => "linearizable".into(),
        Err(v) => format!("not linearizable: {}", v.explanation),
    }
}

/// The action a command stands for, resolved against the run's present state (`crash leader`,
/// `fire 3`, `request leader`, a partial `network` change); `None` for other commands.
pub fn action_of(sim: &AnySim, c: &Command) -> Result<Option<Action>, String> {
    Ok(Some(match c {
        Command::Do(a) => a.clone(),
        Command::Fire(n) => {
            let timer = sim
                .snapshot()
                .timers
                .iter()
                .filter(|t| t.node == *n)
                .min_by_key(|t| t.fires_at)
                .map(|t| t.id)
                .ok_or_else(|| format!("{n} has no pending timer"))?;
            Action::FireTimer { timer }
        }
        Command::RequestLeader(delta) => Action::Request {
            node: sim.leader().ok_or("there is no leader to send to")?,
            delta: *delta,
        },
        Command::OnLeader(text) => {
            let leader = sim.leader().ok_or("there is no leader")?;
            text.replace("leader", &leader.to_string()).parse()?
        }
        Command::Network(change) => Action::SetNetwork {
            network: change.apply(sim.network()),
        },
        Command::Try(inner) => return action_of(sim, inner),
        _ => return Ok(None),
    }))
}

/// Runs one command; returns what it prints (possibly nothing).
pub fn run_command(sim: &mut AnySim, c: &Command) -> Result<String, String> {
    if let Some(action) = action_of(sim, c)? {
        sim.apply(action)?;
        return Ok(String::new());
    }
    match c {
        Command::Run(d) => {
            sim.run_until(sim.now() + d);
        }
        Command::RunUntil(t) | Command::At(t, _) if *t < sim.now() => {
            return Err(format!(
                "time {} has passed (now {})",
                fmt_time(*t),
                fmt_time(sim.now())
            ));
        }
        Command::RunUntil(t) => {
            sim.run_until(*t);
        }
        Command::At(t, inner) => {
            sim.run_until(*t);
            return run_command(sim, inner);
        }
        Command::Step(n) => {
            let mut out = Vec::new();
            for _ in 0..*n {
                match sim.step() {
                    Some(r) => out.push(format_event(&r)),
                    None => break,
                }
            }
            return Ok(out.join("\n"));
        }
        Command::PrintNodes => return Ok(format_nodes(sim)),
        Command::PrintLinearizability => return Ok(verdict(&linearizability(sim)?)),
        Command::PrintLog(n) => {
            return Ok(sim
                .inspect_node(*n)
                .iter()
                .filter_map(|s| match s {
                    crate::node::Section::Table { title, rows, .. } if title.starts_with("Log") => {
                        Some(
                            rows.iter()
                                .rev()
                                .map(|r| r.join(" "))
                                .collect::<Vec<_>>()
                                .join("\n"),
                        )
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("\n"))
        }
        Command::Expect(e) => check(sim, e)?,
        Command::Highlight(_) => {}
        Command::Right(_) | Command::PrintDivergence => {
            return Err("this needs a compare run (a '# compare:' line in the header)".into())
        }
        Command::Ring(_) => {
            return Err("ring lines belong in a tour told on the ring page ('# ring:')".into())
        }
        Command::Do(_)
        | Command::Fire(_)
        | Command::RequestLeader(_)
        | Command::OnLeader(_)
        | Command::Network(_)
        | Command::Try(_) => unreachable!("actions are applied above"),
    }
    Ok(String::new())
}

/// Runs one command on a pair of runs that differ in one setting: time and actions go to both
/// (an action resolved on the left, so both get the very same one), expectations and prints
/// to the left unless written `right ...`.
pub fn run_pair(left: &mut AnySim, right: &mut AnySim, c: &Command) -> Result<String, String> {
    if let Some(action) = action_of(left, c)? {
        left.apply(action.clone())?;
        right
            .apply(action)
            .map_err(|e| format!("on the compare run: {e}"))?;
        return Ok(String::new());
    }
    match c {
        Command::Right(inner) => run_command(right, inner),
        Command::PrintDivergence => Ok(match divergence(left, right) {
            Some((k, t)) => format!("the runs first differ at event {k}, {}", fmt_time(t)),
            None => "the runs have not diverged".into(),
        }),
        Command::At(t, inner) => {
            run_command(left, &Command::RunUntil(*t))?;
            right.run_until(*t);
            run_pair(left, right, inner)
        }
        _ => {
            let out = run_command(left, c)?;
            if left.now() > right.now() {
                right.run_until(left.now());
            }
            Ok(out)
        }
    }
}

/// The first event after which two runs' histories or nodes differ, with its time: where a
/// changed setting (a buggy variant, an option) first made a difference. Replays both from
/// the start, so it costs a run of each.
pub fn divergence(a: &AnySim, b: &AnySim) -> Option<(u64, Time)> {
    let end = a.horizon().0.min(b.horizon().0);
    let fresh = |s: &AnySim| AnySim::replay(s.settings().clone(), s.history().actions.clone());
    let (Ok(mut a), Ok(mut b)) = (fresh(a), fresh(b)) else {
        return None;
    };
    a.set_narrating(false);
    b.set_narrating(false);
    let same = |a: &AnySim, b: &AnySim| {
        let (x, y) = (a.snapshot(), b.snapshot());
        x.nodes.len() == y.nodes.len()
            && x.nodes
                .iter()
                .zip(&y.nodes)
                .all(|(m, n)| m.up == n.up && m.summary == n.summary)
    };
    for k in 1..=end {
        let (ra, rb) = (a.step(), b.step());
        let (ea, eb) = (
            a.history().events.get(k as usize - 1),
            b.history().events.get(k as usize - 1),
        );
        if ra.is_none() || rb.is_none() || ea != eb || !same(&a, &b) {
            return Some((k, a.now()));
        }
    }
    (a.horizon().0 != b.horizon().0).then(|| (end + 1, a.now()))
}

/// Writes recorded actions as a script of `at TIME command` lines that replays them.
pub fn format_actions(actions: &[ActionRecord]) -> String {
    actions
        .iter()
        .map(|a| format!("at {} {}", fmt_time(a.time), a.action))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads `key=value` settings (and bare option words like `prevote`) from a transcript's
/// `# settings:` header line, in the vocabulary links and the command line use.
pub fn parse_settings(line: &str) -> Result<Settings, String> {
    let s = Settings::from_words(line.split_whitespace().map(|kv| match kv.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (kv, None),
    }))?;
    s.validate()?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command_and_reports_lines() {
        let s = parse(
            "# comment\nrun 2s\nat 1.5s crash 3\npartition 1 2 | 3 4 5\nrequest leader +5\n\
             network latency 5ms..9ms loss 0.1\nexpect term 3 >= 2\nexpect violation \"Log Matching\"\n\
             expect no leader\nprint log 2\nrun until 9s\nrestart all\nfire-timer 4",
        )
        .unwrap();
        assert_eq!(s.len(), 12);
        assert_eq!(
            s[1].command,
            Command::At(
                1_500_000,
                Box::new(Command::Do(Action::Crash { node: NodeId(3) }))
            )
        );
        assert_eq!(
            s[6].command,
            Command::Expect(Expectation::Violation("Log Matching".into()))
        );
        assert_eq!(s[9].command, Command::RunUntil(9_000_000));
        assert_eq!(
            parse("run 2s\nfrobnicate").unwrap_err(),
            "line 2: unknown command 'frobnicate'"
        );
        assert!(parse("crash x").unwrap_err().starts_with("line 1:"));
        assert!(parse("run").is_err());
    }

    #[test]
    fn recorded_actions_format_back_into_a_script() {
        let actions = vec![
            ActionRecord {
                time: 1_500_000,
                event: 3,
                action: Action::Partition {
                    groups: vec![vec![NodeId(1)], vec![NodeId(2), NodeId(3)]],
                },
            },
            ActionRecord {
                time: 2_000_000,
                event: 9,
                action: Action::Request {
                    node: NodeId(2),
                    delta: -4,
                },
            },
        ];
        let text = format_actions(&actions);
        assert_eq!(text, "at 1500ms partition S1 | S2 S3\nat 2s request S2 -4");
        let numbered = format_actions(&[ActionRecord {
            time: 0,
            event: 0,
            action: Action::Deliver { msg: 17 },
        }]);
        assert_eq!(numbered, "at 0 deliver #17");
        assert_eq!(
            parse(&format!("{numbered} # a comment")).unwrap()[0].command,
            Command::At(0, Box::new(Command::Do(Action::Deliver { msg: 17 })))
        );
        let back = parse(&text).unwrap();
        assert_eq!(
            back[1].command,
            Command::At(
                2_000_000,
                Box::new(Command::Do(Action::Request {
                    node: NodeId(2),
                    delta: -4
                }))
            )
        );
    }
}
