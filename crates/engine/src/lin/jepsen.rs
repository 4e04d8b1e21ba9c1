//! Jepsen histories, read in either of the forms Jepsen writes, and written as history maps,
//! the interchange format: `lab run --history` prints it and `lab lin` reads it back.
//!
//! - History maps, one a line: `{:process 0, :type :invoke, :f :read, :value nil}`. Register
//!   operations `:read`, `:write`, `:cas` (value `[old new]`); key-value operations `:get`,
//!   `:put`, `:append` with a `:key`, which register operations may have too. Other keys
//!   (`:index`, `:time`, `:error`...) are ignored, but for a `:timed-out` error.
//! - Jepsen's log lines: `INFO  jepsen.util - 3 :invoke :cas [3 0]`, fields apart by tabs or
//!   spaces, as in the etcd runs Porcupine and Horn's linearizability checker test on. Other
//!   log lines are skipped.
//!
//! The form is told from the first line that holds anything. Semantics as in the etcd runs: a
//! `:fail` cas completed and found another value; a `:fail` read (or get) with `:timed-out`, an
//! `:info`, or an invocation never completed is indeterminate; any other `:fail` did not happen.
//! The nemesis's operations (process `:nemesis`) are not a client's, and are skipped.

use super::edn::{Edn, Reader};
use super::history::{Call, Clock, History, OpId, Outcome, Value};
use std::collections::BTreeMap;
use std::fmt::{self, Write};

/// Why a history could not be read: the line, and what was expected there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

const EXAMPLES: &str = "a history map ({:process 0, :type :invoke, :f :read, :value nil}) or a \
                        Jepsen log line (INFO  jepsen.util - 0 :invoke :read nil)";

#[derive(Clone, Copy, PartialEq)]
enum Type {
    Invoke,
    Ok,
    Fail,
    Info,
}

/// One line's event, whichever form it came in.
struct Event {
    process: u64,
    kind: Type,
    f: String,
    key: Option<String>,
    value: Edn,
    timed_out: bool,
}

/// Reads a Jepsen history. Moments are line numbers: the file is in real-time order.
pub fn parse(text: &str) -> Result<History, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .find(|(_, l)| !l.is_empty() && !l.starts_with(';'));
    let maps = match first {
        Some((_, l)) if l.starts_with('{') => true,
        _ if text.contains("jepsen.util") => false,
        Some((line, l)) => {
            return Err(ParseError {
                line,
                message: format!("expected {EXAMPLES}, found '{}'", clip(l)),
            })
        }
        None => {
            return Err(ParseError {
                line: text.lines().count() + 1,
                message: format!("expected {EXAMPLES}, found the end of the file"),
            })
        }
    };
    let mut builder = Builder {
        history: History::new(Clock::Lines),
        open: BTreeMap::new(),
    };
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let event = if maps { map_line(line) } else { log_line(line) };
        let event = event.map_err(|message| ParseError {
            line: number,
            message,
        })?;
        if let Some(event) = event {
            builder.apply(number, event).map_err(|message| ParseError {
                line: number,
                message,
            })?;
        }
    }
    if builder.history.ops.is_empty() {
        return Err(ParseError {
            line: text.lines().count() + 1,
            message: format!("expected {EXAMPLES}: the file holds no client operation"),
        });
    }
    Ok(builder.history)
}

/// At most 60 characters of a line, for an error message.
fn clip(line: &str) -> String {
    match line.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line.to_string(),
    }
}

/// `{:process 0, :type :invoke, ...}`, or nothing for a blank line, a comment or the nemesis.
fn map_line(line: &str) -> Result<Option<Event>, String> {
    let mut r = Reader::new(line);
    if !r.more() {
        return Ok(None);
    }
    let map = match r.read()? {
        Edn::Map(pairs) => pairs,
        other => {
            return Err(format!(
                "expected a history map {{...}}, found {}",
                other.kind()
            ))
        }
    };
    if r.more() {
        return Err("expected the end of the line after the history map".into());
    }
    let field = |name: &str| {
        map.iter()
            .find(|(k, _)| matches!(k, Edn::Keyword(n) if n == name))
            .map(|(_, v)| v)
    };
    let need = |name: &str| field(name).ok_or_else(|| format!("expected a :{name} in the map"));
    let Some(process) = process(need("process")?)? else {
        return Ok(None);
    };
    let key = match field("key") {
        None => None,
        Some(Edn::Str(s)) => Some(s.clone()),
        Some(Edn::Int(i)) => Some(i.to_string()),
        Some(Edn::Keyword(k)) => Some(k.clone()),
        Some(other) => {
            return Err(format!(
                "expected a :key that is a string, an integer or a keyword, found {}",
                other.kind()
            ))
        }
    };
    let value = field("value").cloned().unwrap_or(Edn::Nil);
    let timed_out = [field("value"), field("error")]
        .into_iter()
        .flatten()
        .any(is_timed_out);
    Ok(Some(Event {
        process,
        kind: kind(need("type")?)?,
        f: keyword(need("f")?, "an operation (:f)")?,
        key,
        value,
        timed_out,
    }))
}

/// `INFO  jepsen.util - 3 :invoke :cas [3 0]`, or nothing for another line of the log.
fn log_line(line: &str) -> Result<Option<Event>, String> {
    let Some(at) = line.find("jepsen.util") else {
        return Ok(None);
    };
    let rest = line[at + "jepsen.util".len()..].trim_start();
    let Some(rest) = rest.strip_prefix('-') else {
        return Ok(None);
    };
    // jepsen.util logs other things too; an operation starts with its process.
    let rest = rest.trim_start();
    if !rest.starts_with(|c: char| c.is_ascii_digit() || c == ':' || c == '-') {
        return Ok(None);
    }
    let mut r = Reader::new(rest);
    let Some(process) = process(&r.read()?)? else {
        return Ok(None);
    };
    let kind = kind(
        &r.read()
            .map_err(|e| format!("expected a type (:invoke, :ok, :fail, :info), {e}"))?,
    )?;
    let f = keyword(
        &r.read()
            .map_err(|e| format!("expected an operation (:read, :write...), {e}"))?,
        "an operation",
    )?;
    let value = if r.more() { r.read()? } else { Edn::Nil };
    // Anything after the value is the error Jepsen logs with some failures.
    let mut timed_out = is_timed_out(&value);
    while r.more() {
        timed_out |= is_timed_out(&r.read()?);
    }
    Ok(Some(Event {
        process,
        kind,
        f,
        key: None,
        value,
        timed_out,
    }))
}

fn is_timed_out(v: &Edn) -> bool {
    matches!(v, Edn::Keyword(k) if k == "timed-out")
}

/// A client's number, or `None` for the nemesis.
fn process(v: &Edn) -> Result<Option<u64>, String> {
    match v {
        Edn::Int(p) => u64::try_from(*p)
            .map(Some)
            .map_err(|_| format!("expected a process number of 0 or more, found {p}")),
        Edn::Keyword(k) if k == "nemesis" => Ok(None),
        other => Err(format!(
            "expected a process number or :nemesis, found {}",
            other.kind()
        )),
    }
}

fn kind(v: &Edn) -> Result<Type, String> {
    match v {
        Edn::Keyword(k) if k == "invoke" => Ok(Type::Invoke),
        Edn::Keyword(k) if k == "ok" => Ok(Type::Ok),
        Edn::Keyword(k) if k == "fail" => Ok(Type::Fail),
        Edn::Keyword(k) if k == "info" => Ok(Type::Info),
        Edn::Keyword(k) => Err(format!(
            "expected a type of :invoke, :ok, :fail or :info, found :{k}"
        )),
        other => Err(format!(
            "expected a type of :invoke, :ok, :fail or :info, found {}",
            other.kind()
        )),
    }
}

fn keyword(v: &Edn, what: &str) -> Result<String, String> {
    match v {
        Edn::Keyword(k) => Ok(k.clone()),
        other => Err(format!(
            "expected {what} as a keyword, found {}",
            other.kind()
        )),
    }
}

/// A register value: nil, an integer or a string.
fn value(v: &Edn, what: &str) -> Result<Value, String> {
    match v {
        Edn::Nil => Ok(Value::Nil),
        Edn::Int(i) => Ok(Value::Int(*i)),
        Edn::Str(s) => Ok(Value::Str(s.clone())),
        other => Err(format!(
            "expected {what} (nil, an integer or a string), found {}",
            other.kind()
        )),
    }
}

/// Pairs each completion with its process's open invocation.
struct Builder {
    history: History,
    open: BTreeMap<u64, (OpId, usize)>,
}

impl Builder {
    fn apply(&mut self, line: usize, e: Event) -> Result<(), String> {
        if e.kind == Type::Invoke {
            if let Some(&(id, at)) = self.open.get(&e.process) {
                return Err(format!(
                    "process {} invokes again while its :{} from line {at} is still open \
                     (expected its completion first)",
                    e.process,
                    self.history.ops[id].call.name()
                ));
            }
            let call = call(&e)?;
            let id = self
                .history
                .invoke(e.process, e.key.as_deref(), call, line as u64);
            self.open.insert(e.process, (id, line));
            return Ok(());
        }
        let Some((id, at)) = self.open.remove(&e.process) else {
            return Err(format!(
                "a completion by process {}, which has no open invocation",
                e.process
            ));
        };
        let op = &self.history.ops[id];
        if op.call.name() != e.f {
            return Err(format!(
                "expected the completion of process {}'s :{} from line {at}, found :{}",
                e.process,
                op.call.name(),
                e.f
            ));
        }
        let reads = matches!(op.call, Call::Read | Call::Get);
        let outcome = match e.kind {
            Type::Ok if reads => Outcome::Ok(value(&e.value, "the value read")?),
            Type::Ok => Outcome::Ok(Value::Nil),
            Type::Fail if reads && e.timed_out => Outcome::Info,
            Type::Fail => Outcome::Fail,
            Type::Info | Type::Invoke => Outcome::Info,
        };
        self.history.complete(id, line as u64, outcome);
        Ok(())
    }
}

/// What an invocation asks for.
fn call(e: &Event) -> Result<Call, String> {
    let keyed = |c: Call| match e.key {
        Some(_) => Ok(c),
        None => Err(format!(
            "expected a :key for :{} (a key-value operation; Jepsen's log lines carry no key, \
             history maps do)",
            e.f
        )),
    };
    let text = |what: &str| match &e.value {
        Edn::Str(s) => Ok(s.clone()),
        other => Err(format!(
            "expected {what} as a string, found {}",
            other.kind()
        )),
    };
    match e.f.as_str() {
        "read" => Ok(Call::Read),
        "write" => Ok(Call::Write(value(&e.value, "the value written")?)),
        "cas" => match &e.value {
            Edn::Vector(pair) if pair.len() == 2 => Ok(Call::Cas(
                value(&pair[0], "the value expected")?,
                value(&pair[1], "the new value")?,
            )),
            other => Err(format!(
                "expected [old new] for :cas, found {}",
                other.kind()
            )),
        },
        "get" => keyed(Call::Get),
        "put" => keyed(Call::Put(text("the value put")?)),
        "append" => keyed(Call::Append(text("the text appended")?)),
        other => Err(format!(
            "unknown operation :{other} (expected :read, :write, :cas, :get, :put or :append)"
        )),
    }
}

/// The history as Jepsen history maps, one event a line in real-time order: what [`parse`]
/// reads back. On the virtual clock each line has Jepsen's `:time` in nanoseconds. Invocations
/// come before completions at the same moment (they are concurrent), but a process's completion
/// comes before its own next invocation.
pub fn to_jepsen(h: &History) -> String {
    let mut events: Vec<(u64, bool, OpId)> = Vec::new();
    for (id, op) in h.ops.iter().enumerate() {
        events.push((op.invoked, false, id));
        if let Some((at, _)) = &op.completed {
            events.push((*at, true, id));
        }
    }
    events.sort_unstable();
    let mut out = String::new();
    let mut open: BTreeMap<u64, (OpId, u64)> = BTreeMap::new();
    let mut written = vec![false; h.ops.len()];
    for (at, completes, id) in events {
        let op = &h.ops[id];
        if completes {
            if !written[id] {
                line(&mut out, h, id, at);
            }
            if open.get(&op.process).is_some_and(|&(o, _)| o == id) {
                open.remove(&op.process);
            }
            continue;
        }
        if let Some(&(prev, done)) = open.get(&op.process) {
            if done == at && !written[prev] {
                written[prev] = true;
                line(&mut out, h, prev, at);
            }
        }
        line_invoke(&mut out, h, id);
        match op.completed {
            Some((done, _)) => open.insert(op.process, (id, done)),
            None => open.remove(&op.process),
        };
    }
    out
}

fn args(h: &History, id: OpId) -> (String, String) {
    let op = &h.ops[id];
    let key = op
        .key
        .as_ref()
        .map(|k| format!(", :key {}", Value::Str(k.clone())))
        .unwrap_or_default();
    let value = match &op.call {
        Call::Read | Call::Get => "nil".to_string(),
        Call::Write(v) => v.to_string(),
        Call::Cas(old, new) => format!("[{old} {new}]"),
        Call::Put(s) | Call::Append(s) => Value::Str(s.clone()).to_string(),
    };
    (key, value)
}

fn time(h: &History, at: u64) -> String {
    match h.clock {
        Clock::Virtual => format!(", :time {}", at.saturating_mul(1000)),
        Clock::Lines => String::new(),
    }
}

fn line_invoke(out: &mut String, h: &History, id: OpId) {
    let op = &h.ops[id];
    let (key, value) = args(h, id);
    let _ = writeln!(
        out,
        "{{:process {}, :type :invoke, :f :{}{key}, :value {value}{}}}",
        op.process,
        op.call.name(),
        time(h, op.invoked)
    );
}

fn line(out: &mut String, h: &History, id: OpId, at: u64) {
    let op = &h.ops[id];
    let (key, mut value) = args(h, id);
    let kind = match &op.completed {
        Some((_, Outcome::Ok(v))) => {
            if matches!(op.call, Call::Read | Call::Get) {
                value = v.to_string();
            }
            "ok"
        }
        Some((_, Outcome::Fail)) => "fail",
        _ => "info",
    };
    let _ = writeln!(
        out,
        "{{:process {}, :type :{kind}, :f :{}{key}, :value {value}{}}}",
        op.process,
        op.call.name(),
        time(h, at)
    );
}
