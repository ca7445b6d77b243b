//! [`LobbyStore`] for [`MemoryStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use foldhash::HashMap;
use matchforge_core::event::Event;
use matchforge_core::ids::{LobbyId, PlayerId};
use matchforge_core::lobby::Lobby;
use matchforge_core::ports::{LobbyStore, LobbyUpdate, Versioned};
use matchforge_core::rating::Rating;
use matchforge_core::{Error, Result};

use crate::MemoryStore;
use crate::state::State;

#[async_trait]
impl LobbyStore for MemoryStore {
    async fn lobby(&self, lobby: LobbyId) -> Result<Option<Versioned<Lobby>>> {
        Ok(self.lock().lobbies.get(&lobby).cloned())
    }

    /// Besides the port's rules, two readings this store enforces (and the
    /// conformance suite checks):
    ///
    /// * tickets are requeued only by the update that finishes the lobby
    ///   (unfinished → completed or cancelled), never while it stays
    ///   unfinished nor again later; a requeued ticket must equal the lobby's
    ///   copy, may be listed once, and fails with
    ///   [`Error::InLobby`] if a player has meanwhile entered another
    ///   unfinished lobby;
    /// * a finished lobby is never updated again, and an unfinished one only
    ///   moves forward ([`Error::IllegalTransition`]; see
    ///   [`LobbyUpdate::check_against`]), and the match record, if any, must
    ///   be this lobby's ([`Error::InvalidResult`]).
    async fn update_lobby(&self, update: LobbyUpdate) -> Result<u64> {
        let mut state = self.lock();
        check_update(&state, &update)?;
        let LobbyUpdate {
            lobby,
            expected_version,
            requeue,
            cooldowns,
            ratings,
            record,
        } = update;
        let old = state
            .remove_lobby(lobby.id())
            .expect("checked: the lobby exists");
        state.unindex_lobby(&old.value);
        state.index_lobby(&lobby);
        let at = lobby.updated_at();
        state.push_event(lobby.state_event());
        for ticket in requeue {
            state.push_event(Event::requeued(&ticket, at));
            state.insert_waiting(ticket);
        }
        for (player, until) in cooldowns {
            let ends = state.cooldowns.entry(player).or_insert(until);
            *ends = (*ends).max(until);
        }
        if let Some((ladder, changes)) = ratings {
            let stored = state.ratings.entry(ladder).or_default();
            for change in changes {
                stored.insert(change.player, change.after);
            }
        }
        if let Some(record) = record {
            state.insert_record(record);
        }
        let version = expected_version + 1;
        state.put_lobby(Versioned {
            value: lobby,
            version,
        });
        Ok(version)
    }

    async fn lobby_of(&self, player: PlayerId) -> Result<Option<LobbyId>> {
        Ok(self.lock().in_lobby.get(&player).copied())
    }

    async fn lobbies_due(&self, before: DateTime<Utc>, limit: usize) -> Result<Vec<LobbyId>> {
        let state = self.lock();
        Ok(state
            .deadlines
            .range(..=(before, LobbyId::from_u128(u128::MAX)))
            .take(limit)
            .map(|&(_, lobby)| lobby)
            .collect())
    }
}

/// Every rule of `update_lobby`, checked before anything changes.
fn check_update(state: &State, update: &LobbyUpdate) -> Result<()> {
    let lobby = &update.lobby;
    let stored = state
        .lobbies
        .get(&lobby.id())
        .ok_or(Error::LobbyNotFound(lobby.id()))?;
    // The rules that depend only on the stored lobby, then those that
    // depend on the rest of the store.
    update.check_against(&stored.value, stored.version)?;
    for ticket in &update.requeue {
        state.check_can_wait(ticket, Some(lobby.id()))?;
    }
    if let Some((ladder, changes)) = &update.ratings {
        let stored = state.ratings.get(ladder);
        let mut seen: HashMap<PlayerId, Rating> = HashMap::default();
        for change in changes {
            let current = seen
                .get(&change.player)
                .or_else(|| stored.and_then(|s| s.get(&change.player)))
                .copied();
            if current != change.before {
                return Err(Error::Conflict(format!(
                    "the rating of player {} on ladder {ladder} is not the one the update was computed from",
                    change.player
                )));
            }
            seen.insert(change.player, change.after);
        }
    }
    if let Some(record) = &update.record {
        if record.lobby != lobby.id() {
            return Err(Error::InvalidResult(format!(
                "lobby {}: the match record is for lobby {}",
                lobby.id(),
                record.lobby
            )));
        }
        if state.records.contains_key(&record.lobby) {
            return Err(Error::Conflict(format!(
                "the match of lobby {} is already recorded",
                record.lobby
            )));
        }
    }
    Ok(())
}
