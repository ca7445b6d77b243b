//! Claiming tickets for lobbies: `commit` and `commit_many`.
//!
//! # Design
//!
//! One transaction per call, whatever the number of lobbies:
//!
//! 0. refuse every finished lobby of the batch
//!    ([`check_commit`](matchforge_core::ports::check_commit)): it takes no
//!    part in what follows, claims nothing and takes no id;
//! 1. lock every ticket of the other lobbies that still waits with
//!    `SELECT … ORDER BY id FOR UPDATE`. A ticket another transaction is
//!    claiming makes this one wait; if that one commits, the row is gone and
//!    the ticket counts as missing here. Locks are taken in id order (as
//!    `expire` takes them), so two committers never deadlock;
//! 2. then read which of those lobbies' ids exist. After the locks, each
//!    statement's snapshot (read committed) sees a commit that held them
//!    first: the second of two racing commits of one lobby is told the
//!    lobby exists, not that its tickets are gone;
//! 3. decide lobby by lobby in Rust, exactly as sequential commits would: a
//!    lobby whose id exists (or an earlier lobby of the batch took) is a
//!    [`Conflict`](matchforge_core::Error::Conflict); one whose tickets are not
//!    all waiting, unchanged, and unclaimed by an earlier lobby reports the
//!    missing ones; the rest are committed;
//! 4. one statement inserts the committed lobbies, seats their players
//!    (their `busy_players` rows switch from ticket to lobby) and deletes
//!    the claimed tickets; a last one appends the events.
//!
//! Every ticket the transaction claims is locked by it from the read to the
//! commit, so no other transaction can claim it too: each ticket is claimed at
//! most once, and a lobby is stored only with all its tickets.

use std::collections::{HashMap, HashSet};

use matchforge_core::event::Event;
use matchforge_core::ids::{LobbyId, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::ports::{CommitOutcome, check_commit};
use matchforge_core::ticket::Ticket;
use matchforge_core::{Error, Result};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::codec::{
    append_events, from_json, phase_name, refuse_unstorable, split, to_json, unstorable_name,
    unstorable_time,
};
use crate::error::{TxError, tx_error};
use crate::store::{Shared, TxFuture};

/// Inserts lobbies at version 1 (all unfinished), seats the players of their
/// tickets (their `busy_players` rows switch from ticket to lobby), and
/// deletes the tickets.
const WRITE: &str = "\
WITH inserted AS (
    INSERT INTO lobbies (id, queue, phase, version, deadline, deadline_ns, created_at, updated_at, body)
    SELECT x.id, x.queue, x.phase, 1, x.deadline, x.deadline_ns, x.created_at, x.updated_at, x.body::json
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::int2[],
                $6::timestamptz[], $7::timestamptz[], $8::text[])
        AS x(id, queue, phase, deadline, deadline_ns, created_at, updated_at, body)
), seated AS (
    UPDATE busy_players b SET ticket = NULL, lobby = x.lobby
    FROM unnest($9::uuid[], $10::uuid[]) AS x(ticket, lobby)
    WHERE b.ticket = x.ticket
)
DELETE FROM tickets WHERE id = ANY($9)";

pub(crate) fn commit_tx<'c>(
    conn: &'c mut PgConnection,
    lobbies: &'c [Lobby],
    shared: &'c Shared,
) -> TxFuture<'c, Vec<Result<CommitOutcome>>> {
    Box::pin(async move {
        // Finished lobbies are refused first and looked at no further.
        let open: Vec<&Lobby> = lobbies.iter().filter(|l| check_commit(l).is_ok()).collect();
        let ticket_ids: Vec<Uuid> = open
            .iter()
            .flat_map(|l| l.ticket_ids())
            .map(|t| *t.as_uuid())
            .collect();
        let rows: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, body::text FROM tickets WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        )
        .bind(&ticket_ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(tx_error("commit"))?;
        let mut waiting: HashMap<TicketId, Ticket> = HashMap::with_capacity(rows.len());
        for (id, body) in rows {
            waiting.insert(id.into(), from_json(&body, "ticket")?);
        }
        // Read after the ticket locks: a commit of the same lobby that held
        // them committed before they were granted, and this statement's
        // snapshot (read committed) sees its lobby. Read before them, a
        // racing second commit of one lobby saw no lobby, then found its
        // tickets gone and reported them missing instead of the lobby taken.
        let lobby_ids: Vec<Uuid> = open.iter().map(|l| *l.id().as_uuid()).collect();
        let existing: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM lobbies WHERE id = ANY($1)")
            .bind(&lobby_ids)
            .fetch_all(&mut *conn)
            .await
            .map_err(tx_error("commit"))?;
        let mut taken: HashSet<LobbyId> = existing.into_iter().map(LobbyId::from).collect();

        let mut results = Vec::with_capacity(lobbies.len());
        let mut committed: Vec<&Lobby> = Vec::new();
        for lobby in lobbies {
            if let Err(refused) = check_commit(lobby) {
                results.push(Err(refused));
                continue;
            }
            if taken.contains(&lobby.id()) {
                results.push(Err(Error::Conflict(format!(
                    "lobby {} has already been committed",
                    lobby.id()
                ))));
                continue;
            }
            // A ticket counts as gone unless the very ticket the lobby holds
            // still waits (and no earlier lobby of the batch claimed it).
            let missing: Vec<TicketId> = lobby
                .tickets()
                .iter()
                .filter(|t| waiting.get(&t.id()) != Some(*t))
                .map(Ticket::id)
                .collect();
            if !missing.is_empty() {
                results.push(Ok(CommitOutcome::Conflict { missing }));
                continue;
            }
            if let Err(e) = check_storable(lobby) {
                results.push(Err(e));
                continue;
            }
            for id in lobby.ticket_ids() {
                waiting.remove(&id);
            }
            taken.insert(lobby.id());
            committed.push(lobby);
            results.push(Ok(CommitOutcome::Committed));
        }
        if committed.is_empty() {
            return Ok(results);
        }
        write(conn, &committed).await?;
        let events: Vec<Event> = committed.iter().flat_map(|l| l.commit_events()).collect();
        append_events(conn, &events, shared.notify.as_deref(), "commit").await?;
        Ok(results)
    })
}

/// Refuses a lobby PostgreSQL could not hold, before anything is written.
fn check_storable(lobby: &Lobby) -> Result<()> {
    refuse_unstorable(
        &format!("lobby {}", lobby.id()),
        [
            unstorable_name("queue name", lobby.queue().as_str()),
            unstorable_time(lobby.created_at()),
            unstorable_time(lobby.updated_at()),
            lobby.deadline().and_then(unstorable_time),
        ],
    )
}

async fn write(conn: &mut PgConnection, lobbies: &[&Lobby]) -> Result<(), TxError> {
    let n = lobbies.len();
    let mut ids = Vec::with_capacity(n);
    let mut queues = Vec::with_capacity(n);
    let mut phases = Vec::with_capacity(n);
    let mut deadlines = Vec::with_capacity(n);
    let mut deadline_ns = Vec::with_capacity(n);
    let mut created = Vec::with_capacity(n);
    let mut updated = Vec::with_capacity(n);
    let mut bodies = Vec::with_capacity(n);
    let (mut claimed, mut seat_lobbies) = (Vec::new(), Vec::new());
    for lobby in lobbies {
        let id = *lobby.id().as_uuid();
        ids.push(id);
        queues.push(lobby.queue().as_str());
        phases.push(phase_name(lobby.phase()));
        let deadline = lobby.deadline().map(split);
        deadlines.push(deadline.map(|d| d.0));
        deadline_ns.push(deadline.map(|d| d.1));
        created.push(split(lobby.created_at()).0);
        updated.push(split(lobby.updated_at()).0);
        bodies.push(to_json(lobby, "a lobby")?);
        for t in lobby.ticket_ids() {
            claimed.push(*t.as_uuid());
            seat_lobbies.push(id);
        }
    }
    sqlx::query(WRITE)
        .bind(ids)
        .bind(queues)
        .bind(phases)
        .bind(deadlines)
        .bind(deadline_ns)
        .bind(created)
        .bind(updated)
        .bind(bodies)
        .bind(claimed)
        .bind(seat_lobbies)
        .execute(conn)
        .await
        .map_err(tx_error("commit"))?;
    Ok(())
}
