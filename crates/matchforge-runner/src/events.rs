//! Events to subscribers.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use matchforge_core::error::Result;
use matchforge_core::event::{Event, EventCursor};
use matchforge_core::ports::DynStore;
use tracing::warn;

use crate::metrics;

/// Reads the store's event log from a cursor on, in order, waiting for new
/// events when it has caught up. Any process on the same store sees every
/// event the log still holds (the log is the store's); keep the cursor of
/// the last event handled to resume after a restart — delivery is at least
/// once.
///
/// A subscription is pulled by its reader: one that lags, or is dropped,
/// never holds up the tick loop or the services. But a store whose log is
/// capped (`MemoryStore::with_event_log_max_len`, the Redis store's
/// `RedisConfig::with_event_log_max_len`) drops its oldest events, and a reader that
/// falls further behind than the cap reads on from the oldest event kept:
/// the dropped ones are missed, with no error. Size the cap for the
/// slowest reader's lag.
///
/// ```
/// use std::sync::Arc;
/// use matchforge_core::event::EventKind;
/// use matchforge_core::ids::PlayerId;
/// use matchforge_core::queue::{MatchFormat, QueueSpec};
/// use matchforge_core::ticket::Attributes;
/// use matchforge_memory::MemoryStore;
/// use matchforge_runner::{EventSubscription, Matchmaker, QueueSettings};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), matchforge_core::Error> {
/// let duel = QueueSpec::new("duel", MatchFormat::one_v_one()).build()?;
/// let mm = Matchmaker::builder(Arc::new(MemoryStore::new()))
///     .queue(QueueSettings::new(duel))
///     .build()?;
/// let mut events = mm.subscribe(None);
/// let ticket = mm.join("duel", PlayerId::from_u128(1), Attributes::new(), &[]).await?;
/// let (_cursor, event) = events.next().await?;
/// assert!(matches!(event.kind, EventKind::TicketQueued { ticket: t, .. } if t == ticket.id()));
/// # Ok(())
/// # }
/// ```
pub struct EventSubscription {
    store: Arc<DynStore>,
    cursor: Option<EventCursor>,
    buffer: VecDeque<(EventCursor, Event)>,
    poll: Duration,
    /// How many events the next read asks for: [`PAGE`], or fewer after a
    /// read failed (see [`EventSubscription::try_next`]).
    page: usize,
}

/// The most events one read asks the store for.
const PAGE: usize = 512;

impl std::fmt::Debug for EventSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSubscription")
            .field("cursor", &self.cursor)
            .field("buffered", &self.buffer.len())
            .field("poll", &self.poll)
            .field("page", &self.page)
            .finish_non_exhaustive()
    }
}

impl EventSubscription {
    pub(crate) fn new(store: Arc<DynStore>, after: Option<EventCursor>) -> Self {
        Self {
            store,
            cursor: after,
            buffer: VecDeque::new(),
            poll: Duration::from_millis(50),
            page: PAGE,
        }
    }

    /// How long to wait before asking the store again once caught up
    /// (default 50 ms).
    #[must_use]
    pub fn with_poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// The cursor of the last event returned (or the starting cursor).
    #[must_use]
    pub fn cursor(&self) -> Option<EventCursor> {
        self.cursor
    }

    /// The next event, waiting for one if none is pending.
    ///
    /// # Errors
    /// Store errors (the subscription stays usable: call again to retry).
    pub async fn next(&mut self) -> Result<(EventCursor, Event)> {
        loop {
            if let Some(next) = self.try_next().await? {
                return Ok(next);
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// The next event if one is there now, without waiting.
    ///
    /// Events are read from the store in pages of up to 512. A page that
    /// fails to read may hold events that read well before one that does not
    /// (an entry written by a newer version with a value this one cannot
    /// parse, or a damaged one): the subscription then reads a single event
    /// to tell, and on success reads smaller pages until it reaches the bad
    /// event, so every event before it is delivered and the error is
    /// returned exactly when the event after [`cursor`](Self::cursor) is the
    /// one that cannot be read. Pages grow back after each successful read.
    ///
    /// # Errors
    /// Store errors, including an event after the cursor that cannot be read
    /// (repair or remove that entry in the store to read on).
    pub async fn try_next(&mut self) -> Result<Option<(EventCursor, Event)>> {
        if self.buffer.is_empty() {
            let events = self.read().await.inspect_err(|e| {
                warn!(error = %e, "reading events failed");
                metrics::error("events");
            })?;
            self.buffer.extend(events);
        }
        let next = self.buffer.pop_front();
        if let Some((cursor, _)) = &next {
            self.cursor = Some(*cursor);
        }
        Ok(next)
    }

    /// One read of the log after the cursor, adapting the page size.
    async fn read(&mut self) -> Result<Vec<(EventCursor, Event)>> {
        match self.store.events_after(self.cursor, self.page).await {
            Ok(events) => {
                self.page = (self.page * 2).min(PAGE);
                Ok(events)
            }
            Err(e) if self.page == 1 => Err(e),
            Err(e) => match self.store.events_after(self.cursor, 1).await {
                // The next event reads: a later one in the page did not
                // (or the store failed for a moment). Still worth a log.
                Ok(events) => {
                    warn!(error = %e, page = self.page, "reading a page of events failed; reading smaller pages");
                    metrics::error("events");
                    self.page = (self.page / 2).max(1);
                    Ok(events)
                }
                // The next event itself does not read, or the store is
                // down: until a read succeeds, ask for one event at a time.
                Err(_) => {
                    self.page = 1;
                    Err(e)
                }
            },
        }
    }
}

impl crate::Matchmaker {
    /// Events after `after` (from the beginning with `None`), as a
    /// subscription that waits for new ones.
    #[must_use]
    pub fn subscribe(&self, after: Option<EventCursor>) -> EventSubscription {
        EventSubscription::new(self.store.clone(), after)
    }
}
