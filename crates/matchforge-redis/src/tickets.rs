//! [`TicketStore`] for [`RedisStore`]: `enqueue.lua`, `commit.lua` and
//! `remove.lua`, each one atomic call over the whole batch.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use matchforge_core::event::Event;
use matchforge_core::ids::{PlayerId, QueueName, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::ports::{CommitOutcome, TicketStore, all_refused, check_commit};
use matchforge_core::ticket::Ticket;
use matchforge_core::{Error, Result};
use redis::{Value, cmd};

use crate::codec::{
    array, parse_id, queue_score, row, secs_nanos, text, ticket_from_json, timed_member, to_json,
    versioned_json,
};
use crate::conn::{Retry, SCRIPTS};
use crate::refusal::{Subject, refusal};
use crate::{BACKEND, RedisStore};

#[async_trait]
impl TicketStore for RedisStore {
    async fn enqueue(&self, ticket: Ticket) -> Result<()> {
        let mut results = self.enqueue_many(vec![ticket]).await?;
        results.pop().unwrap_or(Ok(()))
    }

    /// One script per part of the batch (250 tickets by default, see
    /// [`RedisConfig::with_batch_part`](crate::RedisConfig::with_batch_part)),
    /// pipelined: it reads every ticket id and player it needs in four
    /// commands, decides each ticket in order (a later one sees the earlier
    /// ones), then writes the accepted ones with a few variadic commands and
    /// one stream entry. Retried after a dropped connection: a ticket found
    /// waiting with exactly its own content counts as queued by the lost
    /// attempt.
    async fn enqueue_many(&self, tickets: Vec<Ticket>) -> Result<Vec<Result<()>>> {
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let part = batch_part(self.config.batch_part(), tickets.iter().map(Ticket::id));
        let parts = self
            .write_parts("enqueue", &SCRIPTS.enqueue, &tickets, part, encode_enqueue)
            .await;
        spread(parts, "enqueue", |_, rows| {
            rows.into_iter()
                .map(|r| {
                    if let Value::BulkString(ok) = &r
                        && ok == b"ok"
                    {
                        return Ok(Ok(()));
                    }
                    let r = row(r, "enqueue reply")?;
                    Ok(Err(refusal(&r, Subject::default(), "enqueue reply")?))
                })
                .collect()
        })
    }

    async fn cancel(&self, ticket: TicketId, at: DateTime<Utc>) -> Result<Ticket> {
        let body = [
            "ticket_cancelled".to_owned(),
            to_json(&at),
            ticket.to_string(),
        ];
        let removed = self.remove("cancel", &body).await?;
        removed
            .into_iter()
            .next()
            .ok_or(Error::TicketNotFound(ticket))
    }

    async fn ticket(&self, ticket: TicketId) -> Result<Option<Ticket>> {
        let mut get = cmd("HGET");
        get.arg(self.keys.tickets()).arg(ticket.to_string());
        let json = text(self.conn.read("ticket", &get).await?, "ticket reply")?;
        json.map(|j| ticket_from_json(&j, &self.keys.tickets()))
            .transpose()
    }

    async fn ticket_of(&self, player: PlayerId) -> Result<Option<Ticket>> {
        let reply = self.lookup("ticket_of", &[player.to_string()]).await?;
        let json = text(reply, "ticket_of reply")?;
        json.map(|j| ticket_from_json(&j, &self.keys.tickets()))
            .transpose()
    }

    /// The queue's sorted set orders by enqueue microsecond then id; the
    /// exact order (nanoseconds, then id) is restored here by a stable sort,
    /// linear on the already nearly sorted list.
    async fn tickets(&self, queue: &QueueName) -> Result<Vec<Ticket>> {
        let reply = self.lookup("tickets", &[queue.to_string()]).await?;
        let hash = self.keys.tickets();
        let mut tickets = array(reply, "tickets reply")?
            .into_iter()
            .filter_map(|v| text(v, "tickets reply").transpose())
            .map(|json| ticket_from_json(&json?, &hash))
            .collect::<Result<Vec<_>>>()?;
        tickets.sort_by_key(|t| (t.enqueued_at(), t.id()));
        Ok(tickets)
    }

    async fn commit(&self, lobby: &Lobby) -> Result<CommitOutcome> {
        check_commit(lobby)?;
        let mut outcomes = self.commit_many(std::slice::from_ref(lobby)).await?;
        outcomes.pop().unwrap_or(Ok(CommitOutcome::Conflict {
            missing: Vec::new(),
        }))
    }

    /// One script per part of the batch (250 lobbies by default, see
    /// [`RedisConfig::with_batch_part`](crate::RedisConfig::with_batch_part)),
    /// pipelined: two reads (the lobby ids, the tickets' stored
    /// JSON), a decision per lobby in order, then variadic writes and one
    /// stream entry. A finished lobby is refused first, by the script (so
    /// its place in the batch is kept), with the error of
    /// [`check_commit`]; a batch of finished lobbies only is refused without
    /// a round trip, and a finished lobby in a part that failed gets that
    /// error too, not the part's. A ticket counts as waiting only if the very ticket the
    /// lobby holds is stored (its stored JSON must appear verbatim in the
    /// lobby's). Retried after a dropped connection: a lobby found stored with
    /// exactly its own content counts as committed by the lost attempt.
    async fn commit_many(&self, lobbies: &[Lobby]) -> Result<Vec<Result<CommitOutcome>>> {
        if let Some(refused) = all_refused(lobbies) {
            return Ok(refused);
        }
        let part = batch_part(self.config.batch_part(), lobbies.iter().map(Lobby::id));
        let parts = self
            .write_parts("commit", &SCRIPTS.commit, lobbies, part, encode_commit)
            .await;
        spread(parts, "commit", |first, rows| {
            rows.into_iter()
                .zip(&lobbies[first..])
                .map(|(r, lobby)| {
                    let r = match r {
                        Value::BulkString(status) => {
                            vec![String::from_utf8_lossy(&status).into_owned()]
                        }
                        other => row(other, "commit reply")?,
                    };
                    Ok(match r.first().map(String::as_str) {
                        Some("committed") => Ok(CommitOutcome::Committed),
                        Some("missing") => Ok(CommitOutcome::Conflict {
                            missing: r[1..]
                                .iter()
                                .map(|id| parse_id(id, "commit reply"))
                                .collect::<Result<_>>()?,
                        }),
                        Some("exists") => Err(Error::Conflict(format!(
                            "lobby {} has already been committed",
                            lobby.id()
                        ))),
                        Some("finished") => match check_commit(lobby) {
                            Err(refused) => Err(refused),
                            Ok(()) => {
                                return Err(crate::codec::corrupt(
                                    "commit reply",
                                    &format!("an unfinished lobby refused as finished: {r:?}"),
                                ));
                            }
                        },
                        _ => return Err(crate::codec::corrupt("commit reply", &format!("{r:?}"))),
                    })
                })
                .collect()
        })
        .map(|outcomes| {
            // A finished lobby was refused whatever became of its part.
            outcomes
                .into_iter()
                .zip(lobbies)
                .map(|(outcome, lobby)| check_commit(lobby).and(outcome))
                .collect()
        })
    }

    async fn expire(&self, tickets: &[TicketId], at: DateTime<Utc>) -> Result<Vec<Ticket>> {
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let mut body = vec!["ticket_expired".to_owned(), to_json(&at)];
        body.extend(tickets.iter().map(ToString::to_string));
        self.remove("expire", &body).await
    }
}

/// The events of a batch, one JSON per line, and where each item's are.
#[derive(Default)]
struct EventBlob {
    bytes: Vec<u8>,
}

impl EventBlob {
    /// Appends an item's events; returns their byte length and count.
    fn item(&mut self, events: impl IntoIterator<Item = Event>) -> (usize, usize) {
        if !self.bytes.is_empty() {
            self.bytes.push(b'\n');
        }
        let start = self.bytes.len();
        let mut count = 0;
        for event in events {
            if count > 0 {
                self.bytes.push(b'\n');
            }
            serde_json::to_writer(&mut self.bytes, &event).expect("events serialise");
            count += 1;
        }
        (self.bytes.len() - start, count)
    }

    fn finish(self) -> String {
        String::from_utf8(self.bytes).expect("serde_json writes UTF-8")
    }
}

/// The part size for a batch of items with these ids: `part`, or the whole
/// batch when an id repeats. A repeat must be decided in the same script
/// call as its first occurrence: a later call, replayed after a dropped
/// connection, would take the earlier occurrence for its own lost attempt.
fn batch_part<I: Ord>(part: usize, ids: impl ExactSizeIterator<Item = I>) -> usize {
    let n = ids.len();
    if n <= part {
        return n;
    }
    let mut ids: Vec<I> = ids.collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        n
    } else {
        part
    }
}

/// Turns the replies of a batch's parts (item count, reply) into one result
/// per item, each part's rows decoded by `decode` (given the index of the
/// part's first item). A part that failed gives each of its items that
/// error; only when every part failed does the batch fail as a whole, with
/// the first part's error. (A part whose connection failed may still have
/// run, whole: its error says the outcome is unknown.)
fn spread<T>(
    parts: Vec<(usize, Result<Value>)>,
    what: &str,
    mut decode: impl FnMut(usize, Vec<Value>) -> Result<Vec<Result<T>>>,
) -> Result<Vec<Result<T>>> {
    if parts.iter().all(|(_, reply)| reply.is_err()) {
        let mut errors = parts.into_iter().filter_map(|(_, reply)| reply.err());
        return Err(errors.next().unwrap_or_else(|| {
            crate::codec::corrupt(&format!("{what} reply"), "no part was sent")
        }));
    }
    let mut out = Vec::with_capacity(parts.iter().map(|(n, _)| n).sum());
    let mut first = 0;
    for (n, reply) in parts {
        let decoded = reply.and_then(|reply| {
            let rows = array(reply, &format!("{what} reply"))?;
            if rows.len() == n {
                decode(first, rows)
            } else {
                Err(crate::codec::corrupt(
                    &format!("{what} reply"),
                    "one row per item expected",
                ))
            }
        });
        match decoded {
            Ok(rows) => out.extend(rows),
            Err(e) => out.extend((0..n).map(|_| {
                Err(Error::Backend {
                    backend: BACKEND,
                    message: format!(
                        "{what}: the part of the batch with items {first}..{} failed: {e}",
                        first + n
                    ),
                    source: None,
                })
            })),
        }
        first += n;
    }
    Ok(out)
}

/// The arguments of `enqueue.lua` for `tickets`.
fn encode_enqueue(tickets: &[Ticket]) -> Vec<String> {
    let mut body = Vec::with_capacity(2 + tickets.len() * 9);
    let mut events = EventBlob::default();
    body.push(tickets.len().to_string());
    for t in tickets {
        let (secs, nanos) = secs_nanos(t.enqueued_at());
        let (len, _) = events.item([Event::queued(t)]);
        body.extend([
            t.id().to_string(),
            to_json(t),
            t.queue().to_string(),
            queue_score(t.enqueued_at()).to_string(),
            secs.to_string(),
            nanos.to_string(),
            len.to_string(),
            t.size().to_string(),
        ]);
        body.extend(t.player_ids().map(|p| p.to_string()));
    }
    body.push(events.finish());
    body
}

/// The arguments of `commit.lua` for `lobbies`.
fn encode_commit(lobbies: &[Lobby]) -> Vec<String> {
    let mut body = Vec::with_capacity(2 + lobbies.len() * 20);
    let mut events = EventBlob::default();
    body.push(lobbies.len().to_string());
    for lobby in lobbies {
        push_commit(&mut body, &mut events, lobby);
    }
    body.push(events.finish());
    body
}

/// The arguments of one lobby for `commit.lua` (which refuses a finished one).
fn push_commit(body: &mut Vec<String>, events: &mut EventBlob, lobby: &Lobby) {
    let unfinished = check_commit(lobby).is_ok();
    let deadline = lobby.deadline().filter(|_| unfinished);
    body.extend([
        lobby.id().to_string(),
        versioned_json(1, lobby),
        if unfinished { "1" } else { "0" }.to_owned(),
        deadline.map_or_else(String::new, |d| d.timestamp().to_string()),
        deadline.map_or_else(String::new, |d| timed_member(d, lobby.id())),
    ]);
    body.push(lobby.tickets().len().to_string());
    for t in lobby.tickets() {
        body.extend([
            t.id().to_string(),
            t.queue().to_string(),
            t.size().to_string(),
        ]);
        body.extend(t.player_ids().map(|p| p.to_string()));
    }
    let (len, count) = events.item(lobby.commit_events());
    body.extend([len.to_string(), count.to_string()]);
}

impl RedisStore {
    /// Runs `remove.lua` (cancel, expire); never retried, since a lost reply
    /// cannot be told apart from a ticket that was never waiting.
    async fn remove(&self, what: &'static str, body: &[String]) -> Result<Vec<Ticket>> {
        let reply = self
            .write(what, Retry::Never, &SCRIPTS.remove, body)
            .await?;
        let hash = self.keys.tickets();
        array(reply, "remove reply")?
            .into_iter()
            .filter_map(|v| text(v, "remove reply").transpose())
            .map(|json| ticket_from_json(&json?, &hash))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use matchforge_core::ids::LobbyId;
    use matchforge_core::matcher::Matcher;
    use matchforge_core::queue::{MatchFormat, QueueSpec, Widening};
    use matchforge_core::rating::{PartyRating, Rating};
    use matchforge_core::ticket::TicketPlayer;

    use super::*;
    use crate::RedisConfig;

    /// A store on a namespace of its own at `MATCHFORGE_REDIS_URL`, or `None`
    /// (after saying so) when it is unset and services are not required.
    async fn store() -> Option<RedisStore> {
        let Ok(url) = std::env::var("MATCHFORGE_REDIS_URL") else {
            assert_ne!(
                std::env::var("MATCHFORGE_REQUIRE_SERVICES").as_deref(),
                Ok("1"),
                "MATCHFORGE_REQUIRE_SERVICES=1 but MATCHFORGE_REDIS_URL is not set"
            );
            return None;
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let namespace = format!("test:{nanos:x}.{}.unit", std::process::id());
        let config = RedisConfig::new(url, namespace).expect("a valid namespace");
        Some(RedisStore::connect_with(config).await.expect("connect"))
    }

    /// Runs `script` over `body` as a retry after a dropped connection would.
    async fn replay(store: &RedisStore, script: &redis::Script, body: &[String]) -> Vec<Value> {
        let reply = store
            .conn
            .script(
                "replay",
                Retry::Never,
                script,
                &store.keys.events(),
                |_| store.script_head(true),
                body,
            )
            .await
            .expect("the replayed script");
        array(reply, "replay").expect("one row per item")
    }

    fn is_ok(v: &Value, ok: &[u8]) -> bool {
        matches!(v, Value::BulkString(s) if s == ok)
    }

    /// A replayed batch that names a ticket or a lobby twice decides the
    /// repeat as the lost attempt did: refused, not done a second time.
    #[tokio::test]
    async fn a_replayed_batch_refuses_its_repeats() {
        let Some(store) = store().await else { return };
        let q = QueueName::new("duel");
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let tickets: Vec<Ticket> = (1..=2u128)
            .map(|i| {
                let rating = Rating::new(1500.0, 80.0, 0.06).expect("rating");
                Ticket::builder(TicketId::from_u128(i), q.clone(), at)
                    .player(TicketPlayer::new(PlayerId::from_u128(i), rating))
                    .build(&PartyRating::Average)
                    .expect("ticket")
            })
            .collect();
        let config = QueueSpec::new(q.clone(), MatchFormat::one_v_one())
            .with_rating_window(Widening::fixed(1.0e6).expect("window"))
            .build()
            .expect("queue");
        let proposal = Matcher::new(config)
            .find_matches(&tickets, at)
            .proposals
            .pop()
            .expect("a match");
        let lobby =
            Lobby::new(LobbyId::from_u128(9), q, proposal, tickets.clone(), at).expect("lobby");

        // The lost attempt of [t1, t2, t1]: t1 and t2 queued, the repeat refused.
        let batch = vec![tickets[0].clone(), tickets[1].clone(), tickets[0].clone()];
        let first = store.enqueue_many(batch.clone()).await.expect("enqueue");
        assert!(first[2].is_err(), "{first:?}");
        let rows = replay(&store, &SCRIPTS.enqueue, &encode_enqueue(&batch)).await;
        assert!(is_ok(&rows[0], b"ok") && is_ok(&rows[1], b"ok"), "{rows:?}");
        assert!(!is_ok(&rows[2], b"ok"), "the repeat, replayed: {rows:?}");

        // The lost attempt of [lobby, lobby]: committed, then refused.
        let pair = [lobby.clone(), lobby];
        let first = store.commit_many(&pair).await.expect("commit");
        assert!(first[1].is_err(), "{first:?}");
        let rows = replay(&store, &SCRIPTS.commit, &encode_commit(&pair)).await;
        assert!(is_ok(&rows[0], b"committed"), "{rows:?}");
        assert!(is_ok(&rows[1], b"exists"), "the repeat, replayed: {rows:?}");
        store.purge().await.expect("purge");
    }
}
