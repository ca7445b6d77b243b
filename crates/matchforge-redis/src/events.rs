//! [`EventLog`] for [`RedisStore`]: one Redis Stream per namespace.
//!
//! Each writing script appends **one** stream entry holding all the events of
//! the call, one JSON document per line (so a batch of a thousand commits
//! costs one `XADD`, not four thousand). An event's cursor is the entry's id
//! `ms-seq` with the event's index folded into the minor part:
//! `(ms, seq << 20 | index)`. Cursors are therefore totally ordered in log
//! order, and a reader resumes exactly after any event, even mid-entry.
//!
//! Entry ids come from the Redis server's clock (`XADD *`), never from a
//! MatchForge clock: they only order the log. Redis keeps them increasing even
//! if its clock steps back.

use async_trait::async_trait;
use matchforge_core::Result;
use matchforge_core::event::{Event, EventCursor};
use matchforge_core::ports::EventLog;
use redis::cmd;

use crate::RedisStore;
use crate::codec::{array, corrupt, from_json, text};

/// Bits of the cursor's minor part that hold the event's index in its entry.
pub(crate) const INDEX_BITS: u32 = 20;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
/// Entries read per round trip at most.
const PAGE: usize = 64;

#[async_trait]
impl EventLog for RedisStore {
    async fn events_after(
        &self,
        after: Option<EventCursor>,
        limit: usize,
    ) -> Result<Vec<(EventCursor, Event)>> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let key = self.keys.events();
        // The entry of `after` is read again (inclusive start) and its events
        // up to `after` skipped; later pages start after the last entry read.
        let skip = after.map(|c| (c.major, c.minor >> INDEX_BITS, c.minor & INDEX_MASK));
        let mut start = skip.map_or_else(|| "-".to_owned(), |(ms, seq, _)| format!("{ms}-{seq}"));
        loop {
            let count = (limit - out.len()).min(PAGE);
            let mut range = cmd("XRANGE");
            range.arg(&key).arg(&start).arg("+").arg("COUNT").arg(count);
            let entries = array(self.conn.read("events_after", &range).await?, &key)?;
            let read = entries.len();
            for entry in entries {
                let (ms, seq, body) = parse_entry(entry, &key)?;
                for (index, json) in body.split('\n').enumerate() {
                    let index = index as u64;
                    if skip.is_some_and(|(m, s, i)| (m, s) == (ms, seq) && index <= i) {
                        continue;
                    }
                    let minor = seq
                        .checked_mul(1 << INDEX_BITS)
                        .map(|m| m | index)
                        .ok_or_else(|| corrupt(&key, "stream sequence too large"))?;
                    out.push((EventCursor::new(ms, minor), from_json(json, &key)?));
                    if out.len() == limit {
                        return Ok(out);
                    }
                }
                start = format!("({ms}-{seq}");
            }
            if read < count {
                return Ok(out);
            }
        }
    }
}

/// `[id, [field, value, ...]]` → (ms, seq, the `e` field).
fn parse_entry(entry: redis::Value, key: &str) -> Result<(u64, u64, String)> {
    let mut parts = array(entry, key)?.into_iter();
    let (Some(id), Some(fields)) = (parts.next(), parts.next()) else {
        return Err(corrupt(key, "a stream entry without id or fields"));
    };
    let id = text(id, key)?.unwrap_or_default();
    let (ms, seq) = id
        .split_once('-')
        .and_then(|(ms, seq)| Some((ms.parse().ok()?, seq.parse().ok()?)))
        .ok_or_else(|| corrupt(key, &format!("stream id {id:?}")))?;
    let mut fields = array(fields, key)?.into_iter();
    while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
        if text(name, key)?.as_deref() == Some("e") {
            let body = text(value, key)?.unwrap_or_default();
            return Ok((ms, seq, body));
        }
    }
    Err(corrupt(key, &format!("stream entry {id} has no events")))
}
