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
