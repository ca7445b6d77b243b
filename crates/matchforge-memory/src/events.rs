//! [`EventLog`] for [`MemoryStore`].

use async_trait::async_trait;
use matchforge_core::Result;
use matchforge_core::event::{Event, EventCursor};
use matchforge_core::ports::EventLog;

use crate::MemoryStore;

#[async_trait]
impl EventLog for MemoryStore {
    /// The n-th event ever appended (from 1) has cursor `(0, n)`. A cursor with
    /// a non-zero major part is past every event of this store. With a limit
    /// on the log ([`MemoryStore::with_event_log_max_len`]), a cursor older
    /// than the oldest event kept reads on from that event: the ones dropped
    /// in between are missed.
    async fn events_after(
        &self,
        after: Option<EventCursor>,
        limit: usize,
    ) -> Result<Vec<(EventCursor, Event)>> {
        let state = self.lock();
        // The sequence number of the first event to return, from 1.
        let next = match after {
            None => 1,
            Some(c) if c.major == 0 => c.minor.saturating_add(1),
            Some(_) => u64::MAX,
        };
        let start = usize::try_from(next.saturating_sub(state.events_trimmed + 1))
            .unwrap_or(usize::MAX)
            .min(state.events.len());
        Ok(state
            .events
            .range(start..)
            .take(limit)
            .zip(state.events_trimmed + start as u64 + 1..)
            .map(|(event, seq)| (EventCursor::new(0, seq), event.clone()))
            .collect())
    }
}
