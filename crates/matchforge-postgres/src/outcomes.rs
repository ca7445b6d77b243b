//! What a lobby update writes besides the lobby: cooldowns, ratings by
//! compare-and-set, the match record.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use matchforge_core::Error;
use matchforge_core::ids::PlayerId;
use matchforge_core::ports::LobbyUpdate;
use sqlx::PgConnection;

use crate::codec::split;
use crate::error::{TxError, tx_error};
use crate::history::{check_record, insert_record, is_recorded};
use crate::ratings::{Write, check_ladder, compare, read_ratings, write_ratings};

/// Sets cooldowns; an existing later end wins.
const COOLDOWNS: &str = "\
INSERT INTO cooldowns (player, until, until_ns)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int2[])
ON CONFLICT (player) DO UPDATE SET until = excluded.until, until_ns = excluded.until_ns
WHERE (excluded.until, excluded.until_ns) > (cooldowns.until, cooldowns.until_ns)";

/// Checks the ratings' compare-and-set (locking the stored ratings until the
/// transaction ends) and the record, in the memory adapter's order.
pub(crate) async fn check_outcomes(
    conn: &mut PgConnection,
    update: &LobbyUpdate,
) -> Result<(), TxError> {
    if let Some((ladder, changes)) = &update.ratings
        && !changes.is_empty()
    {
        check_ladder(ladder)?;
        let players: Vec<PlayerId> = changes.iter().map(|c| c.player).collect();
        let stored = read_ratings(conn, ladder, &players, true, "update_lobby").await?;
        compare(ladder, &stored, changes)?;
    }
    if let Some(record) = &update.record {
        let id = update.lobby.id();
        if record.lobby != id {
            return Err(Error::InvalidResult(format!(
                "lobby {id}: the match record is for lobby {}",
                record.lobby
            ))
            .into());
        }
        if is_recorded(conn, id).await? {
            return Err(
                Error::Conflict(format!("the match of lobby {id} is already recorded")).into(),
            );
        }
        check_record(record)?;
    }
    Ok(())
}

/// Writes the cooldowns, ratings and record of a checked update.
pub(crate) async fn write_outcomes(
    conn: &mut PgConnection,
    update: &LobbyUpdate,
) -> Result<(), TxError> {
    if !update.cooldowns.is_empty() {
        let mut latest: HashMap<PlayerId, DateTime<Utc>> = HashMap::new();
        for &(player, until) in &update.cooldowns {
            let end = latest.entry(player).or_insert(until);
            *end = (*end).max(until);
        }
        let (mut players, mut untils, mut nanos) = (Vec::new(), Vec::new(), Vec::new());
        for (player, until) in latest {
            let (micros, ns) = split(until);
            players.push(*player.as_uuid());
            untils.push(micros);
            nanos.push(ns);
        }
        sqlx::query(COOLDOWNS)
            .bind(players)
            .bind(untils)
            .bind(nanos)
            .execute(&mut *conn)
            .await
            .map_err(tx_error("update_lobby"))?;
    }
    if let Some((ladder, changes)) = &update.ratings {
        // A player whose first change starts from no rating had no row to
        // lock: their row is created with a plain insert, so one another
        // transaction created since the check makes this one run again (and
        // then fail the compare-and-set), instead of being overwritten.
        let mut was_stored: HashMap<PlayerId, bool> = HashMap::new();
        for c in changes {
            was_stored.entry(c.player).or_insert(c.before.is_some());
        }
        let (known, new): (Vec<_>, Vec<_>) = changes
            .iter()
            .map(|c| (c.player, c.after))
            .partition(|(p, _)| was_stored.get(p) == Some(&true));
        write_ratings(conn, ladder, &known, Write::Upsert, "update_lobby").await?;
        write_ratings(conn, ladder, &new, Write::Create, "update_lobby").await?;
    }
    if let Some(record) = &update.record {
        insert_record(conn, record).await?;
    }
    Ok(())
}
