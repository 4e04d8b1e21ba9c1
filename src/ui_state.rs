//! Small pieces of UI state shared by the app and its components: what is selected, how fast
//! time runs, how the event log is filtered, and a cheap-to-compare handle for big props.

use lab_engine::sim::history::MsgId;
use lab_engine::NodeId;
use std::ops::Deref;
use std::rc::Rc;

/// What the inspector shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    None,
    Node(NodeId),
    Message(MsgId),
}

/// Fixed playback speeds: virtual time per real time. Links name one by its index here
/// (`speed=6`).
pub const SPEEDS: [(f64, &str); 9] = [
    (0.01, "1/100×"),
    (0.02, "1/50×"),
    (0.05, "1/20×"),
    (0.1, "1/10×"),
    (0.25, "1/4×"),
    (0.5, "1/2×"),
    (1.0, "1×"),
    (4.0, "4×"),
    (20.0, "20×"),
];

/// How fast virtual time runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Speed {
    /// Slow while messages fly (each flight lasts about a second), fast through idle time
    /// (`lab_engine::session::smart_advance`).
    #[default]
    Smart,
    /// One of [`SPEEDS`].
    Fixed(usize),
}

impl Speed {
    /// From a link's or a menu's value: `smart` or an index into [`SPEEDS`].
    pub fn parse(v: &str) -> Option<Speed> {
        match v {
            "smart" => Some(Speed::Smart),
            _ => v
                .parse::<usize>()
                .ok()
                .filter(|&i| i < SPEEDS.len())
                .map(Speed::Fixed),
        }
    }

    /// The inverse of [`Speed::parse`].
    pub fn value(self) -> String {
        match self {
            Speed::Smart => "smart".into(),
            Speed::Fixed(i) => i.to_string(),
        }
    }
}

/// The event log's filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogFilter {
    pub node: Option<NodeId>,
    pub category: Option<String>,
}

/// A big prop (a snapshot, the event log) compared by identity: the app hands out a new one
/// only when the content changed, so a component whose data did not change skips its render
/// without comparing thousands of lines every frame.
#[derive(Debug)]
pub struct Shared<T>(Rc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared(Rc::new(value))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Keeps the last value built for a key, so an unchanged key gives the same [`Shared`].
#[derive(Debug)]
pub struct Memo<K, T> {
    last: Option<(K, Shared<T>)>,
}

impl<K, T> Default for Memo<K, T> {
    fn default() -> Self {
        Memo { last: None }
    }
}

impl<K: PartialEq, T> Memo<K, T> {
    pub fn get(&mut self, key: K, build: impl FnOnce() -> T) -> Shared<T> {
        match &self.last {
            Some((k, v)) if *k == key => v.clone(),
            _ => {
                let v = Shared::new(build());
                self.last = Some((key, v.clone()));
                v
            }
        }
    }
}

impl<K: PartialEq, T: PartialEq> Memo<K, T> {
    /// Like [`Memo::get`], but a rebuilt value equal to the last one keeps the last one's
    /// identity: a component drawing it skips its render when only the key moved on (the
    /// state table is rebuilt at each event, and most events change nothing in it).
    pub fn get_same(&mut self, key: K, build: impl FnOnce() -> T) -> Shared<T> {
        match &mut self.last {
            Some((k, v)) if *k == key => v.clone(),
            Some((k, v)) => {
                let next = build();
                if **v != next {
                    *v = Shared::new(next);
                }
                *k = key;
                v.clone()
            }
            None => self.get(key, build),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_read_back_what_they_write() {
        for s in [Speed::Smart, Speed::Fixed(0), Speed::Fixed(8)] {
            assert_eq!(Speed::parse(&s.value()), Some(s));
        }
        assert_eq!(Speed::parse("9"), None);
        assert_eq!(Speed::parse("fast"), None);
    }

    #[test]
    fn a_memo_rebuilds_only_for_a_new_key() {
        let mut m = Memo::default();
        let a = m.get(1, || vec![1]);
        let b = m.get(1, || vec![2]);
        assert_eq!(a, b);
        assert_eq!(*b, vec![1]);
        let c = m.get(2, || vec![1]);
        assert_ne!(a, c, "equal content, new identity");
    }

    #[test]
    fn an_equal_rebuild_keeps_its_identity() {
        let mut m = Memo::default();
        let a = m.get_same(1, || vec![1]);
        let b = m.get_same(2, || vec![1]);
        assert_eq!(a, b, "same content, same identity");
        let c = m.get_same(3, || vec![2]);
        assert_ne!(a, c);
        assert_eq!(*c, vec![2]);
    }
}
