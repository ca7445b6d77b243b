//! Segment trees over a pool's tickets in rating order.
//!
//! Each leaf holds a ticket's lower reach (`rating - window`) or upper reach
//! (`rating + window`); a matched ticket's leaf is cleared. Searching for the
//! nearest ticket whose window reaches a given rating is then O(log n).

/// A tree of minima of `rating - window`, to find tickets to the right whose
/// window reaches down to a rating.
#[derive(Debug, Clone)]
pub(crate) struct ReachTree {
    size: usize,
    /// For `Min`: minima (cleared leaves are +inf). For `Max`: maxima (-inf).
    nodes: Vec<f64>,
    is_min: bool,
}

impl ReachTree {
    /// A tree of minima over `values`.
    pub(crate) fn min(values: impl ExactSizeIterator<Item = f64>) -> Self {
        Self::build(values, true)
    }

    /// A tree of maxima over `values`.
    pub(crate) fn max(values: impl ExactSizeIterator<Item = f64>) -> Self {
        Self::build(values, false)
    }

    fn empty(&self) -> f64 {
        if self.is_min {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        }
    }

    fn combine(&self, a: f64, b: f64) -> f64 {
        if self.is_min { a.min(b) } else { a.max(b) }
    }

    fn build(values: impl ExactSizeIterator<Item = f64>, is_min: bool) -> Self {
        let n = values.len().max(1);
        let size = n.next_power_of_two();
        let empty = if is_min {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
        let mut nodes = vec![empty; 2 * size];
        for (i, v) in values.enumerate() {
            nodes[size + i] = v;
        }
        let mut tree = Self {
            size,
            nodes,
            is_min,
        };
        for i in (1..size).rev() {
            tree.nodes[i] = tree.combine(tree.nodes[2 * i], tree.nodes[2 * i + 1]);
        }
        tree
    }

    /// Clears leaf `pos` (its ticket was matched).
    pub(crate) fn clear(&mut self, pos: usize) {
        let mut i = self.size + pos;
        self.nodes[i] = self.empty();
        i /= 2;
        while i >= 1 {
            let v = self.combine(self.nodes[2 * i], self.nodes[2 * i + 1]);
            if self.nodes[i] == v {
                break;
            }
            self.nodes[i] = v;
            i /= 2;
        }
    }

    fn hits(&self, v: f64, x: f64) -> bool {
        if self.is_min { v <= x } else { v >= x }
    }

    /// The first position `>= from` whose value reaches `x` (`<= x` for a min
    /// tree, `>= x` for a max tree).
    pub(crate) fn first_from(&self, from: usize, x: f64) -> Option<usize> {
        if from >= self.size {
            return None;
        }
        // Walk up from the leaf, looking at right siblings, then descend.
        let mut i = self.size + from;
        if self.hits(self.nodes[i], x) {
            return Some(from);
        }
        loop {
            // Move to the next subtree to the right.
            while i & 1 == 1 {
                i >>= 1;
                if i <= 1 {
                    return None;
                }
            }
            i += 1;
            if self.hits(self.nodes[i], x) {
                break;
            }
        }
        while i < self.size {
            i = if self.hits(self.nodes[2 * i], x) {
                2 * i
            } else {
                2 * i + 1
            };
        }
        Some(i - self.size)
    }

    /// The last position `<= from` whose value reaches `x`.
    pub(crate) fn last_until(&self, from: usize, x: f64) -> Option<usize> {
        let mut i = self.size + from.min(self.size - 1);
        if self.hits(self.nodes[i], x) {
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
            if self.hits(self.nodes[i], x) {
                break;
            }
        }
        while i < self.size {
            i = if self.hits(self.nodes[2 * i + 1], x) {
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
            values in proptest::collection::vec(-50.0f64..50.0, 1..70),
            cleared in proptest::collection::vec(0usize..70, 0..30),
            from in 0usize..80,
            x in -60.0f64..60.0,
        ) {
            let mut min = ReachTree::min(values.iter().copied());
            let mut max = ReachTree::max(values.iter().copied());
            let mut live = vec![true; values.len()];
            for c in cleared {
                if c < values.len() {
                    min.clear(c);
                    max.clear(c);
                    live[c] = false;
                }
            }
            let want_first = (from..values.len()).find(|&i| live[i] && values[i] <= x);
            prop_assert_eq!(min.first_from(from, x), want_first);
            let want_last = (0..values.len().min(from + 1)).rev().find(|&i| live[i] && values[i] >= x);
            prop_assert_eq!(max.last_until(from, x), want_last);
        }
    }
}
