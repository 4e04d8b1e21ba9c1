//! `lab`: run, check and benchmark the protocols from the command line.
//!
//! ```text
//! lab run   --protocol raft --nodes 5 --seed 7 --until 30s [--actions FILE] [--json]
//! lab run   --protocol raft --workload kv --until 30s --history > h.edn && lab lin h.edn
//! lab check --protocol raft --nodes 5 --seeds 1..10000 --faults random
//! lab explore --protocol paxos --nodes 3 --proposers 2 --bug paxos-ignore-promised-value
//! lab bench [--hours 1]
//! lab tour list | lab tour run raft-election
//! lab lin history.edn [--json] [--timeout 100000000]
//! ```

#[path = "lab/meter.rs"]
mod meter;

use lab_engine::any::AnySim;
use lab_engine::catalog::vocabulary::{canonical, KEYS};
use lab_engine::catalog::{Bug, Opt, ProtocolKind, Settings, Workload};
use lab_engine::check::{
    check_seeds, CheckOptions, FailureKind, FaultModel, LINEARIZABILITY, LIN_BUDGET,
};
use lab_engine::explore::{self, ExploreOptions, Outcome, Stats};
use lab_engine::lin::{self, Verdict};
use lab_engine::script::{self, format_event};
use lab_engine::time::{fmt_time, parse_time};
use lab_engine::Time;
use std::process::ExitCode;

const USAGE: &str = "\
lab: deterministic simulations of consensus protocols

USAGE
  lab run   [SETTINGS] [--until 30s] [--actions FILE] [--json] [--history]
                               --history (with --workload kv): print only the clients' history,
                               as Jepsen history maps that lab lin reads
  lab check [SETTINGS] [--seeds 1..1000] [--faults random|crash|none] [--no-shrink]
                               with --workload kv the clients' history is also checked for
                               linearizability (exit 3 if its budget left a seed undecided)
  lab explore [SETTINGS] [EXPLORE OPTIONS]
  lab bench [--hours 1]
  lab ring  [--nodes 10] [--vnodes 100] [--keys 100000] [--replicas 3] --add N | --remove ID
  lab tour  list | run ID      the guided tours; run prints chapters and events, fails if a check does
  lab lin   FILE [--json] [--timeout STEPS]
                               is a Jepsen history (history maps or log lines) linearizable? Exit
                               status 0 yes, 1 no (with the evidence), 2 unreadable (with the
                               line), 3 unknown: the budget of steps (default 100M) ran out
";

/// The usage, then every setting, option and buggy variant from the catalog, so the help
/// cannot fall behind it.
fn help() -> String {
    let mut h = format!("{USAGE}\nPROTOCOLS (--protocol NAME)\n");
    for p in ProtocolKind::ALL {
        h += &format!("  {:<32} {}\n", p.slug(), p.title());
    }
    h += "\nSETTINGS (run and check; links and scripts use the same names)\n";
    for k in KEYS {
        h += &format!("  --{:<28} {:<14} {}\n", k.name, k.value, k.help);
    }
    for o in Opt::ALL {
        h += &format!("  --{:<28} {:<14} {}\n", o.slug(), "[on|off]", o.describe());
    }
    h += "\nEXPLORE OPTIONS (explore: every interleaving, breadth-first, so a violation found \
          has a shortest path)\n";
    for (name, value, text) in explore::OPTIONS_HELP {
        h += &format!("  --{name:<28} {value:<14} {text}\n");
    }
    h += "\nBUGGY VARIANTS (--bug NAME, repeatable), each caught by the checker\n";
    for b in Bug::all() {
        let protocols: Vec<_> = ProtocolKind::ALL
            .iter()
            .filter(|p| b.applies_to(**p))
            .map(|p| p.slug())
            .collect();
        h += &format!(
            "  {:<32} [{}] {}\n",
            b.slug(),
            protocols.join(", "),
            b.describe()
        );
    }
    h + "\nTimes take a unit: us, ms, s, m, h. Exit status: 0 ok, 1 a violation or failed check, 2 bad \
         usage."
}

struct Args {
    settings: Settings,
    until: Time,
    actions: Option<String>,
    json: bool,
    /// `lab run` prints the client history instead of the events.
    history: bool,
    seeds: (u64, u64),
    faults: bool,
    model: FaultModel,
    shrink: bool,
    hours: u64,
    explore: ExploreOptions,
}

fn parse_args(words: &[String]) -> Result<Args, String> {
    let mut settings: Vec<(&str, Option<&str>)> = Vec::new();
    let mut a = Args {
        settings: Settings::default(),
        until: 30 * lab_engine::SECOND,
        actions: None,
        json: false,
        history: false,
        seeds: (1, 1000),
        faults: true,
        model: FaultModel::Random,
        shrink: true,
        hours: 1,
        explore: ExploreOptions::default(),
    };
    let mut i = 0;
    while i < words.len() {
        let flag = words[i].as_str();
        let name = flag
            .strip_prefix("--")
            .ok_or_else(|| format!("'{flag}' is not an option (see lab --help)"))?;
        // Options are switches; a following on/off is their value.
        let switch = Opt::parse(name).is_ok();
        let takes_value = !switch && !matches!(name, "json" | "history" | "no-shrink" | "async");
        let value = match words.get(i + 1).map(String::as_str) {
            Some(v) if takes_value || (switch && matches!(v, "on" | "off")) => {
                i += 1;
                Some(v)
            }
            None if takes_value => return Err(format!("{flag} needs a value")),
            _ => None,
        };
        i += 1;
        let v = value.unwrap_or_default();
        match name {
            "until" => a.until = parse_time(v)?,
            "actions" => a.actions = Some(v.to_string()),
            "json" => a.json = true,
            "history" => a.history = true,
            "seeds" => {
                let bad = || format!("--seeds: '{v}' is not a range like 1..1000");
                let (lo, hi) = v.split_once("..").unwrap_or((v, v));
                let lo: u64 = lo.parse().map_err(|_| bad())?;
                let hi: u64 = hi.parse().map_err(|_| bad())?;
                if lo > hi {
                    return Err(format!("--seeds: {lo} is above {hi}"));
                }
                a.seeds = (lo, hi);
            }
            "faults" => {
                (a.faults, a.model) = match v {
                    "random" => (true, FaultModel::Random),
                    "crash" => (true, FaultModel::Crash),
                    "none" => (false, FaultModel::Random),
                    _ => return Err(format!("--faults takes random, crash or none, not '{v}'")),
                }
            }
            "no-shrink" => a.shrink = false,
            "hours" => {
                a.hours = v
                    .parse::<u64>()
                    .map_err(|_| format!("--hours: '{v}' is not a number of hours"))?
                    .max(1)
            }
            _ if a.explore.set(name, v)? => {}
            _ if canonical(name).is_some() => settings.push((name, value)),
            _ => return Err(format!("unknown option '{flag}' (see lab --help)")),
        }
    }
    a.settings = Settings::from_words(settings)?;
    a.settings.validate()?;
    Ok(a)
}

/// Prints a line; a closed pipe (`lab run | head`) ends the program quietly.
fn say(line: impl std::fmt::Display) {
    use std::io::Write;
    if writeln!(std::io::stdout().lock(), "{line}").is_err() {
        std::process::exit(0);
    }
}

fn run(a: &Args) -> Result<ExitCode, String> {
    let lines = match &a.actions {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            script::parse(&text).map_err(|e| format!("{path}: {e}"))?
        }
        None => Vec::new(),
    };
    if a.history && a.settings.workload != Workload::Kv {
        return Err("--history needs --workload kv: the counter's client keeps no history".into());
    }
    let mut sim = AnySim::new(a.settings.clone())?;
    let mut broken = false;
    let mut emit = |r: &lab_engine::sim::StepReport| {
        broken |= !r.violations.is_empty();
        if a.history {
            return;
        }
        if a.json {
            let line = serde_json::json!({
                "index": r.index,
                "time": r.record.time,
                "event": r.record,
                "headline": r.headline,
                "narration": r.lines,
                "violations": r.violations,
            });
            say(line);
        } else {
            say(format_event(r));
        }
    };
    // Every event is printed as it happens, including those an action script causes.
    let advance =
        |sim: &mut AnySim, t: Time, emit: &mut dyn FnMut(&lab_engine::sim::StepReport)| {
            while sim.next_event_time().is_some_and(|nt| nt <= t) {
                match sim.step() {
                    Some(r) => emit(&r),
                    None => break,
                }
            }
            sim.run_until(t);
        };
    for l in &lines {
        let (at, cmd) = match &l.command {
            script::Command::At(t, inner) => (Some(*t), inner.as_ref()),
            other => (None, other),
        };
        if let Some(t) = at {
            if t > a.until {
                break;
            }
            advance(&mut sim, t, &mut emit);
        }
        let e0 = sim.events();
        let out =
            script::run_command(&mut sim, cmd).map_err(|e| format!("line {}: {e}", l.number))?;
        if !out.is_empty() && !a.json && !a.history {
            say(out);
        }
        if sim.events() > e0 && !a.history && !matches!(cmd, script::Command::Step(_)) {
            // Actions are events too: show them like the rest.
            if let Some(line) = sim.log().last() {
                if a.json {
                    say(format!(
                        "{}",
                        serde_json::json!({ "index": line.index, "time": line.time, "headline": line.headline, "narration": line.lines })
                    ));
                } else {
                    say(format!("{:>10}  {}", fmt_time(line.time), line.headline));
                    for n in &line.lines {
                        say(format!("{:>10}    {n}", ""));
                    }
                }
            }
        }
    }
    advance(&mut sim, a.until, &mut emit);
    if a.history {
        // Only the history, so that the output is a file `lab lin` reads back.
        print!("{}", lin::jepsen::to_jepsen(sim.client_history()));
    } else if !a.json {
        say(format!(
            "\n--- after {} ({} events, trace {:016x})",
            fmt_time(sim.now()),
            sim.events(),
            sim.trace_hash()
        ));
        say(script::format_nodes(&sim));
        say(format!(
            "leader: {}; client requests acknowledged: {} of {}",
            sim.leader().map_or("none".into(), |l| l.to_string()),
            sim.acked(),
            sim.requests_issued()
        ));
        for v in sim.violations() {
            say(format!(
                "VIOLATION at {} (event #{}): {}: {}",
                fmt_time(v.time),
                v.event,
                v.violation.invariant,
                v.violation.explanation
            ));
        }
    }
    Ok(if broken || !sim.violations().is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn check(a: &Args) -> Result<ExitCode, String> {
    let opts = CheckOptions {
        faults: a.faults,
        model: a.model,
        shrink: a.shrink,
        ..CheckOptions::default()
    };
    let (lo, hi) = a.seeds;
    let mut done = 0u64;
    let report = check_seeds(&a.settings, lo..=hi, &opts, |run| {
        done += 1;
        if let Some(f) = &run.failure {
            say(format!("FAIL {f}"));
        } else if done % 1000 == 0 {
            eprintln!("... {done} seeds");
        }
    });
    say(format!(
        "{} {}: {report}",
        a.settings.protocol.title(),
        match (a.faults, a.model) {
            (false, _) => "without faults",
            (true, FaultModel::Random) => "with random faults",
            (true, FaultModel::Crash) => "with crash faults",
        }
    ));
    if let Some(f) = report.failures.first() {
        let kind = match &f.kind {
            FailureKind::Safety(v) => format!("{} violated", v.invariant),
            FailureKind::Liveness(why) => format!("liveness: {why}"),
        };
        say(format!(
            "\nfirst failure: seed {} ({kind}). Reproduce with:",
            f.seed
        ));
        let history = matches!(&f.kind, FailureKind::Safety(v) if v.invariant == LINEARIZABILITY);
        say(format!(
            "  lab run {} --until {} --actions repro.txt{}",
            Settings {
                seed: f.seed,
                ..a.settings.clone()
            }
            .to_flags(),
            fmt_time(f.time + lab_engine::MS),
            if history {
                " --history > h.edn && lab lin h.edn"
            } else {
                ""
            }
        ));
        say(format!(
            "where repro.txt holds these {} actions:",
            f.actions.len()
        ));
        say(script::format_actions(&f.actions));
        say(format!(
            "or open it in the app at the failure: ?{}",
            f.link(&a.settings)
        ));
        return Ok(ExitCode::from(1));
    }
    if !report.unknown.is_empty() {
        // Not a pass: say which seeds, and exit as lab lin does on an unknown verdict.
        let seeds: Vec<String> = report.unknown.iter().map(u64::to_string).collect();
        say(format!(
            "linearizability unknown (budget of {LIN_BUDGET} steps spent) for seeds: {}",
            seeds.join(", ")
        ));
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

/// The explorer's host: the clock and heap of this process, and a progress line on stderr.
struct ExploreHost {
    meter: meter::HostMeter,
    shown: f64,
}

impl explore::Host for ExploreHost {
    fn seconds(&self) -> f64 {
        use lab_engine::bench::Meter;
        self.meter.seconds()
    }
    fn allocated(&self) -> usize {
        use lab_engine::bench::Meter;
        self.meter.allocated()
    }
    fn progress(&mut self, stats: &Stats) -> bool {
        if stats.seconds >= self.shown + 1.0 {
            self.shown = stats.seconds;
            eprintln!("... {stats}");
        }
        true
    }
}

fn explore(a: &Args) -> Result<ExitCode, String> {
    let mut host = ExploreHost {
        meter: meter::HostMeter::new(),
        shown: 0.0,
    };
    let report = explore::explore(&a.settings, &a.explore, &mut host)?;
    say(format!("{}: {}", a.settings.searched(), report.stats));
    let why = match &report.outcome {
        Outcome::Exhausted => "explored every reachable state within the budgets: no violation",
        Outcome::DepthBound => "explored every path up to --max-depth: no violation",
        Outcome::StateBound => "stopped at --max-states: no violation so far",
        Outcome::MemoryBound => "stopped at --max-memory: no violation so far",
        Outcome::Cancelled => "cancelled",
        Outcome::Violation(cx) => {
            say(format!(
                "VIOLATION: {}: {}",
                cx.violation.invariant, cx.violation.explanation
            ));
            let end = cx.actions.last().map_or(0, |a| a.time);
            say(format!(
                "shortest counterexample, {} steps (lab run {} --until {} --actions FILE):",
                cx.actions.len(),
                cx.settings.to_flags(),
                fmt_time(end)
            ));
            say(cx.script());
            say(format!(
                "open it in the browser: http://127.0.0.1:8080/?{}",
                cx.link()
            ));
            return Ok(ExitCode::from(1));
        }
    };
    say(why);
    Ok(ExitCode::SUCCESS)
}

/// Porcupine's `test_data` for `lab bench`: the etcd logs and key-value logs in the folder named
/// by `LAB_LIN_DATA`, or in `shared/porcupine-test-data` beside the repository (`make bench`
/// runs at its root); none if there is no such folder.
fn published_histories() -> Vec<(String, String)> {
    let dir = std::env::var_os("LAB_LIN_DATA").map_or_else(
        || "../shared/porcupine-test-data".into(),
        std::path::PathBuf::from,
    );
    let mut files = Vec::new();
    for sub in ["jepsen", "kv"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                files.push((name, text));
            }
        }
    }
    files.sort();
    files
}

/// `lab lin FILE [--json] [--timeout STEPS]`: its own flags, and exit statuses that tell the
/// three verdicts apart.
fn check_history(words: &[String]) -> ExitCode {
    let mut file = None;
    let mut json = false;
    let mut budget = lin::DEFAULT_BUDGET;
    let mut i = 0;
    let usage = |e: String| {
        eprintln!("lab lin: {e} (usage: lab lin FILE [--json] [--timeout STEPS])");
        ExitCode::from(2)
    };
    while i < words.len() {
        match words[i].as_str() {
            "--json" => json = true,
            "--timeout" => {
                i += 1;
                let Some(v) = words.get(i) else {
                    return usage("--timeout needs a number of steps".into());
                };
                match parse_steps(v) {
                    Some(n) => budget = n,
                    None => {
                        return usage(format!(
                            "--timeout: '{v}' is not a number of steps like 5000000 or 5M"
                        ))
                    }
                }
            }
            flag if flag.starts_with("--") => return usage(format!("unknown option '{flag}'")),
            path if file.is_none() => file = Some(path.to_string()),
            extra => return usage(format!("one file at a time, not also '{extra}'")),
        }
        i += 1;
    }
    let Some(path) = file else {
        return usage("which history file?".into());
    };
    let unreadable = |line: Option<usize>, e: String| {
        if json {
            say(serde_json::json!({ "file": path, "error": e, "line": line }));
        }
        eprintln!("lab lin: {path}: {e}");
        ExitCode::from(2)
    };
    let text = match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => return unreadable(None, format!("not UTF-8 text ({e})")),
        },
        Err(e) => return unreadable(None, e.to_string()),
    };
    let history = match lin::jepsen::parse(&text) {
        Ok(h) => h,
        Err(e) => return unreadable(Some(e.line), e.to_string()),
    };
    let report = lin::check(&history, budget);
    if json {
        let mut out = serde_json::to_value(&report).unwrap_or_default();
        out["file"] = path.clone().into();
        out["operations"] = history.ops.len().into();
        out["processes"] = history.processes().into();
        out["headline"] = report.headline().into();
        // The operations themselves, so that a tool can read the ids in the report.
        out["ops"] = serde_json::to_value(&history.ops).unwrap_or_default();
        say(out);
    } else {
        say(format!(
            "{path}: {}",
            lin::evidence::describe(&report, &history)
        ));
    }
    ExitCode::from(match report.verdict {
        Verdict::Linearizable => 0,
        Verdict::NotLinearizable => 1,
        Verdict::Unknown => 3,
    })
}

/// `5000000`, `5M`, `500k`, `1G`.
fn parse_steps(v: &str) -> Option<u64> {
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
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

fn main() -> ExitCode {
    let words: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = words.first().map(String::as_str) else {
        eprintln!("{}", help());
        return ExitCode::from(2);
    };
    if matches!(cmd, "-h" | "--help" | "help") {
        println!("{}", help());
        return ExitCode::SUCCESS;
    }
    if cmd == "ring" {
        // Its own flags: the simulation settings do not apply to a hash ring.
        return match lab_ring::cli(&words[1..]) {
            Ok(out) => {
                say(out.trim_end());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("lab: {e}");
                ExitCode::from(2)
            }
        };
    }
    if cmd == "lin" {
        return check_history(&words[1..]);
    }
    if cmd == "tour" {
        return match lab_engine::tour::cli(&words[1..]) {
            Ok((out, ok)) => {
                say(out.trim_end());
                if ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
            Err(e) => {
                eprintln!("lab: {e}");
                ExitCode::from(2)
            }
        };
    }
    let result = parse_args(&words[1..]).and_then(|a| match cmd {
        "run" => run(&a),
        "check" => check(&a),
        "explore" => explore(&a),
        "bench" => lab_engine::bench::run(&meter::HostMeter::new(), a.hours).map(|out| {
            print!("{out}");
            print!(
                "{}",
                lab_engine::bench::lin(&meter::HostMeter::new(), &published_histories())
            );
            ExitCode::SUCCESS
        }),
        other => Err(format!(
            "unknown subcommand '{other}' (run, check, explore, bench, ring, tour, lin)"
        )),
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lab: {e}");
            ExitCode::from(2)
        }
    }
}
