//! A link's view parameters, typed: what the page shows and how, apart from the run itself.
//! Reading never fails: a value that cannot be used is a warning, and the default holds.

use super::embed::{Theme, THEME_VALUES};
use super::pace::Speed;
use crate::node::{NodeId, Time, SECOND};
use crate::sim::history::MsgId;
use crate::time::parse_time;
use crate::tour::compare_words;

/// What the inspector shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    #[default]
    None,
    Node(NodeId),
    Message(MsgId),
}

impl Selection {
    /// As a link writes it: `n3` for S3, `m17` for message 17.
    pub fn word(self) -> Option<String> {
        match self {
            Selection::None => None,
            Selection::Node(n) => Some(format!("n{}", n.0)),
            Selection::Message(m) => Some(format!("m{m}")),
        }
    }

    /// The inverse of [`Selection::word`], for a cluster of `nodes` nodes.
    fn parse(v: &str, nodes: usize) -> Option<Selection> {
        if let Some(n) = v.strip_prefix('n') {
            let n = n.parse::<u8>().ok()?;
            return (n >= 1 && usize::from(n) <= nodes).then_some(Selection::Node(NodeId(n)));
        }
        v.strip_prefix('m')?.parse().ok().map(Selection::Message)
    }
}

/// `loop=1` restarts after this much virtual time if the run has not ended before.
pub const LOOP_DEFAULT: Time = 30 * SECOND;

/// The view parameters of a lab link (`share::decode_link` passes them through untouched).
#[derive(Clone, Debug, PartialEq)]
pub struct ViewParams {
    /// `sel=n3` or `sel=m17`.
    pub selected: Selection,
    /// `speed=smart` or `speed=0`..`8`; absent, the page keeps the speed it had.
    pub speed: Option<Speed>,
    /// `view=spacetime` (or `cluster`, the default).
    pub spacetime: bool,
    /// `embed=1`: the compact view.
    pub embed: bool,
    /// `big=1`: the presenter view.
    pub big: bool,
    /// `controls=0` hides the embed's controls.
    pub controls: bool,
    /// `loop=1` or `loop=20s`: start again at 0 at this virtual time, or when nothing is left.
    pub loop_at: Option<Time>,
    /// `autoplay=1`.
    pub autoplay: bool,
    /// `tour=ID`.
    pub tour: Option<String>,
    /// `ch=` as written: only the tour can tell whether the chapter exists.
    pub chapter: Option<String>,
    /// `cmp=`, in setting words (`bug=raft-commit-old-term`).
    pub compare: Option<String>,
}

fn get<'a>(view: &'a [(String, String)], key: &str) -> Option<&'a str> {
    view.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A yes/no parameter: present and not `0`.
fn flag(view: &[(String, String)], key: &str) -> bool {
    get(view, key).is_some_and(|v| v != "0")
}

impl ViewParams {
    /// Reads the view keys of a link to a cluster of `nodes` nodes.
    pub fn parse(view: &[(String, String)], nodes: usize, warnings: &mut Vec<String>) -> Self {
        let mut ignored =
            |k: &str, v: &str, why: String| warnings.push(format!("ignored {k}={v}: {why}"));
        let selected = match get(view, "sel") {
            None => Selection::None,
            Some(v) => Selection::parse(v, nodes).unwrap_or_else(|| {
                ignored(
                    "sel",
                    v,
                    format!("a node is written n1 to n{nodes}, a message m17"),
                );
                Selection::None
            }),
        };
        let speed = get(view, "speed").and_then(|v| {
            let s = Speed::parse(v);
            if s.is_none() {
                ignored(
                    "speed",
                    v,
                    format!("smart or 0..{}", super::pace::SPEEDS.len() - 1),
                );
            }
            s
        });
        let spacetime = match get(view, "view") {
            None | Some("cluster") => false,
            Some("spacetime") => true,
            Some(v) => {
                ignored("view", v, "cluster or spacetime".into());
                false
            }
        };
        let loop_at = match get(view, "loop") {
            None | Some("0") => None,
            Some("1") => Some(LOOP_DEFAULT),
            Some(v) => match parse_time(v) {
                Ok(t) if t > 0 => Some(t),
                _ => {
                    ignored("loop", v, "1 or a time such as 20s".into());
                    None
                }
            },
        };
        // The page's colours are set before it mounts (`Theme::of_query`); here a bad value is
        // reported.
        if let Some(v) = get(view, "theme").filter(|v| Theme::parse(v).is_none()) {
            ignored("theme", v, THEME_VALUES.into());
        }
        let tour = get(view, "tour").map(str::to_string);
        let chapter = match (get(view, "ch"), &tour) {
            (Some(ch), None) => {
                ignored("ch", ch, "it needs a tour (tour=ID)".into());
                None
            }
            (ch, _) => ch.map(str::to_string),
        };
        ViewParams {
            selected,
            speed,
            spacetime,
            embed: flag(view, "embed"),
            big: flag(view, "big"),
            controls: get(view, "controls") != Some("0"),
            loop_at,
            autoplay: flag(view, "autoplay"),
            tour,
            chapter,
            compare: get(view, "cmp").map(compare_words),
        }
    }
}

/// The view parameters of a ring page link (`share::decode_ring_link` passes them through).
#[derive(Clone, Debug, PartialEq)]
pub struct RingViewParams {
    /// `embed=1`: the compact view.
    pub embed: bool,
    /// `sel=k17`: the selected key.
    pub selected: Option<u64>,
    /// `tour=ID`.
    pub tour: Option<String>,
    /// `ch=` as written (with a tour, a chapter; see `share::decode_ring_link`).
    pub chapter: Option<String>,
}

impl RingViewParams {
    /// Reads the view keys of a ring page link with `keys` keys.
    pub fn parse(view: &[(String, String)], keys: u32, warnings: &mut Vec<String>) -> Self {
        let selected = get(view, "sel").and_then(|v| {
            match v.strip_prefix('k').and_then(|k| k.parse::<u64>().ok()) {
                Some(k) if k < u64::from(keys) => Some(k),
                _ => {
                    warnings.push(format!(
                        "ignored sel={v}: a key is written k0 to k{}",
                        keys.saturating_sub(1)
                    ));
                    None
                }
            }
        });
        if let Some(v) = get(view, "theme").filter(|v| Theme::parse(v).is_none()) {
            warnings.push(format!("ignored theme={v}: {THEME_VALUES}"));
        }
        RingViewParams {
            embed: flag(view, "embed"),
            selected,
            tour: get(view, "tour").map(str::to_string),
            chapter: get(view, "ch").map(str::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(q: &[(&str, &str)], nodes: usize) -> (ViewParams, Vec<String>) {
        let view: Vec<(String, String)> = q
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut warnings = Vec::new();
        (ViewParams::parse(&view, nodes, &mut warnings), warnings)
    }

    #[test]
    fn no_parameters_mean_the_defaults() {
        let (p, w) = read(&[], 5);
        assert!(w.is_empty());
        assert_eq!(
            p,
            ViewParams {
                selected: Selection::None,
                speed: None,
                spacetime: false,
                embed: false,
                big: false,
                controls: true,
                loop_at: None,
                autoplay: false,
                tour: None,
                chapter: None,
                compare: None,
            }
        );
    }

    #[test]
    fn good_values_are_read_as_written() {
        let (p, w) = read(
            &[
                ("sel", "n5"),
                ("speed", "7"),
                ("view", "spacetime"),
                ("embed", "1"),
                ("big", "1"),
                ("controls", "0"),
                ("loop", "20s"),
                ("autoplay", "1"),
                ("tour", "raft-election"),
                ("ch", "2"),
                ("cmp", "bug:raft-commit-old-term,prevote:on"),
                ("theme", "dark"),
            ],
            5,
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(p.selected, Selection::Node(NodeId(5)));
        assert_eq!(p.speed, Some(Speed::Fixed(7)));
        assert!(p.spacetime && p.embed && p.big && p.autoplay && !p.controls);
        assert_eq!(p.loop_at, Some(20 * SECOND));
        assert_eq!(p.tour.as_deref(), Some("raft-election"));
        assert_eq!(p.chapter.as_deref(), Some("2"));
        assert_eq!(
            p.compare.as_deref(),
            Some("bug=raft-commit-old-term prevote=on")
        );
        assert_eq!(
            read(&[("sel", "m17")], 5).0.selected,
            Selection::Message(17)
        );
        assert_eq!(read(&[("loop", "1")], 5).0.loop_at, Some(LOOP_DEFAULT));
        assert_eq!(read(&[("loop", "0")], 5).0.loop_at, None);
        assert_eq!(read(&[("speed", "smart")], 5).0.speed, Some(Speed::Smart));
    }

    #[test]
    fn bad_values_are_ignored_with_a_warning_each() {
        let (p, w) = read(
            &[
                ("sel", "n6"),
                ("speed", "fast"),
                ("view", "3d"),
                ("loop", "soon"),
                ("ch", "2"),
                ("theme", "blue"),
            ],
            5,
        );
        assert_eq!(
            w,
            [
                "ignored sel=n6: a node is written n1 to n5, a message m17",
                "ignored speed=fast: smart or 0..8",
                "ignored view=3d: cluster or spacetime",
                "ignored loop=soon: 1 or a time such as 20s",
                "ignored theme=blue: light, dark or auto",
                "ignored ch=2: it needs a tour (tour=ID)",
            ]
        );
        assert_eq!(p, read(&[], 5).0);
        assert_eq!(read(&[("loop", "0s")], 5).1.len(), 1, "a loop of no time");
        assert_eq!(read(&[("sel", "n0")], 5).1.len(), 1);
        assert_eq!(read(&[("sel", "mx")], 5).1.len(), 1);
    }

    #[test]
    fn ring_parameters_bound_the_key_selected() {
        let view = |sel: &str| vec![("sel".to_string(), sel.to_string())];
        let mut w = Vec::new();
        assert_eq!(
            RingViewParams::parse(&view("k59"), 60, &mut w).selected,
            Some(59)
        );
        assert!(w.is_empty());
        assert_eq!(
            RingViewParams::parse(&view("k60"), 60, &mut w).selected,
            None
        );
        assert_eq!(w, ["ignored sel=k60: a key is written k0 to k59"]);
        w.clear();
        let theme = |t: &str| vec![("theme".to_string(), t.to_string())];
        RingViewParams::parse(&theme("dark"), 60, &mut w);
        assert!(w.is_empty());
        RingViewParams::parse(&theme("sepia"), 60, &mut w);
        assert_eq!(w, ["ignored theme=sepia: light, dark or auto"]);
    }
}
