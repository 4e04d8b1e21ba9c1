//! Pinned trace fingerprints. The same numbers are checked in the browser by the end-to-end
//! tests (tests/e2e), which proves a seed replays identically natively and in WebAssembly. A
//! change to these values changes every shared link: make it only on purpose.

use lab_engine::any::AnySim;
use lab_engine::{ProtocolKind, Settings};

/// The default Raft run (seed 1), after this many events...
pub const STEPS: u64 = 2000;
/// ...has this trace hash (shown in hex by the app).
pub const RAFT_SEED1_2000: u64 = 0xc562_8d35_6d81_b93c;

/// The default Raft run at 5 s of virtual time (what `?t=5s` opens in the app).
pub const RAFT_SEED1_AT_5S: u64 = 0xbc3f_6ca2_ca3d_05e7;

#[test]
fn default_raft_run_at_5s_has_the_pinned_fingerprint() {
    let mut sim = AnySim::new(Settings::for_protocol(ProtocolKind::Raft)).unwrap();
    sim.seek_time(5 * lab_engine::SECOND);
    assert_eq!(
        format!("{:016x}", sim.trace_hash()),
        format!("{RAFT_SEED1_AT_5S:016x}")
    );
}

#[test]
fn default_raft_run_has_the_pinned_fingerprint() {
    for narrating in [false, true] {
        fingerprint(narrating);
    }
}

/// Narration is presentation: it must not change the trace.
fn fingerprint(narrating: bool) {
    let mut sim = AnySim::new(Settings::for_protocol(ProtocolKind::Raft)).unwrap();
    sim.set_narrating(narrating);
    for _ in 0..STEPS {
        sim.step().expect("the run never runs dry");
    }
    assert_eq!(sim.events(), STEPS);
    assert_eq!(
        format!("{:016x}", sim.trace_hash()),
        format!("{RAFT_SEED1_2000:016x}")
    );
}

/// Faults every corpus run goes through: crashes, a partition, isolation, a request, aligned
/// timers, loss and duplication.
const FAULTS: &str = "\
at 500ms crash 1
at 800ms partition 1 2 | 3 4 5
at 1.2s restart 1
at 1.5s heal
at 1.7s isolate 2
at 2s request 3 +5
at 2.1s align timers
at 2.5s heal
at 2.6s network loss 0.2 dup 0.1
at 3s crash 2
at 3.5s restart 2";

/// Every protocol, option and buggy variant under [`FAULTS`]: the trace hash at 5 s. A
/// restructuring of the engine must leave every one of these unchanged.
const CORPUS: &[(&str, u64)] = &[
    ("protocol=raft seed=3", 0xdd06_095d_6948_5e94),
    ("protocol=raft seed=5 prevote", 0x5cc9_41e0_8bcb_10dd),
    ("protocol=raft seed=5 check-quorum", 0x727b_a5ef_7bdb_6d64),
    (
        "protocol=raft seed=5 bug=raft-commit-old-term",
        0x7c36_3314_01ed_c2e1,
    ),
    (
        "protocol=raft seed=5 bug=raft-vote-without-log-check",
        0x7c5b_9005_7ca2_4738,
    ),
    (
        "protocol=raft nodes=9 seed=11 requests=20ms",
        0xed21_023f_20ad_8d3c,
    ),
    ("protocol=paxos seed=3", 0xe5c3_0e9f_62ce_19a3),
    (
        "protocol=paxos seed=5 bug=paxos-ignore-promised-value",
        0xc127_c643_4b56_dbaf,
    ),
    (
        "protocol=paxos seed=5 bug=paxos-accept-below-promise",
        0x1040_7e60_649e_ff18,
    ),
    ("protocol=multi-paxos seed=3", 0x8a8c_87e8_a7a7_2fa0),
    (
        "protocol=multi-paxos seed=5 bug=paxos-ignore-promised-value",
        0xd88b_1f98_80f6_911d,
    ),
    (
        "protocol=multi-paxos seed=5 bug=paxos-accept-below-promise",
        0x6d48_4b93_c69b_9491,
    ),
    ("protocol=2pc seed=3", 0xd198_baef_c650_2527),
    (
        "protocol=2pc seed=5 cooperative-termination",
        0x11a5_ab01_8d3a_3e1e,
    ),
    (
        "protocol=2pc seed=5 bug=2pc-unilateral-abort",
        0x8f27_ba7f_5782_a8ac,
    ),
    (
        "protocol=2pc seed=5 bug=2pc-commit-missing-vote",
        0x78af_67d3_c3e3_3389,
    ),
    ("protocol=zab seed=3", 0xa035_5089_dc9a_29e4),
    (
        "protocol=zab seed=5 bug=zab-reuse-epoch",
        0x1047_a853_e90c_42ad,
    ),
    (
        "protocol=zab seed=5 bug=zab-skip-sync",
        0x705a_f8f0_2f50_daa5,
    ),
    ("protocol=3pc seed=3", 0xae58_31be_cfb5_dbdf),
    (
        "protocol=3pc seed=5 bug=3pc-uncertain-commits-on-timeout",
        0xf602_7851_8a98_2489,
    ),
    (
        "protocol=3pc seed=5 bug=3pc-termination-ignores-precommit",
        0x1a3a_ed1d_2957_016f,
    ),
    // Clock drift (each node's timers on its own clock); not reachable before the setting.
    ("protocol=raft seed=5 drift=0.2", 0x0c49_6915_963b_fc70),
    ("protocol=zab seed=5 drift=0.2", 0x4c50_4a9d_95f1_89c4),
    // The key-value workload (issue 22): clients, their retries and the store.
    ("protocol=raft seed=3 workload=kv", 0xda87_874c_52c8_ae50),
    (
        "protocol=multi-paxos seed=3 workload=kv",
        0x6917_d09a_2cd9_8a7f,
    ),
    (
        "protocol=zab seed=3 workload=kv clients=5",
        0xffda_d967_071a_8e07,
    ),
    (
        "protocol=zab seed=3 workload=kv reads=local",
        0x1c20_7cda_5fe0_0905,
    ),
    (
        "protocol=zab seed=3 workload=kv reads=sync",
        0x5e5d_f8bd_11bd_715a,
    ),
    (
        "protocol=raft seed=3 snapshot-every=3",
        0xef42_9a64_6426_ced5,
    ),
    (
        "protocol=raft seed=3 snapshot-every=5 workload=kv",
        0xf6c4_aed1_a384_eaa3,
    ),
    (
        "protocol=raft seed=5 latency=1ms..100ms snapshot-every=2 \
         bug=raft-snapshot-drops-newer-entries",
        0x07a8_2d6d_756c_b004,
    ),
];

/// Membership changes among the faults (Raft dissertation ch. 4): a seven-node pool, five
/// voters at first.
const MEMBERSHIP_FAULTS: &str = "\
at 500ms crash 3
at 1s add S6
at 1.3s restart 3
at 2s replace S2 with S7
at 2.6s partition 1 2 | 3 4 5 6 7
at 3.2s heal
at 3.5s remove S4";

/// Raft with membership changes under [`MEMBERSHIP_FAULTS`]: the trace hash at 5 s.
const MEMBERSHIP_CORPUS: &[(&str, u64)] = &[
    (
        "protocol=raft nodes=7 voters=5 membership=single seed=5",
        0xbc7a_e619_1990_d66d,
    ),
    (
        "protocol=raft nodes=7 voters=5 membership=single seed=7 bug=raft-reconfig-before-term-commit",
        0x61a2_88c7_2331_67a2,
    ),
    (
        "protocol=raft nodes=7 voters=5 membership=joint seed=5",
        0x6016_c67e_fa10_9acb,
    ),
];

#[test]
fn membership_changes_replay_their_pinned_traces() {
    let faults = lab_engine::script::parse(MEMBERSHIP_FAULTS).expect("the fault script parses");
    let mut wrong = Vec::new();
    for &(settings, want) in MEMBERSHIP_CORPUS {
        let s = lab_engine::script::parse_settings(settings).expect(settings);
        let mut sim = AnySim::new(s).unwrap();
        sim.set_narrating(false);
        for l in &faults {
            lab_engine::script::run_command(&mut sim, &l.command).expect(&l.text);
        }
        sim.seek_time(5 * lab_engine::SECOND);
        let have = sim.trace_hash();
        if have != want {
            wrong.push(format!("    (\"{settings}\", 0x{have:016x}),"));
        }
    }
    assert!(wrong.is_empty(), "traces changed:\n{}", wrong.join("\n"));
}

#[test]
fn every_protocol_variant_and_fault_replays_its_pinned_trace() {
    let faults = lab_engine::script::parse(FAULTS).expect("the fault script parses");
    let mut wrong = Vec::new();
    for &(settings, want) in CORPUS {
        let s = lab_engine::script::parse_settings(settings).expect(settings);
        let mut sim = AnySim::new(s).unwrap();
        sim.set_narrating(false);
        for l in &faults {
            lab_engine::script::run_command(&mut sim, &l.command).expect(&l.text);
        }
        sim.seek_time(5 * lab_engine::SECOND);
        let have = sim.trace_hash();
        if have != want {
            wrong.push(format!("    (\"{settings}\", 0x{have:016x}),"));
        }
    }
    assert!(wrong.is_empty(), "traces changed:\n{}", wrong.join("\n"));
}
