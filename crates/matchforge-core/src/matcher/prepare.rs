//! The first half of a tick: sort out expired and unusable tickets, compute every
//! ticket's relaxed limits at `now`, and build the pools.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::pools::{Interner, Pool, WILDCARD, for_each_combination};
use crate::ids::{PlayerId, Region, TicketId};
use crate::queue::{CustomRuleKind, QueueConfig, RegionRule};
use crate::rating::Rating;
use crate::ticket::Ticket;

/// A ticket that takes part in the tick.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    /// Index into the tick's ticket slice.
    pub(crate) ticket: u32,
    /// The ticket's (party) rating.
    pub(crate) rating: f64,
    /// Its rating window at `now`.
    pub(crate) window: f64,
    /// Players on the ticket.
    pub(crate) size: u32,
    /// Largest premade-size difference it accepts (`u32::MAX`: no rule).
    pub(crate) premade: u32,
    /// How long it has waited.
    pub(crate) wait: std::time::Duration,
    /// What a proposal needs of the ticket (next to the rest: a matched
    /// entry's cache lines are already loaded by the search).
    pub(crate) seating: Seating,
}

/// What a proposal needs of a ticket, copied in the sequential pass over the
/// tickets so that building proposals does not chase each matched ticket's
/// player list through memory: its id, and its first player's id and rating
/// (all of it, for a solo ticket).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seating {
    pub(crate) ticket: TicketId,
    pub(crate) player: PlayerId,
    pub(crate) rating: Rating,
}

/// A numeric attribute and the difference its ticket accepts at `now`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reach {
    pub(crate) value: f64,
    pub(crate) window: f64,
}

/// One equality-like partition dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dim {
    Region,
    Custom(usize),
}

/// Everything the search needs, computed once per tick.
#[derive(Debug)]
pub(crate) struct Prepared<'a> {
    pub(crate) config: &'a QueueConfig,
    pub(crate) tickets: &'a [Ticket],
    /// Tickets taking part, oldest first.
    pub(crate) entries: Vec<Entry>,
    /// `entries.len() × numeric_rules` reaches, entry-major.
    pub(crate) numeric: Vec<Reach>,
    /// Indices (into the queue's custom rules) of the numeric rules.
    pub(crate) numeric_rules: Vec<usize>,
    pub(crate) pools: Vec<Pool>,
    /// `(pool, position)` of every entry, entry-major; see `membership_start`.
    pub(crate) memberships: Vec<(u32, u32)>,
    pub(crate) membership_start: Vec<u32>,
    pub(crate) dims: Vec<Dim>,
    pub(crate) interners: Vec<Interner<'a>>,
    pub(crate) expired: Vec<TicketId>,
    pub(crate) rejected: Vec<(TicketId, String)>,
    /// The regions seen, by their id in the region dimension's interner.
    pub(crate) regions: Vec<Region>,
    /// Best-common-region rule: every entry's `(region id, latency)` pairs,
    /// flat (entry `e`'s are `latency_start[e]..latency_start[e + 1]`), and its
    /// latency limit at `now`.
    pub(crate) latencies: Vec<(u32, u32)>,
    pub(crate) latency_start: Vec<u32>,
    pub(crate) latency_limit: Vec<f64>,
}

/// The big arrays of a tick, kept by the matcher between ticks so the next tick
/// reuses their memory instead of faulting in fresh pages (a tick over 100,000
/// tickets fills tens of megabytes).
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    entries: Vec<Entry>,
    lists: Vec<Vec<(f64, f64, u32)>>,
    pools: Vec<Pool>,
    memberships: Vec<(u32, u32)>,
    membership_start: Vec<u32>,
    pub(crate) matched: Vec<bool>,
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(
        config: &'a QueueConfig,
        tickets: &'a [Ticket],
        now: DateTime<Utc>,
        buffers: &mut Buffers,
    ) -> Self {
        let spec = config.spec();
        let mut dims = Vec::new();
        if spec.region.is_some() {
            dims.push(Dim::Region);
        }
        let mut numeric_rules = Vec::new();
        for (i, rule) in spec.custom.iter().enumerate() {
            match rule.kind {
                CustomRuleKind::NumericDifference { .. } => numeric_rules.push(i),
                CustomRuleKind::Equal { .. } | CustomRuleKind::Intersect { .. } => {
                    dims.push(Dim::Custom(i));
                }
            }
        }
        let mut entries = std::mem::take(&mut buffers.entries);
        entries.clear();
        entries.reserve(tickets.len());
        let mut memberships = std::mem::take(&mut buffers.memberships);
        memberships.clear();
        let mut membership_start = std::mem::take(&mut buffers.membership_start);
        membership_start.clear();
        let mut prep = Prepared {
            config,
            tickets,
            entries,
            numeric: Vec::new(),
            numeric_rules,
            pools: Vec::new(),
            memberships,
            membership_start,
            interners: dims.iter().map(|_| Interner::default()).collect(),
            dims,
            expired: Vec::new(),
            rejected: Vec::new(),
            regions: Vec::new(),
            latencies: Vec::new(),
            latency_start: vec![0],
            latency_limit: Vec::new(),
        };
        let order = age_order(tickets);
        let now_us = now.timestamp_micros();
        let mut options = Options::default();
        for t in order {
            let ticket = &tickets[t as usize];
            let wait = ticket.wait_from_micros(now_us);
            if config.max_wait().is_some_and(|max| wait > max) {
                prep.expired.push(ticket.id());
                continue;
            }
            if let Err(reason) = prep.usable(ticket) {
                prep.rejected.push((ticket.id(), reason));
                continue;
            }
            let premade = spec
                .party
                .premade_size_difference
                .as_ref()
                .map_or(u32::MAX, |w| w.at(wait).floor() as u32);
            let first = &ticket.players()[0];
            prep.entries.push(Entry {
                ticket: t,
                rating: ticket.rating().rating(),
                window: spec.rating_window.at(wait),
                size: ticket.size() as u32,
                premade,
                wait,
                seating: Seating {
                    ticket: ticket.id(),
                    player: first.id,
                    rating: first.rating,
                },
            });
            for &r in &prep.numeric_rules {
                let rule = &spec.custom[r];
                let CustomRuleKind::NumericDifference { max } = &rule.kind else {
                    continue;
                };
                prep.numeric.push(Reach {
                    value: ticket.attributes().numbers[&rule.attribute],
                    window: max.at(wait),
                });
            }
            if !prep.dims.is_empty() {
                prep.partition_options(ticket, wait, &mut options);
            }
        }
        prep.build_pools(&options, buffers);
        prep
    }

    /// Hands the big arrays back for the next tick; returns the expired and
    /// rejected tickets.
    pub(crate) fn recycle(self, buffers: &mut Buffers) -> (Vec<TicketId>, Vec<(TicketId, String)>) {
        buffers.entries = self.entries;
        buffers.pools = self.pools;
        buffers.memberships = self.memberships;
        buffers.membership_start = self.membership_start;
        (self.expired, self.rejected)
    }

    /// Cheap checks that every rule can read what it needs from the ticket (the
    /// runner validates fully when a ticket is queued; the queue name is not
    /// compared here — the caller passes one queue's tickets, and a lobby
    /// refuses tickets of another queue).
    fn usable(&self, ticket: &Ticket) -> Result<(), String> {
        if ticket.size() as u32 > self.config.max_party_size() {
            return Err(format!(
                "party of {} exceeds the queue's limit of {}",
                ticket.size(),
                self.config.max_party_size()
            ));
        }
        let attrs = ticket.attributes();
        match &self.config.spec().region {
            Some(RegionRule::Same) if attrs.region.is_none() => {
                return Err("no region given".into());
            }
            Some(RegionRule::BestCommon { .. }) if attrs.latencies.is_empty() => {
                return Err("no latencies given".into());
            }
            _ => {}
        }
        for rule in &self.config.spec().custom {
            let present = match rule.kind {
                CustomRuleKind::NumericDifference { .. } => {
                    attrs.numbers.contains_key(&rule.attribute)
                }
                CustomRuleKind::Equal { .. } => attrs.strings.contains_key(&rule.attribute),
                CustomRuleKind::Intersect { .. } => attrs.sets.contains_key(&rule.attribute),
            };
            if !present {
                return Err(format!("attribute {:?} is missing", rule.attribute));
            }
        }
        Ok(())
    }

    /// For each partition dimension, the values under which the ticket may meet
    /// others at its current wait, appended to `out`.
    fn partition_options(
        &mut self,
        ticket: &'a Ticket,
        wait: std::time::Duration,
        out: &mut Options,
    ) {
        let spec = self.config.spec();
        let attrs = ticket.attributes();
        for (d, dim) in self.dims.iter().enumerate() {
            let interner = &mut self.interners[d];
            match *dim {
                Dim::Region => {
                    let regions = &mut self.regions;
                    let mut id_of = |region: &'a Region| {
                        let id = interner.id(region.as_str());
                        if id as usize == regions.len() {
                            regions.push(region.clone());
                        }
                        id
                    };
                    match &spec.region {
                        Some(RegionRule::Same) => {
                            if let Some(region) = &attrs.region {
                                out.values.push(id_of(region));
                            }
                        }
                        Some(RegionRule::BestCommon { max_latency_ms }) => {
                            let limit = max_latency_ms.at(wait);
                            for (region, &ms) in &attrs.latencies {
                                let id = id_of(region);
                                self.latencies.push((id, ms));
                                if f64::from(ms) <= limit {
                                    out.values.push(id);
                                }
                            }
                            self.latency_limit.push(limit);
                            self.latency_start.push(self.latencies.len() as u32);
                        }
                        None => {}
                    }
                }
                Dim::Custom(r) => {
                    let rule = &spec.custom[r];
                    let relaxed = match rule.kind {
                        CustomRuleKind::Equal { relax_after_secs }
                        | CustomRuleKind::Intersect { relax_after_secs } => {
                            relax_after_secs.is_some_and(|s| wait.as_secs() >= s)
                        }
                        CustomRuleKind::NumericDifference { .. } => false,
                    };
                    match rule.kind {
                        CustomRuleKind::Equal { .. } => {
                            out.values
                                .push(interner.id(attrs.strings[&rule.attribute].as_str()));
                        }
                        CustomRuleKind::Intersect { .. } => {
                            for v in &attrs.sets[&rule.attribute] {
                                out.values.push(interner.id(v.as_str()));
                            }
                        }
                        CustomRuleKind::NumericDifference { .. } => {}
                    }
                    if relaxed {
                        out.values.push(WILDCARD);
                    }
                }
            }
            out.ends.push(out.values.len() as u32);
        }
    }

    fn build_pools(&mut self, options: &Options, buffers: &mut Buffers) {
        let n = self.entries.len();
        let dims = self.dims.len();
        // Reuse the last tick's lists (cleared) before allocating new ones.
        let mut spare = std::mem::take(&mut buffers.lists);
        let mut lists: Vec<Vec<(f64, f64, u32)>> = Vec::new();
        let mut new_list = |lists: &mut Vec<Vec<(f64, f64, u32)>>| {
            let mut list = spare.pop().unwrap_or_default();
            list.clear();
            lists.push(list);
        };
        if dims == 0 {
            new_list(&mut lists);
            lists[0].extend(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(e, entry)| (entry.rating, entry.window, e as u32)),
            );
        } else if dims == 1 {
            // One dimension (typically the region): values index the pools.
            let slots = self.interners[0].len() + 1;
            let mut slot_of = vec![u32::MAX; slots];
            for e in 0..n {
                let entry = self.entries[e];
                for &v in options.dim(e, 0, dims) {
                    let i = if v == WILDCARD { slots - 1 } else { v as usize };
                    if slot_of[i] == u32::MAX {
                        slot_of[i] = lists.len() as u32;
                        new_list(&mut lists);
                    }
                    lists[slot_of[i] as usize].push((entry.rating, entry.window, e as u32));
                }
            }
        } else {
            let mut index: HashMap<Box<[u32]>, usize> = HashMap::new();
            let mut per_dim: Vec<Vec<u32>> = vec![Vec::new(); dims];
            for e in 0..n {
                let entry = self.entries[e];
                for (d, values) in per_dim.iter_mut().enumerate() {
                    values.clear();
                    values.extend_from_slice(options.dim(e, d, dims));
                }
                for_each_combination(&per_dim, &mut |key| {
                    let slot = match index.get(key) {
                        Some(&slot) => slot,
                        None => {
                            index.insert(key.into(), lists.len());
                            new_list(&mut lists);
                            lists.len() - 1
                        }
                    };
                    lists[slot].push((entry.rating, entry.window, e as u32));
                });
            }
        }
        // Positions per entry, gathered pool by pool then regrouped per entry.
        let mut per_entry: Vec<Vec<(u32, u32)>> = if dims == 0 {
            Vec::new()
        } else {
            vec![Vec::new(); n]
        };
        let mut single = vec![0u32; if dims == 0 { n } else { 0 }];
        let mut spare_pools = std::mem::take(&mut buffers.pools);
        for (p, mut list) in lists.into_iter().enumerate() {
            // Stable radix sort by rating: equal ratings keep entry (age) order.
            radsort::sort_by_key(&mut list, |m| m.0);
            for (pos, m) in list.iter().enumerate() {
                if dims == 0 {
                    single[m.2 as usize] = pos as u32;
                } else {
                    per_entry[m.2 as usize].push((p as u32, pos as u32));
                }
            }
            let mut pool = spare_pools.pop().unwrap_or_default();
            pool.rebuild(&list);
            self.pools.push(pool);
            buffers.lists.push(list);
        }
        self.membership_start.reserve(n + 1);
        self.membership_start.push(0);
        if dims == 0 {
            self.memberships
                .extend(single.into_iter().map(|pos| (0, pos)));
            self.membership_start.extend(1..=n as u32);
        } else {
            for list in per_entry {
                self.memberships.extend(list);
                self.membership_start.push(self.memberships.len() as u32);
            }
        }
    }

    /// The `(pool, position)` memberships of entry `e`.
    pub(crate) fn memberships_of(&self, e: usize) -> &[(u32, u32)] {
        let (a, b) = (self.membership_start[e], self.membership_start[e + 1]);
        &self.memberships[a as usize..b as usize]
    }

    /// Removes entry `e` from every pool's future searches.
    pub(crate) fn clear_entry(&self, e: usize) {
        let (a, b) = (self.membership_start[e], self.membership_start[e + 1]);
        for &(pool, pos) in &self.memberships[a as usize..b as usize] {
            self.pools[pool as usize].kill(pos as usize);
        }
    }

    /// Entry `e`'s `(region id, latency)` pairs and its latency limit (under
    /// the best-common-region rule).
    pub(crate) fn latencies_of(&self, e: usize) -> (&[(u32, u32)], f64) {
        let (a, b) = (self.latency_start[e], self.latency_start[e + 1]);
        (
            &self.latencies[a as usize..b as usize],
            self.latency_limit[e],
        )
    }

    /// The numeric reaches of entry `e`.
    pub(crate) fn numeric_of(&self, e: usize) -> &[Reach] {
        let k = self.numeric_rules.len();
        &self.numeric[e * k..(e + 1) * k]
    }
}

/// Every entry's partition values, flat: for entry `e` and dimension `d`, the
/// values are `values[ends[e·dims + d − 1] .. ends[e·dims + d]]`.
#[derive(Debug, Default)]
struct Options {
    values: Vec<u32>,
    ends: Vec<u32>,
}

impl Options {
    fn dim(&self, e: usize, d: usize, dims: usize) -> &[u32] {
        let i = e * dims + d;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.values[start..self.ends[i] as usize]
    }
}

/// Ticket indices ordered by enqueue time, then id. Stores hand tickets over
/// oldest first, so the common case is a check, not a sort.
fn age_order(tickets: &[Ticket]) -> Vec<u32> {
    let key = |t: &Ticket| (t.enqueued_micros(), t.id());
    let sorted = tickets.windows(2).all(|w| key(&w[0]) <= key(&w[1]));
    let mut order: Vec<u32> = (0..tickets.len() as u32).collect();
    if !sorted {
        order.sort_unstable_by(|&a, &b| key(&tickets[a as usize]).cmp(&key(&tickets[b as usize])));
    }
    order
}
