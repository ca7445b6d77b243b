//! Everything the store holds, and the bookkeeping shared by several ports.
//!
//! Each fact lives in one place; the other maps are indexes over it, kept in
//! step by the helpers here so that no port updates one without the other.

use std::collections::{BTreeSet, VecDeque};

use foldhash::HashMap;

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
    /// Every lobby committed, finished ones included until pruned. Stored
    /// and replaced through [`put_lobby`](Self::put_lobby) and
    /// [`remove_lobby`](Self::remove_lobby), which keep `finished` in step.
    pub(crate) lobbies: HashMap<LobbyId, Versioned<Lobby>>,
    /// Index: finished lobbies by the time they finished.
    finished: BTreeSet<(DateTime<Utc>, LobbyId)>,
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
    /// Index: every record by completion time.
    records_by_time: BTreeSet<(DateTime<Utc>, LobbyId)>,
    /// The event log, oldest first, after the `events_trimmed` oldest events
    /// were dropped: the event at index `i` has cursor
    /// `(0, events_trimmed + i + 1)`.
    pub(crate) events: VecDeque<Event>,
    pub(crate) events_trimmed: u64,
    /// The most events the log keeps (`None`: all).
    pub(crate) event_log_max_len: Option<usize>,
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

    /// Adds a match record to the history and its indexes.
    pub(crate) fn insert_record(&mut self, record: MatchRecord) {
        for player in record.teams.iter().flatten() {
            self.records_of
                .entry(*player)
                .or_default()
                .insert((record.completed_at, record.lobby));
        }
        self.records_by_time
            .insert((record.completed_at, record.lobby));
        self.records.insert(record.lobby, record);
    }

    /// Stores `lobby` under its id (none is stored there: see
    /// [`remove_lobby`](Self::remove_lobby)), indexing it if finished.
    pub(crate) fn put_lobby(&mut self, lobby: Versioned<Lobby>) {
        let value = &lobby.value;
        if value.phase().is_finished() {
            self.finished.insert((value.updated_at(), value.id()));
        }
        self.lobbies.insert(value.id(), lobby);
    }

    /// Takes lobby `id` out of the store and the finished index.
    pub(crate) fn remove_lobby(&mut self, id: LobbyId) -> Option<Versioned<Lobby>> {
        let lobby = self.lobbies.remove(&id)?;
        if lobby.value.phase().is_finished() {
            self.finished.remove(&(lobby.value.updated_at(), id));
        }
        Some(lobby)
    }

    /// Appends `event` to the log, dropping the oldest past the log's limit.
    pub(crate) fn push_event(&mut self, event: Event) {
        self.events.push_back(event);
        self.trim_events();
    }

    /// Drops the oldest events past the log's limit.
    pub(crate) fn trim_events(&mut self) {
        if let Some(max) = self.event_log_max_len {
            while self.events.len() > max {
                self.events.pop_front();
                self.events_trimmed += 1;
            }
        }
    }

    /// Removes the lobbies that finished before `before`; returns how many.
    pub(crate) fn prune_lobbies(&mut self, before: DateTime<Utc>) -> usize {
        let kept = self.finished.split_off(&(before, LobbyId::from_u128(0)));
        let pruned = std::mem::replace(&mut self.finished, kept);
        for (_, id) in &pruned {
            self.lobbies.remove(id);
        }
        pruned.len()
    }

    /// Removes the match records completed before `before` from the history
    /// and its indexes; returns how many.
    pub(crate) fn prune_records(&mut self, before: DateTime<Utc>) -> usize {
        let kept = self
            .records_by_time
            .split_off(&(before, LobbyId::from_u128(0)));
        let pruned = std::mem::replace(&mut self.records_by_time, kept);
        for key in &pruned {
            let Some(record) = self.records.remove(&key.1) else {
                continue;
            };
            for player in record.teams.iter().flatten() {
                if let Some(played) = self.records_of.get_mut(player) {
                    played.remove(key);
                    if played.is_empty() {
                        self.records_of.remove(player);
                    }
                }
            }
        }
        pruned.len()
    }

    /// Removes the cooldowns that ended at or before `now`; returns how many.
    pub(crate) fn prune_cooldowns(&mut self, now: DateTime<Utc>) -> usize {
        let before = self.cooldowns.len();
        self.cooldowns.retain(|_, until| *until > now);
        before - self.cooldowns.len()
    }
}
