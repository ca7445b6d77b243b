//! A memory store that fails on cue, shared by the integration tests that
//! need a store to misbehave: [`Hooked`] forwards every port method to a
//! [`MemoryStore`], first asking its [`Hooks`] about the calls a test may
//! want to fail.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use matchforge_core::error::Result;
use matchforge_core::event::{Event, EventCursor};
use matchforge_core::history::MatchRecord;
use matchforge_core::ids::{Ladder, LobbyId, PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::party::Party;
use matchforge_core::ports::{
    CommitOutcome, EventLog, LobbyStore, LobbyUpdate, MatchHistory, PartyStore, RatingStore,
    TicketStore, Versioned,
};
use matchforge_core::rating::Rating;
use matchforge_core::ticket::Ticket;
use matchforge_memory::MemoryStore;

/// What a test does before [`Hooked`] forwards a call, one method per call
/// a test intercepts, each given the call's arguments. An error is returned
/// in place of the call's answer and the call is not forwarded; `Ok` lets
/// it through. Every hook lets every call through unless a test says
/// otherwise.
///
/// (One method per call rather than one taking an enum of calls: each test
/// file compiles this module on its own, and an enum's arguments its hooks
/// never read would be dead code there.)
#[async_trait]
pub(crate) trait Hooks: Send + Sync {
    /// Before [`TicketStore::tickets`].
    fn tickets(&self, _queue: &QueueName) -> Result<()> {
        Ok(())
    }

    /// Before [`TicketStore::commit_many`]. It gets the store, so it can
    /// apply (some of) the batch itself before failing, as a store does
    /// whose reply was lost.
    async fn commit_many(&self, _store: &MemoryStore, _lobbies: &[Lobby]) -> Result<()> {
        Ok(())
    }

    /// Before [`LobbyStore::lobby`].
    fn lobby(&self, _lobby: LobbyId) -> Result<()> {
        Ok(())
    }

    /// Before [`LobbyStore::update_lobby`].
    fn update_lobby(&self, _update: &LobbyUpdate) -> Result<()> {
        Ok(())
    }

    /// Before [`LobbyStore::lobbies_due`].
    fn lobbies_due(&self, _before: DateTime<Utc>, _limit: usize) -> Result<()> {
        Ok(())
    }

    /// Before [`PartyStore::party`].
    fn party(&self, _party: PartyId) -> Result<()> {
        Ok(())
    }

    /// Before [`TicketStore::cancel`]. It gets the store, so it can cancel
    /// the ticket itself before failing, as a store does whose reply was
    /// lost.
    async fn cancel(
        &self,
        _store: &MemoryStore,
        _ticket: TicketId,
        _at: DateTime<Utc>,
    ) -> Result<()> {
        Ok(())
    }

    /// Before [`TicketStore::ticket_of`].
    async fn ticket_of(&self, _player: PlayerId) -> Result<()> {
        Ok(())
    }

    /// Before [`EventLog::events_after`]. It gets the store, so it can look
    /// at the events the call would return.
    async fn events_after(
        &self,
        _store: &MemoryStore,
        _after: Option<EventCursor>,
        _limit: usize,
    ) -> Result<()> {
        Ok(())
    }
}

/// A [`MemoryStore`] whose calls go through `hooks` first. Tests read and
/// set up state through `inner` directly, past the hooks.
pub(crate) struct Hooked<H> {
    /// The store every call is forwarded to.
    pub(crate) inner: MemoryStore,
    /// What the test does before a call is forwarded.
    pub(crate) hooks: H,
}

impl<H: Hooks> Hooked<H> {
    /// An empty memory store behind `hooks`.
    pub(crate) fn new(hooks: H) -> Self {
        Self {
            inner: MemoryStore::new(),
            hooks,
        }
    }
}

#[async_trait]
impl<H: Hooks> TicketStore for Hooked<H> {
    async fn enqueue(&self, ticket: Ticket) -> Result<()> {
        self.inner.enqueue(ticket).await
    }
    async fn cancel(&self, ticket: TicketId, at: DateTime<Utc>) -> Result<Ticket> {
        self.hooks.cancel(&self.inner, ticket, at).await?;
        self.inner.cancel(ticket, at).await
    }
    async fn ticket(&self, ticket: TicketId) -> Result<Option<Ticket>> {
        self.inner.ticket(ticket).await
    }
    async fn ticket_of(&self, player: PlayerId) -> Result<Option<Ticket>> {
        self.hooks.ticket_of(player).await?;
        self.inner.ticket_of(player).await
    }
    async fn tickets(&self, queue: &QueueName) -> Result<Vec<Ticket>> {
        self.hooks.tickets(queue)?;
        self.inner.tickets(queue).await
    }
    async fn commit(&self, lobby: &Lobby) -> Result<CommitOutcome> {
        self.inner.commit(lobby).await
    }
    async fn commit_many(&self, lobbies: &[Lobby]) -> Result<Vec<Result<CommitOutcome>>> {
        self.hooks.commit_many(&self.inner, lobbies).await?;
        self.inner.commit_many(lobbies).await
    }
    async fn expire(&self, tickets: &[TicketId], at: DateTime<Utc>) -> Result<Vec<Ticket>> {
        self.inner.expire(tickets, at).await
    }
}

#[async_trait]
impl<H: Hooks> LobbyStore for Hooked<H> {
    async fn lobby(&self, lobby: LobbyId) -> Result<Option<Versioned<Lobby>>> {
        self.hooks.lobby(lobby)?;
        self.inner.lobby(lobby).await
    }
    async fn update_lobby(&self, update: LobbyUpdate) -> Result<u64> {
        self.hooks.update_lobby(&update)?;
        self.inner.update_lobby(update).await
    }
    async fn lobby_of(&self, player: PlayerId) -> Result<Option<LobbyId>> {
        self.inner.lobby_of(player).await
    }
    async fn lobbies_due(&self, before: DateTime<Utc>, limit: usize) -> Result<Vec<LobbyId>> {
        self.hooks.lobbies_due(before, limit)?;
        self.inner.lobbies_due(before, limit).await
    }
}

#[async_trait]
impl<H: Hooks> RatingStore for Hooked<H> {
    async fn ratings(&self, ladder: &Ladder, players: &[PlayerId]) -> Result<Vec<Option<Rating>>> {
        self.inner.ratings(ladder, players).await
    }
    async fn put_ratings(&self, ladder: &Ladder, ratings: &[(PlayerId, Rating)]) -> Result<()> {
        self.inner.put_ratings(ladder, ratings).await
    }
}

#[async_trait]
impl<H: Hooks> PartyStore for Hooked<H> {
    async fn party(&self, party: PartyId) -> Result<Option<Versioned<Party>>> {
        self.hooks.party(party)?;
        self.inner.party(party).await
    }
    async fn party_of(&self, player: PlayerId) -> Result<Option<Versioned<Party>>> {
        self.inner.party_of(player).await
    }
    async fn save_party(&self, party: &Party, expected_version: Option<u64>) -> Result<u64> {
        self.inner.save_party(party, expected_version).await
    }
    async fn delete_party(&self, party: PartyId, expected_version: u64) -> Result<()> {
        self.inner.delete_party(party, expected_version).await
    }
}

#[async_trait]
impl<H: Hooks> MatchHistory for Hooked<H> {
    async fn match_record(&self, lobby: LobbyId) -> Result<Option<MatchRecord>> {
        self.inner.match_record(lobby).await
    }
    async fn matches_of(
        &self,
        player: PlayerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<MatchRecord>> {
        self.inner.matches_of(player, from, to, limit).await
    }
}

#[async_trait]
impl<H: Hooks> EventLog for Hooked<H> {
    async fn events_after(
        &self,
        after: Option<EventCursor>,
        limit: usize,
    ) -> Result<Vec<(EventCursor, Event)>> {
        self.hooks.events_after(&self.inner, after, limit).await?;
        self.inner.events_after(after, limit).await
    }
}
