//! [`MatchHistory`] for [`PgStore`], and recording a match.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use matchforge_core::Result;
use matchforge_core::history::MatchRecord;
use matchforge_core::ids::{LobbyId, PlayerId};
use matchforge_core::ports::MatchHistory;
use sqlx::PgConnection;

use crate::codec::{
    from_json, refuse_unstorable, split, to_json, unstorable_name, unstorable_text, unstorable_time,
};
use crate::error::{TxError, backend, tx_error};
use crate::store::PgStore;

const INSERT: &str = "\
WITH recorded AS (
    INSERT INTO match_history (lobby, queue, ladder, server, started_at, completed_at, completed_ns, body)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::json)
)
INSERT INTO match_players (player, completed_at, completed_ns, lobby, team)
SELECT x.player, $6, $7, $1, x.team FROM unnest($9::uuid[], $10::int4[]) AS x(player, team)";

/// Refuses a record PostgreSQL could not hold.
pub(crate) fn check_record(record: &MatchRecord) -> Result<()> {
    refuse_unstorable(
        &format!("the match record of lobby {}", record.lobby),
        [
            unstorable_name("queue name", record.queue.as_str()),
            unstorable_name("ladder name", record.ladder.as_str()),
            record
                .server
                .as_deref()
                .and_then(|s| unstorable_text("server", s)),
            unstorable_time(record.started_at),
            unstorable_time(record.completed_at),
        ],
    )
}

/// Whether the match of `lobby` is recorded.
pub(crate) async fn is_recorded(conn: &mut PgConnection, lobby: LobbyId) -> Result<bool, TxError> {
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM match_history WHERE lobby = $1")
        .bind(lobby.as_uuid())
        .fetch_optional(conn)
        .await
        .map_err(tx_error("update_lobby"))?;
    Ok(found.is_some())
}

/// Adds `record` (checked beforehand) to the history and its per-player index.
pub(crate) async fn insert_record(
    conn: &mut PgConnection,
    record: &MatchRecord,
) -> Result<(), TxError> {
    let (completed, completed_ns) = split(record.completed_at);
    let mut seen = HashSet::new();
    let (mut players, mut teams) = (Vec::new(), Vec::new());
    for (team, members) in record.teams.iter().enumerate() {
        for player in members {
            if seen.insert(*player) {
                players.push(*player.as_uuid());
                teams.push(i32::try_from(team).unwrap_or(i32::MAX));
            }
        }
    }
    sqlx::query(INSERT)
        .bind(record.lobby.as_uuid())
        .bind(record.queue.as_str())
        .bind(record.ladder.as_str())
        .bind(record.server.as_deref())
        .bind(split(record.started_at).0)
        .bind(completed)
        .bind(completed_ns)
        .bind(to_json(record, "a match record")?)
        .bind(players)
        .bind(teams)
        .execute(conn)
        .await
        .map_err(tx_error("update_lobby"))?;
    Ok(())
}

/// A player's matches, newest first; the bounds are `(completed_at,
/// completed_ns)` row comparisons, so the primary key
/// `(player, completed_at, completed_ns, lobby)` serves every variant.
const OF_PLAYER: [&str; 4] = [
    "SELECT h.body::text FROM match_players p JOIN match_history h ON h.lobby = p.lobby \
     WHERE p.player = $1 \
     ORDER BY p.completed_at DESC, p.completed_ns DESC, p.lobby DESC LIMIT $2",
    "SELECT h.body::text FROM match_players p JOIN match_history h ON h.lobby = p.lobby \
     WHERE p.player = $1 AND (p.completed_at, p.completed_ns) >= ($3, $4) \
     ORDER BY p.completed_at DESC, p.completed_ns DESC, p.lobby DESC LIMIT $2",
    "SELECT h.body::text FROM match_players p JOIN match_history h ON h.lobby = p.lobby \
     WHERE p.player = $1 AND (p.completed_at, p.completed_ns) < ($3, $4) \
     ORDER BY p.completed_at DESC, p.completed_ns DESC, p.lobby DESC LIMIT $2",
    "SELECT h.body::text FROM match_players p JOIN match_history h ON h.lobby = p.lobby \
     WHERE p.player = $1 AND (p.completed_at, p.completed_ns) >= ($3, $4) \
     AND (p.completed_at, p.completed_ns) < ($5, $6) \
     ORDER BY p.completed_at DESC, p.completed_ns DESC, p.lobby DESC LIMIT $2",
];

#[async_trait]
impl MatchHistory for PgStore {
    async fn match_record(&self, lobby: LobbyId) -> Result<Option<MatchRecord>> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body::text FROM match_history WHERE lobby = $1")
                .bind(lobby.as_uuid())
                .fetch_optional(self.pool())
                .await
                .map_err(|e| backend("match_record", e))?;
        body.map(|b| from_json(&b, "match record")).transpose()
    }

    async fn matches_of(
        &self,
        player: PlayerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<MatchRecord>> {
        // chrono's range ends before PostgreSQL's: a time it cannot hold is
        // before every stored one, so as `from` it cuts nothing, as `to` all.
        let storable = |t: &DateTime<Utc>| unstorable_time(*t).is_none();
        if to.is_some_and(|t| !storable(&t)) {
            return Ok(Vec::new());
        }
        let from = from.filter(storable).map(split);
        let to = to.map(split);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let query = match (from, to) {
            (None, None) => sqlx::query_scalar(OF_PLAYER[0]),
            (Some(_), None) => sqlx::query_scalar(OF_PLAYER[1]),
            (None, Some(_)) => sqlx::query_scalar(OF_PLAYER[2]),
            (Some(_), Some(_)) => sqlx::query_scalar(OF_PLAYER[3]),
        };
        let mut query = query.bind(player.as_uuid()).bind(limit);
        for (t, ns) in from.into_iter().chain(to) {
            query = query.bind(t).bind(ns);
        }
        let bodies: Vec<String> = query
            .fetch_all(self.pool())
            .await
            .map_err(|e| backend("matches_of", e))?;
        bodies
            .iter()
            .map(|b| from_json(b, "match record"))
            .collect()
    }
}
