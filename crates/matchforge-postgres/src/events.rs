//! [`EventLog`] for [`PgStore`], and [`EventListener`] to wake up when
//! another instance appends.

use async_trait::async_trait;
use matchforge_core::Result;
use matchforge_core::event::{Event, EventCursor};
use matchforge_core::ports::EventLog;
use sqlx::postgres::{PgListener, PgPoolOptions};

use crate::codec::from_json;
use crate::error::backend;
use crate::store::PgStore;

#[async_trait]
impl EventLog for PgStore {
    /// The event with sequence number `n` (from 1, gap-free, in commit order)
    /// has cursor `(0, n)`; a cursor with a non-zero major part is past every
    /// event of this store.
    async fn events_after(
        &self,
        after: Option<EventCursor>,
        limit: usize,
    ) -> Result<Vec<(EventCursor, Event)>> {
        let after = match after {
            None => 0,
            Some(c) if c.major == 0 => i64::try_from(c.minor).unwrap_or(i64::MAX),
            Some(_) => return Ok(Vec::new()),
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT seq, body::text FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await
        .map_err(|e| backend("events_after", e))?;
        rows.into_iter()
            .map(|(seq, body)| {
                Ok((
                    EventCursor::new(0, seq.unsigned_abs()),
                    from_json(&body, "event")?,
                ))
            })
            .collect()
    }
}

impl PgStore {
    /// The `LISTEN` channel appends to this store's schema notify:
    /// `mf_events:<schema>`, with the last sequence number as payload.
    #[must_use]
    pub fn event_channel(&self) -> &str {
        &self.shared.channel
    }

    /// A listener on [`event_channel`](Self::event_channel), on a connection
    /// of its own (not one of the store's pool, which it would hold for as
    /// long as it lives).
    ///
    /// # Errors
    /// [`Backend`](matchforge_core::Error::Backend) if it cannot connect or listen.
    pub async fn listen(&self) -> Result<EventListener> {
        let own = PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(self.shared.connect.clone());
        let mut listener = PgListener::connect_with(&own)
            .await
            .map_err(|e| backend("listen", e))?;
        listener
            .listen(self.event_channel())
            .await
            .map_err(|e| backend("listen", e))?;
        Ok(EventListener { listener })
    }
}

/// Wakes up when any instance appends events to the store's schema.
///
/// A wake-up is a hint, not the data: the outbox table is the source of truth.
/// Notifications sent while the listener's connection was down are lost (it
/// reconnects by itself), and appends made with
/// [`with_notify(false)`](crate::PgOptions::with_notify) send none, so a
/// reader waits with a timeout and always reads on with
/// [`events_after`](EventLog::events_after) from its last cursor:
///
/// ```no_run
/// # async fn follow(store: matchforge_postgres::PgStore) -> Result<(), matchforge_core::Error> {
/// use std::time::Duration;
/// use matchforge_core::ports::EventLog;
///
/// let mut listener = store.listen().await?;
/// let mut cursor = None;
/// loop {
///     for (at, event) in store.events_after(cursor, 512).await? {
///         cursor = Some(at);
///         // handle `event` ...
/// #       let _ = event;
///     }
///     let _ = tokio::time::timeout(Duration::from_secs(1), listener.wait()).await;
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct EventListener {
    listener: PgListener,
}

impl EventListener {
    /// Waits for the next notification and returns the cursor of the last
    /// event it announces.
    ///
    /// # Errors
    /// [`Backend`](matchforge_core::Error::Backend) if the connection fails
    /// and cannot be re-established.
    pub async fn wait(&mut self) -> Result<EventCursor> {
        loop {
            let note = self
                .listener
                .recv()
                .await
                .map_err(|e| backend("listen", e))?;
            if let Ok(seq) = note.payload().parse::<u64>() {
                return Ok(EventCursor::new(0, seq));
            }
        }
    }
}
