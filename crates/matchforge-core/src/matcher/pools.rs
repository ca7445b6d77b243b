//! Partitioning a queue into pools of tickets that can share a match on the
//! equality-like rules (region, equal strings, intersecting sets), so the
//! search inside a pool only has to look at ratings and numeric rules.

use std::cell::Cell;
use std::collections::HashMap;

use super::tree::ReachTree;

/// Per entry of the tick, whether it was matched (in any pool). Pools other
/// than the one a match was found in learn of it from these flags.
pub(crate) type Gone = [Cell<bool>];

/// Marks "any value": a ticket that has relaxed an equality rule joins the
/// wildcard pool of that rule, where it meets other relaxed tickets.
pub(crate) const WILDCARD: u32 = u32::MAX;

/// A ticket's place in a pool: everything the search reads about it there,
/// including the links past matched neighbours, in one 32-byte record, so
/// looking around a position costs one cache line.
#[derive(Debug)]
pub(crate) struct Slot {
    /// The ticket's rating.
    pub(crate) rating: f64,
    /// Its rating window; `-inf` once the reach tree has cleared it (its
    /// reaches are then `+inf` and `-inf`: it reaches nothing).
    window: Cell<f64>,
    /// The entry (index into the tick's entries), with [`DEAD`] set once the
    /// ticket is matched.
    entry: Cell<u32>,
    /// A position further right with no live one in between (the pool's
    /// length past the end): the next live position, unless tickets in
    /// between were matched in another pool (see [`Gone`]) and no query has
    /// passed them since.
    right: Cell<u32>,
    /// A position further left with no live one in between ([`NONE`] past
    /// the start).
    left: Cell<u32>,
}

/// Marks a matched ticket's slot.
const DEAD: u32 = 1 << 31;
const NONE: u32 = u32::MAX;

impl Slot {
    /// The slot at `pos` of a ticket of `rating` and `window`.
    pub(crate) fn new(rating: f64, window: f64, entry: u32, pos: u32) -> Self {
        debug_assert!(entry < DEAD, "a tick holds fewer than 2^31 tickets");
        Self {
            rating,
            window: Cell::new(window),
            entry: Cell::new(entry),
            right: Cell::new(pos + 1),
            left: Cell::new(pos.checked_sub(1).unwrap_or(NONE)),
        }
    }

    /// `rating - window`: the lowest rating its window covers (computed as
    /// every rule check computes it, so they agree to the last bit).
    pub(crate) fn low(&self) -> f64 {
        self.rating - self.window.get()
    }

    /// `rating + window`.
    pub(crate) fn high(&self) -> f64 {
        self.rating + self.window.get()
    }

    /// Makes the slot reach nothing (for the reach tree).
    pub(crate) fn clear(&self) {
        self.window.set(f64::NEG_INFINITY);
    }

    fn is_live(&self) -> bool {
        self.entry.get() & DEAD == 0
    }
}

/// One pool: its tickets in rating order and the reach tree over them.
///
/// Every slot links to a position on either side with no live slot in
/// between. A ticket matched in this pool is marked dead and unlinked from
/// its live neighbours ([`kill`](Pool::kill)), which the search has just
/// loaded. A ticket matched in another pool is not written here at all (its
/// slot here is likely out of cache): the queries take the tick's
/// [`Gone`] flags and mark such a slot dead when they run into it. So the
/// nearest live neighbour of a live slot (the anchor of a search, or the
/// candidate it took last) is mostly one load away however many tickets
/// around it were matched; a walk over dead slots halves its path and
/// re-links the slot it started from. The reach tree is cleared lazily, only
/// for dead leaves a query actually runs into. In a dense queue most
/// searches end at the nearest live neighbour and never touch the tree.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    /// The members by rating (ties: older first).
    slots: Vec<Slot>,
    /// Reaches of the members' windows.
    reach: ReachTree,
}

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
        self.slots.clear();
        self.slots.extend(
            sorted
                .iter()
                .zip(0..)
                .map(|(&(rating, window, entry), pos)| Slot::new(rating, window, entry, pos)),
        );
        self.reach.rebuild(&self.slots);
    }

    /// The rating at `pos`.
    pub(crate) fn rating(&self, pos: usize) -> f64 {
        self.slots[pos].rating
    }

    /// The entry at `pos`.
    pub(crate) fn entry(&self, pos: usize) -> u32 {
        self.slots[pos].entry.get() & !DEAD
    }

    /// Removes the ticket at `pos` from future searches: marks it dead and
    /// links the slots its links name to each other.
    pub(crate) fn kill(&self, pos: usize) {
        let slot = &self.slots[pos];
        if !slot.is_live() {
            return;
        }
        slot.entry.set(slot.entry.get() | DEAD);
        let (left, right) = (slot.left.get(), slot.right.get());
        if left != NONE {
            self.slots[left as usize].right.set(right);
        }
        if let Some(next) = self.slots.get(right as usize) {
            next.left.set(left);
        }
    }

    /// Touches the slot at `pos` (if there is one), so that a batch of these
    /// loads overlaps its cache misses (see the matcher's anchor loop);
    /// returns a value to combine so the load is not optimised away.
    pub(crate) fn touch(&self, pos: usize) -> u32 {
        self.slots.get(pos).map_or(0, |s| s.entry.get())
    }

    /// The left and right links of the slot at `pos` (either may point past
    /// the pool).
    pub(crate) fn links(&self, pos: usize) -> (u32, u32) {
        let slot = &self.slots[pos];
        (slot.left.get(), slot.right.get())
    }

    /// Whether the ticket at `pos` is still unmatched; a slot whose entry is
    /// in `gone` is marked dead on the way.
    fn is_live(&self, pos: usize, gone: &Gone) -> bool {
        let slot = &self.slots[pos];
        let entry = slot.entry.get();
        if entry & DEAD != 0 {
            return false;
        }
        if gone.get(entry as usize).is_some_and(Cell::get) {
            slot.entry.set(entry | DEAD);
            return false;
        }
        true
    }

    /// The first live position `>= from`.
    fn live_from(&self, from: usize, gone: &Gone) -> Option<usize> {
        let n = self.slots.len();
        let mut i = from;
        while i < n && !self.is_live(i, gone) {
            let next = self.slots[i].right.get() as usize;
            if next < n && !self.is_live(next, gone) {
                // Path halving: point past the next dead position too.
                self.slots[i].right.set(self.slots[next].right.get());
            }
            i = next;
        }
        (i < n).then_some(i)
    }

    /// The last live position `<= from`.
    fn live_until(&self, from: usize, gone: &Gone) -> Option<usize> {
        let mut i = from as u32;
        while i != NONE && !self.is_live(i as usize, gone) {
            let next = self.slots[i as usize].left.get();
            if next != NONE && !self.is_live(next as usize, gone) {
                self.slots[i as usize]
                    .left
                    .set(self.slots[next as usize].left.get());
            }
            i = next;
        }
        (i != NONE).then_some(i as usize)
    }

    /// The first live position after `after` whose window reaches down to
    /// `x`, if its rating is at most `max`; entries in `gone` are matched.
    pub(crate) fn reaching_right(
        &self,
        after: usize,
        x: f64,
        max: f64,
        gone: &Gone,
    ) -> Option<usize> {
        // The nearest live ticket usually reaches: no tree needed. It is
        // mostly the one `after` links to; if not, link `after` to it.
        let start = &self.slots[after];
        let next = start.right.get() as usize;
        let found = self.live_from(next, gone);
        let p = found.unwrap_or(self.slots.len());
        if p != next {
            start.right.set(p as u32);
        }
        let p = found?;
        let slot = &self.slots[p];
        if slot.low() <= x {
            return (slot.rating <= max).then_some(p);
        }
        let mut from = p + 1;
        loop {
            let q = self.reach.first_from(&self.slots, from, x)?;
            // Past `max` nothing qualifies; the dead leaves there stay for a
            // search that needs them cleared.
            if self.slots[q].rating > max {
                return None;
            }
            if self.is_live(q, gone) {
                return Some(q);
            }
            self.reach.clear(&self.slots, q);
            from = q;
        }
    }

    /// The last live position before `before` whose window reaches up to
    /// `x`, if its rating is at least `min`; entries in `gone` are matched.
    pub(crate) fn reaching_left(
        &self,
        before: usize,
        x: f64,
        min: f64,
        gone: &Gone,
    ) -> Option<usize> {
        let start = &self.slots[before];
        let prev = start.left.get();
        let found = match prev {
            NONE => None,
            left => self.live_until(left as usize, gone),
        };
        let p = found.map_or(NONE, |p| p as u32);
        if p != prev {
            start.left.set(p);
        }
        let p = found?;
        let slot = &self.slots[p];
        if slot.high() >= x {
            return (slot.rating >= min).then_some(p);
        }
        let mut until = p.checked_sub(1)?;
        loop {
            let q = self.reach.last_until(&self.slots, until, x)?;
            if self.slots[q].rating < min {
                return None;
            }
            if self.is_live(q, gone) {
                return Some(q);
            }
            self.reach.clear(&self.slots, q);
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
        /// Matching tickets in any order (some twice, some in another pool),
        /// the pool's answers match a scan of the live tickets.
        #[test]
        fn reaching_matches_a_scan_of_live_tickets(
            windows in proptest::collection::vec(0.0f64..30.0, 1..60),
            kills in proptest::collection::vec((0usize..60, any::<bool>()), 0..60),
            queries in proptest::collection::vec((0usize..70, -10.0f64..130.0, 0.0f64..140.0), 1..20),
        ) {
            // Ratings 0, 2, 4, ... in order; windows vary.
            let sorted: Vec<(f64, f64, u32)> = windows
                .iter()
                .enumerate()
                .map(|(i, &w)| (2.0 * i as f64, w, i as u32))
                .collect();
            let pool = Pool::new(&sorted);
            let gone: Vec<Cell<bool>> = vec![Cell::new(false); sorted.len()];
            let mut live = vec![true; sorted.len()];
            for (step, &(k, here)) in kills.iter().enumerate() {
                if k < sorted.len() {
                    // Matched in this pool, or in another (flags only).
                    if here {
                        pool.kill(k);
                    }
                    gone[k].set(true);
                    live[k] = false;
                }
                // Query between kills too, so lazy clearing and path halving
                // interleave with more kills.
                let (at, x, bound) = queries[step % queries.len()];
                let at = at.min(sorted.len() - 1);
                let low = |i: usize| sorted[i].0 - sorted[i].1;
                let high = |i: usize| sorted[i].0 + sorted[i].1;
                let want_right = (at + 1..sorted.len())
                    .find(|&i| live[i] && low(i) <= x)
                    .filter(|&i| sorted[i].0 <= bound);
                prop_assert_eq!(pool.reaching_right(at, x, bound, &gone), want_right);
                let want_left = (0..at)
                    .rev()
                    .find(|&i| live[i] && high(i) >= x)
                    .filter(|&i| sorted[i].0 >= bound);
                prop_assert_eq!(pool.reaching_left(at, x, bound, &gone), want_left);
                // No link skips a live slot.
                for i in 0..sorted.len() {
                    let right = pool.slots[i].right.get() as usize;
                    prop_assert!(right > i && right <= sorted.len());
                    prop_assert!((i + 1..right).all(|j| !live[j]));
                    let left = pool.slots[i].left.get();
                    let left = if left == NONE { 0 } else {
                        prop_assert!((left as usize) < i);
                        left as usize + 1
                    };
                    prop_assert!((left..i).all(|j| !live[j]));
                }
            }
        }
    }
}
