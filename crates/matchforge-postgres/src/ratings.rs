//! [`RatingStore`] for [`PgStore`], and the rating reads and writes
//! `update_lobby` shares.

use std::collections::HashMap;

use async_trait::async_trait;
use matchforge_core::ids::{Ladder, PlayerId};
use matchforge_core::ports::RatingStore;
use matchforge_core::rating::Rating;
use matchforge_core::{Error, Result};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::codec::{refuse_unstorable, unstorable_name};
use crate::error::{TxError, corrupt, tx_error};
use crate::store::{PgStore, Shared, TxFuture};

type RatingRow = (Uuid, f64, f64, f64, i64);

const SELECT: &str = "SELECT player, rating, deviation, volatility, games FROM ratings \
     WHERE ladder = $1 AND player = ANY($2)";

/// The same, locking the rows (in player order) for a compare-and-set.
const SELECT_FOR_UPDATE: &str = "SELECT player, rating, deviation, volatility, games FROM ratings \
     WHERE ladder = $1 AND player = ANY($2) ORDER BY player FOR UPDATE";

const UPSERT: &str = "\
INSERT INTO ratings (ladder, player, rating, deviation, volatility, games)
SELECT $1, x.* FROM unnest($2::uuid[], $3::float8[], $4::float8[], $5::float8[], $6::int8[]) AS x
ON CONFLICT (ladder, player) DO UPDATE SET rating = excluded.rating,
    deviation = excluded.deviation, volatility = excluded.volatility, games = excluded.games";

fn decode(rows: Vec<RatingRow>) -> Result<HashMap<PlayerId, Rating>> {
    rows.into_iter()
        .map(|(player, rating, deviation, volatility, games)| {
            let games = u32::try_from(games)
                .map_err(|_| corrupt(format!("stored games {games} is not a u32")))?;
            let value = Rating::new(rating, deviation, volatility)
                .map_err(|e| corrupt(format!("a stored rating is invalid: {e}")))?
                .with_games(games);
            Ok((PlayerId::from(player), value))
        })
        .collect()
}

/// The stored ratings of `players` on `ladder`, locked until the transaction
/// ends when `lock` is set.
pub(crate) async fn read_ratings(
    conn: &mut PgConnection,
    ladder: &Ladder,
    players: &[PlayerId],
    lock: bool,
    op: &'static str,
) -> Result<HashMap<PlayerId, Rating>, TxError> {
    let ids: Vec<Uuid> = players.iter().map(|p| *p.as_uuid()).collect();
    let rows: Vec<RatingRow> = sqlx::query_as(if lock { SELECT_FOR_UPDATE } else { SELECT })
        .bind(ladder.as_str())
        .bind(ids)
        .fetch_all(conn)
        .await
        .map_err(tx_error(op))?;
    Ok(decode(rows)?)
}

/// Refuses a ladder name PostgreSQL could not hold (a NUL, or longer than
/// [`MAX_NAME_BYTES`](crate::codec::MAX_NAME_BYTES)).
pub(crate) fn check_ladder(ladder: &Ladder) -> Result<()> {
    refuse_unstorable("ratings", [unstorable_name("ladder name", ladder.as_str())])
}

/// Inserts ratings that must not exist yet: a row another transaction
/// created meanwhile violates the key, and the transaction runs again.
const INSERT: &str = "\
INSERT INTO ratings (ladder, player, rating, deviation, volatility, games)
SELECT $1, x.* FROM unnest($2::uuid[], $3::float8[], $4::float8[], $5::float8[], $6::int8[]) AS x";

/// How [`write_ratings`] treats a stored row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// Replace it, or create the row.
    Upsert,
    /// Only create rows: a stored one is a race lost ([`TxError::Retry`]).
    Create,
}

/// Stores `ratings` on `ladder`; a player listed twice gets the later
/// rating.
pub(crate) async fn write_ratings(
    conn: &mut PgConnection,
    ladder: &Ladder,
    ratings: &[(PlayerId, Rating)],
    how: Write,
    op: &'static str,
) -> Result<(), TxError> {
    let mut last: HashMap<PlayerId, usize> = HashMap::with_capacity(ratings.len());
    for (i, (player, _)) in ratings.iter().enumerate() {
        last.insert(*player, i);
    }
    let kept = ratings
        .iter()
        .enumerate()
        .filter(|(i, (player, _))| last.get(player) == Some(i))
        .map(|(_, r)| r);
    let (mut players, mut values, mut deviations, mut volatilities, mut games) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (player, rating) in kept {
        players.push(*player.as_uuid());
        values.push(rating.rating());
        deviations.push(rating.deviation());
        volatilities.push(rating.volatility());
        games.push(i64::from(rating.games()));
    }
    if players.is_empty() {
        return Ok(());
    }
    let sql = match how {
        Write::Upsert => UPSERT,
        Write::Create => INSERT,
    };
    sqlx::query(sql)
        .bind(ladder.as_str())
        .bind(players)
        .bind(values)
        .bind(deviations)
        .bind(volatilities)
        .bind(games)
        .execute(conn)
        .await
        .map_err(tx_error(op))?;
    Ok(())
}

#[async_trait]
impl RatingStore for PgStore {
    async fn ratings(&self, ladder: &Ladder, players: &[PlayerId]) -> Result<Vec<Option<Rating>>> {
        if players.is_empty() {
            return Ok(Vec::new());
        }
        // No rating can be stored on a ladder PostgreSQL cannot name.
        if check_ladder(ladder).is_err() {
            return Ok(vec![None; players.len()]);
        }
        let ids: Vec<Uuid> = players.iter().map(|p| *p.as_uuid()).collect();
        let rows: Vec<RatingRow> = sqlx::query_as(SELECT)
            .bind(ladder.as_str())
            .bind(ids)
            .fetch_all(self.pool())
            .await
            .map_err(|e| crate::error::backend("ratings", e))?;
        let stored = decode(rows)?;
        Ok(players.iter().map(|p| stored.get(p).copied()).collect())
    }

    async fn put_ratings(&self, ladder: &Ladder, ratings: &[(PlayerId, Rating)]) -> Result<()> {
        // Nothing to store is nothing to refuse, as in the other stores.
        if ratings.is_empty() {
            return Ok(());
        }
        check_ladder(ladder)?;
        self.transaction("put_ratings", &(ladder, ratings), put_tx)
            .await
    }
}

fn put_tx<'c>(
    conn: &'c mut PgConnection,
    (ladder, ratings): &'c (&Ladder, &[(PlayerId, Rating)]),
    _: &'c Shared,
) -> TxFuture<'c, ()> {
    Box::pin(
        async move { write_ratings(conn, ladder, ratings, Write::Upsert, "put_ratings").await },
    )
}

/// Checks a rating compare-and-set: each change's `before` must be the stored
/// rating (`None`: none stored), a player listed twice compared with the
/// earlier change's `after`.
pub(crate) fn compare(
    ladder: &Ladder,
    stored: &HashMap<PlayerId, Rating>,
    changes: &[matchforge_core::history::RatingChange],
) -> Result<()> {
    let mut seen: HashMap<PlayerId, Rating> = HashMap::new();
    for change in changes {
        let current = seen
            .get(&change.player)
            .or_else(|| stored.get(&change.player))
            .copied();
        if current != change.before {
            return Err(Error::Conflict(format!(
                "the rating of player {} on ladder {ladder} is not the one the update was computed from",
                change.player
            )));
        }
        seen.insert(change.player, change.after);
    }
    Ok(())
}
