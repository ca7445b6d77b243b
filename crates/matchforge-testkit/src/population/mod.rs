//! Seeded synthetic populations: tickets for tests, benches and the simulator.
//!
//! A [`PopulationSpec`] describes who queues — how many tickets, how ratings
//! spread, how big parties are, which roles players accept, where they play
//! from — and [`generate`](PopulationSpec::generate) draws the tickets from a
//! ChaCha8 generator seeded with the spec's seed, so the same spec always gives
//! the same tickets, on every platform. [`queue_spec`](PopulationSpec::queue_spec)
//! gives a queue the tickets are valid for.
//!
//! "100,000 5v5 tickets with parties of 1–5, roles and two regions":
//!
//! ```
//! use matchforge_core::queue::{MatchFormat, RoleComposition};
//! use matchforge_testkit::population::PopulationSpec;
//!
//! let spec = PopulationSpec::new("ranked-5v5", 1_000) // 100_000 in a bench
//!     .with_seed(42)
//!     .with_party_sizes([(1, 0.55), (2, 0.2), (3, 0.12), (4, 0.05), (5, 0.08)])
//!     .with_roles(RoleComposition::new([("tank", 1), ("healer", 1), ("dps", 3)]), 3)
//!     .with_regions([("eu", 0.6), ("na", 0.4)]);
//! let tickets = spec.generate()?;
//! let config = spec.queue_spec(MatchFormat::five_v_five()).build()?;
//!
//! assert_eq!(tickets.len(), 1_000);
//! assert!(tickets.iter().all(|t| config.validate_ticket(t).is_ok()));
//! assert!(tickets.iter().all(|t| (1..=5).contains(&t.size())));
//! assert!(tickets.iter().flat_map(|t| t.players()).all(|p| (1..=3).contains(&p.roles.len())));
//! assert_eq!(spec.generate()?, tickets); // same seed, same tickets
//! # Ok::<(), matchforge_core::Error>(())
//! ```

mod distribution;

use std::ops::RangeInclusive;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use matchforge_core::ids::{PartyId, PlayerId, QueueName, Region, Role, TicketId};
use matchforge_core::queue::{MatchFormat, QueueSpec, RegionRule, RoleComposition};
use matchforge_core::rating::{PartyRating, Rating};
use matchforge_core::ticket::{Attributes, Ticket, TicketPlayer};
use matchforge_core::{Error, Result};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use distribution::RatingDistribution;
use distribution::{check_weights, in_range, weighted};

/// `n` solo tickets for `queue`, enqueued at `start`, with ratings drawn from
/// `ratings`: the common case of [`PopulationSpec`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use matchforge_core::ids::QueueName;
/// use matchforge_testkit::population::{RatingDistribution, solo_tickets};
///
/// let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let ratings = RatingDistribution::uniform(1000.0, 2000.0)?;
/// let tickets = solo_tickets(&QueueName::new("duel"), 500, 7, start, ratings);
/// assert_eq!(tickets.len(), 500);
/// assert!(tickets.iter().all(|t| t.size() == 1 && t.enqueued_at() == start));
/// assert!(tickets.iter().all(|t| (1000.0..2000.0).contains(&t.rating().rating())));
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[must_use]
pub fn solo_tickets(
    queue: &QueueName,
    n: usize,
    seed: u64,
    start: DateTime<Utc>,
    ratings: RatingDistribution,
) -> Vec<Ticket> {
    PopulationSpec::new(queue.clone(), n)
        .with_seed(seed)
        .with_start(start)
        .with_ratings(ratings)
        .generate()
        .expect("a solo population with a validated rating distribution is always valid")
}

/// Who queues: the description of a synthetic population. See the
/// [module docs](self) for an example.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct PopulationSpec {
    queue: QueueName,
    tickets: usize,
    seed: u64,
    start: DateTime<Utc>,
    arrival_interval: Duration,
    ratings: RatingDistribution,
    party_spread: f64,
    party_sizes: Vec<(u32, f64)>,
    roles: Option<(RoleComposition, u32)>,
    regions: Vec<(Region, f64)>,
    home_latency: RangeInclusive<u32>,
    away_latency: RangeInclusive<u32>,
    first_id: u128,
    party_rating: PartyRating,
}

impl PopulationSpec {
    /// `tickets` solo tickets for `queue`, all enqueued at 2026-01-01 00:00 UTC,
    /// ratings normal around 1500 (standard deviation 300), seed 0, no roles,
    /// no regions, ids from 1.
    pub fn new(queue: impl Into<QueueName>, tickets: usize) -> Self {
        Self {
            queue: queue.into(),
            tickets,
            seed: 0,
            start: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            arrival_interval: Duration::ZERO,
            ratings: RatingDistribution::default(),
            party_spread: 100.0,
            party_sizes: vec![(1, 1.0)],
            roles: None,
            regions: Vec::new(),
            home_latency: 20..=60,
            away_latency: 90..=180,
            first_id: 1,
            party_rating: PartyRating::default(),
        }
    }

    /// The seed: the same spec and seed give the same tickets.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// When the first ticket is enqueued.
    pub fn with_start(mut self, start: DateTime<Utc>) -> Self {
        self.start = start;
        self
    }

    /// Time between consecutive tickets' enqueue times (default zero: all at
    /// the start).
    pub fn with_arrival_interval(mut self, interval: Duration) -> Self {
        self.arrival_interval = interval;
        self
    }

    /// How ratings spread. A party's first member is drawn from it; the others
    /// within the party spread of the first.
    pub fn with_ratings(mut self, ratings: RatingDistribution) -> Self {
        self.ratings = ratings;
        self
    }

    /// How far (±, uniform) party members' ratings lie from the first
    /// member's (default 100).
    pub fn with_party_spread(mut self, spread: f64) -> Self {
        self.party_spread = spread;
        self
    }

    /// Ticket sizes and their weights, e.g. `[(1, 0.6), (2, 0.25), (5, 0.15)]`.
    pub fn with_party_sizes(mut self, sizes: impl IntoIterator<Item = (u32, f64)>) -> Self {
        self.party_sizes = sizes.into_iter().collect();
        self
    }

    /// Every player accepts 1 to `max_per_player` distinct roles of
    /// `composition`, the first drawn in proportion to its places, the rest at
    /// random; [`queue_spec`](Self::queue_spec)
    /// then requires the composition.
    pub fn with_roles(mut self, composition: RoleComposition, max_per_player: u32) -> Self {
        self.roles = Some((composition, max_per_player));
        self
    }

    /// Regions and the share of tickets that play from each. Every ticket
    /// names its home region and reports a latency to every region: within
    /// the home range at home, within the away range elsewhere.
    pub fn with_regions<R: Into<Region>>(
        mut self,
        regions: impl IntoIterator<Item = (R, f64)>,
    ) -> Self {
        self.regions = regions.into_iter().map(|(r, w)| (r.into(), w)).collect();
        self
    }

    /// Latency ranges in milliseconds (defaults 20–60 at home, 90–180 away).
    pub fn with_latencies(mut self, home: RangeInclusive<u32>, away: RangeInclusive<u32>) -> Self {
        self.home_latency = home;
        self.away_latency = away;
        self
    }

    /// The first ticket, player and party id (as `from_u128`); ids then
    /// count up, so two populations with disjoint id ranges can share a store.
    pub fn with_first_id(mut self, first: u128) -> Self {
        self.first_id = first;
        self
    }

    /// How a party's rating is formed (must match the queue's; default average).
    pub fn with_party_rating(mut self, strategy: PartyRating) -> Self {
        self.party_rating = strategy;
        self
    }

    /// The queue's name.
    #[must_use]
    pub fn queue(&self) -> &QueueName {
        &self.queue
    }

    /// A queue the tickets are valid for: `format`, parties up to the largest
    /// size drawn, the role composition if any, the same-region rule if
    /// regions are set, and this spec's party rating. Adjust it further (rating
    /// window, expiry...) before [`build`](QueueSpec::build); building fails if
    /// a party is bigger than the format's largest team.
    pub fn queue_spec(&self, format: MatchFormat) -> QueueSpec {
        let largest = self.party_sizes.iter().map(|(s, _)| *s).max().unwrap_or(1);
        let mut spec = QueueSpec::new(self.queue.clone(), format)
            .with_max_party_size(largest)
            .with_party_rating(self.party_rating);
        if let Some((composition, _)) = &self.roles {
            spec = spec.with_roles(composition.clone());
        }
        if !self.regions.is_empty() {
            spec = spec.with_region(RegionRule::Same);
        }
        spec
    }

    /// Draws the tickets, oldest first.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a bad weight table, a party size of 0, a
    /// role composition without roles or `max_per_player` of 0, an empty or
    /// reversed latency range, or a negative or non-finite party spread.
    pub fn generate(&self) -> Result<Vec<Ticket>> {
        self.validate()?;
        let size_weights: Vec<f64> = self.party_sizes.iter().map(|(_, w)| *w).collect();
        let region_weights: Vec<f64> = self.regions.iter().map(|(_, w)| *w).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut next_player = self.first_id;
        let mut tickets = Vec::with_capacity(self.tickets);
        for i in 0..self.tickets {
            let id = self.first_id + i as u128;
            let at = self.start + self.arrival_interval * u32::try_from(i).unwrap_or(u32::MAX);
            let size = self.party_sizes[weighted(&mut rng, &size_weights)].0;
            let first = self.ratings.sample(&mut rng);
            let mut players = Vec::with_capacity(size as usize);
            for k in 0..size {
                let value = if k == 0 {
                    first
                } else {
                    first + self.party_spread * (2.0 * rng.random::<f64>() - 1.0)
                };
                let rating = Rating::new(value, 100.0, 0.06)?;
                let player = TicketPlayer::new(PlayerId::from_u128(next_player), rating);
                next_player += 1;
                players.push(match &self.roles {
                    Some((composition, max)) => {
                        player.with_roles(pick_roles(&mut rng, composition, *max))
                    }
                    None => player,
                });
            }
            let mut builder =
                Ticket::builder(TicketId::from_u128(id), self.queue.clone(), at).players(players);
            if size > 1 {
                builder = builder.party(PartyId::from_u128(id));
            }
            if !self.regions.is_empty() {
                builder = builder.attributes(self.attributes(&mut rng, &region_weights));
            }
            tickets.push(builder.build(&self.party_rating)?);
        }
        Ok(tickets)
    }

    fn attributes(&self, rng: &mut ChaCha8Rng, weights: &[f64]) -> Attributes {
        let home = weighted(rng, weights);
        let mut attributes = Attributes::new().with_region(self.regions[home].0.clone());
        for (i, (region, _)) in self.regions.iter().enumerate() {
            let range = if i == home {
                &self.home_latency
            } else {
                &self.away_latency
            };
            attributes = attributes.with_latency(region.clone(), in_range(rng, range));
        }
        attributes
    }

    fn validate(&self) -> Result<()> {
        let bad = |msg: String| {
            Err(Error::InvalidConfig(format!(
                "population for {}: {msg}",
                self.queue
            )))
        };
        let sizes: Vec<f64> = self.party_sizes.iter().map(|(_, w)| *w).collect();
        check_weights("party size", &sizes)?;
        if self.party_sizes.iter().any(|(s, _)| *s == 0) {
            return bad("a party size of 0".into());
        }
        if !self.regions.is_empty() {
            let weights: Vec<f64> = self.regions.iter().map(|(_, w)| *w).collect();
            check_weights("region", &weights)?;
        }
        for (name, range) in [("home", &self.home_latency), ("away", &self.away_latency)] {
            if range.is_empty() {
                return bad(format!("the {name} latency range {range:?} is empty"));
            }
        }
        if let Some((composition, max)) = &self.roles
            && (composition.slots.is_empty() || *max == 0)
        {
            return bad("roles need at least one role and at least one per player".into());
        }
        if !(self.party_spread.is_finite() && self.party_spread >= 0.0) {
            return bad(format!("a party spread of {}", self.party_spread));
        }
        Ok(())
    }
}

/// 1 to `max` distinct roles of `composition`, in a random order.
/// A player's roles: the first (most preferred) drawn in proportion to the
/// composition's places — as in real queues, where the role most places need
/// is also the one most players want (3 dps for every tank) — then up to
/// `max - 1` more, uniformly among the rest.
fn pick_roles(rng: &mut ChaCha8Rng, composition: &RoleComposition, max: u32) -> Vec<Role> {
    let mut roles: Vec<Role> = composition.slots.iter().map(|s| s.role.clone()).collect();
    let weights: Vec<f64> = composition
        .slots
        .iter()
        .map(|s| f64::from(s.count))
        .collect();
    let count = rng.random_range(1..=(max as usize).min(roles.len()));
    roles.swap(0, weighted(rng, &weights));
    for i in 1..count {
        let j = rng.random_range(i..roles.len());
        roles.swap(i, j);
    }
    roles.truncate(count);
    roles
}

#[cfg(test)]
mod tests;
