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

/// Playback speeds: virtual time per real time. Messages take 10-15 ms, so the default slow
/// motion makes them visible. Links name a speed by its index here (`speed=6`).
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
pub const DEFAULT_SPEED: usize = 2;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
