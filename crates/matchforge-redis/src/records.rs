//! [`RatingStore`], [`PartyStore`] and [`MatchHistory`] for [`RedisStore`]:
//! the records that outlive a match.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use matchforge_core::Result;
use matchforge_core::history::MatchRecord;
use matchforge_core::ids::{Ladder, LobbyId, PartyId, PlayerId};
use matchforge_core::party::Party;
use matchforge_core::ports::{MatchHistory, PartyStore, RatingStore, Versioned};
use matchforge_core::rating::Rating;
use redis::cmd;

use crate::RedisStore;
use crate::codec::{
    array, corrupt, from_json, row, secs_nanos, text, to_json, versioned, versioned_json,
};
use crate::conn::{Retry, SCRIPTS};
use crate::refusal::{Subject, refusal};

#[async_trait]
impl RatingStore for RedisStore {
    async fn ratings(&self, ladder: &Ladder, players: &[PlayerId]) -> Result<Vec<Option<Rating>>> {
        if players.is_empty() {
            return Ok(Vec::new());
        }
        let key = self.keys.ratings(ladder);
        let mut get = cmd("HMGET");
        get.arg(&key);
        for p in players {
            get.arg(p.to_string());
        }
        array(self.conn.read("ratings", &get).await?, &key)?
            .into_iter()
            .map(|v| {
                text(v, &key)?
                    .map(|json| from_json(&json, &key))
                    .transpose()
            })
            .collect()
    }

    /// One `HSET` of every rating: atomic, and safe to repeat.
    async fn put_ratings(&self, ladder: &Ladder, ratings: &[(PlayerId, Rating)]) -> Result<()> {
        if ratings.is_empty() {
            return Ok(());
        }
        let mut set = cmd("HSET");
        set.arg(self.keys.ratings(ladder));
        for (player, rating) in ratings {
            set.arg(player.to_string()).arg(to_json(rating));
        }
        self.conn.read("put_ratings", &set).await.map(drop)
    }
}

#[async_trait]
impl PartyStore for RedisStore {
    async fn party(&self, party: PartyId) -> Result<Option<Versioned<Party>>> {
        let mut get = cmd("HGET");
        get.arg(self.keys.parties()).arg(party.to_string());
        let stored = text(self.conn.read("party", &get).await?, "party reply")?;
        stored
            .map(|s| versioned(&s, &format!("{} {party}", self.keys.parties())))
            .transpose()
    }

    async fn party_of(&self, player: PlayerId) -> Result<Option<Versioned<Party>>> {
        let reply = self.lookup("party_of", &[player.to_string()]).await?;
        let stored = text(reply, "party_of reply")?;
        stored
            .map(|s| versioned(&s, &self.keys.parties()))
            .transpose()
    }

    /// Retried after a dropped connection: a party found stored with exactly
    /// the new value counts as saved by the lost attempt.
    async fn save_party(&self, party: &Party, expected_version: Option<u64>) -> Result<u64> {
        // Saturating: no stored party is at `u64::MAX`, so the script
        // refuses such an update as a version conflict, as the other stores do.
        let version = expected_version.map_or(1, |v| v.saturating_add(1));
        let mut body = vec![
            party.id().to_string(),
            expected_version.map_or_else(String::new, |v| v.to_string()),
            versioned_json(version, party),
        ];
        body.extend(party.members().iter().map(ToString::to_string));
        let reply = self
            .write("save_party", Retry::Safe, &SCRIPTS.save_party, &body)
            .await?;
        let r = row(reply, "save_party reply")?;
        match r.as_slice() {
            [ok, version] if ok == "ok" => version
                .parse()
                .map_err(|_| corrupt("save_party reply", "not a version")),
            _ => {
                let subject = Subject {
                    lobby: None,
                    party: Some(party.id()),
                };
                Err(refusal(&r, subject, "save_party reply")?)
            }
        }
    }

    /// Retried after a dropped connection: a party already gone then counts
    /// as deleted by the lost attempt.
    async fn delete_party(&self, party: PartyId, expected_version: u64) -> Result<()> {
        let body = [party.to_string(), expected_version.to_string()];
        let reply = self
            .write("delete_party", Retry::Safe, &SCRIPTS.delete_party, &body)
            .await?;
        let r = row(reply, "delete_party reply")?;
        match r.first().map(String::as_str) {
            Some("ok") => Ok(()),
            _ => {
                let subject = Subject {
                    lobby: None,
                    party: Some(party),
                };
                Err(refusal(&r, subject, "delete_party reply")?)
            }
        }
    }
}

#[async_trait]
impl MatchHistory for RedisStore {
    async fn match_record(&self, lobby: LobbyId) -> Result<Option<MatchRecord>> {
        let mut get = cmd("HGET");
        get.arg(self.keys.records()).arg(lobby.to_string());
        let json = text(
            self.conn.read("match_record", &get).await?,
            "match_record reply",
        )?;
        json.map(|j| from_json(&j, &self.keys.records()))
            .transpose()
    }

    /// A player's history is a sorted set scored by completion second, with
    /// the nanoseconds leading each member, so the range is exact.
    async fn matches_of(
        &self,
        player: PlayerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<MatchRecord>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let bound = |at: Option<DateTime<Utc>>| match at.map(secs_nanos) {
            Some((s, n)) => [s.to_string(), n.to_string()],
            None => [String::new(), "0".to_owned()],
        };
        let mut args = vec![player.to_string()];
        args.extend(bound(from));
        args.extend(bound(to));
        args.push(limit.to_string());
        let reply = self.lookup("matches_of", &args).await?;
        array(reply, "matches_of reply")?
            .into_iter()
            .filter_map(|v| text(v, "matches_of reply").transpose())
            .map(|json| from_json(&json?, &self.keys.records()))
            .collect()
    }
}
