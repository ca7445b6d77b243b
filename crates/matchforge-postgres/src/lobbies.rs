//! [`LobbyStore`] for [`PgStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use matchforge_core::event::Event;
use matchforge_core::ids::{LobbyId, PlayerId};
use matchforge_core::lobby::Lobby;
use matchforge_core::ports::{LobbyStore, LobbyUpdate, Versioned};
use matchforge_core::{Error, Result};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::codec::{
    append_events, from_json, phase_name, refuse_unstorable, split, to_json, unstorable_time,
};
use crate::error::{TxError, backend, tx_error};
use crate::outcomes::{check_outcomes, write_outcomes};
use crate::store::{PgStore, Shared, TxFuture};
use crate::waiting::{View, insert_waiting, unstorable_ticket};

#[async_trait]
impl LobbyStore for PgStore {
    async fn lobby(&self, lobby: LobbyId) -> Result<Option<Versioned<Lobby>>> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT version, body::text FROM lobbies WHERE id = $1")
                .bind(lobby.as_uuid())
                .fetch_optional(self.pool())
                .await
                .map_err(|e| backend("lobby", e))?;
        row.map(|(version, body)| {
            Ok(Versioned {
                value: from_json(&body, "lobby")?,
                version: version.unsigned_abs(),
            })
        })
        .transpose()
    }

    /// One transaction: the lobby's row is locked (`FOR UPDATE`) and every
    /// rule is checked against what it and the other tables hold (ratings are
    /// locked too, and those expected absent are created by a plain insert
    /// that a concurrent creation makes run again, so their compare-and-set
    /// is exact); only then is anything
    /// written, the events last. Besides the port's rules, the readings of
    /// the memory adapter hold: tickets are requeued only by the update that
    /// finishes the lobby, each equal to the lobby's copy and listed once; a
    /// finished lobby is never updated again and phases only move forward
    /// ([`LobbyUpdate::check_against`]); the record must be the lobby's.
    async fn update_lobby(&self, update: LobbyUpdate) -> Result<u64> {
        self.transaction("update_lobby", &update, update_tx).await
    }

    async fn lobby_of(&self, player: PlayerId) -> Result<Option<LobbyId>> {
        let lobby: Option<Uuid> = sqlx::query_scalar(
            "SELECT lobby FROM busy_players WHERE player = $1 AND lobby IS NOT NULL",
        )
        .bind(player.as_uuid())
        .fetch_optional(self.pool())
        .await
        .map_err(|e| backend("lobby_of", e))?;
        Ok(lobby.map(LobbyId::from))
    }

    /// From the partial index `lobbies_due (deadline, deadline_ns, id)`, which
    /// holds only lobbies with an open ready check.
    async fn lobbies_due(&self, before: DateTime<Utc>, limit: usize) -> Result<Vec<LobbyId>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // chrono's range ends before PostgreSQL's: a time it cannot hold is
        // before every stored deadline.
        if unstorable_time(before).is_some() {
            return Ok(Vec::new());
        }
        let (micros, ns) = split(before);
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM lobbies WHERE deadline IS NOT NULL \
             AND (deadline, deadline_ns) <= ($1, $2) \
             ORDER BY deadline, deadline_ns, id LIMIT $3",
        )
        .bind(micros)
        .bind(ns)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await
        .map_err(|e| backend("lobbies_due", e))?;
        Ok(ids.into_iter().map(LobbyId::from).collect())
    }
}

fn update_tx<'c>(
    conn: &'c mut PgConnection,
    update: &'c LobbyUpdate,
    shared: &'c Shared,
) -> TxFuture<'c, u64> {
    Box::pin(async move {
        let lobby = &update.lobby;
        let id = lobby.id();
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT version, body::text FROM lobbies WHERE id = $1 FOR UPDATE")
                .bind(id.as_uuid())
                .fetch_optional(&mut *conn)
                .await
                .map_err(tx_error("update_lobby"))?;
        let Some((version, body)) = row else {
            return Err(Error::LobbyNotFound(id).into());
        };
        let old: Lobby = from_json(&body, "lobby")?;
        // The rules that depend only on the stored lobby, then those that
        // depend on the rest of the store.
        let finishing = update.check_against(&old, version.unsigned_abs())?;
        check_requeue(conn, update).await?;
        check_outcomes(conn, update).await?;
        refuse_unstorable(
            &format!("lobby {id}"),
            [
                unstorable_time(lobby.updated_at()),
                lobby.deadline().and_then(unstorable_time),
            ]
            .into_iter()
            .chain(update.cooldowns.iter().map(|(_, t)| unstorable_time(*t))),
        )?;

        let version = update.expected_version + 1;
        write_lobby(conn, lobby, version).await?;
        if finishing {
            sqlx::query("DELETE FROM busy_players WHERE lobby = $1")
                .bind(id.as_uuid())
                .execute(&mut *conn)
                .await
                .map_err(tx_error("update_lobby"))?;
        }
        let requeued: Vec<_> = update.requeue.iter().collect();
        insert_waiting(conn, &requeued, "update_lobby").await?;
        write_outcomes(conn, update).await?;
        let at = lobby.updated_at();
        let mut events = vec![lobby.state_event()];
        events.extend(update.requeue.iter().map(|t| Event::requeued(t, at)));
        append_events(conn, &events, shared.notify.as_deref(), "update_lobby").await?;
        Ok(version)
    })
}

/// The requeue rules that depend on the rest of the store: each ticket
/// storable and its players free to wait again.
async fn check_requeue(conn: &mut PgConnection, update: &LobbyUpdate) -> Result<(), TxError> {
    if update.requeue.is_empty() {
        return Ok(());
    }
    let id = update.lobby.id();
    let view = View::read(conn, &update.requeue, "update_lobby").await?;
    for ticket in &update.requeue {
        if let Some(e) = unstorable_ticket(ticket).or_else(|| view.refusal(ticket, Some(id), false))
        {
            return Err(e.into());
        }
    }
    Ok(())
}

/// Stores the lobby's new state and version.
async fn write_lobby(conn: &mut PgConnection, lobby: &Lobby, version: u64) -> Result<(), TxError> {
    let deadline = lobby.deadline().map(split);
    sqlx::query(
        "UPDATE lobbies SET phase = $2, version = $3, deadline = $4, deadline_ns = $5, \
         updated_at = $6, body = $7::text::json WHERE id = $1",
    )
    .bind(lobby.id().as_uuid())
    .bind(phase_name(lobby.phase()))
    .bind(i64::try_from(version).unwrap_or(i64::MAX))
    .bind(deadline.map(|d| d.0))
    .bind(deadline.map(|d| d.1))
    .bind(split(lobby.updated_at()).0)
    .bind(to_json(lobby, "a lobby")?)
    .execute(conn)
    .await
    .map_err(tx_error("update_lobby"))?;
    Ok(())
}
