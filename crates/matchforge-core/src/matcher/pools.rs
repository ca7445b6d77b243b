//! Partitioning a queue into pools of tickets that can share a match on the
//! equality-like rules (region, equal strings, intersecting sets), so the
//! search inside a pool only has to look at ratings and numeric rules.

use std::cell::Cell;
use std::collections::HashMap;

use super::tree::ReachTree;

/// Marks "any value": a ticket that has relaxed an equality rule joins the
/// wildcard pool of that rule, where it meets other relaxed tickets.
pub(crate) const WILDCARD: u32 = u32::MAX;

/// One pool: its tickets in rating order, the reach tree over them, and
/// links that skip matched tickets.
///
/// A matched ticket is only marked dead ([`kill`](Pool::kill)): the nearest
/// live neighbours are found through the skip links (path-halving, so near
/// O(1) amortised), and the reach tree is cleared lazily, only for dead leaves
/// a query actually runs into. In a dense queue most searches end at the
/// nearest live neighbour and never touch the tree.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    /// Entry indices, by rating (ties: older first).
    pub(crate) members: Vec<u32>,
    /// Their ratings, in the same order.
    pub(crate) ratings: Vec<f64>,
    /// Reaches of the members' windows.
    reach: ReachTree,
    live: Vec<Cell<bool>>,
    /// For a dead position, a position further right with no live one in
    /// between (`len` past the end).
    right: Vec<Cell<u32>>,
    /// For a dead position, a position further left with no live one in
    /// between (`u32::MAX` past the start).
    left: Vec<Cell<u32>>,
}

const NONE: u32 = u32::MAX;

impl Pool {
    /// Builds a pool from `(rating, window, entry)` triples already sorted by
    /// rating then entry.
    #[cfg(test)]
    pub(crate) fn new(sorted: &[(f64, f64, u32)]) -> Self {
        let mut pool = Self::default();
        pool.rebuild(sorted);
        pool
    }

    /// Rebuilds the pool over `sorted` (as for [`new`](Self::new)), reusing its
    /// memory.
    pub(crate) fn rebuild(&mut self, sorted: &[(f64, f64, u32)]) {
        let n = sorted.len() as u32;
        self.members.clear();
        self.members.extend(sorted.iter().map(|m| m.2));
        self.ratings.clear();
        self.ratings.extend(sorted.iter().map(|m| m.0));
        self.reach.rebuild(sorted.iter().map(|m| (m.0, m.1)));
        self.live.clear();
        self.live.extend((0..n).map(|_| Cell::new(true)));
        self.right.clear();
        self.right.extend((0..n).map(|i| Cell::new(i + 1)));
        self.left.clear();
        self.left
            .extend((0..n).map(|i| Cell::new(i.checked_sub(1).unwrap_or(NONE))));
    }

    /// Removes the ticket at `pos` from future searches.
    pub(crate) fn kill(&self, pos: usize) {
        self.live[pos].set(false);
    }

    fn is_live(&self, pos: usize) -> bool {
        self.live[pos].get()
    }

    /// The first live position `>= from`.
    fn live_from(&self, from: usize) -> Option<usize> {
        let n = self.live.len();
        let mut i = from;
        while i < n && !self.is_live(i) {
            let next = self.right[i].get() as usize;
            if next < n && !self.is_live(next) {
                // Path halving: point past the next dead position too.
                self.right[i].set(self.right[next].get());
            }
            i = next;
        }
        (i < n).then_some(i)
    }

    /// The last live position `<= from`.
    fn live_until(&self, from: usize) -> Option<usize> {
        let mut i = from as u32;
        while i != NONE && !self.is_live(i as usize) {
            let next = self.left[i as usize].get();
            if next != NONE && !self.is_live(next as usize) {
                self.left[i as usize].set(self.left[next as usize].get());
            }
            i = next;
        }
        (i != NONE).then_some(i as usize)
    }

    /// The first live position `>= from` whose window reaches down to `x`.
    pub(crate) fn reaching_right(&self, from: usize, x: f64) -> Option<usize> {
        // The nearest live ticket usually reaches: no tree needed.
        let p = self.live_from(from)?;
        if self.reach.low(p) <= x {
            return Some(p);
        }
        let mut from = p + 1;
        loop {
            let q = self.reach.first_from(from, x)?;
            if self.is_live(q) {
                return Some(q);
            }
            self.reach.clear(q);
            from = q;
        }
    }

    /// The last live position `<= from` whose window reaches up to `x`.
    pub(crate) fn reaching_left(&self, from: usize, x: f64) -> Option<usize> {
        let p = self.live_until(from)?;
        if self.reach.high(p) >= x {
            return Some(p);
        }
        let mut until = p.checked_sub(1)?;
        loop {
            let q = self.reach.last_until(until, x)?;
            if self.is_live(q) {
                return Some(q);
            }
            self.reach.clear(q);
            until = q;
        }
    }
}

/// Interns strings of one partition dimension to small dense numbers. Most
/// dimensions have a handful of values (regions, modes), so a short list is
/// searched first; a map takes over past [`Interner::LINEAR`] values.
#[derive(Debug, Default)]
pub(crate) struct Interner<'a> {
    names: Vec<&'a str>,
    ids: HashMap<&'a str, u32>,
}

impl<'a> Interner<'a> {
    const LINEAR: usize = 16;

    pub(crate) fn id(&mut self, s: &'a str) -> u32 {
        if self.names.len() <= Self::LINEAR {
            if let Some(i) = self.names.iter().position(|n| *n == s) {
                return i as u32;
            }
        } else if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s);
        if self.names.len() > Self::LINEAR {
            if self.ids.is_empty() {
                self.ids
                    .extend(self.names.iter().enumerate().map(|(i, n)| (*n, i as u32)));
            } else {
                self.ids.insert(s, id);
            }
        }
        id
    }

    /// How many distinct values were seen.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

/// Calls `f` with every combination that picks one value per dimension.
pub(crate) fn for_each_combination(options: &[Vec<u32>], f: &mut impl FnMut(&[u32])) {
    fn go(options: &[Vec<u32>], at: usize, key: &mut Vec<u32>, f: &mut impl FnMut(&[u32])) {
        if at == options.len() {
            f(key);
            return;
        }
        for &v in &options[at] {
            key.push(v);
            go(options, at + 1, key, f);
            key.pop();
        }
    }
    let mut key = Vec::with_capacity(options.len());
    go(options, 0, &mut key, f);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Killing tickets in any order, the pool's answers match a scan of
        /// the live tickets.
        #[test]
        fn reaching_matches_a_scan_of_live_tickets(
            windows in proptest::collection::vec(0.0f64..30.0, 1..60),
            kills in proptest::collection::vec(0usize..60, 0..60),
            queries in proptest::collection::vec((0usize..70, -10.0f64..130.0), 1..20),
        ) {
            // Ratings 0, 2, 4, ... in order; windows vary.
            let sorted: Vec<(f64, f64, u32)> = windows
                .iter()
                .enumerate()
                .map(|(i, &w)| (2.0 * i as f64, w, i as u32))
                .collect();
            let pool = Pool::new(&sorted);
            let mut live = vec![true; sorted.len()];
            for (step, &k) in kills.iter().enumerate() {
                if k < sorted.len() {
                    pool.kill(k);
                    live[k] = false;
                }
                // Query between kills too, so lazy clearing and path halving
                // interleave with more kills.
                let (from, x) = queries[step % queries.len()];
                let low = |i: usize| sorted[i].0 - sorted[i].1;
                let high = |i: usize| sorted[i].0 + sorted[i].1;
                let want_right = (from..sorted.len()).find(|&i| live[i] && low(i) <= x);
                prop_assert_eq!(pool.reaching_right(from, x), want_right);
                let until = from.min(sorted.len() - 1);
                let want_left = (0..=until).rev().find(|&i| live[i] && high(i) >= x);
                prop_assert_eq!(pool.reaching_left(until, x), want_left);
            }
        }
    }
}
