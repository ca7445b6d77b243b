//! The [`Matchmaker`]: every service a game backend calls, over one store.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use matchforge_core::error::{Error, Result};
use matchforge_core::ids::{Ladder, PartyId, PlayerId, QueueName, Role, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::matcher::{Blocker, Matcher};
use matchforge_core::ports::DynStore;
use matchforge_core::rating::Rating;
use matchforge_core::ticket::{Attributes, Ticket, TicketPlayer};
use tracing::warn;

use crate::clock::{Clock, SystemClock};
use crate::ids::{IdGenerator, RandomIds};
use crate::metrics;
use crate::parties::holds_exactly;
use crate::settings::QueueSettings;

/// How many times an operation that lost an optimistic-concurrency race is
/// retried before the conflict is reported.
pub(crate) const RETRIES: usize = 8;

/// `now + duration`, saturating at the latest time chrono can represent
/// instead of panicking. [`QueueSettings`]' limits keep every configured
/// duration far below that; this is the second line of defence.
pub(crate) fn later(now: DateTime<Utc>, duration: std::time::Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(duration)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A queue as the matchmaker holds it: settings plus its matcher.
#[derive(Debug)]
pub(crate) struct QueueRuntime {
    pub(crate) settings: QueueSettings,
    pub(crate) matcher: Matcher,
}

/// The matchmaking services over one store: queueing (solo and parties),
/// parties, lobbies (ready checks, dispatch, results) and ticking the queues.
///
/// Cheap to share: wrap it in an [`Arc`] and call it from any task. Several
/// matchmakers (in one process or many) may share one store; the store's
/// atomic commits keep them from claiming a ticket twice.
///
/// ```
/// use std::sync::Arc;
/// use matchforge_core::ids::PlayerId;
/// use matchforge_core::queue::{MatchFormat, QueueSpec};
/// use matchforge_core::ticket::Attributes;
/// use matchforge_memory::MemoryStore;
/// use matchforge_runner::{Matchmaker, QueueSettings};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), matchforge_core::Error> {
/// let duel = QueueSpec::new("duel", MatchFormat::one_v_one()).build()?;
/// let mm = Matchmaker::builder(Arc::new(MemoryStore::new()))
///     .queue(QueueSettings::new(duel).without_ready_check())
///     .build()?;
/// mm.join("duel", PlayerId::from_u128(1), Attributes::new(), &[]).await?;
/// mm.join("duel", PlayerId::from_u128(2), Attributes::new(), &[]).await?;
/// let report = mm.tick_queue(&"duel".into()).await?;
/// assert_eq!(report.matches, 1);
/// # Ok(())
/// # }
/// ```
pub struct Matchmaker {
    pub(crate) store: Arc<DynStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: Arc<dyn IdGenerator>,
    pub(crate) queues: BTreeMap<QueueName, QueueRuntime>,
    pub(crate) max_party_size: usize,
}

/// Builds a [`Matchmaker`]; see [`Matchmaker::builder`].
#[must_use]
pub struct MatchmakerBuilder {
    store: Arc<DynStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    queues: Vec<QueueSettings>,
    max_party_size: usize,
}

impl std::fmt::Debug for Matchmaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matchmaker")
            .field("queues", &self.queues.keys().collect::<Vec<_>>())
            .field("clock", &self.clock)
            .field("ids", &self.ids)
            .field("max_party_size", &self.max_party_size)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for MatchmakerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchmakerBuilder")
            .field(
                "queues",
                &self
                    .queues
                    .iter()
                    .map(QueueSettings::name)
                    .collect::<Vec<_>>(),
            )
            .field("max_party_size", &self.max_party_size)
            .finish_non_exhaustive()
    }
}

impl MatchmakerBuilder {
    /// Adds a queue.
    pub fn queue(mut self, settings: QueueSettings) -> Self {
        self.queues.push(settings);
        self
    }

    /// Reads time from `clock` (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Makes ids with `ids` (default: random UUIDs).
    pub fn ids(mut self, ids: Arc<dyn IdGenerator>) -> Self {
        self.ids = ids;
        self
    }

    /// The largest party players may form (default 5).
    pub fn max_party_size(mut self, size: usize) -> Self {
        self.max_party_size = size;
        self
    }

    /// Validates the queues and builds the matchmaker.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for no queues, a queue defined twice, a bad
    /// setting (among them a duration beyond its limit:
    /// [`QueueSettings::MAX_TICK_INTERVAL`], [`QueueSettings::MAX_READY_CHECK`],
    /// [`QueueSettings::MAX_DECLINE_COOLDOWN`], or a decline cooldown on a
    /// queue without a ready check), queues sharing a ladder with rating
    /// algorithms of different names or initial ratings (their ratings would
    /// be on different scales), or a party size of 0.
    pub fn build(self) -> Result<Matchmaker> {
        if self.queues.is_empty() {
            return Err(Error::InvalidConfig(
                "a matchmaker needs at least one queue".into(),
            ));
        }
        if self.max_party_size == 0 {
            return Err(Error::InvalidConfig(
                "the maximum party size must be at least 1".into(),
            ));
        }
        let mut queues = BTreeMap::new();
        for settings in self.queues {
            settings.validate()?;
            let name = settings.name().clone();
            let matcher =
                Matcher::new(settings.config.clone()).with_predictor(settings.algorithm.clone());
            if queues
                .insert(name.clone(), QueueRuntime { settings, matcher })
                .is_some()
            {
                return Err(Error::InvalidConfig(format!(
                    "queue {name} is defined twice"
                )));
            }
        }
        // Queues sharing a ladder read and write the same ratings: they must
        // rate on one scale (Weng-Lin starts at 25, Glicko-2 at 1500).
        let mut rated_by: BTreeMap<&Ladder, &QueueSettings> = BTreeMap::new();
        for q in queues.values() {
            let settings = &q.settings;
            let first = *rated_by.entry(settings.ladder()).or_insert(settings);
            let (a, b) = (first.algorithm(), settings.algorithm());
            if a.name() != b.name() || a.initial_rating() != b.initial_rating() {
                return Err(Error::InvalidConfig(format!(
                    "queues {} and {} share ladder {} but rate it differently ({} starting at \
                     {}, {} starting at {}): give each rating system a ladder of its own",
                    first.name(),
                    settings.name(),
                    settings.ladder(),
                    a.name(),
                    a.initial_rating().rating(),
                    b.name(),
                    b.initial_rating().rating(),
                )));
            }
        }
        Ok(Matchmaker {
            store: self.store,
            clock: self.clock,
            ids: self.ids,
            queues,
            max_party_size: self.max_party_size,
        })
    }
}

/// Where a player stands.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerStatus {
    /// Neither waiting nor in an unfinished lobby.
    Idle,
    /// Waiting on this ticket.
    Queued(Box<Ticket>),
    /// In this unfinished lobby.
    InLobby(Box<Lobby>),
}

impl Matchmaker {
    /// Starts building a matchmaker over `store`.
    pub fn builder(store: Arc<DynStore>) -> MatchmakerBuilder {
        MatchmakerBuilder {
            store,
            clock: Arc::new(SystemClock),
            ids: Arc::new(RandomIds),
            queues: Vec::new(),
            max_party_size: 5,
        }
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Arc<DynStore> {
        &self.store
    }

    /// The clock.
    #[must_use]
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The settings of every queue.
    pub fn queues(&self) -> impl Iterator<Item = &QueueSettings> {
        self.queues.values().map(|q| &q.settings)
    }

    pub(crate) fn queue(&self, name: &QueueName) -> Result<&QueueRuntime> {
        self.queues
            .get(name)
            .ok_or_else(|| Error::QueueNotFound(name.clone()))
    }

    /// The stored ratings of `players` on `queue`'s ladder, the algorithm's
    /// initial rating for those without one.
    ///
    /// # Errors
    /// [`Error::QueueNotFound`]; store errors.
    pub async fn ratings(&self, queue: &QueueName, players: &[PlayerId]) -> Result<Vec<Rating>> {
        let q = self.queue(queue)?;
        let stored = self.store.ratings(&q.settings.ladder, players).await?;
        let initial = q.settings.algorithm.initial_rating();
        Ok(stored.into_iter().map(|r| r.unwrap_or(initial)).collect())
    }

    /// Queues `player` alone, accepting `roles` (most preferred first; empty:
    /// any role), with `attributes` for the queue's rules.
    ///
    /// # Errors
    /// [`Error::QueueNotFound`]; [`Error::InvalidTicket`] if the ticket breaks
    /// the queue's rules (unknown role, missing region...); the store's
    /// [`Error::AlreadyQueued`], [`Error::InLobby`], [`Error::Cooldown`].
    pub async fn join(
        &self,
        queue: impl Into<QueueName>,
        player: PlayerId,
        attributes: Attributes,
        roles: &[Role],
    ) -> Result<Ticket> {
        let queue = queue.into();
        let rating = self.ratings(&queue, &[player]).await?[0];
        let ticket = self.build_ticket(
            &queue,
            None,
            vec![TicketPlayer::new(player, rating).with_roles(roles.iter().cloned())],
            attributes,
        )?;
        self.store.enqueue(ticket.clone()).await?;
        Ok(ticket)
    }

    /// Queues the whole party `party`; only its leader `by` may. `roles` gives
    /// members' accepted roles (members not listed take any role).
    ///
    /// The ticket holds the members as they are when it is queued: if the
    /// members change while it is being built (so the change's own
    /// withdrawal may have missed it), it is withdrawn and built again.
    ///
    /// # Errors
    /// As for [`join`](Self::join), plus [`Error::PartyNotFound`],
    /// [`Error::PartyRule`] if `by` is not the leader,
    /// [`Error::InvalidTicket`] if `roles` names a player who is not a
    /// member, and [`Error::Conflict`] if the members kept changing. If the
    /// store fails on the look at the party after queueing, the ticket is
    /// taken back before the error is returned (unless a tick matched it in
    /// between: the party then sits in that lobby, and a retry fails with
    /// [`Error::InLobby`]). In one narrow race —
    /// the members change and a tick matches the new ticket before this call
    /// looks again — the retry fails with [`Error::InLobby`] and the lobby
    /// holds the party as it was read; a cancelled ready check then drops
    /// that stale ticket instead of requeueing it.
    pub async fn join_party(
        &self,
        queue: impl Into<QueueName>,
        party: PartyId,
        by: PlayerId,
        attributes: Attributes,
        roles: &BTreeMap<PlayerId, Vec<Role>>,
    ) -> Result<Ticket> {
        let queue = queue.into();
        for _ in 0..RETRIES {
            let stored = self
                .store
                .party(party)
                .await?
                .ok_or(Error::PartyNotFound(party))?;
            if stored.value.leader() != by {
                return Err(Error::PartyRule {
                    party,
                    reason: format!("only the leader can queue the party (player {by} is not)"),
                });
            }
            let members = stored.value.members().to_vec();
            // A mistyped id would otherwise give its player no roles at all.
            if let Some(stranger) = roles.keys().find(|p| !members.contains(p)) {
                return Err(Error::InvalidTicket(format!(
                    "roles are given for player {stranger}, who is not in party {party}"
                )));
            }
            let ratings = self.ratings(&queue, &members).await?;
            let players = members
                .iter()
                .zip(ratings)
                .map(|(&id, rating)| {
                    TicketPlayer::new(id, rating)
                        .with_roles(roles.get(&id).cloned().unwrap_or_default())
                })
                .collect();
            let ticket = self.build_ticket(&queue, Some(party), players, attributes.clone())?;
            self.store.enqueue(ticket.clone()).await?;
            // A party change saves the party, then withdraws its waiting
            // ticket: if it saved after the read above, either its withdrawal
            // sees this ticket or this look sees the change.
            let now = match self.store.party(party).await {
                Ok(now) => now,
                Err(error) => {
                    // Whether the party changed meanwhile is unknown: take
                    // the ticket back, so the call changed nothing (a change
                    // whose withdrawal ran before the enqueue would leave it
                    // stale). Gone already is fine; a failure is logged.
                    if let Err(undo) = self.withdraw(ticket.id(), self.clock.now()).await {
                        warn!(ticket = %ticket.id(), %error, %undo, "could not check a party ticket against its party nor take it back");
                        metrics::error("party_undo");
                    }
                    return Err(error);
                }
            };
            if now.is_some_and(|p| {
                p.version == stored.version || holds_exactly(&ticket, p.value.members())
            }) {
                return Ok(ticket);
            }
            // Gone already means a tick matched it in this narrow window: the
            // next attempt then meets the leader in that lobby (`InLobby`),
            // and the lobby holds the party as it was when this call read it.
            self.withdraw(ticket.id(), self.clock.now()).await?;
        }
        Err(Error::Conflict(format!(
            "party {party} kept changing under {RETRIES} attempts to queue it; try again"
        )))
    }

    fn build_ticket(
        &self,
        queue: &QueueName,
        party: Option<PartyId>,
        players: Vec<TicketPlayer>,
        attributes: Attributes,
    ) -> Result<Ticket> {
        let q = self.queue(queue)?;
        let mut builder = Ticket::builder(self.ids.ticket(), queue.clone(), self.clock.now())
            .players(players)
            .attributes(attributes);
        if let Some(party) = party {
            builder = builder.party(party);
        }
        let ticket = builder.build(q.settings.config.party_rating())?;
        q.settings.config.validate_ticket(&ticket)?;
        Ok(ticket)
    }

    /// Withdraws a waiting ticket.
    ///
    /// # Errors
    /// [`Error::TicketNotFound`] if it is not waiting; store errors.
    pub async fn cancel(&self, ticket: TicketId) -> Result<Ticket> {
        self.store.cancel(ticket, self.clock.now()).await
    }

    /// Takes `player` out of the queue they wait in (with their whole party
    /// ticket, if any). Returns the withdrawn ticket, or `None` if they were
    /// not waiting.
    ///
    /// # Errors
    /// Store errors.
    pub async fn leave_queue(&self, player: PlayerId) -> Result<Option<Ticket>> {
        let Some(ticket) = self.store.ticket_of(player).await? else {
            return Ok(None);
        };
        match self.store.cancel(ticket.id(), self.clock.now()).await {
            Ok(t) => Ok(Some(t)),
            // Matched or cancelled in between: not waiting any more.
            Err(Error::TicketNotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Where `player` stands: waiting, in a lobby, or neither.
    ///
    /// # Errors
    /// Store errors.
    pub async fn status(&self, player: PlayerId) -> Result<PlayerStatus> {
        if let Some(ticket) = self.store.ticket_of(player).await? {
            return Ok(PlayerStatus::Queued(Box::new(ticket)));
        }
        if let Some(lobby) = self.store.lobby_of(player).await?
            && let Some(lobby) = self.store.lobby(lobby).await?
        {
            return Ok(PlayerStatus::InLobby(Box::new(lobby.value)));
        }
        Ok(PlayerStatus::Idle)
    }

    /// Why a waiting ticket has not been matched: a reason per rule that
    /// blocks it (see [`Matcher::explain`]).
    ///
    /// # Errors
    /// [`Error::TicketNotFound`] if it is not waiting; store errors.
    pub async fn why_waiting(&self, ticket: TicketId) -> Result<Vec<Blocker>> {
        let waiting = self
            .store
            .ticket(ticket)
            .await?
            .ok_or(Error::TicketNotFound(ticket))?;
        let q = self.queue(waiting.queue())?;
        let tickets = self.store.tickets(waiting.queue()).await?;
        q.matcher.explain(ticket, &tickets, self.clock.now())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{DateTime, TimeZone, Utc};

    use super::later;

    #[test]
    fn later_saturates_instead_of_panicking() {
        let now = Utc.with_ymd_and_hms(2026, 5, 1, 18, 0, 0).unwrap();
        assert_eq!(
            later(now, Duration::from_secs(60)),
            now + chrono::Duration::seconds(60)
        );
        assert_eq!(later(now, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        let near_the_end = DateTime::<Utc>::MAX_UTC - chrono::Duration::seconds(1);
        assert_eq!(
            later(near_the_end, Duration::from_secs(86_400)),
            DateTime::<Utc>::MAX_UTC
        );
    }
}
