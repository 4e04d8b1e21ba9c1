//! The transcripts, in the spirit of etcd raft's datadriven testdata: every file under
//! `crates/engine/transcripts/` (the guided tours in `tours/`, other stories in `scenarios/`) is a
//! script (see `lab_engine::script`) whose commands that print are followed by `----` and the
//! expected output, up to a blank line, and one walker here runs them all. The first line
//! `# settings: key=value ...` sets up the run, or `# ring: n=4 vn=1 ...` the ring page of a
//! tour told there, whose lines (`ring add`, `expect moved <= 30%`) change and check the ring.
//! The tours' own structure (chapters, tasks, the ids the app and links use) is checked in
//! `transcripts/tours.rs`.
//!
//! After an intended change of behaviour, `REWRITE=1 cargo test -p lab-engine --test transcripts`
//! rewrites the expected outputs; review the diff like any other change.

#[path = "transcripts/tours.rs"]
mod tours;

use lab_engine::script::{parse_command, parse_settings, Command};
use lab_engine::tour::{self, Runs};
use lab_ring::script::{self as ring_script, RingView};
use std::fs;
use std::path::{Path, PathBuf};

fn header<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.strip_prefix("# ")?
        .strip_prefix(key)?
        .strip_prefix(':')
}

/// Runs one transcript; returns the text it should contain and the mismatches found.
fn run_transcript(text: &str, name: &str) -> (String, Vec<String>) {
    // The tour reader checks the structure (headers, chapters, tasks) first.
    if let Err(e) = tour::parse(text) {
        panic!("{name}: {e}");
    }
    let mut lines = text.lines().peekable();
    let mut settings = None;
    let mut compare = None;
    let mut runs: Option<Runs> = None;
    let mut ring: Option<RingView> = None;
    let mut out = String::new();
    let mut errors = Vec::new();
    let mut number = 0;
    while let Some(line) = lines.next() {
        number += 1;
        out.push_str(line);
        out.push('\n');
        if let Some(s) = header(line, "settings") {
            settings = Some(parse_settings(s).unwrap_or_else(|e| panic!("{name}: {e}")));
            runs = None;
            continue;
        }
        if let Some(r) = header(line, "ring") {
            ring = Some(ring_script::parse_header(r).unwrap_or_else(|e| panic!("{name}: {e}")));
            continue;
        }
        if let Some(c) = header(line, "compare") {
            compare = Some(c.trim().to_string());
            continue;
        }
        let code = line.split('#').next().unwrap_or("").trim();
        if code.is_empty() || line.starts_with("==") || line.starts_with('>') {
            continue;
        }
        let command = parse_command(code).unwrap_or_else(|e| panic!("{name}:{number}: {e}"));
        let ran = match (&mut ring, &command) {
            (Some(view), Command::Ring(c)) => ring_script::run(view, c),
            _ => runs
                .get_or_insert_with(|| {
                    let s = settings.as_ref().expect("settings come first");
                    Runs::with(s, compare.as_deref()).unwrap_or_else(|e| panic!("{name}: {e}"))
                })
                .run(&command),
        };
        let got = match ran {
            Ok(s) => s,
            Err(e) => {
                errors.push(format!("{name}:{number}: {code}: {e}"));
                String::new()
            }
        };
        // The expected block, if the file has one here.
        let mut want = None;
        if lines.peek() == Some(&"----") {
            lines.next();
            number += 1;
            let mut block = Vec::new();
            while let Some(l) = lines.peek() {
                if l.is_empty() {
                    break;
                }
                block.push(*l);
                lines.next();
                number += 1;
            }
            want = Some(block.join("\n"));
        }
        if !got.is_empty() {
            out.push_str("----\n");
            out.push_str(&got);
            out.push('\n');
            if lines.peek().is_some_and(|l| !l.is_empty()) || lines.peek().is_none() {
                out.push('\n');
            }
        }
        if want.as_deref().unwrap_or("") != got {
            errors.push(format!(
                "{name}:{number}: '{code}' printed\n{got}\n--- but the transcript expects\n{}",
                want.unwrap_or_default()
            ));
        }
    }
    (out, errors)
}

/// Every `.txt` file under `dir`, at any depth, in path order.
fn transcripts_under(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            transcripts_under(&path, found);
        } else if path.extension().is_some_and(|x| x == "txt") {
            found.push(path);
        }
    }
}

#[test]
fn every_transcript_prints_what_it_expects() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts");
    let rewrite = std::env::var_os("REWRITE").is_some();
    let mut files = Vec::new();
    transcripts_under(&root, &mut files);
    files.sort();
    // Both kinds are there: a moved folder must not leave the walker checking nothing.
    for kind in ["tours", "scenarios"] {
        assert!(
            files.iter().any(|f| f.starts_with(root.join(kind))),
            "no transcripts in {root:?}/{kind}"
        );
    }
    let mut failures = Vec::new();
    for path in files {
        let text = fs::read_to_string(&path).unwrap();
        let name = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let (expected, errors) = run_transcript(&text, &name);
        if rewrite {
            fs::write(&path, expected).unwrap();
        } else {
            failures.extend(errors);
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
