//! What a failed check shows: per key, the longest linearizable prefix, the operation that
//! cannot be placed next, the value before it and the candidates that were illegal, told in one
//! plain sentence. Where a short argument exists (an operation that completed before, wrote or
//! read another value, and that every write of the value seen precedes), the sentence gives it;
//! otherwise it states what the search found.

use super::history::{History, Op, OpId, Value};
use super::model::{apply, Next, Step};
use super::search::Entry;
use super::{Report, Verdict};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Why one key's operations have no linearization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The operation that cannot be placed next: it completed before any order could place it.
    pub stuck: OpId,
    /// The value after the longest linearizable prefix, where `stuck` cannot come.
    pub state: Value,
    /// The operations that could have come next there, each illegal in that state.
    pub illegal: Vec<OpId>,
    pub sentence: String,
}

/// A value for a sentence: long text shows its end, where appends land.
pub(crate) fn shown(v: &Value) -> String {
    match v {
        Value::Str(s) if s.chars().count() > 40 => {
            let tail: String = s.chars().skip(s.chars().count() - 30).collect();
            format!("\"...{tail}\" ({} characters)", s.chars().count())
        }
        v => v.to_string(),
    }
}

/// How a sentence names a key: `x`, `key 7` (a bare number reads as a value), or the register
/// of a history without keys.
pub(crate) fn object(key: Option<&str>) -> String {
    match key {
        Some(k) if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => format!("key {k}"),
        Some(k) => k.to_string(),
        None => "the register".into(),
    }
}

/// `C1's write(x, 2)`.
fn named(h: &History, op: &Op) -> String {
    format!("{}'s {}", h.who(op.process), op.label())
}

/// Whether `step` can leave a value that `want` accepts (appends: always, as far as this
/// argument goes).
fn produces(step: &Step, want: &dyn Fn(&Value) -> bool) -> bool {
    match step {
        Step::Write(v) | Step::Cas { new: v, .. } | Step::CasMaybe { new: v, .. } => want(v),
        Step::Put(t) => want(&Value::Str(t.clone())),
        Step::Append(_) => true,
        Step::Read(_) | Step::CasFailed(_) | Step::Get(_) => false,
    }
}

/// The value a completed step certainly left or saw: what it wrote, or what a read returned
/// (not a get, which sees text only).
fn observed(step: &Step) -> Option<Value> {
    match step {
        Step::Write(v) | Step::Cas { new: v, .. } | Step::Read(v) => Some(v.clone()),
        Step::Put(t) => Some(Value::Str(t.clone())),
        _ => None,
    }
}

/// `C1's write(x, 2) had completed at 3.05 s`, `C3's read of x had returned 2 at 3.10 s`.
fn completed(h: &History, w: &Entry) -> String {
    let op = &h.ops[w.op];
    match &w.step {
        Step::Read(v) => {
            let of = match op.key {
                Some(_) => format!(" of {}", object(op.key.as_deref())),
                None => String::new(),
            };
            format!(
                "{}'s read{of} had returned {} at {}",
                h.who(op.process),
                shown(v),
                h.moment(w.ret)
            )
        }
        _ => format!("{} had completed at {}", named(h, op), h.moment(w.ret)),
    }
}

/// The latest operation `w`, completed before `s` began, that wrote or read a value `fits`
/// accepts and such that each operation in `others` precedes `w` or follows `s` in real time:
/// none of them can come between the two.
fn witness<'a>(
    entries: &'a [Entry],
    s: &Entry,
    fits: &dyn Fn(&Value) -> bool,
    others: &[&Entry],
) -> Option<&'a Entry> {
    entries
        .iter()
        .filter(|w| w.ret < s.call && observed(&w.step).is_some_and(|v| fits(&v)))
        .filter(|w| others.iter().all(|p| p.ret < w.call || s.ret < p.call))
        .max_by_key(|w| (w.ret, w.op))
}

/// Why `s`, which saw a value `want` accepts, cannot have seen it: nothing wrote such a value,
/// or a later write of another value hid every one that did.
fn unwritten(
    h: &History,
    entries: &[Entry],
    s: &Entry,
    want: &dyn Fn(&Value) -> bool,
    seen: &Value,
) -> Option<String> {
    let producers: Vec<&Entry> = entries.iter().filter(|e| produces(&e.step, want)).collect();
    if !want(&Value::Nil) {
        if producers.is_empty() {
            return Some(format!("nothing wrote {}", shown(seen)));
        }
        if producers.iter().all(|p| s.ret < p.call) {
            return Some(format!("no write of {} had begun by then", shown(seen)));
        }
    }
    let w = witness(entries, s, &|v| !want(v), &producers)?;
    Some(format!(
        "{} and nothing wrote {} after it",
        completed(h, w),
        shown(seen)
    ))
}

/// Why a cas that found another value than `old` cannot have: `old` was written last.
fn unchanged(
    h: &History,
    entries: &[Entry],
    s: &Entry,
    old: &Value,
    object: &str,
) -> Option<String> {
    let changers: Vec<&Entry> = entries
        .iter()
        .filter(|e| produces(&e.step, &|v| v != old))
        .collect();
    if changers.is_empty() && *old == Value::Nil {
        return Some(format!("nothing ever wrote {object}"));
    }
    let w = witness(entries, s, &|v| v == old, &changers)?;
    Some(format!(
        "{} and nothing changed {object} after it",
        completed(h, w)
    ))
}

/// The sentence for a key whose search got stuck at entry `stuck` after `prefix`.
pub(crate) fn explain(
    h: &History,
    entries: &[Entry],
    prefix: &[usize],
    stuck: usize,
    state: &Value,
) -> String {
    let s = &entries[stuck];
    let op = &h.ops[s.op];
    let who = h.who(op.process);
    let object = object(op.key.as_deref());
    let of = match op.key {
        Some(_) => format!(" of {object}"),
        None => String::new(),
    };
    let when = h.moment(s.ret);
    let (event, reason) = match &s.step {
        Step::Read(v) => (
            format!("{who}'s read{of} returned {} at {when}", shown(v)),
            unwritten(h, entries, s, &|x| x == v, v),
        ),
        Step::Get(t) => {
            let v = Value::Str(t.clone());
            (
                format!("{who}'s get{of} returned {} at {when}", shown(&v)),
                unwritten(h, entries, s, &|x| x.reads_as(t), &v),
            )
        }
        Step::Cas { old, .. } => (
            format!("{} succeeded at {when}", named(h, op)),
            unwritten(h, entries, s, &|x| x == old, old),
        ),
        Step::CasFailed(old) => (
            format!(
                "{} failed at {when} ({object} did not hold {})",
                named(h, op),
                shown(old)
            ),
            unchanged(h, entries, s, old, &object),
        ),
        _ => (format!("{} completed at {when}", named(h, op)), None),
    };
    if let Some(reason) = reason {
        return format!("{event}, but {reason}");
    }
    // The last operation of the prefix that set the value it leaves.
    let mut value = Value::Nil;
    let mut setter = None;
    for &i in prefix {
        if let Next::Set(v) = apply(&entries[i].step, &value) {
            value = v;
            setter = Some(entries[i].op);
        }
    }
    let by = match setter {
        Some(w) => format!("last set by {}", named(h, &h.ops[w])),
        None => "its initial value".into(),
    };
    format!(
        "{event}, but no order of the {} operations on {object} allows it: the longest that fits \
         places {} of them and leaves {object} at {} ({by}), where the {} cannot come next",
        entries.len(),
        prefix.len(),
        shown(state),
        op.call.name()
    )
}

/// The report as `lab lin` prints it: the verdict with its sentence, then per key the evidence.
pub fn describe(report: &Report, h: &History) -> String {
    let mut out = String::new();
    let keys = report.keys.len();
    let _ = writeln!(
        out,
        "{} operations by {} process{} on {keys} key{}",
        h.ops.len(),
        h.processes(),
        if h.processes() == 1 { "" } else { "es" },
        if keys == 1 { "" } else { "s" }
    );
    let _ = writeln!(out, "{}", report.headline());
    let item = |id: OpId| {
        let op = &h.ops[id];
        let span = match &op.completed {
            Some((at, _)) => format!("{} to {}", h.moment(op.invoked), h.moment(*at)),
            None => format!("from {}", h.moment(op.invoked)),
        };
        format!("{} {} ({span})", named(h, op), op.result())
    };
    for k in report
        .keys
        .iter()
        .filter(|k| k.verdict != Verdict::Linearizable)
    {
        let name = object(k.key.as_deref());
        let Some(e) = &k.evidence else {
            let why = match report.verdict {
                Verdict::NotLinearizable => ": the check stopped once another key failed",
                _ => "",
            };
            let _ = writeln!(
                out,
                "  {name}: undecided after {} steps ({} operations){why}",
                k.steps, k.operations
            );
            continue;
        };
        let _ = writeln!(
            out,
            "  {name}: the longest linearizable prefix places {} of {} operations, leaving {}",
            k.order.len(),
            k.operations,
            shown(&e.state)
        );
        if let Some(&last) = k.order.last() {
            let _ = writeln!(out, "    it ends with {}", item(last));
        }
        let _ = writeln!(out, "    cannot be placed next: {}", item(e.stuck));
        for &i in &e.illegal {
            let _ = writeln!(out, "    illegal there: {}", item(i));
        }
    }
    let _ = write!(
        out,
        "searched {} steps of a budget of {}",
        report.steps, report.budget
    );
    out
}
