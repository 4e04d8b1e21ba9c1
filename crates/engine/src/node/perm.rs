//! A renaming of node ids, for the explorer's symmetry reduction: where a protocol treats some
//! nodes alike, a state and the state with those nodes' names swapped behave alike, so the
//! explorer keeps one of them. Each protocol that allows it renames its own values with these
//! helpers (a `permute_ids` next to its types).

use super::NodeId;

/// A permutation of S1..Sn: S(i+1) is renamed `to[i]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Perm {
    to: Vec<NodeId>,
}

impl Perm {
    /// The permutation sending S(i+1) to `to[i]`; `None` unless `to` names each of S1..Sn
    /// once.
    pub fn new(to: Vec<NodeId>) -> Option<Perm> {
        let n = to.len();
        let mut seen = vec![false; n];
        for id in &to {
            let i = usize::from(id.0).checked_sub(1).filter(|&i| i < n)?;
            if std::mem::replace(&mut seen[i], true) {
                return None;
            }
        }
        Some(Perm { to })
    }
    pub fn identity(n: usize) -> Perm {
        Perm {
            to: NodeId::all(n).collect(),
        }
    }
    pub fn len(&self) -> usize {
        self.to.len()
    }
    pub fn is_empty(&self) -> bool {
        self.to.is_empty()
    }
    pub fn is_identity(&self) -> bool {
        self.to.iter().enumerate().all(|(i, id)| id.idx() == i)
    }
    /// The renaming undone.
    pub fn inverse(&self) -> Perm {
        let mut to = self.to.clone();
        for (i, id) in self.to.iter().enumerate() {
            to[id.idx()] = NodeId::from_idx(i);
        }
        Perm { to }
    }
    /// The new name of `id`. Ids beyond the cluster (none are sent) keep theirs.
    pub fn id(&self, id: NodeId) -> NodeId {
        self.to.get(id.idx()).copied().unwrap_or(id)
    }
    pub fn opt(&self, id: Option<NodeId>) -> Option<NodeId> {
        id.map(|i| self.id(i))
    }
    pub fn ids(&self, ids: &[NodeId]) -> Vec<NodeId> {
        ids.iter().map(|&i| self.id(i)).collect()
    }
    /// A set of nodes as bits (bit i for S(i+1)), renamed.
    pub fn mask(&self, bits: u32) -> u32 {
        (0..32)
            .filter(|b| bits & (1 << b) != 0)
            .map(|b| 1u32 << self.id(NodeId::from_idx(b)).idx())
            .fold(0, |m, b| m | b)
    }
    /// A vector indexed by node (entry i for S(i+1)), its entries moved to their nodes' new
    /// places. An empty vector (not in use) stays empty.
    pub fn by_node<T: Clone>(&self, v: &[T]) -> Vec<T> {
        let mut out = v.to_vec();
        for (i, x) in v.iter().enumerate() {
            out[self.id(NodeId::from_idx(i)).idx()] = x.clone();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn swap12(n: usize) -> Perm {
        let mut to: Vec<NodeId> = NodeId::all(n).collect();
        to.swap(0, 1);
        Perm::new(to).unwrap()
    }

    #[test]
    fn only_true_permutations_are_made() {
        assert!(Perm::new(vec![NodeId(2), NodeId(1), NodeId(3)]).is_some());
        assert!(Perm::new(vec![NodeId(2), NodeId(2), NodeId(3)]).is_none());
        assert!(Perm::new(vec![NodeId(1), NodeId(4), NodeId(3)]).is_none());
        assert!(Perm::new(vec![NodeId(0)]).is_none());
        assert!(Perm::identity(3).is_identity());
        assert!(!swap12(3).is_identity());
    }

    #[test]
    fn ids_masks_and_vectors_move_together() {
        // S1 -> S2, S2 -> S3, S3 -> S1.
        let p = Perm::new(vec![NodeId(2), NodeId(3), NodeId(1)]).unwrap();
        assert_eq!(p.id(NodeId(3)), NodeId(1));
        assert_eq!(p.opt(Some(NodeId(1))), Some(NodeId(2)));
        assert_eq!(p.ids(&[NodeId(1), NodeId(3)]), vec![NodeId(2), NodeId(1)]);
        assert_eq!(p.mask(0b011), 0b110);
        assert_eq!(p.mask(0b100), 0b001);
        // S1's entry goes to S2's place.
        assert_eq!(p.by_node(&['a', 'b', 'c']), vec!['c', 'a', 'b']);
        assert!(p.by_node::<u8>(&[]).is_empty());
        let back = p.inverse();
        assert_eq!(back.by_node(&p.by_node(&[1, 2, 3])), vec![1, 2, 3]);
        assert_eq!(back.mask(p.mask(0b101)), 0b101);
        assert_eq!(swap12(3).inverse(), swap12(3));
    }
}
