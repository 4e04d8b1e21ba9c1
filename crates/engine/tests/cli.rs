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
