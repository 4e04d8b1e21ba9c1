//! One simulation of any protocol, for the app and the command-line tool: generic engine
//! underneath, no trait objects in the hot path.

use crate::catalog::{Model, NetworkSettings, Progress, ProtocolKind, Settings};
use crate::invariants::{InvariantInfo, Violation};
use crate::node::{Members, NodeId, Section, StateTable, Time};
use crate::share;
use crate::sim::history::{Action, ActionRecord, History, MsgId, ViolationRecord};
use crate::sim::view::{MessageView, Snapshot};
use crate::sim::{LogLine, Simulation, StepReport};

macro_rules! define_any {
    ($d:tt $($kind:ident($ty:ty)),* $(,)?) => {
        /// A simulation of whichever protocol the settings name.
        pub enum AnySim {
            $($kind(Simulation<$ty>)),*
        }

        /// Calls the same method on whichever simulation is inside.
        macro_rules! each {
            ($d this:expr, $d s:ident => $d body:expr) => {
                match $d this {
                    $(AnySim::$kind($d s) => $d body,)*
                }
            };
        }

        impl AnySim {
            /// A run that replays recorded actions (from a link or a trace file) as it reaches
            /// them.
            pub fn replay(settings: Settings, actions: Vec<ActionRecord>) -> Result<Self, String> {
                settings.validate()?;
                Ok(match settings.protocol {
                    $(ProtocolKind::$kind => AnySim::$kind(Simulation::replay(settings, actions)),)*
                })
            }
        }
    };
}
crate::catalog::for_each_protocol!(define_any!($));

impl AnySim {
    /// Validates the settings and builds the simulation.
    pub fn new(settings: Settings) -> Result<Self, String> {
        Self::replay(settings, Vec::new())
    }

    /// Recorded actions that could not be replayed, in words for the user.
    pub fn skipped(&self) -> Vec<String> {
        each!(self, s => s.skipped().to_vec())
    }

    /// The query string that replays this run: settings, seed and every action so far.
    pub fn link(&self, view: &[(&str, &str)]) -> String {
        share::encode_link(self.settings(), &self.history().actions, view)
    }

    /// The whole run as a trace file (JSON).
    pub fn export_trace(&self) -> String {
        let h = self.history();
        let t = share::TraceFile {
            format: share::TRACE_FORMAT.into(),
            version: share::TRACE_VERSION,
            settings: self.settings().clone(),
            actions: h.actions.clone(),
            events: h.events.iter().collect(),
            now: self.now(),
        };
        serde_json::to_string(&t).expect("traces serialize")
    }

    /// Reads a trace file and replays it, checking that every event comes out as recorded.
    /// On any problem the error says what, and nothing else changes.
    pub fn import_trace(bytes: &[u8]) -> Result<Self, String> {
        let t = share::parse_trace(bytes)?;
        let mut sim = AnySim::replay(t.settings, t.actions.clone())?;
        sim.set_narrating(false);
        for (i, want) in t.events.iter().enumerate() {
            let got = sim.step().map(|r| r.record);
            if got.as_ref() != Some(want) {
                return Err(format!(
                    "the trace does not replay: event {} differs from what the file records \
                     (was it edited, or made by another version?)",
                    i + 1
                ));
            }
        }
        if sim.history().actions != t.actions {
            return Err("some of the trace's actions could not be replayed".into());
        }
        sim.set_narrating(true);
        sim.seek_time(t.now);
        Ok(sim)
    }

    pub fn settings(&self) -> &Settings {
        each!(self, s => s.settings())
    }
    pub fn set_narrating(&mut self, on: bool) {
        each!(self, s => s.set_narrating(on))
    }
    pub fn now(&self) -> Time {
        each!(self, s => s.now())
    }
    pub fn events(&self) -> u64 {
        each!(self, s => s.events())
    }
    pub fn horizon(&self) -> (u64, Time) {
        each!(self, s => s.horizon())
    }
    pub fn history(&self) -> &History {
        each!(self, s => s.history())
    }
    pub fn trace_hash(&self) -> u64 {
        each!(self, s => s.trace_hash())
    }
    /// See [`Simulation::drop_checkpoints`].
    pub fn drop_checkpoints(&mut self) -> usize {
        each!(self, s => s.drop_checkpoints())
    }
    pub fn step(&mut self) -> Option<StepReport> {
        each!(self, s => s.step())
    }
    pub fn step_back(&mut self) {
        each!(self, s => s.step_back())
    }
    pub fn run_until(&mut self, t: Time) -> Vec<Violation> {
        each!(self, s => s.run_until(t))
    }
    pub fn run_until_violation(&mut self, t: Time) -> Option<Violation> {
        each!(self, s => s.run_until_violation(t))
    }
    pub fn next_event_time(&self) -> Option<Time> {
        each!(self, s => s.next_event_time())
    }
    pub fn apply(&mut self, action: Action) -> Result<StepReport, String> {
        each!(self, s => s.apply(action))
    }
    pub fn seek_event(&mut self, k: u64) {
        each!(self, s => s.seek_event(k))
    }
    pub fn seek_time(&mut self, t: Time) {
        each!(self, s => s.seek_time(t))
    }
    pub fn snapshot(&self) -> Snapshot {
        each!(self, s => s.snapshot())
    }
    /// The membership as live node `id` sees it ([`Simulation::members`]).
    pub fn members(&self, id: NodeId) -> Option<Members> {
        each!(self, s => s.members(id))
    }
    /// Whether an action would be taken now, and why not ([`Simulation::check_action`]).
    pub fn check_action(&self, action: &Action) -> Result<(), String> {
        each!(self, s => s.check_action(action))
    }
    pub fn inspect_node(&self, id: NodeId) -> Vec<Section> {
        each!(self, s => s.inspect_node(id))
    }
    /// The state table under the cluster; it changes only with events.
    pub fn state_table(&self) -> StateTable {
        each!(self, s => s.state_table())
    }
    pub fn inspect_message(&self, id: MsgId) -> Option<(MessageView, Vec<(String, String)>)> {
        each!(self, s => s.inspect_message(id))
    }
    pub fn invariants(&self) -> &'static [InvariantInfo] {
        each!(self, s => s.invariants())
    }
    pub fn violations(&self) -> Vec<ViolationRecord> {
        each!(self, s => s.violations().cloned().collect())
    }
    pub fn log(&self) -> Vec<LogLine> {
        each!(self, s => s.log().cloned().collect())
    }
    pub fn progress(&self, id: NodeId) -> Progress {
        each!(self, s => s.progress(id))
    }
    pub fn network(&self) -> &NetworkSettings {
        each!(self, s => s.network())
    }
    pub fn acked(&self) -> u64 {
        each!(self, s => s.acked())
    }
    pub fn overflowed(&self) -> u64 {
        each!(self, s => s.overflowed())
    }
    pub fn requests_issued(&self) -> u64 {
        each!(self, s => s.requests_issued())
    }
    /// The key-value clients' operations ([`Simulation::client_history`]): empty unless
    /// `workload=kv`.
    pub fn client_history(&self) -> &crate::lin::History {
        each!(self, s => s.client_history())
    }
    /// The key-value clients as they are now ([`Simulation::clients`]).
    pub fn clients(&self) -> &[crate::sim::KvClient] {
        each!(self, s => s.clients())
    }
    /// Names of the protocol's message kinds, indexed by the kind numbers in the history.
    pub fn message_kinds(&self) -> &'static [&'static str] {
        each!(self, s => kinds_of(s))
    }

    /// Where clients send requests when no leader is known (2PC's coordinator).
    pub fn protocol_target(&self) -> NodeId {
        each!(self, s => lab_engine_target(s))
    }

    /// The node that currently leads with the highest term, if any.
    pub fn leader(&self) -> Option<NodeId> {
        let n = self.settings().nodes;
        NodeId::all(n)
            .filter(|&id| self.progress(id).leader)
            .max_by_key(|&id| self.progress(id).term)
    }
}

fn lab_engine_target<P: Model>(s: &Simulation<P>) -> NodeId {
    s.protocol().client_target()
}

fn kinds_of<P: Model>(_: &Simulation<P>) -> &'static [&'static str] {
    P::MESSAGE_KINDS
}

impl std::fmt::Debug for AnySim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnySim")
            .field("protocol", &self.settings().protocol)
            .field("seed", &self.settings().seed)
            .field("events", &self.events())
            .field("now", &self.now())
            .finish()
    }
}
