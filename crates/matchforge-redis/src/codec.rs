//! How values are written to and read from Redis: JSON documents, times that
//! Lua compares exactly, and the rows the scripts reply with.

use chrono::{DateTime, Utc};
use matchforge_core::ids::TicketId;
use matchforge_core::ports::Versioned;
use matchforge_core::ticket::Ticket;
use matchforge_core::{Error, Result};
use redis::Value;

use crate::BACKEND;

/// Serialises a value the store writes. The core's types always serialise.
///
/// Scripts compare stored documents as text: a lobby's copy of a ticket
/// against the waiting ticket (`commit`), a rating against the one an update
/// expects (`update_lobby`). So values equal as numbers must give equal text.
/// serde_json writes the shortest round-trip form of each number, the same
/// for equal values but one: `-0.0`, which is written as `0.0` here. Reading
/// is exact too (serde_json's `float_roundtrip`, which the workspace
/// enables), so a value read back and written again gives the stored text.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    let mut out = Vec::with_capacity(256);
    write_json(&mut out, value);
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// `"<version> <json>"`, the stored form of lobbies and parties.
pub(crate) fn versioned_json<T: serde::Serialize>(version: u64, value: &T) -> String {
    let mut out = format!("{version} ").into_bytes();
    write_json(&mut out, value);
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

fn write_json<T: serde::Serialize>(out: &mut Vec<u8>, value: &T) {
    let mut serializer = serde_json::Serializer::with_formatter(out, ZeroWithoutSign);
    value
        .serialize(&mut serializer)
        .expect("the core's types serialise to JSON");
}

/// serde_json's compact form, with `-0.0` written as `0.0`.
struct ZeroWithoutSign;

impl serde_json::ser::Formatter for ZeroWithoutSign {
    fn write_f64<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: f64,
    ) -> std::io::Result<()> {
        // `-0.0 + 0.0` is `0.0`; every other value is unchanged.
        serde_json::ser::CompactFormatter.write_f64(writer, value + 0.0)
    }

    fn write_f32<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: f32,
    ) -> std::io::Result<()> {
        serde_json::ser::CompactFormatter.write_f32(writer, value + 0.0)
    }
}

/// Decodes a stored document, naming where it came from if it is corrupt.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(json: &str, place: &str) -> Result<T> {
    serde_json::from_str(json)
        .map_err(|e| Error::backend(BACKEND, format!("corrupt value at {place}"), e))
}

/// Decodes a ticket stored in the hash `hash` (its field is the ticket's
/// id). On failure the error also names the id the damaged document still
/// shows, if it shows one (as a newer version's document does): that is its
/// field unless the damage reached the id itself. One ticket that does not
/// decode fails every read of its queue, and so its ticks, until an operator
/// repairs it, and this is what tells them which one.
pub(crate) fn ticket_from_json(json: &str, hash: &str) -> Result<Ticket> {
    serde_json::from_str(json).map_err(|e| {
        #[derive(serde::Deserialize)]
        struct IdOnly {
            id: TicketId,
        }
        let place = match serde_json::from_str::<IdOnly>(json) {
            Ok(IdOnly { id }) => format!("{hash}, field {id}"),
            Err(_) => format!("{hash} (a document that shows no ticket id)"),
        };
        Error::backend(BACKEND, format!("corrupt value at {place}"), e)
    })
}

/// Splits a stored `"<version> <json>"` and decodes it.
pub(crate) fn versioned<T: serde::de::DeserializeOwned>(
    stored: &str,
    place: &str,
) -> Result<Versioned<T>> {
    let (version, json) = stored
        .split_once(' ')
        .and_then(|(v, json)| Some((v.parse::<u64>().ok()?, json)))
        .ok_or_else(|| corrupt(place, "not \"<version> <json>\""))?;
    Ok(Versioned {
        value: from_json(json, place)?,
        version,
    })
}

/// A corrupt-value error without a driver error behind it.
pub(crate) fn corrupt(place: &str, why: &str) -> Error {
    Error::Backend {
        backend: BACKEND,
        message: format!("corrupt value at {place}: {why}"),
        source: None,
    }
}

/// A time as whole seconds and nanoseconds: both fit a Lua number (a
/// double) exactly, so scripts compare times without rounding.
pub(crate) fn secs_nanos(at: DateTime<Utc>) -> (i64, u32) {
    (at.timestamp(), at.timestamp_subsec_nanos())
}

/// The score of a waiting ticket: its enqueue time in microseconds (exact in
/// a double for ±285 years around 1970; the store re-sorts by the exact time
/// after reading, so ties within a microsecond still come out in order).
pub(crate) fn queue_score(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// A sorted-set member that orders by time then id within one score (the
/// time's whole seconds): `<nanos, 10 digits><id>`.
pub(crate) fn timed_member(at: DateTime<Utc>, id: impl std::fmt::Display) -> String {
    format!("{:010}{id}", at.timestamp_subsec_nanos())
}

/// Reads back a `"<secs> <nanos>"` time.
pub(crate) fn parse_time(stored: &str, place: &str) -> Result<DateTime<Utc>> {
    stored
        .split_once(' ')
        .and_then(|(s, n)| DateTime::from_timestamp(s.parse().ok()?, n.parse().ok()?))
        .ok_or_else(|| corrupt(place, "not a \"<secs> <nanos>\" time"))
}

/// Parses an id the store wrote.
pub(crate) fn parse_id<T: std::str::FromStr>(text: &str, place: &str) -> Result<T> {
    text.parse()
        .map_err(|_| corrupt(place, &format!("{text:?} is not an id")))
}

/// A reply that should be a string (or nil).
pub(crate) fn text(value: Value, place: &str) -> Result<Option<String>> {
    match value {
        Value::Nil => Ok(None),
        Value::BulkString(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|e| Error::backend(BACKEND, format!("non-UTF-8 value at {place}"), e)),
        Value::SimpleString(s) => Ok(Some(s)),
        Value::Int(i) => Ok(Some(i.to_string())),
        Value::Okay => Ok(Some("OK".to_owned())),
        other => Err(unexpected(place, &other)),
    }
}

/// A reply that should be an array.
pub(crate) fn array(value: Value, place: &str) -> Result<Vec<Value>> {
    match value {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        other => Err(unexpected(place, &other)),
    }
}

/// A reply that should be an array of strings (a script's result row).
pub(crate) fn row(value: Value, place: &str) -> Result<Vec<String>> {
    array(value, place)?
        .into_iter()
        .map(|v| text(v, place)?.ok_or_else(|| corrupt(place, "nil in a result row")))
        .collect()
}

/// An error for a reply of the wrong shape.
pub(crate) fn unexpected(place: &str, value: &Value) -> Error {
    corrupt(place, &format!("unexpected reply {value:?}"))
}
