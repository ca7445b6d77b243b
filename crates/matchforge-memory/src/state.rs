//! Everything the store holds, and the bookkeeping shared by several ports.
//!
//! Each fact lives in one place; the other maps are indexes over it, kept in
//! step by the helpers here so that no port updates one without the other.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use matchforge_core::event::Event;
use matchforge_core::history::MatchRecord;
use matchforge_core::ids::{Ladder, LobbyId, PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::party::Party;
use matchforge_core::ports::Versioned;
use matchforge_core::rating::Rating;
use matchforge_core::ticket::Ticket;
use matchforge_core::{Error, Result};

use crate::queue::QueueSlab;

/// The whole store, behind [`MemoryStore`](crate::MemoryStore)'s mutex.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Waiting tickets per queue: the only copy of a waiting ticket.
    queues: HashMap<QueueName, QueueSlab>,
    /// Index: the queue each waiting ticket is in.
    waiting: HashMap<TicketId, QueueName>,
    /// Index: the waiting ticket that holds each player.
    waiting_players: HashMap<PlayerId, TicketId>,
    /// Every lobby ever committed, finished ones included.
    pub(crate) lobbies: HashMap<LobbyId, Versioned<Lobby>>,
    /// Index: the unfinished lobby each player is in.
    pub(crate) in_lobby: HashMap<PlayerId, LobbyId>,
    /// Index: unfinished lobbies with an open ready check, by deadline.
    pub(crate) deadlines: BTreeSet<(DateTime<Utc>, LobbyId)>,
    /// When each player's latest cooldown ends.
    pub(crate) cooldowns: HashMap<PlayerId, DateTime<Utc>>,
    /// Ratings per ladder.
    pub(crate) ratings: HashMap<Ladder, HashMap<PlayerId, Rating>>,
    /// Parties.
    pub(crate) parties: HashMap<PartyId, Versioned<Party>>,
    /// Index: the party each member belongs to.
    pub(crate) party_of: HashMap<PlayerId, PartyId>,
    /// Match records by lobby.
    pub(crate) records: HashMap<LobbyId, MatchRecord>,
    /// Index: each player's records by completion time.
    pub(crate) records_of: HashMap<PlayerId, BTreeSet<(DateTime<Utc>, LobbyId)>>,
    /// The event log; the event at index `i` has cursor `(0, i + 1)`.
    pub(crate) events: Vec<Event>,
}

impl State {
    /// The waiting ticket `id`.
    pub(crate) fn waiting_ticket(&self, id: TicketId) -> Option<&Ticket> {
        let queue = self.waiting.get(&id)?;
        self.queues.get(queue)?.get(id)
    }

    /// The waiting ticket that holds `player`.
    pub(crate) fn waiting_ticket_of(&self, player: PlayerId) -> Option<&Ticket> {
        self.waiting_ticket(*self.waiting_players.get(&player)?)
    }

    /// Every waiting ticket of `queue`, oldest first.
    pub(crate) fn ordered(&mut self, queue: &QueueName) -> Vec<Ticket> {
        self.queues
            .get_mut(queue)
            .map(QueueSlab::ordered)
            .unwrap_or_default()
    }

    /// Checks that `ticket` could start waiting: its id is not waiting, none of
    /// its players is waiting or in an unfinished lobby other than `leaving`
    /// (the lobby a requeued ticket comes back from).
    pub(crate) fn check_can_wait(&self, ticket: &Ticket, leaving: Option<LobbyId>) -> Result<()> {
        if let Some(queue) = self.waiting.get(&ticket.id()) {
            return Err(Error::AlreadyQueued {
                player: ticket.players()[0].id,
                ticket: ticket.id(),
                queue: queue.clone(),
            });
        }
        for player in ticket.player_ids() {
            if let Some(held) = self.waiting_ticket_of(player) {
                return Err(Error::AlreadyQueued {
                    player,
                    ticket: held.id(),
                    queue: held.queue().clone(),
                });
            }
        }
        for player in ticket.player_ids() {
            if let Some(&lobby) = self.in_lobby.get(&player)
                && Some(lobby) != leaving
            {
                return Err(Error::InLobby { player, lobby });
            }
        }
        Ok(())
    }

    /// Puts `ticket` in its queue (checked beforehand).
    pub(crate) fn insert_waiting(&mut self, ticket: Ticket) {
        for player in ticket.player_ids() {
            self.waiting_players.insert(player, ticket.id());
        }
        self.waiting.insert(ticket.id(), ticket.queue().clone());
        self.queues
            .entry(ticket.queue().clone())
            .or_insert_with(QueueSlab::new)
            .push(ticket);
    }

    /// Takes the waiting ticket `id` out of its queue.
    pub(crate) fn remove_waiting(&mut self, id: TicketId) -> Option<Ticket> {
        let queue_name = self.waiting.remove(&id)?;
        let queue = self.queues.get_mut(&queue_name)?;
        let ticket = queue.remove(id)?;
        if queue.is_empty() {
            self.queues.remove(&queue_name);
        }
        for player in ticket.player_ids() {
            self.waiting_players.remove(&player);
        }
        Some(ticket)
    }

    /// Adds an unfinished lobby's players and deadline to the indexes.
    pub(crate) fn index_lobby(&mut self, lobby: &Lobby) {
        if lobby.phase().is_finished() {
            return;
        }
        for player in lobby.players() {
            self.in_lobby.insert(player, lobby.id());
        }
        if let Some(deadline) = lobby.deadline() {
            self.deadlines.insert((deadline, lobby.id()));
        }
    }

    /// Removes a lobby's players and deadline from the indexes.
    pub(crate) fn unindex_lobby(&mut self, lobby: &Lobby) {
        for player in lobby.players() {
            if self.in_lobby.get(&player) == Some(&lobby.id()) {
                self.in_lobby.remove(&player);
            }
        }
        if let Some(deadline) = lobby.deadline() {
            self.deadlines.remove(&(deadline, lobby.id()));
        }
    }

    /// Adds a match record to the history and its per-player index.
    pub(crate) fn insert_record(&mut self, record: MatchRecord) {
        for player in record.teams.iter().flatten() {
            self.records_of
                .entry(*player)
                .or_default()
                .insert((record.completed_at, record.lobby));
        }
        self.records.insert(record.lobby, record);
    }
}
