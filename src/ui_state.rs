//! What the app and its components share to render cheaply: a cheap-to-compare handle for big
//! props, and a memo that hands out the same handle while its key is unchanged. (What is
//! selected, how fast time runs and how the event log is filtered are the session's:
//! `lab_engine::session`.)

use std::ops::Deref;
use std::rc::Rc;

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
