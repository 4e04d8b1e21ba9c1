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

#[path = "lab/args.rs"]
mod args;
#[path = "lab/meter.rs"]
mod meter;

use args::{CheckArgs, Cli, Cmd, ExploreArgs, LinArgs, RunArgs};
use clap::{CommandFactory, Parser};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lab_engine::any::AnySim;
use lab_engine::catalog::{Settings, Workload};
use lab_engine::check::{
    check_seeds_parallel, CheckOptions, CheckReport, FailureKind, FaultModel, SeedRange,
    LINEARIZABILITY, LIN_BUDGET,
};
use lab_engine::explore::{self, Outcome, Stats};
use lab_engine::lin::{self, Verdict};
use lab_engine::script::{self, format_event};
use lab_engine::time::fmt_time;
use lab_engine::Time;
use serde::{Deserialize, Serialize};
use std::process::ExitCode;

/// Prints a line; a closed pipe (`lab run | head`) ends the program quietly.
fn say(line: impl std::fmt::Display) {
    use std::io::Write;
    if writeln!(std::io::stdout().lock(), "{line}").is_err() {
        std::process::exit(0);
    }
}

fn run(a: &RunArgs) -> Result<ExitCode, String> {
    let settings = a.settings.settings()?;
    let lines = match &a.actions {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            script::parse(&text).map_err(|e| format!("{path}: {e}"))?
        }
        None => Vec::new(),
    };
    if a.history && settings.workload != Workload::Kv {
        return Err("--history needs --workload kv: the counter's client keeps no history".into());
    }
    let mut sim = AnySim::new(settings)?;
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

/// What `lab check --json` prints and `lab check --merge` reads: a report with what it was run
/// with, so shards of different runs are not merged by mistake.
#[derive(Serialize, Deserialize)]
struct CheckSummary {
    settings: Settings,
    faults: String,
    shrink: bool,
    seeds: SeedRange,
    report: CheckReport,
}

/// The number of cores, the default for `--jobs` and `--threads`.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A progress bar on stderr, drawn only on a terminal (indicatif hides it when piped).
fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let style = format!(
        "{{bar:30}} {{human_pos}}/{{human_len}} {what} {{per_sec}} {{elapsed}} elapsed, \
         {{eta}} left"
    );
    if let Ok(style) = ProgressStyle::with_template(&style) {
        bar.set_style(style);
    }
    bar
}

fn check(a: &CheckArgs) -> Result<ExitCode, String> {
    if !a.merge.is_empty() {
        return merge(a);
    }
    let settings = a.settings.settings()?;
    let (faults, model) = a.faults.model();
    if model == FaultModel::Membership && settings.membership.is_fixed() {
        return Err(
            "--faults membership changes the configuration: add --membership single or joint"
                .into(),
        );
    }
    let opts = CheckOptions {
        faults,
        model,
        shrink: !a.no_shrink,
        ..CheckOptions::default()
    };
    let mut seeds = SeedRange::new(a.seeds.0, a.seeds.1);
    if let Some((i, n)) = a.shard {
        seeds = seeds.shard(i, n)?;
    }
    let jobs = a.jobs.map_or_else(cores, |j| j as usize);
    let bar = progress_bar(seeds.len(), "seeds");
    let report = check_seeds_parallel(&settings, seeds, &opts, jobs, |run| {
        bar.inc(1);
        if let (Some(f), false) = (&run.failure, a.json) {
            bar.suspend(|| say(format!("FAIL {f}")));
        }
    });
    bar.finish_and_clear();
    let summary = CheckSummary {
        settings,
        faults: format!("{:?}", a.faults).to_lowercase(),
        shrink: opts.shrink,
        seeds,
        report,
    };
    if a.json {
        say(serde_json::to_string(&summary).map_err(|e| e.to_string())?);
        return Ok(exit_status(&summary.report));
    }
    Ok(print_check(&summary))
}

/// 1 for a violation; 3, as `lab lin` on an unknown verdict, when the linearizability budget
/// left a seed undecided (not a pass); else 0.
fn exit_status(report: &CheckReport) -> ExitCode {
    if !report.failures.is_empty() {
        ExitCode::from(1)
    } else if !report.unknown.is_empty() {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

/// A check's report as text, after its FAIL lines: the counts, and how to reproduce the first
/// failure.
fn print_check(c: &CheckSummary) -> ExitCode {
    let report = &c.report;
    say(format!(
        "{} {}: {report}",
        c.settings.protocol.title(),
        match c.faults.as_str() {
            "none" => "without faults",
            "crash" => "with crash faults",
            "membership" => "with random faults and membership changes",
            _ => "with random faults",
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
                ..c.settings.clone()
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
            f.link(&c.settings)
        ));
    }
    if !report.unknown.is_empty() {
        // Not a pass: say which seeds, and exit as lab lin does on an unknown verdict.
        let seeds: Vec<String> = report.unknown.iter().map(u64::to_string).collect();
        say(format!(
            "linearizability unknown (budget of {LIN_BUDGET} steps spent) for seeds: {}",
            seeds.join(", ")
        ));
    }
    exit_status(report)
}

/// `lab check --merge FILE...`: the shards' summaries as the whole run's report, exactly as one
/// `lab check` over every seed prints it (with `--json`, as its summary).
fn merge(a: &CheckArgs) -> Result<ExitCode, String> {
    let mut parts: Vec<CheckSummary> = Vec::new();
    // A file holds one summary per line: one shard's, or several collected from one stream
    // (GNU parallel's output, say).
    let mut read = Vec::new();
    for path in &a.merge {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let part: CheckSummary = serde_json::from_str(line)
                .map_err(|e| format!("{path}:{}: not a `lab check --json` summary ({e})", i + 1))?;
            read.push((format!("{path}:{}", i + 1), part));
        }
    }
    for (at, part) in read {
        if let Some(first) = parts.first() {
            let same = (
                &first.settings,
                &first.faults,
                first.shrink,
                first.seeds.lo,
                first.seeds.hi,
                first.seeds.shards,
            ) == (
                &part.settings,
                &part.faults,
                part.shrink,
                part.seeds.lo,
                part.seeds.hi,
                part.seeds.shards,
            );
            if !same {
                return Err(format!(
                    "{at}: a shard of another run than the first summary's (settings, faults, \
                     shrinking or seeds differ)"
                ));
            }
        }
        if parts.iter().any(|p| p.seeds.shard == part.seeds.shard) {
            return Err(format!(
                "{at}: shard {} of {} is there twice",
                part.seeds.shard, part.seeds.shards
            ));
        }
        parts.push(part);
    }
    if parts.is_empty() {
        return Err("no summary to merge in the files given".into());
    }
    let first = &parts[0];
    let shards = first.seeds.shards;
    if let Some(missing) = (0..shards).find(|i| parts.iter().all(|p| p.seeds.shard != *i)) {
        return Err(format!(
            "shard {missing} of {shards} is missing: the report would not be the whole run's"
        ));
    }
    let whole = CheckSummary {
        settings: first.settings.clone(),
        faults: first.faults.clone(),
        shrink: first.shrink,
        seeds: SeedRange::new(first.seeds.lo, first.seeds.hi),
        report: CheckReport::merge(parts.into_iter().map(|p| p.report)),
    };
    if a.json {
        say(serde_json::to_string(&whole).map_err(|e| e.to_string())?);
        return Ok(exit_status(&whole.report));
    }
    for f in &whole.report.failures {
        say(format!("FAIL {f}"));
    }
    Ok(print_check(&whole))
}

/// The explorer's host: the clock and heap of this process, and a progress line on stderr.
struct ExploreHost {
    meter: meter::HostMeter,
    bar: ProgressBar,
    /// `--max-time`, in seconds of this host's clock.
    deadline: f64,
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
        self.bar.set_message(stats.to_string());
        self.bar.tick();
        stats.seconds < self.deadline
    }
}

fn explore(a: &ExploreArgs) -> Result<ExitCode, String> {
    let settings = a.settings.settings()?;
    let options = a.explore.options()?;
    let mut host = ExploreHost {
        meter: meter::HostMeter::new(),
        bar: ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        deadline: a
            .max_time
            .map_or(f64::INFINITY, |t| t as f64 / lab_engine::SECOND as f64),
    };
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
        host.bar.set_style(style);
    }
    let threads = a.threads.map_or_else(cores, |t| t as usize);
    let report = explore::explore_parallel(&settings, &options, threads, &mut host)?;
    host.bar.finish_and_clear();
    say(format!("{}: {}", settings.searched(), report.stats));
    let why = match &report.outcome {
        Outcome::Exhausted => "explored every reachable state within the budgets: no violation",
        Outcome::DepthBound => "explored every path up to --max-depth: no violation",
        Outcome::StateBound => "stopped at --max-states: no violation so far",
        Outcome::MemoryBound => "stopped at --max-memory: no violation so far",
        // Only the deadline cancels a search here.
        Outcome::Cancelled => "stopped at --max-time: no violation so far",
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

/// `lab lin FILE [--json] [--timeout STEPS]`: exit statuses that tell the three verdicts
/// apart.
fn check_history(a: &LinArgs) -> ExitCode {
    let (path, json, budget) = (a.file.clone(), a.json, a.timeout);
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

fn main() -> ExitCode {
    // clap prints its own errors and help, and exits 2 on a usage error (0 for --help).
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Run(a) => run(&a),
        Cmd::Check(a) => check(&a),
        Cmd::Explore(a) => explore(&a),
        Cmd::Bench(a) => {
            lab_engine::bench::run(&meter::HostMeter::new(), a.hours, cores()).map(|out| {
                print!("{out}");
                print!(
                    "{}",
                    lab_engine::bench::lin(&meter::HostMeter::new(), &published_histories())
                );
                ExitCode::SUCCESS
            })
        }
        // Its own flags: the simulation settings do not apply to a hash ring.
        Cmd::Ring { args } => lab_ring::cli(&args).map(|out| {
            say(out.trim_end());
            ExitCode::SUCCESS
        }),
        Cmd::Tour { args } => lab_engine::tour::cli(&args).map(|(out, ok)| {
            say(out.trim_end());
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }),
        Cmd::Lin(a) => Ok(check_history(&a)),
        Cmd::Completions { shell } => {
            // Into a buffer first: writing straight to a closed pipe would panic.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "lab", &mut script);
            say(String::from_utf8_lossy(&script).trim_end());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lab: {e}");
            ExitCode::from(2)
        }
    }
}
