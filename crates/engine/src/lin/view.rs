//! What the History view draws of a history and its check's report, in the manner of
//! Porcupine's visualization (Athalye, `visualization.go` and `visualization/index.js`): one row
//! per client, each operation a bar from its invocation to its completion (open-ended if it has
//! none), each key's linearization points in the order the check found, and on a failure the
//! longest linearizable prefix, the operation that cannot be placed and the illegal candidates.
//!
//! As in Porcupine, moments become columns in their order (every invocation, completion and
//! annotation its own column), so a short operation among long ones stays wide enough to read;
//! the real moment stays in each bar's details. A linearization point sits in the first gap
//! between columns where its operation may take effect after the previous point of its key
//! (its invocation or that point, whichever is later), points sharing a gap spread across it.

use super::evidence::{object, shown};
use super::history::{History, OpId, Outcome, Value};
use super::model::{apply, step_of, Next};
use super::{Report, Verdict};
use std::collections::BTreeMap;

/// How an operation ended, as the view colours it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Ok,
    /// It did not take effect.
    Fail,
    /// Indeterminate: an `info`, or no completion (yet).
    Info,
}

impl Ending {
    /// The word test ids and styles use: `ok`, `fail`, `info`.
    pub fn word(self) -> &'static str {
        match self {
            Ending::Ok => "ok",
            Ending::Fail => "fail",
            Ending::Info => "info",
        }
    }
}

/// An operation's part in what the check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Placed `nth` (from 1) in its key's linearization, or in its longest linearizable prefix.
    Placed { nth: usize },
    /// It cannot be placed after the longest prefix: it completed before any order could.
    Stuck,
    /// It could come next after the longest prefix, but is illegal in the state there.
    Illegal,
    /// On a failing key, outside the longest prefix.
    Beyond,
    /// It constrains nothing: it failed (did not happen), or it is a read with no result.
    Free,
    /// Its key is not decided: the check runs, ran out of budget, or stopped on another key.
    Undecided,
}

/// One operation as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub id: OpId,
    pub row: usize,
    /// `C1`, `process 3`.
    pub client: String,
    pub key: Option<String>,
    /// Columns of its invocation and completion; `None`: no completion (yet), open-ended. An
    /// `info` ends where the client gave up, though the operation may take effect later: its
    /// point may then lie beyond its bar, on the client's row.
    pub start: f64,
    pub end: Option<f64>,
    /// `write(x, 2)`.
    pub label: String,
    /// `ok`, `-> 1`, `fail`, `info`, `no reply`.
    pub result: String,
    pub ending: Ending,
    /// Its moments on the history's clock, to move the timeline there.
    pub invoked: u64,
    pub completed: Option<u64>,
    pub role: Role,
    /// Where it takes effect (a column between two), if placed; for an illegal candidate
    /// (the stuck operation may be one), where it would.
    pub point: Option<f64>,
    /// The model state before and after its point, as the hover shows them; no `after` where
    /// it cannot take effect.
    pub before: Option<String>,
    pub after: Option<String>,
    /// The hover's lines: the operation, its span, its part in the verdict.
    pub detail: Vec<String>,
}

/// One key's order: its linearization, or its longest linearizable prefix with what follows.
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub key: Option<String>,
    /// `x`, `key 7`, `the register`.
    pub object: String,
    pub verdict: Verdict,
    pub ops: Vec<OpId>,
    pub stuck: Option<OpId>,
    pub illegal: Vec<OpId>,
    pub sentence: Option<String>,
}

/// What an annotation marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// A crash, a partition, a heal...
    Fault,
    Leader,
    Violation,
}

impl NoteKind {
    pub fn word(self) -> &'static str {
        match self {
            NoteKind::Fault => "fault",
            NoteKind::Leader => "leader",
            NoteKind::Violation => "violation",
        }
    }
}

/// Something that happened to the servers while the clients worked, at a moment on the
/// history's clock.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    pub at: u64,
    pub kind: NoteKind,
    pub text: String,
}

/// An annotation as drawn on its lane.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub column: f64,
    pub at: u64,
    pub kind: NoteKind,
    pub text: String,
    /// `crash n2 at 3.20 s`.
    pub detail: String,
}

/// The whole view.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryView {
    /// Row labels, one per client, in the order of their numbers.
    pub rows: Vec<String>,
    /// Columns the moments take: bars and points lie in `0..columns`.
    pub columns: usize,
    pub bars: Vec<Bar>,
    pub notes: Vec<Note>,
    /// Per key, in key order.
    pub orders: Vec<Order>,
    pub verdict: Verdict,
    pub headline: String,
    /// Where the moment shown falls, between the columns before and after it, for a history
    /// from a run (which may reach past it).
    pub now: Option<f64>,
}

impl Bar {
    /// What its bar reads: `write(x, 2) ok`, `read(x) -> 1`.
    pub fn text(&self) -> String {
        format!("{} {}", self.label, self.result)
    }
}

impl HistoryView {
    /// Where each column sits, from 0, for a page that draws text `per_char` wide: columns at
    /// least `gap` apart, and each bar (open-ended ones up to the last column) and each
    /// annotation's label as wide as its text plus `pad`, as Porcupine widens its boxes to fit
    /// their text. One pass in column order: a constraint's left end is placed before its
    /// right end.
    pub fn layout(&self, per_char: f64, pad: f64, gap: f64) -> Vec<f64> {
        let width = |text: &str| text.chars().count() as f64 * per_char + pad;
        let last = self.columns.saturating_sub(1);
        let mut ends: Vec<Vec<(usize, f64)>> = vec![Vec::new(); self.columns];
        for b in &self.bars {
            let end = b.end.map_or(last, |e| e as usize).min(last);
            ends[end].push((b.start as usize, width(&b.text())));
        }
        for pair in self.notes.windows(2) {
            let (a, b) = (pair[0].column as usize, pair[1].column as usize);
            ends[b.min(last)].push((a, width(&pair[0].text)));
        }
        if let Some(n) = self.notes.last() {
            ends[last].push((n.column as usize, width(&n.text)));
        }
        let mut x = vec![0.0; self.columns];
        for c in 0..self.columns {
            let mut at = if c == 0 { 0.0 } else { x[c - 1] + gap };
            for &(from, w) in &ends[c] {
                if from < c {
                    at = f64::max(at, x[from] + w);
                }
            }
            x[c] = at;
        }
        x
    }
}

/// `1st`, `2nd`, `3rd`, `11th`.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// What `op`'s step leaves on `state`: `None` where it cannot happen.
fn after(h: &History, op: OpId, state: &Value) -> Option<Value> {
    let (step, _) = step_of(&h.ops[op])?;
    match apply(&step, state) {
        Next::Illegal => None,
        Next::Same => Some(state.clone()),
        Next::Set(v) => Some(v),
    }
}

impl HistoryView {
    /// The view of `h` as `report` judges it (a finished check, or one still running), with
    /// `notes` on the annotation lane and the moment shown `now` (none for a file's history).
    pub fn new(
        h: &History,
        report: &Report,
        notes: &[Annotation],
        now: Option<u64>,
    ) -> HistoryView {
        // Every moment its own column, in order: annotations first at a shared moment (the
        // fault happened, then the clients saw it), then invocations, then completions, as the
        // search orders a tie (an invocation and a completion at one moment overlap).
        let mut moments: Vec<(u64, u8, usize)> = Vec::new();
        for (i, n) in notes.iter().enumerate() {
            moments.push((n.at, 0, i));
        }
        for (id, op) in h.ops.iter().enumerate() {
            moments.push((op.invoked, 1, id));
            if let Some((at, _)) = &op.completed {
                moments.push(((*at).max(op.invoked), 2, id));
            }
        }
        moments.sort_unstable();
        let mut call = vec![0usize; h.ops.len()];
        let mut ret: Vec<Option<usize>> = vec![None; h.ops.len()];
        let mut note_col = vec![0usize; notes.len()];
        for (col, &(_, kind, i)) in moments.iter().enumerate() {
            match kind {
                0 => note_col[i] = col,
                1 => call[i] = col,
                _ => ret[i] = Some(col),
            }
        }
        // A column past the last moment, for the open-ended bars to reach into.
        let columns = moments.len() + 1;

        let mut processes: Vec<u64> = h.ops.iter().map(|o| o.process).collect();
        processes.sort_unstable();
        processes.dedup();
        let row_of: BTreeMap<u64, usize> =
            processes.iter().enumerate().map(|(r, &p)| (p, r)).collect();

        let mut bars: Vec<Bar> = h
            .ops
            .iter()
            .enumerate()
            .map(|(id, op)| {
                let (ending, completed) = match &op.completed {
                    Some((at, Outcome::Ok(_))) => (Ending::Ok, Some(*at)),
                    Some((at, Outcome::Fail)) => (Ending::Fail, Some(*at)),
                    Some((at, Outcome::Info)) => (Ending::Info, Some(*at)),
                    None => (Ending::Info, None),
                };
                let result = op.result().replace(" (indeterminate)", "");
                let end = ret[id].map(|c| c as f64);
                let role = if step_of(op).is_some() {
                    Role::Undecided
                } else {
                    Role::Free
                };
                Bar {
                    id,
                    row: row_of[&op.process],
                    client: h.who(op.process),
                    key: op.key.clone(),
                    start: call[id] as f64,
                    end,
                    label: op.label(),
                    result,
                    ending,
                    invoked: op.invoked,
                    completed,
                    role,
                    point: None,
                    before: None,
                    after: None,
                    detail: Vec::new(),
                }
            })
            .collect();

        // Each key's points, first as gaps (after which column), then spread within the gap.
        let mut gaps: Vec<(OpId, usize)> = Vec::new();
        let mut orders = Vec::new();
        for k in &report.keys {
            let name = object(k.key.as_deref());
            let decided = k.verdict != Verdict::Unknown;
            let mut state = Value::Nil;
            let mut gap = 0usize;
            let mut place = |id: OpId, gap: &mut usize| {
                // An indeterminate operation may take effect at any moment after its
                // invocation, however long after its `info`.
                let open = matches!(h.ops[id].completed, None | Some((_, Outcome::Info)));
                let latest = match ret[id] {
                    Some(r) if !open => r.saturating_sub(1),
                    _ => usize::MAX,
                };
                *gap = (*gap).max(call[id]).min(latest).max(call[id]);
                gaps.push((id, *gap));
            };
            if decided {
                for (n, &id) in k.order.iter().enumerate() {
                    place(id, &mut gap);
                    let next = after(h, id, &state);
                    let bar = &mut bars[id];
                    bar.role = Role::Placed { nth: n + 1 };
                    bar.before = Some(shown(&state));
                    bar.after = next.as_ref().map(shown);
                    state = next.unwrap_or(state);
                }
            }
            if let Some(e) = &k.evidence {
                for &id in &e.illegal {
                    let mut g = gap;
                    place(id, &mut g);
                    bars[id].role = Role::Illegal;
                    bars[id].before = Some(shown(&e.state));
                }
                bars[e.stuck].role = Role::Stuck;
                bars[e.stuck].before = Some(shown(&e.state));
                for bar in bars.iter_mut() {
                    if bar.key == k.key && bar.role == Role::Undecided {
                        bar.role = Role::Beyond;
                    }
                }
            }
            orders.push(Order {
                key: k.key.clone(),
                object: name,
                verdict: k.verdict,
                ops: if decided { k.order.clone() } else { Vec::new() },
                stuck: k.evidence.as_ref().map(|e| e.stuck),
                illegal: k
                    .evidence
                    .as_ref()
                    .map_or(Vec::new(), |e| e.illegal.clone()),
                sentence: k.evidence.as_ref().map(|e| e.sentence.clone()),
            });
        }
        let mut shared: BTreeMap<usize, usize> = BTreeMap::new();
        for &(_, g) in &gaps {
            *shared.entry(g).or_default() += 1;
        }
        let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
        for &(id, g) in &gaps {
            let k = taken.entry(g).or_default();
            *k += 1;
            bars[id].point = Some(g as f64 + *k as f64 / (shared[&g] + 1) as f64);
        }

        for bar in &mut bars {
            bar.detail = detail(h, bar);
        }
        let notes = notes
            .iter()
            .zip(&note_col)
            .map(|(n, &c)| Note {
                column: c as f64,
                at: n.at,
                kind: n.kind,
                text: n.text.clone(),
                detail: format!("{} at {}", n.text, h.moment(n.at)),
            })
            .collect();
        HistoryView {
            rows: processes.iter().map(|&p| h.who(p)).collect(),
            columns,
            bars,
            notes,
            orders,
            verdict: report.verdict,
            headline: report.headline(),
            // Halfway between the last moment not after it and the next.
            now: now.map(|t| moments.partition_point(|m| m.0 <= t) as f64 - 0.5),
        }
    }
}

/// The hover's lines for `bar`.
fn detail(h: &History, bar: &Bar) -> Vec<String> {
    let op = &h.ops[bar.id];
    let object = object(op.key.as_deref());
    let span = match bar.completed {
        Some(at) => format!("{} to {}", h.moment(op.invoked), h.moment(at)),
        None => format!("from {}, no reply", h.moment(op.invoked)),
    };
    let before = bar.before.as_deref().unwrap_or("?");
    let part = match bar.role {
        Role::Placed { nth } => match &bar.after {
            Some(after) if after == before => {
                format!(
                    "takes effect {} on {object}, which holds {before}",
                    ordinal(nth)
                )
            }
            Some(after) => {
                format!(
                    "takes effect {} on {object}: {before} before, {after} after",
                    ordinal(nth)
                )
            }
            None => format!("placed {} on {object}", ordinal(nth)),
        },
        Role::Stuck => format!(
            "cannot be placed: after the longest linearizable prefix {object} holds {before}, \
             and it completed before any order could place it"
        ),
        Role::Illegal => {
            format!(
                "could come next after the prefix, but is illegal while {object} holds {before}"
            )
        }
        Role::Beyond => format!("outside the longest linearizable prefix of {object}"),
        Role::Free if bar.ending == Ending::Fail => {
            "it failed: it did not take effect, so it constrains nothing".into()
        }
        Role::Free => "its result is unknown, so it constrains nothing".into(),
        Role::Undecided => format!("{object} is not decided"),
    };
    vec![
        format!("{}'s {}: {}", bar.client, bar.label, bar.result),
        span,
        part,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lin::history::{Call, Clock};
    use crate::lin::{check, Checker};

    /// `(client, call, invoked, completed)` on register `x`.
    type Line = (u64, Call, u64, Option<(u64, Outcome)>);

    fn history(ops: &[Line]) -> History {
        let mut h = History::new(Clock::Virtual);
        for (p, c, at, done) in ops {
            let id = h.invoke(*p, Some("x"), c.clone(), *at);
            if let Some((t, o)) = done {
                h.complete(id, *t, o.clone());
            }
        }
        h
    }

    fn ok() -> Outcome {
        Outcome::Ok(Value::Nil)
    }

    fn read(v: i64) -> Outcome {
        Outcome::Ok(Value::Int(v))
    }

    /// Points lie inside their bars, and each key's follow its order.
    fn points_fit(v: &HistoryView) {
        for b in &v.bars {
            if let Some(p) = b.point {
                assert!(p > b.start, "{b:?}");
                let open = b.ending == Ending::Info;
                assert!(open || b.end.is_none_or(|e| p < e), "{b:?}");
            }
        }
        for o in &v.orders {
            let points: Vec<f64> = o.ops.iter().map(|&i| v.bars[i].point.unwrap()).collect();
            assert!(points.windows(2).all(|w| w[0] < w[1]), "{points:?}");
        }
    }

    #[test]
    fn a_linearizable_history_shows_its_order_and_the_states_between() {
        // C2's read overlaps C1's write and sees it; C1 then reads it back.
        let h = history(&[
            (1, Call::Write(Value::Int(1)), 0, Some((10, ok()))),
            (2, Call::Read, 5, Some((15, read(1)))),
            (1, Call::Read, 20, Some((30, read(1)))),
        ]);
        let v = HistoryView::new(&h, &check(&h, 1000), &[], None);
        assert_eq!(v.verdict, Verdict::Linearizable);
        assert_eq!(v.rows, ["C1", "C2"]);
        assert_eq!(v.columns, 7);
        assert_eq!(v.orders[0].ops, [0, 1, 2]);
        let b = &v.bars;
        assert_eq!((b[0].row, b[1].row, b[2].row), (0, 1, 0));
        // Moments in order: w+ r+ w- r- r+ r-.
        assert_eq!((b[0].start, b[0].end), (0.0, Some(2.0)));
        assert_eq!((b[1].start, b[1].end), (1.0, Some(3.0)));
        assert_eq!((b[2].start, b[2].end), (4.0, Some(5.0)));
        // The write's point waits for nothing; the read's comes after it, in the next gap.
        assert_eq!(b[0].point, Some(0.5));
        assert_eq!(b[1].point, Some(1.5));
        assert_eq!(b[2].point, Some(4.5));
        points_fit(&v);
        assert_eq!(b[0].role, Role::Placed { nth: 1 });
        assert_eq!(
            (b[0].before.as_deref(), b[0].after.as_deref()),
            (Some("nil"), Some("1"))
        );
        assert_eq!(b[2].detail[2], "takes effect 3rd on x, which holds 1");
        assert_eq!(b[0].detail[2], "takes effect 1st on x: nil before, 1 after");
        assert_eq!(b[1].detail[0], "C2's read(x): -> 1");
        assert_eq!(b[1].detail[1], "0.000005 s to 0.000015 s");
        assert_eq!(b[1].result, "-> 1");
        assert_eq!(b[1].ending, Ending::Ok);
    }

    #[test]
    fn points_sharing_a_gap_spread_across_it() {
        // Three writes all overlapping: every point falls in the gap after the last invocation.
        let h = history(&[
            (1, Call::Write(Value::Int(1)), 0, Some((10, ok()))),
            (2, Call::Write(Value::Int(2)), 1, Some((11, ok()))),
            (3, Call::Write(Value::Int(3)), 2, Some((12, ok()))),
            (1, Call::Read, 20, Some((30, read(3)))),
        ]);
        let v = HistoryView::new(&h, &check(&h, 1000), &[], None);
        assert_eq!(v.verdict, Verdict::Linearizable);
        points_fit(&v);
        let last = v.orders[0].ops[2];
        assert_eq!(v.bars[last].label, "write(x, 3)");
    }

    #[test]
    fn a_stale_read_shows_the_prefix_the_stuck_read_and_the_sentence() {
        let h = history(&[
            (1, Call::Write(Value::Int(1)), 0, Some((10, ok()))),
            (1, Call::Write(Value::Int(2)), 20, Some((30, ok()))),
            (2, Call::Read, 40, Some((50, read(1)))),
        ]);
        let report = check(&h, 1000);
        let v = HistoryView::new(&h, &report, &[], None);
        assert_eq!(v.verdict, Verdict::NotLinearizable);
        assert_eq!(v.headline, report.headline());
        assert!(
            v.headline.contains("C2's read of x returned 1"),
            "{}",
            v.headline
        );
        let o = &v.orders[0];
        assert_eq!((o.ops.as_slice(), o.stuck), ([0, 1].as_slice(), Some(2)));
        assert_eq!(v.bars[2].role, Role::Stuck);
        assert_eq!(v.bars[2].before.as_deref(), Some("2"));
        // It is also the one candidate after the prefix, marked where it would take effect.
        assert_eq!(o.illegal, [2]);
        assert_eq!(v.bars[2].point, Some(4.5));
        assert!(v.bars[2].detail[2].starts_with("cannot be placed"));
        assert_eq!(v.bars[1].after.as_deref(), Some("2"));
        points_fit(&v);
    }

    #[test]
    fn illegal_candidates_are_marked_with_the_state_they_meet() {
        // After write 1, both reads could come next: the one of 2 is illegal, the one of 3 is
        // stuck, since it completed before anything could write 3.
        let h = history(&[
            (1, Call::Write(Value::Int(1)), 0, Some((10, ok()))),
            (2, Call::Read, 20, Some((40, read(2)))),
            (3, Call::Read, 25, Some((30, read(3)))),
        ]);
        let v = HistoryView::new(&h, &check(&h, 1000), &[], None);
        assert_eq!(v.verdict, Verdict::NotLinearizable);
        let o = &v.orders[0];
        assert!(o.stuck.is_some());
        for &i in &o.illegal {
            // The stuck operation, if a candidate, is marked as the stuck one.
            let role = if Some(i) == o.stuck {
                Role::Stuck
            } else {
                Role::Illegal
            };
            assert_eq!(v.bars[i].role, role);
            assert_eq!(v.bars[i].before.as_deref(), Some("1"));
            let p = v.bars[i].point.expect("an illegal candidate's point");
            assert!(p > v.bars[0].point.unwrap());
        }
        assert_eq!(o.illegal.len(), 2);
    }

    #[test]
    fn indeterminate_operations_stay_open_and_failed_ones_constrain_nothing() {
        let h = history(&[
            (1, Call::Write(Value::Int(1)), 0, Some((10, Outcome::Info))),
            (
                2,
                Call::Cas(Value::Int(5), Value::Int(6)),
                2,
                Some((4, Outcome::Fail)),
            ),
            (3, Call::Read, 20, Some((25, Outcome::Fail))),
            (2, Call::Write(Value::Int(2)), 30, None),
        ]);
        let v = HistoryView::new(&h, &check(&h, 1000), &[], None);
        assert_eq!(v.verdict, Verdict::Linearizable);
        // The info ends where the client gave up; the write without a reply stays open.
        assert_eq!(v.bars[0].end, Some(3.0));
        assert_eq!(v.bars[3].end, None);
        assert_eq!(
            (v.bars[0].ending, v.bars[0].result.as_str()),
            (Ending::Info, "info")
        );
        assert_eq!(v.bars[3].result, "no reply");
        assert_eq!(v.bars[3].detail[1], "from 0.000030 s, no reply");
        // A failed cas still says something (x did not hold 5); a failed read says nothing.
        assert!(matches!(v.bars[1].role, Role::Placed { .. }));
        assert_eq!(v.bars[2].role, Role::Free);
        assert_eq!(v.bars[2].point, None);
        points_fit(&v);
    }

    #[test]
    fn an_info_may_take_effect_after_its_client_gave_up() {
        // C2 reads nil, then 1: C1's write, given up at 5, took effect between the reads.
        let h = history(&[
            (1, Call::Write(Value::Int(1)), 0, Some((5, Outcome::Info))),
            (2, Call::Read, 10, Some((20, Outcome::Ok(Value::Nil)))),
            (2, Call::Read, 30, Some((40, read(1)))),
        ]);
        let v = HistoryView::new(&h, &check(&h, 1000), &[], None);
        assert_eq!(v.verdict, Verdict::Linearizable);
        assert_eq!(v.orders[0].ops, [1, 0, 2]);
        let w = &v.bars[0];
        assert_eq!(w.end, Some(1.0));
        assert!(w.point.unwrap() > 2.0 && w.point.unwrap() < 3.0, "{w:?}");
        points_fit(&v);
    }

    #[test]
    fn annotations_take_their_own_columns_among_the_operations() {
        let h = history(&[
            (1, Call::Write(Value::Int(1)), 0, Some((10, ok()))),
            (1, Call::Read, 20, Some((30, read(1)))),
        ]);
        let notes = [
            Annotation {
                at: 15,
                kind: NoteKind::Fault,
                text: "crash n1".into(),
            },
            Annotation {
                at: 20,
                kind: NoteKind::Leader,
                text: "n2 leads".into(),
            },
        ];
        let v = HistoryView::new(&h, &check(&h, 1000), &notes, None);
        assert_eq!(v.columns, 7);
        assert_eq!(v.notes[0].column, 2.0);
        // At a shared moment the annotation comes first.
        assert_eq!(v.notes[1].column, 3.0);
        assert_eq!(v.bars[1].start, 4.0);
        assert_eq!(v.notes[0].detail, "crash n1 at 0.000015 s");
        assert_eq!(v.now, None);
        // The moment shown falls after everything at or before it.
        let at = |t| HistoryView::new(&h, &check(&h, 1000), &notes, Some(t)).now;
        assert_eq!(at(0), Some(-0.5 + 1.0));
        assert_eq!(at(12), Some(1.5));
        assert_eq!(at(20), Some(3.5 + 1.0));
        assert_eq!(at(99), Some(5.5));
    }

    #[test]
    fn a_check_still_running_leaves_its_keys_undecided() {
        let h = history(&[
            (1, Call::Write(Value::Int(1)), 0, Some((10, ok()))),
            (2, Call::Read, 5, Some((15, read(1)))),
        ]);
        let checker = Checker::new(&h, 1000);
        let v = HistoryView::new(&h, &checker.report(), &[], None);
        assert_eq!(v.verdict, Verdict::Unknown);
        assert!(v
            .bars
            .iter()
            .all(|b| b.role == Role::Undecided && b.point.is_none()));
        assert_eq!(v.bars[0].detail[2], "x is not decided");
    }

    #[test]
    fn the_layout_makes_every_bar_and_label_as_wide_as_its_text() {
        let h = history(&[
            (1, Call::Write(Value::Int(1)), 0, Some((10, ok()))),
            (2, Call::Read, 5, Some((15, read(1)))),
            (1, Call::Read, 20, None),
        ]);
        let notes = [
            Annotation {
                at: 1,
                kind: NoteKind::Fault,
                text: "crash n1".into(),
            },
            Annotation {
                at: 2,
                kind: NoteKind::Leader,
                text: "n2 leads".into(),
            },
        ];
        let v = HistoryView::new(&h, &check(&h, 1000), &notes, None);
        let x = v.layout(7.0, 10.0, 4.0);
        assert_eq!(x.len(), v.columns);
        assert!(x.windows(2).all(|w| w[1] - w[0] >= 4.0), "{x:?}");
        let wide = |text: String| text.chars().count() as f64 * 7.0 + 10.0;
        for b in &v.bars {
            let end = b.end.map_or(v.columns - 1, |e| e as usize);
            assert!(
                x[end] - x[b.start as usize] >= wide(b.text()),
                "{b:?} in {x:?}"
            );
        }
        let (a, b) = (v.notes[0].column as usize, v.notes[1].column as usize);
        assert!(x[b] - x[a] >= wide("crash n1".into()));
        assert!(x[v.columns - 1] - x[b] >= wide("n2 leads".into()));
        assert_eq!(v.bars[2].text(), "read(x) no reply");
    }

    #[test]
    fn ordinals_read_as_english() {
        let words: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
            .map(ordinal)
            .into();
        assert_eq!(
            words,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th"
            ]
        );
    }
}
