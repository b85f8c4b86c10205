//! The unpickler's memo: a dict from index to object. Writers number entries
//! densely from 0, so dense indices live in a vector and only stray ones in a
//! map; the entry count (`len(memo)`, used by `MEMOIZE`) is kept exactly.

use super::error::Halt;
use super::value::Val;
use std::collections::HashMap;

/// How far past the dense end an index may land and still extend the vector.
const DENSE_SLACK: u64 = 1024;

/// The memo of one pickle.
#[derive(Default)]
pub struct Memo {
    dense: Vec<Option<Val>>,
    sparse: HashMap<u64, Val>,
    len: u64,
}

impl Memo {
    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// The entry at `idx`.
    pub fn get(&self, idx: u64) -> Option<Val> {
        match usize::try_from(idx).ok().and_then(|i| self.dense.get(i)) {
            Some(slot) => slot.clone(),
            None => self.sparse.get(&idx).cloned(),
        }
    }

    /// Store `v` at `idx`; a new entry beyond `max` entries is refused.
    pub fn put(&mut self, idx: u64, v: Val, max: u64) -> Result<(), Halt> {
        let exists = self.get(idx).is_some();
        if !exists && self.len >= max {
            return Err(Halt::Limit(crate::LimitId::PickleMaxMemo, max));
        }
        if !exists {
            self.len = self.len.saturating_add(1);
        }
        let dense_len = self.dense.len() as u64;
        if idx < dense_len.saturating_add(DENSE_SLACK) && idx <= max {
            if let Ok(i) = usize::try_from(idx) {
                if i >= self.dense.len() {
                    self.dense.resize(i + 1, None);
                }
                if let Some(slot) = self.dense.get_mut(i) {
                    *slot = Some(v);
                    self.sparse.remove(&idx);
                    return Ok(());
                }
            }
        }
        self.sparse.insert(idx, v);
        Ok(())
    }

    /// Forget every entry.
    pub fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::pickle::value::{as_int, val, Node};

    #[test]
    fn dense_and_sparse_entries() {
        let mut m = Memo::default();
        m.put(0, val(Node::Int(1)), 10).ok();
        m.put(5_000_000, val(Node::Int(2)), 10).ok();
        m.put(0, val(Node::Int(3)), 10).ok();
        assert_eq!(m.len(), 2);
        assert_eq!(m.get(0).as_ref().and_then(as_int), Some(3));
        assert_eq!(m.get(5_000_000).as_ref().and_then(as_int), Some(2));
        assert!(m.get(1).is_none());
        assert!(m.put(u64::MAX, val(Node::None), 2).is_err());
        m.clear();
        assert_eq!(m.len(), 0);
    }
}
