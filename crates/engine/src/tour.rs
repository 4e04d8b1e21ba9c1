//! Guided tours: stories told by the live engine. A tour is a scenario transcript (see
//! [`crate::script`]) with a header and chapters, and the same file is a test: a tour whose
//! story stops being true fails `cargo test`, `lab tour run` and the app's own checks.
//!
//! ```text
//! # settings: protocol=raft nodes=5 seed=1
//! # tour: raft-election
//! # title: Electing a leader
//! # compare: bug=raft-commit-old-term      (optional: a second run, shown on the right)
//!
//! == Everyone starts as a follower
//! > Text for the reader, one paragraph a line, citing the paper (Raft §5.2).
//! highlight S3
//! run until 150ms
//! expect no leader
//! ----
//! (expected output of a printing command, up to a blank line; the tests compare it)
//! ```
//!
//! A chapter pauses where its commands end. `try <action>` makes it a "try it yourself"
//! chapter: the app stops just before the action and waits for the reader to do it; scripts
//! and tests do it themselves. A `# settings:` line in the body starts a new run (a tour may
//! compare protocols one after the other); `# compare:` applies to every run.
//!
//! A tour told on the consistent-hashing page has `# ring: n=4 vn=1 keys=40 r=3 seed=1` (the
//! page's link words) instead of `# settings:`, and no simulation: its chapters change the ring
//! (`ring add`, `ring remove 3`, `ring set vn=16`) and check what the page shows (`expect
//! moved <= 30%`); see [`lab_ring::script`]. Each chapter pauses at a ring, not a moment.

use crate::any::AnySim;
use crate::catalog::Settings;
use crate::node::Time;
use crate::script::{action_of, parse_command, parse_settings, run_command, run_pair};
use crate::script::{Command, Expectation, Line, Target};
use crate::sim::history::Action;
use lab_ring::script::{self as ring_script, RingView};

macro_rules! tours {
    ($(($id:literal, $group:literal, $title:literal)),* $(,)?) => {
        /// Every tour's id, menu group and title, in the order menus list them (each
        /// protocol's stories from the basics up). The page lists and routes tours from this
        /// alone: it fetches a tour's text (`tours/ID.txt` beside the page) only when the tour
        /// opens, so the texts stay out of its WebAssembly. The tests check it against the files.
        pub const INDEX: &[Entry] = &[$(Entry { id: $id, group: $group, title: $title }),*];

        /// Every tour's text, compiled in for native builds: `lab tour` runs them, the tests
        /// and the guide read them.
        #[cfg(not(target_arch = "wasm32"))]
        pub const SOURCES: &[(&str, &str)] =
            &[$(($id, include_str!(concat!("../transcripts/tours/", $id, ".txt")))),*];
    };
}

tours![
    ("raft-election", "Raft", "Electing a leader"),
    ("raft-replication", "Raft", "Replicating the log"),
    ("raft-leader-crash", "Raft", "The leader crashes"),
    ("raft-split-vote", "Raft", "A split vote"),
    (
        "raft-stale-leader",
        "Raft",
        "A leader cut off in a minority"
    ),
    (
        "raft-catch-up",
        "Raft",
        "A follower falls behind and catches up"
    ),
    ("raft-snapshot", "Raft", "A slow follower gets a snapshot"),
    (
        "raft-figure-8",
        "Raft",
        "Figure 8: why a leader commits only entries of its own term"
    ),
    (
        "raft-prevote",
        "Raft",
        "PreVote: a node that was cut off does not disrupt the cluster"
    ),
    (
        "raft-check-quorum",
        "Raft",
        "CheckQuorum: a leader that cannot reach a majority steps down"
    ),
    (
        "raft-add-server",
        "Raft",
        "A server joins: it catches up as a learner, then votes"
    ),
    (
        "raft-remove-leader",
        "Raft",
        "The leader removes itself, then steps down"
    ),
    (
        "raft-joint-consensus",
        "Raft",
        "Joint consensus: two servers replaced at once"
    ),
    (
        "raft-membership-bug",
        "Raft",
        "The 2015 membership bug, beside the fixed rule"
    ),
    (
        "raft-stale-read",
        "Raft",
        "A deposed leader's stale read, and the ReadIndex check that prevents it"
    ),
    (
        "raft-lease-read",
        "Raft",
        "A read lease, and the clock drift that breaks it"
    ),
    ("paxos-basic", "Paxos", "Paxos: choosing one value"),
    (
        "paxos-adopt-value",
        "Paxos",
        "Why a proposer adopts the highest accepted value"
    ),
    ("paxos-duel", "Paxos", "Dueling proposers"),
    (
        "multi-paxos-leader-crash",
        "Multi-Paxos",
        "Multi-Paxos: a new leader fills the gaps"
    ),
    (
        "2pc-commit",
        "Two-Phase Commit",
        "Two-Phase Commit: a transaction commits"
    ),
    (
        "2pc-abort",
        "Two-Phase Commit",
        "Two-Phase Commit: one no aborts everyone"
    ),
    (
        "2pc-blocking",
        "Two-Phase Commit",
        "Two-Phase Commit blocks when the coordinator fails"
    ),
    (
        "2pc-cooperative-termination",
        "Two-Phase Commit",
        "Cooperative termination: asking the other participants"
    ),
    (
        "3pc-commit",
        "Three-Phase Commit",
        "Three-Phase Commit: a transaction commits"
    ),
    (
        "3pc-coordinator-crash",
        "Three-Phase Commit",
        "Where 2PC blocks, 3PC terminates"
    ),
    (
        "3pc-partition",
        "Three-Phase Commit",
        "Three-Phase Commit breaks under a partition"
    ),
    (
        "zab-election",
        "Zab",
        "Zab: electing a leader and starting an epoch"
    ),
    (
        "zab-recovery",
        "Zab",
        "Zab: recovering from a crashed leader"
    ),
    ("zab-vs-raft", "Zab", "Zab and Raft, side by side"),
    (
        "zab-epoch-twice",
        "Zab",
        "Zab: why a follower acknowledges an epoch only once"
    ),
    (
        "zab-sync-read",
        "Zab",
        "ZooKeeper's reads: local, or after a sync"
    ),
    (
        "ring-rebalance",
        "Consistent hashing",
        "Consistent hashing: what moves when a node joins"
    ),
    (
        "faq-network-delay",
        "Common questions",
        "Does a slow or lossy network break agreement?"
    ),
    (
        "faq-node-failure",
        "Common questions",
        "What happens when a node fails?"
    ),
    (
        "faq-consistency",
        "Common questions",
        "What does \"consistent\" mean here?"
    ),
];

/// A tour as the menu knows it before its text is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: &'static str,
    pub group: &'static str,
    pub title: &'static str,
}

impl Entry {
    /// Told on the consistent-hashing page rather than in the lab.
    pub fn on_ring_page(&self) -> bool {
        self.group == RING_GROUP
    }

    /// Where the page fetches the tour's text from, relative to the page.
    pub fn path(&self) -> String {
        format!("tours/{}.txt", self.id)
    }
}

/// The index entry of tour `id`, or a message that lists the tours there are.
pub fn entry(id: &str) -> Result<&'static Entry, String> {
    INDEX.iter().find(|e| e.id == id).ok_or_else(|| {
        let ids: Vec<_> = INDEX.iter().map(|e| e.id).collect();
        format!("unknown tour '{id}'; tours: {}", ids.join(", "))
    })
}

/// Reads tour `id` from its text, fetched or compiled in: the text must be that tour's.
pub fn from_text(id: &str, text: &str) -> Result<Tour, String> {
    let t = parse(text).map_err(|e| format!("the tour '{id}' does not read: {e}"))?;
    if t.id != id {
        return Err(format!(
            "the file of the tour '{id}' holds another tour ('{}')",
            t.id
        ));
    }
    Ok(t)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tour {
    pub id: String,
    pub title: String,
    /// The menu group: the first run's protocol, unless the header names one.
    pub group: String,
    /// The setting words the compare run changes (`bug=raft-commit-old-term`), if any.
    pub compare: Option<String>,
    pub runs: Vec<Settings>,
    /// A tour told on the ring page: the ring it starts from (and then no `runs`).
    pub ring: Option<RingView>,
    /// Commands before the first chapter (setting the scene).
    pub prologue: Vec<Line>,
    pub chapters: Vec<Chapter>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Chapter {
    pub title: String,
    /// Paragraphs for the reader.
    pub text: Vec<String>,
    /// Which run (index into [`Tour::runs`]) the chapter plays in.
    pub run: usize,
    pub lines: Vec<Line>,
    pub highlight: Vec<Target>,
    /// The line (index into `lines`) the reader is asked to do, in a "try it yourself" chapter.
    pub task: Option<usize>,
}

/// What a chapter's expectations say about violations on one side: `Some(true)` when it
/// expects one, `Some(false)` when it expects none, `None` when it does not say.
pub fn expects_violation<'a>(lines: impl IntoIterator<Item = &'a Command>) -> Option<bool> {
    let mut said = None;
    for c in lines {
        match c {
            Command::Expect(Expectation::Violation(_)) => said = Some(true),
            Command::Expect(Expectation::NoViolation) => said = said.or(Some(false)),
            Command::At(_, inner) => {
                if let Some(v) = expects_violation([&**inner]) {
                    said = Some(v || said == Some(true));
                }
            }
            _ => {}
        }
    }
    said
}

impl Chapter {
    pub fn expects_violation(&self) -> Option<bool> {
        expects_violation(self.lines.iter().map(|l| &l.command))
    }
    pub fn right_expects_violation(&self) -> Option<bool> {
        expects_violation(self.lines.iter().filter_map(|l| match &l.command {
            Command::Right(inner) => Some(&**inner),
            _ => None,
        }))
    }
    /// The reader's task in words: the action as the event log writes it.
    pub fn task_text(&self) -> Option<String> {
        let line = &self.lines[self.task?];
        let mut c = &line.command;
        while let Command::At(_, inner) | Command::Try(inner) = c {
            c = inner;
        }
        Some(match c {
            Command::Do(a) => a.to_string(),
            Command::OnLeader(text) => text.replace("leader", "the leader"),
            Command::RequestLeader(d) => format!("send a request ({d:+}) to the leader"),
            Command::Fire(n) => format!("fire {n}'s timer"),
            _ => line.text.trim_start_matches("try ").to_string(),
        })
    }
}

fn header<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.strip_prefix('#')?
        .trim_start()
        .strip_prefix(key)?
        .strip_prefix(':')
        .map(str::trim)
}

/// Reads a tour (or any transcript: chapters and the tour header are optional there).
pub fn parse(text: &str) -> Result<Tour, String> {
    let mut tour = Tour {
        id: String::new(),
        title: String::new(),
        group: String::new(),
        compare: None,
        runs: Vec::new(),
        ring: None,
        prologue: Vec::new(),
        chapters: Vec::new(),
    };
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let number = i + 1;
        let at = |e: String| format!("line {number}: {e}");
        if let Some(s) = header(raw, "settings") {
            if tour.ring.is_some() {
                return Err(at("a ring tour has no '# settings:'".into()));
            }
            tour.runs.push(parse_settings(s).map_err(at)?);
            continue;
        }
        if let Some(s) = header(raw, "ring") {
            if tour.ring.is_some() || !tour.runs.is_empty() {
                return Err(at("'# ring:' starts a tour and comes once".into()));
            }
            tour.ring = Some(ring_script::parse_header(s).map_err(at)?);
            continue;
        }
        if let Some(v) = header(raw, "tour") {
            tour.id = v.to_string();
            continue;
        }
        if let Some(v) = header(raw, "title") {
            tour.title = v.to_string();
            continue;
        }
        if let Some(v) = header(raw, "group") {
            tour.group = v.to_string();
            continue;
        }
        if let Some(v) = header(raw, "compare") {
            let first = tour
                .runs
                .first()
                .ok_or_else(|| at("compare before settings".into()))?;
            compare_settings(first, v).map_err(at)?;
            tour.compare = Some(v.to_string());
            continue;
        }
        if tour.runs.is_empty()
            && tour.ring.is_none()
            && !raw.trim().is_empty()
            && !raw.starts_with('#')
        {
            return Err(at(FIRST_LINE.into()));
        }
        if raw == "----" {
            // Expected output, for the transcript tests: up to a blank line.
            while lines.next_if(|(_, l)| !l.is_empty()).is_some() {}
            continue;
        }
        if let Some(title) = raw.strip_prefix("==") {
            tour.chapters.push(Chapter {
                title: title.trim().to_string(),
                text: Vec::new(),
                run: tour.runs.len().saturating_sub(1),
                lines: Vec::new(),
                highlight: Vec::new(),
                task: None,
            });
            continue;
        }
        if let Some(p) = raw.strip_prefix('>') {
            let chapter = tour
                .chapters
                .last_mut()
                .ok_or_else(|| at("text before the first chapter".into()))?;
            chapter.text.push(p.trim().to_string());
            continue;
        }
        let code = raw.split('#').next().unwrap_or("").trim();
        if code.is_empty() {
            continue;
        }
        let command = parse_command(code).map_err(at)?;
        match (&command, tour.ring.is_some()) {
            (Command::Ring(_), false) => {
                return Err(at("ring lines need a '# ring:' header".into()))
            }
            (Command::Ring(_), true) => {}
            (_, true) => {
                return Err(at(format!(
                    "'{code}' is not a ring line (ring add, ring remove N, ring set vn=16, \
                     ring select k7, expect moved <= 30%, print ring)"
                )))
            }
            _ => {}
        }
        let line = Line {
            number,
            text: code.to_string(),
            command,
        };
        match tour.chapters.last_mut() {
            Some(ch) if ch.run == tour.runs.len().saturating_sub(1) => {
                if let Command::Highlight(t) = &line.command {
                    ch.highlight.extend(t.iter().copied());
                }
                if is_task(&line.command) {
                    if ch.task.is_some() {
                        return Err(at("a chapter asks for one action at most".into()));
                    }
                    ch.task = Some(ch.lines.len());
                }
                ch.lines.push(line);
            }
            Some(_) => return Err(at("a new run needs a new chapter ('== title')".into())),
            None => {
                if is_task(&line.command) {
                    return Err(at("'try' belongs in a chapter".into()));
                }
                tour.prologue.push(line);
            }
        }
    }
    if tour.group.is_empty() {
        tour.group = match (&tour.ring, tour.runs.first()) {
            (Some(_), _) => RING_GROUP.to_string(),
            (None, Some(run)) => run.protocol.title().to_string(),
            (None, None) => return Err(FIRST_LINE.into()),
        };
    }
    if tour.compare.is_none() {
        let right = tour
            .chapters
            .iter()
            .flat_map(|c| &c.lines)
            .find(|l| matches!(l.command, Command::Right(_) | Command::PrintDivergence));
        if let Some(l) = right {
            return Err(format!("line {}: this needs a '# compare:' line", l.number));
        }
    }
    Ok(tour)
}

const FIRST_LINE: &str = "the first line must be '# settings: ...' (or '# ring: ...')";

/// The menu group of tours told on the ring page.
pub const RING_GROUP: &str = "Consistent hashing";

fn is_task(c: &Command) -> bool {
    match c {
        Command::Try(_) => true,
        Command::At(_, inner) => is_task(inner),
        _ => false,
    }
}

/// The compare run's settings: the left's with the words changed (`bug=X`, `prevote=off`).
pub fn compare_settings(left: &Settings, words: &str) -> Result<Settings, String> {
    let mut s = left.clone();
    for w in words.split_whitespace() {
        match w.split_once('=') {
            Some((k, v)) => s.set(k, Some(v))?,
            None => s.set(w, None)?,
        }
    }
    s.validate()?;
    if &s == left {
        return Err(format!("'{words}' changes nothing"));
    }
    Ok(s)
}

/// Where a chapter pauses: the left run's event index and time (the right run is at the same
/// time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment {
    pub event: u64,
    pub time: Time,
}

/// The runs a tour plays in at one moment: the story's, and the compare run.
pub struct Runs {
    pub left: AnySim,
    pub right: Option<AnySim>,
}

impl Runs {
    pub fn new(tour: &Tour, run: usize) -> Result<Self, String> {
        let settings = tour.runs.get(run).ok_or("no such run")?;
        Self::with(settings, tour.compare.as_deref())
    }

    /// A run of `settings`, and with `compare` words a second run that differs in them.
    pub fn with(settings: &Settings, compare: Option<&str>) -> Result<Self, String> {
        let right = match compare {
            Some(w) => Some(AnySim::new(compare_settings(settings, w)?)?),
            None => None,
        };
        Ok(Runs {
            left: AnySim::new(settings.clone())?,
            right,
        })
    }

    /// Runs one command; returns what it prints.
    pub fn run(&mut self, c: &Command) -> Result<String, String> {
        match &mut self.right {
            Some(right) => run_pair(&mut self.left, right, c),
            None => run_command(&mut self.left, c),
        }
    }

    pub fn moment(&self) -> Moment {
        Moment {
            event: self.left.events(),
            time: self.left.now(),
        }
    }

    /// Runs a task line up to the moment the reader should act (an `at` line's time).
    fn run_to_task(&mut self, c: &Command) -> Result<(), String> {
        if let Command::At(t, inner) = c {
            self.run(&Command::RunUntil(*t))?;
            self.run_to_task(inner)?;
        }
        Ok(())
    }

    /// The action a task line asks for, at the present moment.
    pub fn task_action(&self, c: &Command) -> Result<Action, String> {
        let mut c = c;
        while let Command::At(_, inner) = c {
            c = inner;
        }
        action_of(&self.left, c)?.ok_or_else(|| "this line is not an action".into())
    }
}

/// One chapter played: where it pauses, where its task waits, and how its checks went.
#[derive(Clone, Debug, PartialEq)]
pub struct Played {
    pub moment: Moment,
    /// A "try it yourself" chapter: the moment just before the reader's action, and that
    /// action.
    pub task: Option<(Moment, Action)>,
    /// Each printing command's output, with its line number.
    pub printed: Vec<(usize, String)>,
    /// Expectations or commands that failed, with the line number.
    pub failures: Vec<String>,
    /// A ring tour's chapter pauses at a ring, not a moment (which stays at 0).
    pub ring: Option<RingView>,
}

/// Plays a chapter's lines on the runs.
pub fn play_chapter(runs: &mut Runs, chapter: &Chapter) -> Played {
    let mut played = Played {
        moment: runs.moment(),
        task: None,
        printed: Vec::new(),
        failures: Vec::new(),
        ring: None,
    };
    for (i, line) in chapter.lines.iter().enumerate() {
        if chapter.task == Some(i) {
            let waits = runs
                .run_to_task(&line.command)
                .and_then(|()| runs.task_action(&line.command));
            match waits {
                Ok(action) => played.task = Some((runs.moment(), action)),
                Err(e) => played
                    .failures
                    .push(format!("line {}: {}: {e}", line.number, line.text)),
            }
        }
        match runs.run(&line.command) {
            Ok(out) if !out.is_empty() => played.printed.push((line.number, out)),
            Ok(_) => {}
            Err(e) => played
                .failures
                .push(format!("line {}: {}: {e}", line.number, line.text)),
        }
    }
    played.moment = runs.moment();
    played
}

/// A whole tour played from the start, natively: each chapter's moment and checks, and the
/// runs as they end (a run per `# settings:` section).
pub struct Story {
    pub chapters: Vec<Played>,
    pub prologue_failures: Vec<String>,
    pub runs: Vec<Runs>,
}

impl Story {
    pub fn failures(&self) -> impl Iterator<Item = &String> {
        self.prologue_failures
            .iter()
            .chain(self.chapters.iter().flat_map(|c| &c.failures))
    }
}

/// Plays a ring tour's lines on its view, in order.
fn play_ring(view: &mut RingView, lines: &[Line]) -> Played {
    let mut played = Played {
        moment: Moment { event: 0, time: 0 },
        task: None,
        printed: Vec::new(),
        failures: Vec::new(),
        ring: None,
    };
    for line in lines {
        let Command::Ring(c) = &line.command else {
            continue;
        };
        match ring_script::run(view, c) {
            Ok(out) if !out.is_empty() => played.printed.push((line.number, out)),
            Ok(_) => {}
            Err(e) => played
                .failures
                .push(format!("line {}: {}: {e}", line.number, line.text)),
        }
    }
    played.ring = Some(view.clone());
    played
}

/// A ring tour played on its views; `None` for a tour told in simulations.
pub fn play_ring_tour(tour: &Tour) -> Option<Story> {
    let mut view = tour.ring.clone()?;
    let prologue = play_ring(&mut view, &tour.prologue);
    let chapters = tour
        .chapters
        .iter()
        .map(|ch| play_ring(&mut view, &ch.lines))
        .collect();
    Some(Story {
        chapters,
        prologue_failures: prologue.failures,
        runs: Vec::new(),
    })
}

pub fn play(tour: &Tour) -> Result<Story, String> {
    if let Some(story) = play_ring_tour(tour) {
        return Ok(story);
    }
    let mut runs = vec![Runs::new(tour, 0)?];
    let mut prologue_failures = Vec::new();
    for line in &tour.prologue {
        if let Err(e) = runs[0].run(&line.command) {
            prologue_failures.push(format!("line {}: {}: {e}", line.number, line.text));
        }
    }
    let mut chapters = Vec::new();
    for ch in &tour.chapters {
        while runs.len() <= ch.run {
            runs.push(Runs::new(tour, runs.len())?);
        }
        chapters.push(play_chapter(&mut runs[ch.run], ch));
    }
    Ok(Story {
        chapters,
        prologue_failures,
        runs,
    })
}

/// Every compiled-in tour, parsed (the tests check that every one parses).
#[cfg(not(target_arch = "wasm32"))]
pub fn all() -> Vec<Tour> {
    SOURCES.iter().filter_map(|(_, t)| parse(t).ok()).collect()
}

/// A compiled-in tour's text (native builds; the page fetches it instead).
#[cfg(not(target_arch = "wasm32"))]
pub fn compiled(id: &str) -> Option<&'static str> {
    SOURCES.iter().find(|(i, _)| *i == id).map(|(_, t)| *t)
}

/// The page's WebAssembly compiles no tour text in: it fetches each when it opens.
#[cfg(target_arch = "wasm32")]
pub fn compiled(_id: &str) -> Option<&'static str> {
    None
}

/// A compiled-in tour, parsed.
#[cfg(not(target_arch = "wasm32"))]
pub fn find(id: &str) -> Result<Tour, String> {
    let e = entry(id)?;
    let text = compiled(e.id).ok_or_else(|| format!("the tour '{id}' is not compiled in"))?;
    from_text(id, text)
}

/// `lab tour list` and `lab tour run ID [--verbose]`: the text to print, and whether every
/// check held. `--verbose` prints every narrated line of both runs, not just the last headlines.
#[cfg(not(target_arch = "wasm32"))]
pub fn cli(args: &[String]) -> Result<(String, bool), String> {
    use std::fmt::Write;
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["list"] => {
            let mut out = String::new();
            for t in all() {
                let _ = writeln!(out, "{:<28} {:<20} {}", t.id, t.group, t.title);
            }
            Ok((out, true))
        }
        ["run", id] => tell(&find(id)?, false),
        ["run", id, "--verbose" | "-v"] => tell(&find(id)?, true),
        _ => Err("usage: lab tour list | lab tour run ID [--verbose]".into()),
    }
}

/// Headlines shown per chapter and run unless verbose.
#[cfg(not(target_arch = "wasm32"))]
const BRIEF: usize = 40;

/// The narrated events of `sim` after event `from`, as `lab tour run` prints them.
#[cfg(not(target_arch = "wasm32"))]
fn events_since(sim: &AnySim, from: u64, label: &str, verbose: bool) -> String {
    use std::fmt::Write;
    let fmt = crate::time::fmt_time;
    let lines: Vec<_> = sim.log().into_iter().filter(|l| l.index > from).collect();
    let total = (sim.events() - from) as usize;
    let shown = if verbose {
        lines.len()
    } else {
        lines.len().min(BRIEF)
    };
    let mut out = String::new();
    // The log keeps only the latest narrated events; say how many are not shown.
    if total > shown {
        let _ = writeln!(out, "{label}{:>10}  ({} earlier events)", "", total - shown);
    }
    for l in &lines[lines.len() - shown..] {
        let _ = writeln!(out, "{label}{:>10}  {}", fmt(l.time), l.headline);
        if verbose {
            for d in &l.lines {
                let _ = writeln!(out, "{label}{:>10}    {d}", "");
            }
        }
    }
    out
}

#[cfg(not(target_arch = "wasm32"))]
fn tell(t: &Tour, verbose: bool) -> Result<(String, bool), String> {
    use std::fmt::Write;
    let mut out = format!("{}\n", t.title);
    if t.ring.is_some() {
        return Ok(tell_ring(t, out));
    }
    let mut runs = vec![Runs::new(t, 0)?];
    let mut ok = true;
    for line in &t.prologue {
        if let Err(e) = runs[0].run(&line.command) {
            let _ = writeln!(out, "FAILED line {}: {}: {e}", line.number, line.text);
            ok = false;
        }
    }
    for (i, ch) in t.chapters.iter().enumerate() {
        while runs.len() <= ch.run {
            runs.push(Runs::new(t, runs.len())?);
        }
        let r = &mut runs[ch.run];
        let from = (r.left.events(), r.right.as_ref().map_or(0, AnySim::events));
        let played = play_chapter(r, ch);
        let _ = writeln!(out, "\n== {}. {}", i + 1, ch.title);
        for p in &ch.text {
            let _ = writeln!(out, "   {p}");
        }
        if let Some(task) = ch.task_text() {
            let _ = writeln!(out, "   Try it yourself: {task}");
        }
        let label = if r.right.is_some() { "left " } else { "" };
        out += &events_since(&r.left, from.0, label, verbose);
        if let Some(right) = &r.right {
            out += &events_since(right, from.1, "right", verbose);
        }
        let _ = writeln!(
            out,
            "   -- paused at {}",
            crate::time::fmt_time(played.moment.time)
        );
        for f in &played.failures {
            let _ = writeln!(out, "   FAILED {f}");
            ok = false;
        }
    }
    Ok((out, ok))
}

/// `lab tour run` for a ring tour: each chapter, what the ring shows there and its link words.
#[cfg(not(target_arch = "wasm32"))]
fn tell_ring(t: &Tour, mut out: String) -> (String, bool) {
    use std::fmt::Write;
    let Ok(story) = play(t) else {
        return (out, false);
    };
    let mut ok = true;
    for f in &story.prologue_failures {
        let _ = writeln!(out, "FAILED {f}");
        ok = false;
    }
    for (i, (ch, played)) in t.chapters.iter().zip(&story.chapters).enumerate() {
        let _ = writeln!(out, "\n== {}. {}", i + 1, ch.title);
        for p in &ch.text {
            let _ = writeln!(out, "   {p}");
        }
        if let Some(view) = &played.ring {
            if let Ok(scene) = lab_ring::page::Scene::new(&view.params) {
                for l in ring_script::describe(view, &scene).lines() {
                    let _ = writeln!(out, "   {l}");
                }
            }
            let words: Vec<String> = view
                .params
                .words()
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let _ = writeln!(out, "   -- ring: {}", words.join(" "));
        }
        for f in &played.failures {
            let _ = writeln!(out, "   FAILED {f}");
            ok = false;
        }
    }
    (out, ok)
}

/// Puts a run exactly at a moment a chapter recorded. A chapter that ends with `run until`
/// pauses at a time after its last event, one that ends with `step` between events that share
/// a time: the first needs the time, the second the event count.
pub fn seek(sim: &mut AnySim, m: Moment) {
    if sim.history().events_until(m.time) == m.event {
        sim.seek_time(m.time);
    } else {
        sim.seek_event(m.event);
    }
}

/// A link's compare value in setting words: `bug:raft-commit-old-term,prevote:off` is
/// `bug=raft-commit-old-term prevote=off` (a link value keeps `=` and spaces out).
pub fn compare_words(link: &str) -> String {
    link.split(',')
        .filter(|w| !w.is_empty())
        .map(|w| w.replacen(':', "=", 1))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The inverse of [`compare_words`], for the link the app copies.
pub fn compare_link(words: &str) -> String {
    words
        .split_whitespace()
        .map(|w| w.replacen('=', ":", 1))
        .collect::<Vec<_>>()
        .join(",")
}

/// The compare run of a run opened from a link: the other settings, and each of the left's
/// actions taken at the time the left took it (event numbers differ once the runs diverge, so
/// a replay by event would misplace them). Actions the right cannot take (a node already
/// down there) are skipped and reported.
pub fn follow(left: &AnySim, words: &str) -> Result<(AnySim, Vec<String>), String> {
    let mut right = AnySim::new(compare_settings(left.settings(), words)?)?;
    let mut skipped = Vec::new();
    for a in &left.history().actions {
        if a.time > right.now() {
            right.run_until(a.time);
        }
        if let Err(e) = right.apply(a.action.clone()) {
            skipped.push(format!(
                "the compare run skipped '{}' at {}: {e}",
                a.action,
                crate::time::fmt_time(a.time)
            ));
        }
    }
    right.seek_time(left.now());
    Ok((right, skipped))
}

/// What each side of a comparison is, in words for the label over it: "correct" against
/// "with bug X: what it breaks", or the changed settings as each side has them.
pub fn compare_labels(left: &Settings, right: &Settings) -> (String, String) {
    let mut l = Vec::new();
    let mut r = Vec::new();
    for ((k, a), (_, b)) in left.words().into_iter().zip(right.words()) {
        if a == b {
            continue;
        }
        if k == "bug" {
            let added: Vec<_> = right
                .bugs
                .iter()
                .filter(|x| !left.bugs.contains(x))
                .collect();
            let removed: Vec<_> = left
                .bugs
                .iter()
                .filter(|x| !right.bugs.contains(x))
                .collect();
            let say = |bugs: &[&crate::catalog::Bug]| {
                bugs.iter()
                    .map(|b| format!("with bug {}: {}", b.slug(), b.describe()))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            if !added.is_empty() {
                r.push(say(&added));
                if removed.is_empty() && left.bugs.is_empty() {
                    l.push("correct".to_string());
                }
            }
            if !removed.is_empty() {
                l.push(say(&removed));
                if added.is_empty() && right.bugs.is_empty() {
                    r.push("correct".to_string());
                }
            }
            continue;
        }
        l.push(format!("{k} {a}"));
        r.push(format!("{k} {b}"));
    }
    (l.join(", "), r.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{NodeId, MS};

    const TWO_CHAPTERS: &str = "# settings: protocol=raft nodes=5 seed=1 requests=off\n\
        # tour: t\n# title: T\n== Run\n> t\nrun until 1s\n== Step\n> t\nstep 3\n";

    #[test]
    fn seeking_a_moment_lands_on_its_event_and_time() {
        let t = parse(TWO_CHAPTERS).unwrap();
        let story = play(&t).unwrap();
        let mut sim = story.runs.into_iter().next().unwrap().left;
        let (a, b) = (story.chapters[0].moment, story.chapters[1].moment);
        // "run until 1s" pauses after its last event; "step" pauses between events.
        assert_eq!(a.time, 1000 * MS);
        assert!(sim.history().events.get(a.event as usize - 1).unwrap().time < a.time);
        sim.seek_event(0);
        seek(&mut sim, a);
        assert_eq!((sim.events(), sim.now()), (a.event, a.time));
        seek(&mut sim, b);
        assert_eq!((sim.events(), sim.now()), (b.event, b.time));
        seek(&mut sim, a);
        assert_eq!((sim.events(), sim.now()), (a.event, a.time));
    }

    #[test]
    fn compare_link_values_read_as_setting_words_and_back() {
        assert_eq!(
            compare_words("bug:raft-commit-old-term,prevote:off"),
            "bug=raft-commit-old-term prevote=off"
        );
        assert_eq!(compare_words("loss:0.1"), "loss=0.1");
        assert_eq!(
            compare_link("bug=raft-commit-old-term prevote=off"),
            "bug:raft-commit-old-term,prevote:off"
        );
        let left = Settings::default();
        assert!(compare_settings(&left, &compare_words("bug:nonsense")).is_err());
        assert!(compare_settings(&left, &compare_words("loss:0.1")).is_ok());
    }

    #[test]
    fn the_compare_run_follows_the_lefts_actions_by_time() {
        let mut left = AnySim::new(Settings::default()).unwrap();
        left.run_until(1500 * MS);
        left.apply(Action::Crash { node: NodeId(2) }).unwrap();
        left.run_until(2000 * MS);
        left.apply(Action::Crash { node: NodeId(2) }).unwrap_err();
        left.apply(Action::Restart { node: NodeId(2) }).unwrap();
        left.run_until(3000 * MS);
        let (right, skipped) = follow(&left, "loss=0.1").unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(right.now(), left.now());
        let times = |s: &AnySim| -> Vec<(Time, String)> {
            s.history()
                .actions
                .iter()
                .map(|a| (a.time, a.action.to_string()))
                .collect()
        };
        assert_eq!(times(&right), times(&left));
        assert_eq!(right.network().loss_ppm, 100_000);
        assert!(follow(&left, "prevote=off").is_err(), "changes nothing");
    }

    #[test]
    fn labels_say_which_side_is_correct_and_what_differs() {
        let left = Settings::default();
        let buggy = compare_settings(&left, "bug=raft-commit-old-term").unwrap();
        let (l, r) = compare_labels(&left, &buggy);
        assert_eq!(l, "correct");
        assert!(
            r.starts_with("with bug raft-commit-old-term: ") && r.len() > 40,
            "{r}"
        );
        let (l, r) = compare_labels(&left, &compare_settings(&left, "prevote=on").unwrap());
        assert_eq!((l.as_str(), r.as_str()), ("prevote off", "prevote on"));
        let (l, r) = compare_labels(&buggy, &left);
        assert!(l.starts_with("with bug raft-commit-old-term"), "{l}");
        assert_eq!(r, "correct");
    }
}
