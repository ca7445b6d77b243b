//! [`TicketStore`] for [`MemoryStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use matchforge_core::event::Event;
use matchforge_core::ids::{PlayerId, QueueName, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::ports::{CommitOutcome, TicketStore, Versioned, check_commit};
use matchforge_core::ticket::Ticket;
use matchforge_core::{Error, Result};

use crate::MemoryStore;

#[async_trait]
impl TicketStore for MemoryStore {
    async fn enqueue(&self, ticket: Ticket) -> Result<()> {
        let mut state = self.lock();
        state.check_can_wait(&ticket, None)?;
        for player in ticket.player_ids() {
            if let Some(&until) = state.cooldowns.get(&player)
                && until > ticket.enqueued_at()
            {
                return Err(Error::Cooldown { player, until });
            }
        }
        state.push_event(Event::queued(&ticket));
        state.insert_waiting(ticket);
        Ok(())
    }

    async fn cancel(&self, ticket: TicketId, at: DateTime<Utc>) -> Result<Ticket> {
        let mut state = self.lock();
        let removed = state
            .remove_waiting(ticket)
            .ok_or(Error::TicketNotFound(ticket))?;
        state.push_event(Event::cancelled(&removed, at));
        Ok(removed)
    }

    async fn ticket(&self, ticket: TicketId) -> Result<Option<Ticket>> {
        Ok(self.lock().waiting_ticket(ticket).cloned())
    }

    async fn ticket_of(&self, player: PlayerId) -> Result<Option<Ticket>> {
        Ok(self.lock().waiting_ticket_of(player).cloned())
    }

    async fn tickets(&self, queue: &QueueName) -> Result<Vec<Ticket>> {
        Ok(self.lock().ordered(queue))
    }

    /// A ticket counts as gone unless the very ticket the lobby holds is still
    /// waiting in the lobby's queue: one that left and came back under the
    /// same id with other content is reported missing too.
    async fn commit(&self, lobby: &Lobby) -> Result<CommitOutcome> {
        check_commit(lobby)?;
        let mut state = self.lock();
        if state.lobbies.contains_key(&lobby.id()) {
            return Err(Error::Conflict(format!(
                "lobby {} has already been committed",
                lobby.id()
            )));
        }
        let missing: Vec<TicketId> = lobby
            .tickets()
            .iter()
            .filter(|t| state.waiting_ticket(t.id()) != Some(*t))
            .map(Ticket::id)
            .collect();
        if !missing.is_empty() {
            return Ok(CommitOutcome::Conflict { missing });
        }
        for id in lobby.ticket_ids() {
            state.remove_waiting(id);
        }
        state.index_lobby(lobby);
        state.put_lobby(Versioned {
            value: lobby.clone(),
            version: 1,
        });
        state.events.extend(lobby.commit_events());
        state.trim_events();
        Ok(CommitOutcome::Committed)
    }

    async fn expire(&self, tickets: &[TicketId], at: DateTime<Utc>) -> Result<Vec<Ticket>> {
        let mut state = self.lock();
        let mut expired = Vec::new();
        for &id in tickets {
            if let Some(ticket) = state.remove_waiting(id) {
                state.push_event(Event::expired(&ticket, at));
                expired.push(ticket);
            }
        }
        Ok(expired)
    }
}
