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
#[derive(Debug, Clone, Default)]
pub(crate) struct ReachTree {
    size: usize,
    nodes: Vec<Cell<Node>>,
}

impl ReachTree {
    /// A tree over `(rating, window)` pairs in rating order.
    #[cfg(test)]
    pub(crate) fn new(items: impl ExactSizeIterator<Item = (f64, f64)>) -> Self {
        let mut tree = Self {
            size: 0,
            nodes: Vec::new(),
        };
        tree.rebuild(items);
        tree
    }

    /// Rebuilds the tree over `(rating, window)` pairs, reusing its memory.
    pub(crate) fn rebuild(&mut self, items: impl ExactSizeIterator<Item = (f64, f64)>) {
        let size = items.len().max(1).next_power_of_two();
        self.size = size;
        self.nodes.clear();
        self.nodes.resize(2 * size, Cell::new(EMPTY));
        for (i, (rating, window)) in items.enumerate() {
            self.nodes[size + i].set(Node {
                low: rating - window,
                high: rating + window,
            });
        }
        for i in (1..size).rev() {
            self.nodes[i].set(Node::combine(self.node(2 * i), self.node(2 * i + 1)));
        }
    }

    fn node(&self, i: usize) -> Node {
        self.nodes[i].get()
    }

    /// The lower reach of leaf `pos`.
    pub(crate) fn low(&self, pos: usize) -> f64 {
        self.node(self.size + pos).low
    }

    /// The upper reach of leaf `pos`.
    pub(crate) fn high(&self, pos: usize) -> f64 {
        self.node(self.size + pos).high
    }

    /// Clears leaf `pos` (its ticket was matched).
    pub(crate) fn clear(&self, pos: usize) {
        let mut i = self.size + pos;
        self.nodes[i].set(EMPTY);
        i /= 2;
        while i >= 1 {
            let v = Node::combine(self.node(2 * i), self.node(2 * i + 1));
            let old = self.node(i);
            if old.low == v.low && old.high == v.high {
                break;
            }
            self.nodes[i].set(v);
            i /= 2;
        }
    }

    /// The first position `>= from` whose lower reach is `<= x` (a ticket to
    /// the right whose window reaches down to `x`).
    pub(crate) fn first_from(&self, from: usize, x: f64) -> Option<usize> {
        if from >= self.size {
            return None;
        }
        let hits = |n: Node| n.low <= x;
        let mut i = self.size + from;
        if hits(self.node(i)) {
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
            if hits(self.node(i)) {
                break;
            }
        }
        while i < self.size {
            i = if hits(self.node(2 * i)) {
                2 * i
            } else {
                2 * i + 1
            };
        }
        Some(i - self.size)
    }

    /// The last position `<= from` whose upper reach is `>= x` (a ticket to
    /// the left whose window reaches up to `x`).
    pub(crate) fn last_until(&self, from: usize, x: f64) -> Option<usize> {
        let hits = |n: Node| n.high >= x;
        let mut i = self.size + from.min(self.size - 1);
        if hits(self.node(i)) {
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
            if hits(self.node(i)) {
                break;
            }
        }
        while i < self.size {
            i = if hits(self.node(2 * i + 1)) {
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
            let tree = ReachTree::new(items.iter().copied());
            let mut live = vec![true; items.len()];
            for c in cleared {
                if c < items.len() {
                    tree.clear(c);
                    live[c] = false;
                }
            }
            let low = |i: usize| items[i].0 - items[i].1;
            let high = |i: usize| items[i].0 + items[i].1;
            let want_first = (from..items.len()).find(|&i| live[i] && low(i) <= x);
            prop_assert_eq!(tree.first_from(from, x), want_first);
            let want_last = (0..items.len().min(from + 1)).rev().find(|&i| live[i] && high(i) >= x);
            prop_assert_eq!(tree.last_until(from, x), want_last);
        }
    }
}
