//! Is a history linearizable? A checker for client histories of registers and key-value stores,
//! and a reader and writer for Jepsen's history files.
//!
//! A history is linearizable if each operation can be given a point between its invocation and
//! its completion such that, taken in that order, the operations obey the object's sequential
//! specification (Herlihy and Wing 1990). An operation that failed did not happen; one whose
//! outcome is unknown (`info`, or no completion) may take effect at any point after its
//! invocation, or never, which is the same as placing it after everything else.
//!
//! Linearizability is compositional (Herlihy and Wing's locality; Horn and Kroening's
//! P-compositionality, FORTE 2015), so the operations are partitioned by key and each key is
//! searched on its own. The keys take turns of a few thousand steps, smallest first, so that a
//! hard key does not hold up the verdict an easy one gives; once a key fails, the round ends and
//! the check stops (Porcupine likewise stops its other searches). The search counts its steps:
//! past the budget the verdict is [`Verdict::Unknown`], never a pass, and the same history and
//! budget always give the same answer, however the steps are handed out ([`Checker::run`]): no
//! clock is read.
//!
//! - [`history`]: operations, outcomes, values, and the clock they are timed on;
//! - `model`: the register and key-value specifications;
//! - `search`: the depth-first search with its cache;
//! - [`evidence`]: what a failure shows, and the sentence that tells it;
//! - [`jepsen`]: Jepsen's two history formats in, history maps out;
//! - [`view`]: what the page's History view draws of a history and its report.

mod edn;
pub mod evidence;
pub mod history;
pub mod jepsen;
mod model;
mod search;
pub mod view;

pub use evidence::Evidence;
pub use history::{Call, Clock, History, Op, OpId, Outcome, Value};

use search::{Entry, Found, Search};
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::collections::BTreeMap;

/// The steps `lab lin` takes unless told otherwise. A step costs 0.1 to 0.6 µs natively and up
/// to about 50 bytes of cache, so this bounds a check at about a minute and a few GB; the
/// published histories need at most 2 M.
pub const DEFAULT_BUDGET: u64 = 100_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Linearizable,
    NotLinearizable,
    /// The budget ran out before an answer.
    Unknown,
}

/// What the check found on one key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyReport {
    /// `None` for the single register of a history without keys.
    pub key: Option<String>,
    pub verdict: Verdict,
    /// The key's operations that constrain the search (failed operations and reads whose result
    /// is unknown constrain nothing).
    pub operations: usize,
    pub steps: u64,
    /// A linearization of those operations, or, if there is none, the longest linearizable
    /// prefix found.
    pub order: Vec<OpId>,
    pub evidence: Option<Evidence>,
}

/// The verdict on a history, and each key's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub verdict: Verdict,
    pub steps: u64,
    pub budget: u64,
    /// In key order.
    pub keys: Vec<KeyReport>,
}

impl Report {
    /// One line: the verdict, and for a failure the first failing key's sentence.
    pub fn headline(&self) -> String {
        match self.verdict {
            Verdict::Linearizable => {
                "linearizable: every key's operations fit one order in real time".into()
            }
            Verdict::NotLinearizable => {
                let sentence = self
                    .keys
                    .iter()
                    .find_map(|k| k.evidence.as_ref())
                    .map_or("", |e| e.sentence.as_str());
                format!("not linearizable: {sentence}")
            }
            Verdict::Unknown => {
                let keys: Vec<String> = self
                    .keys
                    .iter()
                    .filter(|k| k.verdict == Verdict::Unknown)
                    .map(|k| evidence::object(k.key.as_deref()))
                    .collect();
                format!(
                    "unknown: the budget of {} steps ran out before an answer on {}",
                    self.budget,
                    keys.join(", ")
                )
            }
        }
    }
}

/// Steps each undecided key gets in its turn.
const SLICE: u64 = 10_000;

/// A check in progress, run a slice at a time (the page shows progress between slices and can
/// cancel); [`check`] runs one to the end. It holds its history by reference, or shared
/// (`Rc<History>`) when it must outlive the caller's frame, as the page's does between frames.
pub struct Checker<H: Borrow<History>> {
    history: H,
    budget: u64,
    /// The keys in the order they take turns: fewest operations first.
    keys: Vec<(Option<String>, Search)>,
    /// Whose turn it is and how much of its slice it has used.
    turn: usize,
    used: u64,
    steps: u64,
    /// Some key has no linearization: the round ends, then the check.
    failed: bool,
    done: bool,
}

impl<H: Borrow<History>> Checker<H> {
    /// A check of `history` within `budget` steps shared by all its keys.
    pub fn new(history: H, budget: u64) -> Checker<H> {
        let mut parts: BTreeMap<Option<String>, Vec<Entry>> = BTreeMap::new();
        for (id, op) in history.borrow().ops.iter().enumerate() {
            let Some((step, open)) = model::step_of(op) else {
                continue;
            };
            let ret = match (&op.completed, open) {
                (Some((at, _)), false) => (*at).max(op.invoked),
                _ => u64::MAX,
            };
            parts.entry(op.key.clone()).or_default().push(Entry {
                op: id,
                call: op.invoked,
                ret,
                step,
            });
        }
        let mut keys: Vec<(Option<String>, Search)> = parts
            .into_iter()
            .map(|(k, entries)| (k, Search::new(entries)))
            .collect();
        keys.sort_by_key(|(_, s)| s.entries().len());
        Checker {
            history,
            budget,
            keys,
            turn: 0,
            used: 0,
            steps: 0,
            failed: false,
            done: false,
        }
    }

    /// The history being checked.
    pub fn history(&self) -> &History {
        self.history.borrow()
    }

    /// Steps taken so far, over all keys.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Runs at most `steps` more steps; true once the check is over.
    pub fn run(&mut self, steps: u64) -> bool {
        let mut left = steps;
        while !self.done && left > 0 {
            if self.turn == self.keys.len() {
                self.turn = 0;
                self.done = self.failed || self.keys.iter().all(|(_, s)| s.found().is_some());
                continue;
            }
            if self.steps == self.budget {
                self.done = true;
                break;
            }
            let search = &mut self.keys[self.turn].1;
            let before = search.steps();
            let slice = (SLICE - self.used).min(left).min(self.budget - self.steps);
            let found = search.run(slice).map(|f| matches!(f, Found::Stuck { .. }));
            let took = search.steps() - before;
            self.steps += took;
            self.used += took;
            left -= took;
            if found.is_some() || self.used == SLICE {
                self.failed |= found == Some(true);
                self.turn += 1;
                self.used = 0;
            }
        }
        self.done
    }

    /// What the check found so far: keys not yet decided are [`Verdict::Unknown`].
    pub fn report(&self) -> Report {
        let history = self.history.borrow();
        let mut keys: Vec<KeyReport> = self
            .keys
            .iter()
            .map(|(key, search)| {
                let entries = search.entries();
                let ids = |v: &[usize]| v.iter().map(|&i| entries[i].op).collect::<Vec<_>>();
                let (verdict, order, evidence) = match search.found() {
                    None => (Verdict::Unknown, Vec::new(), None),
                    Some(Found::Linearizable(order)) => (Verdict::Linearizable, ids(order), None),
                    Some(Found::Stuck {
                        prefix,
                        state,
                        stuck,
                        illegal,
                    }) => {
                        let evidence = Evidence {
                            stuck: entries[*stuck].op,
                            state: state.clone(),
                            illegal: ids(illegal),
                            sentence: evidence::explain(history, entries, prefix, *stuck, state),
                        };
                        (Verdict::NotLinearizable, ids(prefix), Some(evidence))
                    }
                };
                KeyReport {
                    key: key.clone(),
                    verdict,
                    operations: entries.len(),
                    steps: search.steps(),
                    order,
                    evidence,
                }
            })
            .collect();
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        let verdict = if keys.iter().any(|k| k.verdict == Verdict::NotLinearizable) {
            Verdict::NotLinearizable
        } else if keys.iter().any(|k| k.verdict == Verdict::Unknown) {
            Verdict::Unknown
        } else {
            Verdict::Linearizable
        };
        Report {
            verdict,
            steps: self.steps,
            budget: self.budget,
            keys,
        }
    }
}

/// Checks `history` within `budget` steps shared by all its keys.
pub fn check(history: &History, budget: u64) -> Report {
    let mut checker = Checker::new(history, budget);
    checker.run(u64::MAX);
    checker.report()
}
