//! Moving values between Rust and the tables: exact times, JSON bodies,
//! text PostgreSQL can hold, and appending events to the outbox.

use chrono::{DateTime, Datelike, Duration, Utc};
use matchforge_core::Result;
use matchforge_core::event::{Event, EventKind};
use matchforge_core::lobby::LobbyPhase;
use matchforge_core::ticket::Ticket;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{TxError, corrupt, tx_error};

/// A time as `(microseconds, nanoseconds beyond them)`: the first is what a
/// `timestamptz` holds, the second (0..=999) what its `*_ns` column holds.
pub(crate) fn split(t: DateTime<Utc>) -> (DateTime<Utc>, i16) {
    let sub = t.timestamp_subsec_nanos() % 1000;
    (
        t - Duration::nanoseconds(i64::from(sub)),
        i16::try_from(sub).unwrap_or(0),
    )
}

/// The inverse of [`split`].
pub(crate) fn join(micros: DateTime<Utc>, ns: i16) -> DateTime<Utc> {
    micros + Duration::nanoseconds(i64::from(ns))
}

/// Why `t` cannot be stored in a `timestamptz` (4713 BC to 294276 AD), if it
/// cannot.
pub(crate) fn unstorable_time(t: DateTime<Utc>) -> Option<String> {
    let year = t.year();
    (!(-4712..=294_275).contains(&year))
        .then(|| format!("{t} is outside PostgreSQL's timestamp range"))
}

/// Why `s` cannot be stored in a `text` column, if it cannot.
pub(crate) fn unstorable_text(what: &str, s: &str) -> Option<String> {
    s.contains('\0').then(|| {
        format!("{what} {s:?} contains a NUL character, which PostgreSQL text cannot hold")
    })
}

/// The longest queue or ladder name this store holds, in bytes. Both are
/// index keys, and a PostgreSQL btree entry holds at most about 2,700 bytes
/// (an incompressible longer name failed the whole transaction, a batch
/// included, with a server error).
pub(crate) const MAX_NAME_BYTES: usize = 1024;

/// Why a queue or ladder name `s` cannot be stored, if it cannot: a NUL, or
/// more than [`MAX_NAME_BYTES`].
pub(crate) fn unstorable_name(what: &str, s: &str) -> Option<String> {
    unstorable_text(what, s).or_else(|| {
        (s.len() > MAX_NAME_BYTES).then(|| {
            format!(
                "{what} is {} bytes long, more than the {MAX_NAME_BYTES} PostgreSQL indexes it under",
                s.len()
            )
        })
    })
}

/// Fails with a clear [`Backend`](matchforge_core::Error::Backend) error if
/// any of `problems` is set.
pub(crate) fn refuse_unstorable(
    what: &str,
    problems: impl IntoIterator<Item = Option<String>>,
) -> Result<()> {
    match problems.into_iter().flatten().next() {
        None => Ok(()),
        Some(problem) => Err(corrupt(format!("cannot store {what}: {problem}"))),
    }
}

/// `value` as the JSON text a `body` column holds.
pub(crate) fn to_json<T: Serialize>(value: &T, what: &str) -> Result<String> {
    serde_json::to_string(value).map_err(|e| corrupt(format!("cannot encode {what}: {e}")))
}

/// A `body` column's JSON back as a value; data that does not decode is a
/// [`Backend`](matchforge_core::Error::Backend) error.
pub(crate) fn from_json<T: DeserializeOwned>(json: &str, what: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| corrupt(format!("a stored {what} does not decode: {e}")))
}

/// A stored ticket's `body` back as a ticket; one that does not decode is a
/// [`Backend`](matchforge_core::Error::Backend) error naming the row (and
/// its queue, where the caller knows it), so an operator can find it.
pub(crate) fn ticket_from_json(id: Uuid, queue: Option<&str>, json: &str) -> Result<Ticket> {
    serde_json::from_str(json).map_err(|e| {
        let of_queue = queue
            .map(|q| format!(" of queue {q:?}"))
            .unwrap_or_default();
        corrupt(format!(
            "the stored ticket {id}{of_queue} does not decode: {e}"
        ))
    })
}

/// The `phase` column's value.
pub(crate) fn phase_name(phase: LobbyPhase) -> &'static str {
    match phase {
        LobbyPhase::Forming => "forming",
        LobbyPhase::AwaitingAcceptance => "awaiting_acceptance",
        LobbyPhase::Ready => "ready",
        LobbyPhase::Dispatched => "dispatched",
        LobbyPhase::Completed => "completed",
        LobbyPhase::Cancelled => "cancelled",
    }
}

/// The `kind` column's value.
fn kind_name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::TicketQueued { .. } => "ticket_queued",
        EventKind::TicketCancelled { .. } => "ticket_cancelled",
        EventKind::TicketExpired { .. } => "ticket_expired",
        EventKind::TicketMatched { .. } => "ticket_matched",
        EventKind::TicketRequeued { .. } => "ticket_requeued",
        EventKind::LobbyChanged { .. } => "lobby_changed",
        EventKind::Unknown => "unknown",
        _ => "other",
    }
}

/// Takes the event counter's row (held until the transaction ends, which
/// serialises appends in commit order) and appends `events` after it.
const APPEND: &str = "\
WITH counter AS (
    UPDATE event_counter SET last = last + $1 RETURNING last
), appended AS (
    INSERT INTO events (seq, at, kind, body)
    SELECT counter.last - $1 + e.n, e.at, e.kind, e.body::json
    FROM counter, unnest($2::timestamptz[], $3::text[], $4::text[]) WITH ORDINALITY AS e(at, kind, body, n)
)
SELECT last FROM counter";

/// [`APPEND`], then a `NOTIFY` (sent when the transaction commits) carrying
/// the last sequence number.
const APPEND_NOTIFY: &str = "\
WITH counter AS (
    UPDATE event_counter SET last = last + $1 RETURNING last
), appended AS (
    INSERT INTO events (seq, at, kind, body)
    SELECT counter.last - $1 + e.n, e.at, e.kind, e.body::json
    FROM counter, unnest($2::timestamptz[], $3::text[], $4::text[]) WITH ORDINALITY AS e(at, kind, body, n)
)
SELECT last FROM counter, pg_notify($5, last::text)";

/// Appends `events` to the outbox. Call it last in a transaction: from here
/// to the commit, other writers of the schema wait.
pub(crate) async fn append_events(
    conn: &mut PgConnection,
    events: &[Event],
    notify: Option<&str>,
    op: &'static str,
) -> Result<(), TxError> {
    if events.is_empty() {
        return Ok(());
    }
    let mut at = Vec::with_capacity(events.len());
    let mut kind = Vec::with_capacity(events.len());
    let mut body = Vec::with_capacity(events.len());
    for e in events {
        at.push(split(e.at).0);
        kind.push(kind_name(&e.kind));
        body.push(to_json(e, "an event")?);
    }
    let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
    let query = match notify {
        Some(_) => sqlx::query(APPEND_NOTIFY),
        None => sqlx::query(APPEND),
    };
    let query = query.bind(count).bind(at).bind(kind).bind(body);
    let query = match notify {
        Some(channel) => query.bind(channel),
        None => query,
    };
    query.execute(conn).await.map_err(tx_error(op))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn split_and_join_are_exact() {
        let base = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let before_2000 = Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap();
        for (t, ns) in [
            (base, 0),
            (base + Duration::nanoseconds(1), 1),
            (base + Duration::nanoseconds(999), 999),
            (base + Duration::nanoseconds(1_000), 0),
            (base + Duration::nanoseconds(123_456_789), 789),
            (before_2000 + Duration::nanoseconds(5), 5),
        ] {
            let (micros, sub) = split(t);
            assert_eq!(sub, ns, "{t}");
            assert_eq!(micros.timestamp_subsec_nanos() % 1000, 0, "{t}");
            assert_eq!(join(micros, sub), t, "{t}");
        }
    }

    #[test]
    fn unstorable_values() {
        let year = |y| Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(unstorable_time(year(2026)), None);
        assert_eq!(unstorable_time(year(-4712)), None);
        assert!(unstorable_time(year(-5000)).is_some());
        // chrono ends (year 262142) before PostgreSQL does (294276).
        assert_eq!(unstorable_time(DateTime::<Utc>::MAX_UTC), None);
        assert_eq!(unstorable_text("queue", "ranked"), None);
        assert!(unstorable_text("queue", "a\0b").is_some());
        assert_eq!(unstorable_name("queue", &"q".repeat(MAX_NAME_BYTES)), None);
        assert!(unstorable_name("queue", &"q".repeat(MAX_NAME_BYTES + 1)).is_some());
        assert!(unstorable_name("queue", "a\0b").is_some());
    }
}
