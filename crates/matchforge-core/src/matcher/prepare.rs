//! The first half of a tick: sort out expired and unusable tickets, compute every
//! ticket's relaxed limits at `now`, and build the pools.

use std::cell::Cell;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::pools::{Gone, Interner, Pool, WILDCARD, for_each_combination};
use super::roles::RoleTable;
use super::sort::{SortScratch, sort_members};
use crate::ids::{PlayerId, Region, TicketId};
use crate::queue::{CustomRuleKind, QueueConfig, RegionRule};
use crate::rating::Rating;
use crate::ticket::Ticket;

/// A ticket that takes part in the tick: what the search reads of it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    /// The ticket's (party) rating.
    pub(crate) rating: f64,
    /// Its rating window at `now`.
    pub(crate) window: f64,
    /// Players on the ticket.
    pub(crate) size: u32,
    /// Largest premade-size difference it accepts (`u32::MAX`: no rule).
    pub(crate) premade: u32,
    /// Index into the tick's ticket slice.
    pub(crate) ticket: u32,
}

/// What a proposal needs of a solo ticket (and the id of any), copied in the
/// sequential pass over the tickets and kept apart from [`Entry`] so the
/// search's array stays small. One cache line each.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
pub(crate) struct EntryInfo {
    /// The ticket's id.
    pub(crate) id: TicketId,
    /// Its first player, with the ticket's rating as the seat reports it (all
    /// a solo ticket's proposal needs: it never follows the pointer to the
    /// ticket's player list).
    pub(crate) lead: PlayerSeat,
}

/// A player as a proposal needs them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlayerSeat {
    pub(crate) id: PlayerId,
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
    /// The same tickets' ids and first players.
    pub(crate) infos: Vec<EntryInfo>,
    /// And how long they have waited (longest first).
    pub(crate) waits: Vec<std::time::Duration>,
    /// `entries.len() × numeric_rules` reaches, entry-major.
    pub(crate) numeric: Vec<Reach>,
    /// Indices (into the queue's custom rules) of the numeric rules.
    pub(crate) numeric_rules: Vec<usize>,
    pub(crate) pools: Vec<Pool>,
    /// `(pool, position)` of every entry, entry-major; see `membership_start`.
    pub(crate) memberships: Vec<(u32, u32)>,
    pub(crate) membership_start: Vec<u32>,
    /// Every entry sits in exactly one pool (no partition, or one value per
    /// entry): a matched entry is then removed at the position the search
    /// found it, without looking up its memberships.
    pub(crate) single_pool: bool,
    /// Per entry, whether it was matched this tick (in any pool).
    pub(crate) matched: Vec<Cell<bool>>,
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
    /// Every entry's role preferences, resolved in the same pass.
    pub(crate) roles: RoleTable,
}

/// The big arrays of a tick, kept by the matcher between ticks so the next tick
/// reuses their memory instead of faulting in fresh pages (a tick over 100,000
/// tickets fills tens of megabytes).
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    entries: Vec<Entry>,
    infos: Vec<EntryInfo>,
    waits: Vec<std::time::Duration>,
    lists: Vec<Vec<(f64, f64, u32)>>,
    pools: Vec<Pool>,
    memberships: Vec<(u32, u32)>,
    membership_start: Vec<u32>,
    matched: Vec<Cell<bool>>,
    roles: RoleTable,
    sort: SortScratch,
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
        let mut infos = std::mem::take(&mut buffers.infos);
        infos.clear();
        infos.reserve(tickets.len());
        let mut waits = std::mem::take(&mut buffers.waits);
        waits.clear();
        waits.reserve(tickets.len());
        let mut memberships = std::mem::take(&mut buffers.memberships);
        memberships.clear();
        let mut membership_start = std::mem::take(&mut buffers.membership_start);
        membership_start.clear();
        let mut roles = std::mem::take(&mut buffers.roles);
        roles.reset_for(config);
        let mut prep = Prepared {
            config,
            tickets,
            entries,
            infos,
            waits,
            numeric: Vec::new(),
            numeric_rules,
            pools: Vec::new(),
            memberships,
            membership_start,
            single_pool: true,
            matched: std::mem::take(&mut buffers.matched),
            interners: dims.iter().map(|_| Interner::default()).collect(),
            dims,
            expired: Vec::new(),
            rejected: Vec::new(),
            regions: Vec::new(),
            latencies: Vec::new(),
            latency_start: vec![0],
            latency_limit: Vec::new(),
            roles,
        };
        let now_us = now.timestamp_micros();
        let mut options = Options::default();
        // Stores hand tickets over oldest first: take them in that order,
        // checking as we go, and sort only if one turns out of order (then
        // start over, so the result does not depend on the order given).
        let key = |t: &Ticket| (t.enqueued_micros(), t.id());
        let mut sorted = true;
        for (t, ticket) in tickets.iter().enumerate() {
            if t > 0 && key(&tickets[t - 1]) > key(ticket) {
                sorted = false;
                break;
            }
            prep.add(t as u32, now_us, &mut options);
        }
        if !sorted {
            prep.reset(&mut options);
            for t in age_order(tickets) {
                prep.add(t, now_us, &mut options);
            }
        }
        prep.build_pools(&options, buffers);
        prep.matched.clear();
        prep.matched.resize(prep.entries.len(), Cell::new(false));
        prep
    }

    /// Takes ticket `t` into the tick: expired, rejected, or an entry with its
    /// limits at `now_us` and its partition values in `options`.
    fn add(&mut self, t: u32, now_us: i64, options: &mut Options) {
        let config = self.config;
        let spec = config.spec();
        let ticket = &self.tickets[t as usize];
        let wait = ticket.wait_from_micros(now_us);
        if config.max_wait().is_some_and(|max| wait > max) {
            self.expired.push(ticket.id());
            return;
        }
        if let Err(reason) = config.usable(ticket) {
            self.rejected.push((ticket.id(), reason));
            return;
        }
        let premade = spec
            .party
            .premade_size_difference
            .as_ref()
            .map_or(u32::MAX, |w| w.at(wait).floor() as u32);
        let rating = ticket.rating().rating();
        self.entries.push(Entry {
            rating,
            window: spec.rating_window.at(wait),
            size: ticket.size() as u32,
            premade,
            ticket: t,
        });
        let (lead, lead_rating) = ticket.lead();
        self.infos.push(EntryInfo {
            id: ticket.id(),
            lead: PlayerSeat {
                id: lead,
                rating: lead_rating.with_rating(rating),
            },
        });
        self.waits.push(wait);
        self.roles.add(spec.roles.as_ref(), ticket);
        for &r in &self.numeric_rules {
            let rule = &spec.custom[r];
            let CustomRuleKind::NumericDifference { max } = &rule.kind else {
                continue;
            };
            self.numeric.push(Reach {
                value: ticket.attributes().numbers[&rule.attribute],
                window: max.at(wait),
            });
        }
        if !self.dims.is_empty() {
            self.partition_options(ticket, wait, options);
        }
    }

    /// Forgets every ticket taken so far.
    fn reset(&mut self, options: &mut Options) {
        self.entries.clear();
        self.infos.clear();
        self.waits.clear();
        self.numeric.clear();
        self.expired.clear();
        self.rejected.clear();
        self.regions.clear();
        self.latencies.clear();
        self.latency_start.clear();
        self.latency_start.push(0);
        self.latency_limit.clear();
        self.roles.clear_entries();
        for interner in &mut self.interners {
            *interner = Interner::default();
        }
        options.values.clear();
        options.ends.clear();
    }

    /// Hands the big arrays back for the next tick; returns the expired and
    /// rejected tickets.
    pub(crate) fn recycle(self, buffers: &mut Buffers) -> (Vec<TicketId>, Vec<(TicketId, String)>) {
        buffers.entries = self.entries;
        buffers.infos = self.infos;
        buffers.waits = self.waits;
        buffers.pools = self.pools;
        buffers.memberships = self.memberships;
        buffers.membership_start = self.membership_start;
        buffers.matched = self.matched;
        buffers.roles = self.roles;
        (self.expired, self.rejected)
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
        // Memberships per entry, entry-major: count them, then place each
        // pool's positions at its members' cursors (pools in order, so an
        // entry's memberships come by pool).
        let mut cursor = std::mem::take(&mut self.membership_start);
        cursor.clear();
        cursor.resize(n + 1, 0);
        for list in &lists {
            for m in list {
                cursor[m.2 as usize + 1] += 1;
            }
        }
        for e in 0..n {
            cursor[e + 1] += cursor[e];
        }
        let total = cursor[n] as usize;
        self.single_pool = total == n && (0..n).all(|e| cursor[e] == e as u32);
        self.memberships.clear();
        self.memberships.resize(total, (0, 0));
        let mut spare_pools = std::mem::take(&mut buffers.pools);
        for (p, mut list) in lists.into_iter().enumerate() {
            // Stable: equal ratings keep entry (age) order.
            sort_members(&mut list, &mut buffers.sort);
            for (pos, m) in list.iter().enumerate() {
                let at = &mut cursor[m.2 as usize];
                self.memberships[*at as usize] = (p as u32, pos as u32);
                *at += 1;
            }
            let mut pool = spare_pools.pop().unwrap_or_default();
            pool.rebuild(&list);
            self.pools.push(pool);
            buffers.lists.push(list);
        }
        // Each cursor now sits at the end of its entry's run, where the next
        // entry's starts: shift them right by one for the starts.
        cursor.rotate_right(1);
        cursor[0] = 0;
        self.membership_start = cursor;
    }

    /// The `(pool, position)` memberships of entry `e`.
    pub(crate) fn memberships_of(&self, e: usize) -> &[(u32, u32)] {
        let (a, b) = (self.membership_start[e], self.membership_start[e + 1]);
        &self.memberships[a as usize..b as usize]
    }

    /// The matched flags the pools' queries take: none with a single pool,
    /// where every match is killed where it was found.
    pub(crate) fn gone(&self) -> &Gone {
        if self.single_pool { &[] } else { &self.matched }
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

/// Ticket indices ordered by enqueue time, then id.
fn age_order(tickets: &[Ticket]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..tickets.len() as u32).collect();
    order.sort_by_key(|&t| {
        let ticket = &tickets[t as usize];
        (ticket.enqueued_micros(), ticket.id())
    });
    order
}
