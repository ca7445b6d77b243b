//! Partitioning a queue into pools of tickets that can share a match on the
//! equality-like rules (region, equal strings, intersecting sets), so the
//! search inside a pool only has to look at ratings and numeric rules.

use std::collections::HashMap;

use super::tree::ReachTree;

/// Marks "any value": a ticket that has relaxed an equality rule joins the
/// wildcard pool of that rule, where it meets other relaxed tickets.
pub(crate) const WILDCARD: u32 = u32::MAX;

/// One pool: its tickets in rating order and the reach trees over them.
#[derive(Debug)]
pub(crate) struct Pool {
    /// Entry indices, by rating (ties: older first).
    pub(crate) members: Vec<u32>,
    /// Their ratings, in the same order.
    pub(crate) ratings: Vec<f64>,
    /// Reaches of the members' windows (cleared when matched).
    pub(crate) reach: ReachTree,
}

impl Pool {
    /// Builds a pool from `(rating, window, entry)` triples already sorted by
    /// rating then entry.
    pub(crate) fn new(sorted: &[(f64, f64, u32)]) -> Self {
        Self {
            members: sorted.iter().map(|m| m.2).collect(),
            ratings: sorted.iter().map(|m| m.0).collect(),
            reach: ReachTree::new(sorted.iter().map(|m| (m.0, m.1))),
        }
    }

    /// Removes the ticket at `pos` from future searches.
    pub(crate) fn clear(&mut self, pos: usize) {
        self.reach.clear(pos);
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
