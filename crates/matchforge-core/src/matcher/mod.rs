//! The matcher: a pure function from the tickets of one queue, the queue's
//! configuration and the time to match proposals.
//!
//! # How it works
//!
//! 1. Tickets that waited past the queue's `max_wait` are reported as expired;
//!    tickets the rules cannot read are reported as rejected.
//! 2. Every other ticket's limits are relaxed to its own wait at `now`: its
//!    rating window, numeric windows, acceptable latency, premade tolerance, and
//!    whether it still insists on equal strings or intersecting sets.
//! 3. Tickets are split into *pools* by the equality-like rules (region, equal
//!    strings, intersecting sets); a ticket may sit in several pools, and one
//!    that has relaxed a rule also sits in that rule's wildcard pool. Each pool
//!    is sorted by rating once (O(n log n)).
//! 4. Tickets are served oldest first. Around each unmatched ticket the
//!    search streams nearby tickets in order of rating distance through segment
//!    trees (O(log n) per step) and takes the first combination that satisfies
//!    every rule and can be split into teams (see [`crate::teams`]).
//!
//! # The window of a match
//!
//! A match is valid only if **every ticket accepts it under its own relaxed
//! limits**: each ticket's rating window (and numeric windows) must contain the
//! rating (attribute) of every other ticket in the match. A long-waiting ticket
//! therefore widens its own tolerance, but never forces a new ticket into a
//! match that ticket's narrower window would refuse.
//!
//! # Cost
//!
//! O(n log n) per tick for n waiting tickets: one sort per pool, then per
//! anchor a bounded number of O(log n) tree steps (at most sixteen times the
//! search breadth) and a search capped at a fixed node budget. No pairwise scan
//! of the queue.
//!
//! # Guarantees (each a property test)
//!
//! Every ticket is in at most one proposal; parties are never split; teams have
//! exactly the format's sizes; role compositions are met; every rule holds
//! under each ticket's window at `now`; the oldest ticket that has a valid
//! match within the search breadth is in a proposal; the same input gives the
//! same output; and, within the search breadth, a ticket is left waiting only
//! if no valid match exists for it among the tickets still unmatched.
//!
//! *Within the search breadth* means among the
//! [`search_breadth`](crate::queue::QueueConfig::search_breadth) tickets
//! nearest in rating that every rule accepts. Numeric custom rules are a
//! second dimension the rating order does not know: a search skips the
//! tickets they refuse, but at most sixteen times the breadth of them, so a
//! partner that sits behind more misfits than that is not seen on this tick
//! (raise the breadth for a queue whose numeric rules refuse most of its
//! rating neighbours).
//!
//! # Input
//!
//! The tickets of one queue, each ticket id once and each player on one
//! ticket, as a [`TicketStore`](crate::ports::TicketStore) returns them (its
//! enqueue refuses a player who already waits). The matcher does not check
//! this on every tick: over 100,000 tickets a hashed check measured about
//! 4 ms on the development machine, a fifth of a 1v1 tick there, for a
//! property every store already guarantees. A list assembled any other way
//! should go through [`check_distinct`] first: given a repeated ticket or
//! player, the matcher may propose it twice.

mod build;
mod explain;
mod pools;
mod prepare;
mod proposal;
mod roles;
mod search;
mod sort;
mod tree;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use explain::Blocker;
pub use proposal::{MatchProposal, MatchQuality, Seat};

use crate::error::Result;
use crate::ids::TicketId;
use crate::queue::QueueConfig;
use crate::rating::{Elo, RatingAlgorithm};
use crate::ticket::Ticket;
use build::{BATCH, Builder};
use prepare::{Buffers, Prepared};
use search::{Kept, Searcher};

/// How many anchors ahead the matcher loads the pool slots around them.
const TOUCH_AHEAD: usize = 16;

/// Loads the pool slots around each unmatched anchor in `anchors`, where
/// their searches start. The anchors sit at random places in rating order,
/// so each search would start with cache misses: first on the anchor's slot
/// (which links to its live neighbours), then on the neighbours'. Loaded in
/// two rounds over the batch, the loads of a round do not depend on each
/// other, so the processor overlaps their misses, and the searches then find
/// the slots in cache.
fn touch_anchors(prep: &Prepared<'_>, anchors: std::ops::Range<usize>) {
    let mut links = [(0u32, 0u32, 0u32); TOUCH_AHEAD];
    let mut count = 0;
    for e in anchors {
        if prep.matched[e].get() {
            continue;
        }
        if let Some(&(pool, pos)) = prep.memberships_of(e).first() {
            let (left, right) = prep.pools[pool as usize].links(pos as usize);
            links[count] = (pool, left, right);
            count += 1;
        }
    }
    let mut acc = 0u32;
    for &(pool, left, right) in &links[..count] {
        let pool = &prep.pools[pool as usize];
        acc ^= pool.touch(left as usize) ^ pool.touch(right as usize);
    }
    std::hint::black_box(acc);
}

/// Checks that `tickets` name every ticket once and every player on one
/// ticket only, as the matcher expects of its input (see the [module
/// documentation](self#input)).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use matchforge_core::ids::{PlayerId, QueueName, TicketId};
/// use matchforge_core::matcher::check_distinct;
/// use matchforge_core::rating::{PartyRating, Rating};
/// use matchforge_core::ticket::{Ticket, TicketPlayer};
///
/// let at = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
/// let ticket = |t: u128, p: u128| {
///     Ticket::builder(TicketId::from_u128(t), QueueName::new("duel"), at)
///         .player(TicketPlayer::new(PlayerId::from_u128(p), Rating::new(1500.0, 60.0, 0.06)?))
///         .build(&PartyRating::Average)
/// };
/// assert!(check_distinct(&[ticket(1, 10)?, ticket(2, 20)?]).is_ok());
/// let err = check_distinct(&[ticket(1, 10)?, ticket(2, 10)?]).unwrap_err();
/// assert!(err.to_string().contains("is on tickets"));
/// # Ok::<(), matchforge_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidTicket`](crate::Error::InvalidTicket) naming the first
/// ticket id that appears twice, or the first player on two tickets.
pub fn check_distinct(tickets: &[Ticket]) -> Result<()> {
    let mut ids = std::collections::HashSet::with_capacity(tickets.len());
    let mut players = std::collections::HashMap::with_capacity(tickets.len());
    for ticket in tickets {
        if !ids.insert(ticket.id()) {
            return Err(crate::Error::InvalidTicket(format!(
                "ticket {} appears twice",
                ticket.id()
            )));
        }
        for player in ticket.players() {
            if let Some(other) = players.insert(player.id, ticket.id()) {
                return Err(crate::Error::InvalidTicket(format!(
                    "player {} is on tickets {other} and {}",
                    player.id,
                    ticket.id()
                )));
            }
        }
    }
    Ok(())
}

/// What one tick of the matcher decided.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchOutcome {
    /// Proposed matches, in the order they were built (oldest anchor first).
    pub proposals: Vec<MatchProposal>,
    /// Tickets that waited longer than the queue's `max_wait`.
    pub expired: Vec<TicketId>,
    /// Tickets the queue's rules cannot use, with the reason.
    pub rejected: Vec<(TicketId, String)>,
}

/// Matches the tickets of one queue.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use matchforge_core::ids::{PlayerId, QueueName, TicketId};
/// use matchforge_core::matcher::Matcher;
/// use matchforge_core::queue::{MatchFormat, QueueSpec, Widening};
/// use matchforge_core::rating::{PartyRating, Rating};
/// use matchforge_core::ticket::{Ticket, TicketPlayer};
///
/// let config = QueueSpec::new("duel", MatchFormat::one_v_one())
///     .with_rating_window(Widening::linear(50.0, 10.0, 400.0)?)
///     .build()?;
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
/// let ticket = |n: u128, rating: f64| {
///     Ticket::builder(TicketId::from_u128(n), QueueName::new("duel"), t0)
///         .player(TicketPlayer::new(PlayerId::from_u128(n), Rating::new(rating, 60.0, 0.06)?))
///         .build(&PartyRating::Average)
/// };
/// let tickets = vec![ticket(1, 1500.0)?, ticket(2, 1580.0)?, ticket(3, 1530.0)?];
/// let matcher = Matcher::new(config);
///
/// // At once, 1500 and 1530 are within each other's 50-point window.
/// let outcome = matcher.find_matches(&tickets, t0);
/// assert_eq!(outcome.proposals.len(), 1);
/// let matched: Vec<TicketId> = outcome.proposals[0].tickets().collect();
/// assert_eq!(matched, vec![TicketId::from_u128(1), TicketId::from_u128(3)]);
///
/// // 1580 waits; the matcher says why.
/// let why = matcher.explain(TicketId::from_u128(2), &tickets[1..2], t0)?;
/// assert_eq!(why[0].to_string(), "no opponent within 1580 ± 50 yet");
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Matcher {
    config: QueueConfig,
    predictor: Arc<dyn RatingAlgorithm>,
    /// Memory kept between ticks (shared by clones; a tick that finds it in
    /// use works without it).
    buffers: Arc<Mutex<Buffers>>,
}

impl Matcher {
    /// A matcher for `config` that predicts win probabilities with Elo's
    /// logistic curve (400-point scale).
    #[must_use]
    pub fn new(config: QueueConfig) -> Self {
        Self {
            config,
            predictor: Arc::new(Elo::default()),
            buffers: Arc::default(),
        }
    }

    /// Uses `predictor` (normally the queue's rating algorithm) for the win
    /// probability in [`MatchQuality`].
    #[must_use]
    pub fn with_predictor(mut self, predictor: Arc<dyn RatingAlgorithm>) -> Self {
        self.predictor = predictor;
        self
    }

    /// The queue configuration.
    #[must_use]
    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    /// Proposes as many matches as the rules allow among `tickets` at `now`.
    ///
    /// `tickets` are one queue's, each ticket and each player once (see the
    /// [module documentation](self#input) and [`check_distinct`]).
    #[must_use]
    pub fn find_matches(&self, tickets: &[Ticket], now: DateTime<Utc>) -> MatchOutcome {
        self.find_matches_limited(tickets, now, usize::MAX)
    }

    /// Like [`find_matches`](Self::find_matches), stopping after `max_matches`
    /// proposals (the oldest tickets are still served first).
    #[must_use]
    pub fn find_matches_limited(
        &self,
        tickets: &[Ticket],
        now: DateTime<Utc>,
        max_matches: usize,
    ) -> MatchOutcome {
        // Reuse the last tick's arrays when no other tick holds them.
        let mut shared = self.buffers.try_lock().ok();
        let mut own = Buffers::default();
        let buffers: &mut Buffers = match shared.as_deref_mut() {
            Some(b) => b,
            None => &mut own,
        };
        let prep = Prepared::new(&self.config, tickets, now, buffers);
        let mut searcher = Searcher::new(&prep);
        // At most one match per `players` players.
        let total_players: usize = prep.entries.iter().map(|e| e.size as usize).sum();
        let most =
            (total_players / self.config.format().players().max(1) as usize).min(max_matches);
        let mut proposals = Vec::with_capacity(most);
        let mut builder = Builder::new(&self.config, self.predictor.as_ref());
        let mut kept = Kept::default();
        let n = prep.entries.len();
        for e in 0..n {
            if proposals.len() + builder.pending() >= max_matches {
                break;
            }
            if e % TOUCH_AHEAD == 0 {
                touch_anchors(&prep, e..(e + TOUCH_AHEAD).min(n));
            }
            if prep.matched[e].get() {
                continue;
            }
            let pools = prep.memberships_of(e).len();
            let mut best: Option<f64> = None;
            for m in 0..pools {
                let (pool, pos) = prep.memberships_of(e)[m];
                let within = best.unwrap_or(f64::INFINITY);
                let Some(spread) = searcher.search_pool(&prep, e as u32, pool, pos, within) else {
                    continue;
                };
                if best.is_none_or(|b| spread < b) {
                    best = Some(spread);
                    if pools > 1 {
                        searcher.save(&mut kept);
                    }
                }
            }
            let Some(spread) = best else {
                continue;
            };
            if pools > 1 {
                searcher.restore(&kept);
            }
            if !searcher.balance(&prep) {
                // Cannot happen: the search only keeps sets it proved splittable.
                debug_assert!(false, "a kept match has no valid split");
                continue;
            }
            let chosen = searcher.chosen();
            let (pool, positions) = searcher.positions();
            // Killed where the search found them; other pools learn of it
            // from the flags when a search runs into them there.
            for (&m, &pos) in chosen.iter().zip(positions) {
                prep.matched[m as usize].set(true);
                prep.pools[pool].kill(pos as usize);
            }
            builder.push(chosen, searcher.solution(), spread);
            if builder.pending() == BATCH {
                builder.flush(&prep, &mut proposals);
            }
        }
        builder.flush(&prep, &mut proposals);
        let (expired, rejected) = prep.recycle(buffers);
        MatchOutcome {
            proposals,
            expired,
            rejected,
        }
    }

    /// Why `ticket` is still waiting: one [`Blocker`] per rule that keeps it from
    /// every match, or a note that compatible tickets exist but do not yet add up
    /// to a valid match. An empty list means the ticket can be matched now.
    ///
    /// Pass the tickets still waiting (after the tick's matches are committed):
    /// a ticket whose compatible partners were just matched to others is
    /// otherwise reported as [`Blocker::NoValidCombination`].
    ///
    /// # Cost
    /// One pass over `tickets` per rule, and, when every rule finds a
    /// compatible ticket, one [`find_matches`](Self::find_matches) over them to
    /// tell whether a whole match exists: about the cost of a tick (on the
    /// development machine, over 100,000 tickets, about 12 ms for a 1v1 queue
    /// and 120 ms for the 5v5 benchmark's). Meant for one ticket on demand, not
    /// for every waiting ticket on every tick.
    ///
    /// # Errors
    /// [`Error::TicketNotFound`](crate::Error::TicketNotFound) if `ticket` is not
    /// among `tickets`.
    pub fn explain(
        &self,
        ticket: TicketId,
        tickets: &[Ticket],
        now: DateTime<Utc>,
    ) -> Result<Vec<Blocker>> {
        explain::explain(&self.config, ticket, tickets, now)
    }
}
