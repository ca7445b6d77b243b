//! [`TicketStore`] for [`PgStore`], except commits (in `commit.rs`).

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use matchforge_core::event::Event;
use matchforge_core::ids::{PlayerId, QueueName, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::ports::{CommitOutcome, TicketStore, all_refused, check_commit};
use matchforge_core::ticket::Ticket;
use matchforge_core::{Error, Result};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::codec::{
    append_events, refuse_unstorable, ticket_from_json, unstorable_name, unstorable_time,
};
use crate::error::{TxError, backend, corrupt, tx_error};
use crate::store::{PgStore, Shared, TxFuture};
use crate::waiting::{View, insert_waiting, unstorable_ticket};

#[async_trait]
impl TicketStore for PgStore {
    async fn enqueue(&self, ticket: Ticket) -> Result<()> {
        let mut results = self.enqueue_many(vec![ticket]).await?;
        results
            .pop()
            .unwrap_or_else(|| Err(corrupt("enqueue_many returned no result")))
    }

    /// One transaction: one statement reads what the store holds about the
    /// batch's ticket ids and players, the checks run in Rust ticket by ticket
    /// (a later ticket sees the earlier accepted ones), and one statement
    /// inserts every accepted ticket, another appends their events. If a
    /// concurrent writer takes a player or id in between, the insert violates
    /// a key, and the transaction runs again from the read.
    async fn enqueue_many(&self, tickets: Vec<Ticket>) -> Result<Vec<Result<()>>> {
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        self.transaction("enqueue", &tickets, enqueue_tx).await
    }

    async fn cancel(&self, ticket: TicketId, at: DateTime<Utc>) -> Result<Ticket> {
        self.transaction("cancel", &(ticket, at), cancel_tx).await
    }

    async fn ticket(&self, ticket: TicketId) -> Result<Option<Ticket>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT queue, body::text FROM tickets WHERE id = $1")
                .bind(ticket.as_uuid())
                .fetch_optional(self.pool())
                .await
                .map_err(|e| backend("ticket", e))?;
        row.map(|(queue, body)| ticket_from_json(*ticket.as_uuid(), Some(&queue), &body))
            .transpose()
    }

    async fn ticket_of(&self, player: PlayerId) -> Result<Option<Ticket>> {
        let row: Option<(Uuid, String, String)> = sqlx::query_as(
            "SELECT t.id, t.queue, t.body::text FROM busy_players b \
             JOIN tickets t ON t.id = b.ticket WHERE b.player = $1",
        )
        .bind(player.as_uuid())
        .fetch_optional(self.pool())
        .await
        .map_err(|e| backend("ticket_of", e))?;
        row.map(|(id, queue, body)| ticket_from_json(id, Some(&queue), &body))
            .transpose()
    }

    /// Ordered by the index `(queue, enqueued_at, id)`, then by the exact
    /// enqueue time in Rust (the column holds microseconds; the sort is
    /// linear on input that is already in order).
    async fn tickets(&self, queue: &QueueName) -> Result<Vec<Ticket>> {
        // No ticket can be stored under a name PostgreSQL cannot hold.
        if unstorable_name("queue name", queue.as_str()).is_some() {
            return Ok(Vec::new());
        }
        let rows: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, body::text FROM tickets WHERE queue = $1 ORDER BY enqueued_at, id",
        )
        .bind(queue.as_str())
        .fetch_all(self.pool())
        .await
        .map_err(|e| backend("tickets", e))?;
        // One row that does not decode fails the whole queue's read (and so
        // its ticks) until it is repaired: the error names the row, so an
        // operator can find it.
        let mut tickets = rows
            .iter()
            .map(|(id, body)| ticket_from_json(*id, Some(queue.as_str()), body))
            .collect::<Result<Vec<_>>>()?;
        tickets.sort_by_key(|t| (t.enqueued_at(), t.id()));
        Ok(tickets)
    }

    async fn commit(&self, lobby: &Lobby) -> Result<CommitOutcome> {
        check_commit(lobby)?;
        let mut results = self.commit_many(std::slice::from_ref(lobby)).await?;
        results
            .pop()
            .unwrap_or_else(|| Err(corrupt("commit_many returned no outcome")))
    }

    /// One transaction, whatever the number of lobbies: it locks the batch's
    /// waiting tickets in id order (`SELECT … ORDER BY id FOR UPDATE`, so a
    /// ticket another committer holds makes it wait, and is gone if that one
    /// commits), decides lobby by lobby as sequential commits would, and
    /// writes the committed lobbies with one statement and their events with
    /// another. Every claimed ticket stays locked until the commit, so no
    /// other transaction can claim it too. Finished lobbies are refused
    /// first ([`check_commit`]); a batch of them only never reaches the
    /// database.
    async fn commit_many(&self, lobbies: &[Lobby]) -> Result<Vec<Result<CommitOutcome>>> {
        if let Some(refused) = all_refused(lobbies) {
            return Ok(refused);
        }
        self.transaction("commit", lobbies, crate::commit::commit_tx)
            .await
    }

    async fn expire(&self, tickets: &[TicketId], at: DateTime<Utc>) -> Result<Vec<Ticket>> {
        let mut seen = HashSet::new();
        let ids: Vec<TicketId> = tickets
            .iter()
            .copied()
            .filter(|t| seen.insert(*t))
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.transaction("expire", &(ids, at), expire_tx).await
    }
}

fn enqueue_tx<'c>(
    conn: &'c mut PgConnection,
    tickets: &'c Vec<Ticket>,
    shared: &'c Shared,
) -> TxFuture<'c, Vec<Result<()>>> {
    Box::pin(async move {
        let mut view = View::read(conn, tickets, "enqueue").await?;
        let mut results = Vec::with_capacity(tickets.len());
        let mut accepted = Vec::new();
        for ticket in tickets {
            let refusal = unstorable_ticket(ticket).or_else(|| view.refusal(ticket, None, true));
            match refusal {
                Some(e) => results.push(Err(e)),
                None => {
                    view.accept(ticket);
                    accepted.push(ticket);
                    results.push(Ok(()));
                }
            }
        }
        insert_waiting(conn, &accepted, "enqueue").await?;
        let events: Vec<Event> = accepted.iter().map(|t| Event::queued(t)).collect();
        append_events(conn, &events, shared.notify.as_deref(), "enqueue").await?;
        Ok(results)
    })
}

fn cancel_tx<'c>(
    conn: &'c mut PgConnection,
    &(ticket, at): &'c (TicketId, DateTime<Utc>),
    shared: &'c Shared,
) -> TxFuture<'c, Ticket> {
    Box::pin(async move {
        // The ticket first, then its players: locks in the order commits take them.
        let row: Option<(String, String)> =
            sqlx::query_as("DELETE FROM tickets WHERE id = $1 RETURNING queue, body::text")
                .bind(ticket.as_uuid())
                .fetch_optional(&mut *conn)
                .await
                .map_err(tx_error("cancel"))?;
        let Some((queue, body)) = row else {
            return Err(TxError::Fail(Error::TicketNotFound(ticket)));
        };
        // The event's time, refused as enqueue refuses a ticket's (the
        // delete above is rolled back).
        refuse_unstorable("the cancellation's event", [unstorable_time(at)])?;
        sqlx::query("DELETE FROM busy_players WHERE ticket = $1")
            .bind(ticket.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(tx_error("cancel"))?;
        let removed = ticket_from_json(*ticket.as_uuid(), Some(&queue), &body)?;
        let event = Event::cancelled(&removed, at);
        append_events(conn, &[event], shared.notify.as_deref(), "cancel").await?;
        Ok(removed)
    })
}

fn expire_tx<'c>(
    conn: &'c mut PgConnection,
    (ids, at): &'c (Vec<TicketId>, DateTime<Utc>),
    shared: &'c Shared,
) -> TxFuture<'c, Vec<Ticket>> {
    Box::pin(async move {
        let uuids: Vec<Uuid> = ids.iter().map(|t| *t.as_uuid()).collect();
        // Locks in id order, like commits, so the two never deadlock.
        let rows: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, body::text FROM tickets WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        )
        .bind(&uuids)
        .fetch_all(&mut *conn)
        .await
        .map_err(tx_error("expire"))?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        refuse_unstorable("the expiry's events", [unstorable_time(*at)])?;
        let found: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        // The tickets are locked already: their players' rows are ours to delete.
        sqlx::query(
            "WITH freed AS (DELETE FROM busy_players WHERE ticket = ANY($1)) \
             DELETE FROM tickets WHERE id = ANY($1)",
        )
        .bind(&found)
        .execute(&mut *conn)
        .await
        .map_err(tx_error("expire"))?;
        let mut by_id = std::collections::HashMap::with_capacity(rows.len());
        for (id, body) in rows {
            by_id.insert(TicketId::from_uuid(id), body);
        }
        // In the order asked, as the events are.
        let mut expired = Vec::with_capacity(by_id.len());
        for id in ids {
            if let Some(body) = by_id.get(id) {
                expired.push(ticket_from_json(*id.as_uuid(), None, body)?);
            }
        }
        let events: Vec<Event> = expired.iter().map(|t| Event::expired(t, *at)).collect();
        append_events(conn, &events, shared.notify.as_deref(), "expire").await?;
        Ok(expired)
    })
}
