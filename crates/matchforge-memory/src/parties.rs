//! [`RatingStore`], [`PartyStore`] and [`MatchHistory`] for [`MemoryStore`]:
//! the records that outlive a match.

use std::ops::Bound;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use matchforge_core::history::MatchRecord;
use matchforge_core::ids::{Ladder, LobbyId, PartyId, PlayerId};
use matchforge_core::party::Party;
use matchforge_core::ports::{MatchHistory, PartyStore, RatingStore, Versioned};
use matchforge_core::rating::Rating;
use matchforge_core::{Error, Result};

use crate::MemoryStore;

#[async_trait]
impl RatingStore for MemoryStore {
    async fn ratings(&self, ladder: &Ladder, players: &[PlayerId]) -> Result<Vec<Option<Rating>>> {
        let state = self.lock();
        let stored = state.ratings.get(ladder);
        Ok(players
            .iter()
            .map(|p| stored.and_then(|s| s.get(p)).copied())
            .collect())
    }

    async fn put_ratings(&self, ladder: &Ladder, ratings: &[(PlayerId, Rating)]) -> Result<()> {
        let mut state = self.lock();
        let stored = state.ratings.entry(ladder.clone()).or_default();
        stored.extend(ratings.iter().copied());
        Ok(())
    }
}

#[async_trait]
impl PartyStore for MemoryStore {
    async fn party(&self, party: PartyId) -> Result<Option<Versioned<Party>>> {
        Ok(self.lock().parties.get(&party).cloned())
    }

    async fn party_of(&self, player: PlayerId) -> Result<Option<Versioned<Party>>> {
        let state = self.lock();
        Ok(state
            .party_of
            .get(&player)
            .and_then(|id| state.parties.get(id))
            .cloned())
    }

    async fn save_party(&self, party: &Party, expected_version: Option<u64>) -> Result<u64> {
        let mut state = self.lock();
        let id = party.id();
        let current = state.parties.get(&id).map(|p| p.version);
        let version = match (current, expected_version) {
            (None, None) => 1,
            (Some(v), Some(expected)) if v == expected => v + 1,
            (Some(_), None) => {
                return Err(Error::Conflict(format!("party {id} already exists")));
            }
            (None, Some(_)) => return Err(Error::Conflict(format!("party {id} is gone"))),
            (Some(v), Some(expected)) => {
                return Err(Error::Conflict(format!(
                    "party {id} is at version {v}, not {expected}"
                )));
            }
        };
        for &member in party.members() {
            if let Some(&other) = state.party_of.get(&member)
                && other != id
            {
                return Err(Error::PartyRule {
                    party: id,
                    reason: format!("player {member} belongs to party {other}"),
                });
            }
        }
        if let Some(old) = state.parties.remove(&id) {
            for member in old.value.members() {
                state.party_of.remove(member);
            }
        }
        for &member in party.members() {
            state.party_of.insert(member, id);
        }
        state.parties.insert(
            id,
            Versioned {
                value: party.clone(),
                version,
            },
        );
        Ok(version)
    }

    async fn delete_party(&self, party: PartyId, expected_version: u64) -> Result<()> {
        let mut state = self.lock();
        match state.parties.get(&party).map(|p| p.version) {
            None => return Err(Error::Conflict(format!("party {party} is gone"))),
            Some(v) if v != expected_version => {
                return Err(Error::Conflict(format!(
                    "party {party} is at version {v}, not {expected_version}"
                )));
            }
            Some(_) => {}
        }
        if let Some(old) = state.parties.remove(&party) {
            for member in old.value.members() {
                state.party_of.remove(member);
            }
        }
        Ok(())
    }
}

#[async_trait]
impl MatchHistory for MemoryStore {
    async fn match_record(&self, lobby: LobbyId) -> Result<Option<MatchRecord>> {
        Ok(self.lock().records.get(&lobby).cloned())
    }

    async fn matches_of(
        &self,
        player: PlayerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<MatchRecord>> {
        // An inverted range is empty (`BTreeSet::range` would panic on it).
        if from.zip(to).is_some_and(|(from, to)| from >= to) {
            return Ok(Vec::new());
        }
        let state = self.lock();
        let Some(played) = state.records_of.get(&player) else {
            return Ok(Vec::new());
        };
        let first = LobbyId::from_u128(0);
        let lower = from.map_or(Bound::Unbounded, |at| Bound::Included((at, first)));
        let upper = to.map_or(Bound::Unbounded, |at| Bound::Excluded((at, first)));
        Ok(played
            .range((lower, upper))
            .rev()
            .take(limit)
            .filter_map(|(_, lobby)| state.records.get(lobby).cloned())
            .collect())
    }
}
