//! The `lab` command itself: bad input ends with exit status 2 and a message, never a panic.
//! What each subcommand computes is tested where it lives (`lab ring`: the lab-ring crate).

#[test]
fn bad_ring_input_exits_2_with_a_message() {
    let lab = env!("CARGO_BIN_EXE_lab");
    for args in ["--nodes 0 --add 1", "--remove 99", "--vnodes 0 --add 1"] {
        let out = std::process::Command::new(lab)
            .arg("ring")
            .args(args.split_whitespace())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args}: {stderr}");
        assert!(
            stderr.starts_with("lab: ring: ") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

fn lab(args: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args.split_whitespace())
        .output()
        .unwrap()
}

/// `lab run --history > h.edn && lab lin h.edn`: the history printed is one `lab lin` reads,
/// with every operation the simulation recorded.
#[test]
fn a_run_history_round_trips_through_lab_lin() {
    let out = lab("run --protocol multi-paxos --workload kv --seed 2 --until 4s --history");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.starts_with("{:process ")), "{text}");
    let h = lab_engine::lin::jepsen::parse(&text).unwrap();
    assert!(h.ops.len() > 50 && h.processes() == 3);
    let path = std::env::temp_dir().join(format!("kv-history-{}.edn", std::process::id()));
    std::fs::write(&path, &text).unwrap();
    let out = lab(&format!("lin {}", path.display()));
    std::fs::remove_file(&path).ok();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("linearizable"), "{stdout}");
}

#[test]
fn a_history_needs_the_kv_workload() {
    let out = lab("run --until 1s --history");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--history needs --workload kv"), "{stderr}");
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_typo_gets_a_suggestion_and_exit_status_2() {
    for (args, hint) in [
        ("check --protocl raft", "--protocol"),
        ("run --protocol raf", "raft"),
        ("explore --bug raft-commit-old-trm", "raft-commit-old-term"),
        ("chek", "check"),
    ] {
        let out = lab(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args}: {stderr}");
        assert!(stderr.contains(hint), "{args}: {stderr}");
    }
    // A value the catalog rejects is still a usage error with the catalog's message.
    let out = lab("run --nodes 0");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("lab: "));
}

#[test]
fn each_subcommand_has_its_help_and_the_catalog_is_in_it() {
    let out = lab("check --help");
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for flag in [
        "--jobs",
        "--shard",
        "--merge",
        "--election-timeout",
        "--prevote",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    let help = stdout(&lab("explore --help"));
    assert!(help.contains("--max-states") && help.contains("--threads"));
    assert!(stdout(&lab("--help")).contains("paxos-ignore-promised-value"));
    let out = lab("completions bash");
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("--election-timeout"));
}

/// Paxos that forgets a promised value fails most seeds, quickly: failures to print, shrink and
/// merge.
const BUGGY: &str = "check --protocol paxos --bug paxos-ignore-promised-value --seeds 1..24";

#[test]
fn check_prints_the_same_whatever_the_number_of_jobs() {
    let one = lab(&format!("{BUGGY} --jobs 1"));
    let four = lab(&format!("{BUGGY} --jobs 4"));
    assert_eq!(one.status.code(), Some(1));
    assert_eq!(four.status.code(), Some(1));
    let text = stdout(&one);
    assert!(text.contains("first failure: seed 1 "), "{text}");
    assert_eq!(text, stdout(&four));
}

#[test]
fn merged_shards_report_what_the_whole_run_reports() {
    let dir = std::env::temp_dir().join(format!("lab-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for i in 0..3 {
        let out = lab(&format!("{BUGGY} --jobs 2 --json --shard {i}/3"));
        let path = dir.join(format!("{i}.json"));
        std::fs::write(&path, &out.stdout).unwrap();
        files.push(path.display().to_string());
    }
    // In any order.
    files.reverse();
    let merged = lab(&format!("check --merge {}", files.join(" ")));
    let whole = lab(&format!("{BUGGY} --jobs 1"));
    assert_eq!(merged.status.code(), Some(1));
    assert_eq!(stdout(&merged), stdout(&whole));
    let merged = lab(&format!("check --json --merge {}", files.join(" ")));
    assert_eq!(stdout(&merged), stdout(&lab(&format!("{BUGGY} --json"))));
    // Summaries collected in one stream, one per line, as GNU parallel gathers them.
    let lines: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let stream = dir.join("all.jsonl");
    std::fs::write(&stream, lines).unwrap();
    let merged = lab(&format!("check --merge {}", stream.display()));
    assert_eq!(stdout(&merged), stdout(&whole));
    // A missing shard is named, not merged into a report that looks whole.
    let out = lab(&format!("check --merge {} {}", files[0], files[1]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is missing"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--max-time` ends a search with how far it got; a deadline of zero stops it at its first
/// progress report, whatever the machine's speed.
#[test]
fn explore_stops_at_max_time_and_symmetry_is_refused_with_its_reason() {
    let out = lab("explore --protocol raft --nodes 3 --client-requests 1 --async --max-time 0s");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("stopped at --max-time: no violation so far"),
        "{text}"
    );
    let out = lab("explore --protocol zab --nodes 3 --symmetry");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--symmetry: Zab's nodes are not interchangeable")
            && !stderr.contains("panicked"),
        "{stderr}"
    );
}
