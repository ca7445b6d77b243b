//! A segment tree over a pool's tickets in rating order.
//!
//! Each leaf holds a ticket's lower reach (`rating - window`) and upper reach
//! (`rating + window`). Inner nodes keep the minimum lower reach and the
//! maximum upper reach below them, so finding the nearest ticket on either
//! side whose window reaches a given rating is O(log n). Both reaches share
//! one node array: one walk clears a leaf, and a query touches half the cache
//! lines two separate trees would.
//!
//! Matched tickets are cleared lazily (see [`Pool`](super::pools::Pool)): a
//! query may return a leaf whose ticket is gone, which the caller then clears
//! and asks again. The nodes are `Cell`s so that can happen during a search
//! that only holds a shared reference.

use std::cell::Cell;

use super::pools::Slot;

/// Lower and upper reach of a node.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Minimum of `rating - window` below (+inf when empty).
    low: f64,
    /// Maximum of `rating + window` below (-inf when empty).
    high: f64,
}

const EMPTY: Node = Node {
    low: f64::INFINITY,
    high: f64::NEG_INFINITY,
};

impl Node {
    fn combine(a: Node, b: Node) -> Node {
        Node {
            low: a.low.min(b.low),
            high: a.high.max(b.high),
        }
    }
}

/// See the [module documentation](self).
///
/// The tree keeps only its inner nodes; the leaves are the pool's
/// [`Slot`]s, which the search reads anyway, so the common query (the nearest
/// live ticket reaches) touches one cache line instead of a slot and a leaf.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReachTree {
    /// Leaves, rounded up to a power of two.
    size: usize,
    /// Inner nodes `1..size` (index 0 unused).
    nodes: Vec<Cell<Node>>,
}

impl ReachTree {
    /// Rebuilds the tree over `leaves` (in rating order), reusing its memory.
    pub(crate) fn rebuild(&mut self, leaves: &[Slot]) {
        let size = leaves.len().max(1).next_power_of_two();
        self.size = size;
        self.nodes.clear();
        self.nodes.resize(size, Cell::new(EMPTY));
        for i in (1..size).rev() {
            let v = Node::combine(self.node(leaves, 2 * i), self.node(leaves, 2 * i + 1));
            self.nodes[i].set(v);
        }
    }

    /// Node `i`: inner below `size`, a leaf (or empty padding) from there.
    fn node(&self, leaves: &[Slot], i: usize) -> Node {
        if i < self.size {
            self.nodes[i].get()
        } else {
            leaves.get(i - self.size).map_or(EMPTY, |slot| Node {
                low: slot.low(),
                high: slot.high(),
            })
        }
    }

    /// Clears leaf `pos` (its ticket was matched) and the reaches above it.
    pub(crate) fn clear(&self, leaves: &[Slot], pos: usize) {
        leaves[pos].clear();
        let mut i = (self.size + pos) / 2;
        while i >= 1 {
            let v = Node::combine(self.node(leaves, 2 * i), self.node(leaves, 2 * i + 1));
            let old = self.nodes[i].get();
            if old.low == v.low && old.high == v.high {
                break;
            }
            self.nodes[i].set(v);
            i /= 2;
        }
    }

    /// The first position `>= from` whose lower reach is `<= x` (a ticket to
    /// the right whose window reaches down to `x`).
    pub(crate) fn first_from(&self, leaves: &[Slot], from: usize, x: f64) -> Option<usize> {
        if from >= self.size {
            return None;
        }
        let hits = |n: Node| n.low <= x;
        let mut i = self.size + from;
        if hits(self.node(leaves, i)) {
            return Some(from);
        }
        loop {
            while i & 1 == 1 {
                i >>= 1;
                if i <= 1 {
                    return None;
                }
            }
            i += 1;
            if hits(self.node(leaves, i)) {
                break;
            }
        }
        while i < self.size {
            i = if hits(self.node(leaves, 2 * i)) {
                2 * i
            } else {
                2 * i + 1
            };
        }
        Some(i - self.size)
    }

    /// The last position `<= from` whose upper reach is `>= x` (a ticket to
    /// the left whose window reaches up to `x`).
    pub(crate) fn last_until(&self, leaves: &[Slot], from: usize, x: f64) -> Option<usize> {
        let hits = |n: Node| n.high >= x;
        let mut i = self.size + from.min(self.size - 1);
        if hits(self.node(leaves, i)) {
            return Some(i - self.size);
        }
        loop {
            while i & 1 == 0 {
                i >>= 1;
                if i <= 1 {
                    return None;
                }
            }
            if i == 1 {
                return None;
            }
            i -= 1;
            if hits(self.node(leaves, i)) {
                break;
            }
        }
        while i < self.size {
            i = if hits(self.node(leaves, 2 * i + 1)) {
                2 * i + 1
            } else {
                2 * i
            };
        }
        Some(i - self.size)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn matches_a_linear_scan(
            items in proptest::collection::vec((-50.0f64..50.0, 0.0f64..20.0), 1..70),
            cleared in proptest::collection::vec(0usize..70, 0..30),
            from in 0usize..80,
            x in -60.0f64..60.0,
        ) {
            let leaves: Vec<Slot> = items
                .iter()
                .enumerate()
                .map(|(i, &(rating, window))| Slot::new(rating, window, i as u32, i as u32))
                .collect();
            let mut tree = ReachTree::default();
            tree.rebuild(&leaves);
            let mut live = vec![true; items.len()];
            for c in cleared {
                if c < items.len() {
                    tree.clear(&leaves, c);
                    live[c] = false;
                }
            }
            let low = |i: usize| items[i].0 - items[i].1;
            let high = |i: usize| items[i].0 + items[i].1;
            let want_first = (from..items.len()).find(|&i| live[i] && low(i) <= x);
            prop_assert_eq!(tree.first_from(&leaves, from, x), want_first);
            let want_last = (0..items.len().min(from + 1)).rev().find(|&i| live[i] && high(i) >= x);
            prop_assert_eq!(tree.last_until(&leaves, from, x), want_last);
        }
    }
}
