//! Who is busy, and putting tickets in their queues: shared by `enqueue_many`
//! and by `update_lobby`'s requeue.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use matchforge_core::Error;
use matchforge_core::ids::{LobbyId, PlayerId, QueueName, TicketId};
use matchforge_core::ticket::Ticket;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::codec::{join, split, to_json, unstorable_name, unstorable_time};
use crate::error::{TxError, tx_error};

/// Where a busy player is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Busy {
    /// Waiting on this ticket, in this queue.
    Waiting(TicketId, QueueName),
    /// Seated in this unfinished lobby.
    Seated(LobbyId),
}

/// What the store holds about some tickets and players, read in one
/// statement, then updated as a batch accepts tickets one by one.
#[derive(Debug, Default)]
pub(crate) struct View {
    /// Waiting tickets by id, with their queue.
    waiting: HashMap<TicketId, QueueName>,
    /// Busy players.
    busy: HashMap<PlayerId, Busy>,
    /// Cooldown ends.
    cooldowns: HashMap<PlayerId, DateTime<Utc>>,
}

/// The waiting tickets among `$1`, the busy players and the cooldowns among `$2`.
const READ_VIEW: &str = "\
SELECT 0::int2, t.id, t.id, t.queue, NULL::uuid, NULL::timestamptz, NULL::int2
FROM tickets t WHERE t.id = ANY($1)
UNION ALL
SELECT 1::int2, b.player, b.ticket, t.queue, b.lobby, NULL, NULL
FROM busy_players b LEFT JOIN tickets t ON t.id = b.ticket WHERE b.player = ANY($2)
UNION ALL
SELECT 2::int2, c.player, NULL, NULL, NULL, c.until, c.until_ns
FROM cooldowns c WHERE c.player = ANY($2)";

type ViewRow = (
    i16,
    Uuid,
    Option<Uuid>,
    Option<String>,
    Option<Uuid>,
    Option<DateTime<Utc>>,
    Option<i16>,
);

impl View {
    /// Reads what the store holds about `tickets` (their ids and players).
    pub(crate) async fn read(
        conn: &mut PgConnection,
        tickets: &[Ticket],
        op: &'static str,
    ) -> Result<Self, TxError> {
        use crate::error::corrupt;
        let ids: Vec<Uuid> = tickets.iter().map(|t| *t.id().as_uuid()).collect();
        let players: Vec<Uuid> = tickets
            .iter()
            .flat_map(Ticket::player_ids)
            .map(|p| *p.as_uuid())
            .collect();
        let rows: Vec<ViewRow> = sqlx::query_as(READ_VIEW)
            .bind(ids)
            .bind(players)
            .fetch_all(conn)
            .await
            .map_err(tx_error(op))?;
        let mut view = View::default();
        for (kind, key, ticket, queue, lobby, until, until_ns) in rows {
            match (kind, ticket, queue, lobby, until, until_ns) {
                (0, _, Some(queue), ..) => {
                    view.waiting.insert(key.into(), QueueName::from(queue));
                }
                (1, Some(ticket), Some(queue), ..) => {
                    let busy = Busy::Waiting(ticket.into(), QueueName::from(queue));
                    view.busy.insert(key.into(), busy);
                }
                (1, None, _, Some(lobby), ..) => {
                    view.busy.insert(key.into(), Busy::Seated(lobby.into()));
                }
                (1, Some(ticket), None, ..) => {
                    return Err(corrupt(format!(
                        "busy_players says player {key} waits on ticket {ticket}, which does not wait"
                    ))
                    .into());
                }
                (2, .., Some(until), Some(ns)) => {
                    view.cooldowns.insert(key.into(), join(until, ns));
                }
                _ => {}
            }
        }
        Ok(view)
    }

    /// Why `ticket` may not start waiting, as `enqueue` reports it: its id is
    /// waiting, a player waits, a player is seated in an unfinished lobby
    /// other than `leaving`, or (when `cooldowns` is on) a player's cooldown
    /// has not ended at the ticket's enqueue time.
    pub(crate) fn refusal(
        &self,
        ticket: &Ticket,
        leaving: Option<LobbyId>,
        cooldowns: bool,
    ) -> Option<Error> {
        if let Some(queue) = self.waiting.get(&ticket.id()) {
            return Some(Error::AlreadyQueued {
                player: ticket.players()[0].id,
                ticket: ticket.id(),
                queue: queue.clone(),
            });
        }
        for player in ticket.player_ids() {
            if let Some(Busy::Waiting(held, queue)) = self.busy.get(&player) {
                return Some(Error::AlreadyQueued {
                    player,
                    ticket: *held,
                    queue: queue.clone(),
                });
            }
        }
        for player in ticket.player_ids() {
            if let Some(&Busy::Seated(lobby)) = self.busy.get(&player)
                && Some(lobby) != leaving
            {
                return Some(Error::InLobby { player, lobby });
            }
        }
        if cooldowns {
            for player in ticket.player_ids() {
                if let Some(&until) = self.cooldowns.get(&player)
                    && until > ticket.enqueued_at()
                {
                    return Some(Error::Cooldown { player, until });
                }
            }
        }
        None
    }

    /// Records that `ticket` now waits, for the next tickets of the batch.
    pub(crate) fn accept(&mut self, ticket: &Ticket) {
        self.waiting.insert(ticket.id(), ticket.queue().clone());
        for player in ticket.player_ids() {
            self.busy
                .insert(player, Busy::Waiting(ticket.id(), ticket.queue().clone()));
        }
    }
}

/// Why PostgreSQL cannot hold `ticket`, as an [`Error::InvalidTicket`].
pub(crate) fn unstorable_ticket(ticket: &Ticket) -> Option<Error> {
    unstorable_name("queue name", ticket.queue().as_str())
        .or_else(|| unstorable_time(ticket.enqueued_at()))
        .map(|problem| {
            Error::InvalidTicket(format!(
                "ticket {} cannot be stored in PostgreSQL: {problem}",
                ticket.id()
            ))
        })
}

/// Inserts tickets and their busy players.
const INSERT_WAITING: &str = "\
WITH inserted AS (
    INSERT INTO tickets (id, queue, enqueued_at, body)
    SELECT x.id, x.queue, x.at, x.body::json
    FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[]) AS x(id, queue, at, body)
)
INSERT INTO busy_players (player, ticket)
SELECT * FROM unnest($5::uuid[], $6::uuid[])";

/// Puts `tickets` (checked beforehand) in their queues.
pub(crate) async fn insert_waiting(
    conn: &mut PgConnection,
    tickets: &[&Ticket],
    op: &'static str,
) -> Result<(), TxError> {
    if tickets.is_empty() {
        return Ok(());
    }
    let n = tickets.len();
    let (mut ids, mut queues, mut ats, mut bodies) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut players, mut holders) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for t in tickets {
        ids.push(*t.id().as_uuid());
        queues.push(t.queue().as_str());
        ats.push(split(t.enqueued_at()).0);
        bodies.push(to_json(t, "a ticket")?);
        for p in t.player_ids() {
            players.push(*p.as_uuid());
            holders.push(*t.id().as_uuid());
        }
    }
    sqlx::query(INSERT_WAITING)
        .bind(ids)
        .bind(queues)
        .bind(ats)
        .bind(bodies)
        .bind(players)
        .bind(holders)
        .execute(conn)
        .await
        .map_err(tx_error(op))?;
    Ok(())
}
