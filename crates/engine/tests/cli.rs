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
