//! Links as a front end opens and copies them: a run at the moment the link names, and the link
//! that reopens the moment shown.

use crate::any::AnySim;
use crate::catalog::Settings;
use crate::share::decode_link;
use crate::time::{fmt_time, parse_time};

/// A simulation opened from a link, with the view parameters the front end interprets and
/// what could not be used.
#[derive(Debug)]
pub struct Opened {
    pub sim: AnySim,
    /// `embed`, `autoplay`, `speed`, `view`, ... as written in the link.
    pub view: Vec<(String, String)>,
    /// Warnings for the user: ignored parts of the link, actions that could not be replayed.
    pub notices: Vec<String>,
}

impl Opened {
    /// The value of a view parameter, if the link has it.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.view
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A yes/no view parameter: present and not `0`.
    pub fn flag(&self, key: &str) -> bool {
        self.param(key).is_some_and(|v| v != "0")
    }
}

/// Decodes a link's query string and builds its simulation, positioned where the sender was:
/// at `t=` when given, else at the last recorded action. Never fails: bad settings fall back
/// to Raft's defaults and every problem becomes a notice.
pub fn open_link(query: &str) -> Opened {
    let d = decode_link(query);
    let mut notices = d.warnings;
    let mut sim = match AnySim::replay(d.settings, d.actions) {
        Ok(sim) => sim,
        Err(e) => {
            notices.push(format!("{e}; showing Raft instead"));
            AnySim::new(Settings::default()).expect("default settings are valid")
        }
    };
    let param = |key: &str| d.view.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    // Replay every recorded action first, so none is left out of the run (or of the next
    // link copied from it); then go back to the moment the link names.
    if let Some(last) = sim.history().actions.last().map(|a| a.time) {
        sim.run_until(last);
    }
    match param("t").map(|t| parse_time(t)) {
        Some(Ok(t)) => sim.seek_time(t),
        Some(Err(e)) => notices.push(format!("ignored t: {e}")),
        None => {}
    }
    match param("ev").map(|e| e.parse::<u64>()) {
        Some(Ok(e)) => sim.seek_event(e),
        Some(Err(_)) => notices.push("ignored ev: not an event number".into()),
        None => {}
    }
    notices.extend(sim.skipped());
    Opened {
        sim,
        view: d.view,
        notices,
    }
}

/// The link that reopens this run at this very moment (`t=` and `ev=`), plus the front end's
/// own view keys (`view`, `sel`, `embed`, ...).
pub fn link_here(sim: &AnySim, view: &[(&str, String)]) -> String {
    let mut keys: Vec<(&str, String)> = Vec::new();
    if sim.now() > 0 {
        keys.push(("t", fmt_time(sim.now())));
    }
    if sim.events() > 0 {
        keys.push(("ev", sim.events().to_string()));
    }
    keys.extend(view.iter().cloned());
    let borrowed: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sim.link(&borrowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::MS;

    #[test]
    fn a_link_opens_at_its_moment_and_keeps_view_parameters() {
        let o = open_link("p=raft&seed=3&t=1.5s&embed=1&autoplay=0");
        assert_eq!(o.sim.now(), 1500 * MS);
        assert!(o.flag("embed"));
        assert!(!o.flag("autoplay"));
        assert!(!o.flag("speed"));
        assert_eq!(o.param("t"), Some("1.5s"));
        assert!(o.notices.is_empty(), "{:?}", o.notices);
    }

    #[test]
    fn a_link_with_actions_keeps_them_all_and_opens_at_t() {
        let o = open_link("p=raft&seed=3&a=1.400000.c2");
        assert_eq!(o.sim.now(), 400 * MS);
        assert_eq!(o.sim.history().actions.len(), 1);
        let later = open_link("p=raft&seed=3&a=1.400000.c2&t=2s");
        assert_eq!(later.sim.now(), 2000 * MS);
        let earlier = open_link("p=raft&seed=3&a=1.400000.c2&t=100ms");
        assert_eq!(earlier.sim.now(), 100 * MS);
        assert_eq!(earlier.sim.history().actions.len(), 1, "the crash is kept");
    }

    #[test]
    fn a_link_copied_here_reopens_at_the_same_event_with_view_keys() {
        let mut sim = open_link("p=raft&seed=5&a=1.300000.c2").sim;
        sim.run_until(700 * MS);
        // A few events in: a moment that `t=` alone might not pin down when events share it.
        for _ in 0..3 {
            sim.step();
        }
        let q = link_here(&sim, &[("view", "spacetime".into()), ("sel", "n3".into())]);
        let o = open_link(&q);
        assert!(o.notices.is_empty(), "{:?}", o.notices);
        assert_eq!((o.sim.now(), o.sim.events()), (sim.now(), sim.events()));
        assert_eq!(o.sim.trace_hash(), sim.trace_hash());
        assert_eq!(o.param("view"), Some("spacetime"));
        assert_eq!(o.param("sel"), Some("n3"));
        assert_eq!(o.sim.history().actions, sim.history().actions);
        let fresh = AnySim::new(Settings::default()).unwrap();
        assert!(!link_here(&fresh, &[]).contains("t="), "no moment at 0");
    }

    #[test]
    fn a_bad_link_falls_back_with_notices() {
        let o = open_link("p=nonsense&n=99&t=soon");
        assert_eq!(o.sim.settings().protocol, crate::ProtocolKind::Raft);
        assert!(
            o.notices.iter().any(|n| n.contains("ignored t")),
            "{:?}",
            o.notices
        );
        assert!(o.notices.len() >= 2, "{:?}", o.notices);
    }
}
