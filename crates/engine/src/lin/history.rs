//! Client histories: each operation is an invocation and, perhaps, a completion, at moments that
//! order them in real time (Herlihy and Wing, "Linearizability: A Correctness Condition for
//! Concurrent Objects", TOPLAS 1990, §2).

use crate::node::{MS, SECOND};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A value a register holds, a write writes or a read returns. Key-value operations hold text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Nil,
    Int(i64),
    Str(String),
}

impl Value {
    /// What a key-value `get` reads from this value: a key never written reads as "".
    pub fn text(&self) -> String {
        match self {
            Value::Nil => String::new(),
            Value::Int(i) => i.to_string(),
            Value::Str(s) => s.clone(),
        }
    }

    /// Whether a `get` of this value returns `text`: [`Value::text`] without building it.
    pub fn reads_as(&self, text: &str) -> bool {
        match self {
            Value::Nil => text.is_empty(),
            Value::Int(i) => i.to_string() == text,
            Value::Str(s) => s == text,
        }
    }
}

impl fmt::Display for Value {
    /// As Jepsen writes it: `nil`, `3`, `"text"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\t' => f.write_str("\\t")?,
                        '\r' => f.write_str("\\r")?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"")
            }
        }
    }
}

/// What a client asked for: a register's `read`, `write` and `cas`, or a key-value store's
/// `get`, `put` and `append` on text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "f", content = "value")]
pub enum Call {
    Read,
    Write(Value),
    /// Compare-and-set: `(expected, new)`.
    Cas(Value, Value),
    Get,
    Put(String),
    Append(String),
}

impl Call {
    /// Jepsen's name for it (`:read`, `:cas`...), without the colon.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Read => "read",
            Call::Write(_) => "write",
            Call::Cas(..) => "cas",
            Call::Get => "get",
            Call::Put(_) => "put",
            Call::Append(_) => "append",
        }
    }
}

/// How an operation completed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "type", content = "value")]
pub enum Outcome {
    /// It took effect. A read or a get carries what it returned; the other operations carry
    /// [`Value::Nil`].
    Ok(Value),
    /// It definitely did not take effect. A failed cas completed and found another value than
    /// the one it expected, as in the etcd Jepsen runs.
    Fail,
    /// Indeterminate (a time-out, a crash): it may take effect at any moment after its
    /// invocation, or never.
    Info,
}

/// An operation's place in the history; [`History::ops`] is indexed by it.
pub type OpId = usize;

/// One client operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    /// The client (Jepsen's process) that issued it; each has one operation open at a time.
    pub process: u64,
    /// The register or key it is on; `None` for a history of a single register.
    pub key: Option<String>,
    pub call: Call,
    /// When it was invoked, on the history's [`Clock`].
    pub invoked: u64,
    /// When it completed and how; `None` if it never did, which is indeterminate like
    /// [`Outcome::Info`].
    pub completed: Option<(u64, Outcome)>,
}

impl Op {
    /// `write(x, 2)`, `read(x)`, `cas(1, 3)`, `append(k, "v")`, `read`: the call with its key.
    pub fn label(&self) -> String {
        let mut args: Vec<String> = self.key.iter().cloned().collect();
        match &self.call {
            Call::Read | Call::Get => {}
            Call::Write(v) => args.push(v.to_string()),
            Call::Cas(old, new) => args.extend([old.to_string(), new.to_string()]),
            Call::Put(s) | Call::Append(s) => args.push(Value::Str(s.clone()).to_string()),
        }
        if args.is_empty() {
            return self.call.name().into();
        }
        format!("{}({})", self.call.name(), args.join(", "))
    }

    /// How it ended, in a few words: `-> 1`, `ok`, `fail`, `info`, `no reply`.
    pub fn result(&self) -> String {
        match (&self.call, &self.completed) {
            (Call::Read | Call::Get, Some((_, Outcome::Ok(v)))) => format!("-> {v}"),
            (_, Some((_, Outcome::Ok(_)))) => "ok".into(),
            (_, Some((_, Outcome::Fail))) => "fail".into(),
            (_, Some((_, Outcome::Info))) => "info (indeterminate)".into(),
            (_, None) => "no reply (indeterminate)".into(),
        }
    }
}

/// What the moments of a history count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    /// The simulator's virtual microseconds; processes are its clients C1, C2...
    Virtual,
    /// Line numbers of a history file, which is in real-time order; processes are Jepsen's.
    Lines,
}

/// A history of client operations on registers or keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub clock: Clock,
    pub ops: Vec<Op>,
}

impl History {
    pub fn new(clock: Clock) -> History {
        History {
            clock,
            ops: Vec::new(),
        }
    }

    /// Records an invocation; complete it later with [`History::complete`].
    pub fn invoke(&mut self, process: u64, key: Option<&str>, call: Call, at: u64) -> OpId {
        self.ops.push(Op {
            process,
            key: key.map(str::to_string),
            call,
            invoked: at,
            completed: None,
        });
        self.ops.len() - 1
    }

    /// Records how operation `id` completed, at a moment no earlier than its invocation.
    pub fn complete(&mut self, id: OpId, at: u64, outcome: Outcome) {
        if let Some(op) = self.ops.get_mut(id) {
            op.completed = Some((at.max(op.invoked), outcome));
        }
    }

    /// `C2` for the simulator's clients, `process 2` for Jepsen's.
    pub fn who(&self, process: u64) -> String {
        match self.clock {
            Clock::Virtual => format!("C{process}"),
            Clock::Lines => format!("process {process}"),
        }
    }

    /// `3.20 s` on the virtual clock, `line 14` in a file.
    pub fn moment(&self, at: u64) -> String {
        match self.clock {
            Clock::Virtual if at % (10 * MS) == 0 => format!("{:.2} s", at as f64 / 1e6),
            Clock::Virtual if at % MS == 0 => format!("{:.3} s", at as f64 / 1e6),
            Clock::Virtual => format!("{}.{:06} s", at / SECOND, at % SECOND),
            Clock::Lines => format!("line {at}"),
        }
    }

    /// The number of distinct processes, for summaries.
    pub fn processes(&self) -> usize {
        let mut p: Vec<u64> = self.ops.iter().map(|o| o.process).collect();
        p.sort_unstable();
        p.dedup();
        p.len()
    }
}
