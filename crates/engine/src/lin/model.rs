//! The sequential specifications: what one register or one key does when operations reach it one
//! at a time. A register starts at `nil` and serves `read`, `write` and `cas` (Knossos's
//! cas-register); a key of a key-value store starts as "" and serves `get`, `put` and `append`
//! on text (Porcupine's kv model). Both hold a [`Value`], so one key may see both kinds.

use super::history::{Call, Op, Outcome, Value};

/// An operation as the model sees it once its outcome is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// A read that returned this value.
    Read(Value),
    Write(Value),
    /// A cas that succeeded: the value was `old`, and became `new`.
    Cas {
        old: Value,
        new: Value,
    },
    /// A cas that failed: it found a value other than `old` and changed nothing.
    CasFailed(Value),
    /// A cas whose outcome is unknown: it sets `new` if it happens while the value is `old`.
    CasMaybe {
        old: Value,
        new: Value,
    },
    /// A get that returned this text.
    Get(String),
    Put(String),
    Append(String),
}

/// What an operation asks of the model, and whether it may take effect at any moment after its
/// invocation (its completion says nothing). `None` for an operation that constrains nothing: one
/// that failed (it did not happen), or a read whose result is unknown (it changes nothing).
pub(crate) fn step_of(op: &Op) -> Option<(Step, bool)> {
    let outcome = op.completed.as_ref().map(|(_, o)| o);
    let open = matches!(outcome, None | Some(Outcome::Info));
    let step = match (&op.call, outcome) {
        (Call::Read, Some(Outcome::Ok(v))) => Step::Read(v.clone()),
        (Call::Get, Some(Outcome::Ok(v))) => Step::Get(v.text()),
        (Call::Read | Call::Get, _) => return None,
        (Call::Cas(old, _), Some(Outcome::Fail)) => Step::CasFailed(old.clone()),
        (_, Some(Outcome::Fail)) => return None,
        (Call::Write(v), _) => Step::Write(v.clone()),
        (Call::Cas(old, new), Some(Outcome::Ok(_))) => Step::Cas {
            old: old.clone(),
            new: new.clone(),
        },
        (Call::Cas(old, new), _) => Step::CasMaybe {
            old: old.clone(),
            new: new.clone(),
        },
        (Call::Put(s), _) => Step::Put(s.clone()),
        (Call::Append(s), _) => Step::Append(s.clone()),
    };
    Some((step, open))
}

impl Step {
    /// Whether it only looks at the value (a read, a get, a failed cas): then it is cheaper to
    /// compare again than to remember the answer.
    pub(crate) fn looks_only(&self) -> bool {
        matches!(self, Step::Read(_) | Step::CasFailed(_) | Step::Get(_))
    }
}

/// What a step does to a value.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// The step cannot happen while the object holds that value.
    Illegal,
    /// It happens and leaves the value as it was.
    Same,
    /// It happens and sets this value.
    Set(Value),
}

/// What `step` does on `state`.
pub(crate) fn apply(step: &Step, state: &Value) -> Next {
    let holds = |ok: bool| if ok { Next::Same } else { Next::Illegal };
    match step {
        Step::Read(v) => holds(v == state),
        Step::CasFailed(old) => holds(old != state),
        Step::Get(text) => holds(state.reads_as(text)),
        Step::Write(v) => Next::Set(v.clone()),
        Step::Cas { old, new } if old == state => Next::Set(new.clone()),
        Step::Cas { .. } => Next::Illegal,
        Step::CasMaybe { old, new } if old == state => Next::Set(new.clone()),
        Step::CasMaybe { .. } => Next::Same,
        Step::Put(text) => Next::Set(Value::Str(text.clone())),
        Step::Append(text) => Next::Set(Value::Str(state.text() + text)),
    }
}
