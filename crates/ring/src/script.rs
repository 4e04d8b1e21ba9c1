//! The ring page's lines in the script language (the engine's `script` module), for tours told
//! on the ring page (`# ring: n=4 vn=1 keys=40 r=3 seed=1`): commands change the page's
//! [`Params`] in order, expectations check what its [`Scene`] shows, `print ring` writes the
//! counts.
//!
//! ```text
//! ring add                      (the next id joins)
//! ring remove 3
//! ring set vn=16 keys=80        (link words, as the page's header sets them)
//! ring select k7                (the key whose preference list the page draws)
//! expect moved <= 30%           (keys that changed owner with the last change; or a count)
//! expect mod-moved >= 60%       (the same keys placed with hash mod N)
//! expect arcs = 1               (arcs that changed owner)
//! expect load max/mean <= 1.5   (min, mean, max or max/mean; mod-load for hash mod N)
//! expect moved to S5            (every moved key went to S5; `from S3`: came from S3)
//! expect replicas k7 = S3 S1 S4 (the key's preference list, owner first)
//! print ring
//! ```

use super::page::{Change, Params, Scene};
use super::{Load, RingNode};
use std::fmt::Write;

/// Where a ring tour stands: the page's parameters and the key it points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RingView {
    pub params: Params,
    pub selected: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rel {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Rel {
    fn parse(s: Option<&str>) -> Result<Rel, String> {
        Ok(match s {
            Some("<") => Rel::Lt,
            Some("<=") => Rel::Le,
            Some("=" | "==") => Rel::Eq,
            Some(">=") => Rel::Ge,
            Some(">") => Rel::Gt,
            other => return Err(format!("expected <, <=, =, >= or >, got {other:?}")),
        })
    }

    fn holds(self, have: f64, want: f64) -> bool {
        match self {
            Rel::Lt => have < want,
            Rel::Le => have <= want,
            // Values compared for equality are counts, or figures written to two decimals.
            Rel::Eq => (have - want).abs() < 0.005,
            Rel::Ge => have >= want,
            Rel::Gt => have > want,
        }
    }
}

/// A count the scene shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    Moved,
    ModMoved,
    Arcs,
}

/// A figure of a load line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    Min,
    Mean,
    Max,
    Spread,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RingExpect {
    /// A count, or with `percent` a share of the keys in percent.
    Count {
        what: Count,
        rel: Rel,
        value: f64,
        percent: bool,
    },
    Load {
        modulo: bool,
        stat: Stat,
        rel: Rel,
        value: f64,
    },
    MovedTo(RingNode),
    MovedFrom(RingNode),
    Replicas(u64, Vec<RingNode>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum RingCommand {
    Add,
    Remove(RingNode),
    Set(Vec<(String, String)>),
    Select(u64),
    Expect(RingExpect),
    Print,
}

fn node(s: Option<&str>) -> Result<RingNode, String> {
    let s = s.ok_or("needs a node like S3")?;
    s.trim_start_matches('S')
        .parse()
        .map_err(|_| format!("'{s}' is not a node like S3"))
}

fn key(s: Option<&str>) -> Result<u64, String> {
    let s = s.ok_or("needs a key like k7")?;
    s.strip_prefix('k')
        .and_then(|k| k.parse().ok())
        .ok_or_else(|| format!("'{s}' is not a key like k7"))
}

/// Reads what follows `ring` on a line: `add`, `remove 3`, `set vn=16`, `select k7`.
pub fn parse(text: &str) -> Result<RingCommand, String> {
    let mut w = text.split_whitespace();
    let c = match w.next() {
        Some("add") => RingCommand::Add,
        Some("remove") => RingCommand::Remove(node(w.next())?),
        Some("select") => RingCommand::Select(key(w.next())?),
        Some("set") => {
            let words = w
                .by_ref()
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) if Params::canonical(k).is_some() => {
                        Ok((k.to_string(), v.to_string()))
                    }
                    _ => Err(format!("'{kv}' is not a ring word like vn=16")),
                })
                .collect::<Result<Vec<_>, String>>()?;
            if words.is_empty() {
                return Err("ring set needs words like vn=16".into());
            }
            RingCommand::Set(words)
        }
        other => {
            return Err(format!(
                "ring what? {other:?} (add, remove N, set word=value, select kN)"
            ))
        }
    };
    if w.next().is_some() {
        return Err(format!("too many words in 'ring {text}'"));
    }
    Ok(c)
}

/// Reads what follows `expect` on a ring line: `moved <= 30%`, `load max/mean <= 1.5`...
pub fn parse_expect(text: &str) -> Result<RingExpect, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut w = words.iter().copied();
    let first = w.next().ok_or("expect what?")?;
    let number = |s: Option<&str>| -> Result<(f64, bool), String> {
        let s = s.ok_or("needs a number")?;
        let (n, percent) = match s.strip_suffix('%') {
            Some(n) => (n, true),
            None => (s, false),
        };
        match n.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok((v, percent)),
            _ => Err(format!("'{s}' is not a number")),
        }
    };
    let e = match first {
        "moved" | "mod-moved" | "arcs" => {
            let what = match first {
                "moved" => Count::Moved,
                "mod-moved" => Count::ModMoved,
                _ => Count::Arcs,
            };
            match words.get(1) {
                Some(&"to") if what == Count::Moved => {
                    w.next();
                    RingExpect::MovedTo(node(w.next())?)
                }
                Some(&"from") if what == Count::Moved => {
                    w.next();
                    RingExpect::MovedFrom(node(w.next())?)
                }
                _ => {
                    let rel = Rel::parse(w.next())?;
                    let (value, percent) = number(w.next())?;
                    if percent && what == Count::Arcs {
                        return Err("arcs are counted, not a percentage".into());
                    }
                    RingExpect::Count {
                        what,
                        rel,
                        value,
                        percent,
                    }
                }
            }
        }
        "load" | "mod-load" => {
            let stat = match w.next() {
                Some("min") => Stat::Min,
                Some("mean") => Stat::Mean,
                Some("max") => Stat::Max,
                Some("max/mean") => Stat::Spread,
                other => return Err(format!("load what? {other:?} (min, mean, max, max/mean)")),
            };
            let rel = Rel::parse(w.next())?;
            let (value, percent) = number(w.next())?;
            if percent {
                return Err("a load is a number of keys or a ratio, not a percentage".into());
            }
            RingExpect::Load {
                modulo: first == "mod-load",
                stat,
                rel,
                value,
            }
        }
        "replicas" => {
            let k = key(w.next())?;
            if w.next() != Some("=") {
                return Err("write replicas kN = S1 S2 ...".into());
            }
            let list = w
                .by_ref()
                .map(Some)
                .map(node)
                .collect::<Result<Vec<_>, _>>()?;
            if list.is_empty() {
                return Err("write replicas kN = S1 S2 ...".into());
            }
            RingExpect::Replicas(k, list)
        }
        other => return Err(format!("unknown ring expectation '{other}'")),
    };
    if let Some(extra) = w.next() {
        return Err(format!("unexpected '{extra}'"));
    }
    Ok(e)
}

/// Whether `first` starts an expectation about the ring (so `expect` lines can be told apart).
pub fn is_expectation(first: &str) -> bool {
    matches!(
        first,
        "moved" | "mod-moved" | "arcs" | "load" | "mod-load" | "replicas"
    )
}

fn stat(l: &Load, s: Stat) -> f64 {
    match s {
        Stat::Min => l.min as f64,
        Stat::Mean => l.mean,
        Stat::Max => l.max as f64,
        Stat::Spread => l.spread,
    }
}

fn pct(part: u64, whole: usize) -> f64 {
    100.0 * part as f64 / whole.max(1) as f64
}

fn names(nodes: impl IntoIterator<Item = RingNode>) -> String {
    nodes
        .into_iter()
        .map(|n| format!("S{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn check(s: &Scene, e: &RingExpect) -> Result<(), String> {
    let keys = s.keys.len();
    match e {
        RingExpect::Count {
            what,
            rel,
            value,
            percent,
        } => {
            let (name, n) = match what {
                Count::Moved => ("moved", s.moved),
                Count::ModMoved => ("mod-moved", s.mod_moved),
                Count::Arcs => ("arcs", s.changed.len() as u64),
            };
            let have = if *percent { pct(n, keys) } else { n as f64 };
            if !rel.holds(have, *value) {
                return Err(match what {
                    Count::Arcs => format!("{name} is {n}"),
                    _ => format!("{name} is {n} of {keys} keys ({:.1}%)", pct(n, keys)),
                });
            }
        }
        RingExpect::Load {
            modulo,
            stat: st,
            rel,
            value,
        } => {
            let l = if *modulo { &s.mod_load } else { &s.load };
            let have = stat(l, *st);
            if !rel.holds(have, *value) {
                return Err(format!(
                    "the load is min {} mean {:.2} max {} (max/mean {:.2})",
                    l.min, l.mean, l.max, l.spread
                ));
            }
        }
        RingExpect::MovedTo(n) => {
            if let Some(k) = s.keys.iter().find(|k| k.moved() && k.owner != *n) {
                return Err(format!("key {} moved to S{}", k.key, k.owner));
            }
        }
        RingExpect::MovedFrom(n) => {
            if let Some(k) = s.keys.iter().find(|k| k.moved() && k.was != *n) {
                return Err(format!("key {} moved from S{}", k.key, k.was));
            }
        }
        RingExpect::Replicas(k, want) => {
            let key = s
                .keys
                .get(*k as usize)
                .ok_or_else(|| format!("there is no key {k}"))?;
            let have: Vec<RingNode> = key.replicas.iter().map(|r| r.node).collect();
            if &have != want {
                return Err(format!("key {k}'s replicas are {}", names(have)));
            }
        }
    }
    Ok(())
}

/// What `print ring` writes: the last change and what moved, the load, each node's keys, and
/// the selected key's preference list.
pub fn describe(view: &RingView, s: &Scene) -> String {
    let keys = s.keys.len();
    let mut out = match s.change {
        None => "no change yet".to_string(),
        Some(c) => {
            let what = match c {
                Change::Add(n) => format!("S{n} joined"),
                Change::Remove(n) => format!("S{n} left"),
            };
            format!(
                "{what}: {} of {keys} keys moved ({:.0}%) on {} ({:.1}% of the circle); \
                 hash mod N moved {} ({:.0}%)",
                s.moved,
                pct(s.moved, keys),
                match s.changed.len() {
                    1 => "1 arc".to_string(),
                    n => format!("{n} arcs"),
                },
                s.changed_share * 100.0,
                s.mod_moved,
                pct(s.mod_moved, keys)
            )
        }
    };
    let load = |l: &Load| {
        format!(
            "min {} mean {:.1} max {} (max/mean {:.2})",
            l.min, l.mean, l.max, l.spread
        )
    };
    let _ = write!(
        out,
        "\nload: {}; hash mod N: {}\nkeys:",
        load(&s.load),
        load(&s.mod_load)
    );
    for m in &s.members {
        let _ = write!(out, " S{} {}", m.node, m.owns);
    }
    if let Some(k) = view.selected.and_then(|k| s.keys.get(k as usize)) {
        let _ = write!(
            out,
            "\nkey {}: {}",
            k.key,
            names(k.replicas.iter().map(|r| r.node))
        );
    }
    out
}

/// Runs one ring command on the view; returns what it prints.
pub fn run(view: &mut RingView, c: &RingCommand) -> Result<String, String> {
    let p = &view.params;
    match c {
        RingCommand::Add => view.params = p.then(Change::Add(p.next_id()))?,
        RingCommand::Remove(n) => view.params = p.then(Change::Remove(*n))?,
        RingCommand::Set(words) => {
            let mut next = p.clone();
            for (w, v) in words {
                next = next.with(w, v)?;
            }
            view.params = next;
            if view
                .selected
                .is_some_and(|k| k >= u64::from(view.params.keys))
            {
                view.selected = None;
            }
        }
        RingCommand::Select(k) => {
            if *k >= u64::from(p.keys) {
                return Err(format!("there are keys k0 to k{}", p.keys - 1));
            }
            view.selected = Some(*k);
        }
        RingCommand::Expect(e) => check(&Scene::new(p)?, e)?,
        RingCommand::Print => return Ok(describe(view, &Scene::new(p)?)),
    }
    Ok(String::new())
}

/// The starting view of a `# ring:` header's words (`n=4 vn=1 keys=40 r=3 seed=1`).
pub fn parse_header(words: &str) -> Result<RingView, String> {
    let mut params = Params::default();
    for kv in words.split_whitespace() {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("'{kv}' is not word=value"))?;
        params.set(k, v)?;
    }
    params.check()?;
    Ok(RingView {
        params,
        selected: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> RingView {
        parse_header("n=4 vn=1 keys=40 r=3 seed=1").unwrap()
    }

    #[test]
    fn commands_change_the_params_in_order() {
        let mut v = view();
        run(&mut v, &parse("add").unwrap()).unwrap();
        assert_eq!(v.params.changes, vec![Change::Add(5)]);
        run(&mut v, &parse("remove S2").unwrap()).unwrap();
        assert_eq!(v.params.changes, vec![Change::Add(5), Change::Remove(2)]);
        run(&mut v, &parse("set vn=16").unwrap()).unwrap();
        assert_eq!((v.params.vnodes, v.params.changes.len()), (16, 2));
        run(&mut v, &parse("select k7").unwrap()).unwrap();
        assert_eq!(v.selected, Some(7));
        assert!(run(&mut v, &parse("select k40").unwrap()).is_err());
        assert!(run(&mut v, &parse("remove 9").unwrap()).is_err());
    }

    #[test]
    fn expectations_check_the_scene_and_say_what_it_shows() {
        let mut v = view();
        run(&mut v, &RingCommand::Add).unwrap();
        let s = Scene::new(&v.params).unwrap();
        let holds = |t: &str| {
            run(
                &mut v.clone(),
                &RingCommand::Expect(parse_expect(t).unwrap()),
            )
        };
        holds(&format!("moved = {}", s.moved)).unwrap();
        holds("arcs = 1").unwrap();
        holds("moved to S5").unwrap();
        let e = holds("moved from S5").unwrap_err();
        assert!(e.contains("moved from S"), "{e}");
        let e = holds(&format!("moved < {}", s.moved)).unwrap_err();
        assert!(
            e.starts_with(&format!("moved is {} of 40 keys", s.moved)),
            "{e}"
        );
        let list = names(s.keys[3].replicas.iter().map(|r| r.node));
        holds(&format!("replicas k3 = {list}")).unwrap();
        assert!(holds("replicas k3 = S9")
            .unwrap_err()
            .contains("replicas are"));
        holds(&format!("load max/mean = {:.2}", s.load.spread)).unwrap();
        holds("load max/mean >= 1").unwrap();
    }

    #[test]
    fn malformed_lines_say_what_is_wrong() {
        for (text, want) in [
            ("grow", "ring what?"),
            ("remove", "needs a node"),
            ("set vn", "not a ring word"),
            ("set colour=red", "not a ring word"),
            ("select 7", "not a key"),
            ("add 3", "too many words"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
        for (text, want) in [
            ("moved about 30%", "expected <"),
            ("arcs = 10%", "counted"),
            ("load median <= 2", "load what?"),
            ("replicas k1 S1", "replicas kN ="),
            ("moved <= lots", "not a number"),
            ("moved <= 3 keys", "unexpected"),
        ] {
            let e = parse_expect(text).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
        assert!(parse_header("n=40").is_err());
        assert!(parse_header("n=4 r").is_err());
    }
}
