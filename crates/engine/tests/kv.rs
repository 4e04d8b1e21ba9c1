//! The key-value workload (`workload=kv`): clients with one operation at a time, their retries,
//! and the history they leave, which must be linearizable on the correct read paths.

use lab_engine::any::AnySim;
use lab_engine::lin::{self, Outcome, Verdict};
use lab_engine::script;
use lab_engine::{Action, NodeId, ProtocolKind, Settings, SECOND};

fn settings(line: &str) -> Settings {
    script::parse_settings(line).expect(line)
}

/// Each client has at most one operation open at a time: its next starts after the last ends.
fn one_at_a_time(h: &lin::History) {
    let mut last_end: std::collections::BTreeMap<u64, u64> = Default::default();
    for op in &h.ops {
        if let Some(&end) = last_end.get(&op.process) {
            assert!(end <= op.invoked, "C{} overlaps itself", op.process);
        }
        last_end.insert(op.process, op.completed.as_ref().map_or(u64::MAX, |c| c.0));
    }
}

#[test]
fn kv_clients_record_a_linearizable_history_on_every_log_protocol() {
    for p in ["raft", "multi-paxos", "zab"] {
        let mut sim = AnySim::new(settings(&format!("protocol={p} workload=kv"))).unwrap();
        sim.run_until(10 * SECOND);
        let h = sim.client_history();
        assert_eq!(h.processes(), 3, "{p}: three clients by default");
        let done = h
            .ops
            .iter()
            .filter(|o| matches!(o.completed, Some((_, Outcome::Ok(_)))))
            .count();
        assert!(done > 100, "{p}: only {done} operations completed in 10 s");
        assert!(h.ops.iter().any(|o| o.call == lin::Call::Read));
        one_at_a_time(h);
        let r = lin::check(h, 10_000_000);
        assert_eq!(r.verdict, Verdict::Linearizable, "{p}: {}", r.headline());
    }
}

#[test]
fn the_counter_stays_the_default_and_kv_is_refused_where_no_log_is() {
    let mut sim = AnySim::new(Settings::for_protocol(ProtocolKind::Raft)).unwrap();
    sim.run_until(3 * SECOND);
    assert!(sim.client_history().ops.is_empty() && sim.clients().is_empty());
    for p in ["paxos", "2pc", "3pc"] {
        let e = script::parse_settings(&format!("protocol={p} workload=kv")).unwrap_err();
        assert!(e.contains("Raft, Multi-Paxos and Zab"), "{e}");
    }
    let e = script::parse_settings("protocol=raft workload=kv clients=0").unwrap_err();
    assert!(e.contains("clients must be between 1 and 9"), "{e}");
    let e = script::parse_settings("protocol=raft clients=4").unwrap_err();
    assert!(e.contains("workload=kv"), "{e}");
    let e = script::parse_settings("protocol=raft workload=kv reads=fast").unwrap_err();
    assert!(e.contains("unknown read path 'fast'"), "{e}");
}

#[test]
fn a_client_whose_server_is_down_tries_the_next_one_at_once() {
    // C1 starts on S1; S1 is down before C1's first operation, which is refused, not lost.
    let mut sim = AnySim::new(settings("protocol=raft workload=kv clients=1")).unwrap();
    sim.apply(Action::Crash { node: NodeId(1) }).unwrap();
    sim.run_until(3 * SECOND);
    let h = sim.client_history();
    let first = &h.ops[0];
    let (done, outcome) = first.completed.clone().expect("answered");
    assert!(
        !matches!(outcome, Outcome::Info),
        "refused at S1, the operation went on to another server: {outcome:?}"
    );
    assert!(
        done - first.invoked < SECOND,
        "no time-out was needed ({} µs)",
        done - first.invoked
    );
}

#[test]
fn a_client_that_hears_nothing_gives_up_indeterminate_and_moves_on() {
    let mut sim = AnySim::new(settings("protocol=raft workload=kv clients=1")).unwrap();
    sim.run_until(2 * SECOND);
    let leader = sim.leader().expect("a leader by 2 s");
    // The client follows redirects to the leader, which is then cut off: what it sent there
    // can never commit, yet may (for all the client knows) have.
    sim.apply(Action::Isolate { node: leader }).unwrap();
    sim.run_until(8 * SECOND);
    let h = sim.client_history();
    let info: Vec<_> = h
        .ops
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o.completed, Some((_, Outcome::Info))))
        .collect();
    assert_eq!(
        info.len(),
        1,
        "one time-out, then the client found the new leader"
    );
    let (i, op) = info[0];
    let (at, _) = op.completed.clone().unwrap();
    assert_eq!(at - op.invoked, 4 * 300_000, "four election timeouts");
    let next = &h.ops[i + 1];
    assert_eq!(
        next.invoked, at,
        "the client goes on at once, at the next server"
    );
    assert!(h.ops[i + 1..]
        .iter()
        .any(|o| matches!(o.completed, Some((_, Outcome::Ok(_))))));
    one_at_a_time(h);
    assert_eq!(lin::check(h, 10_000_000).verdict, Verdict::Linearizable);
}

#[test]
fn the_history_is_rebuilt_by_replay_and_forgets_a_changed_future() {
    let s = settings("protocol=zab workload=kv seed=4");
    let mut straight = AnySim::new(s.clone()).unwrap();
    straight.run_until(6 * SECOND);
    let full = straight.client_history().clone();
    // Seeking back keeps the history to the horizon; running on extends it identically.
    let mut sim = AnySim::new(s.clone()).unwrap();
    sim.run_until(6 * SECOND);
    sim.seek_time(2 * SECOND);
    assert_eq!(sim.client_history(), &full);
    // Acting in the past forgets what came after, then the run goes its own way.
    sim.apply(Action::Crash { node: NodeId(2) }).unwrap();
    let now = sim.now();
    let h = sim.client_history();
    assert!(h.ops.iter().all(|o| o.invoked <= now));
    assert!(h
        .ops
        .iter()
        .all(|o| o.completed.as_ref().is_none_or(|c| c.0 <= now)));
    assert!(h.ops.len() < full.ops.len());
    // The same actions replayed rebuild the same history.
    sim.run_until(6 * SECOND);
    let actions = sim.history().actions.clone();
    let mut again = AnySim::replay(s, actions).unwrap();
    again.run_until(6 * SECOND);
    assert_eq!(again.client_history(), sim.client_history());
}

/// Random faults over seeds: crashes, partitions, loss and duplication; the history stays
/// linearizable and each client keeps one operation at a time.
#[test]
fn kv_histories_stay_linearizable_under_faults_over_seeds() {
    let faults = script::parse(
        "at 500ms crash 1\nat 800ms partition 1 2 | 3 4 5\nat 1.2s restart 1\nat 1.5s heal\n\
         at 1.7s isolate 2\nat 2.5s heal\nat 2.6s network loss 0.2 dup 0.1\nat 3s crash 2\n\
         at 3.5s restart 2",
    )
    .unwrap();
    for p in ["raft", "multi-paxos", "zab"] {
        for seed in 1..=8 {
            let mut sim =
                AnySim::new(settings(&format!("protocol={p} workload=kv seed={seed}"))).unwrap();
            sim.set_narrating(false);
            for l in &faults {
                script::run_command(&mut sim, &l.command).unwrap();
            }
            sim.run_until(8 * SECOND);
            let h = sim.client_history();
            one_at_a_time(h);
            let r = lin::check(h, 10_000_000);
            assert_eq!(
                r.verdict,
                Verdict::Linearizable,
                "{p} seed {seed}: {}",
                r.headline()
            );
        }
    }
}

/// ZooKeeper's default read path is sequentially consistent, not linearizable: the checker
/// finds a stale read on a fault-free run, and says it is the documented guarantee.
#[test]
fn zab_local_reads_are_found_not_linearizable_and_called_the_documented_guarantee() {
    let s = settings("protocol=zab workload=kv reads=local");
    let mut sim = AnySim::new(s.clone()).unwrap();
    sim.run_until(10 * SECOND);
    let v = lab_engine::check::check_history(&s, sim.client_history(), 10_000_000).unwrap_err();
    assert_eq!(v.invariant, "Linearizability");
    assert!(
        v.explanation.starts_with(
            "this is the documented guarantee, not a bug: Zab reads=local is sequentially \
             consistent, not linearizable (ZooKeeper Programmer's Guide"
        ),
        "{}",
        v.explanation
    );
    assert!(v.explanation.contains("'s read of"), "{}", v.explanation);
}

/// The same runs with a sync before each read are linearizable, faults or not.
#[test]
fn zab_reads_after_a_sync_stay_linearizable_under_faults() {
    let faults = script::parse(
        "at 500ms partition 1 2 | 3 4 5\nat 1.5s heal\nat 2s crash 3\nat 2.5s restart 3\n\
         at 3s isolate 4\nat 4s heal",
    )
    .unwrap();
    for seed in 1..=6 {
        let s = settings(&format!("protocol=zab workload=kv reads=sync seed={seed}"));
        let mut sim = AnySim::new(s.clone()).unwrap();
        sim.set_narrating(false);
        for l in &faults {
            script::run_command(&mut sim, &l.command).unwrap();
        }
        sim.run_until(8 * SECOND);
        let h = sim.client_history();
        one_at_a_time(h);
        assert!(h.ops.iter().filter(|o| o.call == lin::Call::Read).count() > 20);
        let r = lin::check(h, 10_000_000);
        assert_eq!(
            r.verdict,
            Verdict::Linearizable,
            "seed {seed}: {}",
            r.headline()
        );
    }
}

/// Under ZooKeeper's sessions a client stays with its server (writes are forwarded, not
/// redirected), so clients do not all end up on the leader; and a client never takes an
/// answer from a state older than one it has seen.
#[test]
fn zab_session_clients_spread_over_servers_and_never_go_back() {
    let mut sim = AnySim::new(settings("protocol=zab workload=kv reads=local seed=2")).unwrap();
    let mut seen = [0; 3];
    while sim.now() < 5 * SECOND {
        sim.step().expect("the run goes on");
        for (i, c) in sim.clients().iter().enumerate() {
            assert!(c.seen >= seen[i], "C{} went back", i + 1);
            seen[i] = c.seen;
        }
    }
    assert!(seen.iter().all(|&s| s > 10), "{seen:?}");
    let mut targets: Vec<NodeId> = sim.clients().iter().map(|c| c.target).collect();
    targets.dedup();
    assert!(targets.len() > 1, "{targets:?}");
    assert!(targets.iter().any(|&t| Some(t) != sim.leader()));
}
