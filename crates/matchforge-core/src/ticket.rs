//! Tickets: one player or one party waiting in one queue.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{PartyId, PlayerId, QueueName, Region, Role, TicketId};
use crate::rating::{PartyRatingStrategy, Rating};

/// One player on a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketPlayer {
    /// The player.
    pub id: PlayerId,
    /// The player's own rating on the queue's ladder.
    pub rating: Rating,
    /// Roles the player accepts, most preferred first. Empty means any role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
}

impl TicketPlayer {
    /// A player who accepts any role.
    #[must_use]
    pub fn new(id: PlayerId, rating: Rating) -> Self {
        Self {
            id,
            rating,
            roles: Vec::new(),
        }
    }

    /// The same player accepting `roles`, most preferred first.
    #[must_use]
    pub fn with_roles<R: Into<Role>>(mut self, roles: impl IntoIterator<Item = R>) -> Self {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }
}

/// What a ticket brings for the queue's rules besides ratings and roles.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attributes {
    /// The region the ticket wants to play in (used by the same-region rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// Measured round-trip latency in milliseconds per region (used by the
    /// best-common-region rule). For a party, the worst member's latency.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub latencies: BTreeMap<Region, u32>,
    /// String attributes, compared for equality by custom rules (`"mode": "ranked"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub strings: BTreeMap<String, String>,
    /// Numeric attributes, compared by difference by custom rules (`"level": 42`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub numbers: BTreeMap<String, f64>,
    /// Set attributes, which must intersect under custom rules (`"maps": ["dust", "nuke"]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sets: BTreeMap<String, BTreeSet<String>>,
}

impl Attributes {
    /// No attributes.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the ticket's region.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<Region>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Records the latency to `region`.
    #[must_use]
    pub fn with_latency(mut self, region: impl Into<Region>, millis: u32) -> Self {
        self.latencies.insert(region.into(), millis);
        self
    }

    /// Sets a string attribute.
    #[must_use]
    pub fn with_string(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.strings.insert(key.into(), value.into());
        self
    }

    /// Sets a numeric attribute.
    #[must_use]
    pub fn with_number(mut self, key: impl Into<String>, value: f64) -> Self {
        self.numbers.insert(key.into(), value);
        self
    }

    /// Sets a set attribute.
    #[must_use]
    pub fn with_set<S: Into<String>>(
        mut self,
        key: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        self.sets
            .insert(key.into(), values.into_iter().map(Into::into).collect());
        self
    }

    fn validate(&self) -> Result<()> {
        let unnamed = |r: &Region| r.as_str().trim().is_empty();
        if self.region.as_ref().is_some_and(unnamed) || self.latencies.keys().any(unnamed) {
            return Err(Error::InvalidTicket("a region needs a name".into()));
        }
        for (key, value) in &self.numbers {
            if !value.is_finite() {
                return Err(Error::InvalidTicket(format!(
                    "numeric attribute {key:?} is {value}, must be finite"
                )));
            }
        }
        Ok(())
    }
}

/// One player or one party waiting in one queue.
///
/// A ticket is immutable once built and always valid: at least one player, no
/// player twice, finite attributes, named regions. Its `rating` is the party rating the queue's
/// [`PartyRatingStrategy`] gives (a solo ticket's rating is the player's own).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use matchforge_core::ids::{PlayerId, QueueName, TicketId};
/// use matchforge_core::rating::{PartyRating, Rating};
/// use matchforge_core::ticket::{Ticket, TicketPlayer};
///
/// let at = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
/// let ticket = Ticket::builder(TicketId::from_u128(1), QueueName::new("ranked"), at)
///     .player(TicketPlayer::new(PlayerId::from_u128(10), Rating::new(1600.0, 80.0, 0.06)?))
///     .player(TicketPlayer::new(PlayerId::from_u128(11), Rating::new(1400.0, 80.0, 0.06)?))
///     .build(&PartyRating::Average)?;
/// assert_eq!(ticket.size(), 2);
/// assert_eq!(ticket.rating().rating(), 1500.0);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TicketRepr", into = "TicketRepr")]
// `repr(C)` keeps the fields in this order: what the matcher reads of every
// ticket on every tick (id, enqueue time, rating, first player, player count)
// shares the first two cache lines; the rest follows.
#[repr(C)]
pub struct Ticket {
    id: TicketId,
    /// `enqueued_at` in microseconds since the epoch, so the matcher computes
    /// waits with one subtraction.
    enqueued_us: i64,
    rating: Rating,
    /// The first player's id and rating, copied out of `players`: a solo
    /// ticket is then matched without following the pointer to its player
    /// list, which on a large queue is a cache miss per ticket.
    lead_id: PlayerId,
    lead_rating: Rating,
    players: Vec<TicketPlayer>,
    queue: QueueName,
    party: Option<PartyId>,
    enqueued_at: DateTime<Utc>,
    attributes: Attributes,
}

impl Ticket {
    /// Starts building a ticket.
    pub fn builder(id: TicketId, queue: QueueName, enqueued_at: DateTime<Utc>) -> TicketBuilder {
        TicketBuilder {
            id,
            queue,
            enqueued_at,
            party: None,
            players: Vec::new(),
            attributes: Attributes::default(),
        }
    }

    /// The ticket's id.
    #[must_use]
    pub fn id(&self) -> TicketId {
        self.id
    }

    /// The queue it waits in.
    #[must_use]
    pub fn queue(&self) -> &QueueName {
        &self.queue
    }

    /// The party it stands for, if any.
    #[must_use]
    pub fn party(&self) -> Option<PartyId> {
        self.party
    }

    /// Its players (at least one).
    #[must_use]
    pub fn players(&self) -> &[TicketPlayer] {
        &self.players
    }

    /// Number of players.
    #[must_use]
    pub fn size(&self) -> usize {
        self.players.len()
    }

    /// The ticket's rating: the party rating, or the solo player's rating.
    #[must_use]
    pub fn rating(&self) -> Rating {
        self.rating
    }

    /// When the ticket was first queued. Requeued tickets keep this time.
    #[must_use]
    pub fn enqueued_at(&self) -> DateTime<Utc> {
        self.enqueued_at
    }

    /// How long the ticket has waited at `now` (zero if `now` is earlier).
    #[must_use]
    pub fn wait(&self, now: DateTime<Utc>) -> std::time::Duration {
        self.wait_from_micros(now.timestamp_micros())
    }

    /// The first player's id and rating (see the `lead_id` field).
    pub(crate) fn lead(&self) -> (PlayerId, Rating) {
        (self.lead_id, self.lead_rating)
    }

    /// The enqueue time in microseconds since the epoch.
    pub(crate) fn enqueued_micros(&self) -> i64 {
        self.enqueued_us
    }

    /// The wait at `now_us` microseconds since the epoch (zero if earlier).
    /// Saturating: between chrono's extreme dates the difference does not fit
    /// an `i64`, and such a wait is past any limit anyway.
    pub(crate) fn wait_from_micros(&self, now_us: i64) -> std::time::Duration {
        let micros = now_us.saturating_sub(self.enqueued_us);
        std::time::Duration::from_micros(u64::try_from(micros).unwrap_or(0))
    }

    /// The ticket's attributes.
    #[must_use]
    pub fn attributes(&self) -> &Attributes {
        &self.attributes
    }

    /// Whether `player` is on this ticket.
    #[must_use]
    pub fn contains(&self, player: PlayerId) -> bool {
        self.players.iter().any(|p| p.id == player)
    }

    /// The ids of its players.
    pub fn player_ids(&self) -> impl Iterator<Item = PlayerId> + '_ {
        self.players.iter().map(|p| p.id)
    }
}

/// Builds a [`Ticket`]; see [`Ticket::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct TicketBuilder {
    id: TicketId,
    queue: QueueName,
    enqueued_at: DateTime<Utc>,
    party: Option<PartyId>,
    players: Vec<TicketPlayer>,
    attributes: Attributes,
}

impl TicketBuilder {
    /// Adds a player.
    pub fn player(mut self, player: TicketPlayer) -> Self {
        self.players.push(player);
        self
    }

    /// Adds several players.
    pub fn players(mut self, players: impl IntoIterator<Item = TicketPlayer>) -> Self {
        self.players.extend(players);
        self
    }

    /// Marks the ticket as standing for `party`.
    pub fn party(mut self, party: PartyId) -> Self {
        self.party = Some(party);
        self
    }

    /// Sets the attributes.
    pub fn attributes(mut self, attributes: Attributes) -> Self {
        self.attributes = attributes;
        self
    }

    /// Validates and builds the ticket, rating a party with `strategy`.
    ///
    /// # Errors
    /// [`Error::InvalidTicket`] for no players, a duplicate player, a non-finite
    /// attribute or an empty region name; the strategy's error if it cannot rate the party.
    pub fn build(self, strategy: &dyn PartyRatingStrategy) -> Result<Ticket> {
        let rating = match self.players.as_slice() {
            [] => {
                return Err(Error::InvalidTicket(
                    "a ticket needs at least one player".into(),
                ));
            }
            [solo] => solo.rating,
            many => {
                let ratings: Vec<Rating> = many.iter().map(|p| p.rating).collect();
                strategy.party_rating(&ratings)?
            }
        };
        Ticket::assemble(TicketRepr {
            id: self.id,
            queue: self.queue,
            party: self.party,
            players: self.players,
            rating,
            enqueued_at: self.enqueued_at,
            attributes: self.attributes,
        })
    }
}

/// The serialised form of a ticket; deserialising validates it again.
#[derive(Serialize, Deserialize)]
struct TicketRepr {
    id: TicketId,
    queue: QueueName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    party: Option<PartyId>,
    players: Vec<TicketPlayer>,
    rating: Rating,
    enqueued_at: DateTime<Utc>,
    #[serde(default)]
    attributes: Attributes,
}

impl Ticket {
    fn assemble(r: TicketRepr) -> Result<Ticket> {
        if r.players.is_empty() {
            return Err(Error::InvalidTicket(format!(
                "ticket {} has no players",
                r.id
            )));
        }
        let mut seen = BTreeSet::new();
        for p in &r.players {
            if !seen.insert(p.id) {
                return Err(Error::InvalidTicket(format!(
                    "player {} appears twice on ticket {}",
                    p.id, r.id
                )));
            }
        }
        r.attributes.validate()?;
        let lead = &r.players[0];
        if r.players.len() == 1 && r.rating != lead.rating {
            return Err(Error::InvalidTicket(format!(
                "ticket {} carries the rating {:?}, not its one player's ({}: {:?})",
                r.id, r.rating, lead.id, lead.rating
            )));
        }
        Ok(Ticket {
            id: r.id,
            lead_id: lead.id,
            lead_rating: lead.rating,
            queue: r.queue,
            party: r.party,
            players: r.players,
            rating: r.rating,
            enqueued_us: r.enqueued_at.timestamp_micros(),
            enqueued_at: r.enqueued_at,
            attributes: r.attributes,
        })
    }
}

impl TryFrom<TicketRepr> for Ticket {
    type Error = Error;

    fn try_from(r: TicketRepr) -> Result<Self> {
        Ticket::assemble(r)
    }
}

impl From<Ticket> for TicketRepr {
    fn from(t: Ticket) -> Self {
        TicketRepr {
            id: t.id,
            queue: t.queue,
            party: t.party,
            players: t.players,
            rating: t.rating,
            enqueued_at: t.enqueued_at,
            attributes: t.attributes,
        }
    }
}
